//! Pooling: the levels of solidarity and how money moves within a pool. Surplus is given in
//! proportion to surplus and received in proportion to shortfall, so that no pool member is
//! favoured by its order in the stock and a pool never ends with more shortfall than the sum of
//! its members' own.

use serde::Serialize;

/// A level of solidarity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Each corporation within its own means.
    Own,
    /// Money pooled within each region.
    Regional,
    /// Money pooled within each province.
    Provincial,
    /// Money pooled nationally (the *landelijk sluitstuk*).
    National,
}

impl Level {
    /// Name as in file headers.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Own => "own",
            Level::Regional => "regional",
            Level::Provincial => "provincial",
            Level::National => "national",
        }
    }
}

/// The outcome of pooling money: per member, the net transfer (positive: received) and the
/// shortfall left.
#[derive(Debug, Clone, PartialEq)]
pub struct Pooled {
    /// Net transfer per member (euros; received > 0, given < 0).
    pub transfer: Vec<f64>,
    /// Shortfall left per member (euros, ≥ 0).
    pub shortfall: Vec<f64>,
}

/// Pools `available` money within the pools `pool_of` (one pool index per member): in each pool,
/// members with a surplus (available > cost) give in proportion to their surplus, members short
/// receive in proportion to their shortfall, as far as the pool's surplus goes. Transfers sum to
/// zero within each pool; a pool's shortfall left is max(0, Σ cost − Σ available).
pub fn pool(cost: &[f64], available: &[f64], pool_of: &[usize]) -> Pooled {
    let n_pools = pool_of.iter().map(|&p| p + 1).max().unwrap_or(0);
    let mut surplus = vec![0.0; n_pools];
    let mut need = vec![0.0; n_pools];
    for i in 0..cost.len() {
        let balance = available[i] - cost[i];
        if balance > 0.0 {
            surplus[pool_of[i]] += balance;
        } else {
            need[pool_of[i]] -= balance;
        }
    }
    let mut out = Pooled {
        transfer: vec![0.0; cost.len()],
        shortfall: vec![0.0; cost.len()],
    };
    for i in 0..cost.len() {
        let p = pool_of[i];
        let covered = surplus[p].min(need[p]);
        let balance = available[i] - cost[i];
        if balance > 0.0 {
            out.transfer[i] = -balance * covered / surplus[p];
        } else if balance < 0.0 {
            let short = -balance;
            let received = if surplus[p] >= need[p] {
                short
            } else {
                short * covered / need[p]
            };
            out.transfer[i] = received;
            out.shortfall[i] = (short - received).max(0.0);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pooling_moves_surplus_to_shortfall_and_sums_to_zero() {
        let cost = [100.0, 50.0, 10.0, 80.0];
        let available = [40.0, 90.0, 30.0, 0.0];
        // Pool 0: {0, 1}: need 60, surplus 40; pool 1: {2, 3}: need 80, surplus 20.
        let p = pool(&cost, &available, &[0, 0, 1, 1]);
        assert!((p.transfer[0] - 40.0).abs() < 1e-9);
        assert!((p.transfer[1] + 40.0).abs() < 1e-9);
        assert!((p.shortfall[0] - 20.0).abs() < 1e-9);
        assert_eq!(p.shortfall[1], 0.0);
        assert!((p.transfer[2] + 20.0).abs() < 1e-9);
        assert!((p.shortfall[3] - 60.0).abs() < 1e-9);
        // Own means: nothing moves.
        let own = pool(&cost, &available, &[0, 1, 2, 3]);
        assert!(own.transfer.iter().all(|&t| t == 0.0));
        assert_eq!(own.shortfall, vec![60.0, 0.0, 0.0, 80.0]);
    }

    #[test]
    fn a_surplus_pool_covers_every_shortfall_and_givers_give_in_proportion() {
        let p = pool(&[10.0, 0.0, 0.0], &[0.0, 30.0, 10.0], &[0, 0, 0]);
        assert_eq!(p.shortfall, vec![0.0, 0.0, 0.0]);
        assert!((p.transfer[0] - 10.0).abs() < 1e-9);
        assert!((p.transfer[1] + 7.5).abs() < 1e-9);
        assert!((p.transfer[2] + 2.5).abs() < 1e-9);
    }
}
