//! Fault injection: the metrics source through the real SDK client, behind a proxy
//! (`tests/emulator/fault_proxy.py`) that throttles, fails, stalls, resets and garbles the
//! emulator's answers on demand.

mod fault_proxy;
mod support;

use std::time::Duration;

use aws_config::timeout::TimeoutConfig;
use fault_proxy::FaultProxy;
use nightjar::domain::pricing::PriceTable;
use nightjar::domain::window::Since;
use nightjar::sources::aws::{self, AwsOptions};
use nightjar::sources::cloudwatch::MetricsPoller;
use nightjar::store::{ErrorKind, Store, Update};
use serde_json::json;

/// Short timeouts, so a stalled answer fails in a second instead of the product's 20 s.
fn short_timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(1))
        .read_timeout(Duration::from_millis(1500))
        .operation_attempt_timeout(Duration::from_secs(2))
        .operation_timeout(Duration::from_secs(8))
        .build()
}

/// The product's SDK configuration (credential chain, standard retries, 3 attempts) pointed at
/// `endpoint`, with [`short_timeouts`].
async fn client(endpoint: &str, region: &str) -> aws_sdk_cloudwatch::Client {
    let opts = AwsOptions { profile: None, endpoint_url: Some(endpoint.to_string()) };
    let sdk = aws::load_config(&opts, Some(region)).await;
    let conf = aws_sdk_cloudwatch::config::Builder::from(&sdk).timeout_config(short_timeouts()).build();
    aws_sdk_cloudwatch::Client::from_conf(conf)
}

#[tokio::test]
async fn explore() {
    let Some(endpoint) = support::endpoint() else { return };
    let region = support::claim_region("sa-east-1");
    let direct = aws_sdk_cloudwatch::Client::new(&support::sdk_config(&endpoint, region).await);
    let model = support::unique_name("acme.fault-model");
    let m = |i| support::minute_start(i);
    support::put_metric(&direct, "AWS/Bedrock", "Invocations", &[("ModelId", &model)], &[(m(3), 5.0), (m(4), 7.0)])
        .await;
    let proxy = FaultProxy::start(&endpoint);
    let cw = client(&proxy.url, region).await;
    let mut poller = MetricsPoller::new(cw, region, vec![], None, Some(&proxy.url));
    let mut store = Store::new(PriceTable::default(), vec![]);
    let u = poller.poll(Since::default(), support::now_secs()).await.expect("first poll");
    store.apply(Update::Metrics(u));
    for mode in [
        "throttle",
        "http500",
        "http503",
        "html",
        "slow",
        "timeout",
        "reset",
        "truncate",
        "malformed",
        "badutf8",
        "expired",
    ] {
        proxy.set(json!({"mode": mode, "delay_ms": if mode == "slow" { 500 } else { 20000 }}));
        proxy.reset();
        let t0 = std::time::Instant::now();
        let r = poller.poll(Since::default(), support::now_secs()).await;
        let s = proxy.stats();
        eprintln!("{mode}: {:?} in {:?} -> {:?} {:?}", r.as_ref().err(), t0.elapsed(), s["ops"], s["log"]);
        let _ = ErrorKind::Other;
    }
}

#[tokio::test]
async fn explore_creds() {
    let Some(endpoint) = support::endpoint() else { return };
    let region = "ca-central-1";
    let proxy = FaultProxy::start(&endpoint);
    let dir = std::env::temp_dir().join(support::unique_name("creds"));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state");
    std::fs::write(&state, "expired").unwrap();
    let script = dir.join("creds.sh");
    std::fs::write(
        &script,
        format!(
            r#"#!/bin/sh
exp=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
if [ "$(cat {s})" = valid ]; then k=AKIDVALID; else k=AKIDEXPIRED; fi
echo "run $k" >> {s}.log
printf '{{"Version":1,"AccessKeyId":"%s","SecretAccessKey":"s","SessionToken":"t","Expiration":"%s"}}' "$k" "$exp"
"#,
            s = state.display()
        ),
    )
    .unwrap();
    let cfg = dir.join("config");
    std::fs::write(&cfg, format!("[profile x]\ncredential_process = sh {}\n", script.display())).unwrap();
    let files = aws_config::profile::profile_file::ProfileFiles::builder()
        .with_file(aws_config::profile::profile_file::ProfileFileKind::Config, &cfg)
        .build();
    let opts = AwsOptions { profile: Some("x".into()), endpoint_url: Some(proxy.url.clone()) };
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let pc = aws_config::provider_config::ProviderConfig::without_region().with_http_client(http);
    let profile = aws_config::profile::ProfileFileCredentialsProvider::builder()
        .configure(&pc)
        .profile_files(files.clone())
        .profile_name("x")
        .build();
    let loader = aws::config_loader(&opts, Some(region)).profile_files(files).credentials_provider(profile);
    let sdk = if std::env::var("PLAIN").is_ok() { loader.load().await } else { aws::finish_config(loader).await };
    let cw = aws_sdk_cloudwatch::Client::new(&sdk);
    proxy.set(json!({"mode": "expired", "akid": "AKIDEXPIRED"}));
    let mut poller = MetricsPoller::new(cw, region, vec![], Some("x"), Some(&proxy.url));
    let r = poller.poll(Since::default(), support::now_secs()).await;
    eprintln!("1: {:?}", r.err());
    std::fs::write(&state, "valid").unwrap();
    let r = poller.poll(Since::default(), support::now_secs()).await;
    eprintln!("2: {:?}", r.err());
    eprintln!("{}", std::fs::read_to_string(dir.join("state.log")).unwrap_or_default());
}
