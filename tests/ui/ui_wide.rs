//! Every pane of the demo's incident at the four terminal sizes the layouts are made for
//! (80x24, 120x40, 160x45, 200x60): what grows with the terminal, what 80 columns keep, and the
//! first screen's answer in words — which model is throttled, and since when.

use crate::ui_common;

use nightjar::sources::Command;
use nightjar::sources::demo::traces::DemoTraces;
use nightjar::sources::xray::TraceRequest;
use nightjar::store::traces::TracesUpdate;
use nightjar::store::{Store, Update};
use nightjar::ui::action::Action;
use nightjar::ui::app::Effect;
use nightjar::ui::pane::PaneKind;
use nightjar::ui::panes::alarms::Item;
use ui_common::*;

/// The sizes every pane is drawn at.
const SIZES: [(u16, u16); 4] = [(80, 24), (120, 40), (160, 45), (200, 60)];

const SONNET: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";

/// The demo's store `secs` after launch (rules evaluated every 15 s since before launch,
/// traces listed and fetched, the runaway watch run once).
fn scene_at(secs: i64) -> (Store, i64) {
    let now = LAUNCH + secs;
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    (rt.block_on(nightjar::sources::demo::scene::incident_store(7, LAUNCH, now)), now)
}

/// Six and a half minutes in: the throttling storm on sonnet (from +1 min) and the opus agent
/// loop (from +2 min) both under way.
fn scene() -> (Store, i64) {
    scene_at(6 * 60 + 30)
}

fn shot(store: &Store, keys: &[Action], w: u16, h: u16, now: i64) -> String {
    let mut a = app();
    for k in keys {
        a.handle(*k, store);
    }
    render(store, &mut a, w, h, now)
}

/// The screen's rows without the quotes the test backend puts around them.
fn rows(screen: &str) -> Vec<String> {
    screen.lines().map(|l| l.trim_start_matches('"').trim_end_matches('"').to_string()).collect()
}

/// Rows with nothing on them but borders and blanks.
fn blank_rows(screen: &str) -> usize {
    rows(screen).iter().filter(|r| r.chars().all(|c| c == ' ' || "│─┌┐└┘├┤┬┴┼".contains(c))).count()
}

#[test]
fn every_pane_at_every_size() {
    let (store, now) = scene();
    let views: [(&str, Vec<Action>); 9] = [
        ("overview", vec![Action::Pane1]),
        ("models", vec![Action::Pane2]),
        ("model_charts", vec![Action::Pane2, Action::Select]),
        ("pipeline", vec![Action::Pane3]),
        ("platform", vec![Action::Pane4]),
        ("traces", vec![Action::Pane5]),
        ("span_tree", vec![Action::Pane5, Action::Select]),
        ("logs", vec![Action::Pane6]),
        ("alarms", vec![Action::Pane7]),
    ];
    for (name, keys) in views {
        for (w, h) in SIZES {
            let screen = shot(&store, &keys, w, h, now);
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
        }
    }
}

#[test]
fn a_wide_overview_fills_the_screen_with_p50_tokens_and_the_culprits() {
    let (store, now) = scene();
    let screen = shot(&store, &[Action::Pane1], 200, 60, now);
    let blank = blank_rows(&screen);
    assert!(blank <= 6, "{blank} blank rows:\n{screen}");
    for want in ["p50", "p90", "TTFTp50", "TokIn", "TokOut", "Tokens/min", "$/h", "Quota"] {
        assert!(screen.contains(want), "{want} missing:\n{screen}");
    }
    // charts with time axes instead of sparklines, and the side panels
    assert!(screen.contains("02:07") && screen.contains("03:07"), "{screen}");
    let r = rows(&screen);
    assert!(!r.iter().any(|l| l.starts_with("Requests/min")), "no sparkline rows at 200x60:\n{screen}");
    for chart in ["┌ Requests/min 105", "┌ Errors 0.2%", "┌ Throttles 0.8%", "┌ p99 latency 43s", "┌ Burn $153/h"]
    {
        assert!(screen.contains(chart), "{chart} missing:\n{screen}");
    }
    for want in
        ["Firing (7) · 7: Alarms", "What changed", "Worst traces", "↳ claude-sonnet-4-5 58% (> 10%) since 03:01"]
    {
        assert!(screen.contains(want), "{want} missing:\n{screen}");
    }
    // the model names are no wider than the longest one: the figures follow it closely
    let header = rows(&screen).into_iter().find(|r| r.contains("Model ") && r.contains("Invoc")).unwrap();
    let gap = header.find("Invoc").unwrap() - header.find("Model").unwrap();
    assert!(gap <= "llama3-3-70b-instruct".len() + 8, "{header}");
}

#[test]
fn at_80x24_the_overview_keeps_the_models_the_banner_and_the_culprit() {
    let (store, now) = scene();
    let screen = shot(&store, &[Action::Pane1], 80, 24, now);
    let r = rows(&screen);
    // the first line says it in words, the banner names the rule's culprit
    assert!(r[1].starts_with("▶ claude-sonnet-4-5 throttled 58% since 03:01"), "{screen}");
    assert!(r[2].starts_with(" FIRING 7  Bedrock-Throttling claude-sonnet-4-5 58% (> 10%) since 03:01"), "{screen}");
    assert!(screen.contains("Models (6)"), "{screen}");
    for m in ["claude-opus-4-5", "claude-haiku-4-5", "claude-sonnet-4-5", "nova-pro"] {
        assert!(r.iter().any(|l| l.starts_with(&format!("│{m} "))), "{m} not in the table:\n{screen}");
    }
    for col in ["p99", "Thrtl", "Cost", "Quota"] {
        assert!(screen.contains(col), "{col} missing:\n{screen}");
    }
    // the signals stay (as sparklines) and so does what changed
    assert!(screen.contains("Throttles") && screen.contains("What changed"), "{screen}");
}

#[test]
fn during_the_storm_the_first_screen_names_the_throttled_model_and_since_when() {
    // the storm runs from +1 to +8 minutes; the rule fires within a minute of its start
    for secs in [2 * 60 + 30, 4 * 60, 7 * 60 + 30] {
        let (store, now) = scene_at(secs);
        let screen = shot(&store, &[Action::Pane1], 80, 24, now);
        let first = &rows(&screen)[1];
        assert!(
            first.starts_with("▶ claude-sonnet-4-5 throttled ") && first.contains("% since 03:01"),
            "+{secs}s: {first}\n{screen}"
        );
    }
    // after the storm the rule has resolved and the line no longer says so
    let (store, now) = scene_at(12 * 60);
    let screen = shot(&store, &[Action::Pane1], 80, 24, now);
    assert!(!rows(&screen)[1].contains("throttled"), "{screen}");
}

#[test]
fn the_rule_detail_names_the_culprit_and_t_opens_its_throttled_traces() {
    let (mut store, now) = scene();
    let mut a = app();
    a.handle(Action::Pane7, &store);
    let items = a.panes.alarms.items(&store);
    let at = items.iter().position(|i| matches!(i, Item::Rule(r) if r.name == "Bedrock-Throttling")).unwrap();
    for _ in 0..at {
        a.handle(Action::Down, &store);
    }
    let screen = render(&store, &mut a, 80, 24, now);
    assert!(screen.contains("culprit claude-sonnet-4-5 58% (> 10%) since 03:01 · t: its throttled traces"), "{screen}");
    let list = rows(&screen).into_iter().find(|r| r.contains("FIRING    rule  Bedrock-Throttling")).unwrap();
    assert!(list.contains("claude-sonnet-4-5 58%"), "{list}");
    // t: sonnet's throttled traces from five minutes before the storm
    let e = a.handle(Action::ShowTraces, &store);
    assert_eq!(a.current_kind(), PaneKind::Traces);
    let Effect::Send(Command::Traces(TraceRequest::List(q))) = e else { panic!("{e:?}") };
    let want = format!("annotation.model_id = \"{SONNET}\" AND throttle");
    assert_eq!(q.filter.as_deref(), Some(want.as_str()));
    assert_eq!(a.panes.traces.expression(&store).as_deref(), Some(want.as_str()));
    let mut d = DemoTraces::new(7, LAUNCH);
    store.apply(Update::Traces(TracesUpdate::Listed(d.list(&q, now).unwrap())));
    let listed = store.traces.summaries();
    assert!(listed.len() >= 3, "{}", listed.len());
    assert!(listed.iter().all(|s| s.throttle && s.models.iter().any(|m| m == SONNET)), "{listed:#?}");
    assert!(listed.iter().all(|s| s.start >= (LAUNCH + 60 - 300) as f64), "from before the storm's start");
}

#[test]
fn switching_to_traces_fetches_the_selected_trace_for_the_tree_beside_the_list() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use nightjar::store::traces::{TraceQuery, TraceRange};
    let (mut store, now) = demo_store(6);
    let mut d = DemoTraces::new(7, LAUNCH);
    let q = TraceQuery::new(TraceRange::Last(900), None);
    store.apply(Update::Traces(TracesUpdate::Listed(d.list(&q, now).unwrap())));
    let mut a = app();
    a.handle_key(KeyEvent::new(KeyCode::Char('5'), KeyModifiers::NONE), &store);
    assert_eq!(a.current_kind(), PaneKind::Traces);
    let newest = store.traces.summaries().iter().max_by(|x, y| x.start.total_cmp(&y.start)).unwrap().id.clone();
    let pending = a.take_pending();
    let ids = pending
        .iter()
        .find_map(|c| match c {
            Command::Traces(TraceRequest::Fetch { ids, .. }) => Some(ids.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no fetch in {pending:?}"));
    assert_eq!(ids.first(), Some(&newest), "{ids:?}");
    let waiting = render(&store, &mut a, 160, 45, now);
    assert!(waiting.contains("Not fetched yet"), "{waiting}");
    let (traces, unprocessed) = d.fetch(&ids);
    store.apply(Update::Traces(TracesUpdate::Fetched { traces, unprocessed }));
    let shown = render(&store, &mut a, 160, 45, now);
    let title = rows(&shown).into_iter().find(|r| r.contains(&newest)).unwrap_or_default();
    assert!(title.contains("┐┌ ") && title.contains(" span"), "the tree beside the list:\n{shown}");
    // switching again with the trace cached asks for nothing
    a.handle_key(KeyEvent::new(KeyCode::Char('1'), KeyModifiers::NONE), &store);
    a.handle_key(KeyEvent::new(KeyCode::Char('5'), KeyModifiers::NONE), &store);
    assert!(a.take_pending().iter().all(|c| !matches!(c, Command::Traces(TraceRequest::Fetch { .. }))));
}
