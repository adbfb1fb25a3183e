//! Terminal safety, in a real terminal: the binary runs in a private tmux server, is ended by
//! `q`, Ctrl-C, SIGINT, SIGTERM, SIGHUP or a panic (on the UI thread, or in a background task),
//! and afterwards the terminal must be usable: the alternate screen left, the cursor visible,
//! raw mode off (`stty` shows `icanon echo isig`), a sensible exit code. Against the emulator
//! (through the fault proxy, which counts requests): every ending stops the running Logs
//! Insights query, and hostile text seeded in AWS neither changes the window title nor writes
//! the clipboard, and shows as inert placeholders.

mod fault_proxy;
mod support;
mod tmux;

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
        Ending::PanicUi => assert!(s.contains("panicked at") && s.contains("a deliberate panic on the UI thread"), "{s}"),
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
