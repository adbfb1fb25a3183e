//! A real terminal for tests: a private tmux server (its own socket) with one `sh` pane of a
//! fixed size, so a test can run the binary in it, type keys, send it signals, and then read the
//! terminal's state (alternate screen, cursor, title, `stty` modes) and screen.
//!
//! Tests using this skip (return `None` from [`Tmux::start`]) when tmux is not installed.
#![allow(dead_code)]

use std::process::{Command, Output};
use std::time::{Duration, Instant};

pub struct Tmux {
    socket: String,
    /// The socket file, removed with the server.
    path: Option<String>,
}

/// `rc=N` plus the terminal modes (`modes: isig icanon echo icrnl opost` when cooked), printed by
/// the shell after a command. (`mo""des` so that the echoed command line never reads `modes:`.)
pub const AFTER: &str = "echo \"rc=$?\"; echo \"mo\"\"des: $(stty -a | tr ' ;' '\\n\\n' | grep -E '^-?(icanon|echo|isig|icrnl|opost)$' | tr '\\n' ' ')\"";

impl Tmux {
    /// A `width`x`height` pane running `sh` with only `env` in its environment (plus PATH and
    /// TERM). `None` when tmux is missing.
    pub fn start(width: u16, height: u16, env: &[(&str, String)]) -> Option<Self> {
        if Command::new("tmux").arg("-V").output().is_err() {
            // scripts/test.sh (and so CI) installs tmux and sets this: never skip there
            assert!(
                std::env::var("NIGHTJAR_REQUIRE_TMUX").as_deref() != Ok("1"),
                "NIGHTJAR_REQUIRE_TMUX=1 but tmux is not installed"
            );
            eprintln!("skipping: tmux is not installed");
            return None;
        }
        let socket = format!("nightjar-test-{}-{}", std::process::id(), unique());
        let mut t = Self { socket, path: None };
        let mut shell = vec![
            "env".to_string(),
            "-i".into(),
            format!("PATH={}", std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into())),
            "TERM=screen-256color".into(),
            "PS1=$ ".into(),
        ];
        shell.extend(env.iter().map(|(k, v)| format!("{k}={v}")));
        shell.push("sh".into());
        let (w, h) = (width.to_string(), height.to_string());
        let mut args = vec!["-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", &w, "-y", &h];
        args.extend(shell.iter().map(String::as_str));
        t.tmux(&args);
        // an OSC 52 clipboard write would land in a tmux buffer; a title change in pane_title
        t.path = Some(t.show_server("#{socket_path}"));
        t.tmux(&["set", "-g", "set-clipboard", "on"]);
        t.tmux(&["set", "-g", "allow-rename", "on"]);
        t.wait_for("the shell prompt", Duration::from_secs(10), |s| s.contains('$'));
        Some(t)
    }

    fn tmux(&self, args: &[&str]) -> Output {
        let out = Command::new("tmux").arg("-L").arg(&self.socket).args(args).output().expect("tmux runs");
        assert!(out.status.success(), "tmux {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        out
    }

    /// Type `line` and Enter at the shell.
    pub fn run(&self, line: &str) {
        self.tmux(&["send-keys", "-t", "t", "-l", line]);
        self.tmux(&["send-keys", "-t", "t", "Enter"]);
    }

    /// tmux key names: `q`, `C-c`, `Enter`, `6`…
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// The visible screen, wrapped lines joined.
    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-J", "-t", "t"]).stdout).into_owned()
    }

    /// A tmux format for the pane, e.g. `#{alternate_on}`.
    pub fn show(&self, format: &str) -> String {
        String::from_utf8_lossy(&self.tmux(&["display-message", "-p", "-t", "t", format]).stdout).trim().to_string()
    }

    fn show_server(&self, format: &str) -> String {
        String::from_utf8_lossy(&self.tmux(&["display-message", "-p", format]).stdout).trim().to_string()
    }

    /// Paste buffers (an OSC 52 clipboard write creates one).
    pub fn buffers(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["list-buffers"]).stdout).into_owned()
    }

    /// The screen once `ready` holds for it; panics with the screen after `timeout`.
    pub fn wait_for(&self, what: &str, timeout: Duration, ready: impl Fn(&str) -> bool) -> String {
        let t0 = Instant::now();
        loop {
            let s = self.screen();
            if ready(&s) {
                return s;
            }
            assert!(t0.elapsed() < timeout, "timed out after {timeout:?} waiting for {what}; the screen:\n{s}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Copy everything programs write to the pane from now on (raw bytes, escapes included) into
    /// `file`.
    pub fn record_output(&self, file: &std::path::Path) {
        self.tmux(&["pipe-pane", "-o", "-t", "t", &format!("cat >> '{}'", file.display())]);
    }

    /// The pid of the command the shell is running in the foreground, if any.
    pub fn child_pid(&self) -> Option<u32> {
        let sh = self.show("#{pane_pid}");
        let children = std::fs::read_to_string(format!("/proc/{sh}/task/{sh}/children")).ok()?;
        children.split_whitespace().next()?.parse().ok()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        // our own server only (its private socket), and everything running in it
        let _ = Command::new("tmux").arg("-L").arg(&self.socket).arg("kill-server").output();
        if let Some(p) = &self.path {
            let _ = std::fs::remove_file(p);
        }
    }
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// Send `signal` (e.g. `"TERM"`) to `pid` with kill(1).
pub fn kill(pid: u32, signal: &str) {
    let out = Command::new("kill").arg(format!("-{signal}")).arg(pid.to_string()).output().expect("kill runs");
    assert!(out.status.success(), "kill -{signal} {pid}: {}", String::from_utf8_lossy(&out.stderr));
}
