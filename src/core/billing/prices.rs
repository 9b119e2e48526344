//! Price lists: what a platform charges per request, per GB-second and per meter, and what a
//! front door charges. Platform model files embed these records as they are.

use crate::core::platform::function::Arch;
use crate::core::time::Duration;
use serde::{Deserialize, Serialize};

fn one() -> u32 {
    1
}

/// An HTTP front door: a managed gateway that receives each request before the function does.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FrontDoor {
    /// One line saying what it is.
    pub description: String,
    /// Price tiers per million requests, by monthly request count.
    pub tiers: Vec<RequestTier>,
    /// Latency it adds to every request (the median overhead of a warm gateway).
    pub added_latency: Duration,
}

/// One request-price tier of a front door.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RequestTier {
    /// Cumulative monthly requests up to which this tier applies; `None` for the last tier.
    #[serde(default)]
    pub up_to_requests: Option<f64>,
    /// Price of one million requests within the tier.
    pub per_million: f64,
}

/// Prices, in US dollars.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Pricing {
    /// Price of one million requests.
    pub request_per_million: f64,
    /// Each invocation's billed time is rounded up to a multiple of this.
    pub duration_rounding: Duration,
    /// Whether the init phase of a cold start is billed as duration.
    pub bill_init: bool,
    /// Whether to subtract the free tier from bills.
    pub free_tier: bool,
    /// Requests free per month when `free_tier` is on.
    pub free_requests_per_month: f64,
    /// On-demand GB-seconds free per month when `free_tier` is on.
    pub free_gb_s_per_month: f64,
    /// Every invocation bills at least this long (Azure Consumption: 100 ms).
    #[serde(default)]
    pub minimum_billed: Duration,
    /// Billed memory is rounded up to a multiple of this many MB (Azure: 128).
    #[serde(default = "one")]
    pub memory_rounding_mb: u32,
    /// A monthly fee that comes with the plan (Cloudflare Workers Paid: $5), pro-rated.
    #[serde(default)]
    pub subscription_per_month: f64,
    /// Requests included every month with the subscription (always applied, unlike the free
    /// tier), pro-rated.
    #[serde(default)]
    pub included_requests_per_month: f64,
    /// Prices on x86 (default: duration is free, as where only the meters below charge).
    #[serde(default)]
    pub x86: ArchPrices,
    /// Prices on Arm.
    #[serde(default)]
    pub arm: ArchPrices,
    /// Further things metered beside requests and per-invocation GB-seconds.
    #[serde(default)]
    pub meters: Vec<Meter>,
}

/// Something a platform meters and prices, beside requests and per-invocation GB-seconds.
/// Named in model files by `kind`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(
    tag = "kind",
    rename_all = "kebab-case",
    deny_unknown_fields,
    expecting = "a meter with kind = \"invocation-cpu\", \"instance-time\" or \"cpu-time\""
)]
pub enum Meter {
    /// CPU units (GHz or vCPU, from `[cpu]`) × each invocation's billed seconds, as Cloud
    /// Functions (1st gen) prices GHz-seconds.
    InvocationCpu {
        /// Price per CPU-unit-second.
        per_unit_s: f64,
    },
    /// Instance time: an environment is billed while it starts or serves at least one request
    /// (so concurrent requests on one instance are billed once for their overlap), or for its
    /// whole life when CPU is always allocated; priced per vCPU-second and GiB-second.
    InstanceTime {
        /// Price per vCPU-second while active.
        per_vcpu_s: f64,
        /// Price per GiB-second while active.
        per_gib_s: f64,
        /// Price per vCPU-second of minimum instances while idle (request-based billing).
        #[serde(default)]
        idle_per_vcpu_s: f64,
        /// Price per GiB-second of minimum instances while idle.
        #[serde(default)]
        idle_per_gib_s: f64,
        /// CPU allocated for the whole life of an instance (instance-based billing): idle
        /// time is billed at the active price.
        #[serde(default)]
        always_allocated: bool,
        /// vCPU-seconds free per month when the free tier is on.
        #[serde(default)]
        free_vcpu_s_per_month: f64,
        /// GiB-seconds free per month when the free tier is on.
        #[serde(default)]
        free_gib_s_per_month: f64,
    },
    /// CPU time actually used (a function's `cpu_bound` share of its execution time), as
    /// Cloudflare Workers and Vercel's Active CPU bill it; wall time waiting on I/O is free.
    CpuTime {
        /// Price per million CPU-milliseconds.
        per_million_cpu_ms: f64,
        /// CPU-milliseconds included every month (always applied), pro-rated.
        #[serde(default)]
        included_cpu_ms_per_month: f64,
    },
}

impl Pricing {
    /// The prices for one architecture.
    pub fn arch(&self, arch: Arch) -> &ArchPrices {
        match arch {
            Arch::X86 => &self.x86,
            Arch::Arm => &self.arm,
        }
    }
}

/// Prices on one architecture.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ArchPrices {
    /// On-demand duration price tiers, by monthly GB-seconds, in increasing order; the last has no
    /// upper bound.
    pub tiers: Vec<Tier>,
    /// Price per GB-second of provisioned environments kept ready, used or not.
    pub provisioned_per_gb_s: f64,
    /// Price per GB-second of execution on provisioned environments.
    pub provisioned_duration_per_gb_s: f64,
}

impl Default for ArchPrices {
    /// Duration costs nothing: for models whose charges are all in `meters`.
    fn default() -> Self {
        ArchPrices {
            tiers: vec![Tier {
                up_to_gb_s: None,
                price_per_gb_s: 0.0,
            }],
            provisioned_per_gb_s: 0.0,
            provisioned_duration_per_gb_s: 0.0,
        }
    }
}

/// One duration price tier.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// Cumulative monthly GB-seconds up to which this tier applies; `None` for the last tier.
    #[serde(default)]
    pub up_to_gb_s: Option<f64>,
    /// Price per GB-second within the tier.
    pub price_per_gb_s: f64,
}
