//! Shared helpers for the integration tests that talk to the local AWS emulator
//! (moto 5.2.5 behind `tests/emulator/moto_shim.py`, started by `scripts/test.sh`).
//!
//! A module of the `aws` and `terminal` test binaries (`tests/aws/main.rs`, `tests/terminal/main.rs`);
//! their modules, one per former test file, take it with `use crate::support;`. Not every binary
//! uses every helper, hence the `dead_code` allowance below.
//!
//! # Isolation between tests
//!
//! One emulator serves the whole `cargo test` run, and test functions run in parallel threads, so
//! tests must not see each other's data:
//!
//! * **One region per test function.** moto keeps separate state per region (taken from the SigV4
//!   signature), and so do the shims in `tests/emulator/` (their control calls name a region), so
//!   each test function that writes to the emulator owns one *real* region from [`REGIONS`]. The
//!   owners are listed once, for the whole suite, in [`REGION_OWNERS`]; the `aws` test binary's
//!   `regions::` tests check that no region is listed twice and that every
//!   `claim_region("…")` in `tests/` sits in the test the table names. [`claim_region`] panics
//!   at run time when the region is not in the table or belongs to another test. moto rejects
//!   made-up regions (HTTP 500), because the emulator runs without
//!   `MOTO_ALLOW_NONEXISTENT_REGION`. All 34 regions are taken: a new emulator test needs another
//!   way to keep apart (moto also keys state by account: the `x-moto-account-id` header or an
//!   `sts:AssumeRole`, see `shared/reference/moto.md`), or a region whose owner writes nothing it
//!   reads.
//! * **Unique names inside the region.** State lives as long as the emulator: different test
//!   binaries share it, and a hand-started emulator (`eval "$(scripts/emulator.sh start)"`)
//!   keeps it across `cargo test` runs. Name log groups, model ids, etc. with [`unique_name`] so a
//!   rerun never trips over `ResourceAlreadyExistsException` or doubled datapoints.
//! * **No reset helper on purpose.** `POST /moto-api/reset` wipes *every* region and account at
//!   once, so calling it from one test would delete the data of tests running concurrently in
//!   other threads (and other binaries' leftovers are harmless thanks to unique names).
//!
//! # Running
//!
//! `scripts/test.sh` starts the emulator and exports `NIGHTJAR_TEST_ENDPOINT` and
//! `NIGHTJAR_REQUIRE_EMULATOR=1`. A plain `cargo test` without an emulator skips these tests
//! (see [`endpoint`]).
#![allow(dead_code)]

use std::collections::{BTreeMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{Dimension, MetricDatum};
use aws_sdk_sts::config::Credentials;

/// Account id moto uses for every request (no `MOTO_ACCOUNT_ID` override in the emulator).
pub const ACCOUNT_ID: &str = "123456789012";

/// Regions the emulator accepts for CloudWatch, CloudWatch Logs, X-Ray and STS alike (botocore's
/// list for moto 5.2.5; 34 of them). Each test function takes its own with [`claim_region`].
pub const REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "ap-south-1",
    "ap-south-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ap-east-1",
    "ap-east-2",
    "ca-central-1",
    "ca-west-1",
    "sa-east-1",
    "af-south-1",
    "me-south-1",
    "me-central-1",
    "il-central-1",
    "mx-central-1",
];

/// The emulator endpoint, or `None` when the tests should be skipped.
///
/// Reads `NIGHTJAR_TEST_ENDPOINT`. When it is missing and `NIGHTJAR_REQUIRE_EMULATOR=1` (set by
/// `scripts/test.sh` and therefore CI) this panics, so a broken harness can never turn into
/// silently skipped tests. Otherwise it prints a note to stderr and returns `None`; tests then
/// return early:
///
/// ```ignore
/// let Some(endpoint) = support::endpoint() else { return };
/// ```
pub fn endpoint() -> Option<String> {
    match std::env::var("NIGHTJAR_TEST_ENDPOINT") {
        Ok(e) if !e.trim().is_empty() => Some(e.trim().trim_end_matches('/').to_owned()),
        _ if std::env::var("NIGHTJAR_REQUIRE_EMULATOR").as_deref() == Ok("1") => panic!(
            "NIGHTJAR_REQUIRE_EMULATOR=1 but NIGHTJAR_TEST_ENDPOINT is not set: the AWS emulator is \
             not running. Run the tests through scripts/test.sh, or start it by hand with \
             `eval \"$(scripts/emulator.sh start)\"`."
        ),
        _ => {
            eprintln!("skipping: emulator not running (use scripts/test.sh)");
            None
        }
    }
}

/// Who owns each region of the emulator, for the whole suite: `(region, "module::test")`, where the
/// module is the former test file (`tests/aws/emulator_smoke.rs` → `emulator_smoke`). A region is
/// listed once; a test that needs two has two lines. Tests that only *read* another test's region
/// without writing (they do not claim it) are named in the comment of that line.
pub const REGION_OWNERS: &[(&str, &str)] = &[
    ("us-east-1", "emulator_metrics::poller_reads_back_exact_figures"),
    ("us-east-2", "emulator_quotas::quotas_never_raised_come_from_the_defaults_and_tpm_usage_is_the_minutes_sum"),
    ("us-west-1", "emulator_metrics::once_json_reports_the_seeded_figures"),
    ("us-west-2", "emulator_fidelity::old_ranges_read_at_legal_periods_and_internal_errors_are_retried_or_partial"),
    ("eu-west-1", "emulator_fidelity::log_alarms_are_read_and_shown_like_the_rest"),
    ("eu-west-2", "emulator_pipeline::poller_reads_back_pipeline_and_platform_figures"),
    ("eu-west-3", "emulator_pipeline::once_json_reports_the_genai_namespaces"),
    ("eu-central-1", "emulator_traces::trace_source_reads_back_the_tree"),
    ("eu-central-2", "emulator_traces::once_json_counts_traces_faults_errors_and_throttles"),
    ("eu-north-1", "emulator_traces::the_trace_task_lists_and_fetches_on_command"),
    ("eu-south-1", "emulator_alarms::alarms_are_read_back_firing_first"),
    ("eu-south-2", "emulator_metrics::several_profiles_are_watched_side_by_side"), // profile beta
    ("ap-south-1", "emulator_logs::every_preset_runs_end_to_end_through_the_real_client"),
    ("ap-south-2", "emulator_logs::missing_groups_stop_query_and_records_fail_visibly"),
    ("ap-northeast-1", "emulator_logs::the_runner_task_discovers_groups_and_stops_on_exit"),
    ("ap-northeast-2", "emulator_logs::once_query_prints_rows_as_json_and_text"),
    ("ap-northeast-3", "emulator_quota_usage::the_week_is_read_at_five_minutes_and_figured_per_minute"),
    (
        "ap-southeast-1",
        "emulator_transaction_search::once_labels_the_sample_and_reads_the_slowest_traces_from_aws_spans",
    ),
    ("ap-southeast-2", "emulator_quotas::unreadable_service_quotas_fall_back_calmly_to_the_configured_quotas"),
    (
        "ap-southeast-3",
        "emulator_transaction_search::the_console_labels_the_sample_and_fetches_spans_by_the_summarys_time",
    ),
    ("ap-southeast-4", "emulator_metrics::several_profiles_are_watched_side_by_side"), // profile alpha
    ("ap-southeast-5", "emulator_insights::every_preset_over_real_records_matches_figures_computed_here"),
    ("ap-southeast-6", "emulator_insights::boundaries_the_field_cap_limits_and_errors"),
    ("ap-southeast-7", "prices_real_fixtures::once_json_reports_a_cost_for_every_fixture_model_id"),
    ("ap-east-1", "emulator_prices::an_application_inference_profile_in_the_metrics_is_named_tagged_and_priced"),
    ("ap-east-2", "emulator_runaway::the_watch_runs_on_the_invocation_group_and_fails_visibly_without_it"),
    ("ca-central-1", "faults::backoff_holds_the_call_rate_down_in_a_throttling_storm"),
    ("ca-west-1", "emulator_smoke::cloudwatch_stats_and_list"),
    // faults::once_through_faults_fails_cleanly names it too: every call is faulted, no state is read
    ("sa-east-1", "faults::every_fault_is_survived_and_recovered_from"),
    // faults::expired_sso_session_banner_then_recovery_in_the_console reads it, asserts no figures
    ("af-south-1", "faults::expired_credentials_show_the_fix_and_recover_by_themselves"),
    ("me-south-1", "terminal_safety::every_ending_stops_insights_queries_and_hostile_aws_text_stays_inert"),
    ("me-central-1", "emulator_smoke::logs_insights_fields_sort_limit"),
    ("il-central-1", "emulator_smoke::sts_caller_identity"),
    ("mx-central-1", "emulator_smoke::xray_put_summaries_batch_get"),
];

/// The test [`REGION_OWNERS`] gives `region` to.
pub fn region_owner(region: &str) -> Option<&'static str> {
    REGION_OWNERS.iter().find(|(r, _)| *r == region).map(|&(_, test)| test)
}

/// Claims `region` for the calling test function: panics if it is not in [`REGIONS`], if
/// [`REGION_OWNERS`] does not give it to the calling test (libtest names each test's thread
/// `module::test`), or if this process already claimed it (two tests sharing a region would see
/// each other's data).
pub fn claim_region(region: &'static str) -> &'static str {
    static CLAIMED: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);
    assert!(REGIONS.contains(&region), "{region} is not in support::REGIONS (moto rejects unknown regions)");
    check_claim("region", region, "REGION_OWNERS", region_owner(region), &CLAIMED);
    region
}

/// The checks [`claim_region`] and [`claim_account`] share: `what` (a region or an account) has an
/// owner in `table`, the calling test is that owner (libtest names each test's thread
/// `module::test`; helper threads such as tokio workers are not checked), and this process has not
/// claimed it before.
fn check_claim(
    kind: &str,
    what: &'static str,
    table: &str,
    owner: Option<&'static str>,
    claimed: &Mutex<Option<HashSet<&'static str>>>,
) {
    let owner =
        owner.unwrap_or_else(|| panic!("{kind} {what} has no owner in support::{table}; add one line for this test"));
    if let Some(thread) = std::thread::current().name().filter(|n| n.contains("::")) {
        assert_eq!(thread, owner, "{kind} {what} belongs to {owner} (support::{table}), not to {thread}");
    }
    let mut claimed = claimed.lock().unwrap_or_else(|e| e.into_inner());
    let fresh = claimed.get_or_insert_with(HashSet::new).insert(what);
    assert!(fresh, "{kind} {what} is claimed twice in this test binary; give each test its own {kind}");
}

/// Accounts of the emulator beyond the default one, for the whole suite: `(account, "module::test")`.
/// Every region is taken by [`REGION_OWNERS`], so a new emulator test keeps apart by account
/// instead: moto keys its state by account as well as region, and an `sts:AssumeRole` into
/// `arn:aws:iam::<account>:role/…` hands out credentials that moto maps to that account (no custom
/// header, so the binary's own clients work unchanged). The owner of an account may use any region
/// in it. Shims in `tests/emulator/` that keep state of their own key it by region; a test that
/// drives such a shim in a claimed account must use a shim that also keys by account (the
/// shim's docstring says which do). Accounts are listed once; `regions::` checks the table and
/// every `claim_account("…")` in `tests/` like the regions.
pub const ACCOUNT_OWNERS: &[(&str, &str)] = &[
    ("210000000001", "emulator_smoke::claimed_accounts_are_apart"),
    ("210000000100", "emulator_org::three_linked_accounts_show_labelled_through_one_monitoring_account"),
    ("210000000101", "emulator_org::three_linked_accounts_show_labelled_through_one_monitoring_account"),
    ("210000000102", "emulator_org::three_linked_accounts_show_labelled_through_one_monitoring_account"),
    ("210000000103", "emulator_org::three_linked_accounts_show_labelled_through_one_monitoring_account"),
    ("210000000104", "emulator_org::three_linked_accounts_show_labelled_through_one_monitoring_account"),
    ("210000000110", "emulator_org::a_budget_holds_over_an_hour_of_five_second_polls_and_the_screen_stays_fresh"),
    ("210000000120", "emulator_org::scale_through_the_emulator_front"),
    ("210000000121", "emulator_org::scale_through_the_emulator_front"),
    ("210000000122", "emulator_org::scale_through_the_emulator_front"),
    ("210000000123", "emulator_org::scale_through_the_emulator_front"),
    ("210000000124", "emulator_org::scale_through_the_emulator_front"),
    ("210000000125", "emulator_org::scale_through_the_emulator_front"),
    ("210000000126", "emulator_org::scale_through_the_emulator_front"),
    ("210000000127", "emulator_org::scale_through_the_emulator_front"),
    ("210000000128", "emulator_org::scale_through_the_emulator_front"),
    ("210000000129", "emulator_org::scale_through_the_emulator_front"),
    ("210000000130", "emulator_org::scale_through_the_emulator_front"),
    ("210000000131", "emulator_org::scale_through_the_emulator_front"),
    ("210000000132", "emulator_org::scale_through_the_emulator_front"),
    ("210000000133", "emulator_org::scale_through_the_emulator_front"),
    ("210000000134", "emulator_org::scale_through_the_emulator_front"),
    ("210000000135", "emulator_org::scale_through_the_emulator_front"),
    ("210000000136", "emulator_org::scale_through_the_emulator_front"),
    ("210000000137", "emulator_org::scale_through_the_emulator_front"),
    ("210000000138", "emulator_org::scale_through_the_emulator_front"),
    ("210000000139", "emulator_org::scale_through_the_emulator_front"),
    ("210000000140", "emulator_org::scale_through_the_emulator_front"),
];

/// Credentials that act as one account of the emulator (from [`claim_account`]).
#[derive(Debug, Clone)]
pub struct Account {
    pub id: &'static str,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
}

impl Account {
    /// The credentials as the SDK takes them.
    pub fn credentials(&self) -> Credentials {
        Credentials::new(
            &self.access_key_id,
            &self.secret_access_key,
            Some(self.session_token.clone()),
            None,
            "nightjar-tests-account",
        )
    }

    /// The environment a child process (the binary) needs to act as this account.
    pub fn env(&self) -> [(&'static str, String); 3] {
        [
            ("AWS_ACCESS_KEY_ID", self.access_key_id.clone()),
            ("AWS_SECRET_ACCESS_KEY", self.secret_access_key.clone()),
            ("AWS_SESSION_TOKEN", self.session_token.clone()),
        ]
    }
}

/// The test [`ACCOUNT_OWNERS`] gives `account` to.
pub fn account_owner(account: &str) -> Option<&'static str> {
    ACCOUNT_OWNERS.iter().find(|(a, _)| *a == account).map(|&(_, test)| test)
}

/// Claims `account` for the calling test function (panics unless [`ACCOUNT_OWNERS`] gives it to
/// the calling test, or when it is claimed twice in this process) and returns credentials that
/// the emulator maps to it, from an `sts:AssumeRole` into the account's `nightjar-test` role.
pub async fn claim_account(endpoint: &str, account: &'static str) -> Account {
    static CLAIMED: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);
    assert!(account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()), "{account}: 12 digits");
    assert_ne!(account, ACCOUNT_ID, "the default account is shared; claim a region in it instead");
    check_claim("account", account, "ACCOUNT_OWNERS", account_owner(account), &CLAIMED);
    // STS is global in moto: any region signs the call
    let sts = aws_sdk_sts::Client::new(&sdk_config(endpoint, "us-east-1").await);
    let out = sts
        .assume_role()
        .role_arn(format!("arn:aws:iam::{account}:role/nightjar-test"))
        .role_session_name("nightjar-test")
        .send()
        .await
        .unwrap_or_else(|e| panic!("AssumeRole into {account}: {}", aws_sdk_sts::error::DisplayErrorContext(e)));
    let c = out.credentials().expect("AssumeRole answers credentials");
    Account {
        id: account,
        access_key_id: c.access_key_id().to_owned(),
        secret_access_key: c.secret_access_key().to_owned(),
        session_token: c.session_token().to_owned(),
    }
}

/// [`sdk_config`] acting as `account`.
pub async fn sdk_config_as(endpoint: &str, region: &str, account: &Account) -> SdkConfig {
    let conf = sdk_config(endpoint, region).await;
    conf.into_builder()
        .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(account.credentials()))
        .build()
}

/// `<prefix>-<token>` where the token is unique per process and call (time, pid, counter), so
/// names never collide with data left in a long-lived emulator by earlier runs.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970").as_nanos();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}-{:x}-{:x}-{n}", nanos % (1 << 48), std::process::id())
}

/// Now, in whole epoch seconds.
pub fn now_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970").as_secs() as i64
}

/// Start of the minute `minutes_ago` minutes before the current one, in epoch seconds. Use an
/// aligned StartTime with GetMetricData: moto starts buckets at `StartTime + k * Period`, not on
/// the minute like CloudWatch.
pub fn minute_start(minutes_ago: i64) -> i64 {
    (now_secs() / 60 - minutes_ago) * 60
}

/// An `SdkConfig` pointing every client at the emulator: static credentials `testing/testing`,
/// the given region, `endpoint` as endpoint URL and an explicit rustls+ring HTTPS client (the
/// only TLS stack the crate builds).
///
/// Nothing is read from the host environment (`empty_test_environment`), so stray
/// `AWS_ENDPOINT_URL_*`, `AWS_PROFILE` or FIPS/dual-stack settings cannot redirect the tests.
/// Retries are off, so errors the emulator answers on purpose (for example HTTP 500 for
/// `StopQuery`) come back at once instead of after back-off; override with
/// `aws_sdk_xxx::config::Builder::from(&conf).retry_config(..)` if a test needs them.
pub async fn sdk_config(endpoint: &str, region: &str) -> SdkConfig {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    aws_config::defaults(BehaviorVersion::latest())
        .empty_test_environment()
        .region(Region::new(region.to_owned()))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("testing", "testing", None, None, "nightjar-tests"))
        .http_client(http)
        .retry_config(RetryConfig::disabled())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_timeout(Duration::from_secs(120))
                .build(),
        )
        .load()
        .await
}

fn dimensions(dims: &[(&str, &str)]) -> Vec<Dimension> {
    dims.iter().map(|(name, value)| Dimension::builder().name(*name).value(*value).build()).collect()
}

/// Sends `data` with PutMetricData in calls of at most 1000 items (the CloudWatch limit; moto does
/// not enforce it, but product code must). Panics on error.
async fn put_data(cw: &aws_sdk_cloudwatch::Client, namespace: &str, data: Vec<MetricDatum>) {
    for chunk in data.chunks(1000) {
        cw.put_metric_data().namespace(namespace).set_metric_data(Some(chunk.to_vec())).send().await.unwrap_or_else(
            |e| panic!("PutMetricData to {namespace}: {}", aws_sdk_cloudwatch::error::DisplayErrorContext(e)),
        );
    }
}

/// Puts one datapoint per `(epoch seconds, value)` for `namespace`/`metric` with the dimensions
/// `dims` (name, value), in PutMetricData calls of at most 1000 points. Panics on error.
pub async fn put_metric(
    cw: &aws_sdk_cloudwatch::Client,
    namespace: &str,
    metric: &str,
    dims: &[(&str, &str)],
    points: &[(i64, f64)],
) {
    let dims = dimensions(dims);
    let data = points
        .iter()
        .map(|&(ts, value)| {
            MetricDatum::builder()
                .metric_name(metric)
                .set_dimensions(Some(dims.clone()))
                .timestamp(DateTime::from_secs(ts))
                .value(value)
                .build()
        })
        .collect();
    put_data(cw, namespace, data).await;
}

/// Puts many raw values at one timestamp (for percentile tests) as `Values` + `Counts`: equal
/// values are folded into one entry with a count, at most 150 distinct values per datum (the
/// CloudWatch limit) and 1000 datums per call. moto stores each value `count` times, so percentiles
/// over these are exact nearest-rank with the emulator's `--percentiles`. Panics on error.
pub async fn put_metric_values(
    cw: &aws_sdk_cloudwatch::Client,
    namespace: &str,
    metric: &str,
    dims: &[(&str, &str)],
    timestamp: i64,
    values: &[f64],
) {
    let mut counts: BTreeMap<u64, f64> = BTreeMap::new();
    for v in values {
        assert!(v.is_finite(), "CloudWatch rejects non-finite values: {v}");
        *counts.entry(v.to_bits()).or_default() += 1.0;
    }
    let folded: Vec<(f64, f64)> = counts.into_iter().map(|(bits, n)| (f64::from_bits(bits), n)).collect();
    let dims = dimensions(dims);
    let data = folded
        .chunks(150)
        .map(|chunk| {
            MetricDatum::builder()
                .metric_name(metric)
                .set_dimensions(Some(dims.clone()))
                .timestamp(DateTime::from_secs(timestamp))
                .set_values(Some(chunk.iter().map(|&(v, _)| v).collect()))
                .set_counts(Some(chunk.iter().map(|&(_, n)| n).collect()))
                .build()
        })
        .collect();
    put_data(cw, namespace, data).await;
}

/// The binary with a clean environment: a private HOME (no config, no AWS profile files), test
/// credentials, no instance metadata. Everything else comes from `args`.
pub fn nightjar(args: &[&str], home: &std::path::Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_nightjar"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .expect("nightjar runs")
}

/// [`nightjar`] acting as `account`.
pub fn nightjar_as(args: &[&str], home: &std::path::Path, account: &Account) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_nightjar"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .envs(account.env())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .expect("nightjar runs")
}

/// A fresh directory to be a test's HOME.
pub fn temp_home(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(unique_name(name));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `nightjar --once --format json` against the emulator in `region`, with `home` as HOME: asserts
/// it succeeded and returns the report and what it said on stderr.
pub fn once_json(home: &std::path::Path, region: &str, endpoint: &str) -> (serde_json::Value, String) {
    let out = nightjar(&["--once", "--format", "json", "--region", region, "--endpoint-url", endpoint], home);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "nightjar --once failed; stderr: {stderr}");
    (serde_json::from_slice(&out.stdout).expect("valid JSON"), stderr)
}
