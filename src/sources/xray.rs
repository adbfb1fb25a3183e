//! The X-Ray trace source: GetTraceSummaries over a window (split into requests of at most 6 h,
//! following NextToken) with an optional filter expression, and BatchGetTraces on demand (at
//! most 5 ids a call, following NextToken, merging the pages of each trace), parsed into span
//! trees by [`parse`].
//!
//! The task lists when asked (the traces pane's list, a pivot, `r`), re-lists on a window change
//! when the list follows the console's window, and fetches traces the pane asks for. At most one
//! request is in flight; a newer list request abandons the one being paged. Failures become the
//! source's health (via [`classify`]) and the last good list stays in the store; a failed list is
//! retried with backoff.

pub mod parse;

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use aws_sdk_xray::Client;
use aws_sdk_xray::types::{AnnotationValue, TraceSummary as XTraceSummary};
use aws_smithy_types::DateTime;
use serde_json::Value;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use super::Command;
use super::aws::{self, ErrorContext, classify};
use crate::domain::genai;
use crate::domain::pricing::PriceTable;
use crate::domain::window::Window;
use crate::store::traces::{Trace, TraceList, TraceQuery, TraceRange, TraceSummary, TracesUpdate, trace_id_time};
use crate::store::{SourceError, SourceHealth, Update};

/// GetTraceSummaries is asked for at most this much time per request.
pub const MAX_WINDOW_SECS: i64 = 6 * 3600;
/// BatchGetTraces takes at most this many ids.
pub const MAX_IDS_PER_CALL: usize = 5;
/// The TUI's list stops paging here (the newest traces come first).
pub const MAX_SUMMARIES: usize = 5000;
/// Pages per sub-window, whatever X-Ray says (a guard against a token loop).
const MAX_PAGES: usize = 2000;

/// What the traces pane asks of the trace sources.
#[derive(Debug, Clone, PartialEq)]
pub enum TraceRequest {
    /// List the traces of a window, optionally filtered. Replaces the current list.
    List(TraceQuery),
    /// Fetch whole traces (any number of ids; batched by the source).
    Fetch { region: String, ids: Vec<String> },
}

/// `[start, end)` split into pieces of at most 6 hours, newest first.
pub fn split_window(w: Window) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let mut end = w.end;
    while end > w.start {
        let start = (end - MAX_WINDOW_SECS).max(w.start);
        out.push((start, end));
        end = start;
    }
    out
}

fn secs(t: &DateTime) -> f64 {
    t.secs() as f64 + f64::from(t.subsec_nanos()) / 1e9
}

fn annotation_json(v: &AnnotationValue) -> Option<Value> {
    match v {
        AnnotationValue::BooleanValue(b) => Some(Value::Bool(*b)),
        AnnotationValue::NumberValue(n) => serde_json::Number::from_f64(*n).map(Value::Number),
        AnnotationValue::StringValue(s) => Some(Value::String(s.clone())),
        _ => None,
    }
}

/// One X-Ray summary as plain data. Models come from the `model_annotation` values (a trace
/// can have several) and from GenAI annotations.
pub fn summary_from(s: &XTraceSummary, region: &str, model_annotation: &str, pricing: &PriceTable) -> TraceSummary {
    let id = s.id().unwrap_or_default().to_string();
    let start = s.start_time().map(secs).or_else(|| trace_id_time(&id).map(|t| t as f64)).unwrap_or(0.0);
    let root = s
        .entry_point()
        .and_then(|e| e.name().map(str::to_string).or_else(|| e.names().first().cloned()))
        .or_else(|| s.service_ids().iter().find_map(|x| x.name().map(str::to_string)));
    let http = s.http();
    let operation = http.and_then(|h| {
        let path = h.http_url().map(|u| {
            let no_scheme = u.split_once("://").map(|(_, r)| r).unwrap_or(u);
            match no_scheme.find('/') {
                Some(i) => no_scheme[i..].split('?').next().unwrap_or("/").to_string(),
                None => "/".to_string(),
            }
        });
        match (h.http_method(), path) {
            (Some(m), Some(p)) => Some(format!("{m} {p}")),
            (Some(m), None) => Some(m.to_string()),
            (None, p) => p,
        }
    });
    let mut models: Vec<String> = Vec::new();
    let mut attrs: Vec<(String, Value)> = Vec::new();
    if let Some(ann) = s.annotations() {
        let mut keys: Vec<&String> = ann.keys().collect();
        keys.sort();
        for k in keys {
            for v in &ann[k] {
                let Some(j) = v.annotation_value().and_then(annotation_json) else { continue };
                if k == model_annotation
                    && let Value::String(m) = &j
                    && !models.contains(m)
                {
                    models.push(m.clone());
                }
                attrs.push((k.clone(), j));
            }
        }
    }
    let g = genai::normalise(attrs.iter().map(|(k, v)| (k.as_str(), v)), pricing);
    if let Some(m) = g.model()
        && !models.iter().any(|x| x == m)
    {
        models.push(m.to_string());
    }
    TraceSummary {
        id,
        region: region.to_string(),
        start,
        duration: s.duration(),
        response_time: s.response_time(),
        root,
        operation,
        http_status: http.and_then(|h| h.http_status()).and_then(|s| u16::try_from(s).ok()),
        http_url: http.and_then(|h| h.http_url().map(str::to_string)),
        fault: s.has_fault().unwrap_or(false),
        error: s.has_error().unwrap_or(false),
        throttle: s.has_throttle().unwrap_or(false),
        partial: s.is_partial().unwrap_or(false),
        models,
        genai: g,
    }
}

/// One region's X-Ray access.
pub struct XraySource {
    client: Client,
    region: String,
    ctx: ErrorContext,
    pricing: PriceTable,
    model_annotation: String,
    pub health: SourceHealth,
    /// Stop paging a list here.
    pub max_summaries: usize,
}

impl XraySource {
    pub fn new(
        client: Client,
        region: &str,
        pricing: PriceTable,
        model_annotation: &str,
        profile: Option<&str>,
        endpoint: Option<&str>,
    ) -> Self {
        let mut health = SourceHealth::new("xray", Some(region));
        health.loading = false;
        Self {
            client,
            region: region.into(),
            ctx: ErrorContext::new("xray:GetTraceSummaries", profile, Some(region), endpoint),
            pricing,
            model_annotation: model_annotation.into(),
            health,
            max_summaries: MAX_SUMMARIES,
        }
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    /// Tag this source's data with `label` instead of the bare region (`prod/us-east-1` when
    /// several profiles are watched); its requests still go to the region it was built for.
    pub fn labelled(mut self, label: &str) -> Self {
        self.region = label.into();
        self.health.region = Some(label.into());
        self
    }

    fn error<E, R>(
        &self,
        action: &str,
        e: &aws_smithy_runtime_api::client::result::SdkError<E, R>,
        now: i64,
    ) -> SourceError
    where
        E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug,
    {
        let ctx = ErrorContext { action: action.into(), ..self.ctx.clone() };
        classify(e, &ctx, now)
    }

    /// GetTraceSummaries for the query's window (≤6 h per request, newest first, every page).
    pub async fn list(&mut self, q: &TraceQuery, now: i64) -> Result<TraceList, SourceError> {
        self.health.loading = self.health.last_ok.is_none();
        let res = self.list_inner(q, now).await;
        match &res {
            Ok(l) => {
                self.health.record_ok(now);
                let newest = l.summaries.iter().map(|s| s.start as i64).max();
                if newest > self.health.newest_data {
                    self.health.newest_data = newest;
                }
            }
            Err(e) => self.health.record_error(e.clone()),
        }
        res
    }

    async fn list_inner(&mut self, q: &TraceQuery, now: i64) -> Result<TraceList, SourceError> {
        let window = q.range.resolve(now);
        let mut out = TraceList {
            query: q.clone(),
            region: self.region.clone(),
            window,
            summaries: Vec::new(),
            processed: 0,
            truncated: false,
            listed_at: now,
        };
        // X-Ray keeps 30 days: nothing older is asked for (or paid for); the list keeps the
        // window asked for, so the panes and --once can say why it is short
        let kept = crate::store::traces::retained(window, now);
        'windows: for (start, end) in kept.map(split_window).unwrap_or_default() {
            let mut token: Option<String> = None;
            for _ in 0..MAX_PAGES {
                let r = self
                    .client
                    .get_trace_summaries()
                    .start_time(DateTime::from_secs(start))
                    .end_time(DateTime::from_secs(end))
                    .sampling(false)
                    .set_filter_expression(q.filter.clone())
                    .set_next_token(token.clone())
                    .send()
                    .await;
                self.health.calls += 1;
                let r = r.map_err(|e| self.error("xray:GetTraceSummaries", &e, now))?;
                let processed = r.traces_processed_count().unwrap_or(0).max(0);
                out.processed += processed;
                self.health.traces_scanned += processed as u64;
                for s in r.trace_summaries() {
                    if s.id().is_none() {
                        continue;
                    }
                    out.summaries.push(summary_from(s, &self.region, &self.model_annotation, &self.pricing));
                    if out.summaries.len() >= self.max_summaries {
                        out.truncated = true;
                        break 'windows;
                    }
                }
                token = r.next_token().map(str::to_string).filter(|t| !t.is_empty());
                if token.is_none() {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// BatchGetTraces, ≤5 ids a call, every page; returns the parsed traces and the ids X-Ray
    /// did not return.
    pub async fn fetch(&mut self, ids: &[String], now: i64) -> Result<(Vec<Trace>, Vec<String>), SourceError> {
        let mut traces = Vec::new();
        let mut unprocessed = Vec::new();
        for chunk in ids.chunks(MAX_IDS_PER_CALL) {
            // documents per trace id, in the order X-Ray returned them
            let mut docs: HashMap<String, (Vec<String>, bool)> = HashMap::new();
            let mut token: Option<String> = None;
            for _ in 0..MAX_PAGES {
                let r = self
                    .client
                    .batch_get_traces()
                    .set_trace_ids(Some(chunk.to_vec()))
                    .set_next_token(token.clone())
                    .send()
                    .await;
                self.health.calls += 1;
                let r = match r {
                    Ok(r) => r,
                    Err(e) => {
                        let err = self.error("xray:BatchGetTraces", &e, now);
                        self.health.record_error(err.clone());
                        return Err(err);
                    }
                };
                for t in r.traces() {
                    // an in-progress trace can come back without an id: take it from a document
                    let id = t.id().map(str::to_string).or_else(|| {
                        t.segments().iter().find_map(|s| {
                            let d: Value = serde_json::from_str(s.document()?).ok()?;
                            d.get("trace_id")?.as_str().map(str::to_string)
                        })
                    });
                    let Some(id) = id else { continue };
                    let e = docs.entry(id).or_default();
                    e.1 |= t.limit_exceeded().unwrap_or(false);
                    e.0.extend(t.segments().iter().filter_map(|s| s.document().map(str::to_string)));
                }
                for u in r.unprocessed_trace_ids() {
                    if !unprocessed.contains(u) {
                        unprocessed.push(u.clone());
                    }
                }
                token = r.next_token().map(str::to_string).filter(|t| !t.is_empty());
                if token.is_none() {
                    break;
                }
            }
            self.health.traces_scanned += docs.len() as u64;
            for id in chunk {
                match docs.remove(id) {
                    Some((d, limit)) if !d.is_empty() => {
                        let mut t = parse::parse_trace(id, &self.region, &d, &self.pricing);
                        t.limit_exceeded = limit;
                        traces.push(t);
                    }
                    // not returned at all (or with no documents): X-Ray does not have it
                    _ => {
                        if !unprocessed.contains(id) {
                            unprocessed.push(id.clone());
                        }
                    }
                }
            }
        }
        self.health.record_ok(now);
        Ok((traces, unprocessed))
    }
}

/// State of a trace task between requests: what to list, what to fetch.
#[derive(Debug, Default)]
pub(crate) struct Work {
    pub current: Option<TraceQuery>,
    pub list_due: bool,
    pub fetch: VecDeque<String>,
    pub region: String,
}

impl Work {
    /// Take a command. Returns true when it replaces the list being made.
    pub fn take(&mut self, cmd: Command) -> bool {
        match cmd {
            Command::Refresh => {
                self.list_due |= self.current.is_some();
                false
            }
            Command::SetSince(s) => {
                if let Some(q) = &mut self.current
                    && matches!(q.range, TraceRange::Last(_))
                    && q.range != TraceRange::Last(s.secs())
                {
                    q.range = TraceRange::Last(s.secs());
                    self.list_due = true;
                    return true;
                }
                false
            }
            Command::Traces(TraceRequest::List(q)) => {
                self.current = Some(q);
                self.list_due = true;
                true
            }
            Command::Traces(TraceRequest::Fetch { region, ids }) => {
                if region == self.region {
                    for id in ids {
                        if !self.fetch.contains(&id) {
                            self.fetch.push_back(id);
                        }
                    }
                }
                false
            }
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }
}

/// Run an X-Ray source until the UI goes away. `initial` is listed at once (so the list is
/// ready when the operator opens the traces pane).
pub fn spawn(
    mut src: XraySource,
    initial: Option<TraceQuery>,
    refresh: Duration,
    tx: UnboundedSender<Update>,
) -> UnboundedSender<Command> {
    let (ctx, mut rx) = unbounded_channel();
    tokio::spawn(async move {
        let mut work =
            Work { list_due: initial.is_some(), current: initial, region: src.region.clone(), ..Default::default() };
        let mut retry_at: Option<tokio::time::Instant> = None;
        if tx.send(Update::Health(src.health.clone())).is_err() {
            return;
        }
        loop {
            while let Ok(cmd) = rx.try_recv() {
                if work.take(cmd) {
                    retry_at = None;
                }
            }
            let retry_ok = retry_at.is_none_or(|t| tokio::time::Instant::now() >= t);
            if work.list_due
                && retry_ok
                && let Some(q) = work.current.clone()
            {
                work.list_due = false;
                if tx
                    .send(Update::Traces(TracesUpdate::Listing { query: q.clone(), region: src.region.clone() }))
                    .is_err()
                {
                    return;
                }
                let now = aws::now();
                // a newer list request abandons this one; other commands just queue up
                let res = {
                    let fut = src.list(&q, now);
                    tokio::pin!(fut);
                    loop {
                        tokio::select! {
                            r = &mut fut => break Some(r),
                            cmd = rx.recv() => match cmd {
                                None => return,
                                Some(c) => if work.take(c) { break None },
                            },
                        }
                    }
                };
                let Some(res) = res else { continue };
                let u = match res {
                    Ok(list) => {
                        retry_at = None;
                        TracesUpdate::Listed(list)
                    }
                    Err(error) => {
                        let delay = super::next_delay(refresh, &src.health);
                        src.health.backoff_secs = delay.as_secs();
                        retry_at = Some(tokio::time::Instant::now() + delay);
                        work.list_due = true;
                        TracesUpdate::ListFailed { query: q, region: src.region.clone(), error }
                    }
                };
                if tx.send(Update::Traces(u)).is_err() || tx.send(Update::Health(src.health.clone())).is_err() {
                    return;
                }
                continue;
            }
            if !work.fetch.is_empty() {
                let n = work.fetch.len().min(MAX_IDS_PER_CALL);
                let ids: Vec<String> = work.fetch.drain(..n).collect();
                if tx.send(Update::Traces(TracesUpdate::Fetching { ids: ids.clone() })).is_err() {
                    return;
                }
                let u = match src.fetch(&ids, aws::now()).await {
                    Ok((traces, unprocessed)) => TracesUpdate::Fetched { traces, unprocessed },
                    Err(error) => TracesUpdate::FetchFailed { ids, error },
                };
                if tx.send(Update::Traces(u)).is_err() || tx.send(Update::Health(src.health.clone())).is_err() {
                    return;
                }
                continue;
            }
            // idle until a command, or until a failed list is due again
            let sleep = match retry_at {
                Some(t) if work.list_due => tokio::time::sleep_until(t),
                _ => tokio::time::sleep(Duration::from_secs(3600)),
            };
            tokio::select! {
                cmd = rx.recv() => match cmd {
                    None => return,
                    Some(c) => if work.take(c) { retry_at = None },
                },
                _ = sleep => {},
            }
        }
    });
    ctx
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use aws_sdk_xray::operation::batch_get_traces::{BatchGetTracesError, BatchGetTracesOutput};
    use aws_sdk_xray::operation::get_trace_summaries::{GetTraceSummariesError, GetTraceSummariesOutput};
    use aws_sdk_xray::types::{
        Http as XHttp, Segment, ServiceId, Trace as XTrace, TraceSummary as XSummary, ValueWithServiceIds,
    };
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    use aws_smithy_types::error::ErrorMetadata;

    use super::*;
    use crate::store::ErrorKind;

    const NOW: i64 = 1_800_000_000;
    const SONNET: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";

    fn src(client: Client) -> XraySource {
        XraySource::new(client, "us-east-1", PriceTable::default(), "model_id", Some("prod"), None)
    }

    fn tid(n: u32) -> String {
        format!("1-{:08x}-{:024x}", NOW - 100, n)
    }

    fn summary(n: u32) -> XSummary {
        XSummary::builder()
            .id(tid(n))
            .start_time(DateTime::from_secs_f64((NOW - 100) as f64 + 0.25))
            .duration(2.5)
            .response_time(2.4)
            .has_fault(n.is_multiple_of(2))
            .has_error(false)
            .has_throttle(n.is_multiple_of(3))
            .build()
    }

    #[test]
    fn windows_split_into_six_hours_newest_first() {
        let w = Window { start: 0, end: 13 * 3600 };
        assert_eq!(split_window(w), vec![(7 * 3600, 13 * 3600), (3600, 7 * 3600), (0, 3600)]);
        assert_eq!(split_window(Window { start: 0, end: 3600 }), vec![(0, 3600)]);
        assert!(split_window(Window { start: 5, end: 5 }).is_empty());
    }

    #[tokio::test]
    async fn filter_expressions_are_sent_and_pages_and_windows_followed() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s1 = seen.clone();
        let first = mock!(Client::get_trace_summaries)
            .match_requests(|r| r.next_token().is_none())
            .then_compute_output(move |r| {
                s1.lock().unwrap().push((
                    r.start_time().unwrap().secs(),
                    r.end_time().unwrap().secs(),
                    r.filter_expression().map(str::to_string),
                    r.sampling(),
                ));
                let more = r.end_time().unwrap().secs() == NOW; // the newest window has two pages
                let mut b = GetTraceSummariesOutput::builder().traces_processed_count(10);
                if more {
                    b = b.trace_summaries(summary(1)).next_token("p2");
                } else {
                    b = b.trace_summaries(summary(3));
                }
                b.build()
            });
        let s2 = seen.clone();
        let second = mock!(Client::get_trace_summaries)
            .match_requests(|r| r.next_token() == Some("p2"))
            .then_compute_output(move |r| {
                s2.lock().unwrap().push((
                    r.start_time().unwrap().secs(),
                    r.end_time().unwrap().secs(),
                    r.filter_expression().map(str::to_string),
                    r.sampling(),
                ));
                GetTraceSummariesOutput::builder().trace_summaries(summary(2)).traces_processed_count(5).build()
            });
        let client = mock_client!(aws_sdk_xray, RuleMode::MatchAny, [&first, &second]);
        let mut s = src(client);
        let filter = format!("annotation.model_id = \"{SONNET}\" AND throttle");
        let q = TraceQuery::new(TraceRange::Fixed(Window { start: NOW - 8 * 3600, end: NOW }), Some(filter.clone()));
        let l = s.list(&q, NOW).await.unwrap();
        let calls = seen.lock().unwrap().clone();
        let f = Some(filter);
        assert_eq!(
            calls,
            vec![
                (NOW - 6 * 3600, NOW, f.clone(), Some(false)),
                (NOW - 6 * 3600, NOW, f.clone(), Some(false)),
                (NOW - 8 * 3600, NOW - 6 * 3600, f, Some(false)),
            ]
        );
        let ids: Vec<&str> = l.summaries.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, [tid(1), tid(2), tid(3)]);
        assert_eq!(l.processed, 25);
        assert_eq!(s.health.traces_scanned, 25);
        assert_eq!(s.health.calls, 3);
        assert!(!l.truncated);
        assert!((l.summaries[0].start - ((NOW - 100) as f64 + 0.25)).abs() < 1e-6);
        assert!(l.summaries[1].fault && !l.summaries[0].fault);
        assert!(l.summaries[2].throttle);
    }

    #[tokio::test]
    async fn no_filter_sends_none_and_the_cap_truncates() {
        let gts = mock!(Client::get_trace_summaries).then_compute_output(|r| {
            assert_eq!(r.filter_expression(), None);
            GetTraceSummariesOutput::builder()
                .trace_summaries(summary(1))
                .trace_summaries(summary(2))
                .next_token("again")
                .build()
        });
        let client = mock_client!(aws_sdk_xray, RuleMode::MatchAny, [&gts]);
        let mut s = src(client);
        s.max_summaries = 5;
        let l = s.list(&TraceQuery::new(TraceRange::Last(3600), None), NOW).await.unwrap();
        assert_eq!(l.summaries.len(), 5);
        assert!(l.truncated);
        assert_eq!(gts.num_calls(), 3);
        assert_eq!(l.window, Window { start: NOW - 3600, end: NOW });
    }

    #[tokio::test]
    async fn summaries_carry_root_operation_status_and_models() {
        let gts = mock!(Client::get_trace_summaries).then_output(|| {
            let ann = |v: AnnotationValue| ValueWithServiceIds::builder().annotation_value(v).build();
            GetTraceSummariesOutput::builder()
                .trace_summaries(
                    XSummary::builder()
                        .id(tid(7))
                        .entry_point(ServiceId::builder().name("rag-api").r#type("AWS::ECS::Container").build())
                        .http(
                            XHttp::builder()
                                .http_method("POST")
                                .http_url("https://api.example.com/v1/query?x=1")
                                .http_status(429)
                                .build(),
                        )
                        .annotations("model_id", vec![ann(AnnotationValue::StringValue(SONNET.into()))])
                        .annotations("input_tokens", vec![ann(AnnotationValue::NumberValue(1000.0))])
                        .annotations("output_tokens", vec![ann(AnnotationValue::NumberValue(100.0))])
                        .build(),
                )
                .build()
        });
        let client = mock_client!(aws_sdk_xray, RuleMode::MatchAny, [&gts]);
        let l = src(client).list(&TraceQuery::new(TraceRange::Last(3600), None), NOW).await.unwrap();
        let s = &l.summaries[0];
        assert_eq!(s.root.as_deref(), Some("rag-api"));
        assert_eq!(s.operation.as_deref(), Some("POST /v1/query"));
        assert_eq!(s.http_status, Some(429));
        assert_eq!(s.models, vec![SONNET]);
        assert_eq!(s.genai.tokens(), Some(1100.0));
        assert!((s.genai.cost_usd.unwrap() - (1000.0 * 3.0 + 100.0 * 15.0) / 1e6).abs() < 1e-12);
        assert_eq!(s.start, (NOW - 100) as f64, "no StartTime: the trace id's time");
    }

    #[tokio::test]
    async fn throttling_is_classified_and_kept_as_health() {
        let gts = mock!(Client::get_trace_summaries).then_error(|| {
            GetTraceSummariesError::ThrottledException(
                aws_sdk_xray::types::error::ThrottledException::builder()
                    .message("Rate exceeded")
                    .meta(ErrorMetadata::builder().code("ThrottledException").message("Rate exceeded").build())
                    .build(),
            )
        });
        let client = mock_client!(aws_sdk_xray, RuleMode::MatchAny, [&gts]);
        let mut s = src(client);
        let err = s.list(&TraceQuery::new(TraceRange::Last(3600), None), NOW).await.unwrap_err();
        assert_eq!(err.kind, ErrorKind::Throttled);
        assert_eq!(err.code.as_deref(), Some("ThrottledException"));
        assert!(s.health.is_stale());
        assert_eq!(s.health.consecutive_failures, 1);
        assert!(s.health.last_error.is_some());
        let d = super::super::next_delay(Duration::from_secs(60), &s.health);
        assert_eq!(d, Duration::from_secs(60), "throttling backs off at least the refresh");
    }

    #[tokio::test]
    async fn access_denied_names_the_action() {
        let gts = mock!(Client::get_trace_summaries).then_error(|| {
            GetTraceSummariesError::generic(
                ErrorMetadata::builder()
                    .code("AccessDeniedException")
                    .message("User: x is not authorized to perform: xray:GetTraceSummaries")
                    .build(),
            )
        });
        let client = mock_client!(aws_sdk_xray, RuleMode::MatchAny, [&gts]);
        let err = src(client).list(&TraceQuery::new(TraceRange::Last(3600), None), NOW).await.unwrap_err();
        assert_eq!(err.kind, ErrorKind::AccessDenied);
        assert!(err.hint.contains("xray:GetTraceSummaries"), "{}", err.hint);
    }

    fn doc(trace: &str, id: &str, parent: Option<&str>, name: &str, t0: f64, t1: f64) -> String {
        let mut d = serde_json::json!({"name": name, "id": id, "trace_id": trace, "start_time": t0, "end_time": t1});
        if let Some(p) = parent {
            d["parent_id"] = p.into();
            d["type"] = "subsegment".into();
        }
        d.to_string()
    }

    #[tokio::test]
    async fn batch_get_traces_five_at_a_time_pages_merged_unprocessed_reported() {
        let asked = Arc::new(Mutex::new(Vec::new()));
        let a2 = asked.clone();
        let page1 = mock!(Client::batch_get_traces).match_requests(|r| r.next_token().is_none()).then_compute_output(
            move |r| {
                a2.lock().unwrap().push(r.trace_ids().to_vec());
                let ids = r.trace_ids();
                let mut b = BatchGetTracesOutput::builder();
                if ids.contains(&tid(1)) {
                    // trace 1's segment now, its separately-sent subsegment on the next page
                    b = b
                        .traces(
                            XTrace::builder()
                                .id(tid(1))
                                .segments(
                                    Segment::builder()
                                        .id("a")
                                        .document(doc(&tid(1), "a", None, "rag-api", 1.0, 3.0))
                                        .build(),
                                )
                                .build(),
                        )
                        .unprocessed_trace_ids(tid(2))
                        .next_token("more");
                } else {
                    b = b.traces(
                        XTrace::builder()
                            .id(tid(6))
                            .limit_exceeded(true)
                            .segments(
                                Segment::builder().id("z").document(doc(&tid(6), "z", None, "big", 1.0, 2.0)).build(),
                            )
                            .build(),
                    );
                }
                b.build()
            },
        );
        let page2 =
            mock!(Client::batch_get_traces).match_requests(|r| r.next_token() == Some("more")).then_output(move || {
                BatchGetTracesOutput::builder()
                    .traces(
                        XTrace::builder()
                            .id(tid(1))
                            .segments(
                                Segment::builder()
                                    .id("b")
                                    .document(doc(&tid(1), "b", Some("a"), "llm_generation", 1.5, 2.5))
                                    .build(),
                            )
                            .build(),
                    )
                    .build()
            });
        let client = mock_client!(aws_sdk_xray, RuleMode::MatchAny, [&page1, &page2]);
        let mut s = src(client);
        let ids: Vec<String> = (1..=6).map(tid).collect();
        let (traces, unprocessed) = s.fetch(&ids, NOW).await.unwrap();
        let asked = asked.lock().unwrap().clone();
        assert_eq!(asked.iter().map(Vec::len).collect::<Vec<_>>(), vec![5, 1]);
        assert_eq!(page2.num_calls(), 1);
        assert_eq!(traces.len(), 2);
        let t1 = &traces[0];
        assert_eq!(t1.id, tid(1));
        assert_eq!(t1.spans.len(), 2, "the subsegment on page 2 was merged into the trace");
        let order: Vec<&str> = t1.preorder().iter().map(|i| t1.span(*i).name.as_str()).collect();
        assert_eq!(order, ["rag-api", "llm_generation"]);
        assert!(traces[1].limit_exceeded);
        // 2 was unprocessed; 3, 4 and 5 were not returned at all
        assert_eq!(unprocessed, vec![tid(2), tid(3), tid(4), tid(5)]);
        assert_eq!(s.health.traces_scanned, 2);
    }

    #[tokio::test]
    async fn batch_get_traces_throttled() {
        let bgt = mock!(Client::batch_get_traces).then_error(|| {
            BatchGetTracesError::ThrottledException(
                aws_sdk_xray::types::error::ThrottledException::builder()
                    .meta(ErrorMetadata::builder().code("ThrottledException").message("Rate exceeded").build())
                    .build(),
            )
        });
        let client = mock_client!(aws_sdk_xray, RuleMode::MatchAny, [&bgt]);
        let mut s = src(client);
        let err = s.fetch(&[tid(1)], NOW).await.unwrap_err();
        assert_eq!(err.kind, ErrorKind::Throttled);
        assert!(s.health.is_stale());
    }

    #[test]
    fn work_takes_commands() {
        let mut w = Work { region: "us-east-1".into(), ..Default::default() };
        assert!(!w.take(Command::Refresh));
        assert!(!w.list_due, "nothing to refresh yet");
        let q = TraceQuery::new(TraceRange::Last(3600), None);
        assert!(w.take(Command::Traces(TraceRequest::List(q.clone()))));
        assert!(w.list_due);
        w.list_due = false;
        assert!(w.take(Command::SetSince(crate::domain::window::Since::from_secs(900))));
        assert_eq!(w.current.as_ref().unwrap().range, TraceRange::Last(900));
        assert_eq!(w.current.as_ref().unwrap().seq, q.seq, "same query, new window");
        w.take(Command::Traces(TraceRequest::Fetch { region: "eu-west-1".into(), ids: vec!["x".into()] }));
        assert!(w.fetch.is_empty(), "another region's fetch");
        w.take(Command::Traces(TraceRequest::Fetch { region: "us-east-1".into(), ids: vec!["x".into(), "x".into()] }));
        assert_eq!(w.fetch.len(), 1);
        // a fixed window does not follow the console's
        let fixed = TraceQuery::new(TraceRange::Fixed(Window { start: 0, end: 60 }), None);
        w.take(Command::Traces(TraceRequest::List(fixed)));
        w.list_due = false;
        assert!(!w.take(Command::SetSince(crate::domain::window::Since::from_secs(3600))));
        assert!(!w.list_due);
    }
}
