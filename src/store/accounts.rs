//! Accounts: a monitoring account and the source accounts linked to it (CloudWatch
//! cross-account observability), each named by its OAM link label or the config's `[accounts]`
//! map — never by number alone — and what was read from each.
//!
//! Data from a linked account carries the scope label `<account label>/<region>` (as several
//! profiles carry `<profile>/<region>`), so every view that already tells scopes apart tells
//! accounts apart; [`Accounts::account_of_scope`] turns such a label back into the account.

use std::collections::{BTreeMap, BTreeSet};

use super::models::ModelRow;

/// One source account's link to a monitoring account's sink (oam:ListAttachedLinks).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Link {
    pub account: String,
    /// The link's label, its variables resolved (`$AccountName` → `payments-prod`).
    pub label: Option<String>,
    pub link_arn: String,
    pub resource_types: Vec<String>,
}

/// One Region's OAM reading: the sinks (non-empty: a monitoring account) and their links.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OrgUpdate {
    /// The scope label it was read in (`us-east-1`, `prod/us-east-1`).
    pub region: String,
    /// The monitoring account (the sinks' account), when there is a sink.
    pub monitoring: Option<String>,
    pub sinks: Vec<String>,
    pub links: Vec<Link>,
    /// Why OAM could not be read (the account is then read alone).
    pub note: Option<String>,
    /// OAM could not be asked (credentials, the network): nothing is known, nothing changes.
    #[serde(default)]
    pub failed: bool,
}

/// What one poll of one Region read from each account.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AccountRead {
    pub account: String,
    /// The Region (not the scope label).
    pub region: String,
    /// Metrics ListMetrics listed for it.
    pub metrics_found: u64,
    /// Metrics requested from it through GetMetricData, since the start.
    pub metrics_requested: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AccountsUpdate {
    Org(OrgUpdate),
    /// A metrics source's per-account counts (its scope label, then each account's).
    Read {
        scope: String,
        reads: Vec<AccountRead>,
    },
}

/// Where an account's name comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LabelSource {
    /// The config's `[accounts]` map.
    Config,
    /// The OAM link's label.
    OamLink,
    /// The monitoring account itself, not named in the config.
    Monitoring,
    /// Nothing names it: a short stand-in.
    None,
}

/// One account as `--once` reports it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AccountSummary {
    pub id: String,
    pub label: String,
    pub label_source: LabelSource,
    pub monitoring: bool,
    pub regions: Vec<String>,
    /// Model rows (model id × region) read from it.
    pub models: usize,
    pub metrics_found: u64,
    pub metrics_requested: u64,
}

/// The accounts seen, their names, and the OAM state per Region.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Accounts {
    /// Account id → name, from the config (wins over OAM labels).
    pub names: BTreeMap<String, String>,
    /// Per scope label, the last OAM reading.
    pub org: BTreeMap<String, OrgUpdate>,
    /// Per (scope label, account), what was read.
    pub reads: BTreeMap<(String, String), AccountRead>,
}

/// The label the monitoring account's own data carries when nothing names it.
pub const MONITORING_LABEL: &str = "monitoring";

impl Accounts {
    pub fn new(names: BTreeMap<String, String>) -> Self {
        Self { names, ..Default::default() }
    }

    pub fn apply(&mut self, u: AccountsUpdate) {
        match u {
            AccountsUpdate::Org(o) => {
                // a refusal or a failure keeps what an earlier reading found
                if (o.note.is_some() || o.failed) && self.org.get(&o.region).is_some_and(|p| p.monitoring.is_some()) {
                    return;
                }
                self.org.insert(o.region.clone(), o);
            }
            AccountsUpdate::Read { scope, reads } => {
                for r in reads {
                    self.reads.insert((scope.clone(), r.account.clone()), r);
                }
            }
        }
    }

    /// The monitoring account, when any Region has a sink.
    pub fn monitoring(&self) -> Option<&str> {
        self.org.values().find_map(|o| o.monitoring.as_deref())
    }

    /// Every linked source account, each once.
    pub fn linked(&self) -> BTreeSet<&str> {
        self.org.values().flat_map(|o| o.links.iter().map(|l| l.account.as_str())).collect()
    }

    /// `id`'s name and where it comes from. Never the bare number: an account nothing names is
    /// `acct …1234`.
    pub fn label(&self, id: &str) -> (String, LabelSource) {
        if let Some(n) = self.names.get(id) {
            return (crate::sanitize::one_line(n), LabelSource::Config);
        }
        if let Some(l) =
            self.org.values().flat_map(|o| &o.links).find(|l| l.account == id).and_then(|l| l.label.clone())
        {
            return (l, LabelSource::OamLink);
        }
        if self.monitoring() == Some(id) {
            return (MONITORING_LABEL.into(), LabelSource::Monitoring);
        }
        let tail: String = id.chars().skip(id.chars().count().saturating_sub(4)).collect();
        (format!("acct …{tail}"), LabelSource::None)
    }

    /// The account whose data carries `scope` (`payments-prod/us-east-1`), when accounts are
    /// told apart.
    pub fn account_of_scope(&self, scope: &str) -> Option<String> {
        let (prefix, _) = scope.rsplit_once('/')?;
        self.by_scope_prefix().remove(prefix)
    }

    /// Account label → id, for every account seen (what [`Self::account_of_scope`] looks up,
    /// built once for many rows).
    pub fn by_scope_prefix(&self) -> BTreeMap<String, String> {
        let mut ids: BTreeSet<&str> = self.linked();
        ids.extend(self.reads.keys().map(|(_, a)| a.as_str()));
        ids.extend(self.monitoring());
        ids.into_iter().map(|a| (self.label(a).0, a.to_string())).collect()
    }

    /// "monitoring 123456… · 14 linked accounts", when this is a monitoring account.
    pub fn header(&self) -> Option<String> {
        let m = self.monitoring()?;
        let n = self.linked().len();
        let short: String = m.chars().take(6).collect();
        Some(format!("monitoring {short}… · {n} linked account{}", if n == 1 { "" } else { "s" }))
    }

    /// Every account seen (the monitoring account first), with its name and what was read.
    pub fn summaries(&self, models: &[ModelRow]) -> Vec<AccountSummary> {
        let mut ids: BTreeSet<String> = self.linked().into_iter().map(str::to_string).collect();
        ids.extend(self.reads.keys().map(|(_, a)| a.clone()));
        let monitoring = self.monitoring().map(str::to_string);
        if let Some(m) = &monitoring {
            ids.insert(m.clone());
        }
        let mut out: Vec<AccountSummary> = ids
            .into_iter()
            .map(|id| {
                let (label, label_source) = self.label(&id);
                let reads: Vec<&AccountRead> = self.reads.values().filter(|r| r.account == id).collect();
                let mut regions: Vec<String> = reads.iter().map(|r| r.region.clone()).collect();
                regions.sort();
                regions.dedup();
                AccountSummary {
                    models: models.iter().filter(|m| m.account.as_deref() == Some(id.as_str())).count(),
                    metrics_found: reads.iter().map(|r| r.metrics_found).sum(),
                    metrics_requested: reads.iter().map(|r| r.metrics_requested).sum(),
                    monitoring: monitoring.as_deref() == Some(id.as_str()),
                    id,
                    label,
                    label_source,
                    regions,
                }
            })
            .collect();
        out.sort_by(|a, b| b.monitoring.cmp(&a.monitoring).then_with(|| a.label.cmp(&b.label)));
        out
    }
}

/// The account part of a scope label (`payments-prod/us-east-1` → `payments-prod`), or the
/// whole label when it has none.
pub fn scope_account(scope: &str) -> &str {
    scope.rsplit_once('/').map_or(scope, |(a, _)| a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(links: &[(&str, Option<&str>)]) -> AccountsUpdate {
        AccountsUpdate::Org(OrgUpdate {
            region: "us-east-1".into(),
            monitoring: Some("123456789012".into()),
            sinks: vec!["arn:aws:oam:us-east-1:123456789012:sink/x".into()],
            links: links
                .iter()
                .map(|(a, l)| Link {
                    account: a.to_string(),
                    label: l.map(str::to_string),
                    link_arn: format!("arn:aws:oam:us-east-1:{a}:link/x"),
                    resource_types: vec![],
                })
                .collect(),
            note: None,
            failed: false,
        })
    }

    #[test]
    fn accounts_are_named_by_config_then_link_label_never_by_number() {
        let mut a = Accounts::new(BTreeMap::from([("222222222222".to_string(), "payments".to_string())]));
        a.apply(org(&[
            ("111111111111", Some("search-prod")),
            ("222222222222", Some("pay-link")),
            ("333333333333", None),
        ]));
        assert_eq!(a.label("111111111111"), ("search-prod".into(), LabelSource::OamLink));
        assert_eq!(a.label("222222222222"), ("payments".into(), LabelSource::Config));
        assert_eq!(a.label("123456789012"), ("monitoring".into(), LabelSource::Monitoring));
        let (l, s) = a.label("333333333333");
        assert_eq!((l.as_str(), s), ("acct …3333", LabelSource::None));
        assert_eq!(a.header().as_deref(), Some("monitoring 123456… · 3 linked accounts"));
        assert_eq!(a.account_of_scope("search-prod/us-east-1").as_deref(), Some("111111111111"));
        assert_eq!(a.account_of_scope("us-east-1"), None);
    }

    #[test]
    fn a_refusal_keeps_what_was_found() {
        let mut a = Accounts::default();
        a.apply(org(&[("111111111111", Some("x"))]));
        a.apply(AccountsUpdate::Org(OrgUpdate {
            region: "us-east-1".into(),
            note: Some("denied".into()),
            ..Default::default()
        }));
        assert_eq!(a.linked().len(), 1);
        assert!(Accounts::default().header().is_none());
    }
}
