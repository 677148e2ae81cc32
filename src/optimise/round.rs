//! From a fractional solution to an integer plan, and the penalised objective that judges plans.
//!
//! In a basic optimal solution of the LP relaxation every unit but at most one per coupling row is
//! integral (DESIGN §7). Rounding keeps the integral units and decides the fractional ones one by
//! one — most decided first — taking for each the choice among its support (or nothing) that
//! raises the penalised objective least within budgets and capacity; a local search then lets any
//! unit move to any of its (option, year) choices while that lowers the objective.

use rayon::prelude::*;

use super::model::Penalties;
use super::Problem;

const EPS: f64 = 1e-9;

/// An integer plan as (option, year index) per unit, with the aggregates needed to price a change.
#[derive(Debug, Clone)]
pub struct PlanState<'p, 'a> {
    p: &'p Problem<'a>,
    penalties: Penalties,
    /// Choice per unit.
    pub choice: Vec<Option<(usize, usize)>>,
    cost: f64,
    path_by_year: Vec<f64>,
    label_a: f64,
    gas_free: f64,
    ready: f64,
    efg_short: f64,
    spend: Vec<f64>,
    dwellings: Vec<f64>,
}

impl<'p, 'a> PlanState<'p, 'a> {
    /// A plan that does nothing.
    pub fn empty(p: &'p Problem<'a>, penalties: Penalties) -> Self {
        let n = p.n_years();
        let efg_short = match p.efg_deadline {
            Some(_) => p
                .options
                .unit_efg_before
                .iter()
                .map(|&e| f64::from(e))
                .sum(),
            None => 0.0,
        };
        PlanState {
            p,
            penalties,
            choice: vec![None; p.options.n_units()],
            cost: 0.0,
            path_by_year: vec![0.0; n],
            label_a: 0.0,
            gas_free: 0.0,
            ready: 0.0,
            efg_short,
            spend: vec![0.0; n],
            dwellings: vec![0.0; n],
        }
    }

    /// What a unit's choice adds to the aggregates.
    fn contribution(&self, u: usize, choice: Option<(usize, usize)>) -> Contribution {
        let Some((k, t)) = choice else {
            return Contribution::default();
        };
        let o = self.p.options;
        let by = |target: Option<super::CountTarget>, gain: i32| {
            if target.is_some_and(|target| t <= target.year_index) {
                f64::from(gain)
            } else {
                0.0
            }
        };
        Contribution {
            t,
            cost: o.discounted_cost_eur(u, k, t),
            path: o.path_reduction[k],
            label_a: by(self.p.label_a, o.label_a_gain[k]),
            gas_free: by(self.p.gas_free, o.gas_free_gain[k]),
            ready: by(self.p.ready, o.low_temp_ready_gain[k]),
            efg_lifted: (f64::from(o.unit_efg_before[u]) - f64::from(o.efg_after[k]))
                * self.p.efg_relief_share(t),
            spend: o.cost_eur(u, k, t),
            dwellings: f64::from(o.unit_dwellings[u]),
        }
    }

    fn apply(&mut self, c: &Contribution, sign: f64) {
        if c.dwellings == 0.0 {
            return;
        }
        self.cost += sign * c.cost;
        self.path_by_year[c.t] += sign * c.path;
        self.label_a += sign * c.label_a;
        self.gas_free += sign * c.gas_free;
        self.ready += sign * c.ready;
        self.efg_short -= sign * c.efg_lifted;
        self.spend[c.t] += sign * c.spend;
        self.dwellings[c.t] += sign * c.dwellings;
    }

    /// Sets unit `u`'s choice.
    pub fn set(&mut self, u: usize, choice: Option<(usize, usize)>) {
        let old = self.contribution(u, self.choice[u]);
        let new = self.contribution(u, choice);
        self.apply(&old, -1.0);
        self.apply(&new, 1.0);
        self.choice[u] = choice;
    }

    fn over_budget(&self, t: usize, spend: f64, dwellings: f64) -> bool {
        self.p.budget_eur[t].is_some_and(|b| spend > b * (1.0 + 1e-9) + 1e-6)
            || self.p.capacity_dwellings[t].is_some_and(|c| dwellings > c + 1e-9)
    }

    /// Budgets and capacity hold in every year.
    pub fn feasible(&self) -> bool {
        (0..self.p.n_years()).all(|t| !self.over_budget(t, self.spend[t], self.dwellings[t]))
    }

    /// (cost, penalty) of the plan with unit `u` moved to `choice`, without changing the plan;
    /// `None` when the move takes a year over its budget or capacity.
    pub fn evaluate_move(&self, u: usize, choice: Option<(usize, usize)>) -> Option<(f64, f64)> {
        let old = self.contribution(u, self.choice[u]);
        let new = self.contribution(u, choice);
        for c in [&old, &new] {
            if c.dwellings == 0.0 {
                continue;
            }
            let t = c.t;
            let delta = |f: fn(&Contribution) -> f64| {
                (if new.dwellings > 0.0 && new.t == t {
                    f(&new)
                } else {
                    0.0
                }) - (if old.dwellings > 0.0 && old.t == t {
                    f(&old)
                } else {
                    0.0
                })
            };
            if self.over_budget(
                t,
                self.spend[t] + delta(|c| c.spend),
                self.dwellings[t] + delta(|c| c.dwellings),
            ) {
                return None;
            }
        }
        let cost = self.cost - old.cost + new.cost;
        let mut penalty = 0.0;
        let mut cumulative = 0.0;
        for t in 0..self.p.n_years() {
            cumulative += self.path_by_year[t];
            if old.dwellings > 0.0 && old.t == t {
                cumulative -= old.path;
            }
            if new.dwellings > 0.0 && new.t == t {
                cumulative += new.path;
            }
            if let Some(required) = self.p.path_required[t] {
                penalty += self.penalties.path_eur * (required - cumulative).max(0.0);
            }
        }
        if let Some(target) = self.p.label_a {
            let achieved = self.label_a - old.label_a + new.label_a;
            penalty += self.penalties.dwelling_eur * (target.required_gain - achieved).max(0.0);
        }
        if let Some(target) = self.p.gas_free {
            let achieved = self.gas_free - old.gas_free + new.gas_free;
            penalty += self.penalties.dwelling_eur * (target.required_gain - achieved).max(0.0);
        }
        if let Some(target) = self.p.ready {
            let achieved = self.ready - old.ready + new.ready;
            penalty += self.penalties.dwelling_eur * (target.required_gain - achieved).max(0.0);
        }
        let efg_short = self.efg_short + old.efg_lifted - new.efg_lifted;
        penalty += self.penalties.dwelling_eur * efg_short.max(0.0);
        Some((cost, penalty))
    }

    /// Restores budgets and capacity: in a year over its limit, takes out the unit whose removal
    /// raises the penalised objective least per euro (or dwelling) it frees, until every year
    /// fits.
    pub fn repair_budgets(&mut self) {
        let o = self.p.options;
        loop {
            let Some(t) = (0..self.p.n_years())
                .find(|&t| self.over_budget(t, self.spend[t], self.dwellings[t]))
            else {
                return;
            };
            let money =
                self.p.budget_eur[t].is_some_and(|b| self.spend[t] > b * (1.0 + 1e-9) + 1e-6);
            let base = self.objective();
            let mut best: Option<(f64, usize)> = None;
            for u in 0..self.choice.len() {
                let Some((k, tu)) = self.choice[u] else {
                    continue;
                };
                if tu != t {
                    continue;
                }
                let freed = if money {
                    o.cost_eur(u, k, t)
                } else {
                    f64::from(o.unit_dwellings[u])
                };
                let old = self.choice[u];
                self.set(u, None);
                let loss = (self.objective() - base) / freed.max(1e-9);
                self.set(u, old);
                if best.is_none_or(|b| loss < b.0) {
                    best = Some((loss, u));
                }
            }
            match best {
                Some((_, u)) => self.set(u, None),
                None => return,
            }
        }
    }

    /// Closes target shortfalls the cheapest way: while any target is short, finds for every
    /// unit (in parallel) its single move (to any option and year, within budgets and capacity)
    /// with the least extra cost per euro of penalty it removes, and makes these moves in that
    /// order, each re-priced against the plan as it stands and skipped when it no longer helps
    /// or has become dearer than the next. Stops when nothing short can be helped.
    ///
    /// Making one move per scan of all units was quadratic: on the sector stock under a
    /// binding budget (41,000 units, thousands of moves) it did not finish in 15 minutes.
    pub fn repair_targets(&mut self) {
        loop {
            let penalty = self.penalty();
            if penalty <= 0.0 {
                return;
            }
            let cost = self.cost();
            let state = &*self;
            let mut moves: Vec<Move> = (0..self.choice.len())
                .into_par_iter()
                .filter_map(|u| state.best_repair(u, cost, penalty))
                .collect();
            if moves.is_empty() {
                return;
            }
            moves.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let mut made = 0usize;
            for (i, &(_, u, choice)) in moves.iter().enumerate() {
                let penalty = self.penalty();
                if penalty <= 0.0 {
                    return;
                }
                let Some((new_cost, new_penalty)) = self.evaluate_move(u, choice) else {
                    continue;
                };
                let relief = penalty - new_penalty;
                if relief <= 1e-9 * penalty {
                    continue;
                }
                // A move that has become dearer than the next one's scan price waits for the
                // next scan, which prices every unit afresh.
                let ratio = (new_cost - self.cost()) / relief;
                if made > 0 && moves.get(i + 1).is_some_and(|next| ratio > next.0) {
                    continue;
                }
                self.set(u, choice);
                made += 1;
            }
            if made == 0 {
                return;
            }
        }
    }

    /// Unit `u`'s move with the least extra cost per euro of penalty removed, against a plan of
    /// `cost` and `penalty`.
    fn best_repair(&self, u: usize, cost: f64, penalty: f64) -> Option<Move> {
        let current = self.choice[u];
        let mut best: Option<Move> = None;
        for choice in std::iter::once(None).chain(self.choices_of(u).map(Some)) {
            if choice == current {
                continue;
            }
            let Some((new_cost, new_penalty)) = self.evaluate_move(u, choice) else {
                continue;
            };
            let relief = penalty - new_penalty;
            if relief > 1e-9 * penalty {
                let ratio = (new_cost - cost) / relief;
                if best.is_none_or(|b| ratio < b.0) {
                    best = Some((ratio, u, choice));
                }
            }
        }
        best
    }

    /// Discounted investment of the plan.
    pub fn cost(&self) -> f64 {
        self.cost
    }

    /// Penalties for the targets the plan misses, in the model's units.
    pub fn penalty(&self) -> f64 {
        let mut penalty = 0.0;
        let mut cumulative = 0.0;
        for t in 0..self.p.n_years() {
            cumulative += self.path_by_year[t];
            if let Some(required) = self.p.path_required[t] {
                penalty += self.penalties.path_eur * (required - cumulative).max(0.0);
            }
        }
        if let Some(target) = self.p.label_a {
            penalty += self.penalties.dwelling_eur * (target.required_gain - self.label_a).max(0.0);
        }
        if let Some(target) = self.p.gas_free {
            penalty +=
                self.penalties.dwelling_eur * (target.required_gain - self.gas_free).max(0.0);
        }
        if let Some(target) = self.p.ready {
            penalty += self.penalties.dwelling_eur * (target.required_gain - self.ready).max(0.0);
        }
        penalty + self.penalties.dwelling_eur * self.efg_short.max(0.0)
    }

    /// Investment plus penalties: what the LP minimises, for an integer plan.
    pub fn objective(&self) -> f64 {
        self.cost + self.penalty()
    }

    /// Moves unit `u` to its best choice among `candidates` (and nothing); true when it changed.
    pub fn improve(&mut self, u: usize, candidates: impl Iterator<Item = (usize, usize)>) -> bool {
        let current = self.choice[u];
        let mut best = (
            if self.feasible() {
                self.objective()
            } else {
                f64::INFINITY
            },
            current,
        );
        for choice in std::iter::once(None).chain(candidates.map(Some)) {
            if choice == current {
                continue;
            }
            if let Some((cost, penalty)) = self.evaluate_move(u, choice) {
                let value = cost + penalty;
                if value < best.0 - EPS * best.0.abs().max(1.0) {
                    best = (value, choice);
                }
            }
        }
        if best.1 != current {
            self.set(u, best.1);
            true
        } else {
            false
        }
    }

    /// The problem left for other units given what this plan already does: every coupling row's
    /// right-hand side less the plan's contribution, over `options` (a subset of the problem's
    /// options for the units still to decide).
    pub fn residual<'s>(&self, options: &'s crate::options::OptionSet) -> Problem<'s> {
        let n = self.p.n_years();
        let mut cumulative = 0.0;
        let path_required = (0..n)
            .map(|t| {
                cumulative += self.path_by_year[t];
                self.p.path_required[t].map(|r| (r - cumulative).max(0.0))
            })
            .collect();
        let less = |target: Option<super::CountTarget>, done: f64| {
            target.map(|t| super::CountTarget {
                required_gain: (t.required_gain - done).max(0.0),
                ..t
            })
        };
        Problem {
            options,
            mode: self.p.mode,
            path_target: self.p.path_target.clone(),
            path_required,
            budget_eur: (0..n)
                .map(|t| self.p.budget_eur[t].map(|b| (b - self.spend[t]).max(0.0)))
                .collect(),
            capacity_dwellings: (0..n)
                .map(|t| self.p.capacity_dwellings[t].map(|c| (c - self.dwellings[t]).max(0.0)))
                .collect(),
            label_a: less(self.p.label_a, self.label_a),
            gas_free: less(self.p.gas_free, self.gas_free),
            ready: less(self.p.ready, self.ready),
            efg_deadline: self.p.efg_deadline,
            penalties: self.p.penalties,
        }
    }

    /// Every (option, year) choice of unit `u`.
    pub fn choices_of(&self, u: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
        let n_years = self.p.n_years();
        self.p
            .options
            .of_unit(u)
            .flat_map(move |k| (0..n_years).map(move |t| (k, t)))
    }
}

/// A candidate move: (extra cost per euro of penalty removed, unit, new choice).
type Move = (f64, usize, Option<(usize, usize)>);

/// What one unit's choice adds to a plan's aggregates (all zero for "nothing").
#[derive(Debug, Clone, Copy, Default)]
struct Contribution {
    t: usize,
    cost: f64,
    path: f64,
    label_a: f64,
    gas_free: f64,
    ready: f64,
    efg_lifted: f64,
    spend: f64,
    dwellings: f64,
}

/// One unit's LP support: weights over its `(option index, year index)` choices.
pub type UnitSupport = Vec<((usize, usize), f64)>;

/// Solves the exact model over `units` only (which this plan leaves unset), each restricted to
/// the choices `allow(position in units, option, year index)` accepts or nothing, with the rest
/// of the plan fixed: the LP relaxation, or with `integer` the MILP (branch and bound, within
/// `time_limit`). Returns each unit's support as weights over its (option, year) choices.
pub fn solve_residual(
    state: &PlanState,
    units: &[usize],
    allow: impl Fn(usize, usize, usize) -> bool,
    integer: bool,
    time_limit: Option<std::time::Duration>,
) -> Result<Vec<UnitSupport>, super::OptimiseError> {
    let (options, map) = state.p.options.subset(units);
    let residual = state.residual(&options);
    let model = super::model::LpModel::build_filtered(&residual, |u, k, t| allow(u, map[k], t));
    let outcome = super::lp::solve_model(&model, super::lp::Backend::Microlp, integer, time_limit)?;
    if !outcome.optimal {
        // A search stopped by the clock would make the plan depend on the machine's speed.
        return Err(super::OptimiseError::Solver(
            "residual problem not solved to optimality within its time limit".into(),
        ));
    }
    let support = super::lp::support(&model, &outcome.values, options.n_units());
    Ok(support
        .into_iter()
        .map(|entries| {
            entries
                .into_iter()
                .map(|((k, t), w)| ((map[k], t), w))
                .collect()
        })
        .collect())
}

/// Improves the choices of `units` by a branch and bound over the residual problem (the rest
/// of the plan fixed), each unit restricted to the choices `allow(position in units, option,
/// year index)` accepts or nothing, warm-started from their current choices, with the targets
/// those choices meet kept as hard rows, and stopped after `node_limit` nodes (a budget, not a
/// clock: the same plan on any machine). Keeps the result when it lowers the penalised
/// objective; true when it did. Rounding decides only the units the relaxation splits; this
/// also exchanges units the relaxation had integral, which is what a binding row needs.
pub fn search_residual(
    state: &mut PlanState,
    units: &[usize],
    allow: impl Fn(usize, usize, usize) -> bool,
    node_limit: u64,
) -> bool {
    let saved: Vec<Option<(usize, usize)>> = units.iter().map(|&u| state.choice[u]).collect();
    let before = state.objective();
    for &u in units {
        state.set(u, None);
    }
    let (options, map) = state.p.options.subset(units);
    let residual = state.residual(&options);
    let model = super::model::LpModel::build_filtered(&residual, |i, k, t| {
        allow(i, map[k], t) || saved[i] == Some((map[k], t))
    });
    let start: Vec<Option<(usize, usize)>> = saved
        .iter()
        .map(|c| c.and_then(|(k, t)| map.iter().position(|&m| m == k).map(|i| (i, t))))
        .collect();
    let hint = super::lp::hint_of(&model, &start);
    let hard = super::lp::hardened(&model, &hint);
    let decided = super::lp::solve_milp_with_node_limit(&hard, node_limit, None, &hint)
        .ok()
        .map(|outcome| super::lp::support(&hard, &outcome.values, options.n_units()));
    if let Some(decided) = decided {
        for (&u, entries) in units.iter().zip(decided) {
            state.set(
                u,
                entries
                    .iter()
                    .find(|e| e.1 > 0.5)
                    .map(|&((k, t), _)| (map[k], t)),
            );
        }
        if state.feasible() && state.objective() < before - 1e-9 * before.abs().max(1.0) {
            return true;
        }
    }
    for (&u, &choice) in units.iter().zip(&saved) {
        state.set(u, choice);
    }
    false
}

/// Stocks up to this many decision units get the neighbourhood search after rounding; above it
/// the rounding alone is within a fraction of a per mille of the bound.
pub const NEIGHBOURHOOD_SEARCH_UNITS: usize = 300;

/// Rounds a fractional solution, given as weights per (unit, option, year), to an integer plan:
/// the integral units are kept, and the fractional ones (at most one per coupling row in a
/// basic solution) are decided exactly by a small MILP over their support choices, with the
/// rest of the plan fixed; a local search then improves the whole. Returns the plan and the
/// number of fractional units.
pub fn round_and_repair<'p, 'a>(
    p: &'p Problem<'a>,
    penalties: Penalties,
    support: &[Vec<((usize, usize), f64)>],
) -> (PlanState<'p, 'a>, usize) {
    let mut state = PlanState::empty(p, penalties);
    let mut fractional: Vec<(f64, usize)> = Vec::new();
    for (u, entries) in support.iter().enumerate() {
        let total: f64 = entries.iter().map(|e| e.1).sum();
        if total < 1e-6 {
            continue;
        }
        match entries.iter().find(|e| e.1 >= 1.0 - 1e-6) {
            Some(&(choice, _)) => state.set(u, Some(choice)),
            None => {
                let largest = entries.iter().map(|e| e.1).fold(0.0, f64::max);
                fractional.push((largest, u));
            }
        }
    }
    // Integral units can together break a budget only through rounding noise.
    state.repair_budgets();
    fractional.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let units: Vec<usize> = fractional.iter().map(|f| f.1).collect();
    let exact = (!units.is_empty())
        .then(|| {
            solve_residual(
                &state,
                &units,
                |i, k, t| support[units[i]].iter().any(|e| e.0 == (k, t)),
                true,
                Some(std::time::Duration::from_secs(10)),
            )
        })
        .and_then(Result::ok);
    match exact {
        Some(decided) => {
            for (&u, entries) in units.iter().zip(decided) {
                state.set(u, entries.iter().find(|e| e.1 > 0.5).map(|e| e.0));
            }
            state.repair_budgets();
        }
        // Without the MILP (it failed), decide them one by one, most decided first.
        None => {
            for &u in &units {
                let candidates: Vec<(usize, usize)> = support[u].iter().map(|e| e.0).collect();
                state.improve(u, candidates.into_iter());
            }
        }
    }
    local_search(&mut state, 5);
    if p.options.n_units() <= NEIGHBOURHOOD_SEARCH_UNITS {
        neighbourhood_search(&mut state, 24);
        local_search(&mut state, 2);
    }
    // The searches minimise cost plus penalties, and on a small stock a whole complex can cost
    // more than the penalty for missing a path year by a hair: the plan should meet the target
    // all the same where a single move can, as the LP did.
    state.repair_targets();
    (state, fractional.len())
}

/// Large-neighbourhood search: frees a group of units at a time and re-solves them exactly
/// (MILP over all their choices) with the rest of the plan fixed, keeping the result when it is
/// cheaper. Single-unit moves cannot exchange one complex for two others, which is what closing
/// the last per cent on a stock of a hundred complexes takes. Groups alternate between the
/// dearest treated units with the most cost-effective untreated ones, and seeded random draws;
/// the number of rounds, not a clock, bounds the search, so the result is reproducible.
pub fn neighbourhood_search(state: &mut PlanState, rounds: usize) {
    use rand::seq::SliceRandom;
    use rand::SeedableRng;
    const GROUP: usize = 4;
    let n_units = state.choice.len();
    if n_units < 2 {
        return;
    }
    let o = state.p.options;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0x4eb7);
    for round in 0..rounds {
        let mut group: Vec<usize> = if round % 2 == 0 {
            // Dearest treated units (a different slice each time) and the untreated units with
            // the cheapest € per kWh of path reduction.
            let mut treated: Vec<(f64, usize)> = (0..n_units)
                .filter_map(|u| state.choice[u].map(|(k, t)| (-o.discounted_cost_eur(u, k, t), u)))
                .collect();
            treated.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let mut untreated: Vec<(f64, usize)> = (0..n_units)
                .filter(|&u| state.choice[u].is_none())
                .filter_map(|u| {
                    o.of_unit(u)
                        .filter(|&k| o.path_reduction[k] > 0.0)
                        .map(|k| o.discounted_cost_eur(u, k, 0) / o.path_reduction[k])
                        .min_by(f64::total_cmp)
                        .map(|ratio| (ratio, u))
                })
                .collect();
            untreated.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let half = GROUP / 2;
            let offset = (round / 2 * half) % treated.len().max(1);
            treated
                .iter()
                .cycle()
                .skip(offset)
                .take(half.min(treated.len()))
                .chain(untreated.iter().take(half))
                .map(|&(_, u)| u)
                .collect()
        } else {
            let mut all: Vec<usize> = (0..n_units).collect();
            all.shuffle(&mut rng);
            all.truncate(GROUP);
            all
        };
        group.sort_unstable();
        group.dedup();
        // Exchanges happen in the years the freed units are treated in: offer their options in
        // those years and the years next to them (all years when none is treated), which keeps
        // each branch-and-bound small.
        let n_years = state.p.n_years();
        let mut years = vec![false; n_years];
        for &u in &group {
            if let Some((_, t)) = state.choice[u] {
                let last = (t + 1).min(n_years - 1);
                years[t.saturating_sub(1)..=last].fill(true);
            }
        }
        if !years.contains(&true) {
            years.iter_mut().for_each(|y| *y = true);
        }
        let before = state.objective();
        let saved: Vec<Option<(usize, usize)>> = group.iter().map(|&u| state.choice[u]).collect();
        for &u in &group {
            state.set(u, None);
        }
        let solved = solve_residual(
            state,
            &group,
            |_, _, t| years[t],
            true,
            Some(std::time::Duration::from_secs(5)),
        );
        let improved = match solved {
            Ok(decided) => {
                for (&u, entries) in group.iter().zip(decided) {
                    state.set(u, entries.iter().find(|e| e.1 > 0.5).map(|e| e.0));
                }
                state.feasible() && state.objective() < before - 1e-9 * before.abs().max(1.0)
            }
            Err(_) => false,
        };
        if !improved {
            for (&u, &choice) in group.iter().zip(&saved) {
                state.set(u, choice);
            }
        }
    }
}

/// Moves single units to their best (option, year) choice while that lowers the penalised
/// objective, for at most `passes` passes over all units.
pub fn local_search(state: &mut PlanState, passes: usize) {
    for _ in 0..passes {
        let mut changed = false;
        for u in 0..state.choice.len() {
            let candidates: Vec<(usize, usize)> = state.choices_of(u).collect();
            changed |= state.improve(u, candidates.into_iter());
        }
        if !changed {
            break;
        }
    }
}
