//! `heatpath calibrate`: the fit recovers known parameters, flags data errors, refuses to fit on
//! too little data, and writes a parameters file a scenario can use.

use crate::common::{self, heatpath};

use heatpath::calibrate::{fit, modelled_qh_and_ep2, FitOptions, Quantity};
use heatpath::generate::{generate, GenerateOptions};
use heatpath::label::EnergyLabel;
use heatpath::model::ModelParams;
use heatpath::stock::Stock;

/// Parameters a stock's registered values are made from, away from the defaults in every fitted
/// direction.
fn truth() -> ModelParams {
    ModelParams {
        heating_setpoint_c: 21.0,
        internal_gains_w_per_person: 140.0,
        infiltration_factor: 0.16,
        distribution_efficiency: 0.9,
        ..ModelParams::default()
    }
}

/// A generated stock whose registered values are the model's under `params`, with
/// multiplicative noise of about `noise` (deterministic, so the test is reproducible).
fn stock_registered_under(params: &ModelParams, dwellings: usize, noise: f64) -> Stock {
    let scenario = common::scenario("");
    let options = GenerateOptions {
        dwellings,
        corporations: 1,
        regions: None,
        seed: 7,
    };
    let mut stock = generate(&options, &scenario.model, &scenario.energy).unwrap();
    for (i, d) in stock.dwellings.iter_mut().enumerate() {
        let (qh, ep2) = modelled_qh_and_ep2(params, d);
        // A fixed pseudo-random sign pattern: noise without a bias.
        let wobble = |k: usize| noise * (((i * 7919 + k * 104_729) % 1000) as f64 / 500.0 - 1.0);
        d.registered_qh_nd = (i % 3 != 0).then_some(qh * (1.0 + wobble(1)));
        d.registered_ep2 = (i % 4 != 0).then_some(ep2 * (1.0 + wobble(2)));
        d.registered_label = Some(EnergyLabel::from_ep2(ep2));
    }
    stock
}

#[test]
fn the_fit_recovers_the_parameters_the_registered_values_come_from() {
    let truth = truth();
    let stock = stock_registered_under(&truth, 1_500, 0.05);
    let report = fit(&stock, &ModelParams::default(), &FitOptions::default()).unwrap();
    for p in &report.parameters {
        let expected = heatpath::calibrate::FREE_PARAMETERS
            .iter()
            .find(|f| f.name == p.name)
            .unwrap()
            .value(&truth);
        println!(
            "{:<26} default {:>8.4} fitted {:>8.4} truth {:>8.4}",
            p.name, p.default, p.fitted, expected
        );
        assert!(p.free && !p.at_bound, "{}", p.name);
        assert!(
            (p.fitted - expected).abs() <= 0.03 * expected,
            "{}: fitted {} against {}",
            p.name,
            p.fitted,
            expected
        );
    }
    for f in &report.fits {
        assert!(
            f.rmse_after < f.rmse_before || f.rmse_before < 1e-9,
            "{f:?}"
        );
    }
    let qh = report
        .fits
        .iter()
        .find(|f| f.quantity == Quantity::NetHeatDemand)
        .unwrap();
    assert_eq!(qh.n, 1_000);
    // 5 % noise around values of 50-250 kWh/m²: the remaining error is the noise.
    assert!(qh.rmse_after < 6.0, "{qh:?}");
}

#[test]
fn exact_registered_values_are_recovered_exactly() {
    let truth = truth();
    let stock = stock_registered_under(&truth, 400, 0.0);
    let report = fit(&stock, &ModelParams::default(), &FitOptions::default()).unwrap();
    for f in &report.fits {
        assert!(f.rmse_after < 0.05, "{f:?}");
    }
    assert_eq!(report.far_off_total, 0);
}

#[test]
fn data_errors_are_flagged_and_do_not_pull_the_fit() {
    let truth = truth();
    let mut stock = stock_registered_under(&truth, 1_000, 0.02);
    // Ten registrations off by a factor of three (a unit slip: kWh/m² for a total, say).
    let slipped: Vec<String> = (0..10)
        .map(|k| {
            let d = &mut stock.dwellings[99 * k + 1];
            d.registered_qh_nd = Some(3.0 * d.registered_qh_nd.unwrap());
            d.id.clone()
        })
        .collect();
    let report = fit(&stock, &ModelParams::default(), &FitOptions::default()).unwrap();
    let flagged: Vec<&str> = report
        .far_off
        .iter()
        .filter(|f| f.quantity == Quantity::NetHeatDemand)
        .map(|f| f.id.as_str())
        .collect();
    for id in &slipped {
        assert!(
            flagged.contains(&id.as_str()),
            "{id} not flagged: {flagged:?}"
        );
    }
    let setpoint = &report.parameters[0];
    assert_eq!(setpoint.name, "heating_setpoint_c");
    assert!((setpoint.fitted - 21.0).abs() < 0.03 * 21.0, "{setpoint:?}");
}

#[test]
fn too_few_registered_values_are_refused() {
    let mut stock = stock_registered_under(&truth(), 200, 0.0);
    for d in stock.dwellings.iter_mut().skip(10) {
        d.registered_qh_nd = None;
        d.registered_ep2 = None;
        d.registered_label = None;
    }
    let err = fit(&stock, &ModelParams::default(), &FitOptions::default()).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("too few registered values"), "{message}");
    assert!(err.is_input_error());
}

#[test]
fn only_labels_fit_the_system_side_and_hold_the_demand_side() {
    let mut stock = stock_registered_under(&truth(), 600, 0.0);
    for d in stock.dwellings.iter_mut() {
        d.registered_qh_nd = None;
        d.registered_ep2 = None;
    }
    let report = fit(&stock, &ModelParams::default(), &FitOptions::default()).unwrap();
    let held: Vec<&str> = report
        .parameters
        .iter()
        .filter(|p| !p.free)
        .map(|p| p.name)
        .collect();
    assert_eq!(
        held,
        [
            "heating_setpoint_c",
            "internal_gains_w_per_person",
            "infiltration_factor"
        ]
    );
    let labels = &report.fits[0];
    assert_eq!(labels.quantity, Quantity::Label);
    assert!(labels.label_match_after.unwrap() >= labels.label_match_before.unwrap());
}

#[test]
fn calibrate_command_writes_a_params_file_the_scenario_can_use() {
    let dir = tempfile::tempdir().unwrap();
    let stock_path = dir.path().join("stock.csv");
    let out = heatpath(&[
        "generate",
        "--dwellings",
        "300",
        "--seed",
        "3",
        "--out",
        stock_path.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let scenario = dir.path().join("scenario.toml");
    std::fs::write(&scenario, "stock = \"stock.csv\"\n").unwrap();
    let out = heatpath(&["calibrate", scenario.to_str().unwrap(), "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let fits = json["fits"].as_array().unwrap();
    assert!(!fits.is_empty());
    for f in fits {
        for key in [
            "quantity",
            "n",
            "rmse_before",
            "rmse_after",
            "mean_error_before",
        ] {
            assert!(f.get(key).is_some(), "{key} missing in {f}");
        }
    }
    let params = dir.path().join("calibrated_model.toml");
    let text = std::fs::read_to_string(&params).unwrap();
    assert!(text.contains("[model]"), "{text}");

    // The scenario includes it, and gets the fitted values.
    std::fs::write(
        &scenario,
        "stock = \"stock.csv\"\nmodel_file = \"calibrated_model.toml\"\n",
    )
    .unwrap();
    let loaded = heatpath::scenario::Scenario::from_file(&scenario).unwrap();
    let fitted = json["parameters"][0]["fitted"].as_f64().unwrap();
    assert!((loaded.model.heating_setpoint_c - fitted).abs() < 1e-3);
    // A key set in both places is refused by name.
    std::fs::write(
        &scenario,
        "stock = \"stock.csv\"\nmodel_file = \"calibrated_model.toml\"\n[model]\nheating_setpoint_c = 19\n",
    )
    .unwrap();
    let err = heatpath::scenario::Scenario::from_file(&scenario).unwrap_err();
    assert!(
        err.to_string().contains("model.heating_setpoint_c"),
        "{err}"
    );

    // Running again replaces heatpath's own file ...
    std::fs::write(&scenario, "stock = \"stock.csv\"\n").unwrap();
    let out = heatpath(&["calibrate", scenario.to_str().unwrap(), "-q"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // ... but never a file of the user's.
    let mine = dir.path().join("mine.toml");
    std::fs::write(&mine, "[model]\npump_kwh = 100\n").unwrap();
    let out = heatpath(&[
        "calibrate",
        scenario.to_str().unwrap(),
        "--out",
        mine.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not written by heatpath"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&mine).unwrap(),
        "[model]\npump_kwh = 100\n"
    );
}

#[test]
fn calibrate_refuses_a_stock_without_registered_values() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("stock.csv"),
        "id,dwelling_type,build_year,floor_area_m2\n1,terraced_mid,1970,100\n2,detached,1980,130\n",
    )
    .unwrap();
    let scenario = dir.path().join("scenario.toml");
    std::fs::write(&scenario, "stock = \"stock.csv\"\n").unwrap();
    let out = heatpath(&["calibrate", scenario.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("too few registered values"), "{stderr}");
    assert!(!dir.path().join("calibrated_model.toml").exists());
}
