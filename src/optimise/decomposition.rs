//! Lagrangian decomposition for stocks of millions of dwellings.
//!
//! The coupling rows of the exact model (path per year, budget and capacity per year, label-A and
//! gas-free targets) are dualised with multipliers λ. What remains splits by unit: each unit picks
//! the (option, year) — or nothing — with the lowest reduced cost, solved for all units in
//! parallel. A unit's own E/F/G row adds a linear term (no option lifts more E/F/G dwellings than
//! the unit has, so its slack is never zero-clipped), so every subproblem is a pick-one problem
//! with the integrality property and the Lagrangian dual equals the LP bound (Geoffrion 1974).
//!
//! The dual is maximised with a cutting-plane method stabilised by a box trust region (the
//! boxstep method): the small master LP — one variable per coupling row, one row per cut — is
//! solved by the LP backend. Every dual value is a valid lower bound; a master over the whole
//! multiplier box every few iterations gives an upper bound on the dual, and the method stops when
//! the two meet. The integer plan is the subproblems' choice at the best multipliers, repaired
//! and improved by the same local search the LP rounding uses.

use std::time::{Duration, Instant};

use rayon::prelude::*;

use super::backend::{solve_master, Cut};
use super::model::Penalties;
use super::plan_state::PlanState;
use super::round::round_and_repair;
use super::search::{
    local_search, neighbourhood_search, search_residual, solve_residual, NEIGHBOURHOOD_SEARCH_UNITS,
};
use super::Capabilities;
use super::{
    Observer, OptimiseError, Problem, Progress, Solution, SolveDetails, SolveStatus, Solver,
    Termination,
};
use crate::scenario::Mode;

/// The decomposition solver.
#[derive(Debug, Clone, Copy)]
pub struct Decomposition {
    /// Stop when (upper − lower) / |lower| of the dual falls below this.
    pub tolerance: f64,
    /// At most this many dual evaluations.
    pub max_iterations: usize,
    /// Wall-clock limit for the dual ascent (the run's deadline, [`super::Observer::deadline`],
    /// stops it too). The plan's recovery from the multipliers reached is a fixed amount of work
    /// (a residual LP of at most a few thousand columns, a 500-node branch and bound), so it
    /// runs to its end after a limit: a recovery cut by the clock would make the plan depend on
    /// the machine's load.
    pub time_limit: Option<Duration>,
}

impl Default for Decomposition {
    fn default() -> Self {
        Decomposition {
            tolerance: 1e-6,
            max_iterations: 400,
            time_limit: None,
        }
    }
}

/// A dualised row.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Coupling {
    Path(usize),
    Budget(usize),
    Capacity(usize),
    LabelA(usize),
    GasFree(usize),
    Ready(usize),
}

impl Coupling {
    /// ≥ rows (targets) versus ≤ rows (resources).
    fn is_target(self) -> bool {
        matches!(
            self,
            Coupling::Path(_) | Coupling::LabelA(_) | Coupling::GasFree(_) | Coupling::Ready(_)
        )
    }
}

/// The coupling rows of a problem with their right-hand sides, multiplier bounds and scales.
#[derive(Debug, Clone)]
struct Rows {
    kind: Vec<Coupling>,
    rhs: Vec<f64>,
    /// Upper bound of each multiplier (lower bounds are 0).
    upper: Vec<f64>,
    /// A typical size of each multiplier, so that the trust region treats rows alike.
    scale: Vec<f64>,
}

impl Rows {
    fn of(p: &Problem, penalties: &Penalties) -> Rows {
        let o = p.options;
        let mut rows = Rows {
            kind: Vec::new(),
            rhs: Vec::new(),
            upper: Vec::new(),
            scale: Vec::new(),
        };
        // Typical prices: median cost per kWh and per dwelling of effect, over all options.
        let mut per_kwh = Vec::new();
        let mut per_dwelling = Vec::new();
        let mut relief_per_euro: f64 = 0.0;
        let mut relief_per_dwelling: f64 = 0.0;
        for u in 0..o.n_units() {
            for k in o.of_unit(u) {
                let cost = o.cost_eur(u, k, 0).max(1e-9);
                if o.path_reduction[k] > 0.0 {
                    per_kwh.push(cost / o.path_reduction[k]);
                }
                let gain = f64::from(
                    o.label_a_gain[k].max(0)
                        + o.gas_free_gain[k].max(0)
                        + o.low_temp_ready_gain[k].max(0),
                );
                if gain > 0.0 {
                    per_dwelling.push(cost / gain);
                }
                let relief = penalties.path_eur * o.path_reduction[k].max(0.0)
                    + penalties.dwelling_eur
                        * (gain + f64::from(o.unit_efg_before[u].saturating_sub(o.efg_after[k])));
                for t in 0..o.n_years {
                    let c = o.cost_eur(u, k, t);
                    if c > 1e-6 {
                        relief_per_euro = relief_per_euro.max(relief / c);
                    }
                }
                relief_per_dwelling =
                    relief_per_dwelling.max(relief / f64::from(o.unit_dwellings[u].max(1)));
            }
        }
        let median = |v: &mut Vec<f64>| {
            if v.is_empty() {
                return 1.0;
            }
            v.sort_by(f64::total_cmp);
            v[v.len() / 2].max(1e-6)
        };
        let kwh_price = median(&mut per_kwh);
        let dwelling_price = median(&mut per_dwelling);
        for t in 0..o.n_years {
            if let Some(required) = p.path_required[t].filter(|r| *r > 0.0) {
                rows.push(
                    Coupling::Path(t),
                    required,
                    penalties.path_eur,
                    kwh_price / o.n_years as f64,
                );
            }
        }
        for t in 0..o.n_years {
            if let Some(budget) = p.budget_eur[t] {
                // No euro of budget can save more than the most penalty relief an option buys
                // per euro: a valid bound on the budget's multiplier.
                rows.push(Coupling::Budget(t), budget, relief_per_euro.max(1.0), 0.1);
            }
            if let Some(capacity) = p.capacity_dwellings[t] {
                rows.push(
                    Coupling::Capacity(t),
                    capacity,
                    relief_per_dwelling.max(1.0),
                    dwelling_price * 0.1,
                );
            }
        }
        if let Some(target) = p.label_a.filter(|t| t.required_gain > 0.0) {
            rows.push(
                Coupling::LabelA(target.year_index),
                target.required_gain,
                penalties.dwelling_eur,
                dwelling_price,
            );
        }
        if let Some(target) = p.gas_free.filter(|t| t.required_gain > 0.0) {
            rows.push(
                Coupling::GasFree(target.year_index),
                target.required_gain,
                penalties.dwelling_eur,
                dwelling_price,
            );
        }
        if let Some(target) = p.ready.filter(|t| t.required_gain > 0.0) {
            rows.push(
                Coupling::Ready(target.year_index),
                target.required_gain,
                penalties.dwelling_eur,
                dwelling_price,
            );
        }
        rows
    }

    fn push(&mut self, kind: Coupling, rhs: f64, upper: f64, scale: f64) {
        self.kind.push(kind);
        self.rhs.push(rhs);
        self.upper.push(upper);
        self.scale.push(scale.min(upper).max(1e-9));
    }

    fn len(&self) -> usize {
        self.kind.len()
    }
}

/// Nominal cost of every (option, year), computed once: the dual ascent prices each of them
/// hundreds of times.
struct CostTable {
    nominal: Vec<f64>,
    n_years: usize,
}

impl CostTable {
    fn of(p: &Problem) -> CostTable {
        let o = p.options;
        let n_years = p.n_years();
        let mut nominal = vec![0.0; o.len() * n_years];
        nominal
            .par_chunks_mut(n_years * 1024)
            .enumerate()
            .for_each(|(chunk, out)| {
                let first = chunk * 1024;
                for (i, row) in out.chunks_mut(n_years).enumerate() {
                    let k = first + i;
                    let u = o.unit_of(k);
                    for (t, cost) in row.iter_mut().enumerate() {
                        *cost = o.cost_eur(u, k, t);
                    }
                }
            });
        CostTable { nominal, n_years }
    }

    #[inline]
    fn get(&self, k: usize, t: usize) -> f64 {
        self.nominal[k * self.n_years + t]
    }
}

/// Per-year prices derived from the multipliers, for fast reduced costs.
struct Prices {
    /// Σ of path multipliers of years ≥ t: the price of a kWh/yr of path reduction done in t
    /// (one more entry, 0, for a unit's leaving year `n_years`: a unit that leaves the stock in
    /// year e earns `path[t] − path[e]`).
    path: Vec<f64>,
    /// The years of the label-A, gas-free and readiness rows: a unit that has left the stock
    /// by then earns nothing there.
    count_years: [Option<usize>; 3],
    budget: Vec<f64>,
    capacity: Vec<f64>,
    label_a: Vec<f64>,
    gas_free: Vec<f64>,
    ready: Vec<f64>,
    /// [`Problem::efg_relief_share`] per year, looked up once: the reduced cost is the dual's
    /// innermost loop.
    efg_relief_share: Vec<f64>,
}

impl Prices {
    fn of(p: &Problem, rows: &Rows, lambda: &[f64]) -> Prices {
        let n = p.n_years();
        let mut prices = Prices {
            path: vec![0.0; n + 1],
            count_years: [
                p.label_a.map(|t| t.year_index),
                p.gas_free.map(|t| t.year_index),
                p.ready.map(|t| t.year_index),
            ],
            budget: vec![0.0; n],
            capacity: vec![0.0; n],
            label_a: vec![0.0; n],
            gas_free: vec![0.0; n],
            ready: vec![0.0; n],
            efg_relief_share: (0..n).map(|t| p.efg_relief_share_staying(t)).collect(),
        };
        for (kind, &l) in rows.kind.iter().zip(lambda) {
            match *kind {
                Coupling::Path(y) => {
                    for price in &mut prices.path[..=y] {
                        *price += l;
                    }
                }
                Coupling::Budget(t) => prices.budget[t] = l,
                Coupling::Capacity(t) => prices.capacity[t] = l,
                Coupling::LabelA(y) => prices.label_a[..=y].iter_mut().for_each(|v| *v = l),
                Coupling::GasFree(y) => prices.gas_free[..=y].iter_mut().for_each(|v| *v = l),
                Coupling::Ready(y) => prices.ready[..=y].iter_mut().for_each(|v| *v = l),
            }
        }
        prices
    }
}

/// The reduced cost of unit `u` taking option `k` in year `t` at these prices (E/F/G penalty
/// relief included; "nothing" has reduced cost 0).
#[inline]
fn reduced_cost(
    p: &Problem,
    costs: &CostTable,
    penalties: &Penalties,
    prices: &Prices,
    u: usize,
    k: usize,
    t: usize,
) -> f64 {
    let o = p.options;
    let until = o.until_of(u);
    if until < o.n_years {
        return reduced_cost_leaving(p, costs, penalties, prices, u, k, t, until);
    }
    let mut rc = costs.get(k, t) * (o.discount[t] + prices.budget[t])
        + prices.capacity[t] * f64::from(o.unit_dwellings[u])
        - prices.path[t] * o.path_reduction[k]
        - prices.label_a[t] * f64::from(o.label_a_gain[k])
        - prices.gas_free[t] * f64::from(o.gas_free_gain[k])
        - prices.ready[t] * f64::from(o.low_temp_ready_gain[k]);
    if p.efg_deadline.is_some() {
        // The unit stays in the stock: within the rule, whatever the deadline.
        rc -= penalties.dwelling_eur
            * (f64::from(o.unit_efg_before[u]) - f64::from(o.efg_after[k]))
            * prices.efg_relief_share[t];
    }
    rc
}

/// [`reduced_cost`] of a unit that leaves the stock in year index `until`: its works count in
/// the rows of the years before only.
#[allow(clippy::too_many_arguments)]
#[cold]
fn reduced_cost_leaving(
    p: &Problem,
    costs: &CostTable,
    penalties: &Penalties,
    prices: &Prices,
    u: usize,
    k: usize,
    t: usize,
    until: usize,
) -> f64 {
    let o = p.options;
    let counts = |i: usize| prices.count_years[i].is_some_and(|y| y < until);
    let mut rc = costs.get(k, t) * (o.discount[t] + prices.budget[t])
        + prices.capacity[t] * f64::from(o.unit_dwellings[u])
        - (prices.path[t] - prices.path[until]) * o.path_reduction[k];
    if counts(0) {
        rc -= prices.label_a[t] * f64::from(o.label_a_gain[k]);
    }
    if counts(1) {
        rc -= prices.gas_free[t] * f64::from(o.gas_free_gain[k]);
    }
    if counts(2) {
        rc -= prices.ready[t] * f64::from(o.low_temp_ready_gain[k]);
    }
    rc - penalties.dwelling_eur * p.efg_lifted(u, k) * p.efg_relief_share(u, t)
}

/// The Lagrangian at one multiplier vector.
struct DualValue {
    value: f64,
    subgradient: Vec<f64>,
    choice: Vec<Option<(usize, usize)>>,
}

/// One chunk's share of a dual evaluation.
struct ChunkDual {
    value: f64,
    /// Row activity A·x of the chunk's choices, per coupling row.
    activity: Vec<f64>,
    choices: Vec<Option<(usize, usize)>>,
}

/// Units per parallel chunk: fixed, so that sums add up in the same order whatever the number of
/// threads, and the results are the same bit for bit.
const CHUNK: usize = 512;

fn evaluate_dual(
    p: &Problem,
    costs: &CostTable,
    rows: &Rows,
    penalties: &Penalties,
    lambda: &[f64],
) -> DualValue {
    let o = p.options;
    let prices = Prices::of(p, rows, lambda);
    let efg_deadline = p.efg_deadline;
    let n_units = o.n_units();
    let chunks: Vec<ChunkDual> = (0..n_units)
        .collect::<Vec<_>>()
        .par_chunks(CHUNK)
        .map(|units| {
            let mut value = 0.0;
            // Row activity A·x of this chunk, per coupling row.
            let mut activity = vec![0.0; rows.len()];
            let mut choices = Vec::with_capacity(units.len());
            for &u in units {
                let efg_before = p.efg_before(u);
                let efg_term = efg_deadline.is_some() && efg_before > 0.0;
                // Doing nothing leaves the unit's E/F/G dwellings to the penalty.
                let mut best = (0.0, None);
                let mut constant = 0.0;
                if efg_term {
                    constant = penalties.dwelling_eur * efg_before;
                }
                for k in o.of_unit(u) {
                    for t in o.years_of(u) {
                        let rc = reduced_cost(p, costs, penalties, &prices, u, k, t);
                        if rc < best.0 {
                            best = (rc, Some((k, t)));
                        }
                    }
                }
                value += constant + best.0;
                if let Some((k, t)) = best.1 {
                    for (r, kind) in rows.kind.iter().enumerate() {
                        activity[r] += match *kind {
                            Coupling::Path(y) if o.counts(u, t, y) => o.path_reduction[k],
                            Coupling::Budget(y) if t == y => costs.get(k, t),
                            Coupling::Capacity(y) if t == y => f64::from(o.unit_dwellings[u]),
                            Coupling::LabelA(y) if o.counts(u, t, y) => {
                                f64::from(o.label_a_gain[k])
                            }
                            Coupling::GasFree(y) if o.counts(u, t, y) => {
                                f64::from(o.gas_free_gain[k])
                            }
                            Coupling::Ready(y) if o.counts(u, t, y) => {
                                f64::from(o.low_temp_ready_gain[k])
                            }
                            _ => 0.0,
                        };
                    }
                }
                choices.push(best.1);
            }
            ChunkDual {
                value,
                activity,
                choices,
            }
        })
        .collect();
    let mut value = 0.0;
    let mut activity = vec![0.0; rows.len()];
    let mut choice = Vec::with_capacity(n_units);
    for chunk in chunks {
        value += chunk.value;
        for (total, x) in activity.iter_mut().zip(chunk.activity) {
            *total += x;
        }
        choice.extend(chunk.choices);
    }
    let mut subgradient = vec![0.0; rows.len()];
    for r in 0..rows.len() {
        let (b, l) = (rows.rhs[r], lambda[r]);
        // The units' reduced costs already carry −λ·(A·x) for targets and +λ·(A·x) for
        // resources; what is left of λ·(b − A·x) is the constant ±λ·b.
        if rows.kind[r].is_target() {
            value += l * b;
            subgradient[r] = b - activity[r];
        } else {
            value -= l * b;
            subgradient[r] = activity[r] - b;
        }
    }
    DualValue {
        value,
        subgradient,
        choice,
    }
}

/// Column caps of the residual LPs the integer plan is recovered from (see [`residual_plan`]).
const RESIDUAL_COLUMNS: [usize; 2] = [1_000, 3_000];

/// Branch-and-bound nodes of the search over the residual problem after its rounding.
const RESIDUAL_NODES: u64 = 500;

/// The loosest relative reduced-cost gap at which a unit counts as undecided.
const LOOSEST_TOLERANCE: f64 = 1e-2;

/// A unit's best (option, year) at the multipliers, and its other choices (and "nothing") within
/// [`LOOSEST_TOLERANCE`] of the best, with their relative gap.
type UnitChoices = (Option<(usize, usize)>, Vec<(f64, Option<(usize, usize)>)>);

/// A unit the multipliers leave undecided, with its choices within the tolerance of its best.
struct Undecided {
    unit: usize,
    near_best: Vec<(usize, usize)>,
}

/// Each unit's best choice at these prices, and per unit its other choices (and "nothing") whose
/// reduced cost is within `loosest` of the best, relative to the unit's cost scale, with that
/// relative gap: one pass, from which any tolerance up to `loosest` can be read.
fn best_choices(
    p: &Problem,
    costs: &CostTable,
    penalties: &Penalties,
    prices: &Prices,
    loosest: f64,
) -> Vec<UnitChoices> {
    let o = p.options;
    (0..o.n_units())
        .into_par_iter()
        .map(|u| {
            let mut scale: f64 = 1.0;
            let mut best = (0.0, None);
            for k in o.of_unit(u) {
                for t in o.years_of(u) {
                    let rc = reduced_cost(p, costs, penalties, prices, u, k, t);
                    scale = scale.max((costs.get(k, t) * o.discount[t]).abs());
                    if rc < best.0 {
                        best = (rc, Some((k, t)));
                    }
                }
            }
            let mut near = Vec::new();
            if best.1.is_some() && -best.0 <= loosest * scale {
                near.push((-best.0 / scale, None));
            }
            for k in o.of_unit(u) {
                for t in o.years_of(u) {
                    if Some((k, t)) == best.1 {
                        continue;
                    }
                    let gap = (reduced_cost(p, costs, penalties, prices, u, k, t) - best.0) / scale;
                    if gap <= loosest {
                        near.push((gap, Some((k, t))));
                    }
                }
            }
            (best.1, near)
        })
        .collect()
}

/// The loosest reduced-cost tolerance at which the units it leaves undecided, with their choices
/// within it, fit a residual LP of `max_columns` columns; `None` when none does. By
/// complementary slackness an LP optimum uses only choices of (near) zero reduced cost at the
/// optimal multipliers: the residual LP has those choices of the undecided units only.
fn residual_tolerance(choices: &[UnitChoices], max_columns: usize) -> Option<f64> {
    const TOLERANCES: [f64; 8] = [LOOSEST_TOLERANCE, 3e-3, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8];
    TOLERANCES
        .into_iter()
        .find(|&tolerance| residual_columns(choices, tolerance) <= max_columns)
}

/// Columns of the residual LP at `tolerance`: each undecided unit's choices within it, and
/// "nothing".
fn residual_columns(choices: &[UnitChoices], tolerance: f64) -> usize {
    choices
        .iter()
        .map(|(_, near)| {
            let n = near.iter().filter(|(gap, _)| *gap <= tolerance).count();
            if n > 0 {
                n + 1
            } else {
                0
            }
        })
        .sum()
}

/// Unit `u`'s choices within `tolerance` of its best, the best included, when the multipliers
/// leave it undecided at that tolerance.
fn near_best(choices: &[UnitChoices], u: usize, tolerance: f64) -> Option<Vec<(usize, usize)>> {
    let (best, near) = &choices[u];
    near.iter().any(|(gap, _)| *gap <= tolerance).then(|| {
        best.iter()
            .copied()
            .chain(
                near.iter()
                    .filter(|(gap, _)| *gap <= tolerance)
                    .filter_map(|(_, c)| *c),
            )
            .collect()
    })
}

/// The exact LP over the units the multipliers leave undecided at `tolerance` (see
/// [`residual_tolerance`]), with the decided units fixed at their best choice: by complementary
/// slackness the decided units take that choice in every LP optimum, so this reproduces an
/// optimal LP basis at a fraction of the size. Returns the merged integer plan after rounding
/// and a branch and bound over the undecided units. `choices` are [`best_choices`] up to
/// [`LOOSEST_TOLERANCE`].
fn residual_plan<'p, 'a>(
    p: &'p Problem<'a>,
    costs: &CostTable,
    prices: &Prices,
    penalties: Penalties,
    choices: &[UnitChoices],
    (max_residual_columns, tolerance): (usize, f64),
) -> Result<PlanState<'p, 'a>, OptimiseError> {
    let o = p.options;
    let best: Vec<Option<(usize, usize)>> = choices.iter().map(|c| c.0).collect();
    let mut is_undecided: Vec<bool> = choices
        .iter()
        .map(|(_, near)| near.iter().any(|(gap, _)| *gap <= tolerance))
        .collect();
    // The multipliers are optimal only up to the dual's tolerance, which on a large objective
    // can leave the units that are sure of a year spending more than that year's budget (or
    // treating more dwellings than its capacity) together. No LP optimum does that: in such a
    // year the units nearest to indifference are undecided as well, until the sure ones fit.
    let n_years = p.n_years();
    let mut columns = residual_columns(choices, tolerance);
    let mut left_out = vec![false; choices.len()];
    let (mut spend, mut homes) = (vec![0.0; n_years], vec![0.0; n_years]);
    for (u, choice) in best.iter().enumerate() {
        if let (false, Some((k, t))) = (is_undecided[u], *choice) {
            spend[t] += costs.get(k, t);
            homes[t] += f64::from(o.unit_dwellings[u]);
        }
    }
    for t in 0..n_years {
        let over = |spend: f64, homes: f64| {
            p.budget_eur[t].is_some_and(|b| spend > b)
                || p.capacity_dwellings[t].is_some_and(|c| homes > c)
        };
        if !over(spend[t], homes[t]) {
            continue;
        }
        let mut sure: Vec<(f64, usize)> = best
            .iter()
            .enumerate()
            .filter(|&(u, c)| !is_undecided[u] && c.is_some_and(|(_, year)| year == t))
            .map(|(u, _)| {
                let nearest = choices[u]
                    .1
                    .iter()
                    .map(|(gap, _)| *gap)
                    .fold(f64::INFINITY, f64::min);
                (nearest, u)
            })
            .collect();
        sure.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for (_, u) in sure {
            if !over(spend[t], homes[t]) {
                break;
            }
            let (k, _) = best[u].expect("a unit sure of a year has a choice");
            spend[t] -= costs.get(k, t);
            homes[t] -= f64::from(o.unit_dwellings[u]);
            // Into the residual LP while it stays within twice its cap; past that (the sector
            // stock under a tight budget un-fixes thousands) the unit is decided by its prices
            // below.
            let extra = 1 + choices[u].1.len();
            if columns + extra <= 2 * max_residual_columns {
                columns += extra;
                is_undecided[u] = true;
            } else {
                left_out[u] = true;
            }
        }
    }
    let undecided: Vec<Undecided> = (0..choices.len())
        .filter(|&u| is_undecided[u])
        .map(|unit| Undecided {
            unit,
            // Units undecided by the budget check keep all their near choices.
            near_best: near_best(choices, unit, tolerance)
                .or_else(|| near_best(choices, unit, LOOSEST_TOLERANCE))
                .unwrap_or_else(|| choices[unit].0.into_iter().collect()),
        })
        .collect();
    let tied: Vec<usize> = undecided.iter().map(|u| u.unit).collect();
    let mut state = PlanState::empty(p, penalties);
    let is_tied: std::collections::HashSet<usize> = tied.iter().copied().collect();
    for (u, choice) in best.iter().enumerate() {
        if !is_tied.contains(&u) && !left_out[u] {
            state.set(u, *choice);
        }
    }
    // The units left out of the residual LP are decided by their prices at the multipliers,
    // within the room the fixed units leave (Lb: a 31 % gap when they were left untreated for
    // the target repair to fund, 0.03 % this way).
    let left_out: Vec<usize> = (0..left_out.len()).filter(|&u| left_out[u]).collect();
    state.fill_by_regret(&left_out, |u, k, t| {
        reduced_cost(p, costs, &penalties, prices, u, k, t)
    });
    if !tied.is_empty() {
        let allowed: Vec<&[(usize, usize)]> =
            undecided.iter().map(|u| u.near_best.as_slice()).collect();
        resolve_units(&mut state, &tied, &allowed)?;
    }
    Ok(state)
}

/// Decides `units` (untreated in `state`), each among its `allowed` choices or nothing, with the
/// rest of the plan fixed: the residual LP, its vertex rounded as the LP solver rounds (its few
/// fractional units decided by an exact MILP, the rest as the LP has them), then a branch and
/// bound from the rounded plan.
fn resolve_units(
    state: &mut PlanState,
    units: &[usize],
    allowed: &[&[(usize, usize)]],
) -> Result<(), OptimiseError> {
    let relaxation = solve_residual(
        state,
        units,
        |i, k, t| allowed[i].contains(&(k, t)),
        false,
        None,
    )?;
    let (options, map) = state.p.options.subset(units);
    let sub = state.residual(&options);
    let index_of = |k: usize| map.iter().position(|&m| m == k).unwrap_or(0);
    let sub_support: Vec<Vec<((usize, usize), f64)>> = relaxation
        .iter()
        .map(|entries| {
            entries
                .iter()
                .map(|&((k, t), w)| ((index_of(k), t), w))
                .collect()
        })
        .collect();
    let (sub_state, _) = round_and_repair(&sub, state.penalties(), &sub_support);
    for (i, &u) in units.iter().enumerate() {
        state.set(u, sub_state.choice[i].map(|(k, t)| (map[k], t)));
    }

    // The rounding decides only the units the residual LP splits; on a binding row the integer
    // optimum exchanges units the LP had integral (M: 0.17 % above the bound after rounding,
    // 0.004 % after 500 nodes, for 0.45 s).
    search_residual(
        state,
        units,
        |i, k, t| allowed[i].contains(&(k, t)),
        RESIDUAL_NODES,
    );

    Ok(())
}

/// The plan the multipliers' prices build unit by unit within budgets and capacity
/// ([`PlanState::fill_by_regret`], every unit), whose margin is then decided again exactly: the
/// units nearest to indifference at these prices, released together and re-solved by
/// [`resolve_units`] with the rest of the plan fixed. Under a binding budget the units are
/// nearly indifferent between years in bulk, with the budgets' multipliers deciding, and the
/// dual leaves those imprecise: the units sure of a year at the multipliers reached can then
/// fill some years several times over and others hardly, which the residual LP, seeing only the
/// units undecided at the multipliers, cannot redress (M under a binding budget: 1.1 % from the
/// residual LPs, 0.6 % from the fill, 0.26 % after re-solving its margin; with capacity too
/// 1.06 %, 3.5 % and 0.67 %). The margin is re-solved once, over [`RESIDUAL_COLUMNS`]`[0]`
/// columns: larger windows, and further windows after the first, gave dearer plans on both
/// instances (the rounding of a window's LP loses part of a unit per binding row, which the
/// first window's gain outweighs and later windows' do not).
fn regret_plan<'p, 'a>(
    p: &'p Problem<'a>,
    costs: &CostTable,
    prices: &Prices,
    penalties: Penalties,
) -> PlanState<'p, 'a> {
    let o = p.options;
    let max_columns = RESIDUAL_COLUMNS[0];
    let price = |u: usize, k: usize, t: usize| reduced_cost(p, costs, &penalties, prices, u, k, t);
    let mut state = PlanState::empty(p, penalties);
    let units: Vec<usize> = (0..o.n_units()).collect();
    state.fill_by_regret(&units, price);
    // Per unit its margin (how far its best choice, or nothing, lies ahead of the next, relative
    // to what its choices are priced at) and its best choices.
    const CHOICES_PER_UNIT: usize = 4;
    let margins: Vec<(f64, Vec<(usize, usize)>)> = (0..o.n_units())
        .into_par_iter()
        .map(|u| {
            let mut priced: Vec<(f64, (usize, usize))> = Vec::new();
            let mut scale: f64 = 1e-9;
            for k in o.of_unit(u) {
                for t in o.years_of(u) {
                    let rc = price(u, k, t);
                    scale = scale.max(rc.abs()).max(costs.get(k, t) * o.discount[t]);
                    priced.push((rc, (k, t)));
                }
            }
            if priced.is_empty() {
                // No choice (the portfolio excludes it): decided, nothing to re-solve.
                return (f64::INFINITY, Vec::new());
            }
            priced.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            // "Nothing" is priced 0.
            let mut values: Vec<f64> = priced.iter().take(2).map(|c| c.0).collect();
            values.push(0.0);
            values.sort_by(f64::total_cmp);
            let margin = (values[1] - values[0]) / scale;
            let best = priced.iter().take(CHOICES_PER_UNIT).map(|c| c.1).collect();
            (margin, best)
        })
        .collect();
    let mut order: Vec<usize> = (0..o.n_units()).collect();
    order.sort_by(|&a, &b| margins[a].0.total_cmp(&margins[b].0).then(a.cmp(&b)));
    let mut release: Vec<usize> = Vec::new();
    let mut allowed: Vec<Vec<(usize, usize)>> = Vec::new();
    let mut columns = 0;
    for u in order {
        if margins[u].1.is_empty() {
            continue;
        }
        let mut choices = margins[u].1.clone();
        if let Some(current) = state.choice[u] {
            if !choices.contains(&current) {
                choices.push(current);
            }
        }
        if columns + choices.len() + 1 > max_columns {
            break;
        }
        columns += choices.len() + 1;
        release.push(u);
        allowed.push(choices);
    }
    if release.is_empty() {
        return state;
    }
    let filled = state.clone();
    for &u in &release {
        state.set(u, None);
    }
    let allowed: Vec<&[(usize, usize)]> = allowed.iter().map(Vec::as_slice).collect();
    match resolve_units(&mut state, &release, &allowed) {
        Ok(()) if state.objective() < filled.objective() => state,
        _ => filled,
    }
}

/// The Lagrangian function of a problem: its coupling rows and, for any multipliers, the dual
/// value (a lower bound on the LP optimum) and a subgradient. Public for analysis and
/// benchmarks; [`Decomposition`] maximises it.
pub struct Lagrangian<'p, 'a> {
    problem: &'p Problem<'a>,
    penalties: Penalties,
    rows: Rows,
    costs: CostTable,
}

impl<'p, 'a> Lagrangian<'p, 'a> {
    /// Sets up the Lagrangian of `problem`.
    pub fn new(problem: &'p Problem<'a>) -> Self {
        let penalties = Penalties::for_problem(problem);
        Lagrangian {
            rows: Rows::of(problem, &penalties),
            costs: CostTable::of(problem),
            problem,
            penalties,
        }
    }

    /// Number of dualised rows (multipliers).
    pub fn n_rows(&self) -> usize {
        self.rows.len()
    }

    /// The dual value and a subgradient at multipliers `lambda` (one per row, ≥ 0).
    pub fn evaluate(&self, lambda: &[f64]) -> (f64, Vec<f64>) {
        let d = evaluate_dual(
            self.problem,
            &self.costs,
            &self.rows,
            &self.penalties,
            lambda,
        );
        (d.value, d.subgradient)
    }
}

impl Solver for Decomposition {
    fn name(&self) -> &'static str {
        "decomposition"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            modes: &[Mode::MeetTargets],
            lower_bound: true,
            time_limit: true,
        }
    }
    fn solve(&self, p: &Problem, observer: &mut dyn Observer) -> Result<Solution, OptimiseError> {
        if let Some(why) = super::unsupported(self, p.mode) {
            return Err(OptimiseError::Unsupported(why));
        }
        let started = Instant::now();
        let penalties = Penalties::for_problem(p);
        let rows = Rows::of(p, &penalties);
        let costs = CostTable::of(p);
        let m = rows.len();
        // Work in scaled multipliers μ = λ / scale so that one trust region fits every row.
        let scaled_upper: Vec<f64> = (0..m).map(|r| rows.upper[r] / rows.scale[r]).collect();
        let to_lambda =
            |mu: &[f64]| -> Vec<f64> { mu.iter().zip(&rows.scale).map(|(x, s)| x * s).collect() };

        let mut center = vec![0.0; m];
        let first = evaluate_dual(p, &costs, &rows, &penalties, &to_lambda(&center));
        let objective_scale = first.value.abs().max(1.0);
        let mut best = (first.value, center.clone(), first.choice.clone());
        let scaled_cut = |d: &DualValue, mu: &[f64]| Cut {
            value: d.value,
            subgradient: d
                .subgradient
                .iter()
                .zip(&rows.scale)
                .map(|(g, s)| g * s)
                .collect(),
            at: mu.to_vec(),
        };
        let mut cuts = vec![scaled_cut(&first, &center)];
        let mut center_value = first.value;
        let mut radius = 1.0;
        let mut upper_bound = f64::INFINITY;
        let mut iterations = 1u64;
        let mut notes = Vec::new();
        let mut converged = m == 0;
        let mut termination = Termination::IterationLimit;
        while !converged && (iterations as usize) < self.max_iterations {
            if super::time_left(self.time_limit, started, observer).is_some_and(|t| t.is_zero()) {
                notes.push("decomposition: stopped at the time limit".into());
                termination = Termination::TimeLimit;
                break;
            }
            if observer.stop_requested() {
                notes.push("decomposition: stopped by the user; the bound is valid, the plan is recovered from the multipliers reached".into());
                termination = Termination::Interrupted;
                break;
            }
            // Every tenth iteration, and at the start, bound the dual from above over the whole box.
            if iterations % 10 == 1 {
                let (_, global) =
                    solve_master(&cuts, &vec![0.0; m], &scaled_upper, objective_scale)?;
                upper_bound = upper_bound.min(global);
            }
            if upper_bound - best.0 <= self.tolerance * best.0.abs().max(1.0) {
                converged = true;
                break;
            }
            let lower: Vec<f64> = (0..m).map(|r| (center[r] - radius).max(0.0)).collect();
            let upper: Vec<f64> = (0..m)
                .map(|r| (center[r] + radius).min(scaled_upper[r]))
                .collect();
            let (candidate, predicted) = solve_master(&cuts, &lower, &upper, objective_scale)?;
            let expected = predicted - center_value;
            let at_box_edge = (0..m).any(|r| {
                (candidate[r] - upper[r]).abs() < 1e-9 * radius.max(1.0)
                    && upper[r] < scaled_upper[r]
                    || (candidate[r] - lower[r]).abs() < 1e-9 * radius.max(1.0) && lower[r] > 0.0
            });
            if expected <= self.tolerance * center_value.abs().max(1.0) {
                if at_box_edge {
                    radius *= 4.0;
                    continue;
                }
                // Nothing better within the box: the center is optimal up to the tolerance.
                let (_, global) =
                    solve_master(&cuts, &vec![0.0; m], &scaled_upper, objective_scale)?;
                upper_bound = upper_bound.min(global);
                converged = upper_bound - best.0 <= self.tolerance * best.0.abs().max(1.0);
                if !converged {
                    radius *= 4.0;
                }
                continue;
            }
            let d = evaluate_dual(p, &costs, &rows, &penalties, &to_lambda(&candidate));
            iterations += 1;
            observer.observe(&Progress {
                stage: "decomposition: dual ascent",
                done: iterations,
                total: self.max_iterations as u64,
            });
            if d.value > best.0 {
                best = (d.value, candidate.clone(), d.choice.clone());
            }
            if d.value - center_value >= 0.1 * expected {
                // Serious step.
                center = candidate.clone();
                center_value = d.value;
                if at_box_edge {
                    radius *= 2.0;
                }
            } else {
                radius = (radius * 0.5).max(1e-9);
            }
            cuts.push(scaled_cut(&d, &candidate));
        }
        if !converged {
            let (_, global) = solve_master(&cuts, &vec![0.0; m], &scaled_upper, objective_scale)?;
            upper_bound = upper_bound.min(global);
            notes.push(format!(
                "decomposition: dual not converged after {iterations} evaluations; the bound is valid, the dual gap is {:.2e}",
                (upper_bound - best.0) / best.0.abs().max(1.0)
            ));
        }
        if converged {
            termination = Termination::Converged;
        }
        let dual_seconds = started.elapsed().as_secs_f64();

        // Primal plans: the subproblems' choices at the best and the most recent multipliers,
        // each repaired and improved; the best one is the plan.
        observer.observe(&Progress {
            stage: "decomposition: integer plan",
            done: iterations,
            total: iterations,
        });
        let prices = Prices::of(p, &rows, &to_lambda(&best.1));
        // The residual LP's size trades how much of the LP optimum it reproduces against how
        // many fractional units its rounding has to decide: neither size wins on every
        // instance (on M under a binding budget 1,000 columns gave a 0.47 % gap and 3,000 a
        // 1.1 %; with budget and capacity 19 % and 0.53 %), so both are finished and the
        // cheaper plan is kept.
        let mut plans: Vec<PlanState> = Vec::new();
        let mut tried: Vec<f64> = Vec::new();
        let choices = best_choices(p, &costs, &penalties, &prices, LOOSEST_TOLERANCE);
        let resource_rows = (0..p.n_years())
            .any(|t| p.budget_eur[t].is_some() || p.capacity_dwellings[t].is_some());
        // At sector scale the larger residual LP costs seconds for little (Lb: 2.8 s against
        // 0.7 s, and a dearer plan).
        let caps = if p.options.n_units() > 10_000 {
            &RESIDUAL_COLUMNS[..1]
        } else {
            &RESIDUAL_COLUMNS[..]
        };
        for &max_columns in caps {
            let Some(tolerance) = residual_tolerance(&choices, max_columns) else {
                continue;
            };
            // A larger cap that admits no looser tolerance gives the same plan.
            if tried.contains(&tolerance) {
                continue;
            }
            tried.push(tolerance);
            match residual_plan(
                p,
                &costs,
                &prices,
                penalties,
                &choices,
                (max_columns, tolerance),
            ) {
                Ok(state) => plans.push(state),
                Err(e) => notes.push(format!(
                    "decomposition: the residual LP of {max_columns} columns failed ({e})"
                )),
            }
        }
        if resource_rows {
            plans.push(regret_plan(p, &costs, &prices, penalties));
        }
        if plans.is_empty() {
            // Too many undecided units for a residual LP: start from the subproblems'
            // choices at the best multipliers.
            notes.push("decomposition: many units undecided at the best multipliers; the plan comes from repairing their choices".into());
            let mut state = PlanState::empty(p, penalties);
            for (u, c) in best.2.iter().enumerate() {
                state.set(u, *c);
            }
            plans.push(state);
        }
        let n_units = p.options.n_units();
        let mut state = plans
            .into_iter()
            .map(|mut state| {
                state.repair_budgets();
                state.repair_targets();
                // A pass over every choice of every unit: three on small stocks, one at sector
                // scale, where the residual LP leaves little to gain.
                local_search(&mut state, if n_units > 10_000 { 1 } else { 3 });
                state
            })
            .min_by(|a, b| a.objective().total_cmp(&b.objective()))
            .expect("at least one plan");
        if n_units <= NEIGHBOURHOOD_SEARCH_UNITS {
            neighbourhood_search(&mut state, 24);
            local_search(&mut state, 2);
        }
        let plan = p.options.plan(&state.choice);
        Ok(Solution {
            plan,
            status: SolveStatus::Feasible,
            termination,
            lower_bound_eur: Some(best.0),
            iterations,
            notes,
            details: SolveDetails {
                lp_bound_eur: None,
                fractional_units: None,
                penalties: Some(penalties),
                shadow_prices: None,
                missed_in_relaxation: Vec::new(),
                budget_relief: None,
                backend: Some("decomposition"),
                stage_seconds: vec![
                    ("dual", dual_seconds),
                    (
                        "integer plan",
                        started.elapsed().as_secs_f64() - dual_seconds,
                    ),
                ],
                columns: None,
                rows: Some(m),
            },
        })
    }
}
