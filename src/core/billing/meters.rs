//! The meters a model prices beside requests and per-invocation GB-seconds: CPU units per
//! invocation second, instance time, and CPU time.

use super::tiers::billable_share;
use super::{secs, FunctionUsage};
use crate::core::billing::prices::{Meter, Pricing};

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

/// Adds one meter's charges to each function's `[requests, compute, provisioned, ..]`.
pub(super) fn charge(
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
        Meter::InstanceTime { .. } => {
            instance_time_charges(meter, pricing, usage, memory, months, items)
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

/// An `instance-time` meter: vCPU- and GiB-seconds of active instance time (or whole lifetimes
/// when CPU is always allocated), less the free tier when on, and kept-warm instances idle at
/// the idle price.
fn instance_time_charges(
    meter: &Meter,
    pricing: &Pricing,
    usage: &[FunctionUsage],
    memory: &[u32],
    months: f64,
    items: &mut [[f64; 5]],
) {
    let Meter::InstanceTime {
        per_vcpu_s,
        per_gib_s,
        idle_per_vcpu_s,
        idle_per_gib_s,
        always_allocated,
        free_vcpu_s_per_month,
        free_gib_s_per_month,
    } = meter
    else {
        return;
    };
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
