//! Prices read live (the AWS Price List, per Region) and Bedrock application inference profiles
//! (their names, tags and the models they call), as plain data for the store.

use std::collections::BTreeMap;

use crate::domain::pricing::Price;

/// One Region's Price List figures.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PricesUpdate {
    /// The AWS Region the prices are for.
    pub region: String,
    /// Keyed like the built-in table (base ids, `global.<id>`).
    pub prices: BTreeMap<String, Price>,
    /// When the Price List was read (epoch seconds); older when it came from the cache.
    pub fetched_at: i64,
    pub from_cache: bool,
}

/// A Bedrock inference profile (`ListInferenceProfiles` / `GetInferenceProfile`), with its tags.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct InferenceProfile {
    pub arn: String,
    pub id: String,
    pub name: String,
    /// `APPLICATION` or `SYSTEM_DEFINED`.
    pub kind: String,
    /// The foundation-model ARNs it routes to.
    pub models: Vec<String>,
    /// The model it is priced as (base id), when its models name one.
    pub model_id: Option<String>,
    /// Its tags (`ListTagsForResource`): how teams label profiles by use case.
    pub tags: BTreeMap<String, String>,
}

impl InferenceProfile {
    /// The model the profile is priced as: its model in its own Region, else its first.
    pub fn pick_model(arn: &str, models: &[String]) -> Option<String> {
        let region = arn.split(':').nth(3).unwrap_or_default();
        let in_region = models.iter().find(|m| m.split(':').nth(3) == Some(region));
        in_region
            .or(models.first())
            .map(|m| crate::domain::catalog::base_model_id(m).to_string())
            .filter(|m| !m.starts_with("arn:"))
    }
}

/// One Region's application inference profiles.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InferenceProfilesUpdate {
    pub region: String,
    pub profiles: Vec<InferenceProfile>,
}
