//! Shared helpers for integration tests: the binary run in a folder (`binary`), and small
//! generated instances solved in memory.

mod binary;

pub use binary::*;

use std::path::Path;
use std::time::Instant;

use heatpath::catalogue::Catalogue;
use heatpath::generate::{generate, GenerateOptions};
use heatpath::pipeline::{prepare_from, Prepared};
use heatpath::scenario::Scenario;
use heatpath::stock::ReadReport;

/// A scenario from TOML text (the stock path inside is not read).
pub fn scenario(extra: &str) -> Scenario {
    Scenario::from_toml(
        &format!("stock = \"generated.csv\"\n{extra}"),
        Path::new("test.toml"),
    )
    .expect("valid scenario")
}

/// A generated stock of `dwellings` in `corporations`, prepared under `scenario`.
pub fn prepared(dwellings: usize, corporations: usize, seed: u64, scenario: Scenario) -> Prepared {
    let options = GenerateOptions {
        dwellings,
        corporations,
        regions: None,
        seed,
    };
    let stock = generate(&options, &scenario.model, &scenario.energy).expect("valid options");
    let report = ReadReport {
        separator: ',',
        decimal_comma: false,
        encoding: "UTF-8",
        ..ReadReport::default()
    };
    prepare_from(
        scenario,
        stock,
        report,
        Catalogue::default(),
        Instant::now(),
        None,
    )
    .expect("prepared")
}

/// Invariants every solver's plan satisfies, checked through the evaluator.
pub fn check_invariants(run: &heatpath::pipeline::PlanRun) {
    let p = &run.prepared;
    let e = &run.evaluation;
    let n_years = p.scenario.n_years();
    // Budgets and capacity are never exceeded.
    for (t, row) in e.trajectory.iter().skip(1).enumerate() {
        if let Some(budget) = p.scenario.budget_eur[t] {
            assert!(
                row.spend_eur <= budget * (1.0 + 1e-9) + 1e-6,
                "year {}: spend {} > budget {}",
                row.year,
                row.spend_eur,
                budget
            );
        }
        if let Some(capacity) = p.scenario.capacity_dwellings[t] {
            assert!(
                row.dwellings_treated as f64 <= capacity + 1e-9,
                "year {}: {} dwellings > capacity {}",
                row.year,
                row.dwellings_treated,
                capacity
            );
        }
    }
    assert_eq!(e.trajectory.len(), n_years + 1);
    // One option per unit, and a unit (complex) moves as one.
    for u in 0..p.units.len() {
        let choice = run.solution.plan.choices[u];
        for &i in p.units.members(u) {
            assert_eq!(
                e.dwellings[i as usize].choice, choice,
                "unit {u} does not move as one"
            );
        }
        if let Some(c) = choice {
            assert!((p.scenario.first_year..=p.scenario.last_year).contains(&c.year));
        }
    }
    // Totals add up.
    let by_units: f64 = e.units.iter().map(|u| u.cost_eur).sum();
    let by_dwellings: f64 = e.dwellings.iter().map(|d| d.cost_eur).sum();
    let by_years: f64 = e.trajectory.iter().map(|r| r.spend_eur).sum();
    for v in [by_units, by_dwellings, by_years] {
        assert!((v - e.total_investment_eur).abs() <= 1e-6 * e.total_investment_eur.max(1.0));
    }
    let discounted: f64 = e.trajectory.iter().map(|r| r.discounted_spend_eur).sum();
    assert!((discounted - e.objective_eur).abs() <= 1e-6 * e.objective_eur.max(1.0));
    // Untouched dwellings keep their before-state and cost nothing.
    for d in e.dwellings.iter().filter(|d| d.choice.is_none()) {
        assert_eq!(d.before, d.after);
        assert_eq!(d.cost_eur, 0.0);
    }
    // The label counts of every year add up to the stock.
    for row in &e.trajectory {
        assert_eq!(row.label_counts.iter().sum::<u64>() as usize, p.stock.len());
    }
}

/// Solves an MPS file with HiGHS's own reader (independent of heatpath's model and parser) and
/// returns the optimal objective.
#[cfg(feature = "highs")]
// An exception to `unsafe_code = "deny"` (Cargo.toml): HiGHS's C interface, in tests only.
#[allow(unsafe_code)]
pub fn highs_solve_mps_file(path: &Path) -> f64 {
    use std::ffi::CString;
    let file = CString::new(path.to_str().expect("utf-8 path")).expect("no NUL in path");
    // SAFETY: the handle is created, used and destroyed here only; the strings outlive the calls.
    unsafe {
        let highs = highs_sys::Highs_create();
        highs_sys::Highs_setBoolOptionValue(highs, c"output_flag".as_ptr(), 0);
        let read = highs_sys::Highs_readModel(highs, file.as_ptr());
        assert!(
            read == 0 || read == 1,
            "HiGHS could not read {}",
            path.display()
        );
        let run = highs_sys::Highs_run(highs);
        assert!(run == 0 || run == 1, "HiGHS failed on {}", path.display());
        let objective = highs_sys::Highs_getObjectiveValue(highs);
        highs_sys::Highs_destroy(highs);
        objective
    }
}

/// Reads a CSV written by heatpath into header-keyed rows.
pub fn read_csv(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            header
                .iter()
                .cloned()
                .zip(r.iter().map(String::from))
                .collect()
        })
        .collect()
}
