//! AWS access: SDK configuration (credential chain, profile, region, endpoint, retries,
//! timeouts) and turning SDK errors into [`SourceError`]s an operator can act on.

use std::error::Error as StdError;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::store::{ErrorKind, SourceError};

/// How to reach AWS, from the CLI and config.
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
}

/// Commercial regions known when this was written; others are still tried, with a warning.
pub const KNOWN_REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    // Asia Pacific (New Zealand), in botocore's partitions since 2025
    "ap-southeast-6",
    "ap-southeast-7",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-south-1",
    "eu-south-2",
    "eu-north-1",
    "il-central-1",
    "me-south-1",
    "me-central-1",
    "mx-central-1",
    "sa-east-1",
    "us-gov-east-1",
    "us-gov-west-1",
    "cn-north-1",
    "cn-northwest-1",
];

pub fn is_known_region(r: &str) -> bool {
    KNOWN_REGIONS.contains(&r)
}

fn http_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
    aws_smithy_http_client::Builder::new().tls_provider(Provider::Rustls(CryptoMode::Ring)).build_https()
}

/// Explicit timeouts so a dead network never hangs the console.
pub fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_millis(3100))
        .read_timeout(Duration::from_secs(20))
        .operation_attempt_timeout(Duration::from_secs(25))
        .operation_timeout(Duration::from_secs(60))
        .build()
}

/// Load the SDK configuration through aws-config's default chain (env, profiles, SSO,
/// assume-role, IMDS). `region` overrides the profile's region. `AWS_ENDPOINT_URL` and the
/// per-service variables are honoured by aws-config itself; `--endpoint-url` wins over them.
pub async fn load_config(opts: &AwsOptions, region: Option<&str>) -> SdkConfig {
    finish_config(config_loader(opts, region)).await
}

/// The loader behind [`load_config`]: HTTP client, retries, timeouts, profile, region, endpoint.
pub fn config_loader(opts: &AwsOptions, region: Option<&str>) -> aws_config::ConfigLoader {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http_client())
        .retry_config(RetryConfig::standard().with_max_attempts(3))
        .timeout_config(timeouts());
    if let Some(p) = &opts.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = region {
        loader = loader.region(Region::new(r.to_string()));
    }
    if let Some(e) = &opts.endpoint_url {
        loader = loader.endpoint_url(e);
    }
    loader
}

/// Load `loader`, with the credentials cached by [`RecoveringCredentials`] instead of the SDK's
/// own cache, so credentials AWS has rejected (`ExpiredToken`) are fetched again.
pub async fn finish_config(loader: aws_config::ConfigLoader) -> SdkConfig {
    let sdk = loader.load().await;
    match sdk.credentials_provider() {
        Some(chain) => sdk
            .to_builder()
            .identity_cache(aws_config::identity::IdentityCache::no_cache())
            .credentials_provider(SharedCredentialsProvider::new(RecoveringCredentials::new(chain)))
            .build(),
        None => sdk,
    }
}

/// Bumped each time AWS rejects the credentials: every [`RecoveringCredentials`] then fetches
/// fresh ones on the next call.
static CREDENTIALS_REJECTED: AtomicU64 = AtomicU64::new(0);

/// AWS said the credentials are expired or invalid: fetch them again before the next call.
pub fn credentials_rejected() {
    CREDENTIALS_REJECTED.fetch_add(1, Ordering::Relaxed);
}

/// Credentials from the SDK's provider chain, cached until shortly before they expire (like the
/// SDK's lazy cache) **or until AWS rejects them** ([`credentials_rejected`]).
///
/// The SDK's cache keeps credentials until their stated expiry, so a session that AWS has ended
/// early (`ExpiredToken` after the operator's SSO session was revoked or re-issued, a role
/// session cut short, clock skew) would stay broken for up to an hour after `aws sso login`.
/// With this cache the next poll after such an error runs the chain again (SSO token cache,
/// `credential_process`, …) and the console recovers by itself.
#[derive(Debug)]
pub struct RecoveringCredentials {
    chain: SharedCredentialsProvider,
    cached: tokio::sync::Mutex<Option<(Credentials, u64, std::time::SystemTime)>>,
}

impl RecoveringCredentials {
    /// Refresh this long before the stated expiry (the SDK's lazy cache uses 10 s).
    const BUFFER: Duration = Duration::from_secs(10);
    /// Credentials without an expiry are fetched again after this long (as the SDK does).
    const NO_EXPIRY_TTL: Duration = Duration::from_secs(15 * 60);

    pub fn new(chain: SharedCredentialsProvider) -> Self {
        Self { chain, cached: tokio::sync::Mutex::new(None) }
    }

    async fn get(&self) -> aws_credential_types::provider::Result {
        let generation = CREDENTIALS_REJECTED.load(Ordering::Relaxed);
        let now = std::time::SystemTime::now();
        // one load at a time: concurrent callers wait for it and share the result
        let mut cached = self.cached.lock().await;
        if let Some((c, g, until)) = cached.as_ref()
            && *g == generation
            && now < *until
        {
            return Ok(c.clone());
        }
        let fresh = self.chain.provide_credentials().await?;
        let until =
            fresh.expiry().map(|e| e.checked_sub(Self::BUFFER).unwrap_or(e)).unwrap_or(now + Self::NO_EXPIRY_TTL);
        *cached = Some((fresh.clone(), generation, until));
        Ok(fresh)
    }
}

impl ProvideCredentials for RecoveringCredentials {
    fn provide_credentials<'a>(&'a self) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::new(self.get())
    }
}

/// The account and caller ARN (sts:GetCallerIdentity needs no permission).
pub async fn whoami(config: &SdkConfig, ctx: &ErrorContext) -> Result<(String, String), SourceError> {
    let sts = aws_sdk_sts::Client::new(config);
    let out = sts.get_caller_identity().send().await.map_err(|e| classify(&e, ctx, now()))?;
    Ok((out.account().unwrap_or_default().to_string(), out.arn().unwrap_or_default().to_string()))
}

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// What was being attempted, for the error's hint.
#[derive(Debug, Clone, Default)]
pub struct ErrorContext {
    /// IAM action, e.g. `cloudwatch:GetMetricData`.
    pub action: String,
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint: Option<String>,
}

impl ErrorContext {
    pub fn new(action: &str, profile: Option<&str>, region: Option<&str>, endpoint: Option<&str>) -> Self {
        Self {
            action: action.into(),
            profile: profile.map(Into::into),
            region: region.map(Into::into),
            endpoint: endpoint.map(Into::into),
        }
    }
    fn profile_flag(&self) -> String {
        match &self.profile {
            Some(p) => format!(" --profile {p}"),
            None => String::new(),
        }
    }
}

/// Turn an SDK error into something the operator can act on.
pub fn classify<E, R>(err: &SdkError<E, R>, ctx: &ErrorContext, at: i64) -> SourceError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    // the code is AWS's text (or whatever answered in its place): sanitised like the message
    let code = err.code().map(crate::sanitize::one_line);
    let service_msg = err.message().map(str::to_string);
    let full = DisplayErrorContext(err).to_string();
    let timeout =
        matches!(err, SdkError::TimeoutError(_)) || matches!(err, SdkError::DispatchFailure(d) if d.is_timeout());
    let mut e = classify_parts(code, service_msg, &full, timeout, ctx, at);
    if matches!(e.kind, ErrorKind::ExpiredCredentials | ErrorKind::NoCredentials) {
        credentials_rejected();
    }
    // a new hint replaces the one that had the unknown-region note: add it again
    if e.kind == ErrorKind::Other && explain_unreadable(&mut e, err) {
        note_unknown_region(&mut e, ctx);
    }
    e
}

/// A region missing from [`KNOWN_REGIONS`] that did answer (or failed for another reason) is
/// not blamed, but the operator is told it is not one nightjar knows, in case it is a typo.
fn note_unknown_region(e: &mut SourceError, ctx: &ErrorContext) {
    let region = ctx.region.as_deref().unwrap_or("?");
    if e.kind != ErrorKind::BadRegion && !is_known_region(region) {
        e.hint = format!("{} ('{region}' is not a region nightjar knows: check --region if that is a typo)", e.hint);
    }
}

/// An answer that is not AWS's (an HTML page from a proxy), cut off, or unreadable: say so in
/// words instead of the decoder's debug output. True when it did (a new message and hint).
fn explain_unreadable<E, R>(e: &mut SourceError, err: &SdkError<E, R>) -> bool
where
    E: StdError + 'static,
    R: std::fmt::Debug,
{
    // Sources hand in SDK errors generic over the raw response type, which only promises Debug:
    // read the status and the content type from that (`status: StatusCode(502)`, the headers).
    let raw = err.raw_response().map(|r| format!("{r:?}"));
    let status = raw.as_deref().and_then(|r| {
        let digits = &r[r.find("StatusCode(")? + "StatusCode(".len()..];
        digits.split(|c: char| !c.is_ascii_digit()).next()?.parse::<u16>().ok()
    });
    let html = raw.as_deref().is_some_and(|r| {
        let r = r.to_ascii_lowercase();
        r.contains("text/html") || r.contains("<html")
    });
    // the innermost cause, e.g. "unexpected type 0x3c at position 0: expected map"
    let mut cause: &dyn StdError = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let detail = cause.to_string();
    let (kind, message, hint) = match (err, status) {
        (_, Some(s)) if html => (
            ErrorKind::Unreachable,
            format!("HTTP {s} with an HTML page instead of an AWS answer"),
            "something between nightjar and AWS answered (a proxy, captive portal or load balancer): \
             check HTTPS_PROXY and --endpoint-url; retrying with backoff"
                .to_string(),
        ),
        (SdkError::ResponseError(_), _) => (
            ErrorKind::Unreachable,
            format!("the answer was cut off: {detail}"),
            "check the network or proxy; retrying with backoff".to_string(),
        ),
        (SdkError::ServiceError(_), Some(s)) => (
            ErrorKind::Other,
            format!("an unreadable answer (HTTP {s}): {detail}"),
            "retrying with backoff; if it persists, something may be altering AWS's answers (a proxy?)".to_string(),
        ),
        _ => return false,
    };
    e.kind = kind;
    e.message = truncate(&message, 200);
    e.hint = hint;
    true
}

/// The classification itself, on plain strings (unit-testable without the SDK).
pub fn classify_parts(
    code: Option<String>,
    service_msg: Option<String>,
    full: &str,
    timeout: bool,
    ctx: &ErrorContext,
    at: i64,
) -> SourceError {
    let lower = full.to_ascii_lowercase();
    // what AWS said, wherever it is (the display of an SDK error need not carry the message)
    let said = format!("{full} {}", service_msg.as_deref().unwrap_or_default());
    let c = code.as_deref().unwrap_or("");
    let region = ctx.region.as_deref().unwrap_or("?");
    let known_region = is_known_region(region);
    let pf = ctx.profile_flag();
    // A region missing from KNOWN_REGIONS may simply be newer than this build: only a failure to
    // reach its endpoint says the region is wrong. Anything else keeps its own words.
    let bad_region = || {
        (
            ErrorKind::BadRegion,
            format!("cannot reach AWS in region '{region}'"),
            format!("'{region}' is not a known region; check --region"),
        )
    };
    let retrying = || "retrying with backoff".to_string();
    let (kind, message, hint) = if lower.contains("token has expired")
        || lower.contains("sso token")
        || (lower.contains("sso") && lower.contains("expired"))
        || lower.contains("session has expired")
    {
        (
            ErrorKind::ExpiredCredentials,
            "no valid SSO session (expired or never logged in)".to_string(),
            format!("run `aws sso login{pf}`; nightjar recovers by itself once you have"),
        )
    } else if let Some(skew) = clock_skew(c, &said) {
        (
            ErrorKind::ClockSkew,
            skew,
            "check the clock: AWS refuses requests signed more than 5 minutes off its time (sync it: \
             `timedatectl` or `chronyc tracking`); nightjar retries by itself"
                .to_string(),
        )
    } else if matches!(c, "ExpiredToken" | "ExpiredTokenException" | "TokenRefreshRequired") {
        (
            ErrorKind::ExpiredCredentials,
            "the credentials have expired".to_string(),
            format!("refresh them (`aws sso login{pf}` or re-assume the role); nightjar retries by itself"),
        )
    } else if lower.contains("no credentials")
        || lower.contains("credentialsnotloaded")
        || lower.contains("failed to load credentials")
        || lower.contains("credentials provider was not enabled")
        || lower.contains("no providers in chain provided credentials")
        || lower.contains("could not find profile")
        || (lower.contains("profile") && lower.contains("not") && lower.contains("found"))
    {
        (
            ErrorKind::NoCredentials,
            "no AWS credentials were found".to_string(),
            "set AWS_PROFILE or pass --profile, run `aws configure` or `aws sso login`, or try --demo".to_string(),
        )
    } else if matches!(
        c,
        "InvalidClientTokenId" | "UnrecognizedClientException" | "SignatureDoesNotMatch" | "IncompleteSignature"
    ) {
        (
            ErrorKind::NoCredentials,
            "AWS rejected the credentials".to_string(),
            format!(
                "check the access key for{} (`aws sts get-caller-identity{pf}`)",
                if pf.is_empty() { " the default profile".to_string() } else { pf.clone() }
            ),
        )
    } else if c.contains("AccessDenied") || c == "UnauthorizedOperation" || lower.contains("not authorized to perform")
    {
        (
            ErrorKind::AccessDenied,
            format!("access denied to {}", ctx.action),
            format!("allow {} for this role (README: read-only IAM policy)", ctx.action),
        )
    } else if matches!(
        c,
        "Throttling"
            | "ThrottlingException"
            | "ThrottledException"
            | "TooManyRequestsException"
            | "RequestLimitExceeded"
            | "LimitExceededException"
    ) || lower.contains("rate exceeded")
    {
        (
            ErrorKind::Throttled,
            "AWS is throttling requests".to_string(),
            "backing off; the last good data stays on screen".to_string(),
        )
    } else if timeout {
        (
            ErrorKind::Timeout,
            "the request timed out".to_string(),
            "check the network to AWS; retrying with backoff".to_string(),
        )
    } else if lower.contains("dns error")
        || lower.contains("failed to lookup")
        || lower.contains("name or service not known")
    {
        if known_region {
            (
                ErrorKind::Unreachable,
                format!("cannot resolve the {} endpoint", ctx.endpoint.as_deref().unwrap_or(region)),
                "check DNS, the proxy, --region or --endpoint-url".to_string(),
            )
        } else {
            bad_region()
        }
    } else if lower.contains("connection refused")
        || lower.contains("tcp connect error")
        || lower.contains("connection reset")
        || lower.contains("dispatch failure")
        || lower.contains("io error")
    {
        if !known_region && ctx.endpoint.is_none() {
            bad_region()
        } else {
            let target = ctx.endpoint.clone().unwrap_or_else(|| format!("AWS in {region}"));
            (
                ErrorKind::Unreachable,
                format!("cannot connect to {target}"),
                "check the network, proxy or --endpoint-url".to_string(),
            )
        }
    } else if code.is_some() {
        (ErrorKind::Service, service_msg.clone().unwrap_or_else(|| first_line(full)), retrying())
    } else {
        // unclassified: said as it is, never "cannot reach AWS" because the region is new
        (ErrorKind::Other, first_line(full), retrying())
    };
    let message = match (&service_msg, kind) {
        (Some(m), ErrorKind::AccessDenied | ErrorKind::Throttled) if !m.is_empty() => truncate(m, 200),
        _ => truncate(&message, 200),
    };
    let mut e = SourceError { kind, code, message, hint, at };
    note_unknown_region(&mut e, ctx);
    e
}

/// A refusal because the request's time is off (AWS's Common Errors: `RequestExpired` is a
/// request "more than 15 minutes after the date stamp on the request ... or the date stamp on
/// the request is more than 15 minutes in the future"; SigV4 says `Signature expired` / `Signature
/// not yet current` under `SignatureDoesNotMatch`, `InvalidSignatureException` or `AuthFailure`):
/// what to tell the operator, with the skew when AWS gave both times.
fn clock_skew(code: &str, said: &str) -> Option<String> {
    let lower = said.to_ascii_lowercase();
    let skew_code = matches!(code, "RequestExpired" | "RequestTimeTooSkewed" | "RequestInTheFuture");
    let signature_code =
        matches!(code, "SignatureDoesNotMatch" | "InvalidSignatureException" | "AuthFailure" | "IncompleteSignature");
    let skew_words = ["signature expired", "signature not yet current", "request time", "time too skewed", "clock"]
        .iter()
        .any(|w| lower.contains(w));
    if !(skew_code || (signature_code && skew_words)) {
        return None;
    }
    // `Signature expired: 20260101T000000Z is now earlier than 20260101T000500Z (20260101T001000Z
    // - 5 min.)`: the request's time first, AWS's in the parentheses
    let stamps: Vec<i64> = said
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| w.len() == 16 && w.as_bytes()[8] == b'T' && w.ends_with('Z'))
        .filter_map(|w| chrono::NaiveDateTime::parse_from_str(w, "%Y%m%dT%H%M%SZ").ok())
        .map(|t| t.and_utc().timestamp())
        .collect();
    Some(match stamps.as_slice() {
        [ours, _, theirs, ..] if ours != theirs => {
            let d = theirs - ours;
            let mins = (d.abs() + 30) / 60;
            let how = if d > 0 { "behind" } else { "ahead of" };
            format!(
                "this machine's clock is about {mins} min {how} AWS's: the request was refused as {}",
                if d > 0 { "expired" } else { "not yet valid" }
            )
        }
        _ => "AWS refused the request's time: this machine's clock is probably off".to_string(),
    })
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").to_string()
}

fn truncate(s: &str, n: usize) -> String {
    let clean = crate::sanitize::one_line(s);
    if clean.chars().count() > n { clean.chars().take(n - 1).chain(['…']).collect() } else { clean }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out `AKID<n>` (n = calls so far), expiring `ttl` from now.
    #[derive(Debug)]
    struct Counting {
        calls: std::sync::Arc<std::sync::atomic::AtomicUsize>,
        ttl: Option<Duration>,
    }

    impl ProvideCredentials for Counting {
        fn provide_credentials<'a>(&'a self) -> aws_credential_types::provider::future::ProvideCredentials<'a>
        where
            Self: 'a,
        {
            let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
            let expiry = self.ttl.map(|t| std::time::SystemTime::now() + t);
            aws_credential_types::provider::future::ProvideCredentials::ready(Ok(Credentials::new(
                format!("AKID{n}"),
                "secret",
                None,
                expiry,
                "test",
            )))
        }
    }

    fn counting(ttl: Option<Duration>) -> (RecoveringCredentials, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
        let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let p = RecoveringCredentials::new(SharedCredentialsProvider::new(Counting { calls: calls.clone(), ttl }));
        (p, calls)
    }

    #[tokio::test]
    async fn credentials_are_cached_until_aws_rejects_them() {
        // the rejection counter is process-wide: if another test bumped it meanwhile, go again
        for _ in 0..5 {
            let g0 = CREDENTIALS_REJECTED.load(Ordering::SeqCst);
            let (p, calls) = counting(Some(Duration::from_secs(3600)));
            let first = [p.provide_credentials().await.unwrap(), p.provide_credentials().await.unwrap()];
            let calls_while_valid = calls.load(Ordering::SeqCst);
            // AWS said ExpiredToken (to any source): the next call fetches them again
            credentials_rejected();
            let second = [p.provide_credentials().await.unwrap(), p.provide_credentials().await.unwrap()];
            if CREDENTIALS_REJECTED.load(Ordering::SeqCst) != g0 + 1 {
                continue;
            }
            assert_eq!(calls_while_valid, 1, "cached while valid");
            assert_eq!(first.map(|c| c.access_key_id().to_string()), ["AKID1", "AKID1"]);
            assert_eq!(second.map(|c| c.access_key_id().to_string()), ["AKID2", "AKID2"]);
            assert_eq!(calls.load(Ordering::SeqCst), 2);
            return;
        }
        panic!("the rejection counter kept moving");
    }

    #[tokio::test]
    async fn credentials_about_to_expire_are_fetched_again() {
        // inside the 10 s buffer: never reused
        let (p, calls) = counting(Some(Duration::from_secs(5)));
        p.provide_credentials().await.unwrap();
        p.provide_credentials().await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        // no expiry: kept (for 15 minutes, as the SDK does)
        let (p, calls) = counting(None);
        p.provide_credentials().await.unwrap();
        p.provide_credentials().await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    fn ctx() -> ErrorContext {
        ErrorContext::new("cloudwatch:GetMetricData", Some("prod"), Some("us-east-1"), None)
    }

    #[test]
    fn expired_sso_says_how_to_log_in() {
        let e = classify_parts(None, None, "failed to load credentials: the SSO token has expired", false, &ctx(), 1);
        assert_eq!(e.kind, ErrorKind::ExpiredCredentials);
        assert!(e.hint.contains("aws sso login --profile prod"), "{}", e.hint);
    }

    #[test]
    fn access_denied_names_the_action() {
        let e = classify_parts(
            Some("AccessDenied".into()),
            Some("User: arn:aws:sts::1:assumed-role/x is not authorized to perform: cloudwatch:GetMetricData".into()),
            "service error",
            false,
            &ctx(),
            1,
        );
        assert_eq!(e.kind, ErrorKind::AccessDenied);
        assert!(e.hint.contains("cloudwatch:GetMetricData"));
        assert!(e.one_line().starts_with("AccessDenied: User: arn"));
    }

    #[test]
    fn throttling_and_expired_tokens() {
        assert_eq!(
            classify_parts(Some("Throttling".into()), Some("Rate exceeded".into()), "", false, &ctx(), 0).kind,
            ErrorKind::Throttled
        );
        assert_eq!(
            classify_parts(Some("ExpiredToken".into()), None, "", false, &ctx(), 0).kind,
            ErrorKind::ExpiredCredentials
        );
    }

    #[test]
    fn no_credentials_suggests_demo() {
        let e = classify_parts(
            None,
            None,
            "dispatch failure: no credentials in the chain: CredentialsNotLoaded",
            false,
            &ctx(),
            0,
        );
        assert_eq!(e.kind, ErrorKind::NoCredentials);
        assert!(e.hint.contains("--demo"));
    }

    #[test]
    fn unknown_region_and_unreachable_endpoint() {
        let c = ErrorContext::new("cloudwatch:ListMetrics", None, Some("xx-fake-9"), None);
        let e = classify_parts(None, None, "dispatch failure: dns error: failed to lookup address", false, &c, 0);
        assert_eq!(e.kind, ErrorKind::BadRegion);
        assert!(e.hint.contains("--region"));
        let c = ErrorContext::new("cloudwatch:ListMetrics", None, Some("us-east-1"), Some("http://127.0.0.1:9"));
        let e = classify_parts(
            None,
            None,
            "dispatch failure: io error: tcp connect error: Connection refused",
            false,
            &c,
            0,
        );
        assert_eq!(e.kind, ErrorKind::Unreachable);
        assert!(e.message.contains("127.0.0.1:9"));
        let e = classify_parts(None, None, "timeout", true, &c, 0);
        assert_eq!(e.kind, ErrorKind::Timeout);
        // a service error in a newer region keeps its own words
        let c = ErrorContext::new("logs:StartQuery", None, Some("ap-southeast-6"), None);
        let e =
            classify_parts(Some("MalformedQueryException".into()), Some("bad query".into()), "bad query", false, &c, 0);
        assert_ne!(e.kind, ErrorKind::BadRegion, "{e:?}");
    }

    /// A region newer than nightjar's list is not "cannot reach AWS" unless its endpoint cannot
    /// be reached: a service error keeps its words, an unclassified one its first line.
    #[test]
    fn an_unknown_region_is_blamed_only_when_it_cannot_be_reached() {
        let c = ErrorContext::new("cloudwatch:GetMetricData", None, Some("xx-newer-1"), None);
        let e = classify_parts(
            Some("InternalFailure".into()),
            Some("The request processing has failed".into()),
            "service error: InternalFailure",
            false,
            &c,
            0,
        );
        assert_eq!(e.kind, ErrorKind::Service, "{e:?}");
        assert_eq!(e.message, "The request processing has failed");
        assert!(!e.message.contains("cannot reach"), "{e:?}");
        assert!(e.hint.contains("'xx-newer-1' is not a region nightjar knows"), "{}", e.hint);
        let e = classify_parts(None, None, "failed to construct request: invalid header value", false, &c, 0);
        assert_eq!(e.kind, ErrorKind::Other, "{e:?}");
        assert_eq!(e.message, "failed to construct request: invalid header value");
        assert!(e.hint.contains("is not a region nightjar knows"), "{}", e.hint);
        // a connection that fails in an unknown region does blame the region
        let e = classify_parts(None, None, "dispatch failure: io error: tcp connect error", false, &c, 0);
        assert_eq!(e.kind, ErrorKind::BadRegion);
        assert!(e.hint.contains("'xx-newer-1' is not a known region; check --region"), "{}", e.hint);
        // in a known region, an unclassified error has no region note
        let e = classify_parts(None, None, "failed to construct request", false, &ctx(), 0);
        assert_eq!((e.kind, e.hint.as_str()), (ErrorKind::Other, "retrying with backoff"));
    }

    /// RequestExpired and a signature refused for its time say "check the clock", with the skew
    /// when AWS gives both times; a signature refused for the key stays a credentials problem.
    #[test]
    fn a_skewed_clock_says_check_the_clock() {
        let e =
            classify_parts(Some("RequestExpired".into()), Some("Request has expired.".into()), "", false, &ctx(), 0);
        assert_eq!(e.kind, ErrorKind::ClockSkew);
        assert!(e.hint.starts_with("check the clock"), "{}", e.hint);
        let e = classify_parts(
            Some("SignatureDoesNotMatch".into()),
            Some(
                "Signature expired: 20260101T000000Z is now earlier than 20260101T000500Z (20260101T001000Z - 5 min.)"
                    .into(),
            ),
            "service error",
            false,
            &ctx(),
            0,
        );
        assert_eq!(e.kind, ErrorKind::ClockSkew, "{e:?}");
        assert!(e.message.contains("about 10 min behind AWS's"), "{}", e.message);
        let e = classify_parts(
            Some("InvalidSignatureException".into()),
            Some("Signature not yet current: 20260101T002000Z is still later than 20260101T001500Z (20260101T001000Z + 5 min.)".into()),
            "service error",
            false,
            &ctx(),
            0,
        );
        assert_eq!(e.kind, ErrorKind::ClockSkew);
        assert!(e.message.contains("about 10 min ahead of AWS's"), "{}", e.message);
        let e = classify_parts(
            Some("SignatureDoesNotMatch".into()),
            Some("The request signature we calculated does not match the signature you provided.".into()),
            "service error",
            false,
            &ctx(),
            0,
        );
        assert_eq!(e.kind, ErrorKind::NoCredentials, "a wrong secret key is not the clock");
    }
}
