//! Bedrock quota headroom through the real SDK client and the `nightjar --once` binary against the
//! emulator. moto does not implement ListServiceQuotas (it answers HTTP 500 with an HTML page),
//! which is the path a read-only role without `servicequotas:ListServiceQuotas` takes too: the
//! console says so calmly, uses the configured quotas, and reports the metrics as usual (exit 0).
//! In a region a test seeds, tests/emulator/shim_quota.py answers both Service Quotas lists as
//! strictly as the API reference (paging, NoSuchResourceException, bad tokens): the applied values
//! and AWS's defaults are merged. The parsing, matching and the AccessDenied/throttling handling
//! are covered with aws-smithy-mocks in `src/sources/quotas.rs`.

use crate::support;

use nightjar::sources::quotas::QuotasSource;

const HAIKU: &str = "anthropic.claude-haiku-4-5-20251001-v1:0";

#[tokio::test]
async fn unreadable_service_quotas_fall_back_calmly_to_the_configured_quotas() {
    let Some(endpoint) = support::endpoint() else { return };
    let region = support::claim_region("ap-southeast-2");
    let conf = support::sdk_config(&endpoint, region).await;

    // the source itself, through the real client: an error recorded, a calm note, not stale
    let mut src = QuotasSource::new(aws_sdk_servicequotas::Client::new(&conf), region, None, Some(&endpoint));
    assert!(src.poll(support::now_secs()).await.is_err());
    assert!(src.health.last_error.is_some());
    assert!(!src.health.is_stale());
    let note = src.health.note.clone().unwrap();
    assert!(note.starts_with("Service Quotas not read ("), "{note}");
    assert!(note.ends_with(") — using configured quotas"), "{note}");

    // a model busy in the last minutes: estimated TPM peaks at 60k, requests at 30 + 10 throttled
    let cw = aws_sdk_cloudwatch::Client::new(&conf);
    let m = support::minute_start;
    let dims = [("ModelId", HAIKU)];
    support::put_metric(&cw, "AWS/Bedrock", "EstimatedTPMQuotaUsage", &dims, &[(m(3), 45_000.0), (m(2), 60_000.0)])
        .await;
    support::put_metric(&cw, "AWS/Bedrock", "Invocations", &dims, &[(m(3), 20.0), (m(2), 30.0)]).await;
    support::put_metric(&cw, "AWS/Bedrock", "InvocationThrottles", &dims, &[(m(2), 10.0)]).await;

    let home = std::env::temp_dir().join(support::unique_name("quotas"));
    std::fs::create_dir_all(home.join(".config/nightjar")).unwrap();
    std::fs::write(
        home.join(".config/nightjar/config.toml"),
        format!("[quotas.\"{HAIKU}\"]\ntpm = 100000.0\nrpm = 200.0\n"),
    )
    .unwrap();

    // metrics were read, so a missing quota source is no failure (once_json asserts success)
    let (v, stderr) = support::once_json(&home, region, &endpoint);
    // said once, calmly, with the fallback
    let said: Vec<&str> = stderr.lines().filter(|l| l.contains("quotas")).collect();
    assert_eq!(said.len(), 1, "{stderr}");
    assert!(said[0].starts_with(&format!("nightjar: quotas {region}: Service Quotas not read (")), "{stderr}");
    assert!(said[0].ends_with(") — using configured quotas"), "{stderr}");
    assert!(!stderr.contains("no source could be read"), "{stderr}");

    let haiku = v["models"].as_array().unwrap().iter().find(|m| m["model_id"] == HAIKU).expect("the model");
    // 60k of 100k tokens; 40 of 200 requests: the larger
    assert_eq!(haiku["quota_pct"], 60.0);
    assert_eq!(haiku["quota"]["tpm"], 100_000.0);
    assert_eq!(haiku["quota"]["tpm_source"], "config");
    assert_eq!(haiku["quota"]["rpm"], 200.0);
    assert_eq!(haiku["quota"]["rpm_source"], "config");
    assert!(haiku["quota"]["tpm_quota"].is_null());
    // nothing was read from Service Quotas
    assert_eq!(v["service_quotas"], serde_json::json!([]));
    let sources = v["sources"].as_array().unwrap();
    let q = sources.iter().find(|s| s["name"] == "quotas").expect("the quotas source is listed");
    assert_eq!(q["region"], region);
    assert_eq!(q["ok"], false);
    assert!(q["error"].is_null(), "not reported as a failure: {q}");
    assert_eq!(q["note"].as_str(), Some(said[0].split_once(": ").unwrap().1.split_once(": ").unwrap().1));
    let cw_src = sources.iter().find(|s| s["name"] == "cloudwatch").unwrap();
    assert_eq!(cw_src["ok"], true, "the metrics are not stale because of the quotas");

    // the text report says where the quota came from, within 80 columns
    let out = support::nightjar(&["--once", "--region", region, "--endpoint-url", &endpoint], &home);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    let ours: Vec<&str> = text.lines().filter(|l| l.to_ascii_lowercase().contains("quota")).collect();
    assert!(ours.len() >= 3 && ours.iter().all(|l| l.chars().count() <= 80), "{text}");
    assert!(text.contains("Quota headroom (busiest of the last 5 minutes):"), "{text}");
    assert!(
        text.contains(&format!("  claude-haiku-4-5 {region} 60% of TPM 100k (config) · RPM 200 (config)")),
        "{text}"
    );
    assert!(text.contains(&format!("Source quotas {region}: Service Quotas not read (")), "{text}");
    assert!(!text.contains("FAILED"), "{text}");
}

/// Seeds the emulator's Service Quotas (tests/emulator/shim_quota.py) for `region`: the applied
/// values and AWS's defaults, at most `page_size` a page. A plain HTTP POST to the test-only
/// control path; nightjar never calls it.
fn seed_quotas(endpoint: &str, region: &str, page_size: u32, applied: serde_json::Value, defaults: serde_json::Value) {
    use std::io::{Read, Write};
    let body = serde_json::json!({
        "region": region, "service_code": "bedrock", "page_size": page_size,
        "applied": applied, "defaults": defaults,
    })
    .to_string();
    let host = endpoint.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(host).expect("the emulator listens");
    write!(
        s,
        "POST /_nightjar/quota/seed HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
}

fn quota(code: &str, name: &str, value: f64) -> serde_json::Value {
    serde_json::json!({"QuotaCode": code, "QuotaName": name, "Value": value})
}

const HAIKU_TPM: &str = "On-demand model inference tokens per minute for Anthropic Claude Haiku 4.5";
const HAIKU_RPM: &str = "On-demand model inference requests per minute for Anthropic Claude Haiku 4.5";
const HAIKU_CR_TPM: &str = "Cross-region model inference tokens per minute for Anthropic Claude Haiku 4.5";

#[tokio::test]
async fn quotas_never_raised_come_from_the_defaults_and_tpm_usage_is_the_minutes_sum() {
    let Some(endpoint) = support::endpoint() else { return };
    let region = support::claim_region("us-east-2");
    // applied: haiku's requests and cross-region tokens were raised; its on-demand tokens never
    // were, so ListServiceQuotas leaves that quota out and only the defaults have it
    seed_quotas(
        &endpoint,
        region,
        2,
        serde_json::json!([
            quota("L-RPM", HAIKU_RPM, 500.0),
            quota("L-CRT", HAIKU_CR_TPM, 4e6),
            quota("L-AG", "Agents per account", 200.0),
        ]),
        serde_json::json!([
            quota("L-TPM", HAIKU_TPM, 100_000.0),
            quota("L-RPM", HAIKU_RPM, 250.0),
            quota("L-CRT", HAIKU_CR_TPM, 2e6),
        ]),
    );
    let conf = support::sdk_config(&endpoint, region).await;
    let sq = aws_sdk_servicequotas::Client::new(&conf);

    // the source through the real client: both lists, every page, the applied values winning
    let mut src = QuotasSource::new(sq.clone(), region, None, Some(&endpoint));
    let u = src.poll(support::now_secs()).await.expect("both lists are read");
    assert_eq!(src.health.calls, 4, "two pages of applied quotas, two of defaults");
    assert_eq!(src.health.note, None);
    let got: Vec<(&str, f64, bool)> =
        u.quotas.quotas.iter().map(|q| (q.code.as_str(), q.value, q.is_default)).collect();
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(got.contains(&("L-TPM", 100_000.0, true)), "{got:?}");
    assert!(got.contains(&("L-RPM", 500.0, false)), "{got:?}");
    assert!(got.contains(&("L-CRT", 4e6, false)), "{got:?}");
    assert_eq!(u.quotas.other, 1);

    // the front is as strict as the API reference
    let code = |e: &dyn aws_sdk_servicequotas::error::ProvideErrorMetadata| e.code().map(str::to_string);
    let e = sq.list_service_quotas().service_code("bedrock").next_token("forged").send().await.unwrap_err();
    assert_eq!(code(&e).as_deref(), Some("InvalidPaginationTokenException"));
    let e = sq.list_aws_default_service_quotas().service_code("bedrock").max_results(0).send().await.unwrap_err();
    assert_eq!(code(&e).as_deref(), Some("IllegalArgumentException"));
    let e = sq.list_service_quotas().service_code("no-such-service").send().await.unwrap_err();
    assert_eq!(code(&e).as_deref(), Some("NoSuchResourceException"));
    // a token of one list is not one of the other
    let page = sq.list_service_quotas().service_code("bedrock").send().await.unwrap();
    let token = page.next_token().expect("a second page").to_string();
    let e = sq.list_aws_default_service_quotas().service_code("bedrock").next_token(&token).send().await.unwrap_err();
    assert_eq!(code(&e).as_deref(), Some("InvalidPaginationTokenException"));
    // one quota by code: applied values only
    let one = sq.list_service_quotas().service_code("bedrock").quota_code("L-TPM").send().await.unwrap();
    assert!(one.quotas().is_empty(), "never raised: no applied value to list");

    // a busy minute: three requests of 20k estimated tokens each, as Bedrock emits them (one
    // datum per request); the minute's Sum is 60k, its Maximum only 20k
    let cw = aws_sdk_cloudwatch::Client::new(&conf);
    let m = support::minute_start;
    let dims = [("ModelId", HAIKU)];
    let per_request = [(m(2), 20_000.0), (m(2), 20_000.0), (m(2), 20_000.0), (m(3), 10_000.0)];
    support::put_metric(&cw, "AWS/Bedrock", "EstimatedTPMQuotaUsage", &dims, &per_request).await;
    support::put_metric(&cw, "AWS/Bedrock", "Invocations", &dims, &[(m(2), 3.0), (m(3), 1.0)]).await;

    let home = support::temp_home("quota-defaults");
    let (v, _) = support::once_json(&home, region, &endpoint);
    let haiku = v["models"].as_array().unwrap().iter().find(|m| m["model_id"] == HAIKU).expect("the model");
    // 60k of the 100k default: 60 %, not the 20 % a Maximum would show
    assert_eq!(haiku["quota_pct"], 60.0, "{haiku}");
    assert_eq!(haiku["tpm_quota_usage_max"], 60_000.0, "{haiku}");
    assert_eq!(haiku["quota_basis"], "busiest of the last 5 minutes");
    assert_eq!(haiku["quota"]["tpm"], 100_000.0);
    assert_eq!(haiku["quota"]["tpm_source"], "service-quotas-default");
    assert_eq!(haiku["quota"]["tpm_quota_code"], "L-TPM");
    assert_eq!(haiku["quota"]["rpm"], 500.0);
    assert_eq!(haiku["quota"]["rpm_source"], "service-quotas");
    let listed = v["service_quotas"].as_array().unwrap();
    let tpm = listed.iter().find(|q| q["code"] == "L-TPM").expect("the default is listed");
    assert_eq!(tpm["applied"], false);
    assert_eq!(tpm["matched_model"], HAIKU);
    assert_eq!(listed.iter().find(|q| q["code"] == "L-RPM").unwrap()["applied"], true);

    // the text report says where the figure came from
    let out = support::nightjar(&["--once", "--region", region, "--endpoint-url", &endpoint], &home);
    let text = String::from_utf8_lossy(&out.stdout);
    // (wrapped at 80 columns)
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(&format!("claude-haiku-4-5 {region} 60% of TPM 100k (AWS default) · RPM 500 (Service Quotas)")),
        "{text}"
    );
}
