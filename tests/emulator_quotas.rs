//! Bedrock quota headroom when Service Quotas cannot be read, through the real SDK client and the
//! `nightjar --once` binary against the emulator. moto does not implement ListServiceQuotas (it
//! answers HTTP 500 with an HTML page), which is the path a read-only role without
//! `servicequotas:ListServiceQuotas` takes too: the console says so calmly, uses the configured
//! quotas, and reports the metrics as usual (exit 0). The parsing, paging, matching and the
//! AccessDenied/throttling handling are covered with aws-smithy-mocks in `src/sources/quotas.rs`.

mod support;

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
