//! The current state of a stock: what `heatpath assess` reports.

use serde::Serialize;

use crate::label::EnergyLabel;
use crate::options::Baseline;
use crate::stock::Stock;
use crate::typology::Heating;

/// Dwellings per label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelCount {
    /// Label.
    pub label: EnergyLabel,
    /// Dwellings.
    pub dwellings: u64,
    /// Share of the stock.
    pub share: f64,
}

/// The state of a stock today.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    /// Where the stock came from.
    pub stock: String,
    /// Dwellings.
    pub dwellings: u64,
    /// Complexes (0 when the table has no complex ids).
    pub complexes: u64,
    /// Corporations named in the table.
    pub corporations: u64,
    /// Total usable floor area (m²).
    pub floor_area_m2: f64,
    /// Floor-area-weighted average Q_H,nd (kWh/m² yr).
    pub avg_heat_demand_kwh_m2: f64,
    /// Floor-area-weighted average EP2 (kWh/m² yr).
    pub avg_ep2_kwh_m2: f64,
    /// Plain average EP2 over dwellings (as the Aedes benchmark reports it).
    pub mean_ep2_kwh_m2: f64,
    /// Floor-area-weighted average isolatiestandaard (kWh/m² yr).
    pub avg_standaard_kwh_m2: f64,
    /// Average Q_H,nd minus average standaard (kWh/m²): the sector's insulation benchmark.
    pub avg_distance_to_standaard_kwh_m2: f64,
    /// Dwellings per label, A++++ first.
    pub labels: Vec<LabelCount>,
    /// Share at label A or better.
    pub label_a_or_better_share: f64,
    /// E/F/G dwellings.
    pub efg_count: u64,
    /// Share E/F/G.
    pub efg_share: f64,
    /// Gas-free dwellings.
    pub gas_free_count: u64,
    /// Share gas-free.
    pub gas_free_share: f64,
    /// Share low-temperature ready.
    pub low_temp_ready_share: f64,
    /// Share on district heating.
    pub district_heating_share: f64,
    /// Share with a registered label.
    pub registered_label_share: f64,
    /// What the reader found out about the file (columns, mapped values, placeholders,
    /// skipped rows, suspicious values), when the stock was read from a file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_report: Option<crate::stock::ReadReport>,
}

/// Assesses a stock from its baseline.
pub fn assess(stock: &Stock, baseline: &Baseline) -> Assessment {
    let n = stock.dwellings.len().max(1) as f64;
    let mut area = 0.0;
    let (mut qh, mut ep2, mut ep2_plain, mut std) = (0.0, 0.0, 0.0, 0.0);
    let mut labels = [0u64; 11];
    let (mut gas_free, mut lt, mut dh, mut registered) = (0u64, 0u64, 0u64, 0u64);
    for (d, p) in stock.dwellings.iter().zip(&baseline.before) {
        area += d.floor_area_m2;
        qh += d.floor_area_m2 * p.qh_nd_kwh_m2;
        ep2 += d.floor_area_m2 * p.ep2_kwh_m2;
        ep2_plain += p.ep2_kwh_m2;
        std += d.floor_area_m2 * p.standaard_kwh_m2;
        labels[p.label.index()] += 1;
        gas_free += u64::from(p.gas_free);
        lt += u64::from(p.low_temp_ready);
        dh += u64::from(d.heating == Heating::DistrictHeating);
        registered += u64::from(d.registered_label.is_some());
    }
    let area_div = if area > 0.0 { area } else { 1.0 };
    let label_a: u64 = EnergyLabel::ALL
        .iter()
        .filter(|l| l.is_a_or_better())
        .map(|l| labels[l.index()])
        .sum();
    let efg: u64 = EnergyLabel::ALL
        .iter()
        .filter(|l| l.is_efg())
        .map(|l| labels[l.index()])
        .sum();
    Assessment {
        stock: stock.source.display().to_string(),
        dwellings: stock.dwellings.len() as u64,
        complexes: stock.complexes.len() as u64,
        corporations: stock.corporations.len() as u64,
        floor_area_m2: area,
        avg_heat_demand_kwh_m2: qh / area_div,
        avg_ep2_kwh_m2: ep2 / area_div,
        mean_ep2_kwh_m2: ep2_plain / n,
        avg_standaard_kwh_m2: std / area_div,
        avg_distance_to_standaard_kwh_m2: (qh - std) / area_div,
        labels: EnergyLabel::ALL
            .iter()
            .map(|&label| LabelCount {
                label,
                dwellings: labels[label.index()],
                share: labels[label.index()] as f64 / n,
            })
            .collect(),
        label_a_or_better_share: label_a as f64 / n,
        efg_count: efg,
        efg_share: efg as f64 / n,
        gas_free_count: gas_free,
        gas_free_share: gas_free as f64 / n,
        low_temp_ready_share: lt as f64 / n,
        district_heating_share: dh as f64 / n,
        registered_label_share: registered as f64 / n,
        data_report: None,
    }
}
