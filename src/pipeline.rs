//! The plan job end to end: read the scenario, stock and catalogue, model the dwellings, build the
//! options, solve, evaluate. The binary calls this and the report writers; tests call it too.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::catalogue::{Catalogue, CatalogueError};
use crate::dynamics::{Exit, ExitKind, StockChanges};
use crate::evaluate::{evaluate, EvaluateError, Evaluation, TargetKind};
use crate::optimise::model::{LpModel, Penalties};
use crate::optimise::mps::write_mps;
use crate::optimise::plan_state::PlanState;
use crate::optimise::{
    Observer, OptimiseError, Problem, Solution, SolveStatus, Solver, Termination,
};
use crate::options::{build_options, stock_totals, Baseline, DecisionUnits, OptionSet};
use crate::performance::DwellingModel;
use crate::plan::Plan;
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
    /// The portfolio table.
    #[error(transparent)]
    Portfolio(#[from] crate::portfolio::PortfolioError),
    /// The new-build table.
    #[error(transparent)]
    NewBuild(#[from] crate::new_build::NewBuildError),
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
            | Error::Portfolio(_)
            | Error::NewBuild(_)
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
    /// Works the portfolio table commits: fixed, the solvers plan the other units around them.
    pub commitments: Vec<Commitment>,
    /// What joins and leaves the stock within the horizon (the portfolio table's sales and
    /// demolitions, the new-build table); nothing for a frozen stock.
    pub changes: StockChanges,
    /// Stage timings so far.
    pub timings: Timings,
}

/// A unit's committed works (the portfolio table's `commit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Commitment {
    /// The unit.
    pub unit: usize,
    /// Its option (index into the option set).
    pub option: usize,
    /// The planning year index.
    pub t: usize,
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
        // `sector` refuses a portfolio and a new-build table: a part's stock is frozen.
        options.year_totals = Vec::new();
        options.until_index = Vec::new();
        Prepared {
            scenario: self.scenario.clone(),
            stock,
            read_report: ReadReport::default(),
            catalogue: self.catalogue.clone(),
            units: part_units,
            baseline,
            options,
            // `sector` refuses a portfolio table: a part has none.
            commitments: Vec::new(),
            changes: StockChanges::default(),
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
    let tables: Vec<PathBuf> = [&scenario.portfolio.complexes, &scenario.portfolio.new_build]
        .into_iter()
        .flatten()
        .map(|p| crate::stock::workbook_file(p))
        .collect();
    inputs.extend(tables.iter().map(PathBuf::as_path));
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
    let mut options = build_options(&stock, &units, &baseline, &catalogue, &scenario, progress);
    let (new_build, notes) = new_build_cohorts(&scenario, &model)?;
    let mut changes = StockChanges {
        path_stock: scenario.path.stock,
        new_build,
        notes,
        ..StockChanges::default()
    };
    changes.exits = planned_exits(&stock, &units, &scenario, &mut changes.notes);
    let commitments = match &scenario.portfolio.complexes {
        Some(path) => apply_portfolio(
            &crate::portfolio::Portfolio::from_file(path)?,
            &stock,
            &units,
            &catalogue,
            &scenario,
            &mut options,
            &mut changes,
        )?,
        None => Vec::new(),
    };
    options.until_index = changes.until_index(&scenario);
    options.year_totals =
        changes.year_totals(&stock, &units, &baseline, &scenario, &options.totals);
    timings.options = t.elapsed().as_secs_f64();
    Ok(Prepared {
        scenario,
        stock,
        read_report,
        catalogue,
        units,
        baseline,
        options,
        commitments,
        changes,
        timings,
    })
}

/// The stock's planned exits per dwelling (`planned_exit_year`, `planned_exit`) as exits of
/// their units: a unit leaves when all its dwellings leave in the same year (sold when most of
/// them are sold, else demolished); one whose dwellings differ stays, with a note (a complex is
/// planned as a whole: its decision belongs in the portfolio table, which overrides the stock).
/// Empty when no dwelling has a planned exit.
fn planned_exits(
    stock: &Stock,
    units: &DecisionUnits,
    scenario: &Scenario,
    notes: &mut Vec<String>,
) -> Vec<Option<Exit>> {
    if stock.dwellings.iter().all(|d| d.planned_exit.is_none()) {
        return Vec::new();
    }
    let mut differing = Vec::new();
    let exits = (0..units.len())
        .map(|u| {
            let members = units.members(u);
            let exits: Vec<Option<(u16, ExitKind)>> = members
                .iter()
                .map(|&i| stock.dwellings[i as usize].planned_exit)
                .collect();
            let first = exits[0]?;
            if exits.iter().any(|e| e.map(|e| e.0) != Some(first.0)) {
                differing.push(units.units[u].id.clone());
                return None;
            }
            let sold = exits
                .iter()
                .filter(|e| e.is_some_and(|e| e.1 == ExitKind::Sold))
                .count();
            // Before the plan's first year the dwelling is gone already: read as leaving then.
            Some(Exit {
                year: first.0.max(scenario.first_year),
                kind: if 2 * sold > exits.len() {
                    ExitKind::Sold
                } else {
                    ExitKind::Demolished
                },
            })
        })
        .collect();
    if !differing.is_empty() {
        notes.push(format!(
            "stock file: in {} {} ({}{}) the dwellings' planned exits (planned_exit_year) differ or not all dwellings have one; a complex is planned as a whole, so these are planned as staying: put each complex's sale or demolition in the portfolio table",
            differing.len(),
            if differing.len() == 1 { "complex" } else { "complexes" },
            differing.iter().take(5).cloned().collect::<Vec<_>>().join(", "),
            if differing.len() > 5 { ", …" } else { "" }
        ));
    }
    exits
}

/// The new-build table's projects as cohorts of modelled dwellings (none without a table), and
/// the table's notes (figures above their BENG limits, accepted).
fn new_build_cohorts(
    scenario: &Scenario,
    model: &DwellingModel,
) -> Result<(Vec<crate::dynamics::NewBuildCohort>, Vec<String>), Error> {
    let Some(path) = &scenario.portfolio.new_build else {
        return Ok((Vec::new(), Vec::new()));
    };
    let table = crate::new_build::NewBuildTable::from_file(path)?;
    table.check(scenario.first_year, scenario.last_year)?;
    let cohorts = table
        .projects
        .iter()
        .map(|p| {
            let (dwelling, performance) = p.modelled(model, format!("{}-1", p.project));
            crate::dynamics::NewBuildCohort {
                project: p.project.clone(),
                year: p.year,
                dwellings: p.dwellings,
                dwelling,
                performance,
            }
        })
        .collect();
    Ok((cohorts, table.notes()))
}

/// Applies the portfolio table to the options: an excluded unit may take works in no year, a
/// `not_before` unit from that year on, and a committed unit's works are returned as fixed
/// (its options stay, so that the evaluator and the outputs know the package).
fn apply_portfolio(
    portfolio: &crate::portfolio::Portfolio,
    stock: &Stock,
    units: &DecisionUnits,
    catalogue: &Catalogue,
    scenario: &Scenario,
    options: &mut OptionSet,
    changes: &mut StockChanges,
) -> Result<Vec<Commitment>, Error> {
    use crate::portfolio::{Action, PortfolioError};
    let by_id: std::collections::HashMap<&str, usize> = units
        .units
        .iter()
        .enumerate()
        .map(|(u, unit)| (unit.id.as_str(), u))
        .collect();
    // A unit is a complex only where the stock has complex ids.
    let has_complexes = stock.dwellings.iter().any(|d| d.complex.is_some());
    let checked = portfolio.check(
        |id| by_id.get(id).copied().filter(|_| has_complexes),
        |id| catalogue.packages.iter().position(|p| p.id() == id),
        scenario.first_year,
        scenario.last_year,
    )?;
    let n_years = options.n_years;
    options.first_year_index = vec![0; options.n_units()];
    if changes.exits.is_empty() {
        changes.exits = vec![None; options.n_units()];
    }
    let mut commitments = Vec::new();
    for (u, decision) in checked {
        let year_index = |year: u16| usize::from(year.saturating_sub(scenario.first_year));
        match &decision.action {
            Action::Exclude => options.first_year_index[u] = n_years as u16,
            Action::NotBefore { year } => {
                options.first_year_index[u] = year_index(*year).min(n_years) as u16;
            }
            Action::Sell { year } => {
                changes.exits[u] = Some(Exit {
                    year: *year,
                    kind: ExitKind::Sold,
                });
            }
            Action::Demolish { year } => {
                changes.exits[u] = Some(Exit {
                    year: *year,
                    kind: ExitKind::Demolished,
                });
            }
            Action::Commit { package, year } => {
                // The table checks its own sales and demolitions; the stock's planned exits
                // (its `planned_exit_year` column) are checked here.
                if let Some(exit) = changes.exit_of(u).filter(|e| *year >= e.year) {
                    return Err(PortfolioError::Value {
                        file: portfolio.source.clone(),
                        line: decision.line,
                        column: portfolio.headers[2].clone(),
                        value: year.to_string(),
                        expected: format!(
                            "a year before {}, when the stock file's planned exit has complex {} leave the stock (a row sell or demolish in this table overrides it)",
                            exit.year, decision.complex_id
                        ),
                    }
                    .into());
                }
                let t = year_index(*year);
                let k = catalogue.packages.iter().position(|p| p.id() == package);
                let option = options
                    .of_unit(u)
                    .find(|&o| Some(usize::from(options.package[o])) == k)
                    .ok_or_else(|| PortfolioError::Value {
                        file: portfolio.source.clone(),
                        line: decision.line,
                        column: portfolio.headers[3].clone(),
                        value: package.clone(),
                        expected: format!(
                            "a package that changes complex {} (this one improves nothing there, cannot be applied to it, or is dominated by another package at no more cost; choose another or exclude the complex)",
                            decision.complex_id
                        ),
                    })?;
                // The committed works are the unit's only works.
                options.first_year_index[u] = n_years as u16;
                commitments.push(Commitment { unit: u, option, t });
            }
        }
    }
    Ok(commitments)
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
    // Each target on the stock of its year.
    let totals =
        |year: u16| options.year_totals(usize::from(year.saturating_sub(options.first_year)));
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
                penalties.path_eur * t.shortfall * totals(t.year).path.path_weight
            }
            TargetKind::LabelAShare | TargetKind::ReadyForSustainableHeat => {
                penalties.dwelling_eur * (t.shortfall * totals(t.year).whole.dwellings).round()
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
        self.deadline
            .into_iter()
            .chain(self.observer.deadline())
            .min()
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
    // One problem for every solver: they only read it. With committed works the solvers plan
    // the other units on what the commitments leave (see `Committed`).
    let full = Problem::new(&prepared.options, &prepared.scenario);
    let committed = Committed::new(&full, &prepared.commitments);
    let problem = committed.problem(full);
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
        let solution = committed.complete(solver.solve(&problem, observer)?, &prepared.options);
        check_portfolio(&solution.plan, &prepared)?;
        let solve_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let evaluation = evaluate(
            &prepared.stock,
            &prepared.units,
            &prepared.baseline,
            &prepared.catalogue,
            &prepared.scenario,
            &prepared.changes,
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
    let (dwellings, units, mut weight) = problem.unreachable_efg();
    let mut unreachable_efg = (dwellings, units);
    // A committed unit's window is closed, so it counts there with all its E/F/G dwellings; it
    // keeps only those its committed works leave, and pays (in the model) for the years before
    // its works lift them.
    for c in &prepared.commitments {
        let o = &prepared.options;
        let before = o.unit_efg_before[c.unit];
        // A unit out of the rule (it leaves the stock by the deadline) was not counted.
        if before > 0 && problem.efg_rule_applies(c.unit) {
            let left = o.efg_after[c.option].min(before);
            unreachable_efg.0 -= u64::from(before - left);
            unreachable_efg.1 -= u64::from(left == 0);
            let lifted =
                problem.efg_lifted(c.unit, c.option) * problem.efg_relief_share(c.unit, c.t);
            weight -= lifted.min(problem.efg_before(c.unit));
        }
    }
    let unavoidable = shown_penalties.map_or(0.0, |p| p.dwelling_eur * weight.max(0.0));
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
    if let Some(note) = portfolio_note(&prepared, &evaluation) {
        solution.notes.push(note);
    }
    solution
        .notes
        .extend(prepared.changes.notes.iter().cloned());
    let t = Instant::now();
    let relief = crate::relief::relief(&prepared, &evaluation, |plan| {
        evaluate(
            &prepared.stock,
            &prepared.units,
            &prepared.baseline,
            &prepared.catalogue,
            &prepared.scenario,
            &prepared.changes,
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

/// The works the portfolio table commits, and what they do to the problem: the solvers plan
/// the free units on the rows the commitments leave ([`PlanState::residual`]), and every plan
/// they propose gets the commitments before it is judged. The penalised objective of any plan
/// is the residual problem's plus a constant (the commitments' cost and the E/F/G dwellings
/// they leave): the solvers' bounds are moved by it.
pub(crate) struct Committed {
    /// Unit → committed (option, year index).
    fixed: Vec<Option<(usize, usize)>>,
    /// The units the solvers decide, in order.
    free: Vec<usize>,
    /// Full objective of the commitments alone less the residual problem's empty plan.
    offset_eur: f64,
    /// The free units' options and the rows the commitments leave; `None` without commitments.
    residual: Option<(OptionSet, ResidualRows)>,
    /// Years whose budget or capacity the commitments alone exceed.
    notes: Vec<String>,
}

/// The right-hand sides the commitments leave.
struct ResidualRows {
    path_required: Vec<Option<f64>>,
    budget_eur: Vec<Option<f64>>,
    capacity_dwellings: Vec<Option<f64>>,
    label_a: Option<crate::optimise::CountTarget>,
    gas_free: Option<crate::optimise::CountTarget>,
    ready: Option<crate::optimise::CountTarget>,
}

impl Committed {
    pub(crate) fn new(full: &Problem, commitments: &[Commitment]) -> Committed {
        let n = full.options.n_units();
        if commitments.is_empty() {
            return Committed {
                fixed: Vec::new(),
                free: Vec::new(),
                offset_eur: 0.0,
                residual: None,
                notes: Vec::new(),
            };
        }
        let mut fixed = vec![None; n];
        let mut state = PlanState::empty(full, full.penalties);
        for c in commitments {
            fixed[c.unit] = Some((c.option, c.t));
            state.set(c.unit, Some((c.option, c.t)));
        }
        let mut notes = Vec::new();
        for t in 0..full.n_years() {
            let year = full.options.year(t);
            let spend: f64 = commitments
                .iter()
                .filter(|c| c.t == t)
                .map(|c| full.options.cost_eur(c.unit, c.option, t))
                .sum();
            let dwellings: u32 = commitments
                .iter()
                .filter(|c| c.t == t)
                .map(|c| full.options.unit_dwellings[c.unit])
                .sum();
            if full.budget_eur[t].is_some_and(|b| spend > b * (1.0 + 1e-9)) {
                notes.push(format!("portfolio table: the works committed for {year} (€ {:.2} M) alone exceed that year's budget; the plan adds nothing else that year", spend / 1e6));
            }
            if full.capacity_dwellings[t].is_some_and(|c| f64::from(dwellings) > c + 1e-9) {
                notes.push(format!("portfolio table: the works committed for {year} ({dwellings} dwellings) alone exceed that year's capacity; the plan adds nothing else that year"));
            }
        }
        let free: Vec<usize> = (0..n).filter(|&u| fixed[u].is_none()).collect();
        let (free_options, _) = full.options.subset(&free);
        let residual = state.residual(&free_options);
        let offset_eur =
            state.objective() - PlanState::empty(&residual, full.penalties).objective();
        let rows = ResidualRows {
            path_required: residual.path_required,
            budget_eur: residual.budget_eur,
            capacity_dwellings: residual.capacity_dwellings,
            label_a: residual.label_a,
            gas_free: residual.gas_free,
            ready: residual.ready,
        };
        Committed {
            fixed,
            free,
            offset_eur,
            residual: Some((free_options, rows)),
            notes,
        }
    }

    /// The problem the solvers solve: with commitments, the free units on the rows the
    /// commitments leave; else `full` itself.
    pub(crate) fn problem<'a>(&'a self, full: Problem<'a>) -> Problem<'a> {
        let Some((options, rows)) = &self.residual else {
            return full;
        };
        Problem {
            options,
            mode: full.mode,
            path_target: full.path_target,
            path_required: rows.path_required.clone(),
            budget_eur: rows.budget_eur.clone(),
            capacity_dwellings: rows.capacity_dwellings.clone(),
            label_a: rows.label_a,
            gas_free: rows.gas_free,
            ready: rows.ready,
            efg_deadline: full.efg_deadline,
            penalties: full.penalties,
        }
    }

    /// A solver's solution on [`Committed::problem`] as a solution of the whole: the free units'
    /// choices where they belong, the commitments added, the bounds moved by the offset.
    pub(crate) fn complete(&self, solution: Solution, options: &OptionSet) -> Solution {
        if self.residual.is_none() {
            return solution;
        }
        let mut solution = solution;
        let mut choices: Vec<Option<(usize, usize)>> = self.fixed.clone();
        let free_choices = &solution.plan.choices;
        for (i, &u) in self.free.iter().enumerate() {
            if let Some(choice) = free_choices[i] {
                let k = options
                    .of_unit(u)
                    .find(|&k| options.package[k] == choice.package)
                    .expect("the free unit's package is one of its options");
                choices[u] = Some((k, usize::from(choice.year - options.first_year)));
            }
        }
        solution.plan = options.plan(&choices);
        solution.lower_bound_eur = solution.lower_bound_eur.map(|b| b + self.offset_eur);
        solution.details.lp_bound_eur = solution.details.lp_bound_eur.map(|b| b + self.offset_eur);
        solution.notes.extend(self.notes.iter().cloned());
        solution
    }
}

/// What the portfolio table decided, in one line for the summary.
fn portfolio_note(prepared: &Prepared, evaluation: &Evaluation) -> Option<String> {
    let file = prepared.scenario.portfolio.complexes.as_ref()?;
    let o = &prepared.options;
    let committed_eur: f64 = prepared
        .commitments
        .iter()
        .map(|c| evaluation.units[c.unit].cost_eur)
        // An empty sum of floats is −0.0, which would print as "€ -0.00 M".
        .fold(0.0, |a, b| a + b);
    // A committed complex's window is closed too (one decision on its works per complex).
    let first = |u: usize| usize::from(o.first_year_index.get(u).copied().unwrap_or(0));
    let closed = (0..o.n_units()).filter(|&u| first(u) >= o.n_years).count();
    let excluded = closed - prepared.commitments.len();
    let later = (0..o.n_units())
        .filter(|&u| (1..o.n_years).contains(&first(u)))
        .count();
    let complexes = |n: usize| format!("{n} {}", if n == 1 { "complex" } else { "complexes" });
    let leaving = |kind: ExitKind| {
        let (mut units, mut dwellings) = (0usize, 0u32);
        for u in 0..o.n_units() {
            if prepared.changes.exit_of(u).is_some_and(|e| e.kind == kind) {
                units += 1;
                dwellings += o.unit_dwellings[u];
            }
        }
        format!(
            "{} ({} dwellings)",
            complexes(units),
            crate::report::text::grouped(f64::from(dwellings))
        )
    };
    Some(format!(
        "portfolio table {}: committed works in {} (€ {:.2} M, in the plan as committed), {} excluded (their E/F/G dwellings stay E/F/G), {} not before a year, {} sold and {} demolished within the horizon or later (out of every figure from their year on)",
        file.display(),
        complexes(prepared.commitments.len()),
        committed_eur / 1e6,
        complexes(excluded),
        complexes(later),
        leaving(ExitKind::Sold),
        leaving(ExitKind::Demolished),
    ))
}

/// A solver's plan against the portfolio table: committed works as committed, no works in a year
/// the table rules out. A plan that breaks it is a solver bug, never shown as a plan.
fn check_portfolio(plan: &Plan, prepared: &Prepared) -> Result<(), Error> {
    let o = &prepared.options;
    let mut committed_of = vec![None; plan.choices.len()];
    for c in &prepared.commitments {
        committed_of[c.unit] = Some(c);
    }
    for (u, choice) in plan.choices.iter().enumerate() {
        let ok = match (committed_of[u], choice) {
            (Some(c), Some(choice)) => {
                o.package[c.option] == choice.package && o.year(c.t) == choice.year
            }
            (Some(_), None) => false,
            (None, Some(choice)) => o.allows(u, usize::from(choice.year - o.first_year)),
            (None, None) => true,
        };
        if !ok {
            return Err(Error::Optimise(OptimiseError::Solver(format!(
                "the plan breaks the portfolio table at unit {}",
                prepared.units.units[u].id
            ))));
        }
    }
    Ok(())
}

/// Writes the exact model of the prepared problem as free MPS (the LP relaxation, or with
/// integer choice columns).
///
/// With works the portfolio table commits, the model is the problem the solvers solve: the other
/// units on the rows the commitments leave (its objective lacks their fixed cost).
pub fn export_mps(prepared: &Prepared, path: &Path, integer: bool) -> Result<(), Error> {
    let full = Problem::new(&prepared.options, &prepared.scenario);
    let committed = Committed::new(&full, &prepared.commitments);
    let model = LpModel::build(&committed.problem(full));
    crate::output::write_file_atomic(path, |w| write_mps(w, &model, "heatpath", integer)).map_err(
        |source| Error::Write {
            path: path.to_path_buf(),
            source,
        },
    )
}
