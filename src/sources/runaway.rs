//! The runaway watch: every `[runaway] every` (5 minutes by default) it asks the logs source to
//! run the `runaway-callers` and `runaway-sessions` presets over the last 15 minutes. It owns no
//! client: the queries go through the logs source's runner ([`Command::Logs`]), so they share its
//! queue, concurrency limit, backoff, cost accounting (the status bar's API spend) and StopQuery
//! on exit. Each new run of a kind replaces the previous one (`replaces`), so at most one query
//! of each kind is in flight, and one still running when the next is due is stopped (StopQuery).
//!
//! Results reach the store as ordinary query updates with [`Purpose::Runaway`]; the store's
//! [`RunawayState`](crate::store::runaway::RunawayState) reads them.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio::time::Instant;

use super::Command;
use super::logs::{InsightsBackend, LogsRequest, LogsRunner, run_to_end};
use crate::domain::insights::Presets;
use crate::domain::window::{Window, align_down};
use crate::store::logs::{LogsUpdate, Purpose, QueryId, QuerySpec};
use crate::store::runaway::{Kind, Settings, WINDOW_SECS};
use crate::store::{SourceError, Update};

/// `r` re-runs the watch at once, but not more often than this.
pub const MIN_REFRESH_GAP: Duration = Duration::from_secs(60);

/// The window a run looks at: the last 15 whole minutes and the minute in progress.
pub fn window(now: i64) -> Window {
    Window { start: align_down(now, 60) - WINDOW_SECS, end: now }
}

/// The query for `kind` (from the presets, so a `[queries.runaway-callers]` in the config
/// replaces the built-in text); `None` when the preset is missing.
pub fn spec(presets: &Presets, kind: Kind, now: i64) -> Option<QuerySpec> {
    let p = presets.get(kind.preset())?;
    Some(QuerySpec::new(&p.name, &p.query, p.groups, Vec::new(), window(now)).for_purpose(Purpose::Runaway(kind)))
}

/// Run the watch until the console exits: a run at start, then one every `settings.every_secs`
/// (at least a minute; and on `r`, at most once a minute). `logs` is the logs source's command
/// sender.
pub fn spawn(settings: Settings, presets: Presets, logs: UnboundedSender<Command>) -> UnboundedSender<Command> {
    let (tx, mut rx) = unbounded_channel::<Command>();
    tokio::spawn(async move {
        let every = Duration::from_secs(settings.every_secs.max(60));
        let mut last: BTreeMap<Kind, QueryId> = BTreeMap::new();
        loop {
            let now = super::aws::now();
            for kind in Kind::ALL {
                let Some(spec) = spec(&presets, kind, now) else { continue };
                let replaces = last.insert(kind, spec.id);
                if logs.send(Command::Logs(LogsRequest::Run { spec, replaces })).is_err() {
                    return;
                }
            }
            let ran = Instant::now();
            loop {
                tokio::select! {
                    _ = tokio::time::sleep_until(ran + every) => break,
                    cmd = rx.recv() => match cmd {
                        None | Some(Command::Shutdown) => return,
                        Some(Command::Refresh) if ran.elapsed() >= MIN_REFRESH_GAP => break,
                        Some(_) => {}
                    },
                }
            }
        }
    });
    tx
}

/// One run of the watch to its end (for `--once` and tests): each kind whose log groups exist
/// is queried over the window ending `now`, waiting at most `deadline` per query (then stopping
/// it). With no deadline the runner is pumped without waiting (for a backend that answers at
/// once: the demo). Kinds without log groups are skipped; the notes say which and why. The
/// updates are the queries' final states and the runner's health.
pub async fn run_once<B: InsightsBackend>(
    runner: &mut LogsRunner<B>,
    presets: &Presets,
    now: i64,
    deadline: Option<Duration>,
) -> (Vec<Update>, Vec<(Kind, String)>) {
    let mut out = Vec::new();
    let mut notes = Vec::new();
    for kind in Kind::ALL {
        let Some(spec) = spec(presets, kind, now) else { continue };
        if runner.groups().for_class(spec.class).is_empty() {
            notes.push((kind, skip_note(kind, runner.groups().error.as_ref())));
            continue;
        }
        let run = match deadline {
            Some(d) => run_to_end(runner, spec, d).await,
            None => pump_to_end(runner, spec).await,
        };
        out.push(Update::Logs(LogsUpdate::Query(Box::new(run))));
    }
    out.push(Update::Health(runner.health.clone()));
    (out, notes)
}

/// Submit `spec` and pump the runner as if every poll were due, until the query ends (at most
/// 100 rounds, then it is stopped).
async fn pump_to_end<B: InsightsBackend>(runner: &mut LogsRunner<B>, spec: QuerySpec) -> crate::store::logs::QueryRun {
    let id = spec.id;
    runner.submit(spec);
    let mut last = None;
    for round in 0..=100 {
        if round == 100 {
            runner.cancel(id, "gave up waiting").await;
        } else {
            runner.pump(Instant::now() + Duration::from_secs(3600)).await;
        }
        for u in runner.drain() {
            if let Update::Logs(LogsUpdate::Query(q)) = u
                && q.id() == id
            {
                last = Some(*q);
            }
        }
        if last.as_ref().is_some_and(|q| q.status.is_terminal()) {
            break;
        }
    }
    last.expect("a submitted query is always published")
}

/// Why a kind was not queried.
fn skip_note(kind: Kind, discovery: Option<&SourceError>) -> String {
    let why = match kind {
        Kind::Caller => "no Bedrock invocation log group (set [logs] invocation_log_groups)",
        Kind::Session => "no aws/spans log group (Transaction Search is off, or set [logs] spans_log_group)",
    };
    match discovery {
        Some(e) => format!("runaway {}s skipped: {why}; DescribeLogGroups: {}", kind.as_str(), e.one_line()),
        None => format!("runaway {}s skipped: {why}", kind.as_str()),
    }
}

#[cfg(test)]
mod tests {
    //! The watch's queries through the real Logs client with canned responses (aws-smithy-mocks):
    //! moto ignores `stats … by bin(1m)` (it answers one `@ptr` per record), so the shape of a
    //! real answer is tested here, from GetQueryResults rows to the store's runaway state.

    use aws_sdk_cloudwatchlogs::Client;
    use aws_sdk_cloudwatchlogs::operation::describe_log_groups::DescribeLogGroupsOutput;
    use aws_sdk_cloudwatchlogs::operation::get_query_results::GetQueryResultsOutput;
    use aws_sdk_cloudwatchlogs::operation::start_query::{StartQueryError, StartQueryOutput};
    use aws_sdk_cloudwatchlogs::operation::stop_query::StopQueryOutput;
    use aws_sdk_cloudwatchlogs::types::{LogGroup, QueryStatistics, QueryStatus as AwsStatus, ResultField};
    use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
    use aws_smithy_types::error::ErrorMetadata;

    use super::*;
    use crate::domain::insights::{InsightsSettings, QueryStatus};
    use crate::domain::pricing::PriceTable;
    use crate::sources::logs::CwlBackend;
    use crate::store::{ErrorKind, SourceHealth, Store};

    const GROUP: &str = "/aws/bedrock/modelinvocations";
    const LOOP: &str = "arn:aws:sts::123456789012:assumed-role/support-agent/agent-loop-7f3a";
    const RAG: &str = "arn:aws:sts::123456789012:assumed-role/rag-api-prod/rag-api";
    const OPUS: &str = "us.anthropic.claude-opus-4-5-20251101-v1:0";
    /// 2026-11-25 03:00 UTC; "now" is 03:10:30.
    const T0: i64 = 1_795_575_600;
    const NOW: i64 = T0 + 630;

    /// DescribeLogGroups (discovery at `init`): the invocation group, no `aws/spans`.
    fn dlg() -> Rule {
        mock!(Client::describe_log_groups).then_output(|| {
            DescribeLogGroupsOutput::builder().log_groups(LogGroup::builder().log_group_name(GROUP).build()).build()
        })
    }

    fn runner(client: Client) -> LogsRunner<CwlBackend> {
        let settings = InsightsSettings { invocation_groups: vec![GROUP.into()], ..Default::default() };
        LogsRunner::new(
            CwlBackend::new(client, None, "us-east-1", Some("prod"), None),
            settings,
            PriceTable::default(),
            SourceHealth::new("logs", Some("us-east-1")),
        )
    }

    fn row(min: i64, who: &str, model: &str, inp: u64, out: u64) -> Vec<ResultField> {
        let minute = chrono::DateTime::from_timestamp(T0 + min * 60, 0).unwrap().format("%Y-%m-%d %H:%M:%S%.3f");
        [
            ("minute", minute.to_string()),
            ("identity.arn", who.to_string()),
            ("modelId", model.to_string()),
            ("inTok", inp.to_string()),
            ("cacheRead", "0".to_string()),
            ("cacheWrite", "0".to_string()),
            ("outTok", out.to_string()),
            ("calls", "40".to_string()),
        ]
        .into_iter()
        .map(|(f, v)| ResultField::builder().field(f).value(v).build())
        .collect()
    }

    fn results(rows: Vec<Vec<ResultField>>) -> GetQueryResultsOutput {
        let mut b = GetQueryResultsOutput::builder().status(AwsStatus::Complete).statistics(
            QueryStatistics::builder().records_matched(900.0).records_scanned(900.0).bytes_scanned(2.0e9).build(),
        );
        for r in rows {
            b = b.results(r);
        }
        b.build()
    }

    #[test]
    fn the_window_is_fifteen_whole_minutes_and_the_one_in_progress() {
        assert_eq!(window(NOW), Window { start: T0 + 600 - 900, end: NOW });
        let s = spec(&Presets::default(), Kind::Session, NOW).unwrap();
        assert_eq!(
            (s.purpose, s.class, s.since),
            (Purpose::Runaway(Kind::Session), crate::domain::insights::GroupClass::Spans, None)
        );
        assert!(s.groups.is_empty(), "the runner fills in the discovered groups");
    }

    #[tokio::test(start_paused = true)]
    async fn stats_rows_become_the_runaway_state_and_a_firing_entry() {
        // the minute in progress (03:10) is left out; 03:09 is the newest complete minute
        let rows = vec![
            row(10, LOOP, OPUS, 900_000, 90_000),
            row(9, LOOP, OPUS, 240_000, 80_000),
            row(9, RAG, "us.anthropic.claude-haiku-4-5-20251001-v1:0", 60_000, 9_000),
            row(3, LOOP, OPUS, 100_000, 10_000),
            row(2, LOOP, OPUS, 1_000, 100),
        ];
        let start =
            mock!(Client::start_query).then_output(|| StartQueryOutput::builder().query_id("q-callers").build());
        let get = mock!(Client::get_query_results).then_output(move || results(rows.clone()));
        let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&start, &get, &dlg()]);
        let mut r = runner(client);
        r.init().await;
        let (updates, notes) = run_once(&mut r, &Presets::default(), NOW, Some(Duration::from_secs(60))).await;
        // no aws/spans: the sessions are skipped with a note, not run
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert_eq!(notes[0].0, Kind::Session);
        assert!(notes[0].1.starts_with("runaway sessions skipped: no aws/spans log group"), "{}", notes[0].1);
        assert_eq!(start.num_calls(), 1);
        let mut store = Store::new(PriceTable::default(), vec![]);
        for u in updates {
            store.apply(u);
        }
        let c = &store.runaway.callers;
        assert_eq!(c.entries.len(), 2);
        assert_eq!(c.latest_minute, Some(T0 + 540));
        let e = &c.entries[0];
        assert_eq!(e.id, LOOP);
        // 320k tokens at 03:09; opus 4.5 at $5 / $25 per 1M: $1.20 + $2.00
        assert_eq!((e.latest_tokens, e.peak_tokens), (320_000.0, 320_000.0));
        assert!((e.latest_usd.unwrap() - 3.2).abs() < 1e-9, "{:?}", e.latest_usd);
        // 03:03 was $0.75 and 110k tokens: under both; 03:09 is over both
        assert_eq!((e.over_since, e.over_now), (Some(T0 + 540), true));
        assert_eq!(e.calls, 120.0);
        assert!(!c.entries[1].over_now);
        // one new breach: the bell, the banner and the status bar's count
        assert_eq!(store.rules.firings, 1);
        let firing = store.firing_rules();
        assert_eq!(firing.len(), 1);
        assert_eq!(firing[0].name, "Runaway caller support-agent/agent-loop-7f3a");
        // the query's cost (2 GB × $0.005) is in the API spend, and the watch's own figure
        assert!((store.api_spend_usd() - 2.0e9 / 1_073_741_824.0 * 0.005).abs() < 1e-12);
        assert!((c.spent_usd - store.logs.spent_usd()).abs() < 1e-15);
        // and not in the Logs pane's table
        assert!(store.logs.latest_table().is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn access_denied_is_shown_with_the_fix_and_the_last_good_result_stays() {
        // the first run starts; the next one (five minutes later) is denied
        let good = mock!(Client::start_query)
            .match_requests(|r| r.end_time() == Some(NOW))
            .then_output(|| StartQueryOutput::builder().query_id("q-1").build());
        let rows = vec![row(9, LOOP, OPUS, 400_000, 0)];
        let get = mock!(Client::get_query_results).then_output(move || results(rows.clone()));
        let denied = mock!(Client::start_query).match_requests(|r| r.end_time() == Some(NOW + 300)).then_error(|| {
            StartQueryError::generic(
                ErrorMetadata::builder()
                    .code("AccessDeniedException")
                    .message("not authorized to perform logs:StartQuery")
                    .build(),
            )
        });
        let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&good, &get, &denied, &dlg()]);
        let mut r = runner(client);
        r.init().await;
        let mut store = Store::new(PriceTable::default(), vec![]);
        for u in run_once(&mut r, &Presets::default(), NOW, Some(Duration::from_secs(60))).await.0 {
            store.apply(u);
        }
        assert!(store.runaway.callers.entries[0].over_now);
        for u in run_once(&mut r, &Presets::default(), NOW + 300, Some(Duration::from_secs(60))).await.0 {
            store.apply(u);
        }
        let c = &store.runaway.callers;
        let e = c.error.as_ref().expect("the failure is state");
        assert_eq!((e.kind, e.code.as_deref()), (ErrorKind::AccessDenied, Some("AccessDeniedException")));
        assert!(e.one_line().contains("logs:StartQuery"), "{}", e.one_line());
        assert_eq!(c.entries.len(), 1, "the last good result stays");
        assert_eq!(c.runs, 2);
        assert!(c.running.is_none());
        // still over (the last good result says so), and not a second breach
        assert_eq!(store.rules.firings, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn the_task_runs_each_kind_replacing_the_previous_and_stops_on_shutdown() {
        let (logs_tx, mut logs_rx) = unbounded_channel::<Command>();
        let settings = Settings { every_secs: 300, ..Default::default() };
        let tx = spawn(settings, Presets::default(), logs_tx);
        let mut runs: Vec<(Purpose, Option<QueryId>, QueryId)> = Vec::new();
        let take = |rx: &mut tokio::sync::mpsc::UnboundedReceiver<Command>, runs: &mut Vec<_>| {
            while let Ok(c) = rx.try_recv() {
                if let Command::Logs(LogsRequest::Run { spec, replaces }) = c {
                    runs.push((spec.purpose.clone(), replaces, spec.id));
                }
            }
        };
        tokio::time::sleep(Duration::from_secs(1)).await;
        take(&mut logs_rx, &mut runs);
        assert_eq!(runs.len(), 2, "a run at start, one query per kind");
        assert_eq!((runs[0].0.clone(), runs[0].1), (Purpose::Runaway(Kind::Caller), None));
        assert_eq!((runs[1].0.clone(), runs[1].1), (Purpose::Runaway(Kind::Session), None));
        // `r` right after a run does nothing; 5 minutes later the next run replaces the first
        tx.send(Command::Refresh).unwrap();
        tokio::time::sleep(Duration::from_secs(298)).await;
        take(&mut logs_rx, &mut runs);
        assert_eq!(runs.len(), 2);
        tokio::time::sleep(Duration::from_secs(2)).await;
        take(&mut logs_rx, &mut runs);
        assert_eq!(runs.len(), 4);
        assert_eq!(runs[2].1, Some(runs[0].2), "the caller query replaces the previous caller query");
        assert_eq!(runs[3].1, Some(runs[1].2));
        // `r` a minute after a run runs it again
        tokio::time::sleep(Duration::from_secs(61)).await;
        tx.send(Command::Refresh).unwrap();
        tokio::time::sleep(Duration::from_secs(1)).await;
        take(&mut logs_rx, &mut runs);
        assert_eq!(runs.len(), 6);
        tx.send(Command::Shutdown).unwrap();
        tokio::time::sleep(Duration::from_secs(3600)).await;
        take(&mut logs_rx, &mut runs);
        assert_eq!(runs.len(), 6, "nothing after shutdown");
        assert!(tx.is_closed());
    }

    #[tokio::test(start_paused = true)]
    async fn a_run_still_going_when_the_next_is_due_is_stopped() {
        // the runner side of `replaces`: StopQuery for the abandoned query
        let start = mock!(Client::start_query).then_output(|| StartQueryOutput::builder().query_id("q-slow").build());
        let running = mock!(Client::get_query_results)
            .then_output(|| GetQueryResultsOutput::builder().status(AwsStatus::Running).build());
        let stop = mock!(Client::stop_query)
            .match_requests(|r| r.query_id() == Some("q-slow"))
            .then_output(|| StopQueryOutput::builder().success(true).build());
        let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&start, &running, &stop, &dlg()]);
        let mut r = runner(client);
        r.init().await;
        let first = spec(&Presets::default(), Kind::Caller, NOW).unwrap();
        let first_id = first.id;
        r.command(Command::Logs(LogsRequest::Run { spec: first, replaces: None })).await;
        r.pump(Instant::now()).await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        r.pump(Instant::now()).await;
        assert_eq!(r.running(), 1);
        let next = spec(&Presets::default(), Kind::Caller, NOW + 300).unwrap();
        r.command(Command::Logs(LogsRequest::Run { spec: next, replaces: Some(first_id) })).await;
        assert_eq!(stop.num_calls(), 1);
        let mut store = Store::new(PriceTable::default(), vec![]);
        for u in r.drain() {
            store.apply(u);
        }
        assert_eq!(store.logs.query(first_id).unwrap().status, QueryStatus::Cancelled);
        // replaced is not a failure
        assert!(store.runaway.callers.error.is_none());
    }
}
