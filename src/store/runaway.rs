//! The runaway-loop detector as plain data: tokens and dollars per minute per caller (from the
//! Bedrock invocation logs, `identity.arn`) and per session (from span attributes in
//! `aws/spans`: `session.id` or `gen_ai.conversation.id`), against configurable ceilings.
//!
//! A background watch runs two Logs Insights presets every few minutes over the last 15 minutes
//! (`runaway-callers`, `runaway-sessions`: `stats … by bin(1m) as minute, <id>, modelId`); their
//! runs reach the store like every other query ([`LogsUpdate::Query`](super::logs::LogsUpdate)
//! with [`Purpose::Runaway`]) and [`RunawayState::observe`] turns the finished ones into one
//! [`Entry`] per caller or session: the latest and peak tokens/min and $/min, the minute it first
//! went over a ceiling, whether it is over now, and its models. A failed run keeps the last good
//! entries and says why, with the fix.
//!
//! Tokens are everything the calls processed: input + output + cache read + cache write.
//! Dollars come from the price table per model; a model without a price adds tokens but no
//! dollars (never a silent $0), and an id whose tokens are all unpriced has no $ figure at all.
//! A minute is over when its tokens are **above** the tokens ceiling or its dollars **above**
//! the dollar ceiling (a minute exactly at a ceiling is not over).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::health::{ErrorKind, SourceError};
use super::logs::{Purpose, QueryId, QueryRun};
use super::rules::{RuleState, RuleStatus};
use crate::domain::insights::{
    CACHE_READ_COLUMNS, CACHE_WRITE_COLUMNS, GroupClass, INPUT_COLUMNS, MODEL_COLUMNS, OUTPUT_COLUMNS, QueryStatus,
    ResultTable,
};
use crate::domain::pricing::{PriceTable, Tokens};
use crate::domain::window::Window;

/// The built-in presets the watch runs (insights_presets.toml).
pub const CALLERS_PRESET: &str = "runaway-callers";
pub const SESSIONS_PRESET: &str = "runaway-sessions";
/// Default ceilings and cadence (see [`Settings`]).
pub const DEFAULT_TOKENS_PER_MIN: f64 = 250_000.0;
pub const DEFAULT_USD_PER_MIN: f64 = 1.0;
pub const DEFAULT_EVERY_SECS: u64 = 300;
/// Each run looks at the last 15 minutes.
pub const WINDOW_SECS: i64 = 15 * 60;
/// Entries kept per kind (the worst first).
pub const MAX_ENTRIES: usize = 200;

/// Column names the rows may use for the minute, the caller, the session and the call count.
pub const MINUTE_COLUMNS: &[&str] = &["minute", "bin(1m)", "bin(60s)"];
pub const CALLER_COLUMNS: &[&str] = &["identity.arn", "caller"];
pub const SESSION_COLUMNS: &[&str] = &["sessionId", "session.id", "attributes.session.id", "session"];
pub const CALLS_COLUMNS: &[&str] = &["calls", "count(*)", "count()"];

/// Who burns the tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A principal calling Bedrock (`identity.arn` of the invocation logs).
    Caller,
    /// An agent or chat session (a span attribute).
    Session,
}

impl Kind {
    pub const ALL: [Kind; 2] = [Kind::Caller, Kind::Session];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Caller => "caller",
            Self::Session => "session",
        }
    }

    /// The preset the watch runs for this kind.
    pub fn preset(self) -> &'static str {
        match self {
            Self::Caller => CALLERS_PRESET,
            Self::Session => SESSIONS_PRESET,
        }
    }
}

/// `[runaway]` in the config, resolved.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Run the watch at all.
    pub enabled: bool,
    /// Seconds between runs.
    pub every_secs: u64,
    /// Ceilings per caller or session, per minute.
    pub tokens_per_min: f64,
    pub usd_per_min: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            enabled: true,
            every_secs: DEFAULT_EVERY_SECS,
            tokens_per_min: DEFAULT_TOKENS_PER_MIN,
            usd_per_min: DEFAULT_USD_PER_MIN,
        }
    }
}

impl Settings {
    /// Over a ceiling: strictly above either of them (dollars only when known).
    pub fn over(&self, tokens: f64, usd: Option<f64>) -> bool {
        tokens > self.tokens_per_min || usd.is_some_and(|u| u > self.usd_per_min)
    }

    /// How far over (or under) the ceilings: the larger of the two ratios.
    pub fn ratio(&self, tokens: f64, usd: Option<f64>) -> f64 {
        let t = if self.tokens_per_min > 0.0 { tokens / self.tokens_per_min } else { 0.0 };
        let u = match usd {
            Some(u) if self.usd_per_min > 0.0 => u / self.usd_per_min,
            _ => 0.0,
        };
        t.max(u)
    }
}

/// One minute of one caller or session.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MinuteFigures {
    /// The minute's start (epoch seconds).
    pub minute: i64,
    pub tokens: f64,
    /// `None` when none of the minute's tokens had a price.
    pub usd: Option<f64>,
    pub calls: f64,
}

/// One caller or session over the watched window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub kind: Kind,
    /// As AWS sent it (an ARN, a session id): sanitise before showing.
    pub id: String,
    /// Models seen, most tokens first (AWS text).
    pub models: Vec<String>,
    /// The newest complete minute of the result.
    pub latest_tokens: f64,
    pub latest_usd: Option<f64>,
    pub peak_tokens: f64,
    pub peak_usd: Option<f64>,
    /// The first minute (start, epoch seconds) over a ceiling; kept across runs while it stays over.
    pub over_since: Option<i64>,
    /// The newest minute is over a ceiling.
    pub over_now: bool,
    /// Some of its tokens were on models without a price: the $ figures cover the rest only.
    pub unpriced: bool,
    /// Calls over the window.
    pub calls: f64,
    /// Per minute, oldest first (minutes without a row are absent).
    pub minutes: Vec<MinuteFigures>,
}

impl Entry {
    /// The main model (most tokens).
    pub fn model(&self) -> Option<&str> {
        self.models.first().map(String::as_str)
    }

    /// The Logs Insights query for this caller's invocation records (newest first) or this
    /// session's spans: `(label, query, groups)`. `None` for an id that cannot be put in a
    /// query string safely (quotes, backslashes, control characters).
    pub fn logs_query(&self) -> Option<(String, String, GroupClass)> {
        let id = self.id.trim();
        if id.is_empty() || id.len() > 512 || id.chars().any(|c| c == '"' || c == '\\' || c.is_control()) {
            return None;
        }
        Some(match self.kind {
            Kind::Caller => (
                format!("caller {}", self.short_id()),
                format!(
                    "fields @timestamp, modelId, input.inputTokenCount, output.outputTokenCount, errorCode, requestId, @message\n\
                     | filter identity.arn = \"{id}\"\n\
                     | sort @timestamp desc\n\
                     | limit 200"
                ),
                GroupClass::Invocation,
            ),
            Kind::Session => (
                format!("session {id}"),
                format!(
                    "fields @timestamp, traceId, spanId, name, attributes.gen_ai.request.model as modelId,\n       \
                     attributes.gen_ai.usage.input_tokens as inTok, attributes.gen_ai.usage.output_tokens as outTok\n\
                     | filter attributes.session.id = \"{id}\" or attributes.gen_ai.conversation.id = \"{id}\"\n\
                     | sort @timestamp desc\n\
                     | limit 200"
                ),
                GroupClass::Spans,
            ),
        })
    }

    /// The id as it reads on screen: principals shortened (`support-agent/agent-loop-7f3a`).
    /// Not sanitised.
    pub fn short_id(&self) -> &str {
        match self.kind {
            Kind::Caller => crate::domain::insights::short_principal(&self.id),
            Kind::Session => &self.id,
        }
    }
}

/// What one run's rows came to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    pub entries: Vec<Entry>,
    /// Rows without a minute, an id or any token figure.
    pub skipped: usize,
    /// The newest complete minute any row had.
    pub latest_minute: Option<i64>,
}

/// The watch's state for one kind.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct KindState {
    /// The last good result, worst first.
    pub entries: Vec<Entry>,
    /// The window of the last good result.
    pub window: Option<Window>,
    /// When the last good result arrived.
    pub last_ok: Option<i64>,
    pub latest_minute: Option<i64>,
    /// A run in progress (its query id and when it was submitted).
    pub running: Option<(QueryId, i64)>,
    /// Why the last run failed (cleared by the next good one); the entries stay.
    pub error: Option<SourceError>,
    /// Rows of the last good result that could not be read.
    pub skipped_rows: usize,
    /// Not queried, and why (`--once` without the log group), or anything else worth saying.
    pub note: Option<String>,
    /// Finished runs, and what they scanned (bytes × price).
    pub runs: u64,
    pub spent_usd: f64,
    /// The last run counted (a run's final state is counted once).
    last_counted: Option<QueryId>,
}

impl KindState {
    pub fn over_now(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.over_now)
    }

    /// Nothing has come back yet (neither rows nor an error).
    pub fn never_ran(&self) -> bool {
        self.last_ok.is_none() && self.error.is_none()
    }
}

/// The runaway part of the store.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunawayState {
    pub settings: Settings,
    pub callers: KindState,
    pub sessions: KindState,
    /// Callers and sessions that went over a ceiling (counted once per breach; the bell).
    pub breaches: u64,
}

impl RunawayState {
    pub fn kind(&self, k: Kind) -> &KindState {
        match k {
            Kind::Caller => &self.callers,
            Kind::Session => &self.sessions,
        }
    }

    fn kind_mut(&mut self, k: Kind) -> &mut KindState {
        match k {
            Kind::Caller => &mut self.callers,
            Kind::Session => &mut self.sessions,
        }
    }

    /// Say why a kind was not queried (shown instead of "no data").
    pub fn set_note(&mut self, kind: Kind, note: String) {
        self.kind_mut(kind).note = Some(note);
    }

    /// Every entry, callers first, each kind worst first.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.callers.entries.iter().chain(self.sessions.entries.iter())
    }

    /// The entries over a ceiling now.
    pub fn breaching(&self) -> Vec<&Entry> {
        self.entries().filter(|e| e.over_now).collect()
    }

    /// A run of the watch's queries changed state. Returns how many callers or sessions newly
    /// went over a ceiling (0 for any other query).
    pub fn observe(&mut self, run: &QueryRun, pricing: &PriceTable) -> u64 {
        let Purpose::Runaway(kind) = run.spec.purpose else { return 0 };
        let settings = self.settings;
        let st = self.kind_mut(kind);
        let id = run.id();
        if !run.status.is_terminal() {
            st.running = Some((id, run.submitted_at));
            return 0;
        }
        if st.running.is_some_and(|(r, _)| r == id) {
            st.running = None;
        }
        if st.last_counted == Some(id) {
            return 0;
        }
        st.last_counted = Some(id);
        st.runs += 1;
        st.spent_usd += run.cost_usd.unwrap_or(0.0);
        match run.status {
            QueryStatus::Complete => {
                let parsed = parse(kind, &run.table, pricing, &settings, run.spec.window.end);
                let mut fresh = 0;
                let mut entries = parsed.entries;
                for e in &mut entries {
                    let prev = st.entries.iter().find(|p| p.id == e.id);
                    match prev {
                        Some(p) if p.over_now && e.over_now => {
                            // still over: since when is the earlier of the two
                            e.over_since = match (p.over_since, e.over_since) {
                                (Some(a), Some(b)) => Some(a.min(b)),
                                (a, b) => a.or(b),
                            };
                        }
                        _ if e.over_now => fresh += 1,
                        _ => {}
                    }
                }
                st.entries = entries;
                st.window = Some(run.spec.window);
                st.last_ok = Some(run.ended_at.unwrap_or(run.submitted_at));
                st.latest_minute = parsed.latest_minute;
                st.skipped_rows = parsed.skipped;
                st.error = None;
                // at the row limit the oldest minutes may be missing: say so, not "complete"
                st.note = run.truncated.map(|n| {
                    format!(
                        "the result stopped at {n} rows (the query's limit): the oldest minutes may be missing, \
                         raise the limit in [queries.{}]",
                        kind.preset()
                    )
                });
                self.breaches += fresh;
                fresh
            }
            // replaced by the next run or stopped on exit: not a failure
            QueryStatus::Cancelled => 0,
            _ => {
                st.error = Some(run.error.clone().unwrap_or_else(|| SourceError {
                    kind: ErrorKind::Service,
                    code: None,
                    message: format!("the query ended {}", run.status.label()),
                    hint: "the watch tries again at its next run".into(),
                    at: run.ended_at.unwrap_or(run.submitted_at),
                }));
                0
            }
        }
    }

    /// Each caller or session over a ceiling now, as a firing entry for the banner, the status
    /// bar and the reports (names sanitised: they are AWS text).
    pub fn firing(&self) -> Vec<RuleStatus> {
        let s = &self.settings;
        self.breaching()
            .into_iter()
            .map(|e| {
                let by_tokens = s.ratio(e.latest_tokens, None) >= s.ratio(0.0, e.latest_usd);
                let (value, threshold, condition) = if by_tokens {
                    (e.latest_tokens, s.tokens_per_min, format!("tokens/min > {}", compact(s.tokens_per_min)))
                } else {
                    (e.latest_usd.unwrap_or(0.0), s.usd_per_min, format!("$/min > {:.2}", s.usd_per_min))
                };
                let model = e.model().map(|m| format!(" on {m}")).unwrap_or_default();
                RuleStatus {
                    name: crate::sanitize::one_line(&format!("Runaway {} {}", e.kind.as_str(), e.short_id())),
                    description: crate::sanitize::one_line(&format!(
                        "{} {}{model} over its ceiling ({} tokens/min, ${:.2}/min)",
                        e.kind.as_str(),
                        e.id,
                        compact(s.tokens_per_min),
                        s.usd_per_min
                    )),
                    severity: crate::domain::rules::Severity::Critical,
                    state: RuleState::Firing,
                    value: Some(value),
                    threshold: Some(threshold),
                    condition,
                    since: e.over_since.unwrap_or_default(),
                    breaching: e.minutes.iter().filter(|m| s.over(m.tokens, m.usd)).count() as i64,
                    culprits: Vec::new(),
                }
            })
            .collect()
    }
}

/// `250000` → `250k`, `1500000` → `1.5M` (for conditions read at a glance).
pub fn compact(v: f64) -> String {
    let trim = |x: f64, unit: &str| format!("{}{unit}", format!("{x:.1}").trim_end_matches(".0"));
    if v.abs() >= 1e6 {
        trim(v / 1e6, "M")
    } else if v.abs() >= 1e3 {
        trim(v / 1e3, "k")
    } else {
        trim(v, "")
    }
}

/// A minute as Logs Insights writes it (`2026-11-23 12:32:00.000`, UTC), or RFC 3339, or epoch
/// seconds / milliseconds; aligned down to the minute.
pub fn parse_minute(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let secs = if s.bytes().all(|b| b.is_ascii_digit()) {
        let n: i64 = s.parse().ok()?;
        // 13 digits: milliseconds (as some emulators send), else seconds
        if s.len() >= 13 { n / 1000 } else { n }
    } else if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f") {
        t.and_utc().timestamp()
    } else {
        chrono::DateTime::parse_from_rfc3339(s).ok()?.timestamp()
    };
    Some(secs.div_euclid(60) * 60)
}

/// A count from a cell: finite and not negative, else nothing.
fn number(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0)
}

#[derive(Default)]
struct Acc {
    tokens: f64,
    usd: f64,
    priced: bool,
    calls: f64,
}

/// A finished run's rows → one entry per caller or session. Rows without a minute, an id or
/// any readable token figure are skipped (and counted); minutes not over by `window_end` are
/// left out (still filling).
pub fn parse(kind: Kind, table: &ResultTable, pricing: &PriceTable, s: &Settings, window_end: i64) -> Parsed {
    let find = |names: &[&str]| names.iter().find_map(|n| table.column(n));
    let ids = if kind == Kind::Caller { CALLER_COLUMNS } else { SESSION_COLUMNS };
    let (Some(minute_col), Some(id_col)) = (find(MINUTE_COLUMNS), find(ids)) else {
        return Parsed { skipped: table.rows.len(), ..Default::default() };
    };
    let model_col = find(MODEL_COLUMNS);
    let cols = [find(INPUT_COLUMNS), find(OUTPUT_COLUMNS), find(CACHE_READ_COLUMNS), find(CACHE_WRITE_COLUMNS)];
    let calls_col = find(CALLS_COLUMNS);
    fn cell(row: &[String], c: Option<usize>) -> &str {
        c.and_then(|c| row.get(c)).map(String::as_str).unwrap_or("")
    }

    // id → minute → figures; id → model → tokens; id → some tokens unpriced
    let mut acc: BTreeMap<String, BTreeMap<i64, Acc>> = BTreeMap::new();
    let mut models: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
    let mut unpriced: BTreeMap<String, bool> = BTreeMap::new();
    let mut skipped = 0;
    let mut latest: Option<i64> = None;
    for row in &table.rows {
        let minute = parse_minute(cell(row, Some(minute_col)));
        let id = cell(row, Some(id_col)).trim();
        let t: Vec<Option<f64>> = cols.iter().map(|c| number(cell(row, *c))).collect();
        let (Some(minute), false, true) = (minute, id.is_empty(), t.iter().any(Option::is_some)) else {
            skipped += 1;
            continue;
        };
        if minute + 60 > window_end {
            continue;
        }
        latest = Some(latest.map_or(minute, |l: i64| l.max(minute)));
        let tokens = Tokens {
            input: t[0].unwrap_or(0.0),
            output: t[1].unwrap_or(0.0),
            cache_read: t[2].unwrap_or(0.0),
            cache_write: t[3].unwrap_or(0.0),
        };
        let total = tokens.input + tokens.output + tokens.cache_read + tokens.cache_write;
        let model = cell(row, model_col).trim();
        let a = acc.entry(id.to_string()).or_default().entry(minute).or_default();
        a.tokens += total;
        a.calls += number(cell(row, calls_col)).unwrap_or(0.0);
        match (!model.is_empty()).then(|| pricing.cost(model, tokens)).flatten() {
            Some(c) => {
                a.usd += c;
                a.priced = true;
            }
            None if total > 0.0 => {
                unpriced.insert(id.to_string(), true);
            }
            None => {}
        }
        if !model.is_empty() {
            *models.entry(id.to_string()).or_default().entry(model.to_string()).or_default() += total;
        }
    }
    let mut entries: Vec<Entry> = acc
        .into_iter()
        .map(|(id, by_minute)| {
            let minutes: Vec<MinuteFigures> = by_minute
                .iter()
                .map(|(m, a)| MinuteFigures {
                    minute: *m,
                    tokens: a.tokens,
                    usd: a.priced.then_some(a.usd),
                    calls: a.calls,
                })
                .collect();
            let any_priced = minutes.iter().any(|m| m.usd.is_some());
            let at_latest = latest.and_then(|l| minutes.iter().find(|m| m.minute == l));
            let latest_tokens = at_latest.map_or(0.0, |m| m.tokens);
            let latest_usd = match at_latest {
                Some(m) => m.usd.or(any_priced.then_some(0.0)),
                None => any_priced.then_some(0.0),
            };
            let peak_tokens = minutes.iter().map(|m| m.tokens).fold(0.0, f64::max);
            let peak_usd = minutes.iter().filter_map(|m| m.usd).reduce(f64::max);
            let over_since = minutes.iter().find(|m| s.over(m.tokens, m.usd)).map(|m| m.minute);
            let mut ms: Vec<(String, f64)> = models.remove(&id).unwrap_or_default().into_iter().collect();
            ms.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            Entry {
                kind,
                over_now: s.over(latest_tokens, latest_usd),
                unpriced: unpriced.get(&id).copied().unwrap_or(false),
                calls: minutes.iter().map(|m| m.calls).sum(),
                id,
                models: ms.into_iter().map(|(m, _)| m).collect(),
                latest_tokens,
                latest_usd,
                peak_tokens,
                peak_usd,
                over_since,
                minutes,
            }
        })
        .collect();
    entries.sort_by(|a, b| {
        b.over_now
            .cmp(&a.over_now)
            .then(b.over_since.is_some().cmp(&a.over_since.is_some()))
            .then(s.ratio(b.peak_tokens, b.peak_usd).total_cmp(&s.ratio(a.peak_tokens, a.peak_usd)))
            .then_with(|| a.id.cmp(&b.id))
    });
    entries.truncate(MAX_ENTRIES);
    Parsed { entries, skipped, latest_minute: latest }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::logs::QuerySpec;

    /// 2026-11-25 03:00 UTC, minute-aligned.
    const T0: i64 = 1_795_575_600;
    const OPUS: &str = "us.anthropic.claude-opus-4-5-20251101-v1:0";
    const HAIKU: &str = "us.anthropic.claude-haiku-4-5-20251001-v1:0";
    const LOOP: &str = "arn:aws:sts::123456789012:assumed-role/support-agent/agent-loop-7f3a";
    const RAG: &str = "arn:aws:sts::123456789012:assumed-role/rag-api-prod/rag-api";

    fn minute(t: i64) -> String {
        chrono::DateTime::from_timestamp(t, 0).unwrap().format("%Y-%m-%d %H:%M:%S%.3f").to_string()
    }

    /// Rows of the callers preset: (minute offset, caller, model, inTok, outTok).
    fn table(rows: &[(i64, &str, &str, &str, &str)]) -> ResultTable {
        let raw: Vec<Vec<(String, String)>> = rows
            .iter()
            .map(|(m, who, model, i, o)| {
                vec![
                    ("minute".to_string(), minute(T0 + m * 60)),
                    ("identity.arn".into(), who.to_string()),
                    ("modelId".into(), model.to_string()),
                    ("inTok".into(), i.to_string()),
                    ("outTok".into(), o.to_string()),
                    ("calls".into(), "2".into()),
                ]
            })
            .collect();
        ResultTable::from_rows(&raw)
    }

    fn settings(tokens: f64, usd: f64) -> Settings {
        Settings { tokens_per_min: tokens, usd_per_min: usd, ..Default::default() }
    }

    /// Window end: the 5 minutes T0..T0+5m are complete.
    const END: i64 = T0 + 5 * 60;

    #[test]
    fn minutes_parse_in_every_spelling() {
        assert_eq!(parse_minute("2026-11-25 03:00:00.000"), Some(T0));
        assert_eq!(parse_minute("2026-11-25 03:00:42.123"), Some(T0));
        assert_eq!(parse_minute("2026-11-25T03:01:00Z"), Some(T0 + 60));
        assert_eq!(parse_minute(&format!("{}", (T0 + 90) * 1000)), Some(T0 + 60));
        assert_eq!(parse_minute(&format!("{}", T0 + 59)), Some(T0));
        assert_eq!(parse_minute(""), None);
        assert_eq!(parse_minute("yesterday"), None);
    }

    #[test]
    fn just_under_at_and_over_the_token_ceiling() {
        // an unpriced model, so only tokens count
        let t = table(&[
            (4, "under", "acme.x", "59999", "40000"),
            (4, "at", "acme.x", "60000", "40000"),
            (4, "over", "acme.x", "60000", "40001"),
        ]);
        let p = parse(Kind::Caller, &t, &PriceTable::default(), &settings(100_000.0, 1.0), END);
        let get = |id: &str| p.entries.iter().find(|e| e.id == id).unwrap();
        assert_eq!(
            (get("under").latest_tokens, get("under").over_now, get("under").over_since),
            (99_999.0, false, None)
        );
        assert_eq!((get("at").latest_tokens, get("at").over_now, get("at").over_since), (100_000.0, false, None));
        assert_eq!(
            (get("over").latest_tokens, get("over").over_now, get("over").over_since),
            (100_001.0, true, Some(T0 + 240))
        );
        // the one over comes first
        assert_eq!(p.entries[0].id, "over");
        // unpriced model: tokens only, never $0
        assert_eq!((get("over").latest_usd, get("over").peak_usd, get("over").unpriced), (None, None, true));
        assert_eq!(p.latest_minute, Some(T0 + 240));
    }

    #[test]
    fn dollars_per_minute_from_the_price_table() {
        // opus 4.5: $5 in, $25 out per 1M → 100k in + 20k out = $0.50 + $0.50 = $1.00 (at the
        // ceiling, not over); 1 token more output is over
        let t = table(&[(0, LOOP, OPUS, "100000", "20000"), (1, LOOP, OPUS, "100000", "20001")]);
        let p = parse(Kind::Caller, &t, &PriceTable::default(), &settings(1e9, 1.0), END);
        let e = &p.entries[0];
        assert_eq!(e.minutes.len(), 2);
        assert!((e.minutes[0].usd.unwrap() - 1.0).abs() < 1e-12, "{:?}", e.minutes[0]);
        assert_eq!(e.over_since, Some(T0 + 60));
        assert!(e.over_now);
        assert!((e.latest_usd.unwrap() - 1.000025).abs() < 1e-12);
        assert_eq!(e.latest_tokens, 120_001.0);
        assert_eq!(e.peak_tokens, 120_001.0);
        assert_eq!(e.calls, 4.0);
        assert_eq!(e.models, vec![OPUS.to_string()]);
        assert!(!e.unpriced);
        assert_eq!(e.short_id(), "support-agent/agent-loop-7f3a");
    }

    #[test]
    fn over_then_back_under() {
        let t = table(&[
            (0, LOOP, "acme.x", "10", "0"),
            (1, LOOP, "acme.x", "500", "0"),
            (2, LOOP, "acme.x", "600", "0"),
            (3, LOOP, "acme.x", "20", "0"),
            // someone else makes minute 4 the newest: the loop has no row there (0 tokens)
            (4, RAG, HAIKU, "5", "5"),
        ]);
        let p = parse(Kind::Caller, &t, &PriceTable::default(), &settings(100.0, 1.0), END);
        let e = p.entries.iter().find(|e| e.id == LOOP).unwrap();
        assert_eq!(e.over_since, Some(T0 + 60));
        assert!(!e.over_now);
        assert_eq!((e.latest_tokens, e.peak_tokens), (0.0, 600.0));
        let r = p.entries.iter().find(|e| e.id == RAG).unwrap();
        // haiku 4.5: $1 in, $5 out per 1M
        assert!((r.latest_usd.unwrap() - 0.00003).abs() < 1e-15);
        assert_eq!((r.over_now, r.over_since), (false, None));
        // over at some point sorts before never over
        assert_eq!(p.entries[0].id, LOOP);
    }

    #[test]
    fn several_models_add_up_and_a_partial_price_is_said() {
        let t = table(&[(2, LOOP, OPUS, "1000", "1000"), (2, LOOP, "acme.x", "5000", "0"), (3, LOOP, OPUS, "0", "10")]);
        let p = parse(Kind::Caller, &t, &PriceTable::default(), &settings(1e9, 1e9), END);
        let e = &p.entries[0];
        assert_eq!(e.models, vec!["acme.x".to_string(), OPUS.to_string()]);
        assert_eq!(e.minutes[0].tokens, 7000.0);
        assert!((e.minutes[0].usd.unwrap() - 0.03).abs() < 1e-12);
        assert!(e.unpriced);
        assert_eq!(e.model(), Some("acme.x"));
        assert_eq!(e.latest_tokens, 10.0);
    }

    #[test]
    fn bad_rows_are_skipped_not_fatal() {
        let mut t = table(&[
            (0, LOOP, OPUS, "1000", "10"),
            (1, "", OPUS, "1000", "10"),
            (1, LOOP, OPUS, "lots", "-5"),
            (1, LOOP, OPUS, "NaN", "inf"),
            (2, LOOP, OPUS, "", "7"),
            // the minute still filling is left out, not skipped
            (5, LOOP, OPUS, "9999999", "0"),
        ]);
        t.rows[0][0] = "not a time".into();
        t.rows.push(vec!["x".into()]); // a short row
        let p = parse(Kind::Caller, &t, &PriceTable::default(), &settings(100.0, 1.0), END);
        assert_eq!(p.skipped, 5);
        assert_eq!(p.entries.len(), 1);
        let e = &p.entries[0];
        assert_eq!((e.minutes.len(), e.latest_tokens), (1, 7.0));
        assert_eq!(p.latest_minute, Some(T0 + 120));
        // no minute or id column at all: every row skipped
        let none = ResultTable::from_rows(&[vec![("@ptr".to_string(), "p".to_string())]]);
        let p = parse(Kind::Caller, &none, &PriceTable::default(), &Settings::default(), END);
        assert_eq!((p.skipped, p.entries.len()), (1, 0));
    }

    fn run(kind: Kind, status: QueryStatus, t: ResultTable, ended: i64) -> QueryRun {
        let spec = QuerySpec::new(
            kind.preset(),
            "stats",
            GroupClass::Invocation,
            vec![],
            Window { start: END - 900, end: END },
        )
        .for_purpose(Purpose::Runaway(kind));
        let mut r = QueryRun::new(spec, ended - 5);
        r.status = status;
        r.table = t;
        r.ended_at = status.is_terminal().then_some(ended);
        r.cost_usd = Some(0.001);
        r
    }

    #[test]
    fn a_run_at_its_row_limit_says_minutes_may_be_missing() {
        // issue 12, 7(b): the watch's result at the query's limit is not shown as complete
        let mut st = RunawayState::default();
        let prices = PriceTable::default();
        let rows = table(&[(4, LOOP, "acme.x", "6000", "0")]);
        let mut cut = run(Kind::Caller, QueryStatus::Complete, rows.clone(), END);
        cut.truncated = Some(10_000);
        st.observe(&cut, &prices);
        let note = st.callers.note.as_deref().expect("a note");
        assert!(note.starts_with("the result stopped at 10000 rows"), "{note}");
        assert!(note.contains("[queries.runaway-callers]"), "{note}");
        // the next whole result clears it
        st.observe(&run(Kind::Caller, QueryStatus::Complete, rows, END), &prices);
        assert_eq!(st.callers.note, None);
    }

    #[test]
    fn runs_update_the_state_count_breaches_once_and_keep_the_last_good_result() {
        let mut st = RunawayState { settings: settings(1000.0, 1.0), ..Default::default() };
        let prices = PriceTable::default();
        let running = run(Kind::Caller, QueryStatus::Running, ResultTable::default(), END);
        assert_eq!(st.observe(&running, &prices), 0);
        assert_eq!(st.callers.running, Some((running.id(), END - 5)));
        let over = table(&[(3, LOOP, "acme.x", "5000", "0"), (4, LOOP, "acme.x", "6000", "0")]);
        assert_eq!(st.observe(&run(Kind::Caller, QueryStatus::Complete, over.clone(), END), &prices), 1);
        assert_eq!(st.callers.running, Some((running.id(), END - 5)), "another run's end leaves it");
        assert_eq!((st.breaches, st.callers.runs), (1, 1));
        assert_eq!(st.callers.entries[0].over_since, Some(T0 + 180));
        // the same breach in the next run is not new, and keeps its start even if the window
        // no longer reaches it
        let still = table(&[(4, LOOP, "acme.x", "6000", "0")]);
        assert_eq!(st.observe(&run(Kind::Caller, QueryStatus::Complete, still, END), &prices), 0);
        assert_eq!(st.callers.entries[0].over_since, Some(T0 + 180));
        assert_eq!(st.breaches, 1);
        // a failure keeps the entries and says why
        let mut failed = run(Kind::Caller, QueryStatus::Failed, ResultTable::default(), END);
        failed.error = Some(SourceError {
            kind: ErrorKind::AccessDenied,
            code: Some("AccessDeniedException".into()),
            message: "not allowed".into(),
            hint: "grant logs:StartQuery".into(),
            at: END,
        });
        assert_eq!(st.observe(&failed, &prices), 0);
        assert_eq!(st.callers.error.as_ref().unwrap().code.as_deref(), Some("AccessDeniedException"));
        assert_eq!(st.callers.entries.len(), 1);
        // the same final state twice is counted once
        assert_eq!(st.observe(&failed, &prices), 0);
        assert_eq!(st.callers.runs, 3);
        assert!((st.callers.spent_usd - 0.003).abs() < 1e-12);
        // cancelled (replaced): no error, nothing changes
        let before = st.callers.clone();
        let mut cancelled = run(Kind::Caller, QueryStatus::Cancelled, ResultTable::default(), END);
        cancelled.cost_usd = None;
        st.observe(&cancelled, &prices);
        assert_eq!((st.callers.entries.clone(), st.callers.error.clone()), (before.entries, before.error));
        // back under, then over again: a new breach
        let under = table(&[(4, LOOP, "acme.x", "10", "0")]);
        st.observe(&run(Kind::Caller, QueryStatus::Complete, under, END), &prices);
        assert!(st.callers.error.is_none() && !st.callers.entries[0].over_now);
        assert_eq!(st.observe(&run(Kind::Caller, QueryStatus::Complete, over, END), &prices), 1);
        assert_eq!(st.breaches, 2);
        // other queries are not the watch's
        let mut other = run(Kind::Caller, QueryStatus::Complete, ResultTable::default(), END);
        other.spec.purpose = Purpose::Table;
        assert_eq!(st.observe(&other, &prices), 0);
        assert_eq!(st.callers.runs, 6);
    }

    #[test]
    fn the_logs_query_filters_on_the_id_and_refuses_what_could_break_out() {
        let t = table(&[(4, LOOP, OPUS, "1", "1")]);
        let p = parse(Kind::Caller, &t, &PriceTable::default(), &Settings::default(), END);
        let (label, q, class) = p.entries[0].logs_query().unwrap();
        assert_eq!(label, "caller support-agent/agent-loop-7f3a");
        assert!(q.contains(&format!("| filter identity.arn = \"{LOOP}\"\n")), "{q}");
        assert_eq!(class, GroupClass::Invocation);
        let mut s = p.entries[0].clone();
        s.kind = Kind::Session;
        s.id = "sess-1".into();
        let (_, q, class) = s.logs_query().unwrap();
        assert!(
            q.contains("attributes.session.id = \"sess-1\" or attributes.gen_ai.conversation.id = \"sess-1\""),
            "{q}"
        );
        assert_eq!(class, GroupClass::Spans);
        for bad in ["x\" or 1=1", "a\\b", "a\nb", ""] {
            s.id = bad.into();
            assert_eq!(s.logs_query(), None, "{bad:?}");
        }
    }

    #[test]
    fn the_logs_store_keeps_one_finished_run_of_each_kind_and_all_their_cost() {
        let mut store = crate::store::Store::new(PriceTable::default(), vec![]);
        let user =
            QuerySpec::new("query", "fields @message", GroupClass::Invocation, vec![], Window { start: 0, end: 60 });
        let mut u = QueryRun::new(user, END);
        u.status = QueryStatus::Complete;
        store.apply(crate::store::Update::Logs(crate::store::logs::LogsUpdate::Query(Box::new(u))));
        for i in 0..50 {
            for k in Kind::ALL {
                let r = run(k, QueryStatus::Complete, table(&[(4, LOOP, OPUS, "1", "1")]), END + i);
                store.apply(crate::store::Update::Logs(crate::store::logs::LogsUpdate::Query(Box::new(r))));
            }
        }
        // the user's query is still there after 100 watch runs; of the watch's, the newest of each
        assert_eq!(store.logs.queries().count(), 3);
        assert_eq!(store.logs.latest_table().unwrap().spec.query, "fields @message");
        assert!((store.logs.spent_usd() - 100.0 * 0.001).abs() < 1e-9, "{}", store.logs.spent_usd());
        assert_eq!(store.runaway.callers.runs, 50);
    }

    #[test]
    fn breaches_become_firing_entries_with_sanitised_names() {
        let mut st = RunawayState { settings: settings(1000.0, 1.0), ..Default::default() };
        let t = table(&[(4, "arn:aws:sts::1:assumed-role/evil/\u{1b}[31mred", OPUS, "1000000", "0")]);
        st.observe(&run(Kind::Caller, QueryStatus::Complete, t, END), &PriceTable::default());
        let f = st.firing();
        assert_eq!(f.len(), 1);
        assert!(!f[0].name.contains('\u{1b}'), "{:?}", f[0].name);
        assert!(f[0].name.starts_with("Runaway caller evil/"), "{}", f[0].name);
        // 1M tokens is 1000× the token ceiling, $5 is 5× the dollar one: tokens are named
        assert_eq!((f[0].value, f[0].threshold), (Some(1_000_000.0), Some(1000.0)));
        assert_eq!(f[0].condition, "tokens/min > 1k");
        assert_eq!(
            (compact(250_000.0), compact(1_500_000.0), compact(999.0), compact(12_345.0)),
            ("250k".into(), "1.5M".into(), "999".into(), "12.3k".into())
        );
        assert_eq!(f[0].since, T0 + 240);
        assert_eq!(f[0].state, RuleState::Firing);
    }
}
