//! The stock table's columns: canonical names, units, the Dutch and common spellings the reader
//! maps onto them, and the user's column-mapping file for the rest.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::Deserialize;

use super::StockError;
use crate::typology::normalise_key;

macro_rules! columns {
    ($( $(#[$meta:meta])* $variant:ident = $canon:literal, $unit:literal, [ $($alias:literal),* ] ),+ $(,)?) => {
        /// A column of the stock table.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Column {
            $( $(#[$meta])* $variant ),+
        }

        impl Column {
            /// Every column, in the order heatpath writes them.
            pub const ALL: &'static [Column] = &[$(Column::$variant),+];

            /// Canonical name, as heatpath writes it.
            pub fn name(self) -> &'static str {
                match self { $(Column::$variant => $canon),+ }
            }

            /// Unit or value domain, for documentation and error messages.
            pub fn unit(self) -> &'static str {
                match self { $(Column::$variant => $unit),+ }
            }

            /// Other accepted header spellings (Dutch first).
            pub fn aliases(self) -> &'static [&'static str] {
                match self { $(Column::$variant => &[$($alias),*]),+ }
            }
        }
    };
}

columns! {
    /// Unique dwelling id (VHE number).
    Id = "id", "text, unique", ["vhe", "vhe_nummer", "vhe_nr", "eenheid", "eenheidnummer", "eenheid_nr", "woning_id", "objectnummer", "verhuureenheid", "dwelling_id"],
    /// Dwelling type.
    DwellingType = "dwelling_type", "terraced_mid | terraced_end | semi_detached | detached | apartment_gallery | apartment_porch | apartment_other | maisonnette (or Dutch names)", ["woningtype", "type_woning", "woning_type", "typering", "woningtypering", "type"],
    /// Construction year.
    BuildYear = "build_year", "year", ["bouwjaar", "jaar_bouw", "construction_year"],
    /// Usable floor area Ag.
    FloorAreaM2 = "floor_area_m2", "m² (usable area, Ag)", ["gebruiksoppervlakte", "gebruiksoppervlak", "gbo", "ag", "oppervlakte", "vloeroppervlakte", "floor_area", "woonoppervlakte"],
    /// Complex (block) the dwelling belongs to: the decision unit.
    ComplexId = "complex_id", "text", ["complex", "complexnummer", "complex_nummer", "complex_nr", "cluster", "clusternummer"],
    /// Owning corporation.
    Corporation = "corporation", "text", ["corporatie", "woningcorporatie", "toegelaten_instelling", "ti", "organisatie"],
    /// Region (woningmarktregio).
    Region = "region", "text", ["regio", "woningmarktregio"],
    /// Municipality.
    Municipality = "municipality", "text", ["gemeente"],
    /// Province.
    Province = "province", "text", ["provincie"],
    /// Apartment position in the block.
    Position = "position", "ground | middle | top | ground_top (or begane grond, tussen, boven)", ["positie", "ligging", "positie_in_gebouw"],
    /// Roof construction.
    RoofType = "roof_type", "pitched | flat", ["daktype", "dak_type", "dakvorm"],
    /// Facade construction.
    FacadeType = "facade_type", "cavity | solid", ["geveltype", "gevel_type", "muurtype", "gevelconstructie"],
    /// Roof Rc.
    RoofRc = "roof_rc", "m²K/W", ["rc_dak", "dak_rc"],
    /// Facade Rc.
    FacadeRc = "facade_rc", "m²K/W", ["rc_gevel", "gevel_rc"],
    /// Floor Rc.
    FloorRc = "floor_rc", "m²K/W", ["rc_vloer", "vloer_rc"],
    /// Window U.
    WindowU = "window_u", "W/m²K", ["u_raam", "u_glas", "raam_u", "glas_u", "u_window"],
    /// Glazing type, as an alternative to window_u.
    Glazing = "glazing", "single | double | hr | hr++ | triple (enkel, dubbel, hr, hr++, triple)", ["glas", "beglazing", "glastype", "glassoort"],
    /// Air permeability.
    Qv10 = "qv10", "dm³/s per m² at 10 Pa", ["luchtdichtheid", "qv10_dm3_s_m2"],
    /// Roof area.
    RoofAreaM2 = "roof_area_m2", "m²", ["dakoppervlakte", "dak_oppervlakte", "oppervlakte_dak"],
    /// Gross facade area to outside air (windows and doors included).
    FacadeAreaM2 = "facade_area_m2", "m²", ["geveloppervlakte", "gevel_oppervlakte", "oppervlakte_gevel"],
    /// Window area.
    WindowAreaM2 = "window_area_m2", "m²", ["raamoppervlakte", "glasoppervlakte", "raam_oppervlakte", "glas_oppervlakte"],
    /// Floor area over ground or crawlspace.
    GroundFloorAreaM2 = "ground_floor_area_m2", "m²", ["vloeroppervlakte_bg", "oppervlakte_vloer", "begane_grondvloer_m2"],
    /// Monument: no external facade insulation.
    Monument = "monument", "yes/no", ["rijksmonument", "gemeentelijk_monument", "beschermd"],
    /// Space-heating system.
    Heating = "heating", "gas_boiler | hybrid_heat_pump | heat_pump | district_heating | electric | other", ["verwarming", "installatie", "verwarmingsinstallatie", "warmteopwekking", "verwarmingssysteem"],
    /// Ventilation system.
    Ventilation = "ventilation", "natural | mechanical_exhaust | mechanical_exhaust_demand | balanced_heat_recovery | balanced_heat_recovery_demand", ["ventilatie", "ventilatiesysteem"],
    /// Year the boiler was installed.
    BoilerInstallYear = "boiler_install_year", "year", ["bouwjaar_ketel", "installatiejaar_ketel", "jaar_ketel", "ketel_jaar", "plaatsingsjaar_ketel"],
    /// A district-heating network can connect this dwelling.
    DistrictHeatingAvailable = "district_heating_available", "yes/no", ["warmtenet_beschikbaar", "stadsverwarming_beschikbaar", "warmtenet_mogelijk"],
    /// Installed PV.
    SolarPvKwp = "solar_pv_kwp", "kWp", ["pv_kwp", "zonnepanelen_kwp", "zon_pv_kwp", "wattpiek_kwp"],
    /// Registered energy label.
    RegisteredLabel = "registered_label", "A++++ … G", ["energielabel", "label", "labelklasse", "energieklasse", "geregistreerd_label"],
    /// Registered EP2.
    RegisteredEp2 = "registered_ep2", "kWh/m² per year", ["ep2", "primair_fossiel_energiegebruik", "energieprestatie_ep2", "ep2_kwh_m2"],
    /// Registered net heat demand Q_H,nd.
    RegisteredQhNd = "registered_qh_nd", "kWh/m² per year", ["netto_warmtebehoefte", "warmtebehoefte", "qh_nd", "qhnd", "qh_nd_kwh_m2"],
    /// Year of planned envelope maintenance (natural moment).
    PlannedMaintenanceYear = "planned_maintenance_year", "year", ["planmatig_onderhoud", "onderhoudsjaar", "jaar_planmatig_onderhoud", "mjob_jaar", "jaar_onderhoud"],
    /// The year the dwelling is to leave the stock (VERA `beoogdUitExploitatieDatum`; a date is
    /// read as its year).
    PlannedExitYear = "planned_exit_year", "year (or date)", ["beoogd_uit_exploitatie_datum", "beoogduitexploitatiedatum", "uit_exploitatie_datum", "uit_exploitatie_jaar", "jaar_uit_exploitatie", "exit_year"],
    /// How it leaves (VERA `bestemming`): sale or demolition.
    PlannedExit = "planned_exit", "sell | demolish (verkoop, sloop)", ["bestemming", "uit_exploitatie_bestemming", "uitexploitatiebestemming", "exit", "uit_exploitatie"],
    /// Low-temperature radiators (or floor heating) already installed.
    LowTemperatureRadiators = "low_temperature_radiators", "yes/no", ["lt_radiatoren", "lage_temperatuur_radiatoren", "lage_temperatuur_verwarming", "lt_verwarming", "lt_afgifte"],
    /// Declared primary fossil energy factor of the district-heating network (NTA 8800).
    DistrictHeatFactor = "district_heat_factor", "primary fossil energy factor, 0 to 2 (NTA 8800's forfaitary 0.9 when empty)", ["primaire_energiefactor_warmtenet", "primaire_fossiele_energiefactor_warmtenet", "energiefactor_warmtenet", "fp_warmtenet", "warmtenet_factor", "primary_factor_district_heat"],
}

impl Column {
    /// The columns every stock table must have.
    pub const REQUIRED: [Column; 4] = [
        Column::Id,
        Column::DwellingType,
        Column::BuildYear,
        Column::FloorAreaM2,
    ];
}

/// Normalises a header cell for matching: drops a unit in brackets (`Gebruiksoppervlakte (m²)`),
/// case, spaces and punctuation.
pub fn normalise_header(text: &str) -> String {
    let without_unit = match text.find(['(', '[']) {
        Some(pos) if pos > 0 => &text[..pos],
        _ => text,
    };
    normalise_key(without_unit.trim_start_matches('\u{feff}'))
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '+')
        .collect()
}

/// Maps header cells to columns: built-in names and aliases, plus a user mapping.
#[derive(Debug, Clone, Default)]
pub struct ColumnMapping {
    by_header: HashMap<String, Column>,
    /// Headers the user's mapping leaves out on purpose (`"Type" = "ignore"`).
    ignored: HashSet<String>,
    /// Extra spellings of category values, per column (`"EGW tussen" = "terraced_mid"`).
    value_aliases: HashMap<Column, HashMap<String, String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    #[serde(default)]
    columns: HashMap<String, String>,
    #[serde(default)]
    values: HashMap<String, HashMap<String, String>>,
}

impl ColumnMapping {
    /// The built-in names and aliases only.
    pub fn builtin() -> ColumnMapping {
        let mut by_header = HashMap::new();
        for &column in Column::ALL {
            by_header.insert(normalise_header(column.name()), column);
            for alias in column.aliases() {
                by_header.entry(normalise_header(alias)).or_insert(column);
            }
        }
        ColumnMapping {
            by_header,
            ignored: HashSet::new(),
            value_aliases: HashMap::new(),
        }
    }

    /// Built-in mapping extended with a user's TOML mapping file:
    ///
    /// ```toml
    /// [columns]
    /// "VHE-nr" = "id"
    /// "Opp. woning" = "floor_area_m2"
    ///
    /// [values.dwelling_type]
    /// "EGW tussen" = "terraced_mid"
    /// ```
    pub fn from_file(path: &Path) -> Result<ColumnMapping, StockError> {
        let text = crate::input::read_text(path).map_err(|source| StockError::Io {
            file: path.to_path_buf(),
            source,
        })?;
        Self::from_toml(&text, path)
    }

    /// As [`ColumnMapping::from_file`], from text (`path` names it in errors).
    pub fn from_toml(text: &str, path: &Path) -> Result<ColumnMapping, StockError> {
        let mapping_error = |message: String| StockError::Mapping {
            file: path.to_path_buf(),
            message,
        };
        let file: MappingFile = toml::from_str(text).map_err(|e| mapping_error(e.to_string()))?;
        let mut mapping = ColumnMapping::builtin();
        let find = |name: &str| {
            Column::ALL
                .iter()
                .copied()
                .find(|c| c.name() == name.trim())
                .ok_or_else(|| {
                    mapping_error(format!(
                        "`{name}` is not a heatpath column; expected `ignore` or one of: {}",
                        Column::ALL
                            .iter()
                            .map(|c| c.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })
        };
        for (header, target) in &file.columns {
            let key = normalise_header(header);
            if target.trim() == "ignore" {
                mapping.by_header.remove(&key);
                mapping.ignored.insert(key);
            } else {
                mapping.by_header.insert(key, find(target)?);
            }
        }
        for (column_name, values) in &file.values {
            let column = find(column_name)?;
            let entry = mapping.value_aliases.entry(column).or_default();
            for (from, to) in values {
                entry.insert(normalise_key(from), to.clone());
            }
        }
        Ok(mapping)
    }

    /// The column a header cell maps to, if any.
    pub fn column_for(&self, header: &str) -> Option<Column> {
        self.by_header.get(&normalise_header(header)).copied()
    }

    /// The user's mapping leaves this header out on purpose.
    pub fn is_ignored(&self, header: &str) -> bool {
        self.ignored.contains(&normalise_header(header))
    }

    /// The column an unknown header probably means (a misspelling of a name or alias).
    pub fn suggestion(&self, header: &str) -> Option<Column> {
        let key = normalise_header(header);
        let best = crate::text::did_you_mean(&key, self.by_header.keys().map(String::as_str))?;
        self.by_header.get(best).copied()
    }

    /// The user's replacement for a category value, if the mapping file gives one.
    pub fn value_alias(&self, column: Column, value: &str) -> Option<&str> {
        self.value_aliases
            .get(&column)
            .and_then(|m| m.get(&normalise_key(value)))
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dutch_headers_map_to_columns() {
        let m = ColumnMapping::builtin();
        assert_eq!(m.column_for("Bouwjaar"), Some(Column::BuildYear));
        assert_eq!(
            m.column_for("Gebruiksoppervlakte (m²)"),
            Some(Column::FloorAreaM2)
        );
        assert_eq!(m.column_for("\u{feff}VHE nummer"), Some(Column::Id));
        assert_eq!(m.column_for("Woningtype"), Some(Column::DwellingType));
        assert_eq!(
            m.column_for(" ENERGIELABEL "),
            Some(Column::RegisteredLabel)
        );
        assert_eq!(m.column_for("floor_area_m2"), Some(Column::FloorAreaM2));
        assert_eq!(m.column_for("Floor Area m2"), Some(Column::FloorAreaM2));
        assert_eq!(m.column_for("kleur"), None);
    }

    #[test]
    fn aliases_do_not_collide() {
        let mut seen = HashMap::new();
        for &c in Column::ALL {
            for name in std::iter::once(c.name()).chain(c.aliases().iter().copied()) {
                if let Some(prev) = seen.insert(normalise_header(name), c).filter(|p| *p != c) {
                    panic!("{name} maps to both {prev:?} and {c:?}");
                }
            }
        }
    }

    #[test]
    fn user_mapping_adds_headers_and_values() {
        let text = "[columns]\n\"Opp. woning\" = \"floor_area_m2\"\n[values.dwelling_type]\n\"EGW tussen\" = \"terraced_mid\"\n";
        let m = ColumnMapping::from_toml(text, Path::new("map.toml")).unwrap();
        assert_eq!(m.column_for("Opp. woning"), Some(Column::FloorAreaM2));
        assert_eq!(
            m.value_alias(Column::DwellingType, "egw tussen"),
            Some("terraced_mid")
        );
        let ignoring =
            ColumnMapping::from_toml("[columns]\nType = \"ignore\"\n", Path::new("map.toml"))
                .unwrap();
        assert_eq!(ignoring.column_for("Type"), None);
        assert!(ignoring.is_ignored("type"));
        assert_eq!(
            m.suggestion("registred_label"),
            Some(Column::RegisteredLabel)
        );
        assert_eq!(m.suggestion("monumnet"), Some(Column::Monument));
        assert_eq!(m.suggestion("ep1"), None);
        assert_eq!(m.suggestion("Huurprijs"), None);
        let bad = ColumnMapping::from_toml("[columns]\nx = \"nope\"\n", Path::new("map.toml"));
        assert!(bad
            .unwrap_err()
            .to_string()
            .contains("`nope` is not a heatpath column"));
    }
}
