//! Readiness for a sustainable heat source ("klaar voor een duurzame warmtebron"; the letter:
//! more than 80 % of corporation dwellings after 2034).
//!
//! The isolatiestandaard (RVO; Expertgroep Standaard en streefwaarden, 2021) was set per
//! construction period with a supply temperature in mind: a post-war dwelling meeting it can be
//! heated at about 50 °C (low temperature: a heat pump or a low-temperature network), a pre-war
//! dwelling at about 70 °C (medium temperature: most district heating). A dwelling is ready for
//! a sustainable heat source when its net heat demand is at most its standaard (plus the model's
//! `low_temp_margin_kwh_m2`); the supply temperature it then needs follows its period. A
//! dwelling above its standaard needs high-temperature heat (a gas boiler's ≈80 °C) and is not
//! ready.

use serde::Serialize;

/// The last construction year of the isolatiestandaard's pre-war class (`built <= 1945`).
pub const LAST_PRE_WAR_YEAR: u16 = 1945;

/// The supply temperature a dwelling's radiators need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SupplyTemperature {
    /// About 50 °C: heat pumps and low-temperature networks.
    Low,
    /// About 70 °C: medium-temperature district heating.
    Medium,
    /// About 80 °C or more: a boiler's temperature; not ready.
    High,
}

impl SupplyTemperature {
    /// The supply temperature a dwelling of `build_year` with net heat demand `qh_nd_kwh_m2`
    /// needs, given its isolatiestandaard and the readiness margin (kWh/m²).
    pub fn of(
        build_year: u16,
        qh_nd_kwh_m2: f64,
        standaard_kwh_m2: f64,
        margin_kwh_m2: f64,
    ) -> Self {
        if qh_nd_kwh_m2 > standaard_kwh_m2 + margin_kwh_m2 {
            SupplyTemperature::High
        } else if build_year <= LAST_PRE_WAR_YEAR {
            SupplyTemperature::Medium
        } else {
            SupplyTemperature::Low
        }
    }

    /// Degrees Celsius, for tables.
    pub fn celsius(self) -> f64 {
        match self {
            SupplyTemperature::Low => 50.0,
            SupplyTemperature::Medium => 70.0,
            SupplyTemperature::High => 80.0,
        }
    }

    /// Ready for a sustainable heat source (low or medium temperature).
    pub fn is_ready(self) -> bool {
        self != SupplyTemperature::High
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readiness_and_temperature_follow_the_construction_period() {
        // A pre-war dwelling at its standaard is ready at medium temperature only.
        let pre_war = SupplyTemperature::of(1930, 150.0, 160.0, 0.0);
        assert_eq!(pre_war, SupplyTemperature::Medium);
        assert!(pre_war.is_ready());
        // A post-war one at its standaard is ready at low temperature.
        assert_eq!(
            SupplyTemperature::of(1970, 60.0, 70.0, 0.0),
            SupplyTemperature::Low
        );
        // Above the standaard: not ready, whatever the period.
        let above = SupplyTemperature::of(1970, 90.0, 70.0, 0.0);
        assert_eq!(above, SupplyTemperature::High);
        assert!(!above.is_ready());
        assert!(!SupplyTemperature::of(1930, 190.0, 160.0, 0.0).is_ready());
        assert!(SupplyTemperature::of(1970, 75.0, 70.0, 10.0).is_ready());
    }
}
