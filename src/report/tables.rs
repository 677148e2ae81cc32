//! The plan's CSV tables: trajectory, plan per unit, plan per dwelling.
//!
//! Numbers are written with fixed decimals (euros to the cent, kWh/m² to 0.001, shares to 1e-6),
//! `,`-separated with decimal points, so that every run with the same inputs writes the same bytes.

use std::io::{self, Write};

use crate::label::EnergyLabel;
use crate::pipeline::PlanRun;

/// Fixed-decimal text without a negative zero.
pub fn fixed(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    if text.starts_with('-') && text[1..].chars().all(|c| c == '0' || c == '.') {
        text[1..].to_string()
    } else {
        text
    }
}

fn optional(value: Option<f64>, decimals: usize) -> String {
    value.map(|v| fixed(v, decimals)).unwrap_or_default()
}

/// Column names of `trajectory.csv`, in order.
pub fn trajectory_header() -> Vec<String> {
    let mut header: Vec<String> = [
        "year",
        "avg_heat_demand_kwh_m2",
        "path_target_kwh_m2",
        "label_a_or_better_share",
        "efg_count",
        "gas_free_count",
        "low_temp_ready_share",
        "spend_eur",
        "cumulative_spend_eur",
        "co2_tonnes",
        "tenant_savings_eur",
        "avg_ep2_kwh_m2",
        "avg_distance_to_standaard_kwh_m2",
        "dwellings_treated",
        "cumulative_dwellings_treated",
        "discounted_spend_eur",
        "budget_eur",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    header.extend(EnergyLabel::ALL.iter().map(|l| format!("label_{l}")));
    header
}

/// Writes `trajectory.csv`: the baseline row, then one row per planning year.
pub fn write_trajectory<W: Write>(out: W, run: &PlanRun) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(trajectory_header())?;
    for r in &run.evaluation.trajectory {
        let mut row = vec![
            r.year.to_string(),
            fixed(r.avg_heat_demand_kwh_m2, 3),
            optional(r.path_target_kwh_m2, 3),
            fixed(r.label_a_or_better_share, 6),
            r.efg_count.to_string(),
            r.gas_free_count.to_string(),
            fixed(r.low_temp_ready_share, 6),
            fixed(r.spend_eur, 2),
            fixed(r.cumulative_spend_eur, 2),
            fixed(r.co2_tonnes, 3),
            fixed(r.tenant_savings_eur, 2),
            fixed(r.avg_ep2_kwh_m2, 3),
            fixed(r.avg_distance_to_standaard_kwh_m2, 3),
            r.dwellings_treated.to_string(),
            r.cumulative_dwellings_treated.to_string(),
            fixed(r.discounted_spend_eur, 2),
            optional(r.budget_eur, 2),
        ];
        row.extend(r.label_counts.iter().map(|c| c.to_string()));
        w.write_record(&row)?;
    }
    w.flush()
}

/// Writes `plan.csv`: one row per unit that gets a package, in year then unit order.
pub fn write_plan<W: Write>(out: W, run: &PlanRun) -> io::Result<()> {
    let p = &run.prepared;
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "unit_id",
        "dwellings",
        "year",
        "package",
        "measures",
        "cost_eur",
        "heat_demand_reduction_kwh",
        "discounted_cost_eur",
        "cost_per_kwh_eur",
        "label_a_or_better_after",
        "gas_free_after",
        "efg_after",
    ])?;
    let mut rows: Vec<(u16, usize)> = run
        .solution
        .plan
        .assigned()
        .map(|(u, c)| (c.year, u))
        .collect();
    rows.sort_unstable();
    for (_, u) in rows {
        let outcome = &run.evaluation.units[u];
        let Some(choice) = outcome.choice else {
            continue;
        };
        let package = &p.catalogue.packages[choice.package as usize];
        let members = p.units.members(u);
        let after = |f: &dyn Fn(&crate::performance::Performance) -> bool| {
            members
                .iter()
                .filter(|&&i| f(&run.evaluation.dwellings[i as usize].after))
                .count()
                .to_string()
        };
        let per_kwh = if outcome.heat_demand_reduction_kwh > 0.0 {
            fixed(outcome.cost_eur / outcome.heat_demand_reduction_kwh, 4)
        } else {
            String::new()
        };
        w.write_record([
            p.units.units[u].id.clone(),
            outcome.dwellings.to_string(),
            choice.year.to_string(),
            package.id().to_string(),
            package.spec.measures(),
            fixed(outcome.cost_eur, 2),
            fixed(outcome.heat_demand_reduction_kwh, 1),
            fixed(outcome.discounted_cost_eur, 2),
            per_kwh,
            after(&|a| a.label.is_a_or_better()),
            after(&|a| a.gas_free),
            after(&|a| a.label.is_efg()),
        ])?;
    }
    w.flush()
}

/// Writes `plan_dwellings.csv`: one row per dwelling, in stock order; `year` and `package` are
/// empty for a dwelling the plan leaves alone.
pub fn write_plan_dwellings<W: Write>(out: W, run: &PlanRun) -> io::Result<()> {
    let p = &run.prepared;
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "dwelling_id",
        "unit_id",
        "floor_area_m2",
        "year",
        "package",
        "cost_eur",
        "heat_demand_before_kwh_m2",
        "heat_demand_after_kwh_m2",
        "ep2_before",
        "ep2_after",
        "label_before",
        "label_after",
        "gas_free_before",
        "gas_free_after",
        "standaard_kwh_m2",
        "low_temp_ready_after",
        "energy_bill_saving_eur",
    ])?;
    for (d, o) in p.stock.dwellings.iter().zip(&run.evaluation.dwellings) {
        let (year, package) = match o.choice {
            Some(c) => (
                c.year.to_string(),
                p.catalogue.packages[c.package as usize].id().to_string(),
            ),
            None => (String::new(), String::new()),
        };
        w.write_record([
            d.id.clone(),
            p.units.units[o.unit as usize].id.clone(),
            fixed(d.floor_area_m2, 2),
            year,
            package,
            fixed(o.cost_eur, 2),
            fixed(o.before.qh_nd_kwh_m2, 3),
            fixed(o.after.qh_nd_kwh_m2, 3),
            fixed(o.before.ep2_kwh_m2, 3),
            fixed(o.after.ep2_kwh_m2, 3),
            o.before.label.to_string(),
            o.after.label.to_string(),
            o.before.gas_free.to_string(),
            o.after.gas_free.to_string(),
            fixed(o.before.standaard_kwh_m2, 1),
            o.after.low_temp_ready.to_string(),
            fixed(o.before.energy_bill_eur - o.after.energy_bill_eur, 2),
        ])?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_has_no_negative_zero() {
        assert_eq!(fixed(-0.0001, 2), "0.00");
        assert_eq!(fixed(-1.5, 1), "-1.5");
        assert_eq!(fixed(2.0 / 3.0, 3), "0.667");
    }
}
