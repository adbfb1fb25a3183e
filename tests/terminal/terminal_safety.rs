//! Terminal safety, in a real terminal: the binary runs in a private tmux server, is ended by
//! `q`, Ctrl-C, SIGINT, SIGTERM, SIGHUP or a panic (on the UI thread, or in a background task),
//! and afterwards the terminal must be usable: the alternate screen left, the cursor visible,
//! raw mode off (`stty` shows `icanon echo isig`), a sensible exit code. Against the emulator
//! (through the fault proxy, which counts requests): every ending stops the running Logs
//! Insights query, and hostile text seeded in AWS neither changes the window title nor writes
//! the clipboard, and shows as inert placeholders.

use crate::fault_proxy;
use crate::support;
use crate::tmux;

use std::path::{Path, PathBuf};
use std::time::Duration;

use tmux::{AFTER, Tmux, kill};

const BIN: &str = env!("CARGO_BIN_EXE_nightjar");
/// `stty` of a cooked terminal, as [`AFTER`] prints it (raw mode shows `-icrnl -opost -isig…`).
const COOKED: &str = "modes: icrnl opost isig icanon echo";
/// Generous: two cores shared by the whole test run.
const UP: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy)]
enum Ending {
    /// Keys typed into the console (tmux key names).
    Keys(&'static str),
    /// A signal sent with kill(1).
    Signal(&'static str),
    /// `NIGHTJAR_TEST_PANIC_AFTER_MS` on the UI thread.
    PanicUi,
    /// `NIGHTJAR_TEST_PANIC_AFTER_MS` with `NIGHTJAR_TEST_PANIC_IN=task`.
    PanicTask,
}

impl Ending {
    fn exit_code(self) -> i32 {
        match self {
            Ending::Keys(_) => 0,
            Ending::Signal("INT") => 130,
            Ending::Signal("TERM") => 143,
            Ending::Signal("HUP") => 129,
            Ending::Signal(s) => panic!("no expectation for SIG{s}"),
            Ending::PanicUi | Ending::PanicTask => 101,
        }
    }

    /// Environment for the binary (the panic triggers).
    fn env(self, panic_after_ms: u64) -> String {
        match self {
            Ending::PanicUi => format!("NIGHTJAR_TEST_PANIC_AFTER_MS={panic_after_ms} "),
            Ending::PanicTask => format!("NIGHTJAR_TEST_PANIC_AFTER_MS={panic_after_ms} NIGHTJAR_TEST_PANIC_IN=task "),
            _ => String::new(),
        }
    }

    /// End the console now (the panics end it by themselves).
    fn end(self, t: &Tmux) {
        match self {
            Ending::Keys(k) => t.keys(&[k]),
            Ending::Signal(s) => kill(t.child_pid().expect("nightjar is running in the pane"), s),
            Ending::PanicUi | Ending::PanicTask => {}
        }
    }
}

fn temp_home(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(support::unique_name(name));
    std::fs::create_dir_all(d.join(".config")).unwrap();
    d
}

/// The environment of the pane's shell: a private HOME, no AWS settings from the host.
fn shell_env(home: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("HOME", home.display().to_string()),
        ("XDG_CONFIG_HOME", home.join(".config").display().to_string()),
        ("XDG_STATE_HOME", home.join(".state").display().to_string()),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ("AWS_CONFIG_FILE", home.join("aws-config").display().to_string()),
        ("AWS_SHARED_CREDENTIALS_FILE", home.join("aws-credentials").display().to_string()),
    ]
}

fn is_ui(screen: &str) -> bool {
    screen.contains(" nightjar │")
}

/// Wait until the console is drawn on the alternate screen.
fn wait_up(t: &Tmux) -> String {
    let s = t.wait_for("the console", UP, is_ui);
    assert_eq!(t.show("#{alternate_on}"), "1", "the console draws on the alternate screen");
    assert_eq!(t.show("#{cursor_flag}"), "0", "the cursor is hidden while the console runs");
    s
}

/// After the console ended: the shell's screen, a usable terminal, the expected exit code.
fn assert_restored(t: &Tmux, ending: Ending) -> String {
    let s = t.wait_for("the exit code", UP, |s| s.contains("modes: "));
    assert!(s.contains(&format!("rc={}\n", ending.exit_code())), "{ending:?}: exit code; screen:\n{s}");
    assert_eq!(t.show("#{alternate_on}"), "0", "{ending:?}: the alternate screen was left; screen:\n{s}");
    assert_eq!(t.show("#{cursor_flag}"), "1", "{ending:?}: the cursor is visible; screen:\n{s}");
    let modes = s.lines().find(|l| l.starts_with("modes: ")).unwrap();
    // raw mode off: canonical input, echo and signals back on; output processing as before
    assert_eq!(modes.trim(), COOKED, "{ending:?}: raw mode is off; screen:\n{s}");
    assert!(!is_ui(&s), "{ending:?}: the shell's screen, not the console's:\n{s}");
    assert!(!s.contains("could not confirm"), "{ending:?}: every query was stopped:\n{s}");
    match ending {
        Ending::PanicUi => {
            // color-eyre's panic report, printed after the terminal was restored
            assert!(
                s.contains("The application panicked (crashed).") && s.contains("a deliberate panic on the UI thread"),
                "{s}"
            )
        }
        Ending::PanicTask => {
            assert!(s.contains("nightjar: internal error, the console stopped: NIGHTJAR_TEST_PANIC_AFTER_MS"), "{s}")
        }
        _ => assert!(!s.contains("panicked"), "{s}"),
    }
    s
}

/// The demo console in an 80x24 terminal, ended by `ending`.
fn demo_ends_cleanly(ending: Ending) {
    let home = temp_home("term-demo");
    let Some(t) = Tmux::start(80, 24, &shell_env(&home)) else { return };
    let modes_before = {
        t.run(AFTER);
        let s = t.wait_for("stty before", UP, |s| s.contains("modes: "));
        s.lines().find(|l| l.starts_with("modes: ")).unwrap().to_string()
    };
    assert_eq!(modes_before.trim(), COOKED, "the terminal starts cooked");
    t.run("clear");
    t.wait_for("a clear screen", UP, |s| !s.contains("modes: "));
    t.run(&format!("{}{BIN} --demo; {AFTER}", ending.env(2500)));
    let s = wait_up(&t);
    assert!(s.contains("DEMO"), "{s}");
    ending.end(&t);
    assert_restored(&t, ending);
}

#[test]
fn q_restores_the_terminal() {
    demo_ends_cleanly(Ending::Keys("q"));
}

#[test]
fn ctrl_c_key_restores_the_terminal() {
    // in raw mode Ctrl-C is a key, not a signal: it quits like q
    demo_ends_cleanly(Ending::Keys("C-c"));
}

#[test]
fn sigint_restores_the_terminal() {
    demo_ends_cleanly(Ending::Signal("INT"));
}

#[test]
fn sigterm_restores_the_terminal() {
    demo_ends_cleanly(Ending::Signal("TERM"));
}

#[test]
fn sighup_restores_the_terminal() {
    demo_ends_cleanly(Ending::Signal("HUP"));
}

#[test]
fn a_panic_restores_the_terminal_and_keeps_its_message() {
    demo_ends_cleanly(Ending::PanicUi);
}

#[test]
fn a_panic_in_a_background_task_ends_the_console_cleanly() {
    demo_ends_cleanly(Ending::PanicTask);
}

/// Every control sequence family a hostile value could carry: a title change (OSC 0), a
/// hyperlink (OSC 8), a clipboard write (OSC 52), a screen clear (CSI), a C1 CSI, NEL, a bidi
/// override and BELs.
const EVIL: &str = "evil\u{1b}]0;pwned\u{7}\u{1b}]8;;https://evil.example/\u{1b}\\link\u{1b}]8;;\u{1b}\\\
                    \u{1b}]52;c;cHduZWQ=\u{7}\u{1b}[2J\u{9b}31m\u{85}\u{202e}gnp.exe\u{7}";

/// Seeds `region`: a model whose id is [`EVIL`], an alarm in ALARM whose reason is [`EVIL`], and
/// an invocation log group. Returns the log group.
async fn seed_hostile(endpoint: &str, region: &str) -> String {
    let conf = support::sdk_config(endpoint, region).await;
    let cw = aws_sdk_cloudwatch::Client::new(&conf);
    let m = |i| support::minute_start(i);
    support::put_metric(&cw, "AWS/Bedrock", "Invocations", &[("ModelId", EVIL)], &[(m(3), 42.0), (m(4), 8.0)]).await;
    let alarm = support::unique_name("evil-alarm");
    cw.put_metric_alarm()
        .alarm_name(&alarm)
        .namespace("AWS/Bedrock")
        .metric_name("Invocations")
        .dimensions(aws_sdk_cloudwatch::types::Dimension::builder().name("ModelId").value(EVIL).build())
        .statistic(aws_sdk_cloudwatch::types::Statistic::Sum)
        .period(60)
        .evaluation_periods(1)
        .threshold(10.0)
        .comparison_operator(aws_sdk_cloudwatch::types::ComparisonOperator::GreaterThanThreshold)
        .send()
        .await
        .expect("PutMetricAlarm");
    cw.set_alarm_state()
        .alarm_name(&alarm)
        .state_value(aws_sdk_cloudwatch::types::StateValue::Alarm)
        .state_reason(format!("reason {EVIL}"))
        .send()
        .await
        .expect("SetAlarmState");
    let logs = aws_sdk_cloudwatchlogs::Client::new(&conf);
    let group = support::unique_name("/aws/bedrock/modelinvocations");
    logs.create_log_group().log_group_name(&group).send().await.expect("CreateLogGroup");
    logs.create_log_stream().log_group_name(&group).log_stream_name("s").send().await.expect("CreateLogStream");
    let event = aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
        .timestamp(support::now_secs() * 1000 - 60_000)
        .message(format!("{{\"modelId\": \"m\", \"note\": \"{}\"}}", EVIL.escape_default()))
        .build()
        .unwrap();
    logs.put_log_events().log_group_name(&group).log_stream_name("s").log_events(event).send().await.unwrap();
    group
}

/// The console against the emulator (through a counting proxy) in a terminal: run a Logs
/// Insights query that stays Running, end the console by `ending`, and check that the query was
/// stopped and the terminal restored. With `look`, first check how hostile AWS text is shown.
fn emulator_console_ends_cleanly(endpoint: &str, region: &str, group: &str, ending: Ending, look: bool) {
    let proxy = fault_proxy::FaultProxy::start(endpoint);
    proxy.set_all(vec![
        // a long query: Logs Insights keeps saying Running
        serde_json::json!({"mode": "rewrite", "match": "GetQueryResults",
            "replace": [["\"status\": \"Complete\"", "\"status\": \"Running\""], ["\"status\":\"Complete\"", "\"status\":\"Running\""]]}),
        // moto cannot stop queries (HTTP 500); AWS answers this
        serde_json::json!({"mode": "respond", "match": "StopQuery", "json": {"success": true}}),
    ]);
    let home = temp_home("term-emu");
    std::fs::create_dir_all(home.join(".config/nightjar")).unwrap();
    // the runaway watch is off: its own queries would add to the StartQuery/StopQuery counts
    // (tests/emulator_runaway.rs covers them)
    std::fs::write(
        home.join(".config/nightjar/config.toml"),
        format!("[logs]\ninvocation_log_groups = [\"{group}\"]\n[runaway]\nenabled = false\n"),
    )
    .unwrap();
    let mut env = shell_env(&home);
    env.push(("AWS_ACCESS_KEY_ID", "testing".into()));
    env.push(("AWS_SECRET_ACCESS_KEY", "testing".into()));
    // 80x24, but room for the alarm's detail where the hostile text is looked at
    let (w, h) = if look { (120, 40) } else { (80, 24) };
    let Some(t) = Tmux::start(w, h, &env) else { return };
    let title = t.show("#{pane_title}");
    t.run(&format!("{}{BIN} --region {region} --endpoint-url {} --refresh 5; {AFTER}", ending.env(15_000), proxy.url));
    wait_up(&t);
    if look {
        // Overview and Models: the model's short name (what follows the id's first dot), with
        // the escape sequences as visible placeholders
        let s = t.wait_for("the hostile model on the Overview", UP, |s| s.contains("example/␛\\link␛]8;;␛\\"));
        assert!(!s.contains('\u{1b}') && !s.contains('\u{7}'), "{s}");
        t.keys(&["2"]);
        t.wait_for("the hostile model on Models", UP, |s| s.contains("example/␛\\link␛]8;;␛\\␛]52"));
        // Alarms: the console's rules come first; the alarm is last
        t.keys(&["7"]);
        t.wait_for("the Alarms pane", UP, |s| s.contains("Alarms and rules"));
        t.keys(&["G"]);
        let s = t.wait_for("the hostile alarm reason", UP, |s| s.contains("reason evil␛]0;pwned␇"));
        assert!(s.contains("ALARM"), "{s}");
        assert_eq!(t.show("#{pane_title}"), title, "AWS text changed the window title");
        assert_eq!(t.buffers(), "", "AWS text wrote to the clipboard (OSC 52)");
    }
    // Logs: run the first preset; it stays Running
    t.keys(&["6"]);
    t.wait_for("the Logs pane", UP, |s| s.contains("run preset"));
    t.keys(&["f"]);
    let t0 = std::time::Instant::now();
    while proxy.count("StartQuery") == 0 {
        assert!(t0.elapsed() < UP, "{ending:?}: no StartQuery; screen:\n{}", t.screen());
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(is_ui(&t.screen()), "{ending:?}: the query started before the console ended:\n{}", t.screen());
    assert_eq!(proxy.count("StopQuery"), 0);
    ending.end(&t);
    let s = assert_restored(&t, ending);
    assert_eq!(proxy.count("StartQuery"), 1, "{s}");
    assert_eq!(proxy.count("StopQuery"), 1, "{ending:?}: the running query was stopped on the way out; screen:\n{s}");
    if look {
        assert_eq!(t.show("#{pane_title}"), title, "AWS text changed the window title");
        assert_eq!(t.buffers(), "", "AWS text wrote to the clipboard (OSC 52)");
    }
}

/// `--once` writes straight to the terminal: its text, Markdown and JSON carry the hostile
/// values inert (placeholders; JSON escapes), and nothing that could drive the terminal.
fn once_output_is_inert(endpoint: &str, region: &str) {
    let home = temp_home("once-evil");
    for format in ["text", "markdown", "json"] {
        let out =
            support::nightjar(&["--once", "--format", format, "--region", region, "--endpoint-url", endpoint], &home);
        let stdout = String::from_utf8(out.stdout).expect("UTF-8 output");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{format}: {stderr}");
        let bad: Vec<char> = stdout
            .chars()
            .chain(stderr.chars())
            .filter(|c| {
                (c.is_control() && *c != '\n')
                    || matches!(*c as u32, 0x200b..=0x200f | 0x202a..=0x202e | 0x2060..=0x2069)
            })
            .collect();
        assert!(bad.is_empty(), "{format}: {bad:?} in\n{stdout}");
        let shown = match format {
            "json" => r#""model_id": "evil\u001b]0;pwned\u0007\u001b]8;;https://evil.example/\u001b\\link"#,
            _ => "reason evil␛]0;pwned␇",
        };
        assert!(stdout.contains(shown), "{format}: the hostile text, inert:\n{stdout}");
        if format == "json" {
            assert!(stdout.contains(r"\u009b31m\u0085\u202egnp.exe"), "C1 and bidi escaped:\n{stdout}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_ending_stops_insights_queries_and_hostile_aws_text_stays_inert() {
    let Some(endpoint) = support::endpoint() else { return };
    let region = support::claim_region("me-south-1");
    let group = seed_hostile(&endpoint, region).await;
    once_output_is_inert(&endpoint, region);
    let endings = [
        (Ending::Keys("q"), true),
        (Ending::Keys("C-c"), false),
        (Ending::Signal("INT"), false),
        (Ending::Signal("TERM"), false),
        (Ending::Signal("HUP"), false),
        (Ending::PanicUi, false),
        (Ending::PanicTask, false),
    ];
    let handles: Vec<_> = endings
        .into_iter()
        .map(|(ending, look)| {
            let (endpoint, group) = (endpoint.clone(), group.clone());
            std::thread::spawn(move || emulator_console_ends_cleanly(&endpoint, region, &group, ending, look))
        })
        .collect();
    let failures: Vec<String> = handles
        .into_iter()
        .filter_map(|h| h.join().err())
        .map(|e| e.downcast_ref::<String>().cloned().unwrap_or_else(|| "a panic".into()))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
