//! GenAI span attributes, whatever the dialect, normalised to one model per span.
//!
//! Spans reach X-Ray with their attributes in several spellings, depending on who instrumented
//! the call and which exporter shipped it:
//!
//! * current OpenTelemetry GenAI conventions: `gen_ai.provider.name`, `gen_ai.operation.name`,
//!   `gen_ai.request.model`, `gen_ai.response.model`, `gen_ai.usage.input_tokens`,
//!   `gen_ai.usage.output_tokens`, `gen_ai.usage.cache_read.input_tokens`,
//!   `gen_ai.usage.cache_creation.input_tokens`, `gen_ai.response.finish_reasons`,
//!   `gen_ai.response.time_to_first_chunk`, `gen_ai.input.messages`, `gen_ai.output.messages`;
//! * the deprecated names older instrumentations still emit: `gen_ai.system`,
//!   `gen_ai.usage.prompt_tokens` / `completion_tokens`, `gen_ai.prompt` / `gen_ai.completion`
//!   (also indexed: `gen_ai.prompt.0.content`);
//! * the X-Ray exporter's annotation keys, where every non-alphanumeric character became `_`
//!   (`gen_ai_request_model`);
//! * OpenInference (Phoenix): `llm.model_name`, `llm.provider`, `llm.token_count.prompt` /
//!   `completion` / `total`, `llm.stop_reason`, `input.value`, `output.value`,
//!   `llm.input_messages.N.message.content`;
//! * Strands Agents: the deprecated names plus `gen_ai.usage.cache_read_input_tokens`,
//!   `gen_ai.usage.cache_write_input_tokens` and `gen_ai.server.time_to_first_token` (in
//!   milliseconds: [`server_ttft_secs`]);
//! * the seed application's own attributes: `model_id` (or `model`), `input_tokens`,
//!   `output_tokens`, `total_tokens`, `generation_cost_usd`, `embedding_cost_usd`,
//!   `total_cost_usd`, `stop_reason`, `documents_retrieved`, `avg_similarity_score`.
//!
//! Keys are compared after lower-casing and turning `.`, `-` and spaces into `_`, so the dotted
//! and the exporter's underscore spellings are one key. When several dialects carry the same
//! fact, the current OpenTelemetry name wins, then the deprecated one, then OpenInference, then
//! the seed application's. Values may be numbers, numeric strings, strings, booleans or arrays.
//!
//! Cost: a cost the application reported (`generation_cost_usd`, `embedding_cost_usd`,
//! `cost_usd`, `gen_ai.usage.cost`) is used as is; otherwise it is computed from the tokens and
//! the price table. OpenTelemetry's `input_tokens` SHOULD include cached tokens, so cache reads
//! and writes are taken out of the input before pricing them at their own rates.
//!
//! (This module is about span attributes; `genai_metrics` is about CloudWatch metrics.)

use std::collections::HashMap;

use serde_json::Value;

use super::pricing::{PriceTable, Tokens};

/// Where a span's cost came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CostSource {
    /// An attribute the application set.
    Reported,
    /// Tokens × the price table.
    Computed,
}

/// Which attribute families a span used (for the detail panel).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dialect {
    OtelGenAi,
    OtelDeprecated,
    OpenInference,
    SeedApp,
}

impl Dialect {
    pub fn label(self) -> &'static str {
        match self {
            Self::OtelGenAi => "OTel gen_ai",
            Self::OtelDeprecated => "OTel gen_ai (deprecated names)",
            Self::OpenInference => "OpenInference",
            Self::SeedApp => "application attributes",
        }
    }
}

/// The GenAI facts of one span. `None` means the span did not say.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GenAi {
    pub provider: Option<String>,
    pub operation: Option<String>,
    pub request_model: Option<String>,
    pub response_model: Option<String>,
    pub input_tokens: Option<f64>,
    pub output_tokens: Option<f64>,
    pub cache_read_tokens: Option<f64>,
    pub cache_write_tokens: Option<f64>,
    pub reasoning_tokens: Option<f64>,
    /// As reported (`gen_ai.usage.total_tokens`, `llm.token_count.total`, `total_tokens`).
    pub total_tokens: Option<f64>,
    pub finish_reasons: Vec<String>,
    /// Seconds from the request to the first streamed chunk.
    pub ttft_secs: Option<f64>,
    pub cost_usd: Option<f64>,
    pub cost_source: Option<CostSource>,
    /// `total_cost_usd`: an aggregate the application put on its root span; never summed.
    pub reported_total_cost_usd: Option<f64>,
    pub documents_retrieved: Option<f64>,
    pub avg_similarity: Option<f64>,
    /// Prompt and completion text, raw (sanitise before drawing).
    pub prompt: Option<String>,
    pub completion: Option<String>,
    pub dialects: Vec<Dialect>,
}

impl GenAi {
    /// The span's one model: the requested model, else the one that answered.
    pub fn model(&self) -> Option<&str> {
        self.request_model.as_deref().or(self.response_model.as_deref())
    }

    /// Input + output tokens, else the reported total.
    pub fn tokens(&self) -> Option<f64> {
        match (self.input_tokens, self.output_tokens) {
            (None, None) => self.total_tokens,
            (a, b) => Some(a.unwrap_or(0.0) + b.unwrap_or(0.0)),
        }
    }

    /// True when the span is a model call with usage of its own: a cost, or tokens together with
    /// a model or an operation. (Tokens alone are often an estimate, like the seed application's
    /// `prompt_construction.input_tokens`, and are not usage.)
    pub fn has_usage(&self) -> bool {
        self.cost_usd.is_some() || (self.tokens().is_some() && (self.model().is_some() || self.operation.is_some()))
    }

    pub fn is_empty(&self) -> bool {
        self.dialects.is_empty()
    }
}

/// How a canonical key is read.
#[derive(Clone, Copy)]
enum Field {
    Provider,
    Operation,
    RequestModel,
    ResponseModel,
    Input,
    Output,
    CacheRead,
    CacheWrite,
    Reasoning,
    Total,
    Finish,
    TtftSecs,
    Cost,
    TotalCost,
    Docs,
    Similarity,
    Prompt,
    Completion,
}

/// (canonical key, field, dialect), in priority order within each field.
const KEYS: &[(&str, Field, Dialect)] = &[
    ("gen_ai_provider_name", Field::Provider, Dialect::OtelGenAi),
    ("gen_ai_system", Field::Provider, Dialect::OtelDeprecated),
    ("llm_provider", Field::Provider, Dialect::OpenInference),
    ("llm_system", Field::Provider, Dialect::OpenInference),
    ("gen_ai_operation_name", Field::Operation, Dialect::OtelGenAi),
    ("gen_ai_request_model", Field::RequestModel, Dialect::OtelGenAi),
    ("llm_request_model", Field::RequestModel, Dialect::OtelDeprecated),
    ("llm_model_name", Field::RequestModel, Dialect::OpenInference),
    ("model_id", Field::RequestModel, Dialect::SeedApp),
    ("model", Field::RequestModel, Dialect::SeedApp),
    ("gen_ai_response_model", Field::ResponseModel, Dialect::OtelGenAi),
    ("llm_response_model", Field::ResponseModel, Dialect::OtelDeprecated),
    ("gen_ai_usage_input_tokens", Field::Input, Dialect::OtelGenAi),
    ("gen_ai_usage_prompt_tokens", Field::Input, Dialect::OtelDeprecated),
    ("llm_usage_prompt_tokens", Field::Input, Dialect::OtelDeprecated),
    ("llm_token_count_prompt", Field::Input, Dialect::OpenInference),
    ("input_tokens", Field::Input, Dialect::SeedApp),
    ("gen_ai_usage_output_tokens", Field::Output, Dialect::OtelGenAi),
    ("gen_ai_usage_completion_tokens", Field::Output, Dialect::OtelDeprecated),
    ("llm_usage_completion_tokens", Field::Output, Dialect::OtelDeprecated),
    ("llm_token_count_completion", Field::Output, Dialect::OpenInference),
    ("output_tokens", Field::Output, Dialect::SeedApp),
    ("gen_ai_usage_cache_read_input_tokens", Field::CacheRead, Dialect::OtelGenAi),
    ("gen_ai_usage_cache_read_tokens", Field::CacheRead, Dialect::OtelDeprecated),
    ("llm_token_count_prompt_details_cache_read", Field::CacheRead, Dialect::OpenInference),
    ("cache_read_input_tokens", Field::CacheRead, Dialect::SeedApp),
    ("gen_ai_usage_cache_creation_input_tokens", Field::CacheWrite, Dialect::OtelGenAi),
    ("gen_ai_usage_cache_write_tokens", Field::CacheWrite, Dialect::OtelDeprecated),
    ("llm_token_count_prompt_details_cache_write", Field::CacheWrite, Dialect::OpenInference),
    // Strands Agents (tests/fixtures/real/spans/agentcore-strands-*.spans.json)
    ("gen_ai_usage_cache_write_input_tokens", Field::CacheWrite, Dialect::OtelDeprecated),
    ("cache_creation_input_tokens", Field::CacheWrite, Dialect::SeedApp),
    ("cache_write_input_tokens", Field::CacheWrite, Dialect::SeedApp),
    ("gen_ai_usage_reasoning_output_tokens", Field::Reasoning, Dialect::OtelGenAi),
    ("llm_token_count_completion_details_reasoning", Field::Reasoning, Dialect::OpenInference),
    ("gen_ai_usage_total_tokens", Field::Total, Dialect::OtelDeprecated),
    ("llm_usage_total_tokens", Field::Total, Dialect::OtelDeprecated),
    ("llm_token_count_total", Field::Total, Dialect::OpenInference),
    ("total_tokens", Field::Total, Dialect::SeedApp),
    ("gen_ai_response_finish_reasons", Field::Finish, Dialect::OtelGenAi),
    ("gen_ai_response_finish_reason", Field::Finish, Dialect::OtelDeprecated),
    // OpenInference's Bedrock instrumentation (tests/fixtures/real/spans/openinference-*.json)
    ("llm_stop_reason", Field::Finish, Dialect::OpenInference),
    ("stop_reason", Field::Finish, Dialect::SeedApp),
    ("finish_reason", Field::Finish, Dialect::SeedApp),
    ("gen_ai_response_time_to_first_chunk", Field::TtftSecs, Dialect::OtelGenAi),
    ("gen_ai_usage_cost", Field::Cost, Dialect::OtelDeprecated),
    ("generation_cost_usd", Field::Cost, Dialect::SeedApp),
    ("embedding_cost_usd", Field::Cost, Dialect::SeedApp),
    ("cost_usd", Field::Cost, Dialect::SeedApp),
    ("total_cost_usd", Field::TotalCost, Dialect::SeedApp),
    ("documents_retrieved", Field::Docs, Dialect::SeedApp),
    ("avg_similarity_score", Field::Similarity, Dialect::SeedApp),
    ("gen_ai_input_messages", Field::Prompt, Dialect::OtelGenAi),
    ("gen_ai_prompt", Field::Prompt, Dialect::OtelDeprecated),
    ("input_value", Field::Prompt, Dialect::OpenInference),
    ("gen_ai_output_messages", Field::Completion, Dialect::OtelGenAi),
    ("gen_ai_completion", Field::Completion, Dialect::OtelDeprecated),
    ("output_value", Field::Completion, Dialect::OpenInference),
];

/// `gen_ai.server.time_to_first_token` set on a span, in seconds. OpenTelemetry names it (as a
/// metric, in seconds); Strands Agents writes it on its `chat` spans in milliseconds (2657 on a
/// 3.44 s span in tests/fixtures/real/spans/agentcore-strands-bedrock.spans.json). Read as
/// seconds when that fits in the span, else as milliseconds when that does; `None` when neither
/// does or the span has no duration to tell by.
pub fn server_ttft_secs(v: &Value, span_secs: Option<f64>) -> Option<f64> {
    let v = number(v).filter(|v| *v >= 0.0)?;
    let d = span_secs?;
    if v <= d {
        Some(v)
    } else if v / 1000.0 <= d {
        Some(v / 1000.0)
    } else {
        None
    }
}

/// `gen_ai.request.model` → `gen_ai_request_model`.
pub fn canonical_key(k: &str) -> String {
    k.chars().map(|c| if matches!(c, '.' | '-' | ' ' | '/' | ':') { '_' } else { c.to_ascii_lowercase() }).collect()
}

/// Flatten nested objects into dotted keys (`{"gen_ai": {"usage": {…}}}` → `gen_ai.usage.…`).
/// Arrays stay values. Depth is capped.
pub fn flatten<'a>(prefix: &str, v: &'a Value, out: &mut Vec<(String, &'a Value)>) {
    fn go<'a>(prefix: &str, v: &'a Value, out: &mut Vec<(String, &'a Value)>, depth: usize) {
        match v {
            Value::Object(m) if depth < 8 => {
                for (k, child) in m {
                    let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                    go(&key, child, out, depth + 1);
                }
            }
            _ if !prefix.is_empty() => out.push((prefix.to_string(), v)),
            _ => {}
        }
    }
    go(prefix, v, out, 0);
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64().filter(|x| x.is_finite()),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|x| x.is_finite()),
        _ => None,
    }
}

fn string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a.iter().filter_map(string).collect(),
        Value::String(s) => {
            // a JSON array sent as a string, or one reason
            match serde_json::from_str::<Value>(s) {
                Ok(Value::Array(a)) => a.iter().filter_map(string).collect(),
                _ => vec![s.clone()],
            }
        }
        other => string(other).into_iter().collect(),
    }
}

/// Text of a message list (`[{role, content}]`, `[{role, parts:[{content}]}]`) or plain text,
/// possibly JSON-encoded in a string. One line per message: `role: text`.
pub fn message_text(v: &Value) -> Option<String> {
    fn content(v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Array(parts) => {
                let t: Vec<String> = parts.iter().filter_map(content).collect();
                (!t.is_empty()).then(|| t.join("\n"))
            }
            Value::Object(o) => ["content", "text", "parts", "message"]
                .iter()
                .find_map(|k| o.get(*k).and_then(content))
                .or_else(|| o.get("result").map(|r| r.to_string())),
            _ => None,
        }
    }
    fn message(v: &Value) -> Option<String> {
        let text = content(v)?;
        match v.get("role").and_then(Value::as_str) {
            Some(role) => Some(format!("{role}: {text}")),
            None => Some(text),
        }
    }
    match v {
        Value::String(s) => match serde_json::from_str::<Value>(s) {
            Ok(j @ (Value::Array(_) | Value::Object(_))) => message_text(&j).or_else(|| Some(s.clone())),
            _ => (!s.is_empty()).then(|| s.clone()),
        },
        Value::Array(a) => {
            let lines: Vec<String> = a.iter().filter_map(message).collect();
            (!lines.is_empty()).then(|| lines.join("\n"))
        }
        Value::Object(_) => message(v),
        _ => None,
    }
}

/// Indexed message attributes: `gen_ai.prompt.0.role` + `gen_ai.prompt.0.content`,
/// `llm.input_messages.0.message.role` + `….message.content`.
fn indexed_messages(map: &HashMap<String, &Value>, prefix: &str, infix: &str) -> Option<String> {
    let mut items: Vec<(u32, String)> = Vec::new();
    let want = format!("{infix}content");
    for (k, v) in map {
        let Some(rest) = k.strip_prefix(prefix) else { continue };
        let Some((idx, tail)) = rest.split_once('_') else { continue };
        let Ok(i) = idx.parse::<u32>() else { continue };
        if tail == want
            && let Some(text) = message_text(v)
        {
            let role = map.get(&format!("{prefix}{i}_{infix}role")).and_then(|r| r.as_str());
            items.push((i, role.map(|r| format!("{r}: {text}")).unwrap_or(text)));
        }
    }
    if items.is_empty() {
        return None;
    }
    items.sort_by_key(|(i, _)| *i);
    Some(items.into_iter().map(|(_, t)| t).collect::<Vec<_>>().join("\n"))
}

/// Normalise one span's attributes. `attrs` are (key, value) pairs in priority order
/// (annotations first, then metadata namespaces); the first value for a canonical key wins.
pub fn normalise<'a, I>(attrs: I, pricing: &PriceTable) -> GenAi
where
    I: IntoIterator<Item = (&'a str, &'a Value)>,
{
    let mut map: HashMap<String, &Value> = HashMap::new();
    for (k, v) in attrs {
        map.entry(canonical_key(k)).or_insert(v);
    }
    let mut g = GenAi::default();
    let mut dialects = std::collections::BTreeSet::new();
    for (key, field, dialect) in KEYS {
        let Some(v) = map.get(*key) else { continue };
        let used = match field {
            Field::Provider => set_str(&mut g.provider, v),
            Field::Operation => set_str(&mut g.operation, v),
            Field::RequestModel => set_str(&mut g.request_model, v),
            Field::ResponseModel => set_str(&mut g.response_model, v),
            Field::Input => set_num(&mut g.input_tokens, v),
            Field::Output => set_num(&mut g.output_tokens, v),
            Field::CacheRead => set_num(&mut g.cache_read_tokens, v),
            Field::CacheWrite => set_num(&mut g.cache_write_tokens, v),
            Field::Reasoning => set_num(&mut g.reasoning_tokens, v),
            Field::Total => set_num(&mut g.total_tokens, v),
            Field::TtftSecs => set_num(&mut g.ttft_secs, v),
            Field::Cost => set_num(&mut g.cost_usd, v),
            Field::TotalCost => set_num(&mut g.reported_total_cost_usd, v),
            Field::Docs => set_num(&mut g.documents_retrieved, v),
            Field::Similarity => set_num(&mut g.avg_similarity, v),
            Field::Finish => {
                if g.finish_reasons.is_empty() {
                    g.finish_reasons = strings(v);
                    !g.finish_reasons.is_empty()
                } else {
                    false
                }
            }
            Field::Prompt => set_text(&mut g.prompt, v),
            Field::Completion => set_text(&mut g.completion, v),
        };
        if used {
            dialects.insert(*dialect);
        }
    }
    for (slot, old, open) in [
        (&mut g.prompt, "gen_ai_prompt_", "llm_input_messages_"),
        (&mut g.completion, "gen_ai_completion_", "llm_output_messages_"),
    ] {
        if slot.is_some() {
            continue;
        }
        if let Some(t) = indexed_messages(&map, old, "") {
            *slot = Some(t);
            dialects.insert(Dialect::OtelDeprecated);
        } else if let Some(t) = indexed_messages(&map, open, "message_") {
            *slot = Some(t);
            dialects.insert(Dialect::OpenInference);
        }
    }
    // OpenInference's span kind doubles as the operation
    if g.operation.is_none()
        && let Some(kind) = map.get("openinference_span_kind").and_then(|v| v.as_str())
    {
        g.operation = Some(match kind.to_ascii_uppercase().as_str() {
            "LLM" => "chat".to_string(),
            "EMBEDDING" => "embeddings".to_string(),
            "RETRIEVER" => "retrieval".to_string(),
            "TOOL" => "execute_tool".to_string(),
            "AGENT" => "invoke_agent".to_string(),
            other => other.to_ascii_lowercase(),
        });
        dialects.insert(Dialect::OpenInference);
    }
    if g.cost_usd.is_some() {
        g.cost_source = Some(CostSource::Reported);
    } else if let Some(model) = g.model()
        && g.tokens().is_some()
    {
        let cache_read = g.cache_read_tokens.unwrap_or(0.0);
        let cache_write = g.cache_write_tokens.unwrap_or(0.0);
        let input = match g.input_tokens {
            Some(i) => (i - cache_read - cache_write).max(0.0),
            // only a total: price it all as input (a lower bound for chat models)
            None if g.output_tokens.is_none() => g.total_tokens.unwrap_or(0.0),
            None => 0.0,
        };
        let t = Tokens { input, output: g.output_tokens.unwrap_or(0.0), cache_read, cache_write };
        if let Some(c) = pricing.cost(model, t) {
            g.cost_usd = Some(c);
            g.cost_source = Some(CostSource::Computed);
        }
    }
    g.dialects = dialects.into_iter().collect();
    g
}

fn set_str(slot: &mut Option<String>, v: &Value) -> bool {
    if slot.is_some() {
        return false;
    }
    *slot = string(v);
    slot.is_some()
}

fn set_num(slot: &mut Option<f64>, v: &Value) -> bool {
    if slot.is_some() {
        return false;
    }
    *slot = number(v);
    slot.is_some()
}

fn set_text(slot: &mut Option<String>, v: &Value) -> bool {
    if slot.is_some() {
        return false;
    }
    *slot = message_text(v);
    slot.is_some()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn norm(v: Value) -> GenAi {
        let mut flat = Vec::new();
        flatten("", &v, &mut flat);
        normalise(flat.iter().map(|(k, v)| (k.as_str(), *v)), &PriceTable::default())
    }

    const SONNET: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";

    #[test]
    fn current_otel_names() {
        let g = norm(json!({
            "gen_ai.provider.name": "aws.bedrock",
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": SONNET,
            "gen_ai.response.model": "claude-sonnet-4-5",
            "gen_ai.usage.input_tokens": 3000,
            "gen_ai.usage.output_tokens": 500,
            "gen_ai.usage.cache_read.input_tokens": 1000,
            "gen_ai.response.finish_reasons": ["end_turn"],
            "gen_ai.response.time_to_first_chunk": 0.42,
            "gen_ai.input.messages": [{"role": "user", "parts": [{"type": "text", "content": "why?"}]}],
            "gen_ai.output.messages": [{"role": "assistant", "parts": [{"type": "text", "content": "because"}]}],
        }));
        assert_eq!(g.provider.as_deref(), Some("aws.bedrock"));
        assert_eq!(g.operation.as_deref(), Some("chat"));
        assert_eq!(g.model(), Some(SONNET));
        assert_eq!((g.input_tokens, g.output_tokens, g.cache_read_tokens), (Some(3000.0), Some(500.0), Some(1000.0)));
        assert_eq!(g.tokens(), Some(3500.0));
        assert_eq!(g.finish_reasons, vec!["end_turn"]);
        assert_eq!(g.ttft_secs, Some(0.42));
        assert_eq!(g.prompt.as_deref(), Some("user: why?"));
        assert_eq!(g.completion.as_deref(), Some("assistant: because"));
        // (3000 − 1000 cached) × $3 + 1000 × $0.30 + 500 × $15, per million
        let want = (2000.0 * 3.0 + 1000.0 * 0.30 + 500.0 * 15.0) / 1e6;
        assert!((g.cost_usd.unwrap() - want).abs() < 1e-12, "{:?}", g.cost_usd);
        assert_eq!(g.cost_source, Some(CostSource::Computed));
        assert_eq!(g.dialects, vec![Dialect::OtelGenAi]);
    }

    #[test]
    fn deprecated_names() {
        let g = norm(json!({
            "gen_ai.system": "aws.bedrock",
            "gen_ai.request.model": "anthropic.claude-3-haiku-20240307-v1:0",
            "gen_ai.usage.prompt_tokens": "1000",
            "gen_ai.usage.completion_tokens": 200,
            "gen_ai.prompt.0.role": "user",
            "gen_ai.prompt.0.content": "hello",
            "gen_ai.prompt.1.role": "assistant",
            "gen_ai.prompt.1.content": "hi",
            "gen_ai.completion.0.content": "done",
        }));
        assert_eq!(g.provider.as_deref(), Some("aws.bedrock"));
        assert_eq!((g.input_tokens, g.output_tokens), (Some(1000.0), Some(200.0)));
        assert_eq!(g.prompt.as_deref(), Some("user: hello\nassistant: hi"));
        assert_eq!(g.completion.as_deref(), Some("done"));
        assert!((g.cost_usd.unwrap() - (1000.0 * 0.25 + 200.0 * 1.25) / 1e6).abs() < 1e-12);
        assert!(g.dialects.contains(&Dialect::OtelDeprecated));
    }

    #[test]
    fn the_current_name_wins_over_the_deprecated_one() {
        let g = norm(json!({
            "gen_ai.usage.prompt_tokens": 1,
            "gen_ai.usage.input_tokens": 2,
            "gen_ai.system": "old",
            "gen_ai.provider.name": "new",
        }));
        assert_eq!(g.input_tokens, Some(2.0));
        assert_eq!(g.provider.as_deref(), Some("new"));
    }

    #[test]
    fn xray_exporter_underscore_keys() {
        let g = norm(json!({
            "gen_ai_request_model": "amazon.nova-pro-v1:0",
            "gen_ai_usage_input_tokens": 1000000,
            "gen_ai_usage_output_tokens": 0,
            "gen_ai_response_finish_reasons": "[\"max_tokens\"]",
        }));
        assert_eq!(g.model(), Some("amazon.nova-pro-v1:0"));
        assert_eq!(g.finish_reasons, vec!["max_tokens"]);
        assert_eq!(g.cost_source, Some(CostSource::Computed));
        let nova_input = PriceTable::default().price("amazon.nova-pro-v1:0").unwrap().input;
        assert!((g.cost_usd.unwrap() - nova_input).abs() < 1e-12, "a million input tokens cost the list price");
    }

    #[test]
    fn openinference() {
        let g = norm(json!({
            "openinference.span.kind": "LLM",
            "llm.provider": "aws",
            "llm.model_name": "anthropic.claude-haiku-4-5-20251001-v1:0",
            "llm.token_count.prompt": 100,
            "llm.token_count.completion": 20,
            "llm.token_count.total": 120,
            "llm.input_messages.0.message.role": "user",
            "llm.input_messages.0.message.content": "q",
            "output.value": "a",
        }));
        assert_eq!(g.operation.as_deref(), Some("chat"));
        assert_eq!(g.model(), Some("anthropic.claude-haiku-4-5-20251001-v1:0"));
        assert_eq!((g.input_tokens, g.output_tokens, g.total_tokens), (Some(100.0), Some(20.0), Some(120.0)));
        assert_eq!(g.prompt.as_deref(), Some("user: q"));
        assert_eq!(g.completion.as_deref(), Some("a"));
        assert_eq!(g.dialects, vec![Dialect::OpenInference]);
    }

    #[test]
    fn seed_application_attributes() {
        let g = norm(json!({
            "model_id": "anthropic.claude-sonnet-4-20250514-v1:0",
            "input_tokens": 2500,
            "output_tokens": 400,
            "total_tokens": 2900,
            "generation_cost_usd": 0.0135,
            "stop_reason": "end_turn",
        }));
        assert_eq!(g.cost_usd, Some(0.0135));
        assert_eq!(g.cost_source, Some(CostSource::Reported));
        assert_eq!(g.tokens(), Some(2900.0));
        assert_eq!(g.finish_reasons, vec!["end_turn"]);
        assert_eq!(g.dialects, vec![Dialect::SeedApp]);
        let e = norm(json!({"model": "amazon.titan-embed-text-v2:0", "embedding_cost_usd": 0.00001}));
        assert_eq!(e.model(), Some("amazon.titan-embed-text-v2:0"));
        assert_eq!(e.cost_usd, Some(0.00001));
        let v = norm(json!({"documents_retrieved": 5, "avg_similarity_score": 0.71}));
        assert_eq!((v.documents_retrieved, v.avg_similarity), (Some(5.0), Some(0.71)));
        assert!(!v.has_usage());
        let root = norm(json!({"total_cost_usd": 0.0136, "total_tokens": 2900}));
        assert_eq!(root.reported_total_cost_usd, Some(0.0136));
        assert_eq!(root.cost_usd, None, "an aggregate is not the span's own cost");
    }

    #[test]
    fn seed_tokens_without_a_cost_are_priced() {
        let g = norm(json!({"model_id": SONNET, "input_tokens": 1000, "output_tokens": 100}));
        assert_eq!(g.cost_source, Some(CostSource::Computed));
        assert!((g.cost_usd.unwrap() - (1000.0 * 3.0 + 100.0 * 15.0) / 1e6).abs() < 1e-12);
    }

    #[test]
    fn nested_metadata_flattens() {
        let g =
            norm(json!({"gen_ai": {"request": {"model": SONNET}, "usage": {"input_tokens": 10, "output_tokens": 1}}}));
        assert_eq!(g.model(), Some(SONNET));
        assert_eq!(g.tokens(), Some(11.0));
    }

    #[test]
    fn unknown_model_has_no_cost_and_nothing_is_nothing() {
        let g = norm(json!({"gen_ai.request.model": "acme.secret-v1", "gen_ai.usage.input_tokens": 5}));
        assert_eq!(g.cost_usd, None);
        assert!(g.has_usage());
        let estimate = norm(json!({"input_tokens": 2000, "context_documents": 3}));
        assert_eq!(estimate.tokens(), Some(2000.0));
        assert!(!estimate.has_usage(), "tokens without a model or operation are an estimate");
        let n = norm(json!({"http.method": "GET", "foo": 1}));
        assert!(n.is_empty());
        assert_eq!(n, GenAi::default());
    }

    #[test]
    fn prompts_as_json_strings() {
        let g =
            norm(json!({"gen_ai.prompt": "[{\"role\":\"user\",\"content\":\"hi\"}]", "gen_ai.completion": "plain"}));
        assert_eq!(g.prompt.as_deref(), Some("user: hi"));
        assert_eq!(g.completion.as_deref(), Some("plain"));
    }

    #[test]
    fn server_ttft_in_seconds_or_milliseconds_by_the_span() {
        // Strands writes milliseconds: 2657 on a 3.44 s span
        assert_eq!(server_ttft_secs(&json!(2657), Some(3.44)), Some(2.657));
        assert_eq!(server_ttft_secs(&json!(0.42), Some(3.44)), Some(0.42));
        assert_eq!(server_ttft_secs(&json!("1.5"), Some(2.0)), Some(1.5));
        assert_eq!(server_ttft_secs(&json!(9000), Some(3.0)), None, "fits neither way");
        assert_eq!(server_ttft_secs(&json!(2657), None), None);
        assert_eq!(server_ttft_secs(&json!(-1), Some(3.0)), None);
    }
}
