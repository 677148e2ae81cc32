//! Outputs of a plan run, written atomically into one folder: `trajectory.csv`, `plan.csv`,
//! `plan_dwellings.csv`, `summary.json`, `plan.xlsx`, the charts (`chart_*.svg` and `.png`) and
//! `report.html`.

pub mod charts;
pub mod html;
pub mod tables;
pub mod text;
pub mod xlsx;

use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use crate::evaluate::TargetResult;
use crate::output::OutputDir;
use crate::pipeline::{Error, PlanRun, Timings};

/// Totals of the stock in one year, for the summary.
#[derive(Debug, Clone, Serialize)]
pub struct YearFigures {
    /// Year.
    pub year: u16,
    /// Average Q_H,nd (kWh/m²).
    pub avg_heat_demand_kwh_m2: f64,
    /// Average EP2 (kWh/m²).
    pub avg_ep2_kwh_m2: f64,
    /// Share at label A or better.
    pub label_a_or_better_share: f64,
    /// Gas-free dwellings.
    pub gas_free_count: u64,
    /// E/F/G dwellings.
    pub efg_count: u64,
    /// Share low-temperature ready.
    pub low_temp_ready_share: f64,
    /// Tenants' yearly saving against the baseline (euros).
    pub tenant_savings_eur: f64,
    /// CO2 (tonnes/yr), on actual use.
    pub co2_tonnes: f64,
    /// Direct CO2 of gas per m² (kg/m² yr), on actual use.
    pub direct_co2_kg_m2: f64,
    /// Existing dwellings with gas made gas-free since the baseline.
    pub gas_free_conversions: u64,
    /// Share ready for a sustainable heat source.
    pub ready_for_sustainable_heat_share: f64,
    /// Dwellings per label, A++++ first.
    pub labels: Vec<LabelCount>,
    /// Dwellings in the stock that year.
    pub dwellings: u64,
    /// New-build dwellings joined by then.
    pub dwellings_new_build: u64,
    /// Dwellings sold or demolished by then.
    pub dwellings_removed: u64,
}

/// Where the fall of the path metric's average since the baseline comes from in one year, when
/// the stock moves (kWh/m², positive: lower than the baseline average).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ReductionSources {
    /// The year.
    pub year: u16,
    /// From the plan's works: the year's average without works less the plan's.
    pub renovation_kwh_m2: f64,
    /// From the dwellings sold or demolished: the baseline average less that of the
    /// baseline's dwellings still there, without works.
    pub sales_and_demolitions_kwh_m2: f64,
    /// From the new builds: the average of the baseline's dwellings still there less that of
    /// the whole stock, without works (0 when the path applies to the existing dwellings).
    pub new_build_kwh_m2: f64,
}

/// [`ReductionSources`] of every planning year; empty for a frozen stock.
pub fn reduction_sources(run: &PlanRun) -> Vec<ReductionSources> {
    let o = &run.prepared.options;
    if !o.has_stock_changes() {
        return Vec::new();
    }
    let baseline = o.totals.path_average();
    run.evaluation
        .trajectory
        .iter()
        .filter(|r| !r.baseline)
        .enumerate()
        .map(|(t, r)| {
            let totals = o.year_totals(t);
            let (existing, path) = (totals.existing.path_average(), totals.path.path_average());
            ReductionSources {
                year: r.year,
                renovation_kwh_m2: path - r.path_achieved_kwh_m2,
                sales_and_demolitions_kwh_m2: baseline - existing,
                new_build_kwh_m2: existing - path,
            }
        })
        .collect()
}

/// Dwellings with one label.
#[derive(Debug, Clone, Serialize)]
pub struct LabelCount {
    /// The label.
    pub label: &'static str,
    /// Dwellings.
    pub count: u64,
}

/// The phrases of a budget relief, shared by the terminal and the page: the missed targets that
/// more budget or capacity would meet, the extra per year, and the complexes it would fund.
pub(crate) struct ReliefWords {
    /// Targets met with more, in words (years as ranges).
    pub met: String,
    /// "YEAR € X" per year over the budget, comma-separated (empty when none).
    pub budget_by_year: String,
    /// "YEAR +N" per year over the capacity, comma-separated (empty when none).
    pub capacity_by_year: String,
    /// The first complexes funded, comma-separated, and how many more there are.
    pub complexes: (String, usize),
    /// Targets missed at any budget, in words.
    pub missed: String,
}

impl ReliefWords {
    /// The phrases of `relief`, naming at most `shown` complexes.
    pub(crate) fn of(relief: &crate::relief::ResourceRelief, shown: usize) -> ReliefWords {
        use crate::relief::describe;
        use text::{euros, grouped};
        let funded = &relief.complexes_funded;
        ReliefWords {
            met: describe(&relief.met_with_more),
            budget_by_year: relief
                .extra_budget_eur
                .iter()
                .map(|e| format!("{} {}", e.year, euros(e.value)))
                .collect::<Vec<_>>()
                .join(", "),
            capacity_by_year: relief
                .extra_dwellings
                .iter()
                .map(|e| format!("{} +{}", e.year, grouped(e.value)))
                .collect::<Vec<_>>()
                .join(", "),
            complexes: (
                funded[..funded.len().min(shown)].join(", "),
                funded.len().saturating_sub(shown),
            ),
            missed: describe(&relief.missed_at_any_budget),
        }
    }
}

/// What the bound is when the plan meets its targets.
pub const BOUND_OF_COST: &str =
    "the LP relaxation: no plan meeting the same targets has a lower discounted cost";

/// What the bound is when a branch and bound stopped at its budget proved more than the LP
/// relaxation.
pub const BOUND_OF_SEARCH: &str = "the branch and bound's least bound over its open nodes (each an LP relaxation), above the LP relaxation of the whole problem: no plan meeting the same targets has a lower discounted cost";

/// What the bound is when the plan misses targets: penalties weigh the shortfalls.
pub const BOUND_WITH_PENALTIES: &str = "the LP relaxation, on discounted cost plus the penalties that weigh missed targets (weights, not costs): no plan does better on both together";

/// Whether the lower bound is a branch and bound's, above the LP relaxation's optimum.
pub fn bound_from_search(lower_bound_eur: Option<f64>, lp_bound_eur: Option<f64>) -> bool {
    match (lower_bound_eur, lp_bound_eur) {
        (Some(bound), Some(lp)) => bound > lp + 1e-9 * lp.abs().max(1.0),
        _ => false,
    }
}

impl Summary {
    /// The lower bound's source in a few words, for the terminal and the page.
    pub fn bound_name(&self) -> &'static str {
        if bound_from_search(self.lower_bound_eur, self.lp_bound_eur) {
            "branch and bound"
        } else {
            "LP relaxation"
        }
    }
}

/// `summary.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// heatpath version.
    pub heatpath_version: &'static str,
    /// Scenario file.
    pub scenario: String,
    /// Stock file.
    pub stock: String,
    /// Catalogue (`built-in` or a file).
    pub catalogue: String,
    /// Solver.
    pub solver: &'static str,
    /// Solver status (`heuristic`, `optimal`, `feasible`, `limit`).
    pub status: &'static str,
    /// Why the solver of the plan stopped (`converged`, `proven optimal`, `stopped at the time
    /// limit`, `stopped at the iteration limit`).
    pub termination: &'static str,
    /// Every target met.
    pub all_targets_met: bool,
    /// Dwellings.
    pub dwellings: usize,
    /// Decision units.
    pub units: usize,
    /// Units the plan treats.
    pub units_treated: usize,
    /// (unit, package) options after pruning.
    pub options: usize,
    /// Options pruned.
    pub options_pruned: usize,
    /// First planning year.
    pub first_year: u16,
    /// Last planning year.
    pub last_year: u16,
    /// Discounted investment (euros, discounted to the first year).
    pub objective_eur: f64,
    /// Investment in euros of the years of works, on the basis of `cost_basis`.
    pub total_investment_eur: f64,
    /// What the euros include: VAT, overheads, price level.
    pub cost_basis: CostBasisInfo,
    /// What the bills, energy use and CO2 are computed on: actual or calculated use.
    pub energy_use_basis: EnergyUseBasis,
    /// Solver's lower bound on the objective, if it has one.
    pub lower_bound_eur: Option<f64>,
    /// (objective + penalty − bound) / bound, if there is a bound.
    pub gap: Option<f64>,
    /// Optimum of the LP relaxation (penalties included), when an LP was solved.
    pub lp_bound_eur: Option<f64>,
    /// Penalties the exact model charges for the plan's missed targets (0 when all are met).
    pub penalty_eur: Option<f64>,
    /// Penalties per unit of slack in the exact model.
    pub penalties: Option<crate::optimise::model::Penalties>,
    /// Shadow prices of the coupling rows.
    pub shadow_prices: Option<crate::optimise::lp::ShadowPrices>,
    /// What the lower bound is, in words (and whether it carries penalties).
    pub bound_basis: &'static str,
    /// For a plan missing targets under budget or capacity limits: the extra budget and
    /// capacity per year the plan without limits uses, the targets that would meet, and the
    /// complexes it would fund.
    pub budget_relief: Option<crate::relief::ResourceRelief>,
    /// Units fractional in the LP relaxation.
    pub fractional_units: Option<usize>,
    /// LP backend.
    pub lp_backend: Option<&'static str>,
    /// Seconds per stage of the exact solve.
    pub lp_stage_seconds: Vec<(&'static str, f64)>,
    /// LP model size: columns and rows.
    pub lp_columns: Option<usize>,
    /// LP model rows.
    pub lp_rows: Option<usize>,
    /// Other solvers on the same problem (`--compare`).
    pub comparison: Vec<crate::pipeline::ComparisonRow>,
    /// The stock today.
    pub baseline: YearFigures,
    /// The stock in the last planning year.
    pub last: YearFigures,
    /// Where the path metric's fall comes from per year (renovation, sales and demolitions,
    /// new build), when the stock moves.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reduction_sources: Vec<ReductionSources>,
    /// Targets and what the plan achieves.
    pub targets: Vec<TargetResult>,
    /// The hard targets missed (subset of `targets`; expected outcomes are not "missed").
    pub missed: Vec<TargetResult>,
    /// Households markedly improved by the plan and their average saving.
    pub households_improved: crate::tenants::HouseholdsImproved,
    /// The path as given, with its provenance note.
    pub path: PathInfo,
    /// Seconds per stage.
    pub timings_s: Timings,
    /// Solver iterations or steps.
    pub iterations: u64,
    /// Remarks.
    pub notes: Vec<String>,
    /// What the reader found out about the stock file: columns read and ignored, values mapped
    /// by default, placeholders, skipped rows, suspicious values.
    pub data_report: Vec<String>,
    /// Dwellings whose registered label contradicts their registered EP2 (the model follows the
    /// EP2), at most [`LABEL_CONFLICTS_LISTED`]; `label_conflicts_total` counts them all.
    pub label_conflicts: Vec<crate::stock::LabelConflict>,
    /// Number of such dwellings.
    pub label_conflicts_total: usize,
}

/// Label conflicts listed per dwelling in `summary.json`.
pub const LABEL_CONFLICTS_LISTED: usize = 1000;
/// The basis of every euro of investment in the outputs.
#[derive(Debug, Clone, Serialize)]
pub struct CostBasisInfo {
    /// Costs include VAT (a corporation cannot reclaim it).
    pub vat_included: bool,
    /// Standard VAT rate.
    pub vat_rate: f64,
    /// Reduced rate on the labour share of insulation works.
    pub vat_rate_insulation_labour: f64,
    /// Labour share of insulation works.
    pub insulation_labour_share: f64,
    /// Overheads (bijkomende kosten) as a share of direct costs.
    pub overhead_rate: f64,
    /// Price level of the catalogue; later years are escalated.
    pub price_level_year: u16,
    /// The basis in words, as the report and workbook state it.
    pub label: String,
}

impl CostBasisInfo {
    /// The cost basis of a catalogue.
    pub fn of(catalogue: &crate::catalogue::Catalogue) -> CostBasisInfo {
        let b = &catalogue.cost_basis;
        let vat_included = b.prices_include_vat || b.vat_rate > 0.0;
        let label = match (vat_included, b.overhead_rate > 0.0) {
            (true, true) => "incl. BTW en bijkomende kosten",
            (true, false) => "incl. BTW, excl. bijkomende kosten",
            (false, true) => "excl. BTW, incl. bijkomende kosten",
            (false, false) => "excl. BTW en bijkomende kosten",
        };
        CostBasisInfo {
            vat_included,
            vat_rate: b.vat_rate,
            vat_rate_insulation_labour: b.vat_rate_insulation_labour,
            insulation_labour_share: b.insulation_labour_share,
            overhead_rate: b.overhead_rate,
            price_level_year: catalogue.price_base_year,
            label: format!("{label}, prijspeil {}", catalogue.price_base_year),
        }
    }
}

/// What tenants' bills, energy use and CO2 are computed on (EP2, labels and the path are always
/// on the NTA 8800 calculation).
#[derive(Debug, Clone, Serialize)]
pub struct EnergyUseBasis {
    /// Actual (metered-like) use; `false`: the NTA 8800 calculation.
    pub actual: bool,
    /// Elasticity of actual to calculated use (see `energy_use`); 1 without the correction.
    pub elasticity: f64,
    /// Calibrated scale of the correction; 1 without it.
    pub scale: f64,
    /// The basis in words, as the terminal, report and workbook state it.
    pub label: String,
}

impl EnergyUseBasis {
    /// The basis of a scenario's actual-use setting.
    pub fn of(actual_use: &crate::energy_use::ActualUse) -> EnergyUseBasis {
        if actual_use.enabled {
            EnergyUseBasis {
                actual: true,
                elasticity: actual_use.elasticity,
                scale: actual_use.scale,
                label: "actual use (NTA 8800 corrected to metered use)".to_string(),
            }
        } else {
            EnergyUseBasis {
                actual: false,
                elasticity: 1.0,
                scale: 1.0,
                label: "calculated use (NTA 8800), not metered use".to_string(),
            }
        }
    }
}

/// The path's definition, for the summary.
#[derive(Debug, Clone, Serialize)]
pub struct PathInfo {
    /// Relative or absolute.
    pub kind: crate::scenario::PathKind,
    /// Metric.
    pub metric: crate::scenario::PathMetric,
    /// Averaging.
    pub averaging: crate::scenario::Averaging,
    /// Provenance, e.g. that it is illustrative.
    pub note: String,
}

fn figures(r: &crate::evaluate::TrajectoryRow) -> YearFigures {
    YearFigures {
        year: r.year,
        avg_heat_demand_kwh_m2: r.avg_heat_demand_kwh_m2,
        avg_ep2_kwh_m2: r.avg_ep2_kwh_m2,
        label_a_or_better_share: r.label_a_or_better_share,
        gas_free_count: r.gas_free_count,
        efg_count: r.efg_count,
        low_temp_ready_share: r.low_temp_ready_share,
        tenant_savings_eur: r.tenant_savings_eur,
        co2_tonnes: r.co2_tonnes,
        direct_co2_kg_m2: r.direct_co2_kg_m2,
        gas_free_conversions: r.gas_free_conversions,
        dwellings: r.dwellings,
        dwellings_new_build: r.dwellings_new_build,
        dwellings_removed: r.dwellings_removed,
        ready_for_sustainable_heat_share: r.ready_for_sustainable_heat_share,
        labels: crate::label::EnergyLabel::ALL
            .iter()
            .zip(r.label_counts)
            .map(|(l, count)| LabelCount {
                label: l.as_str(),
                count,
            })
            .collect(),
    }
}

/// The summary of a run.
pub fn summary(run: &PlanRun) -> Summary {
    let p = &run.prepared;
    let e = &run.evaluation;
    let mut notes = run.solution.notes.clone();
    notes.extend(p.scenario.notes.iter().cloned());
    if run.unreachable_efg.0 > 0 {
        notes.push(format!(
            "{} E/F/G dwellings in {} units cannot be lifted to D or better by any package of the catalogue (for example monuments with solid walls){}: the phase-out target is missed by at least that many whatever the plan",
            run.unreachable_efg.0,
            run.unreachable_efg.1,
            if p.scenario.portfolio.complexes.is_some() {
                ", or are in complexes the portfolio table excludes"
            } else {
                ""
            }
        ));
    }
    if p.scenario
        .path
        .note
        .to_ascii_uppercase()
        .contains("ILLUSTRATIVE")
    {
        notes.push("The path is illustrative, not the official reduction path.".into());
    }
    Summary {
        heatpath_version: env!("CARGO_PKG_VERSION"),
        scenario: p.scenario.source.display().to_string(),
        stock: p.scenario.stock.display().to_string(),
        catalogue: p.catalogue.source.clone(),
        solver: run.solver,
        status: run.solution.status.as_str(),
        termination: run.solution.termination.as_str(),
        all_targets_met: e.all_targets_met(),
        dwellings: p.stock.len(),
        units: p.units.len(),
        units_treated: run.solution.plan.n_assigned(),
        options: p.options.len(),
        options_pruned: p.options.pruned,
        first_year: p.scenario.first_year,
        last_year: p.scenario.last_year,
        objective_eur: e.objective_eur,
        total_investment_eur: e.total_investment_eur,
        cost_basis: CostBasisInfo::of(&p.catalogue),
        energy_use_basis: EnergyUseBasis::of(&p.scenario.energy.actual_use),
        lower_bound_eur: run.solution.lower_bound_eur,
        gap: run.gap(),
        lp_bound_eur: run.solution.details.lp_bound_eur.or_else(|| {
            run.comparison.iter().find_map(|c| {
                (c.solver == "lp" || c.solver == "milp")
                    .then_some(c.lower_bound_eur)
                    .flatten()
            })
        }),
        penalty_eur: run.penalty_eur,
        penalties: run.solution.details.penalties,
        shadow_prices: run.solution.details.shadow_prices.clone(),
        bound_basis: if run.penalty_eur.is_some_and(|p| p > 0.0) {
            BOUND_WITH_PENALTIES
        } else if bound_from_search(
            run.solution.lower_bound_eur,
            run.solution.details.lp_bound_eur,
        ) {
            BOUND_OF_SEARCH
        } else {
            BOUND_OF_COST
        },
        budget_relief: run.relief.clone(),
        fractional_units: run.solution.details.fractional_units,
        lp_backend: run.solution.details.backend,
        lp_stage_seconds: run.solution.details.stage_seconds.clone(),
        lp_columns: run.solution.details.columns,
        lp_rows: run.solution.details.rows,
        comparison: run.comparison.clone(),
        baseline: figures(&e.trajectory[0]),
        last: figures(e.trajectory.last().unwrap_or(&e.trajectory[0])),
        reduction_sources: reduction_sources(run),
        targets: e.targets.clone(),
        missed: e
            .targets
            .iter()
            .filter(|t| t.hard && !t.met)
            .cloned()
            .collect(),
        households_improved: e.households_improved.clone(),
        path: PathInfo {
            kind: p.scenario.path.kind,
            metric: p.scenario.path.metric,
            averaging: p.scenario.path.averaging,
            note: p.scenario.path.note.clone(),
        },
        timings_s: p.timings,
        iterations: run.solution.iterations,
        notes,
        data_report: p.read_report.lines(),
        label_conflicts: p
            .read_report
            .label_conflicts
            .iter()
            .take(LABEL_CONFLICTS_LISTED)
            .cloned()
            .collect(),
        label_conflicts_total: p.read_report.label_conflicts.len(),
    }
}

/// Writes every output of `run` into `out`, replacing what was there only when all are written.
/// Returns the timings including the write.
pub fn write_outputs(run: &mut PlanRun, out: &Path, started: Instant) -> Result<Timings, Error> {
    let t = Instant::now();
    let write_error = |source| Error::Write {
        path: out.to_path_buf(),
        source,
    };
    let dir = OutputDir::create(out).map_err(write_error)?;
    let shared: &PlanRun = run;
    let draft = summary(shared);
    // The workbook is written on one thread (its zip stream is sequential) while the tables,
    // charts and page are written on the others.
    let (workbook, rest) = rayon::join(
        || {
            dir.write("plan.xlsx", |w| {
                xlsx::write_workbook(w, shared, &draft).map_err(std::io::Error::other)
            })
        },
        || -> std::io::Result<()> {
            dir.write("trajectory.csv", |w| tables::write_trajectory(w, shared))?;
            dir.write("plan.csv", |w| tables::write_plan(w, shared))?;
            dir.write("plan_dwellings.csv", |w| {
                tables::write_plan_dwellings(w, shared)
            })?;
            let data = charts::ChartData::of(shared);
            let mut svgs = Vec::with_capacity(charts::ChartKind::ALL.len());
            for kind in charts::ChartKind::ALL
                .into_iter()
                .filter(|k| k.applies(&data))
            {
                let svg = charts::svg(kind, &data).map_err(std::io::Error::other)?;
                dir.write(&format!("{}.svg", kind.file_stem()), |w| {
                    w.write_all(svg.as_bytes())
                })?;
                charts::png(
                    kind,
                    &data,
                    &dir.staged_path(&format!("{}.png", kind.file_stem())),
                )
                .map_err(std::io::Error::other)?;
                svgs.push((kind, svg));
            }
            let page = html::report(shared, &draft, &svgs);
            dir.write("report.html", |w| w.write_all(page.as_bytes()))
        },
    );
    workbook.map_err(write_error)?;
    rest.map_err(write_error)?;
    run.prepared.timings.write = t.elapsed().as_secs_f64();
    run.prepared.timings.total = started.elapsed().as_secs_f64();
    let summary = summary(run);
    dir.write("summary.json", |w| {
        serde_json::to_writer_pretty(&mut *w, &summary).map_err(std::io::Error::other)?;
        w.write_all(b"\n")
    })
    .map_err(write_error)?;
    dir.commit().map_err(write_error)?;
    Ok(run.prepared.timings)
}

use std::io::Write as _;
