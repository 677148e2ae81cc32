//! NTA 8800 energy label classes for dwellings.
//!
//! The class boundaries come from `data/reference/label_classes.csv` (Omgevingsregeling art. 5.11/5.12,
//! bijlage IX); a unit test checks that the constants below equal that file.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

/// An energy label class, best (`A4Plus` = A++++) to worst (`G`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum EnergyLabel {
    /// A++++
    A4Plus = 0,
    /// A+++
    A3Plus,
    /// A++
    A2Plus,
    /// A+
    A1Plus,
    /// A
    A,
    /// B
    B,
    /// C
    C,
    /// D
    D,
    /// E
    E,
    /// F
    F,
    /// G
    G,
}

/// Upper EP2 bound (kWh/m² per year, inclusive) of each class, best first; G is unbounded.
const UPPER_EP2_KWH_M2: [f64; 11] = [
    0.0,
    50.0,
    75.0,
    105.0,
    160.0,
    190.0,
    250.0,
    290.0,
    335.0,
    380.0,
    f64::INFINITY,
];

impl EnergyLabel {
    /// All classes, best first.
    pub const ALL: [EnergyLabel; 11] = [
        EnergyLabel::A4Plus,
        EnergyLabel::A3Plus,
        EnergyLabel::A2Plus,
        EnergyLabel::A1Plus,
        EnergyLabel::A,
        EnergyLabel::B,
        EnergyLabel::C,
        EnergyLabel::D,
        EnergyLabel::E,
        EnergyLabel::F,
        EnergyLabel::G,
    ];

    /// The class of a dwelling with this EP2 (primary fossil energy, kWh/m² per year).
    ///
    /// NTA 8800 rounds EP2 to 0.01 before classifying; NaN is classed G so that a broken
    /// calculation can never look like a good label.
    pub fn from_ep2(ep2_kwh_m2: f64) -> EnergyLabel {
        let rounded = (ep2_kwh_m2 * 100.0).round() / 100.0;
        for (label, upper) in Self::ALL.iter().zip(UPPER_EP2_KWH_M2) {
            if rounded <= upper {
                return *label;
            }
        }
        EnergyLabel::G
    }

    /// Position in [`EnergyLabel::ALL`] (0 = A++++, 10 = G).
    pub fn index(self) -> usize {
        self as usize
    }

    /// Inclusive upper EP2 bound of the class (infinite for G).
    pub fn upper_ep2_kwh_m2(self) -> f64 {
        UPPER_EP2_KWH_M2[self.index()]
    }

    /// Exclusive lower EP2 bound of the class (negative infinity for A++++).
    pub fn lower_ep2_kwh_m2(self) -> f64 {
        match self.index() {
            0 => f64::NEG_INFINITY,
            i => UPPER_EP2_KWH_M2[i - 1],
        }
    }

    /// A representative EP2 inside the class, used to calibrate a dwelling that has a registered
    /// label but no registered EP2: the middle of bounded classes, 20 kWh/m² inside open ones.
    pub fn representative_ep2_kwh_m2(self) -> f64 {
        match self {
            EnergyLabel::A4Plus => -20.0,
            EnergyLabel::G => UPPER_EP2_KWH_M2[9] + 20.0,
            _ => 0.5 * (self.lower_ep2_kwh_m2() + self.upper_ep2_kwh_m2()),
        }
    }

    /// Label A or better (A, A+, … A++++): the 2034 target counts these.
    pub fn is_a_or_better(self) -> bool {
        self <= EnergyLabel::A
    }

    /// E, F or G: to be gone after the phase-out year.
    pub fn is_efg(self) -> bool {
        self >= EnergyLabel::E
    }

    /// The label as printed on the certificate (`A++`, `C`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            EnergyLabel::A4Plus => "A++++",
            EnergyLabel::A3Plus => "A+++",
            EnergyLabel::A2Plus => "A++",
            EnergyLabel::A1Plus => "A+",
            EnergyLabel::A => "A",
            EnergyLabel::B => "B",
            EnergyLabel::C => "C",
            EnergyLabel::D => "D",
            EnergyLabel::E => "E",
            EnergyLabel::F => "F",
            EnergyLabel::G => "G",
        }
    }
}

impl fmt::Display for EnergyLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for EnergyLabel {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Error for a label text that is not one of `A++++` … `G`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an energy label (expected A++++, A+++, A++, A+, A, B, C, D, E, F or G)")]
pub struct ParseLabelError;

impl FromStr for EnergyLabel {
    type Err = ParseLabelError;

    /// Case-insensitive; accepts `A+4`-style counts (`A+4` = A++++) and a `label ` prefix, as
    /// exports of EP-Online and corporation systems use both.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut t = text.trim().to_ascii_uppercase();
        if let Some(rest) = t.strip_prefix("LABEL") {
            t = rest.trim().to_string();
        }
        let label = match t.as_str() {
            "A++++" | "A+4" => EnergyLabel::A4Plus,
            "A+++" | "A+3" => EnergyLabel::A3Plus,
            "A++" | "A+2" => EnergyLabel::A2Plus,
            "A+" | "A+1" => EnergyLabel::A1Plus,
            "A" => EnergyLabel::A,
            "B" => EnergyLabel::B,
            "C" => EnergyLabel::C,
            "D" => EnergyLabel::D,
            "E" => EnergyLabel::E,
            "F" => EnergyLabel::F,
            "G" => EnergyLabel::G,
            _ => return Err(ParseLabelError),
        };
        Ok(label)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference;

    #[test]
    fn bounds_equal_the_reference_table() {
        let rows = reference::rows(reference::LABEL_CLASSES_CSV);
        assert_eq!(rows.len(), 11);
        for (row, label) in rows.iter().zip(EnergyLabel::ALL) {
            assert_eq!(row[0], label.as_str());
            let upper: f64 = if row[1] == "inf" {
                f64::INFINITY
            } else {
                row[1].parse().unwrap()
            };
            assert_eq!(upper, label.upper_ep2_kwh_m2());
        }
    }

    #[test]
    fn classifies_on_inclusive_upper_bounds_after_rounding() {
        assert_eq!(EnergyLabel::from_ep2(160.0), EnergyLabel::A);
        assert_eq!(EnergyLabel::from_ep2(160.004), EnergyLabel::A);
        assert_eq!(EnergyLabel::from_ep2(160.006), EnergyLabel::B);
        assert_eq!(EnergyLabel::from_ep2(-5.0), EnergyLabel::A4Plus);
        assert_eq!(EnergyLabel::from_ep2(0.0), EnergyLabel::A4Plus);
        assert_eq!(EnergyLabel::from_ep2(290.0), EnergyLabel::D);
        assert_eq!(EnergyLabel::from_ep2(290.5), EnergyLabel::E);
        assert_eq!(EnergyLabel::from_ep2(1000.0), EnergyLabel::G);
        assert_eq!(EnergyLabel::from_ep2(f64::NAN), EnergyLabel::G);
    }

    #[test]
    fn parses_case_insensitively_and_round_trips() {
        for label in EnergyLabel::ALL {
            assert_eq!(label.as_str().parse::<EnergyLabel>().unwrap(), label);
            assert_eq!(
                label
                    .as_str()
                    .to_lowercase()
                    .parse::<EnergyLabel>()
                    .unwrap(),
                label
            );
        }
        assert_eq!(" Label b ".parse::<EnergyLabel>().unwrap(), EnergyLabel::B);
        assert_eq!("A+4".parse::<EnergyLabel>().unwrap(), EnergyLabel::A4Plus);
        assert!("H".parse::<EnergyLabel>().is_err());
        assert!("".parse::<EnergyLabel>().is_err());
    }

    #[test]
    fn representative_ep2_lies_inside_its_class() {
        for label in EnergyLabel::ALL {
            assert_eq!(
                EnergyLabel::from_ep2(label.representative_ep2_kwh_m2()),
                label
            );
        }
    }

    #[test]
    fn a_or_better_and_efg() {
        assert!(EnergyLabel::A.is_a_or_better());
        assert!(EnergyLabel::A2Plus.is_a_or_better());
        assert!(!EnergyLabel::B.is_a_or_better());
        assert!(EnergyLabel::E.is_efg() && EnergyLabel::G.is_efg());
        assert!(!EnergyLabel::D.is_efg());
    }
}
