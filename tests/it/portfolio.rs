//! The portfolio table (`[portfolio] complexes = "portfolio.csv"`): every solver plans around
//! committed works, excluded complexes and complexes not before a year, the bound stays the
//! LP's, and a table that contradicts the stock, the catalogue or the horizon is refused with
//! the file, line, column and value.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::common::{heatpath, manifest, read_csv};

/// The shipped example: the sample with `datasets/sample/portfolio.csv`.
fn example() -> String {
    manifest("datasets/sample/scenario_portfolio.toml")
        .display()
        .to_string()
}

/// The sample's scenario with `table` as its portfolio table, in `dir`.
fn with_table(dir: &Path, table: &str) -> PathBuf {
    let scenario = std::fs::read_to_string(example())
        .unwrap()
        .replace(
            "stock = \"stock.csv\"",
            &format!("stock = {:?}", manifest("datasets/sample/stock.csv")),
        )
        .replace(
            "\"new_build.csv\"",
            &format!("{:?}", manifest("datasets/sample/new_build.csv")),
        );
    std::fs::write(dir.join("portfolio.csv"), table).unwrap();
    let path = dir.join("scenario.toml");
    std::fs::write(&path, scenario).unwrap();
    path
}

/// `plan` with `args`; the plan's rows by unit, and the summary.
fn plan(
    scenario: &str,
    out: &Path,
    args: &[&str],
) -> (HashMap<String, (u16, String)>, serde_json::Value, String) {
    let mut all = vec!["plan", scenario, "--out", out.to_str().unwrap(), "-q"];
    all.extend_from_slice(args);
    let output = heatpath(&all);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rows = read_csv(&out.join("plan.csv"))
        .into_iter()
        .map(|r| {
            (
                r["unit_id"].clone(),
                (r["year"].parse().unwrap(), r["package"].clone()),
            )
        })
        .collect();
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let notes = summary["notes"].to_string();
    (rows, summary, notes)
}

#[test]
fn every_solver_plans_around_the_portfolio_table() {
    let dir = tempfile::tempdir().unwrap();
    // The plain sample treats all three complexes, C001-0008 in 2027.
    let (free, _, _) = plan(
        &manifest("datasets/sample/scenario.toml")
            .display()
            .to_string(),
        &dir.path().join("free"),
        &[],
    );
    assert!(free.contains_key("C001-0090"));
    assert_eq!(free["C001-0008"].0, 2027);
    let mut bounds = Vec::new();
    for solver in ["auto", "lp", "decomposition", "greedy"] {
        let out = dir.path().join(solver);
        let (rows, summary, notes) = plan(&example(), &out, &["--solver", solver]);
        assert_eq!(
            rows["C001-0047"],
            (2028, "shell_standard".to_string()),
            "{solver}: the commitment as committed"
        );
        assert!(
            !rows.contains_key("C001-0090"),
            "{solver}: the excluded complex is touched"
        );
        if let Some((year, _)) = rows.get("C001-0008") {
            assert!(*year >= 2031, "{solver}: C001-0008 in {year}");
        }
        assert!(
            notes.contains("portfolio table") && notes.contains("1 complex excluded"),
            "{solver}: {notes}"
        );
        if let Some(bound) = summary["lower_bound_eur"].as_f64() {
            let value = summary["objective_eur"].as_f64().unwrap()
                + summary["penalty_eur"].as_f64().unwrap_or(0.0);
            assert!(bound <= value * (1.0 + 1e-9), "{solver}: {bound} > {value}");
            bounds.push((solver, bound));
        }
    }
    // The decomposition's bound is the LP's, the commitments' cost included in both.
    let bound = |name: &str| bounds.iter().find(|b| b.0 == name).unwrap().1;
    let (lp, decomposition) = (bound("lp"), bound("decomposition"));
    assert!(
        (lp - decomposition).abs() <= 1e-4 * lp,
        "lp {lp} against decomposition {decomposition}"
    );
}

#[test]
fn a_table_that_contradicts_the_stock_the_catalogue_or_the_horizon_is_refused() {
    let cases = [
        (
            "complex_id,action\nC001-0047,exclude\nC999-0001,exclude\n",
            "line 3, column `complex_id`: value `C999-0001`",
        ),
        (
            "complex;actie;jaar;pakket\nC001-0047;vastgelegd;2028;gold_plated\n",
            "line 2, column `pakket`: value `gold_plated`: expected a package id",
        ),
        (
            "complex_id,action,year,package\nC001-0047,commit,2040,shell_standard\n",
            "line 2, column `year`: value `2040`",
        ),
        (
            "complex_id,action,year,package\nC001-0047,sloop,2030,\nC001-0047,commit,2031,shell_standard\n",
            "line 3, column `year`: value `2031`: expected a year before 2030, when the complex is demolished (line 2)",
        ),
    ];
    for (table, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        let scenario = with_table(dir.path(), table);
        let out = dir.path().join("out");
        let output = heatpath(&[
            "plan",
            scenario.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "-q",
        ]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("portfolio.csv"), "{stderr}");
        assert!(stderr.contains(expected), "{expected}: {stderr}");
        assert!(!out.exists(), "nothing written");
    }
}

#[test]
fn the_sector_run_refuses_a_portfolio_table() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = with_table(dir.path(), "complex_id,action\nC001-0047,exclude\n");
    let output = heatpath(&[
        "sector",
        scenario.to_str().unwrap(),
        "--out",
        dir.path().join("out").to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("`[portfolio]` is for `heatpath plan`"),
        "{stderr}"
    );
}

/// A committed complex's window is closed to the solvers, but its E/F/G dwellings are lifted by
/// its committed works: none is counted as out of reach, and every target is met.
#[test]
fn committed_works_that_lift_efg_dwellings_leave_none_out_of_reach() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = with_table(
        dir.path(),
        "complex_id,action,year,package\nC001-0008,commit,2027,roof_inside\n",
    );
    let (rows, summary, notes) = plan(
        scenario.to_str().unwrap(),
        &dir.path().join("out"),
        &["--solver", "decomposition"],
    );
    assert_eq!(rows["C001-0008"], (2027, "roof_inside".to_string()));
    assert!(!notes.contains("cannot be lifted"), "{notes}");
    assert_eq!(summary["all_targets_met"], true, "{notes}");
}

/// Works committed beyond a year's budget stay committed; the summary says so, and the plan
/// without limits that prices the missed targets keeps them too.
#[test]
fn commitments_beyond_a_budget_stay_and_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = with_table(
        dir.path(),
        "complex_id,action,year,package\nC001-0047,commit,2028,shell_standard\n",
    );
    let text = std::fs::read_to_string(&scenario).unwrap();
    std::fs::write(
        &scenario,
        format!("{text}\n[budget]\nevery_year = 3000000\n"),
    )
    .unwrap();
    let (rows, summary, notes) = plan(
        scenario.to_str().unwrap(),
        &dir.path().join("out"),
        &["--solver", "decomposition"],
    );
    assert_eq!(rows["C001-0047"], (2028, "shell_standard".to_string()));
    assert!(
        notes.contains("committed for 2028 (€ 4.86 M) alone exceed that year's budget"),
        "{notes}"
    );
    // Nothing else is planned in 2028: the year's spend is the commitment's.
    assert!(rows
        .iter()
        .all(|(id, (year, _))| id == "C001-0047" || *year != 2028));
    assert_eq!(summary["all_targets_met"], false);
}
