//! The quota view's week through the real CloudWatch client and `nightjar --once` against the
//! emulator: per-request `EstimatedTPMQuotaUsage` datapoints spread over the last 7 days (and one
//! older, outside the week), for a model called directly and through an application inference
//! profile copied from it (so both count against its on-demand quota). The source reads them at
//! 300 s `Sum` over exactly 7 days; the report turns each 5-minute period into a per-minute
//! average, takes p90 over the periods with traffic and the peak, adds the two ids up against
//! the quota, and breaks them down per profile. Figures are computed here from the datapoints put.

use crate::support;

use nightjar::sources::quota_usage::UsageSource;

#[tokio::test]
async fn the_week_is_read_at_five_minutes_and_figured_per_minute() {
    let Some(endpoint) = support::endpoint() else { return };
    let region = support::claim_region("ap-northeast-3");
    let conf = support::sdk_config(&endpoint, region).await;
    let model = format!("{}-v1:0", support::unique_name("acme.week"));
    let bedrock = aws_sdk_bedrock::Client::new(&conf);
    let profile_name = support::unique_name("batch-job");
    let arn = bedrock
        .create_inference_profile()
        .inference_profile_name(&profile_name)
        .model_source(aws_sdk_bedrock::types::InferenceProfileModelSource::CopyFrom(format!(
            "arn:aws:bedrock:{region}::foundation-model/{model}"
        )))
        .tags(aws_sdk_bedrock::types::Tag::builder().key("team").value("data").build().unwrap())
        .send()
        .await
        .expect("CreateInferenceProfile")
        .inference_profile_arn()
        .to_string();

    let now = support::now_secs();
    let p = |secs_ago: i64| (now - secs_ago).div_euclid(300) * 300;
    // the busiest period, three days ago: five requests of 60k directly, two of 100k through the
    // profile (one datum per request, as Bedrock emits them)
    let hot = p(3 * 86_400);
    let cw = aws_sdk_cloudwatch::Client::new(&conf);
    let direct = [("ModelId", model.as_str())];
    let via = [("ModelId", arn.as_str())];
    let mut quiet: Vec<(i64, f64)> = (1..=10).map(|i| (p(i * 3600) + 30, 5_000.0)).collect();
    quiet.extend((0..5).map(|i| (hot + 10 + i * 50, 60_000.0)));
    // older than the week: not in it
    quiet.push((p(8 * 86_400), 9e9));
    support::put_metric(&cw, "AWS/Bedrock", "EstimatedTPMQuotaUsage", &direct, &quiet).await;
    support::put_metric(&cw, "AWS/Bedrock", "EstimatedTPMQuotaUsage", &via, &[(hot + 20, 1e5), (hot + 200, 1e5)]).await;
    support::put_metric(&cw, "AWS/Bedrock", "Invocations", &direct, &[(hot + 10, 5.0), (p(3600) + 30, 1.0)]).await;
    support::put_metric(&cw, "AWS/Bedrock", "InvocationThrottles", &direct, &[(hot + 15, 3.0)]).await;
    support::put_metric(&cw, "AWS/Bedrock", "Invocations", &via, &[(hot + 20, 2.0)]).await;

    // the source through the real client
    let mut src = UsageSource::new(aws_sdk_cloudwatch::Client::new(&conf), region, None, Some(&endpoint));
    let u = src.poll(now).await.expect("the week is read");
    let w = &u.week;
    assert_eq!(w.period, 300);
    assert_eq!(w.end - w.start, 7 * 86_400);
    assert!(w.end >= now && w.end - now < 300);
    let d = &w.ids[&model];
    assert_eq!(d.tokens.get(&hot), Some(&300_000.0), "five requests' Sum: {:?}", d.tokens);
    assert_eq!(d.tokens.values().filter(|v| **v == 5_000.0).count(), 10);
    assert!(!d.tokens.values().any(|v| *v >= 9e9), "a datapoint older than 7 days is outside the week");
    assert_eq!(d.requests.get(&hot), Some(&8.0), "invocations and throttles");
    assert_eq!(w.ids[&arn].tokens.get(&hot), Some(&200_000.0));
    // what it cost: three metrics per model id, 50 a call, two ListMetrics
    let ids = w.ids.len() as u64;
    assert!(src.health.metrics_requested >= 3 * ids && src.health.metrics_requested.is_multiple_of(3));
    assert_eq!(src.health.other_requests, 2);
    assert_eq!(src.health.calls, 2 + src.health.metrics_requested.div_ceil(50));

    // --once: the figures against the configured quota, per minute
    let home = support::temp_home("quota-week");
    std::fs::create_dir_all(home.join(".config/nightjar")).unwrap();
    std::fs::write(
        home.join(".config/nightjar/config.toml"),
        format!("[quotas.\"{model}\"]\ntpm = 200000.0\nrpm = 10.0\n"),
    )
    .unwrap();
    let (v, _) = support::once_json(&home, region, &endpoint);
    let groups = v["quota_usage"].as_array().expect("quota_usage");
    let g = groups.iter().find(|g| g["model"] == model.as_str()).unwrap_or_else(|| panic!("{groups:?}"));
    assert_eq!(g["scope"], "on_demand");
    assert_eq!(g["period_secs"], 300);
    // the hot period: (300k + 200k) tokens in 5 minutes = 100k a minute = 50 % of 200k
    assert_eq!(g["peak_tpm_7d"], 100_000.0);
    assert_eq!(g["peak_tpm_pct"], 50.0);
    // eleven periods with tokens: p90 (nearest rank, the 10th of 11) is a quiet one, 1k a minute
    assert_eq!(g["tpm"]["active_periods"], 11);
    assert_eq!(g["p90_tpm_7d"], 1_000.0);
    // requests: 5 + 3 throttled + 2 in the hot period = 2 a minute of 10
    assert_eq!(g["peak_rpm_7d"], 2.0);
    assert_eq!(g["peak_rpm_pct"], 20.0);
    assert_eq!(g["quota"]["tpm"], 200_000.0);
    assert_eq!(g["quota"]["tpm_source"], "config");
    assert_eq!(g["tokens_7d"], 550_000.0);
    // per profile: the direct calls 350k of 550k, the profile 200k, named and tagged
    let profiles = g["profiles"].as_array().unwrap();
    assert_eq!(profiles.len(), 2);
    assert_eq!(profiles[0]["model_id"], model.as_str());
    assert_eq!(profiles[0]["kind"], "on-demand");
    let share = |i: usize| (profiles[i]["share_pct"].as_f64().unwrap() * 10.0).round() / 10.0;
    assert_eq!((share(0), share(1)), (63.6, 36.4));
    assert_eq!(profiles[1]["name"], profile_name.as_str());
    assert_eq!(profiles[1]["kind"], "application-inference-profile");
    assert_eq!(profiles[1]["tags"]["team"], "data");
    assert_eq!(profiles[1]["peak_tpm_7d"], 40_000.0);
    // the heatmap (UTC): the hot period's hour at 50 %
    let day = chrono::DateTime::from_timestamp(hot, 0).unwrap();
    let date = day.format("%Y-%m-%d").to_string();
    let hour = day.format("%H").to_string().parse::<usize>().unwrap();
    let row = g["heatmap"]["days"].as_array().unwrap().iter().find(|d| d["date"] == date.as_str()).expect("the day");
    assert_eq!(row["hours_pct"][hour], 50.0);
    assert_eq!(g["heatmap"]["relative_to_peak"], false);
    // the model's own row says it too
    let m = v["models"].as_array().unwrap().iter().find(|m| m["model_id"] == model.as_str()).expect("the model row");
    assert_eq!(m["quota_7d"]["peak_tpm_7d"], 100_000.0);
    assert_eq!(m["quota_7d"]["p90_tpm_7d"], 1_000.0);
    let usage = v["sources"].as_array().unwrap().iter().find(|s| s["name"] == "usage").expect("the usage source");
    assert_eq!(usage["ok"], true);
}
