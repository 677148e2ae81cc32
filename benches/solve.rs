//! The solvers: one dual evaluation of the decomposition, and full solves on S and M.
//!
//! `cargo bench --bench solve`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use heatpath::catalogue::Catalogue;
use heatpath::generate::{generate, GenerateOptions};
use heatpath::optimise::decomposition::{Decomposition, Lagrangian};
use heatpath::optimise::greedy::Greedy;
use heatpath::optimise::lp::Lp;
use heatpath::optimise::{Problem, Silent, Solver};
use heatpath::pipeline::{prepare_from, Prepared};
use heatpath::scenario::Scenario;
use heatpath::stock::ReadReport;
use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

fn prepared(dwellings: usize, seed: u64) -> Prepared {
    let scenario = Scenario::from_toml("stock = \"generated.csv\"", Path::new("bench.toml"))
        .expect("valid scenario");
    let options = GenerateOptions {
        dwellings,
        corporations: 1,
        regions: None,
        seed,
    };
    let stock = generate(&options, &scenario.model, &scenario.energy).expect("valid options");
    let report = ReadReport {
        separator: ',',
        decimal_comma: false,
        encoding: "UTF-8",
        ..Default::default()
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

fn solvers(c: &mut Criterion) {
    for (name, dwellings, seed) in [("S", 5_000, 16), ("M", 80_000, 80)] {
        let prepared = prepared(dwellings, seed);
        let problem = Problem::new(&prepared.options, &prepared.scenario);
        let lagrangian = Lagrangian::new(&problem);
        let lambda = vec![1.0; lagrangian.n_rows()];
        let mut group = c.benchmark_group(format!("solve {name}"));
        group.sample_size(10);
        group.bench_function("one dual evaluation", |b| {
            b.iter(|| black_box(lagrangian.evaluate(&lambda).0))
        });
        group.bench_function(BenchmarkId::new("full", "decomposition"), |b| {
            b.iter(|| {
                black_box(
                    Decomposition::default()
                        .solve(&problem, &mut Silent)
                        .expect("solves")
                        .lower_bound_eur,
                )
            })
        });
        group.bench_function(BenchmarkId::new("full", "greedy"), |b| {
            b.iter(|| {
                black_box(
                    Greedy
                        .solve(&problem, &mut Silent)
                        .expect("solves")
                        .plan
                        .n_assigned(),
                )
            })
        });
        if name == "S" {
            group.bench_function(BenchmarkId::new("full", "lp"), |b| {
                b.iter(|| {
                    black_box(
                        Lp::default()
                            .solve(&problem, &mut Silent)
                            .expect("solves")
                            .lower_bound_eur,
                    )
                })
            });
        }
        group.finish();
    }
}

// In a module of its own: `criterion_group!` defines a public function without a doc comment.
mod group {
    use super::*;
    criterion_group!(benches, solvers);
}
criterion_main!(group::benches);
