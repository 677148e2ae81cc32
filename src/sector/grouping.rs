//! Grouping: which decision units and dwellings belong to which corporation, and the region and
//! province each corporation counts in. A corporation's region is where most of its dwellings
//! are (a stock's corporations may straddle regions), and a region's province where most of its
//! dwellings are, so that every corporation falls in exactly one pool at each level.

use std::collections::HashMap;

use super::SectorError;
use crate::pipeline::Prepared;

/// The grouping of the stock into corporations, regions and provinces.
pub(super) struct Grouping {
    /// Units of each corporation (stock corporation index).
    pub units: Vec<Vec<usize>>,
    /// Dwellings of each corporation.
    pub dwellings: Vec<u64>,
    /// The region of each corporation (stock region index).
    pub region_of: Vec<usize>,
    /// The province of each region (stock province index), when the stock names provinces.
    pub province_of_region: Vec<Option<usize>>,
    /// Complexes with dwellings of more than one corporation (counted with their first
    /// dwelling's corporation).
    pub units_split: usize,
}

/// The most common key (the smallest of a tie, so that the choice does not depend on hashing).
fn most_common(counts: &HashMap<u32, u64>) -> Option<u32> {
    counts
        .iter()
        .max_by_key(|(k, n)| (**n, std::cmp::Reverse(**k)))
        .map(|(k, _)| *k)
}

/// Groups the stock's units by corporation; a stock without a corporation or region for every
/// dwelling is refused, naming the first dwelling that lacks one.
pub(super) fn group(prepared: &Prepared) -> Result<Grouping, SectorError> {
    let stock = &prepared.stock;
    type Lacks = fn(&crate::stock::Dwelling) -> bool;
    let checks: [(&'static str, Lacks); 2] = [
        ("corporation", |d| d.corporation.is_none()),
        ("region", |d| d.region.is_none()),
    ];
    for (column, missing) in checks {
        let lacking = stock.dwellings.iter().filter(|d| missing(d)).count();
        if let Some(d) = stock.dwellings.iter().find(|d| missing(d)) {
            return Err(SectorError::StockGrouping {
                file: stock.source.clone(),
                column,
                id: d.id.clone(),
                more: if lacking > 1 {
                    format!(", nor have {} more", lacking - 1)
                } else {
                    String::new()
                },
            });
        }
    }
    let n_corp = stock.corporations.len();
    let mut units = vec![Vec::new(); n_corp];
    let mut dwellings = vec![0u64; n_corp];
    let mut region_counts: Vec<HashMap<u32, u64>> = vec![HashMap::new(); n_corp];
    let mut province_counts: Vec<HashMap<u32, u64>> = vec![HashMap::new(); stock.regions.len()];
    let mut units_split = 0;
    for u in 0..prepared.units.len() {
        let members = prepared.units.members(u);
        let first = &stock.dwellings[members[0] as usize];
        let c = first.corporation.unwrap_or(0) as usize;
        units[c].push(u);
        if members
            .iter()
            .any(|&i| stock.dwellings[i as usize].corporation != first.corporation)
        {
            units_split += 1;
        }
        for &i in members {
            let d = &stock.dwellings[i as usize];
            dwellings[c] += 1;
            let r = d.region.unwrap_or(0);
            *region_counts[c].entry(r).or_default() += 1;
            if let Some(p) = d.province {
                *province_counts[r as usize].entry(p).or_default() += 1;
            }
        }
    }
    Ok(Grouping {
        units,
        dwellings,
        region_of: region_counts
            .iter()
            .map(|m| most_common(m).unwrap_or(0) as usize)
            .collect(),
        province_of_region: province_counts
            .iter()
            .map(|m| most_common(m).map(|p| p as usize))
            .collect(),
        units_split,
    })
}
