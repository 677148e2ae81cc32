//! Shared helpers for integration tests: small generated instances solved in memory.

#![allow(dead_code)]

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
        ignored_columns: Vec::new(),
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
