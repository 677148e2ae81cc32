//! A renovation plan: for each decision unit, the package it takes and the year, or nothing.

use serde::Serialize;

/// One unit's choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Choice {
    /// Catalogue index of the package.
    pub package: u16,
    /// Year the works are done (the unit's state changes from this year on).
    pub year: u16,
}

/// A plan over the decision units of a stock: at most one choice per unit, by construction.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// Choice per unit (index as in [`crate::options::DecisionUnits`]).
    pub choices: Vec<Option<Choice>>,
}

impl Plan {
    /// A plan that does nothing, for `n_units` units.
    pub fn empty(n_units: usize) -> Plan {
        Plan {
            choices: vec![None; n_units],
        }
    }

    /// Units that get a package.
    pub fn assigned(&self) -> impl Iterator<Item = (usize, Choice)> + '_ {
        self.choices
            .iter()
            .enumerate()
            .filter_map(|(u, c)| c.map(|c| (u, c)))
    }

    /// Number of units that get a package.
    pub fn n_assigned(&self) -> usize {
        self.choices.iter().filter(|c| c.is_some()).count()
    }
}
