//! Shared by `benches/console.rs` and `examples/bench_report.rs`: the demo's store at a fixed
//! moment of the incident (metrics polled as the console polls them, the trace list with its
//! traces fetched, a finished Logs Insights query), the panes to draw, and a synthetic store of
//! 50 models × 12 metrics.

#![allow(dead_code)]

use std::time::Duration;

use nightjar::domain::insights::{InsightsSettings, Presets};
use nightjar::domain::pricing::PriceTable;
use nightjar::domain::rules::RuleSet;
use nightjar::domain::window::{Since, Window};
use nightjar::engine::demo_identity;
use nightjar::sources::demo::DemoWorkload;
use nightjar::sources::demo::logs::DemoInsights;
use nightjar::sources::demo::traces::DemoTraces;
use nightjar::sources::logs::{LogsRunner, run_to_end};
use nightjar::store::logs::{LogsUpdate, QuerySpec};
use nightjar::store::traces::{TraceQuery, TraceRange, TracesUpdate};
use nightjar::store::{MetricsUpdate, SeriesKey, SourceHealth, Store, Update};
use nightjar::ui::action::Action;

/// 2026-11-25 03:00 UTC, as in the snapshot tests.
pub const LAUNCH: i64 = 1_795_575_600;
/// Eight and a half minutes into the story: the throttling storm is on, the agent loop running.
pub const NOW: i64 = LAUNCH + 8 * 60 + 30;

/// Every pane (and the views inside them), and the keys that show it.
pub const PANES: &[(&str, &[Action])] = &[
    ("overview", &[Action::Pane1]),
    ("models", &[Action::Pane2]),
    ("model-detail", &[Action::Pane2, Action::Select]),
    ("pipeline", &[Action::Pane3]),
    ("platform", &[Action::Pane4]),
    ("traces", &[Action::Pane5]),
    ("span-tree", &[Action::Pane5, Action::Select]),
    ("logs", &[Action::Pane6]),
    ("alarms", &[Action::Pane7]),
    ("help", &[Action::Help]),
];

pub fn demo_health(now: i64) -> Update {
    let mut h = SourceHealth::new("demo", Some("us-east-1"));
    h.record_ok(now - 3);
    h.newest_data = Some(now - 30);
    h.calls = 12;
    Update::Health(h)
}

/// The demo store at [`NOW`], and the workload (to poll it on).
pub fn demo_store() -> (Store, DemoWorkload) {
    let mut store = Store::new(PriceTable::default(), vec![]);
    store.rules.rules = RuleSet::builtin();
    store.traces.model_annotation = "model_id".into();
    store.apply(demo_identity());
    let mut w = DemoWorkload::new(7, LAUNCH);
    // poll like the console does, so rules and triage have their history
    let mut t = LAUNCH - 120;
    while t <= NOW {
        store.apply(Update::Metrics(w.poll(t, Since::default())));
        t += 15;
    }
    store.apply(demo_health(NOW));
    // the trace list of the last 15 minutes, every trace fetched
    let mut d = DemoTraces::new(7, LAUNCH);
    let q = TraceQuery::new(TraceRange::Last(900), None);
    let list = d.list(&q, NOW).expect("demo trace list");
    let ids: Vec<String> = list.summaries.iter().map(|s| s.id.clone()).collect();
    store.apply(Update::Traces(TracesUpdate::Listed(list)));
    let (traces, unprocessed) = d.fetch(&ids);
    store.apply(Update::Traces(TracesUpdate::Fetched { traces, unprocessed }));
    // a finished Logs Insights query (the demo's tokens-by-caller)
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let preset = Presets::default().get("tokens-by-caller").expect("preset").clone();
    let run = rt.block_on(async {
        let mut r = LogsRunner::new(
            DemoInsights::new(7, LAUNCH),
            InsightsSettings::default(),
            PriceTable::default(),
            SourceHealth::new("logs", Some("us-east-1")),
        );
        r.init().await;
        for u in r.drain() {
            store.apply(u);
        }
        let window = Since::default().window_ending(NOW);
        let spec = QuerySpec::new(&preset.name, &preset.query, preset.groups, vec![], window);
        run_to_end(&mut r, spec, Duration::from_secs(30)).await
    });
    store.apply(Update::Logs(LogsUpdate::Query(Box::new(run))));
    (store, w)
}

pub const MODELS: usize = 50;
/// Twelve Bedrock series per model: the eight sums, TPM quota usage and three latency figures.
pub const METRICS: [(&str, &str); 12] = [
    ("Invocations", "Sum"),
    ("InputTokenCount", "Sum"),
    ("OutputTokenCount", "Sum"),
    ("InvocationClientErrors", "Sum"),
    ("InvocationServerErrors", "Sum"),
    ("InvocationThrottles", "Sum"),
    ("CacheReadInputTokenCount", "Sum"),
    ("CacheWriteInputTokenCount", "Sum"),
    ("EstimatedTPMQuotaUsage", "Maximum"),
    ("InvocationLatency", "Average"),
    ("InvocationLatency", "p99"),
    ("TimeToFirstToken", "p90"),
];

pub fn keys() -> Vec<SeriesKey> {
    (0..MODELS)
        .flat_map(|m| {
            let model = format!("vendor.model-{m:02}-v1:0");
            METRICS
                .map(|(metric, stat)| SeriesKey::new("us-east-1", "AWS/Bedrock", metric, &[("ModelId", &model)], stat))
        })
        .collect()
}

/// A poller's update: points at 1-minute resolution over [from, window.end) for every key, and
/// whole-window figures for the statistics that don't add up.
pub fn metrics_update(keys: &[SeriesKey], window: Window, from: i64) -> MetricsUpdate {
    let series = keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let pts = (from..window.end)
                .step_by(60)
                .map(|t| (t, ((i as i64 * 7919 + t / 60) % 1000) as f64 * 0.37))
                .collect();
            (k.clone(), pts)
        })
        .collect();
    let window_values =
        keys.iter().filter(|k| k.stat != "Sum").map(|k| (k.clone(), Some(k.metric.len() as f64))).collect();
    MetricsUpdate { window, period: 60, resolution: Default::default(), series, window_values }
}
