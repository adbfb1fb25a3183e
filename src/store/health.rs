//! Per-source health: when it last worked, what failed, what it has cost.

/// USD per 1,000 metrics requested through GetMetricData.
pub const GET_METRIC_DATA_USD_PER_1000: f64 = 0.01;
/// USD per 1,000 other CloudWatch API requests (ListMetrics, DescribeAlarms, …).
pub const CW_REQUEST_USD_PER_1000: f64 = 0.01;
/// USD per million X-Ray traces scanned (GetTraceSummaries) or retrieved (BatchGetTraces).
pub const XRAY_TRACES_USD_PER_MILLION: f64 = 0.50;

/// What kind of failure, so the UI can say what to do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    NoCredentials,
    ExpiredCredentials,
    AccessDenied,
    Throttled,
    Unreachable,
    Timeout,
    BadRegion,
    /// The request's time is too far from AWS's (RequestExpired, "Signature expired"): this
    /// machine's clock is off.
    ClockSkew,
    Service,
    Other,
}

/// A failure as the operator should see it: the AWS error code, the message, and the fix.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SourceError {
    pub kind: ErrorKind,
    /// AWS error code (`AccessDeniedException`, `Throttling`…) when there was one.
    pub code: Option<String>,
    pub message: String,
    /// One line telling the operator what to do.
    pub hint: String,
    pub at: i64,
}

impl SourceError {
    /// `AccessDenied: … — fix`, on one line, sanitised (the code and message come from AWS).
    pub fn one_line(&self) -> String {
        let code = self.code.as_deref().map(|c| format!("{c}: ")).unwrap_or_default();
        crate::sanitize::one_line(&if self.hint.is_empty() {
            format!("{code}{}", self.message)
        } else {
            format!("{code}{} — {}", self.message, self.hint)
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SourceHealth {
    /// `cloudwatch`, `demo`, …
    pub name: String,
    pub region: Option<String>,
    pub last_ok: Option<i64>,
    pub last_error: Option<SourceError>,
    pub consecutive_failures: u32,
    pub calls: u64,
    pub metrics_requested: u64,
    /// Requests other than GetMetricData (ListMetrics, STS…), billed per request.
    pub other_requests: u64,
    /// X-Ray traces scanned or retrieved, billed per trace.
    #[serde(default)]
    pub traces_scanned: u64,
    /// Timestamp of the newest datapoint this source has delivered.
    pub newest_data: Option<i64>,
    /// Seconds until the next poll after a failure (0 when healthy).
    pub backoff_secs: u64,
    pub loading: bool,
    /// An optional source that cannot be read here, by design rather than by fault (Service
    /// Quotas denied to a read-only role): what to tell the operator instead of an error. The
    /// error stays in `last_error`, but the source is not stale and nothing looks broken.
    #[serde(default)]
    pub note: Option<String>,
    /// The last poll answered with holes (CloudWatch `InternalError` results that stayed so
    /// after retries): what is missing. Such a poll is never healthy ([`Self::healthy`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partial: Option<Partial>,
    /// What AWS said about the last poll's answer (CloudWatch's top-level and per-result
    /// `Messages`, `Code: text`), sanitised.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub messages: Vec<String>,
}

/// What a poll with holes is missing.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Partial {
    /// The series CloudWatch did not return (`InvocationLatency{ModelId=…} p99`), or what part
    /// of the answer may be short.
    pub missing: Vec<String>,
}

impl Partial {
    /// `2 series missing: A p99, B Sum` (the first few named).
    pub fn summary(&self) -> String {
        const NAMED: usize = 3;
        let mut named: Vec<String> = self.missing.iter().take(NAMED).map(|m| crate::sanitize::one_line(m)).collect();
        if self.missing.len() > NAMED {
            named.push(format!("+{} more", self.missing.len() - NAMED));
        }
        format!("{} missing: {}", self.missing.len(), named.join(", "))
    }
}

impl SourceHealth {
    pub fn new(name: &str, region: Option<&str>) -> Self {
        Self { name: name.into(), region: region.map(Into::into), loading: true, ..Default::default() }
    }

    /// The last call failed: what is on screen is the last good data. (Not for a source that
    /// is off with a [`note`](Self::note): the console works without it.)
    pub fn is_stale(&self) -> bool {
        self.consecutive_failures > 0 && self.note.is_none()
    }

    pub fn ok(&self) -> bool {
        (self.last_error.is_none() || self.consecutive_failures == 0) && self.partial.is_none()
    }

    /// The last poll answered, whole: not failing, not partial.
    pub fn healthy(&self) -> bool {
        !self.is_stale() && self.last_ok.is_some() && self.partial.is_none()
    }

    pub fn spend_usd(&self) -> f64 {
        self.metrics_requested as f64 * GET_METRIC_DATA_USD_PER_1000 / 1000.0
            + self.other_requests as f64 * CW_REQUEST_USD_PER_1000 / 1000.0
            + self.traces_scanned as f64 * XRAY_TRACES_USD_PER_MILLION / 1e6
    }

    /// `cloudwatch us-east-1`
    pub fn label(&self) -> String {
        match &self.region {
            Some(r) => format!("{} {r}", self.name),
            None => self.name.clone(),
        }
    }

    pub fn record_ok(&mut self, now: i64) {
        self.last_ok = Some(now);
        self.consecutive_failures = 0;
        self.backoff_secs = 0;
        self.loading = false;
        self.note = None;
        self.partial = None;
    }

    /// The poll answered, with holes: what it returned is on screen (`last_ok` is when it
    /// answered), but the source is not healthy until a whole answer comes.
    pub fn record_partial(&mut self, now: i64, partial: Partial) {
        self.record_ok(now);
        self.partial = Some(partial);
    }

    /// A failure. Any note goes with it: a source that finds this one benign sets it again.
    pub fn record_error(&mut self, err: SourceError) {
        self.consecutive_failures += 1;
        self.last_error = Some(err);
        self.loading = false;
        self.note = None;
        self.partial = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spend_counts_metrics_requested() {
        let h = SourceHealth { metrics_requested: 250_000, other_requests: 1000, ..Default::default() };
        assert!((h.spend_usd() - 2.51).abs() < 1e-9);
    }

    #[test]
    fn stale_after_failure_until_success() {
        let mut h = SourceHealth::new("cloudwatch", Some("us-east-1"));
        assert!(h.loading);
        h.record_ok(10);
        assert!(!h.is_stale());
        let err = SourceError {
            kind: ErrorKind::Throttled,
            code: Some("Throttling".into()),
            message: "Rate exceeded".into(),
            hint: "backing off".into(),
            at: 20,
        };
        h.record_error(err.clone());
        h.record_error(err);
        assert!(h.is_stale());
        assert_eq!(h.consecutive_failures, 2);
        assert_eq!(h.last_ok, Some(10));
        h.record_ok(30);
        assert!(!h.is_stale());
        assert_eq!(h.label(), "cloudwatch us-east-1");
    }

    #[test]
    fn a_noted_failure_is_not_stale_until_the_next_outcome() {
        let err = |kind| SourceError { kind, code: None, message: String::new(), hint: String::new(), at: 0 };
        let mut h = SourceHealth::new("quotas", Some("us-east-1"));
        h.record_error(err(ErrorKind::AccessDenied));
        h.note = Some("Service Quotas not readable — using configured quotas".into());
        assert!(!h.is_stale());
        assert_eq!(h.consecutive_failures, 1);
        // a later failure is stale unless the source calls it benign again
        h.record_error(err(ErrorKind::Unreachable));
        assert_eq!(h.note, None);
        assert!(h.is_stale());
        h.note = Some("again".into());
        h.record_ok(5);
        assert_eq!(h.note, None);
        assert!(!h.is_stale());
    }

    #[test]
    fn one_line_error() {
        let e = SourceError {
            kind: ErrorKind::AccessDenied,
            code: Some("AccessDenied".into()),
            message: "not authorized to perform cloudwatch:GetMetricData".into(),
            hint: "grant it".into(),
            at: 0,
        };
        assert_eq!(e.one_line(), "AccessDenied: not authorized to perform cloudwatch:GetMetricData — grant it");
    }
}
