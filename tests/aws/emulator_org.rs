//! A monitoring account (CloudWatch cross-account observability) through the emulator's front
//! (`tests/emulator/shim_org.py`): three source accounts linked to one monitoring account, read
//! through the monitoring account's credentials alone — in `--once --format json` and in the
//! console (tmux) — and the polling budget over an hour of 5 s polls.
//!
//! Each test owns its monitoring account and source accounts (`support::ACCOUNT_OWNERS`,
//! `claim_account`: STS credentials the emulator maps to each account; the shim keys its OAM
//! state and its call counts by region and account), so no other test's data is in them.

use std::io::{Read, Write};
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{self, Account};
use crate::tmux;

const SONNET: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const HAIKU: &str = "anthropic.claude-haiku-4-5-20251001-v1:0";
const NOVA: &str = "amazon.nova-pro-v1:0";

/// POST `body` to a control endpoint of the emulator's front; the answer.
fn control(endpoint: &str, path: &str, body: &Value) -> Value {
    let hostport = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let payload = body.to_string();
    let mut s = std::net::TcpStream::connect(hostport).expect("emulator reachable");
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    let method = if body.is_null() { "GET" } else { "POST" };
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {hostport}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{payload}",
        payload.len()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").expect("an HTTP answer");
    assert!(head.contains(" 200 "), "{path}: {head}\n{body}");
    serde_json::from_str(body).unwrap_or(Value::Null)
}

/// Make `monitoring` a monitoring account in `region`, `links` (account, label) linked to it, the
/// links `page_size` a page.
fn seed_org(endpoint: &str, region: &str, monitoring: &str, links: &[(String, String)], page_size: usize) {
    let links: Vec<Value> = links.iter().map(|(a, l)| json!({"account": a, "label": l})).collect();
    control(
        endpoint,
        "/_nightjar/org/seed",
        &json!({"region": region, "monitoring": monitoring, "links": links, "page_size": page_size}),
    );
}

/// A CloudWatch client of `account`'s own.
async fn cloudwatch_of(endpoint: &str, account: &Account, region: &str) -> aws_sdk_cloudwatch::Client {
    aws_sdk_cloudwatch::Client::new(&support::sdk_config_as(endpoint, region, account).await)
}

/// Ten minutes of one model's Bedrock metrics in `account`: `invocations` a minute, 1,000 input
/// and 200 output tokens each, latency around `latency` ms.
async fn seed_model(endpoint: &str, account: &Account, region: &str, model: &str, invocations: f64, latency: f64) {
    let cw = cloudwatch_of(endpoint, account, region).await;
    let minutes: Vec<i64> = (1..=10).map(support::minute_start).collect();
    let dims = [("ModelId", model)];
    let each = |v: f64| minutes.iter().map(|t| (*t, v)).collect::<Vec<_>>();
    support::put_metric(&cw, "AWS/Bedrock", "Invocations", &dims, &each(invocations)).await;
    support::put_metric(&cw, "AWS/Bedrock", "InputTokenCount", &dims, &each(invocations * 1000.0)).await;
    support::put_metric(&cw, "AWS/Bedrock", "OutputTokenCount", &dims, &each(invocations * 200.0)).await;
    support::put_metric(&cw, "AWS/Bedrock", "InvocationLatency", &dims, &each(latency)).await;
}

/// The source accounts of the first test: label, model, invocations a minute.
const LINKED: [(&str, &str, f64); 3] =
    [("payments-prod", SONNET, 40.0), ("search-prod", HAIKU, 25.0), ("ml-lab", NOVA, 9.0)];

/// Three source accounts' models, each labelled by its OAM link, through the monitoring
/// account's credentials alone: in `--once --format json` (the accounts with what was read from
/// each, every model with its account) and in the console at 80x24 (the header says it is a
/// monitoring account; the Account column names each; `a` groups by account).
#[tokio::test(flavor = "multi_thread")]
async fn three_linked_accounts_show_labelled_through_one_monitoring_account() {
    let Some(endpoint) = support::endpoint() else { return };
    // any region of the claimed accounts is this test's
    let region = "us-west-1";
    let monitoring = support::claim_account(&endpoint, "210000000100").await;
    let sources = [
        support::claim_account(&endpoint, "210000000101").await,
        support::claim_account(&endpoint, "210000000102").await,
        support::claim_account(&endpoint, "210000000103").await,
    ];
    let linked: Vec<(&Account, &str, &str, f64)> =
        sources.iter().zip(LINKED).map(|(a, (l, m, inv))| (a, l, m, inv)).collect();
    // the links come two a page: ListAttachedLinks is followed
    let links: Vec<(String, String)> = linked.iter().map(|(a, l, _, _)| (a.id.to_string(), l.to_string())).collect();
    seed_org(&endpoint, region, monitoring.id, &links, 2);
    for (acct, _, model, inv) in &linked {
        seed_model(&endpoint, acct, region, model, *inv, 800.0 + inv).await;
    }
    // an account that is not linked: never read, whatever it holds
    let stranger = support::claim_account(&endpoint, "210000000104").await;
    seed_model(&endpoint, &stranger, region, "meta.llama3-70b-instruct-v1:0", 3.0, 500.0).await;

    // --once --format json
    let home = support::temp_home("org-once");
    let out = support::nightjar_as(
        &["--once", "--format", "json", "--region", region, "--endpoint-url", &endpoint],
        &home,
        &monitoring,
    );
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "nightjar --once failed; stderr: {stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(report["monitoring"]["account"], monitoring.id, "{stderr}");
    assert_eq!(report["monitoring"]["linked_accounts"], 3);
    let accounts = report["accounts"].as_array().expect("accounts");
    for (acct, label, model, inv) in &linked {
        let (label, model, inv) = (*label, *model, *inv);
        let a = accounts.iter().find(|a| a["id"] == acct.id).unwrap_or_else(|| panic!("{} in {accounts:#?}", acct.id));
        assert_eq!(a["label"], label);
        assert_eq!(a["label_source"], "oam-link");
        assert_eq!(a["models"], 1, "{a}");
        // Invocations, tokens in/out and latency listed; each asked for at least once
        assert_eq!(a["metrics_found"], 4, "{a}");
        assert!(a["metrics_requested"].as_u64().unwrap() >= 4, "{a}");
        assert_eq!(a["regions"], json!([region]));
        let m = report["models"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["model_id"] == model)
            .unwrap_or_else(|| panic!("{model} in {:#}", report["models"]));
        assert_eq!(m["account"], acct.id);
        assert_eq!(m["account_label"], label);
        assert_eq!(m["region"], format!("{label}/{region}"));
        assert_eq!(m["invocations"], inv * 10.0, "{m}");
    }
    assert!(!accounts.iter().any(|a| a["id"] == stranger.id), "an unlinked account is not read");
    assert!(
        !report["models"].as_array().unwrap().iter().any(|m| m["model_id"] == "meta.llama3-70b-instruct-v1:0"),
        "an unlinked account's model is not shown"
    );
    // the emulator saw the linked-account parameters, and one GetMetricData call a fetch
    let calls =
        control(&endpoint, &format!("/_nightjar/org/calls?region={region}&account={}", monitoring.id), &Value::Null);
    // the metrics, the logs and the traces each ask OAM once; the links come in two pages each
    let sinks = calls["ListSinks"].as_u64().unwrap();
    assert!(sinks >= 1, "{calls}");
    assert_eq!(calls["ListAttachedLinks"].as_u64().unwrap(), 2 * sinks, "two pages a reading: {calls}");
    assert!(calls["GetMetricData"].as_u64().unwrap() <= 2, "per-minute and window calls: {calls}");

    // the console at 80x24
    let mut env = vec![
        ("HOME", home.display().to_string()),
        ("XDG_CONFIG_HOME", home.join(".config").display().to_string()),
        ("AWS_REGION", region.to_string()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
    ];
    env.extend(monitoring.env());
    let Some(t) = tmux::Tmux::start(80, 24, &env) else { return };
    t.run(&format!("{} --endpoint-url {endpoint} --refresh 5; {}", env!("CARGO_BIN_EXE_nightjar"), tmux::AFTER));
    t.keys(&["2"]);
    let s = t.wait_for("the three accounts' models", Duration::from_secs(60), |s| {
        LINKED.iter().all(|(l, _, _)| s.contains(*l)) && s.contains("Account")
    });
    println!("--- Models at 80x24 ---\n{s}");
    // at 80 columns the header says it short ("3 linked"), the window still on it
    let header = s.lines().next().unwrap();
    assert!(header.contains("3 linked · us-west-1 · last 1h"), "{s}");
    // the table's rows (not the charts' titles)
    let row = |model: &str| {
        s.lines().find(|l| l.starts_with(&format!("│{model} "))).unwrap_or_else(|| panic!("{model}:\n{s}"))
    };
    assert!(row("claude-sonnet-4-5").contains("payments-prod"), "{s}");
    assert!(row("claude-haiku-4-5").contains("search-prod"), "{s}");
    assert!(row("nova-pro").contains("ml-lab"), "{s}");
    assert!(s.lines().all(|l| l.chars().count() <= 80), "fits 80 columns:\n{s}");
    assert!(!linked.iter().any(|(a, ..)| s.contains(a.id)), "accounts by label, never by number alone:\n{s}");
    // `a`: by model, then by account
    t.keys(&["a"]);
    t.keys(&["a"]);
    let s = t.wait_for("one row per account and model", Duration::from_secs(10), |s| s.contains("by account"));
    println!("--- by account ---\n{s}");
    // `/` filters by account
    t.keys(&["/"]);
    t.keys(&["-l", "search-prod"]);
    t.keys(&["Enter"]);
    let s = t.wait_for("the filter by account", Duration::from_secs(10), |s| s.contains("filter: search-prod"));
    assert!(s.contains("claude-haiku-4-5") && !s.contains("claude-sonnet-4-5") && !s.contains("nova-pro"), "{s}");
    t.keys(&["q"]);
    t.wait_for("the shell again", Duration::from_secs(20), |s| s.contains("rc=0"));
}

/// With 60 models and a 5 s refresh, `--api-budget 0.10` keeps what is spent after the first
/// load at or under $0.10 an hour (metrics requested, ListMetrics and the alarm polls the plan
/// sets aside), while the rows on screen are read every minute.
#[tokio::test(flavor = "multi_thread")]
async fn a_budget_holds_over_an_hour_of_five_second_polls_and_the_screen_stays_fresh() {
    use nightjar::sources::cloudwatch::{MetricsPoller, Org};
    use nightjar::sources::plan::{self, Planner};
    let Some(endpoint) = support::endpoint() else { return };
    let region = "us-east-1";
    let owner = support::claim_account(&endpoint, "210000000110").await;
    let models: Vec<String> = (0..60).map(|i| format!("anthropic.budget-model-{i:02}-v1:0")).collect();
    for m in &models {
        seed_model(&endpoint, &owner, region, m, 5.0, 700.0).await;
    }
    let sdk = support::sdk_config_as(&endpoint, region, &owner).await;
    let oam = nightjar::sources::oam::OamReader::new(aws_sdk_oam::Client::new(&sdk), region, None, None);
    let refresh = 5;
    let budget = 0.10;
    let mut planner = Planner::new(refresh, Some(budget));
    // the alarm poll every refresh: one DescribeAlarms a poll
    planner.reserve_usd_per_hour = 3600.0 / refresh as f64 * 0.01 / 1000.0;
    let mut p = MetricsPoller::new(aws_sdk_cloudwatch::Client::new(&sdk), region, vec![], None, None)
        .with_org(Org::new(Some(oam), Default::default(), vec![]))
        .planned(planner);
    // the screen: the Models pane at 80x24 shows 17 rows
    let shown: Vec<&String> = models.iter().take(17).collect();
    plan::begin_frame(false, Default::default());
    plan::note_rows(shown.iter().map(|m| (region, m.as_str())));
    plan::end_frame();
    let t0 = support::now_secs() / 60 * 60;
    let since: nightjar::domain::window::Since = "1h".parse().unwrap();
    p.poll(since, t0).await.expect("the first load");
    let after_first = p.health.spend_usd();
    let first_requested = p.health.metrics_requested;
    assert!(first_requested >= 60 * 4 + 60, "the first load reads everything: {first_requested}");
    // per shown model, when its tokens were last read
    let mut last_read: std::collections::HashMap<String, i64> = Default::default();
    let mut worst_gap = 0;
    let half_hour = 1800;
    let mut t = t0 + refresh;
    while t <= t0 + half_hour {
        let u = p.poll(since, t).await.expect("a poll");
        for (k, _) in &u.series {
            if k.metric == "InputTokenCount" {
                last_read.insert(k.dim("ModelId").unwrap().to_string(), t);
            }
        }
        for m in &shown {
            let gap = t - last_read.get(m.as_str()).copied().unwrap_or(t0);
            worst_gap = worst_gap.max(gap);
        }
        t += refresh;
    }
    let spent = p.health.spend_usd() - after_first;
    // the half hour's spend per hour, with the alarm polls it set aside
    let per_hour = spent * 3600.0 / half_hour as f64 + 3600.0 / refresh as f64 * 0.01 / 1000.0;
    let status = p.planner().unwrap().status.clone();
    println!("spent ${per_hour:.4}/h after the first load; plan {status:?}; worst gap of a shown row {worst_gap} s");
    assert!(per_hour <= budget, "${per_hour:.4}/h is over the budget");
    assert!(status.spent_usd_per_hour.unwrap() + p.planner().unwrap().reserve_usd_per_hour <= budget, "{status:?}");
    assert!(status.planned_usd_per_hour <= budget, "{status:?}");
    assert!(!status.over_budget && status.slowed > 0, "{status:?}");
    // what is shown is read every minute: never more than a minute and a poll old
    assert!(worst_gap <= 60 + refresh, "a shown row went {worst_gap} s unread");
    // and without the budget, the same hour would cost far more
    assert!(status.unplanned_usd_per_hour > 10.0 * budget, "{status:?}");
}

/// The scale benchmark through the emulator's front: 20 source accounts × 4 regions × 30 models
/// linked to one monitoring account, one full read of each region by the real poller. Prints
/// the calls per refresh against ⌈queries/500⌉ (counted by the emulator), and the time of the
/// first load. Slow (it seeds 2,400 models' metrics): run it by hand,
/// `scripts/test.sh --test aws emulator_org::scale -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread")]
#[ignore]
async fn scale_through_the_emulator_front() {
    use nightjar::sources::cloudwatch::{MetricsPoller, Org};
    let Some(endpoint) = support::endpoint() else { return };
    let regions = ["us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1"];
    let monitoring = support::claim_account(&endpoint, "210000000120").await;
    let accounts = [
        support::claim_account(&endpoint, "210000000121").await,
        support::claim_account(&endpoint, "210000000122").await,
        support::claim_account(&endpoint, "210000000123").await,
        support::claim_account(&endpoint, "210000000124").await,
        support::claim_account(&endpoint, "210000000125").await,
        support::claim_account(&endpoint, "210000000126").await,
        support::claim_account(&endpoint, "210000000127").await,
        support::claim_account(&endpoint, "210000000128").await,
        support::claim_account(&endpoint, "210000000129").await,
        support::claim_account(&endpoint, "210000000130").await,
        support::claim_account(&endpoint, "210000000131").await,
        support::claim_account(&endpoint, "210000000132").await,
        support::claim_account(&endpoint, "210000000133").await,
        support::claim_account(&endpoint, "210000000134").await,
        support::claim_account(&endpoint, "210000000135").await,
        support::claim_account(&endpoint, "210000000136").await,
        support::claim_account(&endpoint, "210000000137").await,
        support::claim_account(&endpoint, "210000000138").await,
        support::claim_account(&endpoint, "210000000139").await,
        support::claim_account(&endpoint, "210000000140").await,
    ];
    let models: Vec<String> = (0..30).map(|i| format!("anthropic.scale-{i:02}-v1:0")).collect();
    let seeded = std::time::Instant::now();
    for region in regions {
        let links: Vec<(String, String)> =
            accounts.iter().enumerate().map(|(i, a)| (a.id.to_string(), format!("team-{i:02}"))).collect();
        seed_org(&endpoint, region, monitoring.id, &links, 100);
        for a in &accounts {
            let cw = cloudwatch_of(&endpoint, a, region).await;
            let t = support::minute_start(2);
            for m in &models {
                let dims = [("ModelId", m.as_str())];
                support::put_metric(&cw, "AWS/Bedrock", "Invocations", &dims, &[(t, 5.0)]).await;
                support::put_metric(&cw, "AWS/Bedrock", "InputTokenCount", &dims, &[(t, 5000.0)]).await;
                support::put_metric(&cw, "AWS/Bedrock", "InvocationLatency", &dims, &[(t, 900.0)]).await;
            }
        }
    }
    println!("seeded {} models in {:.0} s", 20 * 4 * 30, seeded.elapsed().as_secs_f64());
    let mut rows = 0;
    for region in regions {
        let sdk = support::sdk_config_as(&endpoint, region, &monitoring).await;
        let oam = nightjar::sources::oam::OamReader::new(aws_sdk_oam::Client::new(&sdk), region, None, None);
        let mut p = MetricsPoller::new(aws_sdk_cloudwatch::Client::new(&sdk), region, vec![], None, None)
            .with_org(Org::new(Some(oam), Default::default(), vec![]))
            .planned(nightjar::sources::plan::Planner::new(60, None));
        let t0 = std::time::Instant::now();
        let u = p.poll("1h".parse().unwrap(), support::now_secs()).await.expect("the first load");
        let took = t0.elapsed();
        let (series, window) = p.queries();
        let queries = series.len() + window.len();
        let calls = control(
            &endpoint,
            &format!("/_nightjar/org/calls?region={region}&account={}", monitoring.id),
            &Value::Null,
        );
        let gmd = calls["GetMetricData"].as_u64().unwrap();
        let models_read: std::collections::BTreeSet<(String, String)> =
            u.series.iter().filter_map(|(k, _)| Some((k.region.clone(), k.dim("ModelId")?.to_string()))).collect();
        rows += models_read.len();
        println!(
            "{region}: {queries} queries, {gmd} GetMetricData calls (⌈queries/500⌉ = {}), at most {} a call, {} ListMetrics, first load {:.1} s, {} model rows",
            queries.div_ceil(500),
            calls["max_queries"],
            calls["ListMetrics"],
            took.as_secs_f64(),
            models_read.len()
        );
        assert!(gmd as usize <= queries.div_ceil(500), "{gmd} calls for {queries} queries");
        assert_eq!(models_read.len(), 20 * 30);
    }
    assert_eq!(rows, 2400);
}
