//! A reproducible synthetic corporation stock.
//!
//! Real dwelling-level data is not public, so tests, benchmarks and the sample run on generated
//! stocks: corporations with a skewed size distribution, regions and provinces, complexes of 10–200
//! dwellings sharing type, period, envelope and systems, with per-dwelling areas, positions,
//! boiler ages and registered values drawn from the published distributions (see [`register`]). The
//! mixes below
//! are *assumptions* chosen so that a sector-size stock reproduces the published statistics in
//! `data/reference/stock_statistics.md` (about 40 % label A or better, 8.6 % E/F/G, average EP2
//! around 190–200 kWh/m², district heating about 10 %); the `generated_stock_matches_sector_statistics`
//! test checks them.

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal, StandardNormal};
use rayon::prelude::*;

use crate::label::EnergyLabel;
use crate::model::Calibration;
use crate::model::ModelParams;
use crate::performance::{DwellingBasis, DwellingModel, State};
use crate::scenario::Energy;
use crate::stock::{Dwelling, Stock};
use crate::typology::{
    default_facade_type, default_roof_type, default_ventilation, typical_envelope,
    typical_geometry, ConstructionPeriod, DwellingType, FacadeType, Heating, Position, Ventilation,
};

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateOptions {
    /// Number of dwellings.
    pub dwellings: usize,
    /// Number of corporations.
    pub corporations: usize,
    /// Number of regions (default: one per seven corporations, at most 40).
    pub regions: Option<usize>,
    /// Random seed.
    pub seed: u64,
}

/// Errors in generation options.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GenerateError {
    /// Too few dwellings for the corporations asked for.
    #[error("{dwellings} dwellings cannot make {corporations} corporations: expected at least 10 dwellings per corporation")]
    TooFewDwellings {
        /// Dwellings asked for.
        dwellings: usize,
        /// Corporations asked for.
        corporations: usize,
    },
    /// Zero corporations.
    #[error("expected at least one corporation")]
    NoCorporations,
}

/// The Dutch provinces (for synthetic regions).
const PROVINCES: [&str; 12] = [
    "Groningen",
    "Friesland",
    "Drenthe",
    "Overijssel",
    "Flevoland",
    "Gelderland",
    "Utrecht",
    "Noord-Holland",
    "Zuid-Holland",
    "Zeeland",
    "Noord-Brabant",
    "Limburg",
];

/// Spread of the log of corporation sizes (assumption): with 279 corporations and 2.31 million
/// dwellings the largest holds about 80,000, as the largest Dutch corporations do.
const CORPORATION_SIZE_SIGMA: f64 = 0.94;

/// Inverse of the standard normal distribution function (Acklam's rational approximation,
/// relative error below 1.2e-9), for deterministic size quantiles.
fn inverse_normal_cdf(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.38357751867269e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e1,
        1.615858368580409e2,
        -1.556989798598866e2,
        6.680131188771972e1,
        -1.328068155288572e1,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [
        7.784695709041462e-3,
        3.224671290700398e-1,
        2.445134137142996,
        3.754408661907416,
    ];
    let p_low = 0.02425;
    if p < p_low {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - p_low {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -inverse_normal_cdf(1.0 - p)
    }
}

/// Corporation sizes: log-normal quantiles scaled to the total, at least 10 each, largest first.
pub fn corporation_sizes(dwellings: usize, corporations: usize) -> Vec<usize> {
    let weights: Vec<f64> = (0..corporations)
        .map(|i| {
            let p = 1.0 - (i as f64 + 0.5) / corporations as f64;
            (CORPORATION_SIZE_SIGMA * inverse_normal_cdf(p)).exp()
        })
        .collect();
    let spare = dwellings - 10 * corporations;
    let total: f64 = weights.iter().sum();
    let mut sizes: Vec<usize> = weights
        .iter()
        .map(|w| 10 + (spare as f64 * w / total).floor() as usize)
        .collect();
    let mut left = dwellings - sizes.iter().sum::<usize>();
    let mut i = 0;
    while left > 0 {
        sizes[i % corporations] += 1;
        left -= 1;
        i += 1;
    }
    sizes
}

fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[(T, f64)]) -> T {
    let total: f64 = items.iter().map(|(_, w)| w).sum();
    let mut x = rng.random::<f64>() * total;
    for (item, w) in items {
        if x < *w {
            return *item;
        }
        x -= w;
    }
    items[items.len() - 1].0
}

/// Dwelling types of the corporation stock (assumption: about 45 % single-family).
const TYPE_MIX: [(DwellingType, f64); 8] = [
    (DwellingType::TerracedMid, 0.27),
    (DwellingType::TerracedEnd, 0.12),
    (DwellingType::SemiDetached, 0.06),
    (DwellingType::Detached, 0.01),
    (DwellingType::ApartmentGallery, 0.18),
    (DwellingType::ApartmentPorch, 0.20),
    (DwellingType::ApartmentOther, 0.11),
    (DwellingType::Maisonnette, 0.05),
];

/// Construction periods of the corporation stock (assumption), as (first year, last year, weight).
const PERIOD_MIX: [((u16, u16), f64); 8] = [
    ((1880, 1920), 0.05),
    ((1921, 1945), 0.09),
    ((1946, 1964), 0.20),
    ((1965, 1974), 0.21),
    ((1975, 1991), 0.20),
    ((1992, 2005), 0.12),
    ((2006, 2014), 0.08),
    ((2015, 2025), 0.05),
];

fn typical_floor_area_m2(t: DwellingType) -> f64 {
    match t {
        DwellingType::TerracedMid => 92.0,
        DwellingType::TerracedEnd => 96.0,
        DwellingType::SemiDetached => 110.0,
        DwellingType::Detached => 125.0,
        DwellingType::ApartmentGallery => 66.0,
        DwellingType::ApartmentPorch => 64.0,
        DwellingType::ApartmentOther => 70.0,
        DwellingType::Maisonnette => 86.0,
    }
}

fn storeys(rng: &mut ChaCha8Rng, t: DwellingType) -> u32 {
    match t {
        DwellingType::ApartmentGallery => rng.random_range(4..=9),
        DwellingType::ApartmentPorch => rng.random_range(3..=4),
        DwellingType::ApartmentOther => rng.random_range(3..=6),
        DwellingType::Maisonnette => 2,
        _ => 1,
    }
}

/// Everything a complex's dwellings share.
struct ComplexSpec {
    dwelling_type: DwellingType,
    build_year: u16,
    storeys: u32,
    envelope: crate::typology::Envelope,
    facade_type: FacadeType,
    ventilation: Ventilation,
    heating: Heating,
    district_heating_available: bool,
    monument: bool,
    pv_kwp: f64,
    planned_maintenance_year: Option<u16>,
}

/// Rounds to a multiple of `step` (a power of ten), as the nearest double to the decimal, so that
/// the value prints and reads back exactly.
fn round_to(v: f64, step: f64) -> f64 {
    let per_unit = (1.0 / step).round();
    (v * per_unit).round() / per_unit
}

fn complex_spec(rng: &mut ChaCha8Rng) -> ComplexSpec {
    let dwelling_type = pick(rng, &TYPE_MIX);
    let (first, last) = pick(rng, &PERIOD_MIX);
    let build_year = rng.random_range(first..=last);
    let period = ConstructionPeriod::of_year(build_year);
    let mut envelope = typical_envelope(dwelling_type, build_year, None);
    let facade_type = default_facade_type(period);
    let mut ventilation = default_ventilation(period);
    let old = build_year < 1992;
    // Retrofits since construction (assumption): 18 % of older complexes had a full shell
    // renovation, the rest single measures with the probabilities below. (15 % before the
    // typology by period raised the modelled demand of pre-1946 terraced houses; 18 % brings the
    // stock's distance to the isolatiestandaard back inside the published bands.)
    if old && rng.random::<f64>() < 0.18 {
        envelope.roof_rc = envelope
            .roof_rc
            .max(*[2.5, 3.5].choose(rng).unwrap_or(&2.5));
        if facade_type == FacadeType::Cavity {
            envelope.facade_rc = envelope.facade_rc.max(1.8);
        } else if rng.random::<f64>() < 0.4 {
            envelope.facade_rc = 2.5;
        }
        envelope.floor_rc = envelope.floor_rc.max(2.5);
        envelope.window_u = *[1.2, 1.6].choose(rng).unwrap_or(&1.2);
        envelope.qv10_dm3_s_m2 = round_to(envelope.qv10_dm3_s_m2 * 0.6, 0.1);
        if rng.random::<f64>() < 0.6 {
            ventilation = Ventilation::MechanicalExhaust;
        }
    } else if old {
        if rng.random::<f64>() < 0.30 {
            envelope.window_u = *[1.2, 1.6].choose(rng).unwrap_or(&1.6);
        } else if build_year < 1975 && rng.random::<f64>() < 0.04 {
            envelope.window_u = 5.8;
        }
        if rng.random::<f64>() < 0.15 {
            envelope.roof_rc = envelope.roof_rc.max(2.0);
        }
        if facade_type == FacadeType::Cavity
            && envelope.facade_rc < 1.3
            && rng.random::<f64>() < 0.20
        {
            envelope.facade_rc = 1.3;
        }
        if rng.random::<f64>() < 0.10 {
            envelope.floor_rc = envelope.floor_rc.max(2.0);
        }
    }
    let apartment = !dwelling_type.is_ground_level();
    let heating_mix: Vec<(Heating, f64)> = if build_year >= 2015 {
        vec![
            (Heating::HeatPump, 0.40),
            (Heating::DistrictHeating, 0.25),
            (Heating::GasBoiler, 0.35),
        ]
    } else {
        vec![
            (Heating::GasBoiler, if apartment { 0.835 } else { 0.92 }),
            (
                Heating::DistrictHeating,
                if apartment { 0.14 } else { 0.045 },
            ),
            (Heating::HybridHeatPump, 0.02),
            (Heating::HeatPump, 0.008),
            (Heating::Electric, 0.005),
            (Heating::Other, 0.01),
        ]
    };
    let heating = pick(rng, &heating_mix);
    let district_heating_available = heating == Heating::DistrictHeating
        || (apartment && rng.random::<f64>() < 0.12)
        || rng.random::<f64>() < 0.03;
    ComplexSpec {
        dwelling_type,
        build_year,
        storeys: storeys(rng, dwelling_type),
        envelope,
        facade_type,
        ventilation,
        heating,
        district_heating_available,
        monument: build_year < 1930 && rng.random::<f64>() < 0.10,
        pv_kwp: if rng.random::<f64>() < 0.16 {
            round_to(
                rng.random_range(if apartment { 0.5..1.5 } else { 1.0..3.5 }),
                0.1,
            )
        } else {
            0.0
        },
        planned_maintenance_year: (rng.random::<f64>() < 0.7)
            .then(|| rng.random_range(2026..=2040)),
    }
}

/// Generates a stock. `params` and `energy` give the model that produces the registered values.
pub fn generate(
    options: &GenerateOptions,
    params: &ModelParams,
    energy: &Energy,
) -> Result<Stock, GenerateError> {
    if options.corporations == 0 {
        return Err(GenerateError::NoCorporations);
    }
    if options.dwellings < 10 * options.corporations {
        return Err(GenerateError::TooFewDwellings {
            dwellings: options.dwellings,
            corporations: options.corporations,
        });
    }
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let n_regions = options
        .regions
        .unwrap_or(options.corporations.div_ceil(7).min(40))
        .max(1);
    let mut stock = Stock {
        source: "generated".into(),
        ..Stock::default()
    };
    stock.dwellings.reserve(options.dwellings);
    let complex_size = LogNormal::new(45f64.ln(), 0.7).expect("valid log-normal");
    let area_noise = LogNormal::new(0.0, 0.12).expect("valid log-normal");
    let sizes = corporation_sizes(options.dwellings, options.corporations);
    let mut next_id = 1u64;
    for (c, &size) in sizes.iter().enumerate() {
        let corporation = stock
            .corporations
            .intern(&format!("Corporatie {:03}", c + 1));
        let region_index = rng.random_range(0..n_regions);
        let region = stock
            .regions
            .intern(&format!("Regio {:02}", region_index + 1));
        let province = stock
            .provinces
            .intern(PROVINCES[region_index % PROVINCES.len()]);
        let municipalities: Vec<u32> = (0..rng.random_range(1..=3))
            .map(|m| {
                stock
                    .municipalities
                    .intern(&format!("Gemeente {:02}-{}", region_index + 1, m + 1))
            })
            .collect();
        let mut left = size;
        let mut k = 0;
        while left > 0 {
            let mut n = (complex_size.sample(&mut rng).round() as usize).clamp(10, 200);
            if left < n + 10 {
                n = left;
            }
            left -= n;
            k += 1;
            let complex = stock.complexes.intern(&format!("C{:03}-{:04}", c + 1, k));
            let spec = complex_spec(&mut rng);
            let municipality = *municipalities
                .choose(&mut rng)
                .unwrap_or(&municipalities[0]);
            let base_area = typical_floor_area_m2(spec.dwelling_type);
            for j in 0..n {
                let floor_area_m2 = round_to(
                    (base_area * area_noise.sample(&mut rng)).clamp(25.0, 250.0),
                    0.1,
                );
                let position = (!spec.dwelling_type.is_ground_level()).then(|| {
                    let level = (j as u32) % spec.storeys;
                    match (level, spec.storeys) {
                        (_, 1) => Position::GroundTop,
                        (0, _) => Position::Ground,
                        (l, s) if l == s - 1 => Position::Top,
                        _ => Position::Middle,
                    }
                });
                let boiler_install_year = spec
                    .heating
                    .has_boiler()
                    // A boiler is not older than its dwelling.
                    .then(|| rng.random_range(2008..=2025).max(spec.build_year));
                stock.dwellings.push(Dwelling {
                    id: format!("VHE{next_id:07}"),
                    complex: Some(complex),
                    corporation: Some(corporation),
                    region: Some(region),
                    municipality: Some(municipality),
                    province: Some(province),
                    dwelling_type: spec.dwelling_type,
                    build_year: spec.build_year,
                    floor_area_m2,
                    position,
                    roof_type: default_roof_type(spec.dwelling_type),
                    facade_type: spec.facade_type,
                    monument: spec.monument,
                    geometry: typical_geometry(
                        spec.dwelling_type,
                        spec.build_year,
                        floor_area_m2,
                        position,
                    ),
                    envelope: spec.envelope,
                    heating: spec.heating,
                    ventilation: spec.ventilation,
                    boiler_install_year,
                    district_heating_available: spec.district_heating_available,
                    solar_pv_kwp: spec.pv_kwp,
                    registered_label: None,
                    registered_ep2: None,
                    registered_qh_nd: None,
                    planned_maintenance_year: spec.planned_maintenance_year,
                    low_temperature_radiators: false,
                    district_heat_factor: None,
                    planned_exit: None,
                });
                next_id += 1;
            }
        }
    }
    register(&mut stock, &mut rng, params, energy);
    Ok(stock)
}

/// Label shares of the registered corporation stock (end 2022) the registered values are drawn
/// from, best class first, A++++ to G. Published (`data/reference/stock_statistics.md`): E/F/G
/// 8.6 % (Aedes benchmark 2023), B, A and A+ together 1,081,100 of 2.16 million labelled dwellings
/// = 50 %, A++ or better 44,000 = 2 % (Aedes benchmark 2022), A or better nearly 40 % (Aedes
/// benchmark 2023; 38 % here). *Assumptions*: the split of A++ and better, of A+ and A (8 % and
/// 28 %), of C and D (28 % and 11.4 %) and of E, F and G.
const REGISTERED_LABEL_SHARES: [f64; 11] = [
    0.002, 0.003, 0.015, 0.08, 0.28, 0.14, 0.28, 0.114, 0.05, 0.023, 0.013,
];
/// EP2 span drawn for the open-ended classes (kWh/m²): A++++ from −20, G up to 450. Assumption.
const REGISTERED_EP2_RANGE: (f64, f64) = (-20.0, 450.0);
/// Registered Q_H,nd over the dwelling's isolatiestandaard: log-normal with this median and
/// spread. The median is set so that the mean distance to the standaard, about 40 kWh/m² on the
/// generated stock, lies in the published band of corporation averages (best third ≤ 35.5, worst
/// third ≥ 42.6 kWh/m², Aedes benchmark 2023); the spread is an assumption.
const REGISTERED_QH_OVER_STANDAARD: (f64, f64) = (1.5, 0.45);
/// How closely a registration follows the dwelling: registered values are handed out in the
/// order of the modelled value times log-normal noise of this spread (assumption), so that
/// better dwellings tend to get better registrations without the values being the model's.
const REGISTRATION_RANK_NOISE: f64 = 0.10;

/// Adds registered values drawn from the published distributions, not the model's values, so
/// that calibrating the model to them and testing it against them is not circular.
///
/// Assumptions: 92 % of dwellings registered, three quarters of those under NTA 8800 with an EP2,
/// Q_H,nd on 60 % of those. The registered EP2s are a sample of [`REGISTERED_LABEL_SHARES`]
/// (uniform within each class); the registered Q_H,nd's a sample of
/// [`REGISTERED_QH_OVER_STANDAARD`] times each dwelling's isolatiestandaard. The model decides only
/// the order in which the sampled values are handed out (by its value with
/// [`REGISTRATION_RANK_NOISE`]), never their level.
fn register(stock: &mut Stock, rng: &mut ChaCha8Rng, params: &ModelParams, energy: &Energy) {
    let model = DwellingModel { params, energy };
    let modelled: Vec<_> = stock
        .dwellings
        .par_iter()
        .map(|d| {
            let basis = DwellingBasis {
                calibration: Calibration::NONE,
                ..model.basis(d)
            };
            let p = model.performance(d, &basis, &State::current(d));
            (p.ep2_kwh_m2, p.qh_nd_kwh_m2, basis.standaard_kwh_m2)
        })
        .collect();
    let n = stock.dwellings.len();
    let mut ep2_rank = Vec::new();
    let mut qh_rank = Vec::new();
    for (i, &(ep2, qh, standaard)) in modelled.iter().enumerate() {
        let registered = rng.random::<f64>() < 0.92;
        let with_ep2 = rng.random::<f64>() < 0.75;
        let with_qh = rng.random::<f64>() < 0.60;
        let z_ep2: f64 = rng.sample(StandardNormal);
        let z_qh: f64 = rng.sample(StandardNormal);
        if !registered {
            continue;
        }
        // EP2 can be negative (PV): rank on a shifted value.
        let key = (ep2 + 100.0).max(1.0) * (REGISTRATION_RANK_NOISE * z_ep2).exp();
        ep2_rank.push((key, i, with_ep2));
        if with_ep2 && with_qh {
            let ratio = qh.max(1.0) / standaard.max(1.0);
            qh_rank.push((ratio * (REGISTRATION_RANK_NOISE * z_qh).exp(), i));
        }
    }
    // The published distribution, sampled once per registered dwelling and sorted.
    let bounds: Vec<(f64, f64)> = EnergyLabel::ALL
        .iter()
        .map(|label| {
            let lower = match *label {
                EnergyLabel::A4Plus => REGISTERED_EP2_RANGE.0,
                l => l.lower_ep2_kwh_m2(),
            };
            let upper = match *label {
                EnergyLabel::G => REGISTERED_EP2_RANGE.1,
                l => l.upper_ep2_kwh_m2(),
            };
            (lower, upper)
        })
        .collect();
    let cumulative: Vec<f64> = REGISTERED_LABEL_SHARES
        .iter()
        .scan(0.0, |sum, share| {
            *sum += share;
            Some(*sum)
        })
        .collect();
    let mut ep2_values: Vec<f64> = (0..ep2_rank.len())
        .map(|_| {
            let u = rng.random::<f64>() * cumulative[cumulative.len() - 1];
            let class = cumulative.iter().position(|&c| u < c).unwrap_or(10);
            let (lower, upper) = bounds[class];
            // Strictly inside the class, so the value reads back as its label.
            round_to(
                lower + 0.01 + rng.random::<f64>() * (upper - lower - 0.02),
                0.01,
            )
        })
        .collect();
    let qh_dist = LogNormal::new(
        REGISTERED_QH_OVER_STANDAARD.0.ln(),
        REGISTERED_QH_OVER_STANDAARD.1,
    )
    .expect("valid log-normal");
    let mut qh_ratios: Vec<f64> = (0..qh_rank.len()).map(|_| qh_dist.sample(rng)).collect();
    ep2_values.sort_by(f64::total_cmp);
    qh_ratios.sort_by(f64::total_cmp);
    ep2_rank.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    qh_rank.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    debug_assert!(ep2_rank.len() <= n);
    for ((_, i, with_ep2), ep2) in ep2_rank.into_iter().zip(ep2_values) {
        let d = &mut stock.dwellings[i];
        d.registered_label = Some(EnergyLabel::from_ep2(ep2));
        if with_ep2 {
            d.registered_ep2 = Some(ep2);
        }
    }
    for ((_, i), ratio) in qh_rank.into_iter().zip(qh_ratios) {
        let standaard = modelled[i].2;
        stock.dwellings[i].registered_qh_nd = Some(round_to(ratio * standaard, 0.01));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_normal_is_accurate() {
        assert!(inverse_normal_cdf(0.5).abs() < 1e-9);
        assert!((inverse_normal_cdf(0.975) - 1.959964).abs() < 1e-5);
        assert!((inverse_normal_cdf(0.01) + 2.326348).abs() < 1e-5);
    }

    #[test]
    fn corporation_sizes_are_skewed_and_add_up() {
        let sizes = corporation_sizes(2_310_000, 279);
        assert_eq!(sizes.iter().sum::<usize>(), 2_310_000);
        assert!(sizes[0] > 60_000 && sizes[0] < 100_000, "{}", sizes[0]);
        assert!(*sizes.last().unwrap() >= 10);
        assert_eq!(corporation_sizes(5000, 1), vec![5000]);
    }

    #[test]
    fn same_seed_same_stock_other_seed_other_stock() {
        let o = GenerateOptions {
            dwellings: 500,
            corporations: 2,
            regions: None,
            seed: 7,
        };
        let p = ModelParams::default();
        let e = Energy::default();
        let a = generate(&o, &p, &e).unwrap();
        let b = generate(&o, &p, &e).unwrap();
        assert_eq!(a.dwellings, b.dwellings);
        let c = generate(
            &GenerateOptions {
                seed: 8,
                ..o.clone()
            },
            &p,
            &e,
        )
        .unwrap();
        assert_ne!(a.dwellings, c.dwellings);
        assert_eq!(a.len(), 500);
        assert_eq!(a.corporations.len(), 2);
        assert!(a.complexes.len() >= 500 / 200);
    }

    #[test]
    fn too_few_dwellings_is_an_error() {
        let o = GenerateOptions {
            dwellings: 50,
            corporations: 6,
            regions: None,
            seed: 1,
        };
        assert!(generate(&o, &ModelParams::default(), &Energy::default()).is_err());
    }
}
