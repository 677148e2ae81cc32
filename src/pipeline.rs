//! The plan job end to end: read the scenario, stock and catalogue, model the dwellings, build the
//! options, solve, evaluate. The binary calls this and the report writers; tests call it too.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::catalogue::{Catalogue, CatalogueError};
use crate::evaluate::{evaluate, EvaluateError, Evaluation, TargetKind};
use crate::optimise::model::{LpModel, Penalties};
use crate::optimise::mps::write_mps;
use crate::optimise::{
    Observer, OptimiseError, Problem, Solution, SolveStatus, Solver, Termination,
};
use crate::options::{build_options, stock_totals, Baseline, DecisionUnits, OptionSet};
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
    /// The stock would not fit in memory: refused before reading rather than killed midway.
    #[error("{}: a stock file of {} needs about {} of memory to plan, but {} is available: plan part of the stock at a time (a corporation or a region) or use a machine with more memory", file.display(), human_bytes(*file_bytes), human_bytes(*needed_bytes), human_bytes(*available_bytes))]
    TooLarge {
        /// The stock file.
        file: PathBuf,
        /// Its size.
        file_bytes: u64,
        /// Estimated peak memory of a plan run.
        needed_bytes: u64,
        /// Memory available (`MemAvailable`, or `HEATPATH_MEMORY_LIMIT` in bytes).
        available_bytes: u64,
    },
    /// `HEATPATH_MEMORY_LIMIT` cannot be read.
    #[error(transparent)]
    MemoryLimit(#[from] crate::memory::LimitError),
    /// The output folder (or a file the user named) may not be written.
    #[error(transparent)]
    Destination(#[from] crate::output::DestinationError),
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
            Error::Scenario(_)
            | Error::Stock(_)
            | Error::Catalogue(_)
            | Error::MemoryLimit(_)
            | Error::Destination(_)
            | Error::Optimise(OptimiseError::Unsupported(_)) => true,
            Error::Optimise(_)
            | Error::Evaluate(_)
            | Error::Write { .. }
            | Error::TooLarge { .. } => false,
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

impl Prepared {
    /// The prepared inputs of the decision units `units` alone (indices into `self.units`, in
    /// that order): their dwellings as a stock of its own, with its baseline, units and totals,
    /// and the options already built for them (unit `i` of the part is unit `units[i]` of the
    /// whole), under the same scenario and catalogue. What [`prepare_from`] would give for these
    /// dwellings, without modelling them or building their options again. The part has no read
    /// report (it was not read from a file) and no timings.
    pub fn part(&self, units: &[usize]) -> Prepared {
        let dwellings: Vec<usize> = units
            .iter()
            .flat_map(|&u| self.units.members(u))
            .map(|&i| i as usize)
            .collect();
        let stock = self.stock.part(dwellings.iter().copied());
        let part_units = DecisionUnits::from_stock(&stock);
        debug_assert_eq!(part_units.len(), units.len());
        let baseline = Baseline {
            basis: dwellings.iter().map(|&i| self.baseline.basis[i]).collect(),
            before: dwellings.iter().map(|&i| self.baseline.before[i]).collect(),
        };
        let (mut options, _) = self.options.subset(units);
        let path = &self.scenario.path;
        options.totals = stock_totals(&stock, &baseline, path.metric, path.averaging);
        Prepared {
            scenario: self.scenario.clone(),
            stock,
            read_report: ReadReport::default(),
            catalogue: self.catalogue.clone(),
            units: part_units,
            baseline,
            options,
            timings: Timings::default(),
        }
    }
}

/// Checks, before any work, that the outputs of a run of the scenario at `scenario_path` may go
/// to `out`: not a file, not the working folder, not a folder of the user's or one holding an
/// input (scenario, stock, catalogue, column mapping, capacity table), and that none of `files`
/// (e.g. `--export-mps`) lies inside it. An unreadable scenario is left to the run to report.
pub fn check_output(scenario_path: &Path, out: &Path, files: &[&Path]) -> Result<(), Error> {
    let scenario = Scenario::from_file(scenario_path)?;
    let mut inputs: Vec<&Path> = vec![scenario_path, &scenario.stock];
    inputs.extend(scenario.catalogue.as_deref());
    inputs.extend(scenario.column_mapping.as_deref());
    inputs.extend(scenario.sector.capacity.as_deref());
    // A workbook path may name a sheet: the file is before the `#`.
    let stock_file = crate::stock::workbook_file(&scenario.stock);
    inputs.push(&stock_file);
    crate::output::check_destination(out, &inputs)?;
    for file in files {
        crate::output::check_outside(file, out)?;
    }
    Ok(())
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
        baseline_year: scenario.first_year.saturating_sub(1),
        ..ReadOptions::default()
    };
    // The small inputs first: a mistake in them is reported before a long read.
    let catalogue = match &scenario.catalogue {
        Some(path) => Catalogue::from_file(path)?,
        None => Catalogue::default(),
    };
    scenario.apply_exclusions(&mut catalogue.clone())?;
    check_memory(&scenario.stock)?;
    let (stock, read_report) = read_stock(&scenario.stock, &read_options)?;
    prepare_from(scenario, stock, read_report, catalogue, start, progress)
}

/// Peak memory of a plan run per byte of stock CSV: the sector's 427 MB file peaked at 1.19 GB
/// (benches/e2e.sh), 2.8 bytes per byte; 3.5 leaves room. Workbooks are compressed about tenfold.
const MEMORY_PER_CSV_BYTE: f64 = 3.5;
const MEMORY_PER_WORKBOOK_BYTE: f64 = 35.0;
/// Fixed overhead of a run (binary, thread stacks, the catalogue), bytes.
const MEMORY_BASE: u64 = 64 << 20;

use crate::memory::human_bytes;

/// Refuses a stock whose plan run would not fit in memory, before reading it (the least of the
/// machine's, the process's and the user's limits; see [`crate::memory::available`]).
pub fn check_memory(stock: &Path) -> Result<(), Error> {
    // A workbook path may name a sheet (`stock.xlsx#Woningen`): the file is before the `#`.
    let file = crate::stock::workbook_file(stock);
    let (Some(available), Ok(meta)) = (crate::memory::available()?, std::fs::metadata(&file))
    else {
        return Ok(());
    };
    let file_bytes = meta.len();
    let per_byte = if crate::stock::is_workbook(stock) {
        MEMORY_PER_WORKBOOK_BYTE
    } else {
        MEMORY_PER_CSV_BYTE
    };
    let needed = MEMORY_BASE + (file_bytes as f64 * per_byte) as u64;
    if needed > available {
        return Err(Error::TooLarge {
            file: stock.to_path_buf(),
            file_bytes,
            needed_bytes: needed,
            available_bytes: available,
        });
    }
    Ok(())
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
    let mut catalogue = catalogue;
    scenario.apply_exclusions(&mut catalogue)?;
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

/// A solver's result in a comparison.
#[derive(Debug, Clone, Serialize)]
pub struct ComparisonRow {
    /// Solver name.
    pub solver: &'static str,
    /// Discounted investment of its plan (evaluator).
    pub objective_eur: f64,
    /// Penalties for the targets its plan misses (evaluator shortfalls × model penalties).
    pub penalty_eur: Option<f64>,
    /// Its own lower bound.
    pub lower_bound_eur: Option<f64>,
    /// Gap of its plan to the best bound of the comparison.
    pub gap: Option<f64>,
    /// Every target met.
    pub all_targets_met: bool,
    /// Seconds to solve.
    pub solve_s: f64,
}

/// A solved and evaluated plan.
#[derive(Debug)]
pub struct PlanRun {
    /// Inputs.
    pub prepared: Prepared,
    /// The solver's name.
    pub solver: &'static str,
    /// What the solver returned (its lower bound raised to the best of a comparison).
    pub solution: Solution,
    /// What the plan does.
    pub evaluation: Evaluation,
    /// Penalties for missed targets, when a solver defined them (LP family).
    pub penalty_eur: Option<f64>,
    /// Other solvers run on the same problem (`--compare`), this one first.
    pub comparison: Vec<ComparisonRow>,
    /// Penalty every plan pays for targets no package can reach (in every bound too).
    pub unavoidable_penalty_eur: f64,
    /// E/F/G dwellings no package can lift, and the units they are in.
    pub unreachable_efg: (u64, u64),
    /// For a plan missing targets under budget or capacity limits: what lifting them would do.
    pub relief: Option<crate::relief::ResourceRelief>,
}

/// The penalty the model charges for what `evaluation` misses: path shortfalls in kWh/yr of
/// path units, label-A, gas-free and E/F/G shortfalls in dwellings.
pub fn penalty_of(evaluation: &Evaluation, penalties: &Penalties, options: &OptionSet) -> f64 {
    let totals = &options.totals;
    // The E/F/G rule weighs each of its years alike (see `Problem::efg_relief_share`).
    let efg_years = evaluation
        .targets
        .iter()
        .filter(|t| t.kind == TargetKind::EfgPhaseOut)
        .count()
        .max(1) as f64;
    evaluation
        .targets
        .iter()
        .filter(|t| t.hard)
        .map(|t| match t.kind {
            TargetKind::HeatDemandPath | TargetKind::Ep2Path => {
                penalties.path_eur * t.shortfall * totals.path_weight
            }
            TargetKind::LabelAShare | TargetKind::ReadyForSustainableHeat => {
                penalties.dwelling_eur * (t.shortfall * totals.dwellings).round()
            }
            TargetKind::GasFreeDwellings | TargetKind::GasFreeConversions => {
                penalties.dwelling_eur * t.shortfall
            }
            TargetKind::EfgPhaseOut => penalties.dwelling_eur * t.shortfall / efg_years,
            // Only the goals' shortfalls are priced (as the doc says); limits carry none.
            TargetKind::Budget | TargetKind::Capacity => 0.0,
        })
        .sum()
}

/// Relative gap of an objective to a bound: (objective − bound) / (bound − unavoidable), where
/// `unavoidable` is the penalty every plan pays (targets no package can reach), so that a large
/// unavoidable penalty does not make the gap look small. 0 when both vanish.
pub fn relative_gap(objective: f64, bound: f64, unavoidable: f64) -> f64 {
    let base = bound - unavoidable;
    if base.abs() < 1e-9 {
        if (objective - bound).abs() < 1e-6 {
            0.0
        } else {
            f64::INFINITY
        }
    } else {
        ((objective - bound) / base.abs()).max(0.0)
    }
}

impl PlanRun {
    /// The gap between the plan's penalised objective and the best lower bound.
    pub fn gap(&self) -> Option<f64> {
        let bound = self.solution.lower_bound_eur?;
        Some(relative_gap(
            self.evaluation.objective_eur + self.penalty_eur.unwrap_or(0.0),
            bound,
            self.unavoidable_penalty_eur,
        ))
    }
}

/// Solves with `primary` and evaluates; each of `others` is solved and evaluated too. The plan
/// kept is the best of all (see [`solve_portfolio`]), and the best lower bound found applies to
/// it.
pub fn solve(
    prepared: Prepared,
    primary: &dyn Solver,
    others: &[&dyn Solver],
    observer: &mut dyn Observer,
) -> Result<PlanRun, Error> {
    solve_portfolio(prepared, &[primary], others, None, observer)
}

/// The run's limits as the solvers see them: the caller's observer (progress, Ctrl-C) with the
/// run's deadline added.
struct Limited<'o> {
    observer: &'o mut dyn Observer,
    deadline: Option<Instant>,
}

impl Observer for Limited<'_> {
    fn observe(&mut self, progress: &crate::optimise::Progress) {
        self.observer.observe(progress);
    }

    fn stop_requested(&self) -> bool {
        self.observer.stop_requested()
    }

    fn deadline(&self) -> Option<Instant> {
        match (self.deadline, self.observer.deadline()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// Relative tolerance within which two penalised objectives are the same plan value.
const SAME_VALUE: f64 = 1e-9;

/// Runs every solver of `primary` (what the user asked for: one solver, or the several `auto`
/// stands for) and of `others` (`--compare`; a solver whose name already ran is skipped),
/// evaluates each plan with the one evaluator, and keeps the plan with the lowest penalised
/// objective (discounted investment plus the model's penalties for what it misses) whichever
/// solver found it; on a tie the earlier solver's. When a solver proved the integer optimum and
/// the kept plan is as good, the kept plan is optimal. The comparison rows (every solver run, in
/// order) are kept when `others` is not empty.
///
/// `time_limit` is the whole run's (`--time-limit`): every solver stops by the same deadline,
/// counted from here, and once it has passed no further solver starts (the note names them).
pub fn solve_portfolio(
    prepared: Prepared,
    primary: &[&dyn Solver],
    others: &[&dyn Solver],
    time_limit: Option<Duration>,
    observer: &mut dyn Observer,
) -> Result<PlanRun, Error> {
    let mut prepared = prepared;
    let mut results = Vec::new();
    let mut names: Vec<&'static str> = Vec::new();
    let mut skipped: Vec<&'static str> = Vec::new();
    let mut out_of_time: Vec<&'static str> = Vec::new();
    let observer = &mut Limited {
        observer,
        deadline: time_limit.map(|limit| Instant::now() + limit),
    };
    // One problem for every solver: they only read it.
    let problem = Problem::new(&prepared.options, &prepared.scenario);
    for &solver in primary.iter().chain(others) {
        if names.contains(&solver.name()) {
            continue;
        }
        names.push(solver.name());
        // After the user's Ctrl-C no further solver starts once there is a plan to keep.
        if observer.stop_requested() && !results.is_empty() {
            skipped.push(solver.name());
            continue;
        }
        if observer.deadline().is_some_and(|d| Instant::now() >= d) && !results.is_empty() {
            out_of_time.push(solver.name());
            continue;
        }
        let t = Instant::now();
        let solution = solver.solve(&problem, observer)?;
        let solve_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let evaluation = evaluate(
            &prepared.stock,
            &prepared.units,
            &prepared.baseline,
            &prepared.catalogue,
            &prepared.scenario,
            &solution.plan,
        )?;
        results.push((
            solver.name(),
            solution,
            evaluation,
            solve_s,
            t.elapsed().as_secs_f64(),
        ));
    }
    // Shown only when a solver of the LP family priced the targets; plans are ranked with the
    // model's penalties in every case, so that a plan missing a target is never "cheaper".
    let shown_penalties = results.iter().find_map(|r| r.1.details.penalties);
    let problem = Problem::new(&prepared.options, &prepared.scenario);
    let penalties = shown_penalties.unwrap_or_else(|| Penalties::for_problem(&problem));
    let unreachable_efg = problem.unreachable_efg_dwellings();
    let unavoidable = shown_penalties.map_or(0.0, |p| p.dwelling_eur * unreachable_efg.0 as f64);
    let best_bound = results
        .iter()
        .filter_map(|r| r.1.lower_bound_eur)
        .fold(None, |best: Option<f64>, b| {
            Some(best.map_or(b, |x| x.max(b)))
        });
    let values: Vec<f64> = results
        .iter()
        .map(|r| r.2.objective_eur + penalty_of(&r.2, &penalties, &prepared.options))
        .collect();
    let comparison: Vec<ComparisonRow> = results
        .iter()
        .map(|(name, solution, evaluation, solve_s, _)| {
            let penalty = shown_penalties.map(|p| penalty_of(evaluation, &p, &prepared.options));
            ComparisonRow {
                solver: name,
                objective_eur: evaluation.objective_eur,
                penalty_eur: penalty,
                lower_bound_eur: solution.lower_bound_eur,
                gap: best_bound.map(|b| {
                    relative_gap(
                        evaluation.objective_eur + penalty.unwrap_or(0.0),
                        b,
                        unavoidable,
                    )
                }),
                all_targets_met: evaluation.all_targets_met(),
                solve_s: *solve_s,
            }
        })
        .collect();
    let same = |a: f64, b: f64| a <= b + SAME_VALUE * b.abs().max(1.0);
    let mut best = 0;
    for (i, &value) in values.iter().enumerate().skip(1) {
        if !same(values[best], value) {
            best = i;
        }
    }
    let proven_optimal = results
        .iter()
        .zip(&values)
        .any(|(r, &v)| r.1.termination == Termination::Optimal && same(values[best], v));
    prepared.timings.solve = results.iter().map(|r| r.3).sum();
    prepared.timings.evaluate = results.iter().map(|r| r.4).sum();
    // The LP relaxation's optimum and duals are the problem's, not the plan's: when the kept
    // plan comes from a solver that does not solve the relaxation (decomposition, greedy), the
    // LP's are reported with it.
    let lp_bound = results.iter().find_map(|r| r.1.details.lp_bound_eur);
    let shadow_prices = results
        .iter()
        .find_map(|r| r.1.details.shadow_prices.clone());
    let deadline_passed = observer.deadline().is_some_and(|d| Instant::now() >= d);
    let (solver, mut solution, evaluation, _, _) = results.swap_remove(best);
    solution.lower_bound_eur = best_bound;
    if solution.details.lp_bound_eur.is_none() {
        solution.details.lp_bound_eur = lp_bound;
    }
    if solution.details.shadow_prices.is_none() {
        solution.details.shadow_prices = shadow_prices;
    }
    if proven_optimal {
        solution.status = SolveStatus::Optimal;
        solution.termination = Termination::Optimal;
    } else if !skipped.is_empty() {
        solution.termination = Termination::Interrupted;
        solution.notes.push(format!(
            "stopped by the user (Ctrl-C) before {} ran; the plan is the best of those that did",
            skipped.join(", ")
        ));
    } else if !out_of_time.is_empty() {
        solution.termination = Termination::TimeLimit;
        solution.notes.push(format!(
            "the time limit was reached before {} ran; the plan is the best of those that did",
            out_of_time.join(", ")
        ));
    } else if primary.len() > 1 && solution.status == SolveStatus::Limit && !deadline_passed {
        // Under `auto` a solver's own budget (the branch and bound's nodes) is not the user's
        // limit: the plan kept is the best of several, with its gap to the bound.
        solution.status = SolveStatus::Feasible;
        solution.notes.push(format!(
            "auto: the {solver} solver stopped at its own budget; its plan was the best of those run"
        ));
    }
    let t = Instant::now();
    let relief = crate::relief::relief(&prepared, &evaluation, |plan| {
        evaluate(
            &prepared.stock,
            &prepared.units,
            &prepared.baseline,
            &prepared.catalogue,
            &prepared.scenario,
            plan,
        )
        .ok()
    })?;
    prepared.timings.solve += t.elapsed().as_secs_f64();
    Ok(PlanRun {
        relief,
        penalty_eur: comparison[best].penalty_eur,
        comparison: if others.is_empty() {
            Vec::new()
        } else {
            comparison
        },
        prepared,
        solver,
        solution,
        evaluation,
        unavoidable_penalty_eur: unavoidable,
        unreachable_efg,
    })
}

/// Writes the exact model of the prepared problem as free MPS (the LP relaxation, or with
/// integer choice columns).
pub fn export_mps(prepared: &Prepared, path: &Path, integer: bool) -> Result<(), Error> {
    let problem = Problem::new(&prepared.options, &prepared.scenario);
    let model = LpModel::build(&problem);
    crate::output::write_file_atomic(path, |w| write_mps(w, &model, "heatpath", integer)).map_err(
        |source| Error::Write {
            path: path.to_path_buf(),
            source,
        },
    )
}
