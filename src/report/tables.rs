//! The plan's CSV tables: trajectory, plan per unit, plan per dwelling.
//!
//! Numbers are written with fixed decimals (euros to the cent, kWh/m² to 0.001, shares to 1e-6),
//! `,`-separated with decimal points, so that every run with the same inputs writes the same bytes.

use std::io::{self, Write};

use rayon::prelude::*;

use crate::label::EnergyLabel;
use crate::pipeline::PlanRun;

/// Fixed-decimal text without a negative zero.
pub fn fixed(value: f64, decimals: usize) -> String {
    let mut out = Vec::with_capacity(24);
    push_fixed(&mut out, value, decimals);
    String::from_utf8(out).unwrap_or_default()
}

const POWERS_OF_TEN: [i64; 10] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
    1_000_000_000,
];

/// Appends `value` with `decimals` decimals (at most 9), rounded half away from zero, without a
/// negative zero. Integer arithmetic: the writers format millions of numbers.
pub fn push_fixed(out: &mut Vec<u8>, value: f64, decimals: usize) {
    let decimals = decimals.min(9);
    let scale = POWERS_OF_TEN[decimals];
    let scaled = (value * scale as f64).round();
    if !scaled.is_finite() || scaled.abs() >= 9.0e15 {
        out.extend_from_slice(format!("{value:.decimals$}").as_bytes());
        return;
    }
    let scaled = scaled as i64;
    if scaled < 0 {
        out.push(b'-');
    }
    let magnitude = scaled.unsigned_abs();
    let mut buffer = itoa::Buffer::new();
    out.extend_from_slice(buffer.format(magnitude / scale as u64).as_bytes());
    if decimals > 0 {
        out.push(b'.');
        let fraction = buffer.format(magnitude % scale as u64).as_bytes();
        out.extend(std::iter::repeat_n(b'0', decimals - fraction.len()));
        out.extend_from_slice(fraction);
    }
}

/// Appends a text field, quoted when it holds a separator, quote or line end.
fn push_text(out: &mut Vec<u8>, text: &str) {
    let text = crate::text::csv_safe(text);
    let text = text.as_ref();
    if text
        .bytes()
        .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
    {
        out.push(b'"');
        for b in text.bytes() {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(text.as_bytes());
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
        "gas_free_conversions",
        "households_improved",
        "avg_saving_per_improved_household_eur",
        "direct_co2_kg_m2",
        "ready_for_sustainable_heat_share",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    header.extend(EnergyLabel::ALL.iter().map(|l| format!("label_{l}")));
    // The stock of each year (after the label counts, which files of earlier versions end with).
    header.extend(
        [
            "dwellings",
            "dwellings_new_build",
            "dwellings_removed",
            "path_achieved_kwh_m2",
        ]
        .map(String::from),
    );
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
            r.gas_free_conversions.to_string(),
            r.households_improved.to_string(),
            fixed(r.avg_saving_per_improved_household_eur, 2),
            fixed(r.direct_co2_kg_m2, 3),
            fixed(r.ready_for_sustainable_heat_share, 6),
        ];
        row.extend(r.label_counts.iter().map(|c| c.to_string()));
        row.extend([
            r.dwellings.to_string(),
            r.dwellings_new_build.to_string(),
            r.dwellings_removed.to_string(),
            fixed(r.path_achieved_kwh_m2, 3),
        ]);
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
            crate::text::csv_safe(&p.units.units[u].id).into_owned(),
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

/// Columns of `plan_dwellings.csv`.
const PLAN_DWELLINGS_HEADER: [&str; 25] = [
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
    "heating_before",
    "gas_m3_before",
    "gas_m3_after",
    "household_improved",
    "ready_for_sustainable_heat_after",
    "supply_temperature_c_after",
    // A stock that moves: the first year a new build is in the stock, the last year a dwelling
    // sold or demolished is (empty for a dwelling there from the baseline, or staying).
    "in_stock_from",
    "in_stock_until",
];

/// Writes `plan_dwellings.csv` into `file` at positions, formatting and writing chunks in
/// parallel (the kernel's copy of 250 MB for the sector is then shared by the cores too); the
/// bytes are those of [`write_plan_dwellings`].
#[cfg(unix)]
pub fn write_plan_dwellings_at(file: &std::fs::File, run: &PlanRun) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    let mut offset = 0u64;
    let header = plan_dwellings_header();
    file.write_all_at(&header, offset)?;
    offset += header.len() as u64;
    let n = run.prepared.stock.dwellings.len();
    let starts: Vec<usize> = (0..n).step_by(PLAN_DWELLINGS_CHUNK).collect();
    for group in starts.chunks(PLAN_DWELLINGS_CHUNKS_AT_ONCE) {
        let parts: Vec<Vec<u8>> = group
            .par_iter()
            .map(|&start| plan_dwellings_rows(run, start))
            .collect();
        let mut offsets = Vec::with_capacity(parts.len());
        for part in &parts {
            offsets.push(offset);
            offset += part.len() as u64;
        }
        parts
            .par_iter()
            .zip(offsets.par_iter())
            .try_for_each(|(part, &at)| file.write_all_at(part, at))?;
    }
    file.write_all_at(&plan_dwellings_new_build_rows(run), offset)?;
    Ok(())
}

const PLAN_DWELLINGS_CHUNK: usize = 16_384;
const PLAN_DWELLINGS_CHUNKS_AT_ONCE: usize = 32;

fn plan_dwellings_header() -> Vec<u8> {
    let mut header = PLAN_DWELLINGS_HEADER.join(",").into_bytes();
    header.push(b'\n');
    header
}

/// Writes `plan_dwellings.csv`: one row per dwelling, in stock order; `year` and `package` are
/// empty for a dwelling the plan leaves alone. Rows are formatted in parallel, in chunks written
/// in order, so the file is the same whatever the number of threads.
pub fn write_plan_dwellings<W: Write>(mut out: W, run: &PlanRun) -> io::Result<()> {
    out.write_all(&plan_dwellings_header())?;
    let starts: Vec<usize> = (0..run.prepared.stock.dwellings.len())
        .step_by(PLAN_DWELLINGS_CHUNK)
        .collect();
    for group in starts.chunks(PLAN_DWELLINGS_CHUNKS_AT_ONCE) {
        let parts: Vec<Vec<u8>> = group
            .par_iter()
            .map(|&start| plan_dwellings_rows(run, start))
            .collect();
        for part in parts {
            out.write_all(&part)?;
        }
    }
    out.write_all(&plan_dwellings_new_build_rows(run))?;
    out.flush()
}

/// The rows of `plan_dwellings.csv` for the new-build dwellings, after the stock's: their
/// project as unit, no works, their performance before and after alike.
fn plan_dwellings_new_build_rows(run: &PlanRun) -> Vec<u8> {
    let mut buf = Vec::new();
    let bool_text = |b: bool| if b { "true" } else { "false" };
    for cohort in &run.prepared.changes.new_build {
        let d = &cohort.dwelling;
        let p = &cohort.performance;
        for n in 1..=cohort.dwellings {
            push_text(&mut buf, &format!("{}-{n}", cohort.project));
            buf.push(b',');
            push_text(&mut buf, &cohort.project);
            buf.push(b',');
            push_fixed(&mut buf, d.floor_area_m2, 2);
            // No works: year and package empty, no cost.
            buf.extend_from_slice(b",,,0.00");
            for value in [p.qh_nd_kwh_m2, p.qh_nd_kwh_m2, p.ep2_kwh_m2, p.ep2_kwh_m2] {
                buf.push(b',');
                push_fixed(&mut buf, value, 3);
            }
            let label = p.label.as_str();
            let gas_free = bool_text(p.gas_free);
            buf.extend_from_slice(format!(",{label},{label},{gas_free},{gas_free},").as_bytes());
            push_fixed(&mut buf, p.standaard_kwh_m2, 1);
            buf.extend_from_slice(format!(",{},", bool_text(p.low_temp_ready)).as_bytes());
            push_fixed(&mut buf, 0.0, 2);
            buf.push(b',');
            buf.extend_from_slice(d.heating.as_str().as_bytes());
            buf.push(b',');
            push_fixed(&mut buf, p.gas_m3, 1);
            buf.push(b',');
            push_fixed(&mut buf, p.gas_m3, 1);
            buf.extend_from_slice(
                format!(",false,{},", bool_text(p.ready_for_sustainable_heat)).as_bytes(),
            );
            push_fixed(&mut buf, p.supply_temperature.celsius(), 0);
            buf.extend_from_slice(format!(",{},\n", cohort.year).as_bytes());
        }
    }
    buf
}

/// The rows of `plan_dwellings.csv` for the dwellings from `start` on (one chunk).
fn plan_dwellings_rows(run: &PlanRun, start: usize) -> Vec<u8> {
    let p = &run.prepared;
    let dwellings = &p.stock.dwellings;
    let outcomes = &run.evaluation.dwellings;
    {
        let end = (start + PLAN_DWELLINGS_CHUNK).min(dwellings.len());
        let mut buf = Vec::with_capacity((end - start) * 128);
        let bool_text = |b: bool| if b { &b"true"[..] } else { &b"false"[..] };
        for (d, o) in dwellings[start..end].iter().zip(&outcomes[start..end]) {
            push_text(&mut buf, &d.id);
            buf.push(b',');
            push_text(&mut buf, &p.units.units[o.unit as usize].id);
            buf.push(b',');
            push_fixed(&mut buf, d.floor_area_m2, 2);
            buf.push(b',');
            if let Some(c) = o.choice {
                buf.extend_from_slice(itoa::Buffer::new().format(c.year).as_bytes());
                buf.push(b',');
                push_text(&mut buf, p.catalogue.packages[c.package as usize].id());
            } else {
                buf.push(b',');
            }
            buf.push(b',');
            push_fixed(&mut buf, o.cost_eur, 2);
            for (value, decimals) in [
                (o.before.qh_nd_kwh_m2, 3),
                (o.after.qh_nd_kwh_m2, 3),
                (o.before.ep2_kwh_m2, 3),
                (o.after.ep2_kwh_m2, 3),
            ] {
                buf.push(b',');
                push_fixed(&mut buf, value, decimals);
            }
            buf.push(b',');
            buf.extend_from_slice(o.before.label.as_str().as_bytes());
            buf.push(b',');
            buf.extend_from_slice(o.after.label.as_str().as_bytes());
            buf.push(b',');
            buf.extend_from_slice(bool_text(o.before.gas_free));
            buf.push(b',');
            buf.extend_from_slice(bool_text(o.after.gas_free));
            buf.push(b',');
            push_fixed(&mut buf, o.before.standaard_kwh_m2, 1);
            buf.push(b',');
            buf.extend_from_slice(bool_text(o.after.low_temp_ready));
            buf.push(b',');
            push_fixed(
                &mut buf,
                o.before.energy_bill_eur - o.after.energy_bill_eur,
                2,
            );
            buf.push(b',');
            buf.extend_from_slice(d.heating.as_str().as_bytes());
            buf.push(b',');
            push_fixed(&mut buf, o.before.gas_m3, 1);
            buf.push(b',');
            push_fixed(&mut buf, o.after.gas_m3, 1);
            buf.push(b',');
            buf.extend_from_slice(bool_text(
                o.choice.is_some()
                    && p.scenario
                        .households_improved
                        .is_improved(&o.before, &o.after),
            ));
            buf.push(b',');
            buf.extend_from_slice(bool_text(o.after.ready_for_sustainable_heat));
            buf.push(b',');
            push_fixed(&mut buf, o.after.supply_temperature.celsius(), 0);
            // in_stock_from is empty for the baseline's dwellings.
            buf.push(b',');
            buf.push(b',');
            if let Some(exit) = p.changes.exit_of(o.unit as usize) {
                buf.extend_from_slice(itoa::Buffer::new().format(exit.year - 1).as_bytes());
            }
            buf.push(b'\n');
        }
        buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_has_no_negative_zero() {
        assert_eq!(fixed(-0.0001, 2), "0.00");
        assert_eq!(fixed(-1.5, 1), "-1.5");
        assert_eq!(fixed(2.0 / 3.0, 3), "0.667");
        assert_eq!(fixed(1234567.891, 2), "1234567.89");
        assert_eq!(fixed(0.05, 1), "0.1");
        assert_eq!(fixed(7.0, 0), "7");
        assert_eq!(fixed(-0.004, 3), "-0.004");
        assert_eq!(fixed(1e20, 2), "100000000000000000000.00");
    }

    #[test]
    fn text_fields_are_quoted_when_needed() {
        let mut out = Vec::new();
        push_text(&mut out, "a,b");
        push_text(&mut out, "plain");
        push_text(&mut out, "say \"hi\"");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\"a,b\"plain\"say \"\"hi\"\"\""
        );
    }
}
