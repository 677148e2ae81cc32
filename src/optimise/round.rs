//! From a fractional solution to an integer plan.
//!
//! In a basic optimal solution of the LP relaxation every unit but at most one per coupling row is
//! integral (DESIGN §7). Rounding keeps the integral units and decides the fractional ones one by
//! one — most decided first — taking for each the choice among its support (or nothing) that
//! raises the penalised objective least within budgets and capacity; a local search then lets any
//! unit move to any of its (option, year) choices while that lowers the objective.

use super::model::Penalties;
use super::plan_state::PlanState;
use super::search::{
    local_search, neighbourhood_search, solve_residual, NEIGHBOURHOOD_SEARCH_UNITS,
};
use super::Problem;

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
