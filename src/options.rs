//! Decision units and their options.
//!
//! The decision unit is the complex where the stock has complex ids (envelope works are done per
//! block: every dwelling gets the same package in the same year), else the dwelling. A unit's
//! options are (package, year) pairs plus "nothing". A package's effects do not depend on the
//! year, only its cost does (escalation, and the natural moments: the complex's planned
//! maintenance year for envelope works, each boiler's end of life for heating changes), so
//! options are stored per (unit, package) with a cost function of the year.

use std::ops::Range;

use rayon::prelude::*;

use crate::catalogue::{Catalogue, Family, HeatingChange, PriceClass, Scale};
use crate::performance::{DwellingBasis, DwellingModel, HeatDemandCache, Performance, State};
use crate::plan::{Choice, Plan};
use crate::scenario::{Averaging, PathMetric, Scenario};
use crate::stock::{Dwelling, Stock};

/// A decision unit: a complex, or a dwelling without one.
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionUnit {
    /// Complex id, or the dwelling id.
    pub id: String,
    /// Its dwellings: a range into [`DecisionUnits::dwelling_order`].
    pub members: Range<u32>,
    /// Prices: single/multi-family by the first dwelling's type; project for complexes.
    pub price: PriceClass,
    /// The complex's planned maintenance year (most common among its dwellings).
    pub envelope_natural_year: Option<u16>,
}

/// The stock grouped into decision units, in order of first appearance.
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionUnits {
    /// Units.
    pub units: Vec<DecisionUnit>,
    /// Dwelling indices grouped by unit.
    pub dwelling_order: Vec<u32>,
    /// The unit of each dwelling.
    pub unit_of_dwelling: Vec<u32>,
}

impl DecisionUnits {
    /// Groups a stock into units.
    pub fn from_stock(stock: &Stock) -> DecisionUnits {
        let n = stock.dwellings.len();
        // Unit index per complex, in order of first appearance; loose dwellings follow in order.
        let mut unit_of_complex: Vec<Option<u32>> = vec![None; stock.complexes.len()];
        let mut unit_of_dwelling = vec![0u32; n];
        let mut n_units = 0u32;
        for (i, d) in stock.dwellings.iter().enumerate() {
            let unit = match d.complex {
                Some(c) => *unit_of_complex[c as usize].get_or_insert_with(|| {
                    n_units += 1;
                    n_units - 1
                }),
                None => {
                    n_units += 1;
                    n_units - 1
                }
            };
            unit_of_dwelling[i] = unit;
        }
        let mut counts = vec![0u32; n_units as usize + 1];
        for &u in &unit_of_dwelling {
            counts[u as usize + 1] += 1;
        }
        for u in 0..n_units as usize {
            counts[u + 1] += counts[u];
        }
        let starts = counts.clone();
        let mut fill = counts;
        let mut dwelling_order = vec![0u32; n];
        for (i, &u) in unit_of_dwelling.iter().enumerate() {
            dwelling_order[fill[u as usize] as usize] = i as u32;
            fill[u as usize] += 1;
        }
        let units = (0..n_units as usize)
            .map(|u| {
                let members = starts[u]..starts[u + 1];
                let first = &stock.dwellings[dwelling_order[members.start as usize] as usize];
                let is_complex = first.complex.is_some();
                let id = match first.complex {
                    Some(c) => stock.complexes.get(c).to_string(),
                    None => first.id.clone(),
                };
                let member_dwellings = dwelling_order[members.start as usize..members.end as usize]
                    .iter()
                    .map(|&i| &stock.dwellings[i as usize]);
                DecisionUnit {
                    id,
                    price: PriceClass {
                        family: if first.dwelling_type.is_ground_level() {
                            Family::Single
                        } else {
                            Family::Multi
                        },
                        scale: if is_complex && members.len() > 1 {
                            Scale::Project
                        } else {
                            Scale::Individual
                        },
                    },
                    envelope_natural_year: most_common_year(
                        member_dwellings.filter_map(|d| d.planned_maintenance_year),
                    ),
                    members,
                }
            })
            .collect();
        DecisionUnits {
            units,
            dwelling_order,
            unit_of_dwelling,
        }
    }

    /// The dwelling indices of unit `u`.
    pub fn members(&self, u: usize) -> &[u32] {
        let r = &self.units[u].members;
        &self.dwelling_order[r.start as usize..r.end as usize]
    }

    /// Number of units.
    pub fn len(&self) -> usize {
        self.units.len()
    }

    /// No units.
    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }
}

/// The most common value; ties go to the earliest year.
fn most_common_year(years: impl Iterator<Item = u16>) -> Option<u16> {
    let mut years: Vec<u16> = years.collect();
    if years.is_empty() {
        return None;
    }
    years.sort_unstable();
    let mut best = (years[0], 0usize);
    let mut run = (years[0], 0usize);
    for &y in &years {
        if y == run.0 {
            run.1 += 1;
        } else {
            run = (y, 1);
        }
        if run.1 > best.1 {
            best = run;
        }
    }
    Some(best.0)
}

/// The year a dwelling's boiler reaches its natural replacement moment within the horizon:
/// install year plus lifetime, brought forward to the first planning year when overdue.
pub fn boiler_end_of_life(
    dwelling: &Dwelling,
    lifetime_years: u16,
    first_year: u16,
) -> Option<u16> {
    if !dwelling.heating.has_boiler() {
        return None;
    }
    dwelling
        .boiler_install_year
        .map(|y| y.saturating_add(lifetime_years).max(first_year))
}

/// How a dwelling counts in the path average.
pub fn path_weight(averaging: Averaging, dwelling: &Dwelling) -> f64 {
    match averaging {
        Averaging::FloorArea => dwelling.floor_area_m2,
        Averaging::Dwelling => 1.0,
    }
}

/// The path metric of a performance.
pub fn path_metric(metric: PathMetric, p: &Performance) -> f64 {
    match metric {
        PathMetric::HeatDemand => p.qh_nd_kwh_m2,
        PathMetric::Ep2 => p.ep2_kwh_m2,
    }
}

/// Totals of the stock (or a unit) before any measure.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Totals {
    /// Dwellings.
    pub dwellings: f64,
    /// Usable floor area (m²).
    pub floor_area_m2: f64,
    /// Sum of path weights.
    pub path_weight: f64,
    /// Sum of weight × path metric.
    pub path_sum: f64,
    /// Dwellings at label A or better.
    pub label_a: f64,
    /// Gas-free dwellings.
    pub gas_free: f64,
    /// E/F/G dwellings.
    pub efg: f64,
    /// Low-temperature-ready dwellings.
    pub low_temp_ready: f64,
}

impl Totals {
    /// The path metric's average.
    pub fn path_average(&self) -> f64 {
        if self.path_weight > 0.0 {
            self.path_sum / self.path_weight
        } else {
            0.0
        }
    }
}

/// Options of every unit, as structure-of-arrays over (unit, package) pairs.
#[derive(Debug, Clone, Default)]
pub struct OptionSet {
    /// First planning year.
    pub first_year: u16,
    /// Number of planning years.
    pub n_years: usize,
    /// Options of unit u are `unit_start[u]..unit_start[u + 1]`.
    pub unit_start: Vec<u32>,
    /// Catalogue index of the package.
    pub package: Vec<u16>,
    /// Reduction of Σ weight × path metric (kWh/yr for floor-area-weighted heat demand).
    pub path_reduction: Vec<f64>,
    /// Reduction of the heat demand Σ Ag × Q_H,nd (kWh/yr).
    pub heat_demand_reduction_kwh: Vec<f64>,
    /// Dwellings newly at label A or better (net).
    pub label_a_gain: Vec<i32>,
    /// Dwellings newly gas-free (net).
    pub gas_free_gain: Vec<i32>,
    /// E/F/G dwellings left after the package.
    pub efg_after: Vec<u32>,
    /// Dwellings newly low-temperature ready (net).
    pub low_temp_ready_gain: Vec<i32>,
    /// Tenants' yearly bill saving (euros).
    pub bill_saving_eur: Vec<f64>,
    /// Yearly CO2 saving (kg).
    pub co2_saving_kg: Vec<f64>,
    /// Cost at standalone moments, price base year.
    pub cost_standalone_eur: Vec<f64>,
    /// Saving when the envelope works fall on the unit's natural year.
    pub natural_saving_eur: Vec<f64>,
    /// The package replaces gas boilers, earning the boiler credit at their end of life.
    pub credits_boilers: Vec<bool>,
    /// Per unit, per planning year: boilers reaching end of life (0 outside the horizon).
    pub boiler_end_of_life_count: Vec<u32>,
    /// Per unit: index of the natural envelope year in the horizon.
    pub natural_year_index: Vec<Option<u16>>,
    /// Per unit: number of dwellings.
    pub unit_dwellings: Vec<u32>,
    /// Per unit: E/F/G dwellings before.
    pub unit_efg_before: Vec<u32>,
    /// Escalation factor per planning year.
    pub escalation: Vec<f64>,
    /// Discount factor per planning year.
    pub discount: Vec<f64>,
    /// Avoided boiler replacement (price base year).
    pub boiler_credit_eur: f64,
    /// Stock totals before measures.
    pub totals: Totals,
    /// Options removed as infeasible, ineffective or dominated.
    pub pruned: usize,
    /// Per unit: the first planning year index it may take works in (the portfolio table's
    /// `not_before`; `n_years`, no year, for a complex the corporation excludes and for one
    /// whose works it has committed, which the pipeline adds to every plan). Empty: every year.
    pub first_year_index: Vec<u16>,
    /// Per unit: the planning year index from which it is no longer in the stock (sold or
    /// demolished in the portfolio table): no works from then on, and its dwellings count in no
    /// yearly figure from then on. `n_years` for a unit that stays; empty: every unit stays.
    pub until_index: Vec<u16>,
    /// Per planning year: the stock's totals before measures in that year (dwellings sold or
    /// demolished by then left out, new builds completed by then added). Empty: a frozen stock,
    /// every year's totals are [`OptionSet::totals`].
    pub year_totals: Vec<YearTotals>,
}

/// The stock of one planning year before measures, as the targets of that year count it.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct YearTotals {
    /// Every dwelling in the stock that year, new builds included.
    pub whole: Totals,
    /// The dwellings of the baseline still in the stock that year (what renovation can change).
    pub existing: Totals,
    /// The stock the path applies to (the scenario's `[path] stock`): `whole` or `existing`.
    pub path: Totals,
}

impl OptionSet {
    /// Number of units.
    pub fn n_units(&self) -> usize {
        self.unit_start.len().saturating_sub(1)
    }

    /// Number of (unit, package) options.
    pub fn len(&self) -> usize {
        self.package.len()
    }

    /// No options at all.
    pub fn is_empty(&self) -> bool {
        self.package.is_empty()
    }

    /// The options of unit `u`.
    pub fn of_unit(&self, u: usize) -> Range<usize> {
        self.unit_start[u] as usize..self.unit_start[u + 1] as usize
    }

    /// The planning year indices unit `u` may take works in (every solver enumerates a unit's
    /// choices over these only): from the portfolio table's first year to the year it leaves
    /// the stock.
    #[inline]
    pub fn years_of(&self, u: usize) -> Range<usize> {
        let until = self.until_of(u);
        let first = self.first_year_index.get(u).map_or(0, |&t| usize::from(t));
        first.min(until)..until
    }

    /// The year index from which unit `u` is no longer in the stock (`n_years` when it stays).
    #[inline]
    pub fn until_of(&self, u: usize) -> usize {
        self.until_index
            .get(u)
            .map_or(self.n_years, |&t| usize::from(t).min(self.n_years))
    }

    /// Whether works of unit `u` in year index `t` count in a yearly figure of year index `y`:
    /// done by then, and the unit still in the stock.
    #[inline]
    pub fn counts(&self, u: usize, t: usize, y: usize) -> bool {
        t <= y && y < self.until_of(u)
    }

    /// The stock's totals before measures in year index `t`.
    pub fn year_totals(&self, t: usize) -> YearTotals {
        self.year_totals.get(t).copied().unwrap_or(YearTotals {
            whole: self.totals,
            existing: self.totals,
            path: self.totals,
        })
    }

    /// The stock moves within the horizon (units leave it, or new builds join it).
    pub fn has_stock_changes(&self) -> bool {
        !self.year_totals.is_empty()
            || self
                .until_index
                .iter()
                .any(|&t| usize::from(t) < self.n_years)
    }

    /// Whether unit `u` may take works in year index `t`.
    #[inline]
    pub fn allows(&self, u: usize, t: usize) -> bool {
        self.years_of(u).contains(&t)
    }

    /// The unit an option belongs to (binary search; for reporting, not hot loops).
    pub fn unit_of(&self, option: usize) -> usize {
        self.unit_start.partition_point(|&s| s as usize <= option) - 1
    }

    /// Nominal cost of option `o` in planning year index `t` (euros of that year).
    #[inline]
    pub fn cost_eur(&self, u: usize, o: usize, t: usize) -> f64 {
        let mut cost = self.cost_standalone_eur[o];
        if self.natural_year_index[u] == Some(t as u16) {
            cost -= self.natural_saving_eur[o];
        }
        if self.credits_boilers[o] {
            cost -= self.boiler_credit_eur
                * f64::from(self.boiler_end_of_life_count[u * self.n_years + t]);
        }
        cost * self.escalation[t]
    }

    /// Discounted cost (objective contribution) of option `o` in year index `t`.
    #[inline]
    pub fn discounted_cost_eur(&self, u: usize, o: usize, t: usize) -> f64 {
        self.cost_eur(u, o, t) * self.discount[t]
    }

    /// The planning year of index `t`.
    pub fn year(&self, t: usize) -> u16 {
        self.first_year + t as u16
    }

    /// The option set of `units` only (in that order), for solving a part of the problem; option
    /// `k` of the result is option `map[k]` of `self`.
    pub fn subset(&self, units: &[usize]) -> (OptionSet, Vec<usize>) {
        let mut sub = OptionSet {
            first_year: self.first_year,
            n_years: self.n_years,
            escalation: self.escalation.clone(),
            discount: self.discount.clone(),
            boiler_credit_eur: self.boiler_credit_eur,
            totals: self.totals,
            year_totals: self.year_totals.clone(),
            ..OptionSet::default()
        };
        let mut map = Vec::new();
        sub.unit_start.push(0);
        for &u in units {
            for k in self.of_unit(u) {
                map.push(k);
                sub.package.push(self.package[k]);
                sub.path_reduction.push(self.path_reduction[k]);
                sub.heat_demand_reduction_kwh
                    .push(self.heat_demand_reduction_kwh[k]);
                sub.label_a_gain.push(self.label_a_gain[k]);
                sub.gas_free_gain.push(self.gas_free_gain[k]);
                sub.efg_after.push(self.efg_after[k]);
                sub.low_temp_ready_gain.push(self.low_temp_ready_gain[k]);
                sub.bill_saving_eur.push(self.bill_saving_eur[k]);
                sub.co2_saving_kg.push(self.co2_saving_kg[k]);
                sub.cost_standalone_eur.push(self.cost_standalone_eur[k]);
                sub.natural_saving_eur.push(self.natural_saving_eur[k]);
                sub.credits_boilers.push(self.credits_boilers[k]);
            }
            sub.unit_start.push(sub.package.len() as u32);
            sub.boiler_end_of_life_count.extend_from_slice(
                &self.boiler_end_of_life_count[u * self.n_years..(u + 1) * self.n_years],
            );
            sub.natural_year_index.push(self.natural_year_index[u]);
            if !self.first_year_index.is_empty() {
                sub.first_year_index.push(self.first_year_index[u]);
            }
            if !self.until_index.is_empty() {
                sub.until_index.push(self.until_index[u]);
            }
            sub.unit_dwellings.push(self.unit_dwellings[u]);
            sub.unit_efg_before.push(self.unit_efg_before[u]);
        }
        (sub, map)
    }

    /// The plan of per-unit (option, year index) choices.
    pub fn plan(&self, choices: &[Option<(usize, usize)>]) -> Plan {
        Plan {
            choices: choices
                .iter()
                .map(|c| {
                    c.map(|(o, t)| Choice {
                        package: self.package[o],
                        year: self.year(t),
                    })
                })
                .collect(),
        }
    }
}

/// Progress callback for long builds: (units done, units in total).
pub type BuildProgress<'a> = &'a (dyn Fn(usize, usize) + Sync);

/// Effects and costs of one package on one unit, before pruning.
#[derive(Debug, Clone, Copy, Default)]
struct Candidate {
    package: u16,
    path_reduction: f64,
    heat_demand_reduction_kwh: f64,
    label_a_gain: i32,
    gas_free_gain: i32,
    efg_after: u32,
    low_temp_ready_gain: i32,
    bill_saving_eur: f64,
    co2_saving_kg: f64,
    cost_standalone_eur: f64,
    natural_saving_eur: f64,
    credits_boilers: bool,
}

/// Everything fixed about the dwellings before any measure.
#[derive(Debug, Clone)]
pub struct Baseline {
    /// Calibration and standaard per dwelling.
    pub basis: Vec<DwellingBasis>,
    /// Performance per dwelling today.
    pub before: Vec<Performance>,
}

impl Baseline {
    /// Models every dwelling as it is.
    pub fn new(stock: &Stock, model: &DwellingModel) -> Baseline {
        let (basis, before) = stock
            .dwellings
            .par_iter()
            .map_init(HeatDemandCache::default, |cache, d| {
                model.basis_and_current(d, cache)
            })
            .unzip();
        Baseline { basis, before }
    }
}

/// Builds the options of every unit.
pub fn build_options(
    stock: &Stock,
    units: &DecisionUnits,
    baseline: &Baseline,
    catalogue: &Catalogue,
    scenario: &Scenario,
    progress: Option<BuildProgress>,
) -> OptionSet {
    let model = DwellingModel {
        params: &scenario.model,
        energy: &scenario.energy,
    };
    let n_years = scenario.n_years();
    let first_year = scenario.first_year;
    let metric = scenario.path.metric;
    let averaging = scenario.path.averaging;
    let done = std::sync::atomic::AtomicUsize::new(0);
    // One heat-demand cache per batch of units: complexes alike share calculations across
    // units too (on the sector stock 0.57 M heat balances instead of 3.4 M).
    let per_unit: Vec<(Vec<Candidate>, usize)> = (0..units.len())
        .into_par_iter()
        .map_init(HeatDemandCache::default, |cache, u| {
            let result = unit_candidates(
                stock, units, u, baseline, catalogue, &model, metric, averaging, cache,
            );
            if let Some(report) = progress {
                let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                if n.is_multiple_of(1024) || n == units.len() {
                    report(n, units.len());
                }
            }
            result
        })
        .collect();

    let mut set = OptionSet {
        first_year,
        n_years,
        escalation: scenario
            .years()
            .map(|y| scenario.escalation_factor(catalogue.price_base_year, y))
            .collect(),
        discount: scenario
            .years()
            .map(|y| scenario.discount_factor(y))
            .collect(),
        boiler_credit_eur: catalogue.boiler_credit_eur(),
        ..OptionSet::default()
    };
    set.unit_start.push(0);
    let mut eol = vec![0u32; units.len() * n_years];
    for (u, (candidates, pruned)) in per_unit.into_iter().enumerate() {
        set.pruned += pruned;
        for c in candidates {
            set.package.push(c.package);
            set.path_reduction.push(c.path_reduction);
            set.heat_demand_reduction_kwh
                .push(c.heat_demand_reduction_kwh);
            set.label_a_gain.push(c.label_a_gain);
            set.gas_free_gain.push(c.gas_free_gain);
            set.efg_after.push(c.efg_after);
            set.low_temp_ready_gain.push(c.low_temp_ready_gain);
            set.bill_saving_eur.push(c.bill_saving_eur);
            set.co2_saving_kg.push(c.co2_saving_kg);
            set.cost_standalone_eur.push(c.cost_standalone_eur);
            set.natural_saving_eur.push(c.natural_saving_eur);
            set.credits_boilers.push(c.credits_boilers);
        }
        set.unit_start.push(set.package.len() as u32);
        let unit = &units.units[u];
        set.natural_year_index.push(
            unit.envelope_natural_year
                .filter(|y| (first_year..=scenario.last_year).contains(y))
                .map(|y| y - first_year),
        );
        let members = units.members(u);
        set.unit_dwellings.push(members.len() as u32);
        set.unit_efg_before.push(
            members
                .iter()
                .filter(|&&i| baseline.before[i as usize].label.is_efg())
                .count() as u32,
        );
        for &i in members {
            let d = &stock.dwellings[i as usize];
            if let Some(y) =
                boiler_end_of_life(d, catalogue.heating.boiler_lifetime_years, first_year)
            {
                if y <= scenario.last_year {
                    eol[u * n_years + (y - first_year) as usize] += 1;
                }
            }
        }
    }
    set.boiler_end_of_life_count = eol;
    set.totals = stock_totals(stock, baseline, metric, averaging);
    set
}

/// Totals of the stock before measures.
pub fn stock_totals(
    stock: &Stock,
    baseline: &Baseline,
    metric: PathMetric,
    averaging: Averaging,
) -> Totals {
    let mut t = Totals::default();
    for (d, p) in stock.dwellings.iter().zip(&baseline.before) {
        t.add_dwelling(d, p, 1.0, metric, averaging);
    }
    t
}

#[allow(clippy::too_many_arguments)]
fn unit_candidates(
    stock: &Stock,
    units: &DecisionUnits,
    u: usize,
    baseline: &Baseline,
    catalogue: &Catalogue,
    model: &DwellingModel,
    metric: PathMetric,
    averaging: Averaging,
    cache: &mut HeatDemandCache,
) -> (Vec<Candidate>, usize) {
    let unit = &units.units[u];
    let members = units.members(u);
    let mut candidates = Vec::with_capacity(catalogue.packages.len());
    let mut pruned = 0;
    'packages: for (k, package) in catalogue.packages.iter().enumerate() {
        let mut c = Candidate {
            package: k as u16,
            ..Candidate::default()
        };
        let mut changes = false;
        for &i in members {
            let i = i as usize;
            let d = &stock.dwellings[i];
            let Ok(app) = catalogue.apply(package, d, unit.price, model.params) else {
                pruned += 1;
                continue 'packages;
            };
            if !app.changes_anything {
                let before = &baseline.before[i];
                c.efg_after += u32::from(before.label.is_efg());
                continue;
            }
            changes = true;
            let before = &baseline.before[i];
            let after =
                model.performance_after(d, &baseline.basis[i], before, &State::after(&app), cache);
            if package.heating() == Some(HeatingChange::HeatPump)
                && app.heating != d.heating
                && !after.low_temp_ready
            {
                // The all-electric heat pump needs a low-temperature-ready dwelling.
                pruned += 1;
                continue 'packages;
            }
            let w = path_weight(averaging, d);
            c.path_reduction += w * (path_metric(metric, before) - path_metric(metric, &after));
            c.heat_demand_reduction_kwh +=
                d.floor_area_m2 * (before.qh_nd_kwh_m2 - after.qh_nd_kwh_m2);
            c.label_a_gain +=
                i32::from(after.label.is_a_or_better()) - i32::from(before.label.is_a_or_better());
            c.gas_free_gain += i32::from(after.gas_free) - i32::from(before.gas_free);
            c.efg_after += u32::from(after.label.is_efg());
            c.low_temp_ready_gain +=
                i32::from(after.low_temp_ready) - i32::from(before.low_temp_ready);
            c.bill_saving_eur += before.energy_bill_eur - after.energy_bill_eur;
            c.co2_saving_kg += before.co2_kg - after.co2_kg;
            c.cost_standalone_eur += app.envelope_cost_standalone_eur + app.heating_cost_eur;
            c.natural_saving_eur +=
                app.envelope_cost_standalone_eur - app.envelope_cost_natural_eur;
            c.credits_boilers |= app.replaces_boiler;
        }
        if !changes {
            pruned += 1;
            continue;
        }
        candidates.push(c);
    }
    let before = candidates.len();
    let kept = prune_dominated(candidates, &UnitCostShape::of(units, stock, u));
    pruned += before - kept.len();
    (kept, pruned)
}

/// What decides how a unit's option costs vary by year, for dominance checks.
struct UnitCostShape {
    has_natural_year: bool,
    has_boiler_end_of_life: bool,
}

impl UnitCostShape {
    fn of(units: &DecisionUnits, stock: &Stock, u: usize) -> UnitCostShape {
        UnitCostShape {
            has_natural_year: units.units[u].envelope_natural_year.is_some(),
            has_boiler_end_of_life: units
                .members(u)
                .iter()
                .any(|&i| stock.dwellings[i as usize].heating.has_boiler()),
        }
    }
}

/// Removes options that another option beats or equals on every count: no more expensive in any
/// year, and at least as good on path reduction, label-A gain, gas-free gain and E/F/G left.
fn prune_dominated(mut candidates: Vec<Candidate>, shape: &UnitCostShape) -> Vec<Candidate> {
    // Cheapest first, so that a dominating option is usually already kept.
    candidates.sort_by(|a, b| {
        a.cost_standalone_eur
            .total_cmp(&b.cost_standalone_eur)
            .then(a.package.cmp(&b.package))
    });
    let dominates = |a: &Candidate, b: &Candidate| -> bool {
        let cheaper_standalone = a.cost_standalone_eur <= b.cost_standalone_eur + 1e-9;
        let cheaper_natural = !shape.has_natural_year
            || a.cost_standalone_eur - a.natural_saving_eur
                <= b.cost_standalone_eur - b.natural_saving_eur + 1e-9;
        // A boiler credit lowers cost in some years; without it `a` must be no dearer there too.
        let credit_ok = !shape.has_boiler_end_of_life || a.credits_boilers || !b.credits_boilers;
        cheaper_standalone
            && cheaper_natural
            && credit_ok
            && a.path_reduction >= b.path_reduction - 1e-9
            && a.label_a_gain >= b.label_a_gain
            && a.gas_free_gain >= b.gas_free_gain
            && a.efg_after <= b.efg_after
    };
    let mut kept: Vec<Candidate> = Vec::with_capacity(candidates.len());
    for c in candidates {
        if !kept.iter().any(|k| dominates(k, &c)) {
            kept.retain(|k| !dominates(&c, k));
            kept.push(c);
        }
    }
    kept.sort_by_key(|c| c.package);
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(package: u16, cost: f64, reduction: f64) -> Candidate {
        Candidate {
            package,
            cost_standalone_eur: cost,
            path_reduction: reduction,
            ..Candidate::default()
        }
    }

    #[test]
    fn dominated_options_are_pruned() {
        let shape = UnitCostShape {
            has_natural_year: false,
            has_boiler_end_of_life: false,
        };
        let kept = prune_dominated(
            vec![
                candidate(0, 10.0, 5.0),
                candidate(1, 12.0, 4.0),
                candidate(2, 20.0, 9.0),
                candidate(3, 10.0, 5.0),
            ],
            &shape,
        );
        let ids: Vec<u16> = kept.iter().map(|c| c.package).collect();
        assert_eq!(ids, vec![0, 2]);
    }

    #[test]
    fn a_cheaper_option_without_the_other_targets_is_kept() {
        let shape = UnitCostShape {
            has_natural_year: false,
            has_boiler_end_of_life: false,
        };
        let mut gas_free = candidate(1, 30.0, 2.0);
        gas_free.gas_free_gain = 1;
        let kept = prune_dominated(vec![candidate(0, 10.0, 5.0), gas_free], &shape);
        assert_eq!(kept.len(), 2);
    }

    #[test]
    fn most_common_year_prefers_earliest_on_ties() {
        assert_eq!(
            most_common_year([2030, 2028, 2030, 2028].into_iter()),
            Some(2028)
        );
        assert_eq!(most_common_year([2031, 2030, 2031].into_iter()), Some(2031));
        assert_eq!(most_common_year(std::iter::empty()), None);
    }
}
