//! Billing on worked examples, each with its reference value and where it comes from. Money is
//! checked to the cent (or finer) where the arithmetic is exact.

use crate::util::run;
use faasim::core::billing::always_on::VM_TYPES;
use faasim::core::billing::{self, FunctionUsage, MONTH_NS};
use faasim::core::platform::function::Arch;
use faasim::input::model::{self, Pricing};

const MS: u64 = 1_000_000;
const SEC: u128 = 1_000_000_000;

fn pricing(name: &str) -> Pricing {
    model::load(name).unwrap().pricing
}

/// Within a cent.
fn cent(got: f64, want: f64) {
    assert!((got - want).abs() < 0.01, "got ${got:.6}, want ${want:.2}");
}

/// `n` invocations of `ms` each at `memory_mb`, rounded per invocation, for a month.
fn invocations(p: &Pricing, memory_mb: u32, arch: Arch, n: u64, ms: u64) -> FunctionUsage {
    FunctionUsage {
        memory_mb,
        arch,
        requests: n,
        billed_ns: u128::from(billing::billed_ns(p, ms * MS)) * u128::from(n),
        ..FunctionUsage::default()
    }
}

/// 1 million invocations × 200 ms × 256 MB on Lambda x86: 50,000 GB-s × $0.0000166667 = $0.83,
/// plus 1 million requests × $0.20 per million = $0.20; $1.03 in all. Prices: AWS Lambda pricing
/// page, us-east-1 (models/aws-lambda.toml).
#[test]
fn lambda_one_million_small_invocations() {
    let p = pricing("aws-lambda");
    let (c, _) = billing::bill(
        &p,
        &[invocations(&p, 256, Arch::X86, 1_000_000, 200)],
        MONTH_NS,
    );
    cent(c.compute, 0.83);
    cent(c.requests, 0.20);
    cent(c.total, 1.03);
}

/// 60 million × 28 ms × 1 GB on x86: 1.68 million GB-s = $28.00 and $12.00 of requests; with
/// the pre-December-2020 rounding to 100 ms, 6 million GB-s = $100.00. (AWS Compute Blog,
/// "Introducing tiered pricing for AWS Lambda", 2022, recounts the rounding change; prices from
/// the pricing page.)
#[test]
fn lambda_sixty_million_and_the_old_rounding() {
    let mut p = pricing("aws-lambda");
    let (c, _) = billing::bill(
        &p,
        &[invocations(&p, 1024, Arch::X86, 60_000_000, 28)],
        MONTH_NS,
    );
    cent(c.compute, 28.00);
    cent(c.requests, 12.00);
    p.duration_rounding = "100ms".parse().unwrap();
    let (c, _) = billing::bill(
        &p,
        &[invocations(&p, 1024, Arch::X86, 60_000_000, 28)],
        MONTH_NS,
    );
    cent(c.compute, 100.00);
}

/// Arm is 20% cheaper per GB-second: $0.0000133334 against $0.0000166667 (AWS Lambda pricing
/// page). The same usage costs 0.8 times as much, requests unchanged.
#[test]
fn arm_is_twenty_percent_cheaper_per_gb_second() {
    let p = pricing("aws-lambda");
    let x86 = invocations(&p, 1024, Arch::X86, 10_000_000, 100);
    let arm = FunctionUsage {
        arch: Arch::Arm,
        ..x86.clone()
    };
    let (cx, _) = billing::bill(&p, &[x86], MONTH_NS);
    let (ca, _) = billing::bill(&p, &[arm], MONTH_NS);
    assert!(
        (ca.compute / cx.compute - 0.8).abs() < 1e-5,
        "{ca:?} {cx:?}"
    );
    assert_eq!(ca.requests, cx.requests);
}

/// The first x86 tier ends at 6 billion GB-s a month (AWS Compute Blog, "Introducing tiered
/// pricing for AWS Lambda", 2022): exactly 6e9 GB-s cost 6e9 × $0.0000166667 = $100,000.20;
/// one more billion is priced at $0.000015, adding $15,000.00.
#[test]
fn the_six_billion_gb_second_tier_boundary() {
    let p = pricing("aws-lambda");
    let gb_s = |n: u128| FunctionUsage {
        memory_mb: 1024,
        billed_ns: n * SEC,
        ..FunctionUsage::default()
    };
    let (c, _) = billing::bill(&p, &[gb_s(6_000_000_000)], MONTH_NS);
    cent(c.compute, 100_000.20);
    let (c, _) = billing::bill(&p, &[gb_s(7_000_000_000)], MONTH_NS);
    cent(c.compute, 115_000.20);
    // Just below and just above the boundary: the marginal GB-second changes price there.
    let (below, _) = billing::bill(&p, &[gb_s(6_000_000_000 - 1_000_000)], MONTH_NS);
    let (above, _) = billing::bill(&p, &[gb_s(6_000_000_000 + 1_000_000)], MONTH_NS);
    cent(c.compute - above.compute, 999_000_000.0 * 0.000015);
    cent(
        c.compute - below.compute,
        1_000_000.0 * 0.0000166667 + 1e9 * 0.000015,
    );
}

/// A Cloud Run instance serving up to 80 requests at once is billed once for their overlap.
/// Requests arrive every 10 ms and each takes 500 ms, so 50 are always in flight on one
/// instance (512 MiB, 1 vCPU) that is busy the whole hour: 3,600 s × ($0.000024 per vCPU-s +
/// 0.5 GiB × $0.0000025 per GiB-s) = $0.0909. Billing each request on its own would charge
/// 360,000 × 0.5 s, fifty times more ($4.545). Requests: 360,000 × $0.40 per million =
/// $0.144. (Cloud Run pricing page, Tier 1, request-based billing.)
#[test]
fn cloud_run_bills_concurrent_requests_once() {
    let r = run(r#"
        [run]
        horizon = "1h"
        [platform]
        model = "gcp-cloud-run"
        [[function]]
        name = "api"
        memory_mb = 512
        concurrency_per_instance = 80
        duration = { kind = "constant", value = "500ms" }
        cold_start = { kind = "constant", value = "0s" }
        arrivals = { kind = "periodic", period = "10ms" }
    "#);
    assert_eq!(r.instances.peak, 1, "one instance carries the load");
    assert_eq!(r.counts.cold_starts, 1);
    let per_s = 0.000024 + 0.5 * 0.0000025;
    assert!(
        (r.cost_usd.compute - 3600.0 * per_s).abs() < 0.001,
        "{:?}",
        r.cost_usd
    );
    let starts = (r.counts.warm_starts + r.counts.cold_starts) as f64;
    assert!((r.cost_usd.requests - starts * 0.40 / 1e6).abs() < 1e-9);
    cent(r.cost_usd.requests, 0.144);
    assert!(r.cost_usd.compute * 40.0 < starts * 0.5 * per_s);
}

/// Cloud Run's model default is 80 requests per instance, applied when the scenario leaves
/// concurrency_per_instance out ("Maximum concurrent requests per instance", Cloud Run docs).
#[test]
fn cloud_run_default_concurrency_comes_from_the_model() {
    let r = run(r#"
        [run]
        horizon = "10min"
        [platform]
        model = "gcp-cloud-run"
        [[function]]
        name = "api"
        memory_mb = 512
        duration = { kind = "constant", value = "500ms" }
        cold_start = { kind = "constant", value = "0s" }
        arrivals = { kind = "periodic", period = "10ms" }
    "#);
    assert_eq!(r.instances.peak, 1);
}

/// Cloudflare Workers bill CPU time, not wall time (Workers pricing, Standard usage model:
/// $0.02 per million CPU-ms beyond 30 million, $0.30 per million requests beyond 10 million,
/// $5 a month). 15 million requests of 7 ms CPU each: 105 million CPU-ms, (105 - 30) × $0.02 =
/// $1.50; (15 - 10) × $0.30 = $1.50; $8.00 with the subscription. Doubling the wall time at the
/// same CPU time changes nothing.
#[test]
fn cloudflare_bills_cpu_time_not_wall_time() {
    let p = pricing("cloudflare-workers");
    let m = model::load("cloudflare-workers").unwrap();
    let usage = |wall_ms: u64, cpu_bound: f64| {
        let mut u = invocations(&p, 128, Arch::X86, 15_000_000, wall_ms);
        u.plan = m
            .terms(&one_function(cpu_bound), 1, "function.0", None)
            .unwrap();
        u
    };
    let (c, _) = billing::bill(&p, &[usage(70, 0.1)], MONTH_NS);
    cent(c.compute, 1.50);
    cent(c.requests, 1.50);
    cent(c.subscription, 5.00);
    cent(c.total, 8.00);
    let (slow, _) = billing::bill(&p, &[usage(140, 0.05)], MONTH_NS);
    assert!((slow.total - c.total).abs() < 1e-9, "{slow:?} {c:?}");
    // All wall time, no CPU: only requests and the subscription.
    let (idle, _) = billing::bill(&p, &[usage(70, 0.0)], MONTH_NS);
    assert_eq!(idle.compute, 0.0);
}

fn one_function(cpu_bound: f64) -> faasim::input::function::FunctionSpec {
    let text = format!(
        "[run]\nhorizon = \"1h\"\n[platform]\nmodel = \"cloudflare-workers\"\n[[function]]\nname = \"w\"\nruntime = \"nodejs\"\ncpu_bound = {cpu_bound}\nduration = {{ kind = \"constant\", value = \"1ms\" }}\narrivals = {{ kind = \"poisson\", rate = \"1/s\" }}\n"
    );
    crate::util::scenario(&text).functions.remove(0)
}

/// Azure Functions Consumption rounds memory up to 128 MB ("if your process is using 160 MB you
/// are charged for 256 MB": Consumption Plan Cost Billing FAQ, Azure Functions wiki, 2020) and
/// bills at least 100 ms (Azure Functions pricing page). 1 million executions of 50 ms at
/// 160 MB bill 1e6 × 0.1 s × 0.25 GB = 25,000 GB-s × $0.000016 = $0.40, plus $0.20 of requests.
#[test]
fn azure_rounds_memory_to_128_mb_and_bills_at_least_100_ms() {
    let p = pricing("azure-functions");
    assert_eq!(billing::billed_memory_mb(&p, 160), 256);
    assert_eq!(billing::billed_ns(&p, 50 * MS), 100 * MS);
    let (c, _) = billing::bill(
        &p,
        &[invocations(&p, 160, Arch::X86, 1_000_000, 50)],
        MONTH_NS,
    );
    cent(c.compute, 0.40);
    cent(c.requests, 0.20);
}

/// API Gateway in front: REST APIs cost $3.50 per million (first 333 million), HTTP APIs $1.00
/// (first 300 million) then $0.90 (AWS whitepaper "Best Practices for Designing Amazon API
/// Gateway Private APIs", Table 4). 1 million requests: $3.50 or $1.00; 400 million on HTTP:
/// 300 × $1.00 + 100 × $0.90 = $390.00.
#[test]
fn front_doors_charge_per_request_with_tiers() {
    let m = model::load("aws-lambda").unwrap();
    let spec = {
        let s = crate::util::scenario(
            "[run]\nhorizon = \"1h\"\n[[function]]\nname = \"a\"\nduration = { kind = \"constant\", value = \"1ms\" }\narrivals = { kind = \"poisson\", rate = \"1/s\" }\n",
        );
        s.functions[0].clone()
    };
    let with = |door: &str, n: u64| {
        let mut u = invocations(&m.pricing, 128, Arch::X86, n, 1);
        u.front_door_requests = n;
        u.plan = m.terms(&spec, 1, "function.0", Some(door)).unwrap();
        billing::bill(&m.pricing, &[u], MONTH_NS).0
    };
    cent(with("api-gateway-rest", 1_000_000).front_door, 3.50);
    cent(with("api-gateway-http", 1_000_000).front_door, 1.00);
    cent(with("api-gateway-http", 400_000_000).front_door, 390.00);
    cent(with("none", 1_000_000).front_door, 0.0);
    let err = m
        .terms(&spec, 1, "function.0", Some("api-gateway-soap"))
        .unwrap_err();
    assert_eq!(err.field, "platform.front_door");
    assert!(err.message.contains("api-gateway-http"), "{}", err.message);
}

/// A front door chosen in a scenario shows in the run's cost breakdown and in the total.
#[test]
fn front_door_cost_is_in_the_report() {
    let r = run(r#"
        [run]
        horizon = "1h"
        [platform]
        front_door = "api-gateway-rest"
        [[function]]
        name = "api"
        duration = { kind = "constant", value = "10ms" }
        cold_start = { kind = "constant", value = "0s" }
        arrivals = { kind = "periodic", period = "10ms" }
    "#);
    let n = (r.counts.warm_starts + r.counts.cold_starts) as f64;
    assert!((r.cost_usd.front_door - n * 3.5 / 1e6).abs() < 1e-9);
    let c = &r.cost_usd;
    let sum = c.requests + c.compute + c.provisioned + c.front_door + c.subscription;
    assert!((c.total - sum).abs() < 1e-12);
}

/// The always-on comparator's fleet covers the run's peak: every function's peak environments,
/// each with its memory and Lambda's CPU share (memory / 1,769 MB vCPU).
#[test]
fn comparator_fleet_covers_the_peak() {
    let r = run(r#"
        [run]
        horizon = "30min"
        [[function]]
        name = "big"
        memory_mb = 3008
        duration = { kind = "lognormal", median = "400ms", sigma = 0.5 }
        arrivals = { kind = "poisson", rate = "40/s" }
        [[function]]
        name = "small"
        memory_mb = 256
        duration = { kind = "exponential", mean = "50ms" }
        arrivals = { kind = "poisson", rate = "100/s" }
    "#);
    let a = r
        .cost_usd
        .always_on
        .expect("the run total carries the comparator");
    let need_gib: f64 = r
        .functions
        .iter()
        .map(|f| f.instances.peak as f64 * f.memory_mb as f64 / 1024.0)
        .sum();
    let need_vcpu: f64 = r
        .functions
        .iter()
        .map(|f| f.instances.peak as f64 * f.memory_mb as f64 / 1769.0)
        .sum();
    assert!((a.memory_gib_needed - need_gib).abs() < 1e-9, "{a:?}");
    assert!((a.vcpu_needed - need_vcpu).abs() < 1e-9, "{a:?}");
    let vm = VM_TYPES.iter().find(|t| t.name == a.vm_type).unwrap();
    assert!(a.vm_count as f64 * vm.vcpu >= need_vcpu);
    assert!(a.vm_count as f64 * vm.memory_gib >= need_gib);
    // One machine fewer would not do.
    let fewer = a.vm_count as f64 - 1.0;
    assert!(fewer * vm.vcpu < need_vcpu || fewer * vm.memory_gib < need_gib);
    cent(a.vm_monthly_usd, a.vm_count as f64 * vm.hourly_usd * 730.0);
    // Monthly serverless cost is the window's cost scaled to 730 hours.
    cent(a.serverless_monthly_usd, r.cost_usd.total * 730.0 / 0.5);
}

/// Every built-in model loads, and a scenario written for Lambda loads them unchanged.
#[test]
fn every_model_loads_and_lists_its_description() {
    for (name, _) in model::BUILTIN {
        let m = model::load(name).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(&m.name, name);
        assert!(!m.description.is_empty());
    }
}

/// The legacy Lambda burst (3,000 at once in us-east-1, then 500 a minute) is selectable: a
/// burst of 2,000 simultaneous cold starts is throttled under the 2023 rule (1,000 per 10 s per
/// function) and not under the legacy one.
#[test]
fn legacy_scaling_is_a_choice() {
    let text = r#"
        [run]
        horizon = "1s"
        [platform]
        account_concurrency = 5000
        scaling_rule = "RULE"
        [[function]]
        name = "burst"
        duration = { kind = "constant", value = "10s" }
        cold_start = { kind = "constant", value = "0s" }
        arrivals = { kind = "periodic", period = "0.5ms" }
    "#;
    let current = run(&text.replace("RULE", "current"));
    let legacy = run(&text.replace("RULE", "legacy"));
    assert!(current.counts.throttled_scaling > 0, "{:?}", current.counts);
    assert_eq!(legacy.counts.throttled_scaling, 0, "{:?}", legacy.counts);
    let err = faasim::simulate(&crate::util::scenario(
        &text
            .replace("RULE", "legacy")
            .replace("[platform]", "[platform]\nmodel = \"gcp-cloud-run\""),
    ))
    .unwrap_err();
    assert!(err.message.contains("scaling_legacy"), "{err}");
}

/// SnapStart is checked against the model: Lambda restores snapshots for Java, Python and .NET,
/// not Node.js (AWS Lambda Developer Guide, SnapStart); the error names the field.
#[test]
fn snapstart_is_checked_against_the_runtime() {
    let text = r#"
        [run]
        horizon = "1min"
        [[function]]
        name = "f"
        runtime = "RT"
        snapstart = true
        duration = { kind = "constant", value = "10ms" }
        arrivals = { kind = "poisson", rate = "1/s" }
    "#;
    faasim::simulate(&crate::util::scenario(&text.replace("RT", "java"))).unwrap();
    let err = faasim::simulate(&crate::util::scenario(&text.replace("RT", "nodejs"))).unwrap_err();
    assert!(err.message.starts_with("function.0.snapstart"), "{err}");
    assert_eq!(err.line, Some(7), "{err}");
}

/// The front door's added latency reaches every request's latency, and its price the bill:
/// constant 100 ms executions with no cold-start delay, so the mean latency is exactly 100 ms
/// plus the model's figure for the chosen gateway.
#[test]
fn front_door_adds_its_latency_to_every_request() {
    let text = |door: &str| {
        format!(
            r#"
            [run]
            horizon = "1h"
            [platform]
            {door}
            [[function]]
            name = "api"
            duration = {{ kind = "constant", value = "100ms" }}
            cold_start = {{ kind = "constant", value = "0s" }}
            arrivals = {{ kind = "periodic", period = "1s" }}
            "#
        )
    };
    let model = faasim::input::model::load("aws-lambda").unwrap();
    let added = |name: &str| {
        model
            .front_door
            .get(name)
            .map(|fd| fd.added_latency.ns() as f64 / 1e6)
            .unwrap()
    };
    let bare = crate::util::run(&text(""));
    assert!((bare.latency_ms.mean - 100.0).abs() < 1e-9);
    assert_eq!(bare.cost_usd.front_door, 0.0);
    for door in ["api-gateway-rest", "api-gateway-http"] {
        let r = crate::util::run(&text(&format!("front_door = \"{door}\"")));
        assert!(
            (r.latency_ms.mean - 100.0 - added(door)).abs() < 1e-9,
            "{door}: {}",
            r.latency_ms.mean
        );
        assert!(r.cost_usd.front_door > 0.0);
    }
}
