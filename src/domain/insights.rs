//! CloudWatch Logs Insights, as pure domain knowledge: the presets (data, compiled in from
//! `insights_presets.toml` and overridable from the config), query statuses and statistics, the
//! shape of results (rows of `{field, value}` → a table), the cost columns computed from token
//! columns and the price table, the cost of a query, trace-id look-ups, and redaction of prompt
//! and completion bodies. No I/O, no UI, no SDK types.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::pricing::{PriceTable, Tokens};

const BUILTIN_PRESETS: &str = include_str!("insights_presets.toml");

/// USD per GB scanned (us-east-1 list price), unless the config says otherwise.
pub const DEFAULT_USD_PER_GB: f64 = 0.005;
/// AWS bills "GB" of data scanned as 2^30 bytes.
pub const BYTES_PER_GB: f64 = 1_073_741_824.0;
/// Queries this console runs at once; more wait in a queue (the account limit is 100, shared
/// with dashboards and other people).
pub const DEFAULT_MAX_CONCURRENT: usize = 4;
/// The row limit sent with a query whose text has no `limit` of its own (a query with one is
/// sent without StartQuery's `limit`, so its own limit holds: see [`start_query_limit`]).
pub const DEFAULT_ROW_LIMIT: i32 = 1000;
/// GetQueryResults returns at most this many rows a call; more come page by page (nextToken).
pub const MAX_ROWS_PER_PAGE: u32 = 10_000;
/// The most rows a query can return: the largest `limit` Logs Insights accepts, in the query
/// text or as StartQuery's parameter (the API reference of StartQuery).
pub const MAX_QUERY_ROWS: u32 = 100_000;
/// Logs Insights extracts at most this many fields from a JSON event ("CloudWatch Logs Insights
/// can extract a maximum of 200 log event fields from a JSON log", Supported logs and discovered
/// fields); the rest are only in `@message`.
pub const MAX_DISCOVERED_FIELDS: usize = 200;
/// The Transaction Search span log group.
pub const SPANS_LOG_GROUP: &str = "aws/spans";
/// Where Bedrock invocation log groups are looked for when the config names none.
pub const DEFAULT_DISCOVERY_PREFIXES: &[&str] = &["/aws/bedrock"];
/// The computed cost column.
pub const COST_COLUMN: &str = "cost_usd";
/// What a redacted body shows.
pub const REDACTED: &str = "‹redacted›";

/// A record's fields, `(name, value)`, as Logs Insights returns them.
pub type Fields = Vec<(String, String)>;

/// Which log groups a query runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum GroupClass {
    /// Bedrock model invocation logs.
    #[default]
    Invocation,
    /// The application's own log groups (from the config).
    App,
    /// `aws/spans` (Transaction Search).
    Spans,
}

impl GroupClass {
    pub fn label(self) -> &'static str {
        match self {
            Self::Invocation => "invocation",
            Self::App => "app",
            Self::Spans => "spans",
        }
    }
}

/// A named query.
#[derive(Debug, Clone, PartialEq)]
pub struct Preset {
    pub name: String,
    pub description: String,
    pub query: String,
    pub groups: GroupClass,
    /// From the compiled-in file (false: from the user's config).
    pub builtin: bool,
}

/// A query as written in a config file: `[queries.<name>]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueryDef {
    pub query: String,
    #[serde(default)]
    pub groups: Option<GroupClass>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PresetFile {
    preset: Vec<PresetEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PresetEntry {
    name: String,
    groups: GroupClass,
    description: String,
    query: String,
}

/// The presets, in order: the built-in ones (file order, overridden in place), then the user's.
#[derive(Debug, Clone, PartialEq)]
pub struct Presets {
    list: Vec<Preset>,
}

impl Default for Presets {
    fn default() -> Self {
        let file: PresetFile = toml::from_str(BUILTIN_PRESETS).expect("the built-in presets parse");
        let list = file
            .preset
            .into_iter()
            .map(|p| Preset {
                name: p.name,
                description: p.description,
                query: p.query.trim().to_string(),
                groups: p.groups,
                builtin: true,
            })
            .collect();
        Self { list }
    }
}

fn valid_name(n: &str) -> bool {
    !n.is_empty() && n.len() <= 64 && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

impl Presets {
    /// The built-in presets with the user's `[queries.<name>]` laid over them; `origin` names the
    /// config file in errors.
    pub fn with_user(mut self, defs: &BTreeMap<String, QueryDef>, origin: &str) -> Result<Self, String> {
        for (name, def) in defs {
            if !valid_name(name) {
                return Err(format!("{origin}: queries.{name}: a query name is 1 to 64 letters, digits, '-' or '_'"));
            }
            let query = def.query.trim();
            if query.is_empty() {
                return Err(format!("{origin}: queries.{name}.query: the query is empty"));
            }
            if query.chars().count() > 10_000 {
                return Err(format!("{origin}: queries.{name}.query: longer than 10,000 characters"));
            }
            match self.list.iter_mut().find(|p| &p.name == name) {
                Some(p) => {
                    p.query = query.to_string();
                    if let Some(g) = def.groups {
                        p.groups = g;
                    }
                    if let Some(d) = &def.description {
                        p.description = d.clone();
                    }
                    p.builtin = false;
                }
                None => self.list.push(Preset {
                    name: name.clone(),
                    description: def.description.clone().unwrap_or_default(),
                    query: query.to_string(),
                    groups: def.groups.unwrap_or_default(),
                    builtin: false,
                }),
            }
        }
        Ok(self)
    }

    pub fn get(&self, name: &str) -> Option<&Preset> {
        self.list.iter().find(|p| p.name == name)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Preset> {
        self.list.iter()
    }

    pub fn names(&self) -> Vec<&str> {
        self.list.iter().map(|p| p.name.as_str()).collect()
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The preset after `name` (wrapping), or the first.
    pub fn next_after(&self, name: Option<&str>) -> Option<&Preset> {
        let i = name.and_then(|n| self.list.iter().position(|p| p.name == n)).map(|i| i + 1).unwrap_or(0);
        self.list.get(i % self.list.len().max(1))
    }

    /// The preset whose text is exactly `query` (ignoring surrounding whitespace).
    pub fn matching(&self, query: &str) -> Option<&Preset> {
        let q = query.trim();
        self.list.iter().find(|p| p.query == q)
    }
}

/// Where the logs source looks, and what it may spend.
#[derive(Debug, Clone, PartialEq)]
pub struct InsightsSettings {
    /// Invocation log groups named in the config (discovery is skipped when set).
    pub invocation_groups: Vec<String>,
    /// The application's log groups.
    pub app_groups: Vec<String>,
    /// The span log group (Transaction Search).
    pub spans_group: String,
    /// DescribeLogGroups prefixes searched for invocation log groups.
    pub discovery_prefixes: Vec<String>,
    pub usd_per_gb: f64,
    pub max_concurrent: usize,
    pub row_limit: i32,
}

impl Default for InsightsSettings {
    fn default() -> Self {
        Self {
            invocation_groups: Vec::new(),
            app_groups: Vec::new(),
            spans_group: SPANS_LOG_GROUP.into(),
            discovery_prefixes: DEFAULT_DISCOVERY_PREFIXES.iter().map(|s| s.to_string()).collect(),
            usd_per_gb: DEFAULT_USD_PER_GB,
            max_concurrent: DEFAULT_MAX_CONCURRENT,
            row_limit: DEFAULT_ROW_LIMIT,
        }
    }
}

/// The cost of scanning `bytes`.
pub fn query_cost_usd(bytes: f64, usd_per_gb: f64) -> f64 {
    bytes.max(0.0) / BYTES_PER_GB * usd_per_gb
}

/// A query's status, as Logs Insights reports it, plus `Queued` (waiting in this console's
/// queue, not yet started).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum QueryStatus {
    Queued,
    Scheduled,
    Running,
    Complete,
    Failed,
    Cancelled,
    Timeout,
    Unknown,
}

impl QueryStatus {
    /// No more polling: the query has ended one way or another.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Complete | Self::Failed | Self::Cancelled | Self::Timeout | Self::Unknown)
    }

    /// Started on the server and not ended: must be stopped if abandoned.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Scheduled | Self::Running)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Queued => "Queued",
            Self::Scheduled => "Scheduled",
            Self::Running => "Running",
            Self::Complete => "Complete",
            Self::Failed => "Failed",
            Self::Cancelled => "Cancelled",
            Self::Timeout => "Timeout",
            Self::Unknown => "Unknown",
        }
    }

    /// Logs Insights' spelling → status (unknown spellings are `Unknown`, which is terminal).
    pub fn parse(s: &str) -> Self {
        match s {
            "Scheduled" => Self::Scheduled,
            "Running" => Self::Running,
            "Complete" => Self::Complete,
            "Failed" => Self::Failed,
            "Cancelled" => Self::Cancelled,
            "Timeout" => Self::Timeout,
            _ => Self::Unknown,
        }
    }
}

/// `statistics` of GetQueryResults.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct QueryStats {
    pub records_matched: f64,
    pub records_scanned: f64,
    pub bytes_scanned: f64,
}

/// Query results as a table: the columns in the order fields first appear, values as strings
/// (Logs Insights sends every value as a string; a missing field is an empty string), and each
/// row's `@ptr` kept aside for GetLogRecord.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ResultTable {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub ptrs: Vec<Option<String>>,
    /// Columns computed here (the cost), not returned by Logs Insights.
    pub computed: Vec<usize>,
}

impl ResultTable {
    /// Rows of `(field, value)` → a table. `@ptr` becomes the row's pointer, not a column.
    pub fn from_rows(raw: &[Vec<(String, String)>]) -> Self {
        let mut columns: Vec<String> = Vec::new();
        let mut index: BTreeMap<&str, usize> = BTreeMap::new();
        for row in raw {
            for (f, _) in row {
                if f != "@ptr" && !index.contains_key(f.as_str()) {
                    index.insert(f.as_str(), columns.len());
                    columns.push(f.clone());
                }
            }
        }
        let mut rows = Vec::with_capacity(raw.len());
        let mut ptrs = Vec::with_capacity(raw.len());
        for row in raw {
            let mut cells = vec![String::new(); columns.len()];
            let mut ptr = None;
            for (f, v) in row {
                if f == "@ptr" {
                    ptr = Some(v.clone());
                } else if let Some(i) = index.get(f.as_str()) {
                    cells[*i] = v.clone();
                }
            }
            rows.push(cells);
            ptrs.push(ptr);
        }
        Self { columns, rows, ptrs, computed: Vec::new() }
    }

    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// A row as `{column: value}` in column order (computed cost columns as numbers or null).
    pub fn row_json(&self, i: usize) -> serde_json::Map<String, Value> {
        let mut m = serde_json::Map::new();
        if let Some(row) = self.rows.get(i) {
            for (c, (name, v)) in self.columns.iter().zip(row).enumerate() {
                let value = if self.computed.contains(&c) {
                    v.parse::<f64>().ok().map(Value::from).unwrap_or(Value::Null)
                } else {
                    Value::String(v.clone())
                };
                m.insert(name.clone(), value);
            }
        }
        m
    }

    /// Add the `cost_usd` column when there is a model column and token columns: the cost of
    /// each row's tokens at the model's price (empty when the model has no price), placed right
    /// after the model column, where a narrow screen still shows it. Idempotent.
    pub fn add_cost_column(&mut self, prices: &PriceTable) {
        if self.column(COST_COLUMN).is_some() {
            return;
        }
        let find = |names: &[&str]| names.iter().find_map(|n| self.column(n));
        let Some(model) = find(MODEL_COLUMNS) else { return };
        let input = find(INPUT_COLUMNS);
        let output = find(OUTPUT_COLUMNS);
        if input.is_none() && output.is_none() {
            return;
        }
        let cache_read = find(CACHE_READ_COLUMNS);
        let cache_write = find(CACHE_WRITE_COLUMNS);
        let num = |row: &[String], c: Option<usize>| c.and_then(|c| row[c].trim().parse::<f64>().ok()).unwrap_or(0.0);
        for row in &mut self.rows {
            let t = Tokens {
                input: num(row, input),
                output: num(row, output),
                cache_read: num(row, cache_read),
                cache_write: num(row, cache_write),
            };
            let cost = prices.cost(row[model].trim(), t).map(|c| format!("{c:.6}")).unwrap_or_default();
            row.insert(model + 1, cost);
        }
        self.columns.insert(model + 1, COST_COLUMN.into());
        self.computed = self.computed.iter().map(|c| if *c > model { c + 1 } else { *c }).collect();
        self.computed.push(model + 1);
    }

    /// Fill the cells Logs Insights left empty although the row's `@message` holds the field: it
    /// extracts at most [`MAX_DISCOVERED_FIELDS`] fields of a JSON event, so a large invocation
    /// record (a long `input.inputBodyJson`) loses the fields after them, `input.inputTokenCount`
    /// and `output.outputTokenCount` among them. Columns named by a field path are read from the
    /// JSON in `@message`; aliases and computed columns are left alone. Returns the cells filled.
    /// `requested` are the field paths the query's `fields` named ([`requested_fields`]): Logs
    /// Insights leaves a field it did not discover out of the row, so a column no row carried is
    /// added (before the next requested column that exists) when some row has a `@message`.
    pub fn fill_from_message(&mut self, requested: &[String]) -> usize {
        if self.column("@message").is_none() {
            return 0;
        }
        if !self.rows.is_empty() {
            for (i, name) in requested.iter().enumerate() {
                if name.starts_with('@') || self.column(name).is_some() {
                    continue;
                }
                let at = requested[i + 1..].iter().find_map(|n| self.column(n)).unwrap_or(self.columns.len());
                self.columns.insert(at, name.clone());
                for row in &mut self.rows {
                    row.insert(at, String::new());
                }
                self.computed = self.computed.iter().map(|c| if *c >= at { c + 1 } else { *c }).collect();
            }
        }
        let Some(msg) = self.column("@message") else { return 0 };
        let paths: Vec<usize> = (0..self.columns.len())
            .filter(|c| {
                let name = &self.columns[*c];
                *c != msg && !name.starts_with('@') && !self.computed.contains(c)
            })
            .collect();
        let mut filled = 0;
        for row in &mut self.rows {
            if !paths.iter().any(|c| row[*c].is_empty()) {
                continue;
            }
            let Ok(v) = serde_json::from_str::<Value>(&row[msg]) else { continue };
            if !v.is_object() {
                continue;
            }
            for c in &paths {
                if row[*c].is_empty()
                    && let Some(x) = json_path(&v, &self.columns[*c])
                {
                    row[*c] = x.into_owned();
                    filled += 1;
                }
            }
        }
        filled
    }

    /// The total of the cost column, when there is one.
    pub fn total_cost(&self) -> Option<f64> {
        let c = self.column(COST_COLUMN)?;
        Some(self.rows.iter().filter_map(|r| r[c].parse::<f64>().ok()).sum())
    }
}

/// Column names that hold the model, tokens in and out, cache reads and writes.
pub const MODEL_COLUMNS: &[&str] = &["modelId", "model", "attributes.gen_ai.request.model"];
pub const INPUT_COLUMNS: &[&str] =
    &["inTok", "inputTokens", "input_tokens", "input.inputTokenCount", "sum(input.inputTokenCount)"];
pub const OUTPUT_COLUMNS: &[&str] =
    &["outTok", "outputTokens", "output_tokens", "output.outputTokenCount", "sum(output.outputTokenCount)"];
pub const CACHE_READ_COLUMNS: &[&str] = &["cacheRead", "cacheReadTokens", "input.cacheReadInputTokenCount"];
pub const CACHE_WRITE_COLUMNS: &[&str] = &["cacheWrite", "cacheWriteTokens", "input.cacheWriteInputTokenCount"];

/// True for a value that reads as a number (right-aligned, sorted numerically).
pub fn is_number(s: &str) -> bool {
    let t = s.trim();
    !t.is_empty() && t.parse::<f64>().is_ok_and(f64::is_finite)
}

/// `arn:aws:sts::123456789012:assumed-role/support-agent/loop-1` → `support-agent/loop-1`;
/// `arn:aws:iam::123456789012:user/dana` → `user/dana`. Anything else unchanged.
pub fn short_principal(arn: &str) -> &str {
    let Some(rest) = arn.strip_prefix("arn:") else { return arn };
    // partition:service:region:account:resource
    let mut parts = rest.splitn(5, ':');
    let (Some(_), Some(service), Some(_), Some(_), Some(resource)) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return arn;
    };
    if service != "sts" && service != "iam" {
        return arn;
    }
    resource.strip_prefix("assumed-role/").unwrap_or(resource)
}

/// How a cell reads on screen (before sanitising): principals shortened, epoch-millisecond
/// `@timestamp`s (as some emulators send) written like Logs Insights writes them.
pub fn display_value(column: &str, value: &str) -> String {
    if column.ends_with("identity.arn") {
        return short_principal(value).to_string();
    }
    if column == "@timestamp"
        && value.len() == 13
        && value.bytes().all(|b| b.is_ascii_digit())
        && let Ok(ms) = value.parse::<i64>()
        && let Some(t) = chrono::DateTime::from_timestamp_millis(ms)
    {
        return t.format("%Y-%m-%d %H:%M:%S%.3f").to_string();
    }
    value.to_string()
}

/// Keys whose values are prompt or completion bodies (invocation logs and OTel GenAI spans).
const BODY_KEYS: &[&str] = &[
    "inputBodyJson",
    "outputBodyJson",
    "gen_ai.prompt",
    "gen_ai.completion",
    "gen_ai.input.messages",
    "gen_ai.output.messages",
    "gen_ai.system_instructions",
];

/// Members of an invocation record's request or response body that are figures, not text: the
/// Converse response's `metrics` (`latencyMs`), `usage` and `stopReason`, the Anthropic Messages
/// body's `usage` and `stop_reason`. Redaction keeps them: the latency of a Converse call and a
/// `guardrail_intervened` stop exist nowhere else in the record.
const BODY_FIGURES: &[&str] = &["metrics", "usage", "stopReason", "stop_reason"];

/// A column that holds a body by itself (not one of its figures: `output.outputBodyJson.metrics.latencyMs`).
pub fn is_body_column(column: &str) -> bool {
    BODY_KEYS.iter().any(|k| {
        column.match_indices(k).any(|(at, _)| {
            let rest = &column[at + k.len()..];
            let member = rest.strip_prefix('.').map(|r| r.split('.').next().unwrap_or_default());
            !member.is_some_and(|m| BODY_FIGURES.contains(&m))
        })
    })
}

/// Replace every body in a JSON value with [`REDACTED`], keeping the rest (tokens, and a body
/// object's [`BODY_FIGURES`]: latency, usage, stop reason). Returns true when something was
/// redacted.
pub fn redact_json(v: &mut Value) -> bool {
    let mut any = false;
    match v {
        Value::Object(m) => {
            for (k, val) in m.iter_mut() {
                if BODY_KEYS.contains(&k.as_str()) {
                    match val {
                        // a body with figures keeps them; every other member is hidden
                        Value::Object(body) if body.keys().any(|bk| BODY_FIGURES.contains(&bk.as_str())) => {
                            for (bk, bv) in body.iter_mut() {
                                if !BODY_FIGURES.contains(&bk.as_str()) {
                                    *bv = Value::String(REDACTED.into());
                                }
                            }
                        }
                        other => *other = Value::String(REDACTED.into()),
                    }
                    any = true;
                } else {
                    any |= redact_json(val);
                }
            }
        }
        Value::Array(a) => {
            for val in a {
                any |= redact_json(val);
            }
        }
        _ => {}
    }
    any
}

/// A cell with bodies hidden: body columns entirely; `@message` with its bodies replaced (a
/// message that is not JSON is hidden whole when it comes from invocation logs).
pub fn redact_cell(column: &str, value: &str, invocation_logs: bool) -> String {
    if value.is_empty() {
        return String::new();
    }
    if is_body_column(column) {
        return REDACTED.into();
    }
    if column == "@message" {
        return match serde_json::from_str::<Value>(value) {
            Ok(mut v) if v.is_object() => {
                if redact_json(&mut v) {
                    v.to_string()
                } else {
                    value.to_string()
                }
            }
            _ if invocation_logs => REDACTED.into(),
            _ => value.to_string(),
        };
    }
    value.to_string()
}

/// A JSON object flattened to dotted paths (`output.outputBodyJson.metrics.latencyMs`), the way
/// Logs Insights discovers fields: for the row detail, when the row came back with only
/// `@message` (or an emulator that extracts no fields).
pub fn flatten_json(v: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack: Vec<(String, &Value)> = vec![(String::new(), v)];
    while let Some((path, v)) = stack.pop() {
        match v {
            Value::Object(m) => {
                for (k, val) in m.iter().rev() {
                    let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                    stack.push((p, val));
                }
            }
            Value::Array(a) if a.iter().any(|x| x.is_object() || x.is_array()) => {
                for (i, val) in a.iter().enumerate().rev() {
                    stack.push((format!("{path}.{i}"), val));
                }
            }
            Value::String(s) => out.push((path, s.clone())),
            other => out.push((path, other.to_string())),
        }
    }
    out
}

/// The two spellings of a trace id: X-Ray (`1-5759e988-bd862e3fe1be46a994272793`) and W3C
/// (`5759e988bd862e3fe1be46a994272793`, as in `aws/spans`). `None` for anything that is not a
/// trace id (which also keeps the id from breaking out of a query string).
pub fn trace_id_forms(id: &str) -> Option<(String, String)> {
    let id = id.trim();
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    if let Some(rest) = id.strip_prefix("1-") {
        let (a, b) = rest.split_once('-')?;
        if hex(a, 8) && hex(b, 24) {
            return Some((id.to_ascii_lowercase(), format!("{a}{b}").to_ascii_lowercase()));
        }
        return None;
    }
    if hex(id, 32) {
        let l = id.to_ascii_lowercase();
        return Some((format!("1-{}-{}", &l[..8], &l[8..]), l));
    }
    None
}

/// Log lines of one trace, in app log groups and `aws/spans`.
pub fn trace_logs_query(trace_id: &str) -> Option<String> {
    let (xray, w3c) = trace_id_forms(trace_id)?;
    Some(format!(
        "fields @timestamp, @log, @message\n\
         | filter traceId = \"{w3c}\" or @message like \"{xray}\" or @message like \"{w3c}\"\n\
         | sort @timestamp asc\n\
         | limit 1000"
    ))
}

/// The commands of a query (comment lines dropped): the text between the `|`s that are not inside
/// a string, a backticked name, a `/regex/`, parentheses or brackets.
pub fn query_commands(query: &str) -> Vec<String> {
    split_commands(query).into_iter().map(|(_, c)| c).collect()
}

/// `(byte offset where the command starts, its text without comment lines)` for each command.
fn split_commands(query: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut start = 0;
    let mut depth = 0usize;
    let mut line_start = true;
    let mut it = query.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        if line_start && c == '#' {
            // a comment, to the end of the line
            for (_, d) in it.by_ref() {
                if d == '\n' {
                    break;
                }
            }
            cur.push('\n');
            continue;
        }
        line_start = c == '\n' || (line_start && c.is_whitespace());
        match c {
            '"' | '\'' | '`' => {
                cur.push(c);
                while let Some((_, d)) = it.next() {
                    cur.push(d);
                    if d == '\\' && c != '`' {
                        if let Some((_, e)) = it.next() {
                            cur.push(e);
                        }
                    } else if d == c {
                        break;
                    }
                }
            }
            '/' if regex_may_start(&cur) => {
                cur.push(c);
                while let Some((_, d)) = it.next() {
                    cur.push(d);
                    if d == '\\' {
                        if let Some((_, e)) = it.next() {
                            cur.push(e);
                        }
                    } else if d == '/' {
                        break;
                    }
                }
            }
            '(' | '[' => {
                depth += 1;
                cur.push(c);
            }
            ')' | ']' => {
                depth = depth.saturating_sub(1);
                cur.push(c);
            }
            '|' if depth == 0 => {
                out.push((start, std::mem::take(&mut cur).trim().to_string()));
                start = i + 1;
            }
            _ => cur.push(c),
        }
    }
    out.push((start, cur.trim().to_string()));
    out
}

/// A `/` that opens a regex rather than dividing: after `like`, `=~`, `(`, `,`, or as the
/// pattern of `parse`.
fn regex_may_start(before: &str) -> bool {
    let t = before.trim_end();
    if t.ends_with("=~") || t.ends_with('(') || t.ends_with(',') {
        return true;
    }
    let mut words = t.split_whitespace();
    let first = words.next().unwrap_or_default();
    let last = t.split_whitespace().next_back().unwrap_or_default();
    last.eq_ignore_ascii_case("like") || (first.eq_ignore_ascii_case("parse") && !t.contains('/'))
}

/// The plain field paths a query's `fields` and `display` commands name (not expressions, not
/// aliased), in order: the columns it expects even when a row comes back without them.
pub fn requested_fields(query: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in query_commands(query) {
        let mut it = c.splitn(2, char::is_whitespace);
        let head = it.next().unwrap_or_default();
        if !(head.eq_ignore_ascii_case("fields") || head.eq_ignore_ascii_case("display")) {
            continue;
        }
        for item in split_top_level_commas(it.next().unwrap_or_default()) {
            let item = item.trim();
            // inside backticks any character goes: a field name with others than letters, digits,
            // `_`, `.` and `@` must be quoted so (Logs Insights query syntax), such as the
            // `amazon-bedrock-guardrailAction` of streamed invocation records
            let mut quoted = false;
            let plain = item.chars().all(|c| {
                if c == '`' {
                    quoted = !quoted;
                }
                quoted || c.is_ascii_alphanumeric() || "_.@$`".contains(c)
            }) && !quoted
                && !item.is_empty()
                && !item.starts_with(|c: char| c.is_ascii_digit());
            let name = item.replace('`', "");
            if plain && !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}

fn split_top_level_commas(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start, mut quote) = (0usize, 0, None::<char>);
    let mut prev = ' ';
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q && prev != '\\' => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'' | '`') => quote = Some(c),
            (None, '(' | '[') => depth += 1,
            (None, ')' | ']') => depth = depth.saturating_sub(1),
            (None, ',') if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        prev = c;
    }
    out.push(&s[start..]);
    out
}

/// The query's own `limit N` (the smallest, if it has several), from the text.
pub fn query_limit(query: &str) -> Option<u32> {
    query_commands(query)
        .iter()
        .filter_map(|c| {
            let mut w = c.split_whitespace();
            if !w.next()?.eq_ignore_ascii_case("limit") {
                return None;
            }
            let mut n = w.next()?;
            if n.eq_ignore_ascii_case("any") {
                n = w.next()?;
            }
            n.parse::<u32>().ok()
        })
        .min()
}

/// StartQuery's `limit` for `query`: none when the text has its own `limit` (the parameter
/// would cut it: a span query's `limit 10000` must not become 1,000), else `row_limit`.
pub fn start_query_limit(query: &str, row_limit: i32) -> Option<i32> {
    if query_limit(query).is_some() { None } else { Some(row_limit.clamp(1, MAX_QUERY_ROWS as i32)) }
}

/// The most rows `query` can return when sent with [`start_query_limit`]: a result with this
/// many rows may have been cut short.
pub fn row_cap(query: &str, row_limit: i32) -> u32 {
    query_limit(query).unwrap_or(row_limit.clamp(1, MAX_QUERY_ROWS as i32) as u32).min(MAX_QUERY_ROWS)
}

/// The filter that makes a window end exclusive: StartQuery's `endTime` is inclusive and is
/// compared with the events' milliseconds as `endTime × 1000` (so an event at exactly the end
/// belongs to this window and to the next one). `endTime = end − 1` would instead drop up to a
/// second of events; this keeps them and drops only the event that opens the next window.
pub fn window_end_filter(end: i64) -> String {
    format!("filter toMillis(@timestamp) < {}", end.saturating_mul(1000))
}

/// `query` with [`window_end_filter`] as its first command (after a leading `SOURCE` command,
/// which must come first), as sent to StartQuery with `endTime = end`: windows `[start, end)`
/// side by side count an event on their boundary once.
pub fn bounded_query(query: &str, end: i64) -> String {
    let filter = window_end_filter(end);
    let parts = split_commands(query);
    let source = parts
        .first()
        .is_some_and(|(_, c)| c.split_whitespace().next().is_some_and(|w| w.eq_ignore_ascii_case("source")));
    match parts.get(1) {
        Some((at, _)) if source => format!("{}\n| {filter}\n|{}", query[..at - 1].trim_end(), &query[*at..]),
        _ if source => format!("{}\n| {filter}", query.trim_end()),
        _ => format!("{filter}\n| {}", query.trim_start()),
    }
}

/// The value at a dotted path of a JSON record (`input.inputTokenCount`, arrays by index,
/// object keys that hold dots themselves such as span attributes' `gen_ai.usage.input_tokens`),
/// as Logs Insights would show it; `None` for a missing path or one that is not a leaf.
pub fn json_path<'a>(v: &'a Value, path: &str) -> Option<std::borrow::Cow<'a, str>> {
    use std::borrow::Cow;
    let leaf = |v: &'a Value| -> Option<Cow<'a, str>> {
        match v {
            Value::String(s) => Some(Cow::Borrowed(s.as_str())),
            Value::Number(n) => Some(Cow::Owned(n.to_string())),
            Value::Bool(b) => Some(Cow::Owned(b.to_string())),
            _ => None,
        }
    };
    if path.is_empty() {
        return leaf(v);
    }
    match v {
        Value::Object(m) => {
            if let Some(x) = m.get(path) {
                return leaf(x);
            }
            // the longest key that is a prefix of the path at a dot
            let mut keys: Vec<&String> = m
                .keys()
                .filter(|k| path.len() > k.len() && path.starts_with(k.as_str()) && path.as_bytes()[k.len()] == b'.')
                .collect();
            keys.sort_by_key(|k| std::cmp::Reverse(k.len()));
            keys.into_iter().find_map(|k| json_path(&m[k.as_str()], &path[k.len() + 1..]))
        }
        Value::Array(a) => {
            let (head, rest) = path.split_once('.').unwrap_or((path, ""));
            json_path(a.get(head.parse::<usize>().ok()?)?, rest)
        }
        _ => None,
    }
}

/// Every span of one trace in `aws/spans`.
pub fn trace_spans_query(trace_id: &str) -> Option<String> {
    let (_, w3c) = trace_id_forms(trace_id)?;
    Some(format!("fields @timestamp, @message\n| filter traceId = \"{w3c}\"\n| sort @timestamp asc\n| limit 10000"))
}

/// Column widths for a plain-text table that must fit `total` columns (separators of one
/// space): each column's widest cell, capped; then the widest are narrowed until it fits (never
/// below `min`), the first column (the row's key: caller, model, time) keeping 10 more.
pub fn fit_widths(natural: &[usize], total: usize, min: usize) -> Vec<usize> {
    let mut w: Vec<usize> = natural.iter().map(|n| (*n).clamp(1, 60)).collect();
    let used = |w: &[usize]| w.iter().sum::<usize>() + w.len().saturating_sub(1);
    while used(&w) > total {
        let score = |i: usize, v: usize| if i == 0 { v.saturating_sub(10) } else { v };
        let Some((i, m)) = w
            .iter()
            .copied()
            .enumerate()
            .filter(|(_, v)| *v > min)
            .max_by_key(|(i, v)| (score(*i, *v), usize::MAX - i))
        else {
            break;
        };
        w[i] = m - 1;
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_presets_are_the_issues_six_plus_spans() {
        let p = Presets::default();
        assert_eq!(
            p.names(),
            vec![
                "tokens-by-caller",
                "recent-errors",
                "errors-by-model",
                "latency-by-model",
                "tokens-by-use-case",
                "app-errors",
                "genai-spans",
                "runaway-callers",
                "runaway-sessions"
            ]
        );
        let t = p.get("tokens-by-caller").unwrap();
        assert!(t.query.contains("by identity.arn, modelId"), "{}", t.query);
        assert_eq!(t.groups, GroupClass::Invocation);
        assert_eq!(p.get("app-errors").unwrap().groups, GroupClass::App);
        assert_eq!(p.get("genai-spans").unwrap().groups, GroupClass::Spans);
        assert!(p.get("latency-by-model").unwrap().query.contains("output.outputBodyJson.metrics.latencyMs"));
        assert!(p.get("tokens-by-use-case").unwrap().query.contains("requestMetadata.use_case"));
        assert!(p.get("errors-by-model").unwrap().query.contains("by modelId, errorCode"));
        assert_eq!(p.next_after(Some("runaway-sessions")).unwrap().name, "tokens-by-caller");
        assert!(p.get("runaway-callers").unwrap().query.contains("by bin(1m) as minute, identity.arn, modelId"));
        assert_eq!(p.get("runaway-sessions").unwrap().groups, GroupClass::Spans);
        assert_eq!(p.next_after(None).unwrap().name, "tokens-by-caller");
        assert_eq!(p.next_after(Some("tokens-by-caller")).unwrap().name, "recent-errors");
        assert_eq!(p.matching(&format!("  {}\n", t.query)).unwrap().name, "tokens-by-caller");
    }

    #[test]
    fn user_queries_override_and_add_with_errors_naming_file_and_key() {
        let mut defs = BTreeMap::new();
        defs.insert(
            "tokens-by-caller".to_string(),
            QueryDef { query: " stats count(*) by identity.arn ".into(), groups: None, description: None },
        );
        defs.insert(
            "slow-rag".to_string(),
            QueryDef { query: "fields @message".into(), groups: Some(GroupClass::App), description: Some("x".into()) },
        );
        let p = Presets::default().with_user(&defs, "c.toml").unwrap();
        let t = p.get("tokens-by-caller").unwrap();
        assert_eq!(t.query, "stats count(*) by identity.arn");
        assert_eq!(t.groups, GroupClass::Invocation);
        assert!(!t.builtin);
        assert_eq!(p.names().last(), Some(&"slow-rag"));
        assert_eq!(p.get("slow-rag").unwrap().groups, GroupClass::App);

        let mut bad = BTreeMap::new();
        bad.insert("x".to_string(), QueryDef { query: "  ".into(), groups: None, description: None });
        assert_eq!(
            Presets::default().with_user(&bad, "c.toml").unwrap_err(),
            "c.toml: queries.x.query: the query is empty"
        );
        let mut bad = BTreeMap::new();
        bad.insert("a b".to_string(), QueryDef { query: "fields @message".into(), groups: None, description: None });
        assert!(Presets::default().with_user(&bad, "c.toml").unwrap_err().starts_with("c.toml: queries.a b:"));
    }

    fn raw(rows: &[&[(&str, &str)]]) -> Vec<Vec<(String, String)>> {
        rows.iter().map(|r| r.iter().map(|(f, v)| (f.to_string(), v.to_string())).collect()).collect()
    }

    #[test]
    fn stats_results_become_a_table_with_a_cost_column() {
        let sonnet = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
        let rows = raw(&[
            &[
                ("identity.arn", "arn:aws:sts::123456789012:assumed-role/agent/loop"),
                ("modelId", sonnet),
                ("inTok", "1000000"),
                ("cacheRead", "1000000"),
                ("cacheWrite", "0"),
                ("outTok", "100000"),
                ("calls", "42"),
            ],
            // a field missing in one row, an unpriced model
            &[("identity.arn", "arn:aws:iam::123456789012:user/dana"), ("modelId", "acme.x"), ("inTok", "5")],
        ]);
        let mut t = ResultTable::from_rows(&rows);
        assert_eq!(t.columns, vec!["identity.arn", "modelId", "inTok", "cacheRead", "cacheWrite", "outTok", "calls"]);
        assert_eq!(t.rows[1][5], "");
        assert_eq!(t.ptrs, vec![None, None]);
        t.add_cost_column(&PriceTable::default());
        t.add_cost_column(&PriceTable::default());
        assert_eq!(
            t.columns,
            vec!["identity.arn", "modelId", "cost_usd", "inTok", "cacheRead", "cacheWrite", "outTok", "calls"]
        );
        assert_eq!(t.computed, vec![2]);
        // 1M in × $3 + 1M cache read × $0.30 + 100k out × $15 = 3 + 0.3 + 1.5
        assert_eq!(t.rows[0][2], "4.800000");
        assert_eq!(t.rows[1][2], "");
        assert_eq!(t.rows[1][3], "5");
        assert_eq!(t.total_cost(), Some(4.8));
        let j = t.row_json(0);
        assert_eq!(j["cost_usd"], serde_json::json!(4.8));
        assert_eq!(j["calls"], serde_json::json!("42"));
        assert_eq!(t.row_json(1)["cost_usd"], Value::Null);
    }

    #[test]
    fn ptr_is_kept_aside_and_no_cost_without_tokens() {
        let mut t = ResultTable::from_rows(&raw(&[
            &[("@ptr", "p1"), ("@timestamp", "1795437176400"), ("@message", "{}")],
            &[("@ptr", "p2"), ("modelId", "m")],
        ]));
        assert_eq!(t.columns, vec!["@timestamp", "@message", "modelId"]);
        assert_eq!(t.ptrs, vec![Some("p1".into()), Some("p2".into())]);
        t.add_cost_column(&PriceTable::default());
        assert!(t.column(COST_COLUMN).is_none());
    }

    #[test]
    fn query_cost_is_per_gib() {
        assert!((query_cost_usd(BYTES_PER_GB * 10.0, DEFAULT_USD_PER_GB) - 0.05).abs() < 1e-12);
        assert_eq!(query_cost_usd(-5.0, 1.0), 0.0);
    }

    #[test]
    fn status_terminal_and_parse() {
        assert!(QueryStatus::Complete.is_terminal());
        assert!(QueryStatus::parse("Timeout").is_terminal());
        assert_eq!(QueryStatus::parse("nonsense"), QueryStatus::Unknown);
        assert!(!QueryStatus::Running.is_terminal() && QueryStatus::Running.is_active());
        assert!(!QueryStatus::Queued.is_active());
    }

    #[test]
    fn principals_and_timestamps_read_well() {
        assert_eq!(short_principal("arn:aws:sts::123456789012:assumed-role/support-agent/loop"), "support-agent/loop");
        assert_eq!(short_principal("arn:aws:iam::123456789012:user/dana"), "user/dana");
        assert_eq!(short_principal("arn:aws:lambda:us-east-1:1:function:x"), "arn:aws:lambda:us-east-1:1:function:x");
        assert_eq!(short_principal("dana"), "dana");
        assert_eq!(display_value("@timestamp", "1795437176400"), "2026-11-23 12:32:56.400");
        assert_eq!(display_value("@timestamp", "2026-11-23 12:32:56.400"), "2026-11-23 12:32:56.400");
        assert_eq!(display_value("identity.arn", "arn:aws:iam::1:user/x"), "user/x");
    }

    #[test]
    fn redaction_hides_bodies_and_keeps_numbers() {
        let msg = r#"{"modelId":"m","input":{"inputBodyJson":{"messages":[{"content":"secret prompt"}]},"inputTokenCount":12},"output":{"outputBodyJson":{"text":"secret answer"},"outputTokenCount":3}}"#;
        let r = redact_cell("@message", msg, true);
        assert!(!r.contains("secret"), "{r}");
        assert!(r.contains("\"inputTokenCount\":12") && r.contains(REDACTED), "{r}");
        assert_eq!(redact_cell("@message", "plain app line", false), "plain app line");
        assert_eq!(redact_cell("@message", "plain text body", true), REDACTED);
        assert_eq!(redact_cell("input.inputBodyJson.messages.0.content", "hi", true), REDACTED);
        assert_eq!(redact_cell("modelId", "m", true), "m");
        assert_eq!(redact_cell("@message", "", true), "");
        // a Converse body keeps its figures (latency, usage, stop reason), not its text; a
        // member named like a figure deeper down is still text
        let msg = r#"{"output":{"outputBodyJson":{"output":{"message":{"content":[{"text":"secret"}]}},"stopReason":"end_turn","metrics":{"latencyMs":271},"trace":{"usage":"secret"}}}}"#;
        let r = redact_cell("@message", msg, true);
        assert!(!r.contains("secret") && r.contains(r#""metrics":{"latencyMs":271}"#), "{r}");
        assert!(r.contains(r#""stopReason":"end_turn""#), "{r}");
        assert_eq!(redact_cell("output.outputBodyJson.metrics.latencyMs", "271", true), "271");
        assert_eq!(redact_cell("output.outputBodyJson.trace.usage", "secret", true), REDACTED);
        assert_eq!(redact_cell("output.outputBodyJson", "{}", true), REDACTED);
    }

    #[test]
    fn flatten_gives_dotted_paths() {
        let v: Value = serde_json::from_str(r#"{"a":{"b":1,"c":"x"},"d":[1,2],"e":[{"f":true}]}"#).unwrap();
        assert_eq!(
            flatten_json(&v),
            vec![
                ("a.b".to_string(), "1".to_string()),
                ("a.c".into(), "x".into()),
                ("d".into(), "[1,2]".into()),
                ("e.0.f".into(), "true".into())
            ]
        );
    }

    #[test]
    fn trace_ids_both_ways_and_nothing_else() {
        let (x, w) = trace_id_forms("1-5759E988-bd862e3fe1be46a994272793").unwrap();
        assert_eq!(
            (x.as_str(), w.as_str()),
            ("1-5759e988-bd862e3fe1be46a994272793", "5759e988bd862e3fe1be46a994272793")
        );
        assert_eq!(
            trace_id_forms("5759e988bd862e3fe1be46a994272793").unwrap().0,
            "1-5759e988-bd862e3fe1be46a994272793"
        );
        assert_eq!(trace_id_forms("1-5759e988-bd86\" or 1=1"), None);
        assert_eq!(trace_id_forms("abc"), None);
        let q = trace_logs_query("1-5759e988-bd862e3fe1be46a994272793").unwrap();
        assert!(q.contains("traceId = \"5759e988bd862e3fe1be46a994272793\""), "{q}");
        assert!(q.contains("@message like \"1-5759e988-bd862e3fe1be46a994272793\""), "{q}");
        assert!(trace_spans_query("nope").is_none());
    }

    #[test]
    fn a_query_s_own_limit_is_read_from_its_text() {
        assert_eq!(query_limit("fields @message | sort @timestamp desc | limit 25"), Some(25));
        assert_eq!(query_limit("fields @message\n| LIMIT 10000"), Some(10000));
        assert_eq!(query_limit("fields @message | limit any 5"), Some(5));
        assert_eq!(query_limit("fields @message | limit 50 | limit 20"), Some(20));
        // `limit` inside a string, a regex, a comment or a field name is no limit command
        assert_eq!(query_limit(r#"filter @message like "x | limit 5""#), None);
        assert_eq!(query_limit("filter @message like /a| limit 5/"), None);
        assert_eq!(query_limit("parse @message /(?<a>x| limit 5)/ | fields a"), None);
        assert_eq!(query_limit("# | limit 5\nfields @message"), None);
        assert_eq!(query_limit("fields limit, x | filter limit > 5"), None);
        assert_eq!(query_limit("fields durationNano / 1000 as ms | limit 7"), Some(7));
        assert_eq!(
            query_commands("fields a | filter b like /(x|y)/ and c in [\"|\"] | stats count(*) by d"),
            vec!["fields a", "filter b like /(x|y)/ and c in [\"|\"]", "stats count(*) by d"]
        );
        // StartQuery's limit only for a query without one; the cap is the one that holds
        assert_eq!(start_query_limit("fields @message | limit 10000", 1000), None);
        assert_eq!(start_query_limit("fields @message", 1000), Some(1000));
        assert_eq!(row_cap("fields @message | limit 10000", 1000), 10_000);
        assert_eq!(row_cap("fields @message", 250), 250);
        // every built-in preset carries its own limit
        for p in Presets::default().iter() {
            assert!(query_limit(&p.query).is_some(), "{}", p.name);
        }
        assert_eq!(query_limit(&trace_spans_query("5759e988bd862e3fe1be46a994272793").unwrap()), Some(10_000));
    }

    #[test]
    fn the_window_end_is_made_exclusive_by_a_first_filter() {
        assert_eq!(
            bounded_query("fields @message | limit 5", 60),
            "filter toMillis(@timestamp) < 60000\n| fields @message | limit 5"
        );
        assert_eq!(
            bounded_query("SOURCE logGroups(namePrefix: ['/aws']) | fields @message", 60),
            "SOURCE logGroups(namePrefix: ['/aws'])\n| filter toMillis(@timestamp) < 60000\n| fields @message"
        );
        assert_eq!(bounded_query("source x", 1), "source x\n| filter toMillis(@timestamp) < 1000");
    }

    #[test]
    fn cells_past_the_field_cap_are_read_from_the_message() {
        let big = serde_json::json!({
            "modelId": "m",
            "input": {"inputBodyJson": {"messages": (0..250).map(|i| serde_json::json!({"text": i.to_string()})).collect::<Vec<_>>()},
                      "inputTokenCount": 1234},
            "output": {"outputTokenCount": 56},
        })
        .to_string();
        let span = r#"{"attributes":{"gen_ai.usage.input_tokens":7,"list":[{"a":"x"}]}}"#;
        let mut t = ResultTable::from_rows(&raw(&[
            &[("modelId", "m"), ("input.inputTokenCount", ""), ("output.outputTokenCount", ""), ("@message", &big)],
            &[("modelId", "m"), ("input.inputTokenCount", "9"), ("output.outputTokenCount", "1"), ("@message", "{}")],
            &[
                ("modelId", ""),
                ("attributes.gen_ai.usage.input_tokens", ""),
                ("attributes.list.0.a", ""),
                ("@message", span),
            ],
            &[("modelId", ""), ("input.inputTokenCount", ""), ("@message", "not json")],
        ]));
        assert_eq!(t.fill_from_message(&[]), 4);
        let col = |t: &ResultTable, c: &str| t.rows.iter().map(|r| r[t.column(c).unwrap()].clone()).collect::<Vec<_>>();
        assert_eq!(col(&t, "input.inputTokenCount"), vec!["1234", "9", "", ""]);
        assert_eq!(col(&t, "output.outputTokenCount"), vec!["56", "1", "", ""]);
        assert_eq!(col(&t, "attributes.gen_ai.usage.input_tokens"), vec!["", "", "7", ""]);
        assert_eq!(col(&t, "attributes.list.0.a"), vec!["", "", "x", ""]);
        assert_eq!(col(&t, "modelId"), vec!["m", "m", "", ""], "a field the record lacks stays empty");
        t.add_cost_column(&PriceTable::default());
        assert_eq!(t.fill_from_message(&[]), 0, "nothing left to fill; the cost column is not a path");

        // a field no row carried (Logs Insights leaves undiscovered fields out of the row)
        let q = "fields @timestamp, modelId, input.inputTokenCount, output.outputTokenCount as o, `a.b`, @message";
        let req = requested_fields(q);
        assert_eq!(req, vec!["@timestamp", "modelId", "input.inputTokenCount", "a.b", "@message"]);
        // backticked names may hold any character; an unclosed backtick is no name
        let q = "fields `output.outputBodyJson.2.amazon-bedrock-guardrailAction`, `x y`.z, `open";
        assert_eq!(requested_fields(q), vec!["output.outputBodyJson.2.amazon-bedrock-guardrailAction", "x y.z"]);
        let mut t = ResultTable::from_rows(&raw(&[&[("@timestamp", "t"), ("modelId", "m"), ("@message", &big)]]));
        assert_eq!(t.fill_from_message(&req), 1);
        assert_eq!(t.columns, vec!["@timestamp", "modelId", "input.inputTokenCount", "a.b", "@message"]);
        assert_eq!(t.rows[0][2], "1234");
        assert_eq!(t.rows[0][3], "");
    }

    #[test]
    fn widths_fit() {
        let w = fit_widths(&[40, 30, 8, 8], 80, 6);
        assert!(w.iter().sum::<usize>() + 3 <= 80, "{w:?}");
        assert_eq!(&w[2..], &[8, 8]);
        // the key column is narrowed last
        assert_eq!(fit_widths(&[30, 30, 30], 80, 6), vec![30, 24, 24]);
        assert_eq!(fit_widths(&[31, 17, 40], 60, 6), vec![26, 16, 16]);
        assert_eq!(fit_widths(&[30, 6, 6], 20, 6), vec![6, 6, 6]);
        assert_eq!(fit_widths(&[5, 5], 80, 6), vec![5, 5]);
    }
}
