//! The dwelling model: the net heat demand Q_H,nd by NTA 8800's monthly method, the
//! isolatiestandaard from Als/Ag, EP2 from the heating system, tap water, auxiliaries and PV, the
//! energy label, gas-free status and low-temperature readiness.
//!
//! The heat balance follows NTA 8800 chapter 7 for one zone on the De Bilt reference climate:
//!
//! ```text
//! per month:  Q_loss = (H_D + H_V)·(θ_calc − θ_e) + H_g·(θ_calc − θ_e;an)
//!             Q_gain = occupants · 180 W + windows' solar gain − sky loss
//!             Q_H,nd += max(0, Q_loss − η(γ, a) · Q_gain),   a = 1 + τ/15 h
//! H_D = Σ A·U + ΔU_tb·A (thermal bridges)     H_g: floors over the crawlspace, R_crawl added
//! H_V = ρc · (f_sys · f_ctrl · f_τ · q_spec · Ag · (1 − η_hr) + c_inf · qv10 · Ag)
//! θ_calc: set-point after temperature levelling (7.78) and the night set-back (7.59–7.73)
//! ```
//!
//! Three global parameters are fitted to RVO's reference dwellings (see [`ModelParams`]); the
//! rest are NTA 8800's values. The `calibrate` command refits some of them to a stock's registered
//! values.

use serde::{Deserialize, Serialize};

use crate::label::EnergyLabel;
use crate::readiness::SupplyTemperature;
use crate::typology::{glazing_g_value, DwellingType, Envelope, Geometry, Heating, Ventilation};

/// Heat capacity of air ρ_a·c_a = 1.205 kg/m³ × 1005 J/kgK (NTA 8800 7.19): a flow of 1 dm³/s
/// carries 1.211 W/K.
const AIR_W_PER_K_PER_DM3_S: f64 = 1.211;
/// Surface resistances (m²K/W), NTA 8800 / NEN-EN-ISO 6946: inside for roofs (heat flow up),
/// walls, floors (down); outside air.
const R_SI_ROOF: f64 = 0.10;
const R_SI_WALL: f64 = 0.13;
const R_SI_FLOOR: f64 = 0.17;
const R_SE_OUTSIDE: f64 = 0.04;

/// Reference climate De Bilt, NTA 8800 table 17.1: hours per month.
const MONTH_HOURS: [f64; 12] = [
    744.0, 672.0, 744.0, 720.0, 744.0, 720.0, 744.0, 744.0, 720.0, 744.0, 720.0, 744.0,
];
/// NTA 8800 table 17.1: mean outdoor temperature per month (°C).
const OUTDOOR_TEMPERATURE_C: [f64; 12] = [
    2.61, 4.82, 5.91, 9.32, 14.73, 16.12, 18.05, 18.48, 15.63, 10.40, 7.99, 4.00,
];
/// Annual mean outdoor temperature (°C), against which floors over the ground lose heat
/// (NTA 8800 7.14/7.15, annex D).
const ANNUAL_MEAN_OUTDOOR_C: f64 = 10.67;
/// NTA 8800 table 17.2: mean irradiance on vertical surfaces per month (W/m²), averaged over the
/// eight orientations, since a stock table does not say which way a dwelling's windows face.
const VERTICAL_IRRADIANCE_W_M2: [f64; 12] = [
    28.662, 38.362, 65.6, 98.45, 102.625, 107.725, 99.25, 98.737, 79.825, 54.188, 30.025, 21.837,
];
/// NTA 8800 7.40: time-averaged angle-of-incidence correction on the glazing's g-value.
const ANGLE_OF_INCIDENCE_FACTOR: f64 = 0.90;
/// NTA 8800 7.39: sky radiation loss of vertical glazing, F_sky·R_se·h_r·Δθ_sky =
/// 0.5 × 0.04 × 4.14 W/m²K × 11 K per W/m²K of the window's U.
const SKY_LOSS_PER_U: f64 = 0.5 * 0.04 * 4.14 * 11.0;
/// NTA 8800 7.51: a = a_0 + τ/τ_0 with a_0 = 1 and τ_0 = 15 h.
const UTILISATION_TAU_0_H: f64 = 15.0;
/// NTA 8800 7.78: share of the heating time with moderate heating (f_mod;t), spatial share of the
/// dwelling heated moderately (f_mod;sp, 0.6 for houses, 0.5 in apartment buildings) and the
/// specific internal heat transfer between rooms (W/m²K): temperature levelling in dwellings.
const LEVELLING_TIME_SHARE: f64 = 0.8;
const LEVELLING_SPACE_SHARE_HOUSE: f64 = 0.6;
const LEVELLING_SPACE_SHARE_APARTMENT: f64 = 0.5;
const LEVELLING_INTERNAL_W_M2K: f64 = 2.0;
/// NTA 8800 table 11.8: required ventilation capacity of dwellings (dm³/s per m²), at least
/// 35 dm³/s per dwelling (11.63).
const VENTILATION_CAPACITY_DM3_S_M2: f64 = 0.5;
const VENTILATION_MINIMUM_DM3_S: f64 = 35.0;

/// Global model parameters, with defaults and validation. Values marked *Fitted* rest on RVO's
/// reference dwellings (`tests/it/rvo_fit.rs` reproduces the fit), values marked *calibrated* on
/// the published figures of the corporation stock; the rest are assumptions or published figures
/// as each field says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelParams {
    /// Heating set-point θ_int;set;H of a dwelling (°C). NTA 8800 table 7.13.
    pub heating_setpoint_c: f64,
    /// Reduced set-point during the night set-back (°C). NTA 8800 table 7.14.
    pub setback_setpoint_c: f64,
    /// Hours of night set-back per day (intermittent heating, NTA 8800 7.59–7.73). Table 7.15.
    pub setback_hours_per_day: f64,
    /// Internal heat per occupant (W), occupants from the floor area by NTA 8800 7.22–7.24.
    /// NTA 8800 7.21.
    pub internal_gains_w_per_person: f64,
    /// Effective internal heat capacity D_m (kJ/m²K) for the time constant τ = C_m / H, which sets
    /// the gain utilisation (a = 1 + τ/15 h) and the intermittency. NTA 8800 table 7.10: heavy
    /// floors and walls, closed ceiling.
    pub heat_capacity_kj_m2k: f64,
    /// Obstruction factor F_sh;obst on solar gains through windows (1 = unobstructed). NTA 8800
    /// §17.3 without a declared obstruction.
    pub solar_shading_factor: f64,
    /// Frame fraction F_fr of windows, which lets no sun in. NTA 8800 forfaitary 0.25.
    pub window_frame_fraction: f64,
    /// Ventilation flow over NTA 8800's required capacity f_τ·q_spec·Ag (table 11.8: 0.5
    /// dm³/s·m², at least 35 dm³/s per dwelling) times the system's control factor f_ctrl
    /// (table 11.5): what the pressure balance of NTA 8800 chapter 11 adds for the way supply and
    /// exhaust really run, lumped for one zone. *Fitted* (with the other two) to RVO's element values of the four ground-level reference
    /// dwellings in four variants, least squares on the log error: `tests/it/rvo_fit.rs` recomputes
    /// the optimum and holds this default at it. (1.30 when it was fitted outside
    /// the repository.)
    pub ventilation_flow_factor: f64,
    /// Heat-recovery efficiency of balanced ventilation as it works in the dwelling: NTA 8800
    /// table 11.18 counterflow exchanger 0.80 less duct and imbalance losses (practice factor
    /// 11.107 ≈ 0.93).
    pub heat_recovery_efficiency: f64,
    /// Infiltration flow per unit of qv10 (dm³/s per dm³/s at 10 Pa): NTA 8800 11.85, the leakage
    /// flow at 1 Pa (qv10 / 10^0.67 = 0.214·qv10), half of it entering.
    pub infiltration_factor: f64,
    /// Thermal-bridge surcharge ΔU on every outside element (W/m²K), as NTA 8800's forfaitary
    /// ΔU_for treatment. *Fitted* with the other two (`tests/it/rvo_fit.rs`).
    pub thermal_bridge_w_m2k: f64,
    /// Thermal resistance of the crawlspace and the ground under a floor (m²K/W), added to the
    /// floor's R_si + Rc; the floor loses heat against the annual mean outdoor temperature
    /// (NTA 8800 7.14, annex D). *Fitted* with the other two (`tests/it/rvo_fit.rs`; 0.40 when it
    /// was fitted outside the repository; the least determined of the three: 0.5–0.8 fit about as well).
    pub crawlspace_resistance_m2k_w: f64,
    /// Weight of floors over the ground or a crawlspace in Als/Ag (isolatiestandaard: 0.7).
    pub floor_b_factor: f64,
    /// HR boiler efficiency on space heating, net heat need per lower-heating-value input
    /// (Hestia, `reference/heat_pump_performance_hestia.csv`).
    pub boiler_space_efficiency: f64,
    /// HR combi boiler efficiency on tap water (Hestia).
    pub boiler_tap_water_efficiency: f64,
    /// Gross over net calorific value of Dutch natural gas: NTA 8800 counts gas on the gross
    /// (upper) value while Hestia's efficiencies are on the net value (35.17 / 31.65 MJ/m³).
    pub gas_gross_over_net: f64,
    /// Emission and distribution efficiency of a hydronic heating system (radiators, pipes):
    /// NTA 8800 charges these losses before the generator. Assumption, calibrated so that the
    /// synthetic sector stock reproduces the published label distribution and average EP2
    /// (0.82 with the earlier assumed tap water; 0.80 with NTA 8800's tap water and
    /// `tap_water_distribution_efficiency` 0.58: 39.7 % A or better, 8.6 % E/F/G, mean EP2 188).
    pub distribution_efficiency: f64,
    /// Share of the space-heating need a hybrid heat pump covers. Assumption.
    pub hybrid_share_of_space_heat: f64,
    /// SPF of a hybrid heat pump on space heating (Hestia).
    pub hybrid_spf: f64,
    /// SPF of an air/water heat pump on tap water (Hestia).
    pub heat_pump_tap_water_spf: f64,
    /// Efficiency of direct electric tap-water heating. Assumption.
    pub electric_tap_water_efficiency: f64,
    /// Net heat need for hot tap water per occupant (kWh/yr): NTA 8800 §13.2.3, 856 kWh per
    /// occupant (`reference/npa_realism.md`); the occupants follow from Ag
    /// ([`nta8800_occupants`]). The generators' tap-water efficiencies apply to this net need.
    pub tap_water_kwh_per_occupant: f64,
    /// Distribution and emission efficiency of the tap-water system: NTA 8800 charges the
    /// losses of pipes to the kitchen and bathroom (§13, Q_W;dis) before the generator, which the
    /// model's net need does not hold. Assumption, *calibrated* together with
    /// `distribution_efficiency` so that the synthetic sector stock reproduces the published
    /// label distribution and average EP2 (`tests/it/generate.rs`) with NTA 8800's tap water.
    pub tap_water_distribution_efficiency: f64,
    /// Circulation pump and boiler or heat-pump controls of a hydronic system (kWh/yr). Assumption.
    pub pump_kwh: f64,
    /// Fan energy of mechanical exhaust ventilation (kWh/yr). Assumption.
    pub exhaust_fan_kwh: f64,
    /// Fan energy of balanced ventilation (kWh/yr). Assumption.
    pub balanced_fan_kwh: f64,
    /// PV yield (kWh per kWp per year). Assumption (Dutch average).
    pub pv_yield_kwh_per_kwp: f64,
    /// Primary fossil energy factor of natural gas (NTA 8800).
    pub primary_factor_gas: f64,
    /// Primary fossil energy factor of electricity (NTA 8800:2022: 1.45).
    pub primary_factor_electricity: f64,
    /// Primary fossil energy factor of district heat: NTA 8800's forfaitary 0.9 for a network
    /// without a declaration (table 5.2); set a network's declared value here where known.
    pub primary_factor_district_heat: f64,
    /// A dwelling is low-temperature ready when Q_H,nd ≤ isolatiestandaard + this margin
    /// (kWh/m²); the all-electric heat pump needs it.
    pub low_temp_margin_kwh_m2: f64,
    /// SPF of an all-electric air/water heat pump on space heating in a dwelling that needs low
    /// temperature (≈50 °C): Hestia's SPF for shell label A, 4.66
    /// (`reference/heat_pump_performance_hestia.csv`), the well-insulated dwellings heated at low
    /// temperature.
    pub heat_pump_spf_low_temperature: f64,
    /// SPF of an all-electric heat pump where the dwelling needs medium (≈70 °C) or high
    /// temperature: Hestia's SPF for shell label C or worse, 3.39. Hestia's table is by shell
    /// label; reading label A as ≈50 °C and C or worse as ≈70 °C supply is an *assumption*,
    /// consistent with the Carnot ratio of the two supply temperatures at 0 °C outside
    /// (343/70 ÷ 323/50 = 0.76; Hestia 3.39/4.66 = 0.73). Hestia's B (3.81) has no supply
    /// temperature of its own here.
    pub heat_pump_spf_medium_temperature: f64,
}

impl Default for ModelParams {
    fn default() -> Self {
        ModelParams {
            heating_setpoint_c: 20.0,
            setback_setpoint_c: 16.0,
            setback_hours_per_day: 10.0,
            internal_gains_w_per_person: 180.0,
            heat_capacity_kj_m2k: 180.0,
            solar_shading_factor: 1.0,
            window_frame_fraction: 0.25,
            ventilation_flow_factor: 1.33,
            heat_recovery_efficiency: 0.75,
            infiltration_factor: 0.107,
            thermal_bridge_w_m2k: 0.18,
            crawlspace_resistance_m2k_w: 0.63,
            floor_b_factor: 0.7,
            boiler_space_efficiency: 1.04,
            boiler_tap_water_efficiency: 0.76,
            gas_gross_over_net: 35.17 / 31.65,
            distribution_efficiency: 0.80,
            hybrid_share_of_space_heat: 0.6,
            hybrid_spf: 4.25,
            heat_pump_tap_water_spf: 1.75,
            electric_tap_water_efficiency: 0.95,
            tap_water_kwh_per_occupant: 856.0,
            tap_water_distribution_efficiency: 0.58,
            pump_kwh: 150.0,
            exhaust_fan_kwh: 250.0,
            balanced_fan_kwh: 450.0,
            pv_yield_kwh_per_kwp: 875.0,
            primary_factor_gas: 1.0,
            primary_factor_electricity: 1.45,
            primary_factor_district_heat: 0.9,
            low_temp_margin_kwh_m2: 0.0,
            heat_pump_spf_low_temperature: 4.66,
            heat_pump_spf_medium_temperature: 3.39,
        }
    }
}

/// A model parameter outside its physical range.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("model parameter `{name}` = {value} is out of range: expected {expected}")]
pub struct ParamError {
    /// Field name as in the scenario's `[model]` table.
    pub name: &'static str,
    /// The value given.
    pub value: f64,
    /// The accepted range.
    pub expected: &'static str,
}

impl ModelParams {
    /// Checks every parameter against its physical range, so that a typo in a scenario file is
    /// reported before any dwelling is modelled.
    pub fn validate(&self) -> Result<(), ParamError> {
        let checks: [(&'static str, f64, f64, f64, &'static str); 25] = [
            (
                "heating_setpoint_c",
                self.heating_setpoint_c,
                10.0,
                30.0,
                "10 to 30",
            ),
            (
                "setback_setpoint_c",
                self.setback_setpoint_c,
                0.0,
                30.0,
                "0 to 30",
            ),
            (
                "setback_hours_per_day",
                self.setback_hours_per_day,
                0.0,
                23.0,
                "0 to 23",
            ),
            (
                "internal_gains_w_per_person",
                self.internal_gains_w_per_person,
                0.0,
                1000.0,
                "0 to 1000",
            ),
            (
                "heat_capacity_kj_m2k",
                self.heat_capacity_kj_m2k,
                10.0,
                1000.0,
                "10 to 1000",
            ),
            (
                "solar_shading_factor",
                self.solar_shading_factor,
                0.0,
                1.0,
                "0 to 1",
            ),
            (
                "window_frame_fraction",
                self.window_frame_fraction,
                0.0,
                0.9,
                "0 to 0.9",
            ),
            (
                "ventilation_flow_factor",
                self.ventilation_flow_factor,
                0.0,
                5.0,
                "0 to 5",
            ),
            (
                "heat_recovery_efficiency",
                self.heat_recovery_efficiency,
                0.0,
                1.0,
                "0 to 1",
            ),
            (
                "infiltration_factor",
                self.infiltration_factor,
                0.0,
                2.0,
                "0 to 2",
            ),
            (
                "thermal_bridge_w_m2k",
                self.thermal_bridge_w_m2k,
                0.0,
                1.0,
                "0 to 1",
            ),
            (
                "crawlspace_resistance_m2k_w",
                self.crawlspace_resistance_m2k_w,
                0.0,
                10.0,
                "0 to 10",
            ),
            ("floor_b_factor", self.floor_b_factor, 0.0, 1.0, "0 to 1"),
            (
                "boiler_space_efficiency",
                self.boiler_space_efficiency,
                0.3,
                1.2,
                "0.3 to 1.2",
            ),
            (
                "boiler_tap_water_efficiency",
                self.boiler_tap_water_efficiency,
                0.2,
                1.2,
                "0.2 to 1.2",
            ),
            (
                "gas_gross_over_net",
                self.gas_gross_over_net,
                1.0,
                1.2,
                "1 to 1.2",
            ),
            (
                "distribution_efficiency",
                self.distribution_efficiency,
                0.3,
                1.0,
                "0.3 to 1",
            ),
            (
                "hybrid_share_of_space_heat",
                self.hybrid_share_of_space_heat,
                0.0,
                1.0,
                "0 to 1",
            ),
            ("hybrid_spf", self.hybrid_spf, 1.0, 10.0, "1 to 10"),
            (
                "tap_water_distribution_efficiency",
                self.tap_water_distribution_efficiency,
                0.3,
                1.0,
                "0.3 to 1",
            ),
            (
                "heat_pump_spf_low_temperature",
                self.heat_pump_spf_low_temperature,
                1.0,
                10.0,
                "1 to 10",
            ),
            (
                "heat_pump_spf_medium_temperature",
                self.heat_pump_spf_medium_temperature,
                1.0,
                10.0,
                "1 to 10",
            ),
            (
                "heat_pump_tap_water_spf",
                self.heat_pump_tap_water_spf,
                0.5,
                10.0,
                "0.5 to 10",
            ),
            (
                "primary_factor_electricity",
                self.primary_factor_electricity,
                0.0,
                5.0,
                "0 to 5",
            ),
            (
                "primary_factor_district_heat",
                self.primary_factor_district_heat,
                0.0,
                5.0,
                "0 to 5",
            ),
        ];
        for (name, value, low, high, expected) in checks {
            if !(value.is_finite() && value >= low && value <= high) {
                return Err(ParamError {
                    name,
                    value,
                    expected,
                });
            }
        }
        let non_negative = [
            (
                "electric_tap_water_efficiency",
                self.electric_tap_water_efficiency,
            ),
            (
                "tap_water_kwh_per_occupant",
                self.tap_water_kwh_per_occupant,
            ),
            ("pump_kwh", self.pump_kwh),
            ("exhaust_fan_kwh", self.exhaust_fan_kwh),
            ("balanced_fan_kwh", self.balanced_fan_kwh),
            ("pv_yield_kwh_per_kwp", self.pv_yield_kwh_per_kwp),
            ("primary_factor_gas", self.primary_factor_gas),
            ("low_temp_margin_kwh_m2", self.low_temp_margin_kwh_m2),
        ];
        for (name, value) in non_negative {
            if !(value.is_finite() && value >= 0.0) {
                return Err(ParamError {
                    name,
                    value,
                    expected: "a finite number ≥ 0",
                });
            }
        }
        if self.electric_tap_water_efficiency <= 0.0 {
            return Err(ParamError {
                name: "electric_tap_water_efficiency",
                value: self.electric_tap_water_efficiency,
                expected: "a number > 0",
            });
        }
        Ok(())
    }
}

/// Everything the heat balance needs about one dwelling in one state (before or after measures).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThermalState {
    /// Usable floor area Ag (m²).
    pub floor_area_m2: f64,
    /// Element areas.
    pub geometry: Geometry,
    /// Element qualities.
    pub envelope: Envelope,
    /// Ventilation system.
    pub ventilation: Ventilation,
}

/// Heat transfer coefficients of a state (W/K).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeatLoss {
    /// Transmission to outside air H_D, thermal bridges included.
    pub transmission_w_k: f64,
    /// Transmission through floors over the ground or a crawlspace H_g, against the annual mean
    /// outdoor temperature.
    pub ground_w_k: f64,
    /// Ventilation and infiltration H_V, heat recovery deducted.
    pub ventilation_w_k: f64,
}

fn u_opaque(r_si: f64, rc: f64, r_se: f64) -> f64 {
    1.0 / (r_si + rc.max(0.0) + r_se)
}

/// Floor areas are taken to this step (m²) for the two terms of the heat balance that do not
/// scale with the dwelling, NTA 8800's occupants and ventilation capacity, so that the dwellings
/// of a complex with nearly equal areas share one calculation (the heat-demand cache keys on it).
/// A 5 m² step moves Q_H,nd by about 0.2 %.
const USAGE_AREA_STEP_M2: f64 = 5.0;

/// The floor area NTA 8800's occupants and ventilation capacity are taken at: the usable floor
/// area to the nearest [`USAGE_AREA_STEP_M2`].
pub fn usage_area_m2(floor_area_m2: f64) -> f64 {
    ((floor_area_m2 / USAGE_AREA_STEP_M2).round() * USAGE_AREA_STEP_M2).max(USAGE_AREA_STEP_M2)
}

/// NTA 8800 7.22–7.24: occupants of a dwelling from its usable floor area.
fn occupants(floor_area_m2: f64) -> f64 {
    if floor_area_m2 <= 30.0 {
        1.0
    } else if floor_area_m2 <= 100.0 {
        2.28 - 1.28 / 70.0 * (100.0 - floor_area_m2)
    } else {
        1.28 + 0.01 * floor_area_m2
    }
}

/// NTA 8800 table 11.5 (dwellings): control factor f_ctrl of the ventilation system: natural A1
/// 1.00, exhaust C1 1.00, demand-controlled exhaust with CO2 control and zoning C5a 0.56, balanced
/// D2 1.00, balanced with CO2 control in the living room and bedrooms and zoning D5a/D5b 0.52.
/// Values as transcribed from NTA 8800 in OpenAEC-Foundation/open-energy-studio
/// (`crates/nta8800-core/src/ventilation.rs`, `SystemVariant::control_factor`; the variant of a
/// surveyed system follows ISSO 82.1 tables 11.4–11.6 in `opname/ventilation.rs`). The variants
/// between (D3 0.80, D4a/b 0.90/0.80, D5c 0.59, C3/C4) are not told apart here.
fn ventilation_control_factor(ventilation: Ventilation) -> f64 {
    match ventilation {
        Ventilation::Natural | Ventilation::MechanicalExhaust => 1.0,
        Ventilation::MechanicalExhaustDemand => 0.56,
        Ventilation::BalancedHeatRecovery => 1.0,
        Ventilation::BalancedHeatRecoveryDemand => 0.52,
    }
}

/// Ventilation flow of the system (dm³/s): NTA 8800's required capacity with the occupancy
/// factor f_τ (table 11.8) and the system's control factor, times the fitted flow factor.
fn ventilation_flow_dm3_s(
    params: &ModelParams,
    floor_area_m2: f64,
    ventilation: Ventilation,
) -> f64 {
    let occupancy = (0.38 + 0.006 * floor_area_m2).min(0.8);
    let capacity = (VENTILATION_CAPACITY_DM3_S_M2 * floor_area_m2).max(VENTILATION_MINIMUM_DM3_S);
    params.ventilation_flow_factor * ventilation_control_factor(ventilation) * occupancy * capacity
}

/// H_D, H_g and H_V of a state.
pub fn heat_loss(params: &ModelParams, state: &ThermalState) -> HeatLoss {
    let g = &state.geometry;
    let e = &state.envelope;
    let outside_area = g.roof_m2 + g.facade_gross_m2 + g.ground_floor_m2;
    let transmission_w_k = g.roof_m2 * u_opaque(R_SI_ROOF, e.roof_rc, R_SE_OUTSIDE)
        + g.facade_opaque_m2() * u_opaque(R_SI_WALL, e.facade_rc, R_SE_OUTSIDE)
        + g.window_m2 * e.window_u
        + g.door_m2 * e.door_u
        + params.thermal_bridge_w_m2k * outside_area;
    let ground_w_k =
        g.ground_floor_m2 * u_opaque(R_SI_FLOOR, e.floor_rc, params.crawlspace_resistance_m2k_w);
    let recovery = match state.ventilation {
        Ventilation::BalancedHeatRecovery | Ventilation::BalancedHeatRecoveryDemand => {
            params.heat_recovery_efficiency
        }
        _ => 0.0,
    };
    let usage_area = usage_area_m2(state.floor_area_m2);
    let flow_dm3_s = ventilation_flow_dm3_s(params, usage_area, state.ventilation)
        * state.floor_area_m2
        / usage_area
        * (1.0 - recovery)
        + params.infiltration_factor * e.qv10_dm3_s_m2 * state.floor_area_m2;
    HeatLoss {
        transmission_w_k,
        ground_w_k,
        ventilation_w_k: AIR_W_PER_K_PER_DM3_S * flow_dm3_s,
    }
}

/// NTA 8800 7.64–7.72: mean temperature reduction (as a share of θ_set − θ_e) over a set-back
/// whose length is `ratio` time constants (`decay` = e^−ratio), given the gains' share of the
/// losses `d_float` and the set-back's share `d_set`.
fn setback_mean_share(ratio: f64, decay: f64, d_set: f64, d_float: f64) -> f64 {
    let low_share = if d_set - d_float <= 0.0 {
        1.0
    } else if d_float >= 1.0 {
        0.0
    } else {
        -((d_set - d_float) / (1.0 - d_float)).ln() / ratio
    };
    if low_share >= 1.0 {
        d_float + (1.0 - d_float) / ratio * (1.0 - decay)
    } else {
        (1.0 - d_set) / ratio + low_share * d_float + (1.0 - low_share) * d_set
    }
}

/// Net heat demand for space heating Q_H,nd (kWh per m² of usable area per year), uncalibrated.
///
/// NTA 8800's monthly method (chapter 7) for one zone on the De Bilt reference climate: per
/// month the transmission and ventilation losses at the calculation temperature, the internal
/// and solar gains and their utilisation (7.46–7.51, a = 1 + τ/15 h). The calculation
/// temperature follows NTA 8800's two corrections for how dwellings are heated: temperature
/// levelling (7.78/7.79: not every room is kept at the set-point, more so in a poorly insulated
/// dwelling) and intermittent heating (7.59–7.73: the night set-back).
pub fn heat_demand_kwh_m2(params: &ModelParams, state: &ThermalState) -> f64 {
    let area = state.floor_area_m2;
    if area <= 0.0 {
        return 0.0;
    }
    let loss = heat_loss(params, state);
    let h_air = loss.transmission_w_k + loss.ventilation_w_k;
    let h_total = h_air + loss.ground_w_k;
    if h_total <= 0.0 {
        return 0.0;
    }
    let usage_area = usage_area_m2(area);
    let internal_w = params.internal_gains_w_per_person * occupants(usage_area) * area / usage_area;
    let window = &state.geometry;
    let solar_area = window.window_m2
        * glazing_g_value(state.envelope.window_u)
        * ANGLE_OF_INCIDENCE_FACTOR
        * (1.0 - params.window_frame_fraction)
        * params.solar_shading_factor;
    let sky_loss_w = SKY_LOSS_PER_U * state.envelope.window_u * window.window_m2;
    let tau_h = params.heat_capacity_kj_m2k * area / 3.6 / h_total;
    let a = 1.0 + tau_h / UTILISATION_TAU_0_H;
    let space_share = if state.geometry.ground_floor_m2 > 0.0 && state.geometry.roof_m2 > 0.0 {
        LEVELLING_SPACE_SHARE_HOUSE
    } else {
        LEVELLING_SPACE_SHARE_APARTMENT
    };
    let h_levelling = space_share * h_total / area;
    let levelling_share =
        LEVELLING_TIME_SHARE * space_share * h_levelling / (h_levelling + LEVELLING_INTERNAL_W_M2K);
    let setpoint_base = params.heating_setpoint_c;
    let setback_share = params.setback_hours_per_day / 24.0;
    let setback_ratio = params.setback_hours_per_day / tau_h;
    let setback_decay = (-setback_ratio).exp();
    let mut need_kwh = 0.0;
    for month in 0..12 {
        let hours = MONTH_HOURS[month];
        let outdoor = OUTDOOR_TEMPERATURE_C[month];
        // 7.78/7.79: the set-point after levelling.
        let setpoint = setpoint_base - levelling_share * (setpoint_base - outdoor);
        let difference = setpoint - outdoor;
        if difference <= 0.0 {
            continue;
        }
        let gains_kwh = (internal_w + solar_area * VERTICAL_IRRADIANCE_W_M2[month] - sky_loss_w)
            * hours
            / 1000.0;
        // The losses at the set-point bound those at the calculation temperature from above.
        let losses_kwh = (h_air * difference
            + loss.ground_w_k * (setpoint - ANNUAL_MEAN_OUTDOOR_C).max(0.0))
            * hours
            / 1000.0;
        if gains_kwh > 2.0 * losses_kwh {
            // γ > 2 at any calculation temperature: no need (7.2), whatever the set-back.
            continue;
        }
        // 7.59–7.73: the night set-back lowers the calculation temperature.
        let reduction = if setback_share > 0.0 {
            let d_float = if losses_kwh > 0.0 {
                (gains_kwh / losses_kwh).clamp(0.0, 1.0)
            } else {
                1.0
            };
            let low = params.setback_setpoint_c;
            let d_set = if low - outdoor <= 0.0 {
                0.0
            } else {
                ((low - outdoor) / difference).min(1.0)
            };
            let mean = setback_mean_share(setback_ratio, setback_decay, d_set, d_float);
            1.0 - setback_share + setback_share * mean
        } else {
            1.0
        };
        let calculation = outdoor + reduction * difference;
        let q_loss_kwh = (h_air * (calculation - outdoor)
            + loss.ground_w_k * (calculation - ANNUAL_MEAN_OUTDOOR_C))
            * hours
            / 1000.0;
        if q_loss_kwh <= 0.0 {
            continue;
        }
        let gamma = gains_kwh / q_loss_kwh;
        if gamma > 2.0 {
            // NTA 8800 7.2: no heating need in a month whose gains exceed twice the losses.
            continue;
        }
        let utilisation = if gamma <= 0.0 {
            1.0
        } else if (gamma - 1.0).abs() < 1e-9 {
            a / (a + 1.0)
        } else {
            let gamma_a = (a * gamma.ln()).exp();
            (1.0 - gamma_a) / (1.0 - gamma_a * gamma)
        };
        need_kwh += (q_loss_kwh - utilisation * gains_kwh).max(0.0);
    }
    need_kwh / area
}

/// Als/Ag: heat-loss area over usable area, weighting outside air 1.0, ground or crawlspace
/// `floor_b_factor` (0.7), adjacent heated space 0 (not counted).
pub fn als_over_ag(params: &ModelParams, floor_area_m2: f64, geometry: &Geometry) -> f64 {
    if floor_area_m2 <= 0.0 {
        return 0.0;
    }
    (geometry.roof_m2 + geometry.facade_gross_m2 + params.floor_b_factor * geometry.ground_floor_m2)
        / floor_area_m2
}

/// The isolatiestandaard (NTA 8800 §5.3.2, `reference/isolatiestandaard.csv`): the maximum
/// Q_H,nd (kWh/m²) of a well-insulated dwelling of this category, period and Als/Ag. Kept
/// unrounded (RVO prints one decimal); round for display.
pub fn isolatiestandaard_kwh_m2(
    dwelling_type: DwellingType,
    build_year: u16,
    als_over_ag: f64,
) -> f64 {
    let (b, s) = match (dwelling_type.is_ground_level(), build_year <= 1945) {
        (true, true) => (60.0, 105.0),
        (true, false) => (43.0, 40.0),
        (false, true) => (95.0, 70.0),
        (false, false) => (45.0, 45.0),
    };
    if als_over_ag < 1.0 {
        b
    } else {
        b + s * (als_over_ag - 1.0)
    }
}

/// Seasonal performance factor of an all-electric heat pump on space heating in a dwelling that
/// needs this supply temperature ([`crate::readiness`]): Hestia's figures read by supply
/// temperature (see [`ModelParams::heat_pump_spf_low_temperature`]).
pub fn heat_pump_spf(params: &ModelParams, supply: SupplyTemperature) -> f64 {
    match supply {
        SupplyTemperature::Low => params.heat_pump_spf_low_temperature,
        SupplyTemperature::Medium | SupplyTemperature::High => {
            params.heat_pump_spf_medium_temperature
        }
    }
}

/// Delivered energy of one dwelling per year by carrier, and its EP2.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct EnergyUse {
    /// Natural gas, gross calorific value (kWh/yr).
    pub gas_kwh: f64,
    /// Electricity drawn for heating, tap water and auxiliaries (kWh/yr), before PV.
    pub electricity_kwh: f64,
    /// PV generation (kWh/yr).
    pub pv_kwh: f64,
    /// District heat delivered (kWh/yr).
    pub heat_kwh: f64,
    /// Primary fossil energy per m² (kWh/m² yr).
    pub ep2_kwh_m2: f64,
}

/// What the energy calculation needs beyond the heat demand.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Systems {
    /// Space-heating system.
    pub heating: Heating,
    /// Ventilation system.
    pub ventilation: Ventilation,
    /// Installed PV (kWp).
    pub solar_pv_kwp: f64,
    /// The supply temperature the dwelling needs in this state (decides a heat pump's SPF).
    pub supply_temperature: SupplyTemperature,
    /// The district-heating network's declared primary fossil energy factor, where the stock
    /// gives one; otherwise the model's `primary_factor_district_heat` (NTA 8800's 0.9).
    pub district_heat_primary_factor: Option<f64>,
}

/// Efficiency of gas room heaters (gaskachels) on the net calorific value. ASSUMPTION: 0.70,
/// the order of the NTA 8800 generation efficiency of local gas heaters (older convector
/// heaters 0.6–0.75); the registered EP2 calibrates a dwelling where it is known.
const GAS_ROOM_HEATER_EFFICIENCY: f64 = 0.70;
/// Efficiency of a gas water heater (geiser) for tap water. ASSUMPTION: 0.55, between a
/// boiler's and the older open geisers', for the same reason.
const GAS_WATER_HEATER_EFFICIENCY: f64 = 0.55;

/// The number of occupants NTA 8800 assumes for a dwelling of usable area `ag_m2` (§13.2.3,
/// formulas 13.16–13.18, one dwelling per calculation, so Ag/N_woon = Ag): one person up to
/// 30 m², rising linearly to 2.28 at 100 m² (2.28 − 1.28·(100 − Ag)/70), and 0.01 person per m²
/// beyond (1.28 + 0.01·Ag). Read from the standard's text as implemented in the open NTA 8800
/// calculation of OpenAEC-Foundation/open-energy-studio (`residents_per_dwelling`); the curve
/// is continuous at 30 and 100 m².
pub fn nta8800_occupants(ag_m2: f64) -> f64 {
    let a = ag_m2.max(0.0);
    if a <= 30.0 {
        1.0
    } else if a <= 100.0 {
        2.28 - 1.28 * (100.0 - a) / 70.0
    } else {
        1.28 + 0.01 * a
    }
}

/// Net heat need for hot tap water of a dwelling (kWh/yr): NTA 8800's 856 kWh per occupant
/// times the occupants from Ag. The same figure feeds EP2 (norm) and, through the actual-use
/// correction, the tenant's bill.
pub fn tap_water_kwh(params: &ModelParams, floor_area_m2: f64) -> f64 {
    params.tap_water_kwh_per_occupant * nta8800_occupants(floor_area_m2)
}

/// Delivered energy and EP2 of a dwelling with this (calibrated) heat demand and these systems.
pub fn energy_use(
    params: &ModelParams,
    floor_area_m2: f64,
    qh_nd_kwh_m2: f64,
    systems: &Systems,
) -> EnergyUse {
    let area = floor_area_m2.max(1e-9);
    let distribution = if systems.heating == Heating::Electric {
        1.0
    } else {
        params.distribution_efficiency
    };
    let space_kwh = qh_nd_kwh_m2.max(0.0) * area / distribution;
    let tap_kwh = tap_water_kwh(params, floor_area_m2) / params.tap_water_distribution_efficiency;
    let boiler_space = params.boiler_space_efficiency / params.gas_gross_over_net;
    let boiler_tap = params.boiler_tap_water_efficiency / params.gas_gross_over_net;
    let mut use_ = EnergyUse::default();
    match systems.heating {
        Heating::GasBoiler | Heating::Other => {
            use_.gas_kwh += space_kwh / boiler_space + tap_kwh / boiler_tap;
        }
        Heating::HybridHeatPump => {
            let share = params.hybrid_share_of_space_heat;
            use_.electricity_kwh += share * space_kwh / params.hybrid_spf;
            use_.gas_kwh += (1.0 - share) * space_kwh / boiler_space + tap_kwh / boiler_tap;
        }
        Heating::HeatPump => {
            use_.electricity_kwh += space_kwh / heat_pump_spf(params, systems.supply_temperature)
                + tap_kwh / params.heat_pump_tap_water_spf;
        }
        Heating::DistrictHeating => {
            use_.heat_kwh += space_kwh + tap_kwh;
        }
        Heating::Electric => {
            use_.electricity_kwh += space_kwh + tap_kwh / params.electric_tap_water_efficiency;
        }
        Heating::GasRoomHeater => {
            // No distribution losses (the heat is made in the room), a room heater's
            // efficiency and a gas water heater for tap water.
            use_.gas_kwh += space_kwh * distribution
                / (GAS_ROOM_HEATER_EFFICIENCY / params.gas_gross_over_net)
                + tap_kwh / (GAS_WATER_HEATER_EFFICIENCY / params.gas_gross_over_net);
        }
    }
    if systems.heating != Heating::Electric {
        use_.electricity_kwh += params.pump_kwh;
    }
    use_.electricity_kwh += match systems.ventilation {
        Ventilation::Natural => 0.0,
        Ventilation::MechanicalExhaust | Ventilation::MechanicalExhaustDemand => {
            params.exhaust_fan_kwh
        }
        // Demand control lowers the fans' energy too (NTA 8800 11.132); the assumed yearly figure
        // is kept for both balanced systems.
        Ventilation::BalancedHeatRecovery | Ventilation::BalancedHeatRecoveryDemand => {
            params.balanced_fan_kwh
        }
    };
    use_.pv_kwh = systems.solar_pv_kwp.max(0.0) * params.pv_yield_kwh_per_kwp;
    use_.ep2_kwh_m2 = (use_.gas_kwh * params.primary_factor_gas
        + (use_.electricity_kwh - use_.pv_kwh) * params.primary_factor_electricity
        + use_.heat_kwh
            * systems
                .district_heat_primary_factor
                .unwrap_or(params.primary_factor_district_heat))
        / area;
    use_
}

/// Per-dwelling calibration to registered values: the before-state equals the registered value,
/// and measures apply the model's relative effect.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Calibration {
    /// Multiplies the modelled Q_H,nd.
    pub qh_factor: f64,
    /// Multiplies the modelled EP2 (after the Q_H,nd calibration).
    pub ep2_factor: f64,
}

impl Calibration {
    /// No calibration.
    pub const NONE: Calibration = Calibration {
        qh_factor: 1.0,
        ep2_factor: 1.0,
    };

    /// The EP2 factor for a state heated by `heating` of a dwelling whose registered values were
    /// made with `registered_heating`. The factor absorbs what the model gets wrong about the
    /// registered system (its efficiency, tap water, auxiliaries), so it holds while that system
    /// stays, through envelope and ventilation measures; after a heating change the new system's
    /// EP2 follows from the calibrated heat demand alone (factor 1), since a residual of a boiler
    /// says nothing about a heat pump.
    pub fn ep2_factor_for(&self, registered_heating: Heating, heating: Heating) -> f64 {
        if heating == registered_heating {
            self.ep2_factor
        } else {
            1.0
        }
    }
}

/// Calibration factors are kept within this range: a registered value more than five times off
/// the model says more about the record than the dwelling, and an extreme factor would turn
/// every measure's effect into nonsense.
const CALIBRATION_FACTOR_RANGE: (f64, f64) = (0.2, 5.0);

/// Computes a dwelling's calibration from its registered values (any may be absent).
///
/// `model_qh` is the uncalibrated before-state heat demand; `model_ep2_at(qh)` gives the
/// uncalibrated EP2 for a heat demand. A registered EP2 wins over a registered label; a label
/// only moves EP2 when the model's label differs from it (to the middle of the registered class).
pub fn calibrate_dwelling(
    model_qh: f64,
    model_ep2_at: impl Fn(f64) -> f64,
    registered_qh_nd: Option<f64>,
    registered_ep2: Option<f64>,
    registered_label: Option<EnergyLabel>,
) -> Calibration {
    let clamp = |f: f64| f.clamp(CALIBRATION_FACTOR_RANGE.0, CALIBRATION_FACTOR_RANGE.1);
    let qh_factor = match registered_qh_nd {
        Some(reg) if model_qh > 1.0 && reg > 0.0 => clamp(reg / model_qh),
        _ => 1.0,
    };
    let ep2 = model_ep2_at(model_qh * qh_factor);
    let target_ep2 = match (registered_ep2, registered_label) {
        (Some(reg), _) => Some(reg),
        (None, Some(label)) if EnergyLabel::from_ep2(ep2) != label => {
            Some(label.representative_ep2_kwh_m2())
        }
        _ => None,
    };
    let ep2_factor = match target_ep2 {
        // A multiplicative factor cannot move an EP2 across zero; such records keep the model.
        Some(target) if ep2 > 1.0 && target > 0.0 => clamp(target / ep2),
        _ => 1.0,
    };
    Calibration {
        qh_factor,
        ep2_factor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::typology::{default_envelope, default_geometry, ConstructionPeriod};

    fn terraced_1970() -> ThermalState {
        let area = 114.9;
        ThermalState {
            floor_area_m2: area,
            geometry: default_geometry(DwellingType::TerracedMid, area, None),
            envelope: default_envelope(ConstructionPeriod::From1965To1974),
            ventilation: Ventilation::Natural,
        }
    }

    #[test]
    fn defaults_validate_and_broken_values_are_named() {
        ModelParams::default().validate().unwrap();
        let bad = ModelParams {
            solar_shading_factor: 1.5,
            ..ModelParams::default()
        };
        let err = bad.validate().unwrap_err();
        assert_eq!(err.name, "solar_shading_factor");
        let nan = ModelParams {
            pump_kwh: f64::NAN,
            ..ModelParams::default()
        };
        assert_eq!(nan.validate().unwrap_err().name, "pump_kwh");
    }

    #[test]
    fn every_insulation_step_lowers_heat_demand() {
        let p = ModelParams::default();
        let before = terraced_1970();
        let q0 = heat_demand_kwh_m2(&p, &before);
        let mut s = before;
        let mut last = q0;
        for step in 0..6 {
            match step {
                0 => s.envelope.facade_rc = 1.8,
                1 => s.envelope.roof_rc = 3.5,
                2 => s.envelope.floor_rc = 3.5,
                3 => s.envelope.window_u = 1.2,
                4 => s.envelope.qv10_dm3_s_m2 = 0.4,
                _ => s.ventilation = Ventilation::BalancedHeatRecovery,
            }
            let q = heat_demand_kwh_m2(&p, &s);
            assert!(q < last, "step {step}: {q} !< {last}");
            last = q;
        }
        // RVO's example with its full package (insulation, HR++ glass, balanced ventilation)
        // keeps a quarter of its heat demand.
        assert!(last > 0.1 * q0 && last < 0.3 * q0, "{last} of {q0}");
    }

    #[test]
    fn heat_demand_per_m2_moves_with_area_only_through_occupants_and_ventilation() {
        let p = ModelParams::default();
        let mut small = terraced_1970();
        let q_small = heat_demand_kwh_m2(&p, &small);
        small.floor_area_m2 *= 2.0;
        small.geometry = default_geometry(DwellingType::TerracedMid, small.floor_area_m2, None);
        let q_large = heat_demand_kwh_m2(&p, &small);
        // Fewer occupants per m² in a larger dwelling: less internal heat per m².
        assert!(
            q_large > q_small && q_large < 1.15 * q_small,
            "{q_small} {q_large}"
        );
        let no_people = ModelParams {
            internal_gains_w_per_person: 0.0,
            ..p.clone()
        };
        assert!(heat_demand_kwh_m2(&no_people, &small) > q_large);
    }

    #[test]
    fn balanced_ventilation_and_airtightness_lower_heat_demand() {
        let p = ModelParams::default();
        let base = terraced_1970();
        let q0 = heat_demand_kwh_m2(&p, &base);
        let mut tight = base;
        tight.envelope.qv10_dm3_s_m2 = 0.5;
        assert!(heat_demand_kwh_m2(&p, &tight) < q0);
        let mut balanced = base;
        balanced.ventilation = Ventilation::BalancedHeatRecovery;
        assert!(heat_demand_kwh_m2(&p, &balanced) < q0);
        // CO2 control and zoning (D5a, f_ctrl 0.52) halves the system's share of H_V; the
        // infiltration share stays.
        let mut demand = balanced;
        demand.ventilation = Ventilation::BalancedHeatRecoveryDemand;
        assert!(heat_demand_kwh_m2(&p, &demand) < heat_demand_kwh_m2(&p, &balanced));
        let infiltration = heat_loss(
            &ModelParams {
                ventilation_flow_factor: 0.0,
                ..p.clone()
            },
            &balanced,
        )
        .ventilation_w_k;
        let system = |s: &ThermalState| heat_loss(&p, s).ventilation_w_k - infiltration;
        assert!((system(&demand) / system(&balanced) - 0.52).abs() < 1e-9);
        // No set-back heats longer: more demand.
        let continuous = ModelParams {
            setback_hours_per_day: 0.0,
            ..p.clone()
        };
        assert!(heat_demand_kwh_m2(&continuous, &base) > q0);
    }

    #[test]
    fn standaard_follows_the_reference_formula() {
        assert_eq!(
            isolatiestandaard_kwh_m2(DwellingType::TerracedMid, 1970, 0.9),
            43.0
        );
        assert!(
            (isolatiestandaard_kwh_m2(DwellingType::TerracedMid, 1970, 1.3625) - 57.5).abs() < 1e-9
        );
        assert_eq!(
            isolatiestandaard_kwh_m2(DwellingType::ApartmentPorch, 1930, 1.5),
            95.0 + 35.0
        );
        assert_eq!(
            isolatiestandaard_kwh_m2(DwellingType::Detached, 1900, 2.0),
            165.0
        );
    }

    #[test]
    fn heat_pump_is_gas_free_and_beats_the_boiler_on_ep2() {
        let p = ModelParams::default();
        let systems = |heating| Systems {
            heating,
            ventilation: Ventilation::Natural,
            solar_pv_kwp: 0.0,
            supply_temperature: SupplyTemperature::Low,
            district_heat_primary_factor: None,
        };
        let boiler = energy_use(&p, 100.0, 60.0, &systems(Heating::GasBoiler));
        let hybrid = energy_use(&p, 100.0, 60.0, &systems(Heating::HybridHeatPump));
        let hp = energy_use(&p, 100.0, 60.0, &systems(Heating::HeatPump));
        let dh = energy_use(&p, 100.0, 60.0, &systems(Heating::DistrictHeating));
        assert!(hp.gas_kwh == 0.0 && dh.gas_kwh == 0.0);
        assert!(hybrid.gas_kwh > 0.0);
        assert!(hp.ep2_kwh_m2 < hybrid.ep2_kwh_m2 && hybrid.ep2_kwh_m2 < boiler.ep2_kwh_m2);
        // 60 kWh/m² through the distribution at 1.04/1.111, plus tap water 856 kWh for each of
        // NTA 8800's 2.28 occupants of 100 m², through the tap-water distribution and the boiler
        // at 0.76/1.111, plus the pump.
        let expected = 60.0 / p.distribution_efficiency / (1.04 / p.gas_gross_over_net)
            + 856.0 * 2.28
                / p.tap_water_distribution_efficiency
                / 100.0
                / (0.76 / p.gas_gross_over_net)
            + 150.0 * 1.45 / 100.0;
        assert!((boiler.ep2_kwh_m2 - expected).abs() < 1e-9);
    }

    #[test]
    fn tap_water_follows_nta_8800_occupants_from_ag() {
        // NTA 8800 §13.2.3: one occupant up to 30 m², 2.28 at 100 m², 0.01 a m² beyond.
        assert_eq!(nta8800_occupants(20.0), 1.0);
        assert_eq!(nta8800_occupants(30.0), 1.0);
        assert!((nta8800_occupants(65.0) - 1.64).abs() < 1e-9);
        assert!((nta8800_occupants(100.0) - 2.28).abs() < 1e-9);
        assert!((nta8800_occupants(100.0 + 1e-9) - 2.28).abs() < 1e-9);
        assert!((nta8800_occupants(150.0) - 2.78).abs() < 1e-9);
        let p = ModelParams::default();
        assert_eq!(p.tap_water_kwh_per_occupant, 856.0);
        assert!((tap_water_kwh(&p, 100.0) - 856.0 * 2.28).abs() < 1e-9);
        // Tap water alone (no space heat) on a boiler: 856 · N_P through the boiler's tap-water
        // efficiency on the gross calorific value.
        let systems = Systems {
            heating: Heating::GasBoiler,
            ventilation: Ventilation::Natural,
            solar_pv_kwp: 0.0,
            supply_temperature: SupplyTemperature::Low,
            district_heat_primary_factor: None,
        };
        let use_ = energy_use(&p, 65.0, 0.0, &systems);
        let expected =
            856.0 * 1.64 / p.tap_water_distribution_efficiency / (0.76 / p.gas_gross_over_net);
        assert!((use_.gas_kwh - expected).abs() < 1e-6);
    }

    #[test]
    fn heat_pump_spf_follows_the_supply_temperature() {
        let p = ModelParams::default();
        let at = |supply| {
            energy_use(
                &p,
                100.0,
                150.0,
                &Systems {
                    heating: Heating::HeatPump,
                    ventilation: Ventilation::Natural,
                    solar_pv_kwp: 0.0,
                    supply_temperature: supply,
                    district_heat_primary_factor: None,
                },
            )
        };
        let tap = tap_water_kwh(&p, 100.0)
            / p.tap_water_distribution_efficiency
            / p.heat_pump_tap_water_spf
            + p.pump_kwh;
        let space = 150.0 * 100.0 / p.distribution_efficiency;
        let low = at(SupplyTemperature::Low);
        let medium = at(SupplyTemperature::Medium);
        assert!((low.electricity_kwh - tap - space / 4.66).abs() < 1e-6);
        assert!((medium.electricity_kwh - tap - space / 3.39).abs() < 1e-6);
        assert!(medium.ep2_kwh_m2 > low.ep2_kwh_m2);
    }

    #[test]
    fn a_declared_district_heat_factor_replaces_the_forfaitary_one() {
        let p = ModelParams::default();
        let at = |factor| {
            energy_use(
                &p,
                100.0,
                80.0,
                &Systems {
                    heating: Heating::DistrictHeating,
                    ventilation: Ventilation::Natural,
                    solar_pv_kwp: 0.0,
                    supply_temperature: SupplyTemperature::Medium,
                    district_heat_primary_factor: factor,
                },
            )
        };
        let forfaitary = at(None);
        let declared = at(Some(0.45));
        assert_eq!(p.primary_factor_district_heat, 0.9);
        let heat = forfaitary.heat_kwh / 100.0;
        assert!((forfaitary.ep2_kwh_m2 - declared.ep2_kwh_m2 - heat * (0.9 - 0.45)).abs() < 1e-9);
    }

    #[test]
    fn pv_lowers_ep2() {
        let p = ModelParams::default();
        let mut systems = Systems {
            heating: Heating::HeatPump,
            ventilation: Ventilation::BalancedHeatRecovery,
            solar_pv_kwp: 0.0,
            supply_temperature: SupplyTemperature::Low,
            district_heat_primary_factor: None,
        };
        let without = energy_use(&p, 80.0, 30.0, &systems);
        systems.solar_pv_kwp = 4.0;
        let with = energy_use(&p, 80.0, 30.0, &systems);
        let drop = 4.0 * 875.0 * 1.45 / 80.0;
        assert!((without.ep2_kwh_m2 - with.ep2_kwh_m2 - drop).abs() < 1e-9);
    }

    #[test]
    fn calibration_reproduces_registered_values() {
        let ep2_at = |qh: f64| 30.0 + qh;
        let c = calibrate_dwelling(100.0, ep2_at, Some(120.0), Some(200.0), None);
        assert!((100.0 * c.qh_factor - 120.0).abs() < 1e-9);
        assert!((ep2_at(120.0) * c.ep2_factor - 200.0).abs() < 1e-9);
        // Only a label: moved into the label's class when the model disagrees.
        let c = calibrate_dwelling(100.0, ep2_at, None, None, Some(EnergyLabel::D));
        assert_eq!(EnergyLabel::from_ep2(130.0 * c.ep2_factor), EnergyLabel::D);
        // A label the model already matches changes nothing.
        let c = calibrate_dwelling(100.0, ep2_at, None, None, Some(EnergyLabel::A));
        assert_eq!(c, Calibration::NONE);
        // Absurd records are bounded.
        let c = calibrate_dwelling(100.0, ep2_at, Some(10_000.0), None, None);
        assert_eq!(c.qh_factor, 5.0);
    }
}
