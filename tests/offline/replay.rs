//! Incident replay: a snapshot saved to a file and reopened shows the same figures on every pane,
//! and the same reports, as the store it was taken from.

use nightjar::domain::pricing::PriceTable;
use nightjar::domain::window::Since;
use nightjar::sources::demo::DemoWorkload;
use nightjar::store::snapshot::Snapshot;
use nightjar::store::{Store, Update};
use nightjar::ui::action::Action;
use nightjar::ui::app::App;
use nightjar::ui::keymap::Keymap;
use nightjar::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// 2026-11-25 03:00 UTC; the snapshot is taken six minutes into the demo's incident.
const LAUNCH: i64 = 1_795_575_600;

/// The demo store as the console has it six minutes in: metrics polled every 15 s (so rules and
/// triage have history), the trace list with the newest 40 traces fetched, and one Logs Insights
/// query with its rows.
fn demo_store() -> (Store, i64) {
    let now = LAUNCH + 6 * 60 + 30;
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    (rt.block_on(nightjar::sources::demo::scene::incident_store(7, LAUNCH, now)), now)
}

/// Save to a file and load it back, as `--once --save FILE` then `nightjar open FILE` do.
fn reopen(store: &Store, saved_at: i64) -> Store {
    let path = std::env::temp_dir().join(format!("nightjar-replay-{}.json", std::process::id()));
    store.snapshot(saved_at).save(&path).expect("save");
    let loaded = Snapshot::load(&path).expect("load");
    std::fs::remove_file(&path).ok();
    Store::from_snapshot(loaded)
}

fn screen(store: &Store, keys: &[Action], now: i64) -> String {
    let mut app = App::new(Keymap::default(), Theme::default());
    app.frozen_at = Some(now);
    for k in keys {
        app.handle(*k, store);
    }
    let mut term = Terminal::new(TestBackend::new(120, 36)).expect("test backend");
    term.draw(|f| app.draw(f, store, now)).expect("draw");
    term.backend().to_string()
}

#[test]
fn every_pane_shows_the_same_figures_after_reopening() {
    let (store, now) = demo_store();
    let reopened = reopen(&store, now);
    let first_trace = store.traces.summaries().first().map(|s| s.id.clone()).expect("a listed trace");
    let traces_title = format!("Traces ({})", store.traces.summaries().len());
    let panes: Vec<(&str, Vec<Action>, &str)> = vec![
        ("overview", vec![Action::Pane1], "p99"),
        ("models", vec![Action::Pane2], "claude"),
        ("model charts", vec![Action::Pane2, Action::Select], "claude"),
        ("pipeline", vec![Action::Pane3], "Pipeline"),
        ("platform", vec![Action::Pane4], "Platform"),
        ("traces", vec![Action::Pane5], &traces_title),
        ("span tree", vec![Action::Pane5, Action::Select], &first_trace[..12]),
        ("logs", vec![Action::Pane6], "tokens-by-caller"),
        ("alarms", vec![Action::Pane7], "Alarms"),
    ];
    for (name, keys, expect) in panes {
        let before = screen(&store, &keys, now);
        let after = screen(&reopened, &keys, now);
        assert!(before.contains(expect), "{name}: '{expect}' is not on the screen\n{before}");
        assert!(before.contains("REPLAY"), "{name}: the status bar does not say REPLAY\n{before}");
        assert_eq!(before, after, "{name}: the reopened snapshot draws differently");
    }
}

#[test]
fn the_reports_are_the_same_after_reopening() {
    let (store, now) = demo_store();
    let reopened = reopen(&store, now);
    // exact figures: serde_json's float_roundtrip reads back the very f64 written
    assert_eq!(nightjar::report::json(&store, now), nightjar::report::json(&reopened, now));
    let md = nightjar::report::markdown::render(&store, now);
    assert_eq!(md, nightjar::report::markdown::render(&reopened, now));
    // the reopened store carries the traces and the query, so the report names them
    let slowest = store.traces.report(5).expect("a trace list").slowest[0].id.clone();
    assert!(md.contains(&slowest), "{md}");
    assert!(md.contains("## Queries run"), "{md}");
    assert!(md.contains("### tokens-by-caller — Complete"), "{md}");
    let run = reopened.logs.latest_table().expect("the query survives the round trip");
    assert!(!run.table.rows.is_empty());
    let first_row = run.table.rows[0][0].clone();
    assert!(md.contains(&format!("| {first_row} |")), "the first row is in the report:\n{md}");
}

#[test]
fn a_snapshot_without_traces_or_logs_still_opens() {
    let (store, now) = demo_store();
    let mut v = serde_json::to_value(store.snapshot(now)).expect("encode");
    let obj = v.as_object_mut().expect("an object");
    obj.remove("traces").expect("the snapshot carries traces");
    obj.remove("logs").expect("the snapshot carries logs");
    let path = std::env::temp_dir().join(format!("nightjar-replay-old-{}.json", std::process::id()));
    std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    let loaded = Snapshot::load(&path);
    std::fs::remove_file(&path).ok();
    let reopened = Store::from_snapshot(loaded.expect("an older snapshot loads"));
    assert!(reopened.traces.summaries().is_empty());
    assert_eq!(reopened.logs.queries().count(), 0);
    // the metrics are all there
    assert_eq!(nightjar::report::json(&store, now)["models"], nightjar::report::json(&reopened, now)["models"]);
}

#[test]
fn what_was_in_flight_when_saved_is_said_to_be_missing_not_awaited() {
    let (store, now) = demo_store();
    let reopened = reopen(&store, now);
    // the oldest listed trace was never fetched (only the newest 40 were)
    let last = store.traces.summaries().last().map(|s| s.id.clone()).expect("a listed trace");
    assert!(store.traces.trace(&last).is_none(), "the test needs an unfetched trace");
    let keys = [Action::Pane5, Action::Bottom, Action::Select];
    let live = screen(&store, &keys, now);
    assert!(live.contains("Fetching trace"), "a live console waits for it:\n{live}");
    let replay = screen(&reopened, &keys, now);
    assert!(replay.contains("is not in the snapshot"), "{replay}");
    assert!(!replay.contains("Fetching"), "{replay}");

    // a --once snapshot: no log groups were looked up, no query run
    let mut once = Store::new(PriceTable::default(), vec![]);
    once.apply(nightjar::engine::demo_identity());
    once.apply(Update::Metrics(DemoWorkload::new(7, LAUNCH).poll(now, Since::default())));
    let logs = screen(&reopen(&once, now), &[Action::Pane6], now);
    assert!(logs.contains("not looked up before the snapshot was saved"), "{logs}");
    assert!(!logs.contains("Finding log groups"), "{logs}");
    assert!(logs.contains("No Logs Insights query had run when this snapshot was saved"), "{logs}");
    let alarms = screen(&reopen(&once, now), &[Action::Pane7], now);
    assert!(alarms.contains("had not run when the snapshot was saved"), "{alarms}");
    assert!(!alarms.contains("waiting for the first run"), "{alarms}");
    // running a preset or refreshing says that nothing answers, instead of waiting silently
    for key in [Action::NextPreset, Action::Refresh] {
        let s = screen(&reopen(&once, now), &[Action::Pane6, key], now);
        assert!(s.contains("polls and queries nothing"), "{key:?}:\n{s}");
    }
}
