//! The measure catalogue: envelope element levels with costs per m², ventilation changes,
//! heating changes, and the packages that combine them; and the rules for applying a package to a
//! dwelling.
//!
//! The built-in default is derived from `data/reference/` (PBL/TNO Hestia: costs per m² by
//! standalone vs natural moment, single- vs multi-family, individual vs project; installation and
//! ventilation costs) plus `data/packages.toml`. A user catalogue (TOML) may override heating
//! costs, add or replace element levels and ventilation changes, and replace the packages.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::{heat_loss, ModelParams, ThermalState};
use crate::reference;
use crate::stock::Dwelling;
use crate::typology::{Envelope, FacadeType, Heating, RoofType, Ventilation};

/// The kinds of envelope element in the cost table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ElementKind {
    /// Windows (U-value).
    Glazing,
    /// Outside doors (U-value).
    Door,
    /// Opaque panels in the facade (Rc).
    Panel,
    /// Ground floor (Rc).
    Floor,
    /// Solid facade, insulated outside (Rc).
    SolidFacade,
    /// Cavity wall (Rc).
    CavityWall,
    /// Pitched roof (Rc).
    PitchedRoof,
    /// Flat roof (Rc).
    FlatRoof,
    /// Airtightness (qv10).
    Airtightness,
}

impl ElementKind {
    const ALL: [ElementKind; 9] = [
        ElementKind::Glazing,
        ElementKind::Door,
        ElementKind::Panel,
        ElementKind::Floor,
        ElementKind::SolidFacade,
        ElementKind::CavityWall,
        ElementKind::PitchedRoof,
        ElementKind::FlatRoof,
        ElementKind::Airtightness,
    ];

    fn from_reference(name: &str) -> Option<ElementKind> {
        Some(match name {
            "glazing" => ElementKind::Glazing,
            "door" => ElementKind::Door,
            "panel" => ElementKind::Panel,
            "floor" => ElementKind::Floor,
            "solid_facade" => ElementKind::SolidFacade,
            "cavity_wall" => ElementKind::CavityWall,
            "pitched_roof" => ElementKind::PitchedRoof,
            "flat_roof" => ElementKind::FlatRoof,
            "airtightness" => ElementKind::Airtightness,
            _ => return None,
        })
    }

    /// Insulation works whose labour pays the reduced VAT rate (floors, facades, roofs and
    /// insulating glass; not doors or draught-proofing).
    fn is_insulation(self) -> bool {
        !matches!(self, ElementKind::Door | ElementKind::Airtightness)
    }

    /// Higher values are better (Rc), rather than lower (U, qv10).
    fn higher_is_better(self) -> bool {
        !matches!(
            self,
            ElementKind::Glazing | ElementKind::Door | ElementKind::Airtightness
        )
    }
}

/// When a measure is carried out: on its own, or when the element is renovated anyway (cheaper).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moment {
    /// Standalone (zelfstandig moment).
    Standalone,
    /// Natural moment (natuurlijk moment): planned maintenance or end of life.
    Natural,
}

/// Single-family (eengezins) or multi-family (meergezins) dwelling: prices differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Ground-level house.
    Single,
    /// Apartment.
    Multi,
}

/// One dwelling at a time, or a whole block as a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Individual dwelling.
    Individual,
    /// Project: a complex at once.
    Project,
}

/// Eight direct prices (excluding VAT and overheads unless the catalogue's `[cost_basis]` says
/// otherwise) in Hestia's column order: zst_egw_ind, zst_egw_prj, zst_mgw_ind, zst_mgw_prj,
/// nat_egw_ind, nat_egw_prj, nat_mgw_ind, nat_mgw_prj. In a catalogue file they are written
/// with the names of [`COST_TABLE_KEYS`], so that a corporation entering its own contractor's
/// prices knows which is which; the older unlabelled array of eight is still read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CostTable(pub [f64; 8]);

/// The names of a [`CostTable`]'s eight prices in a catalogue file, in order: moment (standalone
/// or at a natural moment), single- or multi-family, individual dwelling or project.
pub const COST_TABLE_KEYS: [&str; 8] = [
    "standalone_single_family_individual",
    "standalone_single_family_project",
    "standalone_multi_family_individual",
    "standalone_multi_family_project",
    "natural_single_family_individual",
    "natural_single_family_project",
    "natural_multi_family_individual",
    "natural_multi_family_project",
];

impl Serialize for CostTable {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(8))?;
        for (key, value) in COST_TABLE_KEYS.iter().zip(self.0) {
            map.serialize_entry(key, &value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for CostTable {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// The named form of a catalogue file, or the older array of eight.
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Named(BTreeMap<String, f64>),
            Array([f64; 8]),
        }
        match Written::deserialize(deserializer)? {
            Written::Array(prices) => Ok(CostTable(prices)),
            Written::Named(map) => {
                let mut prices = [0.0; 8];
                for (key, value) in &map {
                    let Some(i) = COST_TABLE_KEYS.iter().position(|k| k == key) else {
                        return Err(serde::de::Error::custom(format!(
                            "unknown price `{key}`: expected {}",
                            COST_TABLE_KEYS.join(", ")
                        )));
                    };
                    prices[i] = *value;
                }
                if let Some(missing) = COST_TABLE_KEYS.iter().find(|k| !map.contains_key(**k)) {
                    return Err(serde::de::Error::custom(format!(
                        "missing price `{missing}`: all eight of {} are needed",
                        COST_TABLE_KEYS.join(", ")
                    )));
                }
                Ok(CostTable(prices))
            }
        }
    }
}

impl CostTable {
    /// The price for a moment, family and scale.
    pub fn get(&self, moment: Moment, family: Family, scale: Scale) -> f64 {
        let index = match moment {
            Moment::Standalone => 0,
            Moment::Natural => 4,
        } + match family {
            Family::Single => 0,
            Family::Multi => 2,
        } + match scale {
            Scale::Individual => 0,
            Scale::Project => 1,
        };
        self.0[index]
    }
}

/// One level of one element: an existing state (no cost) or a measure (with costs per m²).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElementLevel {
    /// Element kind.
    pub kind: ElementKind,
    /// Level code (`N0` … `N4`).
    pub level: String,
    /// Description.
    pub measure: String,
    /// Rc (m²K/W) for opaque elements, U (W/m²K) for glass and doors, qv10 for airtightness.
    pub value: f64,
    /// Cost per m² of element (airtightness: per m² of usable area), price base year; absent for
    /// existing states.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_eur_m2: Option<CostTable>,
    /// This measure's VAT rate as a whole, replacing the cost basis's rule (standard rate, or the
    /// reduced rate on the labour share of insulation works).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_rate: Option<f64>,
    /// This measure's overhead rate, replacing the cost basis's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overhead_rate: Option<f64>,
}

/// A change of ventilation system with its cost per dwelling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VentilationChange {
    /// Current system.
    pub from: Ventilation,
    /// New system.
    pub to: Ventilation,
    /// Cost per dwelling, price base year.
    pub cost_eur: CostTable,
}

/// What a housing corporation pays on top of a contractor's direct price: VAT it cannot reclaim
/// and its own project overheads. Every cost the catalogue reports (and so every plan, trajectory
/// and target in euros) is on this basis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CostBasis {
    /// The catalogue's prices already include VAT (e.g. a corporation's own invoice totals), so no
    /// VAT is added. False for the built-in prices: Hestia's costs exclude VAT.
    pub prices_include_vat: bool,
    /// Standard VAT rate, 21 % (Wet op de omzetbelasting 1968, art. 9). A corporation cannot
    /// reclaim it: letting dwellings is VAT-exempt (art. 11), so VAT is a cost to it.
    pub vat_rate: f64,
    /// Reduced VAT rate on the labour of insulating a dwelling older than two years, 9 % (Wet OB
    /// 1968, tabel I, onderdeel b: isolatiewerkzaamheden aan woningen). The rate is tied to the
    /// work on a dwelling, not to who owns it, so it applies to rented corporation dwellings;
    /// the insulation materials stay at the standard rate.
    pub vat_rate_insulation_labour: f64,
    /// Share of an insulation measure's direct price that is labour, taxed at the reduced rate.
    /// Assumption: one half (no public split of Hestia's costs; cavity fill is mostly labour,
    /// triple glazing mostly material).
    pub insulation_labour_share: f64,
    /// Overheads (bijkomende kosten: design, supervision, project management, tenant guidance,
    /// scaffolding, asbestos survey, new label registration) as a share of the direct price,
    /// themselves subject to VAT. Assumption: 20 %, within the 15–30 % of sector practice; no
    /// public norm was found.
    pub overhead_rate: f64,
}

impl Default for CostBasis {
    fn default() -> Self {
        CostBasis {
            prices_include_vat: false,
            vat_rate: 0.21,
            vat_rate_insulation_labour: 0.09,
            insulation_labour_share: 0.5,
            overhead_rate: 0.20,
        }
    }
}

impl CostBasis {
    /// The VAT rate on a measure as a whole: the standard rate, or for insulation works the
    /// reduced rate on their labour share; zero when the prices already include VAT.
    pub fn vat_rate_of(&self, insulation: bool) -> f64 {
        if self.prices_include_vat {
            0.0
        } else if insulation {
            self.insulation_labour_share * self.vat_rate_insulation_labour
                + (1.0 - self.insulation_labour_share) * self.vat_rate
        } else {
            self.vat_rate
        }
    }

    /// What a corporation pays per euro of direct price: (1 + overheads) × (1 + VAT).
    pub fn factor(&self, vat_rate: f64, overhead_rate: f64) -> f64 {
        (1.0 + overhead_rate) * (1.0 + vat_rate)
    }
}

/// Heating installation costs (price base year) and sizing assumptions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HeatingCosts {
    /// Hybrid heat pump, fixed part per dwelling (Hestia BasisHWP_w).
    pub hybrid_heat_pump_eur: f64,
    /// Hybrid heat pump per kW (Hestia).
    pub hybrid_heat_pump_eur_per_kw: f64,
    /// Hybrid heat-pump capacity as a share of the design heat load. Assumption.
    pub hybrid_capacity_share: f64,
    /// All-electric air/water heat pump, fixed part per dwelling: middle of Hestia's range
    /// (eWP_lw, 5,372–12,561).
    pub heat_pump_eur: f64,
    /// All-electric heat pump per kW: middle of Hestia's range (320–500).
    pub heat_pump_eur_per_kw: f64,
    /// District-heating connection per dwelling: connection contribution plus in-house works
    /// (removing gas, delivery set). Assumption; no figure in the reference tables.
    pub district_heating_connection_eur: f64,
    /// HR boiler replacement, avoided when a heat pump or district heating replaces a boiler at
    /// its end of life: middle of Hestia's range (1,584–2,324).
    pub boiler_replacement_eur: f64,
    /// Boiler lifetime (years, Hestia: 15): a boiler installed in year y reaches its natural
    /// replacement moment in y + lifetime.
    pub boiler_lifetime_years: u16,
    /// Design temperature difference for sizing heat pumps (K): 20 °C inside, −10 °C outside.
    pub design_temperature_difference_k: f64,
    /// Making a dwelling gas-free beyond its heating: an induction hob in place of the gas one
    /// and the removal of the gas connection, charged with every change to an all-electric heat
    /// pump or district heating of a dwelling that had gas. Assumption: €1,500 (induction hob
    /// and pans about €1,000; the grid operator's removal of the connection about €500).
    pub gas_free_extras_eur: f64,
    /// Low-temperature radiators, fixed part per dwelling (direct price, excl. VAT and
    /// overheads): adapting pipework, balancing and commissioning. ASSUMPTION: €500; no figure
    /// in the reference tables.
    pub low_temperature_radiators_eur: f64,
    /// Low-temperature radiators per m² of usable area (direct price). ASSUMPTION: €35/m²,
    /// about one radiator of €500–600 installed for every 15 m² (sector press quotes
    /// €3,000–6,000 for a dwelling); a 100 m² dwelling then costs €4,000 direct, €5,808 with
    /// 20 % overheads and 21 % VAT.
    pub low_temperature_radiators_eur_per_m2: f64,
}

impl Default for HeatingCosts {
    fn default() -> Self {
        let rows = reference::rows(reference::INSTALLATION_COSTS_CSV);
        let mid = |name: &str, min_col: usize, max_col: usize| -> f64 {
            rows.iter()
                .find(|r| r[0] == name)
                .map(|r| {
                    0.5 * (r[min_col].parse::<f64>().unwrap_or(0.0)
                        + r[max_col].parse::<f64>().unwrap_or(0.0))
                })
                .unwrap_or(0.0)
        };
        let lifetime = rows
            .iter()
            .find(|r| r[0] == "HR")
            .and_then(|r| r[6].parse().ok())
            .unwrap_or(15);
        HeatingCosts {
            hybrid_heat_pump_eur: mid("BasisHWP_w", 2, 3),
            hybrid_heat_pump_eur_per_kw: mid("BasisHWP_w", 4, 5),
            hybrid_capacity_share: 0.5,
            heat_pump_eur: mid("eWP_lw", 2, 3),
            heat_pump_eur_per_kw: mid("eWP_lw", 4, 5),
            district_heating_connection_eur: 6500.0,
            boiler_replacement_eur: mid("HR", 2, 3),
            boiler_lifetime_years: lifetime,
            design_temperature_difference_k: 30.0,
            gas_free_extras_eur: 1500.0,
            low_temperature_radiators_eur: 500.0,
            low_temperature_radiators_eur_per_m2: 35.0,
        }
    }
}

/// A heating change a package can make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeatingChange {
    /// Add a hybrid heat pump to a gas boiler.
    HybridHeatPump,
    /// Replace the boiler by an all-electric heat pump (needs a low-temperature-ready dwelling).
    HeatPump,
    /// Connect to district heating (where available).
    DistrictHeating,
}

impl HeatingChange {
    /// The heating system after the change.
    pub fn system(self) -> Heating {
        match self {
            HeatingChange::HybridHeatPump => Heating::HybridHeatPump,
            HeatingChange::HeatPump => Heating::HeatPump,
            HeatingChange::DistrictHeating => Heating::DistrictHeating,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            HeatingChange::HybridHeatPump => "hybrid_heat_pump",
            HeatingChange::HeatPump => "heat_pump",
            HeatingChange::DistrictHeating => "district_heating",
        }
    }
}

/// A package as written in the catalogue file.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageSpec {
    /// Short id, used in plans.
    pub id: String,
    /// Description.
    #[serde(default)]
    pub name: String,
    /// Roof level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roof: Option<String>,
    /// Facade level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facade: Option<String>,
    /// Floor level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor: Option<String>,
    /// Glazing level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub glazing: Option<String>,
    /// Door level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub door: Option<String>,
    /// Airtightness level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub airtightness: Option<String>,
    /// Ventilation system to install.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ventilation: Option<Ventilation>,
    /// Heating change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heating: Option<HeatingChange>,
    /// Replace the radiators by low-temperature ones: the dwelling then needs a lower supply
    /// temperature ([`crate::readiness`]), which raises a heat pump's SPF and can make it
    /// ready for a sustainable heat source.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub low_temperature_radiators: bool,
    /// The package's own price, replacing the sum of its measures' (e.g. a contractor's
    /// framework price for the whole package). The cost basis applies to it as to any price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<PackagePrice>,
    /// This package's overhead rate, replacing the cost basis's and its measures' (e.g. a
    /// corporation's framework contract with its own project costs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overhead_rate: Option<f64>,
}

/// A package's own price: a direct price per dwelling plus one per m² of usable area, at the
/// catalogue's price level, on the catalogue's cost basis (VAT added unless
/// `prices_include_vat`; the package's or the cost basis's overheads added). It replaces
/// everything the package's measures would cost, heating, gas disconnection and low-temperature
/// radiators included, and is the same at any moment (no natural-moment discount). For a
/// dwelling the package changes nothing for, it costs nothing.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackagePrice {
    /// Direct price per dwelling (euros).
    #[serde(default)]
    pub per_dwelling_eur: f64,
    /// Direct price per m² of usable area Ag (euros per m²).
    #[serde(default)]
    pub per_m2_floor_eur: f64,
    /// The VAT rate on the price as a whole; absent: the cost basis's rule (the insulation
    /// rate for a package of insulation only, else the standard rate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_rate: Option<f64>,
}

/// The element slots of a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Roof,
    Facade,
    Floor,
    Glazing,
    Door,
    Airtightness,
}

impl Slot {
    const ALL: [Slot; 6] = [
        Slot::Roof,
        Slot::Facade,
        Slot::Floor,
        Slot::Glazing,
        Slot::Door,
        Slot::Airtightness,
    ];

    fn name(self) -> &'static str {
        match self {
            Slot::Roof => "roof",
            Slot::Facade => "facade",
            Slot::Floor => "floor",
            Slot::Glazing => "glazing",
            Slot::Door => "door",
            Slot::Airtightness => "airtightness",
        }
    }

    /// The element kinds a slot can mean; which one applies depends on the dwelling.
    fn kinds(self) -> &'static [ElementKind] {
        match self {
            Slot::Roof => &[ElementKind::PitchedRoof, ElementKind::FlatRoof],
            Slot::Facade => &[ElementKind::CavityWall, ElementKind::SolidFacade],
            Slot::Floor => &[ElementKind::Floor],
            Slot::Glazing => &[ElementKind::Glazing],
            Slot::Door => &[ElementKind::Door],
            Slot::Airtightness => &[ElementKind::Airtightness],
        }
    }
}

impl PackageSpec {
    fn level(&self, slot: Slot) -> Option<&str> {
        match slot {
            Slot::Roof => self.roof.as_deref(),
            Slot::Facade => self.facade.as_deref(),
            Slot::Floor => self.floor.as_deref(),
            Slot::Glazing => self.glazing.as_deref(),
            Slot::Door => self.door.as_deref(),
            Slot::Airtightness => self.airtightness.as_deref(),
        }
    }

    /// The measures in words, for plan tables: `roof N3; facade N2; ventilation mechanical_exhaust`.
    pub fn measures(&self) -> String {
        let mut parts: Vec<String> = Slot::ALL
            .iter()
            .filter_map(|&slot| self.level(slot).map(|l| format!("{} {l}", slot.name())))
            .collect();
        if let Some(v) = self.ventilation {
            parts.push(format!("ventilation {v}"));
        }
        if let Some(h) = self.heating {
            parts.push(format!("heating {}", h.as_str()));
        }
        if self.low_temperature_radiators {
            parts.push("low-temperature radiators".into());
        }
        if let Some(price) = &self.price {
            parts.push(format!(
                "own price €{} per dwelling + €{}/m²",
                price.per_dwelling_eur, price.per_m2_floor_eur
            ));
        }
        parts.join("; ")
    }
}

/// A package with its levels resolved against the element table.
#[derive(Debug, Clone, PartialEq)]
pub struct Package {
    /// As written in the catalogue.
    pub spec: PackageSpec,
    /// For each [`ElementKind`], the index of the target level in [`Catalogue::elements`].
    targets: [Option<usize>; 9],
}

impl Package {
    /// Short id.
    pub fn id(&self) -> &str {
        &self.spec.id
    }

    /// Changes the envelope.
    pub fn has_envelope_measures(&self) -> bool {
        self.targets.iter().any(Option::is_some)
    }

    /// The heating change, if any.
    pub fn heating(&self) -> Option<HeatingChange> {
        self.spec.heating
    }
}

/// Errors in a catalogue file.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    /// The file could not be read.
    #[error("{}: cannot read: {source}", file.display())]
    Io {
        /// The file.
        file: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// TOML syntax or an unknown key.
    #[error("{}: {message}", file.display())]
    Syntax {
        /// The file.
        file: PathBuf,
        /// The parser's message (with line and column).
        message: String,
    },
    /// A semantic error in one entry.
    #[error("{}: {entry}: field `{field}`: value `{value}`: expected {expected}", file.display())]
    Invalid {
        /// The file.
        file: PathBuf,
        /// Which entry (`package "basic"`, `element cavity_wall N2`, …).
        entry: String,
        /// Field name.
        field: String,
        /// The value given.
        value: String,
        /// What is accepted.
        expected: String,
    },
}

/// The catalogue file: every section optional; what is absent comes from the built-in default.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogueFile {
    /// Price level year of the costs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_base_year: Option<u16>,
    /// VAT and overheads on top of the direct prices (field by field defaulted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_basis: Option<CostBasis>,
    /// Heating costs (replaces the default heating section as a whole, field by field defaulted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heating: Option<HeatingCosts>,
    /// Element levels: each replaces the default level of the same kind and code, or adds one.
    #[serde(default, rename = "element", skip_serializing_if = "Vec::is_empty")]
    pub elements: Vec<ElementLevel>,
    /// Ventilation changes: each replaces the default for the same from/to, or adds one.
    #[serde(default, rename = "ventilation", skip_serializing_if = "Vec::is_empty")]
    pub ventilation_changes: Vec<VentilationChange>,
    /// Packages: when present, they replace the default packages (unless
    /// `include_default_packages = true`).
    #[serde(default, rename = "package", skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<PackageSpec>,
    /// Keep the default packages beside the ones listed here.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub include_default_packages: bool,
}

/// The resolved catalogue.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalogue {
    /// Year of the price level (Hestia's data: 2023).
    pub price_base_year: u16,
    /// Element levels.
    pub elements: Vec<ElementLevel>,
    /// Ventilation changes.
    pub ventilation_changes: Vec<VentilationChange>,
    /// Heating costs.
    pub heating: HeatingCosts,
    /// VAT and overheads on the direct prices.
    pub cost_basis: CostBasis,
    /// Packages, in catalogue order.
    pub packages: Vec<Package>,
    /// Where it came from (`built-in` or a file).
    pub source: String,
}

const DEFAULT_PACKAGES_TOML: &str = include_str!("../data/packages.toml");
/// Element levels beyond Hestia's table (roof insulation from the inside).
const EXTRA_MEASURES_TOML: &str = include_str!("../data/extra_measures.toml");

fn default_elements() -> Vec<ElementLevel> {
    #[derive(Deserialize)]
    struct Extra {
        element: Vec<ElementLevel>,
    }
    let extra = toml::from_str::<Extra>(EXTRA_MEASURES_TOML)
        .map(|e| e.element)
        .unwrap_or_default();
    reference::rows(reference::MEASURE_COSTS_CSV)
        .into_iter()
        .filter_map(|r| {
            let kind = ElementKind::from_reference(r[0])?;
            let costs: Vec<Option<f64>> = r[3..11].iter().map(|c| c.parse().ok()).collect();
            let cost_eur_m2 = if costs.iter().all(Option::is_some) {
                let mut table = [0.0; 8];
                for (slot, c) in table.iter_mut().zip(&costs) {
                    *slot = c.unwrap_or(0.0);
                }
                Some(CostTable(table))
            } else {
                None
            };
            Some(ElementLevel {
                kind,
                level: r[1].to_string(),
                measure: r[2].to_string(),
                value: r[11].parse().ok()?,
                cost_eur_m2,
                vat_rate: None,
                overhead_rate: None,
            })
        })
        .chain(extra)
        .collect()
}

fn default_ventilation_changes() -> Vec<VentilationChange> {
    reference::rows(reference::VENTILATION_COSTS_CSV)
        .into_iter()
        .filter_map(|r| {
            let mut table = [0.0; 8];
            for (slot, c) in table.iter_mut().zip(&r[2..10]) {
                *slot = c.parse().ok()?;
            }
            Some(VentilationChange {
                from: r[0].parse().ok()?,
                to: r[1].parse().ok()?,
                cost_eur: CostTable(table),
            })
        })
        .collect()
}

fn default_package_specs() -> Vec<PackageSpec> {
    #[derive(Deserialize)]
    struct Packages {
        package: Vec<PackageSpec>,
    }
    toml::from_str::<Packages>(DEFAULT_PACKAGES_TOML)
        .map(|p| p.package)
        .unwrap_or_default()
}

impl Default for Catalogue {
    fn default() -> Self {
        Catalogue::resolve(CatalogueFile::default(), Path::new("built-in catalogue"))
            .expect("the built-in catalogue is valid (tested)")
    }
}

impl Catalogue {
    /// Reads a catalogue file; absent sections come from the built-in default.
    pub fn from_file(path: &Path) -> Result<Catalogue, CatalogueError> {
        let text = crate::input::read_text(path).map_err(|source| CatalogueError::Io {
            file: path.to_path_buf(),
            source,
        })?;
        Self::from_toml(&text, path)
    }

    /// As [`Catalogue::from_file`], from text.
    pub fn from_toml(text: &str, path: &Path) -> Result<Catalogue, CatalogueError> {
        let file: CatalogueFile = toml::from_str(text).map_err(|e| CatalogueError::Syntax {
            file: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let mut catalogue = Catalogue::resolve(file, path)?;
        catalogue.source = path.display().to_string();
        Ok(catalogue)
    }

    /// The complete catalogue as a file, for users to copy and edit.
    pub fn to_file(&self) -> CatalogueFile {
        CatalogueFile {
            price_base_year: Some(self.price_base_year),
            cost_basis: Some(self.cost_basis.clone()),
            heating: Some(self.heating.clone()),
            elements: self.elements.clone(),
            ventilation_changes: self.ventilation_changes.clone(),
            packages: self.packages.iter().map(|p| p.spec.clone()).collect(),
            include_default_packages: false,
        }
    }

    fn resolve(file: CatalogueFile, path: &Path) -> Result<Catalogue, CatalogueError> {
        let invalid =
            |entry: String, field: &str, value: String, expected: &str| CatalogueError::Invalid {
                file: path.to_path_buf(),
                entry,
                field: field.to_string(),
                value,
                expected: expected.to_string(),
            };
        if let Some(year) = file.price_base_year {
            if !(2000..=2100).contains(&year) {
                return Err(invalid(
                    "catalogue".into(),
                    "price_base_year",
                    year.to_string(),
                    "the year of the prices, from 2000 to 2100",
                ));
            }
        }
        let mut elements = default_elements();
        let mut seen_levels = std::collections::HashSet::new();
        for level in file.elements {
            let entry = format!("element {:?} {}", level.kind, level.level);
            // A second entry for the same level would silently override the first.
            if !seen_levels.insert((level.kind, level.level.clone())) {
                return Err(invalid(
                    entry,
                    "level",
                    level.level.clone(),
                    "each element level once in the file (this one appears twice)",
                ));
            }
            if !(level.value.is_finite() && level.value > 0.0) {
                return Err(invalid(
                    entry,
                    "value",
                    level.value.to_string(),
                    "a number > 0",
                ));
            }
            if let Some(costs) = &level.cost_eur_m2 {
                if let Some(c) = costs.0.iter().find(|c| !(c.is_finite() && **c >= 0.0)) {
                    return Err(invalid(
                        entry,
                        "cost_eur_m2",
                        c.to_string(),
                        "eight costs ≥ 0",
                    ));
                }
            }
            for (field, rate) in [
                ("vat_rate", level.vat_rate),
                ("overhead_rate", level.overhead_rate),
            ] {
                if let Some(r) = rate.filter(|r| !(r.is_finite() && (0.0..=1.0).contains(r))) {
                    return Err(invalid(entry, field, r.to_string(), "a rate from 0 to 1"));
                }
            }
            match elements
                .iter_mut()
                .find(|e| e.kind == level.kind && e.level == level.level)
            {
                Some(existing) => *existing = level,
                None => elements.push(level),
            }
        }
        let mut ventilation_changes = default_ventilation_changes();
        for change in file.ventilation_changes {
            if let Some(c) = change
                .cost_eur
                .0
                .iter()
                .find(|c| !(c.is_finite() && **c >= 0.0))
            {
                return Err(invalid(
                    format!("ventilation {} → {}", change.from, change.to),
                    "cost_eur",
                    c.to_string(),
                    "eight costs ≥ 0",
                ));
            }
            match ventilation_changes
                .iter_mut()
                .find(|v| v.from == change.from && v.to == change.to)
            {
                Some(existing) => *existing = change,
                None => ventilation_changes.push(change),
            }
        }
        let heating = file.heating.unwrap_or_default();
        let heating_checks = [
            ("hybrid_heat_pump_eur", heating.hybrid_heat_pump_eur),
            (
                "hybrid_heat_pump_eur_per_kw",
                heating.hybrid_heat_pump_eur_per_kw,
            ),
            ("heat_pump_eur", heating.heat_pump_eur),
            ("heat_pump_eur_per_kw", heating.heat_pump_eur_per_kw),
            (
                "district_heating_connection_eur",
                heating.district_heating_connection_eur,
            ),
            ("boiler_replacement_eur", heating.boiler_replacement_eur),
            ("gas_free_extras_eur", heating.gas_free_extras_eur),
            (
                "low_temperature_radiators_eur",
                heating.low_temperature_radiators_eur,
            ),
            (
                "low_temperature_radiators_eur_per_m2",
                heating.low_temperature_radiators_eur_per_m2,
            ),
            (
                "design_temperature_difference_k",
                heating.design_temperature_difference_k,
            ),
        ];
        for (field, value) in heating_checks {
            if !(value.is_finite() && value >= 0.0) {
                return Err(invalid(
                    "[heating]".into(),
                    field,
                    value.to_string(),
                    "a number ≥ 0",
                ));
            }
        }
        if !(0.0..=1.0).contains(&heating.hybrid_capacity_share) {
            return Err(invalid(
                "[heating]".into(),
                "hybrid_capacity_share",
                heating.hybrid_capacity_share.to_string(),
                "a share from 0 to 1",
            ));
        }

        let cost_basis = file.cost_basis.unwrap_or_default();
        for (field, rate) in [
            ("vat_rate", cost_basis.vat_rate),
            (
                "vat_rate_insulation_labour",
                cost_basis.vat_rate_insulation_labour,
            ),
            (
                "insulation_labour_share",
                cost_basis.insulation_labour_share,
            ),
            ("overhead_rate", cost_basis.overhead_rate),
        ] {
            if !(rate.is_finite() && (0.0..=1.0).contains(&rate)) {
                return Err(invalid(
                    "[cost_basis]".into(),
                    field,
                    rate.to_string(),
                    "a rate from 0 to 1 (0.21 = 21 %)",
                ));
            }
        }

        let mut specs = if file.packages.is_empty() || file.include_default_packages {
            default_package_specs()
        } else {
            Vec::new()
        };
        specs.extend(file.packages);
        if specs.is_empty() {
            return Err(invalid(
                "catalogue".into(),
                "package",
                "(none)".into(),
                "at least one package",
            ));
        }
        let index: HashMap<(ElementKind, &str), usize> = elements
            .iter()
            .enumerate()
            .map(|(i, e)| ((e.kind, e.level.as_str()), i))
            .collect();
        let mut packages = Vec::with_capacity(specs.len());
        let mut seen = BTreeMap::new();
        for spec in specs {
            let entry = format!("package \"{}\"", spec.id);
            if spec.id.trim().is_empty() {
                return Err(invalid(entry, "id", spec.id.clone(), "a non-empty id"));
            }
            if seen.insert(spec.id.clone(), ()).is_some() {
                return Err(invalid(
                    entry,
                    "id",
                    spec.id.clone(),
                    "an id used by no other package",
                ));
            }
            let mut targets = [None; 9];
            let mut any = spec.ventilation.is_some()
                || spec.heating.is_some()
                || spec.low_temperature_radiators;
            for slot in Slot::ALL {
                let Some(level) = spec.level(slot) else {
                    continue;
                };
                any = true;
                let mut found = false;
                for &kind in slot.kinds() {
                    if let Some(&i) = index.get(&(kind, level)) {
                        found = true;
                        if elements[i].cost_eur_m2.is_some() {
                            targets[ElementKind::ALL
                                .iter()
                                .position(|k| *k == kind)
                                .unwrap_or(0)] = Some(i);
                        }
                    }
                }
                let measurable = slot.kinds().iter().any(|&kind| {
                    index
                        .get(&(kind, level))
                        .is_some_and(|&i| elements[i].cost_eur_m2.is_some())
                });
                if !found || !measurable {
                    let levels: Vec<String> = elements
                        .iter()
                        .filter(|e| slot.kinds().contains(&e.kind) && e.cost_eur_m2.is_some())
                        .map(|e| e.level.clone())
                        .collect::<std::collections::BTreeSet<_>>()
                        .into_iter()
                        .collect();
                    return Err(invalid(
                        entry,
                        slot.name(),
                        level.to_string(),
                        &format!("a level with costs: {}", levels.join(", ")),
                    ));
                }
            }
            if let Some(v) = spec.ventilation {
                if v == Ventilation::Natural {
                    return Err(invalid(
                        entry,
                        "ventilation",
                        v.to_string(),
                        "mechanical_exhaust, mechanical_exhaust_demand, balanced_heat_recovery or balanced_heat_recovery_demand",
                    ));
                }
            }
            if let Some(r) = spec
                .overhead_rate
                .filter(|r| !(r.is_finite() && (0.0..=1.0).contains(r)))
            {
                return Err(invalid(
                    entry,
                    "overhead_rate",
                    r.to_string(),
                    "a rate from 0 to 1",
                ));
            }
            if let Some(price) = &spec.price {
                for (field, value) in [
                    ("price.per_dwelling_eur", price.per_dwelling_eur),
                    ("price.per_m2_floor_eur", price.per_m2_floor_eur),
                ] {
                    if !(value.is_finite() && value >= 0.0) {
                        return Err(invalid(
                            entry,
                            field,
                            value.to_string(),
                            "a price ≥ 0 (euros, direct, at the catalogue's price level)",
                        ));
                    }
                }
                if let Some(r) = price
                    .vat_rate
                    .filter(|r| !(r.is_finite() && (0.0..=1.0).contains(r)))
                {
                    return Err(invalid(
                        entry,
                        "price.vat_rate",
                        r.to_string(),
                        "a rate from 0 to 1",
                    ));
                }
            }
            if !any {
                return Err(invalid(
                    entry,
                    "(measures)",
                    "(none)".into(),
                    "at least one measure",
                ));
            }
            packages.push(Package { spec, targets });
        }
        Ok(Catalogue {
            price_base_year: file.price_base_year.unwrap_or(2023),
            elements,
            ventilation_changes,
            heating,
            cost_basis,
            packages,
            source: "built-in".to_string(),
        })
    }

    /// The package with this id.
    pub fn package(&self, id: &str) -> Option<(usize, &Package)> {
        self.packages.iter().enumerate().find(|(_, p)| p.id() == id)
    }

    /// The avoided boiler replacement a heat pump or district heating earns at the boiler's end
    /// of life, as the corporation would pay it: with VAT, without project overheads (a
    /// like-for-like replacement is ordinary maintenance).
    pub fn boiler_credit_eur(&self) -> f64 {
        self.heating.boiler_replacement_eur * (1.0 + self.cost_basis.vat_rate_of(false))
    }

    /// The overhead rate of a package's measure: the package's, else the measure's, else the
    /// cost basis's.
    fn overhead_rate(&self, package: &Package, measure: Option<f64>) -> f64 {
        package
            .spec
            .overhead_rate
            .or(measure)
            .unwrap_or(self.cost_basis.overhead_rate)
    }
}

/// The dwelling's situation that decides prices: family and scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriceClass {
    /// Single- or multi-family.
    pub family: Family,
    /// Individual or project.
    pub scale: Scale,
}

/// A package applied to one dwelling: the state after, and what it costs (price base year).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Application {
    /// Envelope after the package.
    pub envelope: Envelope,
    /// Ventilation after.
    pub ventilation: Ventilation,
    /// Heating after.
    pub heating: Heating,
    /// Low-temperature radiators after.
    pub low_temperature_radiators: bool,
    /// Envelope and ventilation cost at a standalone moment.
    pub envelope_cost_standalone_eur: f64,
    /// Envelope and ventilation cost at a natural moment.
    pub envelope_cost_natural_eur: f64,
    /// Heating installation cost.
    pub heating_cost_eur: f64,
    /// The package replaces a gas boiler (heat pump or district heating), so that at the boiler's
    /// end of life the avoided replacement is credited.
    pub replaces_boiler: bool,
    /// The package changes anything for this dwelling.
    pub changes_anything: bool,
}

impl Application {
    /// Cost at the given moments, before escalation: envelope at `envelope_moment`, less the
    /// avoided boiler when the heating change falls on the boiler's end of life.
    pub fn cost_eur(
        &self,
        envelope_moment: Moment,
        boiler_end_of_life: bool,
        boiler_credit_eur: f64,
    ) -> f64 {
        let envelope = match envelope_moment {
            Moment::Standalone => self.envelope_cost_standalone_eur,
            Moment::Natural => self.envelope_cost_natural_eur,
        };
        let credit = if self.replaces_boiler && boiler_end_of_life {
            boiler_credit_eur.min(self.heating_cost_eur)
        } else {
            0.0
        };
        envelope + self.heating_cost_eur - credit
    }
}

/// Why a package cannot be applied to a dwelling (rules of DESIGN §4.2 decided here; the
/// low-temperature rule needs the model and is checked where options are built).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotApplicable {
    /// District heating where no network is available.
    NoDistrictHeating,
}

/// The area a measure on this element is priced on (airtightness: the usable floor area).
fn element_area(dwelling: &Dwelling, kind: ElementKind) -> f64 {
    let g = &dwelling.geometry;
    match kind {
        ElementKind::Glazing => g.window_m2,
        ElementKind::Door => g.door_m2,
        ElementKind::Panel => 0.0,
        ElementKind::Floor => g.ground_floor_m2,
        ElementKind::SolidFacade | ElementKind::CavityWall => g.facade_opaque_m2(),
        ElementKind::PitchedRoof | ElementKind::FlatRoof => g.roof_m2,
        ElementKind::Airtightness => dwelling.floor_area_m2,
    }
}

/// The envelope's current value for an element (Rc, U or qv10).
fn element_value(envelope: &Envelope, kind: ElementKind) -> f64 {
    match kind {
        ElementKind::Glazing => envelope.window_u,
        ElementKind::Door => envelope.door_u,
        ElementKind::Panel => 0.0,
        ElementKind::Floor => envelope.floor_rc,
        ElementKind::SolidFacade | ElementKind::CavityWall => envelope.facade_rc,
        ElementKind::PitchedRoof | ElementKind::FlatRoof => envelope.roof_rc,
        ElementKind::Airtightness => envelope.qv10_dm3_s_m2,
    }
}

fn set_element_value(envelope: &mut Envelope, kind: ElementKind, value: f64) {
    match kind {
        ElementKind::Glazing => envelope.window_u = value,
        ElementKind::Door => envelope.door_u = value,
        ElementKind::Panel => {}
        ElementKind::Floor => envelope.floor_rc = value,
        ElementKind::SolidFacade | ElementKind::CavityWall => envelope.facade_rc = value,
        ElementKind::PitchedRoof | ElementKind::FlatRoof => envelope.roof_rc = value,
        ElementKind::Airtightness => envelope.qv10_dm3_s_m2 = value,
    }
}

impl Catalogue {
    /// Applies `package` to `dwelling`. Elements already as good as the target are left alone at
    /// no cost; monuments keep their facade (cavity fill at most).
    pub fn apply(
        &self,
        package: &Package,
        dwelling: &Dwelling,
        price: PriceClass,
        params: &ModelParams,
    ) -> Result<Application, NotApplicable> {
        let mut envelope = dwelling.envelope;
        let mut standalone = 0.0;
        let mut natural = 0.0;
        let mut changed = false;
        let roof_kind = match dwelling.roof_type {
            RoofType::Pitched => ElementKind::PitchedRoof,
            RoofType::Flat => ElementKind::FlatRoof,
        };
        let facade_kind = match dwelling.facade_type {
            FacadeType::Cavity => ElementKind::CavityWall,
            FacadeType::Solid => ElementKind::SolidFacade,
        };
        for (k, kind) in ElementKind::ALL.iter().enumerate() {
            let Some(mut level_index) = package.targets[k] else {
                continue;
            };
            let applies = match kind {
                ElementKind::PitchedRoof | ElementKind::FlatRoof => *kind == roof_kind,
                ElementKind::CavityWall | ElementKind::SolidFacade => *kind == facade_kind,
                ElementKind::Panel => false,
                _ => true,
            };
            if !applies {
                continue;
            }
            if dwelling.monument
                && matches!(kind, ElementKind::SolidFacade | ElementKind::CavityWall)
            {
                if *kind == ElementKind::SolidFacade {
                    continue;
                }
                // A monument's cavity may be filled, but not insulated beyond that (outside).
                let fill = self
                    .elements
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| {
                        e.kind == ElementKind::CavityWall
                            && e.cost_eur_m2.is_some()
                            && e.value <= 1.8
                    })
                    .max_by(|a, b| a.1.value.total_cmp(&b.1.value));
                match fill {
                    Some((i, e)) if e.value < self.elements[level_index].value => level_index = i,
                    Some(_) => {}
                    None => continue,
                }
            }
            let level = &self.elements[level_index];
            let Some(costs) = &level.cost_eur_m2 else {
                continue;
            };
            let area = element_area(dwelling, *kind);
            if area <= 0.0 {
                continue;
            }
            let current = element_value(&envelope, *kind);
            let better = if kind.higher_is_better() {
                level.value > current + 1e-9
            } else {
                level.value < current - 1e-9
            };
            if !better {
                continue;
            }
            set_element_value(&mut envelope, *kind, level.value);
            let vat = level
                .vat_rate
                .unwrap_or_else(|| self.cost_basis.vat_rate_of(kind.is_insulation()));
            let factor = self
                .cost_basis
                .factor(vat, self.overhead_rate(package, level.overhead_rate));
            standalone += area * costs.get(Moment::Standalone, price.family, price.scale) * factor;
            natural += area * costs.get(Moment::Natural, price.family, price.scale) * factor;
            changed = true;
        }

        // Installations (ventilation, heating) pay the standard VAT rate.
        let installation_factor = self.cost_basis.factor(
            self.cost_basis.vat_rate_of(false),
            self.overhead_rate(package, None),
        );
        let mut ventilation = dwelling.ventilation;
        if let Some(target) = package.spec.ventilation {
            if target > dwelling.ventilation {
                if let Some(change) = self
                    .ventilation_changes
                    .iter()
                    .find(|v| v.from == dwelling.ventilation && v.to == target)
                {
                    standalone +=
                        change
                            .cost_eur
                            .get(Moment::Standalone, price.family, price.scale)
                            * installation_factor;
                    natural += change
                        .cost_eur
                        .get(Moment::Natural, price.family, price.scale)
                        * installation_factor;
                    ventilation = target;
                    changed = true;
                }
            }
        }

        let mut heating = dwelling.heating;
        let mut heating_cost_eur = 0.0;
        let mut replaces_boiler = false;
        if let Some(change) = package.spec.heating {
            let applies = match change {
                HeatingChange::HybridHeatPump => {
                    matches!(dwelling.heating, Heating::GasBoiler | Heating::Other)
                }
                HeatingChange::HeatPump => matches!(
                    dwelling.heating,
                    Heating::GasBoiler
                        | Heating::HybridHeatPump
                        | Heating::Other
                        | Heating::Electric
                        | Heating::GasRoomHeater
                ),
                HeatingChange::DistrictHeating => matches!(
                    dwelling.heating,
                    Heating::GasBoiler
                        | Heating::HybridHeatPump
                        | Heating::Other
                        | Heating::GasRoomHeater
                ),
            };
            if applies {
                if change == HeatingChange::DistrictHeating && !dwelling.district_heating_available
                {
                    return Err(NotApplicable::NoDistrictHeating);
                }
                let loss = heat_loss(
                    params,
                    &ThermalState {
                        floor_area_m2: dwelling.floor_area_m2,
                        geometry: dwelling.geometry,
                        envelope,
                        ventilation,
                    },
                );
                let design_kw = (loss.transmission_w_k + loss.ground_w_k + loss.ventilation_w_k)
                    * self.heating.design_temperature_difference_k
                    / 1000.0;
                heating_cost_eur = match change {
                    HeatingChange::HybridHeatPump => {
                        self.heating.hybrid_heat_pump_eur
                            + self.heating.hybrid_heat_pump_eur_per_kw
                                * self.heating.hybrid_capacity_share
                                * design_kw
                    }
                    HeatingChange::HeatPump => {
                        self.heating.heat_pump_eur + self.heating.heat_pump_eur_per_kw * design_kw
                    }
                    HeatingChange::DistrictHeating => self.heating.district_heating_connection_eur,
                };
                // Gas-free means no gas connection at all: cooking moves to induction and the
                // connection is removed.
                if change != HeatingChange::HybridHeatPump && !dwelling.heating.is_gas_free() {
                    heating_cost_eur += self.heating.gas_free_extras_eur;
                }
                heating_cost_eur *= installation_factor;
                replaces_boiler =
                    change != HeatingChange::HybridHeatPump && dwelling.heating.has_boiler();
                heating = change.system();
                changed = true;
            }
        }
        let mut low_temperature_radiators = dwelling.low_temperature_radiators;
        if package.spec.low_temperature_radiators && !low_temperature_radiators {
            // An installation: the standard VAT rate, no natural-moment discount.
            heating_cost_eur += (self.heating.low_temperature_radiators_eur
                + self.heating.low_temperature_radiators_eur_per_m2 * dwelling.floor_area_m2)
                * installation_factor;
            low_temperature_radiators = true;
            changed = true;
        }
        if let (Some(price), true) = (package.spec.price, changed) {
            // The package's own price replaces what its measures cost, on the same basis.
            let insulation_only = package.spec.heating.is_none()
                && package.spec.ventilation.is_none()
                && !package.spec.low_temperature_radiators
                && ElementKind::ALL
                    .iter()
                    .zip(package.targets)
                    .all(|(kind, target)| target.is_none() || kind.is_insulation());
            let vat = price
                .vat_rate
                .unwrap_or_else(|| self.cost_basis.vat_rate_of(insulation_only));
            let total = (price.per_dwelling_eur + price.per_m2_floor_eur * dwelling.floor_area_m2)
                * self
                    .cost_basis
                    .factor(vat, self.overhead_rate(package, None));
            if heating != dwelling.heating {
                // Kept on the heating side, so that a boiler replacement it avoids is credited.
                heating_cost_eur = total;
                standalone = 0.0;
                natural = 0.0;
            } else {
                heating_cost_eur = 0.0;
                standalone = total;
                natural = total;
            }
        }
        Ok(Application {
            envelope,
            ventilation,
            heating,
            low_temperature_radiators,
            envelope_cost_standalone_eur: standalone,
            envelope_cost_natural_eur: natural,
            heating_cost_eur,
            replaces_boiler,
            changes_anything: changed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::typology::{default_envelope, default_geometry, ConstructionPeriod, DwellingType};

    pub(crate) fn dwelling(dwelling_type: DwellingType, build_year: u16) -> Dwelling {
        let period = ConstructionPeriod::of_year(build_year);
        let area = 100.0;
        Dwelling {
            id: "d".into(),
            complex: None,
            corporation: None,
            region: None,
            municipality: None,
            province: None,
            dwelling_type,
            build_year,
            floor_area_m2: area,
            position: None,
            roof_type: crate::typology::default_roof_type(dwelling_type),
            facade_type: crate::typology::default_facade_type(period),
            monument: false,
            geometry: default_geometry(dwelling_type, area, None),
            envelope: default_envelope(period),
            heating: Heating::GasBoiler,
            ventilation: Ventilation::Natural,
            boiler_install_year: Some(2015),
            district_heating_available: false,
            solar_pv_kwp: 0.0,
            registered_label: None,
            registered_ep2: None,
            registered_qh_nd: None,
            planned_maintenance_year: None,
            low_temperature_radiators: false,
            district_heat_factor: None,
            planned_exit: None,
        }
    }

    const SINGLE: PriceClass = PriceClass {
        family: Family::Single,
        scale: Scale::Individual,
    };

    #[test]
    fn built_in_catalogue_comes_from_the_reference_tables() {
        let c = Catalogue::default();
        let cavity = c
            .elements
            .iter()
            .find(|e| e.kind == ElementKind::CavityWall && e.level == "N2")
            .unwrap();
        assert_eq!(cavity.value, 1.8);
        assert_eq!(
            cavity
                .cost_eur_m2
                .unwrap()
                .get(Moment::Standalone, Family::Single, Scale::Individual),
            24.89
        );
        assert_eq!(
            cavity
                .cost_eur_m2
                .unwrap()
                .get(Moment::Natural, Family::Multi, Scale::Project),
            20.49
        );
        assert_eq!(c.ventilation_changes.len(), 3);
        assert_eq!(c.heating.hybrid_heat_pump_eur, 2315.0);
        assert_eq!(c.heating.heat_pump_eur, (5372.0 + 12561.0) / 2.0);
        assert_eq!(c.heating.boiler_replacement_eur, (1584.0 + 2324.0) / 2.0);
        assert_eq!(c.heating.boiler_lifetime_years, 15);
        assert!(c.packages.len() >= 10);
        assert!(c.package("shell_basic").is_some());
        let inside = c
            .elements
            .iter()
            .find(|e| e.kind == ElementKind::PitchedRoof && e.level == "N3_inside")
            .expect("roof insulation from the inside");
        assert!(inside.cost_eur_m2.is_some());
        let d = dwelling(DwellingType::TerracedMid, 1970);
        let p = ModelParams::default();
        let app = |id: &str| c.apply(c.package(id).unwrap().1, &d, SINGLE, &p).unwrap();
        assert_eq!(app("roof_inside").envelope.roof_rc, 3.5);
        assert!(
            app("roof_inside").envelope_cost_standalone_eur
                < 0.5 * app("roof").envelope_cost_standalone_eur
        );
    }

    #[test]
    fn cavity_fill_costs_area_times_price_and_changes_rc() {
        let c = Catalogue::default();
        let d = dwelling(DwellingType::TerracedMid, 1970);
        let (_, pkg) = c.package("cavity_fill").unwrap();
        let app = c.apply(pkg, &d, SINGLE, &ModelParams::default()).unwrap();
        assert_eq!(app.envelope.facade_rc, 1.8);
        // Hestia's direct price, plus 20 % overheads, plus VAT: 9 % on the labour half and 21 % on
        // the material half of an insulation measure.
        let expected = d.geometry.facade_opaque_m2() * 24.89 * 1.20 * 1.15;
        assert!((app.envelope_cost_standalone_eur - expected).abs() < 1e-9);
        assert!(app.envelope_cost_natural_eur < app.envelope_cost_standalone_eur);
    }

    #[test]
    fn elements_already_better_are_left_alone_at_no_cost() {
        let c = Catalogue::default();
        let d = dwelling(DwellingType::TerracedMid, 2010); // facade Rc 3.0 already
        let (_, pkg) = c.package("cavity_fill").unwrap();
        let app = c.apply(pkg, &d, SINGLE, &ModelParams::default()).unwrap();
        assert!(!app.changes_anything);
        assert_eq!(app.envelope_cost_standalone_eur, 0.0);
    }

    #[test]
    fn monuments_keep_their_facade() {
        let c = Catalogue::default();
        let mut solid = dwelling(DwellingType::TerracedMid, 1910);
        solid.monument = true;
        let (_, pkg) = c.package("shell_standard").unwrap();
        let app = c
            .apply(pkg, &solid, SINGLE, &ModelParams::default())
            .unwrap();
        assert_eq!(app.envelope.facade_rc, solid.envelope.facade_rc);
        assert!(app.envelope.roof_rc > solid.envelope.roof_rc);

        let mut cavity = dwelling(DwellingType::TerracedMid, 1960);
        cavity.monument = true;
        let app = c
            .apply(pkg, &cavity, SINGLE, &ModelParams::default())
            .unwrap();
        assert_eq!(app.envelope.facade_rc, 1.8, "cavity fill only");
    }

    #[test]
    fn district_heating_only_where_available() {
        let c = Catalogue::default();
        let mut d = dwelling(DwellingType::ApartmentGallery, 1980);
        let (_, pkg) = c.package("district_heating").unwrap();
        assert_eq!(
            c.apply(pkg, &d, SINGLE, &ModelParams::default()),
            Err(NotApplicable::NoDistrictHeating)
        );
        d.district_heating_available = true;
        let app = c.apply(pkg, &d, SINGLE, &ModelParams::default()).unwrap();
        assert_eq!(app.heating, Heating::DistrictHeating);
        assert!(app.replaces_boiler);
        // Connection, induction cooking and gas disconnection, with overheads and 21 % VAT.
        let expected = (c.heating.district_heating_connection_eur + c.heating.gas_free_extras_eur)
            * 1.20
            * 1.21;
        assert!((app.heating_cost_eur - expected).abs() < 1e-9);
    }

    #[test]
    fn heat_pump_cost_grows_with_the_heat_load_and_boiler_end_of_life_is_credited() {
        let c = Catalogue::default();
        let p = ModelParams::default();
        let d = dwelling(DwellingType::TerracedMid, 1970);
        let (_, bare) = c.package("deep_heat_pump").unwrap();
        let (_, basic) = c.package("basic_heat_pump").unwrap();
        let deep = c.apply(bare, &d, SINGLE, &p).unwrap();
        let light = c.apply(basic, &d, SINGLE, &p).unwrap();
        assert!(deep.heating_cost_eur < light.heating_cost_eur);
        let at_end_of_life = deep.cost_eur(Moment::Standalone, true, c.boiler_credit_eur());
        let otherwise = deep.cost_eur(Moment::Standalone, false, c.boiler_credit_eur());
        assert!(
            (otherwise - at_end_of_life - c.heating.boiler_replacement_eur * 1.21).abs() < 1e-9
        );
        let hybrid = c
            .apply(c.package("hybrid").unwrap().1, &d, SINGLE, &p)
            .unwrap();
        assert!(!hybrid.replaces_boiler);
    }

    #[test]
    fn a_packages_cost_includes_vat_and_overheads_and_both_can_be_overridden() {
        let d = dwelling(DwellingType::TerracedMid, 1970);
        let p = ModelParams::default();
        let direct = Catalogue::from_toml(
            "[cost_basis]\nvat_rate = 0\nvat_rate_insulation_labour = 0\noverhead_rate = 0\n",
            Path::new("c.toml"),
        )
        .unwrap();
        let default = Catalogue::default();
        let cost = |c: &Catalogue, id: &str| {
            let app = c.apply(c.package(id).unwrap().1, &d, SINGLE, &p).unwrap();
            app.envelope_cost_standalone_eur + app.heating_cost_eur
        };
        // Glazing is insulation work: half labour at 9 %, half material at 21 %; overheads 20 %.
        let ratio = cost(&default, "glazing") / cost(&direct, "glazing");
        assert!((ratio - 1.20 * 1.15).abs() < 1e-9, "{ratio}");
        // An installation pays the full rate.
        let ratio = cost(&default, "hybrid") / cost(&direct, "hybrid");
        assert!((ratio - 1.20 * 1.21).abs() < 1e-9, "{ratio}");

        // A corporation's own invoice totals already include VAT; its framework contract for one
        // package carries 10 % overheads.
        let own = Catalogue::from_toml(
            "[cost_basis]\nprices_include_vat = true\n[[package]]\nid = \"g\"\nglazing = \"N3\"\noverhead_rate = 0.1\n",
            Path::new("c.toml"),
        )
        .unwrap();
        let ratio = cost(&own, "g") / cost(&direct, "glazing");
        assert!((ratio - 1.10).abs() < 1e-9, "{ratio}");

        let err = Catalogue::from_toml("[cost_basis]\noverhead_rate = 2\n", Path::new("c.toml"))
            .unwrap_err();
        assert!(err.to_string().contains("overhead_rate"), "{err}");
    }

    #[test]
    fn prices_are_written_with_names_and_the_old_arrays_still_read() {
        let named = r#"
            [[element]]
            kind = "glazing"
            level = "N3"
            measure = "HR++"
            value = 1.2
            vat_rate = 0.21
            [element.cost_eur_m2]
            standalone_single_family_individual = 300
            standalone_single_family_project = 290
            standalone_multi_family_individual = 280
            standalone_multi_family_project = 270
            natural_single_family_individual = 260
            natural_single_family_project = 250
            natural_multi_family_individual = 240
            natural_multi_family_project = 230
        "#;
        let c = Catalogue::from_toml(named, Path::new("c.toml")).unwrap();
        let glazing = c
            .elements
            .iter()
            .find(|e| e.kind == ElementKind::Glazing && e.level == "N3")
            .unwrap();
        assert_eq!(
            glazing
                .cost_eur_m2
                .unwrap()
                .get(Moment::Natural, Family::Multi, Scale::Individual),
            240.0
        );
        let dump = toml::to_string(&c.to_file()).unwrap();
        assert!(
            dump.contains("standalone_single_family_individual = 300"),
            "{dump}"
        );
        let array = "[[element]]\nkind = \"glazing\"\nlevel = \"N3\"\nmeasure = \"x\"\nvalue = 1.2\ncost_eur_m2 = [1, 2, 3, 4, 5, 6, 7, 8]\n";
        assert!(Catalogue::from_toml(array, Path::new("c.toml")).is_ok());
    }

    #[test]
    fn user_catalogue_overrides_and_is_validated() {
        let text = r#"
            [heating]
            district_heating_connection_eur = 4000
            [[package]]
            id = "mine"
            roof = "N4"
        "#;
        let c = Catalogue::from_toml(text, Path::new("cat.toml")).unwrap();
        assert_eq!(c.heating.district_heating_connection_eur, 4000.0);
        assert_eq!(c.heating.hybrid_heat_pump_eur, 2315.0);
        assert_eq!(c.packages.len(), 1);

        let err = Catalogue::from_toml("[[package]]\nid = \"empty\"\n", Path::new("cat.toml"))
            .unwrap_err();
        assert_eq!(err.to_string(), "cat.toml: package \"empty\": field `(measures)`: value `(none)`: expected at least one measure");
        let err = Catalogue::from_toml(
            "[[package]]\nid = \"x\"\nroof = \"N9\"\n",
            Path::new("cat.toml"),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains(
                "field `roof`: value `N9`: expected a level with costs: N2, N3, N3_inside, N4"
            ),
            "{err}"
        );
        let err = Catalogue::from_toml(
            "[[package]]\nid = \"x\"\nfloor = \"N1\"\n",
            Path::new("cat.toml"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("value `N1`"), "{err}");
        let err = Catalogue::from_toml(
            "[[package]]\nid = \"x\"\nroof = \"N3\"\n[[package]]\nid = \"x\"\nroof = \"N4\"\n",
            Path::new("c.toml"),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("an id used by no other package"),
            "{err}"
        );
        let err = Catalogue::from_toml(
            "[[package]]\nid = \"x\"\nrooof = \"N3\"\n",
            Path::new("c.toml"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("rooof"), "{err}");
    }

    #[test]
    fn a_package_can_carry_its_own_price_on_the_cost_basis() {
        let packages = r#"
            [[package]]
            id = "framework_heat_pump"
            roof = "N3"
            heating = "heat_pump"
            [package.price]
            per_dwelling_eur = 9000
            per_m2_floor_eur = 50
            [[package]]
            id = "framework_roof"
            roof = "N3"
            price = { per_dwelling_eur = 2000 }
            [[package]]
            id = "framework_roof_low_overheads"
            roof = "N3"
            overhead_rate = 0.1
            price = { per_dwelling_eur = 2000, vat_rate = 0.21 }
        "#;
        let text = format!("include_default_packages = true\n{packages}");
        let c = Catalogue::from_toml(&text, Path::new("c.toml")).unwrap();
        let p = ModelParams::default();
        let d = dwelling(DwellingType::TerracedMid, 1970); // 100 m²
        let app = |id: &str| c.apply(c.package(id).unwrap().1, &d, SINGLE, &p).unwrap();
        // The package's price replaces its measures' sum: direct price, 20 % overheads, 21 % VAT
        // (it has an installation), on the heating side so an avoided boiler is still credited.
        let hp = app("framework_heat_pump");
        assert!((hp.heating_cost_eur - (9000.0 + 50.0 * 100.0) * 1.20 * 1.21).abs() < 1e-6);
        assert_eq!(hp.envelope_cost_standalone_eur, 0.0);
        assert!(hp.replaces_boiler);
        assert_eq!(hp.heating, Heating::HeatPump);
        assert_eq!(hp.envelope.roof_rc, 3.5, "the measures still apply");
        // Insulation only: the insulation VAT rule (9 % on half, 21 % on half), any moment.
        let roof = app("framework_roof");
        assert!((roof.envelope_cost_standalone_eur - 2000.0 * 1.20 * 1.15).abs() < 1e-6);
        assert_eq!(
            roof.envelope_cost_natural_eur,
            roof.envelope_cost_standalone_eur
        );
        assert_eq!(roof.heating_cost_eur, 0.0);
        // The package's own overheads and VAT rate.
        let own = app("framework_roof_low_overheads");
        assert!((own.envelope_cost_standalone_eur - 2000.0 * 1.10 * 1.21).abs() < 1e-6);
        // Nothing to do, nothing to pay.
        let new = dwelling(DwellingType::TerracedMid, 2016);
        let none = c
            .apply(c.package("framework_roof").unwrap().1, &new, SINGLE, &p)
            .unwrap();
        assert!(!none.changes_anything);
        assert_eq!(none.cost_eur(Moment::Standalone, false, 0.0), 0.0);
        // A corporation's invoice totals already include VAT: only overheads are added.
        let incl = Catalogue::from_toml(
            &format!("include_default_packages = true\n[cost_basis]\nprices_include_vat = true\n{packages}"),
            Path::new("c.toml"),
        )
        .unwrap();
        let roof = incl
            .apply(incl.package("framework_roof").unwrap().1, &d, SINGLE, &p)
            .unwrap();
        assert!((roof.envelope_cost_standalone_eur - 2000.0 * 1.20).abs() < 1e-6);
        // The price is written back with its names, and nonsense is refused by name.
        let dump = toml::to_string(&c.to_file()).unwrap();
        assert!(dump.contains("per_dwelling_eur = 9000"), "{dump}");
        let err = Catalogue::from_toml(
            "[[package]]\nid = \"x\"\nroof = \"N3\"\nprice = { per_dwelling_eur = -5 }\n",
            Path::new("c.toml"),
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("package \"x\": field `price.per_dwelling_eur`: value `-5`"),
            "{err}"
        );
        let err = Catalogue::from_toml(
            "[[package]]\nid = \"x\"\nroof = \"N3\"\nprice = { per_dwelling = 5 }\n",
            Path::new("c.toml"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("per_dwelling"), "{err}");
    }

    #[test]
    fn the_dump_reads_back_as_the_same_catalogue() {
        let c = Catalogue::default();
        let text = toml::to_string(&c.to_file()).unwrap();
        let back = Catalogue::from_toml(&text, Path::new("dump.toml")).unwrap();
        assert_eq!(back.elements, c.elements);
        assert_eq!(back.packages, c.packages);
        assert_eq!(back.heating, c.heating);
        assert_eq!(back.cost_basis, c.cost_basis);
    }
}
