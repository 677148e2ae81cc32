//! Sector feasibility (DESIGN §9; the *Duurzaam prestatiemodel* of the December 2024 agreements):
//! is every corporation's share of the task affordable within its own investment room, and how
//! far does regional, provincial and national solidarity close the shortfalls?
//!
//! **A corporation's share of the task** is the scenario's path and targets applied to its own
//! stock: a relative path on its own baseline average (an absolute path as written), the label-A
//! and gas-free shares on its own dwellings (a gas-free count becomes the same share of every
//! corporation), the E/F/G phase-out for its own dwellings. The scenario's yearly budgets and
//! capacity are whole-stock figures and do not apply. Each corporation's task is solved on its own
//! (exact: corporations share no row once the budgets are theirs), all in parallel, with the
//! decomposition solver on the options built once for the whole stock. Its **task cost** is the
//! nominal investment of that plan over the horizon (euros of the years of works).
//!
//! **Available** money = investment capacity over the horizon − reserve (given, or five years of
//! maintenance per dwelling), never below zero (a corporation that cannot keep its reserve funds
//! nothing; its reserve deficit is reported apart and not pooled).
//!
//! **Levels**: own means (each corporation alone: shortfall = max(0, cost − available)); regional,
//! provincial and national solidarity (available money pooled in each region, province, or the
//! whole country). In a pool the corporations with a surplus give in proportion to their surplus
//! and those short receive in proportion to their shortfall, as far as the pool's surplus goes:
//! transfers sum to zero in each pool, and the pool's shortfall is max(0, Σ cost − Σ available),
//! never more than the sum of its members' own shortfalls.
//!
//! **Feasible share**: what a corporation can do with its money (available plus transfers) when
//! its plan's works are done in merit order (lowest cost per kWh of heat-demand reduction first,
//! each complex whole, skipping what no longer fits), as a share of its task's heat-demand
//! reduction and of its task's dwellings treated. This ranks the optimal plan's own works; it does
//! not re-optimise the corporation under the budget (which could choose shallower packages for
//! more complexes), so it is a lower estimate of what the money can do.

pub mod capacity;
pub mod report;

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

pub use capacity::{
    synthetic_capacity, write_capacity_csv, Capacity, CapacityRow, CapacityTable, Reserve,
    RESERVE_YEARS,
};

use crate::evaluate::{evaluate, TargetKind};
use crate::optimise::decomposition::Decomposition;
use crate::optimise::{OptimiseError, Problem, Silent, Solver};
use crate::options::{path_metric, path_weight, Totals};
use crate::output::OutputDir;
use crate::pipeline::{self, Prepared};
use crate::scenario::Scenario;

/// Maintenance per dwelling and year used for the reserve when neither the capacity table nor
/// the scenario gives one. ASSUMPTION, ILLUSTRATIVE: the order of magnitude of Dutch
/// corporations' yearly maintenance spending per dwelling (about €2,000–2,500); replace it with
/// the corporations' own figures (`reserve_eur` or `maintenance_eur_per_dwelling_year`).
pub const DEFAULT_MAINTENANCE_EUR_PER_DWELLING_YEAR: f64 = 2_200.0;

/// Anything that can stop a sector run.
#[derive(Debug, thiserror::Error)]
pub enum SectorError {
    /// Reading, modelling or solving (as for a plan).
    #[error(transparent)]
    Pipeline(#[from] Box<pipeline::Error>),
    /// No capacity table named.
    #[error("{}: no capacity table: add `[sector] capacity = \"capacity.csv\"` to the scenario or pass --capacity FILE", scenario.display())]
    NoCapacityTable {
        /// The scenario file.
        scenario: PathBuf,
    },
    /// The capacity table cannot be read.
    #[error("{}: cannot read: {source}", file.display())]
    CapacityIo {
        /// The file.
        file: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// No header.
    #[error("{}: the capacity table is empty: expected a header with at least the columns corporation and investment_capacity_eur (or investment_capacity_eur_per_year)", file.display())]
    CapacityEmpty {
        /// The file.
        file: PathBuf,
    },
    /// Malformed CSV.
    #[error("{}:{line}: malformed CSV: {message}", file.display())]
    CapacityCsv {
        /// The file.
        file: PathBuf,
        /// Line.
        line: u64,
        /// The CSV reader's message.
        message: String,
    },
    /// A required column is absent.
    #[error("{}: missing column `{column}` (or a Dutch name for it such as {aliases}); the header has: {found}", file.display())]
    CapacityMissingColumn {
        /// The file.
        file: PathBuf,
        /// Canonical name.
        column: &'static str,
        /// Accepted alternatives.
        aliases: String,
        /// Header cells found.
        found: String,
    },
    /// Two header cells mean the same column.
    #[error("{}: columns `{first}` and `{second}` both mean `{column}`; keep one", file.display())]
    CapacityDuplicateColumn {
        /// The file.
        file: PathBuf,
        /// Canonical name.
        column: &'static str,
        /// First header cell.
        first: String,
        /// Second header cell.
        second: String,
    },
    /// A cell holds a value the column does not accept.
    #[error("{}:{line}: column `{column}`: value `{value}`: expected {expected}", file.display())]
    CapacityValue {
        /// The file.
        file: PathBuf,
        /// Line (the header is line 1).
        line: u64,
        /// Column as named in the header.
        column: String,
        /// The value as written.
        value: String,
        /// What is accepted.
        expected: String,
    },
    /// A corporation of the stock has no row in the capacity table.
    #[error("{}: no row for corporation `{corporation}` ({dwellings} dwellings in the stock); expected one row per corporation of the stock{more}", file.display())]
    CapacityMissingCorporation {
        /// The capacity table.
        file: PathBuf,
        /// The first corporation missing.
        corporation: String,
        /// Its dwellings.
        dwellings: usize,
        /// How many more are missing.
        more: String,
    },
    /// The stock lacks the grouping a sector run needs.
    #[error("{}: column `{column}`: value ``: expected every dwelling to name its {column} for a sector run (dwelling `{id}` has none{more})", file.display())]
    StockGrouping {
        /// The stock file.
        file: PathBuf,
        /// `corporation` or `region`.
        column: &'static str,
        /// The first dwelling without it.
        id: String,
        /// How many more lack it.
        more: String,
    },
    /// A solver failed.
    #[error("corporation `{corporation}`: {source}")]
    Solve {
        /// The corporation.
        corporation: String,
        /// The solver's error.
        source: OptimiseError,
    },
    /// Writing outputs.
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        /// What was being written.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
}

impl From<pipeline::Error> for SectorError {
    fn from(e: pipeline::Error) -> Self {
        SectorError::Pipeline(Box::new(e))
    }
}

impl SectorError {
    /// The error is in the user's input (exit code 2).
    pub fn is_input_error(&self) -> bool {
        match self {
            SectorError::Pipeline(e) => e.is_input_error(),
            SectorError::Solve { .. } | SectorError::Write { .. } => false,
            _ => true,
        }
    }
}

/// A level of solidarity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Each corporation within its own means.
    Own,
    /// Money pooled within each region.
    Regional,
    /// Money pooled within each province.
    Provincial,
    /// Money pooled nationally (the *landelijk sluitstuk*).
    National,
}

impl Level {
    /// Name as in file headers.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Own => "own",
            Level::Regional => "regional",
            Level::Provincial => "provincial",
            Level::National => "national",
        }
    }
}

/// The outcome of pooling money: per member, the net transfer (positive: received) and the
/// shortfall left.
#[derive(Debug, Clone, PartialEq)]
pub struct Pooled {
    /// Net transfer per member (euros; received > 0, given < 0).
    pub transfer: Vec<f64>,
    /// Shortfall left per member (euros, ≥ 0).
    pub shortfall: Vec<f64>,
}

/// Pools `available` money within the pools `pool_of` (one pool index per member): in each pool,
/// members with a surplus (available > cost) give in proportion to their surplus, members short
/// receive in proportion to their shortfall, as far as the pool's surplus goes. Transfers sum to
/// zero within each pool; a pool's shortfall left is max(0, Σ cost − Σ available).
pub fn pool(cost: &[f64], available: &[f64], pool_of: &[usize]) -> Pooled {
    let n_pools = pool_of.iter().map(|&p| p + 1).max().unwrap_or(0);
    let mut surplus = vec![0.0; n_pools];
    let mut need = vec![0.0; n_pools];
    for i in 0..cost.len() {
        let balance = available[i] - cost[i];
        if balance > 0.0 {
            surplus[pool_of[i]] += balance;
        } else {
            need[pool_of[i]] -= balance;
        }
    }
    let mut out = Pooled {
        transfer: vec![0.0; cost.len()],
        shortfall: vec![0.0; cost.len()],
    };
    for i in 0..cost.len() {
        let p = pool_of[i];
        let covered = surplus[p].min(need[p]);
        let balance = available[i] - cost[i];
        if balance > 0.0 {
            out.transfer[i] = -balance * covered / surplus[p];
        } else if balance < 0.0 {
            let short = -balance;
            let received = if surplus[p] >= need[p] {
                short
            } else {
                short * covered / need[p]
            };
            out.transfer[i] = received;
            out.shortfall[i] = (short - received).max(0.0);
        }
    }
    out
}

/// A complex of a corporation's task plan, for merit-order funding.
#[derive(Debug, Clone, Copy)]
struct Work {
    cost_eur: f64,
    reduction_kwh: f64,
    dwellings: u32,
}

/// A corporation's task, solved.
#[derive(Debug, Clone)]
struct Task {
    cost_eur: f64,
    discounted_eur: f64,
    reduction_kwh: f64,
    dwellings_treated: u64,
    /// Works in merit order.
    works: Vec<Work>,
    lower_bound_eur: Option<f64>,
    targets_missed: Vec<TargetKind>,
    /// Global (unit, option, year index) choices.
    choices: Vec<(usize, usize, usize)>,
}

impl Task {
    /// Heat-demand reduction and dwellings the works fundable with `budget` achieve.
    fn fundable(&self, budget: f64) -> (f64, u64) {
        if budget >= self.cost_eur - 1e-6 * self.cost_eur.abs().max(1.0) {
            return (self.reduction_kwh, self.dwellings_treated);
        }
        let mut left = budget;
        let (mut reduction, mut dwellings) = (0.0, 0u64);
        for w in &self.works {
            if w.cost_eur <= left {
                left -= w.cost_eur;
                reduction += w.reduction_kwh;
                dwellings += u64::from(w.dwellings);
            }
        }
        (reduction, dwellings)
    }
}

/// A corporation's figures at one level.
#[derive(Debug, Clone, Serialize)]
pub struct CorporationLevel {
    /// Level.
    pub level: Level,
    /// Net transfer (received > 0, given < 0).
    pub transfer_eur: f64,
    /// Shortfall left.
    pub shortfall_eur: f64,
    /// Heat-demand reduction fundable (kWh/yr).
    pub feasible_reduction_kwh: f64,
    /// Dwellings fundable.
    pub feasible_dwellings: u64,
    /// Fundable share of the task's heat-demand reduction.
    pub feasible_share_reduction: f64,
    /// Fundable share of the task's dwellings.
    pub feasible_share_dwellings: f64,
}

/// One corporation.
#[derive(Debug, Clone, Serialize)]
pub struct CorporationRow {
    /// Name.
    pub corporation: String,
    /// Region (where most of its dwellings are).
    pub region: String,
    /// Province (of its region), or empty.
    pub province: String,
    /// Dwellings.
    pub dwellings: u64,
    /// Decision units.
    pub units: u64,
    /// Nominal investment of its task over the horizon.
    pub task_cost_eur: f64,
    /// Discounted investment of its task.
    pub task_cost_discounted_eur: f64,
    /// Lower bound on the discounted cost of its task (penalties for missed targets included).
    pub task_lower_bound_eur: Option<f64>,
    /// Heat-demand reduction of its task (kWh/yr).
    pub task_reduction_kwh: f64,
    /// Dwellings its task treats.
    pub task_dwellings_treated: u64,
    /// Targets its task plan misses (no package can reach them).
    pub task_targets_missed: Vec<TargetKind>,
    /// Investment capacity over the horizon.
    pub capacity_eur: f64,
    /// Reserve kept.
    pub reserve_eur: f64,
    /// Where the reserve figure comes from.
    pub reserve_basis: &'static str,
    /// Capacity − reserve, not below 0.
    pub available_eur: f64,
    /// Reserve − capacity where the capacity does not cover the reserve.
    pub reserve_deficit_eur: f64,
    /// Figures per level.
    pub levels: Vec<CorporationLevel>,
}

/// A region's (or province's) figures at one level.
#[derive(Debug, Clone, Serialize)]
pub struct RegionLevel {
    /// Level.
    pub level: Level,
    /// Net transfer into the region.
    pub transfer_eur: f64,
    /// Shortfall left in the region.
    pub shortfall_eur: f64,
    /// Fundable share of the region's task reduction.
    pub feasible_share_reduction: f64,
    /// Fundable share of the region's task dwellings.
    pub feasible_share_dwellings: f64,
}

/// One region.
#[derive(Debug, Clone, Serialize)]
pub struct RegionRow {
    /// Name.
    pub region: String,
    /// Province.
    pub province: String,
    /// Corporations.
    pub corporations: u64,
    /// Dwellings.
    pub dwellings: u64,
    /// Task cost.
    pub task_cost_eur: f64,
    /// Available money.
    pub available_eur: f64,
    /// Figures per level.
    pub levels: Vec<RegionLevel>,
}

/// One transfer at a level.
#[derive(Debug, Clone, Serialize)]
pub struct Transfer {
    /// Corporation.
    pub corporation: String,
    /// The pool it belongs to at this level (region, province or "national").
    pub pool: String,
    /// Net amount: received > 0, given < 0.
    pub amount_eur: f64,
}

/// Totals of one level.
#[derive(Debug, Clone, Serialize)]
pub struct LevelSummary {
    /// Level.
    pub level: Level,
    /// Number of pools.
    pub pools: usize,
    /// Total task cost.
    pub total_cost_eur: f64,
    /// Total available.
    pub total_available_eur: f64,
    /// Total shortfall left.
    pub total_shortfall_eur: f64,
    /// Money moved (sum of what is given).
    pub total_transferred_eur: f64,
    /// Corporations short after solidarity.
    pub corporations_short: usize,
    /// 1 − shortfall / cost.
    pub feasible_share_cost: f64,
    /// Fundable share of the task's heat-demand reduction.
    pub feasible_share_reduction: f64,
    /// Fundable share of the task's dwellings.
    pub feasible_share_dwellings: f64,
    /// Transfers (non-zero), largest first.
    pub transfers: Vec<Transfer>,
}

/// What the sum of the corporations' own tasks does to the whole stock (the evaluator's figures
/// of the merged plan).
#[derive(Debug, Clone, Serialize)]
pub struct SectorOutcome {
    /// Total investment by the evaluator (equals the sum of the task costs).
    pub total_investment_eur: f64,
    /// Discounted.
    pub discounted_investment_eur: f64,
    /// Average heat demand before (kWh/m²).
    pub avg_heat_demand_before_kwh_m2: f64,
    /// Average heat demand in the last year.
    pub avg_heat_demand_after_kwh_m2: f64,
    /// Label-A share in the last year.
    pub label_a_share_after: f64,
    /// Gas-free dwellings in the last year.
    pub gas_free_after: u64,
    /// E/F/G dwellings in the last year.
    pub efg_after: u64,
}

/// Seconds per stage.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct SectorTimings {
    /// Reading, modelling and building options.
    pub prepare: f64,
    /// Solving every corporation's task.
    pub solve: f64,
    /// Evaluating the merged plan and pooling.
    pub evaluate: f64,
    /// Writing.
    pub write: f64,
    /// Everything.
    pub total: f64,
}

/// The sector report: a plain data structure for the CSV/JSON writers here and for any other
/// report (workbook sheets, charts) to render.
#[derive(Debug, Clone, Serialize)]
pub struct SectorReport {
    /// Scenario file.
    pub scenario: String,
    /// Stock file.
    pub stock: String,
    /// Capacity table.
    pub capacity_table: String,
    /// First planning year.
    pub first_year: u16,
    /// Last planning year.
    pub last_year: u16,
    /// Dwellings.
    pub dwellings: u64,
    /// Corporations.
    pub corporations: usize,
    /// Regions.
    pub regions: usize,
    /// Provinces (0 when the stock has none).
    pub provinces: usize,
    /// How a corporation's share, the shortfall and transfers are defined.
    pub definitions: Vec<String>,
    /// Assumptions in force.
    pub assumptions: Vec<String>,
    /// Remarks.
    pub notes: Vec<String>,
    /// Per level, own first.
    pub levels: Vec<LevelSummary>,
    /// Per corporation, in stock order.
    pub corporation_rows: Vec<CorporationRow>,
    /// Per region, in stock order.
    pub region_rows: Vec<RegionRow>,
    /// The merged own-task plan, evaluated.
    pub outcome: SectorOutcome,
    /// Timings.
    pub timings: SectorTimings,
}

impl SectorReport {
    /// The summary of `level`, if reported.
    pub fn level(&self, level: Level) -> Option<&LevelSummary> {
        self.levels.iter().find(|l| l.level == level)
    }
}

/// Settings of a sector run.
#[derive(Debug, Clone, Default)]
pub struct SectorOptions {
    /// The solver for each corporation's task.
    pub solver: Decomposition,
    /// Capacity table instead of the scenario's.
    pub capacity: Option<PathBuf>,
}

/// Reads the scenario and everything it names, and analyses the sector.
pub fn run(scenario_path: &Path, options: &SectorOptions) -> Result<SectorReport, SectorError> {
    let started = Instant::now();
    let scenario = Scenario::from_file(scenario_path).map_err(pipeline::Error::from)?;
    let capacity_path = options
        .capacity
        .clone()
        .or_else(|| scenario.sector.capacity.clone())
        .ok_or_else(|| SectorError::NoCapacityTable {
            scenario: scenario_path.to_path_buf(),
        })?;
    // The capacity table first: its errors are quick to find.
    let table = CapacityTable::from_file(&capacity_path)?;
    let prepared = pipeline::prepare(scenario_path, None)?;
    analyse(prepared, &table, options, started)
}

/// The grouping of the stock into corporations, regions and provinces.
struct Grouping {
    /// Units of each corporation (stock corporation index).
    units: Vec<Vec<usize>>,
    dwellings: Vec<u64>,
    region_of: Vec<usize>,
    province_of_region: Vec<Option<usize>>,
    units_split: usize,
}

fn most_common(counts: &HashMap<u32, u64>) -> Option<u32> {
    counts
        .iter()
        .max_by_key(|(k, n)| (**n, std::cmp::Reverse(**k)))
        .map(|(k, _)| *k)
}

fn group(prepared: &Prepared) -> Result<Grouping, SectorError> {
    let stock = &prepared.stock;
    type Lacks = fn(&crate::stock::Dwelling) -> bool;
    let checks: [(&'static str, Lacks); 2] = [
        ("corporation", |d| d.corporation.is_none()),
        ("region", |d| d.region.is_none()),
    ];
    for (column, missing) in checks {
        let lacking = stock.dwellings.iter().filter(|d| missing(d)).count();
        if let Some(d) = stock.dwellings.iter().find(|d| missing(d)) {
            return Err(SectorError::StockGrouping {
                file: stock.source.clone(),
                column,
                id: d.id.clone(),
                more: if lacking > 1 {
                    format!(", nor have {} more", lacking - 1)
                } else {
                    String::new()
                },
            });
        }
    }
    let n_corp = stock.corporations.len();
    let mut units = vec![Vec::new(); n_corp];
    let mut dwellings = vec![0u64; n_corp];
    let mut region_counts: Vec<HashMap<u32, u64>> = vec![HashMap::new(); n_corp];
    let mut province_counts: Vec<HashMap<u32, u64>> = vec![HashMap::new(); stock.regions.len()];
    let mut units_split = 0;
    for u in 0..prepared.units.len() {
        let members = prepared.units.members(u);
        let first = &stock.dwellings[members[0] as usize];
        let c = first.corporation.unwrap_or(0) as usize;
        units[c].push(u);
        if members
            .iter()
            .any(|&i| stock.dwellings[i as usize].corporation != first.corporation)
        {
            units_split += 1;
        }
        for &i in members {
            let d = &stock.dwellings[i as usize];
            dwellings[c] += 1;
            let r = d.region.unwrap_or(0);
            *region_counts[c].entry(r).or_default() += 1;
            if let Some(p) = d.province {
                *province_counts[r as usize].entry(p).or_default() += 1;
            }
        }
    }
    Ok(Grouping {
        units,
        dwellings,
        region_of: region_counts
            .iter()
            .map(|m| most_common(m).unwrap_or(0) as usize)
            .collect(),
        province_of_region: province_counts
            .iter()
            .map(|m| most_common(m).map(|p| p as usize))
            .collect(),
        units_split,
    })
}

/// The scenario of a corporation's own task: the same path and targets, no whole-stock budgets.
fn task_scenario(scenario: &Scenario, stock_dwellings: f64) -> Scenario {
    let mut s = scenario.clone();
    s.budget_eur = vec![None; s.n_years()];
    s.capacity_dwellings = vec![None; s.n_years()];
    if let (None, Some(count)) = (s.targets.gas_free_share, s.targets.gas_free_count) {
        s.targets.gas_free_share = Some((count as f64 / stock_dwellings.max(1.0)).min(1.0));
        s.targets.gas_free_count = None;
    }
    s
}

fn solve_task(
    prepared: &Prepared,
    scenario: &Scenario,
    units: &[usize],
    solver: &Decomposition,
) -> Result<Task, OptimiseError> {
    let (mut sub, map) = prepared.options.subset(units);
    let metric = scenario.path.metric;
    let averaging = scenario.path.averaging;
    let mut totals = Totals::default();
    for &u in units {
        for &i in prepared.units.members(u) {
            let d = &prepared.stock.dwellings[i as usize];
            let p = &prepared.baseline.before[i as usize];
            let w = path_weight(averaging, d);
            totals.dwellings += 1.0;
            totals.floor_area_m2 += d.floor_area_m2;
            totals.path_weight += w;
            totals.path_sum += w * path_metric(metric, p);
            totals.label_a += f64::from(u8::from(p.label.is_a_or_better()));
            totals.gas_free += f64::from(u8::from(p.gas_free));
            totals.efg += f64::from(u8::from(p.label.is_efg()));
            totals.low_temp_ready += f64::from(u8::from(p.low_temp_ready));
        }
    }
    sub.totals = totals;
    let problem = Problem::new(&sub, scenario);
    let solution = solver.solve(&problem, &mut Silent)?;
    let mut task = Task {
        cost_eur: 0.0,
        discounted_eur: 0.0,
        reduction_kwh: 0.0,
        dwellings_treated: 0,
        works: Vec::new(),
        lower_bound_eur: solution.lower_bound_eur,
        targets_missed: Vec::new(),
        choices: Vec::new(),
    };
    let n_years = sub.n_years;
    let mut path_done = vec![0.0; n_years];
    let (mut label_a_gain, mut gas_free_gain) = (vec![0.0; n_years], vec![0.0; n_years]);
    let mut efg_left_at_deadline = 0u64;
    for (i, choice) in solution.plan.choices.iter().enumerate() {
        let chosen = choice.and_then(|c| {
            let t = (c.year - sub.first_year) as usize;
            sub.of_unit(i)
                .find(|&k| sub.package[k] == c.package)
                .map(|k| (k, t))
        });
        let efg_before = u64::from(sub.unit_efg_before[i]);
        let Some((k, t)) = chosen else {
            efg_left_at_deadline += efg_before;
            continue;
        };
        if problem.efg_deadline.is_some_and(|d| t <= d) {
            efg_left_at_deadline += u64::from(sub.efg_after[k]);
        } else {
            efg_left_at_deadline += efg_before;
        }
        let cost = sub.cost_eur(i, k, t);
        task.cost_eur += cost;
        task.discounted_eur += cost * sub.discount[t];
        task.reduction_kwh += sub.heat_demand_reduction_kwh[k];
        task.dwellings_treated += u64::from(sub.unit_dwellings[i]);
        for y in t..n_years {
            path_done[y] += sub.path_reduction[k];
            label_a_gain[y] += f64::from(sub.label_a_gain[k]);
            gas_free_gain[y] += f64::from(sub.gas_free_gain[k]);
        }
        task.works.push(Work {
            cost_eur: cost,
            reduction_kwh: sub.heat_demand_reduction_kwh[k],
            dwellings: sub.unit_dwellings[i],
        });
        task.choices.push((units[i], map[k], t));
    }
    let tolerance = |required: f64| 1e-6 * required.abs().max(1.0);
    if (0..n_years)
        .any(|t| problem.path_required[t].is_some_and(|r| path_done[t] < r - tolerance(r)))
    {
        // The path's own kind: an EP2 path's miss was once reported as a heat-demand path's.
        task.targets_missed
            .push(TargetKind::path(scenario.path.metric));
    }
    if let Some(target) = problem.label_a {
        if label_a_gain[target.year_index] < target.required_gain - 1e-9 {
            task.targets_missed.push(TargetKind::LabelAShare);
        }
    }
    if let Some(target) = problem.gas_free {
        if gas_free_gain[target.year_index] < target.required_gain - 1e-9 {
            task.targets_missed
                .push(TargetKind::gas_free(scenario.targets.gas_free_basis));
        }
    }
    if problem.efg_deadline.is_some() && efg_left_at_deadline > 0 {
        task.targets_missed.push(TargetKind::EfgPhaseOut);
    }
    // Merit order: lowest cost per kWh/yr first; works without reduction last, cheapest first.
    task.works.sort_by(|a, b| {
        let key = |w: &Work| {
            if w.reduction_kwh > 0.0 {
                (0, w.cost_eur / w.reduction_kwh)
            } else {
                (1, w.cost_eur)
            }
        };
        let (ka, kb) = (key(a), key(b));
        ka.0.cmp(&kb.0).then(ka.1.total_cmp(&kb.1))
    });
    Ok(task)
}

fn share(part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        (part / whole).min(1.0)
    } else {
        1.0
    }
}

/// Analyses a prepared stock against a capacity table.
pub fn analyse(
    prepared: Prepared,
    table: &CapacityTable,
    options: &SectorOptions,
    started: Instant,
) -> Result<SectorReport, SectorError> {
    let prepare_s = started.elapsed().as_secs_f64();
    let stock = &prepared.stock;
    let scenario = &prepared.scenario;
    let grouping = group(&prepared)?;
    let n_corp = stock.corporations.len();
    let n_years = scenario.n_years();
    let mut notes = Vec::new();
    let mut assumptions = Vec::new();

    // Capacity rows per corporation.
    let by_name: HashMap<&str, &CapacityRow> = table
        .rows
        .iter()
        .map(|r| (r.corporation.as_str(), r))
        .collect();
    let missing: Vec<usize> = (0..n_corp)
        .filter(|&c| !by_name.contains_key(stock.corporations.get(c as u32)))
        .collect();
    if let Some(&c) = missing.first() {
        return Err(SectorError::CapacityMissingCorporation {
            file: table.source.clone(),
            corporation: stock.corporations.get(c as u32).to_string(),
            dwellings: grouping.dwellings[c] as usize,
            more: if missing.len() > 1 {
                format!(" ({} more corporations are missing)", missing.len() - 1)
            } else {
                String::new()
            },
        });
    }
    let unused = table
        .rows
        .iter()
        .filter(|r| stock.corporations.find(&r.corporation).is_none())
        .count();
    if unused > 0 {
        notes.push(format!(
            "{unused} rows of the capacity table name corporations that are not in the stock; they are ignored"
        ));
    }
    if grouping.units_split > 0 {
        notes.push(format!(
            "{} complexes have dwellings of more than one corporation; each is counted with the corporation of its first dwelling",
            grouping.units_split
        ));
    }
    let maintenance = scenario
        .sector
        .maintenance_eur_per_dwelling_year
        .unwrap_or(DEFAULT_MAINTENANCE_EUR_PER_DWELLING_YEAR);
    let defaulted = (0..n_corp)
        .filter(|&c| by_name[stock.corporations.get(c as u32)].reserve == Reserve::Default)
        .count();
    if defaulted > 0 {
        if scenario.sector.maintenance_eur_per_dwelling_year.is_some() {
            assumptions.push(format!("{defaulted} corporations without a reserve or maintenance figure: reserve = {RESERVE_YEARS} years × €{maintenance:.0} per dwelling and year (the scenario's sector.maintenance_eur_per_dwelling_year)"));
        } else {
            assumptions.push(format!("ASSUMPTION (illustrative): {defaulted} corporations without a reserve or maintenance figure: reserve = {RESERVE_YEARS} years × €{maintenance:.0} per dwelling and year, heatpath's default; give reserve_eur or maintenance_eur_per_dwelling_year, or set [sector] maintenance_eur_per_dwelling_year"));
        }
    }
    if table
        .rows
        .iter()
        .any(|r| matches!(r.capacity, Capacity::PerYear(_)))
    {
        assumptions.push(format!(
            "capacities given per year count for each of the {n_years} planning years"
        ));
    }
    if scenario.budget_eur.iter().any(Option::is_some)
        || scenario.capacity_dwellings.iter().any(Option::is_some)
    {
        notes.push("the scenario's yearly budgets and capacity are whole-stock figures and do not apply to the corporations' tasks; their money is the capacity table's".into());
    }

    // Each corporation's task, in parallel (largest first, for load balance).
    let t = Instant::now();
    let task_scenario = task_scenario(scenario, stock.len() as f64);
    let mut order: Vec<usize> = (0..n_corp).collect();
    order.sort_by_key(|&c| std::cmp::Reverse(grouping.dwellings[c]));
    let solved: Vec<(usize, Result<Task, OptimiseError>)> = order
        .par_iter()
        .map(|&c| {
            (
                c,
                solve_task(
                    &prepared,
                    &task_scenario,
                    &grouping.units[c],
                    &options.solver,
                ),
            )
        })
        .collect();
    let mut tasks: Vec<Option<Task>> = vec![None; n_corp];
    for (c, result) in solved {
        let task = result.map_err(|source| SectorError::Solve {
            corporation: stock.corporations.get(c as u32).to_string(),
            source,
        })?;
        tasks[c] = Some(task);
    }
    let tasks: Vec<Task> = tasks.into_iter().flatten().collect();
    let solve_s = t.elapsed().as_secs_f64();

    // The merged plan through the one evaluator.
    let t = Instant::now();
    let mut choices = vec![None; prepared.units.len()];
    for task in &tasks {
        for &(u, k, year) in &task.choices {
            choices[u] = Some((k, year));
        }
    }
    let plan = prepared.options.plan(&choices);
    let evaluation = evaluate(
        stock,
        &prepared.units,
        &prepared.baseline,
        &prepared.catalogue,
        scenario,
        &plan,
    )
    .map_err(pipeline::Error::from)?;
    let first = &evaluation.trajectory[0];
    let last = evaluation.trajectory.last().unwrap_or(first);
    let outcome = SectorOutcome {
        total_investment_eur: evaluation.total_investment_eur,
        discounted_investment_eur: evaluation.objective_eur,
        avg_heat_demand_before_kwh_m2: first.avg_heat_demand_kwh_m2,
        avg_heat_demand_after_kwh_m2: last.avg_heat_demand_kwh_m2,
        label_a_share_after: last.label_a_or_better_share,
        gas_free_after: last.gas_free_count,
        efg_after: last.efg_count,
    };
    drop(evaluation);
    let short_of_targets = tasks
        .iter()
        .filter(|t| !t.targets_missed.is_empty())
        .count();
    if short_of_targets > 0 {
        notes.push(format!("{short_of_targets} corporations' tasks miss a target that no package of the catalogue can reach (see task_targets_missed); their task cost is that of the closest plan"));
    }

    // Money.
    let cost: Vec<f64> = tasks.iter().map(|t| t.cost_eur).collect();
    let mut capacity_eur = vec![0.0; n_corp];
    let mut reserve_eur = vec![0.0; n_corp];
    let mut reserve_basis = vec![""; n_corp];
    for c in 0..n_corp {
        let row = by_name[stock.corporations.get(c as u32)];
        capacity_eur[c] = row.capacity.over(n_years);
        let dwellings = grouping.dwellings[c] as f64;
        (reserve_eur[c], reserve_basis[c]) = match row.reserve {
            Reserve::Given(v) => (v, "given"),
            Reserve::Maintenance(m) => (RESERVE_YEARS * m * dwellings, "maintenance"),
            Reserve::Default => (RESERVE_YEARS * maintenance * dwellings, "default"),
        };
    }
    let available: Vec<f64> = (0..n_corp)
        .map(|c| (capacity_eur[c] - reserve_eur[c]).max(0.0))
        .collect();

    // Pools per level.
    let has_provinces = grouping.province_of_region.iter().all(Option::is_some)
        && !grouping.province_of_region.is_empty();
    let province_of = |c: usize| grouping.province_of_region[grouping.region_of[c]].unwrap_or(0);
    let mut levels: Vec<(Level, Vec<usize>)> = vec![
        (Level::Own, (0..n_corp).collect()),
        (Level::Regional, grouping.region_of.clone()),
    ];
    if has_provinces {
        levels.push((Level::Provincial, (0..n_corp).map(province_of).collect()));
    }
    levels.push((Level::National, vec![0; n_corp]));
    let pool_name = |level: Level, c: usize| -> String {
        match level {
            Level::Own => stock.corporations.get(c as u32).to_string(),
            Level::Regional => stock.regions.get(grouping.region_of[c] as u32).to_string(),
            Level::Provincial => stock.provinces.get(province_of(c) as u32).to_string(),
            Level::National => "national".to_string(),
        }
    };

    let mut corporation_levels: Vec<Vec<CorporationLevel>> = vec![Vec::new(); n_corp];
    let mut summaries = Vec::new();
    for (level, pool_of) in &levels {
        let pooled = pool(&cost, &available, pool_of);
        let mut transfers = Vec::new();
        let (mut reduction, mut dwellings) = (0.0, 0u64);
        for c in 0..n_corp {
            let (r, d) = tasks[c].fundable(available[c] + pooled.transfer[c]);
            reduction += r;
            dwellings += d;
            corporation_levels[c].push(CorporationLevel {
                level: *level,
                transfer_eur: pooled.transfer[c],
                shortfall_eur: pooled.shortfall[c],
                feasible_reduction_kwh: r,
                feasible_dwellings: d,
                feasible_share_reduction: share(r, tasks[c].reduction_kwh),
                feasible_share_dwellings: share(d as f64, tasks[c].dwellings_treated as f64),
            });
            if pooled.transfer[c].abs() > 0.005 {
                transfers.push(Transfer {
                    corporation: stock.corporations.get(c as u32).to_string(),
                    pool: pool_name(*level, c),
                    amount_eur: pooled.transfer[c],
                });
            }
        }
        transfers.sort_by(|a, b| b.amount_eur.abs().total_cmp(&a.amount_eur.abs()));
        let total_cost: f64 = cost.iter().sum();
        let total_shortfall: f64 = pooled.shortfall.iter().sum();
        let total_reduction: f64 = tasks.iter().map(|t| t.reduction_kwh).sum();
        let total_dwellings: u64 = tasks.iter().map(|t| t.dwellings_treated).sum();
        summaries.push(LevelSummary {
            level: *level,
            pools: pool_of
                .iter()
                .map(|&p| p + 1)
                .max()
                .unwrap_or(0)
                .min(n_corp),
            total_cost_eur: total_cost,
            total_available_eur: available.iter().sum(),
            total_shortfall_eur: total_shortfall,
            total_transferred_eur: pooled
                .transfer
                .iter()
                .filter(|&&x| x < 0.0)
                .map(|x| -x)
                .sum(),
            corporations_short: pooled.shortfall.iter().filter(|&&s| s > 0.005).count(),
            feasible_share_cost: if total_cost > 0.0 {
                1.0 - total_shortfall / total_cost
            } else {
                1.0
            },
            feasible_share_reduction: share(reduction, total_reduction),
            feasible_share_dwellings: share(dwellings as f64, total_dwellings as f64),
            transfers,
        });
    }
    // Distinct pools actually used.
    for (summary, (_, pool_of)) in summaries.iter_mut().zip(&levels) {
        let mut used: Vec<usize> = pool_of.clone();
        used.sort_unstable();
        used.dedup();
        summary.pools = used.len();
    }

    let corporation_rows: Vec<CorporationRow> = (0..n_corp)
        .map(|c| {
            let region = grouping.region_of[c];
            CorporationRow {
                corporation: stock.corporations.get(c as u32).to_string(),
                region: stock.regions.get(region as u32).to_string(),
                province: grouping.province_of_region[region]
                    .map(|p| stock.provinces.get(p as u32).to_string())
                    .unwrap_or_default(),
                dwellings: grouping.dwellings[c],
                units: grouping.units[c].len() as u64,
                task_cost_eur: tasks[c].cost_eur,
                task_cost_discounted_eur: tasks[c].discounted_eur,
                task_lower_bound_eur: tasks[c].lower_bound_eur,
                task_reduction_kwh: tasks[c].reduction_kwh,
                task_dwellings_treated: tasks[c].dwellings_treated,
                task_targets_missed: tasks[c].targets_missed.clone(),
                capacity_eur: capacity_eur[c],
                reserve_eur: reserve_eur[c],
                reserve_basis: reserve_basis[c],
                available_eur: available[c],
                reserve_deficit_eur: (reserve_eur[c] - capacity_eur[c]).max(0.0),
                levels: std::mem::take(&mut corporation_levels[c]),
            }
        })
        .collect();

    // Regions.
    let n_regions = stock.regions.len();
    let region_rows: Vec<RegionRow> = (0..n_regions)
        .filter_map(|r| {
            let members: Vec<&CorporationRow> = corporation_rows
                .iter()
                .enumerate()
                .filter(|(c, _)| grouping.region_of[*c] == r)
                .map(|(_, row)| row)
                .collect();
            if members.is_empty() {
                return None;
            }
            let task_reduction: f64 = members.iter().map(|m| m.task_reduction_kwh).sum();
            let task_dwellings: u64 = members.iter().map(|m| m.task_dwellings_treated).sum();
            let levels = levels
                .iter()
                .enumerate()
                .map(|(l, (level, _))| RegionLevel {
                    level: *level,
                    transfer_eur: members.iter().map(|m| m.levels[l].transfer_eur).sum(),
                    shortfall_eur: members.iter().map(|m| m.levels[l].shortfall_eur).sum(),
                    feasible_share_reduction: share(
                        members
                            .iter()
                            .map(|m| m.levels[l].feasible_reduction_kwh)
                            .sum(),
                        task_reduction,
                    ),
                    feasible_share_dwellings: share(
                        members
                            .iter()
                            .map(|m| m.levels[l].feasible_dwellings)
                            .sum::<u64>() as f64,
                        task_dwellings as f64,
                    ),
                })
                .collect();
            Some(RegionRow {
                region: stock.regions.get(r as u32).to_string(),
                province: grouping.province_of_region[r]
                    .map(|p| stock.provinces.get(p as u32).to_string())
                    .unwrap_or_default(),
                corporations: members.len() as u64,
                dwellings: members.iter().map(|m| m.dwellings).sum(),
                task_cost_eur: members.iter().map(|m| m.task_cost_eur).sum(),
                available_eur: members.iter().map(|m| m.available_eur).sum(),
                levels,
            })
        })
        .collect();
    let evaluate_s = t.elapsed().as_secs_f64();

    let definitions = vec![
        "task: the scenario's path and targets applied to each corporation's own stock (relative path on its own baseline average; label-A and gas-free shares of its own dwellings; E/F/G phase-out of its own dwellings), solved at the lowest discounted cost without budget limits".into(),
        "task cost: nominal investment of that plan over the horizon (euros of the years of works)".into(),
        format!("available: investment capacity over the horizon − reserve ({RESERVE_YEARS} years of maintenance, or the reserve given), not below 0"),
        "shortfall: task cost − available money (own, plus transfers at the pooled levels), not below 0".into(),
        "transfers: within each pool (region, province, country) corporations with a surplus give in proportion to their surplus, corporations short receive in proportion to their shortfall, as far as the pool's surplus goes; they sum to zero in each pool".into(),
        "feasible share: the task's works fundable with the money (merit order: lowest cost per kWh/yr of heat-demand reduction first, whole complexes), as a share of the task's heat-demand reduction and of its dwellings treated; not a re-optimisation under the budget, so a lower estimate".into(),
    ];
    let total_s = started.elapsed().as_secs_f64();
    Ok(SectorReport {
        scenario: scenario.source.display().to_string(),
        stock: scenario.stock.display().to_string(),
        capacity_table: table.source.display().to_string(),
        first_year: scenario.first_year,
        last_year: scenario.last_year,
        dwellings: stock.len() as u64,
        corporations: n_corp,
        regions: region_rows.len(),
        provinces: if has_provinces {
            let mut p: Vec<usize> = (0..n_corp).map(province_of).collect();
            p.sort_unstable();
            p.dedup();
            p.len()
        } else {
            0
        },
        definitions,
        assumptions,
        notes,
        levels: summaries,
        corporation_rows,
        region_rows,
        outcome,
        timings: SectorTimings {
            prepare: prepare_s,
            solve: solve_s,
            evaluate: evaluate_s,
            write: 0.0,
            total: total_s,
        },
    })
}

/// Rounds away float dust (and negative zeros) below half a cent.
fn clean(v: f64) -> f64 {
    if v.abs() < 0.005 {
        0.0
    } else {
        v
    }
}

fn money(v: f64) -> String {
    format!("{:.2}", clean(v))
}

fn ratio(v: f64) -> String {
    format!("{v:.6}")
}

/// Writes sector_corporations.csv.
pub fn write_corporations_csv<W: Write>(out: W, report: &SectorReport) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let mut header: Vec<String> = [
        "corporation",
        "region",
        "province",
        "dwellings",
        "units",
        "task_cost_eur",
        "task_cost_discounted_eur",
        "task_reduction_kwh",
        "task_dwellings_treated",
        "task_targets_missed",
        "capacity_eur",
        "reserve_eur",
        "reserve_basis",
        "available_eur",
        "reserve_deficit_eur",
    ]
    .map(String::from)
    .to_vec();
    for l in &report.levels {
        let name = l.level.as_str();
        if l.level != Level::Own {
            header.push(format!("{name}_transfer_eur"));
        }
        header.push(format!("{name}_shortfall_eur"));
        header.push(format!("{name}_feasible_share_reduction"));
        header.push(format!("{name}_feasible_share_dwellings"));
    }
    w.write_record(&header)?;
    for c in &report.corporation_rows {
        let mut row = vec![
            crate::text::csv_safe(&c.corporation).into_owned(),
            crate::text::csv_safe(&c.region).into_owned(),
            c.province.clone(),
            c.dwellings.to_string(),
            c.units.to_string(),
            money(c.task_cost_eur),
            money(c.task_cost_discounted_eur),
            format!("{:.1}", c.task_reduction_kwh),
            c.task_dwellings_treated.to_string(),
            c.task_targets_missed
                .iter()
                .map(|k| k.key())
                .collect::<Vec<_>>()
                .join(" "),
            money(c.capacity_eur),
            money(c.reserve_eur),
            c.reserve_basis.to_string(),
            money(c.available_eur),
            money(c.reserve_deficit_eur),
        ];
        for l in &c.levels {
            if l.level != Level::Own {
                row.push(money(l.transfer_eur));
            }
            row.push(money(l.shortfall_eur));
            row.push(ratio(l.feasible_share_reduction));
            row.push(ratio(l.feasible_share_dwellings));
        }
        w.write_record(&row)?;
    }
    w.flush()
}

/// Writes sector_regions.csv.
pub fn write_regions_csv<W: Write>(out: W, report: &SectorReport) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let mut header: Vec<String> = [
        "region",
        "province",
        "corporations",
        "dwellings",
        "task_cost_eur",
        "available_eur",
    ]
    .map(String::from)
    .to_vec();
    for l in &report.levels {
        let name = l.level.as_str();
        if l.level != Level::Own {
            header.push(format!("{name}_transfer_in_eur"));
        }
        header.push(format!("{name}_shortfall_eur"));
        header.push(format!("{name}_feasible_share_reduction"));
        header.push(format!("{name}_feasible_share_dwellings"));
    }
    w.write_record(&header)?;
    for r in &report.region_rows {
        let mut row = vec![
            crate::text::csv_safe(&r.region).into_owned(),
            r.province.clone(),
            r.corporations.to_string(),
            r.dwellings.to_string(),
            money(r.task_cost_eur),
            money(r.available_eur),
        ];
        for l in &r.levels {
            if l.level != Level::Own {
                row.push(money(l.transfer_eur));
            }
            row.push(money(l.shortfall_eur));
            row.push(ratio(l.feasible_share_reduction));
            row.push(ratio(l.feasible_share_dwellings));
        }
        w.write_record(&row)?;
    }
    w.flush()
}

/// The summary written as sector_summary.json: everything but the per-corporation and
/// per-region rows (those are in the CSV files).
#[derive(Serialize)]
struct SummaryJson<'a> {
    scenario: &'a str,
    stock: &'a str,
    capacity_table: &'a str,
    first_year: u16,
    last_year: u16,
    dwellings: u64,
    corporations: usize,
    regions: usize,
    provinces: usize,
    definitions: &'a [String],
    assumptions: &'a [String],
    notes: &'a [String],
    levels: &'a [LevelSummary],
    outcome_of_own_tasks: &'a SectorOutcome,
    timings: SectorTimings,
}

/// Writes the three sector files into `out` atomically (all or none).
pub fn write_outputs(report: &mut SectorReport, out: &Path) -> Result<(), SectorError> {
    let t = Instant::now();
    let write_error = |source| SectorError::Write {
        path: out.to_path_buf(),
        source,
    };
    let dir = OutputDir::create(out).map_err(write_error)?;
    dir.write("sector_corporations.csv", |w| {
        write_corporations_csv(w, report)
    })
    .map_err(write_error)?;
    dir.write("sector_regions.csv", |w| write_regions_csv(w, report))
        .map_err(write_error)?;
    dir.write("sector.xlsx", |w| {
        report::write_workbook(w, report).map_err(io::Error::other)
    })
    .map_err(write_error)?;
    let mut charts = Vec::new();
    for chart in report::SectorChart::ALL {
        let svg = report::svg(chart, report).map_err(|e| write_error(io::Error::other(e)))?;
        dir.write(&format!("{}.svg", chart.file_stem()), |w| {
            w.write_all(svg.as_bytes())
        })
        .map_err(write_error)?;
        report::png(
            chart,
            report,
            &dir.staged_path(&format!("{}.png", chart.file_stem())),
        )
        .map_err(|e| write_error(io::Error::other(e)))?;
        charts.push((chart, svg));
    }
    let page = report::html(report, &charts);
    dir.write("sector_report.html", |w| w.write_all(page.as_bytes()))
        .map_err(write_error)?;
    report.timings.write = t.elapsed().as_secs_f64();
    report.timings.total += report.timings.write;
    let summary = SummaryJson {
        scenario: &report.scenario,
        stock: &report.stock,
        capacity_table: &report.capacity_table,
        first_year: report.first_year,
        last_year: report.last_year,
        dwellings: report.dwellings,
        corporations: report.corporations,
        regions: report.regions,
        provinces: report.provinces,
        definitions: &report.definitions,
        assumptions: &report.assumptions,
        notes: &report.notes,
        levels: &report.levels,
        outcome_of_own_tasks: &report.outcome,
        timings: report.timings,
    };
    dir.write("sector_summary.json", |w| {
        serde_json::to_writer_pretty(&mut *w, &summary).map_err(io::Error::other)?;
        w.write_all(b"\n")
    })
    .map_err(write_error)?;
    dir.commit().map_err(write_error)
}

/// A short aligned summary for the terminal.
pub fn text_summary(report: &SectorReport, out: &str) -> String {
    let m = |v: f64| format!("€ {:.1} M", clean(v / 1e6 * 200.0) / 200.0);
    let mut s = format!(
        "Sector: {} dwellings of {} corporations in {} regions, {}–{}\n",
        report.dwellings, report.corporations, report.regions, report.first_year, report.last_year
    );
    s.push_str(&format!(
        "  {:<11} {:>16} {:>16} {:>16} {:>8} {:>10} {:>10} {:>10}\n",
        "level",
        "task cost",
        "shortfall",
        "transferred",
        "short",
        "feas.cost",
        "feas.kWh",
        "feas.dw"
    ));
    for l in &report.levels {
        s.push_str(&format!(
            "  {:<11} {:>16} {:>16} {:>16} {:>8} {:>9.1}% {:>9.1}% {:>9.1}%\n",
            l.level.as_str(),
            m(l.total_cost_eur),
            m(l.total_shortfall_eur),
            m(l.total_transferred_eur),
            l.corporations_short,
            100.0 * l.feasible_share_cost,
            100.0 * l.feasible_share_reduction,
            100.0 * l.feasible_share_dwellings,
        ));
    }
    if let Some(own) = report.level(Level::Own) {
        s.push_str(&format!(
            "  available money {} (capacity − reserve); short = corporations with a shortfall left\n",
            m(own.total_available_eur)
        ));
    }
    let mut regions: Vec<&RegionRow> = report.region_rows.iter().collect();
    let regional = report
        .levels
        .iter()
        .position(|l| l.level == Level::Regional);
    if let Some(l) = regional {
        regions.sort_by(|a, b| {
            b.levels[l]
                .shortfall_eur
                .total_cmp(&a.levels[l].shortfall_eur)
        });
        let short: Vec<&&RegionRow> = regions
            .iter()
            .filter(|r| r.levels[l].shortfall_eur > 0.005)
            .take(5)
            .collect();
        if !short.is_empty() {
            s.push_str("Largest regional shortfalls (after regional solidarity):\n");
            for r in short {
                s.push_str(&format!(
                    "  {:<24} {:>16}\n",
                    r.region,
                    m(r.levels[l].shortfall_eur)
                ));
            }
        }
    }
    for a in &report.assumptions {
        s.push_str(&format!("Assumption: {a}\n"));
    }
    for n in &report.notes {
        s.push_str(&format!("Note: {n}\n"));
    }
    s.push_str(&format!(
        "Outputs in {out}/ ({:.2} s)\n",
        report.timings.total
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pooling_moves_surplus_to_shortfall_and_sums_to_zero() {
        let cost = [100.0, 50.0, 10.0, 80.0];
        let available = [40.0, 90.0, 30.0, 0.0];
        // Pool 0: {0, 1}: need 60, surplus 40; pool 1: {2, 3}: need 80, surplus 20.
        let p = pool(&cost, &available, &[0, 0, 1, 1]);
        assert!((p.transfer[0] - 40.0).abs() < 1e-9);
        assert!((p.transfer[1] + 40.0).abs() < 1e-9);
        assert!((p.shortfall[0] - 20.0).abs() < 1e-9);
        assert_eq!(p.shortfall[1], 0.0);
        assert!((p.transfer[2] + 20.0).abs() < 1e-9);
        assert!((p.shortfall[3] - 60.0).abs() < 1e-9);
        // Own means: nothing moves.
        let own = pool(&cost, &available, &[0, 1, 2, 3]);
        assert!(own.transfer.iter().all(|&t| t == 0.0));
        assert_eq!(own.shortfall, vec![60.0, 0.0, 0.0, 80.0]);
    }

    #[test]
    fn a_surplus_pool_covers_every_shortfall_and_givers_give_in_proportion() {
        let p = pool(&[10.0, 0.0, 0.0], &[0.0, 30.0, 10.0], &[0, 0, 0]);
        assert_eq!(p.shortfall, vec![0.0, 0.0, 0.0]);
        assert!((p.transfer[0] - 10.0).abs() < 1e-9);
        assert!((p.transfer[1] + 7.5).abs() < 1e-9);
        assert!((p.transfer[2] + 2.5).abs() < 1e-9);
    }

    #[test]
    fn fundable_works_follow_merit_order() {
        let task = Task {
            cost_eur: 30.0,
            discounted_eur: 30.0,
            reduction_kwh: 60.0,
            dwellings_treated: 3,
            works: vec![
                Work {
                    cost_eur: 10.0,
                    reduction_kwh: 40.0,
                    dwellings: 1,
                },
                Work {
                    cost_eur: 15.0,
                    reduction_kwh: 15.0,
                    dwellings: 1,
                },
                Work {
                    cost_eur: 5.0,
                    reduction_kwh: 5.0,
                    dwellings: 1,
                },
            ],
            lower_bound_eur: None,
            targets_missed: Vec::new(),
            choices: Vec::new(),
        };
        assert_eq!(task.fundable(30.0), (60.0, 3));
        assert_eq!(task.fundable(20.0), (45.0, 2));
        assert_eq!(task.fundable(0.0), (0.0, 0));
    }
}
