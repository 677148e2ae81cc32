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
//! **A curve, not steps.** The correction used to be a ratio per label. Applied to NTA 8800's
//! EP2, whose spread between labels is narrower than the 2008–2012 theoretical use the paper
//! compared, those steps made actual use *fall* as calculated use rose between C and E, and a
//! dwelling crossing a label boundary jumped: cavity-wall insulation from E to C raised the
//! sample's tenants' bills by €336 a year, roof insulation from the inside by €241. What the
//! paper measures underneath the labels is a smooth relation: actual use rises far more slowly
//! than calculated use. Fitting `ln(actual/theoretical) = c + (β − 1)·ln(theoretical)` to the
//! paper's per-label table below gives the *elasticity* β = 0.28 (actual means rising from
//! 900 m³ at A to 1,400 m³ at G, an *assumption*: the CBS range for dwellings; 1,000–1,300 m³
//! gives 0.19), so
//!
//! `actual = scale × (q / q_ref)^(β − 1) × calculated`, on every carrier (gas, electricity
//! drawn, district heat; not PV),
//!
//! where `q` is the dwelling's calculated *useful* heat need per m² (net space-heat demand
//! Q_H,nd plus the tap-water heat need, both NTA 8800) held within 40–300 kWh/m² (about the
//! range of the paper's theoretical gas use of 670–3,200 m³ for its dwellings; outside it the
//! ratio is held flat: an *assumption*), and `q_ref` = 100 kWh/m² only sets where the curve
//! is read. The ratio depends on the heat need, not on the heating system: prebound is about how
//! much of the dwelling is heated, how warm and how long, which the envelope decides. So a heat
//! pump or a hybrid saves what it saves on the calculation, times the household's ratio, while
//! insulation saves less than calculated (actual use ∝ q^0.28: half the heat need, 18 % less
//! actual use) but never raises it.
//!
//! **Why the cross-sectional curve also holds through a renovation.** Majcen, Itard & Visscher
//! (2016), "Actual heating energy savings in thermally renovated Dutch dwellings", *Energy
//! Policy* 97:82–92, compared the same dwellings before and after works and found performance
//! gaps like the cross-sectional ones; Cozza et al. (2020), *Energy and Buildings* 224:110235,
//! found on 1,172 retrofitted Swiss buildings actual use 23 % below calculated before the retrofit
//! and 2 % above after it. The household moves along the curve.
//!
//! `scale` is *calibrated* so that the sample stock's gas-boiler dwellings use about 1,000 m³ a
//! year, within the 950–1,090 m³ CBS measures for rented dwellings (StatLine 81528NED /
//! 85126NED); it absorbs the difference between the paper's theoretical use and NTA 8800's.
//!
//! **The per-label table.** The per-label comparison on the same data (Majcen, Itard & Visscher,
//! "Actual and theoretical gas consumption in Dutch dwellings: what causes the differences?", in
//! Majcen's thesis, A+BE 2016, §3.4 table 6; read from a public copy of that section) gives the
//! mean theoretical minus actual gas use by label, Q_dif (m³ a year): A −232, B −116, C +72,
//! D +272, E +739, F +1,081, G +1,816. For actual means of 900–1,400 m³ the ratio
//! actual/theoretical = actual / (actual + Q_dif) is A 1.35, B 1.13, C 0.94, D 0.81, E 0.63,
//! F 0.55, G 0.44 at theoretical uses of 668 … 3,216 m³; the curve through them has the slope
//! above. A steep curve means small actual savings from insulation: that is the paper's finding
//! ("the future actual energy reduction potential is much lower").

use serde::{Deserialize, Serialize};

/// The correction from calculated to actual energy use, a curve in the calculated heat need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ActualUse {
    /// Bills and CO2 from actual use (default); `false` keeps them on the calculated use.
    pub enabled: bool,
    /// β: how actual use follows calculated use across dwellings (actual ∝ calculated^β).
    /// 0.28, fitted to Majcen et al.'s per-label table (module docs); 1 means no correction.
    pub elasticity: f64,
    /// Where the curve is read (kWh/m² of useful heat need): the ratio there is `scale`.
    pub reference_heat_need_kwh_m2: f64,
    /// Below this heat need the ratio is held flat (kWh/m²). ASSUMPTION: 40, about the paper's
    /// lowest theoretical use.
    pub min_heat_need_kwh_m2: f64,
    /// Above this heat need the ratio is held flat (kWh/m²). ASSUMPTION: 300, about the paper's
    /// highest theoretical use.
    pub max_heat_need_kwh_m2: f64,
    /// Stock-wide factor. *Calibrated* on the sample stock: gas-boiler dwellings at about
    /// 1,000 m³ a year (NTA 8800 tap water, the curve above).
    pub scale: f64,
}

impl Default for ActualUse {
    fn default() -> Self {
        ActualUse {
            enabled: true,
            elasticity: 0.28,
            reference_heat_need_kwh_m2: 100.0,
            min_heat_need_kwh_m2: 40.0,
            max_heat_need_kwh_m2: 300.0,
            scale: SCALE,
        }
    }
}

/// The calibrated `scale` (module docs).
const SCALE: f64 = 0.72;

impl ActualUse {
    /// Actual over calculated use of a dwelling whose calculated useful heat need (space heat
    /// plus tap water) is `heat_need_kwh_m2` per m².
    pub fn factor(&self, heat_need_kwh_m2: f64) -> f64 {
        if !self.enabled {
            return 1.0;
        }
        // A broken calculation (NaN) reads as the poorest dwelling: the smallest ratio.
        let q = if heat_need_kwh_m2.is_nan() {
            self.max_heat_need_kwh_m2
        } else {
            heat_need_kwh_m2.clamp(self.min_heat_need_kwh_m2, self.max_heat_need_kwh_m2)
        };
        self.scale * (q / self.reference_heat_need_kwh_m2).powf(self.elasticity - 1.0)
    }

    /// Checks the fields: the name and value of the first that is out of range, with what was
    /// expected.
    pub fn invalid_field(&self) -> Option<(&'static str, f64, &'static str)> {
        let checks: [(&'static str, f64, bool, &'static str); 5] = [
            (
                "elasticity",
                self.elasticity,
                (0.0..=1.0).contains(&self.elasticity),
                "an elasticity from 0 to 1 (1: no correction)",
            ),
            (
                "reference_heat_need_kwh_m2",
                self.reference_heat_need_kwh_m2,
                self.reference_heat_need_kwh_m2 > 0.0,
                "a heat need > 0 kWh/m²",
            ),
            (
                "min_heat_need_kwh_m2",
                self.min_heat_need_kwh_m2,
                self.min_heat_need_kwh_m2 > 0.0,
                "a heat need > 0 kWh/m²",
            ),
            (
                "max_heat_need_kwh_m2",
                self.max_heat_need_kwh_m2,
                self.max_heat_need_kwh_m2 >= self.min_heat_need_kwh_m2,
                "a heat need at least min_heat_need_kwh_m2",
            ),
            (
                "scale",
                self.scale,
                self.scale > 0.0 && self.scale <= 3.0,
                "a ratio of actual to calculated use above 0, at most 3",
            ),
        ];
        checks
            .into_iter()
            .find(|(_, v, ok, _)| !(v.is_finite() && *ok))
            .map(|(name, v, _, expected)| (name, v, expected))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Majcen et al.'s per-label points (theoretical m³, actual/theoretical) for actual means
    /// rising from 900 to 1,400 m³ (module docs).
    fn paper_points() -> Vec<(f64, f64)> {
        let q_dif = [-232.0, -116.0, 72.0, 272.0, 739.0, 1081.0, 1816.0];
        q_dif
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let actual = 900.0 + 500.0 * i as f64 / 6.0;
                (actual + d, actual / (actual + d))
            })
            .collect()
    }

    #[test]
    fn the_curve_has_the_slope_of_the_papers_label_table() {
        let points = paper_points();
        let a = ActualUse::default();
        // The curve's ratio between the paper's best and poorest label (A: 668 m³, G: 3,216 m³)
        // against the paper's own: 0.44 / 1.35.
        let (best, worst) = (points[0], points[6]);
        let curve = (worst.0 / best.0).powf(a.elasticity - 1.0);
        let paper = worst.1 / best.1;
        assert!(
            (curve / paper - 1.0).abs() < 0.05,
            "{curve} against {paper}"
        );
        // Every label's point lies within 10 % of the curve fitted through them all.
        let fitted = |t: f64| (t / best.0).powf(a.elasticity - 1.0) * best.1;
        let log_mean = points
            .iter()
            .map(|(t, r)| (r / fitted(*t)).ln())
            .sum::<f64>()
            / 7.0;
        for (t, r) in points {
            let off = (r / (fitted(t) * log_mean.exp()) - 1.0).abs();
            assert!(off < 0.10, "theoretical {t}: {r} is {off} off the curve");
        }
    }

    #[test]
    fn poor_dwellings_use_less_than_calculated_and_insulation_never_raises_actual_use() {
        let a = ActualUse::default();
        assert!(a.factor(270.0) < 0.5 * a.factor(70.0));
        // Actual use = factor(q) × calculated, with calculated ∝ q: it falls as q falls, at every
        // step, across what used to be label boundaries.
        let mut previous = f64::INFINITY;
        for q in (10..400).rev().map(f64::from) {
            let actual = a.factor(q) * q;
            assert!(actual <= previous + 1e-9, "q = {q}: {actual} > {previous}");
            previous = actual;
        }
        // Half the heat need: 18 % less actual use (q^0.28), not half.
        let halved = a.factor(80.0) * 80.0 / (a.factor(160.0) * 160.0);
        assert!((halved - 0.5f64.powf(0.28)).abs() < 1e-9, "{halved}");
        // Outside the paper's range the ratio is flat; NaN reads as the poorest dwelling.
        assert_eq!(a.factor(20.0), a.factor(40.0));
        assert_eq!(a.factor(500.0), a.factor(300.0));
        assert_eq!(a.factor(f64::NAN), a.factor(300.0));
        let off = ActualUse {
            enabled: false,
            ..ActualUse::default()
        };
        assert_eq!(off.factor(250.0), 1.0);
    }

    #[test]
    fn fields_out_of_range_are_named() {
        let bad = ActualUse {
            elasticity: 1.5,
            ..ActualUse::default()
        };
        assert_eq!(bad.invalid_field().map(|f| f.0), Some("elasticity"));
        let bad = ActualUse {
            max_heat_need_kwh_m2: 20.0,
            ..ActualUse::default()
        };
        assert_eq!(
            bad.invalid_field().map(|f| f.0),
            Some("max_heat_need_kwh_m2")
        );
        assert_eq!(ActualUse::default().invalid_field(), None);
    }
}
