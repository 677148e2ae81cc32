//! The fit of the heat balance's three global parameters, reproduced: `ventilation_flow_factor`,
//! `thermal_bridge_w_m2k` and `crawlspace_resistance_m2k_w` are the least-squares optimum of the
//! log error against RVO's Q_H,nd for the four ground-level reference dwellings, fed RVO's own
//! element values, in four variants each (original, current, insulated with demand-controlled
//! exhaust C5a, insulated with demand-controlled balanced ventilation D5a; the data and their
//! source are in `rvo_elements.rs`, [`fit_points`]). Nothing else enters the fit: the RVO periods
//! table (`rvo_reference.rs`) stays held out apart from the four rows of these dwellings.
//!
//! The fit is Levenberg–Marquardt on nalgebra with a central-difference Jacobian, started from two
//! points far apart; the test asserts that both land on one optimum and that
//! `ModelParams::default()` lies at it. `cargo test --release --test tests rvo_fit --
//! --nocapture` prints the fit.

use nalgebra::{DMatrix, DVector};

use heatpath::model::{heat_demand_kwh_m2, ModelParams, ThermalState};

use super::rvo_elements::fit_points;

/// The fitted parameters, in this order.
const NAMES: [&str; 3] = [
    "ventilation_flow_factor",
    "thermal_bridge_w_m2k",
    "crawlspace_resistance_m2k_w",
];

fn with(x: &[f64]) -> ModelParams {
    ModelParams {
        ventilation_flow_factor: x[0],
        thermal_bridge_w_m2k: x[1],
        crawlspace_resistance_m2k_w: x[2],
        ..ModelParams::default()
    }
}

fn of(params: &ModelParams) -> [f64; 3] {
    [
        params.ventilation_flow_factor,
        params.thermal_bridge_w_m2k,
        params.crawlspace_resistance_m2k_w,
    ]
}

/// ln(model / RVO) per point: a relative error, so the insulated variants (35–75 kWh/m²) weigh as
/// much as the current states (110–210 kWh/m²).
fn residuals(x: &[f64], points: &[(String, ThermalState, f64)]) -> DVector<f64> {
    let params = with(x);
    DVector::from_iterator(
        points.len(),
        points
            .iter()
            .map(|(_, state, qh_rvo)| (heat_demand_kwh_m2(&params, state) / qh_rvo).ln()),
    )
}

/// Root mean square of the log errors (≈ relative error).
fn rms(r: &DVector<f64>) -> f64 {
    (r.norm_squared() / r.len() as f64).sqrt()
}

/// Levenberg–Marquardt within the physical bounds (every parameter ≥ 0: a negative flow, bridge
/// or resistance means nothing), until a step no longer lowers the sum of squares measurably.
fn fit(start: [f64; 3], points: &[(String, ThermalState, f64)]) -> [f64; 3] {
    let mut x = start;
    let mut r = residuals(&x, points);
    let mut lambda = 1e-3;
    for _ in 0..200 {
        let mut jacobian = DMatrix::zeros(points.len(), 3);
        for k in 0..3 {
            let h = 1e-6 * x[k].abs().max(1e-2);
            let (mut up, mut down) = (x, x);
            up[k] += h;
            down[k] -= h;
            let column = (residuals(&up, points) - residuals(&down, points)) / (2.0 * h);
            jacobian.set_column(k, &column);
        }
        let normal = jacobian.transpose() * &jacobian;
        let gradient = jacobian.transpose() * &r;
        let mut improved = false;
        for _ in 0..30 {
            let mut damped = normal.clone();
            for k in 0..3 {
                damped[(k, k)] *= 1.0 + lambda;
            }
            let step = damped
                .lu()
                .solve(&(-&gradient))
                .expect("a regular normal matrix");
            let mut next = x;
            for k in 0..3 {
                next[k] = (x[k] + step[k]).max(0.0);
            }
            let r_next = residuals(&next, points);
            if r_next.norm_squared() < r.norm_squared() {
                improved = r.norm_squared() - r_next.norm_squared() > 1e-15;
                x = next;
                r = r_next;
                lambda *= 0.3;
                break;
            }
            lambda *= 10.0;
        }
        if !improved {
            break;
        }
    }
    x
}

#[test]
fn fitted_parameters_are_the_optimum_on_rvo_element_values() {
    let points = fit_points();
    assert_eq!(points.len(), 16);
    let defaults = of(&ModelParams::default());
    // Two starts far apart, neither at the defaults.
    let optimum = fit([1.0, 0.05, 0.1], &points);
    let other = fit([2.0, 0.40, 1.5], &points);
    let r_default = residuals(&defaults, &points);
    let r_optimum = residuals(&optimum, &points);

    println!(
        "{:<44} {:>7} {:>9} {:>9}",
        "RVO reference dwelling, variant", "Qh RVO", "defaults", "optimum"
    );
    let (at_default, at_optimum) = (with(&defaults), with(&optimum));
    for (i, (name, state, qh_rvo)) in points.iter().enumerate() {
        println!(
            "{name:<44} {qh_rvo:>7.1} {:>+8.1}% {:>+8.1}%   (model {:.1} / {:.1})",
            100.0 * (r_default[i].exp() - 1.0),
            100.0 * (r_optimum[i].exp() - 1.0),
            heat_demand_kwh_m2(&at_default, state),
            heat_demand_kwh_m2(&at_optimum, state),
        );
    }
    for k in 0..3 {
        println!(
            "{:<28} default {:.3}  optimum {:.4}  (from the other start {:.4})",
            NAMES[k], defaults[k], optimum[k], other[k]
        );
    }
    println!(
        "rms log error: defaults {:.2} %, optimum {:.2} %; largest at the defaults {:.1} %",
        100.0 * rms(&r_default),
        100.0 * rms(&r_optimum),
        100.0 * r_default.amax()
    );

    // One optimum, whichever start.
    for k in 0..3 {
        assert!(
            (optimum[k] - other[k]).abs() < 1e-3,
            "{}: {} against {} from another start",
            NAMES[k],
            optimum[k],
            other[k]
        );
    }
    // The defaults are the optimum to the precision they are written with (two decimals); the
    // crawlspace resistance is the least determined (0.5–0.8 m²K/W all lie within 0.05 points of
    // the optimum's rms), so it has the widest tolerance.
    let tolerance = [0.01, 0.005, 0.02];
    for k in 0..3 {
        assert!(
            (defaults[k] - optimum[k]).abs() <= tolerance[k],
            "{}: default {} but the fit gives {:.4}",
            NAMES[k],
            defaults[k],
            optimum[k]
        );
    }
    assert!(
        rms(&r_default) <= rms(&r_optimum) + 1e-4,
        "the defaults' rms {:.3} % exceeds the optimum's {:.3} %",
        100.0 * rms(&r_default),
        100.0 * rms(&r_optimum)
    );
    // A guard on the fit as it stands (6.2 % rms, the largest variant 13 %: the mid-terrace with
    // the exhaust package), so a change to the heat balance that worsens it is seen.
    assert!(rms(&r_optimum) < 0.065 && r_default.amax() < 0.15);
}
