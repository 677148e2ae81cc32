//! Per-dwelling calibration through measures: the heat-demand factor holds through envelope
//! measures, the EP2 factor holds while the registered heating system stays, and after a heating
//! change EP2 follows from the calibrated heat demand and the new system alone.

use heatpath::model::ModelParams;
use heatpath::model::{energy_use, Systems};
use heatpath::performance::{DwellingModel, State};
use heatpath::scenario::Energy;
use heatpath::stock::{read_stock_from, Dwelling, ReadOptions};
use heatpath::typology::Heating;

/// Two identical gas-heated terraced houses with the same registered Q_H,nd; the second's
/// registered EP2 is 25 % above the first's (an older boiler, say).
fn twins() -> (Dwelling, Dwelling) {
    let text =
        "id,dwelling_type,build_year,floor_area_m2,heating,registered_qh_nd,registered_ep2\n\
                a,terraced_mid,1970,100,gas_boiler,170,240\n\
                b,terraced_mid,1970,100,gas_boiler,170,300\n";
    let (stock, _) = read_stock_from(
        text.as_bytes(),
        std::path::Path::new("twins.csv"),
        &ReadOptions::default(),
    )
    .unwrap();
    (stock.dwellings[0].clone(), stock.dwellings[1].clone())
}

fn insulated(d: &Dwelling) -> State {
    let mut state = State::current(d);
    state.envelope.facade_rc = 2.5;
    state.envelope.roof_rc = 3.5;
    state
}

#[test]
fn envelope_measures_keep_both_factors() {
    let params = ModelParams::default();
    let energy = Energy::default();
    let model = DwellingModel {
        params: &params,
        energy: &energy,
    };
    let (a, b) = twins();
    for d in [&a, &b] {
        let basis = model.basis(d);
        let before = model.performance(d, &basis, &State::current(d));
        assert!((before.qh_nd_kwh_m2 - 170.0).abs() < 1e-9);
        assert!((before.ep2_kwh_m2 - d.registered_ep2.unwrap()).abs() < 1e-9);
        let after = model.performance(d, &basis, &insulated(d));
        assert!(after.qh_nd_kwh_m2 < 0.8 * before.qh_nd_kwh_m2);
        // Still the boiler it was registered with: the EP2 factor stays.
        let plain = energy_use(
            &params,
            d.floor_area_m2,
            after.qh_nd_kwh_m2,
            &Systems {
                heating: Heating::GasBoiler,
                ventilation: d.ventilation,
                solar_pv_kwp: 0.0,
                supply_temperature: after.supply_temperature,
                district_heat_primary_factor: None,
            },
        );
        assert!((after.ep2_kwh_m2 - plain.ep2_kwh_m2 * basis.calibration.ep2_factor).abs() < 1e-9);
    }
    // The twin with the worse registered EP2 stays worse after insulation.
    let after_a = model.performance(&a, &model.basis(&a), &insulated(&a));
    let after_b = model.performance(&b, &model.basis(&b), &insulated(&b));
    assert_eq!(after_a.qh_nd_kwh_m2, after_b.qh_nd_kwh_m2);
    assert!(after_b.ep2_kwh_m2 > 1.2 * after_a.ep2_kwh_m2);
}

#[test]
fn a_heating_change_recomputes_ep2_from_the_calibrated_demand() {
    let params = ModelParams::default();
    let energy = Energy::default();
    let model = DwellingModel {
        params: &params,
        energy: &energy,
    };
    let (a, b) = twins();
    for heating in [
        Heating::HeatPump,
        Heating::HybridHeatPump,
        Heating::DistrictHeating,
    ] {
        let after: Vec<_> = [&a, &b]
            .into_iter()
            .map(|d| {
                let basis = model.basis(d);
                let mut state = insulated(d);
                state.heating = heating;
                let p = model.performance(d, &basis, &state);
                let expected = energy_use(
                    &params,
                    d.floor_area_m2,
                    p.qh_nd_kwh_m2,
                    &Systems {
                        heating,
                        ventilation: d.ventilation,
                        solar_pv_kwp: 0.0,
                        supply_temperature: p.supply_temperature,
                        district_heat_primary_factor: None,
                    },
                );
                assert!(
                    (p.ep2_kwh_m2 - expected.ep2_kwh_m2).abs() < 1e-9,
                    "{heating}: the old boiler's factor was carried over"
                );
                p
            })
            .collect();
        // The boiler's residual no longer matters: the twins are equal on the new system.
        assert!(
            (after[0].ep2_kwh_m2 - after[1].ep2_kwh_m2).abs() < 1e-9,
            "{heating}"
        );
        // The calibrated heat demand (170 registered) still carries through.
        assert_eq!(
            after[0].qh_nd_kwh_m2,
            model
                .performance(&a, &model.basis(&a), &insulated(&a))
                .qh_nd_kwh_m2
        );
    }
}
