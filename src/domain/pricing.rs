//! The price table, in three layers: the compiled-in defaults (`pricing.toml`), the AWS Price
//! List's figures for each Region (read live by `sources::prices`), and the user's own pricing
//! file from the config. The user's file wins, then the Price List, then the built-in table;
//! every price says which of them it came from ([`PriceSource`]).
//!
//! Model ids are looked up as called: ARNs, `:NNk` context suffixes and geographic prefixes are
//! stripped ([`base_model_id`]), but a `global.` call first looks for a `global.<id>` price (the
//! global cross-Region profile costs less than in-Region calls for recent models). Application
//! inference profile ARNs are priced as the model they were resolved to
//! ([`PriceTable::set_profile_model`]).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::catalog::{base_model_id, called_model_id, is_global_profile};

const DEFAULT_TABLE: &str = include_str!("pricing.toml");

/// USD per 1M tokens.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    pub input: f64,
    #[serde(default)]
    pub output: f64,
    #[serde(default)]
    pub cache_read: Option<f64>,
    #[serde(default)]
    pub cache_write: Option<f64>,
}

/// Where a price came from, as `--once --format json` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PriceSource {
    /// The user's pricing file (`pricing_file` in the config).
    Config,
    /// The AWS Price List (pricing:GetProducts), for the Region of the call.
    PriceList,
    /// The table compiled into nightjar.
    BuiltIn,
}

impl PriceSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Config => "config",
            Self::PriceList => "price-list",
            Self::BuiltIn => "built-in",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    #[serde(default)]
    models: BTreeMap<String, Price>,
}

/// Token counts for one cost computation.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tokens {
    pub input: f64,
    pub output: f64,
    pub cache_read: f64,
    pub cache_write: f64,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PriceTable {
    /// The built-in table (older snapshots hold the built-in and config prices merged here).
    models: BTreeMap<String, Price>,
    /// The user's pricing file.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    config: BTreeMap<String, Price>,
    /// The Price List's figures, per AWS Region, keyed like the built-in table.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    live: BTreeMap<String, BTreeMap<String, Price>>,
    /// The Region whose Price List figures price a call whose Region is not known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    home_region: Option<String>,
    /// Application inference profile ARN → the model it calls.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    profiles: BTreeMap<String, String>,
}

impl Default for PriceTable {
    fn default() -> Self {
        Self::parse(DEFAULT_TABLE, "built-in pricing.toml").expect("the built-in price table parses")
    }
}

/// `profile/us-east-1` (a store label) → `us-east-1`.
fn aws_region(label: &str) -> &str {
    label.rsplit('/').next().unwrap_or(label)
}

/// True when the model id `key` (`ai21.jamba-1-5-mini-v1:0`) is `bare` with its provider prefix
/// dropped, and perhaps its version suffix too (`claude-3-5-sonnet-20240620` for
/// `anthropic.claude-3-5-sonnet-20240620-v1:0`).
fn names_bare(key: &str, bare: &str) -> bool {
    let Some((_, rest)) = key.split_once('.') else { return false };
    match rest.strip_prefix(bare) {
        Some("") => true,
        Some(tail) => tail.strip_prefix("-v").is_some_and(|v| {
            let (major, minor) = v.split_once(':').unwrap_or((v, "0"));
            !major.is_empty() && major.bytes().all(|b| b.is_ascii_digit()) && minor.bytes().all(|b| b.is_ascii_digit())
        }),
        None => false,
    }
}

impl PriceTable {
    /// Parse a table; `origin` names the file in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, String> {
        let file: TableFile = toml::from_str(text).map_err(|e| format!("{origin}: {}", e.to_string().trim()))?;
        for (id, p) in &file.models {
            let all = [Some(p.input), Some(p.output), p.cache_read, p.cache_write];
            if all.iter().flatten().any(|v| !v.is_finite() || *v < 0.0) {
                return Err(format!("{origin}: models.\"{id}\": prices must be non-negative numbers"));
            }
        }
        Ok(Self {
            models: file.models,
            config: BTreeMap::new(),
            live: BTreeMap::new(),
            home_region: None,
            profiles: BTreeMap::new(),
        })
    }

    /// The defaults with a user file's entries over them (they win over the Price List too).
    pub fn with_overrides(mut self, path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let user = Self::parse(&text, &path.display().to_string())?;
        self.config.extend(user.models);
        Ok(self)
    }

    /// The Price List's figures for one Region (replacing what was there). The first Region set
    /// prices calls whose Region is not known.
    pub fn set_live(&mut self, region: &str, prices: BTreeMap<String, Price>) {
        let region = aws_region(region).to_string();
        if self.home_region.is_none() {
            self.home_region = Some(region.clone());
        }
        self.live.insert(region, prices);
    }

    /// How many models the Price List priced in `region`.
    pub fn live_count(&self, region: &str) -> usize {
        self.live.get(aws_region(region)).map_or(0, BTreeMap::len)
    }

    /// Price an application inference profile ARN as `model_id` (the model it calls).
    pub fn set_profile_model(&mut self, profile_arn: &str, model_id: &str) {
        self.profiles.insert(profile_arn.to_string(), model_id.to_string());
    }

    /// The model an application inference profile ARN calls, when known.
    pub fn profile_model(&self, profile_arn: &str) -> Option<&str> {
        self.profiles.get(profile_arn).map(String::as_str)
    }

    /// The keys a call's price is looked up by, most specific first.
    fn keys(&self, model_id: &str) -> Vec<String> {
        let resolved = self.profiles.get(model_id).map(String::as_str).unwrap_or(model_id);
        let base = base_model_id(resolved);
        let mut keys = Vec::with_capacity(4);
        if is_global_profile(resolved) {
            keys.push(format!("global.{base}"));
        }
        keys.push(base.to_string());
        // the id exactly as called, when a table keys it so (a user's `us.…` entry)
        let called = called_model_id(resolved);
        if called != base && !keys.iter().any(|k| k == called) {
            keys.insert(0, called.to_string());
        }
        keys
    }

    /// The price of a call to `model_id` in `region` (a store label or Region; `None`: the home
    /// Region), and where it came from. Config first (any key), then for each key from the most
    /// specific: the Region's Price List figure, then the built-in one.
    pub fn price_in(&self, region: Option<&str>, model_id: &str) -> Option<(&Price, PriceSource)> {
        let keys = self.keys(model_id);
        if let Some(p) = keys.iter().find_map(|k| self.config.get(k)) {
            return Some((p, PriceSource::Config));
        }
        let region = region.map(aws_region).or(self.home_region.as_deref());
        let live = region.and_then(|r| self.live.get(r));
        for k in &keys {
            if let Some(p) = live.and_then(|l| l.get(k)) {
                return Some((p, PriceSource::PriceList));
            }
            if let Some(p) = self.models.get(k) {
                return Some((p, PriceSource::BuiltIn));
            }
        }
        // a provider-less name, as OpenInference spans record it (`llm.model_name`
        // "claude-3-5-sonnet-20240620", "jamba-1-5-mini-v1:0"): the one built-in id it names
        let bare = keys.last().map(String::as_str).unwrap_or_default();
        if !bare.contains('.') && !bare.is_empty() {
            let mut found = self.models.iter().filter(|(k, _)| !k.starts_with("global.") && names_bare(k, bare));
            if let (Some((k, _)), None) = (found.next(), found.next()) {
                let p = live.and_then(|l| l.get(k.as_str()));
                return Some(
                    p.map_or((&self.models[k.as_str()], PriceSource::BuiltIn), |p| (p, PriceSource::PriceList)),
                );
            }
        }
        None
    }

    pub fn price(&self, model_id: &str) -> Option<&Price> {
        self.price_in(None, model_id).map(|(p, _)| p)
    }

    /// Where the price of a call to `model_id` in `region` comes from (`None`: unpriced).
    pub fn source_in(&self, region: Option<&str>, model_id: &str) -> Option<PriceSource> {
        self.price_in(region, model_id).map(|(_, s)| s)
    }

    /// Cost in USD, or `None` when the model has no price (never a silent $0).
    /// Cache tokens without a cache price are charged at the input price.
    pub fn cost(&self, model_id: &str, t: Tokens) -> Option<f64> {
        self.cost_in(None, model_id, t)
    }

    /// [`PriceTable::cost`] for a call made in `region`.
    pub fn cost_in(&self, region: Option<&str>, model_id: &str, t: Tokens) -> Option<f64> {
        let (p, _) = self.price_in(region, model_id)?;
        let cr = p.cache_read.unwrap_or(p.input);
        let cw = p.cache_write.unwrap_or(p.input);
        Some((t.input * p.input + t.output * p.output + t.cache_read * cr + t.cache_write * cw) / 1e6)
    }

    /// The built-in price of a base model id, if any (the Price List parser fills cache prices
    /// the Price List does not carry from it).
    pub fn built_in(&self, key: &str) -> Option<&Price> {
        self.models.get(key)
    }

    /// Models priced by the built-in table and the config (not counting `global.` variants).
    pub fn len(&self) -> usize {
        self.model_ids().count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The model ids priced by the built-in table and the config, as keyed (base ids).
    pub fn model_ids(&self) -> impl Iterator<Item = &str> {
        let config_only = self.config.keys().filter(|k| !self.models.contains_key(*k));
        self.models.keys().chain(config_only).map(String::as_str).filter(|k| !k.starts_with("global."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MTOK: Tokens = Tokens { input: 1e6, output: 1e6, cache_read: 0.0, cache_write: 0.0 };

    #[test]
    fn default_table_prices_prefixed_ids() {
        let t = PriceTable::default();
        assert!(t.len() > 60, "{}", t.len());
        let c = t.cost("us.anthropic.claude-sonnet-4-5-20250929-v1:0", MTOK).unwrap();
        assert!((c - 18.0).abs() < 1e-9, "{c}");
        // where global costs less (Nova 2 Lite): its own price; else the base id's
        let c = t.cost("global.amazon.nova-2-lite-v1:0", MTOK).unwrap();
        assert!((c - 2.8).abs() < 1e-9, "{c}");
        let c = t.cost("us.amazon.nova-2-lite-v1:0", MTOK).unwrap();
        assert!((c - 3.08).abs() < 1e-9, "{c}");
        let c = t.cost("global.anthropic.claude-sonnet-4-20250514-v1:0", MTOK).unwrap();
        assert!((c - 18.0).abs() < 1e-9, "{c}");
    }

    #[test]
    fn cache_tokens_use_cache_prices() {
        let t = PriceTable::default();
        let c = t
            .cost(
                "global.anthropic.claude-haiku-4-5-20251001-v1:0",
                Tokens { input: 0.0, output: 0.0, cache_read: 1e6, cache_write: 1e6 },
            )
            .unwrap();
        assert!((c - 1.35).abs() < 1e-9);
    }

    #[test]
    fn unknown_model_has_no_cost() {
        assert_eq!(PriceTable::default().cost("acme.mystery-v1", Tokens::default()), None);
    }

    #[test]
    fn config_over_price_list_over_built_in_and_each_says_so() {
        let mut t = PriceTable::default();
        let nova = "apac.amazon.nova-pro-v1:0";
        assert_eq!(
            t.price_in(Some("ap-northeast-1"), nova).map(|(p, s)| (p.input, s)),
            Some((0.80, PriceSource::BuiltIn))
        );
        t.set_live(
            "ap-northeast-1",
            BTreeMap::from([(
                "amazon.nova-pro-v1:0".into(),
                Price { input: 0.96, output: 3.84, cache_read: Some(0.24), cache_write: None },
            )]),
        );
        assert_eq!(
            t.price_in(Some("ap-northeast-1"), nova).map(|(p, s)| (p.input, s)),
            Some((0.96, PriceSource::PriceList))
        );
        // a store label `profile/region` finds the Region's figures; another Region does not
        assert_eq!(t.source_in(Some("prod/ap-northeast-1"), nova), Some(PriceSource::PriceList));
        assert_eq!(t.source_in(Some("eu-west-1"), nova), Some(PriceSource::BuiltIn));
        // the first Region read is the home Region for calls without one
        assert_eq!(t.price(nova).unwrap().input, 0.96);
        t.config.insert(
            "amazon.nova-pro-v1:0".into(),
            Price { input: 0.5, output: 1.0, cache_read: None, cache_write: None },
        );
        assert_eq!(
            t.price_in(Some("ap-northeast-1"), nova).map(|(p, s)| (p.input, s)),
            Some((0.5, PriceSource::Config))
        );
        assert_eq!(t.source_in(None, "acme.unknown"), None);
    }

    #[test]
    fn a_global_price_list_figure_wins_over_the_regional_one_for_global_calls() {
        let mut t = PriceTable::default();
        let p = |i: f64| Price { input: i, output: i * 5.0, cache_read: None, cache_write: None };
        t.set_live(
            "us-east-1",
            BTreeMap::from([
                ("anthropic.claude-haiku-4-5-20251001-v1:0".into(), p(1.1)),
                ("global.anthropic.claude-haiku-4-5-20251001-v1:0".into(), p(1.0)),
            ]),
        );
        assert_eq!(t.price_in(Some("us-east-1"), "us.anthropic.claude-haiku-4-5-20251001-v1:0").unwrap().0.input, 1.1);
        assert_eq!(
            t.price_in(Some("us-east-1"), "global.anthropic.claude-haiku-4-5-20251001-v1:0").unwrap().0.input,
            1.0
        );
    }

    #[test]
    fn application_profiles_are_priced_as_their_model() {
        let mut t = PriceTable::default();
        let arn = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123";
        assert_eq!(t.cost(arn, MTOK), None);
        t.set_profile_model(arn, "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0");
        assert!((t.cost(arn, MTOK).unwrap() - 1.5).abs() < 1e-9);
    }

    #[test]
    fn user_file_overrides_and_errors_name_the_file() {
        let dir = std::env::temp_dir().join(format!("nightjar-pricing-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("p.toml");
        std::fs::write(
            &good,
            "[models.\"amazon.nova-pro-v1:0\"]\ninput = 1.0\noutput = 2.0\n[models.\"acme.x\"]\ninput = 5.0\n",
        )
        .unwrap();
        let t = PriceTable::default().with_overrides(&good).unwrap();
        assert_eq!(t.price("amazon.nova-pro-v1:0").unwrap().input, 1.0);
        assert_eq!(t.source_in(None, "amazon.nova-pro-v1:0"), Some(PriceSource::Config));
        assert_eq!(t.price("acme.x").unwrap().output, 0.0);
        assert!(t.price("amazon.nova-lite-v1:0").is_some());
        assert!(t.model_ids().any(|m| m == "acme.x"));

        let bad = dir.join("bad.toml");
        std::fs::write(&bad, "[models.\"a\"]\ninput = 1.0\noutptu = 2.0\n").unwrap();
        let err = PriceTable::default().with_overrides(&bad).unwrap_err();
        assert!(err.contains("bad.toml"), "{err}");
        assert!(err.contains("outptu"), "{err}");

        std::fs::write(&bad, "[models.\"a\"]\ninput = -1.0\n").unwrap();
        let err = PriceTable::default().with_overrides(&bad).unwrap_err();
        assert!(err.contains("models.\"a\""), "{err}");
    }

    #[test]
    fn provider_less_names_find_the_one_model_they_name() {
        let t = PriceTable::default();
        assert_eq!(t.price("claude-3-5-sonnet-20240620").unwrap().input, 3.0);
        assert_eq!(t.price("jamba-1-5-mini-v1:0").unwrap().input, 0.2);
        assert_eq!(t.price("mistral-7b-instruct-v0:2").unwrap().output, 0.2);
        // ambiguous or partial names are not guessed
        assert!(t.price("claude-3").is_none());
        assert!(t.price("nova").is_none());
        assert!(t.price("amazon").is_none());
        assert!(t.price("").is_none());
    }

    #[test]
    fn older_snapshots_still_load() {
        let old =
            r#"{"models":{"amazon.nova-pro-v1:0":{"input":0.8,"output":3.2,"cache_read":0.2,"cache_write":null}}}"#;
        let t: PriceTable = serde_json::from_str(old).unwrap();
        assert_eq!(t.source_in(None, "us.amazon.nova-pro-v1:0"), Some(PriceSource::BuiltIn));
    }
}
