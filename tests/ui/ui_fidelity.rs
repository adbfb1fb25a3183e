//! Snapshot tests (TestBackend, 80x24 and larger) of what the console says when AWS's answer is
//! coarser or shorter than asked: 5-minute points for a range 20 days back, a poll with holes
//! (`◐ partial` and what is missing), and a trace list older than X-Ray's 30 days.

use crate::ui_common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use nightjar::domain::pricing::PriceTable;
use nightjar::domain::window::{Resolution, Window};
use nightjar::store::traces::{TraceList, TraceQuery, TraceRange, TracesUpdate};
use nightjar::store::{Identity, MetricsUpdate, Partial, SeriesKey, SourceHealth, Store, Update};
use nightjar::ui::action::Action;
use nightjar::ui::app::App;
use ui_common::{LAUNCH, app, demo_store, render};

const MODEL: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const DAY: i64 = 86_400;

fn typed(a: &mut App, store: &Store, line: &str) {
    for c in line.chars() {
        a.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE), store);
    }
    a.handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE), store);
}

fn rfc3339(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0).unwrap().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// An hour twenty days before LAUNCH as the poller delivers it: the range asked for starts at
/// :02, the window is widened to the 5-minute clock, one point every five minutes.
fn old_range_store() -> (Store, Window) {
    let hour = (LAUNCH - 20 * DAY) / 3600 * 3600;
    let asked = Window { start: hour + 120, end: hour + 3720 };
    let resolution = Resolution::for_window(&asked, LAUNCH);
    let window = resolution.align(asked);
    let mut store = Store::new(PriceTable::default(), vec![]);
    store.apply(Update::Identity(Identity {
        account: Some("123456789012".into()),
        regions: vec!["us-west-2".into()],
        ..Default::default()
    }));
    let k = |m: &str, s: &str| SeriesKey::new("us-west-2", "AWS/Bedrock", m, &[("ModelId", MODEL)], s);
    let at = |f: fn(i64) -> f64| (window.start..window.end).step_by(300).map(|t| (t, f(t))).collect::<Vec<_>>();
    store.apply(Update::Metrics(MetricsUpdate {
        window,
        period: resolution.period,
        resolution,
        series: vec![
            (k("Invocations", "Sum"), at(|t| 60.0 + ((t / 300) % 7) as f64 * 10.0)),
            (k("InputTokenCount", "Sum"), at(|_| 150_000.0)),
            (k("OutputTokenCount", "Sum"), at(|_| 12_000.0)),
            (k("InvocationLatency", "p99"), at(|t| 2_000.0 + ((t / 300) % 5) as f64 * 300.0)),
        ],
        window_values: vec![(k("InvocationLatency", "p99"), Some(3_100.0))],
    }));
    let mut h = SourceHealth::new("cloudwatch", Some("us-west-2"));
    h.record_ok(LAUNCH - 20);
    h.calls = 11;
    store.apply(Update::Health(h));
    (store, asked)
}

#[test]
fn coarse_points_for_an_old_range_are_said() {
    let (store, asked) = old_range_store();
    assert_eq!(store.period, 300);
    for (w, h) in [(80, 24), (160, 48)] {
        let mut a = app();
        typed(&mut a, &store, &format!(":range {} {}", rfc3339(asked.start), rfc3339(asked.end)));
        let s = render(&store, &mut a, w, h, LAUNCH);
        assert!(s.contains("5-min points (data 20 d old)"), "{s}");
        // the hour's figures, per minute: 13 points of 60..120 invocations over 65 minutes
        assert!(s.contains("$"), "{s}");
        insta::assert_snapshot!(format!("old_range_overview_{w}x{h}"), s);
    }
}

#[test]
fn a_partial_poll_is_said_with_what_is_missing() {
    let (mut store, now) = demo_store(8);
    let mut h = SourceHealth::new("cloudwatch", Some("us-east-1"));
    h.calls = 14;
    h.record_partial(
        now - 4,
        Partial {
            missing: vec![
                format!("InvocationLatency{{ModelId={MODEL}}} p99"),
                format!("InvocationLatency{{ModelId={MODEL}}} p99 (window)"),
            ],
        },
    );
    h.newest_data = Some(now - 30);
    h.messages = vec!["InternalError: An internal error occurred; retry the request.".into()];
    store.apply(Update::Health(h));
    for (w, hgt) in [(80, 24), (120, 35)] {
        let s = render(&store, &mut app(), w, hgt, now);
        assert!(s.contains("◐ partial"), "{s}");
        assert!(s.contains("partial, 2 missing: InvocationLatency"), "{s}");
        assert!(!s.contains("cloudwatch us-east-1 ✓"), "a poll with holes is not shown healthy: {s}");
        insta::assert_snapshot!(format!("partial_overview_{w}x{hgt}"), s);
    }
    // on another pane too (the status bar and the message line are the console's, not a pane's)
    let mut a = app();
    a.handle(Action::Pane2, &store);
    let s = render(&store, &mut a, 80, 24, now);
    assert!(s.contains("◐ partial") && s.contains("2 missing"), "{s}");
}

#[test]
fn traces_past_xray_retention_say_so() {
    let (mut store, now) = demo_store(8);
    let old = Window { start: now - 40 * DAY, end: now - 40 * DAY + 3600 };
    let q = TraceQuery::new(TraceRange::Fixed(old), None);
    store.apply(Update::Traces(TracesUpdate::Listed(TraceList {
        query: q,
        region: "us-east-1".into(),
        window: old,
        summaries: vec![],
        processed: 0,
        truncated: false,
        listed_at: now - 5,
        sampling: None,
    })));
    let mut a = app();
    let n = a.pane_titles().iter().position(|t| *t == "Traces").unwrap() + 1;
    a.handle(if n == 5 { Action::Pane5 } else { Action::Pane6 }, &store);
    for (w, h) in [(80, 24), (120, 35)] {
        let s = render(&store, &mut a, w, h, now);
        assert!(s.contains("X-Ray keeps traces 30 days"), "{s}");
        assert!(s.contains("40 d old"), "{s}");
        insta::assert_snapshot!(format!("traces_past_retention_{w}x{h}"), s);
    }
}
