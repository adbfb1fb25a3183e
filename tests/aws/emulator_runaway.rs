//! The runaway watch against the AWS emulator (moto), through the real Logs client and through
//! `nightjar --once --format json`.
//!
//! The emulator runs `stats … by bin(1m)` for real (tests/emulator/insights.py), so this checks
//! the watch end to end: the query runs on the configured invocation log group and its minutes
//! become a caller's entry, a missing log group becomes a visible error with its fix, a kind
//! without log groups is skipped with a note. The per-minute figures against independently
//! computed ones, and the minute boundaries, are in `tests/emulator_insights.rs`.

use crate::support;

use std::time::Duration;

use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use nightjar::domain::insights::{InsightsSettings, Presets, QueryStatus};
use nightjar::domain::pricing::PriceTable;
use nightjar::sources::logs::{CwlBackend, LogsRunner};
use nightjar::store::logs::{LogsUpdate, Purpose};
use nightjar::store::runaway::Kind;
use nightjar::store::{SourceHealth, Store, Update};

const LOOP: &str = "arn:aws:sts::123456789012:assumed-role/support-agent/agent-loop-7f3a";

fn record(i: u64) -> String {
    serde_json::json!({
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "identity": {"arn": LOOP},
        "modelId": "us.anthropic.claude-opus-4-5-20251101-v1:0",
        "input": {"inputTokenCount": 6000 + i},
        "output": {"outputTokenCount": 2000},
    })
    .to_string()
}

fn runner(conf: &aws_config::SdkConfig, region: &str, endpoint: &str, group: &str) -> LogsRunner<CwlBackend> {
    let settings = InsightsSettings {
        invocation_groups: vec![group.to_string()],
        spans_group: support::unique_name("no-spans-here"),
        ..Default::default()
    };
    LogsRunner::new(
        CwlBackend::new(Client::new(conf), None, region, None, Some(endpoint)),
        settings,
        PriceTable::default(),
        SourceHealth::new("logs", Some(region)),
    )
}

#[tokio::test]
async fn the_watch_runs_on_the_invocation_group_and_fails_visibly_without_it() {
    let Some(endpoint) = support::endpoint() else { return };
    let region = support::claim_region("ap-east-2");
    let conf = support::sdk_config(&endpoint, region).await;
    let logs = Client::new(&conf);
    let group = support::unique_name("/aws/bedrock/modelinvocations");
    logs.create_log_group().log_group_name(&group).send().await.expect("CreateLogGroup");
    logs.create_log_stream().log_group_name(&group).log_stream_name("s").send().await.expect("CreateLogStream");
    let now = support::now_secs();
    let events: Vec<InputLogEvent> = (0..3)
        .map(|i| {
            InputLogEvent::builder().timestamp((now - 300 + 60 * i as i64) * 1000).message(record(i)).build().unwrap()
        })
        .collect();
    logs.put_log_events()
        .log_group_name(&group)
        .log_stream_name("s")
        .set_log_events(Some(events))
        .send()
        .await
        .expect("PutLogEvents");

    // the group exists: the callers query completes; the sessions have no span group
    let mut r = runner(&conf, region, &endpoint, &group);
    r.init().await;
    let (updates, notes) =
        nightjar::sources::runaway::run_once(&mut r, &Presets::default(), now, Some(Duration::from_secs(60))).await;
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0].0, Kind::Session);
    assert!(notes[0].1.contains("no aws/spans log group"), "{}", notes[0].1);
    let mut store = Store::new(PriceTable::default(), vec![]);
    for u in updates {
        if let Update::Logs(LogsUpdate::Query(q)) = &u {
            assert_eq!(q.spec.purpose, Purpose::Runaway(Kind::Caller));
            assert_eq!(q.status, QueryStatus::Complete, "{:?}", q.error);
            assert_eq!(q.spec.groups, vec![group.clone()]);
            assert_eq!(q.spec.window.secs(), now - (now - now % 60 - 900));
            // one row per minute: each record is in a minute of its own
            assert_eq!(q.table.rows.len(), 3, "{:?}", q.table.rows);
            assert_eq!(q.truncated, None);
        }
        store.apply(u);
    }
    let c = &store.runaway.callers;
    assert!(c.last_ok.is_some() && c.error.is_none(), "{:?}", c.error);
    assert_eq!((c.entries.len(), c.skipped_rows), (1, 0));
    let e = &c.entries[0];
    assert_eq!(e.id, LOOP);
    // the newest complete minute holds the third record: 6002 in + 2000 out
    assert_eq!((e.latest_tokens, e.calls, e.minutes.len()), (8002.0, 3.0, 3));
    assert!(store.runaway.breaching().is_empty(), "under the default ceiling");

    // the configured group is gone: StartQuery fails, the failure and its fix are the state
    let missing = support::unique_name("/aws/bedrock/deleted");
    let mut r = runner(&conf, region, &endpoint, &missing);
    r.init().await;
    let (updates, _) =
        nightjar::sources::runaway::run_once(&mut r, &Presets::default(), now, Some(Duration::from_secs(60))).await;
    for u in updates {
        store.apply(u);
    }
    let c = &store.runaway.callers;
    let e = c.error.as_ref().expect("a visible error");
    assert_eq!(e.code.as_deref(), Some("ResourceNotFoundException"), "{e:?}");
    assert!(e.hint.contains("[logs]"), "the fix: {}", e.hint);
    assert!(c.last_ok.is_some(), "the last good run is kept");

    // `--once --format json` runs the same queries and reports the watch's state
    let home = support::temp_home("runaway-once");
    std::fs::create_dir_all(home.join(".config/nightjar")).unwrap();
    std::fs::write(
        home.join(".config/nightjar/config.toml"),
        format!("[logs]\ninvocation_log_groups = [\"{group}\"]\n[runaway]\ntokens_per_minute = 1000\n"),
    )
    .unwrap();
    let (v, _) = support::once_json(&home, region, &endpoint);
    // over the configured 1,000 tokens a minute
    let r = v["runaway"].as_array().expect("a list");
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!((r[0]["id"].as_str(), r[0]["tokens_per_min"].as_f64()), (Some(LOOP), Some(8002.0)));
    assert_eq!(r[0]["over_now"], true);
    assert_eq!(v["runaway_ceiling"]["tokens_per_min"], 1000.0);
    let w = &v["runaway_watch"];
    assert_eq!(w["callers"]["skipped_rows"], 0, "{w}");
    assert!(w["callers"]["error"].is_null(), "{w}");
    assert!(w["sessions"]["note"].as_str().unwrap().contains("no aws/spans log group"), "{w}");
    // the skipped sessions are a note on the logs source, not a failure
    let src = v["sources"].as_array().unwrap().iter().find(|s| s["name"] == "logs").expect("a logs source");
    assert_eq!(src["ok"], true, "{src}");
    assert!(src["note"].as_str().unwrap().contains("runaway sessions skipped"), "{src}");
}
