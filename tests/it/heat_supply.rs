//! The heat supply a board checks on small hand-made stocks: a heat pump's SPF follows the
//! supply temperature the dwelling needs, low-temperature radiators lower it (and cost what the
//! catalogue says), and a network's declared primary-energy factor replaces NTA 8800's 0.9.

use std::path::Path;

use heatpath::catalogue::{Catalogue, Family, PriceClass, Scale};
use heatpath::model::{energy_use, ModelParams, Systems};
use heatpath::performance::{DwellingModel, Performance, State};
use heatpath::readiness::SupplyTemperature;
use heatpath::scenario::Energy;
use heatpath::stock::{read_stock_from, Dwelling, ReadOptions};
use heatpath::typology::Heating;

fn stock(text: &str) -> Vec<Dwelling> {
    read_stock_from(text.as_bytes(), Path::new("s.csv"), &ReadOptions::default())
        .unwrap()
        .0
        .dwellings
}

fn by_id<'a>(dwellings: &'a [Dwelling], id: &str) -> &'a Dwelling {
    dwellings.iter().find(|d| d.id == id).unwrap()
}

const SINGLE: PriceClass = PriceClass {
    family: Family::Single,
    scale: Scale::Individual,
};

/// The dwelling after `package` of the default catalogue, with the cost of the package.
fn after(d: &Dwelling, package: &str) -> (Performance, f64) {
    let params = ModelParams::default();
    let energy = Energy::default();
    let model = DwellingModel {
        params: &params,
        energy: &energy,
    };
    let catalogue = Catalogue::default();
    let (_, p) = catalogue.package(package).unwrap();
    let app = catalogue.apply(p, d, SINGLE, &params).unwrap();
    let basis = model.basis(d);
    (
        model.performance(d, &basis, &State::after(&app)),
        app.envelope_cost_standalone_eur + app.heating_cost_eur,
    )
}

/// EP2 of a heat pump in this dwelling if it were heated at `supply`.
fn heat_pump_ep2(d: &Dwelling, qh: f64, supply: SupplyTemperature) -> f64 {
    energy_use(
        &ModelParams::default(),
        d.floor_area_m2,
        qh,
        &Systems {
            heating: Heating::HeatPump,
            ventilation: d.ventilation,
            solar_pv_kwp: d.solar_pv_kwp,
            supply_temperature: supply,
            district_heat_primary_factor: None,
        },
    )
    .ep2_kwh_m2
}

const HOUSES: &str = "\
id,dwelling_type,build_year,floor_area_m2,heating,registered_qh_nd
pre_war_ready,terraced_mid,1930,100,gas_boiler,55
pre_war_high,terraced_mid,1930,100,gas_boiler,250
post_war_ready,terraced_mid,1975,100,gas_boiler,40
post_war_above,terraced_mid,1975,100,gas_boiler,70
";

#[test]
fn a_heat_pumps_spf_follows_the_supply_temperature_not_the_standaard_alone() {
    let houses = stock(HOUSES);
    let params = ModelParams::default();
    let energy = Energy::default();
    let model = DwellingModel {
        params: &params,
        energy: &energy,
    };
    let on_heat_pump = |id: &str| {
        let d = by_id(&houses, id);
        let mut state = State::current(d);
        state.heating = Heating::HeatPump;
        (d, model.performance(d, &model.basis(d), &state))
    };
    // A post-war house at its standaard needs low temperature: the low-temperature SPF (4.66).
    let (d, p) = on_heat_pump("post_war_ready");
    assert_eq!(p.supply_temperature, SupplyTemperature::Low);
    assert!((p.ep2_kwh_m2 - heat_pump_ep2(d, p.qh_nd_kwh_m2, SupplyTemperature::Low)).abs() < 1e-9);
    // A pre-war house at its standaard is ready, but at medium temperature: the lower SPF (3.39),
    // not the low-temperature one it had when readiness alone decided.
    let (d, p) = on_heat_pump("pre_war_ready");
    assert!(p.ready_for_sustainable_heat);
    assert_eq!(p.supply_temperature, SupplyTemperature::Medium);
    let low = heat_pump_ep2(d, p.qh_nd_kwh_m2, SupplyTemperature::Low);
    assert!(
        (p.ep2_kwh_m2 - heat_pump_ep2(d, p.qh_nd_kwh_m2, SupplyTemperature::Medium)).abs() < 1e-9
    );
    assert!(p.ep2_kwh_m2 > low + 1.0, "{} vs {low}", p.ep2_kwh_m2);
    // A pre-war house with high demand needs high temperature: not ready, and never the
    // low-temperature SPF.
    let (d, p) = on_heat_pump("pre_war_high");
    assert!(!p.ready_for_sustainable_heat);
    assert_eq!(p.supply_temperature, SupplyTemperature::High);
    assert!(p.ep2_kwh_m2 > heat_pump_ep2(d, p.qh_nd_kwh_m2, SupplyTemperature::Low) + 10.0);
}

#[test]
fn low_temperature_radiators_lower_the_supply_temperature_and_raise_the_spf() {
    let houses = stock(HOUSES);
    // The pre-war house at its standaard: medium temperature with a heat pump alone, low with
    // low-temperature radiators, so a better EP2 for the radiators' price.
    let d = by_id(&houses, "pre_war_ready");
    let (plain, plain_cost) = after(d, "basic_heat_pump");
    let (lt, lt_cost) = after(d, "basic_lt_heat_pump");
    assert_eq!(plain.supply_temperature, SupplyTemperature::Medium);
    assert_eq!(lt.supply_temperature, SupplyTemperature::Low);
    assert_eq!(
        lt.qh_nd_kwh_m2, plain.qh_nd_kwh_m2,
        "radiators leave the demand"
    );
    assert!(lt.ep2_kwh_m2 < plain.ep2_kwh_m2 - 1.0);
    assert!(lt.energy_bill_eur < plain.energy_bill_eur);
    // Their price: €500 + €35/m² direct (assumptions in the catalogue), plus 20 % overheads and
    // 21 % VAT (an installation).
    let radiators = (500.0 + 35.0 * d.floor_area_m2) * 1.20 * 1.21;
    assert!(
        (lt_cost - plain_cost - radiators).abs() < 1e-6,
        "{lt_cost} {plain_cost}"
    );

    // A post-war house above its own standaard is not ready: no all-electric heat pump
    // (not ready), but with low-temperature radiators it is, up to the pre-war standaard.
    let d = by_id(&houses, "post_war_above");
    let (radiators_only, _) = after(d, "lt_radiators");
    assert!(radiators_only.ready_for_sustainable_heat);
    assert_eq!(radiators_only.supply_temperature, SupplyTemperature::Low);
    let (lt, _) = after(d, "lt_heat_pump");
    assert!(lt.low_temp_ready && lt.gas_free);
    // ... but not the pre-war house with high demand: radiators cannot carry that.
    let (high, _) = after(by_id(&houses, "pre_war_high"), "lt_radiators");
    assert!(!high.ready_for_sustainable_heat);
}

#[test]
fn radiators_already_there_are_read_from_the_stock_and_not_paid_twice() {
    let houses = stock(
        "id;woningtype;bouwjaar;gebruiksoppervlakte;netto_warmtebehoefte;LT radiatoren\n\
         a;tussenwoning;1930;100;55;ja\n\
         b;tussenwoning;1930;100;55;nee\n",
    );
    assert!(houses[0].low_temperature_radiators);
    assert!(!houses[1].low_temperature_radiators);
    let (with, with_cost) = after(&houses[0], "basic_lt_heat_pump");
    let (without, without_cost) = after(&houses[1], "basic_lt_heat_pump");
    assert_eq!(with.supply_temperature, SupplyTemperature::Low);
    assert_eq!(with.ep2_kwh_m2, without.ep2_kwh_m2);
    assert!((without_cost - with_cost - (500.0 + 3500.0) * 1.20 * 1.21).abs() < 1e-6);
}

#[test]
fn a_networks_declared_primary_factor_replaces_the_forfaitary_0_9() {
    // A Dutch export: the declared factor under its Dutch name, with a decimal comma.
    let flats = stock(
        "VHE-nummer;Woningtype;Bouwjaar;Gebruiksoppervlakte (m²);Verwarming;Primaire energiefactor warmtenet\n\
         forfaitary;galerijflat;1975;70;Stadsverwarming;\n\
         declared;galerijflat;1975;70;Stadsverwarming;0,35\n",
    );
    assert_eq!(flats[0].district_heat_factor, None);
    assert_eq!(flats[1].district_heat_factor, Some(0.35));
    let params = ModelParams::default();
    let energy = Energy::default();
    let model = DwellingModel {
        params: &params,
        energy: &energy,
    };
    let now = |d: &Dwelling| model.performance(d, &model.basis(d), &State::current(d));
    let (forfaitary, declared) = (now(&flats[0]), now(&flats[1]));
    assert_eq!(forfaitary.qh_nd_kwh_m2, declared.qh_nd_kwh_m2);
    // The heat delivered per m² times the difference of the factors.
    let heat = energy_use(
        &params,
        70.0,
        forfaitary.qh_nd_kwh_m2,
        &Systems {
            heating: Heating::DistrictHeating,
            ventilation: flats[0].ventilation,
            solar_pv_kwp: 0.0,
            supply_temperature: forfaitary.supply_temperature,
            district_heat_primary_factor: None,
        },
    )
    .heat_kwh
        / 70.0;
    assert!(
        (forfaitary.ep2_kwh_m2 - declared.ep2_kwh_m2 - heat * (0.9 - 0.35)).abs() < 1e-9,
        "{} {}",
        forfaitary.ep2_kwh_m2,
        declared.ep2_kwh_m2
    );
    assert!(declared.label < forfaitary.label);
    // Bills do not change: the factor is the norm's, not the tenant's.
    assert_eq!(forfaitary.energy_bill_eur, declared.energy_bill_eur);
}
