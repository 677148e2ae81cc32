//! `heatpath calibrate`: fits the dwelling model's global parameters to a stock's registered
//! values by bounded least squares (Levenberg–Marquardt on nalgebra).
//!
//! Each registered value is one residual, in kWh/m² per year:
//!
//! - a registered net heat demand Q_H,nd: modelled Q_H,nd − registered;
//! - a registered EP2: modelled EP2 − registered;
//! - a registered label without an EP2: how far the modelled EP2 lies outside the label's class
//!   (0 inside it), so a label pulls the model only when the model disagrees with it.
//!
//! The model here is the *uncalibrated* model (no per-dwelling factors), because that is what the
//! global parameters decide and what every dwelling without registered values gets. The fit runs
//! twice: once on every value, then again without the values far off the first fit (more than
//! [`FitOptions::far_off_robust_sigmas`] robust standard deviations, and at least
//! [`FitOptions::far_off_min_kwh_m2`]), which are reported as likely data errors instead of
//! being allowed to pull every other dwelling.

use std::path::{Path, PathBuf};

use nalgebra::{DMatrix, DVector};
use rayon::prelude::*;
use serde::Serialize;

use crate::label::EnergyLabel;
use crate::model::{
    als_over_ag, energy_use, heat_demand_kwh_m2, isolatiestandaard_kwh_m2, ModelParams, Systems,
    ThermalState,
};
use crate::scenario::{Scenario, ScenarioError};
use crate::stock::{read_stock, ColumnMapping, Dwelling, ReadOptions, Stock, StockError};

/// First line of every parameters file heatpath writes; a file without it is the user's and is
/// never overwritten.
pub const PARAMS_FILE_MARKER: &str = "# Written by heatpath calibrate";

/// A global model parameter the fit may move, with its bounds.
#[derive(Debug, Clone, Copy)]
pub struct FreeParameter {
    /// Field name, as in the scenario's `[model]` table.
    pub name: &'static str,
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
    /// Which registered quantity identifies it.
    pub identified_by: Quantity,
    /// Why these bounds.
    pub bounds_source: &'static str,
    get: fn(&ModelParams) -> f64,
    set: fn(&mut ModelParams, f64),
}

impl FreeParameter {
    /// The parameter's value in `params`.
    pub fn value(&self, params: &ModelParams) -> f64 {
        (self.get)(params)
    }
}

/// The parameters `calibrate` fits. The demand side is identified by registered Q_H,nd (and
/// through EP2 when no Q_H,nd is registered), the system side by EP2 and labels. Tap water,
/// boiler efficiencies and primary factors are published figures or conventions and stay fixed.
pub const FREE_PARAMETERS: [FreeParameter; 4] = [
    FreeParameter {
        name: "heating_setpoint_c",
        low: 17.0,
        high: 23.0,
        identified_by: Quantity::NetHeatDemand,
        bounds_source: "assumption: NTA 8800's 20 °C ± 3 K for how warm a stock is kept",
        get: |p| p.heating_setpoint_c,
        set: |p, v| p.heating_setpoint_c = v,
    },
    FreeParameter {
        name: "internal_gains_w_per_person",
        low: 90.0,
        high: 270.0,
        identified_by: Quantity::NetHeatDemand,
        bounds_source: "assumption: half to one and a half times NTA 8800's 180 W per occupant",
        get: |p| p.internal_gains_w_per_person,
        set: |p, v| p.internal_gains_w_per_person = v,
    },
    FreeParameter {
        name: "infiltration_factor",
        low: 0.02,
        high: 0.30,
        identified_by: Quantity::NetHeatDemand,
        bounds_source: "assumption: 0.02–0.30 of qv10 as the mean infiltration flow (NTA 8800's leakage at 1 Pa is 0.21)",
        get: |p| p.infiltration_factor,
        set: |p, v| p.infiltration_factor = v,
    },
    FreeParameter {
        name: "distribution_efficiency",
        low: 0.6,
        high: 1.0,
        identified_by: Quantity::Ep2,
        bounds_source: "assumption: emission and distribution losses of 0–40 %",
        get: |p| p.distribution_efficiency,
        set: |p, v| p.distribution_efficiency = v,
    },
];

/// A kind of registered value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Quantity {
    /// Registered net heat demand Q_H,nd.
    #[serde(rename = "qh_nd")]
    NetHeatDemand,
    /// Registered EP2.
    Ep2,
    /// Registered label where no EP2 is registered.
    Label,
}

impl Quantity {
    /// Name in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Quantity::NetHeatDemand => "qh_nd",
            Quantity::Ep2 => "ep2",
            Quantity::Label => "label",
        }
    }
}

/// Settings of the fit.
#[derive(Debug, Clone, Copy)]
pub struct FitOptions {
    /// A parameter group is fitted only with at least this many registered values of the
    /// quantity that identifies it (Q_H,nd for the demand side; EP2 or labels for the system).
    pub min_values: usize,
    /// A value is far off when its residual exceeds this many robust standard deviations
    /// (1.4826 × median absolute residual of its quantity) ...
    pub far_off_robust_sigmas: f64,
    /// ... and at least this many kWh/m².
    pub far_off_min_kwh_m2: f64,
    /// Iteration limit of each Levenberg–Marquardt run.
    pub max_iterations: usize,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            min_values: 20,
            far_off_robust_sigmas: 5.0,
            far_off_min_kwh_m2: 30.0,
            max_iterations: 200,
        }
    }
}

/// What can go wrong.
#[derive(Debug, thiserror::Error)]
pub enum CalibrateError {
    /// The scenario could not be read.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The stock could not be read.
    #[error(transparent)]
    Stock(#[from] StockError),
    /// Not enough registered values for any parameter.
    #[error(
        "too few registered values to fit the model: {qh_nd} net heat demands (Q_H,nd), {ep2} EP2 \
         values and {labels} labels without EP2; at least {needed} Q_H,nd values (demand \
         parameters) or {needed} EP2 values or labels (system parameters) are needed"
    )]
    TooFewRegisteredValues {
        /// Registered Q_H,nd values.
        qh_nd: usize,
        /// Registered EP2 values.
        ep2: usize,
        /// Registered labels without an EP2.
        labels: usize,
        /// The minimum.
        needed: usize,
    },
    /// The parameters file exists and was not written by heatpath.
    #[error(
        "{}: exists and was not written by heatpath calibrate (its first line is not `{PARAMS_FILE_MARKER}`); \
         refusing to overwrite it: name another file with --out",
        path.display()
    )]
    WouldOverwrite {
        /// The file.
        path: PathBuf,
    },
    /// Writing the parameters file failed.
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

impl CalibrateError {
    /// Bad input (exit code 2) rather than a failure of the machine.
    pub fn is_input_error(&self) -> bool {
        !matches!(self, CalibrateError::Write { .. })
    }
}

/// Before and after errors of one quantity (modelled − registered, kWh/m²).
#[derive(Debug, Clone, Serialize)]
pub struct QuantityFit {
    /// `qh_nd`, `ep2` or `label`.
    pub quantity: Quantity,
    /// Registered values of this quantity.
    pub n: usize,
    /// Of those, far off the fit and left out of its second run.
    pub n_far_off: usize,
    /// Mean error with the scenario's parameters.
    pub mean_error_before: f64,
    /// Root mean square error with the scenario's parameters.
    pub rmse_before: f64,
    /// Mean error with the fitted parameters.
    pub mean_error_after: f64,
    /// Root mean square error with the fitted parameters.
    pub rmse_after: f64,
    /// RMSE without the far-off values, after.
    pub rmse_after_without_far_off: f64,
    /// Labels: share of dwellings whose modelled label equals the registered one, before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label_match_before: Option<f64>,
    /// Labels: the same, after.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label_match_after: Option<f64>,
}

/// One fitted parameter.
#[derive(Debug, Clone, Serialize)]
pub struct ParameterFit {
    /// Field name in `[model]`.
    pub name: &'static str,
    /// heatpath's default.
    pub default: f64,
    /// The scenario's value (the fit's starting point).
    pub before: f64,
    /// The fitted value (the scenario's when not fitted).
    pub fitted: f64,
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
    /// Whether the data had enough values to fit it.
    pub free: bool,
    /// Whether it ended on a bound (the data want more than the bounds allow).
    pub at_bound: bool,
    /// Source of the bounds.
    pub bounds_source: &'static str,
}

/// A registered value far off the fitted model.
#[derive(Debug, Clone, Serialize)]
pub struct FarOff {
    /// Dwelling id.
    pub id: String,
    /// Which value.
    pub quantity: Quantity,
    /// The registered value (for a label, its class's EP2 bound nearest the model).
    pub registered: f64,
    /// The registered label, for label records.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registered_label: Option<EnergyLabel>,
    /// The fitted model's value.
    pub modelled: f64,
    /// Modelled − registered.
    pub error: f64,
}

/// The outcome of a fit.
#[derive(Debug, Clone, Serialize)]
pub struct CalibrationReport {
    /// Dwellings in the stock.
    pub dwellings: usize,
    /// Per quantity, before and after.
    pub fits: Vec<QuantityFit>,
    /// The parameters, fitted or held.
    pub parameters: Vec<ParameterFit>,
    /// Far-off values, worst first (at most [`FAR_OFF_LISTED`]).
    pub far_off: Vec<FarOff>,
    /// How many values were far off in all.
    pub far_off_total: usize,
    /// Levenberg–Marquardt iterations of the final run.
    pub iterations: usize,
    /// The scenario's parameters with the fitted values.
    #[serde(skip)]
    pub fitted: ModelParams,
}

/// Far-off values listed in a report.
pub const FAR_OFF_LISTED: usize = 50;

/// One registered value.
#[derive(Debug, Clone, Copy)]
struct Record {
    dwelling: usize,
    quantity: Quantity,
    /// Q_H,nd or EP2; for labels unused.
    target: f64,
    label: Option<EnergyLabel>,
}

fn records(stock: &Stock) -> Vec<Record> {
    let mut out = Vec::new();
    for (i, d) in stock.dwellings.iter().enumerate() {
        if let Some(q) = d.registered_qh_nd {
            out.push(Record {
                dwelling: i,
                quantity: Quantity::NetHeatDemand,
                target: q,
                label: None,
            });
        }
        match (d.registered_ep2, d.registered_label) {
            (Some(e), _) => out.push(Record {
                dwelling: i,
                quantity: Quantity::Ep2,
                target: e,
                label: None,
            }),
            (None, Some(label)) => out.push(Record {
                dwelling: i,
                quantity: Quantity::Label,
                target: f64::NAN,
                label: Some(label),
            }),
            (None, None) => {}
        }
    }
    out
}

/// The uncalibrated model's Q_H,nd and EP2 of a dwelling as it is (kWh/m² yr).
pub fn modelled_qh_and_ep2(params: &ModelParams, d: &Dwelling) -> (f64, f64) {
    let qh = heat_demand_kwh_m2(
        params,
        &ThermalState {
            floor_area_m2: d.floor_area_m2,
            geometry: d.geometry,
            envelope: d.envelope,
            ventilation: d.ventilation,
        },
    );
    let als_ag = als_over_ag(params, d.floor_area_m2, &d.geometry);
    let standaard = isolatiestandaard_kwh_m2(d.dwelling_type, d.build_year, als_ag);
    // As the dwelling model does (performance.rs): the supply temperature decides a heat
    // pump's SPF.
    let supply = crate::readiness::SupplyTemperature::with_radiators(
        d.build_year,
        qh,
        standaard,
        params.low_temp_margin_kwh_m2,
        d.low_temperature_radiators.then(|| {
            isolatiestandaard_kwh_m2(d.dwelling_type, crate::readiness::LAST_PRE_WAR_YEAR, als_ag)
        }),
    );
    let ep2 = energy_use(
        params,
        d.floor_area_m2,
        qh,
        &Systems {
            heating: d.heating,
            ventilation: d.ventilation,
            solar_pv_kwp: d.solar_pv_kwp,
            supply_temperature: supply,
            district_heat_primary_factor: d.district_heat_factor,
        },
    )
    .ep2_kwh_m2;
    (qh, ep2)
}

/// Modelled − registered for one record given the dwelling's modelled (Q_H,nd, EP2).
fn residual(record: &Record, qh: f64, ep2: f64) -> f64 {
    match record.quantity {
        Quantity::NetHeatDemand => qh - record.target,
        Quantity::Ep2 => ep2 - record.target,
        Quantity::Label => {
            let label = record.label.expect("label record");
            // The class is (lower, upper]; a model inside it has nothing to correct.
            if ep2 > label.upper_ep2_kwh_m2() {
                ep2 - label.upper_ep2_kwh_m2()
            } else if ep2 <= label.lower_ep2_kwh_m2() {
                ep2 - label.lower_ep2_kwh_m2()
            } else {
                0.0
            }
        }
    }
}

fn residuals(stock: &Stock, records: &[Record], params: &ModelParams) -> Vec<f64> {
    let modelled: Vec<(f64, f64)> = stock
        .dwellings
        .par_iter()
        .map(|d| modelled_qh_and_ep2(params, d))
        .collect();
    records
        .iter()
        .map(|r| {
            let (qh, ep2) = modelled[r.dwelling];
            residual(r, qh, ep2)
        })
        .collect()
}

fn with_values(base: &ModelParams, free: &[FreeParameter], x: &[f64]) -> ModelParams {
    let mut p = base.clone();
    for (fp, &v) in free.iter().zip(x) {
        (fp.set)(&mut p, v);
    }
    p
}

/// Bounded Levenberg–Marquardt on the records `use_record`; returns the values and iterations.
/// Works in units of each parameter's bound width, so that one damping suits all of them, and
/// projects every step onto the bounds.
fn levenberg_marquardt(
    stock: &Stock,
    records: &[Record],
    base: &ModelParams,
    free: &[FreeParameter],
    max_iterations: usize,
) -> (Vec<f64>, usize) {
    let k = free.len();
    let width: Vec<f64> = free.iter().map(|f| f.high - f.low).collect();
    let to_values =
        |u: &DVector<f64>| -> Vec<f64> { (0..k).map(|i| free[i].low + u[i] * width[i]).collect() };
    let eval = |u: &DVector<f64>| -> DVector<f64> {
        DVector::from_vec(residuals(
            stock,
            records,
            &with_values(base, free, &to_values(u)),
        ))
    };
    let mut u = DVector::from_iterator(
        k,
        free.iter()
            .map(|f| ((f.value(base) - f.low) / (f.high - f.low)).clamp(0.0, 1.0)),
    );
    let mut r = eval(&u);
    let mut cost = r.norm_squared();
    let mut lambda = 1e-3;
    let mut iterations = 0;
    while iterations < max_iterations {
        iterations += 1;
        // Forward differences, stepping inwards at the upper bound.
        let mut jacobian = DMatrix::<f64>::zeros(r.len(), k);
        for j in 0..k {
            let h = if u[j] + 1e-5 <= 1.0 { 1e-5 } else { -1e-5 };
            let mut shifted = u.clone();
            shifted[j] += h;
            let column = (eval(&shifted) - &r) / h;
            jacobian.set_column(j, &column);
        }
        let jt = jacobian.transpose();
        let jtj = &jt * &jacobian;
        let gradient = &jt * &r;
        let mut improved = false;
        while lambda < 1e12 {
            let mut a = jtj.clone();
            for i in 0..k {
                // Marquardt's scaling plus a floor, so a parameter the data do not see stays put.
                a[(i, i)] += lambda * (jtj[(i, i)] + 1e-9);
            }
            let Some(step) = a.cholesky().map(|c| c.solve(&(-&gradient))) else {
                lambda *= 10.0;
                continue;
            };
            let candidate = (&u + &step).map(|v| v.clamp(0.0, 1.0));
            let r_new = eval(&candidate);
            let cost_new = r_new.norm_squared();
            if cost_new < cost {
                let moved = (&candidate - &u).amax();
                let relative_gain = (cost - cost_new) / cost.max(1e-300);
                u = candidate;
                r = r_new;
                cost = cost_new;
                lambda = (lambda / 3.0).max(1e-12);
                improved = moved > 1e-10 && relative_gain > 1e-12;
                break;
            }
            lambda *= 4.0;
        }
        if !improved {
            break;
        }
    }
    (to_values(&u), iterations)
}

fn mean_and_rmse(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut n, mut sum, mut sum_sq) = (0usize, 0.0, 0.0);
    for v in values {
        n += 1;
        sum += v;
        sum_sq += v * v;
    }
    if n == 0 {
        (0.0, 0.0)
    } else {
        (sum / n as f64, (sum_sq / n as f64).sqrt())
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let m = values.len() / 2;
    if values.len() % 2 == 1 {
        values[m]
    } else {
        0.5 * (values[m - 1] + values[m])
    }
}

/// Fits the free parameters to `stock`'s registered values, starting from `params`.
pub fn fit(
    stock: &Stock,
    params: &ModelParams,
    options: &FitOptions,
) -> Result<CalibrationReport, CalibrateError> {
    let all = records(stock);
    let count = |q: Quantity| all.iter().filter(|r| r.quantity == q).count();
    let (n_qh, n_ep2, n_label) = (
        count(Quantity::NetHeatDemand),
        count(Quantity::Ep2),
        count(Quantity::Label),
    );
    // Without registered Q_H,nd the demand parameters would be fitted through EP2 alone, where
    // the heat demand and the distribution efficiency trade off against each other.
    let demand_free = n_qh >= options.min_values;
    let system_free = n_ep2 + n_label >= options.min_values;
    if !demand_free && !system_free {
        return Err(CalibrateError::TooFewRegisteredValues {
            qh_nd: n_qh,
            ep2: n_ep2,
            labels: n_label,
            needed: options.min_values,
        });
    }
    let free: Vec<FreeParameter> = FREE_PARAMETERS
        .iter()
        .filter(|f| match f.identified_by {
            Quantity::NetHeatDemand => demand_free,
            _ => system_free,
        })
        .copied()
        .collect();

    let before = residuals(stock, &all, params);
    let (first, _) = levenberg_marquardt(stock, &all, params, &free, options.max_iterations);
    let first_params = with_values(params, &free, &first);
    let first_residuals = residuals(stock, &all, &first_params);
    let mut far = vec![false; all.len()];
    for q in [Quantity::NetHeatDemand, Quantity::Ep2, Quantity::Label] {
        let of_q: Vec<usize> = (0..all.len()).filter(|&i| all[i].quantity == q).collect();
        let scale = 1.4826 * median(of_q.iter().map(|&i| first_residuals[i].abs()).collect());
        let limit = (options.far_off_robust_sigmas * scale).max(options.far_off_min_kwh_m2);
        for i in of_q {
            far[i] = first_residuals[i].abs() > limit;
        }
    }
    let kept: Vec<Record> = all
        .iter()
        .zip(&far)
        .filter(|(_, &f)| !f)
        .map(|(r, _)| *r)
        .collect();
    let (values, iterations) =
        levenberg_marquardt(stock, &kept, &first_params, &free, options.max_iterations);
    let fitted = with_values(params, &free, &values);
    let after = residuals(stock, &all, &fitted);

    let label_match = |p: &ModelParams, q: Quantity| -> Option<f64> {
        (q == Quantity::Label && n_label > 0).then(|| {
            let hits = all
                .iter()
                .filter(|r| r.quantity == Quantity::Label)
                .filter(|r| {
                    let (_, ep2) = modelled_qh_and_ep2(p, &stock.dwellings[r.dwelling]);
                    Some(EnergyLabel::from_ep2(ep2)) == r.label
                })
                .count();
            hits as f64 / n_label as f64
        })
    };
    let fits = [Quantity::NetHeatDemand, Quantity::Ep2, Quantity::Label]
        .into_iter()
        .filter(|&q| count(q) > 0)
        .map(|q| {
            let idx: Vec<usize> = (0..all.len()).filter(|&i| all[i].quantity == q).collect();
            let (mean_error_before, rmse_before) = mean_and_rmse(idx.iter().map(|&i| before[i]));
            let (mean_error_after, rmse_after) = mean_and_rmse(idx.iter().map(|&i| after[i]));
            let (_, rmse_after_without_far_off) =
                mean_and_rmse(idx.iter().filter(|&&i| !far[i]).map(|&i| after[i]));
            QuantityFit {
                quantity: q,
                n: idx.len(),
                n_far_off: idx.iter().filter(|&&i| far[i]).count(),
                mean_error_before,
                rmse_before,
                mean_error_after,
                rmse_after,
                rmse_after_without_far_off,
                label_match_before: label_match(params, q),
                label_match_after: label_match(&fitted, q),
            }
        })
        .collect();

    let defaults = ModelParams::default();
    let parameters = FREE_PARAMETERS
        .iter()
        .map(|f| {
            let is_free = free.iter().any(|g| g.name == f.name);
            let value = f.value(&fitted);
            let width = f.high - f.low;
            ParameterFit {
                name: f.name,
                default: f.value(&defaults),
                before: f.value(params),
                fitted: value,
                low: f.low,
                high: f.high,
                free: is_free,
                at_bound: is_free
                    && ((value - f.low).abs() < 1e-6 * width
                        || (f.high - value).abs() < 1e-6 * width),
                bounds_source: f.bounds_source,
            }
        })
        .collect();

    let mut far_off: Vec<FarOff> = (0..all.len())
        .filter(|&i| far[i])
        .map(|i| {
            let r = &all[i];
            let d = &stock.dwellings[r.dwelling];
            let (qh, ep2) = modelled_qh_and_ep2(&fitted, d);
            let modelled = if r.quantity == Quantity::NetHeatDemand {
                qh
            } else {
                ep2
            };
            FarOff {
                id: d.id.clone(),
                quantity: r.quantity,
                registered: modelled - after[i],
                registered_label: r.label,
                modelled,
                error: after[i],
            }
        })
        .collect();
    far_off.sort_by(|a, b| b.error.abs().total_cmp(&a.error.abs()));
    let far_off_total = far_off.len();
    far_off.truncate(FAR_OFF_LISTED);

    Ok(CalibrationReport {
        dwellings: stock.dwellings.len(),
        fits,
        parameters,
        far_off,
        far_off_total,
        iterations,
        fitted,
    })
}

/// Reads a scenario and its stock and fits the model to the stock's registered values.
pub fn calibrate_scenario(
    scenario_path: &Path,
    options: &FitOptions,
) -> Result<(Scenario, CalibrationReport), CalibrateError> {
    let scenario = Scenario::from_file(scenario_path)?;
    let mapping = match &scenario.column_mapping {
        Some(path) => ColumnMapping::from_file(path)?,
        None => ColumnMapping::builtin(),
    };
    let (stock, _) = read_stock(
        &scenario.stock,
        &ReadOptions {
            mapping,
            ..ReadOptions::default()
        },
    )?;
    let report = fit(&stock, &scenario.model, options)?;
    Ok((scenario, report))
}

/// The parameters file: the fitted parameters as a `[model]` table, to name in a scenario with
/// `model_file = "..."` (or to copy into its `[model]` table).
pub fn params_toml(report: &CalibrationReport, scenario: &Path) -> String {
    let mut text = format!(
        "{PARAMS_FILE_MARKER} from {} ({} dwellings).\n\
         # Name this file in the scenario with `model_file = \"<this file>\"` (keys in both the file and\n\
         # the scenario's own [model] table are refused), or copy the table below into the scenario.\n",
        scenario.display(),
        report.dwellings
    );
    for f in &report.fits {
        text.push_str(&format!(
            "# {}: n = {}, RMSE {:.2} -> {:.2} kWh/m2\n",
            f.quantity.as_str(),
            f.n,
            f.rmse_before,
            f.rmse_after
        ));
    }
    text.push_str("\n[model]\n");
    for p in report.parameters.iter().filter(|p| p.free) {
        text.push_str(&format!(
            "{} = {:.4}   # default {}{}\n",
            p.name,
            p.fitted,
            p.default,
            if p.at_bound { ", AT ITS BOUND" } else { "" }
        ));
    }
    text
}

/// Writes the parameters file atomically. An existing file is replaced only when heatpath wrote
/// it (its first line is [`PARAMS_FILE_MARKER`]).
pub fn write_params_file(path: &Path, text: &str) -> Result<(), CalibrateError> {
    match std::fs::read_to_string(path) {
        Ok(existing) if !existing.starts_with(PARAMS_FILE_MARKER) => {
            return Err(CalibrateError::WouldOverwrite {
                path: path.to_path_buf(),
            })
        }
        Err(err) if err.kind() == std::io::ErrorKind::InvalidData => {
            return Err(CalibrateError::WouldOverwrite {
                path: path.to_path_buf(),
            })
        }
        _ => {}
    }
    crate::output::write_file_atomic(path, |w| std::io::Write::write_all(w, text.as_bytes()))
        .map_err(|source| CalibrateError::Write {
            path: path.to_path_buf(),
            source,
        })
}

/// The report as aligned text.
pub fn text(report: &CalibrationReport) -> String {
    let mut s = format!(
        "calibration of the model's global parameters to {} dwellings' registered values\n\n",
        report.dwellings
    );
    s.push_str(&format!(
        "{:<8} {:>6} {:>8} {:>11} {:>11} {:>11} {:>11}\n",
        "quantity", "n", "far off", "mean before", "RMSE before", "mean after", "RMSE after"
    ));
    for f in &report.fits {
        s.push_str(&format!(
            "{:<8} {:>6} {:>8} {:>+11.2} {:>11.2} {:>+11.2} {:>11.2}\n",
            f.quantity.as_str(),
            f.n,
            f.n_far_off,
            f.mean_error_before,
            f.rmse_before,
            f.mean_error_after,
            f.rmse_after
        ));
    }
    s.push_str("(kWh/m2 per year, modelled - registered; a label's error is the distance of the modelled EP2 outside its class)\n");
    for f in &report.fits {
        if let (Some(b), Some(a)) = (f.label_match_before, f.label_match_after) {
            s.push_str(&format!(
                "labels matched: {:.1} % before, {:.1} % after\n",
                100.0 * b,
                100.0 * a
            ));
        }
        if f.n_far_off > 0 {
            s.push_str(&format!(
                "{} RMSE after without the far-off values: {:.1}\n",
                f.quantity.as_str(),
                f.rmse_after_without_far_off
            ));
        }
    }
    s.push_str(&format!(
        "\n{:<26} {:>9} {:>9} {:>9} {:>15}\n",
        "parameter", "default", "before", "fitted", "bounds"
    ));
    for p in &report.parameters {
        s.push_str(&format!(
            "{:<26} {:>9.4} {:>9.4} {:>9.4} {:>7}-{:<7}{}\n",
            p.name,
            p.default,
            p.before,
            p.fitted,
            p.low,
            p.high,
            if !p.free {
                "  held: too few values"
            } else if p.at_bound {
                "  AT BOUND"
            } else {
                ""
            }
        ));
    }
    if report.far_off_total > 0 {
        s.push_str(&format!(
            "\n{} registered values far off the fitted model (likely data errors; left out of the final fit){}:\n",
            report.far_off_total,
            if report.far_off_total > report.far_off.len() {
                format!(", the worst {}", report.far_off.len())
            } else {
                String::new()
            }
        ));
        for f in report.far_off.iter().take(20) {
            let registered = match f.registered_label {
                Some(l) => format!("label {}", l.as_str()),
                None => format!("{:.1}", f.registered),
            };
            s.push_str(&format!(
                "  {:<14} {:<6} registered {:>10}  modelled {:>7.1}  error {:>+7.1}\n",
                f.id,
                f.quantity.as_str(),
                registered,
                f.modelled,
                f.error
            ));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn residual_of_a_label_is_zero_inside_its_class() {
        let r = Record {
            dwelling: 0,
            quantity: Quantity::Label,
            target: f64::NAN,
            label: Some(EnergyLabel::B),
        };
        assert_eq!(EnergyLabel::from_ep2(180.0), EnergyLabel::B);
        assert_eq!(residual(&r, 0.0, 180.0), 0.0);
        assert!((residual(&r, 0.0, 200.0) - 10.0).abs() < 1e-9);
        assert!((residual(&r, 0.0, 150.0) + 10.0).abs() < 1e-9);
    }

    #[test]
    fn median_of_even_and_odd() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
    }
}
