//! The command line's help, a summary and error messages as snapshots: each `tests/cmd/*.trycmd`
//! runs its commands (in the `*.in/` folder beside it when there is one) and compares what they
//! print and their exit codes. After a deliberate change, `TRYCMD=overwrite cargo test --release
//! --test tests snapshots` rewrites the expected output; review the diff.

use crate::common;

#[test]
fn the_command_line_prints_what_its_snapshots_show() {
    trycmd::TestCases::new()
        .register_bin("heatpath", common::exe().to_path_buf())
        .case("tests/cmd/*.trycmd");
}

/// The terminal summary of `plan` as a board member reads it, on the Dutch ERP example
/// (`datasets/examples/`): verdict, cost and its basis, bound and gap, key figures, labels,
/// targets and the data report, against `tests/cmd/plan_erp.stdout`. Only the run time is
/// masked. With `--solver lp` (relaxation and rounding) the plan does not depend on the
/// machine's load, as `auto`'s clock-capped branch and bound could. After a deliberate change,
/// `SNAPSHOTS=overwrite cargo test --release --test tests snapshots` rewrites the file.
#[test]
fn the_plan_summary_reads_as_its_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    for file in ["dutch_export_erp.csv", "scenario_erp.toml"] {
        std::fs::copy(
            common::manifest(&format!("datasets/examples/{file}")),
            dir.path().join(file),
        )
        .unwrap();
    }
    let output = common::heatpath_in(
        dir.path(),
        &[
            "plan",
            "scenario_erp.toml",
            "--solver",
            "lp",
            "--out",
            "out",
        ],
    );
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let masked: String = stdout
        .lines()
        .map(|line| match line.strip_prefix("Outputs in out/ (") {
            Some(_) => "Outputs in out/ ([time])".to_string(),
            None => line.to_string(),
        })
        .map(|line| line + "\n")
        .collect();
    let path = common::manifest("tests/cmd/plan_erp.stdout");
    if std::env::var("SNAPSHOTS").as_deref() == Ok("overwrite") {
        std::fs::write(&path, &masked).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        masked == expected,
        "the plan summary differs from {} (SNAPSHOTS=overwrite rewrites it):\n{masked}",
        path.display()
    );
}
