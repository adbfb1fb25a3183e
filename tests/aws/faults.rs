//! Fault injection: the metrics source through the real SDK client (the product's SDK config:
//! credential chain, standard retries with 3 attempts) behind a proxy
//! (`tests/emulator/fault_proxy.py`) that throttles, fails, stalls, resets and garbles the
//! emulator's answers on demand. Every scenario: no panic, the error classified and shown with
//! the stale marker, the last good data kept, and full recovery when the faults stop.

use crate::fault_proxy;
use crate::support;
use crate::tmux;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use aws_config::timeout::TimeoutConfig;
use fault_proxy::FaultProxy;
use nightjar::domain::pricing::PriceTable;
use nightjar::domain::window::Since;
use nightjar::sources::aws::{self, AwsOptions};
use nightjar::sources::cloudwatch::MetricsPoller;
use nightjar::sources::{spawn_metrics, spawn_metrics_with};
use nightjar::store::{ErrorKind, SourceHealth, Store, Update};
use nightjar::ui::app::App;
use nightjar::ui::keymap::Keymap;
use nightjar::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;
use tokio::sync::mpsc::UnboundedReceiver;

/// Short timeouts, so a stalled answer fails in seconds instead of the product's 20 s.
fn short_timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(1))
        .read_timeout(Duration::from_millis(1500))
        .operation_attempt_timeout(Duration::from_secs(2))
        .operation_timeout(Duration::from_secs(8))
        .build()
}

/// A CloudWatch client from the product's SDK configuration ([`aws::load_config`]: credential
/// chain, standard retries with 3 attempts) pointed at `endpoint`, with [`short_timeouts`].
async fn client(endpoint: &str, region: &str) -> aws_sdk_cloudwatch::Client {
    let opts = AwsOptions { profile: None, endpoint_url: Some(endpoint.to_string()) };
    let sdk = aws::load_config(&opts, Some(region)).await;
    client_from(&sdk)
}

fn client_from(sdk: &aws_config::SdkConfig) -> aws_sdk_cloudwatch::Client {
    let conf = aws_sdk_cloudwatch::config::Builder::from(sdk).timeout_config(short_timeouts()).build();
    aws_sdk_cloudwatch::Client::from_conf(conf)
}

/// Seeds one model's invocations (5 and 7, three and four minutes ago); returns its id.
async fn seed(endpoint: &str, region: &str, prefix: &str) -> (aws_sdk_cloudwatch::Client, String) {
    let direct = aws_sdk_cloudwatch::Client::new(&support::sdk_config(endpoint, region).await);
    let model = support::unique_name(prefix);
    let m = |i| support::minute_start(i);
    support::put_metric(&direct, "AWS/Bedrock", "Invocations", &[("ModelId", &model)], &[(m(3), 5.0), (m(4), 7.0)])
        .await;
    (direct, model)
}

fn invocations(store: &Store, model: &str) -> Option<f64> {
    store.models().into_iter().find(|m| m.model_id == model).and_then(|m| m.invocations)
}

/// The status bar and the message line of the console at 80x24.
fn footer(store: &Store) -> (String, String) {
    let mut app = App::new(Keymap::default(), Theme::default());
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| app.draw(f, store, support::now_secs())).unwrap();
    let buf = t.backend().buffer();
    let row = |y: u16| (0..80).map(|x| buf[(x, y)].symbol().to_string()).collect::<String>();
    (row(22), row(23))
}

/// What each fault does to a poll: the error kind, the start of the message, how many requests
/// the SDK made (3 = it retried twice), and the proxy's fault.
struct Case {
    fault: serde_json::Value,
    kind: ErrorKind,
    message: &'static str,
    requests: u64,
}

fn cases() -> Vec<Case> {
    let case = |fault: serde_json::Value, kind, message, requests| Case { fault, kind, message, requests };
    vec![
        case(json!({"mode": "throttle"}), ErrorKind::Throttled, "Rate exceeded", 3),
        case(json!({"mode": "http500"}), ErrorKind::Service, "We encountered an internal error", 3),
        case(json!({"mode": "http503"}), ErrorKind::Service, "Service is unavailable", 3),
        case(json!({"mode": "html"}), ErrorKind::Unreachable, "HTTP 502 with an HTML page instead of an AWS answer", 3),
        // past the read timeout (1.5 s) and the attempt timeout (2 s)
        case(json!({"mode": "slow", "delay_ms": 5000}), ErrorKind::Timeout, "the request timed out", 3),
        case(json!({"mode": "timeout"}), ErrorKind::Timeout, "the request timed out", 3),
        case(json!({"mode": "reset"}), ErrorKind::Unreachable, "cannot connect to", 3),
        case(json!({"mode": "truncate"}), ErrorKind::Unreachable, "the answer was cut off: ", 3),
        case(json!({"mode": "malformed"}), ErrorKind::Other, "an unreadable answer (HTTP 200): ", 1),
        case(json!({"mode": "badutf8"}), ErrorKind::Other, "an unreadable answer (HTTP 200): invalid utf-8", 1),
        case(json!({"mode": "expired"}), ErrorKind::ExpiredCredentials, "the credentials have expired", 1),
    ]
}

#[tokio::test]
async fn every_fault_is_survived_and_recovered_from() {
    let Some(endpoint) = support::endpoint() else { return };
    let region = support::claim_region("sa-east-1");
    let (direct, model) = seed(&endpoint, region, "acme.fault-model").await;
    let proxy = FaultProxy::start(&endpoint);
    let mut poller = MetricsPoller::new(client(&proxy.url, region).await, region, vec![], None, Some(&proxy.url));
    let mut store = Store::new(PriceTable::default(), vec![]);

    let u = poller.poll(Since::default(), support::now_secs()).await.expect("the first poll, no faults");
    store.apply(Update::Metrics(u));
    store.apply(Update::Health(poller.health.clone()));
    assert_eq!(invocations(&store, &model), Some(12.0));
    let mut expected = 12.0;

    // a slow answer inside the timeouts is just slow
    proxy.set(json!({"mode": "slow", "delay_ms": 500}));
    let u = poller
        .poll(Since::default(), support::now_secs())
        .await
        .expect("a slow answer within the read timeout succeeds");
    store.apply(Update::Metrics(u));
    assert!(!poller.health.is_stale());

    for (i, case) in cases().into_iter().enumerate() {
        let what = case.fault.to_string();
        proxy.reset();
        proxy.set(case.fault.clone());
        let err = poller.poll(Since::default(), support::now_secs()).await.expect_err(&what);
        // the loop sends only the health after a failed poll: the store keeps the last good data
        store.apply(Update::Health(poller.health.clone()));
        assert_eq!(err.kind, case.kind, "{what}: {err:?}");
        assert!(err.message.starts_with(case.message), "{what}: {:?}", err.message);
        assert!(!err.message.contains("ServiceError {") && !err.message.contains("Unhandled("), "{what}: {err:?}");
        assert_eq!(proxy.count("GetMetricData"), case.requests, "{what}: requests the SDK made");
        assert!(poller.health.is_stale(), "{what}");
        assert_eq!(invocations(&store, &model), Some(expected), "{what}: the last good data stays");
        let (status, message) = footer(&store);
        assert!(status.contains(&format!("cloudwatch {region} ✗ stale")), "{what}: {status}");
        // expired credentials: the fix first, as the whole line does not fit in 80 columns
        let shown: String = if err.kind == ErrorKind::ExpiredCredentials {
            err.hint.chars().take(40).collect()
        } else {
            err.one_line().chars().take(40).collect()
        };
        assert!(message.contains(&format!("cloudwatch {region}: {shown}")), "{what}: {message}");

        // the faults stop: the next poll succeeds, the marker clears, new data arrives
        proxy.clear();
        let extra = (i + 1) as f64;
        support::put_metric(
            &direct,
            "AWS/Bedrock",
            "Invocations",
            &[("ModelId", &model)],
            &[(support::minute_start(2) - 60 * (i as i64 % 2), extra)],
        )
        .await;
        expected += extra;
        let u = poller
            .poll(Since::default(), support::now_secs())
            .await
            .unwrap_or_else(|e| panic!("{what}: recovery: {e:?}"));
        store.apply(Update::Metrics(u));
        store.apply(Update::Health(poller.health.clone()));
        assert!(!poller.health.is_stale(), "{what}");
        assert_eq!(invocations(&store, &model), Some(expected), "{what}: the data updates after recovery");
        let (status, message) = footer(&store);
        assert!(status.contains(&format!("cloudwatch {region} ✓")), "{what}: {status}");
        assert!(!message.contains("cloudwatch"), "{what}: the error is gone: {message}");
    }
}

fn temp_home(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(support::unique_name(name));
    std::fs::create_dir_all(d.join(".config")).unwrap();
    d
}

/// `nightjar --once` through the proxy with `fault` on every call: a clean failure, no panic.
fn once_through(endpoint: &str, region: &str, fault: serde_json::Value) -> (Option<i32>, String) {
    let proxy = FaultProxy::start(endpoint);
    proxy.set(fault);
    let home = temp_home("once-fault");
    let out = support::nightjar(&["--once", "--region", region, "--endpoint-url", &proxy.url], &home);
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn once_through_faults_fails_cleanly() {
    let Some(endpoint) = support::endpoint() else { return };
    // the emulator's state is not read: every call is answered by the fault
    let region = "sa-east-1";
    let runs: Vec<(serde_json::Value, &str)> = vec![
        (json!({"mode": "throttle"}), "cloudwatch sa-east-1: Throttling: Rate exceeded — backing off"),
        (json!({"mode": "http500"}), "cloudwatch sa-east-1: InternalFailure: We encountered an internal error"),
        (json!({"mode": "html"}), "cloudwatch sa-east-1: HTTP 502 with an HTML page instead of an AWS answer"),
        (json!({"mode": "reset"}), "cloudwatch sa-east-1: cannot connect to"),
        (json!({"mode": "truncate"}), "cloudwatch sa-east-1: the answer was cut off"),
        (json!({"mode": "malformed"}), "cloudwatch sa-east-1: an unreadable answer (HTTP 200)"),
    ];
    let handles: Vec<_> = runs
        .into_iter()
        .map(|(fault, expect)| {
            let endpoint = endpoint.clone();
            std::thread::spawn(move || {
                let (code, stderr) = once_through(&endpoint, region, fault.clone());
                assert_eq!(code, Some(1), "{fault}: {stderr}");
                assert!(stderr.contains(&format!("nightjar: {expect}")), "{fault}: {stderr}");
                assert!(stderr.contains("no source could be read; nothing to report"), "{fault}: {stderr}");
                assert!(!stderr.contains("panicked"), "{fault}: {stderr}");
            })
        })
        .collect();
    let failures: Vec<String> = handles
        .into_iter()
        .filter_map(|h| h.join().err())
        .map(|e| e.downcast_ref::<String>().cloned().unwrap_or_else(|| "a panic".into()))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Drain `rx` into `store`; returns the metrics updates seen.
fn drain(rx: &mut UnboundedReceiver<Update>, store: &mut Store) -> usize {
    let mut metrics = 0;
    while let Ok(u) = rx.try_recv() {
        metrics += usize::from(matches!(u, Update::Metrics(_)));
        store.apply(u);
    }
    metrics
}

fn health<'a>(store: &'a Store, region: &str) -> &'a SourceHealth {
    store.health().find(|h| h.name == "cloudwatch" && h.region.as_deref() == Some(region)).expect("cloudwatch health")
}

#[tokio::test(flavor = "multi_thread")]
async fn backoff_holds_the_call_rate_down_in_a_throttling_storm() {
    let Some(endpoint) = support::endpoint() else { return };
    let region = support::claim_region("ca-central-1");
    let (direct, model) = seed(&endpoint, region, "acme.storm-model").await;
    let refresh = Duration::from_secs(1);

    // the console's loop (next_delay) behind one proxy, a loop without backoff behind another
    let with = FaultProxy::start(&endpoint);
    let without = FaultProxy::start(&endpoint);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let poller = MetricsPoller::new(client(&with.url, region).await, region, vec![], None, Some(&with.url));
    let _commands = spawn_metrics(poller, Since::default(), refresh, tx);
    let mut naive = MetricsPoller::new(client(&without.url, region).await, region, vec![], None, Some(&without.url));
    let naive_task = tokio::spawn(async move {
        loop {
            let _ = naive.poll(Since::default(), support::now_secs()).await;
            tokio::time::sleep(refresh).await;
        }
    });

    // healthy: the first poll lands
    let mut store = Store::new(PriceTable::default(), vec![]);
    let t0 = Instant::now();
    while invocations(&store, &model).is_none() {
        assert!(t0.elapsed() < Duration::from_secs(30), "no first poll");
        tokio::time::sleep(Duration::from_millis(100)).await;
        drain(&mut rx, &mut store);
    }
    assert_eq!(invocations(&store, &model), Some(12.0));
    tokio::time::sleep(Duration::from_secs(3)).await;
    let healthy_rate = with.count("GetMetricData");

    // the storm: every GetMetricData is throttled, for 25 s
    let storm = Duration::from_secs(25);
    drain(&mut rx, &mut store);
    for p in [&with, &without] {
        p.set(json!({"mode": "throttle", "match": "GetMetricData"}));
        p.reset();
    }
    let storm_start = Instant::now();
    let mut max_backoff = 0;
    let mut data_in_storm = 0;
    while storm_start.elapsed() < storm {
        tokio::time::sleep(Duration::from_millis(250)).await;
        data_in_storm += drain(&mut rx, &mut store);
        if let Some(h) = store.health().find(|h| h.name == "cloudwatch") {
            max_backoff = max_backoff.max(h.backoff_secs);
        }
    }
    let (n_with, n_without) = (with.count("GetMetricData"), without.count("GetMetricData"));
    eprintln!(
        "storm of {storm:?} with a {refresh:?} refresh: {n_with} GetMetricData with backoff, {n_without} without \
         ({healthy_rate} in 3 s healthy)"
    );
    let h = health(&store, region);
    assert!(h.is_stale());
    assert_eq!(h.last_error.as_ref().map(|e| e.kind), Some(ErrorKind::Throttled));
    assert_eq!(invocations(&store, &model), Some(12.0), "the last good data stays");
    // failed polls send no data (one poll may have been past the proxy when the storm began)
    assert!(data_in_storm <= 1, "{data_in_storm} metric updates in the storm");
    // next_delay: 15 s after the first throttled poll, then 30 s, so two polls in 25 s, of 3
    // attempts each (the SDK's retries); without backoff a poll every ~1 s + the SDK's retry waits
    assert_eq!(n_with, 6, "two throttled polls of three attempts in the storm");
    assert_eq!(max_backoff, 30, "the status bar shows the wait before the next try");
    assert!(n_without >= 4 * n_with, "without backoff: {n_without}, with: {n_with}");

    // the storm ends: recovery by itself at the next scheduled poll, without a restart
    for p in [&with, &without] {
        p.clear();
    }
    support::put_metric(
        &direct,
        "AWS/Bedrock",
        "Invocations",
        &[("ModelId", &model)],
        &[(support::minute_start(2), 30.0)],
    )
    .await;
    let t0 = Instant::now();
    while health(&store, region).is_stale() {
        assert!(t0.elapsed() < Duration::from_secs(45), "no recovery: {:?}", health(&store, region));
        tokio::time::sleep(Duration::from_millis(250)).await;
        drain(&mut rx, &mut store);
    }
    eprintln!("recovered {:?} after the storm ended", t0.elapsed());
    drain(&mut rx, &mut store);
    assert_eq!(invocations(&store, &model), Some(42.0), "the data updates after recovery");
    assert_eq!(health(&store, region).backoff_secs, 0);
    naive_task.abort();
}

/// A profile whose `credential_process` prints the access key named in a state file, valid for
/// an hour, or fails (with `fail` in the file) the way `aws configure export-credentials` does
/// when the SSO session has expired. Returns (config file, state file).
fn credential_process_profile(dir: &Path) -> (PathBuf, PathBuf) {
    let state = dir.join("state");
    let script = dir.join("creds.sh");
    std::fs::write(
        &script,
        format!(
            r#"#!/bin/sh
state=$(cat '{s}')
echo "$state" >> '{s}.log'
if [ "$state" = fail ]; then
  echo "Error when retrieving token from sso: Token has expired and refresh failed" >&2
  exit 1
fi
exp=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
printf '{{"Version":1,"AccessKeyId":"%s","SecretAccessKey":"s","SessionToken":"t","Expiration":"%s"}}' "$state" "$exp"
"#,
            s = state.display()
        ),
    )
    .unwrap();
    let config = dir.join("config");
    std::fs::write(&config, format!("[profile x]\ncredential_process = sh {}\n", script.display())).unwrap();
    (config, state)
}

/// Short waits for the test: 1 s after every poll, whatever the error (the product waits 30 s
/// for credentials, `sources::tests` checks that).
fn quick(_: Duration, _: &SourceHealth) -> Duration {
    Duration::from_secs(1)
}

#[tokio::test(flavor = "multi_thread")]
async fn expired_credentials_show_the_fix_and_recover_by_themselves() {
    let Some(endpoint) = support::endpoint() else { return };
    let region = support::claim_region("af-south-1");
    let (direct, model) = seed(&endpoint, region, "acme.creds-model").await;
    let proxy = FaultProxy::start(&endpoint);
    let dir = std::env::temp_dir().join(support::unique_name("creds"));
    std::fs::create_dir_all(&dir).unwrap();
    let (config, state) = credential_process_profile(&dir);
    std::fs::write(&state, "AKIDFIRST").unwrap();

    // the product's configuration for profile x; only the profile file is the test's (the
    // process environment of this test holds static keys, which would win over a profile)
    // (aws-config's names for aws-runtime's EnvConfigFiles, which is not a dependency of ours)
    #[allow(deprecated)]
    let files = aws_config::profile::profile_file::ProfileFiles::builder()
        .with_file(aws_config::profile::profile_file::ProfileFileKind::Config, &config)
        .build();
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let provider = aws_config::profile::ProfileFileCredentialsProvider::builder()
        .configure(&aws_config::provider_config::ProviderConfig::without_region().with_http_client(http))
        .profile_files(files.clone())
        .profile_name("x")
        .build();
    let opts = AwsOptions { profile: Some("x".into()), endpoint_url: Some(proxy.url.clone()) };
    let loader = aws::config_loader(&opts, Some(region)).profile_files(files).credentials_provider(provider);
    let sdk = aws::finish_config(loader).await;
    let poller = MetricsPoller::new(client_from(&sdk), region, vec![], Some("x"), Some(&proxy.url));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let _commands = spawn_metrics_with(poller, Since::default(), Duration::from_secs(1), tx, quick);
    let mut store = Store::new(PriceTable::default(), vec![]);
    let wait = |what: &'static str| {
        let t0 = Instant::now();
        move |store: &Store| {
            assert!(t0.elapsed() < Duration::from_secs(30), "{what}: {:?}", store.health().collect::<Vec<_>>());
        }
    };
    let check = wait("first poll");
    while invocations(&store, &model).is_none() {
        check(&store);
        tokio::time::sleep(Duration::from_millis(100)).await;
        drain(&mut rx, &mut store);
    }

    // mid-session AWS ends the session early (revoked, re-issued elsewhere): ExpiredToken for
    // credentials the SDK would hold as valid for another hour
    proxy.set(json!({"mode": "expired", "akid": "AKIDFIRST"}));
    let check = wait("ExpiredToken");
    while !health(&store, region).is_stale() {
        check(&store);
        tokio::time::sleep(Duration::from_millis(100)).await;
        drain(&mut rx, &mut store);
    }
    let e = health(&store, region).last_error.clone().unwrap();
    assert_eq!(e.kind, ErrorKind::ExpiredCredentials);
    assert_eq!(e.code.as_deref(), Some("ExpiredToken"));
    assert_eq!(
        e.one_line(),
        "ExpiredToken: the credentials have expired — refresh them (`aws sso login --profile x` or re-assume the \
         role); nightjar retries by itself"
    );
    // at 80 columns the fix comes first
    let (_, message) = footer(&store);
    assert_eq!(message, format!(" cloudwatch {region}: refresh them (`aws sso login --profile x` or re-assume t"));

    // then the operator's `aws sso login` has not happened yet: the process itself fails
    std::fs::write(&state, "fail").unwrap();
    let check = wait("credential_process failing");
    loop {
        check(&store);
        tokio::time::sleep(Duration::from_millis(100)).await;
        drain(&mut rx, &mut store);
        if health(&store, region).last_error.as_ref().is_some_and(|e| e.code.is_none()) {
            break;
        }
    }
    let e = health(&store, region).last_error.clone().unwrap();
    assert_eq!(e.kind, ErrorKind::ExpiredCredentials, "{e:?}");
    assert_eq!(
        e.one_line(),
        "no valid SSO session (expired or never logged in) — run `aws sso login --profile x`; nightjar recovers by \
         itself once you have"
    );
    assert_eq!(invocations(&store, &model), Some(12.0), "the last good data stays");

    // valid again: the loop recovers by itself, new data arrives
    support::put_metric(
        &direct,
        "AWS/Bedrock",
        "Invocations",
        &[("ModelId", &model)],
        &[(support::minute_start(2), 30.0)],
    )
    .await;
    std::fs::write(&state, "AKIDSECOND").unwrap();
    let check = wait("recovery");
    while health(&store, region).is_stale() {
        check(&store);
        tokio::time::sleep(Duration::from_millis(100)).await;
        drain(&mut rx, &mut store);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    drain(&mut rx, &mut store);
    assert_eq!(invocations(&store, &model), Some(42.0));
    let log = std::fs::read_to_string(dir.join("state.log")).unwrap();
    // the process ran again after AWS refused its credentials (the SDK's own cache would have
    // kept AKIDFIRST for an hour), failed while the session was gone, then gave new ones
    let runs: Vec<&str> = log.lines().collect();
    assert_eq!(runs.first(), Some(&"AKIDFIRST"), "{log}");
    assert!(runs.contains(&"fail"), "{log}");
    assert_eq!(runs.last(), Some(&"AKIDSECOND"), "{log}");
    assert!(proxy.faulted("GetMetricData") >= 1, "AWS refused the ended session");
}

/// The same through the binary in a terminal, with the SSO token cache: the console starts with
/// an expired SSO session (the banner says `aws sso login --profile sso`), the operator logs in
/// (a fresh token in the cache), and without a restart the console gets role credentials from
/// the SSO portal (answered by the proxy) and shows data.
#[test]
fn expired_sso_session_banner_then_recovery_in_the_console() {
    let Some(endpoint) = support::endpoint() else { return };
    let region = "af-south-1";
    let proxy = FaultProxy::start(&endpoint);
    let home = temp_home("sso");
    let aws_dir = home.join(".aws");
    std::fs::create_dir_all(aws_dir.join("sso/cache")).unwrap();
    std::fs::write(
        aws_dir.join("config"),
        format!(
            "[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = ReadOnly\n\
             region = {region}\n\n[sso-session corp]\nsso_start_url = https://example.awsapps.com/start\n\
             sso_region = {region}\n"
        ),
    )
    .unwrap();
    // named by the SHA-1 of the session name ("corp")
    let token = aws_dir.join("sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json");
    let write_token = |expires: &str| {
        std::fs::write(
            &token,
            format!(
                "{{\"accessToken\":\"t\",\"expiresAt\":\"{expires}\",\"region\":\"{region}\",\
                 \"startUrl\":\"https://example.awsapps.com/start\"}}"
            ),
        )
        .unwrap()
    };
    write_token("2020-01-01T00:00:00Z");
    let env = vec![
        ("HOME", home.display().to_string()),
        ("XDG_CONFIG_HOME", home.join(".config").display().to_string()),
        ("XDG_STATE_HOME", home.join(".state").display().to_string()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
        // every client, the SSO portal's included, goes to the proxy
        ("AWS_ENDPOINT_URL", proxy.url.clone()),
    ];
    let Some(t) = tmux::Tmux::start(200, 30, &env) else { return };
    t.run(&format!("{} --profile sso --refresh 5; {}", env!("CARGO_BIN_EXE_nightjar"), tmux::AFTER));
    let up = Duration::from_secs(60);
    let s = t.wait_for("the expired-session banner", up, |s| s.contains("aws sso login --profile sso"));
    assert!(s.contains("no valid SSO session (expired or never logged in)"), "{s}");
    assert!(s.contains("✗"), "{s}");
    assert_eq!(proxy.count("GetRoleCredentials"), 0, "no call with an expired token");

    // `aws sso login`: a fresh token; the console recovers by itself (credentials wait 30 s)
    let expires = chrono::Utc::now() + chrono::Duration::hours(8);
    write_token(&expires.format("%Y-%m-%dT%H:%M:%SZ").to_string());
    let s = t.wait_for("recovery without a restart", Duration::from_secs(75), |s| {
        s.contains(&format!("cloudwatch {region} ✓")) && !s.contains("aws sso login") && s.contains("123456789012")
    });
    assert!(!s.contains('✗'), "every source recovered, the account is known:\n{s}");
    assert!(proxy.count("GetRoleCredentials") >= 1);
    assert!(proxy.count("ListMetrics") >= 1);
    t.keys(&["q"]);
    let s = t.wait_for("the exit", up, |s| s.contains("rc=0"));
    assert!(!s.contains("panicked"), "{s}");
}
