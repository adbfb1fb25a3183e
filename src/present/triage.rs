//! "What changed": every series ranked by how far its recent minutes depart from its baseline
//! (the previous hour, and the same time yesterday when the store has it), with a robust score —
//! median and MAD, not mean and σ — so one earlier spike does not hide the next.

use crate::domain::catalog::{BEDROCK_NAMESPACE, BedrockMetric, is_additive, short_model_name};
use crate::domain::stats::{median, robust_sigma};
use crate::store::{SeriesKey, Store};

/// Minutes that count as "recent".
pub const RECENT_MINUTES: i64 = 5;
/// Minutes of baseline before them.
pub const BASELINE_MINUTES: i64 = 60;
/// A series must score at least this to be a suspect.
pub const MIN_SCORE: f64 = 4.0;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Suspect {
    pub key: SeriesKey,
    pub score: f64,
    pub recent: f64,
    pub baseline: f64,
    /// Same time yesterday, when the store has it.
    pub yesterday: Option<f64>,
    /// Start of the current departure.
    pub since: i64,
    /// The Bedrock model, for per-model series.
    pub model: Option<String>,
    /// One line for a human: "claude-sonnet-4-5 throttles 40× baseline since 03:12".
    pub summary: String,
    /// What moved, one phrase per signal, most actionable first ("throttles 40× baseline",
    /// "TPM quota usage 7× baseline"): the summary's middle.
    #[serde(default)]
    pub phrases: Vec<String>,
}

/// Whether a rise is good news for this metric (quality scores, successes).
fn higher_is_better(key: &SeriesKey) -> bool {
    let m = key.metric.to_ascii_lowercase();
    key.namespace.eq_ignore_ascii_case("GenAI/Quality") && m != "requesterrors"
        || m.contains("feedback")
        || m.contains("success")
        || m.contains("quality")
        || m == "invocations"
        || m == "requestcount"
}

/// A series that departs from its baseline: how it reads, its phrase, its figures.
type Candidate = (Label, String, Suspect);

/// How a series reads to a human: the subject (a model, or the metric), what moved, and how
/// actionable it is (lower first) when several signals of one subject moved together.
struct Label {
    model: Option<String>,
    subject: String,
    what: String,
    rank: u8,
}

fn label(key: &SeriesKey) -> Label {
    if key.namespace == BEDROCK_NAMESPACE
        && let (Some(model), Some(m)) = (key.dim("ModelId"), BedrockMetric::from_name(&key.metric))
    {
        let (what, rank) = match (m, key.stat.as_str()) {
            (BedrockMetric::Throttles, _) => ("throttles".to_string(), 0),
            (BedrockMetric::ServerErrors, _) => ("5xx errors".to_string(), 1),
            (BedrockMetric::ClientErrors, _) => ("4xx errors".to_string(), 2),
            (BedrockMetric::Latency, s) => (format!("{} latency", if s == "Average" { "avg" } else { s }), 3),
            (BedrockMetric::OutputTokens, _) => ("output tokens".to_string(), 4),
            (BedrockMetric::InputTokens, _) => ("input tokens".to_string(), 5),
            (BedrockMetric::Invocations, _) => ("invocations".to_string(), 6),
            (BedrockMetric::TimeToFirstToken, s) => (format!("TTFT {s}"), 7),
            (BedrockMetric::TpmQuotaUsage, _) => ("TPM quota usage".to_string(), 8),
            (BedrockMetric::CacheReadTokens, _) => ("cache reads".to_string(), 9),
            (BedrockMetric::CacheWriteTokens, _) => ("cache writes".to_string(), 9),
        };
        return Label { model: Some(model.to_string()), subject: short_model_name(model), what, rank };
    }
    // dimension values as a person reads them: model ids shortened, ARNs by their resource path
    let dims: Vec<String> = key
        .dims
        .iter()
        .map(|(k, v)| {
            if k == "ModelId" {
                short_model_name(v)
            } else if let Some((_, path)) = v.strip_prefix("arn:").and_then(|a| a.split_once('/')) {
                path.to_string()
            } else {
                v.clone()
            }
        })
        .collect();
    let stat = if key.stat == "Average" || is_additive(&key.stat) { String::new() } else { format!(" {}", key.stat) };
    let dims = if dims.is_empty() { String::new() } else { format!(" ({})", dims.join(",")) };
    Label { model: None, subject: format!("{}{stat}{dims}", key.metric), what: String::new(), rank: 0 }
}

/// The smallest change that counts for this kind of metric, in its own unit: one event a
/// minute, one percentage point, 0.02 of a score, 50 ms of latency.
fn unit_floor(key: &SeriesKey) -> f64 {
    let m = key.metric.to_ascii_lowercase();
    let has = |w: &str| m.contains(w);
    if is_additive(&key.stat) {
        if has("token") || has("tpm") { 1000.0 } else { 1.0 }
    } else if has("rate") || has("percent") || has("pct") {
        1.0
    } else if key.namespace.eq_ignore_ascii_case("GenAI/Quality")
        || ["score", "quality", "faithfulness", "relevancy", "precision", "recall", "similarity"].iter().any(|w| has(w))
    {
        0.02
    } else if has("latency") || has("ttft") || has("time") {
        50.0
    } else if has("duration") {
        5.0
    } else if has("tpm") {
        1000.0
    } else {
        0.0
    }
}

fn fmt_value(v: f64) -> String {
    if v.abs() < 10.0 && v.fract() != 0.0 { format!("{v:.2}") } else { count(v) }
}

impl Store {
    /// A series' values per minute in [from, to); for counts, missing minutes are zero.
    fn minute_values(&self, key: &SeriesKey, from: i64, to: i64, zero_fill: bool) -> Vec<(i64, f64)> {
        let Some(s) = self.get(key) else { return Vec::new() };
        if zero_fill {
            // a minute with no point is a quiet one only once the series was asked for after it:
            // the polling plan reads some series less often than every minute (a planned poller
            // hands back every series it asked for, empty or not; the demo only what it has)
            let planned = !self.plans.is_empty();
            let known = s.read_through.filter(|_| planned);
            (from..to)
                .step_by(60)
                .filter_map(|t| match s.points.get(&t) {
                    Some(v) => Some((t, *v)),
                    None => known.is_none_or(|r| t + 60 < r).then_some((t, 0.0)),
                })
                .collect()
        } else {
            s.range(from, to).collect()
        }
    }

    /// The top `n` suspects at `now`, most unusual first.
    pub fn suspects(&self, now: i64, n: usize) -> Vec<Suspect> {
        let end = now.div_euclid(60) * 60;
        let recent_from = end - RECENT_MINUTES * 60;
        let base_from = recent_from - BASELINE_MINUTES * 60;
        let mut candidates: Vec<Candidate> = Vec::new();
        for (key, series) in self.series() {
            // percentiles other than p99 repeat what p99 and the average say
            if matches!(key.stat.as_str(), "p50" | "p90" | "Minimum") {
                continue;
            }
            let zero = is_additive(&key.stat) && !series.points.is_empty();
            let recent = self.minute_values(key, recent_from, end, zero);
            let base = self.minute_values(key, base_from, recent_from, zero);
            if recent.len() < 3 || base.len() < 10 {
                continue;
            }
            let rv: Vec<f64> = recent.iter().map(|(_, v)| *v).collect();
            let bv: Vec<f64> = base.iter().map(|(_, v)| *v).collect();
            let (med, sigma) = robust_sigma(&bv);
            let sigma = sigma.max(unit_floor(key));
            // the median of the recent minutes, or — for a departure only a minute or two old —
            // the last complete minute, counted at 80 %
            let last = *rv.last().unwrap_or(&med);
            let (r, mut score) = {
                let m = median(&rv);
                let s_med = (m - med).abs() / sigma;
                let s_last = 0.8 * (last - med).abs() / sigma;
                if s_last > s_med { (last, s_last) } else { (m, s_med) }
            };
            let up = r > med;
            if up == higher_is_better(key) {
                score *= 0.5; // good news ranks below bad news
            }
            if score < MIN_SCORE {
                continue;
            }
            // walk back to where the departure started
            let mut since = recent.first().map(|(t, _)| *t).unwrap_or(end);
            let all = self.minute_values(key, base_from, end, zero);
            for (t, v) in all.iter().rev() {
                if ((v - med) / sigma).abs() >= 3.0 && (*v > med) == up {
                    since = *t;
                } else if *t < recent_from {
                    break;
                }
            }
            let yesterday = {
                let y: Vec<f64> =
                    self.minute_values(key, recent_from - 86400, end - 86400, false).iter().map(|(_, v)| *v).collect();
                (!y.is_empty()).then(|| median(&y))
            };
            let l = label(key);
            let change = if med > 0.0 && r / med >= 1.5 {
                format!("{:.0}× baseline", r / med)
            } else if med == 0.0 && r > 0.0 && zero {
                format!("{} a minute, up from none", fmt_value(r))
            } else {
                format!("{} vs {} baseline", fmt_value(r), fmt_value(med))
            };
            let mut phrase = if l.what.is_empty() { change } else { format!("{} {change}", l.what) };
            if let Some(y) = yesterday {
                phrase.push_str(&format!(" (yesterday {})", fmt_value(y)));
            }
            candidates.push((
                l,
                phrase,
                Suspect {
                    key: key.clone(),
                    score,
                    recent: r,
                    baseline: med,
                    yesterday,
                    since,
                    model: None,
                    summary: String::new(),
                    phrases: Vec::new(),
                },
            ));
        }
        // One line per subject: a model's throttles, latency and tokens that moved together are
        // one story, told with the most actionable signal first.
        let mut groups: std::collections::BTreeMap<(String, String), Vec<Candidate>> = Default::default();
        for c in candidates {
            let g = match &c.0.model {
                Some(m) => (c.2.key.region.clone(), m.clone()),
                None => {
                    (c.2.key.region.clone(), format!("{}|{}|{:?}", c.2.key.namespace, c.2.key.metric, c.2.key.dims))
                }
            };
            groups.entry(g).or_default().push(c);
        }
        // with several regions (or profiles) the same model can move in two of them: say where
        // and a monitoring account's source accounts: say whose (`in payments-prod/us-east-1`)
        let several = self.identity.several_scopes() || self.accounts.monitoring().is_some();
        let mut out: Vec<Suspect> = Vec::new();
        for ((region, _), mut members) in groups {
            members.sort_by(|a, b| a.0.rank.cmp(&b.0.rank).then(b.2.score.total_cmp(&a.2.score)));
            let score = members.iter().map(|m| m.2.score).fold(0.0, f64::max);
            let since = members.iter().map(|m| m.2.since).min().unwrap_or(end);
            let mut seen = std::collections::BTreeSet::new();
            let phrases: Vec<String> =
                members.iter().filter(|m| seen.insert(m.0.what.clone())).take(3).map(|m| m.1.clone()).collect();
            let (l, _, first) = members.swap_remove(0);
            let subject = if several { format!("{} in {region}", l.subject) } else { l.subject.clone() };
            let summary = format!("{subject} {} since {}", phrases.join(", "), hhmm(since));
            out.push(Suspect { score, since, model: l.model, summary, phrases, ..first });
        }
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.key.cmp(&b.key)));
        out.truncate(n);
        out
    }
}

fn count(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}

fn hhmm(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0).map(|d| d.format("%H:%M").to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::pricing::PriceTable;
    use crate::domain::window::Window;
    use crate::store::{MetricsUpdate, Update};

    const T0: i64 = 1_800_000_000;

    #[test]
    fn with_several_regions_a_suspect_says_where() {
        let mut s = Store::new(PriceTable::default(), vec![]);
        s.identity.regions = vec!["us-east-1".into(), "eu-west-1".into()];
        let minutes = 70;
        let model = "anthropic.claude-haiku-4-5-20251001-v1:0";
        let mut series = Vec::new();
        for (region, jump) in [("alpha/us-east-1", 40.0), ("beta/eu-west-1", 25.0)] {
            let k = SeriesKey::new(region, BEDROCK_NAMESPACE, "InvocationThrottles", &[("ModelId", model)], "Sum");
            let pts: Vec<(i64, f64)> =
                (0..minutes).map(|m| (T0 + m * 60, if m >= minutes - 5 { jump } else { (m % 3) as f64 })).collect();
            series.push((k, pts));
        }
        let end = T0 + minutes * 60;
        s.apply(Update::Metrics(MetricsUpdate {
            window: Window { start: end - 3600, end },
            period: 60,
            resolution: Default::default(),
            series,
            window_values: vec![],
        }));
        let sus: Vec<String> = s.suspects(end, 5).into_iter().map(|x| x.summary).collect();
        assert_eq!(sus.len(), 2, "{sus:#?}");
        assert!(sus[0].starts_with("claude-haiku-4-5 in alpha/us-east-1 throttles 40× baseline"), "{sus:#?}");
        assert!(sus[1].starts_with("claude-haiku-4-5 in beta/eu-west-1 throttles 25× baseline"), "{sus:#?}");
    }

    #[test]
    fn minutes_a_slowed_series_was_not_read_for_are_not_a_drop_to_zero() {
        // 60 minutes of 5 invocations a minute, read through T0 + 60 min; then the plan skips
        // the series for four minutes while the other model is read
        let model = |i: usize| format!("acme.model-{i}");
        let key =
            |i: usize| SeriesKey::new("us-east-1", BEDROCK_NAMESPACE, "Invocations", &[("ModelId", &model(i))], "Sum");
        let steady = |to: i64| (0..to).map(|m| (T0 + m * 60, 5.0)).collect::<Vec<_>>();
        let poll = |s: &mut Store, end: i64, series: Vec<(SeriesKey, Vec<(i64, f64)>)>| {
            s.apply(Update::Metrics(MetricsUpdate {
                window: Window { start: end - 3600, end },
                period: 60,
                resolution: Default::default(),
                series,
                window_values: vec![],
            }))
        };
        let mut s = Store::new(PriceTable::default(), vec![]);
        s.apply(Update::Plan(crate::store::plan::PlanStatus { scope: "us-east-1".into(), ..Default::default() }));
        poll(&mut s, T0 + 61 * 60, vec![(key(0), steady(60)), (key(1), steady(60))]);
        // model 1 is read again four minutes on and its invocations stopped; model 0 is not read
        let now = T0 + 65 * 60 + 30;
        poll(&mut s, T0 + 66 * 60, vec![(key(1), vec![])]);
        let sus: Vec<String> = s.suspects(now, 5).into_iter().map(|x| x.summary).collect();
        assert!(sus.iter().any(|x| x.contains("model-1") && x.contains("0 vs 5 baseline")), "{sus:#?}");
        assert!(!sus.iter().any(|x| x.contains("model-0")), "model-0 was not read since: {sus:#?}");
    }

    #[test]
    fn the_planted_anomaly_ranks_first_among_many_normal_series() {
        let mut s = Store::new(PriceTable::default(), vec![]);
        let mut series = Vec::new();
        let minutes = 70;
        // 40 normal series with noise, of various scales and kinds
        for i in 0..40 {
            let model = format!("acme.model-{i}");
            let k = SeriesKey::new("us-east-1", BEDROCK_NAMESPACE, "Invocations", &[("ModelId", &model)], "Sum");
            let lat =
                SeriesKey::new("us-east-1", BEDROCK_NAMESPACE, "InvocationLatency", &[("ModelId", &model)], "p99");
            let scale = 10.0 + i as f64 * 7.0;
            let pts: Vec<(i64, f64)> =
                (0..minutes).map(|m| (T0 + m * 60, scale + ((m * 7 + i) % 11) as f64 - 5.0)).collect();
            let lpts: Vec<(i64, f64)> =
                (0..minutes).map(|m| (T0 + m * 60, 1000.0 + ((m * 13 + i) % 17) as f64 * 20.0)).collect();
            series.push((k, pts));
            series.push((lat, lpts));
        }
        // the planted one: throttles on one model go from ~1 to ~40 a minute in the last 5 minutes
        let t = SeriesKey::new(
            "us-east-1",
            BEDROCK_NAMESPACE,
            "InvocationThrottles",
            &[("ModelId", "us.anthropic.claude-sonnet-4-5-20250929-v1:0")],
            "Sum",
        );
        let tp: Vec<(i64, f64)> =
            (0..minutes).map(|m| (T0 + m * 60, if m >= minutes - 5 { 40.0 } else { (m % 3) as f64 })).collect();
        series.push((t.clone(), tp));
        let end = T0 + minutes * 60;
        s.apply(Update::Metrics(MetricsUpdate {
            window: Window { start: end - 3600, end },
            period: 60,
            resolution: Default::default(),
            series,
            window_values: vec![],
        }));
        let sus = s.suspects(end, 5);
        assert!(!sus.is_empty());
        assert_eq!(sus[0].key, t, "{:#?}", sus.iter().map(|s| &s.summary).collect::<Vec<_>>());
        assert_eq!(sus[0].since, end - 5 * 60);
        assert_eq!(sus[0].model.as_deref(), Some("us.anthropic.claude-sonnet-4-5-20250929-v1:0"));
        assert!(sus[0].summary.starts_with("claude-sonnet-4-5 throttles 40× baseline since"), "{}", sus[0].summary);
        let arn = SeriesKey::new(
            "us-east-1",
            "AWS/Bedrock/Agents",
            "OutputTokenCount",
            &[
                ("AgentAliasArn", "arn:aws:bedrock:us-east-1:1:agent-alias/SUPPORT01/LIVE"),
                ("ModelId", "anthropic.claude-opus-4-5-20251101-v1:0"),
            ],
            "Sum",
        );
        assert_eq!(label(&arn).subject, "OutputTokenCount (SUPPORT01/LIVE,claude-opus-4-5)");
        // normal noise is no suspect at all
        assert_eq!(sus.len(), 1, "{:#?}", sus.iter().map(|s| &s.summary).collect::<Vec<_>>());
    }

    #[test]
    fn a_quality_drop_is_a_suspect_and_a_rise_ranks_lower() {
        let mut s = Store::new(PriceTable::default(), vec![]);
        let f = SeriesKey::new("us-east-1", "GenAI/Quality", "Faithfulness", &[], "Average");
        let pts: Vec<(i64, f64)> =
            (0..70).map(|m| (T0 + m * 60, if m >= 65 { 0.70 } else { 0.90 + ((m % 3) as f64) * 0.005 })).collect();
        // the same relative move upwards on a higher-is-better score
        let g = SeriesKey::new("us-east-1", "GenAI/Quality", "AnswerRelevancy", &[], "Average");
        let gpts: Vec<(i64, f64)> =
            (0..70).map(|m| (T0 + m * 60, if m >= 65 { 0.90 } else { 0.70 + ((m % 3) as f64) * 0.005 })).collect();
        s.apply(Update::Metrics(MetricsUpdate {
            window: Window { start: T0, end: T0 + 4200 },
            period: 60,
            resolution: Default::default(),
            series: vec![(f.clone(), pts), (g.clone(), gpts)],
            window_values: vec![],
        }));
        let sus = s.suspects(T0 + 4200, 3);
        assert_eq!(sus[0].key, f);
        assert!(sus[0].summary.starts_with("Faithfulness 0.70 vs 0.91 baseline since"), "{}", sus[0].summary);
        // the rise counts half: below the suspect threshold here
        assert!(!sus.iter().any(|x| x.key == g), "{:#?}", sus.iter().map(|s| &s.summary).collect::<Vec<_>>());
    }
}
