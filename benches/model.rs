//! The dwelling model and option generation: the work done per dwelling and per package.
//!
//! `cargo bench --bench model`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use heatpath::catalogue::Catalogue;
use heatpath::generate::{generate, GenerateOptions};
use heatpath::options::{build_options, Baseline, DecisionUnits};
use heatpath::performance::{DwellingModel, State};
use heatpath::scenario::Scenario;
use std::hint::black_box;
use std::path::Path;

fn scenario() -> Scenario {
    Scenario::from_toml("stock = \"generated.csv\"", Path::new("bench.toml"))
        .expect("valid scenario")
}

fn stock(dwellings: usize, seed: u64) -> heatpath::stock::Stock {
    let s = scenario();
    generate(
        &GenerateOptions {
            dwellings,
            corporations: 1,
            regions: None,
            seed,
        },
        &s.model,
        &s.energy,
    )
    .expect("valid options")
}

fn dwelling_model(c: &mut Criterion) {
    let s = scenario();
    let model = DwellingModel {
        params: &s.model,
        energy: &s.energy,
    };
    let stock = stock(1000, 16);
    c.bench_function("model: 1,000 dwellings, calibration and performance", |b| {
        b.iter(|| {
            let mut total = 0.0;
            for d in &stock.dwellings {
                let basis = model.basis(d);
                total += model.performance(d, &basis, &State::current(d)).ep2_kwh_m2;
            }
            black_box(total)
        })
    });
}

fn option_generation(c: &mut Criterion) {
    let s = scenario();
    let model = DwellingModel {
        params: &s.model,
        energy: &s.energy,
    };
    let catalogue = Catalogue::default();
    let mut group = c.benchmark_group("options");
    group.sample_size(10);
    for (name, dwellings, seed) in [("S", 5_000, 16), ("M", 80_000, 80)] {
        let stock = stock(dwellings, seed);
        let units = DecisionUnits::from_stock(&stock);
        let baseline = Baseline::new(&stock, &model);
        group.bench_with_input(BenchmarkId::new("build", name), &stock, |b, stock| {
            b.iter(|| {
                black_box(build_options(stock, &units, &baseline, &catalogue, &s, None).len())
            })
        });
    }
    group.finish();
}

// In a module of its own: `criterion_group!` defines a public function without a doc comment.
mod group {
    use super::*;
    criterion_group!(benches, dwelling_model, option_generation);
}
criterion_main!(group::benches);
