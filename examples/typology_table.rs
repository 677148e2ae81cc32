//! Prints the default typology as the model sees it: Q_H,nd, standaard, EP2 and label for every
//! dwelling type and construction period with a gas boiler (middle apartments).
//!
//! `cargo run --release --example typology_table`

use heatpath::model::ModelParams;
use heatpath::performance::{DwellingModel, State};
use heatpath::scenario::Energy;
use heatpath::stock::{read_stock_from, ReadOptions};
use heatpath::typology::DwellingType;

fn main() {
    let years = [1910, 1935, 1955, 1970, 1985, 2000, 2010, 2020];
    let mut csv = String::from("id,dwelling_type,build_year,floor_area_m2\n");
    for t in DwellingType::ALL {
        for y in years {
            csv.push_str(&format!("{t}-{y},{t},{y},80\n"));
        }
    }
    let (stock, _) = read_stock_from(
        csv.as_bytes(),
        std::path::Path::new("typology"),
        &ReadOptions::default(),
    )
    .expect("valid table");
    let params = ModelParams::default();
    let energy = Energy::default();
    let model = DwellingModel {
        params: &params,
        energy: &energy,
    };
    println!(
        "{:<18} {:>5} {:>8} {:>9} {:>8} {:>6}",
        "type", "year", "Qh_nd", "standaard", "EP2", "label"
    );
    for d in &stock.dwellings {
        let basis = model.basis(d);
        let p = model.performance(d, &basis, &State::current(d));
        println!(
            "{:<18} {:>5} {:>8.1} {:>9.1} {:>8.1} {:>6}",
            d.dwelling_type.as_str(),
            d.build_year,
            p.qh_nd_kwh_m2,
            basis.standaard_kwh_m2,
            p.ep2_kwh_m2,
            p.label.as_str()
        );
    }
}
