//! The default typology against RVO's example dwellings (Voorbeeldwoningen bestaande bouw 2022,
//! current state): every row of `reference/rvo_voorbeeldwoningen_2022_periods.csv` is modelled
//! from type, build year, floor area (RVO's example's) and position alone (`typical_geometry`,
//! `typical_envelope`, `default_ventilation`) and compared on Q_H,nd and the isolatiestandaard.
//!
//! The fitted global parameters of the heat balance (`ventilation_flow_factor`,
//! `thermal_bridge_w_m2k`, `crawlspace_resistance_m2k_w`) are fitted to the four ground-level
//! dwellings of `rvo_reference_dwellings.csv` (their RVO element values, in four variants each;
//! `rvo_fit.rs` reproduces the fit); those rows are marked fitted, the other rows were used in no
//! fit and are reported separately as held out. `cargo test --release --test tests rvo_reference
//! -- --nocapture` prints the table.

use heatpath::model::{
    als_over_ag, heat_demand_kwh_m2, isolatiestandaard_kwh_m2, ModelParams, ThermalState,
};
use heatpath::reference::{rows, RVO_REFERENCE_DWELLINGS_CSV};
use heatpath::typology::{
    default_ventilation, rvo_example, typical_envelope, typical_geometry, ConstructionPeriod,
    DwellingType, Position,
};

const PERIODS_CSV: &str =
    include_str!("../../data/reference/rvo_voorbeeldwoningen_2022_periods.csv");

struct Row {
    dwelling_type: DwellingType,
    period: String,
    qh_rvo: f64,
    qh_model: f64,
    std_rvo: f64,
    std_model: f64,
    fitted: bool,
}

fn model(dwelling_type: DwellingType, build_year: u16, position: Option<Position>) -> (f64, f64) {
    let params = ModelParams::default();
    let period = ConstructionPeriod::of_year(build_year);
    // The floor area of RVO's example (Q_H,nd per m² depends on it through NTA 8800's occupants
    // and ventilation capacity).
    let area = rvo_example(dwelling_type, period).map_or(114.9, |x| x.floor_area_m2);
    let state = ThermalState {
        floor_area_m2: area,
        geometry: typical_geometry(dwelling_type, build_year, area, position),
        envelope: typical_envelope(dwelling_type, build_year, position),
        ventilation: default_ventilation(period),
    };
    let qh = heat_demand_kwh_m2(&params, &state);
    let std = isolatiestandaard_kwh_m2(
        dwelling_type,
        build_year,
        als_over_ag(&params, area, &state.geometry),
    );
    (qh, std)
}

/// The six reference dwellings' (type, period) keys, as in the periods table.
fn fitted_keys() -> Vec<(DwellingType, String)> {
    rows(RVO_REFERENCE_DWELLINGS_CSV)
        .into_iter()
        .map(|row| {
            let t: DwellingType = row[0].split_whitespace().next().unwrap().parse().unwrap();
            (t, row[1].to_string())
        })
        .collect()
}

fn periods_table() -> Vec<Row> {
    let fitted = fitted_keys();
    rows(PERIODS_CSV)
        .into_iter()
        .map(|row| {
            let dwelling_type: DwellingType = row[0].parse().unwrap();
            let build_year: u16 = row[2].parse().unwrap();
            let (qh_model, std_model) = model(dwelling_type, build_year, None);
            Row {
                dwelling_type,
                period: row[1].to_string(),
                qh_rvo: row[3].parse().unwrap(),
                qh_model,
                std_rvo: row[4].parse().unwrap(),
                std_model,
                fitted: fitted
                    .iter()
                    .any(|(t, p)| *t == dwelling_type && p == row[1]),
            }
        })
        .collect()
}

fn print(rows: &[Row]) {
    println!(
        "{:<14} {:<10} {:>7} {:>8} {:>7} {:>8} {:>9}  use",
        "type", "period", "Qh RVO", "Qh model", "diff", "std RVO", "std model"
    );
    for r in rows {
        println!(
            "{:<14} {:<10} {:>7.1} {:>8.1} {:>+6.1}% {:>8.1} {:>9.1}  {}",
            r.dwelling_type.as_str(),
            r.period,
            r.qh_rvo,
            r.qh_model,
            100.0 * (r.qh_model / r.qh_rvo - 1.0),
            r.std_rvo,
            r.std_model,
            if r.fitted { "fitted" } else { "held out" }
        );
    }
}

fn mae_and_max(rows: &[&Row]) -> (f64, f64) {
    let errors: Vec<f64> = rows
        .iter()
        .map(|r| (r.qh_model / r.qh_rvo - 1.0).abs())
        .collect();
    (
        errors.iter().sum::<f64>() / errors.len() as f64,
        errors.iter().cloned().fold(0.0, f64::max),
    )
}

#[test]
fn typology_by_period_reproduces_the_rvo_periods_table() {
    let table = periods_table();
    assert_eq!(table.len(), 20);
    print(&table);
    let all: Vec<&Row> = table.iter().collect();
    let fitted: Vec<&Row> = table.iter().filter(|r| r.fitted).collect();
    let held: Vec<&Row> = table.iter().filter(|r| !r.fitted).collect();
    let post_2006: Vec<&Row> = table
        .iter()
        .filter(|r| r.period.starts_with("20"))
        .collect();
    for (name, rows) in [
        ("all rows", &all),
        ("fitted", &fitted),
        ("held out", &held),
        ("2006 and later", &post_2006),
    ] {
        let (mae, max) = mae_and_max(rows);
        println!(
            "{name:<16} n = {:>2}: mean absolute error {:.1} %, largest {:.1} %",
            rows.len(),
            100.0 * mae,
            100.0 * max
        );
    }
    // The standaard is a property of the geometry: within 1 kWh/m² on every row.
    for r in &table {
        assert!(
            (r.std_model - r.std_rvo).abs() <= 1.0,
            "{} {}: standaard {:.1} against {:.1}",
            r.dwelling_type,
            r.period,
            r.std_model,
            r.std_rvo
        );
    }
    // The targets: a mean absolute error of at most 5 %, no row beyond 12 %. The largest row is
    // the detached up-to-1964 example (+9.2 %; +12.7 % with the parameters fitted outside the
    // repository): its current state is better than its transcribed elements, see
    // `detached_up_to_1964_is_off_in_its_current_elements` in `rvo_elements.rs`.
    let (mae, max) = mae_and_max(&all);
    assert!(mae <= 0.05, "mean absolute error {:.1} %", 100.0 * mae);
    assert!(max <= 0.12, "largest error {:.1} %", 100.0 * max);
    let (mae_held, _) = mae_and_max(&held);
    assert!(mae_held <= 0.05, "held out: {:.1} %", 100.0 * mae_held);
    let (mae_post, max_post) = mae_and_max(&post_2006);
    // Rows of 2006 and later were 26–64 % too low before the typology by period, 11–25 % before
    // the NTA 8800 heat balance.
    assert!(
        mae_post <= 0.06 && max_post <= 0.08,
        "2006 and later: {:.1} %, largest {:.1} %",
        100.0 * mae_post,
        100.0 * max_post
    );
}

#[test]
fn the_six_reference_dwellings_stay_within_ten_percent() {
    let mut failures = Vec::new();
    for row in rows(RVO_REFERENCE_DWELLINGS_CSV) {
        let dwelling_type: DwellingType =
            row[0].split_whitespace().next().unwrap().parse().unwrap();
        let first_year: u16 = row[1][..4].parse().unwrap();
        let last_year: u16 = row[1][5..].parse().unwrap();
        let (qh, std) = model(dwelling_type, (first_year + last_year) / 2, None);
        let qh_rvo: f64 = row[2].parse().unwrap();
        let std_rvo: f64 = row[3].parse().unwrap();
        println!(
            "{:<18} {:<10} Qh {:>6.1} against {:>6.1} ({:+.1} %), standaard {:>5.1} against {:>5.1}",
            dwelling_type.as_str(),
            row[1],
            qh,
            qh_rvo,
            100.0 * (qh / qh_rvo - 1.0),
            std,
            std_rvo
        );
        if (qh / qh_rvo - 1.0).abs() > 0.10 || (std - std_rvo).abs() > 1.0 {
            failures.push(format!("{} {}", row[0], row[1]));
        }
    }
    assert!(failures.is_empty(), "outside tolerance: {failures:?}");
}
