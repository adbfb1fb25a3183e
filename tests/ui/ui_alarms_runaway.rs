//! The Alarms pane's runaway section on TestBackend: loading, empty, failed (with the fix, and
//! with the last good rows kept), one breach and many rows, at 80x24 and 120x35; and Enter on a
//! runaway row opening that caller's invocations in the Logs pane.

use nightjar::domain::insights::{GroupClass, Presets, QueryStatus, ResultTable};
use nightjar::domain::pricing::PriceTable;
use nightjar::domain::rules::RuleSet;
use nightjar::domain::window::{Since, Window};
use nightjar::engine::demo_identity;
use nightjar::sources::Command;
use nightjar::sources::demo::DemoWorkload;
use nightjar::sources::demo::logs::DemoInsights;
use nightjar::sources::logs::{LogsRequest, LogsRunner};
use nightjar::store::logs::{LogsUpdate, Purpose, QueryRun, QuerySpec};
use nightjar::store::runaway::Kind;
use nightjar::store::{ErrorKind, SourceError, SourceHealth, Store, Update};
use nightjar::ui::action::Action;
use nightjar::ui::app::{App, Effect};
use nightjar::ui::keymap::Keymap;
use nightjar::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// 2026-11-25 03:00 UTC, minute-aligned: the demo's story is anchored here.
const LAUNCH: i64 = 1_795_575_600;
const LOOP: &str = "arn:aws:sts::123456789012:assumed-role/support-agent/agent-loop-7f3a";
const RAG: &str = "arn:aws:sts::123456789012:assumed-role/rag-api-prod/rag-api";
const OPUS: &str = "us.anthropic.claude-opus-4-5-20251101-v1:0";
const HAIKU: &str = "us.anthropic.claude-haiku-4-5-20251001-v1:0";

/// The demo's metrics and rules at `minutes` after launch (no runaway run yet).
fn base(minutes: i64) -> (Store, i64) {
    let now = LAUNCH + minutes * 60 + 30;
    let mut store = Store::new(PriceTable::default(), vec![]);
    store.rules.rules = RuleSet::builtin();
    store.apply(demo_identity());
    let mut w = DemoWorkload::new(7, LAUNCH);
    store.apply(Update::Metrics(w.poll(now, Since::default())));
    let mut h = SourceHealth::new("demo", Some("us-east-1"));
    h.record_ok(now - 4);
    h.newest_data = Some(now - 30);
    h.calls = 12;
    store.apply(Update::Health(h));
    (store, now)
}

fn window(now: i64) -> Window {
    nightjar::sources::runaway::window(now)
}

/// A run of the watch's `kind` query in `status`, with `rows`, ended at `now - 20`.
fn run(kind: Kind, status: QueryStatus, rows: ResultTable, now: i64) -> QueryRun {
    let p = Presets::default().get(kind.preset()).unwrap().clone();
    let spec = QuerySpec::new(&p.name, &p.query, p.groups, vec!["g".into()], window(now - 25))
        .for_purpose(Purpose::Runaway(kind));
    let mut r = QueryRun::new(spec, now - 25);
    r.status = status;
    r.table = rows;
    r.started_at = Some(now - 24);
    r.ended_at = status.is_terminal().then_some(now - 20);
    r.cost_usd = status.is_terminal().then_some(0.0004);
    r
}

fn apply(store: &mut Store, r: QueryRun) {
    store.apply(Update::Logs(LogsUpdate::Query(Box::new(r))));
}

/// Callers rows: (minutes after launch, caller, model, tokens in, tokens out).
fn callers(rows: &[(i64, &str, &str, u64, u64)]) -> ResultTable {
    let raw: Vec<Vec<(String, String)>> = rows
        .iter()
        .map(|(m, who, model, i, o)| {
            let minute = chrono::DateTime::from_timestamp(LAUNCH + m * 60, 0).unwrap();
            vec![
                ("minute".to_string(), minute.format("%Y-%m-%d %H:%M:%S%.3f").to_string()),
                ("identity.arn".into(), who.to_string()),
                ("modelId".into(), model.to_string()),
                ("inTok".into(), i.to_string()),
                ("outTok".into(), o.to_string()),
                ("calls".into(), "30".into()),
            ]
        })
        .collect();
    ResultTable::from_rows(&raw)
}

fn denied(now: i64) -> SourceError {
    SourceError {
        kind: ErrorKind::AccessDenied,
        code: Some("AccessDeniedException".into()),
        message: "User: arn:aws:sts::123456789012:assumed-role/oncall/x is not authorized to perform: logs:StartQuery"
            .into(),
        hint: "grant logs:StartQuery on the invocation log group (docs/iam-policy.json)".into(),
        at: now - 20,
    }
}

fn no_spans(now: i64) -> SourceError {
    SourceError {
        kind: ErrorKind::Other,
        code: None,
        message: "no aws/spans log group: Transaction Search is not sending spans to CloudWatch Logs".into(),
        hint: "enable Transaction Search in CloudWatch, or set [logs] spans_log_group".into(),
        at: now - 20,
    }
}

fn render(store: &Store, app: &mut App, w: u16, h: u16, now: i64) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| app.draw(f, store, now)).unwrap();
    t.backend().to_string()
}

fn alarms(store: &Store) -> App {
    let mut a = App::new(Keymap::default(), Theme::default());
    a.handle(Action::Pane7, store);
    a
}

/// Select the first runaway row (the rules and alarms come first).
fn to_first_runaway_row(a: &mut App, store: &Store) {
    let upper = store.rule_statuses().len() + store.alarms().len();
    for _ in 0..upper {
        a.handle(Action::Down, store);
    }
}

/// The demo's own answers to both queries at `minutes` after launch, through the runner.
fn demo_runaway(store: &mut Store, now: i64) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let updates = rt.block_on(async {
        let mut r = LogsRunner::new(
            DemoInsights::new(7, LAUNCH),
            Default::default(),
            PriceTable::default(),
            SourceHealth::new("logs", Some("us-east-1")),
        )
        .answering_trace_fetches(false);
        r.init().await;
        nightjar::sources::runaway::run_once(&mut r, &Presets::default(), now - 20, None).await.0
    });
    for u in updates {
        // the runner's health carries the wall clock: left out of a snapshot
        if let Update::Logs(LogsUpdate::Query(mut q)) = u {
            q.submitted_at = now - 25;
            q.started_at = Some(now - 24);
            q.ended_at = Some(now - 20);
            store.apply(Update::Logs(LogsUpdate::Query(q)));
        }
    }
}

#[test]
fn alarms_runaway_loading() {
    let (mut store, now) = base(1);
    apply(&mut store, run(Kind::Caller, QueryStatus::Running, ResultTable::default(), now));
    apply(&mut store, run(Kind::Session, QueryStatus::Queued, ResultTable::default(), now));
    let s80 = render(&store, &mut alarms(&store), 80, 24, now);
    assert!(s80.contains("callers: first query under way…"), "{s80}");
    insta::assert_snapshot!("alarms_runaway_loading_80x24", s80);
    insta::assert_snapshot!("alarms_runaway_loading_120x35", render(&store, &mut alarms(&store), 120, 35, now));
}

#[test]
fn alarms_runaway_empty() {
    let (mut store, now) = base(1);
    apply(&mut store, run(Kind::Caller, QueryStatus::Complete, ResultTable::default(), now));
    apply(&mut store, run(Kind::Session, QueryStatus::Complete, ResultTable::default(), now));
    let s = render(&store, &mut alarms(&store), 120, 35, now);
    assert!(s.contains("No caller or session in the last 15 minutes"), "{s}");
    assert!(s.contains("0 over"), "{s}");
    insta::assert_snapshot!("alarms_runaway_empty_120x35", s);
    insta::assert_snapshot!("alarms_runaway_empty_80x24", render(&store, &mut alarms(&store), 80, 24, now));
}

#[test]
fn alarms_runaway_error_shows_the_fix() {
    let (mut store, now) = base(1);
    let mut c = run(Kind::Caller, QueryStatus::Failed, ResultTable::default(), now);
    c.error = Some(denied(now));
    apply(&mut store, c);
    let mut s = run(Kind::Session, QueryStatus::Failed, ResultTable::default(), now);
    s.error = Some(no_spans(now));
    apply(&mut store, s);
    let screen = render(&store, &mut alarms(&store), 120, 35, now);
    assert!(screen.contains("callers ✗ AccessDeniedException"), "{screen}");
    assert!(screen.contains("→ grant logs:StartQuery"), "{screen}");
    assert!(screen.contains("→ enable Transaction Search in CloudWatch"), "{screen}");
    assert!(screen.contains("sessions ✗ no aws/spans log group"), "{screen}");
    insta::assert_snapshot!("alarms_runaway_error_120x35", screen);
    insta::assert_snapshot!("alarms_runaway_error_80x24", render(&store, &mut alarms(&store), 80, 24, now));
}

#[test]
fn alarms_runaway_one_breach() {
    let (mut store, now) = base(4);
    let rows = callers(&[
        (3, LOOP, OPUS, 600_000, 90_000),
        (2, LOOP, OPUS, 300_000, 40_000),
        (3, RAG, HAIKU, 80_000, 12_000),
        (2, RAG, HAIKU, 85_000, 13_000),
    ]);
    let rules_fired = store.rules.firings;
    apply(&mut store, run(Kind::Caller, QueryStatus::Complete, rows, now));
    apply(&mut store, run(Kind::Session, QueryStatus::Complete, ResultTable::default(), now));
    assert_eq!(store.rules.firings, rules_fired + 1, "one new breach: one bell");
    let mut a = alarms(&store);
    to_first_runaway_row(&mut a, &store);
    let s = render(&store, &mut a, 120, 35, now);
    assert!(s.contains("OVER  caller  support-agent/agent-loop-7f3a"), "{s}");
    assert!(s.contains("1 over"), "{s}");
    // the status bar counts it with the firing rules
    let firing = store.firing_rules().len();
    assert!(s.contains(&format!("{firing} firing")), "{s}");
    insta::assert_snapshot!("alarms_runaway_one_breach_120x35", s);
    insta::assert_snapshot!("alarms_runaway_one_breach_80x24", render(&store, &mut a, 80, 24, now));

    // a later failure keeps the rows and says why
    let mut c = run(Kind::Caller, QueryStatus::Failed, ResultTable::default(), now);
    c.error = Some(denied(now));
    apply(&mut store, c);
    let s = render(&store, &mut alarms(&store), 120, 35, now);
    assert!(s.contains("(the rows are the last good run)") && s.contains("agent-loop-7f3a"), "{s}");
    assert!(s.contains("→ grant logs:StartQuery on the invocation log group"), "{s}");
    insta::assert_snapshot!("alarms_runaway_error_kept_rows_120x35", s);
}

#[test]
fn alarms_runaway_many_rows_from_the_demo() {
    let (mut store, now) = base(4);
    demo_runaway(&mut store, now);
    let over: Vec<String> = store.runaway.breaching().iter().map(|e| e.short_id().to_string()).collect();
    assert_eq!(over, vec!["support-agent/agent-loop-7f3a", "sess-7f3a-agent-loop"]);
    assert!(store.runaway.sessions.entries.len() > 20, "{}", store.runaway.sessions.entries.len());
    let mut a = alarms(&store);
    insta::assert_snapshot!("alarms_runaway_many_rows_120x35", render(&store, &mut a, 120, 35, now));
    insta::assert_snapshot!("alarms_runaway_many_rows_80x24", render(&store, &mut a, 80, 24, now));
    // scrolled to the last row: the table follows the selection
    a.handle(Action::Bottom, &store);
    let s = render(&store, &mut a, 120, 35, now);
    insta::assert_snapshot!("alarms_runaway_many_rows_bottom_120x35", s);
}

#[test]
fn enter_on_a_runaway_row_opens_that_callers_invocations_in_logs() {
    let (mut store, now) = base(4);
    demo_runaway(&mut store, now);
    let mut a = alarms(&store);
    to_first_runaway_row(&mut a, &store);
    let effect = a.handle(Action::Select, &store);
    let Effect::Send(Command::Logs(LogsRequest::Run { spec, replaces })) = effect else {
        panic!("expected a query, got {effect:?}")
    };
    assert_eq!(replaces, None);
    assert_eq!(spec.label, "caller support-agent/agent-loop-7f3a");
    assert_eq!(spec.class, GroupClass::Invocation);
    assert!(spec.query.contains(&format!("filter identity.arn = \"{LOOP}\"")), "{}", spec.query);
    assert_eq!(Some(spec.window), store.runaway.callers.window);
    assert_eq!((spec.purpose, spec.since), (Purpose::Table, None));
    // and the Logs pane is the one on screen
    let s = render(&store, &mut a, 120, 35, now);
    assert!(s.contains(" 6 Logs "), "{s}");
    // `L` on the loop's session: its spans
    let mut a = alarms(&store);
    to_first_runaway_row(&mut a, &store);
    a.handle(Action::Down, &store);
    let Effect::Send(Command::Logs(LogsRequest::Run { spec, .. })) = a.handle(Action::ShowLogs, &store) else {
        panic!("expected a query")
    };
    assert_eq!(spec.class, GroupClass::Spans);
    assert!(spec.query.contains("attributes.session.id = \"sess-7f3a-agent-loop\""), "{}", spec.query);
}

#[test]
fn alarms_runaway_hostile_ids_stay_inert() {
    let (mut store, now) = base(4);
    let evil = "arn:aws:sts::123456789012:assumed-role/evil/\u{1b}]0;pwned\u{7}\u{1b}[2J";
    let rows = callers(&[(3, evil, "acme.\u{1b}[31mred-v1", 900_000, 0)]);
    apply(&mut store, run(Kind::Caller, QueryStatus::Complete, rows, now));
    let mut a = alarms(&store);
    to_first_runaway_row(&mut a, &store);
    for (w, h) in [(80, 24), (120, 35)] {
        let s = render(&store, &mut a, w, h, now);
        assert!(!s.contains('\u{1b}') && !s.contains('\u{7}'), "{s}");
        assert!(s.contains("evil/␛]0;pwned␇"), "{s}");
    }
    // the banner and the status bar's firing entry too
    let names: Vec<String> = store.firing_rules().into_iter().map(|r| r.name).collect();
    assert!(names.iter().any(|n| n.starts_with("Runaway caller evil/␛]0;pwned␇")), "{names:?}");
    // Enter does not put control characters into a query string: it says so instead
    let effect = a.handle(Action::Select, &store);
    assert!(!matches!(effect, Effect::Send(_)), "{effect:?}");
    let s = render(&store, &mut a, 120, 35, now);
    assert!(s.contains("cannot query for 'evil/␛]0;pwned␇"), "{s}");
    assert!(!s.contains('\u{1b}'), "{s}");
}
