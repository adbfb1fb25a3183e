//! Hostile text from AWS in every pane: model ids and dimension values (Overview, Models,
//! Pipeline, Platform, the model detail), alarm names, reasons and descriptions (Alarms), span
//! names, attributes and prompts (Traces, the span tree), log rows, column names and group
//! names (Logs), error messages (message line and placeholders) and the identity (header).
//!
//! The text carries every family of terminal control: ESC sequences (CSI screen clear, OSC 0
//! title change, OSC 8 hyperlink, OSC 52 clipboard write, DCS), BEL, every C0 and C1 control,
//! DEL, bidi overrides and isolates, zero-width characters, what invalid UTF-8 decodes to, and a
//! 100 kB line. Each pane is drawn on ratatui's TestBackend (80x24 and 160x48, list and detail
//! views), and no cell may hold a control or bidi character. Where a fragment of the hostile
//! text is visible, its escape characters must show as placeholders (`␛]0;pwned`), i.e. the
//! pane sanitised the text itself rather than relying on ratatui to drop the ESC.

use nightjar::domain::insights::{GroupClass, QueryStatus, ResultTable};
use nightjar::domain::pricing::PriceTable;
use nightjar::domain::window::{Since, Window};
use nightjar::engine::demo_identity;
use nightjar::sources::demo::DemoWorkload;
use nightjar::sources::spans::xray::parse_trace;
use nightjar::store::alarms::{Alarm, AlarmState, AlarmTarget, AlarmsUpdate};
use nightjar::store::logs::{LogGroups, LogsUpdate, QueryRun, QuerySpec};
use nightjar::store::traces::{TraceList, TraceQuery, TraceRange, TraceSummary, TracesUpdate};
use nightjar::store::{ErrorKind, Identity, SeriesKey, SourceError, SourceHealth, Store, Update};
use nightjar::ui::action::Action;
use nightjar::ui::app::App;
use nightjar::ui::keymap::Keymap;
use nightjar::ui::pane::PaneKind;
use nightjar::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// 2026-11-25 03:00 UTC, as in the other snapshot tests.
const LAUNCH: i64 = 1_795_575_600;
const NOW: i64 = LAUNCH + 8 * 60 + 30;
const REGION: &str = "us-east-1";

/// The escape sequences, with recognisable payloads (`pwned`, a link, a clipboard write).
const ESCAPES: &str = "\u{1b}]0;pwned\u{7}\u{1b}]8;;https://evil.example/\u{1b}\\link\u{1b}]8;;\u{1b}\\\
                       \u{1b}]52;c;cHduZWQ=\u{7}\u{1b}[2J\u{1b}[31mred\u{1b}[0m\u{1b}P+q\u{1b}\\\u{9b}31m\u{90}x\u{9c}";

/// Hostile text: a readable prefix, the escapes, every C0 and C1 control, DEL, bidi and
/// zero-width characters, and invalid UTF-8 decoded the way the SDK's callers decode it.
fn evil(prefix: &str) -> String {
    let c0: String = (0u32..0x20).filter_map(char::from_u32).collect();
    let c1: String = (0x80u32..0xa0).filter_map(char::from_u32).collect();
    let bidi = "\u{202a}\u{202b}\u{202c}\u{202d}\u{202e}\u{2066}\u{2067}\u{2068}\u{2069}\u{200e}\u{200f}\u{061c}\u{200b}\u{feff}";
    let invalid = String::from_utf8_lossy(b"\xff\xfe\xc3(\xed\xa0\x80").into_owned();
    format!("{prefix}{ESCAPES}{c0}\u{7f}{c1}{bidi}{invalid}end")
}

/// A 100 kB line with the escapes in the middle.
fn huge() -> String {
    format!("{}{}{}", "A".repeat(50_000), evil("mid"), "B".repeat(50_000))
}

/// What must never reach a cell: C0, DEL, C1, bidi embeddings/overrides/isolates and marks,
/// zero-width characters.
fn forbidden(c: char) -> bool {
    let u = c as u32;
    u < 0x20
        || (0x7f..=0x9f).contains(&u)
        || matches!(u, 0x200b..=0x200f | 0x202a..=0x202e | 0x2060..=0x2069 | 0xfeff | 0x061c)
}

fn hostile_store() -> Store {
    let ns = vec!["GenAI/Quality".to_string(), "GenAI/Behavior".to_string()];
    let mut store = Store::new(PriceTable::default(), ns);
    store.traces.model_annotation = "model_id".into();
    store.apply(demo_identity());
    // the demo's whole workload, with every dimension value (model ids, reasons, operations,
    // guardrail sources, agent ARNs…) made hostile, plus a model whose id is 100 kB
    let mut w = DemoWorkload::new(7, LAUNCH);
    let mut u = w.poll(NOW, Since::default());
    let spoil = |k: &mut SeriesKey| {
        for (_, v) in k.dims.iter_mut() {
            *v = evil(v);
        }
    };
    for (k, _) in u.series.iter_mut() {
        spoil(k);
    }
    for (k, _) in u.window_values.iter_mut() {
        spoil(k);
    }
    let big = SeriesKey::new(REGION, "AWS/Bedrock", "Invocations", &[("ModelId", &huge())], "Sum");
    u.series.push((big.clone(), vec![(NOW - 120, 1000.0)]));
    u.window_values.push((big, Some(1000.0)));
    store.apply(Update::Metrics(u));
    store.apply(Update::Identity(Identity {
        profile: Some(evil("prof")),
        account: Some(evil("acct")),
        arn: Some(evil("arn")),
        regions: vec![REGION.into()],
        endpoint: Some(evil("http://endpoint")),
        demo: false,
        accounts: Vec::new(),
    }));
    let mut ok = SourceHealth::new("cloudwatch", Some(REGION));
    ok.record_ok(NOW - 5);
    store.apply(Update::Health(ok));
    // a source that failed with hostile text in its error (the newest error: the message line)
    let mut bad = SourceHealth::new("xray", Some(REGION));
    bad.record_ok(NOW - 100);
    bad.record_error(SourceError {
        kind: ErrorKind::Service,
        code: Some(evil("Code")),
        message: evil("message"),
        hint: evil("hint"),
        at: NOW - 1,
    });
    store.apply(Update::Health(bad));

    // alarms: name, reason, description, the metric's dimensions, a math expression
    let key = SeriesKey::new(REGION, "AWS/Bedrock", "Invocations", &[("ModelId", &evil("model"))], "Sum");
    let alarm = |name: String, target: AlarmTarget| Alarm {
        name,
        region: REGION.into(),
        state: AlarmState::Alarm,
        reason: evil("reason"),
        since: Some(NOW - 300),
        description: Some(evil("description")),
        target,
    };
    store.apply(Update::Alarms(AlarmsUpdate {
        region: REGION.into(),
        alarms: vec![
            alarm(
                evil("alarm"),
                AlarmTarget::Metric {
                    key,
                    period: 60,
                    comparison: evil("GreaterThanThreshold"),
                    threshold: 1.0,
                    datapoints: 1,
                    evaluation_periods: 1,
                },
            ),
            alarm(
                evil("math"),
                AlarmTarget::Math { expressions: vec![evil("m1")], comparison: evil("Less"), threshold: None },
            ),
            alarm(huge(), AlarmTarget::Composite { rule: evil("ALARM(x)") }),
        ],
    }));

    // traces: a listed summary and a fetched trace whose every string is hostile
    let id = "1-6b000000-000000000000000000000001";
    let q = TraceQuery::new(TraceRange::Last(3600), None);
    store.apply(Update::Traces(TracesUpdate::Listed(TraceList {
        query: q,
        region: REGION.into(),
        window: Since::from_secs(3600).window_ending(NOW),
        summaries: vec![TraceSummary {
            id: id.into(),
            region: REGION.into(),
            start: (NOW - 10) as f64,
            duration: Some(2.0),
            root: Some(evil("root")),
            operation: Some(evil("POST /op")),
            http_status: Some(500),
            http_url: Some(evil("https://url")),
            fault: true,
            models: vec![evil("model"), huge()],
            ..Default::default()
        }],
        processed: 1,
        truncated: false,
        listed_at: NOW - 2,
        sampling: None,
    })));
    let doc = serde_json::json!({
        "name": evil("rag-api"), "id": "1111111111111111", "trace_id": id,
        "start_time": (NOW - 10) as f64, "end_time": (NOW - 8) as f64, "fault": true,
        "http": {"request": {"method": evil("POST"), "url": evil("https://x"), "user_agent": evil("ua")},
                 "response": {"status": 500}},
        "annotations": {"model_id": evil("model"), "note": huge()},
        "cause": {"exceptions": [{"id": "e1", "message": evil("boom"), "type": evil("Err"),
                                  "stack": [{"path": evil("file.py"), "line": 1, "label": evil("fn")}]}]},
        "subsegments": [{
            "name": evil("llm"), "id": "2222222222222222", "start_time": (NOW - 10) as f64,
            "end_time": (NOW - 8) as f64, "namespace": "remote",
            "annotations": {"k": evil("v")},
            "metadata": {"default": {
                "gen_ai.request.model": evil("model"),
                "gen_ai.usage.input_tokens": 10,
                "gen_ai.prompt": evil("prompt"),
                "gen_ai.completion": huge(),
            }}
        }]
    });
    let t = parse_trace(id, REGION, &[doc.to_string()], &PriceTable::default());
    store.apply(Update::Traces(TracesUpdate::Fetched { traces: vec![t], unprocessed: vec![] }));

    // logs: group names, a finished query with hostile columns, cells, note and error
    store.apply(Update::Logs(LogsUpdate::Groups(LogGroups {
        invocation: vec![evil("/aws/bedrock/group")],
        app: vec![huge()],
        spans: Some(evil("aws/spans")),
        discovered: true,
        ..Default::default()
    })));
    let window = Window { start: NOW - 3600, end: NOW };
    let spec =
        QuerySpec::new(&evil("label"), &evil("fields @message"), GroupClass::Invocation, vec![evil("g")], window);
    let mut run = QueryRun::new(spec, NOW - 5);
    run.status = QueryStatus::Complete;
    run.started_at = Some(NOW - 4);
    run.ended_at = Some(NOW - 2);
    run.table = ResultTable::from_rows(&[
        vec![
            ("@timestamp".into(), "2026-11-25 03:08:01.000".into()),
            (evil("col"), evil("cell")),
            ("@message".into(), evil("message")),
            ("@ptr".into(), "p1".into()),
        ],
        vec![("@timestamp".into(), "2026-11-25 03:08:02.000".into()), ("@message".into(), huge())],
    ]);
    run.note = Some(evil("note"));
    run.error = Some(SourceError {
        kind: ErrorKind::Service,
        code: None,
        message: evil("query failed"),
        hint: evil("hint"),
        at: NOW,
    });
    store.apply(Update::Logs(LogsUpdate::Query(Box::new(run))));
    store
}

fn draw(store: &Store, app: &mut App, w: u16, h: u16) -> (String, Vec<String>) {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| app.draw(f, store, NOW)).unwrap();
    let buf = t.backend().buffer().clone();
    let symbols: Vec<String> = buf.content().iter().map(|c| c.symbol().to_string()).collect();
    let screen = symbols.chunks(usize::from(w)).map(|row| row.concat() + "\n").collect();
    (screen, symbols)
}

/// No forbidden character in any cell; visible escape payloads carry their placeholder.
fn assert_inert(what: &str, screen: &str, symbols: &[String]) {
    for (i, s) in symbols.iter().enumerate() {
        assert!(!s.chars().any(forbidden), "{what}: cell {i} holds {s:?}\n{screen}");
    }
    // e.g. `]0;pwned` drawn without its ESC means the pane left it to ratatui to drop the ESC.
    // Checked within each bordered cell of each row; a payload starting a cell may have been
    // wrapped right after its ␛, so it is let pass.
    for payload in ["]0;pwned", "]8;;https://evil", "]52;c;cHduZWQ=", "[2J", "[31mred"] {
        for segment in screen.lines().flat_map(|l| l.split('│')) {
            for (at, _) in segment.match_indices(payload).filter(|(at, _)| *at > 0) {
                // (JSON shown as JSON keeps its own inert escape: `\u001b]0;pwned`)
                assert!(
                    segment[..at].ends_with('␛') || segment[..at].ends_with("\\u001b"),
                    "{what}: `{payload}` is shown without its ESC placeholder (not sanitised):\n{screen}"
                );
            }
        }
    }
}

fn pane_action(n: usize) -> Action {
    [Action::Pane1, Action::Pane2, Action::Pane3, Action::Pane4, Action::Pane5, Action::Pane6, Action::Pane7][n]
}

#[test]
fn every_pane_renders_hostile_aws_text_inert() {
    let store = hostile_store();
    let mut seen = 0;
    for size in [(80, 24), (160, 48)] {
        let mut app = App::new(Keymap::default(), Theme::default());
        let kinds: Vec<&str> = app.pane_titles();
        assert_eq!(kinds.len(), 7, "{kinds:?}");
        for (n, title) in kinds.iter().enumerate() {
            app.handle(pane_action(n), &store);
            let (screen, symbols) = draw(&store, &mut app, size.0, size.1);
            assert_inert(&format!("{title} {size:?}"), &screen, &symbols);
            seen += usize::from(screen.contains('␛'));
            // the detail behind the first row (a model, an alarm, a trace's span tree, a log row)
            app.handle(Action::Select, &store);
            let (screen, symbols) = draw(&store, &mut app, size.0, size.1);
            assert_inert(&format!("{title} {size:?} after Enter"), &screen, &symbols);
            seen += usize::from(screen.contains('␛'));
            app.handle(Action::Down, &store);
            app.handle(Action::Select, &store);
            let (screen, symbols) = draw(&store, &mut app, size.0, size.1);
            assert_inert(&format!("{title} {size:?} deeper"), &screen, &symbols);
            app.handle(Action::Back, &store);
            app.handle(Action::Back, &store);
        }
        // help over a pane
        app.handle(Action::Help, &store);
        let (screen, symbols) = draw(&store, &mut app, size.0, size.1);
        assert_inert("help", &screen, &symbols);
        app.handle(Action::Help, &store);
    }
    assert!(seen >= 14, "hostile text is visible (as placeholders) on most screens: {seen}");
}

#[test]
fn a_100kb_line_renders_in_every_pane() {
    let store = hostile_store();
    let mut app = App::new(Keymap::default(), Theme::default());
    for n in 0..7 {
        app.handle(pane_action(n), &store);
        let t0 = std::time::Instant::now();
        let (screen, symbols) = draw(&store, &mut app, 80, 24);
        assert_inert(&format!("pane {}", n + 1), &screen, &symbols);
        // no timing assertion (benchmarks measure speed); this only guards against a hang
        assert!(t0.elapsed().as_secs() < 60, "pane {} took {:?}", n + 1, t0.elapsed());
    }
    assert_eq!(app.current_kind(), PaneKind::Alarms);
}

/// `--once` prints to the terminal too: the text and Markdown reports (through
/// `sanitize::multi_line`) and the JSON (through `sanitize::json_inert`), as `main` prints them,
/// hold no control or bidi character; the layout survives and the JSON keeps the exact values.
#[test]
fn once_reports_of_hostile_data_are_inert() {
    use nightjar::sanitize::multi_line;
    let store = hostile_store();
    let raw_text = nightjar::report::text(&store, NOW);
    let text = multi_line(&raw_text);
    let md = multi_line(&nightjar::report::markdown::render(&store, NOW));
    let logs =
        multi_line(&store.logs.queries().next().map(|q| nightjar::report::query::text(q, 80)).unwrap_or_default());
    // one placeholder per control character: the columns stay where they were
    let widths = |s: &str| s.lines().map(|l| l.chars().count()).collect::<Vec<_>>();
    assert_eq!(widths(&text), widths(&raw_text));
    for (what, out) in [("text", &text), ("markdown", &md), ("query text", &logs)] {
        let bad: Vec<(usize, char)> =
            out.char_indices().filter(|(_, c)| forbidden(*c) && *c != '\n' && *c != '\t').collect();
        assert!(bad.is_empty(), "{what}: {:?}\n{out}", &bad[..bad.len().min(5)]);
    }
    assert!(text.contains("␛]0;pwned"), "{text}");
    let raw = serde_json::to_string_pretty(&nightjar::report::json(&store, NOW)).unwrap();
    let json = nightjar::sanitize::json_inert(&raw);
    let bad: Vec<char> = json.chars().filter(|c| forbidden(*c) && *c != '\n').collect();
    assert!(bad.is_empty(), "json: {bad:?}");
    let back: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(back, serde_json::from_str::<serde_json::Value>(&raw).unwrap(), "the same values");
    assert!(json.contains(r"\u001b]0;pwned\u0007") && json.contains(r"\u009b31m\u0090x\u009c"), "{json}");
}
