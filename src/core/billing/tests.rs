//! Bills worked out by hand against the providers' published examples.

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
