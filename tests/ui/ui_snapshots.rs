//! Snapshot tests of the panes on ratatui's TestBackend, in several sizes and states.

use crate::ui_common;

use nightjar::domain::pricing::PriceTable;
use nightjar::store::{ErrorKind, Identity, MetricsUpdate, SeriesKey, SourceError, SourceHealth, Store, Update};
use nightjar::ui::action::Action;
use nightjar::ui::app::App;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ui_common::*;

#[test]
fn overview_demo_80x24() {
    let (store, now) = demo_store(5);
    let screen = render(&store, &mut app(), 80, 24, now);
    // the first screen answers "what is wrong": models with p99, throttles and cost
    assert!(screen.contains("p99"), "{screen}");
    assert!(screen.contains("Thrtl"), "{screen}");
    assert!(screen.contains("Cost"), "{screen}");
    assert!(screen.contains("claude-sonnet-4-5"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn overview_demo_160x48() {
    let (store, now) = demo_store(5);
    insta::assert_snapshot!(render(&store, &mut app(), 160, 48, now));
}

#[test]
fn models_demo_80x24_and_160x48() {
    let (store, now) = demo_store(5);
    let mut a = app();
    a.handle(Action::Pane2, &store);
    insta::assert_snapshot!("models_80x24", render(&store, &mut a, 80, 24, now));
    insta::assert_snapshot!("models_160x48", render(&store, &mut a, 160, 48, now));
}

#[test]
fn models_sorted_by_p99() {
    let (store, now) = demo_store(5);
    let mut a = app();
    a.handle(Action::Pane2, &store);
    a.handle(Action::SortNext, &store); // invocations
    a.handle(Action::SortNext, &store); // p99
    let rows = a.panes.models.state.rows(&store, a.view_state);
    let p99: Vec<f64> = rows.iter().filter_map(|r| r.latency_p99).collect();
    assert!(p99.windows(2).all(|w| w[0] >= w[1]), "{p99:?}");
    insta::assert_snapshot!(render(&store, &mut a, 120, 30, now));
}

#[test]
fn model_detail_charts() {
    let (store, now) = demo_store(5);
    let mut a = app();
    a.handle(Action::Pane2, &store);
    a.handle(Action::Select, &store);
    assert!(a.panes.models.detail.is_some());
    insta::assert_snapshot!("detail_80x24", render(&store, &mut a, 80, 24, now));
    insta::assert_snapshot!("detail_160x48", render(&store, &mut a, 160, 48, now));
    a.handle(Action::Back, &store);
    assert!(a.panes.models.detail.is_none());
}

#[test]
fn help_overlay_80x24() {
    let (store, now) = demo_store(5);
    let mut a = app();
    a.handle(Action::Help, &store);
    let screen = render(&store, &mut a, 80, 24, now);
    assert!(screen.contains("Help"));
    assert!(screen.contains("quit"));
    // the pane's own commands (the footer's hints) first, then the global keys
    let at = |what: &str| screen.find(what).unwrap_or_else(|| panic!("{what} missing: {screen}"));
    assert!(at("│ Overview") < at("Enter  open") && at("Enter  open") < at("Global keys"), "{screen}");
    assert!(at("a  by model") < at("Global keys"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn help_lists_the_current_panes_commands_first() {
    let (store, now) = demo_store(5);
    let mut a = app();
    a.handle(Action::Pane6, &store);
    a.handle(Action::Help, &store);
    let screen = render(&store, &mut a, 120, 40, now);
    let at = |what: &str| screen.find(what).unwrap_or_else(|| panic!("{what} missing: {screen}"));
    // the Logs pane's commands, from the declaration its footer hints come from
    for (key, what) in [("f", "run preset"), ("i", "edit"), ("x", "cancel"), ("R", "redact"), ("s", "sort by")] {
        assert!(at(&format!("{key}  {what}")) < at("Global keys"), "{key} {what}: {screen}");
    }
    // a key the pane lists is not listed again among the global ones
    assert_eq!(screen.matches("Enter  ").count(), 1, "{screen}");
    assert!(at("Global keys") < at("quit"), "{screen}");
    // Esc closes it
    a.handle(Action::Back, &store);
    assert!(!render(&store, &mut a, 120, 40, now).contains("Global keys"));
}

#[test]
fn loading_state() {
    let mut store = Store::new(PriceTable::default(), vec![]);
    store.apply(Update::Identity(Identity {
        profile: Some("prod".into()),
        regions: vec!["us-east-1".into()],
        ..Default::default()
    }));
    store.apply(Update::Health(SourceHealth::new("cloudwatch", Some("us-east-1"))));
    let screen = render(&store, &mut app(), 80, 24, LAUNCH);
    assert!(screen.contains("Loading metrics from cloudwatch us-east-1"), "{screen}");
    insta::assert_snapshot!(screen);
}

fn expired() -> SourceError {
    SourceError {
        kind: ErrorKind::ExpiredCredentials,
        code: None,
        message: "the SSO session has expired".into(),
        hint: "run `aws sso login --profile prod`; nightjar recovers by itself once you have".into(),
        at: LAUNCH,
    }
}

#[test]
fn error_state_with_no_data() {
    let mut store = Store::new(PriceTable::default(), vec![]);
    store.apply(Update::Identity(Identity {
        profile: Some("prod".into()),
        regions: vec!["us-east-1".into()],
        ..Default::default()
    }));
    let mut h = SourceHealth::new("cloudwatch", Some("us-east-1"));
    h.record_error(expired());
    store.apply(Update::Health(h));
    let screen = render(&store, &mut app(), 80, 24, LAUNCH + 10);
    assert!(screen.contains("aws sso login --profile prod"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn stale_data_stays_on_screen_with_the_error() {
    let (mut store, now) = demo_store(5);
    let mut h = SourceHealth::new("demo", Some("us-east-1"));
    h.record_ok(now - 300);
    h.newest_data = Some(now - 330);
    h.record_error(SourceError {
        kind: ErrorKind::Throttled,
        code: Some("Throttling".into()),
        message: "Rate exceeded".into(),
        hint: "backing off; the last good data stays on screen".into(),
        at: now - 10,
    });
    h.backoff_secs = 120;
    store.apply(Update::Health(h));
    let screen = render(&store, &mut app(), 80, 24, now);
    assert!(screen.contains("claude-sonnet-4-5"), "data kept: {screen}");
    assert!(screen.contains("stale"), "{screen}");
    assert!(screen.contains("Throttling: Rate exceeded"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn many_models_scroll() {
    let mut store = Store::new(PriceTable::default(), vec![]);
    store.apply(Update::Identity(Identity {
        account: Some("123456789012".into()),
        regions: vec!["us-east-1".into(), "us-west-2".into()],
        ..Default::default()
    }));
    let start = LAUNCH - 3600;
    let mut series = Vec::new();
    let mut window_values = Vec::new();
    for i in 0..60 {
        let model = format!("acme.model-{i:02}-v1:0");
        let region = if i % 2 == 0 { "us-east-1" } else { "us-west-2" };
        let k = |m: &str, s: &str| SeriesKey::new(region, "AWS/Bedrock", m, &[("ModelId", &model)], s);
        series.push((k("Invocations", "Sum"), vec![(start, 10.0 + i as f64)]));
        series.push((k("InvocationThrottles", "Sum"), vec![(start, i as f64)]));
        window_values.push((k("InvocationLatency", "p99"), Some(100.0 * i as f64)));
    }
    store.apply(Update::Metrics(MetricsUpdate {
        window: nightjar::domain::window::Window { start, end: LAUNCH },
        period: 60,
        resolution: Default::default(),
        series,
        window_values,
    }));
    let mut h = SourceHealth::new("cloudwatch", Some("us-east-1"));
    h.record_ok(LAUNCH);
    store.apply(Update::Health(h));
    let mut a = app();
    a.handle(Action::Pane2, &store);
    a.handle(Action::Bottom, &store);
    let screen = render(&store, &mut a, 80, 24, LAUNCH);
    assert!(screen.contains("Region"), "two regions show the region column: {screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn no_models_says_why() {
    let mut store = Store::new(PriceTable::default(), vec![]);
    store.apply(Update::Identity(Identity { regions: vec!["eu-west-1".into()], ..Default::default() }));
    store.apply(Update::Metrics(MetricsUpdate {
        window: nightjar::domain::window::Window { start: LAUNCH - 3600, end: LAUNCH },
        period: 60,
        ..Default::default()
    }));
    let mut h = SourceHealth::new("cloudwatch", Some("eu-west-1"));
    h.record_ok(LAUNCH);
    store.apply(Update::Health(h));
    let screen = render(&store, &mut app(), 80, 24, LAUNCH);
    assert!(screen.contains("No Bedrock model metrics in eu-west-1"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn overview_enter_opens_the_model_charts() {
    let (store, now) = demo_store(5);
    let mut a = app();
    // the list is the suspects ("what changed") first, then the models: go to the 2nd model
    let suspects = nightjar::ui::panes::overview::suspects(&store).len();
    for _ in 0..=suspects {
        a.handle(Action::Down, &store);
    }
    a.handle(Action::Select, &store);
    assert_eq!(a.current_kind(), nightjar::ui::pane::PaneKind::Models);
    let detail = a.panes.models.detail.clone().expect("charts open");
    let screen = render(&store, &mut a, 120, 30, now);
    assert!(screen.contains(&detail.model_id), "{screen}");
    // Esc goes back to the table, and pane keys still work
    a.handle(Action::Back, &store);
    assert!(a.panes.models.detail.is_none());
    a.handle(Action::Pane1, &store);
    assert_eq!(a.current_kind(), nightjar::ui::pane::PaneKind::Overview);
}

#[test]
fn models_filter_narrows_and_esc_clears() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let (store, now) = demo_store(5);
    let mut a = app();
    a.handle(Action::Pane2, &store);
    a.handle(Action::Filter, &store);
    for c in "haiku".chars() {
        a.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE), &store);
    }
    a.handle_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE), &store);
    let rows = a.panes.models.state.rows(&store, a.view_state);
    assert_eq!(rows.len(), 1);
    assert!(rows[0].model_id.contains("haiku"));
    let screen = render(&store, &mut a, 100, 20, now);
    assert!(screen.contains("filter: haiku"), "{screen}");
    assert!(!screen.contains("claude-sonnet"), "{screen}");
    // Esc at the pane clears the filter
    a.handle(Action::Back, &store);
    assert_eq!(a.panes.models.state.rows(&store, a.view_state).len(), 6);
}

/// With `--mouse`: a click on a tab opens its pane (wherever the tabs were drawn, compact or
/// not), the wheel moves the selection, and a click elsewhere on the header does nothing.
#[test]
fn mouse_clicks_tabs_and_the_wheel_scrolls() {
    use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    let (store, now) = demo_store(6);
    let ev = |kind, column, row| MouseEvent { kind, column, row, modifiers: KeyModifiers::NONE };
    for (w, h) in [(80, 24), (200, 40)] {
        let mut app = app();
        app.mouse = true;
        render(&store, &mut app, w, h, now);
        let header: String = render(&store, &mut app, w, h, now).lines().next().unwrap().to_string();
        // the column of "5" in the header: the Traces tab
        let col = header.chars().position(|c| c == '5').unwrap() as u16;
        app.handle_mouse(ev(MouseEventKind::Down(MouseButton::Left), col, 0), &store);
        let s = render(&store, &mut app, w, h, now);
        assert!(s.lines().next().unwrap().contains("5 Traces"), "{w}x{h}: the Traces tab is open:\n{s}");
        // a click on the identity part of the header changes nothing
        app.handle_mouse(ev(MouseEventKind::Down(MouseButton::Left), w - 2, 0), &store);
        assert!(render(&store, &mut app, w, h, now).lines().next().unwrap().contains("5 Traces"));
    }
    // the wheel moves the Models selection like j/k
    let mut app = app();
    app.mouse = true;
    app.handle(Action::Pane2, &store);
    // (the selection is a colour: compare the cells' styles, not only the text)
    let buffer = |app: &mut App| {
        let mut t = Terminal::new(TestBackend::new(120, 30)).unwrap();
        t.draw(|f| app.draw(f, &store, now)).unwrap();
        t.backend().buffer().clone()
    };
    let before = buffer(&mut app);
    app.handle_mouse(ev(MouseEventKind::ScrollDown, 10, 5), &store);
    let down = buffer(&mut app);
    assert_ne!(before, down, "the wheel moved the selection");
    app.handle(Action::Down, &store);
    app.handle_mouse(ev(MouseEventKind::ScrollUp, 10, 5), &store);
    assert_eq!(down, buffer(&mut app), "one wheel step is one row, as j/k");
}
