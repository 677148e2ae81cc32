//! Invariants every solver's plan must satisfy, checked through the one evaluator on random
//! small instances.

use crate::common;

use heatpath::optimise::greedy::Greedy;
use heatpath::optimise::Silent;
use heatpath::pipeline::solve;
use heatpath::TargetKind;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn greedy_plans_respect_budgets_capacity_and_add_up(
        seed in 0u64..1000,
        dwellings in 150usize..700,
        budget in proptest::option::of(50_000f64..3_000_000.0),
        capacity in proptest::option::of(20f64..400.0),
    ) {
        let mut extra = String::new();
        if let Some(b) = budget {
            extra.push_str(&format!("[budget]\nevery_year = {b}\n"));
        }
        if let Some(c) = capacity {
            extra.push_str(&format!("[capacity]\nevery_year = {c}\n"));
        }
        let prepared = common::prepared(dwellings, 1, seed, common::scenario(&extra));
        let run = solve(prepared, &Greedy, &[], &mut Silent).unwrap();
        common::check_invariants(&run);
    }
}

#[test]
fn without_budgets_the_greedy_plan_meets_every_target_on_the_sample_sized_stock() {
    let prepared = common::prepared(3000, 1, 16, common::scenario(""));
    let run = solve(prepared, &Greedy, &[], &mut Silent).unwrap();
    common::check_invariants(&run);
    let missed: Vec<_> = run.evaluation.targets.iter().filter(|t| !t.met).collect();
    assert!(missed.is_empty(), "{missed:?}");
}

#[test]
fn a_zero_budget_gives_an_empty_plan_with_every_miss_stated() {
    let prepared = common::prepared(400, 1, 3, common::scenario("[budget]\nevery_year = 0\n"));
    let run = solve(prepared, &Greedy, &[], &mut Silent).unwrap();
    common::check_invariants(&run);
    assert_eq!(run.solution.plan.n_assigned(), 0);
    assert_eq!(run.evaluation.total_investment_eur, 0.0);
    let missed: Vec<TargetKind> = run
        .evaluation
        .targets
        .iter()
        .filter(|t| !t.met)
        .map(|t| t.kind)
        .collect();
    assert!(missed.contains(&TargetKind::HeatDemandPath));
    assert!(missed.contains(&TargetKind::LabelAShare));
}

#[test]
fn max_reduction_mode_leaves_no_budget_that_could_still_buy_a_reduction() {
    let budget = 200_000.0;
    let prepared = common::prepared(
        600,
        1,
        9,
        common::scenario(&format!(
            "mode = \"max_reduction\"\n[budget]\nevery_year = {budget}\n"
        )),
    );
    let run = solve(prepared, &Greedy, &[], &mut Silent).unwrap();
    common::check_invariants(&run);
    let opts = &run.prepared.options;
    assert!(run.solution.plan.n_assigned() > 0);
    for (t, row) in run.evaluation.trajectory.iter().skip(1).enumerate() {
        let left = budget - row.spend_eur;
        for u in 0..opts.n_units() {
            if run.solution.plan.choices[u].is_some() {
                continue;
            }
            for o in opts.of_unit(u) {
                assert!(
                    opts.path_reduction[o] <= 0.0 || opts.cost_eur(u, o, t) > left,
                    "year {}: unit {u} could still be treated for {} with {left} left",
                    row.year,
                    opts.cost_eur(u, o, t)
                );
            }
        }
    }
}

/// What the solvers optimise (the option set's costs and effects) must be what the evaluator
/// finds for the same plan, or a solver's "optimum" means nothing.
#[test]
fn option_costs_and_effects_equal_the_evaluators() {
    use heatpath::optimise::lp::Lp;
    use heatpath::optimise::plan_state::PlanState;
    use heatpath::optimise::Problem;
    for seed in [16u64, 3, 8] {
        let prepared = common::prepared(1500, 1, seed, common::scenario(""));
        let run = solve(prepared, &Lp::default(), &[&Greedy], &mut Silent).unwrap();
        let p = &run.prepared;
        let problem = Problem::new(&p.options, &p.scenario);
        let mut state = PlanState::empty(&problem, run.solution.details.penalties.unwrap());
        for (u, choice) in run.solution.plan.choices.iter().enumerate() {
            if let Some(c) = choice {
                let o = p
                    .options
                    .of_unit(u)
                    .find(|&o| p.options.package[o] == c.package)
                    .expect("the plan's option exists");
                state.set(u, Some((o, (c.year - p.scenario.first_year) as usize)));
            }
        }
        let e = &run.evaluation;
        assert!(
            (state.cost() - e.objective_eur).abs() <= 1e-6 * e.objective_eur,
            "seed {seed}: model cost {} vs evaluator {}",
            state.cost(),
            e.objective_eur
        );
        assert!(
            (state.penalty() - run.penalty_eur.unwrap()).abs() <= 1e-6 * state.penalty().max(1.0),
            "seed {seed}: model penalty {} vs evaluator {}",
            state.penalty(),
            run.penalty_eur.unwrap()
        );
    }
}
