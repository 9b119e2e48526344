//! Walking price tiers, allowances and splitting shared charges.

use crate::core::billing::prices::{RequestTier, Tier};

/// Cost of `amount` GB-seconds walked through `tiers`, whose bounds are multiplied by `scale`.
/// Usage beyond a bounded last tier (only in an unvalidated model) pays the last tier's price.
pub(super) fn tiered_cost(tiers: &[Tier], amount: f64, scale: f64) -> f64 {
    walk_tiers(
        tiers.iter().map(|t| (t.up_to_gb_s, t.price_per_gb_s)),
        amount,
        scale,
    )
}

/// Cost of `requests` through front-door tiers priced per million.
pub(super) fn request_tiers_cost(tiers: &[RequestTier], requests: f64, scale: f64) -> f64 {
    walk_tiers(
        tiers
            .iter()
            .map(|t| (t.up_to_requests, t.per_million / 1e6)),
        requests,
        scale,
    )
}

/// Walks `(upper bound, unit price)` tiers, bounds multiplied by `scale`.
pub(super) fn walk_tiers(
    tiers: impl Iterator<Item = (Option<f64>, f64)> + Clone,
    amount: f64,
    scale: f64,
) -> f64 {
    let mut cost = 0.0;
    let mut lower = 0.0_f64;
    let mut last_price = None;
    for (up, price) in tiers {
        last_price = Some(price);
        if amount <= lower {
            return cost;
        }
        let upper = up.map_or(f64::INFINITY, |u| (u * scale).max(lower));
        cost += (amount.min(upper) - lower) * price;
        lower = upper;
    }
    match last_price {
        Some(p) if amount > lower => cost + (amount - lower) * p,
        _ => cost,
    }
}

/// Share of `used` left to pay after `allowance` (both in the same unit): 1 when nothing is
/// used, never below 0.
pub(super) fn billable_share(allowance: f64, used: f64) -> f64 {
    if used > 0.0 {
        (1.0 - allowance / used).clamp(0.0, 1.0)
    } else {
        1.0
    }
}

/// Splits `amount` over items in proportion to `weights` (equally when they are all 0).
pub(super) fn split(amount: f64, weights: &[f64]) -> Vec<f64> {
    let sum: f64 = weights.iter().sum();
    if sum > 0.0 {
        weights.iter().map(|w| amount * w / sum).collect()
    } else if weights.is_empty() {
        Vec::new()
    } else {
        vec![amount / weights.len() as f64; weights.len()]
    }
}
