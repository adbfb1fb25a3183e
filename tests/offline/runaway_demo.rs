//! The runaway watch on the demo, through the real query runner and the store: at story +4 min
//! the agent loop (`support-agent/agent-loop-7f3a` on opus) is over the default ceiling, from its
//! first minute (+2), and no other caller is; its session too. Before the loop nobody is.

use nightjar::domain::insights::{InsightsSettings, Presets, QueryStatus};
use nightjar::domain::pricing::PriceTable;
use nightjar::sources::demo::logs::DemoInsights;
use nightjar::sources::demo::runaway::LOOP_SESSION;
use nightjar::sources::logs::LogsRunner;
use nightjar::store::logs::{LogsUpdate, Purpose};
use nightjar::store::runaway::Settings;
use nightjar::store::{SourceHealth, Store, Update};

/// 2026-11-25 03:00 UTC, minute-aligned.
const LAUNCH: i64 = 1_795_575_600;

async fn watch_at(seed: u64, now: i64) -> Store {
    let mut r = LogsRunner::new(
        DemoInsights::new(seed, LAUNCH),
        InsightsSettings::default(),
        PriceTable::default(),
        SourceHealth::new("logs", Some("us-east-1")),
    )
    .answering_trace_fetches(false);
    r.init().await;
    let mut store = Store::new(PriceTable::default(), vec![]);
    let (updates, notes) = nightjar::sources::runaway::run_once(&mut r, &Presets::default(), now, None).await;
    assert!(notes.is_empty(), "the demo has both log groups: {notes:?}");
    for u in updates {
        if let Update::Logs(LogsUpdate::Query(q)) = &u {
            assert!(matches!(q.spec.purpose, Purpose::Runaway(_)));
            assert_eq!(q.status, QueryStatus::Complete, "{:?}", q.error);
        }
        store.apply(u);
    }
    store
}

#[tokio::test]
async fn at_plus_four_minutes_only_the_agent_loop_is_over_the_default_ceiling() {
    assert_eq!(Settings::default().tokens_per_min, 250_000.0);
    assert_eq!(Settings::default().usd_per_min, 1.0);
    for seed in [7, 11, 42] {
        let store = watch_at(seed, LAUNCH + 4 * 60 + 30).await;
        let c = &store.runaway.callers;
        assert!(c.entries.len() >= 6, "seed {seed}: {} callers", c.entries.len());
        let over: Vec<&str> = c.over_now().map(|e| e.short_id()).collect();
        assert_eq!(over, vec!["support-agent/agent-loop-7f3a"], "seed {seed}");
        let e = &c.entries[0];
        // over from its first minute (+2), on opus, by both ceilings
        assert_eq!(e.over_since, Some(LAUNCH + 120), "seed {seed}");
        assert_eq!(e.models, vec!["us.anthropic.claude-opus-4-5-20251101-v1:0".to_string()]);
        assert!(e.latest_tokens > 250_000.0 && e.latest_usd.unwrap() > 1.0, "seed {seed}: {e:?}");
        // nobody else went over at any minute of the window
        assert!(c.entries[1..].iter().all(|e| e.over_since.is_none()), "seed {seed}");
        let s: Vec<&str> = store.runaway.sessions.over_now().map(|e| e.id.as_str()).collect();
        assert_eq!(s, vec![LOOP_SESSION], "seed {seed}");
        // each breach is a firing entry (banner, status bar, bell), once
        assert_eq!(store.rules.firings, 2);
        let names: Vec<String> = store.firing_rules().into_iter().map(|r| r.name).collect();
        assert_eq!(
            names,
            vec!["Runaway caller support-agent/agent-loop-7f3a".to_string(), format!("Runaway session {LOOP_SESSION}")]
        );
        // the queries' cost is in the API spend
        assert!(store.api_spend_usd() > 0.0);
        assert!(
            (store.runaway.callers.spent_usd + store.runaway.sessions.spent_usd - store.logs.spent_usd()).abs() < 1e-12
        );
    }
}

#[tokio::test]
async fn before_the_loop_nobody_is_over() {
    let store = watch_at(7, LAUNCH + 90).await;
    assert!(!store.runaway.callers.entries.is_empty());
    assert!(store.runaway.breaching().is_empty(), "{:?}", store.runaway.breaching());
    assert_eq!(store.rules.firings, 0);
    assert!(store.firing_rules().iter().all(|r| !r.name.starts_with("Runaway")));
}

#[tokio::test]
async fn once_demo_json_names_the_loop_with_its_figures() {
    // `--once --demo` anchors the story 6 minutes back: the loop is under way
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_nightjar"))
        .args(["--once", "--demo", "--format", "json"])
        .env("XDG_CONFIG_HOME", std::env::temp_dir().join("nightjar-runaway-demo-no-config"))
        .output()
        .expect("nightjar runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let r = v["runaway"].as_array().unwrap();
    let kinds: Vec<(&str, &str)> = r.iter().map(|e| (e["kind"].as_str().unwrap(), e["id"].as_str().unwrap())).collect();
    assert_eq!(
        kinds,
        vec![
            ("caller", "arn:aws:sts::123456789012:assumed-role/support-agent/agent-loop-7f3a"),
            ("session", LOOP_SESSION)
        ]
    );
    for e in r {
        assert_eq!(e["over_now"], true);
        assert_eq!(e["model"], "us.anthropic.claude-opus-4-5-20251101-v1:0");
        assert!(e["tokens_per_min"].as_f64().unwrap() > 250_000.0, "{e}");
        assert!(e["usd_per_min"].as_f64().unwrap() > 1.0, "{e}");
        assert!(e["over_since"].is_string());
    }
    assert_eq!(v["runaway_ceiling"], serde_json::json!({"tokens_per_min": 250000.0, "usd_per_min": 1.0}));
    // the text report names the caller with its figures
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_nightjar"))
        .args(["--once", "--demo"])
        .env("XDG_CONFIG_HOME", std::env::temp_dir().join("nightjar-runaway-demo-no-config"))
        .output()
        .expect("nightjar runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Runaway (ceiling 250k tokens/min or $1.00/min per caller or session):"), "{text}");
    assert!(text.contains("  caller support-agent/agent-loop-7f3a on claude-opus-4-5\n"), "{text}");
    assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
}

#[tokio::test]
async fn the_runaway_state_survives_a_snapshot_and_older_snapshots_still_open() {
    let store = watch_at(7, LAUNCH + 4 * 60 + 30).await;
    let dir = std::env::temp_dir().join(format!("nightjar-runaway-snap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("s.json");
    store.snapshot(LAUNCH + 300).save(&path).unwrap();
    let reopened = Store::from_snapshot(nightjar::store::snapshot::Snapshot::load(&path).unwrap());
    assert_eq!(reopened.runaway, store.runaway);
    assert_eq!(
        nightjar::report::json(&reopened, LAUNCH + 300)["runaway"],
        nightjar::report::json(&store, LAUNCH + 300)["runaway"]
    );
    // a snapshot from before the runaway watch: no key, the defaults
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    v.as_object_mut().unwrap().remove("runaway");
    std::fs::write(&path, v.to_string()).unwrap();
    let old = Store::from_snapshot(nightjar::store::snapshot::Snapshot::load(&path).unwrap());
    assert_eq!(old.runaway, nightjar::store::runaway::RunawayState::default());
    assert!(old.runaway.breaching().is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}
