//! Turning what a run used into money, with a platform model's [`Pricing`].
//!
//! The simulator rounds each invocation's billed time with [`billed_ns`] as it goes (rounding is
//! per invocation, so it cannot be done on totals), sums the results per function into
//! [`FunctionUsage`], and calls [`bill`] once at the end of the run.
//!
//! Prices are monthly (tier boundaries, free tiers, included amounts and subscriptions are
//! "per month"), while a run lasts whatever its horizon is. [`bill`] pro-rates every monthly
//! quantity by `horizon / 730 h`, the month AWS uses for its estimates ([`MONTH_NS`]). A one-day
//! run therefore reaches the second x86 tier after 6e9 / 730 × 24 ≈ 197 million GB-seconds, as a
//! month at the same rate would.
//!
//! What is charged, by item of [`Cost`]:
//! - `requests`: invocations per million, less included and (when on) free requests;
//! - `compute`: per-invocation GB-seconds through the tiers, plus the model's meters
//!   (instance time, CPU time, GHz-seconds) and snapshot caching and restores;
//! - `provisioned`: environments kept warm (provisioned concurrency, idle minimum instances);
//! - `front_door`: the API gateway's request charges;
//! - `subscription`: a plan's monthly fee.
//!
//! [`Cost::always_on`] prices the same load on an always-on fleet ([`crate::core::billing::always_on`]).

pub mod always_on;
pub mod prices;
pub mod terms;
use crate::core::billing::prices::{Meter, Pricing, RequestTier, Tier};
use crate::core::platform::function::Arch;
use crate::core::time::NS_PER_SEC;
use always_on::{AlwaysOn, Sizing};
use serde::Serialize;
use terms::ModelTerms;

/// The billing month: 730 hours (365 × 24 / 12), as the AWS pricing calculator uses.
pub const MONTH_NS: u64 = 730 * 3600 * NS_PER_SEC;

/// What one function used during a run. Durations are already rounded per invocation by
/// [`billed_ns`].
#[derive(Clone, Debug, Default)]
pub struct FunctionUsage {
    /// Configured memory, in MB.
    pub memory_mb: u32,
    /// Processor architecture, which selects the price list.
    pub arch: Arch,
    /// Invocations billed as requests (on-demand and provisioned alike).
    pub requests: u64,
    /// Users' requests that passed the front door (not calls between functions, queue
    /// batches or retries).
    pub front_door_requests: u64,
    /// Billed nanoseconds of invocations on on-demand environments (including init when billed).
    pub billed_ns: u128,
    /// Billed nanoseconds of invocations on provisioned environments.
    pub billed_ns_provisioned: u128,
    /// Provisioned environments × the time each was enabled, in nanoseconds.
    pub provisioned_env_ns: u128,
    /// Cold starts (environments created, or joined while initializing).
    pub cold_starts: u64,
    /// Nanoseconds × environments in each state over the measured window, indexed by
    /// [`crate::core::metrics::Level`]: initializing, busy, idle.
    pub env_ns: [u128; 3],
    /// Most environments of the function alive at once in the measured window.
    pub peak_envs: u32,
    /// What the model makes of the function (CPU, front door, snapshot prices).
    pub plan: ModelTerms,
}

/// Money, in US dollars, split by what it pays for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Cost {
    /// Request charges.
    pub requests: f64,
    /// On-demand compute: duration, instance time, CPU time, snapshots.
    pub compute: f64,
    /// Environments kept warm: provisioned concurrency, idle minimum instances.
    pub provisioned: f64,
    /// The front door's (API gateway's) request charges.
    pub front_door: f64,
    /// The plan's monthly fee, pro-rated.
    pub subscription: f64,
    /// A CDN in front of functions (requests and transfer; see `platform::cdn`).
    #[serde(skip_serializing_if = "is_zero")]
    pub cdn: f64,
    /// The sum of the items above.
    pub total: f64,
    /// The same load on an always-on fleet, per month (run totals only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub always_on: Option<AlwaysOn>,
}

impl Cost {
    fn new(items: [f64; 5]) -> Cost {
        let [requests, compute, provisioned, front_door, subscription] = items;
        Cost {
            requests,
            compute,
            provisioned,
            front_door,
            subscription,
            cdn: 0.0,
            total: items.iter().sum(),
            always_on: None,
        }
    }

    /// Adds a CDN's charges.
    pub fn add_cdn(&mut self, usd: f64) {
        self.cdn += usd;
        self.total += usd;
    }

    fn items(&self) -> [f64; 5] {
        [
            self.requests,
            self.compute,
            self.provisioned,
            self.front_door,
            self.subscription,
        ]
    }
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

/// Rounds one invocation's billed time (execution, plus init when the model bills it) up to the
/// pricing's rounding unit, after raising it to the pricing's minimum. A run of 0 ns still bills
/// one unit, as AWS bills at least 1 ms. Saturates at `u64::MAX` rather than overflowing.
pub fn billed_ns(pricing: &Pricing, ns: u64) -> u64 {
    let unit = pricing.duration_rounding.ns().max(1);
    ns.max(pricing.minimum_billed.ns())
        .div_ceil(unit)
        .max(1)
        .saturating_mul(unit)
}

/// Memory billed for `memory_mb` configured: rounded up to the pricing's step (Azure: 128 MB).
pub fn billed_memory_mb(pricing: &Pricing, memory_mb: u32) -> u32 {
    let step = pricing.memory_rounding_mb.max(1);
    memory_mb.div_ceil(step).saturating_mul(step)
}

/// GB-seconds of `ns` nanoseconds at `memory_mb`; a GB is 1,024 MB, as Lambda bills it (and
/// Google's GiB-seconds are the same unit).
fn gb_s(memory_mb: u32, ns: u128) -> f64 {
    f64::from(memory_mb) / 1024.0 * secs(ns)
}

fn secs(ns: u128) -> f64 {
    ns as f64 / NS_PER_SEC as f64
}

/// Cost of `amount` GB-seconds walked through `tiers`, whose bounds are multiplied by `scale`.
/// Usage beyond a bounded last tier (only in an unvalidated model) pays the last tier's price.
fn tiered_cost(tiers: &[Tier], amount: f64, scale: f64) -> f64 {
    walk_tiers(
        tiers.iter().map(|t| (t.up_to_gb_s, t.price_per_gb_s)),
        amount,
        scale,
    )
}

/// Cost of `requests` through front-door tiers priced per million.
fn request_tiers_cost(tiers: &[RequestTier], requests: f64, scale: f64) -> f64 {
    walk_tiers(
        tiers
            .iter()
            .map(|t| (t.up_to_requests, t.per_million / 1e6)),
        requests,
        scale,
    )
}

/// Walks `(upper bound, unit price)` tiers, bounds multiplied by `scale`.
fn walk_tiers(
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
fn billable_share(allowance: f64, used: f64) -> f64 {
    if used > 0.0 {
        (1.0 - allowance / used).clamp(0.0, 1.0)
    } else {
        1.0
    }
}

/// Splits `amount` over items in proportion to `weights` (equally when they are all 0).
fn split(amount: f64, weights: &[f64]) -> Vec<f64> {
    let sum: f64 = weights.iter().sum();
    if sum > 0.0 {
        weights.iter().map(|w| amount * w / sum).collect()
    } else if weights.is_empty() {
        Vec::new()
    } else {
        vec![amount / weights.len() as f64; weights.len()]
    }
}

/// A function's instance time for instance-time meters: (seconds active, seconds idle as a
/// kept-warm instance, seconds of whole lifetime).
///
/// Active time is when an environment initializes or serves at least one request, so
/// concurrent requests on one instance are billed once for their overlap. With one request per
/// instance every busy period is one invocation, and the per-invocation rounded time
/// (`billed_ns`, with init when the model bills it) is exactly each period rounded up. With
/// more, periods are not tracked one by one: the busy and initializing time is rounded up once
/// to the unit, which under-counts by less than one unit per busy period.
fn instance_time(pricing: &Pricing, u: &FunctionUsage) -> (f64, f64, f64) {
    let [init, busy, idle] = u.env_ns;
    let active_ns = if u.plan.per_instance <= 1 {
        u.billed_ns + u.billed_ns_provisioned
    } else {
        let unit = u128::from(pricing.duration_rounding.ns().max(1));
        (init + busy).div_ceil(unit).saturating_mul(unit)
    };
    // Kept-warm instances idle when not serving: exact with one request per instance.
    let warm_idle_ns = u.provisioned_env_ns.saturating_sub(u.billed_ns_provisioned);
    (
        secs(active_ns),
        secs(warm_idle_ns),
        secs(init + busy + idle),
    )
}

/// The cost of a run of `horizon_ns`: the total, and one [`Cost`] per entry of `usage` (same
/// order). The per-function costs add up to the total; only the total carries
/// [`Cost::always_on`] (sized for the run's peak, see [`always_on::quote`]).
///
/// - Requests cost `request_per_million` per million, less the pro-rated included requests
///   (pooled over all functions) and, when on, the free tier.
/// - Per-invocation duration is priced per GB-second (memory rounded up to the pricing's step)
///   through the tiers. Tiers are per account, so the GB-seconds of all functions of one
///   architecture are pooled to walk them, and each function pays its GB-seconds at the pool's
///   average price. Tier bounds are pro-rated by `horizon / 730 h` (see the module docs).
/// - Provisioned concurrency costs `provisioned_per_gb_s` for every GB-second of environments
///   kept ready, plus `provisioned_duration_per_gb_s` for every GB-second executed on them; it
///   does not count towards the on-demand tiers.
/// - The free tier, only when `pricing.free_tier` is on, is pro-rated the same way and does not
///   cover functions with provisioned environments (AWS excludes them). Its requests and
///   GB-seconds are shared among the covered functions in proportion to their use (GB-seconds
///   across both architectures, as AWS's allowance is), and free GB-seconds are valued at their
///   architecture's average price.
/// - Meters: `invocation-cpu` charges CPU units × billed invocation seconds; `instance-time`
///   charges vCPU- and GiB-seconds of active instance time (or whole lifetimes when CPU is
///   always allocated) and idle kept-warm instances at the idle price, less its free tier when
///   on; `cpu-time` charges the functions' `cpu_bound` share of billed execution time, less
///   the pro-rated included CPU time, pooled.
/// - SnapStart: snapshot caching per GB-second of the window and each restore per GB, where
///   the model charges them (in `compute`).
/// - The front door charges its tiered request price on every request, tiers walked on the
///   pooled requests of all functions.
/// - A subscription is pro-rated and shared among functions by requests.
///
/// A horizon of 0 pro-rates every monthly bound and allowance to nothing.
pub fn bill(pricing: &Pricing, usage: &[FunctionUsage], horizon_ns: u64) -> (Cost, Vec<Cost>) {
    let months = horizon_ns as f64 / MONTH_NS as f64;
    let covered = |u: &FunctionUsage| pricing.free_tier && u.provisioned_env_ns == 0;
    let memory: Vec<u32> = usage
        .iter()
        .map(|u| billed_memory_mb(pricing, u.memory_mb))
        .collect();
    let on_demand: Vec<f64> = usage
        .iter()
        .zip(&memory)
        .map(|(u, &m)| gb_s(m, u.billed_ns))
        .collect();

    // Requests: the included allowance first (pooled over everything), then the free tier over
    // the covered functions' remainder.
    let all_requests: f64 = usage.iter().map(|u| u.requests as f64).sum();
    let included_share = billable_share(pricing.included_requests_per_month * months, all_requests);
    let covered_requests: f64 = usage
        .iter()
        .filter(|u| covered(u))
        .map(|u| u.requests as f64 * included_share)
        .sum();
    let requests_share = billable_share(pricing.free_requests_per_month * months, covered_requests);

    // Share of a covered function's GB-seconds that remains billable after the free tier.
    let covered_gb_s: f64 = usage
        .iter()
        .zip(&on_demand)
        .filter(|(u, _)| covered(u))
        .map(|(_, g)| g)
        .sum();
    let gb_s_share = billable_share(pricing.free_gb_s_per_month * months, covered_gb_s);

    // Average on-demand price per architecture, from that architecture's pooled GB-seconds.
    let average_price = |arch: Arch| {
        let pool: f64 = usage
            .iter()
            .zip(&on_demand)
            .filter(|(u, _)| u.arch == arch)
            .map(|(_, g)| g)
            .sum();
        if pool > 0.0 {
            tiered_cost(&pricing.arch(arch).tiers, pool, months) / pool
        } else {
            0.0
        }
    };
    let x86_price = average_price(Arch::X86);
    let arm_price = average_price(Arch::Arm);

    let mut per_function: Vec<[f64; 5]> = usage
        .iter()
        .zip(&on_demand)
        .zip(&memory)
        .map(|((u, &g), &mb)| {
            let prices = pricing.arch(u.arch);
            let (req_share, gb_share) = if covered(u) {
                (included_share * requests_share, gb_s_share)
            } else {
                (included_share, 1.0)
            };
            let requests = u.requests as f64 * req_share * pricing.request_per_million / 1e6;
            let price = match u.arch {
                Arch::X86 => x86_price,
                Arch::Arm => arm_price,
            };
            let snapshot = gb_s(mb, u128::from(horizon_ns)) * u.plan.snapshot_cache_per_gb_s
                + u.cold_starts as f64 * f64::from(mb) / 1024.0 * u.plan.snapshot_restore_per_gb;
            let compute = g * gb_share * price + snapshot;
            let provisioned = gb_s(mb, u.provisioned_env_ns) * prices.provisioned_per_gb_s
                + gb_s(mb, u.billed_ns_provisioned) * prices.provisioned_duration_per_gb_s;
            [requests, compute, provisioned, 0.0, 0.0]
        })
        .collect();

    for meter in &pricing.meters {
        charge_meter(meter, pricing, usage, &memory, months, &mut per_function);
    }

    // Front door: every user request passes it; tiers pooled over the functions behind it.
    let front_requests: Vec<f64> = usage
        .iter()
        .map(|u| {
            if u.plan.front_door.is_some() {
                u.front_door_requests as f64
            } else {
                0.0
            }
        })
        .collect();
    let pooled: f64 = front_requests.iter().sum();
    if let Some((_, fd)) = usage.iter().find_map(|u| u.plan.front_door.as_ref()) {
        let total = request_tiers_cost(&fd.tiers, pooled, months);
        for (item, share) in per_function.iter_mut().zip(split(total, &front_requests)) {
            item[3] = share;
        }
    }

    // Subscription, shared by requests.
    let fee = pricing.subscription_per_month * months;
    let by_requests: Vec<f64> = usage.iter().map(|u| u.requests as f64).collect();
    for (item, share) in per_function.iter_mut().zip(split(fee, &by_requests)) {
        item[4] = share;
    }

    let per_function: Vec<Cost> = per_function.into_iter().map(Cost::new).collect();
    let mut sums = [0.0; 5];
    for c in &per_function {
        for (s, x) in sums.iter_mut().zip(c.items()) {
            *s += x;
        }
    }
    let mut total = Cost::new(sums);
    total.always_on = always_on::quote(usage, horizon_ns, total.total, Sizing::Peak);
    (total, per_function)
}

/// Adds one meter's charges to each function's `[requests, compute, provisioned, ..]`.
fn charge_meter(
    meter: &Meter,
    pricing: &Pricing,
    usage: &[FunctionUsage],
    memory: &[u32],
    months: f64,
    items: &mut [[f64; 5]],
) {
    match meter {
        Meter::InvocationCpu { per_unit_s } => {
            for (u, item) in usage.iter().zip(items.iter_mut()) {
                item[1] +=
                    u.plan.cpu_units * secs(u.billed_ns + u.billed_ns_provisioned) * per_unit_s;
            }
        }
        Meter::InstanceTime {
            per_vcpu_s,
            per_gib_s,
            idle_per_vcpu_s,
            idle_per_gib_s,
            always_allocated,
            free_vcpu_s_per_month,
            free_gib_s_per_month,
        } => {
            // (vCPU-s, GiB-s) billed at the active price, and at the idle price, per function.
            let amounts: Vec<((f64, f64), (f64, f64))> = usage
                .iter()
                .zip(memory)
                .map(|(u, &mb)| {
                    let (active, warm_idle, life) = instance_time(pricing, u);
                    let gib = f64::from(mb) / 1024.0;
                    let cpu = u.plan.cpu_units;
                    if *always_allocated {
                        ((cpu * life, gib * life), (0.0, 0.0))
                    } else {
                        (
                            (cpu * active, gib * active),
                            (cpu * warm_idle, gib * warm_idle),
                        )
                    }
                })
                .collect();
            let covered = |u: &FunctionUsage| pricing.free_tier && u.provisioned_env_ns == 0;
            let pool = |pick: fn(&(f64, f64)) -> f64| -> f64 {
                usage
                    .iter()
                    .zip(&amounts)
                    .filter(|(u, _)| covered(u))
                    .map(|(_, (a, _))| pick(a))
                    .sum()
            };
            let (cpu_share, mem_share) = if pricing.free_tier {
                (
                    billable_share(free_vcpu_s_per_month * months, pool(|a| a.0)),
                    billable_share(free_gib_s_per_month * months, pool(|a| a.1)),
                )
            } else {
                (1.0, 1.0)
            };
            for ((u, ((cpu, mem), (idle_cpu, idle_mem))), item) in
                usage.iter().zip(&amounts).zip(items.iter_mut())
            {
                let (cs, ms) = if covered(u) {
                    (cpu_share, mem_share)
                } else {
                    (1.0, 1.0)
                };
                item[1] += cpu * cs * per_vcpu_s + mem * ms * per_gib_s;
                item[2] += idle_cpu * idle_per_vcpu_s + idle_mem * idle_per_gib_s;
            }
        }
        Meter::CpuTime {
            per_million_cpu_ms,
            included_cpu_ms_per_month,
        } => {
            let cpu_ms: Vec<f64> = usage
                .iter()
                .map(|u| u.plan.cpu_bound * secs(u.billed_ns + u.billed_ns_provisioned) * 1e3)
                .collect();
            let share = billable_share(
                included_cpu_ms_per_month * months,
                cpu_ms.iter().sum::<f64>(),
            );
            for (ms, item) in cpu_ms.iter().zip(items.iter_mut()) {
                item[1] += ms * share * per_million_cpu_ms / 1e6;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::time::Duration;
    use crate::input::model;

    const MS: u64 = 1_000_000;
    const HOUR: u64 = 3600 * NS_PER_SEC;

    fn pricing() -> Pricing {
        model::load("aws-lambda").unwrap().pricing
    }

    /// Money to within half a cent: the rounding of a printed bill, no wider.
    fn assert_money(got: f64, want: f64) {
        assert!((got - want).abs() < 0.005, "got ${got:.6}, want ${want:.2}");
    }

    /// `n` invocations of `ms` each, rounded per invocation, summed.
    fn on_demand(p: &Pricing, memory_mb: u32, arch: Arch, n: u64, ms: u64) -> FunctionUsage {
        FunctionUsage {
            memory_mb,
            arch,
            requests: n,
            billed_ns: u128::from(billed_ns(p, ms * MS)) * u128::from(n),
            ..FunctionUsage::default()
        }
    }

    #[test]
    fn rounding_is_per_invocation_with_a_minimum_of_one_unit() {
        let p = pricing();
        assert_eq!(billed_ns(&p, 0), MS);
        assert_eq!(billed_ns(&p, 1), MS);
        assert_eq!(billed_ns(&p, 28 * MS), 28 * MS);
        assert_eq!(billed_ns(&p, 28 * MS + 1), 29 * MS);
        assert_eq!(billed_ns(&p, u64::MAX), u64::MAX);
        let mut old = p.clone();
        old.duration_rounding = Duration(100 * MS);
        assert_eq!(billed_ns(&old, 28 * MS), 100 * MS);
        assert_eq!(billed_ns(&old, 100 * MS + 1), 200 * MS);
        // A zero unit (rejected by validation) must still not divide by zero.
        old.duration_rounding = Duration(0);
        assert_eq!(billed_ns(&old, 5), 5);
    }

    /// 60 million invocations a month of 28 ms at 1,024 MB on x86: 1.68 million GB-s at
    /// $0.0000166667 is $28.00, and 60 million requests at $0.20 per million are $12.00.
    /// With the pre-December-2020 rounding to 100 ms each invocation bills 100 ms: 6 million GB-s,
    /// $100.00. (Worked from the us-east-1 prices on the AWS Lambda pricing page.)
    #[test]
    fn one_ms_rounding_against_hundred_ms_rounding() {
        let p = pricing();
        let (total, per) = bill(
            &p,
            &[on_demand(&p, 1024, Arch::X86, 60_000_000, 28)],
            MONTH_NS,
        );
        assert_money(total.compute, 28.00);
        assert_money(total.requests, 12.00);
        assert_money(total.provisioned, 0.0);
        assert_money(total.total, 40.00);
        assert_eq!(per.len(), 1);
        assert_eq!(per[0].items(), total.items());

        let mut old = p.clone();
        old.duration_rounding = Duration(100 * MS);
        let (total, _) = bill(
            &old,
            &[on_demand(&old, 1024, Arch::X86, 60_000_000, 28)],
            MONTH_NS,
        );
        assert_money(total.compute, 100.00);
        assert_money(total.requests, 12.00);
    }

    /// 1 million invocations of 200 ms at 256 MB on x86: 50,000 GB-s × $0.0000166667 = $0.83,
    /// plus $0.20 of requests, $1.03. On Arm the duration is 20% cheaper ($0.0000133334).
    #[test]
    fn small_function_and_arm_discount() {
        let p = pricing();
        let x86 = on_demand(&p, 256, Arch::X86, 1_000_000, 200);
        let arm = FunctionUsage {
            arch: Arch::Arm,
            ..x86.clone()
        };
        let (total, _) = bill(&p, std::slice::from_ref(&x86), MONTH_NS);
        assert_money(total.compute, 0.83);
        assert_money(total.requests, 0.20);
        assert_money(total.total, 1.03);
        let (arm_total, _) = bill(&p, &[arm], MONTH_NS);
        assert_money(arm_total.compute, 0.67);
        assert!((arm_total.compute / total.compute - 0.8).abs() < 1e-5);
        assert_money(arm_total.requests, 0.20);
    }

    /// 7 billion GB-s in one month on x86 crosses the first tier boundary (AWS Compute Blog,
    /// "Introducing tiered pricing for AWS Lambda", 2022):
    /// 6e9 × $0.0000166667 + 1e9 × $0.0000150000 = $100,000.20 + $15,000.00.
    #[test]
    fn tiers_are_walked_on_pooled_usage() {
        let p = pricing();
        let gb_s_ns = |gb_s: u128| gb_s * u128::from(NS_PER_SEC); // at 1,024 MB, ns = GB-s
        let one = FunctionUsage {
            memory_mb: 1024,
            billed_ns: gb_s_ns(7_000_000_000),
            ..FunctionUsage::default()
        };
        let (total, _) = bill(&p, &[one], MONTH_NS);
        assert_money(total.compute, 115_000.20);

        // The same usage split over two functions pools to the same bill, each paying its share
        // at the average price.
        let a = FunctionUsage {
            memory_mb: 1024,
            billed_ns: gb_s_ns(3_000_000_000),
            ..FunctionUsage::default()
        };
        let b = FunctionUsage {
            memory_mb: 2048,
            billed_ns: gb_s_ns(2_000_000_000),
            ..FunctionUsage::default()
        };
        let (total, per) = bill(&p, &[a, b], MONTH_NS);
        assert_money(total.compute, 115_000.20);
        assert_money(per[0].compute, 115_000.20 * 3.0 / 7.0);
        assert_money(per[1].compute, 115_000.20 * 4.0 / 7.0);
        assert_money(per[0].compute + per[1].compute, total.compute);

        // Architectures have separate tiers: 7e9 GB-s on Arm stays in its first tier (7.5e9).
        let arm = FunctionUsage {
            memory_mb: 1024,
            arch: Arch::Arm,
            billed_ns: gb_s_ns(7_000_000_000),
            ..FunctionUsage::default()
        };
        let (total, _) = bill(&p, &[arm], MONTH_NS);
        assert_money(total.compute, 7e9 * 0.0000133334);

        // Over 15e9 GB-s the third tier applies: 16e9 GB-s cost
        // 6e9 × 0.0000166667 + 9e9 × 0.000015 + 1e9 × 0.0000133334.
        let big = FunctionUsage {
            memory_mb: 1024,
            billed_ns: gb_s_ns(16_000_000_000),
            ..FunctionUsage::default()
        };
        let (total, _) = bill(&p, &[big], MONTH_NS);
        assert_money(total.compute, 100_000.20 + 135_000.0 + 13_333.40);
    }

    /// Tier bounds are monthly: half a month at the same rate reaches the second tier at half the
    /// GB-seconds, so it costs exactly half of the month.
    #[test]
    fn tiers_are_pro_rated_by_horizon() {
        let p = pricing();
        let usage = FunctionUsage {
            memory_mb: 1024,
            billed_ns: 3_500_000_000 * u128::from(NS_PER_SEC),
            ..FunctionUsage::default()
        };
        let (half, _) = bill(&p, &[usage], MONTH_NS / 2);
        assert_money(half.compute, 115_000.20 / 2.0);
    }

    /// Provisioned concurrency, after Example 1 of the AWS Lambda pricing page's provisioned
    /// concurrency section: 1,024 MB, 1,000 environments enabled for 2 hours, 1.2 million
    /// invocations of 1 s each on them.
    /// Environments: 1,000 × 7,200 s × 1 GB = 7.2e6 GB-s × $0.0000041667 = $30.00.
    /// Execution: 1.2e6 GB-s × $0.0000097222 = $11.67. Requests: 1.2 × $0.20 = $0.24.
    #[test]
    fn provisioned_concurrency() {
        let p = pricing();
        let usage = FunctionUsage {
            memory_mb: 1024,
            arch: Arch::X86,
            requests: 1_200_000,
            billed_ns: 0,
            billed_ns_provisioned: 1_200_000 * u128::from(NS_PER_SEC),
            provisioned_env_ns: 1000 * u128::from(2 * HOUR),
            ..FunctionUsage::default()
        };
        let (total, _) = bill(&p, &[usage], 2 * HOUR);
        assert_money(total.provisioned, 30.00 + 11.67);
        assert_money(total.requests, 0.24);
        assert_money(total.compute, 0.0);
        assert_money(total.total, 41.91);
    }

    /// Example 1 of the AWS Lambda pricing page (2019 edition, free tier on): 512 MB, 3 million
    /// invocations of 1 s in a month. 1.5e6 GB-s less 400,000 free = 1.1e6 GB-s; the page prices
    /// them at a rounded $0.00001667 ($18.34), at $0.0000166667 they are $18.33. Requests:
    /// 3M less 1M free = 2M × $0.20 = $0.40.
    #[test]
    fn free_tier_when_enabled() {
        let mut p = pricing();
        let usage = on_demand(&p, 512, Arch::X86, 3_000_000, 1000);
        let (total, _) = bill(&p, std::slice::from_ref(&usage), MONTH_NS);
        assert_money(total.compute, 25.00);
        assert_money(total.requests, 0.60);

        p.free_tier = true;
        let (total, _) = bill(&p, std::slice::from_ref(&usage), MONTH_NS);
        assert_money(total.compute, 18.33);
        assert_money(total.requests, 0.40);

        // Pro-rated: over a tenth of the month only a tenth of the allowance applies.
        let tenth = FunctionUsage {
            requests: 300_000,
            billed_ns: usage.billed_ns / 10,
            ..usage.clone()
        };
        let (total, _) = bill(&p, &[tenth], MONTH_NS / 10);
        assert_money(total.compute, 1.833);
        assert_money(total.requests, 0.04);

        // Usage inside the allowance is free, never negative.
        let small = on_demand(&p, 128, Arch::X86, 1000, 10);
        let (total, _) = bill(&p, &[small], MONTH_NS);
        assert_eq!(total.total, 0.0);

        // Functions with provisioned environments get no free tier, and leave it all to others.
        let provisioned = FunctionUsage {
            provisioned_env_ns: u128::from(HOUR),
            ..usage.clone()
        };
        let (total, per) = bill(&p, &[provisioned, usage], MONTH_NS);
        assert_money(per[0].compute, 25.00);
        assert_money(per[0].requests, 0.60);
        assert_money(per[1].compute, 18.33);
        assert_money(per[1].requests, 0.40);
        assert_money(total.compute, 25.00 + 18.33);
    }

    #[test]
    fn empty_and_degenerate_inputs_do_not_panic() {
        let p = pricing();
        let (total, per) = bill(&p, &[], MONTH_NS);
        assert_eq!(total.total, 0.0);
        assert_eq!(total.always_on.map(|a| a.vm_count), Some(0));
        assert!(per.is_empty());
        let idle = FunctionUsage {
            memory_mb: 128,
            ..FunctionUsage::default()
        };
        let (total, _) = bill(&p, &[idle], 0);
        assert_eq!(total.total, 0.0);
        let huge = FunctionUsage {
            memory_mb: u32::MAX,
            requests: u64::MAX,
            billed_ns: u128::MAX,
            billed_ns_provisioned: u128::MAX,
            provisioned_env_ns: u128::MAX,
            ..FunctionUsage::default()
        };
        let (total, _) = bill(&p, &[huge], 0);
        assert!(total.total.is_finite() && total.total > 0.0);
        let mut unvalidated = p.clone();
        unvalidated.x86.tiers.clear();
        let some = on_demand(&p, 1024, Arch::X86, 10, 10);
        let (total, _) = bill(&unvalidated, &[some], MONTH_NS);
        assert_eq!(total.compute, 0.0);
    }
}
