//! The metrics poller in a monitoring account (its source accounts' metrics through one set of
//! credentials) and under a polling plan ([`crate::sources::plan`]).
//!
//! In a monitoring account ListMetrics is sent with `IncludeLinkedAccounts=true` (and, to narrow
//! to some accounts, `OwningAccount`, which "also [needs] true for IncludeLinkedAccounts":
//! ListMetrics API reference); its `OwningAccounts` answer is "a 1:1 mapping between each metric
//! that is returned and the ID of the owning account", so each metric keeps its account, and
//! each GetMetricData query names it in `AccountId` ("if you are performing a GetMetricData
//! operation in a monitoring account, use this to specify which account to retrieve this metric
//! from": MetricDataQuery). Outside a monitoring account neither is sent.

use std::collections::BTreeMap;

use super::*;
use crate::sources::oam::OamReader;
use crate::sources::plan::Planner;
use crate::store::Update;
use crate::store::accounts::{AccountRead, Accounts, AccountsUpdate};
use crate::store::health::CW_REQUEST_USD_PER_1000;

/// A monitoring account's view: its OAM reader, account names, and the accounts to narrow to.
#[derive(Clone)]
pub struct Org {
    pub oam: Option<OamReader>,
    pub accounts: Accounts,
    /// Read only these source accounts (ListMetrics `OwningAccount`, one listing each); empty:
    /// every linked account.
    pub only: Vec<String>,
    /// Per account, what was read.
    reads: BTreeMap<String, AccountRead>,
}

impl Org {
    pub fn new(oam: Option<OamReader>, names: BTreeMap<String, String>, only: Vec<String>) -> Self {
        Self { oam, accounts: Accounts::new(names), only, reads: BTreeMap::new() }
    }
}

impl MetricsPoller {
    /// Read through OAM whether this is a monitoring account, and its source accounts' metrics
    /// when it is.
    pub fn with_org(mut self, org: Org) -> Self {
        self.org = Some(org);
        self
    }

    /// Poll under a plan: each query as often as what it feeds needs.
    pub fn planned(mut self, planner: Planner) -> Self {
        self.planner = Some(planner);
        self
    }

    pub fn planner(&self) -> Option<&Planner> {
        self.planner.as_ref()
    }

    /// The accounts as this poller knows them (a monitoring account's links and names).
    pub fn accounts(&self) -> Option<&Accounts> {
        self.org.as_ref().map(|o| &o.accounts)
    }

    /// What else the last poll has to say (accounts, the plan), for the loop to send.
    pub fn take_updates(&mut self) -> Vec<Update> {
        std::mem::take(&mut self.pending)
    }

    fn monitoring(&self) -> bool {
        self.org.as_ref().is_some_and(|o| o.accounts.monitoring().is_some())
    }

    /// The label data of `account` carries: `<account label>/<region>` in a monitoring account,
    /// else the poller's own label.
    pub(super) fn scope_of(&self, account: Option<&str>) -> String {
        match (account, &self.org) {
            (Some(a), Some(o)) if o.accounts.monitoring().is_some() => {
                format!("{}/{}", o.accounts.label(a).0, self.aws_region)
            }
            _ => self.region.clone(),
        }
    }

    /// OAM's sinks and links (each discovery). True when this is a monitoring account.
    pub(super) async fn read_org(&mut self, now: i64) -> bool {
        let Some(org) = self.org.as_mut() else { return false };
        if let Some(r) = org.oam.as_mut() {
            let mut u = r.read(now).await;
            u.region = self.region.clone();
            org.accounts.apply(AccountsUpdate::Org(u.clone()));
            let tell = u.monitoring.is_some() || u.note.is_some();
            if u.failed {
                // the listing that follows fails the same way and says so
                return org.accounts.monitoring().is_some();
            }
            self.pending.push(Update::Accounts(AccountsUpdate::Org(u)));
            if tell {
                self.pending.push(Update::Health(r.health.clone()));
            }
        }
        self.monitoring()
    }

    /// ListMetrics with `IncludeLinkedAccounts` (per `OwningAccount` when narrowed), each metric
    /// with its owning account.
    pub(super) async fn discover_linked(&mut self, now: i64) -> Result<(), SourceError> {
        let mut found = BTreeSet::new();
        let owners: Vec<Option<String>> = match self.org.as_ref() {
            Some(o) if !o.only.is_empty() => o.only.iter().cloned().map(Some).collect(),
            _ => vec![None],
        };
        let monitoring = self.org.as_ref().and_then(|o| o.accounts.monitoring().map(str::to_string));
        for ns in self.namespaces() {
            for owner in &owners {
                let mut token: Option<String> = None;
                loop {
                    let out = self
                        .client
                        .list_metrics()
                        .namespace(&ns)
                        .include_linked_accounts(true)
                        .set_owning_account(owner.clone())
                        .set_next_token(token.clone())
                        .send()
                        .await;
                    self.health.calls += 1;
                    self.health.other_requests += 1;
                    let out = out.map_err(|e| {
                        let ctx = ErrorContext { action: "cloudwatch:ListMetrics".into(), ..self.ctx.clone() };
                        classify(&e, &ctx, now)
                    })?;
                    let owning = out.owning_accounts();
                    for (i, m) in out.metrics().iter().enumerate() {
                        let (Some(namespace), Some(name)) = (m.namespace(), m.metric_name()) else { continue };
                        let mut dims: Vec<(String, String)> = m
                            .dimensions()
                            .iter()
                            .filter_map(|d| Some((d.name()?.to_string(), d.value()?.to_string())))
                            .collect();
                        dims.sort();
                        if namespace == BEDROCK_NAMESPACE
                            && (BedrockMetric::from_name(name).is_none() || dims.len() != 1 || dims[0].0 != "ModelId")
                        {
                            continue;
                        }
                        // the list is parallel to the metrics; a metric without its entry is the
                        // monitoring account's own (an emulator that leaves the list out)
                        let account = owning.get(i).cloned().or_else(|| owner.clone()).or_else(|| monitoring.clone());
                        found.insert(FoundMetric {
                            namespace: namespace.to_string(),
                            name: name.to_string(),
                            dims,
                            account,
                        });
                    }
                    token = out.next_token().map(str::to_string);
                    if token.is_none() {
                        break;
                    }
                }
            }
        }
        self.found = found.into_iter().collect();
        let region = self.aws_region.clone();
        if let Some(org) = self.org.as_mut() {
            for r in org.reads.values_mut() {
                r.metrics_found = 0;
            }
            for f in &self.found {
                if let Some(a) = &f.account {
                    let r = org.reads.entry(a.clone()).or_insert_with(|| AccountRead {
                        account: a.clone(),
                        region: region.clone(),
                        ..Default::default()
                    });
                    r.metrics_found += 1;
                }
            }
        }
        Ok(())
    }

    /// Count what each account was asked for, and tell the store.
    fn count_reads<'a>(&mut self, asked: impl IntoIterator<Item = &'a Query>) {
        let region = self.aws_region.clone();
        let scope = self.region.clone();
        let Some(org) = self.org.as_mut() else { return };
        if org.accounts.monitoring().is_none() {
            return;
        }
        for (_, spec) in asked {
            if let Some(a) = &spec.account {
                org.reads
                    .entry(a.clone())
                    .or_insert_with(|| AccountRead { account: a.clone(), region: region.clone(), ..Default::default() })
                    .metrics_requested += 1;
            }
        }
        let reads = org.reads.values().cloned().collect();
        self.pending.push(Update::Accounts(AccountsUpdate::Read { scope, reads }));
    }

    /// After a read without a plan (`--once`): what each account was asked for.
    pub(super) fn after_full_read(&mut self, series_q: &[Query], window_q: &[Query]) {
        self.count_reads(series_q.iter().chain(window_q));
    }

    /// A poll under the plan: only the queries due, in as few calls as the reference allows
    /// (whole-window figures ride in the per-minute calls when the points fit).
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn poll_planned(
        &mut self,
        window: Window,
        resolution: Resolution,
        series_q: Vec<Query>,
        window_q: Vec<Query>,
        mut update: MetricsUpdate,
        now: i64,
    ) -> Result<MetricsUpdate, SourceError> {
        let period = resolution.period;
        let screen = crate::sources::plan::shown();
        let s: Vec<SeriesKey> = series_q.iter().map(|(k, _)| k.clone()).collect();
        let w: Vec<SeriesKey> = window_q.iter().map(|(k, _)| k.clone()).collect();
        let Some(planner) = self.planner.as_mut() else { unreachable!("poll_planned without a plan") };
        let d = planner.decide(&s, &w, period, screen.as_ref(), now);
        let due_s: Vec<Query> = series_q.into_iter().zip(&d.series).filter(|(_, due)| **due).map(|(q, _)| q).collect();
        let due_w: Vec<Query> = window_q.into_iter().zip(&d.window).filter(|(_, due)| **due).map(|(q, _)| q).collect();
        let from = match d.since {
            Some(t) => {
                let from = (t - LATE_PERIODS * period).max(window.start);
                window.start + (from - window.start).div_euclid(period) * period
            }
            None => window.start,
        };
        let (requested, others) = (self.health.metrics_requested, self.health.other_requests);
        let mut holes = Holes::default();
        // the points of one call must stay within GetMetricData's 100,800 (500 queries)
        let fits = (window.end - window.start) / period.max(1) <= (100_800 / MAX_QUERIES_PER_CALL) as i64;
        if !due_w.is_empty() && fits {
            let n = due_s.len();
            let mut all = due_s.clone();
            all.extend(due_w.iter().cloned().map(|(k, mut spec)| {
                spec.period = Some(resolution.window_period);
                (k, spec)
            }));
            self.last_range = Some((window.start, window.end));
            let pts = if all.is_empty() {
                HashMap::new()
            } else {
                self.fetch(&all, window.start, window.end, period, now, &mut holes, "").await?
            };
            for (i, (key, _)) in due_s.iter().enumerate() {
                update.series.push((key.clone(), pts.get(&i).cloned().unwrap_or_default()));
            }
            for (j, (key, _)) in due_w.iter().enumerate() {
                let v = pts
                    .get(&(n + j))
                    .and_then(|p| p.iter().find(|(t, _)| *t == window.start).or(p.first()).map(|(_, v)| *v));
                update.window_values.push((key.clone(), v));
            }
        } else {
            self.last_range = Some((from, window.end));
            if !due_s.is_empty() {
                let pts = self.fetch(&due_s, from, window.end, period, now, &mut holes, "").await?;
                for (i, (key, _)) in due_s.iter().enumerate() {
                    update.series.push((key.clone(), pts.get(&i).cloned().unwrap_or_default()));
                }
            }
            if !due_w.is_empty() {
                let figures = self
                    .fetch(&due_w, window.start, window.end, resolution.window_period, now, &mut holes, " (window)")
                    .await?;
                for (i, (key, _)) in due_w.iter().enumerate() {
                    let v = figures
                        .get(&i)
                        .and_then(|p| p.iter().find(|(t, _)| *t == window.start).or(p.first()).map(|(_, v)| *v));
                    update.window_values.push((key.clone(), v));
                }
            }
        }
        let whole = holes.is_empty();
        self.fetched = whole.then_some(Fetched { start: window.start, end: window.end, period });
        self.last_holes = holes;
        self.count_reads(due_s.iter().chain(&due_w));
        let metrics = self.health.metrics_requested - requested;
        let other = (self.health.other_requests - others) as f64 * CW_REQUEST_USD_PER_1000 / 1000.0;
        let scope = self.region.clone();
        if let Some(p) = self.planner.as_mut() {
            p.observe(&update.series);
            p.spent(metrics, other, now);
            if !whole {
                // read whole next time, not past the holes
                p.reset();
            }
            p.status.scope = scope;
            self.pending.push(Update::Plan(p.status.clone()));
        }
        Ok(update)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use aws_sdk_cloudwatch::operation::get_metric_data::GetMetricDataOutput;
    use aws_sdk_cloudwatch::operation::list_metrics::ListMetricsOutput;
    use aws_sdk_cloudwatch::types::{Dimension, Metric};
    use aws_sdk_oam::operation::list_attached_links::ListAttachedLinksOutput;
    use aws_sdk_oam::operation::list_sinks::ListSinksOutput;
    use aws_sdk_oam::types::{ListAttachedLinksItem, ListSinksItem};
    use aws_smithy_mocks::{RuleMode, mock, mock_client};

    use super::*;
    use crate::domain::window::Since;

    const NOW: i64 = 1_800_000_000;
    const MONITORING: &str = "123456789012";
    const SINK: &str = "arn:aws:oam:us-east-1:123456789012:sink/s";

    fn metric(name: &str, model: &str) -> Metric {
        Metric::builder()
            .namespace(BEDROCK_NAMESPACE)
            .metric_name(name)
            .dimensions(Dimension::builder().name("ModelId").value(model).build())
            .build()
    }

    fn oam(linked: bool) -> OamReader {
        let sinks = mock!(aws_sdk_oam::Client::list_sinks).then_output(move || {
            let items = if linked { vec![ListSinksItem::builder().arn(SINK).build()] } else { vec![] };
            ListSinksOutput::builder().set_items(Some(items)).build().unwrap()
        });
        let links = mock!(aws_sdk_oam::Client::list_attached_links).then_output(|| {
            ListAttachedLinksOutput::builder()
                .items(
                    ListAttachedLinksItem::builder()
                        .label("payments-prod")
                        .link_arn("arn:aws:oam:us-east-1:111111111111:link/a")
                        .build(),
                )
                .build()
                .unwrap()
        });
        let client = mock_client!(aws_sdk_oam, RuleMode::MatchAny, [&sinks, &links]);
        OamReader::new(client, "us-east-1", None, None)
    }

    /// (IncludeLinkedAccounts sent, the AccountId of every query) per call.
    type Seen = Arc<Mutex<(Vec<Option<bool>>, Vec<Option<String>>)>>;

    fn poller(linked: bool, seen: &Seen) -> MetricsPoller {
        let s = seen.clone();
        let lm = mock!(Client::list_metrics).then_compute_output(move |r| {
            s.lock().unwrap().0.push(r.include_linked_accounts());
            if r.namespace() != Some(BEDROCK_NAMESPACE) {
                return ListMetricsOutput::builder().build();
            }
            let mut b = ListMetricsOutput::builder().metrics(metric("Invocations", "m-own"));
            if r.include_linked_accounts() == Some(true) {
                b = b
                    .metrics(metric("Invocations", "m-pay"))
                    .owning_accounts(MONITORING)
                    .owning_accounts("111111111111");
            }
            b.build()
        });
        let s = seen.clone();
        let gmd = mock!(Client::get_metric_data).then_compute_output(move |r| {
            s.lock().unwrap().1.extend(r.metric_data_queries().iter().map(|q| q.account_id().map(str::to_string)));
            GetMetricDataOutput::builder().build()
        });
        let client = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&lm, &gmd]);
        MetricsPoller::new(client, "us-east-1", vec![], None, None).with_org(Org::new(
            Some(oam(linked)),
            BTreeMap::new(),
            vec![],
        ))
    }

    /// In a monitoring account ListMetrics asks for the linked accounts' metrics, each query
    /// names its metric's account, and each series carries its account's label.
    #[tokio::test]
    async fn a_monitoring_account_reads_its_source_accounts_by_account_id() {
        let seen: Seen = Arc::default();
        let mut p = poller(true, &seen);
        let u = p.poll(Since::default(), NOW).await.unwrap();
        let (include, ids) = seen.lock().unwrap().clone();
        assert!(include.iter().all(|i| *i == Some(true)), "{include:?}");
        assert!(ids.contains(&Some("111111111111".into())) && ids.contains(&Some(MONITORING.into())), "{ids:?}");
        assert!(ids.iter().all(Option::is_some), "every query names its account: {ids:?}");
        let scopes: BTreeSet<&str> = u.series.iter().map(|(k, _)| k.region.as_str()).collect();
        assert_eq!(scopes, BTreeSet::from(["monitoring/us-east-1", "payments-prod/us-east-1"]));
        let updates = p.take_updates();
        assert!(updates.iter().any(|u| matches!(u, Update::Accounts(AccountsUpdate::Org(o)) if o.links.len() == 1)));
        let reads = updates.iter().find_map(|u| match u {
            Update::Accounts(AccountsUpdate::Read { reads, .. }) => Some(reads.clone()),
            _ => None,
        });
        let pay = reads.unwrap().into_iter().find(|r| r.account == "111111111111").unwrap();
        assert_eq!((pay.metrics_found, pay.metrics_requested), (1, 1));
    }

    /// An account that is no monitoring account asks for no linked accounts and names none.
    #[tokio::test]
    async fn an_ordinary_account_sends_no_linked_account_parameters() {
        let seen: Seen = Arc::default();
        let mut p = poller(false, &seen);
        let u = p.poll(Since::default(), NOW).await.unwrap();
        let (include, ids) = seen.lock().unwrap().clone();
        assert!(include.iter().all(Option::is_none), "{include:?}");
        assert!(ids.iter().all(Option::is_none), "{ids:?}");
        assert!(u.series.iter().all(|(k, _)| k.region == "us-east-1"));
    }
}
