//! The dwelling stock: one record per dwelling, with every optional field resolved to a value
//! (from the table, or from the typology by dwelling type and construction period).

mod columns;
mod reader;
mod records;
mod report;
mod writer;
mod xlsx;

use std::collections::HashMap;
use std::path::PathBuf;

pub use columns::{normalise_header, Column, ColumnMapping};
pub use reader::{parse_decimal, read_stock, read_stock_from, ReadOptions};
pub use report::{CellProblem, Implausible, LabelConflict, MappedValue, ReadReport};
pub use writer::{write_stock_csv, StockFormat};
pub use xlsx::{
    is_workbook, read_stock_workbook, small_table_sheets, workbook_file, WORKBOOK_EXTENSIONS,
};

use crate::label::EnergyLabel;
use crate::typology::{
    DwellingType, Envelope, FacadeType, Geometry, Heating, Position, RoofType, Ventilation,
};

/// One dwelling as the model sees it: all optional inputs resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Dwelling {
    /// Unique id (VHE number).
    pub id: String,
    /// Complex (index into [`Stock::complexes`]); the decision unit where present.
    pub complex: Option<u32>,
    /// Corporation (index into [`Stock::corporations`]).
    pub corporation: Option<u32>,
    /// Region (index into [`Stock::regions`]).
    pub region: Option<u32>,
    /// Municipality (index into [`Stock::municipalities`]).
    pub municipality: Option<u32>,
    /// Province (index into [`Stock::provinces`]).
    pub province: Option<u32>,
    /// Dwelling type.
    pub dwelling_type: DwellingType,
    /// Construction year.
    pub build_year: u16,
    /// Usable floor area Ag (m²).
    pub floor_area_m2: f64,
    /// Position of an apartment in its block.
    pub position: Option<Position>,
    /// Roof construction.
    pub roof_type: RoofType,
    /// Facade construction.
    pub facade_type: FacadeType,
    /// A monument keeps its facade: no external insulation.
    pub monument: bool,
    /// Element areas.
    pub geometry: Geometry,
    /// Element qualities today.
    pub envelope: Envelope,
    /// Space-heating system today.
    pub heating: Heating,
    /// Ventilation system today.
    pub ventilation: Ventilation,
    /// Year the boiler was installed, if known.
    pub boiler_install_year: Option<u16>,
    /// A district-heating network can connect this dwelling.
    pub district_heating_available: bool,
    /// Installed PV (kWp).
    pub solar_pv_kwp: f64,
    /// Registered energy label.
    pub registered_label: Option<EnergyLabel>,
    /// Registered EP2 (kWh/m² yr).
    pub registered_ep2: Option<f64>,
    /// Registered net heat demand Q_H,nd (kWh/m² yr).
    pub registered_qh_nd: Option<f64>,
    /// Year of planned envelope maintenance: a natural moment for insulation.
    pub planned_maintenance_year: Option<u16>,
    /// The dwelling already has low-temperature radiators (or floor heating): it needs a lower
    /// supply temperature ([`crate::readiness`]).
    pub low_temperature_radiators: bool,
    /// The declared primary fossil energy factor of the district-heating network serving the
    /// dwelling (NTA 8800 *verklaring*); `None` uses the forfaitary 0.9.
    pub district_heat_factor: Option<f64>,
    /// The year the corporation plans the dwelling to leave the stock and how (the stock's
    /// `planned_exit_year` and `planned_exit`, as corporation systems hold them per dwelling);
    /// the portfolio table's decision on its complex wins.
    pub planned_exit: Option<(u16, crate::dynamics::ExitKind)>,
}

/// A table of distinct names (complexes, corporations, regions, …), indexed in order of first
/// appearance so that the same file always gives the same indices.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Names {
    values: Vec<String>,
    index: HashMap<String, u32>,
}

impl Names {
    /// The index of `name`, adding it when new.
    pub fn intern(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.values.len() as u32;
        self.values.push(name.to_string());
        self.index.insert(name.to_string(), i);
        i
    }

    /// The name at `index`.
    pub fn get(&self, index: u32) -> &str {
        &self.values[index as usize]
    }

    /// The index of `name`, if present.
    pub fn find(&self, name: &str) -> Option<u32> {
        self.index.get(name).copied()
    }

    /// Number of distinct names.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// No names.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// All names in index order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.values.iter().map(String::as_str)
    }
}

/// A dwelling stock read from a file (or generated).
#[derive(Debug, Clone, Default)]
pub struct Stock {
    /// Where the stock came from (for messages).
    pub source: PathBuf,
    /// The dwellings, in file order.
    pub dwellings: Vec<Dwelling>,
    /// Complex ids.
    pub complexes: Names,
    /// Corporation names.
    pub corporations: Names,
    /// Region names.
    pub regions: Names,
    /// Municipality names.
    pub municipalities: Names,
    /// Province names.
    pub provinces: Names,
}

impl Stock {
    /// Number of dwellings.
    pub fn len(&self) -> usize {
        self.dwellings.len()
    }

    /// No dwellings.
    pub fn is_empty(&self) -> bool {
        self.dwellings.is_empty()
    }

    /// Total usable floor area (m²).
    pub fn total_floor_area_m2(&self) -> f64 {
        self.dwellings.iter().map(|d| d.floor_area_m2).sum()
    }

    /// The stock of the dwellings at `indices` alone, in that order: their complexes named anew
    /// (in order of first appearance, as a file of these dwellings would), the other name tables
    /// as they are.
    pub fn part(&self, indices: impl IntoIterator<Item = usize>) -> Stock {
        let mut complexes = Names::default();
        let dwellings = indices
            .into_iter()
            .map(|i| {
                let mut d = self.dwellings[i].clone();
                d.complex = d.complex.map(|c| complexes.intern(self.complexes.get(c)));
                d
            })
            .collect();
        Stock {
            source: self.source.clone(),
            dwellings,
            complexes,
            corporations: self.corporations.clone(),
            regions: self.regions.clone(),
            municipalities: self.municipalities.clone(),
            provinces: self.provinces.clone(),
        }
    }
}

/// Errors reading a stock table. Every variant names the file; value errors also name the line,
/// column and value and say what was expected.
#[derive(Debug, thiserror::Error)]
pub enum StockError {
    /// The file could not be opened or read.
    #[error("{}: cannot read: {source}", file.display())]
    Io {
        /// The file.
        file: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A workbook that cannot be read, or lacks the sheet asked for.
    #[error("{}: {message}", file.display())]
    Workbook {
        /// The workbook.
        file: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// No header row.
    #[error("{}: the file is empty: expected a header row with at least the columns id, dwelling_type, build_year, floor_area_m2", file.display())]
    Empty {
        /// The file.
        file: PathBuf,
    },
    /// A header but no dwellings.
    #[error("{}: the file has a header but no dwelling rows", file.display())]
    NoRows {
        /// The file.
        file: PathBuf,
    },
    /// A required column is absent.
    #[error("{}: missing required column `{column}` (or a Dutch name for it such as {aliases}); the header has: {found}", file.display())]
    MissingColumn {
        /// The file.
        file: PathBuf,
        /// Canonical column name.
        column: &'static str,
        /// Accepted alternatives.
        aliases: String,
        /// The header cells found.
        found: String,
    },
    /// Two header cells map to the same column.
    #[error("{}: columns `{first}` and `{second}` both mean `{column}`; keep one (or map one elsewhere in a column-mapping file)", file.display())]
    DuplicateColumn {
        /// The file.
        file: PathBuf,
        /// Canonical column name.
        column: &'static str,
        /// First header cell.
        first: String,
        /// Second header cell.
        second: String,
    },
    /// Cells hold values their columns do not accept: all of them, grouped by column and value.
    #[error("{}", cells_message(file, problems, *unlisted))]
    Cells {
        /// The file.
        file: PathBuf,
        /// The problems, first line first.
        problems: Vec<CellProblem>,
        /// Further cells with problems not listed (too many distinct values).
        unlisted: u64,
    },
    /// A quoted value that is never closed (it would swallow the rows after it).
    #[error("{}:{line}: a quote `\"` opens a value that is not closed{}; expected a closing quote before the end of the line (or no quote at the start of the value)", file.display(), if *line_breaks > 0 { format!(" (it runs over {line_breaks} line breaks)") } else { String::new() })]
    UnclosedQuote {
        /// The file.
        file: PathBuf,
        /// Line of the opening quote.
        line: u64,
        /// Line breaks it swallowed.
        line_breaks: usize,
    },
    /// A NUL byte: binary data, or UTF-16 text without a byte-order mark.
    #[error("{}:{line}: holds a NUL byte (character 0); expected text: save the table as CSV (UTF-8 or Windows-1252), or as UTF-16 with a byte-order mark", file.display())]
    Nul {
        /// The file.
        file: PathBuf,
        /// Line of the first NUL.
        line: u64,
    },
    /// Header cells that look like misspelled heatpath columns: refused, as silently dropping
    /// them would change the result.
    #[error("{}: {}", file.display(), misspelled_message(misspelled))]
    MisspelledColumns {
        /// The file.
        file: PathBuf,
        /// (header as written, the column it probably means).
        misspelled: Vec<(String, &'static str)>,
    },
    /// A cell holds a value the column does not accept.
    #[error("{}:{line}: column `{column}`: value {}: expected {expected}", file.display(), crate::text::quote(value))]
    Value {
        /// The file.
        file: PathBuf,
        /// Line number in the file (the header is line 1).
        line: u64,
        /// The column as named in the file's header.
        column: String,
        /// The offending value as written.
        value: String,
        /// What the column accepts.
        expected: String,
    },
    /// A dwelling id occurs twice.
    #[error("{}:{line}: column `{column}`: value {}: expected a unique dwelling id, but line {first_line} has it too", file.display(), crate::text::quote(id))]
    DuplicateId {
        /// The file.
        file: PathBuf,
        /// Line of the second occurrence.
        line: u64,
        /// The id column as named in the file.
        column: String,
        /// The duplicated id.
        id: String,
        /// Line of the first occurrence.
        first_line: u64,
    },
    /// The row has more cells than the header.
    #[error("{}:{line}: the row has {fields} fields but the header has {header_fields}; expected the same number (is a value with a separator in it missing its quotes?)", file.display())]
    RowWidth {
        /// The file.
        file: PathBuf,
        /// Line number.
        line: u64,
        /// Fields in the row.
        fields: usize,
        /// Fields in the header.
        header_fields: usize,
    },
    /// Malformed CSV (for example an unclosed quote).
    #[error("{}:{line}: malformed CSV: {message}", file.display())]
    Csv {
        /// The file.
        file: PathBuf,
        /// Line number where the reader stopped.
        line: u64,
        /// The CSV reader's message.
        message: String,
    },
    /// The column-mapping file is invalid.
    #[error("{}: invalid column mapping: {message}", file.display())]
    Mapping {
        /// The mapping file.
        file: PathBuf,
        /// What is wrong.
        message: String,
    },
}

fn cells_message(file: &std::path::Path, problems: &[CellProblem], unlisted: u64) -> String {
    if let ([only], 0) = (problems, unlisted) {
        if only.count == 1 && only.column == report::ROW {
            return format!(
                "{}:{}: the row has {} but the header has {}",
                file.display(),
                only.lines[0],
                only.value,
                only.expected.trim_start_matches("the header's ")
            );
        }
        if only.count == 1 {
            return format!(
                "{}:{}: column `{}`: value {}: expected {}",
                file.display(),
                only.lines[0],
                only.column,
                crate::text::quote(&only.value),
                only.expected
            );
        }
    }
    let cells: u64 = problems.iter().map(|p| p.count).sum::<u64>() + unlisted;
    let mut text = format!(
        "{}: {cells} cells cannot be read; fix them all, then run again:",
        file.display()
    );
    const SHOWN: usize = 30;
    for p in problems.iter().take(SHOWN) {
        text.push_str(&format!("\n  {p}"));
    }
    let hidden: u64 = problems.iter().skip(SHOWN).map(|p| p.count).sum::<u64>() + unlisted;
    if hidden > 0 {
        text.push_str(&format!("\n  … and {hidden} more cells"));
    }
    text
}

fn misspelled_message(misspelled: &[(String, &'static str)]) -> String {
    let list: Vec<String> = misspelled
        .iter()
        .map(|(h, c)| format!("`{h}` (did you mean `{c}`?)"))
        .collect();
    format!(
        "column{} {} {} not heatpath column{} but look{} like one; rename {}, or map {} in a column-mapping file (`\"{}\" = \"ignore\"` leaves it out on purpose)",
        if list.len() == 1 { "" } else { "s" },
        list.join(", "),
        if list.len() == 1 { "is" } else { "are" },
        if list.len() == 1 { "" } else { "s" },
        if list.len() == 1 { "s" } else { "" },
        if list.len() == 1 { "it" } else { "them" },
        if list.len() == 1 { "it" } else { "them" },
        misspelled[0].0
    )
}
