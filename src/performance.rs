//! A dwelling's performance in a given state: calibrated heat demand, EP2, label, gas-free,
//! low-temperature readiness, tenant energy bill and CO2. The options builder and the evaluator
//! both go through [`DwellingModel`], so they can never disagree on a dwelling.

use serde::Serialize;

use crate::catalogue::Application;
use crate::label::EnergyLabel;
use crate::model::{
    als_over_ag, calibrate_dwelling, energy_use, heat_demand_kwh_m2, isolatiestandaard_kwh_m2,
    Calibration, EnergyUse, ModelParams, Systems, ThermalState,
};
use crate::readiness::SupplyTemperature;
use crate::scenario::Energy;
use crate::stock::Dwelling;
use crate::typology::{Envelope, Heating, Ventilation};

/// A dwelling's performance in one state.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Performance {
    /// Net heat demand Q_H,nd (kWh/m² yr), calibrated.
    pub qh_nd_kwh_m2: f64,
    /// Primary fossil energy EP2 (kWh/m² yr), calibrated.
    pub ep2_kwh_m2: f64,
    /// Energy label from EP2.
    pub label: EnergyLabel,
    /// No natural gas for space heating or tap water.
    pub gas_free: bool,
    /// The dwelling's isolatiestandaard (kWh/m² yr); a property of its geometry.
    pub standaard_kwh_m2: f64,
    /// Ready for a heat pump or a low/medium-temperature source: the supply temperature it needs
    /// is low or medium (Q_H,nd at most the isolatiestandaard plus the margin, or within the
    /// low-temperature radiators' limit where it has them).
    pub low_temp_ready: bool,
    /// Tenant's yearly energy bill for heating, tap water and auxiliaries (euros), on actual
    /// use ([`crate::energy_use`]).
    pub energy_bill_eur: f64,
    /// Yearly CO2 of that energy (kg), on actual use.
    pub co2_kg: f64,
    /// Ready for a sustainable heat source ([`crate::readiness`]).
    pub ready_for_sustainable_heat: bool,
    /// The supply temperature the dwelling needs.
    pub supply_temperature: crate::readiness::SupplyTemperature,
    /// Actual natural gas use (m³ a year).
    pub gas_m3: f64,
    /// Direct CO2 of the gas burnt in the dwelling (kg a year), on actual use: what the Aedes
    /// benchmark measures from metered gas.
    pub direct_co2_kg: f64,
    /// Actual delivered energy: gas, electricity drawn and district heat (kWh a year).
    pub delivered_kwh: f64,
}

/// The physical state of a dwelling's envelope and systems.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct State {
    /// Envelope.
    pub envelope: Envelope,
    /// Ventilation system.
    pub ventilation: Ventilation,
    /// Heating system.
    pub heating: Heating,
    /// Low-temperature radiators.
    pub low_temperature_radiators: bool,
}

impl State {
    /// The dwelling as it is.
    pub fn current(dwelling: &Dwelling) -> State {
        State {
            envelope: dwelling.envelope,
            ventilation: dwelling.ventilation,
            heating: dwelling.heating,
            low_temperature_radiators: dwelling.low_temperature_radiators,
        }
    }

    /// The dwelling after a package.
    pub fn after(application: &Application) -> State {
        State {
            envelope: application.envelope,
            ventilation: application.ventilation,
            heating: application.heating,
            low_temperature_radiators: application.low_temperature_radiators,
        }
    }
}

/// Everything fixed about one dwelling for the model: its calibration and isolatiestandaard.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DwellingBasis {
    /// Calibration to registered values.
    pub calibration: Calibration,
    /// Isolatiestandaard (kWh/m² yr).
    pub standaard_kwh_m2: f64,
    /// The pre-war (medium-temperature) standaard of the dwelling's category and Als/Ag: with
    /// low-temperature radiators, the demand up to which it needs only low temperature
    /// ([`crate::readiness`]).
    pub low_temperature_radiators_limit_kwh_m2: f64,
    /// The dwelling's element areas are the typology's for its type, period, floor area and
    /// position, so its heat demand per m² is that of any dwelling alike in those and in thermal
    /// state ([`HeatDemandCache`]); decided once here rather than at every lookup.
    pub has_typical_geometry: bool,
}

/// The dwelling model with a scenario's parameters and prices.
#[derive(Debug, Clone, Copy)]
pub struct DwellingModel<'a> {
    /// Model parameters.
    pub params: &'a ModelParams,
    /// Prices and CO2 factors.
    pub energy: &'a Energy,
}

impl<'a> DwellingModel<'a> {
    /// Uncalibrated heat demand of a dwelling in a state. A dwelling with the typology's
    /// geometry is calculated at its usage area ([`crate::model::usage_area_m2`]) with the
    /// typology's geometry for that area: the same heat demand per m² (its element areas scale
    /// with the floor area), and the same bits for every dwelling that shares the calculation in
    /// a [`HeatDemandCache`], whichever of them is calculated first (so that a run gives the same
    /// figures on any number of threads).
    fn raw_heat_demand(&self, dwelling: &Dwelling, state: &State) -> f64 {
        let (floor_area_m2, geometry) = if has_typical_geometry(dwelling) {
            let area = crate::model::usage_area_m2(dwelling.floor_area_m2);
            let geometry = crate::typology::typical_geometry(
                dwelling.dwelling_type,
                dwelling.build_year,
                area,
                dwelling.position,
            );
            (area, geometry)
        } else {
            (dwelling.floor_area_m2, dwelling.geometry)
        };
        heat_demand_kwh_m2(
            self.params,
            &ThermalState {
                floor_area_m2,
                geometry,
                envelope: state.envelope,
                ventilation: state.ventilation,
            },
        )
    }

    /// The supply temperature a dwelling in a state with this (calibrated) Q_H,nd needs.
    fn supply_temperature(
        &self,
        dwelling: &Dwelling,
        state: &State,
        qh: f64,
        standaard: f64,
        low_temperature_limit: f64,
    ) -> SupplyTemperature {
        SupplyTemperature::with_radiators(
            dwelling.build_year,
            qh,
            standaard,
            self.params.low_temp_margin_kwh_m2,
            state
                .low_temperature_radiators
                .then_some(low_temperature_limit),
        )
    }

    fn energy(
        &self,
        dwelling: &Dwelling,
        state: &State,
        qh: f64,
        supply: SupplyTemperature,
    ) -> EnergyUse {
        energy_use(
            self.params,
            dwelling.floor_area_m2,
            qh,
            &Systems {
                heating: state.heating,
                ventilation: state.ventilation,
                solar_pv_kwp: dwelling.solar_pv_kwp,
                supply_temperature: supply,
                district_heat_primary_factor: dwelling.district_heat_factor,
            },
        )
    }

    /// The dwelling's calibration and standaard.
    pub fn basis(&self, dwelling: &Dwelling) -> DwellingBasis {
        let current = State::current(dwelling);
        self.basis_with_raw_heat_demand(
            dwelling,
            self.raw_heat_demand(dwelling, &current),
            has_typical_geometry(dwelling),
        )
    }

    /// The dwelling's calibration and standaard, and its performance today, with one heat-balance
    /// calculation.
    pub fn basis_and_current(
        &self,
        dwelling: &Dwelling,
        cache: &mut HeatDemandCache,
    ) -> (DwellingBasis, Performance) {
        let current = State::current(dwelling);
        let typical = has_typical_geometry(dwelling);
        let raw = cache.raw_heat_demand_kwh_m2(self, dwelling, typical, &current);
        let basis = self.basis_with_raw_heat_demand(dwelling, raw, typical);
        let before = self.performance_with_raw_heat_demand(dwelling, &basis, &current, raw);
        (basis, before)
    }

    fn basis_with_raw_heat_demand(
        &self,
        dwelling: &Dwelling,
        model_qh: f64,
        has_typical_geometry: bool,
    ) -> DwellingBasis {
        let als_ag = als_over_ag(self.params, dwelling.floor_area_m2, &dwelling.geometry);
        let standaard_kwh_m2 =
            isolatiestandaard_kwh_m2(dwelling.dwelling_type, dwelling.build_year, als_ag);
        let low_temperature_radiators_limit_kwh_m2 = isolatiestandaard_kwh_m2(
            dwelling.dwelling_type,
            crate::readiness::LAST_PRE_WAR_YEAR,
            als_ag,
        );
        let current = State::current(dwelling);
        let calibration = calibrate_dwelling(
            model_qh,
            |qh| {
                let supply = self.supply_temperature(
                    dwelling,
                    &current,
                    qh,
                    standaard_kwh_m2,
                    low_temperature_radiators_limit_kwh_m2,
                );
                self.energy(dwelling, &current, qh, supply).ep2_kwh_m2
            },
            dwelling.registered_qh_nd,
            dwelling.registered_ep2,
            dwelling.registered_label,
        );
        DwellingBasis {
            calibration,
            standaard_kwh_m2,
            low_temperature_radiators_limit_kwh_m2,
            has_typical_geometry,
        }
    }

    /// Performance of a dwelling in a state.
    pub fn performance(
        &self,
        dwelling: &Dwelling,
        basis: &DwellingBasis,
        state: &State,
    ) -> Performance {
        self.performance_with_raw_heat_demand(
            dwelling,
            basis,
            state,
            self.raw_heat_demand(dwelling, state),
        )
    }

    /// Performance of a dwelling in a state whose uncalibrated Q_H,nd is already known (the
    /// options builder shares it between dwellings of a complex with the same thermal state).
    pub fn performance_with_raw_heat_demand(
        &self,
        dwelling: &Dwelling,
        basis: &DwellingBasis,
        state: &State,
        raw_qh_kwh_m2: f64,
    ) -> Performance {
        self.performance_with_heat_demand(
            dwelling,
            basis,
            state,
            raw_qh_kwh_m2 * basis.calibration.qh_factor,
        )
    }

    /// Performance after a package. A package that leaves the envelope and ventilation as they
    /// are (a heating change only) leaves the heat demand exactly as it was: the before-state's
    /// value is reused rather than recomputed, so its reduction is exactly zero.
    pub fn performance_after(
        &self,
        dwelling: &Dwelling,
        basis: &DwellingBasis,
        before: &Performance,
        state: &State,
        cache: &mut HeatDemandCache,
    ) -> Performance {
        let qh = if state.envelope == dwelling.envelope && state.ventilation == dwelling.ventilation
        {
            before.qh_nd_kwh_m2
        } else {
            cache.raw_heat_demand_kwh_m2(self, dwelling, basis.has_typical_geometry, state)
                * basis.calibration.qh_factor
        };
        self.performance_with_heat_demand(dwelling, basis, state, qh)
    }

    /// Performance of a dwelling in a state with this calibrated Q_H,nd.
    fn performance_with_heat_demand(
        &self,
        dwelling: &Dwelling,
        basis: &DwellingBasis,
        state: &State,
        qh: f64,
    ) -> Performance {
        // The supply temperature the dwelling needs: readiness, and a heat pump's SPF.
        let supply = self.supply_temperature(
            dwelling,
            state,
            qh,
            basis.standaard_kwh_m2,
            basis.low_temperature_radiators_limit_kwh_m2,
        );
        let use_ = self.energy(dwelling, state, qh, supply);
        // The heat-demand factor holds in every state; the EP2 factor only on the registered system.
        let ep2 = use_.ep2_kwh_m2
            * basis
                .calibration
                .ep2_factor_for(dwelling.heating, state.heating);
        let e = self.energy;
        let label = EnergyLabel::from_ep2(ep2);
        // Bills and CO2 follow what households actually use, not the norm calculation: a curve
        // in the useful heat need, which the envelope decides and a heat pump leaves alone.
        let area = dwelling.floor_area_m2.max(1e-9);
        let heat_need_kwh_m2 = qh + crate::model::tap_water_kwh(self.params, area) / area;
        let actual = e.actual_use.factor(heat_need_kwh_m2);
        let gas_m3 = actual * use_.gas_kwh / e.gas_kwh_per_m3;
        let electricity_kwh = actual * use_.electricity_kwh;
        let heat_kwh = actual * use_.heat_kwh;
        let net_electricity_kwh = electricity_kwh - use_.pv_kwh;
        let mut bill = gas_m3 * e.gas_eur_per_m3
            + net_electricity_kwh * e.electricity_eur_per_kwh
            + heat_kwh * e.district_heat_eur_per_gj / 277.777_777_777_777_8;
        if use_.gas_kwh > 0.0 {
            bill += e.gas_fixed_eur_per_year;
        }
        if state.heating == Heating::DistrictHeating {
            bill += e.district_heat_fixed_eur_per_year;
        }
        let direct_co2_kg = gas_m3 * e.gas_co2_kg_per_m3;
        let co2_kg = direct_co2_kg
            + net_electricity_kwh * e.electricity_co2_kg_per_kwh
            + heat_kwh * e.district_heat_co2_kg_per_kwh;
        Performance {
            qh_nd_kwh_m2: qh,
            ep2_kwh_m2: ep2,
            label,
            gas_free: state.heating.is_gas_free(),
            standaard_kwh_m2: basis.standaard_kwh_m2,
            // The same test as readiness, so the options' readiness gains are those of the
            // solvers' readiness row.
            low_temp_ready: supply.is_ready(),
            ready_for_sustainable_heat: supply.is_ready(),
            supply_temperature: supply,
            energy_bill_eur: bill,
            co2_kg,
            gas_m3,
            direct_co2_kg,
            delivered_kwh: gas_m3 * e.gas_kwh_per_m3 + electricity_kwh + heat_kwh,
        }
    }
}

/// Heat demands already computed, shared by the dwellings of many units and all their packages
/// (those that differ only in the heating share an envelope, and so a calculation). A dwelling
/// with the typology's geometry (all element areas proportional to its floor area) has a heat
/// demand per m² that depends on its type, period, position, floor area to 5 m²
/// (`model::usage_area_m2`, through NTA 8800's occupants and ventilation capacity) and thermal
/// state only, so such dwellings share one heat-balance calculation across complexes alike.
/// Other dwellings are always calculated. A cache holds for one model's parameters: make one
/// per run (or per batch of units), never across scenarios.
#[derive(Debug, Default)]
pub struct HeatDemandCache {
    entries: std::collections::HashMap<ThermalKey, f64, BuildKeyHasher>,
}

/// What decides a proportional-geometry dwelling's heat demand per m².
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct ThermalKey {
    dwelling_type: crate::typology::DwellingType,
    // The typology's proportions depend on the construction period.
    period: crate::typology::ConstructionPeriod,
    position: Option<crate::typology::Position>,
    floor_area_bits: u64,
    ventilation: Ventilation,
    envelope: [u64; 6],
}

/// Entries above which a cache starts afresh, so that its memory stays bounded (a few MB) on
/// any stock.
const CACHE_ENTRIES: usize = 1 << 16;

impl HeatDemandCache {
    /// The uncalibrated Q_H,nd (kWh/m² yr) of `dwelling` in `state`; `typical` says whether
    /// the dwelling has the typology's geometry ([`DwellingBasis::has_typical_geometry`]).
    pub fn raw_heat_demand_kwh_m2(
        &mut self,
        model: &DwellingModel,
        dwelling: &Dwelling,
        typical: bool,
        state: &State,
    ) -> f64 {
        if !typical {
            return model.raw_heat_demand(dwelling, state);
        }
        let e = &state.envelope;
        let key = ThermalKey {
            dwelling_type: dwelling.dwelling_type,
            period: crate::typology::ConstructionPeriod::of_year(dwelling.build_year),
            position: dwelling.position,
            floor_area_bits: crate::model::usage_area_m2(dwelling.floor_area_m2).to_bits(),
            ventilation: state.ventilation,
            envelope: [
                e.roof_rc,
                e.facade_rc,
                e.floor_rc,
                e.window_u,
                e.door_u,
                e.qv10_dm3_s_m2,
            ]
            .map(f64::to_bits),
        };
        if let Some(&qh) = self.entries.get(&key) {
            return qh;
        }
        if self.entries.len() >= CACHE_ENTRIES {
            self.entries.clear();
        }
        let qh = model.raw_heat_demand(dwelling, state);
        self.entries.insert(key, qh);
        qh
    }
}

/// Whether `dwelling`'s element areas are the typology's for its type, build year, floor area
/// and position (then its heat demand per m² can be shared, see [`HeatDemandCache`]).
fn has_typical_geometry(dwelling: &Dwelling) -> bool {
    dwelling.geometry
        == crate::typology::typical_geometry(
            dwelling.dwelling_type,
            dwelling.build_year,
            dwelling.floor_area_m2,
            dwelling.position,
        )
}

/// A multiply-and-rotate hasher for the cache's keys (as rustc's FxHash): the keys are small and
/// not chosen by an adversary, and SipHash would cost a fair share of what the cache saves.
#[derive(Debug, Default, Clone, Copy)]
struct BuildKeyHasher;

impl std::hash::BuildHasher for BuildKeyHasher {
    type Hasher = KeyHasher;
    fn build_hasher(&self) -> KeyHasher {
        KeyHasher(0)
    }
}

/// See [`BuildKeyHasher`].
struct KeyHasher(u64);

impl KeyHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl std::hash::Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }
    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
    fn write_isize(&mut self, n: isize) {
        self.add(n as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{Catalogue, Family, PriceClass, Scale};
    use crate::typology::DwellingType;

    fn dwelling() -> Dwelling {
        let text = "id,dwelling_type,build_year,floor_area_m2,registered_label,registered_qh_nd\n1,terraced_mid,1970,114.9,D,180\n";
        let (stock, _) = crate::stock::read_stock_from(
            text.as_bytes(),
            std::path::Path::new("t.csv"),
            &Default::default(),
        )
        .unwrap();
        stock.dwellings[0].clone()
    }

    /// The shared calculation at the usage area stands for the dwelling's own: the heat demand
    /// per m² of a typical-geometry dwelling does not depend on where in its 5 m² step its floor
    /// area lies.
    #[test]
    fn a_typical_dwelling_has_the_heat_demand_of_its_usage_area() {
        use crate::typology::{typical_envelope, typical_geometry, DwellingType, Position};
        let params = ModelParams::default();
        for (dwelling_type, build_year, position) in [
            (DwellingType::TerracedMid, 1970, None),
            (DwellingType::Detached, 1930, None),
            (DwellingType::ApartmentGallery, 1985, Some(Position::Top)),
            (DwellingType::SemiDetached, 2012, None),
        ] {
            // The typical dwelling of this type, year and position at `area` m².
            let at = |area: f64| {
                heat_demand_kwh_m2(
                    &params,
                    &ThermalState {
                        floor_area_m2: area,
                        geometry: typical_geometry(dwelling_type, build_year, area, position),
                        envelope: typical_envelope(dwelling_type, build_year, position),
                        ventilation: crate::typology::default_ventilation(
                            crate::typology::ConstructionPeriod::of_year(build_year),
                        ),
                    },
                )
            };
            for area in [52.6, 88.0, 103.2, 117.49, 151.0] {
                let exact = at(area);
                let shared = at(crate::model::usage_area_m2(area));
                assert!(
                    (exact - shared).abs() <= 1e-9 * exact,
                    "{dwelling_type:?} {build_year} {area} m²: {exact} against {shared}"
                );
            }
        }
    }

    #[test]
    fn bills_follow_actual_use_corrected_by_heat_need_while_ep2_stays_on_the_norm() {
        let params = ModelParams::default();
        let norm = Energy {
            actual_use: crate::energy_use::ActualUse {
                enabled: false,
                ..Default::default()
            },
            ..Energy::default()
        };
        let actual = Energy::default();
        let d = dwelling(); // label D
        let on = |energy: &Energy| {
            let m = DwellingModel {
                params: &params,
                energy,
            };
            m.performance(&d, &m.basis(&d), &State::current(&d))
        };
        let (n, a) = (on(&norm), on(&actual));
        assert_eq!(n.ep2_kwh_m2, a.ep2_kwh_m2);
        assert_eq!(a.label, EnergyLabel::D);
        // The registered Q_H,nd of 180 kWh/m² plus NTA 8800 tap water for 114.9 m² (2.43
        // occupants × 856 kWh).
        let heat_need = 180.0 + 856.0 * (1.28 + 0.01 * 114.9) / 114.9;
        let factor = actual.actual_use.factor(heat_need);
        assert!((a.gas_m3 / n.gas_m3 - factor).abs() < 1e-9);
        assert!(
            (factor - actual.actual_use.scale * (heat_need / 100.0).powf(0.28 - 1.0)).abs() < 1e-9
        );
        assert!((a.direct_co2_kg - a.gas_m3 * actual.gas_co2_kg_per_m3).abs() < 1e-9);
        assert!(a.energy_bill_eur < n.energy_bill_eur);
    }

    #[test]
    fn before_state_equals_registered_values() {
        let params = ModelParams::default();
        let energy = Energy::default();
        let m = DwellingModel {
            params: &params,
            energy: &energy,
        };
        let d = dwelling();
        let basis = m.basis(&d);
        let before = m.performance(&d, &basis, &State::current(&d));
        assert!((before.qh_nd_kwh_m2 - 180.0).abs() < 1e-9);
        assert_eq!(before.label, EnergyLabel::D);
        assert!(!before.gas_free);
        assert_eq!(d.dwelling_type, DwellingType::TerracedMid);
    }

    #[test]
    fn measures_apply_the_models_relative_effect() {
        let params = ModelParams::default();
        let energy = Energy::default();
        let m = DwellingModel {
            params: &params,
            energy: &energy,
        };
        let d = dwelling();
        let basis = m.basis(&d);
        let c = Catalogue::default();
        let (_, pkg) = c.package("shell_basic").unwrap();
        let price = PriceClass {
            family: Family::Single,
            scale: Scale::Individual,
        };
        let app = c.apply(pkg, &d, price, &params).unwrap();
        let after = m.performance(&d, &basis, &State::after(&app));
        let uncal = DwellingModel {
            params: &params,
            energy: &energy,
        };
        let plain = DwellingBasis {
            calibration: Calibration::NONE,
            ..basis
        };
        let raw_before = uncal
            .performance(&d, &plain, &State::current(&d))
            .qh_nd_kwh_m2;
        let raw_after = uncal
            .performance(&d, &plain, &State::after(&app))
            .qh_nd_kwh_m2;
        assert!((after.qh_nd_kwh_m2 / 180.0 - raw_after / raw_before).abs() < 1e-9);
        assert!(after.label < EnergyLabel::D);
        let before = m.performance(&d, &basis, &State::current(&d));
        assert!(after.energy_bill_eur < before.energy_bill_eur);
        assert!(after.co2_kg < before.co2_kg);
    }
}
