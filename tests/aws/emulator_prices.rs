//! Prices through the real SDK clients and the emulator (issue 12, item 9): the AWS Price List
//! (pricing:GetProducts, answered by tests/emulator/shim_pricing.py from the real Price List
//! documents in tests/fixtures/real/pricing/), and an application inference profile ARN as
//! `ModelId` in CloudWatch metrics, named, tagged and priced as its model by `--once`.

use crate::support;

use nightjar::sources::prices::{MAX_AGE_SECS, PricesSource};

#[tokio::test]
async fn the_price_list_is_read_per_region_through_the_sdk_and_cached_for_a_day() {
    let Some(endpoint) = support::endpoint() else { return };
    // the Price List query API is asked in us-east-1 whatever the Regions watched; the emulator's
    // Price List keeps no per-Region state, so no test region is claimed
    let conf = support::sdk_config(&endpoint, "us-east-1").await;
    let cache = std::env::temp_dir().join(support::unique_name("price-cache"));
    let regions = vec!["us-east-1".to_string(), "ap-northeast-1".to_string(), "ap-east-1".to_string()];
    let mut src =
        PricesSource::new(aws_sdk_pricing::Client::new(&conf), regions, Some(cache.clone()), None, Some(&endpoint));
    let now = support::now_secs();
    let u = src.poll(now).await;
    assert!(src.health.last_error.is_none(), "{:?}", src.health.last_error);
    assert_eq!(u.len(), 3);
    let get = |r: &str, k: &str| u.iter().find(|x| x.region == r).unwrap().prices.get(k).copied();
    // us-east-1: Claude Haiku 4.5 in-Region 10 % above global (Marketplace offer, per 1M)
    assert_eq!(get("us-east-1", "anthropic.claude-haiku-4-5-20251001-v1:0").map(|p| p.input), Some(1.1));
    assert_eq!(get("us-east-1", "global.anthropic.claude-haiku-4-5-20251001-v1:0").map(|p| p.input), Some(1.0));
    // ap-northeast-1: Tokyo's own Nova Pro price
    assert_eq!(get("ap-northeast-1", "amazon.nova-pro-v1:0").map(|p| p.output), Some(3.84));
    // a Region the Price List has nothing for here: no prices (the built-in table serves)
    assert!(u.iter().find(|x| x.region == "ap-east-1").unwrap().prices.is_empty());
    // several pages were followed (the shim pages by MaxResults = 100 like AWS; 3 codes × 3 Regions)
    assert!(src.health.calls >= 9, "{}", src.health.calls);
    // cached: a second read within the day makes no call
    let calls = src.health.calls;
    let again = src.poll(now + 60).await;
    assert!(again.iter().all(|x| x.from_cache), "{again:?}");
    assert_eq!(src.health.calls, calls);
    assert!(cache.join("prices-us-east-1.json").exists());
    src.poll(now + MAX_AGE_SECS + 1).await;
    assert!(src.health.calls > calls, "a day later it is read again");
    let _ = std::fs::remove_dir_all(cache);
}

#[tokio::test]
async fn an_application_inference_profile_in_the_metrics_is_named_tagged_and_priced() {
    let Some(endpoint) = support::endpoint() else { return };
    let region = support::claim_region("ap-east-1");
    let conf = support::sdk_config(&endpoint, region).await;

    // an application inference profile, as a team makes one: copied from a foundation model, tagged
    let bedrock = aws_sdk_bedrock::Client::new(&conf);
    let name = support::unique_name("support-bot");
    let model = "anthropic.claude-3-7-sonnet-20250219-v1:0";
    let created = bedrock
        .create_inference_profile()
        .inference_profile_name(&name)
        .model_source(aws_sdk_bedrock::types::InferenceProfileModelSource::CopyFrom(format!(
            "arn:aws:bedrock:{region}::foundation-model/{model}"
        )))
        .tags(aws_sdk_bedrock::types::Tag::builder().key("team").value("support").build().unwrap())
        .tags(aws_sdk_bedrock::types::Tag::builder().key("use-case").value("chat").build().unwrap())
        .send()
        .await
        .expect("CreateInferenceProfile");
    let arn = created.inference_profile_arn().to_string();
    assert!(arn.contains(":application-inference-profile/"), "{arn}");

    // its calls in CloudWatch under the profile ARN, beside models called directly, among them ids
    // real third-party invocation logs carry that had no price before (Claude 3.7 Sonnet, Mistral
    // Large 2407, Jamba 1.5 Large, Nova Premier), one priced by the user's file
    let cw = aws_sdk_cloudwatch::Client::new(&conf);
    let m = support::minute_start(3);
    let direct = [
        "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
        "mistral.mistral-large-2407-v1:0",
        "ai21.jamba-1-5-large-v1:0",
        "us.amazon.nova-premier-v1:0",
        "us.anthropic.claude-3-5-haiku-20241022-v1:0",
    ];
    for id in std::iter::once(arn.as_str()).chain(direct) {
        let dims = [("ModelId", id)];
        support::put_metric(&cw, "AWS/Bedrock", "Invocations", &dims, &[(m, 10.0)]).await;
        support::put_metric(&cw, "AWS/Bedrock", "InputTokenCount", &dims, &[(m, 1_000_000.0)]).await;
        support::put_metric(&cw, "AWS/Bedrock", "OutputTokenCount", &dims, &[(m, 100_000.0)]).await;
    }

    let home = support::temp_home("prices");
    std::fs::create_dir_all(home.join(".config/nightjar")).unwrap();
    std::fs::write(home.join(".config/nightjar/config.toml"), "pricing_file = \"my-prices.toml\"\n").unwrap();
    std::fs::write(
        home.join(".config/nightjar/my-prices.toml"),
        "[models.\"anthropic.claude-3-5-haiku-20241022-v1:0\"]\ninput = 0.5\noutput = 2.0\n",
    )
    .unwrap();
    let (v, stderr) = support::once_json(&home, region, &endpoint);
    assert!(!stderr.contains("profiles"), "the profiles were read: {stderr}");
    let models = v["models"].as_array().unwrap();
    let row = |id: &str| models.iter().find(|r| r["model_id"] == id).unwrap_or_else(|| panic!("{id} not in {v}"));

    let p = row(&arn);
    assert_eq!(p["inference_profile"]["name"], name.as_str());
    assert_eq!(p["inference_profile"]["tags"]["team"], "support");
    assert_eq!(p["inference_profile"]["tags"]["use-case"], "chat");
    assert_eq!(p["inference_profile"]["priced_as"], model);
    assert_eq!(p["inference_profile"]["models"][0], format!("arn:aws:bedrock:{region}::foundation-model/{model}"));
    // 1M in × $3 + 100k out × $15 (Claude 3.7 Sonnet), from the built-in table (no Price List
    // figures for this Region)
    assert_eq!(p["cost_usd"], 4.5);
    assert_eq!(p["price_source"], "built-in");

    // every model id reports a cost
    for id in direct {
        assert!(row(id)["cost_usd"].as_f64().is_some_and(|c| c > 0.0), "{id}: {}", row(id));
    }
    let cost = |id: &str| row(id)["cost_usd"].as_f64().unwrap();
    assert!((cost("mistral.mistral-large-2407-v1:0") - 2.6).abs() < 1e-9);
    // the user's file wins and says so
    let haiku = row("us.anthropic.claude-3-5-haiku-20241022-v1:0");
    assert_eq!(haiku["price_source"], "config");
    assert!((cost("us.anthropic.claude-3-5-haiku-20241022-v1:0") - 0.7).abs() < 1e-9);
    assert!(row(direct[0])["inference_profile"].is_null());
    assert!(v["overview"]["unpriced_models"].as_array().unwrap().is_empty(), "{}", v["overview"]);
}
