//! Snapshot tests of the Traces pane (the trace list and the span tree) on ratatui's
//! TestBackend: 80x24 and 160x48, empty, loading, error, stale, many rows, a 50k-span trace, and
//! hostile prompt text; plus the key flows (pivot from Models, `Enter`, `n`, `Esc`, yank).

use std::sync::Arc;

use nightjar::domain::pricing::PriceTable;
use nightjar::domain::window::{Since, Window};
use nightjar::engine::demo_identity;
use nightjar::sources::Command;
use nightjar::sources::demo::DemoWorkload;
use nightjar::sources::demo::traces::{DemoTraces, big_trace_documents};
use nightjar::sources::spans::xray::parse_trace;
use nightjar::sources::xray::TraceRequest;
use nightjar::store::traces::{TraceList, TraceQuery, TraceRange, TracesUpdate};
use nightjar::store::{ErrorKind, SourceError, SourceHealth, Store, Update};
use nightjar::ui::action::Action;
use nightjar::ui::app::{App, Effect};
use nightjar::ui::keymap::Keymap;
use nightjar::ui::pane::PaneKind;
use nightjar::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// 2026-11-25 03:00 UTC, as in the other snapshot tests.
const LAUNCH: i64 = 1_795_575_600;
/// Eight minutes into the story: the throttling storm is on.
const NOW: i64 = LAUNCH + 8 * 60 + 30;
const SONNET: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";

fn base_store() -> Store {
    let mut store = Store::new(PriceTable::default(), vec![]);
    store.traces.model_annotation = "model_id".into();
    store.apply(demo_identity());
    let mut w = DemoWorkload::new(7, LAUNCH);
    store.apply(Update::Metrics(w.poll(NOW, Since::default())));
    let mut h = SourceHealth::new("xray", Some("us-east-1"));
    h.record_ok(NOW - 3);
    h.calls = 4;
    store.apply(Update::Health(h));
    store
}

/// The demo's traces of the last 15 minutes, listed (as the demo source would send them).
fn listed_store(filter: Option<&str>) -> (Store, DemoTraces) {
    let mut store = base_store();
    let mut d = DemoTraces::new(7, LAUNCH);
    let q = TraceQuery::new(TraceRange::Last(900), filter.map(Into::into));
    store.apply(Update::Traces(TracesUpdate::Listed(d.list(&q, NOW).unwrap())));
    (store, d)
}

fn render(store: &Store, app: &mut App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| app.draw(f, store, NOW)).unwrap();
    t.backend().to_string()
}

fn app_on_traces(store: &Store) -> App {
    let mut a = App::new(Keymap::default(), Theme::default());
    let n = a.pane_titles().iter().position(|t| *t == "Traces").expect("the Traces pane is registered") + 1;
    let action = match n {
        5 => Action::Pane5,
        6 => Action::Pane6,
        _ => panic!("Traces is pane {n}"),
    };
    a.handle(action, store);
    assert_eq!(a.current_kind(), PaneKind::Traces);
    a
}

/// Apply what the app asked the sources for, answering fetches from the demo.
fn answer(store: &mut Store, d: &mut DemoTraces, e: Effect) {
    if let Effect::Send(Command::Traces(TraceRequest::Fetch { ids, .. })) = e {
        let (traces, unprocessed) = d.fetch(&ids);
        store.apply(Update::Traces(TracesUpdate::Fetched { traces, unprocessed }));
    }
}

#[test]
fn traces_list_80x24_and_160x48() {
    let (store, _) = listed_store(None);
    let mut a = app_on_traces(&store);
    let small = render(&store, &mut a, 80, 24);
    assert!(small.contains("filter none (all traces)"), "{small}");
    assert!(small.contains("rag-api POST /query"), "{small}");
    insta::assert_snapshot!("traces_list_80x24", small);
    let wide = render(&store, &mut a, 150, 48);
    assert!(wide.contains("Resp"), "the response-time column shows when there is room: {wide}");
    // from 160 columns the list sits beside the selected trace's span tree (not fetched here)
    let big = render(&store, &mut a, 160, 48);
    assert!(big.contains("Not fetched yet: Enter fetches and opens it."), "{big}");
    insta::assert_snapshot!("traces_list_160x48", big);
}

#[test]
fn traces_list_shows_the_expression_in_use_and_sorts() {
    let (store, _) = listed_store(Some(&format!("annotation.model_id = \"{SONNET}\" AND throttle")));
    let mut a = app_on_traces(&store);
    let p = &mut a.panes.traces;
    p.model = Some(SONNET.into());
    p.preset = nightjar::ui::panes::traces::Preset::Throttles;
    a.handle(Action::SortNext, &store); // by duration
    let screen = render(&store, &mut a, 120, 30);
    assert!(
        screen.contains("annotation.model_id = \"us.anthropic.claude-sonnet-4-5-20250929-v1:0\" AND throttle"),
        "{screen}"
    );
    assert!(screen.contains("Dur▼"), "{screen}");
    let rows = a.panes.traces.rows(&store);
    assert!(rows.len() >= 3);
    assert!(rows.iter().all(|r| r.throttle()));
    assert!(rows.windows(2).all(|w| w[0].duration() >= w[1].duration()));
    insta::assert_snapshot!("traces_list_filtered_by_duration", screen);
}

#[test]
fn traces_loading_empty_error_and_stale() {
    let store = base_store();
    let mut a = app_on_traces(&store);
    let loading = render(&store, &mut a, 80, 24);
    assert!(loading.contains("Listing traces from X-Ray"), "{loading}");
    insta::assert_snapshot!("traces_loading_80x24", loading);

    let mut empty = base_store();
    let q = TraceQuery::new(TraceRange::Last(3600), Some("fault AND http.status = 418".into()));
    empty.apply(Update::Traces(TracesUpdate::Listed(TraceList {
        query: q.clone(),
        region: "us-east-1".into(),
        window: Window { start: NOW - 3600, end: NOW },
        summaries: vec![],
        processed: 1200,
        truncated: false,
        listed_at: NOW - 5,
        sampling: None,
    })));
    let s = render(&empty, &mut a, 80, 24);
    assert!(s.contains("No traces in last 1h"), "{s}");
    insta::assert_snapshot!("traces_empty_80x24", s);

    let err = SourceError {
        kind: ErrorKind::Throttled,
        code: Some("ThrottledException".into()),
        message: "Rate exceeded".into(),
        hint: "backing off; the last good data stays on screen".into(),
        at: NOW,
    };
    let mut failed = base_store();
    failed.apply(Update::Traces(TracesUpdate::ListFailed { query: q, region: "us-east-1".into(), error: err.clone() }));
    let s = render(&failed, &mut a, 80, 24);
    assert!(s.contains("ThrottledException: Rate exceeded"), "{s}");
    insta::assert_snapshot!("traces_error_80x24", s);

    // a refresh of a listed query fails: the rows stay, the error shows above them
    let (mut stale, _) = listed_store(None);
    let q = stale.traces.query().unwrap().clone();
    stale.apply(Update::Traces(TracesUpdate::ListFailed { query: q, region: "us-east-1".into(), error: err }));
    let s = render(&stale, &mut a, 80, 24);
    assert!(s.contains("stale · xray us-east-1: ThrottledException"), "{s}");
    assert!(s.contains("rag-api POST /query"), "{s}");
    insta::assert_snapshot!("traces_stale_80x24", s);
}

#[test]
fn pivot_from_models_to_a_throttled_span_tree_and_back() {
    let (mut store, mut d) = listed_store(None);
    let mut a = App::new(Keymap::default(), Theme::default());
    // Models, the sonnet row, `t`
    a.handle(Action::Pane2, &store);
    let rows = a.panes.models.state.rows(&store, a.view_state);
    let i = rows.iter().position(|r| r.model_id == SONNET).unwrap();
    for _ in 0..i {
        a.handle(Action::Down, &store);
    }
    let e = a.handle(Action::ShowTraces, &store);
    assert_eq!(a.current_kind(), PaneKind::Traces);
    let Effect::Send(Command::Traces(TraceRequest::List(q))) = e else { panic!("{e:?}") };
    assert_eq!(q.filter.as_deref(), Some(format!("annotation.model_id = \"{SONNET}\"").as_str()));
    // the demo answers the list
    store.apply(Update::Traces(TracesUpdate::Listed(d.list(&q, NOW).unwrap())));
    // `n` jumps to the next failing row (and prefetches it); the first throttled request that
    // recovered after a retry is a couple of `n` away (the others failed after three attempts)
    let mut presses = 0;
    let sel = loop {
        let e = a.handle(Action::NextFailure, &store);
        presses += 1;
        answer(&mut store, &mut d, e);
        let id = a.panes.traces.selected_id.clone().unwrap();
        let t = store.traces.trace(&id).expect("prefetched");
        if t.totals.throttles > 0 && t.totals.faults == 0 {
            break id;
        }
        assert!(presses < 10, "no recovered throttled request among the first failing rows");
    };
    let e = a.handle(Action::Select, &store);
    answer(&mut store, &mut d, e);
    let screen = render(&store, &mut a, 160, 48);
    let p = &a.panes.traces;
    let v = p.tree.as_ref().expect("the span tree is open");
    // it opens on the failing call, under the generation span with its model, tokens and cost
    let s = v.selected().unwrap().clone();
    assert!(s.throttle, "{}", s.name);
    let t = v.trace().unwrap().clone();
    let gen_span = &t.spans[s.parent.unwrap() as usize];
    assert_eq!(gen_span.name, "llm_generation");
    assert_eq!(gen_span.genai.model(), Some(SONNET));
    assert!(gen_span.genai.tokens().unwrap() > 100.0);
    assert!(gen_span.genai.cost_usd.unwrap() > 0.0);
    let trace_id = v.trace_id.clone();
    assert!(screen.contains("llm_generation · claude-sonnet-4-5"), "{screen}");
    assert!(screen.contains("[throttled]"), "{screen}");
    assert!(screen.contains("ThrottlingException"), "{screen}");
    insta::assert_snapshot!("traces_tree_throttled_160x48", screen);
    let small = render(&store, &mut a, 80, 24);
    insta::assert_snapshot!("traces_tree_throttled_80x24", small);
    // yank the trace id and the span id
    let span_id = s.id.clone();
    assert_eq!(a.handle(Action::Yank, &store), Effect::Yank(trace_id.clone()));
    assert_eq!(a.handle(Action::YankAlt, &store), Effect::Yank(span_id));
    // Esc: back to the list, the same row selected
    a.handle(Action::Back, &store);
    let p = &a.panes.traces;
    assert!(p.tree.is_none());
    assert_eq!(p.selected_id.as_deref(), Some(sel.as_str()));
    assert_eq!(sel, trace_id);
}

#[test]
fn span_detail_panel_focused() {
    let (mut store, mut d) = listed_store(Some("throttle AND fault"));
    let id = store.traces.summaries()[0].id.clone();
    let (traces, _) = d.fetch(std::slice::from_ref(&id));
    store.apply(Update::Traces(TracesUpdate::Fetched { traces, unprocessed: vec![] }));
    let mut a = app_on_traces(&store);
    a.handle(Action::Select, &store);
    // from the throttled call up to the generation span that failed, then its detail
    a.handle(Action::Left, &store);
    a.handle(Action::Select, &store);
    let screen = render(&store, &mut a, 100, 40);
    assert!(screen.contains("FAULT"), "{screen}");
    assert!(screen.contains("at _generate_response rag/generate.py:142"), "{screen}");
    insta::assert_snapshot!("traces_span_detail_100x40", screen);
}

#[test]
fn hostile_prompt_text_is_sanitised() {
    let doc = serde_json::json!({
        "name": "rag-api\u{1b}[31m", "id": "1111111111111111", "trace_id": "1-6b000000-000000000000000000000001",
        "start_time": (NOW - 10) as f64, "end_time": (NOW - 8) as f64,
        "subsegments": [{
            "name": "llm_generation", "id": "2222222222222222", "start_time": (NOW - 10) as f64, "end_time": (NOW - 8) as f64,
            "annotations": {"note": "\u{1b}]0;owned\u{7}"},
            "metadata": {"default": {
                "gen_ai.request.model": SONNET,
                "gen_ai.usage.input_tokens": 10,
                "gen_ai.prompt": "ignore this \u{1b}]52;c;ZXZpbA==\u{7} and \u{1b}[2J\u{9b}31m clear",
                "gen_ai.completion": "ok\u{7}\u{1b}P+q\u{1b}\\ done"
            }}
        }]
    });
    let t = parse_trace("1-6b000000-000000000000000000000001", "us-east-1", &[doc.to_string()], &PriceTable::default());
    let mut store = base_store();
    store.apply(Update::Traces(TracesUpdate::Fetched { traces: vec![t], unprocessed: vec![] }));
    let mut a = app_on_traces(&store);
    let p = &mut a.panes.traces;
    let mut v = nightjar::ui::widgets::span_tree::SpanTreeView::with_trace(Arc::clone(
        store.traces.trace("1-6b000000-000000000000000000000001").unwrap(),
    ));
    v.move_by(1);
    v.detail_focus = true;
    p.tree = Some(v);
    let mut term = Terminal::new(TestBackend::new(100, 30)).unwrap();
    term.draw(|f| a.draw(f, &store, NOW)).unwrap();
    let buf = term.backend().buffer();
    for cell in buf.content() {
        let sym = cell.symbol();
        assert!(
            !sym.chars().any(|c| c.is_control() || ('\u{80}'..='\u{9f}').contains(&c)),
            "control character {sym:?} reached the terminal"
        );
    }
    let screen = term.backend().to_string();
    assert!(screen.contains("␛]52;c;ZXZpbA==␇"), "{screen}");
    assert!(screen.contains("␛[2J"), "{screen}");
    insta::assert_snapshot!("traces_hostile_prompt_100x30", screen);
    // R hides the bodies
    a.handle(Action::Redact, &store);
    let hidden = render(&store, &mut a, 100, 30);
    assert!(hidden.contains("[hidden:"), "{hidden}");
    assert!(!hidden.contains("ZXZpbA"), "{hidden}");
}

#[test]
fn a_50k_span_trace_renders_its_window() {
    let id = "1-6b000000-0000000000000000000b16b1";
    let docs = big_trace_documents(id, (NOW - 900) as f64, 12_500);
    let t = parse_trace(id, "us-east-1", &docs, &PriceTable::default());
    assert_eq!(t.spans.len(), 50_002);
    assert_eq!(t.totals.throttles, 1250);
    let mut store = base_store();
    store.apply(Update::Traces(TracesUpdate::Fetched { traces: vec![t], unprocessed: vec![] }));
    let mut a = app_on_traces(&store);
    let v = nightjar::ui::widgets::span_tree::SpanTreeView::with_trace(Arc::clone(store.traces.trace(id).unwrap()));
    // a big trace opens two levels deep, plus the path to its first failure
    assert_eq!(v.visible_len(), 2 + 25_000 + 1);
    a.panes.traces.tree = Some(v);
    let screen = render(&store, &mut a, 200, 60);
    assert!(screen.contains("50002 spans"), "{screen}");
    insta::assert_snapshot!("traces_tree_50k_200x60", screen);
    a.handle(Action::ExpandAll, &store);
    a.handle(Action::Bottom, &store);
    let v = a.panes.traces.tree.as_ref().unwrap();
    assert_eq!(v.visible_len(), 50_002);
    assert_eq!(v.selected().unwrap().name, "vector_search");
    let bottom = render(&store, &mut a, 200, 60);
    insta::assert_snapshot!("traces_tree_50k_bottom_200x60", bottom);
}

/// Transaction Search on: X-Ray's summaries are its indexed sample (1 %), and the list says so in
/// its count at every size; an empty sample says why it may be empty.
#[test]
fn traces_list_labelled_as_a_sample() {
    use nightjar::store::traces::TraceSampling;
    let mut store = base_store();
    let mut d = DemoTraces::new(7, LAUNCH);
    let q = TraceQuery::new(TraceRange::Last(900), None);
    let mut list = d.list(&q, NOW).unwrap();
    let n = list.summaries.len();
    assert!(n > 5);
    list.sampling = Some(TraceSampling {
        destination: Some("CloudWatchLogs".into()),
        status: Some("ACTIVE".into()),
        desired_percent: Some(1.0),
        actual_percent: None,
        error: None,
    });
    store.apply(Update::Traces(TracesUpdate::Listed(list)));
    let mut a = app_on_traces(&store);
    let small = render(&store, &mut a, 80, 24);
    assert!(small.contains(&format!("Traces ({n}, 1 % sample)")), "{small}");
    insta::assert_snapshot!("traces_list_sampled_80x24", small);
    let big = render(&store, &mut a, 120, 40);
    assert!(big.contains(&format!("Traces ({n}, 1 % sample) · last 15m")), "{big}");
    insta::assert_snapshot!("traces_list_sampled_120x40", big);
    // narrowed locally: "k of n", still a sample
    a.handle(Action::Filter, &store);
    for c in "agent".chars() {
        a.handle_key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char(c)), &store);
    }
    let narrowed = render(&store, &mut a, 80, 24);
    let k = a.panes.traces.rows(&store).len();
    assert!(k < n, "{k} of {n}");
    assert!(narrowed.contains(&format!("Traces ({k} of {n}, 1 % sample)")), "{narrowed}");

    // an empty sample
    let mut empty = base_store();
    empty.apply(Update::Traces(TracesUpdate::Listed(TraceList {
        query: TraceQuery::new(TraceRange::Last(3600), None),
        region: "us-east-1".into(),
        window: Window { start: NOW - 3600, end: NOW },
        summaries: vec![],
        processed: 0,
        truncated: false,
        listed_at: NOW - 5,
        sampling: Some(TraceSampling {
            destination: Some("CloudWatchLogs".into()),
            status: Some("ACTIVE".into()),
            desired_percent: Some(1.0),
            actual_percent: Some(0.5),
            error: None,
        }),
    })));
    let mut a = app_on_traces(&empty);
    let s = render(&empty, &mut a, 80, 24);
    assert!(s.contains("Traces (0, 0.5 % sample)"), "{s}");
    assert!(s.contains("indexed sample"), "{s}");
}

/// The fetch a row asks for carries where its spans are: the summary's start time and duration
/// (for `aws/spans`), whatever the time in its id says.
#[test]
fn a_fetch_carries_the_summarys_window_not_the_ids_time() {
    use nightjar::store::traces::{TraceSummary, trace_fetch_window};
    let mut store = base_store();
    // an OpenTelemetry id: "f1e2d3c4" read as a time is the year 2098
    let id = "1-f1e2d3c4-bd862e3fe1be46a994272793";
    let start = (NOW - 120) as f64 + 0.25;
    store.apply(Update::Traces(TracesUpdate::Listed(TraceList {
        query: TraceQuery::new(TraceRange::Last(3600), None),
        region: "us-east-1".into(),
        window: Window { start: NOW - 3600, end: NOW },
        summaries: vec![TraceSummary {
            id: id.into(),
            region: "us-east-1".into(),
            start,
            duration: Some(2.5),
            root: Some("rag-api".into()),
            ..Default::default()
        }],
        processed: 1,
        truncated: false,
        listed_at: NOW - 5,
        sampling: None,
    })));
    let mut a = app_on_traces(&store);
    render(&store, &mut a, 80, 24);
    let e = a.handle(Action::Select, &store);
    let Effect::Send(Command::Traces(TraceRequest::Fetch { ids, windows, .. })) = e else { panic!("{e:?}") };
    assert_eq!(ids, vec![id.to_string()]);
    let w = windows[id];
    assert_eq!(w, trace_fetch_window(start, Some(2.5)));
    assert!(w.start <= NOW - 120 && NOW - 117 < w.end && w.end < NOW + 600, "{w:?}");
}
