//! Improvement searches on an integer plan: single-unit moves (local search), groups of units
//! re-solved exactly (neighbourhood search), and a node-budgeted branch and bound over a residual
//! problem. Every solver that proposes a plan finishes it with these.

use super::plan_state::PlanState;

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
    let outcome = super::backend::solve_model(
        &model,
        super::backend::Backend::Microlp,
        integer,
        time_limit,
    )?;
    if !outcome.optimal {
        // A search stopped by the clock would make the plan depend on the machine's speed.
        return Err(super::OptimiseError::Solver(
            "residual problem not solved to optimality within its time limit".into(),
        ));
    }
    let support = super::backend::support(&model, &outcome.values, options.n_units());
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
    let hint = super::backend::hint_of(&model, &start);
    let hard = super::backend::hardened(&model, &hint);
    let decided = super::backend::solve_milp_with_node_limit(&hard, node_limit, None, &hint)
        .ok()
        .map(|outcome| super::backend::support(&hard, &outcome.values, options.n_units()));
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
