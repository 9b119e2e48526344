//! The platform-wide parts of a plan: account concurrency and reservations, the scaling
//! bucket, prices with the scenario's billing switches, and room for provisioned environments.

use crate::core::billing::prices::Pricing;
use crate::core::ids::FuncId;
use crate::core::metrics::Window;
use crate::core::plan::{FunctionPlan, Plan};
use crate::core::platform::cluster::Cluster;
use crate::core::platform::limits::{Pools, Scaling};
use crate::core::time::Instant;
use crate::input::model::{check_scaling, PlatformModel};
use crate::input::scenario::Scenario;
use crate::input::FieldError;

/// The account's concurrency and the scaling bucket, checked against the functions.
pub(super) struct Limits {
    pub(super) account: u32,
    pub(super) scaling: Scaling,
}

pub(super) fn limits(
    scenario: &Scenario,
    model: &PlatformModel,
    functions: &[FunctionPlan],
) -> Result<Limits, FieldError> {
    let account = scenario
        .platform
        .account_concurrency
        .unwrap_or(model.limits.account_concurrency);
    let reserved: Vec<Option<u32>> = functions.iter().map(|f| f.reserved).collect();
    Pools::new(account, &reserved).map_err(|e| {
        FieldError::new(
            "platform.account_concurrency",
            format!("{e}; raise account_concurrency or lower the reservations"),
        )
    })?;
    if let Some((i, f)) = functions
        .iter()
        .enumerate()
        .find(|(_, f)| f.provision.max() > account)
    {
        return Err(FieldError::new(
            "platform.account_concurrency",
            format!(
                "function {} has {} provisioned environments, more than the account's concurrency ({account}) (function {i})",
                f.name,
                f.provision.max()
            ),
        ));
    }
    let scaling = scenario
        .platform
        .scaling
        .clone()
        .unwrap_or_else(|| model.scaling.clone());
    check_scaling(&scaling).map_err(|e| e.within("platform.scaling"))?;
    Ok(Limits { account, scaling })
}

/// The model's prices with the scenario's `[billing]` switches applied.
pub(super) fn pricing(scenario: &Scenario, model: &PlatformModel) -> Pricing {
    let mut pricing = model.pricing.clone();
    if let Some(r) = scenario.billing.rounding {
        pricing.duration_rounding = r;
    }
    if let Some(b) = scenario.billing.bill_init {
        pricing.bill_init = b;
    }
    if let Some(f) = scenario.billing.free_tier {
        pricing.free_tier = f;
    }
    pricing
}

/// Every provisioned environment at time 0 finds a host, placed as the simulation will place
/// it (in function order, by the cluster's rule, without evicting).
pub(super) fn check_provisioned_placement(plan: &Plan) -> Result<(), FieldError> {
    let Some(spec) = &plan.cluster else {
        return Ok(());
    };
    let mut cluster = Cluster::new(spec, Window::starting_at(plan.warmup));
    for (f, func) in plan.functions.iter().enumerate() {
        let need = func.memory_mb as u64;
        for _ in 0..func.provision.count_at(Instant::ZERO) {
            let Some(host) = cluster.with_room(need, FuncId::from_index(f)) else {
                return Err(FieldError::new(
                    "cluster.hosts",
                    format!("no room for the provisioned environments of {}", func.name),
                ));
            };
            cluster.take(host, need, Instant::ZERO);
        }
    }
    Ok(())
}
