//! The AWS Price List (`pricing:GetProducts`): each watched Region's Bedrock list prices, so costs
//! use the Region's own figures (they differ: Nova Pro is 0.96/3.84 in Tokyo, 0.80/3.20 in
//! Virginia; recent Claude models cost 10 % more in-Region than through `global.`).
//!
//! The Price List query API answers only in a few Regions (us-east-1, eu-central-1, ap-south-1):
//! the client always asks us-east-1, filtering on `regionCode` for the Region wanted. Three service
//! codes carry Bedrock models (see [`crate::domain::pricelist`]); each is read page by page
//! (`MaxResults` 100, `NextToken`, at most [`MAX_PAGES`]).
//!
//! What was read is cached on disk for a day (`~/.cache/nightjar/prices-<region>.json`, with the
//! time it was read): prices change rarely and a read is ~30 pages. A corrupt cache file is ignored
//! with a note. Optional like Service Quotas: a denied or unreachable Price List leaves a calm note
//! in the health ("… — using built-in prices") and the built-in table prices everything meanwhile;
//! the user's pricing file wins over both.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use aws_sdk_pricing::Client;
use aws_sdk_pricing::types::{Filter, FilterType};
use tokio::sync::mpsc::UnboundedSender;

use super::aws::{ErrorContext, classify};
use crate::domain::pricelist;
use crate::domain::pricing::{Price, PriceTable};
use crate::store::prices::PricesUpdate;
use crate::store::{ErrorKind, SourceError, SourceHealth, Update};

/// The IAM action this source needs.
pub const ACTION: &str = "pricing:GetProducts";
/// The Region the Price List query API is asked in.
pub const PRICING_REGION: &str = "us-east-1";
/// The Price List service codes that carry Bedrock models.
pub const SERVICE_CODES: &[&str] = &["AmazonBedrock", "AmazonBedrockService", "AmazonBedrockFoundationModels"];
/// Pages per service code at most (100 products each).
pub const MAX_PAGES: usize = 50;
/// A cached read younger than this is used instead of asking again.
pub const MAX_AGE_SECS: i64 = 24 * 3600;
/// How often the console looks again (the cache answers until it is a day old).
pub const REFRESH: Duration = Duration::from_secs(3600);

/// The on-disk cache of one Region's prices.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CacheFile {
    pub region: String,
    pub fetched_at: i64,
    pub prices: BTreeMap<String, Price>,
}

/// Where the cache lives: `$XDG_CACHE_HOME/nightjar` (`~/.cache/nightjar`).
pub fn default_cache_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "nightjar").map(|d| d.cache_dir().to_path_buf())
}

fn cache_path(dir: &Path, region: &str) -> PathBuf {
    // Region names are [a-z0-9-]; anything else is not a file name we make
    let safe: String = region.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
    dir.join(format!("prices-{safe}.json"))
}

/// The cached prices for `region`: `Ok(None)` when there is no cache, `Err(note)` when the file
/// is unreadable or corrupt (it is then ignored).
pub fn read_cache(dir: &Path, region: &str) -> Result<Option<CacheFile>, String> {
    let path = cache_path(dir, region);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("price cache {} unreadable ({e}) — ignored", path.display())),
    };
    match serde_json::from_str::<CacheFile>(&text) {
        Ok(c) if c.region == region && c.prices.values().all(valid) => Ok(Some(c)),
        Ok(_) => Err(format!("price cache {} is for another Region or holds bad prices — ignored", path.display())),
        Err(e) => Err(format!("price cache {} is corrupt ({e}) — ignored", path.display())),
    }
}

fn valid(p: &Price) -> bool {
    [Some(p.input), Some(p.output), p.cache_read, p.cache_write].iter().flatten().all(|v| v.is_finite() && *v >= 0.0)
}

/// Write the cache (atomically: a temp file, then rename). Failures are logged, not fatal.
pub fn write_cache(dir: &Path, c: &CacheFile) {
    let path = cache_path(dir, &c.region);
    let res = std::fs::create_dir_all(dir).and_then(|_| {
        let tmp = path.with_extension("json.partial");
        std::fs::write(&tmp, serde_json::to_vec(c).unwrap_or_default())?;
        std::fs::rename(&tmp, &path)
    });
    if let Err(e) = res {
        tracing::warn!("price cache {}: {e}", path.display());
    }
}

/// Reads the Price List for the watched Regions.
pub struct PricesSource {
    client: Client,
    regions: Vec<String>,
    cache_dir: Option<PathBuf>,
    builtin: PriceTable,
    ctx: ErrorContext,
    pub health: SourceHealth,
}

impl PricesSource {
    /// `client` must be configured for [`PRICING_REGION`]; `regions` are the AWS Regions watched.
    pub fn new(
        client: Client,
        regions: Vec<String>,
        cache_dir: Option<PathBuf>,
        profile: Option<&str>,
        endpoint: Option<&str>,
    ) -> Self {
        Self {
            client,
            regions,
            cache_dir,
            builtin: PriceTable::default(),
            ctx: ErrorContext::new(ACTION, profile, Some(PRICING_REGION), endpoint),
            health: SourceHealth::new("prices", None),
        }
    }

    /// Each Region's prices: from a fresh cache, else the Price List (then cached). On failure
    /// the health carries a calm note and an older cache, if any, still serves.
    pub async fn poll(&mut self, now: i64) -> Vec<PricesUpdate> {
        let mut out = Vec::new();
        let mut notes: Vec<String> = Vec::new();
        let mut failure: Option<SourceError> = None;
        for region in self.regions.clone() {
            let cached = match self.cache_dir.as_deref().map(|d| read_cache(d, &region)) {
                Some(Ok(c)) => c,
                Some(Err(note)) => {
                    notes.push(note);
                    None
                }
                None => None,
            };
            if let Some(c) = cached.as_ref().filter(|c| now - c.fetched_at < MAX_AGE_SECS && c.fetched_at <= now) {
                out.push(PricesUpdate {
                    region: region.clone(),
                    prices: c.prices.clone(),
                    fetched_at: c.fetched_at,
                    from_cache: true,
                });
                continue;
            }
            match self.fetch(&region, now).await {
                Ok(prices) => {
                    if let Some(dir) = &self.cache_dir {
                        write_cache(
                            dir,
                            &CacheFile { region: region.clone(), fetched_at: now, prices: prices.clone() },
                        );
                    }
                    out.push(PricesUpdate { region, prices, fetched_at: now, from_cache: false });
                }
                Err(e) => {
                    if let Some(c) = cached {
                        out.push(PricesUpdate { region, prices: c.prices, fetched_at: c.fetched_at, from_cache: true });
                    }
                    failure = Some(e);
                }
            }
        }
        match failure {
            Some(e) => {
                let note = fallback_note(&e, out.iter().any(|u| u.from_cache));
                self.health.record_error(e);
                notes.insert(0, note);
            }
            None => {
                self.health.record_ok(now);
                self.health.newest_data = out.iter().map(|u| u.fetched_at).max();
            }
        }
        if !notes.is_empty() {
            self.health.note = Some(notes.join("; "));
        }
        out
    }

    /// Read one Region's products from every Bedrock service code.
    pub async fn fetch(&mut self, region: &str, now: i64) -> Result<BTreeMap<String, Price>, SourceError> {
        let mut docs: Vec<String> = Vec::new();
        for code in SERVICE_CODES {
            let mut token: Option<String> = None;
            for page in 1..=MAX_PAGES {
                let filter = Filter::builder()
                    .r#type(FilterType::TermMatch)
                    .field("regionCode")
                    .value(region)
                    .build()
                    .map_err(|e| self.local_error(&e.to_string(), now))?;
                let res = self
                    .client
                    .get_products()
                    .service_code(*code)
                    .filters(filter)
                    .format_version("aws_v1")
                    .max_results(100)
                    .set_next_token(token.take())
                    .send()
                    .await;
                self.health.calls += 1;
                let res = res.map_err(|e| classify(&e, &self.ctx, now))?;
                docs.extend(res.price_list().iter().cloned());
                token = res.next_token().filter(|t| !t.is_empty()).map(str::to_string);
                if token.is_none() {
                    break;
                }
                if page == MAX_PAGES {
                    tracing::warn!(%region, service_code = code, "Price List: stopped after {MAX_PAGES} pages");
                }
            }
        }
        let parsed = pricelist::parse(docs.iter().map(String::as_str), region, &self.builtin);
        if !parsed.unmapped.is_empty() {
            tracing::info!(%region, unmapped = ?parsed.unmapped, "Price List models with no Bedrock id in pricelist_models.toml");
        }
        Ok(parsed.prices)
    }

    fn local_error(&self, msg: &str, now: i64) -> SourceError {
        SourceError {
            kind: ErrorKind::Other,
            code: None,
            message: crate::sanitize::one_line(msg),
            hint: String::new(),
            at: now,
        }
    }
}

/// What the operator reads instead of an error: why the Price List was not read, and what prices
/// are used meanwhile.
pub fn fallback_note(e: &SourceError, cached: bool) -> String {
    let meanwhile = if cached { "using the cached Price List" } else { "using built-in prices" };
    if e.kind == ErrorKind::AccessDenied {
        return format!("Price List not readable ({ACTION} denied) — {meanwhile}");
    }
    let why = match e.kind {
        ErrorKind::Throttled => "throttled".to_string(),
        ErrorKind::Unreachable => "unreachable".to_string(),
        _ => e.code.clone().filter(|c| !c.is_empty()).unwrap_or_else(|| e.message.clone()),
    };
    let why: String = crate::sanitize::one_line(&why).chars().take(80).collect();
    format!("Price List not read ({why}) — {meanwhile}")
}

/// Read the prices until the UI goes away: now, then every [`REFRESH`] (the cache answers until
/// it is a day old).
pub fn spawn(mut src: PricesSource, tx: UnboundedSender<Update>) {
    tokio::spawn(async move {
        loop {
            for u in src.poll(super::aws::now()).await {
                if tx.send(Update::Prices(u)).is_err() {
                    return;
                }
            }
            if tx.send(Update::Health(src.health.clone())).is_err() {
                return;
            }
            tokio::time::sleep(REFRESH).await;
            if tx.is_closed() {
                return;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_pricing::operation::get_products::{GetProductsError, GetProductsOutput};
    use aws_smithy_mocks::{RuleMode, mock, mock_client};

    fn fixture_docs(name: &str) -> Vec<String> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real/pricing").join(name);
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        v["PriceList"].as_array().unwrap().iter().map(|d| d.as_str().unwrap().to_string()).collect()
    }

    fn temp_dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("nightjar-prices-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[tokio::test]
    async fn pages_are_followed_and_the_read_is_cached() {
        let docs = fixture_docs("get-products-us-east-1.json");
        let (first, rest) = docs.split_at(10);
        let (first, rest) = (first.to_vec(), rest.to_vec());
        let p1 = mock!(Client::get_products)
            .match_requests(|r| r.service_code() == Some("AmazonBedrock") && r.next_token().is_none())
            .then_output(move || {
                GetProductsOutput::builder().set_price_list(Some(first.clone())).next_token("p2").build()
            });
        let p2 = mock!(Client::get_products)
            .match_requests(|r| r.next_token() == Some("p2"))
            .then_output(move || GetProductsOutput::builder().set_price_list(Some(rest.clone())).build());
        let other = mock!(Client::get_products).then_output(|| GetProductsOutput::builder().build());
        let client = mock_client!(aws_sdk_pricing, RuleMode::MatchAny, [&p1, &p2, &other]);
        let dir = temp_dir("cache");
        let mut src = PricesSource::new(client, vec!["us-east-1".into()], Some(dir.clone()), None, None);
        let u = src.poll(1000).await;
        assert_eq!(u.len(), 1);
        assert!(!u[0].from_cache);
        assert_eq!(u[0].prices["anthropic.claude-haiku-4-5-20251001-v1:0"].input, 1.1);
        assert_eq!(src.health.calls, 4, "two pages of one code, one page each of the other two");
        assert!(src.health.note.is_none());
        // a second read within the day comes from the cache, without a call
        let u = src.poll(2000).await;
        assert!(u[0].from_cache);
        assert_eq!(u[0].fetched_at, 1000);
        assert_eq!(src.health.calls, 4);
        assert_eq!(p2.num_calls(), 1);
        // a day later it is read again
        src.poll(1000 + MAX_AGE_SECS + 1).await;
        assert_eq!(p2.num_calls(), 2);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn a_corrupt_cache_is_ignored_with_a_note_and_denial_is_calm() {
        let denied = mock!(Client::get_products).then_error(|| {
            GetProductsError::generic(
                aws_smithy_types::error::ErrorMetadata::builder()
                    .code("AccessDeniedException")
                    .message("User is not authorized to perform: pricing:GetProducts")
                    .build(),
            )
        });
        let client = mock_client!(aws_sdk_pricing, [&denied]);
        let dir = temp_dir("corrupt");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("prices-eu-west-1.json"), "{not json").unwrap();
        let mut src = PricesSource::new(client, vec!["eu-west-1".into()], Some(dir.clone()), None, None);
        let u = src.poll(1000).await;
        assert!(u.is_empty());
        let note = src.health.note.clone().unwrap();
        assert!(
            note.starts_with("Price List not readable (pricing:GetProducts denied) — using built-in prices"),
            "{note}"
        );
        assert!(note.contains("is corrupt") && note.contains("ignored"), "{note}");
        assert!(!src.health.is_stale(), "a denied Price List is no error banner");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_cache_for_another_region_or_with_bad_prices_is_refused() {
        let dir = temp_dir("other");
        let c = CacheFile { region: "us-east-1".into(), fetched_at: 5, prices: BTreeMap::new() };
        write_cache(&dir, &c);
        assert_eq!(read_cache(&dir, "us-east-1").unwrap(), Some(c));
        assert_eq!(read_cache(&dir, "eu-west-1").unwrap(), None);
        std::fs::copy(dir.join("prices-us-east-1.json"), dir.join("prices-eu-west-1.json")).unwrap();
        assert!(read_cache(&dir, "eu-west-1").unwrap_err().contains("another Region"));
        let _ = std::fs::remove_dir_all(dir);
    }
}
