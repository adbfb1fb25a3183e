//! Sources own the AWS clients (or the demo), poll on their own interval with at most one
//! request in flight, back off on failure, and send plain [`Update`]s to the store.

pub mod aws;
pub mod cloudwatch;
pub mod demo;

use std::time::Duration;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::domain::window::Since;
use crate::store::{ErrorKind, SourceHealth, Update};

/// What the UI can ask of a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Poll now, skipping the wait (and any backoff).
    Refresh,
    /// Change the window; the next poll re-reads it whole.
    SetSince(Since),
}

/// The UI's handle on running sources.
#[derive(Debug, Default, Clone)]
pub struct Sources {
    senders: Vec<UnboundedSender<Command>>,
}

impl Sources {
    pub fn send(&self, cmd: Command) {
        for s in &self.senders {
            let _ = s.send(cmd);
        }
    }
    pub fn push(&mut self, s: UnboundedSender<Command>) {
        self.senders.push(s);
    }
    pub fn is_empty(&self) -> bool {
        self.senders.is_empty()
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
        // waiting for the operator to log in again: check every 30 s
        Some(ErrorKind::ExpiredCredentials | ErrorKind::NoCredentials) => {
            (Duration::from_secs(30), Duration::from_secs(30))
        }
        _ => (Duration::from_secs(5).min(refresh), Duration::from_secs(300)),
    };
    let factor = 2u32.saturating_pow(n.saturating_sub(1).min(10));
    (base * factor).min(cap)
}

/// Wait `delay`, returning early on a command. Returns false when the UI has gone away.
async fn wait(delay: Duration, rx: &mut UnboundedReceiver<Command>, since: &mut Since, reset: &mut bool) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(delay) => true,
        cmd = rx.recv() => match cmd {
            Some(Command::Refresh) => true,
            Some(Command::SetSince(s)) => {
                if s != *since {
                    *since = s;
                    *reset = true;
                }
                true
            }
            None => false,
        }
    }
}

/// Run a CloudWatch metrics poller until the UI goes away.
pub fn spawn_metrics(
    mut poller: cloudwatch::MetricsPoller,
    mut since: Since,
    refresh: Duration,
    tx: UnboundedSender<Update>,
) -> UnboundedSender<Command> {
    let (ctx, mut rx) = unbounded_channel();
    tokio::spawn(async move {
        let _ = tx.send(Update::Health(poller.health.clone()));
        loop {
            let now = aws::now();
            if let Ok(u) = poller.poll(since, now).await
                && tx.send(Update::Metrics(u)).is_err()
            {
                return;
            }
            let delay = next_delay(refresh, &poller.health);
            poller.health.backoff_secs = if poller.health.consecutive_failures > 0 { delay.as_secs() } else { 0 };
            if tx.send(Update::Health(poller.health.clone())).is_err() {
                return;
            }
            let mut reset = false;
            if !wait(delay, &mut rx, &mut since, &mut reset).await {
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
    mut since: Since,
    tx: UnboundedSender<Update>,
) -> UnboundedSender<Command> {
    let (ctx, mut rx) = unbounded_channel();
    tokio::spawn(async move {
        let mut health = SourceHealth::new("demo", Some(demo::DEMO_REGION));
        loop {
            let now = aws::now();
            let u = workload.poll(now, since);
            health.calls += 1;
            health.record_ok(now);
            health.newest_data = u.series.iter().filter_map(|(_, p)| p.last().map(|(t, _)| *t)).max();
            if tx.send(Update::Metrics(u)).is_err() || tx.send(Update::Health(health.clone())).is_err() {
                return;
            }
            let mut reset = false;
            if !wait(DEMO_TICK, &mut rx, &mut since, &mut reset).await {
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
