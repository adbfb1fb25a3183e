//! The terminal: setup and guaranteed restore, the event loop (redraw only on change, bursts
//! coalesced, a slow tick for "12 s ago" labels), and the panes.

pub mod action;
pub mod app;
pub mod command;
pub mod filter;
pub mod keymap;
pub mod pane;
pub mod panes;
pub mod sgr;
#[cfg(feature = "test-support")]
pub mod svg;
pub mod theme;
pub mod widgets;

use std::io;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

use crossterm::event::{self, Event, KeyEventKind};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use crate::sources::Sources;
use crate::store::{Store, Update};
use app::{App, Effect};

/// Labels like "12s ago" change once a second; nothing else needs a timer.
const TICK: Duration = Duration::from_secs(1);
/// Bursts of updates within this long are drawn once.
const COALESCE: Duration = Duration::from_millis(16);

/// Restores the terminal when dropped, on every exit path (including panics, which also go
/// through the hook [`init_terminal`] installs).
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        // Unwinding from a panic on this thread: the hook has restored already and printed
        // the message. Leaving the alternate screen twice moves the cursor back to where it was
        // saved, and the shell's next lines would overwrite the message.
        if !std::thread::panicking() {
            let _ = crossterm::execute!(io::stdout(), crossterm::event::DisableMouseCapture);
            ratatui::restore();
        }
    }
}

/// What `ratatui::init` does (a panic hook that restores the terminal, raw mode, the alternate
/// screen), with the terminal written through [`sgr::SgrWriter`] so a 16-colour terminal gets
/// basic colour codes only.
fn init_terminal(
    depth: theme::ColorDepth,
    mouse: bool,
) -> io::Result<ratatui::Terminal<ratatui::backend::CrosstermBackend<sgr::SgrWriter<io::Stdout>>>> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = crossterm::execute!(io::stdout(), crossterm::event::DisableMouseCapture);
        ratatui::restore();
        hook(info);
    }));
    crossterm::terminal::enable_raw_mode()?;
    crossterm::execute!(io::stdout(), crossterm::terminal::EnterAlternateScreen)?;
    if mouse {
        crossterm::execute!(io::stdout(), crossterm::event::EnableMouseCapture)?;
    }
    let backend = ratatui::backend::CrosstermBackend::new(sgr::SgrWriter::new(io::stdout(), depth));
    ratatui::Terminal::new(backend)
}

/// Read terminal events on a plain thread (crossterm's read blocks) and forward them.
fn spawn_input() -> UnboundedReceiver<Event> {
    let (tx, rx) = unbounded_channel();
    std::thread::spawn(move || {
        loop {
            match event::read() {
                Ok(ev) => {
                    if tx.send(ev).is_err() {
                        return;
                    }
                }
                Err(_) => return,
            }
        }
    });
    rx
}

/// At most one bell this often, however many rules start firing.
const BELL_MIN_GAP: Duration = Duration::from_secs(10);

/// Why the loop ended.
pub enum Exit {
    Quit,
    /// `:profile` or `:region`: rebuild the sources and run again with this app state.
    Restart {
        app: Box<App>,
        /// Empty: the default profile.
        profiles: Vec<String>,
        regions: Vec<String>,
    },
}

/// Renders the incident report that saving (`s`, `:export`) writes, from the store as of `now`.
/// The binary passes `report::markdown::render`: the terminal does not depend on the report.
pub type RenderReport = fn(&Store, i64) -> String;

pub async fn run(
    mut store: Store,
    mut updates: UnboundedReceiver<Update>,
    sources: Sources,
    mut app: App,
    render_report: RenderReport,
) -> io::Result<Exit> {
    // the guard first: a failure half way through setting up still restores the terminal
    let _guard = TerminalGuard;
    let mut terminal = init_terminal(theme::ColorDepth::from_env(), app.mouse)?;
    install_panic_hook();
    let test_panic = test_panic_deadline();
    let mut input = spawn_input();
    let mut tick = tokio::time::interval(app.tick.max(TICK));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut dirty = true;
    let mut last_draw = Instant::now() - COALESCE;
    let mut term_signal = signals();
    let mut frames: u64 = 0;
    let mut firings_seen = store.rules.firings;
    let mut last_bell: Option<Instant> = None;
    let mut first_data_frame = false;
    // a frozen view draws from this copy while updates keep landing in `store`
    let mut frozen: Option<Store> = None;
    let mut exit = Exit::Quit;
    loop {
        if test_panic.is_some_and(|t| Instant::now() >= t) {
            panic!("NIGHTJAR_TEST_PANIC_AFTER_MS: a deliberate panic on the UI thread");
        }
        if dirty {
            let wait = COALESCE.saturating_sub(last_draw.elapsed());
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
            // drain whatever arrived meanwhile, then draw once
            while let Ok(u) = updates.try_recv() {
                store.apply(u);
            }
            let now = app.frozen_at.unwrap_or_else(|| chrono::Utc::now().timestamp());
            // ring the bell once for new firings, never more than once per BELL_MIN_GAP
            if store.rules.firings > firings_seen {
                firings_seen = store.rules.firings;
                if app.bell && last_bell.is_none_or(|t| t.elapsed() >= BELL_MIN_GAP) {
                    use std::io::Write;
                    let mut out = io::stdout();
                    let _ = out.write_all(b"\x07").and_then(|()| out.flush());
                    last_bell = Some(Instant::now());
                }
            }
            let t0 = Instant::now();
            let shown = frozen.as_ref().unwrap_or(&store);
            terminal.draw(|f| app.draw(f, shown, now))?;
            frames += 1;
            if frames == 1 || (!first_data_frame && store.any_source_ok()) {
                first_data_frame = store.any_source_ok();
                tracing::info!(
                    frame = frames,
                    with_data = first_data_frame,
                    since_start_ms = crate::logging::since_start_ms(),
                    draw_ms = t0.elapsed().as_secs_f64() * 1000.0,
                    "frame drawn"
                );
            }
            last_draw = Instant::now();
            dirty = false;
        }
        tokio::select! {
            ev = input.recv() => match ev {
                Some(Event::Mouse(m)) if app.mouse => {
                    match app.handle_mouse(m, frozen.as_ref().unwrap_or(&store)) {
                        Effect::Send(c) => { sources.send(c); dirty = true; }
                        Effect::None => {}
                        _ => dirty = true,
                    }
                    for c in app.take_pending() {
                        sources.send(c);
                    }
                }
                Some(Event::Key(k)) if k.kind != KeyEventKind::Release => {
                    let effect = app.handle_key(k, frozen.as_ref().unwrap_or(&store));
                    for c in app.take_pending() {
                        sources.send(c);
                    }
                    match effect {
                        Effect::Quit => break,
                        Effect::Send(c) => { sources.send(c); dirty = true; }
                        Effect::Redraw => dirty = true,
                        Effect::SaveReport => {
                            let now = app.frozen_at.unwrap_or_else(|| chrono::Utc::now().timestamp());
                            let msg = match save_report(&store, now, std::path::Path::new("."), render_report) {
                                Ok((md, json)) => format!("saved {} and {}", md.display(), json.display()),
                                Err(e) => format!("could not save the report: {e}"),
                            };
                            app.flash(msg);
                            dirty = true;
                        }
                        Effect::Yank(text) => {
                            osc52(&text);
                            dirty = true;
                        }
                        Effect::Freeze(on) => {
                            frozen = on.then(|| store.clone());
                            dirty = true;
                        }
                        Effect::Restart { profiles, regions } => {
                            exit = Exit::Restart { app: Box::new(std::mem::replace(&mut app, App::new(Default::default(), Default::default()))), profiles, regions };
                            break;
                        }
                        Effect::None => {}
                    }
                }
                Some(Event::Resize(..)) => dirty = true,
                Some(_) => {}
                None => break,
            },
            u = updates.recv() => if let Some(u) = u { store.apply(u); dirty = true; },
            _ = tick.tick() => dirty = true,
            _ = term_signal.recv() => break,
        }
    }
    drop(terminal);
    Ok(exit)
}

/// Put `text` on the clipboard with OSC 52 (works over SSH; in tmux with `set-clipboard on`).
fn osc52(text: &str) {
    use std::io::Write;
    let mut out = io::stdout();
    let _ = write!(out, "\x1b]52;c;{}\x07", base64(text.as_bytes())).and_then(|()| out.flush());
}

/// Standard base64 with padding, as OSC 52 wants it.
pub fn base64(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// SIGTERM and SIGHUP end the loop like `q` does, so the terminal is restored.
fn signals() -> UnboundedReceiver<()> {
    let (tx, rx) = unbounded_channel();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        for kind in [SignalKind::terminate(), SignalKind::hangup(), SignalKind::interrupt()] {
            let tx = tx.clone();
            if let Ok(mut s) = signal(kind) {
                tokio::spawn(async move {
                    if s.recv().await.is_some() {
                        EXIT_SIGNAL.store(kind.as_raw_value(), Ordering::Relaxed);
                        let _ = tx.send(());
                    }
                });
            }
        }
    }
    // a panic on another thread ends the loop the same way (see install_panic_hook)
    *PANIC_WAKE.lock().unwrap_or_else(|e| e.into_inner()) = Some(tx);
    rx
}

/// The signal that ended the loop (SIGTERM, SIGHUP, SIGINT), if one did.
static EXIT_SIGNAL: AtomicI32 = AtomicI32::new(0);
/// The thread that owns the terminal (the one running [`run`]).
static UI_THREAD: Mutex<Option<std::thread::ThreadId>> = Mutex::new(None);
/// Wakes the loop when another thread panics.
static PANIC_WAKE: Mutex<Option<tokio::sync::mpsc::UnboundedSender<()>>> = Mutex::new(None);
/// What a panic on another thread said.
static BACKGROUND_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Panics on the UI thread go to ratatui's hook (restore the terminal, then print), and unwind
/// out of [`run`]. A panic on any other thread (a source task, which tokio would catch and bury)
/// must not restore the terminal under a UI that keeps drawing, nor print over the screen: it is
/// logged, and the loop ends as for `q`, so the terminal is restored, Insights queries are
/// stopped, and [`exit_code`] reports it.
fn install_panic_hook() {
    *UI_THREAD.lock().unwrap_or_else(|e| e.into_inner()) = Some(std::thread::current().id());
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let ui = *UI_THREAD.lock().unwrap_or_else(|e| e.into_inner());
        if ui.is_none_or(|id| id == std::thread::current().id()) {
            return previous(info);
        }
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".into());
        let at = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        let msg = format!("{what}{at} (thread {})", std::thread::current().name().unwrap_or("?"));
        tracing::error!(panic = %msg, "a background task panicked; ending the console");
        BACKGROUND_PANIC.lock().unwrap_or_else(|e| e.into_inner()).get_or_insert(msg);
        if let Some(tx) = PANIC_WAKE.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            let _ = tx.send(());
        }
    }));
}

/// The process exit code for a console that ended without an error: 128 + the signal that ended
/// it (SIGINT 130, SIGTERM 143, SIGHUP 129), 101 after a panic on another thread (said on
/// stderr, now that the terminal is back), else 0.
pub fn exit_code() -> std::process::ExitCode {
    if let Some(msg) = BACKGROUND_PANIC.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
        eprintln!("nightjar: internal error, the console stopped: {msg}");
        return std::process::ExitCode::from(101);
    }
    match EXIT_SIGNAL.load(Ordering::Relaxed) {
        0 => std::process::ExitCode::SUCCESS,
        n => std::process::ExitCode::from(128u8.saturating_add(n as u8)),
    }
}

/// Await `fut`, turning a panic inside it into `Err` with the payload, so the caller can still
/// stop what must not outlive the console before the panic resumes.
pub async fn catch_panic<F: std::future::Future>(fut: F) -> Result<F::Output, Box<dyn std::any::Any + Send>> {
    let mut fut = std::pin::pin!(fut);
    std::future::poll_fn(move |cx| {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
            Ok(std::task::Poll::Ready(v)) => std::task::Poll::Ready(Ok(v)),
            Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
            Err(payload) => std::task::Poll::Ready(Err(payload)),
        }
    })
    .await
}

/// TEST-ONLY trigger for the terminal-safety tests (tests/terminal_safety.rs): with
/// `NIGHTJAR_TEST_PANIC_AFTER_MS=N` the console panics N ms after start, on the UI thread, or
/// in a tokio task when `NIGHTJAR_TEST_PANIC_IN=task`. Nothing reads these otherwise.
fn test_panic_deadline() -> Option<Instant> {
    let ms: u64 = std::env::var("NIGHTJAR_TEST_PANIC_AFTER_MS").ok()?.parse().ok()?;
    if std::env::var("NIGHTJAR_TEST_PANIC_IN").as_deref() == Ok("task") {
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            panic!("NIGHTJAR_TEST_PANIC_AFTER_MS: a deliberate panic in a background task");
        });
        return None;
    }
    Some(Instant::now() + Duration::from_millis(ms))
}

/// Write `nightjar-incident-<time>.md` (the report, by `render`) and `.json` (a snapshot) into
/// `dir`.
pub fn save_report(
    store: &Store,
    now: i64,
    dir: &std::path::Path,
    render: RenderReport,
) -> Result<(std::path::PathBuf, std::path::PathBuf), String> {
    let stamp =
        chrono::DateTime::from_timestamp(now, 0).map(|t| t.format("%Y%m%dT%H%M%SZ").to_string()).unwrap_or_default();
    let md = dir.join(format!("nightjar-incident-{stamp}.md"));
    let json = dir.join(format!("nightjar-incident-{stamp}.json"));
    std::fs::write(&md, render(store, now)).map_err(|e| format!("{}: {e}", md.display()))?;
    store.snapshot(now).save(&json)?;
    Ok((md, json))
}

#[cfg(test)]
mod tests {
    #[test]
    fn osc52_payload_is_standard_base64() {
        assert_eq!(super::base64(b"1-6b0650ac-de0000"), "MS02YjA2NTBhYy1kZTAwMDA=");
        assert_eq!(super::base64(b""), "");
    }
}
