//! Short, aligned terminal summaries of an assessment and a plan.

use std::fmt::Write as _;

use crate::assess::Assessment;
use crate::report::Summary;

/// Thousands-separated whole number (`1,234,567`).
pub fn grouped(value: f64) -> String {
    let negative = value < 0.0;
    let digits = format!("{:.0}", value.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if negative && digits != "0" {
        out.insert(0, '-');
    }
    out
}

/// Euros in millions with two decimals (`€ 12.34 M`), or whole euros below a million.
pub fn euros(value: f64) -> String {
    if value.abs() >= 1e6 {
        format!("€ {:.2} M", value / 1e6)
    } else {
        format!("€ {}", grouped(value))
    }
}

/// A share as a percentage with one decimal.
pub fn percent(share: f64) -> String {
    format!("{:.1} %", 100.0 * share)
}

/// The `assess` report.
pub fn assessment(a: &Assessment) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "Stock {}", a.stock);
    let _ = writeln!(
        s,
        "  dwellings                    {:>12}",
        grouped(a.dwellings as f64)
    );
    if a.complexes > 0 {
        let _ = writeln!(
            s,
            "  complexes                    {:>12}",
            grouped(a.complexes as f64)
        );
    }
    if a.corporations > 0 {
        let _ = writeln!(
            s,
            "  corporations                 {:>12}",
            grouped(a.corporations as f64)
        );
    }
    let _ = writeln!(
        s,
        "  floor area                   {:>12} m²",
        grouped(a.floor_area_m2)
    );
    let _ = writeln!(
        s,
        "  average heat demand Q_H,nd   {:>12.1} kWh/m²",
        a.avg_heat_demand_kwh_m2
    );
    let _ = writeln!(
        s,
        "  average isolatiestandaard    {:>12.1} kWh/m²",
        a.avg_standaard_kwh_m2
    );
    let _ = writeln!(
        s,
        "  distance to the standaard    {:>12.1} kWh/m²",
        a.avg_distance_to_standaard_kwh_m2
    );
    let _ = writeln!(
        s,
        "  average EP2 (per dwelling)   {:>12.1} kWh/m²",
        a.mean_ep2_kwh_m2
    );
    let _ = writeln!(
        s,
        "  label A or better            {:>12}",
        percent(a.label_a_or_better_share)
    );
    let _ = writeln!(
        s,
        "  E/F/G                        {:>12} ({})",
        grouped(a.efg_count as f64),
        percent(a.efg_share)
    );
    let _ = writeln!(
        s,
        "  gas-free                     {:>12} ({})",
        grouped(a.gas_free_count as f64),
        percent(a.gas_free_share)
    );
    let _ = writeln!(
        s,
        "  low-temperature ready        {:>12}",
        percent(a.low_temp_ready_share)
    );
    let _ = writeln!(
        s,
        "  registered label             {:>12}",
        percent(a.registered_label_share)
    );
    let _ = writeln!(s, "Labels");
    let max = a
        .labels
        .iter()
        .map(|l| l.dwellings)
        .max()
        .unwrap_or(1)
        .max(1);
    for l in &a.labels {
        let bar = "█".repeat(((l.dwellings as f64 / max as f64) * 40.0).round() as usize);
        let _ = writeln!(
            s,
            "  {:<6} {:>10} {:>7}  {}",
            l.label.as_str(),
            grouped(l.dwellings as f64),
            percent(l.share),
            bar
        );
    }
    if let Some(report) = &a.data_report {
        let _ = writeln!(s, "Data report");
        for line in report.lines() {
            let _ = writeln!(s, "  {line}");
        }
    }
    s
}

/// The `plan` report.
pub fn plan(summary: &Summary, out: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Plan for {} dwellings in {} units, {}–{} (solver: {}, {})",
        grouped(summary.dwellings as f64),
        grouped(summary.units as f64),
        summary.first_year,
        summary.last_year,
        summary.solver,
        // A limit is part of the status: the plan is the best found when it struck.
        if summary.termination.starts_with("stopped") && summary.status == "limit" {
            summary.termination.to_string()
        } else if summary.termination.starts_with("stopped") {
            format!("{}, {}", summary.status, summary.termination)
        } else {
            summary.status.to_string()
        }
    );
    let _ = writeln!(
        s,
        "  units treated                {:>14}",
        grouped(summary.units_treated as f64)
    );
    let _ = writeln!(
        s,
        "  investment                   {:>14}   ({})",
        euros(summary.total_investment_eur),
        summary.cost_basis.label
    );
    let _ = writeln!(
        s,
        "  discounted (objective)       {:>14}",
        euros(summary.objective_eur)
    );
    let _ = writeln!(
        s,
        "  households improved          {:>14}   (avg saving {} a year on {}; {})",
        grouped(summary.households_improved.count as f64),
        euros(summary.households_improved.avg_saving_eur_per_year),
        summary.energy_use_basis.label,
        summary.households_improved.definition
    );
    let penalised = summary.penalty_eur.is_some_and(|p| p > 0.0);
    if let (Some(bound), Some(gap)) = (summary.lower_bound_eur, summary.gap) {
        if summary.status == "optimal" {
            let _ = writeln!(s, "  gap to the lower bound       {:>14}", "optimal");
        } else if penalised {
            // The bound then carries penalties: a weight on shortfalls, never a cost.
            let _ = writeln!(
                s,
                "  gap to the lower bound       {:>12.3} %   (bound: the LP relaxation, on cost plus the penalties weighing missed targets)",
                100.0 * gap
            );
        } else {
            let name = format!("lower bound ({})", summary.bound_name());
            let _ = writeln!(s, "  {name:<28} {:>14}", euros(bound));
            let _ = writeln!(s, "  gap to the lower bound       {:>12.3} %", 100.0 * gap);
        }
    }
    if !summary.comparison.is_empty() {
        let _ = writeln!(
            s,
            "  {:<10} {:>14} {:>14} {:>14} {:>9} {:>8}",
            "solver", "cost", "penalty", "bound", "gap", "time"
        );
        for c in &summary.comparison {
            let _ = writeln!(
                s,
                "  {:<10} {:>14} {:>14} {:>14} {:>9} {:>7.2}s",
                c.solver,
                euros(c.objective_eur),
                c.penalty_eur.map(euros).unwrap_or_else(|| "-".into()),
                c.lower_bound_eur.map(euros).unwrap_or_else(|| "-".into()),
                c.gap
                    .map(|g| format!("{:.3} %", 100.0 * g))
                    .unwrap_or_else(|| "-".into()),
                c.solve_s
            );
        }
    }
    let b = &summary.baseline;
    let l = &summary.last;
    let _ = writeln!(
        s,
        "                                  {:>8} {:>8}",
        b.year, l.year
    );
    if l.dwellings != b.dwellings || l.dwellings_new_build > 0 || l.dwellings_removed > 0 {
        // A stock that moves: every figure below is on that year's stock.
        let _ = writeln!(
            s,
            "  dwellings in the stock           {:>8} {:>8}   (+{} new build, −{} sold or demolished)",
            grouped(b.dwellings as f64),
            grouped(l.dwellings as f64),
            grouped(l.dwellings_new_build as f64),
            grouped(l.dwellings_removed as f64)
        );
    }
    let _ = writeln!(
        s,
        "  average heat demand (kWh/m²)     {:>8.1} {:>8.1}",
        b.avg_heat_demand_kwh_m2, l.avg_heat_demand_kwh_m2
    );
    if let Some(r) = summary.reduction_sources.last() {
        let _ = writeln!(
            s,
            "  of which: renovation {:.1}, sales and demolitions {:.1}, new build {:.1} kWh/m² (the path's average, {} against {})",
            r.renovation_kwh_m2,
            r.sales_and_demolitions_kwh_m2,
            r.new_build_kwh_m2,
            r.year,
            b.year
        );
    }
    let _ = writeln!(
        s,
        "  label A or better                {:>8} {:>8}",
        percent(b.label_a_or_better_share),
        percent(l.label_a_or_better_share)
    );
    let _ = writeln!(
        s,
        "  gas-free dwellings               {:>8} {:>8}",
        grouped(b.gas_free_count as f64),
        grouped(l.gas_free_count as f64)
    );
    let _ = writeln!(
        s,
        "  E/F/G dwellings                  {:>8} {:>8}",
        grouped(b.efg_count as f64),
        grouped(l.efg_count as f64)
    );
    let _ = writeln!(
        s,
        "  tenants' saving (€/yr)           {:>8} {:>8}",
        "",
        grouped(l.tenant_savings_eur)
    );
    let total = |f: &super::YearFigures| f.labels.iter().map(|c| c.count).sum::<u64>().max(1);
    let (bt, lt) = (total(b), total(l));
    let _ = writeln!(s, "  labels");
    for (before, after) in b.labels.iter().zip(&l.labels) {
        if before.count == 0 && after.count == 0 {
            continue;
        }
        let _ = writeln!(
            s,
            "    {:<30} {:>8} {:>8}   {}",
            before.label,
            percent(before.count as f64 / bt as f64),
            percent(after.count as f64 / lt as f64),
            "█".repeat((40.0 * after.count as f64 / lt as f64).round() as usize)
        );
    }
    // Hard targets are what the plan must meet; expected outcomes (the letter's "naar
    // verwachting") are reported apart, so that "N of M met" counts only what binds.
    let hard = summary.targets.iter().filter(|t| t.hard).count();
    let met = summary.targets.iter().filter(|t| t.hard && t.met).count();
    let _ = writeln!(s, "Targets: {met} of {hard} met");
    for t in summary.targets.iter().filter(|t| !t.hard) {
        let (target, achieved) = match t.unit {
            "share" => (percent(t.target), percent(t.achieved)),
            _ => (grouped(t.target), grouped(t.achieved)),
        };
        let _ = writeln!(
            s,
            "  expected outcome (not enforced) {} {}: {} against {}",
            t.kind.name(),
            t.year,
            achieved,
            target
        );
    }
    for t in &summary.missed {
        let (target, achieved, short) = match t.unit {
            "share" => (percent(t.target), percent(t.achieved), percent(t.shortfall)),
            "eur" => (euros(t.target), euros(t.achieved), euros(t.shortfall)),
            "kWh/m2" => (
                format!("{:.1}", t.target),
                format!("{:.1}", t.achieved),
                format!("{:.1} kWh/m²", t.shortfall),
            ),
            _ => (grouped(t.target), grouped(t.achieved), grouped(t.shortfall)),
        };
        let _ = writeln!(
            s,
            "  MISSED {:<20} {}  target {:>10}  achieved {:>10}  short by {}",
            t.kind.name(),
            t.year,
            target,
            achieved,
            short
        );
    }
    if let Some(relief) = &summary.budget_relief {
        relief_lines(&mut s, relief);
    }
    for note in &summary.notes {
        let _ = writeln!(s, "Note: {note}");
    }
    // The data report's warnings (the first lines say how the file was read; they are in
    // summary.json and report.html).
    for line in summary.data_report.iter().filter(|l| {
        !(l.starts_with("read with")
            || l.starts_with("columns read")
            || l.starts_with("columns ignored"))
    }) {
        let _ = writeln!(s, "Data: {line}");
    }
    let _ = writeln!(s, "Outputs in {out}/ ({:.2} s)", summary.timings_s.total);
    s
}

/// What more budget or capacity would buy, after the missed targets.
fn relief_lines(s: &mut String, relief: &crate::relief::ResourceRelief) {
    let words = super::ReliefWords::of(relief, 8);
    if !relief.met_with_more.is_empty() {
        if words.budget_by_year.is_empty() {
            let _ = writeln!(s, "  More capacity meets {}", words.met);
        } else {
            let _ = writeln!(
                s,
                "  More budget meets {}: {} more in total ({})",
                words.met,
                euros(relief.total_extra_budget_eur),
                words.budget_by_year
            );
        }
        if !words.capacity_by_year.is_empty() {
            let _ = writeln!(
                s,
                "  and more dwellings treated a year than the capacity: {}",
                words.capacity_by_year
            );
        }
        let (shown, more) = &words.complexes;
        if !shown.is_empty() {
            let more = if *more > 0 {
                format!(" and {more} more (summary.json)")
            } else {
                String::new()
            };
            let _ = writeln!(s, "  it would fund complexes {shown}{more}");
        }
    }
    if !relief.missed_at_any_budget.is_empty() {
        let _ = writeln!(
            s,
            "  Missed at any budget (the catalogue{} does not reach it): {}",
            if relief.portfolio_table {
                ", with the portfolio table,"
            } else {
                ""
            },
            words.missed
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(grouped(1234567.4), "1,234,567");
        assert_eq!(grouped(999.0), "999");
        assert_eq!(grouped(-1000.0), "-1,000");
        assert_eq!(euros(12_345_678.0), "€ 12.35 M");
        assert_eq!(euros(12_345.0), "€ 12,345");
        assert_eq!(percent(0.4012), "40.1 %");
    }
}
