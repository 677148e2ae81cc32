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
//!
//! **Low-temperature radiators** (larger or fan-assisted emitters, a catalogue measure) lower
//! the supply temperature a dwelling needs. *Assumption*, derived from the standaard's own
//! temperature intent: low-temperature radiators deliver at ≈50 °C what ordinary radiators deliver
//! at ≈70 °C, so a dwelling with them needs only low temperature up to the demand the standaard
//! allows a pre-war dwelling of its category and Als/Ag at medium temperature (the standaard of
//! the `built <= 1945` row, `reference/isolatiestandaard.csv`; for a pre-war dwelling its own
//! standaard). Above that limit they do not help: the dwelling still needs high temperature.

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
    /// needs, given its isolatiestandaard and the readiness margin (kWh/m²), with ordinary
    /// radiators.
    pub fn of(
        build_year: u16,
        qh_nd_kwh_m2: f64,
        standaard_kwh_m2: f64,
        margin_kwh_m2: f64,
    ) -> Self {
        Self::with_radiators(
            build_year,
            qh_nd_kwh_m2,
            standaard_kwh_m2,
            margin_kwh_m2,
            None,
        )
    }

    /// As [`SupplyTemperature::of`], for a dwelling whose radiators are low-temperature ones
    /// when `low_temperature_limit_kwh_m2` is given: the pre-war (medium-temperature) standaard
    /// of its category and Als/Ag, up to which (plus the margin) the dwelling then needs only
    /// low temperature.
    pub fn with_radiators(
        build_year: u16,
        qh_nd_kwh_m2: f64,
        standaard_kwh_m2: f64,
        margin_kwh_m2: f64,
        low_temperature_limit_kwh_m2: Option<f64>,
    ) -> Self {
        if let Some(limit) = low_temperature_limit_kwh_m2 {
            if qh_nd_kwh_m2 <= limit.max(standaard_kwh_m2) + margin_kwh_m2 {
                return SupplyTemperature::Low;
            }
        }
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

    #[test]
    fn low_temperature_radiators_lower_the_supply_temperature_up_to_the_pre_war_standaard() {
        // A pre-war dwelling at its standaard: medium temperature with ordinary radiators, low
        // with low-temperature ones.
        let lt = |year, qh, standaard, limit| {
            SupplyTemperature::with_radiators(year, qh, standaard, 0.0, Some(limit))
        };
        assert_eq!(lt(1930, 150.0, 160.0, 160.0), SupplyTemperature::Low);
        // Above it they do not help.
        assert_eq!(lt(1930, 170.0, 160.0, 160.0), SupplyTemperature::High);
        // A post-war dwelling above its own standaard (70) but within the pre-war one of its
        // geometry (110): ready at low temperature with them, not ready without.
        assert_eq!(lt(1970, 90.0, 70.0, 110.0), SupplyTemperature::Low);
        assert_eq!(
            SupplyTemperature::of(1970, 90.0, 70.0, 0.0),
            SupplyTemperature::High
        );
        assert_eq!(lt(1970, 120.0, 70.0, 110.0), SupplyTemperature::High);
    }
}
