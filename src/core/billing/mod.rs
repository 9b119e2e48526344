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
mod meters;
pub mod prices;
pub mod terms;
#[cfg(test)]
mod tests;
mod tiers;

use crate::core::billing::prices::Pricing;
use crate::core::platform::function::Arch;
use crate::core::time::NS_PER_SEC;
use always_on::{AlwaysOn, Sizing};
use serde::Serialize;
use terms::ModelTerms;
use tiers::{billable_share, request_tiers_cost, split, tiered_cost};

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

pub(super) fn secs(ns: u128) -> f64 {
    ns as f64 / NS_PER_SEC as f64
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
    let run = Run::new(pricing, usage, horizon_ns);
    let mut items = run.on_demand_items();
    for meter in &pricing.meters {
        meters::charge(meter, pricing, usage, &run.memory, run.months, &mut items);
    }
    run.charge_front_door(&mut items);
    run.charge_subscription(&mut items);
    let per_function: Vec<Cost> = items.into_iter().map(Cost::new).collect();
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

/// What every charge of one bill needs: the usage, the months it spans, each function's billed
/// memory and on-demand GB-seconds.
struct Run<'a> {
    pricing: &'a Pricing,
    usage: &'a [FunctionUsage],
    horizon_ns: u64,
    months: f64,
    memory: Vec<u32>,
    on_demand: Vec<f64>,
}

impl<'a> Run<'a> {
    fn new(pricing: &'a Pricing, usage: &'a [FunctionUsage], horizon_ns: u64) -> Self {
        let memory: Vec<u32> = usage
            .iter()
            .map(|u| billed_memory_mb(pricing, u.memory_mb))
            .collect();
        let on_demand = usage
            .iter()
            .zip(&memory)
            .map(|(u, &m)| gb_s(m, u.billed_ns))
            .collect();
        Run {
            pricing,
            usage,
            horizon_ns,
            months: horizon_ns as f64 / MONTH_NS as f64,
            memory,
            on_demand,
        }
    }

    /// Whether the free tier covers `u` (it is on, and `u` has no provisioned environments).
    fn covered(&self, u: &FunctionUsage) -> bool {
        self.pricing.free_tier && u.provisioned_env_ns == 0
    }

    /// `[requests, compute, provisioned, front door, subscription]` per function, before the
    /// meters, the front door and the subscription.
    fn on_demand_items(&self) -> Vec<[f64; 5]> {
        let (pricing, usage, months) = (self.pricing, self.usage, self.months);
        // Requests: the included allowance first (pooled over everything), then the free tier
        // over the covered functions' remainder.
        let all_requests: f64 = usage.iter().map(|u| u.requests as f64).sum();
        let included_share =
            billable_share(pricing.included_requests_per_month * months, all_requests);
        let covered_requests: f64 = usage
            .iter()
            .filter(|u| self.covered(u))
            .map(|u| u.requests as f64 * included_share)
            .sum();
        let requests_share =
            billable_share(pricing.free_requests_per_month * months, covered_requests);
        // Share of a covered function's GB-seconds that remains billable after the free tier.
        let covered_gb_s: f64 = usage
            .iter()
            .zip(&self.on_demand)
            .filter(|(u, _)| self.covered(u))
            .map(|(_, g)| g)
            .sum();
        let gb_s_share = billable_share(pricing.free_gb_s_per_month * months, covered_gb_s);
        let (x86_price, arm_price) = (self.average_price(Arch::X86), self.average_price(Arch::Arm));
        usage
            .iter()
            .zip(&self.on_demand)
            .zip(&self.memory)
            .map(|((u, &g), &mb)| {
                let prices = pricing.arch(u.arch);
                let (req_share, gb_share) = if self.covered(u) {
                    (included_share * requests_share, gb_s_share)
                } else {
                    (included_share, 1.0)
                };
                let requests = u.requests as f64 * req_share * pricing.request_per_million / 1e6;
                let price = match u.arch {
                    Arch::X86 => x86_price,
                    Arch::Arm => arm_price,
                };
                let snapshot = gb_s(mb, u128::from(self.horizon_ns))
                    * u.plan.snapshot_cache_per_gb_s
                    + u.cold_starts as f64 * f64::from(mb) / 1024.0
                        * u.plan.snapshot_restore_per_gb;
                let compute = g * gb_share * price + snapshot;
                let provisioned = gb_s(mb, u.provisioned_env_ns) * prices.provisioned_per_gb_s
                    + gb_s(mb, u.billed_ns_provisioned) * prices.provisioned_duration_per_gb_s;
                [requests, compute, provisioned, 0.0, 0.0]
            })
            .collect()
    }

    /// Average on-demand price per GB-second on `arch`, from that architecture's pooled
    /// GB-seconds walked through its tiers.
    fn average_price(&self, arch: Arch) -> f64 {
        let pool: f64 = self
            .usage
            .iter()
            .zip(&self.on_demand)
            .filter(|(u, _)| u.arch == arch)
            .map(|(_, g)| g)
            .sum();
        if pool > 0.0 {
            tiered_cost(&self.pricing.arch(arch).tiers, pool, self.months) / pool
        } else {
            0.0
        }
    }

    /// The front door: every user request passes it; tiers pooled over the functions behind it.
    fn charge_front_door(&self, items: &mut [[f64; 5]]) {
        let front_requests: Vec<f64> = self
            .usage
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
        if let Some((_, fd)) = self.usage.iter().find_map(|u| u.plan.front_door.as_ref()) {
            let total = request_tiers_cost(&fd.tiers, pooled, self.months);
            for (item, share) in items.iter_mut().zip(split(total, &front_requests)) {
                item[3] = share;
            }
        }
    }

    /// The subscription, pro-rated and shared by requests.
    fn charge_subscription(&self, items: &mut [[f64; 5]]) {
        let fee = self.pricing.subscription_per_month * self.months;
        let by_requests: Vec<f64> = self.usage.iter().map(|u| u.requests as f64).collect();
        for (item, share) in items.iter_mut().zip(split(fee, &by_requests)) {
            item[4] = share;
        }
    }
}
