//! Published reference tables, embedded at build time.
//!
//! The files in `data/reference/` are copies of the project's `shared/reference/` tables (Hestia
//! costs, NTA 8800 label classes, the isolatiestandaard, RVO reference dwellings); the built-in
//! catalogue and the model's constants are derived from them, and tests check both against them.

/// NTA 8800 label classes by EP2.
pub const LABEL_CLASSES_CSV: &str = include_str!("../data/reference/label_classes.csv");
/// Isolatiestandaard parameters B and S by category and construction period.
pub const ISOLATIESTANDAARD_CSV: &str = include_str!("../data/reference/isolatiestandaard.csv");
/// RVO Voorbeeldwoningen bestaande bouw 2022, current state.
pub const RVO_REFERENCE_DWELLINGS_CSV: &str =
    include_str!("../data/reference/rvo_reference_dwellings.csv");
/// Hestia insulation measure costs per m² of element.
pub const MEASURE_COSTS_CSV: &str = include_str!("../data/reference/measure_costs_hestia.csv");
/// Hestia ventilation system change costs per dwelling.
pub const VENTILATION_COSTS_CSV: &str =
    include_str!("../data/reference/ventilation_costs_hestia.csv");
/// Hestia heating installation costs.
pub const INSTALLATION_COSTS_CSV: &str =
    include_str!("../data/reference/installation_costs_hestia.csv");
/// Hestia heat-pump seasonal performance factors by shell label.
pub const HEAT_PUMP_PERFORMANCE_CSV: &str =
    include_str!("../data/reference/heat_pump_performance_hestia.csv");

/// The data rows of an embedded reference CSV: comment lines (`#`) and the header are skipped,
/// fields are split on `,` and trimmed. The embedded files are plain (no quoting), which the
/// tests below guarantee.
pub fn rows(csv: &str) -> Vec<Vec<&str>> {
    csv.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .skip(1)
        .map(|line| line.split(',').map(str::trim).collect())
        .collect()
}

/// The header of an embedded reference CSV.
pub fn header(csv: &str) -> Vec<&str> {
    csv.lines()
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| line.split(',').map(str::trim).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_is_rectangular_and_unquoted() {
        for csv in [
            LABEL_CLASSES_CSV,
            ISOLATIESTANDAARD_CSV,
            RVO_REFERENCE_DWELLINGS_CSV,
            MEASURE_COSTS_CSV,
            VENTILATION_COSTS_CSV,
            INSTALLATION_COSTS_CSV,
            HEAT_PUMP_PERFORMANCE_CSV,
        ] {
            let width = header(csv).len();
            assert!(width >= 2);
            for row in rows(csv) {
                assert!(row.iter().all(|field| !field.contains('"')), "{row:?}");
                assert_eq!(row.len(), width, "{row:?}");
            }
        }
    }

    /// The embedded copies must not drift from the project's shared reference tables, where those
    /// are present (they are beside the repository in development and CI).
    #[test]
    fn embedded_copies_equal_shared_reference_when_present() {
        let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference");
        if !shared.is_dir() {
            return;
        }
        for (name, embedded) in [
            ("label_classes.csv", LABEL_CLASSES_CSV),
            ("isolatiestandaard.csv", ISOLATIESTANDAARD_CSV),
            ("rvo_reference_dwellings.csv", RVO_REFERENCE_DWELLINGS_CSV),
            ("measure_costs_hestia.csv", MEASURE_COSTS_CSV),
            ("ventilation_costs_hestia.csv", VENTILATION_COSTS_CSV),
            ("installation_costs_hestia.csv", INSTALLATION_COSTS_CSV),
            (
                "heat_pump_performance_hestia.csv",
                HEAT_PUMP_PERFORMANCE_CSV,
            ),
        ] {
            let on_disk = std::fs::read_to_string(shared.join(name)).unwrap();
            assert_eq!(on_disk, embedded, "{name} differs from shared/reference");
        }
    }
}
