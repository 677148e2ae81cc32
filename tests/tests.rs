//! heatpath's integration tests, as one test binary: one link instead of one per file.
//!
//! Each file of `tests/it/` is a module here; `common` holds the helpers they share. Run one
//! module with a filter, e.g. `cargo test --release --test tests rvo_reference -- --nocapture`.
//! A proptest module keeps its regressions beside it (`tests/it/lp.proptest-regressions`).

mod common;

mod it {
    mod calibrate;
    mod calibration_systems;
    mod cli;
    mod decomposition;
    mod definitions;
    mod fuzz;
    mod generate;
    mod hardening;
    mod heat_supply;
    mod invariants;
    mod lp;
    mod portfolio;
    mod readme;
    mod reports;
    mod rvo_elements;
    mod rvo_fit;
    mod rvo_reference;
    mod sector;
    mod snapshots;
    mod stock_dynamics;
}
