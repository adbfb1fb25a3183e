//! The CloudWatch metrics source against the AWS emulator, through the real SDK client and
//! through the `nightjar --once --format json` binary: seed known values, read them back,
//! assert the exact sums and percentiles per model.

use crate::support;

use std::process::Command;

use nightjar::domain::pricing::PriceTable;
use nightjar::domain::window::Since;
use nightjar::sources::cloudwatch::MetricsPoller;
use nightjar::store::{Store, Update};
use serde_json::Value;

const SONNET: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const HAIKU: &str = "anthropic.claude-haiku-4-5-20251001-v1:0";
const UNPRICED: &str = "acme.private-model-v1";

/// Seeds two priced models and one unpriced one over the last half hour; returns `now`.
/// Every seeded minute is 3..=22 minutes old, well inside a 1h window.
async fn seed_bedrock(cw: &aws_sdk_cloudwatch::Client) {
    let ns = "AWS/Bedrock";
    let minutes: Vec<i64> = (3..=22).map(support::minute_start).collect();
    // Invocations 1..=20 per minute → 210; tokens 1000/min in, 200/min out
    let inv: Vec<(i64, f64)> = minutes.iter().enumerate().map(|(i, t)| (*t, (i + 1) as f64)).collect();
    support::put_metric(cw, ns, "Invocations", &[("ModelId", SONNET)], &inv).await;
    let tin: Vec<(i64, f64)> = minutes.iter().map(|t| (*t, 1000.0)).collect();
    let tout: Vec<(i64, f64)> = minutes.iter().map(|t| (*t, 200.0)).collect();
    support::put_metric(cw, ns, "InputTokenCount", &[("ModelId", SONNET)], &tin).await;
    support::put_metric(cw, ns, "OutputTokenCount", &[("ModelId", SONNET)], &tout).await;
    support::put_metric(
        cw,
        ns,
        "InvocationClientErrors",
        &[("ModelId", SONNET)],
        &[(minutes[0], 3.0), (minutes[5], 4.0)],
    )
    .await;
    support::put_metric(cw, ns, "InvocationServerErrors", &[("ModelId", SONNET)], &[(minutes[1], 1.0)]).await;
    support::put_metric(
        cw,
        ns,
        "InvocationThrottles",
        &[("ModelId", SONNET)],
        &[(minutes[2], 30.0), (minutes[3], 40.0)],
    )
    .await;
    // the blog spelling of the cache metric
    support::put_metric(cw, ns, "CacheReadInputTokenCount", &[("ModelId", SONNET)], &[(minutes[0], 5000.0)]).await;
    // latency: 1..=100 ms in one minute and 101..=200 in another → window p50 100, p90 180, p99 198
    let a: Vec<f64> = (1..=100).map(f64::from).collect();
    let b: Vec<f64> = (101..=200).map(f64::from).collect();
    support::put_metric_values(cw, ns, "InvocationLatency", &[("ModelId", SONNET)], minutes[4], &a).await;
    support::put_metric_values(cw, ns, "InvocationLatency", &[("ModelId", SONNET)], minutes[6], &b).await;

    support::put_metric(cw, ns, "Invocations", &[("ModelId", HAIKU)], &[(minutes[0], 100.0), (minutes[1], 50.0)]).await;
    support::put_metric(cw, ns, "InputTokenCount", &[("ModelId", HAIKU)], &[(minutes[0], 1_000_000.0)]).await;
    support::put_metric(cw, ns, "OutputTokenCount", &[("ModelId", HAIKU)], &[(minutes[0], 100_000.0)]).await;
    let c: Vec<f64> = (1..=10).map(|v| f64::from(v) * 100.0).collect();
    support::put_metric_values(cw, ns, "InvocationLatency", &[("ModelId", HAIKU)], minutes[0], &c).await;

    support::put_metric(cw, ns, "Invocations", &[("ModelId", UNPRICED)], &[(minutes[0], 7.0)]).await;
    support::put_metric(cw, ns, "InputTokenCount", &[("ModelId", UNPRICED)], &[(minutes[0], 700.0)]).await;
    // an old datapoint outside the 1h window must not be counted
    support::put_metric(cw, ns, "Invocations", &[("ModelId", UNPRICED)], &[(support::minute_start(90), 1000.0)]).await;
}

async fn seed_genai(cw: &aws_sdk_cloudwatch::Client) {
    let m = |i| support::minute_start(i);
    support::put_metric(
        cw,
        "GenAI/Quality",
        "Faithfulness",
        &[],
        &[(m(3), 0.9), (m(4), 0.7), (m(5), 0.8), (m(6), 0.6)],
    )
    .await;
    support::put_metric(cw, "GenAI/Cost", "TotalCost", &[], &[(m(3), 1.25), (m(4), 2.5)]).await;
    support::put_metric(
        cw,
        "GenAI/Behavior",
        "StopReason",
        &[("Reason", "max_tokens")],
        &[(m(3), 1.0), (m(4), 1.0), (m(5), 1.0)],
    )
    .await;
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

#[tokio::test]
async fn poller_reads_back_exact_figures() {
    let Some(endpoint) = support::endpoint() else { return };
    let region = support::claim_region("us-east-1");
    let conf = support::sdk_config(&endpoint, region).await;
    let cw = aws_sdk_cloudwatch::Client::new(&conf);
    seed_bedrock(&cw).await;
    seed_genai(&cw).await;

    let namespaces = vec!["GenAI/Quality".to_string(), "GenAI/Cost".to_string(), "GenAI/Behavior".to_string()];
    let mut poller = MetricsPoller::new(cw.clone(), region, namespaces.clone(), None, Some(&endpoint));
    let now = support::now_secs();
    let update = poller.poll(Since::default(), now).await.expect("poll succeeds against the emulator");
    let mut store = Store::new(PriceTable::default(), namespaces);
    store.apply(Update::Metrics(update));
    store.apply(Update::Health(poller.health.clone()));

    let models = store.models();
    assert_eq!(models.len(), 3, "{models:#?}");
    let s = models.iter().find(|m| m.model_id == SONNET).unwrap();
    assert_eq!(s.invocations, Some(210.0));
    assert_eq!(s.input_tokens, Some(20_000.0));
    assert_eq!(s.output_tokens, Some(4_000.0));
    assert_eq!(s.client_errors, Some(7.0));
    assert_eq!(s.server_errors, Some(1.0));
    assert_eq!(s.throttles, Some(70.0));
    assert_eq!(s.cache_read_tokens, Some(5000.0));
    // CloudWatch's own whole-window figures (nearest-rank over all 200 values)
    assert_eq!(s.latency_p50, Some(100.0));
    assert_eq!(s.latency_p90, Some(180.0));
    assert_eq!(s.latency_p99, Some(198.0));
    assert!(close(s.latency_avg, 100.5), "{:?}", s.latency_avg);
    // 20k in × $3/M + 4k out × $15/M + 5k cache read × $0.30/M
    assert!(close(s.cost_usd, 0.06 + 0.06 + 0.0015), "{:?}", s.cost_usd);
    assert!(close(s.error_pct(), 8.0 / 210.0 * 100.0));
    assert!(close(s.throttle_pct(), 70.0 / 280.0 * 100.0));

    let h = models.iter().find(|m| m.model_id == HAIKU).unwrap();
    assert_eq!(h.invocations, Some(150.0));
    assert_eq!(h.latency_p50, Some(500.0));
    assert_eq!(h.latency_p99, Some(1000.0));
    assert!(close(h.cost_usd, 1.0 + 0.5));
    assert_eq!(h.throttles, None, "no throttle metric was published: unknown, not zero");

    let u = models.iter().find(|m| m.model_id == UNPRICED).unwrap();
    assert_eq!(u.invocations, Some(7.0), "the datapoint 90 minutes old is outside the window");
    assert_eq!(u.cost_usd, None, "no price: unknown, never $0");

    let ns = store.namespace_metrics();
    let faith = &ns["GenAI/Quality"][0];
    assert_eq!(faith.key.stat, "Average");
    assert!(close(faith.value, 0.75), "{:?}", faith.value);
    assert!(close(ns["GenAI/Cost"][0].value, 3.75));
    let stop = &ns["GenAI/Behavior"][0];
    assert_eq!(stop.key.dims, vec![("Reason".to_string(), "max_tokens".to_string())]);
    assert_eq!(stop.value, Some(3.0));

    // health: calls and metrics requested are counted, and the spend follows
    assert!(poller.health.last_ok.is_some() && !poller.health.is_stale());
    assert!(poller.health.metrics_requested > 0);
    assert!((store.api_spend_usd() - poller.health.spend_usd()).abs() < 1e-12);

    // a second poll is incremental and changes nothing
    let again = poller.poll(Since::default(), now + 60).await.unwrap();
    let (from, _) = poller.last_range.unwrap();
    assert!(from > store.window.start, "incremental poll starts late in the window");
    store.apply(Update::Metrics(again));
    let s2 = store.models().into_iter().find(|m| m.model_id == SONNET).unwrap();
    assert_eq!(s2.invocations, Some(210.0));
    assert_eq!(s2.latency_p99, Some(198.0));
}

#[tokio::test]
async fn once_json_reports_the_seeded_figures() {
    let Some(endpoint) = support::endpoint() else { return };
    let region = support::claim_region("us-west-1");
    let conf = support::sdk_config(&endpoint, region).await;
    let cw = aws_sdk_cloudwatch::Client::new(&conf);
    seed_bedrock(&cw).await;
    seed_genai(&cw).await;

    let home = support::temp_home("once-json");
    let (v, _) = support::once_json(&home, region, &endpoint);
    assert_eq!(v["account"], support::ACCOUNT_ID);
    assert_eq!(v["regions"], serde_json::json!([region]));
    let models = v["models"].as_array().unwrap();
    assert_eq!(models.len(), 3);
    let s = models.iter().find(|m| m["model_id"] == SONNET).unwrap();
    assert_eq!(s["region"], region);
    assert_eq!(s["invocations"], 210.0);
    assert_eq!(s["input_tokens"], 20000.0);
    assert_eq!(s["output_tokens"], 4000.0);
    assert_eq!(s["client_errors"], 7.0);
    assert_eq!(s["server_errors"], 1.0);
    assert_eq!(s["throttles"], 70.0);
    assert_eq!(s["latency_ms"]["p50"], 100.0);
    assert_eq!(s["latency_ms"]["p90"], 180.0);
    assert_eq!(s["latency_ms"]["p99"], 198.0);
    assert_eq!(s["latency_ms"]["avg"], 100.5);
    assert!((s["cost_usd"].as_f64().unwrap() - 0.1215).abs() < 1e-9);
    let u = models.iter().find(|m| m["model_id"] == UNPRICED).unwrap();
    assert!(u["cost_usd"].is_null());
    assert!(u["throttles"].is_null());
    let quality = v["namespaces"].as_array().unwrap().iter().find(|n| n["namespace"] == "GenAI/Quality").unwrap();
    let faith = &quality["metrics"][0];
    assert_eq!(faith["name"], "Faithfulness");
    assert_eq!(faith["stat"], "Average");
    assert!((faith["value"].as_f64().unwrap() - 0.75).abs() < 1e-9);
    let src = &v["sources"].as_array().unwrap().iter().find(|s| s["name"] == "cloudwatch").unwrap();
    assert_eq!(src["ok"], true);
    assert!(src["error"].is_null());
    // the window is an hour, minute-aligned
    let start = chrono::DateTime::parse_from_rfc3339(v["window"]["start"].as_str().unwrap()).unwrap();
    let end = chrono::DateTime::parse_from_rfc3339(v["window"]["end"].as_str().unwrap()).unwrap();
    assert_eq!((end - start).num_seconds(), 3600);

    // and the text format fits 80 columns and names the worst throttler
    let out = support::nightjar(&["--once", "--region", region, "--endpoint-url", &endpoint], &home);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
    assert!(text.contains("worst throttles: claude-sonnet-4-5 25%"), "{text}");
}

#[test]
fn unreachable_endpoint_is_a_clear_error_and_nonzero_exit() {
    let home = support::temp_home("unreachable");
    let out = support::nightjar(&["--once", "--region", "us-east-1", "--endpoint-url", "http://127.0.0.1:1"], &home);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("cannot connect to http://127.0.0.1:1"), "{stderr}");
    assert!(stderr.contains("no source could be read"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn unknown_region_says_so() {
    let Some(endpoint) = support::endpoint() else { return };
    let home = support::temp_home("badregion");
    let out = support::nightjar(&["--once", "--region", "xx-fake-9", "--endpoint-url", &endpoint], &home);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    // the emulator answers (HTTP 500) in a region it does not know: that is not "cannot reach
    // AWS", but the region is still named as unknown
    assert!(stderr.contains("'xx-fake-9' is not a region nightjar knows"), "{stderr}");
    assert!(!stderr.contains("cannot reach AWS"), "{stderr}");
}

#[test]
fn missing_credentials_say_how_to_fix() {
    let home = support::temp_home("nocreds");
    let out = Command::new(env!("CARGO_BIN_EXE_nightjar"))
        .args(["--once", "--region", "us-east-1", "--endpoint-url", "http://127.0.0.1:1"])
        .env_clear()
        .env("HOME", &home)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("no AWS credentials were found"), "{stderr}");
    assert!(stderr.contains("--demo"), "{stderr}");
}

#[test]
fn no_region_is_a_clear_error() {
    let home = support::temp_home("noregion");
    let out = support::nightjar(&["--once", "--endpoint-url", "http://127.0.0.1:1"], &home);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("no AWS region: pass --region"), "{stderr}");
}

#[test]
fn expired_sso_session_says_how_to_log_in() {
    let home = support::temp_home("sso");
    let aws = home.join(".aws");
    std::fs::create_dir_all(aws.join("sso/cache")).unwrap();
    std::fs::write(
        aws.join("config"),
        "[profile prod]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\nregion = us-east-1\n\n\
         [sso-session corp]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n",
    )
    .unwrap();
    // the cached token is named by the SHA-1 of the session name ("corp"), and long expired
    std::fs::write(
        aws.join("sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json"),
        "{\"accessToken\":\"x\",\"expiresAt\":\"2020-01-01T00:00:00Z\",\"region\":\"us-east-1\",\"startUrl\":\"https://example.awsapps.com/start\"}",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_nightjar"))
        .args(["--once", "--profile", "prod", "--endpoint-url", "http://127.0.0.1:1"])
        .env_clear()
        .env("HOME", &home)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("no valid SSO session"), "{stderr}");
    assert!(stderr.contains("aws sso login --profile prod"), "{stderr}");
}

/// Two profiles at once (`--profile alpha,beta`), each with its own region from the AWS config
/// file and its own clients: each profile's rows carry `profile/region` and that region's
/// figures only, and both accounts are named.
#[tokio::test]
async fn several_profiles_are_watched_side_by_side() {
    let Some(endpoint) = support::endpoint() else { return };
    let (ra, rb) = (support::claim_region("ap-southeast-4"), support::claim_region("eu-south-2"));
    let model = support::unique_name("acme.multi-profile");
    let t = support::minute_start(5);
    for (region, n) in [(ra, 11.0), (rb, 29.0)] {
        let cw = aws_sdk_cloudwatch::Client::new(&support::sdk_config(&endpoint, region).await);
        support::put_metric(&cw, "AWS/Bedrock", "Invocations", &[("ModelId", &model)], &[(t, n)]).await;
    }
    let home = support::temp_home("profiles");
    std::fs::create_dir_all(home.join(".aws")).unwrap();
    std::fs::write(
        home.join(".aws/config"),
        format!("[profile alpha]\nregion = {ra}\n\n[profile beta]\nregion = {rb}\n"),
    )
    .unwrap();
    let out = support::nightjar(
        &["--once", "--format", "json", "--profile", "alpha,beta", "--endpoint-url", &endpoint],
        &home,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stderr: {stderr}");
    let v: Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(v["profile"], "alpha");
    assert_eq!(v["regions"], serde_json::json!([ra, rb]));
    assert_eq!(
        v["accounts"],
        serde_json::json!([
            {"profile": "alpha", "account": support::ACCOUNT_ID},
            {"profile": "beta", "account": support::ACCOUNT_ID},
        ])
    );
    let rows: Vec<(String, f64)> = v["models"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["model_id"] == model.as_str())
        .map(|m| (m["region"].as_str().unwrap().to_string(), m["invocations"].as_f64().unwrap()))
        .collect();
    assert_eq!(rows, vec![(format!("alpha/{ra}"), 11.0), (format!("beta/{rb}"), 29.0)]);
    // each profile's sources report on their own
    let sources: Vec<String> = v["sources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["name"] == "cloudwatch")
        .map(|s| s["region"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(sources, vec![format!("alpha/{ra}"), format!("beta/{rb}")]);

    // the text report says who is watched
    let out = support::nightjar(&["--once", "--profile", "alpha,beta", "--endpoint-url", &endpoint], &home);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains(&format!("alpha/{ra}")) && text.contains(&format!("beta/{rb}")), "{text}");
}
