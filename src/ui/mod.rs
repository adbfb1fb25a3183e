//! The terminal: setup and guaranteed restore, the event loop (redraw only on change, bursts
//! coalesced, a slow tick for "12 s ago" labels), and the panes.

pub mod action;
pub mod app;
pub mod format;
pub mod keymap;
pub mod pane;
pub mod panes;
pub mod theme;

use std::io;
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
/// through the hook ratatui::init installs).
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        ratatui::restore();
    }
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

pub async fn run(
    mut store: Store,
    mut updates: UnboundedReceiver<Update>,
    sources: Sources,
    mut app: App,
) -> io::Result<()> {
    let mut terminal = ratatui::init();
    let _guard = TerminalGuard;
    let mut input = spawn_input();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut dirty = true;
    let mut last_draw = Instant::now() - COALESCE;
    let mut term_signal = signals();
    loop {
        if dirty {
            let wait = COALESCE.saturating_sub(last_draw.elapsed());
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
            // drain whatever arrived meanwhile, then draw once
            while let Ok(u) = updates.try_recv() {
                store.apply(u);
            }
            let now = chrono::Utc::now().timestamp();
            terminal.draw(|f| app.draw(f, &store, now))?;
            last_draw = Instant::now();
            dirty = false;
        }
        tokio::select! {
            ev = input.recv() => match ev {
                Some(Event::Key(k)) if k.kind != KeyEventKind::Release => {
                    match app.handle_key(k, &store) {
                        Effect::Quit => break,
                        Effect::Send(c) => { sources.send(c); dirty = true; }
                        Effect::Redraw => dirty = true,
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
    Ok(())
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
                        let _ = tx.send(());
                    }
                });
            }
        }
    }
    let _ = tx;
    rx
}
