//! Fuzzing with proptest, bounded so that it runs in CI: the stock reader, the scenario and
//! catalogue parsers and the option builder get arbitrary and mutated input and must answer with
//! a value or an error, never a panic. `FUZZ_CASES` raises the number of cases for a longer
//! session (`FUZZ_CASES=100000 cargo test --release --test tests fuzz`).
//!
//! A crash found here becomes a regression file next to this one (proptest records it) and a
//! named test below.

use std::io::Cursor;
use std::path::Path;
use std::time::Instant;

use heatpath::catalogue::Catalogue;
use heatpath::optimise::greedy::Greedy;
use heatpath::optimise::Silent;
use heatpath::pipeline::{prepare_from, solve};
use heatpath::scenario::Scenario;
use heatpath::stock::{read_stock_from, ReadOptions};
use proptest::prelude::*;

fn cases(default: u32) -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn good_csv() -> &'static [u8] {
    include_bytes!("../corpus/good.csv")
}

const SCENARIO: &str = include_str!("../../datasets/sample/scenario.toml");

/// An edit of a byte string: replace, insert or delete at a position (taken modulo the length).
#[derive(Debug, Clone)]
enum Edit {
    Replace(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    // Bytes that matter to CSV and TOML parsers, plus anything.
    let byte = prop_oneof![
        Just(b';'),
        Just(b','),
        Just(b'"'),
        Just(b'\n'),
        Just(b'\r'),
        Just(b'='),
        Just(b'['),
        Just(b'-'),
        Just(b'.'),
        Just(b'0'),
        Just(b'9'),
        Just(b'e'),
        Just(0xE9u8),
        Just(0xFFu8),
        any::<u8>(),
    ];
    prop_oneof![
        (any::<usize>(), byte.clone()).prop_map(|(i, b)| Edit::Replace(i, b)),
        (any::<usize>(), proptest::collection::vec(byte, 1..6))
            .prop_map(|(i, b)| Edit::Insert(i, b)),
        (any::<usize>(), 1usize..40).prop_map(|(i, n)| Edit::Delete(i, n)),
    ]
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let n = bytes.len().max(1);
        match e {
            Edit::Replace(i, b) => {
                if !bytes.is_empty() {
                    bytes[i % n] = *b;
                }
            }
            Edit::Insert(i, b) => {
                let at = i % (bytes.len() + 1);
                bytes.splice(at..at, b.iter().copied());
            }
            Edit::Delete(i, k) => {
                if !bytes.is_empty() {
                    let at = i % n;
                    let end = (at + k).min(bytes.len());
                    bytes.drain(at..end);
                }
            }
        }
    }
    bytes
}

/// Reads `bytes` as a stock; when they read, plans them (options, greedy, evaluator) too, so that
/// every value the reader accepts is one the model and solvers survive.
fn read_and_plan(bytes: &[u8]) {
    let path = Path::new("fuzz.csv");
    let Ok((stock, report)) =
        read_stock_from(Cursor::new(bytes.to_vec()), path, &ReadOptions::default())
    else {
        return;
    };
    assert!(!stock.dwellings.is_empty(), "an Ok stock has dwellings");
    for d in &stock.dwellings {
        assert!(d.floor_area_m2.is_finite() && d.floor_area_m2 > 0.0);
    }
    let scenario = Scenario::from_toml("stock = \"fuzz.csv\"\n", Path::new("fuzz.toml")).unwrap();
    let prepared = prepare_from(
        scenario,
        stock,
        report,
        Catalogue::default(),
        Instant::now(),
        None,
    )
    .expect("options build for any stock the reader accepts");
    for k in 0..prepared.options.len() {
        let u = prepared.options.unit_of(k);
        for t in 0..prepared.options.n_years {
            let cost = prepared.options.cost_eur(u, k, t);
            assert!(
                cost.is_finite() && cost >= 0.0,
                "option {k} year {t}: cost {cost}"
            );
        }
        assert!(prepared.options.path_reduction[k].is_finite());
    }
    let run = solve(prepared, &Greedy, &[], &mut Silent).expect("greedy plans any stock");
    assert!(run.evaluation.total_investment_eur.is_finite());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(4000), failure_persistence: Some(Box::new(proptest::test_runner::FileFailurePersistence::WithSource("regressions"))), .. ProptestConfig::default() })]

    #[test]
    fn the_stock_reader_survives_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        read_and_plan(&bytes);
    }

    #[test]
    fn the_stock_reader_and_option_builder_survive_mutated_exports(edits in proptest::collection::vec(edit(), 1..8)) {
        read_and_plan(&apply(good_csv().to_vec(), &edits));
    }

    #[test]
    fn the_scenario_parser_survives_mutated_scenarios(edits in proptest::collection::vec(edit(), 1..6)) {
        let bytes = apply(SCENARIO.as_bytes().to_vec(), &edits);
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(s) = Scenario::from_toml(&text, Path::new("fuzz.toml")) {
            prop_assert!(s.first_year <= s.last_year);
        }
    }

    #[test]
    fn the_scenario_parser_survives_arbitrary_text(text in "\\PC{0,200}") {
        let _ = Scenario::from_toml(&text, Path::new("fuzz.toml"));
    }

    #[test]
    fn the_catalogue_parser_survives_mutated_catalogues(edits in proptest::collection::vec(edit(), 1..6)) {
        let dump = toml::to_string(&Catalogue::default().to_file()).unwrap();
        let bytes = apply(dump.into_bytes(), &edits);
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(catalogue) = Catalogue::from_toml(&text, Path::new("fuzz-catalogue.toml")) {
            // A catalogue that parses builds options for a small stock.
            let (stock, report) = read_stock_from(Cursor::new(good_csv().to_vec()), Path::new("good.csv"), &ReadOptions::default()).unwrap();
            let scenario = Scenario::from_toml("stock = \"good.csv\"\n", Path::new("fuzz.toml")).unwrap();
            let prepared = prepare_from(scenario, stock, report, catalogue, Instant::now(), None).unwrap();
            let run = solve(prepared, &Greedy, &[], &mut Silent).unwrap();
            prop_assert!(run.evaluation.total_investment_eur.is_finite());
        }
    }
}
