//! AWS Price List documents (pricing:GetProducts `PriceList` items, format `aws_v1`) for Amazon
//! Bedrock, read into the price table's shape: standard-tier on-demand token prices per model,
//! in-Region and `global.`, input/output/cache read/cache write, USD per 1M tokens.
//!
//! Three offers carry Bedrock models and name them differently (see the real documents in
//! `tests/fixtures/real/pricing/`):
//! * `AmazonBedrock` / `AmazonBedrockService`: a `model` (or `titanModel`) display name, an
//!   `inferenceType` ("Input tokens", "Output tokens flex", …, absent on cache rows) and a
//!   `usagetype` (`USE1-Claude4Sonnet-input-tokens-cross-region-global-batch`); prices per 1K.
//! * `AmazonBedrockFoundationModels` (Marketplace models: recent Claude, …): only `servicename`
//!   ("Claude Haiku 4.5 (Amazon Bedrock Edition)") and `usagetype`
//!   (`USE1-MP:USE1_InputTokenCount_Global-Units`); prices per 1M.
//!
//! Batch, flex, priority, provisioned/reserved throughput, latency-optimised, long-context,
//! customisation and 1-hour cache rows are not the on-demand standard price and are skipped.
//! Display names become model ids through `pricelist_models.toml` (data, tested on the real
//! documents); a name it lacks is counted as unmapped, never guessed.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::Value;

use super::pricing::{Price, PriceTable};

const NAMES: &str = include_str!("pricelist_models.toml");

/// The display name → model id table.
pub fn names() -> &'static BTreeMap<String, String> {
    static NAMES_TABLE: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    NAMES_TABLE.get_or_init(|| {
        #[derive(serde::Deserialize)]
        struct File {
            names: BTreeMap<String, String>,
        }
        toml::from_str::<File>(NAMES).expect("pricelist_models.toml parses").names
    })
}

/// Which price of a model a row gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Input,
    Output,
    CacheRead,
    CacheWrite,
}

/// One usable Price List row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The price table key: the base model id, or `global.<id>` for the global profile's price.
    pub key: String,
    pub kind: Kind,
    /// USD per 1M tokens.
    pub usd_per_mtok: f64,
    /// Mantle-endpoint rows repeat the classic ones; the classic row wins when both exist.
    pub mantle: bool,
}

/// What reading one Region's documents gave.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    pub prices: BTreeMap<String, Price>,
    /// Documents read.
    pub documents: usize,
    /// On-demand token rows whose model name the table lacks (sorted, each once).
    pub unmapped: Vec<String>,
    /// Models with an input price but no output price (a text model must have both): left out.
    pub incomplete: Vec<String>,
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("")
}

/// The model's display name in a document's attributes.
fn display_name(attrs: &Value) -> Option<String> {
    for k in ["model", "titanModel"] {
        let n = s(attrs, k).trim();
        if !n.is_empty() {
            return Some(n.to_string());
        }
    }
    s(attrs, "servicename").strip_suffix("(Amazon Bedrock Edition)").map(|n| n.trim().to_string())
}

/// The model id a display name stands for: the table, else the name itself when it already is a
/// model id the built-in table knows (`qwen.qwen3-32b-v1:0`).
pub fn model_id(name: &str, builtin: &PriceTable) -> Option<String> {
    if let Some(id) = names().get(name) {
        return Some(id.clone());
    }
    let lower = name.to_ascii_lowercase();
    (lower.contains('.') && builtin.built_in(&lower).is_some()).then_some(lower)
}

/// The kind of price and whether it is the global profile's, from a row's usage type, inference
/// type and feature; `None` for rows that are not the standard on-demand token price.
fn classify(attrs: &Value) -> Option<(Kind, bool)> {
    let ut = s(attrs, "usagetype").to_ascii_lowercase();
    let it = s(attrs, "inferenceType").to_ascii_lowercase();
    let feature = format!("{} {}", s(attrs, "feature"), s(attrs, "featuretype")).to_ascii_lowercase();
    let all = format!("{ut} {it} {feature} {}", s(attrs, "service_tier").to_ascii_lowercase());
    const NOT_ON_DEMAND: &[&str] = &[
        "batch",
        "flex",
        "priority",
        "provisioned",
        "reserved",
        "tpm",
        "customization",
        "custom-model",
        "latency",
        "long-context",
        "long context",
        "longcontext",
        "1h",
        "training",
        "storage",
    ];
    if NOT_ON_DEMAND.iter().any(|w| all.contains(w)) {
        return None;
    }
    let norm = ut.replace(['_', '-'], "");
    let global = norm.contains("global") || it.contains("global");
    let kind = if norm.contains("cacheread") || feature.contains("cache read") || it.contains("cache read") {
        Kind::CacheRead
    } else if norm.contains("cachewrite") || feature.contains("cache write") || it.contains("cache write") {
        Kind::CacheWrite
    } else if norm.contains("inputtoken") || it.contains("input token") {
        Kind::Input
    } else if norm.contains("outputtoken") || it.contains("output token") {
        Kind::Output
    } else {
        return None;
    };
    Some((kind, global))
}

/// The on-demand price per 1M tokens in a document's terms (`None`: no token price).
fn usd_per_mtok(doc: &Value) -> Option<f64> {
    let terms = doc.get("terms")?.get("OnDemand")?.as_object()?;
    for term in terms.values() {
        for dim in term.get("priceDimensions")?.as_object()?.values() {
            let per = match s(dim, "unit").to_ascii_lowercase().as_str() {
                "1k tokens" => 1000.0,
                "1m tokens" => 1.0,
                _ => continue,
            };
            let usd: f64 = dim.get("pricePerUnit")?.get("USD")?.as_str()?.trim().parse().ok()?;
            if usd.is_finite() && usd >= 0.0 {
                // 0.00384/1K is 3.84/1M, not 3.8400000000000003: the figures are decimal
                return Some((usd * per * 1e9).round() / 1e9);
            }
        }
    }
    None
}

/// One document: a usable row, `Err(name)` for an on-demand token row of an unmapped model, or
/// `Ok(None)` for anything else (other tiers, images, other Regions, malformed JSON).
pub fn read_document(text: &str, region: &str, builtin: &PriceTable) -> Result<Option<Row>, String> {
    let Ok(doc) = serde_json::from_str::<Value>(text) else { return Ok(None) };
    let Some(attrs) = doc.get("product").and_then(|p| p.get("attributes")) else { return Ok(None) };
    let code = s(attrs, "regionCode");
    if !code.is_empty() && code != region {
        return Ok(None);
    }
    let (Some((kind, global)), Some(usd)) = (classify(attrs), usd_per_mtok(&doc)) else { return Ok(None) };
    let Some(name) = display_name(attrs) else { return Ok(None) };
    let Some(id) = model_id(&name, builtin) else { return Err(crate::sanitize::one_line(&name)) };
    let key = if global { format!("global.{id}") } else { id };
    Ok(Some(Row { key, kind, usd_per_mtok: usd, mantle: s(attrs, "usagetype").contains("-mantle-") }))
}

#[derive(Default)]
struct Partial {
    // (price, from a mantle row)
    input: Option<(f64, bool)>,
    output: Option<(f64, bool)>,
    cache_read: Option<(f64, bool)>,
    cache_write: Option<(f64, bool)>,
}

/// Read one Region's documents into prices. Cache prices the Price List does not give are taken
/// from the built-in table for the same model (else cache tokens are charged at the input price).
pub fn parse<'a>(docs: impl IntoIterator<Item = &'a str>, region: &str, builtin: &PriceTable) -> Parsed {
    let mut out = Parsed::default();
    let mut partial: BTreeMap<String, Partial> = BTreeMap::new();
    let mut unmapped = std::collections::BTreeSet::new();
    for d in docs {
        out.documents += 1;
        match read_document(d, region, builtin) {
            Ok(Some(row)) => {
                let p = partial.entry(row.key).or_default();
                let slot = match row.kind {
                    Kind::Input => &mut p.input,
                    Kind::Output => &mut p.output,
                    Kind::CacheRead => &mut p.cache_read,
                    Kind::CacheWrite => &mut p.cache_write,
                };
                // a classic row over a mantle one; between equals, the first
                if slot.is_none_or(|(_, m)| m && !row.mantle) {
                    *slot = Some((row.usd_per_mtok, row.mantle));
                }
            }
            Ok(None) => {}
            Err(name) => {
                unmapped.insert(name);
            }
        }
    }
    for (key, p) in partial {
        let base = key.strip_prefix("global.").unwrap_or(&key);
        let fallback = builtin.built_in(&key).or_else(|| builtin.built_in(base));
        let Some((input, _)) = p.input else { continue };
        let embedding = fallback.is_some_and(|f| f.output == 0.0) || base.contains("embed");
        let output = match (p.output, embedding) {
            (Some((o, _)), _) => o,
            (None, true) => 0.0,
            (None, false) => {
                out.incomplete.push(key);
                continue;
            }
        };
        let cache_read = p.cache_read.map(|c| c.0).or(fallback.and_then(|f| f.cache_read));
        let cache_write = p.cache_write.map(|c| c.0).or(fallback.and_then(|f| f.cache_write));
        out.prices.insert(key, Price { input, output, cache_read, cache_write });
    }
    out.unmapped = unmapped.into_iter().collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<String> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real/pricing").join(name);
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        v["PriceList"].as_array().unwrap().iter().map(|d| d.as_str().unwrap().to_string()).collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn real_us_east_1_documents_price_the_three_offers() {
        let docs = fixture("get-products-us-east-1.json");
        let p = parse(docs.iter().map(String::as_str), "us-east-1", &PriceTable::default());
        assert_eq!(p.documents, docs.len());
        assert!(p.unmapped.is_empty(), "{:?}", p.unmapped);
        let get = |k: &str| *p.prices.get(k).unwrap_or_else(|| panic!("{k} not priced: {:?}", p.prices.keys()));
        // Marketplace (FoundationModels): Haiku 4.5 in-Region 10 % above global, per 1M as published
        let h = get("anthropic.claude-haiku-4-5-20251001-v1:0");
        assert!(close(h.input, 1.1) && close(h.output, 5.5), "{h:?}");
        assert_eq!((h.cache_read, h.cache_write), (Some(0.11), Some(1.375)));
        let hg = get("global.anthropic.claude-haiku-4-5-20251001-v1:0");
        assert!(close(hg.input, 1.0) && close(hg.output, 5.0), "{hg:?}");
        // the batch rows (0.55/2.75) did not win
        let s4 = get("anthropic.claude-sonnet-4-20250514-v1:0");
        assert!(close(s4.input, 3.0) && close(s4.output, 15.0), "{s4:?}");
        // AmazonBedrockService: global rows, per 1K; batch (1.50) and long context (6.00) skipped
        let s4g = get("global.anthropic.claude-sonnet-4-20250514-v1:0");
        assert!(close(s4g.input, 3.0) && close(s4g.output, 15.0), "{s4g:?}");
        assert!(close(s4g.cache_read.unwrap(), 0.3) && close(s4g.cache_write.unwrap(), 3.75));
        // AmazonBedrock: per 1K → per 1M; flex/priority/batch skipped
        let oss = get("openai.gpt-oss-120b-1:0");
        assert!(close(oss.input, 0.15) && close(oss.output, 0.6), "{oss:?}");
        // mantle-only rows still price a model
        let q = get("qwen.qwen3-32b-v1:0");
        assert!(close(q.input, 0.15) && close(q.output, 0.6), "{q:?}");
        // Claude 3 Haiku: an input row alone is no price (output unknown): left out, said so
        assert!(!p.prices.contains_key("anthropic.claude-3-haiku-20240307-v1:0"));
        assert_eq!(p.incomplete, vec!["anthropic.claude-3-haiku-20240307-v1:0".to_string()]);
    }

    #[test]
    fn real_ap_northeast_1_documents_give_the_regions_own_prices() {
        let docs = fixture("get-products-ap-northeast-1.json");
        let p = parse(docs.iter().map(String::as_str), "ap-northeast-1", &PriceTable::default());
        let nova = p.prices["amazon.nova-pro-v1:0"];
        // 0.96/3.84 (the built-in us-east-1 figure is 0.80/3.20); the batch row's 0.48 did not win
        assert!(close(nova.input, 0.96) && close(nova.output, 3.84), "{nova:?}");
        assert!(close(nova.cache_read.unwrap(), 0.24));
        let glm = p.prices["zai.glm-5"];
        assert!(close(glm.input, 1.2) && close(glm.output, 3.84), "{glm:?}");
        // another Region's documents give nothing
        assert!(parse(docs.iter().map(String::as_str), "eu-west-1", &PriceTable::default()).prices.is_empty());
    }

    #[test]
    fn unknown_names_are_reported_not_guessed() {
        let doc = r#"{"product":{"attributes":{"regionCode":"us-east-1","inferenceType":"Input tokens","usagetype":"USE1-Acme9-input-tokens","model":"Acme Rocket 9"}},"terms":{"OnDemand":{"a":{"priceDimensions":{"b":{"unit":"1K tokens","pricePerUnit":{"USD":"0.001"}}}}}}}"#;
        let p = parse([doc, "not json", "{}"], "us-east-1", &PriceTable::default());
        assert!(p.prices.is_empty());
        assert_eq!(p.unmapped, vec!["Acme Rocket 9".to_string()]);
        assert_eq!(p.documents, 3);
    }

    #[test]
    fn every_mapped_id_is_a_model_the_built_in_table_knows() {
        let t = PriceTable::default();
        let unknown: Vec<&String> =
            names().values().filter(|id| id.as_str() != "zai.glm-5" && t.built_in(id).is_none()).collect();
        assert!(unknown.is_empty(), "{unknown:?}");
    }
}
