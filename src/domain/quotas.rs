//! Bedrock quota names from Service Quotas, read: which rate a quota limits (tokens or requests
//! per minute), for which kind of inference (on-demand in the region, a geographic cross-Region
//! profile, a global profile) and for which model; and whether that model is a given model id.
//!
//! AWS names them like `On-demand model inference tokens per minute for Anthropic Claude 3.5
//! Sonnet V2`, `Cross-region model inference requests per minute for Anthropic Claude Haiku 4.5`,
//! `Global cross-Region model inference tokens per minute for Claude Sonnet 4.5 V1` or, in newer
//! accounts, `On-demand InvokeModel tokens per minute for …`. The model part is a display name,
//! not an id: it is matched to ids by comparing words (see [`ModelKey`]). Pure: no I/O.

use serde::{Deserialize, Serialize};

/// What a quota limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuotaKind {
    /// Tokens per minute.
    Tpm,
    /// Requests per minute.
    Rpm,
}

impl QuotaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tpm => "tpm",
            Self::Rpm => "rpm",
        }
    }
}

/// Which calls a quota counts: a model called by its bare id (on-demand in the region), through a
/// geographic cross-Region inference profile (`us.`, `eu.`, `apac.`, `jp.`, `au.`, `ca.`,
/// `us-gov.`), or through a global one (`global.`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuotaScope {
    OnDemand,
    CrossRegion,
    Global,
    /// On-demand with latency-optimised inference: CloudWatch does not tell these calls apart,
    /// so no model's headroom is measured against it.
    LatencyOptimized,
    /// A per-minute rate of another kind (batch, …): kept, never applied.
    Other,
}

impl QuotaScope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OnDemand => "on_demand",
            Self::CrossRegion => "cross_region",
            Self::Global => "global",
            Self::LatencyOptimized => "latency_optimized",
            Self::Other => "other",
        }
    }

    /// For people: `on demand`, `cross-region`, `global`.
    pub fn label(self) -> &'static str {
        match self {
            Self::OnDemand => "on demand",
            Self::CrossRegion => "cross-region",
            Self::Global => "global",
            Self::LatencyOptimized => "latency-opt",
            Self::Other => "unresolved",
        }
    }
}

/// A model name reduced to words that compare: lowercase ASCII letters and digits, punctuation
/// gone, letters and digits apart, and runs of numbers joined, so `Claude 3.5 Sonnet`,
/// `claude-3-5-sonnet` and `Llama 3.1 8B` / `llama3-1-8b` meet; with the version (`V2`,
/// `-v2:0`) kept apart.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ModelKey {
    pub words: Vec<String>,
    pub version: Option<u32>,
}

/// A per-model, per-minute Bedrock quota's name, read.
#[derive(Debug, Clone, PartialEq)]
pub struct QuotaName {
    pub kind: QuotaKind,
    pub scope: QuotaScope,
    /// The model as the quota names it (`Anthropic Claude 3.5 Sonnet V2`).
    pub model: String,
    pub key: ModelKey,
}

/// Read a Bedrock quota's name. `None` for everything that is not a per-model tokens- or
/// requests-per-minute quota of the `bedrock-runtime` endpoint (tokens per day, batch job
/// sizes, the `bedrock-mantle` endpoint's separate input/output quotas, account-wide limits).
pub fn parse_quota_name(name: &str) -> Option<QuotaName> {
    let lower = name.to_ascii_lowercase();
    if lower.contains("bedrock-mantle") || lower.contains("input tokens per") || lower.contains("output tokens per") {
        return None;
    }
    let (kind, at, len) = [(QuotaKind::Tpm, "tokens per minute for "), (QuotaKind::Rpm, "requests per minute for ")]
        .into_iter()
        .find_map(|(k, pat)| lower.find(pat).map(|i| (k, i, pat.len())))?;
    // ASCII lowercasing keeps byte offsets, so `at` indexes `name` too
    let model = name.get(at + len..)?.trim();
    let key = name_key(model);
    if key.words.is_empty() {
        return None;
    }
    let prefix = lower[..at].replace(['-', '_'], " ");
    let scope = if prefix.contains("global cross region") {
        QuotaScope::Global
    } else if prefix.contains("cross region") {
        QuotaScope::CrossRegion
    } else if prefix.contains("latency") {
        QuotaScope::LatencyOptimized
    } else if prefix.contains("on demand") || prefix.trim_start().starts_with("invokemodel") {
        QuotaScope::OnDemand
    } else {
        QuotaScope::Other
    };
    Some(QuotaName { kind, scope, model: crate::sanitize::one_line(model), key })
}

/// The key of a quota's model name: a trailing `V<n>` word is its version.
pub fn name_key(model: &str) -> ModelKey {
    let spaced = model.replace('+', " plus ");
    let mut raw: Vec<String> = spaced
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let version = match raw.last().and_then(|w| version_tag(w)) {
        Some(v) if raw.len() > 1 => {
            raw.pop();
            Some(v)
        }
        _ => None,
    };
    ModelKey { words: words(&raw), version }
}

/// The provider (`anthropic`) and the key of a model id, as called or as a base id:
/// `us.anthropic.claude-3-5-sonnet-20241022-v2:0` → (`anthropic`, `claude 35 sonnet`, v2).
/// The date stamp goes; so does the `:0` revision.
pub fn id_key(model_id: &str) -> Option<(String, ModelKey)> {
    let base = super::catalog::base_model_id(model_id);
    let (provider, rest) = base.split_once('.')?;
    let rest = rest.split(':').next().unwrap_or(rest);
    let mut parts: Vec<String> = rest.split('-').filter(|w| !w.is_empty()).map(str::to_ascii_lowercase).collect();
    let mut version = None;
    while parts.len() > 1 {
        let last = parts.last().map(String::as_str).unwrap_or_default();
        if let Some(v) = version_tag(last).filter(|_| version.is_none()) {
            version = Some(v);
        } else if !(last.len() == 8 && last.chars().all(|c| c.is_ascii_digit())) {
            break;
        }
        parts.pop();
    }
    let provider: String =
        provider.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase();
    let key = ModelKey { words: words(&parts), version };
    (!key.words.is_empty() && !provider.is_empty()).then_some((provider, key))
}

/// Which quota scope calls to `model_id` count against, from its inference-profile prefix.
pub fn id_scope(model_id: &str) -> QuotaScope {
    let id = if model_id.starts_with("arn:") { model_id.rsplit('/').next().unwrap_or(model_id) } else { model_id };
    if id.starts_with("global.") {
        QuotaScope::Global
    } else if super::catalog::base_model_id(id) != id {
        QuotaScope::CrossRegion
    } else {
        QuotaScope::OnDemand
    }
}

/// Whether a quota's model name is this model id: the id's words end the name, anything before
/// them is the provider (`Anthropic`, `Mistral AI`, `AI21 Labs`) or nothing, and the versions
/// agree (no version, `V0` and `V1` are one; `V2` is only `-v2`).
pub fn key_matches(quota: &ModelKey, provider: &str, id: &ModelKey) -> bool {
    let (q, m) = (&quota.words, &id.words);
    if m.is_empty() || q.len() < m.len() || q[q.len() - m.len()..] != m[..] {
        return false;
    }
    let lead: String = q[..q.len() - m.len()].concat();
    if !lead.is_empty() && !is_provider(&lead, provider) {
        return false;
    }
    let first = |v: Option<u32>| v.is_none_or(|v| v <= 1);
    match (quota.version, id.version) {
        (Some(a), Some(b)) if a == b => true,
        (a, b) => first(a) && first(b),
    }
}

/// Whether a model id is the model a quota names (see [`key_matches`]).
pub fn quota_is_for(quota: &ModelKey, model_id: &str) -> bool {
    id_key(model_id).is_some_and(|(p, k)| key_matches(quota, &p, &k))
}

/// `mistralai` is `mistral`, `ai21labs` is `ai21`, `writerai` is `writer`.
fn is_provider(lead: &str, provider: &str) -> bool {
    let trim = |s: &str| -> String {
        let mut s = s.to_string();
        for suffix in ["ai", "labs"] {
            if s.len() > suffix.len()
                && let Some(r) = s.strip_suffix(suffix)
            {
                s = r.to_string();
            }
        }
        s
    };
    lead == provider || trim(lead) == trim(provider)
}

/// `v2` → 2.
fn version_tag(w: &str) -> Option<u32> {
    let digits = w.strip_prefix('v')?;
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Split letters from digits and join runs of numbers: `["llama3", "1", "8b"]` → `llama 318 b`.
fn words(raw: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut last_numeric = false;
    for w in raw {
        let mut cur = String::new();
        let mut cur_digit = false;
        let mut pieces: Vec<(String, bool)> = Vec::new();
        for c in w.chars() {
            let d = c.is_ascii_digit();
            if !cur.is_empty() && d != cur_digit {
                pieces.push((std::mem::take(&mut cur), cur_digit));
            }
            cur_digit = d;
            cur.push(c);
        }
        if !cur.is_empty() {
            pieces.push((cur, cur_digit));
        }
        for (p, numeric) in pieces {
            match out.last_mut() {
                Some(prev) if numeric && last_numeric => prev.push_str(&p),
                _ => out.push(p),
            }
            last_numeric = numeric;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(words: &[&str], version: Option<u32>) -> ModelKey {
        ModelKey { words: words.iter().map(|w| w.to_string()).collect(), version }
    }

    #[test]
    fn reads_the_kind_scope_and_model_of_each_naming() {
        let q =
            parse_quota_name("On-demand model inference tokens per minute for Anthropic Claude 3.5 Sonnet").unwrap();
        assert_eq!((q.kind, q.scope), (QuotaKind::Tpm, QuotaScope::OnDemand));
        assert_eq!(q.model, "Anthropic Claude 3.5 Sonnet");
        assert_eq!(q.key, key(&["anthropic", "claude", "35", "sonnet"], None));

        let q = parse_quota_name("On-demand model inference requests per minute for Anthropic Claude 3 Haiku").unwrap();
        assert_eq!((q.kind, q.scope), (QuotaKind::Rpm, QuotaScope::OnDemand));
        assert_eq!(q.key, key(&["anthropic", "claude", "3", "haiku"], None));

        let q = parse_quota_name("Cross-region model inference tokens per minute for Anthropic Claude 3.7 Sonnet V1")
            .unwrap();
        assert_eq!((q.kind, q.scope), (QuotaKind::Tpm, QuotaScope::CrossRegion));
        assert_eq!(q.key, key(&["anthropic", "claude", "37", "sonnet"], Some(1)));

        // both capitalisations of "Region" occur
        for n in [
            "Global cross-Region model inference tokens per minute for Claude Sonnet 4.5 V1",
            "Global cross-region model inference tokens per minute for Claude Sonnet 4.5 V1",
        ] {
            let q = parse_quota_name(n).unwrap();
            assert_eq!((q.kind, q.scope), (QuotaKind::Tpm, QuotaScope::Global), "{n}");
            assert_eq!(q.key, key(&["claude", "sonnet", "45"], Some(1)));
        }

        // the newer "InvokeModel" naming
        let q = parse_quota_name("Cross-Region InvokeModel tokens per minute for Anthropic Claude Opus 4.5").unwrap();
        assert_eq!((q.kind, q.scope), (QuotaKind::Tpm, QuotaScope::CrossRegion));
        let q = parse_quota_name("On-demand InvokeModel tokens per minute for Amazon Nova Pro").unwrap();
        assert_eq!((q.kind, q.scope), (QuotaKind::Tpm, QuotaScope::OnDemand));
        let q = parse_quota_name("InvokeModel requests per minute for Meta Llama 3.1 8B Instruct").unwrap();
        assert_eq!((q.kind, q.scope), (QuotaKind::Rpm, QuotaScope::OnDemand));
        assert_eq!(q.key, key(&["meta", "llama", "318", "b", "instruct"], None));

        let q = parse_quota_name(
            "On-demand latency-optimized model inference tokens per minute for Anthropic Claude 3.5 Haiku",
        )
        .unwrap();
        assert_eq!(q.scope, QuotaScope::LatencyOptimized);
        let q = parse_quota_name("Batch inference tokens per minute for Amazon Nova Lite").unwrap();
        assert_eq!(q.scope, QuotaScope::Other);
    }

    #[test]
    fn other_quotas_are_not_per_minute_model_rates() {
        for n in [
            "Model invocation max tokens per day for Anthropic Claude 3.5 Sonnet",
            "Global cross-region model inference tokens per day for Anthropic Claude Sonnet 4 V1",
            "Cross-Model Max Tokens Per Day",
            "[bedrock-mantle endpoint] Input tokens per minute for OpenAI GPT OSS 120B",
            "[bedrock-mantle endpoint] Output tokens per minute for OpenAI GPT OSS 120B",
            "Batch inference job size (in GB)",
            "Agents per account",
            "On-demand model inference tokens per minute for ",
            "",
        ] {
            assert_eq!(parse_quota_name(n), None, "{n}");
        }
    }

    #[test]
    fn model_ids_reduce_to_the_same_words() {
        let k = |id: &str| id_key(id).unwrap();
        assert_eq!(
            k("us.anthropic.claude-3-5-sonnet-20241022-v2:0"),
            ("anthropic".into(), key(&["claude", "35", "sonnet"], Some(2)))
        );
        assert_eq!(k("anthropic.claude-sonnet-4-6"), ("anthropic".into(), key(&["claude", "sonnet", "46"], None)));
        assert_eq!(k("anthropic.claude-opus-4-6-v1"), ("anthropic".into(), key(&["claude", "opus", "46"], Some(1))));
        assert_eq!(
            k("meta.llama3-1-70b-instruct-v1:0"),
            ("meta".into(), key(&["llama", "3170", "b", "instruct"], Some(1)))
        );
        assert_eq!(
            k("mistral.mistral-7b-instruct-v0:2"),
            ("mistral".into(), key(&["mistral", "7", "b", "instruct"], Some(0)))
        );
        assert_eq!(
            k("mistral.mixtral-8x7b-instruct-v0:1"),
            ("mistral".into(), key(&["mixtral", "8", "x", "7", "b", "instruct"], Some(0)))
        );
        assert_eq!(k("mistral.mistral-large-2402-v1:0").1.words, ["mistral", "large", "2402"]);
        assert_eq!(k("deepseek.r1-v1:0"), ("deepseek".into(), key(&["r", "1"], Some(1))));
        assert_eq!(
            k("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0"),
            ("amazon".into(), key(&["nova", "pro"], Some(1)))
        );
        assert_eq!(id_key("no-provider-here"), None);
        assert_eq!(id_key(""), None);
    }

    #[test]
    fn the_model_id_prefix_picks_the_quota_scope() {
        assert_eq!(id_scope("anthropic.claude-3-haiku-20240307-v1:0"), QuotaScope::OnDemand);
        for p in ["us.", "eu.", "apac.", "jp.", "au.", "ca.", "us-gov."] {
            assert_eq!(id_scope(&format!("{p}anthropic.claude-3-haiku-20240307-v1:0")), QuotaScope::CrossRegion, "{p}");
        }
        assert_eq!(id_scope("global.anthropic.claude-sonnet-4-5-20250929-v1:0"), QuotaScope::Global);
        assert_eq!(
            id_scope("arn:aws:bedrock:us-east-1:1:inference-profile/us.anthropic.claude-3-haiku-20240307-v1:0"),
            QuotaScope::CrossRegion
        );
        assert_eq!(id_scope("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0"), QuotaScope::OnDemand);
    }

    fn for_(quota_name: &str, id: &str) -> bool {
        quota_is_for(&parse_quota_name(quota_name).unwrap().key, id)
    }

    #[test]
    fn names_match_ids_across_spellings() {
        let on = "On-demand model inference tokens per minute for ";
        for (model, id) in [
            ("Anthropic Claude 3.5 Sonnet", "anthropic.claude-3-5-sonnet-20240620-v1:0"),
            ("Anthropic Claude 3.5 Sonnet V2", "anthropic.claude-3-5-sonnet-20241022-v2:0"),
            ("Anthropic Claude 3.7 Sonnet V1", "us.anthropic.claude-3-7-sonnet-20250219-v1:0"),
            ("Anthropic Claude 3 Haiku", "anthropic.claude-3-haiku-20240307-v1:0"),
            ("Anthropic Claude Haiku 4.5", "anthropic.claude-haiku-4-5-20251001-v1:0"),
            ("Claude Sonnet 4.5 V1", "global.anthropic.claude-sonnet-4-5-20250929-v1:0"),
            ("Anthropic Claude Sonnet 4.6", "anthropic.claude-sonnet-4-6"),
            ("Anthropic Claude Opus 4.6 V1", "anthropic.claude-opus-4-6-v1"),
            ("Amazon Nova Pro", "amazon.nova-pro-v1:0"),
            ("Amazon Nova 2 Lite", "amazon.nova-2-lite-v1:0"),
            ("Meta Llama 3.1 70B Instruct", "meta.llama3-1-70b-instruct-v1:0"),
            ("Meta Llama 3.2 11B Instruct", "meta.llama3-2-11b-instruct-v1:0"),
            ("Mistral AI Mistral 7B Instruct", "mistral.mistral-7b-instruct-v0:2"),
            ("Mistral Mixtral 8x7B Instruct", "mistral.mixtral-8x7b-instruct-v0:1"),
            ("Mistral AI Mistral Large (24.02)", "mistral.mistral-large-2402-v1:0"),
            ("Cohere Command R+", "cohere.command-r-plus-v1:0"),
            ("Cohere Command R", "cohere.command-r-v1:0"),
            ("DeepSeek R1", "deepseek.r1-v1:0"),
            ("AI21 Labs Jamba 1.5 Large", "ai21.jamba-1-5-large-v1:0"),
        ] {
            assert!(for_(&format!("{on}{model}"), id), "{model} should be {id}");
        }
    }

    #[test]
    fn near_misses_do_not_match() {
        let on = "On-demand model inference tokens per minute for ";
        for (model, id) in [
            // the version tells v1 and v2 apart
            ("Anthropic Claude 3.5 Sonnet", "anthropic.claude-3-5-sonnet-20241022-v2:0"),
            ("Anthropic Claude 3.5 Sonnet V2", "anthropic.claude-3-5-sonnet-20240620-v1:0"),
            // another model of the family
            ("Anthropic Claude 3.5 Haiku", "anthropic.claude-haiku-4-5-20251001-v1:0"),
            ("Anthropic Claude 3 Haiku", "anthropic.claude-3-5-haiku-20241022-v1:0"),
            ("Meta Llama 3.2 1B Instruct", "meta.llama3-2-11b-instruct-v1:0"),
            ("Meta Llama 3.2 11B Instruct", "meta.llama3-2-1b-instruct-v1:0"),
            ("Cohere Command R+", "cohere.command-r-v1:0"),
            ("Cohere Command R", "cohere.command-r-plus-v1:0"),
            ("Amazon Nova 2 Lite", "amazon.nova-lite-v1:0"),
            ("Amazon Nova Lite", "amazon.nova-2-lite-v1:0"),
            // the id's words end the name, but what comes before is not the provider
            ("Amazon Nova Lite", "acme.lite-v1:0"),
            ("Anthropic Claude 3 Haiku", "amazon.claude-3-haiku-v1:0"),
        ] {
            assert!(!for_(&format!("{on}{model}"), id), "{model} must not be {id}");
        }
    }

    #[test]
    fn versions_agree_or_do_not_match() {
        let (n, v1, v2) = (None, Some(1), Some(2));
        let w = key(&["claude", "35", "sonnet"], n);
        let id = |v| key(&["claude", "35", "sonnet"], v);
        assert!(key_matches(&w, "anthropic", &id(n)));
        assert!(key_matches(&w, "anthropic", &id(v1)));
        assert!(key_matches(&w, "anthropic", &id(Some(0))));
        assert!(!key_matches(&w, "anthropic", &id(v2)));
        let w2 = key(&["claude", "35", "sonnet"], v2);
        assert!(key_matches(&w2, "anthropic", &id(v2)));
        assert!(!key_matches(&w2, "anthropic", &id(n)));
        let w1 = key(&["claude", "35", "sonnet"], v1);
        assert!(key_matches(&w1, "anthropic", &id(n)));
        assert!(!key_matches(&w1, "anthropic", &id(v2)));
    }

    #[test]
    fn hostile_names_are_cleaned() {
        let q = parse_quota_name("On-demand model inference tokens per minute for Evil\u{1b}[2J Model").unwrap();
        assert!(!q.model.contains('\u{1b}'), "{:?}", q.model);
        // non-ASCII is a word break, never a panic
        let q = parse_quota_name("On-demand model inference tokens per minute for Modèle Ünicode 3").unwrap();
        assert_eq!(q.key.words, ["mod", "le", "nicode", "3"]);
    }
}
