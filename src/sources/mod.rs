//! Sources own the AWS clients (or the demo), poll on their own interval with at most one
//! request in flight, back off on failure, and send plain [`Update`]s to the store.

pub mod alarms;
pub mod aws;
pub mod bedrock;
pub mod cloudwatch;
pub mod demo;
pub mod logs;
pub mod logs_org;
pub mod oam;
pub mod plan;
pub mod prices;
pub mod quota_usage;
pub mod quotas;
pub mod runaway;
pub mod spans;
pub mod xray;

use std::time::Duration;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::domain::window::Since;
use crate::store::{ErrorKind, SourceHealth, Update};

/// What the UI can ask of a source. Every source gets every command and ignores the ones that
/// are not for it.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Poll now, skipping the wait (and any backoff).
    Refresh,
    /// Change the window; the next poll re-reads it whole.
    SetSince(Since),
    /// Look at a fixed past range (`None`: back to the live window ending now).
    SetRange(Option<crate::domain::window::Window>),
    /// For the trace sources: list traces, fetch traces.
    Traces(xray::TraceRequest),
    /// For the logs source: run, cancel, fetch a record.
    Logs(logs::LogsRequest),
    /// The console is exiting: finish what must not be left behind (stop running queries).
    Shutdown,
}

/// The UI's handle on running sources.
#[derive(Debug, Default, Clone)]
pub struct Sources {
    senders: Vec<UnboundedSender<Command>>,
    /// Sources that must finish something on exit: true once they have.
    finishing: Vec<tokio::sync::watch::Receiver<bool>>,
}

impl Sources {
    pub fn send(&self, cmd: Command) {
        for s in &self.senders {
            let _ = s.send(cmd.clone());
        }
    }
    pub fn push(&mut self, s: UnboundedSender<Command>) {
        self.senders.push(s);
    }
    pub fn is_empty(&self) -> bool {
        self.senders.is_empty()
    }
    /// A source that must be waited for on exit (see [`Sources::shutdown`]).
    pub fn push_finishing(&mut self, s: UnboundedSender<Command>, done: tokio::sync::watch::Receiver<bool>) {
        self.senders.push(s);
        self.finishing.push(done);
    }
    /// Send [`Command::Shutdown`] and wait (at most `timeout`) until the sources that must finish
    /// something have (the logs source stops every query it started). True when all did.
    pub async fn shutdown(&self, timeout: Duration) -> bool {
        self.send(Command::Shutdown);
        let all = async {
            for d in &self.finishing {
                let mut d = d.clone();
                if d.wait_for(|done| *done).await.is_err() {
                    // the task is gone: nothing left to wait for
                }
            }
        };
        tokio::time::timeout(timeout, all).await.is_ok()
    }
}

/// For a slow reader (quotas, the week of quota use): wait `delay` from `started`; a refresh
/// brings the next read forward to no sooner than `min_gap` after `started`. Other commands (the
/// window, traces, queries) are not its. False when the UI has gone away.
pub(crate) async fn wait_next(
    started: tokio::time::Instant,
    delay: Duration,
    min_gap: Duration,
    rx: &mut UnboundedReceiver<Command>,
) -> bool {
    let mut deadline = started + delay;
    loop {
        tokio::select! {
            _ = tokio::time::sleep_until(deadline) => return true,
            cmd = rx.recv() => match cmd {
                Some(Command::Refresh) => deadline = deadline.min(started + min_gap),
                Some(Command::Shutdown) | None => return false,
                Some(_) => {}
            }
        }
    }
}

/// How long to wait after a poll: the refresh interval when healthy; after failures,
/// exponential backoff (steeper for throttling), capped.
pub fn next_delay(refresh: Duration, health: &SourceHealth) -> Duration {
    let n = health.consecutive_failures;
    if n == 0 {
        return refresh;
    }
    let kind = health.last_error.as_ref().map(|e| e.kind);
    let (base, cap) = match kind {
        Some(ErrorKind::Throttled) => (refresh.max(Duration::from_secs(15)), Duration::from_secs(600)),
        // waiting for the operator to log in again or fix the clock: check every 30 s
        Some(ErrorKind::ExpiredCredentials | ErrorKind::NoCredentials | ErrorKind::ClockSkew) => {
            (Duration::from_secs(30), Duration::from_secs(30))
        }
        _ => (Duration::from_secs(5).min(refresh), Duration::from_secs(300)),
    };
    let factor = 2u32.saturating_pow(n.saturating_sub(1).min(10));
    (base * factor).min(cap)
}

/// Wait `delay`, returning early on a command. Returns false when the UI has gone away.
pub(crate) async fn wait(
    delay: Duration,
    rx: &mut UnboundedReceiver<Command>,
    since: &mut Since,
    reset: &mut bool,
) -> bool {
    let deadline = tokio::time::Instant::now() + delay;
    loop {
        tokio::select! {
            _ = tokio::time::sleep_until(deadline) => return true,
            cmd = rx.recv() => match cmd {
                Some(Command::Refresh) => return true,
                Some(Command::SetSince(s)) => {
                    if s != *since {
                        *since = s;
                        *reset = true;
                    }
                    return true;
                }
                // another source's command (a trace fetch, a query): keep waiting
                Some(_) => {}
                None => return false,
            }
        }
    }
}

/// Run a CloudWatch metrics poller until the UI goes away.
/// What the metrics and demo sources are asked to show: the last `since`, or a fixed range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct View {
    pub since: Since,
    pub range: Option<crate::domain::window::Window>,
}

impl View {
    pub fn window(&self, now: i64) -> crate::domain::window::Window {
        self.range.unwrap_or_else(|| self.since.window_ending(now))
    }
}

/// Like [`wait`], also following [`Command::SetRange`].
pub(crate) async fn wait_view(
    delay: Duration,
    rx: &mut UnboundedReceiver<Command>,
    view: &mut View,
    reset: &mut bool,
) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(delay) => true,
        cmd = rx.recv() => match cmd {
            Some(Command::SetSince(s)) => {
                if s != view.since || view.range.is_some() {
                    view.since = s;
                    view.range = None;
                    *reset = true;
                }
                true
            }
            Some(Command::SetRange(r)) => {
                if r != view.range {
                    view.range = r;
                    *reset = true;
                }
                true
            }
            Some(Command::Shutdown) | None => false,
            Some(_) => true,
        }
    }
}

pub fn spawn_metrics(
    poller: cloudwatch::MetricsPoller,
    since: Since,
    refresh: Duration,
    tx: UnboundedSender<Update>,
) -> UnboundedSender<Command> {
    spawn_metrics_with(poller, since, refresh, tx, next_delay)
}

/// [`spawn_metrics`] waiting `delay_after(refresh, health)` after each poll instead of
/// [`next_delay`] (the fault tests run the loop with shorter waits).
pub fn spawn_metrics_with(
    mut poller: cloudwatch::MetricsPoller,
    since: Since,
    refresh: Duration,
    tx: UnboundedSender<Update>,
    delay_after: fn(Duration, &SourceHealth) -> Duration,
) -> UnboundedSender<Command> {
    let (ctx, mut rx) = unbounded_channel();
    tokio::spawn(async move {
        let _ = tx.send(Update::Health(poller.health.clone()));
        let mut view = View { since, range: None };
        loop {
            let now = aws::now();
            if let Ok(u) = poller.poll_window(view.window(now), now).await
                && tx.send(Update::Metrics(u)).is_err()
            {
                return;
            }
            for u in poller.take_updates() {
                let _ = tx.send(u);
            }
            let delay = delay_after(refresh, &poller.health);
            poller.health.backoff_secs = if poller.health.consecutive_failures > 0 { delay.as_secs() } else { 0 };
            if tx.send(Update::Health(poller.health.clone())).is_err() {
                return;
            }
            let mut reset = false;
            if !wait_view(delay, &mut rx, &mut view, &mut reset).await {
                return;
            }
            if reset {
                poller.reset();
            }
        }
    });
    ctx
}

/// How often the demo re-publishes the growing current minute.
pub const DEMO_TICK: Duration = Duration::from_secs(5);

/// Run the demo workload: a fresh poll every few seconds, like a fast refresh.
pub fn spawn_demo(
    mut workload: demo::DemoWorkload,
    since: Since,
    tx: UnboundedSender<Update>,
) -> UnboundedSender<Command> {
    let (ctx, mut rx) = unbounded_channel();
    tokio::spawn(async move {
        let mut health = SourceHealth::new("demo", Some(demo::DEMO_REGION));
        let mut view = View { since, range: None };
        loop {
            let now = aws::now();
            let u = match view.range {
                Some(r) => workload.poll(r.end, Since::from_secs(r.secs())),
                None => workload.poll(now, view.since),
            };
            health.calls += 1;
            health.record_ok(now);
            health.newest_data = u.series.iter().filter_map(|(_, p)| p.last().map(|(t, _)| *t)).max();
            if tx.send(Update::Metrics(u)).is_err() || tx.send(Update::Health(health.clone())).is_err() {
                return;
            }
            let mut reset = false;
            if !wait_view(DEMO_TICK, &mut rx, &mut view, &mut reset).await {
                return;
            }
        }
    });
    ctx
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SourceError;

    fn failing(kind: ErrorKind, n: u32) -> SourceHealth {
        let mut h = SourceHealth::new("cloudwatch", Some("us-east-1"));
        for _ in 0..n {
            h.record_error(SourceError { kind, code: None, message: String::new(), hint: String::new(), at: 0 });
        }
        h
    }

    #[test]
    fn backoff_grows_on_throttling_and_caps() {
        let r = Duration::from_secs(60);
        assert_eq!(next_delay(r, &failing(ErrorKind::Throttled, 0)), r);
        assert_eq!(next_delay(r, &failing(ErrorKind::Throttled, 1)), Duration::from_secs(60));
        assert_eq!(next_delay(r, &failing(ErrorKind::Throttled, 2)), Duration::from_secs(120));
        assert_eq!(next_delay(r, &failing(ErrorKind::Throttled, 4)), Duration::from_secs(480));
        assert_eq!(next_delay(r, &failing(ErrorKind::Throttled, 9)), Duration::from_secs(600));
    }

    #[test]
    fn transient_errors_retry_sooner_than_the_refresh() {
        let r = Duration::from_secs(60);
        assert_eq!(next_delay(r, &failing(ErrorKind::Unreachable, 1)), Duration::from_secs(5));
        assert_eq!(next_delay(r, &failing(ErrorKind::Unreachable, 3)), Duration::from_secs(20));
        assert_eq!(next_delay(r, &failing(ErrorKind::ExpiredCredentials, 7)), Duration::from_secs(30));
    }
}
