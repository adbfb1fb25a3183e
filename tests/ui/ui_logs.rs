//! Snapshot tests of the Logs pane on ratatui's TestBackend: empty, running with partial rows,
//! complete (the demo's tokens-by-caller), failed, queued on the account's query limit, the row
//! detail, redacted bodies, the editor, and hostile text rendered inert; at 80x24 and 160x48.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use nightjar::domain::insights::{GroupClass, InsightsSettings, Presets, QueryStats, QueryStatus, ResultTable};
use nightjar::domain::pricing::PriceTable;
use nightjar::domain::window::{Since, Window};
use nightjar::engine::demo_identity;
use nightjar::sources::Command;
use nightjar::sources::demo::logs::{AGENT_LOOP, DemoInsights};
use nightjar::sources::logs::{LogsRequest, LogsRunner, run_to_end};
use nightjar::store::logs::{LogGroups, LogsUpdate, QueryRun, QuerySpec, RecordState, TransactionSearch};
use nightjar::store::{ErrorKind, SourceError, SourceHealth, Store, Update};
use nightjar::ui::action::Action;
use nightjar::ui::app::App;
use nightjar::ui::keymap::Keymap;
use nightjar::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// 2026-11-25 03:00 UTC, as in the other snapshot tests.
const LAUNCH: i64 = 1_795_575_600;
/// Nine minutes in: the runaway agent loop has been burning opus tokens for seven.
const NOW: i64 = LAUNCH + 9 * 60 + 30;

fn base_store() -> Store {
    let mut store = Store::new(PriceTable::default(), vec![]);
    store.apply(demo_identity());
    let mut h = SourceHealth::new("demo", Some("us-east-1"));
    h.record_ok(NOW - 4);
    h.calls = 12;
    store.apply(Update::Health(h));
    store.apply(Update::Logs(LogsUpdate::Groups(LogGroups {
        invocation: vec!["/aws/bedrock/modelinvocations".into()],
        app: vec!["/ecs/rag-api".into()],
        spans: Some("aws/spans".into()),
        discovered: true,
        ..Default::default()
    })));
    store.apply(Update::Logs(LogsUpdate::TransactionSearch(TransactionSearch {
        destination: Some("CloudWatchLogs".into()),
        status: Some("ACTIVE".into()),
        error: None,
    })));
    store
}

fn window() -> Window {
    Since::from_secs(3600).window_ending(NOW)
}

/// A preset run to its end on the demo's synthetic logs, with fixed times.
fn demo_run(preset: &str) -> QueryRun {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let p = Presets::default().get(preset).unwrap().clone();
    rt.block_on(async {
        let mut r = LogsRunner::new(
            DemoInsights::new(7, LAUNCH),
            InsightsSettings::default(),
            PriceTable::default(),
            SourceHealth::new("logs", Some("us-east-1")),
        );
        r.init().await;
        let spec = QuerySpec::new(&p.name, &p.query, p.groups, vec![], window());
        let mut run = run_to_end(&mut r, spec, Duration::from_secs(30)).await;
        fix_times(&mut run);
        run
    })
}

fn fix_times(run: &mut QueryRun) {
    run.submitted_at = NOW - 5;
    run.started_at = Some(NOW - 4);
    if run.status.is_terminal() {
        run.ended_at = Some(NOW - 2);
    }
}

fn render(store: &Store, app: &mut App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| app.draw(f, store, NOW)).unwrap();
    t.backend().to_string()
}

/// The app on the Logs pane.
fn logs_app(store: &Store) -> App {
    let mut a = App::new(Keymap::default(), Theme::default());
    let n = a.pane_titles().iter().position(|t| *t == "Logs").expect("the Logs pane is registered") + 1;
    let action = [
        Action::Pane1,
        Action::Pane2,
        Action::Pane3,
        Action::Pane4,
        Action::Pane5,
        Action::Pane6,
        Action::Pane7,
        Action::Pane8,
        Action::Pane9,
    ][n - 1];
    a.handle(action, store);
    a
}

fn show(store: &mut Store, run: QueryRun) {
    store.apply(Update::Logs(LogsUpdate::Query(Box::new(run))));
}

#[test]
fn logs_empty_lists_the_presets() {
    let store = base_store();
    let mut a = logs_app(&store);
    let screen = render(&store, &mut a, 80, 24);
    assert!(screen.contains("No query has run yet."), "{screen}");
    assert!(screen.contains("tokens-by-caller"), "{screen}");
    assert!(screen.contains("Transaction Search on"), "{screen}");
    insta::assert_snapshot!("logs_empty_80x24", screen);
    insta::assert_snapshot!("logs_empty_160x48", render(&store, &mut a, 160, 48));
}

#[test]
fn logs_tokens_by_caller_complete_shows_callers_tokens_and_dollars() {
    let mut store = base_store();
    let run = demo_run("tokens-by-caller");
    assert_eq!(run.status, QueryStatus::Complete);
    // the runaway agent loop is the first row, with its dollars
    let t = &run.table;
    assert_eq!(t.rows[0][t.column("identity.arn").unwrap()], AGENT_LOOP.arn);
    assert!(t.rows[0][t.column("cost_usd").unwrap()].parse::<f64>().unwrap() > 10.0);
    show(&mut store, run);
    let mut a = logs_app(&store);
    let screen = render(&store, &mut a, 80, 24);
    assert!(screen.contains("support-agent/agent-loop-7f3a"), "{screen}");
    assert!(screen.contains("claude-opus-4-5"), "{screen}");
    assert!(screen.contains("Complete"), "{screen}");
    insta::assert_snapshot!("logs_tokens_by_caller_80x24", screen);
    let wide = render(&store, &mut a, 160, 48);
    assert!(wide.contains("cost_usd"), "{wide}");
    assert!(wide.contains('$'), "{wide}");
    insta::assert_snapshot!("logs_tokens_by_caller_160x48", wide);
    // the cost comes right after the model, so 80 columns show it; the rest is to the right
    assert!(screen.contains("$59.95") || screen.contains("cost_usd"), "{screen}");
    assert!(!screen.contains("calls"), "{screen}");
    for _ in 0..3 {
        a.handle(Action::Right, &store);
    }
    let scrolled = render(&store, &mut a, 80, 24);
    assert!(scrolled.contains("calls"), "{scrolled}");
    insta::assert_snapshot!("logs_tokens_by_caller_scrolled_80x24", scrolled);
}

#[test]
fn logs_running_with_partial_rows() {
    let mut store = base_store();
    let mut run = demo_run("errors-by-model");
    run.status = QueryStatus::Running;
    run.ended_at = None;
    run.table.rows.truncate(3);
    run.table.ptrs.truncate(3);
    run.stats = Some(QueryStats { records_matched: 410.0, records_scanned: 3100.0, bytes_scanned: 8_060_000.0 });
    show(&mut store, run);
    let mut a = logs_app(&store);
    let screen = render(&store, &mut a, 80, 24);
    assert!(screen.contains("Running"), "{screen}");
    assert!(screen.contains("3 rows"), "{screen}");
    insta::assert_snapshot!("logs_running_partial_80x24", screen);
    // leaving the pane (here with `1`) stops the query nobody watches any more
    assert!(a.take_pending().is_empty());
    a.handle_key(KeyEvent::new(KeyCode::Char('1'), KeyModifiers::NONE), &store);
    let id = store.logs.latest_table().unwrap().id();
    assert_eq!(a.take_pending(), vec![Command::Logs(LogsRequest::Cancel { id, why: "left the Logs pane".into() })]);
    // other panes leave nothing behind
    a.handle_key(KeyEvent::new(KeyCode::Char('2'), KeyModifiers::NONE), &store);
    assert!(a.take_pending().is_empty());
}

fn spec(label: &str, query: &str) -> QuerySpec {
    QuerySpec::new(label, query, GroupClass::Invocation, vec!["/aws/bedrock/modelinvocations".into()], window())
}

#[test]
fn logs_failed_and_queued_say_why() {
    let mut store = base_store();
    let mut run = QueryRun::new(spec("query", "fields @message | filter modelId like /opus/"), NOW - 5);
    run.status = QueryStatus::Failed;
    run.error = Some(SourceError {
        kind: ErrorKind::Service,
        code: Some("MalformedQueryException".into()),
        message: "unexpected symbol found like at line 1 and position 31".into(),
        hint: "fix the query (i edits it)".into(),
        at: NOW - 4,
    });
    fix_times(&mut run);
    show(&mut store, run);
    let mut a = logs_app(&store);
    let screen = render(&store, &mut a, 80, 24);
    assert!(screen.contains("MalformedQueryException"), "{screen}");
    insta::assert_snapshot!("logs_failed_80x24", screen);

    let mut run = QueryRun::new(spec("tokens-by-caller", "stats count(*) by identity.arn"), NOW - 5);
    run.queue_position = Some(0);
    run.note = Some("waiting: query limit reached (LimitExceededException); retry in 4s".into());
    show(&mut store, run);
    let screen = render(&store, &mut a, 80, 24);
    assert!(screen.contains("Queued"), "{screen}");
    assert!(screen.contains("LimitExceededException"), "{screen}");
    insta::assert_snapshot!("logs_queued_limit_80x24", screen);
}

#[test]
fn logs_detail_and_redaction() {
    let mut store = base_store();
    let run = demo_run("recent-errors");
    let ptr = run.table.ptrs[0].clone().unwrap();
    show(&mut store, run);
    let mut a = logs_app(&store);
    let table = render(&store, &mut a, 80, 24);
    assert!(table.contains("ThrottlingException"), "{table}");
    a.handle(Action::Select, &store);
    assert!(a.panes.logs.detail.is_some());
    // before GetLogRecord answers: the row's own fields, pretty-printed
    store.apply(Update::Logs(LogsUpdate::RecordLoading { ptr: ptr.clone() }));
    let loading = render(&store, &mut a, 80, 24);
    assert!(loading.contains("fetching the full record"), "{loading}");
    assert!(loading.contains("\"schemaType\": \"ModelInvocationLog\""), "{loading}");
    insta::assert_snapshot!("logs_detail_80x24", loading);
    let wide = render(&store, &mut a, 160, 48);
    assert!(wide.contains("inputBodyJson"), "{wide}");
    assert!(
        wide.contains("What is the refund window")
            || wide.contains("Continue the plan")
            || wide.contains("Summarise")
            || wide.contains("Which regions")
            || wide.contains("Draft a reply")
            || wide.contains("Classify"),
        "{wide}"
    );
    insta::assert_snapshot!("logs_detail_160x48", wide);
    // R hides prompt and completion bodies, keeps the token counts
    a.handle(Action::Redact, &store);
    let redacted = render(&store, &mut a, 160, 48);
    assert!(redacted.contains("‹redacted›"), "{redacted}");
    for p in [
        "What is the refund window",
        "Continue the plan",
        "Summarise the attached",
        "Which regions",
        "Draft a reply",
        "Classify this claim",
    ] {
        assert!(!redacted.contains(p), "{p} still shown: {redacted}");
    }
    assert!(redacted.contains("inputTokenCount"), "{redacted}");
    insta::assert_snapshot!("logs_detail_redacted_160x48", redacted);
    // GetLogRecord failed: said so, the row's fields still shown
    a.handle(Action::Back, &store);
    a.handle(Action::Select, &store);
    store.apply(Update::Logs(LogsUpdate::Record {
        ptr,
        result: Err(SourceError {
            kind: ErrorKind::AccessDenied,
            code: Some("AccessDeniedException".into()),
            message: "not authorized to perform: logs:GetLogRecord".into(),
            hint: "allow logs:GetLogRecord".into(),
            at: NOW,
        }),
    }));
    let failed = render(&store, &mut a, 80, 24);
    assert!(failed.contains("GetLogRecord failed"), "{failed}");
    assert!(matches!(
        store.logs.record(a.panes.logs.detail.as_ref().unwrap().ptr.as_deref().unwrap()),
        Some(RecordState::Failed(_))
    ));

    // the table hides bodies too: body columns, and the bodies inside @message
    a.handle(Action::Back, &store);
    let mut run = QueryRun::new(
        spec("query", "fields modelId, input.inputBodyJson.messages.0.content.0.text, @message"),
        NOW - 5,
    );
    run.status = QueryStatus::Complete;
    run.table = ResultTable::from_rows(&[vec![
        ("modelId".into(), "us.anthropic.claude-opus-4-5-20251101-v1:0".into()),
        ("input.inputBodyJson.messages.0.content.0.text".into(), "my card number is 4111".into()),
        ("@message".into(), r#"{"input":{"inputBodyJson":{"messages":[{"content":[{"text":"my card number is 4111"}]}]},"inputTokenCount":12}}"#.into()),
    ]]);
    fix_times(&mut run);
    show(&mut store, run);
    let table = render(&store, &mut a, 160, 48);
    assert!(table.contains("‹redacted›"), "{table}");
    assert!(!table.contains("4111"), "{table}");
    assert!(table.contains("\"inputTokenCount\":12"), "{table}");
    insta::assert_snapshot!("logs_table_redacted_160x48", table);
    a.handle(Action::Redact, &store);
    let shown = render(&store, &mut a, 160, 48);
    assert!(shown.contains("my card number is 4111"), "{shown}");
}

#[test]
fn logs_editor_with_history() {
    let mut store = base_store();
    let run = demo_run("latency-by-model");
    show(&mut store, run);
    let mut a = logs_app(&store);
    a.handle(Action::Edit, &store);
    let screen = render(&store, &mut a, 80, 24);
    assert!(screen.contains("Ctrl-S/F5 run"), "{screen}");
    assert!(screen.contains("pct(latency, 99)"), "{screen}");
    insta::assert_snapshot!("logs_editor_80x24", screen);
}

#[test]
fn logs_hostile_text_is_inert() {
    let mut store = base_store();
    let evil = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}[31mred\u{9b}1m\u{202e}txt\r\nnext";
    let mut run =
        QueryRun::new(spec(&format!("query{evil}"), &format!("fields @message | filter x = \"{evil}\"")), NOW - 5);
    run.status = QueryStatus::Complete;
    run.table = ResultTable::from_rows(&[
        vec![
            ("@timestamp".into(), "2026-11-25 03:09:01.000".into()),
            (format!("col{evil}"), format!("cell{evil}")),
            (
                "@message".into(),
                format!(
                    "{{\"msg\":\"{}\"}}",
                    evil.replace('\u{1b}', "\\u001b")
                        .replace('\u{7}', "\\u0007")
                        .replace('\r', "\\r")
                        .replace('\n', "\\n")
                ),
            ),
            ("@ptr".into(), "p-evil".into()),
        ],
        vec![("@timestamp".into(), "2026-11-25 03:09:02.000".into()), ("@message".into(), format!("plain {evil}"))],
    ]);
    run.note = Some(format!("note{evil}"));
    fix_times(&mut run);
    show(&mut store, run);
    let mut a = logs_app(&store);
    let screen = render(&store, &mut a, 160, 48);
    let check = |s: &str| {
        assert!(
            !s.contains('\u{1b}') && !s.contains('\u{7}') && !s.contains('\u{9b}') && !s.contains('\u{202e}'),
            "{s}"
        );
        assert!(s.contains("␛]0;pwned"), "{s}");
    };
    check(&screen);
    insta::assert_snapshot!("logs_hostile_160x48", screen);
    a.handle(Action::Select, &store);
    let detail = render(&store, &mut a, 160, 48);
    check(&detail);
    insta::assert_snapshot!("logs_hostile_detail_160x48", detail);
}
