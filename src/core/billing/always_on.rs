//! The always-on comparator: what the load of a run would cost per month on a fleet that is
//! always on (EC2 virtual machines, or Fargate containers), beside its serverless cost, so that
//! the crossover between pay-per-use and always-on can be found.
//!
//! The fleet gives every environment the platform needed what the platform gave it: its
//! memory and its CPU allocation (on Lambda, `memory / 1,769 MB` vCPU). It is sized either for
//! the run's peak (each function's most environments alive at once, summed over functions,
//! which never underestimates the simultaneous peak) or for a target utilisation of the mean
//! busy environments. Prices are us-east-1, Linux, on-demand, 730 hours a month; every figure
//! carries its source.

use crate::core::billing::{FunctionUsage, MONTH_NS};
use crate::core::metrics::Level;
use serde::Serialize;

/// Hours in the billing month (730, as AWS's estimates use).
const MONTH_HOURS: f64 = 730.0;

/// An EC2 instance type with its on-demand price.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VmType {
    /// Instance type name.
    pub name: &'static str,
    /// vCPUs.
    pub vcpu: f64,
    /// Memory, GiB.
    pub memory_gib: f64,
    /// On-demand price per hour, USD (us-east-1, Linux).
    pub hourly_usd: f64,
}

/// The instance types the comparator chooses from (the cheapest that carries the load wins).
///
/// Sources (checked 2026): t3.large $0.0832/h ("Amazon EC2 Pricing", go-cloud.io, 2026);
/// t3.micro $0.0104/h ("AWS EC2 Pricing Guide 2026", wring.co, 2026-03-08); m7g.large
/// $0.0816/h ("Amazon EC2 On-Demand Pricing: Instance Families...", factualminds.com,
/// 2026-06-17). Within a family EC2 prices scale linearly with size (each size doubles vCPU,
/// memory and price: AWS EC2 On-Demand pricing page), which gives t3.medium, t3.xlarge,
/// m7g.xlarge and m7g.2xlarge from those figures. Sizes: t3.medium 2 vCPU/4 GiB, t3.large
/// 2/8, t3.xlarge 4/16, m7g.large 2/8, m7g.xlarge 4/16, m7g.2xlarge 8/32 (AWS EC2 instance
/// types page).
pub const VM_TYPES: &[VmType] = &[
    VmType {
        name: "t3.medium",
        vcpu: 2.0,
        memory_gib: 4.0,
        hourly_usd: 0.0416,
    },
    VmType {
        name: "t3.large",
        vcpu: 2.0,
        memory_gib: 8.0,
        hourly_usd: 0.0832,
    },
    VmType {
        name: "t3.xlarge",
        vcpu: 4.0,
        memory_gib: 16.0,
        hourly_usd: 0.1664,
    },
    VmType {
        name: "m7g.large",
        vcpu: 2.0,
        memory_gib: 8.0,
        hourly_usd: 0.0816,
    },
    VmType {
        name: "m7g.xlarge",
        vcpu: 4.0,
        memory_gib: 16.0,
        hourly_usd: 0.1632,
    },
    VmType {
        name: "m7g.2xlarge",
        vcpu: 8.0,
        memory_gib: 32.0,
        hourly_usd: 0.3264,
    },
];

/// Fargate (Linux, x86) price per vCPU-hour, USD, us-east-1. Source: "AWS Fargate Pricing
/// Explained", vantage.sh; "AWS Fargate Pricing", wring.co, 2026-03-10 (both $0.04048).
pub const FARGATE_PER_VCPU_HOUR: f64 = 0.04048;
/// Fargate (Linux, x86) price per GB-hour, USD, us-east-1. Same sources ($0.004445).
pub const FARGATE_PER_GB_HOUR: f64 = 0.004445;
/// Fargate's smallest task steps: 0.25 vCPU, and memory in 0.5 GB steps at the low end (AWS
/// Fargate task size table); the fleet's totals are rounded up to them.
const FARGATE_VCPU_STEP: f64 = 0.25;
const FARGATE_GB_STEP: f64 = 0.5;

/// How the fleet is sized.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Sizing {
    /// Enough for every function's peak environments at once.
    Peak,
    /// The mean busy environments at this utilisation (0 to 1] of the fleet.
    Utilisation(f64),
}

/// The always-on price of a run's load, per month.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct AlwaysOn {
    /// `peak`, or `utilisation`.
    pub sizing: &'static str,
    /// Target utilisation when sized by utilisation; 1 for peak.
    pub utilisation: f64,
    /// vCPUs the fleet must have.
    pub vcpu_needed: f64,
    /// Memory the fleet must have, GiB.
    pub memory_gib_needed: f64,
    /// The cheapest instance type that carries it.
    pub vm_type: &'static str,
    /// How many of them.
    pub vm_count: u32,
    /// Their cost per month.
    pub vm_monthly_usd: f64,
    /// Fargate tasks with the same vCPUs and memory, per month.
    pub fargate_monthly_usd: f64,
    /// The serverless cost of the run scaled to a month, for comparison.
    pub serverless_monthly_usd: f64,
}

/// The fleet needed for `usage` over a window of `horizon_ns` whose serverless cost was
/// `serverless_usd`. `None` when the window is empty or the sizing is out of range (a
/// utilisation outside (0, 1]).
pub fn quote(
    usage: &[FunctionUsage],
    horizon_ns: u64,
    serverless_usd: f64,
    sizing: Sizing,
) -> Option<AlwaysOn> {
    if horizon_ns == 0 {
        return None;
    }
    let (label, utilisation) = match sizing {
        Sizing::Peak => ("peak", 1.0),
        Sizing::Utilisation(u) if u > 0.0 && u <= 1.0 => ("utilisation", u),
        Sizing::Utilisation(_) => return None,
    };
    let span = horizon_ns as f64;
    let mut vcpu = 0.0;
    let mut memory = 0.0;
    for u in usage {
        let envs = match sizing {
            Sizing::Peak => f64::from(u.peak_envs),
            Sizing::Utilisation(_) => u.env_ns[Level::Busy as usize] as f64 / span / utilisation,
        };
        vcpu += envs * u.plan.vcpu;
        memory += envs * f64::from(u.memory_mb) / 1024.0;
    }
    let (vm, count) = cheapest_vm(vcpu, memory);
    let round_up = |x: f64, step: f64| (x / step).ceil() * step;
    let fargate = (round_up(vcpu, FARGATE_VCPU_STEP) * FARGATE_PER_VCPU_HOUR
        + round_up(memory, FARGATE_GB_STEP) * FARGATE_PER_GB_HOUR)
        * MONTH_HOURS;
    Some(AlwaysOn {
        sizing: label,
        utilisation,
        vcpu_needed: vcpu,
        memory_gib_needed: memory,
        vm_type: vm.name,
        vm_count: count,
        vm_monthly_usd: f64::from(count) * vm.hourly_usd * MONTH_HOURS,
        fargate_monthly_usd: fargate,
        serverless_monthly_usd: serverless_usd * MONTH_NS as f64 / span,
    })
}

/// The instance type and count that carry `vcpu` and `memory_gib` at the lowest price
/// (ties: the first listed). No load needs no machine.
pub fn cheapest_vm(vcpu: f64, memory_gib: f64) -> (VmType, u32) {
    let count = |t: &VmType| -> u32 {
        let need = (vcpu / t.vcpu)
            .ceil()
            .max((memory_gib / t.memory_gib).ceil());
        // Saturating: a load beyond u32 machines is not a real fleet anyway.
        if need.is_finite() && need > 0.0 {
            need.min(f64::from(u32::MAX)) as u32
        } else {
            0
        }
    };
    let mut best = (VM_TYPES[0], count(&VM_TYPES[0]));
    for t in &VM_TYPES[1..] {
        let n = count(t);
        if f64::from(n) * t.hourly_usd < f64::from(best.1) * best.0.hourly_usd {
            best = (*t, n);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cheapest_fleet_covers_the_load() {
        for (vcpu, mem) in [
            (0.5, 1.0),
            (3.0, 3.0),
            (2.0, 30.0),
            (17.0, 20.0),
            (100.0, 500.0),
        ] {
            let (t, n) = cheapest_vm(vcpu, mem);
            assert!(f64::from(n) * t.vcpu >= vcpu && f64::from(n) * t.memory_gib >= mem);
            // No other type is strictly cheaper while covering the load.
            for o in VM_TYPES {
                let k = (vcpu / o.vcpu).ceil().max((mem / o.memory_gib).ceil());
                assert!(k * o.hourly_usd >= f64::from(n) * t.hourly_usd - 1e-12);
            }
        }
        assert_eq!(cheapest_vm(0.0, 0.0).1, 0);
    }

    #[test]
    fn bad_inputs_give_none_not_a_panic() {
        assert!(quote(&[], 0, 1.0, Sizing::Peak).is_none());
        assert!(quote(&[], 1, 1.0, Sizing::Utilisation(0.0)).is_none());
        assert!(quote(&[], 1, 1.0, Sizing::Utilisation(f64::NAN)).is_none());
        let q = quote(&[], 1, 0.0, Sizing::Peak).unwrap();
        assert_eq!(q.vm_count, 0);
        assert_eq!(q.vm_monthly_usd, 0.0);
    }
}
