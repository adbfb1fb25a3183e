//! The price table: compiled-in defaults from `pricing.toml`, overridable by a user file.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::catalog::base_model_id;

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
    models: BTreeMap<String, Price>,
}

impl Default for PriceTable {
    fn default() -> Self {
        Self::parse(DEFAULT_TABLE, "built-in pricing.toml").expect("the built-in price table parses")
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
        Ok(Self { models: file.models })
    }

    /// The defaults with a user file's entries laid over them.
    pub fn with_overrides(mut self, path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let user = Self::parse(&text, &path.display().to_string())?;
        self.models.extend(user.models);
        Ok(self)
    }

    pub fn price(&self, model_id: &str) -> Option<&Price> {
        self.models.get(model_id).or_else(|| self.models.get(base_model_id(model_id)))
    }

    /// Cost in USD, or `None` when the model has no price (never a silent $0).
    /// Cache tokens without a cache price are charged at the input price.
    pub fn cost(&self, model_id: &str, t: Tokens) -> Option<f64> {
        let p = self.price(model_id)?;
        let cr = p.cache_read.unwrap_or(p.input);
        let cw = p.cache_write.unwrap_or(p.input);
        Some((t.input * p.input + t.output * p.output + t.cache_read * cr + t.cache_write * cw) / 1e6)
    }

    pub fn len(&self) -> usize {
        self.models.len()
    }

    pub fn is_empty(&self) -> bool {
        self.models.is_empty()
    }

    /// The model ids priced, as keyed (base ids).
    pub fn model_ids(&self) -> impl Iterator<Item = &str> {
        self.models.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_table_prices_prefixed_ids() {
        let t = PriceTable::default();
        assert!(t.len() > 30);
        let c = t
            .cost(
                "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                Tokens { input: 1e6, output: 1e6, ..Default::default() },
            )
            .unwrap();
        assert!((c - 18.0).abs() < 1e-9);
    }

    #[test]
    fn cache_tokens_use_cache_prices() {
        let t = PriceTable::default();
        let c = t
            .cost(
                "anthropic.claude-haiku-4-5-20251001-v1:0",
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
        assert_eq!(t.price("acme.x").unwrap().output, 0.0);
        assert!(t.price("amazon.nova-lite-v1:0").is_some());

        let bad = dir.join("bad.toml");
        std::fs::write(&bad, "[models.\"a\"]\ninput = 1.0\noutptu = 2.0\n").unwrap();
        let err = PriceTable::default().with_overrides(&bad).unwrap_err();
        assert!(err.contains("bad.toml"), "{err}");
        assert!(err.contains("outptu"), "{err}");

        std::fs::write(&bad, "[models.\"a\"]\ninput = -1.0\n").unwrap();
        let err = PriceTable::default().with_overrides(&bad).unwrap_err();
        assert!(err.contains("models.\"a\""), "{err}");
    }
}
