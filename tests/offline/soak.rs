//! Memory bounds. A soak on an accelerated clock: 24 hours of polling every 60 s for 50 models ×
//! 12 metrics, fed into a [`Store`] as the CloudWatch poller would (the first poll reads the whole
//! window, later polls re-read the last five periods, non-additive statistics get a whole-window
//! figure), with the trace list refreshed and three traces fetched every minute and a Logs
//! Insights query every 15 minutes. After warm-up the store holds exactly as much as it did two
//! hours in (query results, kept six hours, seven): retention by age and count keeps series,
//! traces and query results flat.
//! (Process RSS is measured in `examples/bench_report.rs`, not asserted here.)

#[path = "../../benches/common/mod.rs"]
mod common;

use nightjar::domain::insights::{GroupClass, QueryStatus};
use nightjar::domain::pricing::PriceTable;
use nightjar::domain::trace::{Span, Trace};
use nightjar::domain::window::{Since, Window};
use nightjar::store::logs::{KEEP_QUERIES, KEEP_QUERY_SECS, LogsUpdate, QueryRun, QuerySpec};
use nightjar::store::traces::{
    CACHE_TRACES, KEEP_BEFORE_LIST_SECS, TraceList, TraceQuery, TraceRange, TraceSummary, TracesUpdate,
};
use nightjar::store::{SeriesKey, Store, Update};

use common::{METRICS, MODELS, keys, metrics_update};

/// 2026-11-25 03:00 UTC.
const T0: i64 = 1_795_575_600;
/// Periods re-read by every incremental poll (the poller's `LATE_PERIODS`).
const LATE_PERIODS: i64 = 5;
const TRACES_PER_MINUTE: i64 = 3;
const SPANS_PER_TRACE: usize = 20;
const ROWS_PER_QUERY: usize = 500;

struct Poller {
    keys: Vec<SeriesKey>,
    fetched_end: Option<i64>,
}

impl Poller {
    fn poll(&mut self, now: i64) -> Update {
        let window = Since::default().window_ending(now);
        let from = match self.fetched_end {
            Some(end) => (end - LATE_PERIODS * 60).max(window.start),
            None => window.start,
        };
        self.fetched_end = Some(window.end);
        Update::Metrics(metrics_update(&self.keys, window, from))
    }
}

fn trace_id(start: i64, k: i64) -> String {
    format!("1-{start:08x}-{k:024x}")
}

/// A trace of `SPANS_PER_TRACE` spans under one root, two seconds long.
fn trace(id: &str, start: f64) -> Trace {
    let mut spans = vec![Span::new("root", "rag-api", start, Some(start + 2.0))];
    for i in 1..SPANS_PER_TRACE {
        let mut s = Span::new(&format!("s{i}"), "bedrock", start + 0.01 * i as f64, Some(start + 1.0));
        s.parent_id = Some("root".into());
        spans.push(s);
    }
    Trace::build(id, "us-east-1", spans)
}

/// The traces started in the minute beginning at `m`.
fn minute_traces(m: i64) -> Vec<(String, f64)> {
    (0..TRACES_PER_MINUTE).map(|k| (trace_id(m, k), (m + 10 + 20 * k) as f64)).collect()
}

/// The trace list for the last hour at `now` and the traces started in the last minute.
fn trace_updates(q: &TraceQuery, now: i64) -> Vec<Update> {
    let window = q.range.resolve(now);
    let summaries: Vec<TraceSummary> = (window.start..window.end)
        .step_by(60)
        .flat_map(minute_traces)
        .filter(|(_, start)| *start + 2.0 <= now as f64)
        .map(|(id, start)| TraceSummary {
            id,
            region: "us-east-1".into(),
            start,
            duration: Some(2.0),
            ..Default::default()
        })
        .collect();
    let processed = summaries.len() as i64;
    let list = TraceList {
        query: q.clone(),
        region: "us-east-1".into(),
        window,
        summaries,
        processed,
        truncated: false,
        listed_at: now,
        sampling: None,
    };
    let fresh: Vec<Trace> = minute_traces(now - 60 - (now - 60).rem_euclid(60))
        .into_iter()
        .filter(|(_, start)| *start + 2.0 <= now as f64)
        .map(|(id, start)| trace(&id, start))
        .collect();
    vec![
        Update::Traces(TracesUpdate::Listed(list)),
        Update::Traces(TracesUpdate::Fetched { traces: fresh, unprocessed: vec![] }),
    ]
}

/// A finished Logs Insights query of `ROWS_PER_QUERY` rows, submitted at `now`.
fn query(now: i64) -> Update {
    let spec = QuerySpec::new(
        "errors",
        "fields @timestamp, @message | limit 500",
        GroupClass::Invocation,
        vec!["/aws/bedrock/invocations".into()],
        Since::default().window_ending(now),
    );
    let mut run = QueryRun::new(spec, now);
    run.status = QueryStatus::Complete;
    run.started_at = Some(now);
    run.ended_at = Some(now + 4);
    run.cost_usd = Some(0.001);
    run.table.columns = vec!["@timestamp".into(), "@message".into()];
    run.table.rows = (0..ROWS_PER_QUERY).map(|i| vec![now.to_string(), format!("line {i}")]).collect();
    run.table.ptrs = vec![None; ROWS_PER_QUERY];
    Update::Logs(LogsUpdate::Query(Box::new(run)))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Held {
    series: usize,
    points: usize,
    traces: usize,
    queries: usize,
    rows: usize,
}

fn held(store: &Store) -> Held {
    Held {
        series: store.series_count(),
        points: store.point_count(),
        traces: store.traces.cached_traces(),
        queries: store.logs.queries().count(),
        rows: store.logs.queries().map(|q| q.table.rows.len()).sum(),
    }
}

#[test]
fn a_day_of_polling_50_models_stays_flat_after_warm_up() {
    let mut store = Store::new(PriceTable::default(), vec![]);
    let mut poller = Poller { keys: keys(), fetched_end: None };
    let tq = TraceQuery::new(TraceRange::Last(3600), None);
    let mut hourly: Vec<Held> = Vec::new();
    let mut spent = 0.0;
    // a poll 30 s into every minute, for 24 hours
    for minute in 0..=24 * 60 {
        let now = T0 + minute * 60 + 30;
        store.apply(poller.poll(now));
        for u in trace_updates(&tq, now) {
            store.apply(u);
        }
        if minute % 15 == 0 {
            store.apply(query(now));
            spent += 0.001;
        }
        if minute % 60 == 0 {
            hourly.push(held(&store));
        }
    }
    assert_eq!(hourly.len(), 25);
    let series = MODELS * METRICS.len();
    // the window (60 minutes) and an hour of slack before it, per series
    let per_series = 120;
    let at = |h: usize| hourly[h];
    assert_eq!(at(0).series, series);
    assert_eq!(at(0).points, series * 60, "the first poll reads the whole window");
    for h in 2..=24 {
        assert_eq!(at(h).series, series, "hour {h}");
        assert_eq!(at(h).points, series * per_series, "hour {h}: {:?}", at(h));
    }
    // traces: those that ended within the listed hour and the hour before it, fewer than the
    // count cap, so it is age that bounds them
    // (the minutes from two hours before the window's end up to the last complete one)
    let traces = at(2).traces;
    assert_eq!(traces, (TRACES_PER_MINUTE * ((3600 + KEEP_BEFORE_LIST_SECS) / 60 - 1)) as usize, "{:?}", at(2));
    assert!(traces < CACHE_TRACES);
    for h in 2..=24 {
        assert_eq!(at(h).traces, traces, "hour {h}");
    }
    // query results: those that ended within six hours of the newest, fewer than the count cap
    let queries = (KEEP_QUERY_SECS / (15 * 60)) as usize + 1;
    assert!(queries < KEEP_QUERIES);
    for h in 7..=24 {
        assert_eq!(at(h).queries, queries, "hour {h}: {:?}", at(h));
        assert_eq!(at(h).rows, queries * ROWS_PER_QUERY, "hour {h}");
    }
    // dropped queries still count towards what the session has spent
    assert!((store.logs.spent_usd() - spent).abs() < 1e-9, "{} vs {spent}", store.logs.spent_usd());
}

#[test]
fn traces_listed_or_fetched_last_are_kept_however_old() {
    let mut store = Store::new(PriceTable::default(), vec![]);
    let now = T0 + 86400;
    let tq = TraceQuery::new(TraceRange::Last(3600), None);
    let fetch = |store: &mut Store, id: &str, start: i64| {
        store
            .apply(Update::Traces(TracesUpdate::Fetched { traces: vec![trace(id, start as f64)], unprocessed: vec![] }))
    };
    // a day-old trace fetched by id (a pivot from a log line): the newest fetched, so it stays
    let old = trace_id(T0, 0);
    fetch(&mut store, &old, T0);
    store.apply(trace_updates(&tq, now)[0].clone());
    assert!(store.traces.trace(&old).is_some());
    // once something newer is fetched, the next list drops it
    for u in trace_updates(&tq, now) {
        store.apply(u);
    }
    store.apply(trace_updates(&tq, now + 60)[0].clone());
    assert!(store.traces.trace(&old).is_none(), "a day-old trace outside the list is dropped");
    assert_eq!(store.traces.cached_traces(), TRACES_PER_MINUTE as usize);
    // a past range's traces stay while that range is listed
    let range = Window { start: T0 - 60, end: T0 + 60 };
    let past = TraceQuery::new(TraceRange::Fixed(range), None);
    let list = TraceList {
        query: past,
        region: "us-east-1".into(),
        window: range,
        summaries: vec![TraceSummary {
            id: old.clone(),
            region: "us-east-1".into(),
            start: T0 as f64,
            ..Default::default()
        }],
        processed: 1,
        truncated: false,
        listed_at: now,
        sampling: None,
    };
    fetch(&mut store, &old, T0);
    fetch(&mut store, &trace_id(T0 + 3, 1), T0 + 3);
    store.apply(Update::Traces(TracesUpdate::Listed(list)));
    assert!(store.traces.trace(&old).is_some(), "listed");
    // age only drops what is older than the list: the live traces a day later are left to the
    // count cap
    assert_eq!(store.traces.cached_traces(), TRACES_PER_MINUTE as usize + 2);
}

#[test]
fn query_results_expire_by_age_but_the_newest_stays() {
    let mut store = Store::new(PriceTable::default(), vec![]);
    store.apply(query(T0));
    store.apply(query(T0 + 3600));
    assert_eq!(store.logs.queries().count(), 2);
    // a query submitted more than six hours after the first ended drops the first
    store.apply(query(T0 + KEEP_QUERY_SECS + 5));
    let left: Vec<i64> = store.logs.queries().map(|q| q.submitted_at).collect();
    assert_eq!(left, vec![T0 + KEEP_QUERY_SECS + 5, T0 + 3600]);
    assert!((store.logs.spent_usd() - 0.003).abs() < 1e-12);
}
