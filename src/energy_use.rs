//! From calculated to actual energy use.
//!
//! EP2, labels and the reduction path stay on the norm basis (NTA 8800: standard occupants,
//! indoor temperature and behaviour). Tenants' bills and CO2 are what households actually burn
//! and buy, and that differs from the norm by label: occupants of poorly insulated dwellings heat
//! fewer rooms, to lower temperatures, for fewer hours ("prebound"), while those of well
//! insulated dwellings use about what is calculated or more ("rebound"). Majcen, Itard &
//! Visscher (2013), *Energy Policy* 54:125–136, matched about 200,000 labelled Dutch dwellings,
//! mostly social rented, to metered gas use from Statistics Netherlands: actual gas use is
//! roughly half the calculated for labels F and G and near or above it for A and B.
//!
//! The correction is `actual = scale × ratio(label) × calculated`, on every carrier (gas,
//! electricity drawn, district heat; not PV). The ratios are *approximate readings* of that
//! paper's comparison by label, rounded to 0.05; `scale` is *calibrated* so that the sample
//! stock's gas-boiler dwellings use about 1,000 m³ a year, within the 950–1,090 m³ CBS measures
//! for rented dwellings (StatLine 81528NED / 85126NED). The paper compared the labels of
//! 2008–2012, not NTA 8800's; the scale absorbs the difference between the methods.

use serde::{Deserialize, Serialize};

use crate::label::EnergyLabel;

/// The correction from calculated (norm) to actual energy use, by label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ActualUse {
    /// Bills and CO2 from actual use (default); `false` keeps them on the calculated use.
    pub enabled: bool,
    /// Actual over calculated use, labels A and better (Majcen et al. 2013, approximate).
    pub ratio_a_or_better: f64,
    /// Label B.
    pub ratio_b: f64,
    /// Label C.
    pub ratio_c: f64,
    /// Label D.
    pub ratio_d: f64,
    /// Label E.
    pub ratio_e: f64,
    /// Label F.
    pub ratio_f: f64,
    /// Label G.
    pub ratio_g: f64,
    /// Stock-wide factor on the ratios. *Calibrated* on the sample stock: gas-boiler dwellings
    /// at about 1,000 m³ a year.
    pub scale: f64,
}

impl Default for ActualUse {
    fn default() -> Self {
        ActualUse {
            enabled: true,
            ratio_a_or_better: 1.10,
            ratio_b: 0.95,
            ratio_c: 0.85,
            ratio_d: 0.75,
            ratio_e: 0.65,
            ratio_f: 0.55,
            ratio_g: 0.50,
            scale: 0.70,
        }
    }
}

impl ActualUse {
    /// Actual over calculated use of a dwelling with this (calculated) label.
    pub fn factor(&self, label: EnergyLabel) -> f64 {
        if !self.enabled {
            return 1.0;
        }
        let ratio = match label {
            EnergyLabel::B => self.ratio_b,
            EnergyLabel::C => self.ratio_c,
            EnergyLabel::D => self.ratio_d,
            EnergyLabel::E => self.ratio_e,
            EnergyLabel::F => self.ratio_f,
            EnergyLabel::G => self.ratio_g,
            _ => self.ratio_a_or_better,
        };
        self.scale * ratio
    }

    /// The fields and values, for validation messages.
    pub fn fields(&self) -> [(&'static str, f64); 8] {
        [
            ("ratio_a_or_better", self.ratio_a_or_better),
            ("ratio_b", self.ratio_b),
            ("ratio_c", self.ratio_c),
            ("ratio_d", self.ratio_d),
            ("ratio_e", self.ratio_e),
            ("ratio_f", self.ratio_f),
            ("ratio_g", self.ratio_g),
            ("scale", self.scale),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poor_labels_use_less_than_calculated_and_good_ones_about_as_much() {
        let a = ActualUse::default();
        assert!(a.factor(EnergyLabel::G) < 0.5 * a.factor(EnergyLabel::A) + 1e-9);
        assert!(a.factor(EnergyLabel::G) < a.factor(EnergyLabel::D));
        assert!(a.factor(EnergyLabel::D) < a.factor(EnergyLabel::B));
        assert_eq!(a.factor(EnergyLabel::A2Plus), a.factor(EnergyLabel::A));
        let off = ActualUse {
            enabled: false,
            ..ActualUse::default()
        };
        assert_eq!(off.factor(EnergyLabel::G), 1.0);
    }
}
