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
