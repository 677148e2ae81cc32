//! The decomposition against the exact LP: its Lagrangian bound is the LP bound (integrality
//! property), its plans satisfy every invariant, and it is deterministic.

use crate::common;

use heatpath::optimise::decomposition::Decomposition;
use heatpath::optimise::lp::Lp;
use heatpath::optimise::Silent;
use heatpath::pipeline::solve;
use proptest::prelude::*;

fn compare(
    dwellings: usize,
    corporations: usize,
    seed: u64,
    extra: &str,
) -> (f64, f64, heatpath::pipeline::PlanRun) {
    let prepared = common::prepared(dwellings, corporations, seed, common::scenario(extra));
    let run = solve(
        prepared,
        &Decomposition::default(),
        &[&Lp::default()],
        &mut Silent,
    )
    .unwrap();
    let decomposition_bound = run.comparison[0].lower_bound_eur.unwrap();
    let lp_bound = run.comparison[1].lower_bound_eur.unwrap();
    (decomposition_bound, lp_bound, run)
}

#[test]
fn the_decomposition_bound_is_the_lp_bound_on_the_sample_sized_stock() {
    let (bound, lp_bound, run) = compare(5000, 1, 16, "");
    assert!(
        (bound - lp_bound).abs() <= 1e-4 * lp_bound.abs(),
        "decomposition {bound} vs LP {lp_bound}"
    );
    common::check_invariants(&run);
    assert!(run.evaluation.all_targets_met());
    // 93 complexes of 54 dwellings on average: the integer plan cannot split a complex as the
    // LP does. HiGHS's exact MILP is 0.65 % above the bound on this stock; the decomposition's
    // plan must be within 5 % and no worse than the LP solver's own rounding.
    let value = |c: &heatpath::pipeline::ComparisonRow| c.objective_eur + c.penalty_eur.unwrap();
    assert!(run.gap().unwrap() < 0.05, "gap {}", run.gap().unwrap());
    assert!(
        value(&run.comparison[0]) <= value(&run.comparison[1]) * 1.01,
        "decomposition {} vs LP rounding {}",
        value(&run.comparison[0]),
        value(&run.comparison[1])
    );
}

/// The benchmark's M instance (`generate --dwellings 80000 --corporations 1 --seed 80`, the
/// largest corporations): the issue asks for a plan within 0.02 % of the bound. Rounding the
/// residual LP alone left 0.17 %; the branch and bound over the residual closes it.
#[test]
fn on_the_largest_corporations_stock_the_plan_is_within_two_hundredths_of_a_percent() {
    let prepared = common::prepared(80_000, 1, 80, common::scenario(""));
    let run = solve(prepared, &Decomposition::default(), &[], &mut Silent).unwrap();
    assert!(run.evaluation.all_targets_met());
    let gap = run.gap().unwrap();
    assert!(gap <= 2e-4, "gap {:.4} %", gap * 100.0);
}

/// The benchmark's Mb and Mbc instances (M under a budget of EUR 18,022,160 a year, and a
/// capacity of 6,500 dwellings a year too): most targets are missed at any plan within the
/// budget, and the issue asks for a plan within 1 % of the bound. The residual LP alone left
/// 1.10 % and 1.42 %: the units sure of a year at the multipliers overfilled some years.
#[test]
fn under_the_largest_corporations_binding_budget_the_plan_is_within_one_percent() {
    for extra in [
        "[budget]\nevery_year = 18022160\n",
        "[budget]\nevery_year = 18022160\n[capacity]\nevery_year = 6500\n",
    ] {
        let prepared = common::prepared(80_000, 1, 80, common::scenario(extra));
        let run = solve(prepared, &Decomposition::default(), &[], &mut Silent).unwrap();
        common::check_invariants(&run);
        assert!(
            !run.evaluation.all_targets_met(),
            "{extra}: the budget should bind"
        );
        let gap = run.gap().unwrap();
        assert!(gap <= 0.01, "{extra}: gap {:.3} %", gap * 100.0);
    }
}

/// Units indifferent between years (here: the same price in every year) are spread over the
/// years' budgets by the price fill, not piled into one year and dropped.
#[test]
fn the_price_fill_spreads_units_indifferent_between_years_over_every_years_budget() {
    use heatpath::optimise::model::Penalties;
    use heatpath::optimise::plan_state::PlanState;
    use heatpath::optimise::Problem;
    let prepared = common::prepared(20_000, 1, 7, common::scenario(""));
    let mut problem = Problem::new(&prepared.options, &prepared.scenario);
    let o = &prepared.options;
    let units: Vec<usize> = (0..o.n_units()).collect();
    // Each unit wants its cheapest option, equally in every year, more the larger the unit.
    let cheapest: Vec<usize> = units
        .iter()
        .map(|&u| {
            o.of_unit(u)
                .min_by(|&a, &b| o.cost_eur(u, a, 0).total_cmp(&o.cost_eur(u, b, 0)))
                .unwrap()
        })
        .collect();
    // A budget for half of them, spread over the years.
    let all: f64 = units.iter().map(|&u| o.cost_eur(u, cheapest[u], 0)).sum();
    let budget = all / 2.0 / problem.n_years() as f64;
    problem.budget_eur = vec![Some(budget); problem.n_years()];
    let mut state = PlanState::empty(&problem, Penalties::for_problem(&problem));
    state.fill_by_regret(&units, |u, k, _| {
        if k == cheapest[u] {
            -f64::from(o.unit_dwellings[u])
        } else {
            0.0
        }
    });
    assert!(state.feasible());
    let mut spend = vec![0.0; problem.n_years()];
    for (u, choice) in state.choice.iter().enumerate() {
        if let Some((k, t)) = *choice {
            assert_eq!(k, cheapest[u], "unit {u} took an option it was not offered");
            spend[t] += o.cost_eur(u, k, t);
        }
    }
    let treated = state.choice.iter().filter(|c| c.is_some()).count();
    assert!(
        treated < units.len(),
        "the budget should not fund every unit"
    );
    for (t, s) in spend.iter().enumerate() {
        assert!(
            *s > 0.8 * budget,
            "year {t}: only {s:.0} of the {budget:.0} budget spent"
        );
    }
}

#[test]
fn with_binding_budgets_and_capacity_too() {
    let (bound, lp_bound, run) = compare(
        3000,
        2,
        5,
        "[budget]\nevery_year = 1.2e6\n[capacity]\nevery_year = 400\n",
    );
    assert!(
        (bound - lp_bound).abs() <= 1e-4 * lp_bound.abs(),
        "decomposition {bound} vs LP {lp_bound}"
    );
    common::check_invariants(&run);
    let tightest = run.evaluation.trajectory[1..]
        .iter()
        .map(|r| r.spend_eur / 1.2e6)
        .fold(0.0, f64::max);
    assert!(
        tightest > 0.9,
        "the budget should bind somewhere: at most {tightest:.2} of it is spent"
    );
}

proptest! {
    // A fixed seed: CI checks the same cases on every run (random seeds found the known bug
    // below only sometimes, which made CI a lottery). Change the seed to explore new cases.
    #![proptest_config(ProptestConfig { cases: 16, rng_seed: proptest::test_runner::RngSeed::Fixed(2026), .. ProptestConfig::default() })]

    #[test]
    fn on_random_instances_the_bounds_agree_and_plans_are_valid(
        seed in 0u64..1000,
        dwellings in 200usize..1500,
        budget in proptest::option::of(2e5f64..4e6),
        path in 0.005f64..0.04,
    ) {
        let mut extra = format!("[path]\nreduction_per_year = {path}\n");
        if let Some(b) = budget {
            extra.push_str(&format!("[budget]\nevery_year = {b}\n"));
        }
        let (bound, lp_bound, run) = compare(dwellings, 1, seed, &extra);
        prop_assert!((bound - lp_bound).abs() <= 1e-4 * lp_bound.abs().max(1.0), "decomposition {} vs LP {}", bound, lp_bound);
        common::check_invariants(&run);
        let value = run.evaluation.objective_eur + run.penalty_eur.unwrap();
        prop_assert!(value >= lp_bound * (1.0 - 1e-6) - 1e-6, "a plan below the LP bound: {} < {}", value, lp_bound);
    }
}

/// Found by the random cases above: with the gas-free conversions target on, district heating
/// with a poor primary-energy factor can make dwellings E/F/G that were not, and the LP left
/// that out of its E/F/G rows while the decomposition and the evaluator charged it; the LP's
/// optimum lay below the true one (6,074,082 against 6,424,402 here).
#[test]
fn the_decomposition_bound_never_exceeds_the_lp_optimum_with_a_gas_free_target() {
    let (bound, lp_bound, _) = compare(449, 1, 868, "[path]\nreduction_per_year = 0.005\n");
    assert!(
        bound <= lp_bound * (1.0 + 1e-4),
        "decomposition {bound} above LP {lp_bound}"
    );
}

#[test]
fn the_decomposition_is_deterministic() {
    let first = compare(2000, 1, 11, "").2;
    let second = compare(2000, 1, 11, "").2;
    assert_eq!(first.solution.plan, second.solution.plan);
    assert_eq!(
        first.solution.lower_bound_eur,
        second.solution.lower_bound_eur
    );
}

/// An observer that asks the run to stop after it has seen `after` progress reports, as the
/// binary's Ctrl-C handler does.
struct StopAfter {
    after: usize,
    seen: usize,
}

impl heatpath::optimise::Observer for StopAfter {
    fn observe(&mut self, _: &heatpath::optimise::Progress) {
        self.seen += 1;
    }

    fn stop_requested(&self) -> bool {
        self.seen >= self.after
    }
}

#[test]
fn a_stop_requested_during_the_dual_ascent_returns_a_valid_plan_and_bound_saying_so() {
    use heatpath::optimise::Termination;
    let scenario = || common::scenario("[budget]\nevery_year = 1.5e6\n");
    let prepared = common::prepared(3000, 1, 7, scenario());
    let mut stop = StopAfter { after: 3, seen: 0 };
    let run = solve(prepared, &Decomposition::default(), &[], &mut stop).unwrap();
    assert_eq!(run.solution.termination, Termination::Interrupted);
    common::check_invariants(&run);
    // Every dual value is a lower bound: stopped early, the bound is lower, never higher.
    let full = solve(
        common::prepared(3000, 1, 7, scenario()),
        &Decomposition::default(),
        &[],
        &mut Silent,
    )
    .unwrap();
    let (early, converged) = (
        run.solution.lower_bound_eur.unwrap(),
        full.solution.lower_bound_eur.unwrap(),
    );
    assert!(early <= converged * (1.0 + 1e-9), "{early} > {converged}");
    assert!(full.solution.termination != Termination::Interrupted);
}

#[test]
fn after_a_stop_no_further_solver_starts_once_there_is_a_plan() {
    let prepared = common::prepared(1000, 1, 3, common::scenario(""));
    let mut stop = StopAfter { after: 0, seen: 0 };
    let run = solve(
        prepared,
        &Decomposition::default(),
        &[&Lp::default()],
        &mut stop,
    )
    .unwrap();
    // The first solver ran (there must be a plan to write); the compared LP did not.
    assert_eq!(run.comparison.len(), 1, "{:?}", run.comparison);
    assert_eq!(run.comparison[0].solver, "decomposition");
}
