//! From a fractional solution to an integer plan, and the penalised objective that judges plans.
//!
//! In a basic optimal solution of the LP relaxation every unit but at most one per coupling row is
//! integral (DESIGN §7). Rounding keeps the integral units and decides the fractional ones one by
//! one — most decided first — taking for each the choice among its support (or nothing) that
//! raises the penalised objective least within budgets and capacity; a local search then lets any
//! unit move to any of its (option, year) choices while that lowers the objective.

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
            efg_short,
            spend: vec![0.0; n],
            dwellings: vec![0.0; n],
        }
    }

    fn apply(&mut self, u: usize, choice: Option<(usize, usize)>, sign: f64) {
        let Some((k, t)) = choice else { return };
        let o = self.p.options;
        self.cost += sign * o.discounted_cost_eur(u, k, t);
        self.path_by_year[t] += sign * o.path_reduction[k];
        if self.p.label_a.is_some_and(|target| t <= target.year_index) {
            self.label_a += sign * f64::from(o.label_a_gain[k]);
        }
        if self.p.gas_free.is_some_and(|target| t <= target.year_index) {
            self.gas_free += sign * f64::from(o.gas_free_gain[k]);
        }
        if self.p.efg_deadline.is_some_and(|d| t <= d) {
            self.efg_short -= sign * (f64::from(o.unit_efg_before[u]) - f64::from(o.efg_after[k]));
        }
        self.spend[t] += sign * o.cost_eur(u, k, t);
        self.dwellings[t] += sign * f64::from(o.unit_dwellings[u]);
    }

    /// Sets unit `u`'s choice.
    pub fn set(&mut self, u: usize, choice: Option<(usize, usize)>) {
        let old = self.choice[u];
        self.apply(u, old, -1.0);
        self.apply(u, choice, 1.0);
        self.choice[u] = choice;
    }

    /// Budgets and capacity hold in every year.
    pub fn feasible(&self) -> bool {
        (0..self.p.n_years()).all(|t| {
            self.p.budget_eur[t].is_none_or(|b| self.spend[t] <= b * (1.0 + 1e-9) + 1e-6)
                && self.p.capacity_dwellings[t].is_none_or(|c| self.dwellings[t] <= c + 1e-9)
        })
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
        penalty + self.penalties.dwelling_eur * self.efg_short.max(0.0)
    }

    /// Investment plus penalties: what the LP minimises, for an integer plan.
    pub fn objective(&self) -> f64 {
        self.cost + self.penalty()
    }

    /// Objective after setting `u` to `choice`, or `None` when that breaks a budget or capacity.
    fn try_choice(&mut self, u: usize, choice: Option<(usize, usize)>) -> Option<f64> {
        let old = self.choice[u];
        self.set(u, choice);
        let result = self.feasible().then(|| self.objective());
        self.set(u, old);
        result
    }

    /// Moves unit `u` to its best choice among `candidates` (and nothing); true when it changed.
    pub fn improve(&mut self, u: usize, candidates: &[(usize, usize)]) -> bool {
        let current = self.choice[u];
        let mut best = (
            if self.feasible() {
                self.objective()
            } else {
                f64::INFINITY
            },
            current,
        );
        for choice in std::iter::once(None).chain(candidates.iter().copied().map(Some)) {
            if choice == current {
                continue;
            }
            if let Some(value) = self.try_choice(u, choice) {
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

    /// Every (option, year) choice of unit `u`.
    pub fn all_choices(&self, u: usize) -> Vec<(usize, usize)> {
        self.p
            .options
            .of_unit(u)
            .flat_map(|k| (0..self.p.n_years()).map(move |t| (k, t)))
            .collect()
    }
}

/// Rounds a fractional solution, given as weights per (unit, option, year), to an integer plan.
/// Returns the plan and the number of fractional units.
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
    // Integral units can together break a budget only through rounding noise; drop the dearest
    // until the plan fits, as a safeguard.
    while !state.feasible() {
        let worst = (0..state.choice.len())
            .filter_map(|u| state.choice[u].map(|(k, t)| (p.options.cost_eur(u, k, t), u)))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        match worst {
            Some((_, u)) => state.set(u, None),
            None => break,
        }
    }
    fractional.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, u) in &fractional {
        let candidates: Vec<(usize, usize)> = support[u].iter().map(|e| e.0).collect();
        state.improve(u, &candidates);
    }
    local_search(&mut state, 5);
    (state, fractional.len())
}

/// Moves single units to their best (option, year) choice while that lowers the penalised
/// objective, for at most `passes` passes over all units.
pub fn local_search(state: &mut PlanState, passes: usize) {
    for _ in 0..passes {
        let mut changed = false;
        for u in 0..state.choice.len() {
            let candidates = state.all_choices(u);
            changed |= state.improve(u, &candidates);
        }
        if !changed {
            break;
        }
    }
}
