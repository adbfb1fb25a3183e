//! Service Quotas: the account's Bedrock quotas in each region, so the headroom figures use the
//! real tokens- and requests-per-minute quotas when the config does not name its own.
//!
//! Two lists, each followed through NextToken: `ListServiceQuotas` (service code `bedrock`), the
//! applied values, and `ListAWSDefaultServiceQuotas`, AWS's defaults. The second is needed because
//! "if the applied quota value is not available for a quota, the quota is not retrieved" by the
//! first (Service Quotas API reference, ListServiceQuotas): a model whose quota was never raised
//! is often missing from it. A quota's applied value wins; one that only has a default is kept as
//! such (`is_default`, shown as "AWS default"). The defaults are optional within the optional: a
//! role that may list the applied quotas but not the defaults keeps the applied ones, with a note.
//!
//! Optional by design: many read-only roles may not call Service Quotas. A failure never makes
//! the console look broken: it is recorded (the classified error stays in the health), but the
//! health carries a calm note instead ("… — using configured quotas") and is not stale. Quotas
//! change rarely: read at start, then hourly; `:refresh` reads again at most every 5 minutes.

use std::time::Duration;

use aws_sdk_servicequotas::Client;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio::time::Instant;

use super::Command;
use super::aws::{ErrorContext, classify};
use crate::domain::quotas::parse_quota_name;
use crate::store::quotas::{RegionQuotas, ServiceQuota, ServiceQuotasUpdate};
use crate::store::{ErrorKind, SourceError, SourceHealth, Update};

/// Service Quotas' code for Amazon Bedrock.
pub const SERVICE_CODE: &str = "bedrock";
/// The IAM action this source needs.
pub const ACTION: &str = "servicequotas:ListServiceQuotas";
/// The IAM action for AWS's default values (quotas with no applied value).
pub const DEFAULTS_ACTION: &str = "servicequotas:ListAWSDefaultServiceQuotas";
/// How often the quotas are read again.
pub const REFRESH: Duration = Duration::from_secs(3600);
/// `:refresh` reads them again at most this often.
pub const MIN_REFRESH_GAP: Duration = Duration::from_secs(300);
/// Pages per read at most (100 quotas each): a NextToken that never ends cannot loop forever.
pub const MAX_PAGES: usize = 200;

/// Reads one region's Bedrock quotas.
pub struct QuotasSource {
    client: Client,
    region: String,
    ctx: ErrorContext,
    defaults_ctx: ErrorContext,
    pub health: SourceHealth,
}

impl QuotasSource {
    pub fn new(client: Client, region: &str, profile: Option<&str>, endpoint: Option<&str>) -> Self {
        Self {
            client,
            region: region.into(),
            ctx: ErrorContext::new(ACTION, profile, Some(region), endpoint),
            defaults_ctx: ErrorContext::new(DEFAULTS_ACTION, profile, Some(region), endpoint),
            health: SourceHealth::new("quotas", Some(region)),
        }
    }

    /// Key the quotas and the health by `label` (`profile/region` when several profiles are
    /// watched), as the metrics are.
    pub fn labelled(mut self, label: &str) -> Self {
        self.region = label.into();
        self.health.region = Some(label.into());
        self
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    /// Read every page of both lists. On failure the health records the error with a calm
    /// [note](fallback_note); what was read before stays in the store (nothing is sent). When only
    /// the defaults fail, the applied quotas are sent and the note says what is missing.
    pub async fn poll(&mut self, now: i64) -> Result<ServiceQuotasUpdate, SourceError> {
        let res = self.fetch(now).await;
        match &res {
            Ok((_, defaults_err)) => {
                self.health.record_ok(now);
                self.health.newest_data = Some(now);
                self.health.note = defaults_err.as_ref().map(defaults_note);
            }
            Err(e) => {
                let note = fallback_note(e, self.health.last_ok);
                self.health.record_error(e.clone());
                self.health.note = Some(note);
            }
        }
        res.map(|(u, _)| u)
    }

    /// The applied quotas, then the defaults merged under them (an error reading the defaults is
    /// returned beside what was read).
    async fn fetch(&mut self, now: i64) -> Result<(ServiceQuotasUpdate, Option<SourceError>), SourceError> {
        let mut out = RegionQuotas { fetched_at: now, ..Default::default() };
        let mut seen: std::collections::BTreeSet<String> = Default::default();
        let mut token: Option<String> = None;
        for page in 1..=MAX_PAGES {
            let res = self
                .client
                .list_service_quotas()
                .service_code(SERVICE_CODE)
                .max_results(100)
                .set_next_token(token.take())
                .send()
                .await;
            self.health.calls += 1;
            let res = res.map_err(|e| classify(&e, &self.ctx, now))?;
            for q in res.quotas() {
                seen.extend(q.quota_code().map(str::to_string));
                match read_quota(q.quota_name(), q.quota_code(), q.value()) {
                    Some(sq) => out.quotas.push(sq),
                    None => out.other += 1,
                }
            }
            token = res.next_token().filter(|t| !t.is_empty()).map(str::to_string);
            if token.is_none() {
                break;
            }
            if page == MAX_PAGES {
                tracing::warn!(region = %self.region, "Service Quotas: stopped after {MAX_PAGES} pages");
            }
        }
        let defaults_err = self.merge_defaults(&mut out, &seen, now).await.err();
        out.quotas.sort_by(|a, b| a.name.cmp(&b.name).then(a.code.cmp(&b.code)));
        Ok((ServiceQuotasUpdate { region: self.region.clone(), quotas: out }, defaults_err))
    }

    /// AWS's default values of the quotas `applied` did not list (`seen` codes), added to `out`
    /// marked as defaults. On an error, what was merged so far stays.
    async fn merge_defaults(
        &mut self,
        out: &mut RegionQuotas,
        applied: &std::collections::BTreeSet<String>,
        now: i64,
    ) -> Result<(), SourceError> {
        let mut token: Option<String> = None;
        for page in 1..=MAX_PAGES {
            let res = self
                .client
                .list_aws_default_service_quotas()
                .service_code(SERVICE_CODE)
                .max_results(100)
                .set_next_token(token.take())
                .send()
                .await;
            self.health.calls += 1;
            let res = res.map_err(|e| classify(&e, &self.defaults_ctx, now))?;
            for q in res.quotas() {
                if q.quota_code().is_some_and(|c| applied.contains(c)) {
                    continue;
                }
                match read_quota(q.quota_name(), q.quota_code(), q.value()) {
                    Some(sq) => out.quotas.push(ServiceQuota { is_default: true, ..sq }),
                    None => out.other += 1,
                }
            }
            token = res.next_token().filter(|t| !t.is_empty()).map(str::to_string);
            if token.is_none() {
                break;
            }
            if page == MAX_PAGES {
                tracing::warn!(region = %self.region, "Service Quotas defaults: stopped after {MAX_PAGES} pages");
            }
        }
        Ok(())
    }
}

/// One quota from the API: a per-model tokens/requests-per-minute quota with a value, else
/// `None` (counted as "other").
pub fn read_quota(name: Option<&str>, code: Option<&str>, value: Option<f64>) -> Option<ServiceQuota> {
    let name = crate::sanitize::one_line(name?);
    let parsed = parse_quota_name(&name)?;
    Some(ServiceQuota {
        code: crate::sanitize::one_line(code.unwrap_or_default()),
        name,
        value: value?,
        kind: parsed.kind,
        scope: parsed.scope,
        model: parsed.model,
        key: parsed.key,
        is_default: false,
    })
}

/// The note when the applied quotas were read but AWS's defaults were not: the headroom of a
/// model whose quota was never raised may be missing.
pub fn defaults_note(e: &SourceError) -> String {
    let why = match e.kind {
        ErrorKind::AccessDenied => format!("{DEFAULTS_ACTION} denied"),
        ErrorKind::Throttled => "throttled".to_string(),
        _ => e.code.clone().filter(|c| !c.is_empty()).unwrap_or_else(|| e.message.clone()),
    };
    let why: String = crate::sanitize::one_line(&why).chars().take(80).collect();
    format!("AWS default quotas not read ({why}) — quotas never raised may be missing")
}

/// What the operator reads instead of an error: why Service Quotas was not read, and what the
/// headroom uses meanwhile (the configured quotas, or those read before).
pub fn fallback_note(e: &SourceError, last_ok: Option<i64>) -> String {
    let why = match e.kind {
        ErrorKind::AccessDenied => {
            return format!("Service Quotas not readable ({ACTION} denied) — {}", meanwhile(last_ok));
        }
        ErrorKind::Throttled => "throttled".to_string(),
        _ => e.code.clone().filter(|c| !c.is_empty()).unwrap_or_else(|| e.message.clone()),
    };
    let why: String = crate::sanitize::one_line(&why).chars().take(80).collect();
    format!("Service Quotas not read ({why}) — {}", meanwhile(last_ok))
}

fn meanwhile(last_ok: Option<i64>) -> String {
    match last_ok {
        Some(t) => format!("keeping the quotas read at {} UTC", hhmm_utc(t)),
        None => "using configured quotas".to_string(),
    }
}

fn hhmm_utc(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0).map(|t| t.format("%H:%M").to_string()).unwrap_or_default()
}

/// How long after a read: hourly when it worked or was denied (permissions change rarely; a
/// `:refresh` tries sooner), else the usual backoff (throttling waits longest).
pub fn next_delay(health: &SourceHealth) -> Duration {
    match health.last_error.as_ref().filter(|_| health.consecutive_failures > 0) {
        None => REFRESH,
        Some(e) if e.kind == ErrorKind::AccessDenied => REFRESH,
        Some(_) => super::next_delay(REFRESH, health),
    }
}

/// Read the quotas until the UI goes away: now, then every [`REFRESH`] (or the backoff), and
/// on [`Command::Refresh`] no sooner than [`MIN_REFRESH_GAP`] after the last read.
pub fn spawn(mut src: QuotasSource, tx: UnboundedSender<Update>) -> UnboundedSender<Command> {
    let (ctx, mut rx) = unbounded_channel();
    tokio::spawn(async move {
        loop {
            let started = Instant::now();
            if let Ok(u) = src.poll(super::aws::now()).await
                && tx.send(Update::ServiceQuotas(u)).is_err()
            {
                return;
            }
            let delay = next_delay(&src.health);
            let denied = src.health.last_error.as_ref().is_some_and(|e| e.kind == ErrorKind::AccessDenied);
            src.health.backoff_secs = if src.health.consecutive_failures > 0 && !denied { delay.as_secs() } else { 0 };
            if tx.send(Update::Health(src.health.clone())).is_err() {
                return;
            }
            if !super::wait_next(started, delay, MIN_REFRESH_GAP, &mut rx).await {
                return;
            }
        }
    });
    ctx
}

#[cfg(test)]
mod tests {
    use aws_sdk_servicequotas::operation::list_aws_default_service_quotas::{
        ListAWSDefaultServiceQuotasError, ListAwsDefaultServiceQuotasOutput,
    };
    use aws_sdk_servicequotas::operation::list_service_quotas::{ListServiceQuotasError, ListServiceQuotasOutput};
    use aws_sdk_servicequotas::types::ServiceQuota as ApiQuota;
    use aws_sdk_servicequotas::types::error::{AccessDeniedException, TooManyRequestsException};
    use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
    use aws_smithy_types::error::ErrorMetadata;

    use super::*;
    use crate::store::Store;
    use crate::store::quotas::{QuotaKind, QuotaOrigin, QuotaScope};

    fn q(code: &str, name: &str, value: f64) -> ApiQuota {
        ApiQuota::builder().service_code("bedrock").quota_code(code).quota_name(name).value(value).build()
    }

    const ON_TPM: &str = "On-demand model inference tokens per minute for Anthropic Claude 3.5 Sonnet V2";
    const ON_RPM: &str = "On-demand model inference requests per minute for Anthropic Claude 3.5 Sonnet V2";
    const CR_TPM: &str = "Cross-region model inference tokens per minute for Anthropic Claude 3.5 Sonnet V2";
    const HAIKU_RPM: &str = "On-demand model inference requests per minute for Anthropic Claude 3 Haiku";
    const SONNET: &str = "anthropic.claude-3-5-sonnet-20241022-v2:0";

    /// The modelled error as the service sends it (its code in the metadata).
    fn denied_error(message: &str) -> ListServiceQuotasError {
        ListServiceQuotasError::AccessDeniedException(
            AccessDeniedException::builder()
                .message(message)
                .meta(ErrorMetadata::builder().code("AccessDeniedException").message(message).build())
                .build(),
        )
    }

    /// Two pages: the second only when asked with the first's NextToken.
    /// AWS's defaults, as many times as asked: none beyond the applied ones.
    fn no_defaults() -> Rule {
        mock!(Client::list_aws_default_service_quotas)
            .match_requests(|r| r.service_code() == Some("bedrock"))
            .then_output(|| ListAwsDefaultServiceQuotasOutput::builder().build())
    }

    fn pages() -> (Rule, Rule) {
        let p1 = mock!(Client::list_service_quotas)
            .match_requests(|r| r.service_code() == Some("bedrock") && r.next_token().is_none())
            .then_output(|| {
                ListServiceQuotasOutput::builder()
                    .quotas(q("L-A", ON_TPM, 400_000.0))
                    .quotas(q("L-B", "Model invocation max tokens per day for Anthropic Claude 3.5 Sonnet V2", 5.76e8))
                    .quotas(q("L-C", CR_TPM, 800_000.0))
                    .next_token("page-2")
                    .build()
            });
        let p2 = mock!(Client::list_service_quotas)
            .match_requests(|r| r.service_code() == Some("bedrock") && r.next_token() == Some("page-2"))
            .then_output(|| {
                ListServiceQuotasOutput::builder()
                    .quotas(q("L-D", ON_RPM, 50.0))
                    .quotas(q("L-E", HAIKU_RPM, 400.0))
                    .quotas(q("L-F", "On-demand model inference tokens per minute for Acme Rocket 9\u{1b}[2J", 1000.0))
                    .quotas(q("L-G", "Agents per account", 200.0))
                    .build()
            });
        (p1, p2)
    }

    #[tokio::test]
    async fn pages_are_followed_and_quotas_matched_to_models() {
        let (p1, p2) = pages();
        let d = no_defaults();
        let client = mock_client!(aws_sdk_servicequotas, RuleMode::MatchAny, [&p1, &p2, &d]);
        let mut src = QuotasSource::new(client, "us-east-1", None, None);
        let u = src.poll(1_000).await.unwrap();
        assert_eq!(p1.num_calls(), 1);
        assert_eq!(p2.num_calls(), 1);
        assert_eq!(d.num_calls(), 1);
        assert_eq!(src.health.calls, 3);
        assert_eq!(src.health.last_ok, Some(1_000));
        assert_eq!(src.health.note, None);
        assert_eq!(u.region, "us-east-1");
        // tokens per day and the account-wide quota are not per-minute model rates
        assert_eq!(u.quotas.other, 2);
        let got: Vec<(&str, QuotaKind, QuotaScope, f64)> =
            u.quotas.quotas.iter().map(|q| (q.code.as_str(), q.kind, q.scope, q.value)).collect();
        assert_eq!(
            got,
            vec![
                ("L-C", QuotaKind::Tpm, QuotaScope::CrossRegion, 800_000.0),
                ("L-E", QuotaKind::Rpm, QuotaScope::OnDemand, 400.0),
                ("L-D", QuotaKind::Rpm, QuotaScope::OnDemand, 50.0),
                ("L-F", QuotaKind::Tpm, QuotaScope::OnDemand, 1000.0),
                ("L-A", QuotaKind::Tpm, QuotaScope::OnDemand, 400_000.0),
            ]
        );
        // the unmatched one is kept, by name, cleaned of escape sequences
        let rocket = &u.quotas.quotas[3];
        assert!(rocket.name.starts_with("On-demand model inference tokens per minute for Acme Rocket 9"));
        assert!(!rocket.name.contains('\u{1b}'), "{:?}", rocket.name);

        let mut store = Store::default();
        store.apply(Update::ServiceQuotas(u));
        let sq = &store.service_quotas;
        // bare id: on-demand; us. profile: cross-region
        assert_eq!(sq.find("us-east-1", SONNET, QuotaKind::Tpm).map(|q| q.value), Some(400_000.0));
        assert_eq!(sq.find("us-east-1", SONNET, QuotaKind::Rpm).map(|q| q.value), Some(50.0));
        assert_eq!(sq.find("us-east-1", &format!("us.{SONNET}"), QuotaKind::Tpm).map(|q| q.value), Some(800_000.0));
        assert_eq!(sq.find("us-east-1", &format!("us.{SONNET}"), QuotaKind::Rpm), None);
        assert_eq!(
            sq.find("us-east-1", "anthropic.claude-3-haiku-20240307-v1:0", QuotaKind::Rpm).map(|q| q.code.as_str()),
            Some("L-E")
        );
        let eff = store.effective_quota("us-east-1", SONNET).unwrap();
        assert_eq!(eff.tpm.unwrap().origin, QuotaOrigin::ServiceQuotas);
        // matched to the known models; the unknown one to nothing
        let models: Vec<(String, Option<String>)> =
            store.service_quota_models().into_iter().map(|(_, q, m)| (q.code.clone(), m)).collect();
        assert!(models.contains(&("L-E".into(), Some("anthropic.claude-3-haiku-20240307-v1:0".into()))), "{models:?}");
        assert!(models.contains(&("L-F".into(), None)), "{models:?}");
    }

    #[tokio::test]
    async fn access_denied_is_a_calm_note_and_loses_nothing() {
        let (p1, p2) = pages();
        let d = no_defaults();
        let denied = mock!(Client::list_service_quotas).then_error(|| {
            denied_error(
                "User: arn:aws:sts::123456789012:assumed-role/ReadOnly/x is not authorized to perform: \
                 servicequotas:ListServiceQuotas",
            )
        });
        let client = mock_client!(aws_sdk_servicequotas, RuleMode::Sequential, [&p1, &p2, &d, &denied]);
        let mut src = QuotasSource::new(client, "us-east-1", Some("prod"), None);
        let mut store = Store::default();
        let u = src.poll(7_200).await.unwrap();
        store.apply(Update::ServiceQuotas(u));
        store.apply(Update::Health(src.health.clone()));

        // denied on the next read (the role changed): recorded, classified, not stale
        assert!(src.poll(10_800).await.is_err());
        let h = &src.health;
        let e = h.last_error.as_ref().unwrap();
        assert_eq!(e.kind, ErrorKind::AccessDenied);
        assert_eq!(e.code.as_deref(), Some("AccessDeniedException"));
        assert_eq!(h.consecutive_failures, 1);
        assert!(!h.is_stale(), "a denied optional source does not make the console stale");
        assert_eq!(
            h.note.as_deref(),
            Some(
                "Service Quotas not readable (servicequotas:ListServiceQuotas denied) — keeping the quotas read \
                 at 02:00 UTC"
            )
        );
        // hourly, with no "retry" countdown
        assert_eq!(next_delay(h), REFRESH);
        store.apply(Update::Health(h.clone()));
        assert!(!store.any_stale());
        // what was read stays
        assert_eq!(store.service_quotas.find("us-east-1", SONNET, QuotaKind::Tpm).map(|q| q.value), Some(400_000.0));

        // denied from the start: the configured quotas are what the headroom uses
        let denied_again = mock!(Client::list_service_quotas).then_error(|| denied_error("denied"));
        let client = mock_client!(aws_sdk_servicequotas, [&denied_again]);
        let mut src = QuotasSource::new(client, "eu-west-1", None, None);
        assert!(src.poll(100).await.is_err());
        assert_eq!(
            src.health.note.as_deref(),
            Some("Service Quotas not readable (servicequotas:ListServiceQuotas denied) — using configured quotas")
        );
        assert!(src.health.last_error.as_ref().unwrap().hint.contains("servicequotas:ListServiceQuotas"));
        assert_eq!(src.health.last_ok, None);
        assert!(!src.health.loading);
    }

    #[tokio::test]
    async fn throttling_backs_off_and_keeps_what_was_read() {
        let (p1, p2) = pages();
        let throttled = mock!(Client::list_service_quotas).then_error(|| {
            ListServiceQuotasError::TooManyRequestsException(
                TooManyRequestsException::builder()
                    .message("Rate exceeded")
                    .meta(ErrorMetadata::builder().code("TooManyRequestsException").message("Rate exceeded").build())
                    .build(),
            )
        });
        let (p3, p4) = pages();
        let (d1, d2) = (no_defaults(), no_defaults());
        let client =
            mock_client!(aws_sdk_servicequotas, RuleMode::Sequential, [&p1, &p2, &d1, &throttled, &p3, &p4, &d2]);
        let mut src = QuotasSource::new(client, "us-east-1", None, None);
        let mut store = Store::default();
        store.apply(Update::ServiceQuotas(src.poll(0).await.unwrap()));
        assert!(src.poll(3_600).await.is_err());
        let e = src.health.last_error.clone().unwrap();
        assert_eq!(e.kind, ErrorKind::Throttled);
        assert_eq!(
            src.health.note.as_deref(),
            Some("Service Quotas not read (throttled) — keeping the quotas read at 00:00 UTC")
        );
        assert!(!src.health.is_stale());
        // backs off (10 minutes for throttling), not the hour
        assert_eq!(next_delay(&src.health), Duration::from_secs(600));
        store.apply(Update::Health(src.health.clone()));
        assert_eq!(store.service_quotas.region("us-east-1").map(|r| r.quotas.len()), Some(5));
        // and recovers: the note goes
        assert!(src.poll(4_200).await.is_ok());
        assert_eq!(src.health.note, None);
        assert_eq!(src.health.consecutive_failures, 0);
        assert_eq!(next_delay(&src.health), REFRESH);
    }

    #[tokio::test]
    async fn an_unreadable_answer_is_a_note_too() {
        // what the emulator does (moto has no ListServiceQuotas): HTTP 500 with an HTML page
        let html = mock!(Client::list_service_quotas).then_http_response(|| {
            aws_smithy_runtime_api::http::Response::new(
                aws_smithy_runtime_api::http::StatusCode::try_from(500).unwrap(),
                aws_smithy_types::body::SdkBody::from("<!doctype html><title>500 Internal Server Error</title>"),
            )
        });
        let client = mock_client!(aws_sdk_servicequotas, RuleMode::MatchAny, [&html]);
        let mut src = QuotasSource::new(client, "us-east-1", None, None);
        assert!(src.poll(0).await.is_err());
        assert!(!src.health.is_stale());
        let note = src.health.note.clone().unwrap();
        assert!(note.starts_with("Service Quotas not read ("), "{note}");
        assert!(note.ends_with(") — using configured quotas"), "{note}");
        // retried with backoff, sooner than the hour
        assert!(next_delay(&src.health) < REFRESH);
    }

    #[tokio::test(start_paused = true)]
    async fn refresh_reads_again_at_most_every_five_minutes() {
        let (p1, p2) = pages();
        let d = no_defaults();
        let client = mock_client!(aws_sdk_servicequotas, RuleMode::MatchAny, [&p1, &p2, &d]);
        let (tx, mut rx) = unbounded_channel();
        let cmd = spawn(QuotasSource::new(client, "us-east-1", None, None), tx);
        assert!(matches!(rx.recv().await, Some(Update::ServiceQuotas(_))));
        assert!(matches!(rx.recv().await, Some(Update::Health(_))));
        assert_eq!(p1.num_calls(), 1);
        // a refresh a minute later waits for the fifth minute
        tokio::time::advance(Duration::from_secs(60)).await;
        cmd.send(Command::Refresh).unwrap();
        tokio::time::advance(Duration::from_secs(60)).await;
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        assert_eq!(p1.num_calls(), 1);
        assert!(rx.try_recv().is_err());
        tokio::time::advance(Duration::from_secs(181)).await;
        assert!(matches!(rx.recv().await, Some(Update::ServiceQuotas(_))));
        assert_eq!(p1.num_calls(), 2);
        assert!(matches!(rx.recv().await, Some(Update::Health(_))));
        // without a refresh: the next read is an hour after that one
        let before = Instant::now();
        assert!(matches!(rx.recv().await, Some(Update::ServiceQuotas(_))));
        assert_eq!(Instant::now() - before, REFRESH);
        assert_eq!(p1.num_calls(), 3);
        // the UI goes away: the task ends
        drop(rx);
        cmd.send(Command::Shutdown).ok();
    }

    /// Two pages of AWS's defaults: one for a quota the applied list has (its applied value wins),
    /// and ones it lacks (never raised).
    fn default_pages() -> (Rule, Rule) {
        let d1 = mock!(Client::list_aws_default_service_quotas)
            .match_requests(|r| r.service_code() == Some("bedrock") && r.next_token().is_none())
            .then_output(|| {
                ListAwsDefaultServiceQuotasOutput::builder()
                    .quotas(q("L-A", ON_TPM, 200_000.0))
                    .quotas(q("L-H", "On-demand model inference tokens per minute for Anthropic Claude 3 Haiku", 2e6))
                    .next_token("d-2")
                    .build()
            });
        let d2 = mock!(Client::list_aws_default_service_quotas)
            .match_requests(|r| r.service_code() == Some("bedrock") && r.next_token() == Some("d-2"))
            .then_output(|| {
                ListAwsDefaultServiceQuotasOutput::builder()
                    .quotas(q("L-R", CR_RPM_HAIKU, 800.0))
                    .quotas(q("L-Z", "Model units no-commitment Provisioned Throughputs across base models", 2.0))
                    .build()
            });
        (d1, d2)
    }

    const CR_RPM_HAIKU: &str = "Cross-region model inference requests per minute for Anthropic Claude 3 Haiku";

    #[tokio::test]
    async fn quotas_with_no_applied_value_come_from_the_defaults() {
        let (p1, p2) = pages();
        let (d1, d2) = default_pages();
        let client = mock_client!(aws_sdk_servicequotas, RuleMode::MatchAny, [&p1, &p2, &d1, &d2]);
        let mut src = QuotasSource::new(client, "us-east-1", None, None);
        let u = src.poll(1_000).await.unwrap();
        assert_eq!((d1.num_calls(), d2.num_calls()), (1, 1));
        assert_eq!(src.health.calls, 4);
        assert_eq!(src.health.note, None);
        let got: Vec<(&str, f64, bool)> =
            u.quotas.quotas.iter().map(|q| (q.code.as_str(), q.value, q.is_default)).collect();
        // L-A's applied 400k wins over its default; L-H and L-R were never raised
        assert!(got.contains(&("L-A", 400_000.0, false)), "{got:?}");
        assert!(!got.iter().any(|g| g.0 == "L-A" && g.2), "{got:?}");
        assert!(got.contains(&("L-H", 2e6, true)), "{got:?}");
        assert!(got.contains(&("L-R", 800.0, true)), "{got:?}");
        assert_eq!(got.len(), 7);
        // the provisioned-throughput default is not a per-minute model rate
        assert_eq!(u.quotas.other, 3);

        let mut store = Store::default();
        store.apply(Update::ServiceQuotas(u));
        let haiku = "anthropic.claude-3-haiku-20240307-v1:0";
        // without the defaults haiku would have no token quota at all
        let eff = store.effective_quota("us-east-1", haiku).unwrap();
        assert_eq!(eff.tpm.as_ref().map(|t| (t.value, t.origin)), Some((2e6, QuotaOrigin::ServiceQuotasDefault)));
        assert_eq!(eff.rpm.as_ref().map(|t| (t.value, t.origin)), Some((400.0, QuotaOrigin::ServiceQuotas)));
        let cross = store.effective_quota("us-east-1", &format!("us.{haiku}")).unwrap();
        assert_eq!(cross.rpm.map(|r| (r.value, r.origin)), Some((800.0, QuotaOrigin::ServiceQuotasDefault)));
        assert_eq!(crate::present::quotas::summary(&eff), "TPM 2.0M (AWS default) · RPM 400 (Service Quotas)");
    }

    #[tokio::test]
    async fn defaults_denied_keep_the_applied_quotas_with_a_note() {
        let (p1, p2) = pages();
        let denied = mock!(Client::list_aws_default_service_quotas).then_error(|| {
            let msg = "User: x is not authorized to perform: servicequotas:ListAWSDefaultServiceQuotas";
            ListAWSDefaultServiceQuotasError::AccessDeniedException(
                AccessDeniedException::builder()
                    .message(msg)
                    .meta(ErrorMetadata::builder().code("AccessDeniedException").message(msg).build())
                    .build(),
            )
        });
        let client = mock_client!(aws_sdk_servicequotas, RuleMode::MatchAny, [&p1, &p2, &denied]);
        let mut src = QuotasSource::new(client, "us-east-1", None, None);
        let u = src.poll(1_000).await.unwrap();
        assert_eq!(u.quotas.quotas.len(), 5);
        assert!(u.quotas.quotas.iter().all(|q| !q.is_default));
        assert_eq!(src.health.last_ok, Some(1_000));
        assert!(!src.health.is_stale());
        assert_eq!(
            src.health.note.as_deref(),
            Some(
                "AWS default quotas not read (servicequotas:ListAWSDefaultServiceQuotas denied) — quotas never \
                 raised may be missing"
            )
        );
        assert_eq!(next_delay(&src.health), REFRESH);
    }
}
