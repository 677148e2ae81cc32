//! The README documents what heatpath accepts.

use heatpath::stock::Column;

#[test]
fn readme_documents_every_stock_column() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for column in Column::ALL {
        assert!(
            readme.contains(&format!("`{}`", column.name())),
            "README lacks the column `{}`",
            column.name()
        );
    }
    assert!(readme.contains("cargo run --release -- plan datasets/sample/scenario.toml"));
    assert!(readme.contains("cargo test --release"));
}

#[test]
fn ci_runs_the_readme_test_command() {
    let ci = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/run")).unwrap();
    assert!(ci.lines().any(|l| l.trim() == "cargo test --release"));
}
