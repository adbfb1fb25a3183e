//! Snapshot tests of the Pipeline and Platform panes on ratatui's TestBackend: the demo's
//! incident at 80x24 (one panel at a time beside a list) and 200x60 (a grid), partial and no
//! data, an open panel, another metric's chart, and every panel reachable by keyboard.

use crate::ui_common;

use nightjar::domain::pricing::PriceTable;
use nightjar::domain::window::Window;
use nightjar::present::format::Fmt;
use nightjar::present::panels::PanelId;
use nightjar::store::{Identity, MetricsUpdate, SeriesKey, SourceHealth, Store, Update};
use nightjar::ui::action::Action;
use nightjar::ui::app::App;
use nightjar::ui::keymap::Keymap;
use nightjar::ui::pane::{DrawCtx, Intent, Pane, PaneKind};
use nightjar::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ui_common::{LAUNCH, demo_store};

/// A CloudWatch store holding only `series` (one region, the hour before LAUNCH).
fn cw_store(series: Vec<(SeriesKey, Vec<(i64, f64)>)>, window_values: Vec<(SeriesKey, Option<f64>)>) -> Store {
    let mut store = Store::new(PriceTable::default(), vec![]);
    store.apply(Update::Identity(Identity {
        account: Some("123456789012".into()),
        regions: vec!["eu-west-2".into()],
        ..Default::default()
    }));
    store.apply(Update::Metrics(MetricsUpdate {
        window: Window { start: LAUNCH - 3600, end: LAUNCH },
        period: 60,
        resolution: Default::default(),
        series,
        window_values,
    }));
    let mut h = SourceHealth::new("cloudwatch", Some("eu-west-2"));
    h.record_ok(LAUNCH);
    h.newest_data = Some(LAUNCH - 60);
    store.apply(Update::Health(h));
    store
}

/// The current pane as it draws in a `w`×`h` terminal: the body between the app's header line
/// and its status and message lines (those belong to the app, and other panes' tests cover them).
fn render(store: &Store, app: &mut App, w: u16, h: u16, now: i64) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h - 3)).unwrap();
    let (theme, keymap) = (Theme::default(), Keymap::default());
    let (kind, view_state) = (app.current_kind(), app.view_state);
    t.draw(|f| {
        let ctx =
            DrawCtx { store, theme: &theme, keymap: &keymap, now, view: store.window, fmt: Fmt::default(), view_state };
        match kind {
            PaneKind::Pipeline => app.panes.pipeline.draw(f, f.area(), &ctx),
            PaneKind::Platform => app.panes.platform.draw(f, f.area(), &ctx),
            other => panic!("not this file's pane: {other:?}"),
        }
    })
    .unwrap();
    t.backend().to_string()
}

/// The whole screen, header and footer included.
fn render_app(store: &Store, app: &mut App, w: u16, h: u16, now: i64) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| app.draw(f, store, now)).unwrap();
    t.backend().to_string()
}

fn app_at(kind: PaneKind, store: &Store) -> App {
    let mut a = App::new(Keymap::default(), Theme::default());
    a.handle(if kind == PaneKind::Pipeline { Action::Pane3 } else { Action::Pane4 }, store);
    assert_eq!(a.current_kind(), kind);
    a
}

#[test]
fn pipeline_demo_80x24() {
    let (store, now) = demo_store(5);
    let mut a = app_at(PaneKind::Pipeline, &store);
    let screen = render(&store, &mut a, 80, 24, now);
    // the list of panels, and the first one's sentence
    for title in ["Quality", "Latency by stage", "Stop reasons", "Other metrics"] {
        assert!(screen.contains(title), "{title}: {screen}");
    }
    assert!(screen.contains("faithfulness 0."), "{screen}");
    assert!(screen.contains("below warning") || screen.contains("below critical"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn pipeline_demo_200x60() {
    let (store, now) = demo_store(5);
    let mut a = app_at(PaneKind::Pipeline, &store);
    let screen = render(&store, &mut a, 200, 60, now);
    for id in PanelId::PIPELINE {
        assert!(screen.contains(id.title()), "{}: {screen}", id.title());
    }
    assert!(screen.contains("max_tokens stops"), "{screen}");
    assert!(screen.contains("dominates"), "{screen}");
    assert!(!screen.contains("No data in this window"), "every panel is alive in the demo: {screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn pipeline_panel_opened_80x24_and_200x60() {
    let (store, now) = demo_store(5);
    let mut a = app_at(PaneKind::Pipeline, &store);
    a.handle(Action::Select, &store);
    assert!(a.panes.pipeline.board.open);
    let small = render(&store, &mut a, 80, 24, now);
    assert!(small.contains("Pipeline › Quality"), "{small}");
    insta::assert_snapshot!("pipeline_quality_open_80x24", small);
    // → steps to the next panel while open; ↓ scrolls its charts
    a.handle(Action::Right, &store);
    a.handle(Action::Down, &store);
    let big = render(&store, &mut a, 200, 60, now);
    assert!(big.contains("Pipeline › Latency by stage"), "{big}");
    insta::assert_snapshot!("pipeline_latency_open_200x60", big);
    assert_eq!(a.handle(Action::Back, &store), nightjar::ui::app::Effect::Redraw);
    assert!(!a.panes.pipeline.board.open);
}

#[test]
fn the_panes_have_number_keys_and_hints() {
    let (store, now) = demo_store(5);
    let mut a = App::new(Keymap::default(), Theme::default());
    let titles = a.pane_titles();
    assert_eq!(titles[2], "Pipeline");
    assert_eq!(titles[3], "Platform");
    a.handle(Action::Pane3, &store);
    let screen = render_app(&store, &mut a, 120, 30, now);
    assert!(screen.contains("3 Pipeline"), "{screen}");
    assert!(screen.contains("Enter open panel"), "{screen}");
    a.handle(Action::Select, &store);
    let screen = render_app(&store, &mut a, 120, 30, now);
    assert!(screen.contains("Esc back"), "{screen}");
}

#[test]
fn every_panel_is_reachable_by_keyboard_at_80x24() {
    let (store, now) = demo_store(5);
    for (kind, ids) in [(PaneKind::Pipeline, &PanelId::PIPELINE[..]), (PaneKind::Platform, &PanelId::PLATFORM[..])] {
        let mut a = app_at(kind, &store);
        let pane = if kind == PaneKind::Pipeline { "Pipeline" } else { "Platform" };
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                a.handle(Action::Down, &store);
            }
            let screen = render(&store, &mut a, 80, 24, now);
            assert!(screen.contains(&format!("{} · Enter opens", id.title())), "{}: {screen}", id.title());
            a.handle(Action::Select, &store);
            let open = render(&store, &mut a, 80, 24, now);
            assert!(open.contains(&format!("{pane} › {}", id.title())), "{}: {open}", id.title());
            a.handle(Action::Back, &store);
        }
    }
}

#[test]
fn platform_demo_80x24_and_200x60() {
    let (store, now) = demo_store(5);
    let mut a = app_at(PaneKind::Platform, &store);
    let small = render(&store, &mut a, 80, 24, now);
    assert!(small.contains("intervened on"), "{small}");
    insta::assert_snapshot!("platform_demo_80x24", small);
    let big = render(&store, &mut a, 200, 60, now);
    for t in ["Guardrails", "Agents", "AgentCore", "Knowledge bases"] {
        assert!(big.contains(t), "{t}: {big}");
    }
    assert!(big.contains("invocations/min now") && big.contains("retrievals/min now"), "{big}");
    insta::assert_snapshot!("platform_demo_200x60", big);
}

fn minutes(f: impl Fn(i64) -> f64) -> Vec<(i64, f64)> {
    (0..60).map(|i| (LAUNCH - 3600 + i * 60, f(i))).collect()
}

/// Quality and cost only: the other panels say there is no data and what publishes it.
fn partial_store() -> Store {
    let k = |ns: &str, m: &str, st: &str| SeriesKey::new("eu-west-2", ns, m, &[], st);
    let faith = k("GenAI/Quality", "Faithfulness", "Average");
    cw_store(
        vec![
            (faith.clone(), minutes(|i| if i < 40 { 0.88 } else { 0.71 })),
            (k("GenAI/Cost", "TotalCost", "Sum"), minutes(|i| 0.2 + 0.01 * i as f64)),
            (k("GenAI/Cost", "CostPerQuery", "Average"), minutes(|_| 0.004)),
        ],
        vec![(faith, Some(0.82)), (k("GenAI/Cost", "CostPerQuery", "Average"), Some(0.004))],
    )
}

#[test]
fn pipeline_partial_data_80x24_and_200x60() {
    let store = partial_store();
    let mut a = app_at(PaneKind::Pipeline, &store);
    let small = render(&store, &mut a, 80, 24, LAUNCH);
    assert!(small.contains("faithfulness 0.71 — below warning (0.75) since 02:40"), "{small}");
    insta::assert_snapshot!("pipeline_partial_80x24", small);
    a.handle(Action::Down, &store); // latency: nothing published
    let small = render(&store, &mut a, 80, 24, LAUNCH);
    assert!(small.contains("No data in this window."), "{small}");
    assert!(small.contains("EmbeddingLatency"), "says what publishes it: {small}");
    let big = render(&store, &mut a, 200, 60, LAUNCH);
    assert!(big.contains("in the window · now $"), "{big}");
    // everything but quality and cost (and the empty list of other metrics)
    assert_eq!(big.matches("No data in this window.").count(), 7, "{big}");
    insta::assert_snapshot!("pipeline_partial_200x60", big);
}

#[test]
fn pipeline_and_platform_with_no_data() {
    let store = cw_store(vec![], vec![]);
    let mut a = app_at(PaneKind::Pipeline, &store);
    let small = render(&store, &mut a, 80, 24, LAUNCH);
    assert!(small.contains("No data in this window."), "{small}");
    assert!(small.contains("Faithfulness"), "says what publishes it: {small}");
    insta::assert_snapshot!("pipeline_no_data_80x24", small);
    let big = render(&store, &mut a, 200, 60, LAUNCH);
    assert_eq!(big.matches("No data in this window.").count(), 9, "{big}");
    assert!(big.contains("Nothing else in this window."), "{big}");
    insta::assert_snapshot!("pipeline_no_data_200x60", big);
    let mut p = app_at(PaneKind::Platform, &store);
    let big = render(&store, &mut p, 200, 60, LAUNCH);
    assert!(big.contains("Bedrock publishes AWS/Bedrock/Guardrails when a guardrail is"), "{big}");
    insta::assert_snapshot!("platform_no_data_200x60", big);
}

#[test]
fn pipeline_loading() {
    let mut store = Store::new(PriceTable::default(), vec![]);
    store.apply(Update::Identity(Identity { regions: vec!["eu-west-2".into()], ..Default::default() }));
    store.apply(Update::Health(SourceHealth::new("cloudwatch", Some("eu-west-2"))));
    let mut a = app_at(PaneKind::Pipeline, &store);
    let screen = render(&store, &mut a, 80, 24, LAUNCH);
    assert!(screen.contains("Loading metrics from cloudwatch eu-west-2"), "{screen}");
}

#[test]
fn another_metric_opens_its_chart() {
    let odd = SeriesKey::new("eu-west-2", "GenAI/Custom", "CacheHitRatio", &[("Route", "/ask")], "Average");
    let store = cw_store(vec![(odd.clone(), minutes(|i| 0.3 + 0.005 * i as f64))], vec![(odd.clone(), Some(0.45))]);
    let mut a = app_at(PaneKind::Pipeline, &store);
    a.handle(Action::Bottom, &store);
    a.handle(Action::Select, &store);
    let list = render(&store, &mut a, 80, 24, LAUNCH);
    assert!(list.contains("GenAI/Custom CacheHitRatio{Route=/ask} Average"), "{list}");
    insta::assert_snapshot!("pipeline_other_list_80x24", list);
    a.handle(Action::Select, &store);
    assert_eq!(a.panes.pipeline.board.series.as_ref(), Some(&odd));
    let chart = render(&store, &mut a, 80, 24, LAUNCH);
    assert!(chart.contains("window (Average) 0.45"), "{chart}");
    insta::assert_snapshot!("pipeline_other_chart_80x24", chart);
    // Esc: the chart, then the panel, then nothing left to close
    a.handle(Action::Back, &store);
    assert!(a.panes.pipeline.board.series.is_none());
    a.handle(Action::Back, &store);
    assert!(!a.panes.pipeline.board.open);
    // an intent opens the series directly
    a.send_intent(PaneKind::Pipeline, Intent::OpenSeries { key: odd.clone() }, &store);
    assert_eq!(a.panes.pipeline.board.series.as_ref(), Some(&odd));
}

#[test]
fn an_intent_for_a_known_series_opens_its_panel() {
    let (store, _) = demo_store(5);
    let mut a = App::new(Keymap::default(), Theme::default());
    let key = SeriesKey::new("us-east-1", "AWS/Bedrock/KnowledgeBases", "ServerErrors", &[], "Sum");
    // sent to the Pipeline pane (as the Overview's "what changed" list does), it goes to Platform
    a.send_intent(PaneKind::Pipeline, Intent::OpenSeries { key }, &store);
    assert_eq!(a.current_kind(), PaneKind::Platform);
    let b = &a.panes.platform.board;
    assert!(b.open && b.series.is_none());
    assert_eq!(PanelId::PLATFORM[b.selected], PanelId::KnowledgeBases);
}
