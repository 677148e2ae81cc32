//! An integer plan with the aggregates that price a change to it: the penalised objective that
//! judges every plan the solvers propose, and the repairs of budgets and targets.

use rayon::prelude::*;

use super::model::Penalties;
use super::Problem;

const EPS: f64 = 1e-9;

/// An integer plan as (option, year index) per unit, with the aggregates needed to price a change.
#[derive(Debug, Clone)]
pub struct PlanState<'p, 'a> {
    pub(super) p: &'p Problem<'a>,
    penalties: Penalties,
    /// Choice per unit.
    pub choice: Vec<Option<(usize, usize)>>,
    cost: f64,
    /// Path reduction by year as differences: a unit's reduction is added in its year of works
    /// and taken off in the year it leaves the stock (index `n_years` when it stays), so the
    /// running sum is the reduction in the stock of each year.
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
        let efg_short = (0..p.options.n_units()).map(|u| p.efg_before(u)).sum();
        PlanState {
            p,
            penalties,
            choice: vec![None; p.options.n_units()],
            cost: 0.0,
            path_by_year: vec![0.0; n + 1],
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
            if target.is_some_and(|target| o.counts(u, t, target.year_index)) {
                f64::from(gain)
            } else {
                0.0
            }
        };
        Contribution {
            t,
            until: o.until_of(u),
            cost: o.discounted_cost_eur(u, k, t),
            path: o.path_reduction[k],
            label_a: by(self.p.label_a, o.label_a_gain[k]),
            gas_free: by(self.p.gas_free, o.gas_free_gain[k]),
            ready: by(self.p.ready, o.low_temp_ready_gain[k]),
            efg_lifted: self.p.efg_lifted(u, k) * self.p.efg_relief_share(u, t),
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
        self.path_by_year[c.until] -= sign * c.path;
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
        // A year the portfolio rules out is as infeasible as one over its budget: every search
        // and repair moves through here.
        if choice.is_some_and(|(_, t)| !self.p.options.allows(u, t)) {
            return None;
        }
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
            if old.dwellings > 0.0 {
                if old.t == t {
                    cumulative -= old.path;
                }
                if old.until == t {
                    cumulative += old.path;
                }
            }
            if new.dwellings > 0.0 {
                if new.t == t {
                    cumulative += new.path;
                }
                if new.until == t {
                    cumulative -= new.path;
                }
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

    /// The penalties that weigh this plan's missed targets.
    pub fn penalties(&self) -> Penalties {
        self.penalties
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

    /// Whether unit `u`, now untreated, can take `(k, t)` within that year's budget and capacity.
    fn fits(&self, u: usize, (k, t): (usize, usize)) -> bool {
        let o = self.p.options;
        !self.over_budget(
            t,
            self.spend[t] + o.cost_eur(u, k, t),
            self.dwellings[t] + f64::from(o.unit_dwellings[u]),
        )
    }

    /// Decides `units` (untreated in this plan) by `price(u, k, t)`, each choice's reduced cost
    /// at the dual's multipliers (negative: worth taking; "nothing" is 0), within what budgets
    /// and capacity leave: the unit that would lose most by not getting its best choice that
    /// still fits (its regret over the next best, or over nothing) is decided first. Under a
    /// binding budget many units are nearly indifferent between years (the same option, the
    /// year decided only by the budgets' multipliers, which the dual leaves imprecise in exactly
    /// those directions): deciding them last lets them fill whatever room the others leave, as
    /// the LP splits them.
    pub fn fill_by_regret(
        &mut self,
        units: &[usize],
        price: impl Fn(usize, usize, usize) -> f64 + Sync,
    ) {
        use std::cmp::Reverse;
        use std::collections::BinaryHeap;
        let wanted: Vec<Vec<(f64, (usize, usize))>> = {
            let state = &*self;
            units
                .par_iter()
                .map(|&u| {
                    let mut wanted: Vec<(f64, (usize, usize))> = state
                        .choices_of(u)
                        .map(|(k, t)| (price(u, k, t), (k, t)))
                        .filter(|(rc, _)| *rc < 0.0)
                        .collect();
                    wanted.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                    wanted
                })
                .collect()
        };
        // The regret of a unit and its best choice that fits, against the plan as it stands.
        let regret = |state: &Self, i: usize| -> Option<(f64, (usize, usize))> {
            let mut fitting = wanted[i]
                .iter()
                .filter(|(_, choice)| state.fits(units[i], *choice));
            let best = fitting.next()?;
            let next = fitting.next().map_or(0.0, |c| c.0);
            Some((next - best.0, best.1))
        };
        let mut heap: BinaryHeap<(OrderedRegret, Reverse<usize>)> = (0..units.len())
            .filter_map(|i| regret(self, i).map(|(r, _)| (OrderedRegret(r), Reverse(i))))
            .collect();
        while let Some((OrderedRegret(was), Reverse(i))) = heap.pop() {
            let Some((now, choice)) = regret(self, i) else {
                continue;
            };
            // A year filled since this unit was queued: it waits for its new turn.
            if now < was - 1e-9 * was.abs().max(1.0) {
                heap.push((OrderedRegret(now), Reverse(i)));
                continue;
            }
            self.set(units[i], Some(choice));
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
        self.p
            .options
            .of_unit(u)
            .flat_map(move |k| self.p.options.years_of(u).map(move |t| (k, t)))
    }
}

/// A candidate move: (extra cost per euro of penalty removed, unit, new choice).
type Move = (f64, usize, Option<(usize, usize)>);

/// What one unit's choice adds to a plan's aggregates (all zero for "nothing").
#[derive(Debug, Clone, Copy, Default)]
struct Contribution {
    t: usize,
    /// The year index the unit leaves the stock (`n_years` when it stays).
    until: usize,
    cost: f64,
    path: f64,
    label_a: f64,
    gas_free: f64,
    ready: f64,
    efg_lifted: f64,
    spend: f64,
    dwellings: f64,
}

/// A regret ordered by `f64::total_cmp`, for the fill's priority queue.
#[derive(Debug, Clone, Copy, PartialEq)]
struct OrderedRegret(f64);

impl Eq for OrderedRegret {}

impl PartialOrd for OrderedRegret {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for OrderedRegret {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}
