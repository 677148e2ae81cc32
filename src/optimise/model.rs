//! The exact optimisation model of DESIGN §7 as plain data: columns (variables) and rows.
//!
//! One representation serves every LP backend (through good_lp), the MPS export and the rounding
//! step, so the model an external solver reads from `--export-mps` is by construction the one
//! heatpath solved.
//!
//! Conventions (also in the README): minimisation; the objective is discounted investment in
//! euros plus penalties on slack columns; `x` columns are in [0, 1] (binary with `--milp`), slack
//! columns ≥ 0. Rows are in natural units: path rows in kWh/yr of Σ weight × metric (for the
//! default floor-area-weighted heat demand, kWh/yr of heat demand), budget rows in euros of that
//! year, capacity rows in dwellings, label-A, gas-free and E/F/G rows in dwellings.

use super::Problem;
use crate::options::OptionSet;

/// Row sense.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sense {
    /// Σ a·x ≤ rhs.
    Le,
    /// Σ a·x ≥ rhs.
    Ge,
}

/// What a row stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    /// At most one option per unit.
    Unit(usize),
    /// The path in year index t.
    Path(usize),
    /// The budget in year index t.
    Budget(usize),
    /// The capacity in year index t.
    Capacity(usize),
    /// The label-A target.
    LabelA,
    /// The gas-free target.
    GasFree,
    /// The readiness target (dwellings ready for a sustainable heat source).
    Ready,
    /// Unit u's E/F/G dwellings lifted by the phase-out year.
    Efg(usize),
}

impl RowKind {
    /// A coupling row (links units), as opposed to a unit's own row.
    pub fn is_coupling(self) -> bool {
        !matches!(self, RowKind::Unit(_) | RowKind::Efg(_))
    }
}

/// A model row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Name (MPS-safe).
    pub name: String,
    /// What it stands for.
    pub kind: RowKind,
    /// Sense.
    pub sense: Sense,
    /// Right-hand side.
    pub rhs: f64,
    /// (column, coefficient) pairs.
    pub entries: Vec<(usize, f64)>,
}

/// What a column stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// Unit `unit` takes option `option` (index into the option set) in year index `t`.
    Choice {
        /// Unit.
        unit: usize,
        /// Option.
        option: usize,
        /// Year index.
        t: usize,
    },
    /// Slack of the row with this index.
    Slack(usize),
}

/// A model column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Name (MPS-safe).
    pub name: String,
    /// What it stands for.
    pub kind: ColumnKind,
    /// Objective coefficient.
    pub cost: f64,
    /// Upper bound (lower bound is 0).
    pub upper: f64,
    /// Integer (binary) in MILP mode.
    pub integer: bool,
}

/// Penalties per unit of slack: what a missed unit of a target weighs against the cost of the
/// plan.
///
/// They are scaled to the instance's own prices: [`PENALTY_FACTOR`] times the dearest price at
/// which any unit offers its cheapest way of making up a unit of a target, so that a target is
/// missed only when it cannot be met (or only at a price no real plan pays), and no higher.
/// Penalties of twenty times the dearest whole-complex package per dwelling (as before) were
/// ten thousand times the costs: a relative tolerance of 1e-6 on an objective that large was
/// worth a year's budget, which left the budget multipliers undetermined, and an ordinary
/// simplex could not solve the exported LP.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Penalties {
    /// Euros per kWh/yr of path shortfall (path units).
    pub path_eur: f64,
    /// Euros per dwelling short of the label-A, gas-free, readiness or E/F/G targets.
    pub dwelling_eur: f64,
}

/// How many times the dearest price of making up a unit of a target its shortfall weighs.
pub const PENALTY_FACTOR: f64 = 20.0;

impl Penalties {
    /// The penalties of `options`.
    ///
    /// - Per dwelling: per unit, the cheapest option per dwelling it gains (label A, gas-free,
    ///   readiness) and per E/F/G dwelling it lifts (all of them where an option can); the
    ///   dearest of these over the units, times [`PENALTY_FACTOR`]. A complex with one E/F/G
    ///   dwelling in a hundred sets a high price here: the model treats a complex as a whole.
    /// - Per kWh/yr of path: per unit, its cheapest option per kWh/yr of reduction; the dearest
    ///   of these over the units, times [`PENALTY_FACTOR`].
    pub fn for_options(o: &OptionSet) -> Penalties {
        let mut per_kwh: f64 = 0.0;
        let mut per_dwelling: f64 = 0.0;
        for u in 0..o.n_units() {
            let dwellings = f64::from(o.unit_dwellings[u].max(1));
            let efg_before = o.unit_efg_before[u];
            let (mut unit_kwh, mut unit_gain, mut unit_efg) =
                (f64::INFINITY, f64::INFINITY, f64::INFINITY);
            let mut unit_dearest: f64 = 0.0;
            for k in o.of_unit(u) {
                let cost = (0..o.n_years)
                    .map(|t| o.discounted_cost_eur(u, k, t).max(0.0))
                    .fold(0.0, f64::max);
                unit_dearest = unit_dearest.max(cost / dwellings);
                if o.path_reduction[k] > 1e-6 {
                    unit_kwh = unit_kwh.min(cost / o.path_reduction[k]);
                }
                for gain in [
                    o.label_a_gain[k],
                    o.gas_free_gain[k],
                    o.low_temp_ready_gain[k],
                ] {
                    if gain > 0 {
                        unit_gain = unit_gain.min(cost / f64::from(gain));
                    }
                }
                let lifted = efg_before.saturating_sub(o.efg_after[k]);
                if lifted > 0 {
                    // Lifting them all is what the rule asks; a partial lift is priced as if
                    // it had to be repeated for the rest.
                    let share = f64::from(lifted) / f64::from(efg_before);
                    unit_efg = unit_efg.min(cost / f64::from(lifted) / share);
                }
            }
            for price in [unit_kwh] {
                if price.is_finite() {
                    per_kwh = per_kwh.max(price);
                }
            }
            for price in [unit_gain, unit_efg, unit_dearest] {
                if price.is_finite() {
                    per_dwelling = per_dwelling.max(price);
                }
            }
        }
        Penalties {
            path_eur: (PENALTY_FACTOR * per_kwh).max(100.0),
            dwelling_eur: (PENALTY_FACTOR * per_dwelling).max(1e5),
        }
    }

    /// The penalties of `p` (set once, when the problem is built, and kept by its residual
    /// problems so that every part of a solve weighs shortfalls alike).
    pub fn for_problem(p: &Problem) -> Penalties {
        p.penalties
    }
}

/// The model.
#[derive(Debug, Clone, PartialEq)]
pub struct LpModel {
    /// Columns: all choice columns first, then slacks.
    pub columns: Vec<Column>,
    /// Rows.
    pub rows: Vec<Row>,
    /// Number of choice columns.
    pub n_choices: usize,
    /// The penalties used.
    pub penalties: Penalties,
}

impl LpModel {
    /// Builds the model of `p`.
    pub fn build(p: &Problem) -> LpModel {
        Self::build_filtered(p, |_, _, _| true)
    }

    /// Builds the model of `p` with only the choice columns `allow(unit, option, year index)`
    /// accepts (the others are fixed at 0).
    pub fn build_filtered(p: &Problem, allow: impl Fn(usize, usize, usize) -> bool) -> LpModel {
        let o = p.options;
        let n_years = o.n_years;
        let penalties = Penalties::for_problem(p);
        let mut columns = Vec::with_capacity(o.len() * n_years);
        let mut index = vec![u32::MAX; o.len() * n_years];
        for u in 0..o.n_units() {
            for k in o.of_unit(u) {
                for t in o.years_of(u) {
                    if !allow(u, k, t) {
                        continue;
                    }
                    index[k * n_years + t] = columns.len() as u32;
                    columns.push(Column {
                        name: format!("x_u{u}_p{}_{}", o.package[k], o.year(t)),
                        kind: ColumnKind::Choice {
                            unit: u,
                            option: k,
                            t,
                        },
                        cost: o.discounted_cost_eur(u, k, t),
                        upper: 1.0,
                        integer: true,
                    });
                }
            }
        }
        let n_choices = columns.len();
        let column_of = |k: usize, t: usize| -> Option<usize> {
            let i = index[k * n_years + t];
            (i != u32::MAX).then_some(i as usize)
        };
        let mut rows = Vec::new();
        for u in 0..o.n_units() {
            let entries: Vec<(usize, f64)> = o
                .of_unit(u)
                .flat_map(|k| (0..n_years).filter_map(move |t| column_of(k, t).map(|c| (c, 1.0))))
                .collect();
            if entries.is_empty() {
                // A unit with no column left has nothing to choose: an empty row would only
                // make the basis singular.
                continue;
            }
            rows.push(Row {
                name: format!("unit_{u}"),
                kind: RowKind::Unit(u),
                sense: Sense::Le,
                rhs: 1.0,
                entries,
            });
        }
        // The row of year `last_t` on that year's stock: works done by then, of units still in it.
        let cumulative = |coefficient: &dyn Fn(usize) -> f64, last_t: usize| -> Vec<(usize, f64)> {
            let mut entries = Vec::new();
            for u in (0..o.n_units()).filter(|&u| last_t < o.until_of(u)) {
                for k in o.of_unit(u) {
                    let a = coefficient(k);
                    if a != 0.0 {
                        for t in 0..=last_t {
                            if let Some(c) = column_of(k, t) {
                                entries.push((c, a));
                            }
                        }
                    }
                }
            }
            entries
        };
        for t in 0..n_years {
            if let Some(required) = p.path_required[t].filter(|r| *r > 0.0) {
                rows.push(Row {
                    name: format!("path_{}", o.year(t)),
                    kind: RowKind::Path(t),
                    sense: Sense::Ge,
                    rhs: required,
                    entries: cumulative(&|k| o.path_reduction[k], t),
                });
            }
        }
        for t in 0..n_years {
            if let Some(budget) = p.budget_eur[t] {
                let mut entries = Vec::new();
                for u in 0..o.n_units() {
                    for k in o.of_unit(u) {
                        if let Some(c) = column_of(k, t) {
                            entries.push((c, o.cost_eur(u, k, t)));
                        }
                    }
                }
                rows.push(Row {
                    name: format!("budget_{}", o.year(t)),
                    kind: RowKind::Budget(t),
                    sense: Sense::Le,
                    rhs: budget,
                    entries,
                });
            }
            if let Some(capacity) = p.capacity_dwellings[t] {
                let mut entries = Vec::new();
                for u in 0..o.n_units() {
                    for k in o.of_unit(u) {
                        if let Some(c) = column_of(k, t) {
                            entries.push((c, f64::from(o.unit_dwellings[u])));
                        }
                    }
                }
                rows.push(Row {
                    name: format!("capacity_{}", o.year(t)),
                    kind: RowKind::Capacity(t),
                    sense: Sense::Le,
                    rhs: capacity,
                    entries,
                });
            }
        }
        let count_rows: [(Option<super::CountTarget>, RowKind, &str, &[i32]); 3] = [
            (p.label_a, RowKind::LabelA, "label_a", &o.label_a_gain),
            (p.gas_free, RowKind::GasFree, "gas_free", &o.gas_free_gain),
            (p.ready, RowKind::Ready, "ready", &o.low_temp_ready_gain),
        ];
        for (target, kind, name, gain) in count_rows {
            if let Some(target) = target.filter(|t| t.required_gain > 0.0) {
                rows.push(Row {
                    name: format!("{name}_{}", o.year(target.year_index)),
                    kind,
                    sense: Sense::Ge,
                    rhs: target.required_gain,
                    entries: cumulative(&|k| f64::from(gain[k]), target.year_index),
                });
            }
        }
        if p.efg_deadline.is_some() {
            for u in 0..o.n_units() {
                let before = p.efg_before(u);
                // A unit without E/F/G dwellings needs a row only if an option makes some
                // (a heating change with a poor primary-energy factor can): the rule charges
                // those as it charges the ones left standing. A unit that leaves the stock by
                // the deadline is outside the rule.
                if before == 0.0 && o.of_unit(u).all(|k| p.efg_lifted(u, k) == 0.0) {
                    continue;
                }
                let mut entries = Vec::new();
                for k in o.of_unit(u) {
                    let lifted = p.efg_lifted(u, k);
                    if lifted != 0.0 {
                        for t in 0..n_years {
                            let share = p.efg_relief_share(u, t);
                            if let (Some(c), true) = (column_of(k, t), share > 0.0) {
                                entries.push((c, lifted * share));
                            }
                        }
                    }
                }
                rows.push(Row {
                    name: format!("efg_{u}"),
                    kind: RowKind::Efg(u),
                    sense: Sense::Ge,
                    rhs: before,
                    entries,
                });
            }
        }
        // Coefficients many orders below a row's largest are rounding noise (a reduction of
        // 1e-13 kWh beside one of 1e6); simplex factorisations choke on them.
        for row in &mut rows {
            let largest = row.entries.iter().map(|e| e.1.abs()).fold(0.0, f64::max);
            row.entries.retain(|e| e.1.abs() > 1e-12 * largest);
        }
        // Slacks on every target row.
        for (r, row) in rows.iter_mut().enumerate() {
            let penalty = match row.kind {
                RowKind::Path(_) => penalties.path_eur,
                RowKind::LabelA | RowKind::GasFree | RowKind::Ready | RowKind::Efg(_) => {
                    penalties.dwelling_eur
                }
                _ => continue,
            };
            let column = columns.len();
            columns.push(Column {
                name: format!("s_{}", row.name),
                kind: ColumnKind::Slack(r),
                cost: penalty,
                upper: f64::INFINITY,
                integer: false,
            });
            row.entries.push((column, 1.0));
        }
        LpModel {
            columns,
            rows,
            n_choices,
            penalties,
        }
    }

    /// The objective value of a column vector.
    pub fn objective(&self, values: &[f64]) -> f64 {
        self.columns
            .iter()
            .zip(values)
            .map(|(c, v)| c.cost * v)
            .sum()
    }

    /// A lower bound on the relaxation's optimum certified by row prices `duals` (one per row,
    /// d objective / d rhs, as the backends return them), whatever their accuracy: the
    /// Lagrangian Σ y·rhs + Σ_columns min(0, reduced cost) · upper at the prices made dual
    /// feasible (a ≥ row's price at least 0, a ≤ row's at most 0, and a slack's row priced at
    /// most its penalty). Weak duality makes it a bound for any such prices; an interior-point
    /// solution's objective is not one (Clarabel's lay 5.2e-6 above the sample's optimum).
    /// `None` when a column without an upper bound still has a negative reduced cost.
    pub fn bound_from_duals(&self, duals: &[f64]) -> Option<f64> {
        let mut y: Vec<f64> = self
            .rows
            .iter()
            .zip(duals)
            .map(|(row, &d)| match row.sense {
                Sense::Ge => d.max(0.0),
                Sense::Le => d.min(0.0),
            })
            .collect();
        // Columns without an upper bound in one row (the slacks) cap their row's price.
        for (j, column) in self.columns.iter().enumerate() {
            if column.upper.is_finite() {
                continue;
            }
            if let ColumnKind::Slack(r) = column.kind {
                if let Some(&(_, a)) = self.rows[r].entries.iter().find(|(c, _)| *c == j) {
                    let cap = column.cost / a;
                    y[r] = if a > 0.0 {
                        y[r].min(cap)
                    } else {
                        y[r].max(cap)
                    };
                }
            }
        }
        let mut reduced: Vec<f64> = self.columns.iter().map(|c| c.cost).collect();
        let mut bound = 0.0;
        for (row, &price) in self.rows.iter().zip(&y) {
            bound += price * row.rhs;
            for &(j, a) in &row.entries {
                reduced[j] -= price * a;
            }
        }
        for (column, &rc) in self.columns.iter().zip(&reduced) {
            if rc < 0.0 {
                if !column.upper.is_finite() {
                    return None;
                }
                bound += rc * column.upper;
            }
        }
        Some(bound)
    }
}
