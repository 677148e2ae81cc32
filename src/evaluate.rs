//! The one evaluator: from stock, plan and scenario it computes every dwelling's state and cost,
//! the yearly trajectory and every target. Solvers, reports and tests all take their figures from
//! here, so no solver can report a number its plan does not produce.

use rayon::prelude::*;
use serde::Serialize;

use crate::catalogue::{Catalogue, HeatingChange, Moment};
use crate::dynamics::StockChanges;
use crate::label::EnergyLabel;
use crate::options::{boiler_end_of_life, path_metric, path_weight, Baseline, DecisionUnits};
use crate::performance::{DwellingModel, HeatDemandCache, Performance, State};
use crate::plan::{Choice, Plan};
use crate::scenario::{Averaging, GasFreeBasis, PathMetric, PathStock, Scenario};
use crate::stock::Stock;
use crate::tenants::HouseholdsImproved;

/// One dwelling's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DwellingOutcome {
    /// Its decision unit.
    pub unit: u32,
    /// The package and year, if the plan treats it.
    pub choice: Option<Choice>,
    /// Cost (euros of the year of works).
    pub cost_eur: f64,
    /// Discounted cost.
    pub discounted_cost_eur: f64,
    /// Today.
    pub before: Performance,
    /// After the plan (equal to `before` when untouched).
    pub after: Performance,
}

/// One unit's outcome (sums over its dwellings).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct UnitOutcome {
    /// The package and year, if any.
    pub choice: Option<Choice>,
    /// Dwellings.
    pub dwellings: u32,
    /// Cost (euros of the year of works).
    pub cost_eur: f64,
    /// Discounted cost.
    pub discounted_cost_eur: f64,
    /// Σ Ag × (Q_H,nd before − after) (kWh/yr).
    pub heat_demand_reduction_kwh: f64,
}

/// The stock in one year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrajectoryRow {
    /// Calendar year (the baseline row carries the baseline year).
    pub year: u16,
    /// The baseline row (before any measure).
    pub baseline: bool,
    /// Average Q_H,nd (kWh/m² yr), averaged as the scenario says.
    pub avg_heat_demand_kwh_m2: f64,
    /// Average EP2 (kWh/m² yr), same averaging.
    pub avg_ep2_kwh_m2: f64,
    /// The path value for this year in the path's metric, if any.
    pub path_target_kwh_m2: Option<f64>,
    /// Dwellings per label, A++++ first.
    pub label_counts: [u64; 11],
    /// Share of dwellings at label A or better.
    pub label_a_or_better_share: f64,
    /// E/F/G dwellings.
    pub efg_count: u64,
    /// Gas-free dwellings.
    pub gas_free_count: u64,
    /// Existing dwellings with gas at the baseline made gas-free so far (each counted once; a
    /// dwelling on district heating or a heat pump at the baseline is not a conversion).
    pub gas_free_conversions: u64,
    /// Households markedly improved so far (see [`crate::tenants::ImprovedDefinition`]).
    pub households_improved: u64,
    /// Their average yearly energy-bill saving on actual use (euros a year; 0 when none).
    pub avg_saving_per_improved_household_eur: f64,
    /// Direct CO2 of the gas burnt in the stock per m² of usable area, on actual use
    /// (kg/m² yr; the Aedes benchmark's measure).
    pub direct_co2_kg_m2: f64,
    /// Share of dwellings low-temperature ready.
    pub low_temp_ready_share: f64,
    /// Share of dwellings ready for a sustainable heat source (low or medium temperature).
    pub ready_for_sustainable_heat_share: f64,
    /// Floor-area-weighted average Q_H,nd minus the weighted average isolatiestandaard (kWh/m²).
    pub avg_distance_to_standaard_kwh_m2: f64,
    /// Dwellings treated this year.
    pub dwellings_treated: u64,
    /// Dwellings treated so far.
    pub cumulative_dwellings_treated: u64,
    /// Investment this year (euros of this year).
    pub spend_eur: f64,
    /// Investment this year, discounted.
    pub discounted_spend_eur: f64,
    /// Investment so far.
    pub cumulative_spend_eur: f64,
    /// This year's budget, if any.
    pub budget_eur: Option<f64>,
    /// CO2 of the stock's heating, tap water and auxiliaries (tonnes/yr).
    pub co2_tonnes: f64,
    /// Tenants' yearly energy-bill saving against the baseline (euros/yr), of the dwellings
    /// renovated and still in the stock.
    pub tenant_savings_eur: f64,
    /// Dwellings in the stock this year (new builds in, dwellings sold or demolished out).
    pub dwellings: u64,
    /// New-build dwellings joined so far.
    pub dwellings_new_build: u64,
    /// Dwellings sold or demolished so far.
    pub dwellings_removed: u64,
    /// The path metric's average over the stock the path applies to (`[path] stock`): what the
    /// path target is compared with. Equal to the stock's average unless the path applies to
    /// the existing dwellings only and new builds have joined.
    pub path_achieved_kwh_m2: f64,
    /// Dwellings of the baseline still in the stock that had gas at the baseline: the most
    /// conversions can reach this year.
    pub gas_convertible_existing: u64,
}

/// What a target measures. Kinds were strings once; an enum lets the compiler check every match
/// and keeps the stable key (in files) apart from the words (in reports), which had drifted: an
/// EP2 path was shown as its raw key, and the sector called its miss a heat-demand path miss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TargetKind {
    /// The reduction path on the average net heat demand (Q_H,nd), in every year it sets.
    HeatDemandPath,
    /// The reduction path on the average EP2 (primary fossil energy), in every year it sets.
    Ep2Path,
    /// The share of dwellings at label A or better in the target year.
    LabelAShare,
    /// Gas-free dwellings in the stock in the target year.
    GasFreeDwellings,
    /// Dwellings with gas at the baseline made gas-free by the target year.
    GasFreeConversions,
    /// The share of dwellings ready for a sustainable heat source in the target year.
    ReadyForSustainableHeat,
    /// No E/F/G dwelling, in every year from the phase-out year on.
    EfgPhaseOut,
    /// The year's budget: a limit on spending, not a goal.
    Budget,
    /// The year's capacity in dwellings treated: a limit, not a goal.
    Capacity,
}

impl TargetKind {
    /// Every kind, in the order the evaluator reports them.
    pub const ALL: [TargetKind; 9] = [
        TargetKind::HeatDemandPath,
        TargetKind::Ep2Path,
        TargetKind::LabelAShare,
        TargetKind::GasFreeDwellings,
        TargetKind::GasFreeConversions,
        TargetKind::ReadyForSustainableHeat,
        TargetKind::EfgPhaseOut,
        TargetKind::Budget,
        TargetKind::Capacity,
    ];

    /// The stable identifier written to summary.json, plan.xlsx and the CSV files. These keys
    /// are part of the file formats: never change one, or files written before stop matching.
    pub fn key(self) -> &'static str {
        match self {
            TargetKind::HeatDemandPath => "heat_demand_path",
            TargetKind::Ep2Path => "ep2_path",
            TargetKind::LabelAShare => "label_a_share",
            TargetKind::GasFreeDwellings => "gas_free_dwellings",
            TargetKind::GasFreeConversions => "gas_free_conversions",
            TargetKind::ReadyForSustainableHeat => "ready_for_sustainable_heat",
            TargetKind::EfgPhaseOut => "efg_phase_out",
            TargetKind::Budget => "budget",
            TargetKind::Capacity => "capacity",
        }
    }

    /// The kind in words, as the report and the terminal's sentences name it.
    pub fn name(self) -> &'static str {
        match self {
            TargetKind::HeatDemandPath => "heat-demand path",
            TargetKind::Ep2Path => "EP2 path",
            TargetKind::LabelAShare => "label A or better",
            TargetKind::GasFreeDwellings => "gas-free dwellings",
            TargetKind::GasFreeConversions => "dwellings made gas-free",
            TargetKind::ReadyForSustainableHeat => "ready for a sustainable heat source",
            TargetKind::EfgPhaseOut => "no E/F/G",
            TargetKind::Budget => "budget",
            TargetKind::Capacity => "capacity",
        }
    }

    /// The kind of `key` (the inverse of [`TargetKind::key`]), for reading files back.
    pub fn from_key(key: &str) -> Option<TargetKind> {
        TargetKind::ALL.into_iter().find(|k| k.key() == key)
    }

    /// The path's kind for the scenario's path metric.
    pub fn path(metric: PathMetric) -> TargetKind {
        match metric {
            PathMetric::HeatDemand => TargetKind::HeatDemandPath,
            PathMetric::Ep2 => TargetKind::Ep2Path,
        }
    }

    /// The gas-free target's kind for how the scenario counts it.
    pub fn gas_free(basis: GasFreeBasis) -> TargetKind {
        match basis {
            GasFreeBasis::Conversions => TargetKind::GasFreeConversions,
            GasFreeBasis::Stock => TargetKind::GasFreeDwellings,
        }
    }

    /// A limit on the means (budget, capacity) rather than a goal of the plan: more money or
    /// capacity relieves goals, so relief and verdicts treat limits apart.
    pub fn is_limit(self) -> bool {
        matches!(self, TargetKind::Budget | TargetKind::Capacity)
    }
}

impl std::fmt::Display for TargetKind {
    /// The words ([`TargetKind::name`]); files use [`TargetKind::key`].
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for TargetKind {
    /// As its key, so that summary.json reads as it did when kinds were strings.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.key())
    }
}

/// A target and what the plan achieves.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetResult {
    /// What the target measures (written as `name`, its key, in summary.json).
    #[serde(rename = "name")]
    pub kind: TargetKind,
    /// The year it applies to.
    pub year: u16,
    /// The target value (kWh/m², share, dwellings or euros).
    pub target: f64,
    /// The plan's value.
    pub achieved: f64,
    /// Met (within rounding).
    pub met: bool,
    /// By how much it is missed (0 when met), in the target's unit.
    pub shortfall: f64,
    /// Unit of target, achieved and shortfall.
    pub unit: &'static str,
    /// Enforced by the solvers (a constraint); otherwise an expected outcome, reported only.
    pub hard: bool,
}

/// Everything the plan does.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// Per dwelling, in stock order.
    pub dwellings: Vec<DwellingOutcome>,
    /// Per unit.
    pub units: Vec<UnitOutcome>,
    /// Baseline row, then one row per planning year.
    pub trajectory: Vec<TrajectoryRow>,
    /// Targets.
    pub targets: Vec<TargetResult>,
    /// Total investment (euros of the years of works).
    pub total_investment_eur: f64,
    /// Discounted investment: the objective.
    pub objective_eur: f64,
    /// Households markedly improved by the whole plan.
    pub households_improved: HouseholdsImproved,
}

impl Evaluation {
    /// Every hard target met (expected outcomes are reported, not required).
    pub fn all_targets_met(&self) -> bool {
        self.targets.iter().filter(|t| t.hard).all(|t| t.met)
    }
}

/// A plan the evaluator cannot carry out.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvaluateError {
    /// The plan has a different number of units than the stock.
    #[error("the plan has {plan} units but the stock has {stock}")]
    UnitCount {
        /// Units in the plan.
        plan: usize,
        /// Units in the stock.
        stock: usize,
    },
    /// A choice outside the catalogue or the horizon.
    #[error("unit `{unit}`: package index {package} in year {year} is not in the catalogue or the planning horizon")]
    BadChoice {
        /// Unit id.
        unit: String,
        /// Package index.
        package: u16,
        /// Year.
        year: u16,
    },
    /// Works in or after the year the unit leaves the stock.
    #[error("unit `{unit}`: works in {year}, but it leaves the stock in {exit_year}")]
    AfterExit {
        /// Unit id.
        unit: String,
        /// Year of the works.
        year: u16,
        /// The year it leaves.
        exit_year: u16,
    },
    /// A package a rule forbids for one of the unit's dwellings.
    #[error(
        "unit `{unit}`: package `{package}` cannot be applied to dwelling `{dwelling}`: {reason}"
    )]
    NotApplicable {
        /// Unit id.
        unit: String,
        /// Package id.
        package: String,
        /// Dwelling id.
        dwelling: String,
        /// The rule.
        reason: &'static str,
    },
}

/// A dwelling a unit's choice treats, as found in parallel and then put in place.
struct TreatedDwelling {
    index: usize,
    cost_eur: f64,
    discounted_cost_eur: f64,
    after: Performance,
}

/// Evaluates `plan` for `stock` under `scenario`.
pub fn evaluate(
    stock: &Stock,
    units: &DecisionUnits,
    baseline: &Baseline,
    catalogue: &Catalogue,
    scenario: &Scenario,
    changes: &StockChanges,
    plan: &Plan,
) -> Result<Evaluation, EvaluateError> {
    if plan.choices.len() != units.len() {
        return Err(EvaluateError::UnitCount {
            plan: plan.choices.len(),
            stock: units.len(),
        });
    }
    let model = DwellingModel {
        params: &scenario.model,
        energy: &scenario.energy,
    };
    let n_years = scenario.n_years();
    // In parallel: on the sector stock this is half a gigabyte of fresh memory to fill.
    let mut dwellings: Vec<DwellingOutcome> = (0..stock.dwellings.len())
        .into_par_iter()
        .map(|i| DwellingOutcome {
            unit: units.unit_of_dwelling[i],
            choice: None,
            cost_eur: 0.0,
            discounted_cost_eur: 0.0,
            before: baseline.before[i],
            after: baseline.before[i],
        })
        .collect();
    // Units are evaluated in parallel, a batch at a time; their dwellings' outcomes are then put
    // in place in unit order, so the first error reported is the first unit's.
    let evaluate_unit = |u: usize| -> Result<(UnitOutcome, Vec<TreatedDwelling>), EvaluateError> {
        let choice = plan.choices[u];
        let members = units.members(u);
        let mut outcome = UnitOutcome {
            choice,
            dwellings: members.len() as u32,
            cost_eur: 0.0,
            discounted_cost_eur: 0.0,
            heat_demand_reduction_kwh: 0.0,
        };
        let Some(choice) = choice else {
            return Ok((outcome, Vec::new()));
        };
        let unit = &units.units[u];
        let package = catalogue
            .packages
            .get(choice.package as usize)
            .filter(|_| (scenario.first_year..=scenario.last_year).contains(&choice.year))
            .ok_or_else(|| EvaluateError::BadChoice {
                unit: unit.id.clone(),
                package: choice.package,
                year: choice.year,
            })?;
        if let Some(exit) = changes.exit_of(u).filter(|e| choice.year >= e.year) {
            return Err(EvaluateError::AfterExit {
                unit: unit.id.clone(),
                year: choice.year,
                exit_year: exit.year,
            });
        }
        let escalation = scenario.escalation_factor(catalogue.price_base_year, choice.year);
        let discount = scenario.discount_factor(choice.year);
        let moment = if unit.envelope_natural_year == Some(choice.year) {
            Moment::Natural
        } else {
            Moment::Standalone
        };
        let mut after_states = Vec::with_capacity(members.len());
        let mut cache = HeatDemandCache::default();
        for &i in members {
            let i = i as usize;
            let d = &stock.dwellings[i];
            let not_applicable = |reason| EvaluateError::NotApplicable {
                unit: unit.id.clone(),
                package: package.id().to_string(),
                dwelling: d.id.clone(),
                reason,
            };
            let app = catalogue
                .apply(package, d, unit.price, &scenario.model)
                .map_err(|_| not_applicable("no district-heating network is available"))?;
            let after = model.performance_after(
                d,
                &baseline.basis[i],
                &baseline.before[i],
                &State::after(&app),
                &mut cache,
            );
            if package.heating() == Some(HeatingChange::HeatPump)
                && app.heating != d.heating
                && !after.low_temp_ready
            {
                return Err(not_applicable(
                    "an all-electric heat pump needs the dwelling low-temperature ready after the package",
                ));
            }
            let end_of_life = boiler_end_of_life(
                d,
                catalogue.heating.boiler_lifetime_years,
                scenario.first_year,
            ) == Some(choice.year);
            let cost = if app.changes_anything {
                app.cost_eur(moment, end_of_life, catalogue.boiler_credit_eur()) * escalation
            } else {
                0.0
            };
            outcome.cost_eur += cost;
            outcome.discounted_cost_eur += cost * discount;
            outcome.heat_demand_reduction_kwh +=
                d.floor_area_m2 * (baseline.before[i].qh_nd_kwh_m2 - after.qh_nd_kwh_m2);
            after_states.push(TreatedDwelling {
                index: i,
                cost_eur: cost,
                discounted_cost_eur: cost * discount,
                after,
            });
        }
        Ok((outcome, after_states))
    };
    const BATCH: usize = 4096;
    let mut unit_outcomes = Vec::with_capacity(units.len());
    for first in (0..units.len()).step_by(BATCH) {
        let batch: Vec<_> = (first..(first + BATCH).min(units.len()))
            .into_par_iter()
            .map(evaluate_unit)
            .collect();
        for result in batch {
            let (outcome, after_states) = result?;
            for treated in after_states {
                let o = &mut dwellings[treated.index];
                o.choice = outcome.choice;
                o.cost_eur = treated.cost_eur;
                o.discounted_cost_eur = treated.discounted_cost_eur;
                o.after = treated.after;
            }
            unit_outcomes.push(outcome);
        }
    }

    let trajectory = trajectory(stock, &dwellings, changes, scenario, n_years);
    let targets = targets(scenario, &trajectory);
    let total_investment_eur = unit_outcomes.iter().map(|u| u.cost_eur).sum();
    let objective_eur = unit_outcomes.iter().map(|u| u.discounted_cost_eur).sum();
    let last = trajectory.last().unwrap_or(&trajectory[0]);
    let households_improved = HouseholdsImproved {
        count: last.households_improved,
        avg_saving_eur_per_year: last.avg_saving_per_improved_household_eur,
        definition: scenario.households_improved.describe(),
    };
    Ok(Evaluation {
        dwellings,
        units: unit_outcomes,
        trajectory,
        targets,
        total_investment_eur,
        objective_eur,
        households_improved,
    })
}

/// Sums of one state of the stock, added up over dwellings.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    weight: f64,
    heat_demand: f64,
    ep2: f64,
    area: f64,
    area_heat_demand: f64,
    area_standaard: f64,
    labels: [i64; 11],
    gas_free: i64,
    low_temp_ready: i64,
    ready: i64,
    co2_kg: f64,
    direct_co2_kg: f64,
    bill_saving_eur: f64,
    conversions: i64,
    improved: i64,
    improved_saving_eur: f64,
    dwellings: i64,
    new_build: i64,
    removed: i64,
    /// Path weight and sums of the new builds, to take the existing dwellings' average.
    new_build_weight: f64,
    new_build_heat_demand: f64,
    new_build_ep2: f64,
    /// Existing dwellings in the stock that had gas at the baseline.
    convertible: i64,
}

impl Sums {
    /// Adds `count` dwellings in state `p` (a negative count takes them out).
    fn add(&mut self, count: f64, w: f64, area: f64, standaard: f64, p: &Performance) {
        let s = count as i64;
        self.weight += count * w;
        self.heat_demand += count * w * p.qh_nd_kwh_m2;
        self.ep2 += count * w * p.ep2_kwh_m2;
        self.area += count * area;
        self.area_heat_demand += count * area * p.qh_nd_kwh_m2;
        self.area_standaard += count * area * standaard;
        self.labels[p.label.index()] += s;
        self.gas_free += s * i64::from(p.gas_free);
        self.low_temp_ready += s * i64::from(p.low_temp_ready);
        self.ready += s * i64::from(p.ready_for_sustainable_heat);
        self.co2_kg += count * p.co2_kg;
        self.direct_co2_kg += count * p.direct_co2_kg;
    }

    /// What a dwelling's works change (`sign` −1 takes them back out, as when it leaves).
    fn add_works(
        &mut self,
        sign: i64,
        scenario: &Scenario,
        before: &Performance,
        after: &Performance,
    ) {
        // Counted per dwelling, once, in the year of its works.
        if !before.gas_free && after.gas_free {
            self.conversions += sign;
        }
        if scenario.households_improved.is_improved(before, after) {
            self.improved += sign;
            self.improved_saving_eur +=
                sign as f64 * (before.energy_bill_eur - after.energy_bill_eur);
        }
        self.bill_saving_eur += sign as f64 * (before.energy_bill_eur - after.energy_bill_eur);
    }

    fn merge(&mut self, other: &Sums) {
        self.weight += other.weight;
        self.heat_demand += other.heat_demand;
        self.ep2 += other.ep2;
        self.area += other.area;
        self.area_heat_demand += other.area_heat_demand;
        self.area_standaard += other.area_standaard;
        for (a, b) in self.labels.iter_mut().zip(other.labels) {
            *a += b;
        }
        self.gas_free += other.gas_free;
        self.low_temp_ready += other.low_temp_ready;
        self.ready += other.ready;
        self.co2_kg += other.co2_kg;
        self.direct_co2_kg += other.direct_co2_kg;
        self.bill_saving_eur += other.bill_saving_eur;
        self.conversions += other.conversions;
        self.improved += other.improved;
        self.improved_saving_eur += other.improved_saving_eur;
        self.dwellings += other.dwellings;
        self.new_build += other.new_build;
        self.removed += other.removed;
        self.new_build_weight += other.new_build_weight;
        self.new_build_heat_demand += other.new_build_heat_demand;
        self.new_build_ep2 += other.new_build_ep2;
        self.convertible += other.convertible;
    }
}

fn trajectory(
    stock: &Stock,
    dwellings: &[DwellingOutcome],
    changes: &StockChanges,
    scenario: &Scenario,
    n_years: usize,
) -> Vec<TrajectoryRow> {
    let averaging = scenario.path.averaging;
    let mut base = Sums::default();
    let mut delta = vec![Sums::default(); n_years];
    let mut spend = vec![0.0; n_years];
    let mut discounted = vec![0.0; n_years];
    let mut treated = vec![0u64; n_years];
    let year_index = |year: u16| usize::from(year.saturating_sub(scenario.first_year));
    for (d, o) in stock.dwellings.iter().zip(dwellings) {
        let w = path_weight(averaging, d);
        let std = o.before.standaard_kwh_m2;
        base.add(1.0, w, d.floor_area_m2, std, &o.before);
        base.dwellings += 1;
        base.convertible += i64::from(!o.before.gas_free);
        let mut now = &o.before;
        if let Some(choice) = o.choice {
            let t = year_index(choice.year);
            delta[t].add(-1.0, w, d.floor_area_m2, std, &o.before);
            delta[t].add(1.0, w, d.floor_area_m2, std, &o.after);
            delta[t].add_works(1, scenario, &o.before, &o.after);
            spend[t] += o.cost_eur;
            discounted[t] += o.discounted_cost_eur;
            treated[t] += 1;
            now = &o.after;
        }
        // A dwelling sold or demolished leaves every figure from its year on, its works with it.
        if let Some(exit) = changes.exit_of(o.unit as usize) {
            let e = year_index(exit.year);
            if e < n_years {
                let out = &mut delta[e];
                out.add(-1.0, w, d.floor_area_m2, std, now);
                if o.choice.is_some() {
                    out.add_works(-1, scenario, &o.before, &o.after);
                }
                out.dwellings -= 1;
                out.removed += 1;
                out.convertible -= i64::from(!o.before.gas_free);
            }
        }
    }
    for cohort in &changes.new_build {
        let t = year_index(cohort.year);
        if t >= n_years {
            continue;
        }
        let count = f64::from(cohort.dwellings);
        let p = &cohort.performance;
        let w = path_weight(averaging, &cohort.dwelling);
        let into = &mut delta[t];
        into.add(
            count,
            w,
            cohort.dwelling.floor_area_m2,
            p.standaard_kwh_m2,
            p,
        );
        into.dwellings += i64::from(cohort.dwellings);
        into.new_build += i64::from(cohort.dwellings);
        into.new_build_weight += count * w;
        into.new_build_heat_demand += count * w * p.qh_nd_kwh_m2;
        into.new_build_ep2 += count * w * p.ep2_kwh_m2;
    }
    let baseline_average = match scenario.path.metric {
        PathMetric::HeatDemand => base.heat_demand / base.weight.max(1e-12),
        PathMetric::Ep2 => base.ep2 / base.weight.max(1e-12),
    };
    let row = |year: u16,
               is_base: bool,
               s: &Sums,
               spend: f64,
               disc: f64,
               cum: f64,
               treated: u64,
               cum_treated: u64,
               budget: Option<f64>| {
        let labels: [u64; 11] = s.labels.map(|c| c.max(0) as u64);
        let n = (s.dwellings.max(0) as f64).max(1e-12);
        let (path_sum, path_weight) = match (scenario.path.stock, scenario.path.metric) {
            (PathStock::Whole, PathMetric::HeatDemand) => (s.heat_demand, s.weight),
            (PathStock::Whole, PathMetric::Ep2) => (s.ep2, s.weight),
            (PathStock::Existing, PathMetric::HeatDemand) => (
                s.heat_demand - s.new_build_heat_demand,
                s.weight - s.new_build_weight,
            ),
            (PathStock::Existing, PathMetric::Ep2) => {
                (s.ep2 - s.new_build_ep2, s.weight - s.new_build_weight)
            }
        };
        TrajectoryRow {
            year,
            baseline: is_base,
            avg_heat_demand_kwh_m2: s.heat_demand / s.weight.max(1e-12),
            avg_ep2_kwh_m2: s.ep2 / s.weight.max(1e-12),
            path_target_kwh_m2: if is_base {
                None
            } else {
                scenario.path_target(year, baseline_average)
            },
            label_counts: labels,
            label_a_or_better_share: EnergyLabel::ALL
                .iter()
                .filter(|l| l.is_a_or_better())
                .map(|l| labels[l.index()] as f64)
                .sum::<f64>()
                / n,
            efg_count: EnergyLabel::ALL
                .iter()
                .filter(|l| l.is_efg())
                .map(|l| labels[l.index()])
                .sum(),
            gas_free_count: s.gas_free.max(0) as u64,
            gas_free_conversions: s.conversions.max(0) as u64,
            households_improved: s.improved.max(0) as u64,
            avg_saving_per_improved_household_eur: if s.improved > 0 {
                s.improved_saving_eur / s.improved as f64
            } else {
                0.0
            },
            direct_co2_kg_m2: s.direct_co2_kg / s.area.max(1e-12),
            low_temp_ready_share: s.low_temp_ready as f64 / n,
            ready_for_sustainable_heat_share: s.ready as f64 / n,
            avg_distance_to_standaard_kwh_m2: (s.area_heat_demand - s.area_standaard)
                / s.area.max(1e-12),
            dwellings_treated: treated,
            cumulative_dwellings_treated: cum_treated,
            spend_eur: spend,
            discounted_spend_eur: disc,
            cumulative_spend_eur: cum,
            budget_eur: budget,
            co2_tonnes: s.co2_kg / 1000.0,
            tenant_savings_eur: s.bill_saving_eur,
            dwellings: s.dwellings.max(0) as u64,
            dwellings_new_build: s.new_build.max(0) as u64,
            dwellings_removed: s.removed.max(0) as u64,
            path_achieved_kwh_m2: path_sum / path_weight.max(1e-12),
            gas_convertible_existing: s.convertible.max(0) as u64,
        }
    };
    let mut rows = Vec::with_capacity(n_years + 1);
    rows.push(row(
        scenario.baseline_year(),
        true,
        &base,
        0.0,
        0.0,
        0.0,
        0,
        0,
        None,
    ));
    let mut state = base;
    let mut cumulative = 0.0;
    let mut cumulative_treated = 0;
    for t in 0..n_years {
        state.merge(&delta[t]);
        cumulative += spend[t];
        cumulative_treated += treated[t];
        rows.push(row(
            scenario.first_year + t as u16,
            false,
            &state,
            spend[t],
            discounted[t],
            cumulative,
            treated[t],
            cumulative_treated,
            scenario.budget_eur[t],
        ));
    }
    rows
}

fn targets(scenario: &Scenario, trajectory: &[TrajectoryRow]) -> Vec<TargetResult> {
    let mut out = Vec::new();
    let row_of = |year: u16| trajectory.iter().find(|r| !r.baseline && r.year == year);
    let path_kind = TargetKind::path(scenario.path.metric);
    for r in trajectory.iter().filter(|r| !r.baseline) {
        if let Some(target) = r.path_target_kwh_m2 {
            let achieved = r.path_achieved_kwh_m2;
            let shortfall = (achieved - target).max(0.0);
            out.push(TargetResult {
                kind: path_kind,
                year: r.year,
                target,
                achieved,
                met: shortfall <= 1e-6 * target.abs().max(1.0),
                shortfall,
                unit: "kWh/m2",
                hard: true,
            });
        }
    }
    let clamp = |year: u16| year.clamp(scenario.first_year, scenario.last_year);
    // Each count target on the stock of its year.
    let n_baseline = trajectory[0].dwellings;
    if let Some(share) = scenario.targets.label_a_share {
        let year = scenario.targets.label_a_year;
        if year <= scenario.last_year {
            if let Some(r) = row_of(clamp(year)) {
                let n = r.dwellings;
                let required = (share * n as f64).ceil() / n.max(1) as f64;
                let shortfall = (required - r.label_a_or_better_share).max(0.0);
                out.push(TargetResult {
                    kind: TargetKind::LabelAShare,
                    year: r.year,
                    target: share,
                    achieved: r.label_a_or_better_share,
                    met: shortfall <= 1e-12,
                    shortfall,
                    unit: "share",
                    hard: scenario.targets.label_a_hard,
                });
            }
        }
    }
    if let Some(required) = scenario.gas_free_target(n_baseline as usize) {
        let year = scenario.targets.gas_free_year;
        if year <= scenario.last_year {
            if let Some(r) = row_of(clamp(year)) {
                // Conversions: as many as the target asks of the baseline stock, of the
                // existing dwellings still there; gas-free dwellings: a share of that year's.
                let required = match scenario.targets.gas_free_basis {
                    GasFreeBasis::Conversions => required,
                    GasFreeBasis::Stock => scenario
                        .gas_free_target(r.dwellings as usize)
                        .unwrap_or(required),
                };
                // Counted as the target is written: conversions since the baseline (each
                // dwelling once), or gas-free dwellings in the stock.
                let achieved = match scenario.targets.gas_free_basis {
                    GasFreeBasis::Conversions => r.gas_free_conversions as f64,
                    GasFreeBasis::Stock => r.gas_free_count as f64,
                };
                let required = required.min(match scenario.targets.gas_free_basis {
                    GasFreeBasis::Conversions => r.gas_convertible_existing as f64,
                    GasFreeBasis::Stock => r.dwellings as f64,
                });
                let shortfall = (required - achieved).max(0.0);
                out.push(TargetResult {
                    kind: TargetKind::gas_free(scenario.targets.gas_free_basis),
                    year: r.year,
                    target: required,
                    achieved,
                    met: shortfall == 0.0,
                    shortfall,
                    unit: "dwellings",
                    hard: scenario.targets.gas_free_hard,
                });
            }
        }
    }
    if let Some(share) = scenario.targets.ready_share {
        let year = scenario.targets.ready_year;
        if year <= scenario.last_year {
            if let Some(r) = row_of(clamp(year)) {
                let n = r.dwellings;
                let required = (share * n as f64).ceil() / n.max(1) as f64;
                let shortfall = (required - r.ready_for_sustainable_heat_share).max(0.0);
                out.push(TargetResult {
                    kind: TargetKind::ReadyForSustainableHeat,
                    year: r.year,
                    target: share,
                    achieved: r.ready_for_sustainable_heat_share,
                    met: shortfall <= 1e-12,
                    shortfall,
                    unit: "share",
                    hard: scenario.targets.ready_hard,
                });
            }
        }
    }
    // The phase-out holds in every year from its year on: one target per year, so that a
    // dwelling left E/F/G after the deadline is seen (and caught up) in the years after it.
    if let Some(year) = scenario.targets.efg_phase_out_year {
        if year <= scenario.last_year {
            for y in clamp(year)..=scenario.last_year {
                if let Some(r) = row_of(y) {
                    out.push(TargetResult {
                        kind: TargetKind::EfgPhaseOut,
                        year: r.year,
                        target: 0.0,
                        achieved: r.efg_count as f64,
                        met: r.efg_count == 0,
                        shortfall: r.efg_count as f64,
                        unit: "dwellings",
                        hard: true,
                    });
                }
            }
        }
    }
    for (t, r) in trajectory.iter().filter(|r| !r.baseline).enumerate() {
        if let Some(budget) = r.budget_eur {
            let shortfall = (r.spend_eur - budget).max(0.0);
            out.push(TargetResult {
                kind: TargetKind::Budget,
                year: r.year,
                target: budget,
                achieved: r.spend_eur,
                met: shortfall <= 1e-6 * budget.max(1.0),
                shortfall,
                unit: "eur",
                hard: true,
            });
        }
        if let Some(capacity) = scenario.capacity_dwellings[t] {
            let achieved = r.dwellings_treated as f64;
            let shortfall = (achieved - capacity).max(0.0);
            out.push(TargetResult {
                kind: TargetKind::Capacity,
                year: r.year,
                target: capacity,
                achieved,
                met: shortfall <= 1e-9,
                shortfall,
                unit: "dwellings",
                hard: true,
            });
        }
    }
    out
}

/// The floor-area-weighted average of the path metric today, used to turn a relative path into
/// kWh/m² (exposed for reports that show the path without a plan).
pub fn baseline_path_average(
    stock: &Stock,
    baseline: &Baseline,
    averaging: Averaging,
    metric: PathMetric,
) -> f64 {
    let (mut w, mut s) = (0.0, 0.0);
    for (d, p) in stock.dwellings.iter().zip(&baseline.before) {
        let weight = path_weight(averaging, d);
        w += weight;
        s += weight * path_metric(metric, p);
    }
    if w > 0.0 {
        s / w
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_target_kind_has_its_own_key_and_words() {
        for (i, a) in TargetKind::ALL.iter().enumerate() {
            assert_eq!(TargetKind::from_key(a.key()), Some(*a));
            assert_eq!(a.to_string(), a.name());
            for b in &TargetKind::ALL[i + 1..] {
                assert_ne!(a.key(), b.key());
                assert_ne!(a.name(), b.name());
            }
        }
        assert_eq!(TargetKind::from_key("heat demand"), None);
    }

    #[test]
    fn a_target_is_written_with_its_key_as_name() {
        let t = TargetResult {
            kind: TargetKind::Ep2Path,
            year: 2030,
            target: 150.0,
            achieved: 150.0,
            met: true,
            shortfall: 0.0,
            unit: "kWh/m2",
            hard: true,
        };
        let json = serde_json::to_value(&t).unwrap();
        assert_eq!(json["name"], "ep2_path");
        assert!(json.get("kind").is_none());
    }
}
