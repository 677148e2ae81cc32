//! heatpath: a heat-demand reduction optimiser for Dutch housing corporations.
pub mod assess;
pub mod catalogue;
pub mod evaluate;
pub mod generate;
pub mod label;
pub mod model;
pub mod optimise;
pub mod options;
pub mod output;
pub mod performance;
pub mod pipeline;
pub mod plan;
pub mod reference;
pub mod report;
pub mod scenario;
pub mod stock;
pub mod typology;
