//! `/` on the Overview and on the Pipeline/Platform boards, and the model tables grouped by base
//! model (regions and cross-region inference ids summed): snapshots on ratatui's TestBackend and
//! the selection kept valid while lists narrow.

use crate::ui_common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use nightjar::domain::pricing::PriceTable;
use nightjar::domain::window::Window;
use nightjar::present::panels::PanelId;
use nightjar::store::{Identity, MetricsUpdate, SeriesKey, SourceHealth, Store, Update};
use nightjar::ui::action::Action;
use nightjar::ui::app::App;
use nightjar::ui::keymap::{BUILTIN, Keymap};
use nightjar::ui::pane::PaneKind;
use ui_common::*;

fn key(a: &mut App, store: &Store, code: KeyCode) {
    a.handle_key(KeyEvent::new(code, KeyModifiers::NONE), store);
}

fn type_text(a: &mut App, store: &Store, text: &str) {
    for c in text.chars() {
        key(a, store, KeyCode::Char(c));
    }
}

const SONNET: &str = "anthropic.claude-sonnet-4-5-20250929-v1:0";
const HAIKU: &str = "anthropic.claude-haiku-4-5-20251001-v1:0";
const NOVA: &str = "amazon.nova-pro-v1:0";

/// Three regions; Sonnet called in-region, through the `us.` profile from two regions and
/// through `eu.`; Haiku in-region and through `global.`; Nova in two regions.
fn regions_store() -> Store {
    let mut store = Store::new(PriceTable::default(), vec![]);
    store.apply(Update::Identity(Identity {
        account: Some("123456789012".into()),
        regions: vec!["us-east-1".into(), "us-west-2".into(), "eu-west-1".into()],
        ..Default::default()
    }));
    let start = LAUNCH - 3600;
    let mut series = Vec::new();
    let mut window_values = Vec::new();
    // (region, model id, invocations/min, throttles/min, input and output tokens per call, p50, p99)
    let rows = [
        ("us-east-1", format!("us.{SONNET}"), 40.0, 6.0, 2000.0, 400.0, 2100.0, 7400.0),
        ("us-east-1", SONNET.to_string(), 10.0, 0.0, 1500.0, 300.0, 1900.0, 5200.0),
        ("us-west-2", format!("us.{SONNET}"), 20.0, 1.0, 2000.0, 400.0, 2300.0, 9100.0),
        ("eu-west-1", format!("eu.{SONNET}"), 5.0, 0.0, 1800.0, 350.0, 2500.0, 6000.0),
        ("us-east-1", HAIKU.to_string(), 60.0, 0.0, 1200.0, 250.0, 900.0, 2600.0),
        ("eu-west-1", format!("global.{HAIKU}"), 15.0, 2.0, 1200.0, 250.0, 1100.0, 3300.0),
        ("us-east-1", NOVA.to_string(), 25.0, 0.0, 2200.0, 380.0, 1400.0, 3900.0),
        ("us-west-2", NOVA.to_string(), 5.0, 0.0, 2200.0, 380.0, 1500.0, 4100.0),
    ];
    for (region, model, inv, thr, input, output, p50, p99) in rows {
        let k = |m: &str, s: &str| SeriesKey::new(region, "AWS/Bedrock", m, &[("ModelId", &model)], s);
        let per_min = |v: f64| (0..60).map(|i| (start + i * 60, v)).collect::<Vec<_>>();
        series.push((k("Invocations", "Sum"), per_min(inv)));
        series.push((k("InvocationThrottles", "Sum"), per_min(thr)));
        series.push((k("InputTokenCount", "Sum"), per_min(inv * input)));
        series.push((k("OutputTokenCount", "Sum"), per_min(inv * output)));
        series.push((k("InvocationLatency", "p50"), per_min(p50)));
        series.push((k("InvocationLatency", "p99"), per_min(p99)));
        window_values.push((k("InvocationLatency", "p50"), Some(p50)));
        window_values.push((k("InvocationLatency", "p99"), Some(p99)));
    }
    store.apply(Update::Metrics(MetricsUpdate {
        window: Window { start, end: LAUNCH },
        period: 60,
        resolution: Default::default(),
        series,
        window_values,
    }));
    let mut h = SourceHealth::new("cloudwatch", Some("us-east-1"));
    h.record_ok(LAUNCH);
    h.newest_data = Some(LAUNCH - 60);
    store.apply(Update::Health(h));
    store
}

#[test]
fn overview_filter_narrows_models_and_suspects_80x24() {
    let (store, now) = demo_store(5);
    let mut a = app();
    a.handle(Action::Filter, &store);
    type_text(&mut a, &store, "opus");
    let editing = render(&store, &mut a, 80, 24, now);
    assert!(editing.contains("/opus█"), "the filter shows while typed: {editing}");
    key(&mut a, &store, KeyCode::Enter);
    let (sus, models) = a.panes.overview.state.lists(&store, a.view_state);
    assert_eq!(models.len(), 1);
    assert!(models[0].row.model_id.contains("opus"));
    assert!(sus.iter().all(|x| format!("{} {}", x.summary, x.key.label()).to_lowercase().contains("opus")), "{sus:?}");
    let screen = render(&store, &mut a, 80, 24, now);
    assert!(screen.contains("Models (1) · filter: opus"), "{screen}");
    assert!(screen.contains("/ filter"), "footer hint from the keymap: {screen}");
    insta::assert_snapshot!("overview_filter_80x24", screen);
    // Esc at the pane clears it, and every model is back
    a.handle(Action::Back, &store);
    assert_eq!(a.panes.overview.state.lists(&store, a.view_state).1.len(), 6);
}

#[test]
fn overview_filter_keeps_the_selection_on_its_row() {
    let (store, _) = demo_store(5);
    let mut a = app();
    let (sus, models) = a.panes.overview.state.lists(&store, a.view_state);
    // select the Nova row
    let nova = models.iter().position(|g| g.row.model_id == NOVA).unwrap();
    for _ in 0..sus.len() + nova {
        a.handle(Action::Down, &store);
    }
    a.handle(Action::Filter, &store);
    type_text(&mut a, &store, "nov");
    let st = &a.panes.overview.state;
    let (sus, models) = st.lists(&store, a.view_state);
    assert_eq!(models.len(), 1);
    assert_eq!(st.selected, sus.len(), "still on the Nova row, now the first model");
    // a filter that matches nothing: the index stays in range and drawing works
    type_text(&mut a, &store, "zzz");
    let st = &a.panes.overview.state;
    assert_eq!(st.selected, 0);
    let screen = render(&store, &mut a, 80, 24, LAUNCH);
    assert!(screen.contains("No model matches 'novzzz'"), "{screen}");
    a.handle(Action::Down, &store);
    a.handle(Action::Bottom, &store);
    assert_eq!(a.panes.overview.state.selected, 0);
}

#[test]
fn pipeline_filter_list_80x24() {
    let (store, now) = demo_store(5);
    let mut a = app();
    a.handle(Action::Pane3, &store);
    a.handle(Action::Down, &store); // latency by stage
    a.handle(Action::Filter, &store);
    type_text(&mut a, &store, "lat");
    let b = &a.panes.pipeline.board;
    let panels = store.panels(&PanelId::PIPELINE);
    let shown: Vec<PanelId> = b.shown(&panels).iter().map(|p| p.id).collect();
    assert!(shown.contains(&PanelId::Latency) && shown.contains(&PanelId::Models), "{shown:?}");
    assert!(!shown.contains(&PanelId::Throughput), "{shown:?}");
    assert_eq!(shown[b.selected], PanelId::Latency, "the selection stays on its panel");
    key(&mut a, &store, KeyCode::Enter);
    let screen = render(&store, &mut a, 80, 24, now);
    assert!(
        screen.contains(&format!("filter: lat (/ edits, Esc in it clears) · {} of 10 panels", shown.len())),
        "{screen}"
    );
    insta::assert_snapshot!("pipeline_filter_list_80x24", screen);
    // narrowing to one panel that is not the selected one moves the selection to it
    a.handle(Action::Filter, &store);
    for _ in 0..3 {
        key(&mut a, &store, KeyCode::Backspace);
    }
    type_text(&mut a, &store, "faith");
    let b = &a.panes.pipeline.board;
    let shown: Vec<PanelId> = b.shown(&panels).iter().map(|p| p.id).collect();
    assert_eq!(shown, vec![PanelId::Quality]);
    assert_eq!(b.selected, 0);
    // Enter opens the shown panel; Esc closes it, Esc again clears the filter
    key(&mut a, &store, KeyCode::Enter);
    a.handle(Action::Select, &store);
    let open = render(&store, &mut a, 80, 24, now);
    assert!(open.contains("Pipeline › Quality"), "{open}");
    a.handle(Action::Back, &store);
    a.handle(Action::Back, &store);
    let b = &a.panes.pipeline.board;
    assert!(b.filter.is_empty() && b.shown(&panels).len() == 10);
}

#[test]
fn pipeline_filter_grid_200x60() {
    let (store, now) = demo_store(5);
    let mut a = app();
    a.handle(Action::Pane3, &store);
    a.handle(Action::Filter, &store);
    type_text(&mut a, &store, "latency");
    key(&mut a, &store, KeyCode::Enter);
    let screen = render(&store, &mut a, 200, 60, now);
    assert!(screen.contains("Latency by stage") && screen.contains("Model latency"), "{screen}");
    assert!(screen.contains("2 of 10 panels"), "{screen}");
    assert!(!screen.contains("Stop reasons") && !screen.contains("● Cost"), "only the matching panels: {screen}");
    insta::assert_snapshot!("pipeline_filter_grid_200x60", screen);
    // ↓ in the narrowed grid never leaves it
    for _ in 0..20 {
        a.handle(Action::Down, &store);
        a.handle(Action::Right, &store);
    }
    let b = &a.panes.pipeline.board;
    let panels = store.panels(&PanelId::PIPELINE);
    assert_eq!(b.selected, b.shown(&panels).len() - 1);
}

#[test]
fn pipeline_filter_narrows_other_metrics() {
    let mut store = Store::new(PriceTable::default(), vec![]);
    store.apply(Update::Identity(Identity { regions: vec!["eu-west-2".into()], ..Default::default() }));
    let a_key = SeriesKey::new("eu-west-2", "GenAI/Custom", "CacheHitRatio", &[("Route", "/ask")], "Average");
    let b_key = SeriesKey::new("eu-west-2", "GenAI/Custom", "QueueDepth", &[], "Average");
    let c_key = SeriesKey::new("eu-west-2", "GenAI/Custom", "CacheEvictions", &[], "Sum");
    let pts = |v: f64| (0..60).map(|i| (LAUNCH - 3600 + i * 60, v)).collect::<Vec<_>>();
    store.apply(Update::Metrics(MetricsUpdate {
        window: Window { start: LAUNCH - 3600, end: LAUNCH },
        period: 60,
        resolution: Default::default(),
        series: vec![(a_key.clone(), pts(0.4)), (b_key.clone(), pts(3.0)), (c_key.clone(), pts(1.0))],
        window_values: vec![],
    }));
    let mut h = SourceHealth::new("cloudwatch", Some("eu-west-2"));
    h.record_ok(LAUNCH);
    store.apply(Update::Health(h));
    let mut a = app();
    a.handle(Action::Pane3, &store);
    a.handle(Action::Bottom, &store);
    a.handle(Action::Select, &store);
    a.handle(Action::Down, &store); // the second row: CacheHitRatio (rows by series key)
    a.handle(Action::Filter, &store);
    type_text(&mut a, &store, "cache");
    key(&mut a, &store, KeyCode::Enter);
    let screen = render(&store, &mut a, 80, 24, LAUNCH);
    assert!(screen.contains("Other metrics · filter: cache"), "{screen}");
    assert!(!screen.contains("QueueDepth"), "{screen}");
    assert!(screen.contains("CacheHitRatio") && screen.contains("CacheEvictions"), "{screen}");
    a.handle(Action::Select, &store);
    assert_eq!(a.panes.pipeline.board.series.as_ref(), Some(&a_key), "the same row stays selected");
}

fn grouped_models_app(store: &Store) -> App {
    let mut a = app();
    a.handle(Action::Pane2, store);
    a.handle(Action::GroupModels, store);
    assert!(a.view_state.grouped);
    a
}

#[test]
fn models_grouped_80x24_and_160x48() {
    let store = regions_store();
    let mut a = app();
    a.handle(Action::Pane2, &store);
    assert_eq!(a.panes.models.state.rows(&store, a.view_state).len(), 8);
    // split: two Sonnet ids in us-east-1 would read the same; the cross-region one shows its prefix
    let split = render(&store, &mut a, 100, 24, LAUNCH);
    assert!(split.contains("us.claude-sonnet-4-5") && split.contains("│claude-sonnet-4-5 "), "{split}");
    // alone in its region, the global Haiku needs no prefix (the region column tells them apart)
    assert!(!split.contains("global."), "{split}");
    assert_eq!(split.matches("nova-pro").count(), 2, "one id per region is not ambiguous: {split}");
    let mut a = grouped_models_app(&store);
    let groups = a.panes.models.state.groups(&store, a.view_state);
    assert_eq!(groups.len(), 3);
    let sonnet = groups.iter().find(|g| g.row.model_id == SONNET).unwrap();
    assert_eq!(sonnet.members.len(), 4);
    assert_eq!(sonnet.row.region, "3 regions");
    // 40 + 10 + 20 + 5 a minute for an hour
    assert_eq!(sonnet.row.invocations, Some(4500.0));
    assert_eq!(sonnet.row.throttles, Some(420.0));
    assert_eq!(sonnet.row.latency_p99, Some(9100.0), "the worst member's p99");
    let small = render(&store, &mut a, 80, 24, LAUNCH);
    assert!(small.contains("by model, ^ = worst member"), "{small}");
    assert!(small.contains("claude-sonnet-4-5 (4)"), "{small}");
    assert!(small.contains("^9.1s"), "{small}");
    insta::assert_snapshot!("models_grouped_80x24", small);
    let big = render(&store, &mut a, 160, 48, LAUNCH);
    assert!(big.contains("3 regions") && big.contains("2 regions"), "{big}");
    insta::assert_snapshot!("models_grouped_160x48", big);
}

#[test]
fn models_grouped_row_opens_summed_charts() {
    let store = regions_store();
    let mut a = grouped_models_app(&store);
    let i = a.panes.models.state.groups(&store, a.view_state).iter().position(|g| g.row.model_id == SONNET).unwrap();
    a.handle(Action::Top, &store);
    for _ in 0..i {
        a.handle(Action::Down, &store);
    }
    a.handle(Action::Select, &store);
    let d = a.panes.models.detail.clone().expect("charts open");
    assert!(d.grouped && d.model_id == SONNET);
    let screen = render(&store, &mut a, 120, 30, LAUNCH);
    assert!(screen.contains("3 ids in 3 regions summed"), "{screen}");
    assert!(screen.contains("inv 4,500") || screen.contains("inv 4.5k"), "{screen}");
    assert!(screen.contains("^p99"), "{screen}");
    insta::assert_snapshot!("models_grouped_detail_120x30", screen);
    // t: the traces of the busiest member (traces carry the id as called)
    assert_eq!(d.trace_model(&store), format!("us.{SONNET}"));
}

#[test]
fn grouping_is_shared_by_the_overview_and_models_and_survives_pane_switches() {
    let store = regions_store();
    let mut a = app();
    a.handle(Action::GroupModels, &store); // on the Overview
    // one setting, followed by both tables
    assert!(a.view_state.grouped);
    assert_eq!(a.panes.models.state.rows(&store, a.view_state).len(), 3);
    a.handle(Action::Pane6, &store);
    a.handle(Action::Pane1, &store);
    let screen = render(&store, &mut a, 120, 35, LAUNCH);
    assert!(screen.contains("Models (3) · by model"), "{screen}");
    assert!(screen.contains("claude-sonnet-4-5 (4)"), "{screen}");
    // Enter on the grouped Haiku row opens the Haiku group's charts in the Models pane
    let (sus, models) = a.panes.overview.state.lists(&store, a.view_state);
    let haiku = models.iter().position(|g| g.row.model_id == HAIKU).unwrap();
    for _ in 0..sus.len() + haiku {
        a.handle(Action::Down, &store);
    }
    a.handle(Action::Select, &store);
    assert_eq!(a.current_kind(), PaneKind::Models);
    let d = a.panes.models.detail.clone().unwrap();
    assert!(d.grouped && d.model_id == HAIKU, "{d:?}");
    // back to split, from the Models pane: the selection stays on a Haiku row
    a.handle(Action::Back, &store);
    a.handle(Action::GroupModels, &store);
    assert!(!a.view_state.grouped);
    let st = &a.panes.models.state;
    assert!(st.rows(&store, a.view_state)[st.selected].model_id.ends_with(HAIKU));
    assert_eq!(st.rows(&store, a.view_state).len(), 8);
    // the footer names what the key does next
    let screen = render(&store, &mut a, 120, 35, LAUNCH);
    assert!(screen.contains("a by model"), "{screen}");
}

#[test]
fn models_grouped_filter_matches_member_ids_and_regions() {
    let store = regions_store();
    let mut a = grouped_models_app(&store);
    a.handle(Action::Filter, &store);
    type_text(&mut a, &store, "eu-west-1");
    let groups = a.panes.models.state.groups(&store, a.view_state);
    let ids: Vec<&str> = groups.iter().map(|g| g.row.model_id.as_str()).collect();
    assert_eq!(ids.len(), 2, "Sonnet and Haiku have a member in eu-west-1: {ids:?}");
    assert!(!ids.contains(&NOVA));
}

#[test]
fn the_group_key_is_bound_in_every_shipped_keymap_without_conflict() {
    let a = KeyEvent::new(KeyCode::Char('a'), KeyModifiers::NONE);
    for (name, text) in BUILTIN {
        let k = Keymap::resolve(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(k.action(&a), Some(Action::GroupModels), "{name}");
        assert_eq!(k.key_for(Action::GroupModels).as_deref(), Some("a"), "{name}");
        // no file binds `a` to anything else
        if *name != "default" {
            assert!(!text.lines().any(|l| l.trim_start().starts_with("\"a\"")), "{name} rebinds a");
        }
        // every key still maps to one action: the group key took no one's place
        for (action, keys) in k.by_action() {
            if action != Action::GroupModels {
                assert!(!keys.iter().any(|key| key.to_string() == "a"), "{name}: a is also {action:?}");
            }
        }
    }
    assert!(Action::GroupModels.description().contains("by base model"));
}

/// The five editors (the command line, a list's `/` filter, the Traces filter expression, the
/// Logs query editor and the Logs filter) are one text input: the same keys edit the same way.
#[test]
fn every_editor_edits_the_same_way() {
    let store = regions_store();
    let ctrl = |a: &mut App, c: char| {
        a.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL), &store);
    };
    // "claude sonnet", Ctrl-W, Ctrl-A, "x", End, Left, Backspace, Home, Delete → "laudee "
    let edit = |a: &mut App| {
        type_text(a, &store, "claude sonnet");
        ctrl(a, 'w');
        ctrl(a, 'a');
        type_text(a, &store, "x");
        key(a, &store, KeyCode::End);
        key(a, &store, KeyCode::Left);
        type_text(a, &store, "e");
        key(a, &store, KeyCode::Home);
        key(a, &store, KeyCode::Delete);
        key(a, &store, KeyCode::Delete);
    };
    const EDITED: &str = "laudee ";
    let mut a = app();
    // the command line
    a.handle(Action::Command, &store);
    edit(&mut a);
    assert_eq!(a.cmdline.as_ref().map(|l| l.value()), Some(EDITED));
    ctrl(&mut a, 'e');
    ctrl(&mut a, 'u');
    assert_eq!(a.cmdline.as_ref().map(|l| l.value()), Some(""));
    key(&mut a, &store, KeyCode::Backspace); // empty: Backspace closes it
    assert!(a.cmdline.is_none());
    // the Overview's filter
    a.handle(Action::Filter, &store);
    edit(&mut a);
    assert_eq!(a.panes.overview.state.filter.text(), EDITED);
    key(&mut a, &store, KeyCode::Esc);
    // the Traces filter expression
    a.handle(Action::Pane5, &store);
    a.handle(Action::Edit, &store);
    edit(&mut a);
    assert_eq!(a.panes.traces.expression_input.as_ref().map(|t| t.value()), Some(EDITED));
    key(&mut a, &store, KeyCode::Esc);
    // the Logs query editor (multi-line: Ctrl-U and Ctrl-W work on the cursor's line)
    a.handle(Action::Pane6, &store);
    a.handle(Action::Edit, &store);
    ctrl(&mut a, 'e');
    key(&mut a, &store, KeyCode::Enter);
    edit(&mut a);
    let text = a.panes.logs.editor.as_ref().map(|e| e.text()).unwrap();
    assert_eq!(text.lines().last(), Some(EDITED), "{text}");
    key(&mut a, &store, KeyCode::Esc);
    // the Logs filter
    a.handle(Action::Filter, &store);
    edit(&mut a);
    assert_eq!(a.panes.logs.filter.text(), EDITED);
}
