//! Tenant outcomes the national agreements count: households whose energy use is markedly
//! lower after the works ("ongeveer 1 miljoen huishoudens met een flink lagere energievraag",
//! saving €350–550 a year where a dwelling is significantly improved; the seed letter).
//!
//! The letter gives no definition; the default here is an *assumption* in the spirit of the
//! sector's "flinke verbetering": at least two label steps, or at least 30 % less actual
//! delivered energy (gas, electricity drawn and district heat together, after the calculated
//! to actual correction of [`crate::energy_use`]). Both thresholds are configurable in the
//! scenario's `[households_improved]`.

use serde::{Deserialize, Serialize};

use crate::performance::Performance;

/// When a household counts as markedly improved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ImprovedDefinition {
    /// At least this many label steps better (0 = label steps do not count).
    pub min_label_steps: u8,
    /// Or at least this share less actual delivered energy (0.3 = 30 %; 0 = does not count).
    pub min_energy_saving_share: f64,
}

impl Default for ImprovedDefinition {
    fn default() -> Self {
        ImprovedDefinition {
            min_label_steps: 2,
            min_energy_saving_share: 0.30,
        }
    }
}

impl ImprovedDefinition {
    /// The household of a dwelling going from `before` to `after` is markedly improved.
    pub fn is_improved(&self, before: &Performance, after: &Performance) -> bool {
        let steps = before.label.index() as i64 - after.label.index() as i64;
        let by_label = self.min_label_steps > 0 && steps >= i64::from(self.min_label_steps);
        let by_energy = self.min_energy_saving_share > 0.0
            && before.delivered_kwh > 0.0
            && after.delivered_kwh <= (1.0 - self.min_energy_saving_share) * before.delivered_kwh;
        by_label || by_energy
    }

    /// The definition in words, for the summary and the report.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.min_label_steps > 0 {
            parts.push(format!(
                "at least {} label steps better",
                self.min_label_steps
            ));
        }
        if self.min_energy_saving_share > 0.0 {
            parts.push(format!(
                "at least {:.0} % less actual energy use (gas, electricity and heat delivered)",
                100.0 * self.min_energy_saving_share
            ));
        }
        if parts.is_empty() {
            "no household counts (both thresholds are off)".into()
        } else {
            parts.join(", or ")
        }
    }
}

/// The improved households of a plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HouseholdsImproved {
    /// Households markedly improved.
    pub count: u64,
    /// Their average yearly energy-bill saving on actual use (euros a year).
    pub avg_saving_eur_per_year: f64,
    /// The definition applied.
    pub definition: String,
}
