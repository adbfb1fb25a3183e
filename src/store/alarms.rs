//! CloudWatch alarms as plain data.

use super::SeriesKey;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub enum AlarmState {
    /// `ALARM`: firing.
    Alarm,
    InsufficientData,
    Ok,
}

impl AlarmState {
    pub fn parse(s: &str) -> Self {
        match s {
            "ALARM" => Self::Alarm,
            "OK" => Self::Ok,
            _ => Self::InsufficientData,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Alarm => "ALARM",
            Self::InsufficientData => "INSUFFICIENT_DATA",
            Self::Ok => "OK",
        }
    }
}

/// What an alarm watches.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum AlarmTarget {
    /// One metric at one statistic, compared to a threshold.
    Metric { key: SeriesKey, period: i64, comparison: String, threshold: f64, datapoints: i64, evaluation_periods: i64 },
    /// Metric math or anomaly detection: the expressions, as text.
    Math { expressions: Vec<String>, comparison: String, threshold: Option<f64> },
    /// A composite alarm's rule, e.g. `ALARM(a) AND ALARM(b)`.
    Composite { rule: String },
    /// A log alarm: a CloudWatch Logs scheduled query whose aggregated results are compared with
    /// a threshold, M of the last N results breaching (DescribeAlarms `LogAlarms`).
    Log {
        query: String,
        log_groups: Vec<String>,
        /// How each run's rows become the compared value (`AggregationExpression`).
        aggregation: Option<String>,
        /// `rate(5 minutes)`, a cron expression…
        schedule: Option<String>,
        comparison: String,
        threshold: f64,
        /// QueryResultsToAlarm of QueryResultsToEvaluate.
        datapoints: i64,
        evaluation_periods: i64,
    },
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Alarm {
    pub name: String,
    pub region: String,
    pub state: AlarmState,
    pub reason: String,
    /// When the alarm entered its current state.
    pub since: Option<i64>,
    pub description: Option<String>,
    pub target: AlarmTarget,
}

impl Alarm {
    /// `GenAI/Quality Faithfulness Average < 0.75 (2 of 2 × 5m)`
    pub fn condition(&self) -> String {
        match &self.target {
            AlarmTarget::Metric { key, period, comparison, threshold, datapoints, evaluation_periods } => format!(
                "{} {} {} {} {} ({} of {} × {}m)",
                key.namespace,
                key.label(),
                key.stat,
                comparison_symbol(comparison),
                threshold,
                datapoints,
                evaluation_periods,
                period / 60
            ),
            AlarmTarget::Math { expressions, comparison, threshold } => format!(
                "{} {} {}",
                expressions.join("; "),
                comparison_symbol(comparison),
                threshold.map(|t| t.to_string()).unwrap_or_else(|| "band".into())
            ),
            AlarmTarget::Composite { rule } => rule.clone(),
            AlarmTarget::Log {
                query,
                log_groups,
                aggregation,
                schedule,
                comparison,
                threshold,
                datapoints,
                evaluation_periods,
            } => format!(
                "logs {}: {} {} {threshold} ({datapoints} of {evaluation_periods} results{}) · {query}",
                log_groups.join(","),
                aggregation.as_deref().unwrap_or("result"),
                comparison_symbol(comparison),
                schedule.as_deref().map(|s| format!(", {s}")).unwrap_or_default(),
            ),
        }
    }

    /// `metric`, `math`, `composite` or `log`.
    pub fn kind(&self) -> &'static str {
        match &self.target {
            AlarmTarget::Metric { .. } => "metric",
            AlarmTarget::Math { .. } => "math",
            AlarmTarget::Composite { .. } => "composite",
            AlarmTarget::Log { .. } => "log",
        }
    }

    pub fn series(&self) -> Option<&SeriesKey> {
        match &self.target {
            AlarmTarget::Metric { key, .. } => Some(key),
            _ => None,
        }
    }
}

pub fn comparison_symbol(op: &str) -> &str {
    match op {
        "GreaterThanThreshold" => ">",
        "GreaterThanOrEqualToThreshold" => ">=",
        "LessThanThreshold" => "<",
        "LessThanOrEqualToThreshold" => "<=",
        "LessThanLowerOrGreaterThanUpperThreshold" => "outside band",
        "GreaterThanUpperThreshold" => "above band",
        "LessThanLowerThreshold" => "below band",
        other => other,
    }
}

/// One region's alarms, replacing what the store had for that region.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AlarmsUpdate {
    pub region: String,
    pub alarms: Vec<Alarm>,
}

/// Firing first, then insufficient data, then OK; within a state, the longest in state first.
pub fn sort_alarms(alarms: &mut [Alarm]) {
    alarms.sort_by(|a, b| {
        a.state
            .cmp(&b.state)
            .then(a.since.unwrap_or(i64::MAX).cmp(&b.since.unwrap_or(i64::MAX)))
            .then(a.name.cmp(&b.name))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alarm(name: &str, state: AlarmState, since: i64) -> Alarm {
        Alarm {
            name: name.into(),
            region: "us-east-1".into(),
            state,
            reason: String::new(),
            since: Some(since),
            description: None,
            target: AlarmTarget::Composite { rule: "ALARM(x)".into() },
        }
    }

    #[test]
    fn firing_first_then_oldest() {
        let mut v = vec![
            alarm("ok", AlarmState::Ok, 1),
            alarm("new", AlarmState::Alarm, 50),
            alarm("old", AlarmState::Alarm, 10),
            alarm("nodata", AlarmState::InsufficientData, 5),
        ];
        sort_alarms(&mut v);
        let names: Vec<&str> = v.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, vec!["old", "new", "nodata", "ok"]);
    }

    #[test]
    fn condition_text() {
        let a = Alarm {
            target: AlarmTarget::Metric {
                key: SeriesKey::new("us-east-1", "GenAI/Quality", "Faithfulness", &[], "Average"),
                period: 300,
                comparison: "LessThanThreshold".into(),
                threshold: 0.75,
                datapoints: 2,
                evaluation_periods: 2,
            },
            ..alarm("q", AlarmState::Alarm, 0)
        };
        assert_eq!(a.condition(), "GenAI/Quality Faithfulness Average < 0.75 (2 of 2 × 5m)");
        assert_eq!(AlarmState::parse("ALARM"), AlarmState::Alarm);
        assert_eq!(AlarmState::parse("weird"), AlarmState::InsufficientData);
    }
}
