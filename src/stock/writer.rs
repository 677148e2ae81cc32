//! Writing a stock table, canonical or as a Dutch export (`;`, decimal commas, Dutch names).

use std::io::{self, Write};

use super::columns::Column;
use super::{Dwelling, Stock};
use crate::typology::typical_geometry;

/// How to write a stock table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StockFormat {
    /// Field separator.
    pub separator: u8,
    /// Write numbers with a decimal comma.
    pub decimal_comma: bool,
    /// Dutch column names and category values, as a corporation's own export has them.
    pub dutch: bool,
}

impl StockFormat {
    /// heatpath's own format: `,`, decimal points, canonical English names.
    pub const CANONICAL: StockFormat = StockFormat {
        separator: b',',
        decimal_comma: false,
        dutch: false,
    };
    /// A Dutch Excel export: `;`, decimal commas, Dutch names.
    pub const DUTCH: StockFormat = StockFormat {
        separator: b';',
        decimal_comma: true,
        dutch: true,
    };
}

/// The columns heatpath writes; glazing is written as `window_u`, element areas only where they
/// differ from the typology's.
const WRITTEN: [Column; 31] = [
    Column::Id,
    Column::ComplexId,
    Column::Corporation,
    Column::Region,
    Column::Province,
    Column::Municipality,
    Column::DwellingType,
    Column::BuildYear,
    Column::FloorAreaM2,
    Column::Position,
    Column::RoofType,
    Column::FacadeType,
    Column::RoofRc,
    Column::FacadeRc,
    Column::FloorRc,
    Column::WindowU,
    Column::Qv10,
    Column::RoofAreaM2,
    Column::FacadeAreaM2,
    Column::WindowAreaM2,
    Column::GroundFloorAreaM2,
    Column::Monument,
    Column::Heating,
    Column::Ventilation,
    Column::BoilerInstallYear,
    Column::DistrictHeatingAvailable,
    Column::SolarPvKwp,
    Column::RegisteredLabel,
    Column::RegisteredEp2,
    Column::RegisteredQhNd,
    Column::PlannedMaintenanceYear,
];

/// Writes `stock` as CSV. Numbers use Rust's shortest round-trip form, so reading the file back
/// gives the same dwellings.
pub fn write_stock_csv<W: Write>(out: W, stock: &Stock, format: StockFormat) -> io::Result<()> {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(format.separator)
        .from_writer(out);
    // The optional columns only where a dwelling uses them, so stocks without them (the
    // generator's) are written as before.
    let mut columns = WRITTEN.to_vec();
    if stock.dwellings.iter().any(|d| d.low_temperature_radiators) {
        columns.push(Column::LowTemperatureRadiators);
    }
    if stock
        .dwellings
        .iter()
        .any(|d| d.district_heat_factor.is_some())
    {
        columns.push(Column::DistrictHeatFactor);
    }
    let header: Vec<&str> = columns
        .iter()
        .map(|c| {
            if format.dutch {
                c.aliases().first().copied().unwrap_or(c.name())
            } else {
                c.name()
            }
        })
        .collect();
    writer.write_record(&header)?;
    let mut row: Vec<String> = Vec::with_capacity(columns.len());
    for d in &stock.dwellings {
        row.clear();
        for &column in &columns {
            row.push(cell(stock, d, column, format));
        }
        writer.write_record(&row)?;
    }
    writer.flush()?;
    Ok(())
}

fn number(value: f64, format: StockFormat) -> String {
    let text = format!("{value}");
    if format.decimal_comma {
        text.replace('.', ",")
    } else {
        text
    }
}

fn category(canonical: &'static str, aliases: &'static [&'static str], dutch: bool) -> String {
    if dutch {
        aliases.first().copied().unwrap_or(canonical).to_string()
    } else {
        canonical.to_string()
    }
}

fn cell(stock: &Stock, d: &Dwelling, column: Column, format: StockFormat) -> String {
    let name = |names: &super::Names, index: Option<u32>| {
        index.map(|i| names.get(i).to_string()).unwrap_or_default()
    };
    let default = || typical_geometry(d.dwelling_type, d.build_year, d.floor_area_m2, d.position);
    let area = |value: f64, default_value: f64| {
        if value == default_value {
            String::new()
        } else {
            number(value, format)
        }
    };
    let yes_no = |b: bool| match (b, format.dutch) {
        (true, true) => "ja",
        (false, true) => "nee",
        (true, false) => "yes",
        (false, false) => "no",
    };
    match column {
        Column::Id => d.id.clone(),
        Column::ComplexId => name(&stock.complexes, d.complex),
        Column::Corporation => name(&stock.corporations, d.corporation),
        Column::Region => name(&stock.regions, d.region),
        Column::Municipality => name(&stock.municipalities, d.municipality),
        Column::Province => name(&stock.provinces, d.province),
        Column::DwellingType => category(
            d.dwelling_type.as_str(),
            d.dwelling_type.aliases(),
            format.dutch,
        ),
        Column::BuildYear => d.build_year.to_string(),
        Column::FloorAreaM2 => number(d.floor_area_m2, format),
        Column::Position => d
            .position
            .map(|p| category(p.as_str(), p.aliases(), format.dutch))
            .unwrap_or_default(),
        Column::RoofType => category(d.roof_type.as_str(), d.roof_type.aliases(), format.dutch),
        Column::FacadeType => category(
            d.facade_type.as_str(),
            d.facade_type.aliases(),
            format.dutch,
        ),
        Column::RoofRc => number(d.envelope.roof_rc, format),
        Column::FacadeRc => number(d.envelope.facade_rc, format),
        Column::FloorRc => number(d.envelope.floor_rc, format),
        Column::WindowU => number(d.envelope.window_u, format),
        Column::Glazing => String::new(),
        Column::Qv10 => number(d.envelope.qv10_dm3_s_m2, format),
        Column::RoofAreaM2 => area(d.geometry.roof_m2, default().roof_m2),
        Column::FacadeAreaM2 => area(d.geometry.facade_gross_m2, default().facade_gross_m2),
        Column::WindowAreaM2 => area(d.geometry.window_m2, default().window_m2),
        Column::GroundFloorAreaM2 => area(d.geometry.ground_floor_m2, default().ground_floor_m2),
        Column::Monument => yes_no(d.monument).to_string(),
        Column::Heating => category(d.heating.as_str(), d.heating.aliases(), format.dutch),
        Column::Ventilation => category(
            d.ventilation.as_str(),
            d.ventilation.aliases(),
            format.dutch,
        ),
        Column::BoilerInstallYear => d
            .boiler_install_year
            .map(|y| y.to_string())
            .unwrap_or_default(),
        Column::DistrictHeatingAvailable => yes_no(d.district_heating_available).to_string(),
        Column::SolarPvKwp => number(d.solar_pv_kwp, format),
        Column::RegisteredLabel => d
            .registered_label
            .map(|l| l.to_string())
            .unwrap_or_default(),
        Column::RegisteredEp2 => d
            .registered_ep2
            .map(|v| number(v, format))
            .unwrap_or_default(),
        Column::RegisteredQhNd => d
            .registered_qh_nd
            .map(|v| number(v, format))
            .unwrap_or_default(),
        Column::PlannedMaintenanceYear => d
            .planned_maintenance_year
            .map(|y| y.to_string())
            .unwrap_or_default(),
        Column::LowTemperatureRadiators => yes_no(d.low_temperature_radiators).to_string(),
        Column::PlannedExitYear => d
            .planned_exit
            .map(|(y, _)| y.to_string())
            .unwrap_or_default(),
        Column::PlannedExit => d
            .planned_exit
            .map(|(_, kind)| match kind {
                crate::dynamics::ExitKind::Sold => "sell".to_string(),
                crate::dynamics::ExitKind::Demolished => "demolish".to_string(),
            })
            .unwrap_or_default(),
        Column::DistrictHeatFactor => d
            .district_heat_factor
            .map(|v| number(v, format))
            .unwrap_or_default(),
    }
}
