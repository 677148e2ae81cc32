//! The plan job end to end: read the scenario, stock and catalogue, model the dwellings, build the
//! options, solve, evaluate. The binary calls this and the report writers; tests call it too.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use crate::catalogue::{Catalogue, CatalogueError};
use crate::evaluate::{evaluate, EvaluateError, Evaluation};
use crate::optimise::greedy::Greedy;
use crate::optimise::{Observer, OptimiseError, Problem, Solution, Solver};
use crate::options::{build_options, Baseline, DecisionUnits, OptionSet};
use crate::performance::DwellingModel;
use crate::scenario::{Scenario, ScenarioError};
use crate::stock::{read_stock, ColumnMapping, ReadOptions, ReadReport, Stock, StockError};

/// Anything that can stop a plan job.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The scenario file.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The stock table.
    #[error(transparent)]
    Stock(#[from] StockError),
    /// The catalogue.
    #[error(transparent)]
    Catalogue(#[from] CatalogueError),
    /// The solver.
    #[error(transparent)]
    Optimise(#[from] OptimiseError),
    /// The plan could not be evaluated (a solver bug, never a user error).
    #[error("internal error: the solver's plan is invalid: {0}")]
    Evaluate(#[from] EvaluateError),
    /// Writing outputs.
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        /// What was being written.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl Error {
    /// The error is in the user's input (exit code 2), not in the machine or the program.
    pub fn is_input_error(&self) -> bool {
        // A file that cannot be read is the user's input too (a wrong path, usually).
        match self {
            Error::Scenario(_) | Error::Stock(_) | Error::Catalogue(_) => true,
            Error::Optimise(_) | Error::Evaluate(_) | Error::Write { .. } => false,
        }
    }
}

/// Seconds spent per stage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Timings {
    /// Reading scenario, stock and catalogue.
    pub read: f64,
    /// Modelling every dwelling as it is.
    pub model: f64,
    /// Building the options.
    pub options: f64,
    /// Solving.
    pub solve: f64,
    /// Evaluating the plan.
    pub evaluate: f64,
    /// Writing outputs.
    pub write: f64,
    /// Everything.
    pub total: f64,
}

/// Inputs read and modelled, ready for any solver.
#[derive(Debug)]
pub struct Prepared {
    /// The scenario.
    pub scenario: Scenario,
    /// The stock.
    pub stock: Stock,
    /// What the reader found out about the stock file.
    pub read_report: ReadReport,
    /// The catalogue.
    pub catalogue: Catalogue,
    /// Decision units.
    pub units: DecisionUnits,
    /// Every dwelling as it is.
    pub baseline: Baseline,
    /// Options.
    pub options: OptionSet,
    /// Stage timings so far.
    pub timings: Timings,
}

/// Reads the scenario at `scenario_path` and everything it names, and builds the options.
pub fn prepare(
    scenario_path: &Path,
    progress: Option<crate::options::BuildProgress>,
) -> Result<Prepared, Error> {
    let start = Instant::now();
    let scenario = Scenario::from_file(scenario_path)?;
    let mapping = match &scenario.column_mapping {
        Some(path) => ColumnMapping::from_file(path)?,
        None => ColumnMapping::builtin(),
    };
    let read_options = ReadOptions {
        mapping,
        ..ReadOptions::default()
    };
    let (stock, read_report) = read_stock(&scenario.stock, &read_options)?;
    let catalogue = match &scenario.catalogue {
        Some(path) => Catalogue::from_file(path)?,
        None => Catalogue::default(),
    };
    prepare_from(scenario, stock, read_report, catalogue, start, progress)
}

/// As [`prepare`], from inputs already read (`start` is when reading began).
pub fn prepare_from(
    scenario: Scenario,
    stock: Stock,
    read_report: ReadReport,
    catalogue: Catalogue,
    start: Instant,
    progress: Option<crate::options::BuildProgress>,
) -> Result<Prepared, Error> {
    let mut timings = Timings {
        read: start.elapsed().as_secs_f64(),
        ..Timings::default()
    };
    let t = Instant::now();
    let model = DwellingModel {
        params: &scenario.model,
        energy: &scenario.energy,
    };
    let units = DecisionUnits::from_stock(&stock);
    let baseline = Baseline::new(&stock, &model);
    timings.model = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let options = build_options(&stock, &units, &baseline, &catalogue, &scenario, progress);
    timings.options = t.elapsed().as_secs_f64();
    Ok(Prepared {
        scenario,
        stock,
        read_report,
        catalogue,
        units,
        baseline,
        options,
        timings,
    })
}

/// Which solver to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SolverKind {
    /// The greedy heuristic.
    Greedy,
}

impl SolverKind {
    /// The solver for this kind.
    pub fn solver(self) -> Box<dyn Solver> {
        match self {
            SolverKind::Greedy => Box::new(Greedy),
        }
    }
}

/// A solved and evaluated plan.
#[derive(Debug)]
pub struct PlanRun {
    /// Inputs.
    pub prepared: Prepared,
    /// The solver's name.
    pub solver: &'static str,
    /// What the solver returned.
    pub solution: Solution,
    /// What the plan does.
    pub evaluation: Evaluation,
}

impl PlanRun {
    /// The gap between the plan's objective and the solver's lower bound, relative to the bound.
    pub fn gap(&self) -> Option<f64> {
        self.solution.lower_bound_eur.map(|bound| {
            let objective = self.evaluation.objective_eur;
            if bound.abs() < 1e-9 {
                if objective.abs() < 1e-9 {
                    0.0
                } else {
                    f64::INFINITY
                }
            } else {
                ((objective - bound) / bound.abs()).max(0.0)
            }
        })
    }
}

/// Solves and evaluates.
pub fn solve(
    prepared: Prepared,
    kind: SolverKind,
    observer: &mut dyn Observer,
) -> Result<PlanRun, Error> {
    let mut prepared = prepared;
    let solver = kind.solver();
    let t = Instant::now();
    let problem = Problem::new(&prepared.options, &prepared.scenario);
    let solution = solver.solve(&problem, observer)?;
    prepared.timings.solve = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let evaluation = evaluate(
        &prepared.stock,
        &prepared.units,
        &prepared.baseline,
        &prepared.catalogue,
        &prepared.scenario,
        &solution.plan,
    )?;
    prepared.timings.evaluate = t.elapsed().as_secs_f64();
    Ok(PlanRun {
        prepared,
        solver: solver.name(),
        solution,
        evaluation,
    })
}
