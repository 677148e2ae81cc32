//! The planning scenario (TOML): horizon, heat-demand reduction path, budgets, capacity,
//! targets, finance, energy prices and model parameters. Validated in full when read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::ModelParams;

/// Errors in a scenario file.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// A stock table given where a scenario file belongs.
    #[error("{}: is a stock table, not a scenario; `plan` takes a scenario file (TOML) that names the stock, e.g. `stock = \"{}\"`: copy datasets/sample/scenario.toml beside it and edit it (or look at the stock first with `heatpath assess {}`)", file.display(), file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(), file.display())]
    NotAScenario {
        /// The file given.
        file: PathBuf,
    },
    /// The file could not be read.
    #[error("{}: cannot read: {source}", file.display())]
    Io {
        /// The file.
        file: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// TOML syntax, a wrong type or an unknown key.
    #[error("{}: {message}", file.display())]
    Syntax {
        /// The file.
        file: PathBuf,
        /// The parser's message, with line and column.
        message: String,
    },
    /// A value outside what the field accepts.
    #[error("{}: field `{field}`: value `{value}`: expected {expected}", file.display())]
    Invalid {
        /// The file.
        file: PathBuf,
        /// Dotted field name (`targets.label_a_share`).
        field: String,
        /// The value given.
        value: String,
        /// What is accepted.
        expected: String,
    },
}

/// How the path is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PathKind {
    /// Shares of the baseline average (1.0 = baseline).
    Relative,
    /// kWh/m² per year.
    Absolute,
}

/// What the path is a path of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PathMetric {
    /// Net heat demand Q_H,nd (netto warmtebehoefte), the national agreements' metric.
    HeatDemand,
    /// Primary fossil energy EP2.
    Ep2,
}

/// How the stock's average is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Averaging {
    /// Weighted by usable floor area (total kWh over total m²).
    FloorArea,
    /// Plain mean over dwellings.
    Dwelling,
}

/// Which dwellings of each year's stock the path's average is taken over, when the stock moves
/// (the portfolio table's sales and demolitions, the new-build table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PathStock {
    /// Every dwelling in the stock that year, new builds included: the stock's average as the
    /// corporation's own figures show it.
    #[default]
    Whole,
    /// The dwellings of the baseline still in the stock that year: what renovation achieves,
    /// without the help of new builds.
    Existing,
}

/// The heat-demand reduction path as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PathSpec {
    /// Relative or absolute.
    pub kind: PathKind,
    /// Metric.
    pub metric: PathMetric,
    /// Averaging.
    pub averaging: Averaging,
    /// The stock of each year the path applies to (only matters when the stock moves).
    pub stock: PathStock,
    /// Relative paths: linear reduction per year after the baseline year, as a share of the
    /// baseline (0.02 = 2 % a year). Used when `values` is empty.
    pub reduction_per_year: f64,
    /// Values by year (shares of the baseline for relative paths, kWh/m² for absolute ones);
    /// linear between given years, held after the last; no target before the first.
    pub values: BTreeMap<String, f64>,
    /// Free text on where the path comes from; reported with the results.
    pub note: String,
}

impl Default for PathSpec {
    fn default() -> Self {
        PathSpec {
            kind: PathKind::Relative,
            metric: PathMetric::HeatDemand,
            averaging: Averaging::FloorArea,
            stock: PathStock::Whole,
            reduction_per_year: 0.02,
            values: BTreeMap::new(),
            note: "ILLUSTRATIVE: -2 % of the baseline average per year; the official path values were not found in public sources".into(),
        }
    }
}

/// Money or dwellings per year: one figure for every year, overridden per year.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Yearly {
    /// The figure for every planning year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every_year: Option<f64>,
    /// Per-year figures (keys are years).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_year: BTreeMap<String, f64>,
}

/// What a gas-free target counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum GasFreeBasis {
    /// Existing gas-heated dwellings made gas-free since the baseline, as the national
    /// agreements count them ("aardgasvrij maken van 450.000 bestaande corporatiewoningen",
    /// NPA 2022): dwellings on district heating or a heat pump today do not count.
    #[default]
    Conversions,
    /// Gas-free dwellings in the stock, whatever they were at the baseline.
    Stock,
}

/// The 2034 outcomes and the E/F/G rule. A target is *hard* (enforced by every solver, missed
/// only with a penalty) or, with `…_hard = false`, an expected outcome that is reported but not
/// enforced (the letter calls the label-A share an expectation; the path is what steers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "TargetsWritten")]
pub struct Targets {
    /// Share of dwellings at label A or better (0.70 = the agreements' lower bound).
    pub label_a_share: Option<f64>,
    /// Year of the label-A target.
    pub label_a_year: u16,
    /// The label-A target is enforced (default) rather than reported as an expected outcome.
    pub label_a_hard: bool,
    /// Gas-free dwellings as a share of the stock's dwellings at the baseline (0.195 = 450,000
    /// of 2.31 million corporation dwellings); counted on `gas_free_basis`.
    pub gas_free_share: Option<f64>,
    /// Gas-free dwellings as a number (instead of a share); counted on `gas_free_basis`.
    pub gas_free_count: Option<u64>,
    /// Conversions since the baseline (default) or gas-free dwellings in the stock.
    pub gas_free_basis: GasFreeBasis,
    /// Year of the gas-free target.
    pub gas_free_year: u16,
    /// The gas-free target is enforced (default) rather than an expected outcome.
    pub gas_free_hard: bool,
    /// No E, F or G labels from this year on.
    pub efg_phase_out_year: Option<u16>,
    /// Share of dwellings ready for a sustainable heat source ([`crate::readiness`]; the letter:
    /// more than 80 % after 2034). No target when absent.
    pub ready_share: Option<f64>,
    /// Year of the readiness target.
    pub ready_year: u16,
    /// The readiness target is enforced (default) rather than an expected outcome.
    pub ready_hard: bool,
}

impl Default for Targets {
    fn default() -> Self {
        Targets {
            label_a_share: Some(0.70),
            label_a_year: 2034,
            label_a_hard: true,
            gas_free_share: Some(DEFAULT_GAS_FREE_SHARE),
            gas_free_count: None,
            gas_free_basis: GasFreeBasis::Conversions,
            gas_free_year: 2034,
            gas_free_hard: true,
            efg_phase_out_year: Some(2028),
            ready_share: None,
            ready_year: 2034,
            ready_hard: true,
        }
    }
}

/// 450,000 conversions of 2.31 million corporation dwellings (NPA 2022; Aedes).
pub const DEFAULT_GAS_FREE_SHARE: f64 = 450_000.0 / 2_310_000.0;

/// `[targets]` as written: a gas-free share applies by default only when no count is given, so
/// that `gas_free_count` alone is a valid target.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetsWritten {
    #[serde(default = "default_label_a_share")]
    label_a_share: Option<f64>,
    #[serde(default = "default_target_year")]
    label_a_year: u16,
    #[serde(default = "default_true")]
    label_a_hard: bool,
    #[serde(default)]
    gas_free_share: Option<f64>,
    #[serde(default)]
    gas_free_count: Option<u64>,
    #[serde(default)]
    gas_free_basis: GasFreeBasis,
    #[serde(default = "default_target_year")]
    gas_free_year: u16,
    #[serde(default = "default_true")]
    gas_free_hard: bool,
    #[serde(default = "default_efg_year")]
    efg_phase_out_year: Option<u16>,
    #[serde(default)]
    ready_share: Option<f64>,
    #[serde(default = "default_target_year")]
    ready_year: u16,
    #[serde(default = "default_true")]
    ready_hard: bool,
}

fn default_label_a_share() -> Option<f64> {
    Targets::default().label_a_share
}
fn default_target_year() -> u16 {
    2034
}
fn default_true() -> bool {
    true
}
fn default_efg_year() -> Option<u16> {
    Targets::default().efg_phase_out_year
}

impl From<TargetsWritten> for Targets {
    fn from(w: TargetsWritten) -> Targets {
        Targets {
            label_a_share: w.label_a_share,
            label_a_year: w.label_a_year,
            label_a_hard: w.label_a_hard,
            gas_free_share: match (w.gas_free_share, w.gas_free_count) {
                (None, None) => Some(DEFAULT_GAS_FREE_SHARE),
                (share, _) => share,
            },
            gas_free_count: w.gas_free_count,
            gas_free_basis: w.gas_free_basis,
            gas_free_year: w.gas_free_year,
            gas_free_hard: w.gas_free_hard,
            efg_phase_out_year: w.efg_phase_out_year,
            ready_share: w.ready_share,
            ready_year: w.ready_year,
            ready_hard: w.ready_hard,
        }
    }
}

/// Discounting and cost escalation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Finance {
    /// Nominal discount rate for the objective (assumption: 4 %).
    pub discount_rate: f64,
    /// Yearly construction cost escalation from the catalogue's price year (assumption: 3 %).
    pub cost_escalation: f64,
}

impl Default for Finance {
    fn default() -> Self {
        Finance {
            discount_rate: 0.04,
            cost_escalation: 0.03,
        }
    }
}

/// Tenant energy prices (incl. taxes) and CO2 factors. All *assumptions* of 2025 price levels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Energy {
    /// Natural gas price per m³ (variable, incl. taxes).
    pub gas_eur_per_m3: f64,
    /// Electricity price per kWh (variable, incl. taxes).
    pub electricity_eur_per_kwh: f64,
    /// District heat price per GJ (ACM maximum tariff order of size).
    pub district_heat_eur_per_gj: f64,
    /// Fixed yearly charge of a gas connection, saved when a dwelling goes gas-free.
    pub gas_fixed_eur_per_year: f64,
    /// Fixed yearly charge of a district-heating connection.
    pub district_heat_fixed_eur_per_year: f64,
    /// Gross calorific value of natural gas (kWh per m³; 35.17 MJ/m³).
    pub gas_kwh_per_m3: f64,
    /// CO2 of natural gas (kg per m³).
    pub gas_co2_kg_per_m3: f64,
    /// CO2 of grid electricity (kg per kWh).
    pub electricity_co2_kg_per_kwh: f64,
    /// CO2 of district heat (kg per kWh delivered).
    pub district_heat_co2_kg_per_kwh: f64,
    /// Correction from calculated to actual use for bills and CO2 (`[energy.actual_use]`).
    pub actual_use: crate::energy_use::ActualUse,
}

impl Default for Energy {
    fn default() -> Self {
        Energy {
            gas_eur_per_m3: 1.40,
            electricity_eur_per_kwh: 0.27,
            district_heat_eur_per_gj: 47.0,
            gas_fixed_eur_per_year: 250.0,
            district_heat_fixed_eur_per_year: 500.0,
            gas_kwh_per_m3: 35.17 / 3.6,
            gas_co2_kg_per_m3: 1.78,
            electricity_co2_kg_per_kwh: 0.27,
            district_heat_co2_kg_per_kwh: 0.10,
            actual_use: crate::energy_use::ActualUse::default(),
        }
    }
}

/// What the optimiser pursues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Meet the path and targets at the lowest discounted cost.
    #[default]
    MeetTargets,
    /// Reduce heat demand as far as the budgets allow.
    MaxReduction,
}

impl Mode {
    /// The name as the scenario file writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::MeetTargets => "meet_targets",
            Mode::MaxReduction => "max_reduction",
        }
    }
}

/// The scenario file as written.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Keys of the `[targets]` table the file sets itself (filled by [`Scenario::from_toml`]):
    /// a default target after the horizon is left out with a note, one set by the user is
    /// refused.
    #[serde(skip)]
    pub explicit_target_keys: Vec<String>,
    /// Stock table (relative to the scenario file).
    pub stock: PathBuf,
    /// Catalogue file; the built-in catalogue when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalogue: Option<PathBuf>,
    /// Packages of the catalogue this corporation rules out (by id), e.g. `["deep_heat_pump"]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_packages: Vec<String>,
    /// Column-mapping file for the stock table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column_mapping: Option<PathBuf>,
    /// First planning year.
    #[serde(default = "default_first_year")]
    pub first_year: u16,
    /// Last planning year.
    #[serde(default = "default_last_year")]
    pub last_year: u16,
    /// Optimisation mode.
    #[serde(default)]
    pub mode: Mode,
    /// The reduction path.
    #[serde(default)]
    pub path: PathSpec,
    /// Budget per year (euros of that year).
    #[serde(default)]
    pub budget: Yearly,
    /// Capacity per year (dwellings treated).
    #[serde(default)]
    pub capacity: Yearly,
    /// Targets.
    #[serde(default)]
    pub targets: Targets,
    /// Finance.
    #[serde(default)]
    pub finance: Finance,
    /// Energy prices and CO2.
    #[serde(default)]
    pub energy: Energy,
    /// Model parameters.
    #[serde(default)]
    pub model: ModelParams,
    /// A file with a `[model]` table (as `heatpath calibrate` writes), relative to the scenario;
    /// its keys join the scenario's own `[model]` table, and a key in both is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_file: Option<PathBuf>,
    /// When a household counts as markedly improved (`[households_improved]`).
    #[serde(default)]
    pub households_improved: crate::tenants::ImprovedDefinition,
    /// Sector runs (`heatpath sector`): the corporations' capacity table.
    #[serde(default, skip_serializing_if = "SectorSpec::is_empty")]
    pub sector: SectorSpec,
    /// The corporation's portfolio strategy (`[portfolio]`).
    #[serde(default, skip_serializing_if = "PortfolioSpec::is_empty")]
    pub portfolio: PortfolioSpec,
}

/// The `[portfolio]` table of a scenario.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortfolioSpec {
    /// Per complex what the corporation has decided (CSV, relative to the scenario file):
    /// committed works, complexes excluded, complexes not before a year
    /// ([`crate::portfolio`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complexes: Option<PathBuf>,
    /// New-build projects joining the stock (CSV, relative to the scenario file;
    /// [`crate::new_build`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_build: Option<PathBuf>,
}

impl PortfolioSpec {
    fn is_empty(&self) -> bool {
        self == &PortfolioSpec::default()
    }
}

/// The `[sector]` table of a scenario: what `heatpath sector` needs beyond a plan.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectorSpec {
    /// Capacity table (CSV, relative to the scenario file): per corporation its investment
    /// capacity and the reserve it keeps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<PathBuf>,
    /// Maintenance cost per dwelling and year, for corporations whose row gives neither a
    /// reserve nor their own maintenance figure (the reserve is five years of it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maintenance_eur_per_dwelling_year: Option<f64>,
}

impl SectorSpec {
    fn is_empty(&self) -> bool {
        self == &SectorSpec::default()
    }
}

/// The scenario's `[model]` table joined with the `[model]` table of `included` (relative to
/// the scenario's folder). A key in both is refused: which one was meant is not for us to guess.
fn include_model_file(
    scenario_text: &str,
    scenario_path: &Path,
    included: &Path,
) -> Result<ModelParams, ScenarioError> {
    let included = if included.is_absolute() {
        included.to_path_buf()
    } else {
        scenario_path
            .parent()
            .unwrap_or(Path::new(""))
            .join(included)
    };
    let text = std::fs::read_to_string(&included).map_err(|source| ScenarioError::Io {
        file: included.clone(),
        source,
    })?;
    let syntax = |file: &Path, message: String| ScenarioError::Syntax {
        file: file.to_path_buf(),
        message,
    };
    let mut table: toml::Table =
        toml::from_str(&text).map_err(|e| syntax(&included, e.to_string()))?;
    let mut model = match table.remove("model") {
        Some(toml::Value::Table(t)) if table.is_empty() => t,
        _ => {
            return Err(syntax(
                &included,
                "expected a file with one `[model]` table and nothing else".into(),
            ))
        }
    };
    let scenario: toml::Table =
        toml::from_str(scenario_text).map_err(|e| syntax(scenario_path, e.to_string()))?;
    if let Some(toml::Value::Table(own)) = scenario.get("model") {
        for (key, value) in own {
            if model.contains_key(key) {
                return Err(ScenarioError::Invalid {
                    file: scenario_path.to_path_buf(),
                    field: format!("model.{key}"),
                    value: value.to_string(),
                    expected: format!(
                        "no value here: `model_file` ({}) sets it too",
                        included.display()
                    ),
                });
            }
            model.insert(key.clone(), value.clone());
        }
    }
    model
        .try_into()
        .map_err(|e: toml::de::Error| syntax(&included, e.to_string()))
}

fn default_first_year() -> u16 {
    2027
}
fn default_last_year() -> u16 {
    2035
}

/// A validated scenario with every yearly figure resolved.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Remarks on the scenario for the summary (default targets left out, …).
    pub notes: Vec<String>,
    /// The scenario file (for messages).
    pub source: PathBuf,
    /// Stock table, resolved against the scenario's folder.
    pub stock: PathBuf,
    /// Catalogue file, resolved.
    pub catalogue: Option<PathBuf>,
    /// Column-mapping file, resolved.
    pub column_mapping: Option<PathBuf>,
    /// First planning year.
    pub first_year: u16,
    /// Last planning year.
    pub last_year: u16,
    /// Mode.
    pub mode: Mode,
    /// Path as written.
    pub path: PathSpec,
    /// Budget per planning year (index 0 = first year), `None` = unlimited.
    pub budget_eur: Vec<Option<f64>>,
    /// Capacity per planning year, `None` = unlimited.
    pub capacity_dwellings: Vec<Option<f64>>,
    /// Targets.
    pub targets: Targets,
    /// Finance.
    pub finance: Finance,
    /// Energy.
    pub energy: Energy,
    /// Model parameters.
    pub model: ModelParams,
    /// When a household counts as markedly improved.
    pub households_improved: crate::tenants::ImprovedDefinition,
    /// Package ids ruled out (checked against the catalogue when the options are built).
    pub exclude_packages: Vec<String>,
    /// Sector settings, with the capacity table resolved against the scenario's folder.
    pub sector: SectorSpec,
    /// Portfolio settings, with the table resolved against the scenario's folder.
    pub portfolio: PortfolioSpec,
}

/// A stock table passed where a scenario is expected (a common first mistake): by its extension.
fn looks_like_a_table(path: &Path) -> bool {
    crate::stock::is_workbook(path)
        || path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "csv" | "tsv" | "txt"))
}

impl Scenario {
    /// Reads and validates a scenario file.
    pub fn from_file(path: &Path) -> Result<Scenario, ScenarioError> {
        if looks_like_a_table(path) {
            return Err(ScenarioError::NotAScenario {
                file: path.to_path_buf(),
            });
        }
        let text = crate::input::read_text(path).map_err(|source| ScenarioError::Io {
            file: path.to_path_buf(),
            source,
        })?;
        Self::from_toml(&text, path)
    }

    /// As [`Scenario::from_file`], from text; relative paths resolve against `path`'s folder.
    pub fn from_toml(text: &str, path: &Path) -> Result<Scenario, ScenarioError> {
        let mut file: ScenarioFile = toml::from_str(text).map_err(|e| ScenarioError::Syntax {
            file: path.to_path_buf(),
            message: e.to_string(),
        })?;
        if let Some(included) = &file.model_file {
            file.model = include_model_file(text, path, included)?;
        }
        if let Ok(table) = text.parse::<toml::Table>() {
            if let Some(toml::Value::Table(targets)) = table.get("targets") {
                file.explicit_target_keys = targets.keys().cloned().collect();
            }
        }
        Self::from_parts(file, path)
    }

    /// Validates a parsed scenario file.
    pub fn from_parts(file: ScenarioFile, path: &Path) -> Result<Scenario, ScenarioError> {
        let invalid = |field: &str, value: String, expected: &str| ScenarioError::Invalid {
            file: path.to_path_buf(),
            field: field.to_string(),
            value,
            expected: expected.to_string(),
        };
        let base = path.parent().unwrap_or(Path::new(""));
        let resolve = |p: &Path| {
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                base.join(p)
            }
        };
        if !(2000..=2100).contains(&file.first_year) {
            return Err(invalid(
                "first_year",
                file.first_year.to_string(),
                "a year from 2000 to 2100",
            ));
        }
        if file.last_year < file.first_year || file.last_year > 2100 {
            return Err(invalid(
                "last_year",
                file.last_year.to_string(),
                &format!("a year from first_year ({}) to 2100", file.first_year),
            ));
        }
        if file.last_year - file.first_year > 50 {
            return Err(invalid(
                "last_year",
                file.last_year.to_string(),
                "a horizon of at most 50 years",
            ));
        }
        let years = file.first_year..=file.last_year;
        let n_years = (file.last_year - file.first_year + 1) as usize;

        let yearly =
            |name: &str, spec: &Yearly, unit: &str| -> Result<Vec<Option<f64>>, ScenarioError> {
                let mut values = vec![spec.every_year; n_years];
                if let Some(v) = spec.every_year {
                    if !(v.is_finite() && v >= 0.0) {
                        return Err(invalid(
                            &format!("{name}.every_year"),
                            v.to_string(),
                            &format!("{unit} ≥ 0"),
                        ));
                    }
                }
                for (key, &v) in &spec.by_year {
                    let field = format!("{name}.by_year.{key}");
                    let year: u16 = key
                        .trim()
                        .parse()
                        .map_err(|_| invalid(&field, key.clone(), "a year as key"))?;
                    if !years.contains(&year) {
                        return Err(invalid(
                            &field,
                            key.clone(),
                            &format!(
                                "a planning year from {} to {}",
                                file.first_year, file.last_year
                            ),
                        ));
                    }
                    if !(v.is_finite() && v >= 0.0) {
                        return Err(invalid(&field, v.to_string(), &format!("{unit} ≥ 0")));
                    }
                    values[(year - file.first_year) as usize] = Some(v);
                }
                Ok(values)
            };
        let budget_eur = yearly("budget", &file.budget, "euros")?;
        let capacity_dwellings = yearly("capacity", &file.capacity, "a number of dwellings")?;

        let p = &file.path;
        if !(p.reduction_per_year.is_finite() && (0.0..1.0).contains(&p.reduction_per_year)) {
            return Err(invalid(
                "path.reduction_per_year",
                p.reduction_per_year.to_string(),
                "a share from 0 to 1 (0.02 = 2 % a year)",
            ));
        }
        // Keys are years: parsed and ordered as numbers (as text "999" and "02030" would sort
        // and match wrongly), each year once.
        let mut points: Vec<(u16, f64, &str)> = Vec::with_capacity(p.values.len());
        for (key, &v) in &p.values {
            let field = format!("path.values.{key}");
            let year: u16 = key
                .trim()
                .parse()
                .ok()
                .filter(|y| (2000..=2100).contains(y))
                .ok_or_else(|| invalid(&field, key.clone(), "a year from 2000 to 2100 as key"))?;
            if let Some((_, _, other)) = points.iter().find(|(y, _, _)| *y == year) {
                return Err(invalid(
                    &field,
                    key.clone(),
                    &format!("each year once, but `{other}` is the same year"),
                ));
            }
            points.push((year, v, key));
        }
        points.sort_by_key(|(y, _, _)| *y);
        let mut previous: Option<(u16, f64)> = None;
        for &(year, v, key) in &points {
            let field = format!("path.values.{key}");
            let ok = match p.kind {
                PathKind::Relative => v.is_finite() && v > 0.0 && v <= 2.0,
                PathKind::Absolute => v.is_finite() && (0.0..=1000.0).contains(&v),
            };
            if !ok {
                let expected = match p.kind {
                    PathKind::Relative => "a share of the baseline from 0 to 2 (0.9 = 10 % below)",
                    PathKind::Absolute => "kWh/m² from 0 to 1000",
                };
                return Err(invalid(&field, v.to_string(), expected));
            }
            if let Some((prev_year, prev_value)) = previous {
                if v > prev_value + 1e-12 {
                    return Err(invalid(
                        &field,
                        v.to_string(),
                        &format!("a value no higher than {prev_year}'s {prev_value}: a reduction path must not rise"),
                    ));
                }
            }
            previous = Some((year, v));
        }

        let t = &file.targets;
        for (field, value) in [
            ("targets.label_a_share", t.label_a_share),
            ("targets.gas_free_share", t.gas_free_share),
            ("targets.ready_share", t.ready_share),
        ] {
            if let Some(v) = value {
                if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
                    return Err(invalid(
                        field,
                        v.to_string(),
                        "a share from 0 to 1 (0.7 = 70 %)",
                    ));
                }
            }
        }
        if t.gas_free_share.is_some() && t.gas_free_count.is_some() {
            return Err(invalid(
                "targets.gas_free_count",
                t.gas_free_count.unwrap_or(0).to_string(),
                "either gas_free_share or gas_free_count, not both",
            ));
        }
        // A target after the horizon cannot be checked: refused when the user set its year, left
        // out with a note when the year is the default (a plan to 2030 against the 2034
        // defaults).
        let mut notes = Vec::new();
        let explicit = |keys: &[&str]| {
            keys.iter()
                .any(|k| file.explicit_target_keys.iter().any(|e| e == k))
        };
        for (field, year, set_by_user) in [
            (
                "targets.label_a_year",
                Some(t.label_a_year),
                explicit(&["label_a_year"]),
            ),
            (
                "targets.gas_free_year",
                Some(t.gas_free_year),
                explicit(&["gas_free_year"]),
            ),
            (
                "targets.ready_year",
                t.ready_share.map(|_| t.ready_year),
                explicit(&["ready_year"]),
            ),
            (
                "targets.efg_phase_out_year",
                t.efg_phase_out_year,
                explicit(&["efg_phase_out_year"]),
            ),
        ] {
            if let Some(y) = year {
                if !(2000..=2100).contains(&y) {
                    return Err(invalid(field, y.to_string(), "a year from 2000 to 2100"));
                }
                if y > file.last_year {
                    if set_by_user {
                        return Err(invalid(
                            field,
                            y.to_string(),
                            &format!(
                                "a year up to last_year ({}): a target after the planning horizon cannot be checked; extend last_year or move the target",
                                file.last_year
                            ),
                        ));
                    }
                    notes.push(format!(
                        "The default target `{field} = {y}` lies after the horizon (last_year {}): it is not checked. Set it in [targets] or extend last_year.",
                        file.last_year
                    ));
                }
            }
        }
        let f = &file.finance;
        if !(f.discount_rate.is_finite() && (0.0..1.0).contains(&f.discount_rate)) {
            return Err(invalid(
                "finance.discount_rate",
                f.discount_rate.to_string(),
                "a rate from 0 to 1 (0.04 = 4 %)",
            ));
        }
        if !(f.cost_escalation.is_finite() && (-0.5..1.0).contains(&f.cost_escalation)) {
            return Err(invalid(
                "finance.cost_escalation",
                f.cost_escalation.to_string(),
                "a rate from -0.5 to 1 (0.03 = 3 %)",
            ));
        }
        let e = &file.energy;
        for (field, v) in [
            ("energy.gas_eur_per_m3", e.gas_eur_per_m3),
            ("energy.electricity_eur_per_kwh", e.electricity_eur_per_kwh),
            (
                "energy.district_heat_eur_per_gj",
                e.district_heat_eur_per_gj,
            ),
            ("energy.gas_fixed_eur_per_year", e.gas_fixed_eur_per_year),
            (
                "energy.district_heat_fixed_eur_per_year",
                e.district_heat_fixed_eur_per_year,
            ),
            ("energy.gas_co2_kg_per_m3", e.gas_co2_kg_per_m3),
            (
                "energy.electricity_co2_kg_per_kwh",
                e.electricity_co2_kg_per_kwh,
            ),
            (
                "energy.district_heat_co2_kg_per_kwh",
                e.district_heat_co2_kg_per_kwh,
            ),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(invalid(field, v.to_string(), "a number ≥ 0"));
            }
        }
        if let Some((field, v, expected)) = e.actual_use.invalid_field() {
            return Err(invalid(
                &format!("energy.actual_use.{field}"),
                v.to_string(),
                expected,
            ));
        }
        if !(e.gas_kwh_per_m3.is_finite() && e.gas_kwh_per_m3 > 0.0) {
            return Err(invalid(
                "energy.gas_kwh_per_m3",
                e.gas_kwh_per_m3.to_string(),
                "a number > 0",
            ));
        }
        if let Some(v) = file.sector.maintenance_eur_per_dwelling_year {
            if !(v.is_finite() && (0.0..=100_000.0).contains(&v)) {
                return Err(invalid(
                    "sector.maintenance_eur_per_dwelling_year",
                    v.to_string(),
                    "euros per dwelling and year from 0 to 100000",
                ));
            }
        }
        if file
            .sector
            .capacity
            .as_ref()
            .is_some_and(|p| p.as_os_str().is_empty())
        {
            return Err(invalid(
                "sector.capacity",
                String::new(),
                "the path of a capacity table (CSV)",
            ));
        }
        if file
            .portfolio
            .complexes
            .as_ref()
            .is_some_and(|p| p.as_os_str().is_empty())
        {
            return Err(invalid(
                "portfolio.complexes",
                String::new(),
                "the path of a portfolio table (CSV)",
            ));
        }
        if file
            .portfolio
            .new_build
            .as_ref()
            .is_some_and(|p| p.as_os_str().is_empty())
        {
            return Err(invalid(
                "portfolio.new_build",
                String::new(),
                "the path of a new-build table (CSV)",
            ));
        }
        let h = &file.households_improved;
        if !(h.min_energy_saving_share.is_finite()
            && (0.0..1.0).contains(&h.min_energy_saving_share))
        {
            return Err(invalid(
                "households_improved.min_energy_saving_share",
                h.min_energy_saving_share.to_string(),
                "a share from 0 to 1 (0.3 = 30 % less energy)",
            ));
        }
        file.model.validate().map_err(|err| {
            invalid(
                &format!("model.{}", err.name),
                err.value.to_string(),
                err.expected,
            )
        })?;

        Ok(Scenario {
            source: path.to_path_buf(),
            stock: resolve(&file.stock),
            catalogue: file.catalogue.as_deref().map(resolve),
            column_mapping: file.column_mapping.as_deref().map(resolve),
            first_year: file.first_year,
            last_year: file.last_year,
            mode: file.mode,
            path: file.path,
            budget_eur,
            capacity_dwellings,
            targets: file.targets,
            finance: file.finance,
            energy: file.energy,
            model: file.model,
            households_improved: file.households_improved,
            exclude_packages: file.exclude_packages,
            sector: SectorSpec {
                capacity: file.sector.capacity.as_deref().map(resolve),
                maintenance_eur_per_dwelling_year: file.sector.maintenance_eur_per_dwelling_year,
            },
            portfolio: PortfolioSpec {
                complexes: file.portfolio.complexes.as_deref().map(resolve),
                new_build: file.portfolio.new_build.as_deref().map(resolve),
            },
            notes,
        })
    }

    /// Removes the excluded packages from `catalogue`; an id the catalogue does not have is an
    /// error naming it and the ids there are.
    pub fn apply_exclusions(
        &self,
        catalogue: &mut crate::catalogue::Catalogue,
    ) -> Result<(), ScenarioError> {
        for id in &self.exclude_packages {
            if !catalogue.packages.iter().any(|p| p.id() == id) {
                let ids: Vec<&str> = catalogue.packages.iter().map(|p| p.id()).collect();
                return Err(ScenarioError::Invalid {
                    file: self.source.clone(),
                    field: "exclude_packages".into(),
                    value: id.clone(),
                    expected: format!("a package id of the catalogue: {}", ids.join(", ")),
                });
            }
        }
        if catalogue
            .packages
            .iter()
            .all(|p| self.exclude_packages.iter().any(|id| id == p.id()))
        {
            return Err(ScenarioError::Invalid {
                file: self.source.clone(),
                field: "exclude_packages".into(),
                value: self.exclude_packages.join(", "),
                expected: "at least one package of the catalogue left to plan with".into(),
            });
        }
        catalogue
            .packages
            .retain(|p| !self.exclude_packages.iter().any(|id| id == p.id()));
        Ok(())
    }

    /// The planning years.
    pub fn years(&self) -> impl Iterator<Item = u16> + Clone {
        self.first_year..=self.last_year
    }

    /// Number of planning years.
    pub fn n_years(&self) -> usize {
        (self.last_year - self.first_year + 1) as usize
    }

    /// The year the baseline describes: the year before planning starts.
    pub fn baseline_year(&self) -> u16 {
        self.first_year - 1
    }

    /// The path value for `year` (in the metric's units, kWh/m²), given the baseline average;
    /// `None` where the path sets no target.
    pub fn path_target(&self, year: u16, baseline_average: f64) -> Option<f64> {
        let p = &self.path;
        let to_value = |v: f64| match p.kind {
            PathKind::Relative => v * baseline_average,
            PathKind::Absolute => v,
        };
        if p.values.is_empty() {
            let steps = year.saturating_sub(self.baseline_year()) as f64;
            return match p.kind {
                PathKind::Relative => {
                    Some(baseline_average * (1.0 - p.reduction_per_year * steps).max(0.0))
                }
                // An absolute path needs values; without them there is no target.
                PathKind::Absolute => None,
            };
        }
        let mut points: Vec<(u16, f64)> = p
            .values
            .iter()
            .filter_map(|(k, &v)| k.trim().parse::<u16>().ok().map(|y| (y, v)))
            .collect();
        points.sort_by_key(|&(y, _)| y);
        let (first_year, _) = *points.first()?;
        if year < first_year {
            return None;
        }
        for pair in points.windows(2) {
            let ((y0, v0), (y1, v1)) = (pair[0], pair[1]);
            if (y0..=y1).contains(&year) {
                let t = f64::from(year - y0) / f64::from(y1 - y0);
                return Some(to_value(v0 + t * (v1 - v0)));
            }
        }
        points.last().map(|&(_, v)| to_value(v))
    }

    /// Discount factor of spending in `year` (1 in the first year).
    pub fn discount_factor(&self, year: u16) -> f64 {
        (1.0 + self.finance.discount_rate).powi(-(i32::from(year) - i32::from(self.first_year)))
    }

    /// Escalation factor from the catalogue's price year to `year`.
    pub fn escalation_factor(&self, price_base_year: u16, year: u16) -> f64 {
        (1.0 + self.finance.cost_escalation).powi(i32::from(year) - i32::from(price_base_year))
    }

    /// The gas-free target in its own terms: conversions since the baseline, or gas-free
    /// dwellings in the stock (see [`GasFreeBasis`]), for a stock of `dwellings`.
    pub fn gas_free_target(&self, dwellings: usize) -> Option<f64> {
        match (self.targets.gas_free_share, self.targets.gas_free_count) {
            (Some(share), _) => Some((share * dwellings as f64).ceil()),
            (None, Some(count)) => Some(count as f64),
            (None, None) => None,
        }
    }

    /// Required number of gas-free dwellings in the stock in the target year, for a stock of
    /// `dwellings` of which `gas_free_at_baseline` are gas-free today: on the conversions basis
    /// the conversions come on top of today's gas-free dwellings. (Packages never bring gas
    /// back, so gas-free dwellings in the stock minus those at the baseline are the conversions.)
    pub fn gas_free_required(&self, dwellings: usize, gas_free_at_baseline: f64) -> Option<f64> {
        let target = self.gas_free_target(dwellings)?;
        Some(match self.targets.gas_free_basis {
            GasFreeBasis::Conversions => (gas_free_at_baseline + target).min(dwellings as f64),
            GasFreeBasis::Stock => target,
        })
    }

    /// Required number of dwellings ready for a sustainable heat source in the target year.
    pub fn ready_required(&self, dwellings: usize) -> Option<f64> {
        self.targets
            .ready_share
            .map(|share| (share * dwellings as f64).ceil())
    }

    /// Required number of dwellings at label A or better in the target year.
    pub fn label_a_required(&self, dwellings: usize) -> Option<f64> {
        self.targets
            .label_a_share
            .map(|share| (share * dwellings as f64).ceil())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Scenario, ScenarioError> {
        Scenario::from_toml(text, Path::new("dir/scenario.toml"))
    }

    #[test]
    fn defaults_follow_the_national_agreements() {
        let s = parse("stock = \"stock.csv\"\n").unwrap();
        assert_eq!(s.stock, Path::new("dir/stock.csv"));
        assert_eq!((s.first_year, s.last_year), (2027, 2035));
        assert_eq!(s.targets.label_a_share, Some(0.70));
        assert_eq!(s.targets.efg_phase_out_year, Some(2028));
        assert!((s.targets.gas_free_share.unwrap() - 0.1948).abs() < 1e-3);
        assert!(s.path.note.contains("ILLUSTRATIVE"));
        // -2 % of the baseline per year from the baseline year 2026.
        assert!((s.path_target(2027, 100.0).unwrap() - 98.0).abs() < 1e-9);
        assert!((s.path_target(2035, 100.0).unwrap() - 82.0).abs() < 1e-9);
        assert_eq!(s.budget_eur, vec![None; 9]);
        // 195 conversions on top of the 40 dwellings gas-free today.
        assert_eq!(s.targets.gas_free_basis, GasFreeBasis::Conversions);
        assert_eq!(s.gas_free_required(1000, 40.0), Some(235.0));
    }

    #[test]
    fn a_gas_free_count_alone_is_a_target_and_the_stock_basis_counts_every_gas_free_dwelling() {
        let s = parse("stock = \"s.csv\"\n[targets]\ngas_free_count = 120\n").unwrap();
        assert_eq!(s.targets.gas_free_share, None);
        assert_eq!(s.gas_free_required(1000, 40.0), Some(160.0));
        let s = parse(
            "stock = \"s.csv\"\n[targets]\ngas_free_count = 120\ngas_free_basis = \"stock\"\n",
        )
        .unwrap();
        assert_eq!(s.gas_free_required(1000, 40.0), Some(120.0));
        let err =
            parse("stock = \"s.csv\"\n[targets]\ngas_free_count = 120\ngas_free_share = 0.2\n")
                .unwrap_err();
        assert!(err.to_string().contains("not both"), "{err}");
        let s = parse("stock = \"s.csv\"\n[targets]\nlabel_a_hard = false\n").unwrap();
        assert!(!s.targets.label_a_hard && s.targets.gas_free_hard);
    }

    #[test]
    fn path_values_interpolate_and_hold() {
        let s = parse("stock = \"s.csv\"\n[path]\nkind = \"absolute\"\nvalues = { 2028 = 120.0, 2030 = 100.0 }\n").unwrap();
        assert_eq!(s.path_target(2027, 150.0), None);
        assert_eq!(s.path_target(2029, 150.0), Some(110.0));
        assert_eq!(s.path_target(2035, 150.0), Some(100.0));
    }

    #[test]
    fn yearly_budgets_with_overrides() {
        let s = parse("stock = \"s.csv\"\nfirst_year = 2027\nlast_year = 2029\n[budget]\nevery_year = 1e6\nby_year = { 2028 = 5e5 }\n").unwrap();
        assert!(
            s.notes
                .iter()
                .any(|n| n.contains("targets.label_a_year = 2034")),
            "{:?}",
            s.notes
        );
        let err = parse("stock = \"s.csv\"\nlast_year = 2030\n[targets]\nlabel_a_year = 2031\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("up to last_year (2030)"), "{err}");
        assert_eq!(s.budget_eur, vec![Some(1e6), Some(5e5), Some(1e6)]);
    }

    #[test]
    fn sector_table_is_optional_resolved_and_validated() {
        let s = parse("stock = \"s.csv\"\n").unwrap();
        assert_eq!(s.sector, SectorSpec::default());
        let s = parse("stock = \"s.csv\"\n[sector]\ncapacity = \"cap.csv\"\nmaintenance_eur_per_dwelling_year = 2000\n").unwrap();
        assert_eq!(s.sector.capacity, Some(PathBuf::from("dir/cap.csv")));
        assert_eq!(s.sector.maintenance_eur_per_dwelling_year, Some(2000.0));
        let err = parse("stock = \"s.csv\"\n[sector]\nmaintenance_eur_per_dwelling_year = -1\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("field `sector.maintenance_eur_per_dwelling_year`: value `-1`"),
            "{err}"
        );
        let err = parse("stock = \"s.csv\"\n[sector]\ncapacty = \"c.csv\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("capacty"), "{err}");
    }

    #[test]
    fn invalid_scenarios_name_field_value_and_expectation() {
        let err = parse("stock = \"s.csv\"\nfirst_year = 2030\nlast_year = 2027\n")
            .unwrap_err()
            .to_string();
        assert_eq!(err, "dir/scenario.toml: field `last_year`: value `2027`: expected a year from first_year (2030) to 2100");
        let err = parse("stock = \"s.csv\"\n[targets]\nlabel_a_share = 1.5\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(
                "field `targets.label_a_share`: value `1.5`: expected a share from 0 to 1"
            ),
            "{err}"
        );
        let err = parse("stock = \"s.csv\"\n[path]\nvalues = { 2027 = 0.9, 2028 = 0.95 }\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("field `path.values.2028`: value `0.95`") && err.contains("must not rise"),
            "{err}"
        );
        let err = parse("stock = \"s.csv\"\n[budget]\nby_year = { 2040 = 1.0 }\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("budget.by_year.2040"), "{err}");
        let err = parse("stock = \"s.csv\"\n[model]\nsolar_shading_factor = 3.0\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("model.solar_shading_factor"), "{err}");
        let err = parse("stock = \"s.csv\"\nbudgett = 3\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("budgett"), "{err}");
        let err = parse("first_year = 2027\n").unwrap_err().to_string();
        assert!(err.contains("stock"), "{err}");
    }
}
