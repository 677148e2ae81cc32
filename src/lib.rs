//! heatpath: a heat-demand reduction optimiser for Dutch housing corporations.
//!
//! A corporation's dwelling-level stock ([`stock`]) is modelled dwelling by dwelling
//! ([`performance`]: net heat demand, isolatiestandaard, EP2, [`EnergyLabel`], gas-free); measures
//! from a [`Catalogue`] become (package, year) options per decision unit ([`options`]); a
//! [`Solver`] picks one option or none per unit ([`optimise`]: greedy, the exact LP through
//! good_lp, and a Lagrangian decomposition for the whole sector) so that the stock follows the
//! [`Scenario`]'s reduction path and targets at the lowest discounted cost; one evaluator
//! ([`evaluate`]) computes every figure of the resulting [`Plan`]; [`report`] writes the CSVs,
//! summary, workbook, charts and HTML page; [`sector`] runs the corporation-capacity feasibility
//! with regional and national solidarity.
//!
//! ```no_run
//! use heatpath::optimise::decomposition::Decomposition;
//! use heatpath::optimise::Silent;
//!
//! let prepared = heatpath::prepare(std::path::Path::new("datasets/sample/scenario.toml"), None)?;
//! let mut run = heatpath::solve(prepared, &Decomposition::default(), &[], &mut Silent)?;
//! println!("{} € discounted, gap {:?}", run.evaluation.objective_eur, run.gap());
//! heatpath::report::write_outputs(&mut run, std::path::Path::new("out"), std::time::Instant::now())?;
//! # Ok::<(), heatpath::pipeline::Error>(())
//! ```
pub mod assess;
pub mod calibrate;
pub mod catalogue;
pub mod dynamics;
pub mod energy_use;
pub mod evaluate;
pub mod generate;
pub mod input;
pub mod label;
pub mod memory;
pub mod model;
/// New-build projects whose dwellings join the stock in their year of completion.
pub mod new_build;
pub mod optimise;
pub mod options;
pub mod output;
pub mod performance;
pub mod pipeline;
pub mod plan;
pub mod portfolio;
pub mod readiness;
pub mod reference;
pub mod relief;
pub mod report;
pub mod scenario;
pub mod sector;
pub mod stock;
pub mod tenants;
pub mod text;
pub mod typology;

pub use catalogue::Catalogue;
pub use evaluate::{evaluate, Evaluation, TargetKind, TargetResult, TrajectoryRow};
pub use label::EnergyLabel;
pub use optimise::{Observer, Progress, Solver};
pub use pipeline::{prepare, solve, PlanRun, Prepared};
pub use plan::{Choice, Plan};
pub use scenario::Scenario;
pub use stock::{read_stock, Dwelling, Stock};
