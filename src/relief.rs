//! What more budget or capacity would buy: for a plan that misses targets under budget or
//! capacity limits, the plan without those limits, and per year how much it spends and treats
//! above them.
//!
//! An asset manager whose plan misses targets under the board's budget wants three things: which
//! targets are missed, how much more money per year would meet them, and what that money would
//! go to. The plan without limits answers the last two; targets it misses too cannot be met by
//! money (the catalogue does not reach them).

use serde::Serialize;

use crate::evaluate::{Evaluation, TargetKind, TargetResult};
use crate::optimise::decomposition::Decomposition;
use crate::optimise::{OptimiseError, Problem, Silent, Solver};
use crate::pipeline::Prepared;
use crate::scenario::Mode;

/// An amount in one year.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct YearAmount {
    /// Calendar year.
    pub year: u16,
    /// Euros of that year, or dwellings.
    pub value: f64,
}

/// What lifting the budget and capacity limits would do for the targets a plan misses.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResourceRelief {
    /// Per year in which the plan without limits spends more than the budget: how much more
    /// (euros of that year, on the plan's cost basis).
    pub extra_budget_eur: Vec<YearAmount>,
    /// Their sum.
    pub total_extra_budget_eur: f64,
    /// Per year in which the plan without limits treats more dwellings than the capacity: how
    /// many more.
    pub extra_dwellings: Vec<YearAmount>,
    /// Missed targets the plan without limits meets.
    pub met_with_more: Vec<TargetYear>,
    /// Missed targets the plan without limits misses too: money does not reach them.
    pub missed_at_any_budget: Vec<TargetYear>,
    /// The scenario has a portfolio table, which may be what keeps them out of reach
    /// (an excluded complex's E/F/G dwellings, works not before a year).
    pub portfolio_table: bool,
    /// Complexes the plan without limits treats and this plan leaves untouched (ids as in the
    /// stock), dearest first.
    pub complexes_funded: Vec<String>,
}

/// A target in one year, as the relief lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetYear {
    /// What the target measures.
    pub kind: TargetKind,
    /// The year it is missed in.
    pub year: u16,
}

impl TargetYear {
    fn of(t: &TargetResult) -> TargetYear {
        TargetYear {
            kind: t.kind,
            year: t.year,
        }
    }
}

impl Serialize for TargetYear {
    /// As `key year` ("heat_demand_path 2032"): summary.json keeps the form it had when kinds
    /// were strings.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("{} {}", self.kind.key(), self.year))
    }
}

/// The relief for `evaluation`, the plan kept for `prepared`, when it misses hard targets under
/// a budget or capacity; `None` when it meets them, has no limits, or plans for maximum
/// reduction. `evaluate` is the one evaluator, applied to the plan without limits.
pub fn relief(
    prepared: &Prepared,
    evaluation: &Evaluation,
    evaluate: impl Fn(&crate::plan::Plan) -> Option<Evaluation>,
) -> Result<Option<ResourceRelief>, OptimiseError> {
    let scenario = &prepared.scenario;
    let limited = scenario.budget_eur.iter().any(Option::is_some)
        || scenario.capacity_dwellings.iter().any(Option::is_some);
    let missed: Vec<&TargetResult> = evaluation
        .targets
        .iter()
        .filter(|t| t.hard && !t.met && !t.kind.is_limit())
        .collect();
    if !limited || missed.is_empty() || scenario.mode == Mode::MaxReduction {
        return Ok(None);
    }
    let mut problem = Problem::new(&prepared.options, scenario);
    problem.budget_eur.iter_mut().for_each(|b| *b = None);
    problem
        .capacity_dwellings
        .iter_mut()
        .for_each(|c| *c = None);
    // The commitments stay in the plan without limits: the decomposition plans the other units
    // on what they leave, as in the run itself.
    let committed = crate::pipeline::Committed::new(&problem, &prepared.commitments);
    let free = committed.complete(
        Decomposition::default().solve(&committed.problem(problem), &mut Silent)?,
        &prepared.options,
    );
    let Some(free_evaluation) = evaluate(&free.plan) else {
        return Ok(None);
    };
    let rows = free_evaluation.trajectory.iter().filter(|r| !r.baseline);
    let (mut extra_budget_eur, mut extra_dwellings) = (Vec::new(), Vec::new());
    for (t, row) in rows.enumerate() {
        if let Some(budget) = scenario.budget_eur.get(t).copied().flatten() {
            if row.spend_eur > budget + 0.5 {
                extra_budget_eur.push(YearAmount {
                    year: row.year,
                    value: row.spend_eur - budget,
                });
            }
        }
        if let Some(capacity) = scenario.capacity_dwellings.get(t).copied().flatten() {
            let treated = row.dwellings_treated as f64;
            if treated > capacity + 0.5 {
                extra_dwellings.push(YearAmount {
                    year: row.year,
                    value: treated - capacity,
                });
            }
        }
    }
    let still_missed = |m: &TargetResult| {
        free_evaluation
            .targets
            .iter()
            .any(|f| f.kind == m.kind && f.year == m.year && !f.met)
    };
    let (mut met_with_more, mut missed_at_any_budget) = (Vec::new(), Vec::new());
    for m in missed {
        if still_missed(m) {
            missed_at_any_budget.push(TargetYear::of(m));
        } else {
            met_with_more.push(TargetYear::of(m));
        }
    }
    let mut funded: Vec<(f64, usize)> = free_evaluation
        .units
        .iter()
        .zip(&evaluation.units)
        .enumerate()
        .filter(|(_, (free, kept))| free.choice.is_some() && kept.choice.is_none())
        .map(|(u, (free, _))| (free.cost_eur, u))
        .collect();
    funded.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    Ok(Some(ResourceRelief {
        total_extra_budget_eur: extra_budget_eur.iter().map(|e| e.value).sum(),
        extra_budget_eur,
        extra_dwellings,
        met_with_more,
        missed_at_any_budget,
        portfolio_table: prepared.scenario.portfolio.complexes.is_some(),
        complexes_funded: funded
            .into_iter()
            .map(|(_, u)| prepared.units.units[u].id.clone())
            .collect(),
    }))
}

/// `targets` in words: consecutive years of a target as one range ("heat-demand path
/// 2032–2035"), each kind by its [`TargetKind::name`].
pub fn describe(targets: &[TargetYear]) -> String {
    let mut groups: Vec<(TargetKind, u16, u16)> = Vec::new();
    for t in targets {
        match groups.last_mut() {
            Some((kind, _, to)) if *kind == t.kind && *to + 1 == t.year => *to = t.year,
            _ => groups.push((t.kind, t.year, t.year)),
        }
    }
    groups
        .iter()
        .map(|(kind, from, to)| {
            if from == to {
                format!("{kind} {from}")
            } else {
                format!("{kind} {from}–{to}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_years_of_a_target_read_as_one_range() {
        let at = |kind, year| TargetYear { kind, year };
        let targets = [
            at(TargetKind::HeatDemandPath, 2032),
            at(TargetKind::HeatDemandPath, 2033),
            at(TargetKind::HeatDemandPath, 2035),
            at(TargetKind::LabelAShare, 2034),
        ];
        assert_eq!(
            describe(&targets),
            "heat-demand path 2032–2033, heat-demand path 2035, label A or better 2034"
        );
    }

    #[test]
    fn an_ep2_path_reads_in_words_and_is_written_by_its_key() {
        let targets = [TargetYear {
            kind: TargetKind::Ep2Path,
            year: 2035,
        }];
        assert_eq!(describe(&targets), "EP2 path 2035");
        assert_eq!(
            serde_json::to_string(&targets).unwrap(),
            r#"["ep2_path 2035"]"#
        );
    }
}
