//! A stock that moves: complexes that leave it (sold or demolished, from the portfolio table)
//! and new-build projects that join it (the new-build table). Every yearly figure is taken on
//! that year's stock: the options carry per unit the year it leaves and per year the stock's
//! totals before measures ([`crate::options::YearTotals`]), the evaluator the same changes per
//! dwelling.
//!
//! The conventions, which the evaluator and every solver's rows share:
//! - a dwelling that leaves in year Y is in the stock up to Y − 1 and in no figure from Y on,
//!   its works included (a converted dwelling sold later no longer counts as a conversion: the
//!   letter's count is of the corporations' stock);
//! - a new-build dwelling completed in year Y is in the stock from Y on, at its own performance
//!   (the BENG figures unless the table gives its own); it is no renovation: no cost, no
//!   conversion, no household improved;
//! - the path applies to the whole stock of each year or to the baseline's dwellings still in it
//!   (`[path] stock`).

use serde::Serialize;

use crate::options::{path_metric, path_weight, Baseline, DecisionUnits, Totals, YearTotals};
use crate::performance::Performance;
use crate::scenario::{PathStock, Scenario};
use crate::stock::{Dwelling, Stock};

/// How a complex leaves the stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExitKind {
    /// Sold (verkoop).
    Sold,
    /// Demolished (sloop).
    Demolished,
}

impl ExitKind {
    /// Name as written in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            ExitKind::Sold => "sold",
            ExitKind::Demolished => "demolished",
        }
    }
}

/// A unit's leaving the stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Exit {
    /// The first year it is no longer in the stock.
    pub year: u16,
    /// Sold or demolished.
    pub kind: ExitKind,
}

/// The dwellings of one new-build project, all alike.
#[derive(Debug, Clone)]
pub struct NewBuildCohort {
    /// The project's name (its unit in the outputs).
    pub project: String,
    /// The year its dwellings join the stock.
    pub year: u16,
    /// Number of dwellings.
    pub dwellings: u32,
    /// One of its dwellings as the dwelling model takes it.
    pub dwelling: Dwelling,
    /// That dwelling's performance.
    pub performance: Performance,
}

/// What joins and leaves the stock within the horizon.
#[derive(Debug, Clone, Default)]
pub struct StockChanges {
    /// Per unit, when it leaves the stock (empty when no unit does).
    pub exits: Vec<Option<Exit>>,
    /// New-build projects, in the order of their table.
    pub new_build: Vec<NewBuildCohort>,
    /// The stock the path applies to.
    pub path_stock: PathStock,
    /// What the tables and stock columns gave that was accepted but looks off (a new build above
    /// its BENG limit, a complex whose dwellings' planned exits differ), for the summary.
    pub notes: Vec<String>,
}

impl StockChanges {
    /// A frozen stock within the horizon ending in `last_year`: nothing joins, nothing leaves
    /// by then.
    pub fn is_frozen(&self, last_year: u16) -> bool {
        self.new_build.is_empty()
            && self
                .exits
                .iter()
                .all(|e| e.is_none_or(|e| e.year > last_year))
    }

    /// When unit `u` leaves the stock, if it does.
    pub fn exit_of(&self, u: usize) -> Option<Exit> {
        self.exits.get(u).copied().flatten()
    }

    /// Per unit the planning year index from which it is out of the stock (`n_years` for a unit
    /// that stays, or leaves after the horizon); empty for a frozen stock.
    pub fn until_index(&self, scenario: &Scenario) -> Vec<u16> {
        if self.exits.iter().all(Option::is_none) {
            return Vec::new();
        }
        let n = scenario.n_years() as u16;
        self.exits
            .iter()
            .map(|e| e.map_or(n, |e| e.year.saturating_sub(scenario.first_year).min(n)))
            .collect()
    }

    /// Dwellings that joined the stock by `year` (new builds completed then or before).
    pub fn new_build_dwellings_by(&self, year: u16) -> u64 {
        self.new_build
            .iter()
            .filter(|c| c.year <= year)
            .map(|c| u64::from(c.dwellings))
            .sum()
    }

    /// The stock's totals before measures in every planning year; empty for a frozen stock.
    pub fn year_totals(
        &self,
        stock: &Stock,
        units: &DecisionUnits,
        baseline: &Baseline,
        scenario: &Scenario,
        baseline_totals: &Totals,
    ) -> Vec<YearTotals> {
        if self.is_frozen(scenario.last_year) {
            return Vec::new();
        }
        let metric = scenario.path.metric;
        let averaging = scenario.path.averaging;
        // What each leaving unit and each project takes away or adds.
        let leaving: Vec<(u16, Totals)> = (0..units.len())
            .filter_map(|u| {
                let exit = self.exit_of(u)?;
                let mut t = Totals::default();
                for &i in units.members(u) {
                    let i = i as usize;
                    t.add_dwelling(
                        &stock.dwellings[i],
                        &baseline.before[i],
                        1.0,
                        metric,
                        averaging,
                    );
                }
                Some((exit.year, t))
            })
            .collect();
        let joining: Vec<(u16, Totals)> = self
            .new_build
            .iter()
            .map(|c| {
                let mut t = Totals::default();
                t.add_dwelling(
                    &c.dwelling,
                    &c.performance,
                    f64::from(c.dwellings),
                    metric,
                    averaging,
                );
                (c.year, t)
            })
            .collect();
        scenario
            .years()
            .map(|year| {
                let mut existing = *baseline_totals;
                for (_, t) in leaving.iter().filter(|(y, _)| *y <= year) {
                    existing.subtract(t);
                }
                let mut whole = existing;
                for (_, t) in joining.iter().filter(|(y, _)| *y <= year) {
                    whole.plus(t);
                }
                YearTotals {
                    whole,
                    existing,
                    path: match self.path_stock {
                        PathStock::Whole => whole,
                        PathStock::Existing => existing,
                    },
                }
            })
            .collect()
    }
}

impl Totals {
    /// Adds `count` dwellings like `dwelling` with performance `p`.
    pub fn add_dwelling(
        &mut self,
        dwelling: &Dwelling,
        p: &Performance,
        count: f64,
        metric: crate::scenario::PathMetric,
        averaging: crate::scenario::Averaging,
    ) {
        let w = path_weight(averaging, dwelling) * count;
        self.dwellings += count;
        self.floor_area_m2 += dwelling.floor_area_m2 * count;
        self.path_weight += w;
        self.path_sum += w * path_metric(metric, p);
        self.label_a += count * f64::from(u8::from(p.label.is_a_or_better()));
        self.gas_free += count * f64::from(u8::from(p.gas_free));
        self.efg += count * f64::from(u8::from(p.label.is_efg()));
        self.low_temp_ready += count * f64::from(u8::from(p.low_temp_ready));
    }

    fn plus(&mut self, other: &Totals) {
        self.combine(other, 1.0);
    }

    fn subtract(&mut self, other: &Totals) {
        self.combine(other, -1.0);
    }

    fn combine(&mut self, o: &Totals, sign: f64) {
        self.dwellings += sign * o.dwellings;
        self.floor_area_m2 += sign * o.floor_area_m2;
        self.path_weight += sign * o.path_weight;
        self.path_sum += sign * o.path_sum;
        self.label_a += sign * o.label_a;
        self.gas_free += sign * o.gas_free;
        self.efg += sign * o.efg;
        self.low_temp_ready += sign * o.low_temp_ready;
    }
}
