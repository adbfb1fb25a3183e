//! CloudWatch cross-account observability (Observability Access Manager): is the account a
//! **monitoring account**, and which source accounts are linked to it, by what label.
//!
//! A monitoring account owns a *sink* per Region (`oam:ListSinks`); each source account that
//! shares its data attaches a *link* to it (`oam:ListAttachedLinks`, which needs the sink's ARN).
//! Each attached link's item carries `Label` (the label given at creation, its variables such as
//! `$AccountName` resolved), `LinkArn` (`arn:aws:oam:<region>:<source account>:link/<id>`) and
//! `ResourceTypes` (`AWS::CloudWatch::Metric`, `AWS::Logs::LogGroup`, `AWS::XRay::Trace`, …;
//! OAM API reference, ListAttachedLinksItem). The source account is the link ARN's account.
//!
//! Optional by design: an account that is no monitoring account answers ListSinks with no items,
//! and a read-only role without `oam:ListSinks` is told calmly, never as a failure: nightjar then
//! reads its own account only, and says so in the health's note.

use aws_sdk_oam::Client;

use super::aws::{ErrorContext, classify};
use crate::store::accounts::{Link, OrgUpdate};
use crate::store::{SourceError, SourceHealth};

/// The IAM actions this source needs (both optional: see the module).
pub const LIST_SINKS: &str = "oam:ListSinks";
pub const LIST_ATTACHED_LINKS: &str = "oam:ListAttachedLinks";
/// Pages per list at most: a NextToken that never ends cannot loop forever.
pub const MAX_PAGES: usize = 100;
/// The resource type a link shares metrics with.
pub const METRIC_RESOURCE: &str = "AWS::CloudWatch::Metric";

/// Reads one Region's sinks and their attached links.
#[derive(Clone)]
pub struct OamReader {
    client: Client,
    region: String,
    ctx: ErrorContext,
    pub health: SourceHealth,
}

impl OamReader {
    pub fn new(client: Client, region: &str, profile: Option<&str>, endpoint: Option<&str>) -> Self {
        Self {
            client,
            region: region.into(),
            ctx: ErrorContext::new(LIST_SINKS, profile, Some(region), endpoint),
            health: SourceHealth::new("oam", Some(region)),
        }
    }

    /// Label the health like the data (`prod/us-east-1` when several profiles are watched).
    pub fn labelled(mut self, label: &str) -> Self {
        self.health.region = Some(label.into());
        self
    }

    /// ListSinks, then ListAttachedLinks of each sink, every page. A refusal (no OAM permission)
    /// is no failure: the update says the account is read alone, and why.
    pub async fn read(&mut self, now: i64) -> OrgUpdate {
        self.health.loading = false;
        match self.read_inner(now).await {
            Ok(mut u) => {
                self.health.record_ok(now);
                u.region = self.region.clone();
                u
            }
            Err(e) => {
                // a role without OAM's reads: calm, for good; anything else (credentials, the
                // network) is the metrics source's to report, and OAM is asked again next time
                let denied = e.kind == crate::store::ErrorKind::AccessDenied;
                let note = denied.then(|| format!("{LIST_SINKS} not allowed — only this account's own data is shown"));
                self.health.record_error(e);
                self.health.note = note.clone();
                OrgUpdate { region: self.region.clone(), note, failed: !denied, ..Default::default() }
            }
        }
    }

    async fn read_inner(&mut self, now: i64) -> Result<OrgUpdate, SourceError> {
        let mut sinks = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let out = self.client.list_sinks().set_next_token(token.clone()).send().await;
            // OAM's API is not billed: a call, no spend
            self.health.calls += 1;
            let out = out.map_err(|e| classify(&e, &self.ctx, now))?;
            sinks.extend(out.items().iter().filter_map(|s| s.arn().map(str::to_string)));
            token = out.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        let mut links = Vec::new();
        let ctx = ErrorContext { action: LIST_ATTACHED_LINKS.into(), ..self.ctx.clone() };
        for sink in &sinks {
            let mut token: Option<String> = None;
            for _ in 0..MAX_PAGES {
                let out =
                    self.client.list_attached_links().sink_identifier(sink).set_next_token(token.clone()).send().await;
                self.health.calls += 1;
                let out = out.map_err(|e| classify(&e, &ctx, now))?;
                for item in out.items() {
                    let Some(arn) = item.link_arn() else { continue };
                    let Some(account) = arn_account(arn) else { continue };
                    links.push(Link {
                        account: account.to_string(),
                        label: item.label().map(crate::sanitize::one_line).filter(|l| !l.is_empty()),
                        link_arn: arn.to_string(),
                        resource_types: item.resource_types().to_vec(),
                    });
                }
                token = out.next_token().map(str::to_string);
                if token.is_none() {
                    break;
                }
            }
        }
        links.sort_by(|a, b| a.account.cmp(&b.account));
        links.dedup_by(|a, b| a.account == b.account);
        let monitoring = sinks.first().and_then(|s| arn_account(s)).map(str::to_string);
        Ok(OrgUpdate { region: self.region.clone(), monitoring, sinks, links, note: None, failed: false })
    }
}

/// The account of an ARN (`arn:aws:oam:us-east-1:111111111111:link/x` → `111111111111`).
pub fn arn_account(arn: &str) -> Option<&str> {
    let acct = arn.split(':').nth(4)?;
    (acct.len() == 12 && acct.bytes().all(|b| b.is_ascii_digit())).then_some(acct)
}

#[cfg(test)]
mod tests {
    use aws_sdk_oam::operation::list_attached_links::ListAttachedLinksOutput;
    use aws_sdk_oam::operation::list_sinks::{ListSinksError, ListSinksOutput};
    use aws_sdk_oam::types::{ListAttachedLinksItem, ListSinksItem};
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    use aws_smithy_types::error::ErrorMetadata;

    use super::*;

    const SINK: &str = "arn:aws:oam:us-east-1:123456789012:sink/a1b2";

    fn link(acct: &str, label: &str) -> ListAttachedLinksItem {
        ListAttachedLinksItem::builder()
            .label(label)
            .link_arn(format!("arn:aws:oam:us-east-1:{acct}:link/l-{acct}"))
            .resource_types(METRIC_RESOURCE)
            .build()
    }

    #[test]
    fn the_account_comes_from_the_arn() {
        assert_eq!(arn_account("arn:aws:oam:us-east-1:111111111111:link/x"), Some("111111111111"));
        assert_eq!(arn_account("arn:aws:oam:us-east-1:abc:link/x"), None);
        assert_eq!(arn_account("nonsense"), None);
    }

    /// Every page of the sinks and of each sink's links is read, with the sink's ARN sent; the
    /// monitoring account is the sink's, the source accounts the links', labelled.
    #[tokio::test]
    async fn sinks_and_attached_links_are_read_page_by_page() {
        let sinks = mock!(Client::list_sinks).then_output(|| {
            ListSinksOutput::builder()
                .items(ListSinksItem::builder().arn(SINK).name("org").id("a1b2").build())
                .build()
                .unwrap()
        });
        let page1 = mock!(Client::list_attached_links)
            .match_requests(|r| r.sink_identifier() == Some(SINK) && r.next_token().is_none())
            .then_output(|| {
                ListAttachedLinksOutput::builder()
                    .items(link("222222222222", "payments-prod"))
                    .next_token("t2")
                    .build()
                    .unwrap()
            });
        let page2 = mock!(Client::list_attached_links)
            .match_requests(|r| r.sink_identifier() == Some(SINK) && r.next_token() == Some("t2"))
            .then_output(|| {
                ListAttachedLinksOutput::builder()
                    .items(link("111111111111", "search-prod"))
                    .items(link("333333333333", "ml-\u{1b}[31mlab"))
                    .build()
                    .unwrap()
            });
        let client = mock_client!(aws_sdk_oam, RuleMode::MatchAny, [&sinks, &page1, &page2]);
        let mut r = OamReader::new(client, "us-east-1", None, None);
        let u = r.read(100).await;
        assert_eq!(u.monitoring.as_deref(), Some("123456789012"));
        assert_eq!(u.sinks, vec![SINK.to_string()]);
        let got: Vec<(&str, Option<&str>)> = u.links.iter().map(|l| (l.account.as_str(), l.label.as_deref())).collect();
        assert_eq!(
            got,
            vec![
                ("111111111111", Some("search-prod")),
                ("222222222222", Some("payments-prod")),
                ("333333333333", Some("ml-␛[31mlab"))
            ]
        );
        assert_eq!(r.health.calls, 3);
        assert!(r.health.healthy());
    }

    /// No sink: an ordinary account, nothing linked.
    #[tokio::test]
    async fn an_account_without_a_sink_is_no_monitoring_account() {
        let sinks = mock!(Client::list_sinks)
            .then_output(|| ListSinksOutput::builder().set_items(Some(vec![])).build().unwrap());
        let client = mock_client!(aws_sdk_oam, RuleMode::MatchAny, [&sinks]);
        let mut r = OamReader::new(client, "us-east-1", None, None);
        let u = r.read(100).await;
        assert_eq!(u.monitoring, None);
        assert!(u.links.is_empty() && u.note.is_none());
        assert_eq!(r.health.calls, 1);
    }

    /// A role without oam:ListSinks: a calm note naming the action, not a stale source.
    #[tokio::test]
    async fn a_refusal_is_a_note() {
        let sinks = mock!(Client::list_sinks).then_error(|| {
            ListSinksError::generic(
                ErrorMetadata::builder()
                    .code("AccessDeniedException")
                    .message("User is not authorized to perform: oam:ListSinks")
                    .build(),
            )
        });
        let client = mock_client!(aws_sdk_oam, RuleMode::MatchAny, [&sinks]);
        let mut r = OamReader::new(client, "us-east-1", None, None);
        let u = r.read(100).await;
        assert_eq!(u.monitoring, None);
        assert!(u.note.as_deref().unwrap().contains("oam:ListSinks"), "{:?}", u.note);
        assert!(!u.failed);
        assert!(!r.health.is_stale());
    }
}
