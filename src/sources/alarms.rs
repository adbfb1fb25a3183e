//! CloudWatch alarms: DescribeAlarms for metric, composite and log alarms, following NextToken.
//!
//! `AlarmTypes` must name every type wanted: without it DescribeAlarms returns metric alarms
//! only. `LogAlarm` (alarms on a CloudWatch Logs scheduled query) is in aws-sdk-cloudwatch since
//! the 1.1xx releases (1.140 here: `AlarmType::LogAlarm`, `DescribeAlarmsOutput::log_alarms`).

use aws_sdk_cloudwatch::Client;
use aws_sdk_cloudwatch::types::{AlarmType, CompositeAlarm, LogAlarm, MetricAlarm};

use super::aws::{ErrorContext, classify};
use crate::store::SeriesKey;
use crate::store::alarms::{Alarm, AlarmState, AlarmTarget, AlarmsUpdate};
use crate::store::{SourceError, SourceHealth};

pub struct AlarmsPoller {
    client: Client,
    region: String,
    ctx: ErrorContext,
    pub health: SourceHealth,
}

impl AlarmsPoller {
    pub fn new(client: Client, region: &str, profile: Option<&str>, endpoint: Option<&str>) -> Self {
        Self {
            client,
            region: region.into(),
            ctx: ErrorContext::new("cloudwatch:DescribeAlarms", profile, Some(region), endpoint),
            health: SourceHealth::new("alarms", Some(region)),
        }
    }

    /// Tag this source's data with `label` instead of the bare region (`prod/us-east-1` when
    /// several profiles are watched); its requests still go to the region it was built for.
    pub fn labelled(mut self, label: &str) -> Self {
        self.region = label.into();
        self.health.region = Some(label.into());
        self
    }

    pub async fn poll(&mut self, now: i64) -> Result<AlarmsUpdate, SourceError> {
        let res = self.poll_inner(now).await;
        match &res {
            Ok(_) => {
                self.health.record_ok(now);
                self.health.newest_data = Some(now);
            }
            Err(e) => self.health.record_error(e.clone()),
        }
        res
    }

    async fn poll_inner(&mut self, now: i64) -> Result<AlarmsUpdate, SourceError> {
        let mut alarms = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = self
                .client
                .describe_alarms()
                .alarm_types(AlarmType::MetricAlarm)
                .alarm_types(AlarmType::CompositeAlarm)
                .alarm_types(AlarmType::LogAlarm)
                .max_records(100)
                .set_next_token(token.clone())
                .send()
                .await;
            self.health.calls += 1;
            self.health.other_requests += 1;
            let out = out.map_err(|e| classify(&e, &self.ctx, now))?;
            alarms.extend(out.metric_alarms().iter().map(|a| metric_alarm(a, &self.region)));
            alarms.extend(out.composite_alarms().iter().map(|a| composite_alarm(a, &self.region)));
            alarms.extend(out.log_alarms().iter().map(|a| log_alarm(a, &self.region)));
            token = out.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        crate::store::alarms::sort_alarms(&mut alarms);
        Ok(AlarmsUpdate { region: self.region.clone(), alarms })
    }
}

/// Poll alarms until the UI goes away: every `refresh`, backing off on failures.
pub fn spawn(
    mut poller: AlarmsPoller,
    refresh: std::time::Duration,
    tx: tokio::sync::mpsc::UnboundedSender<crate::store::Update>,
) -> tokio::sync::mpsc::UnboundedSender<super::Command> {
    use crate::store::Update;
    let (ctx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut since = crate::domain::window::Since::default();
        loop {
            if let Ok(u) = poller.poll(super::aws::now()).await
                && tx.send(Update::Alarms(u)).is_err()
            {
                return;
            }
            let delay = super::next_delay(refresh, &poller.health);
            poller.health.backoff_secs = if poller.health.consecutive_failures > 0 { delay.as_secs() } else { 0 };
            if tx.send(Update::Health(poller.health.clone())).is_err() {
                return;
            }
            let mut reset = false;
            if !super::wait(delay, &mut rx, &mut since, &mut reset).await {
                return;
            }
        }
    });
    ctx
}

fn text(s: Option<&str>) -> String {
    crate::sanitize::one_line(s.unwrap_or_default())
}

fn metric_alarm(a: &MetricAlarm, region: &str) -> Alarm {
    let comparison = a.comparison_operator().map(|c| c.as_str().to_string()).unwrap_or_default();
    let target = match (a.namespace(), a.metric_name()) {
        (Some(ns), Some(name)) => {
            let dims: Vec<(&str, &str)> = a.dimensions().iter().filter_map(|d| Some((d.name()?, d.value()?))).collect();
            let stat = a
                .extended_statistic()
                .map(str::to_string)
                .or_else(|| a.statistic().map(|s| s.as_str().to_string()))
                .unwrap_or_else(|| "Average".into());
            AlarmTarget::Metric {
                key: SeriesKey::new(region, ns, name, &dims, &stat),
                period: i64::from(a.period().unwrap_or(60)),
                comparison,
                threshold: a.threshold().unwrap_or_default(),
                datapoints: i64::from(a.datapoints_to_alarm().or(a.evaluation_periods()).unwrap_or(1)),
                evaluation_periods: i64::from(a.evaluation_periods().unwrap_or(1)),
            }
        }
        _ => AlarmTarget::Math {
            expressions: a
                .metrics()
                .iter()
                .map(|q| match (q.expression(), q.metric_stat()) {
                    (Some(e), _) => e.to_string(),
                    (None, Some(ms)) => format!(
                        "{} {}",
                        ms.metric().and_then(|m| m.metric_name()).unwrap_or("?"),
                        ms.stat().unwrap_or("?")
                    ),
                    _ => q.id().unwrap_or("?").to_string(),
                })
                .map(|e| crate::sanitize::one_line(&e))
                .collect(),
            comparison,
            threshold: a.threshold(),
        },
    };
    Alarm {
        name: text(a.alarm_name()),
        region: region.into(),
        state: AlarmState::parse(a.state_value().map(|s| s.as_str()).unwrap_or("")),
        reason: text(a.state_reason()),
        since: a.state_transitioned_timestamp().or(a.state_updated_timestamp()).map(|t| t.secs()),
        description: a.alarm_description().map(crate::sanitize::one_line),
        target,
    }
}

fn composite_alarm(a: &CompositeAlarm, region: &str) -> Alarm {
    Alarm {
        name: text(a.alarm_name()),
        region: region.into(),
        state: AlarmState::parse(a.state_value().map(|s| s.as_str()).unwrap_or("")),
        reason: text(a.state_reason()),
        since: a.state_transitioned_timestamp().or(a.state_updated_timestamp()).map(|t| t.secs()),
        description: a.alarm_description().map(crate::sanitize::one_line),
        target: AlarmTarget::Composite { rule: text(a.alarm_rule()) },
    }
}

fn log_alarm(a: &LogAlarm, region: &str) -> Alarm {
    let q = a.scheduled_query_configuration();
    Alarm {
        name: text(a.alarm_name()),
        region: region.into(),
        state: AlarmState::parse(a.state_value().map(|s| s.as_str()).unwrap_or("")),
        reason: text(a.state_reason()),
        since: a.state_transitioned_timestamp().or(a.state_updated_timestamp()).map(|t| t.secs()),
        description: a.alarm_description().map(crate::sanitize::one_line),
        target: AlarmTarget::Log {
            query: text(q.and_then(|q| q.query_string())),
            log_groups: q
                .map(|q| q.log_group_identifiers().iter().map(|g| crate::sanitize::one_line(g)).collect())
                .unwrap_or_default(),
            aggregation: q.and_then(|q| q.aggregation_expression()).map(crate::sanitize::one_line),
            schedule: q
                .and_then(|q| q.schedule_configuration())
                .and_then(|s| s.schedule_expression())
                .map(crate::sanitize::one_line),
            comparison: a.comparison_operator().map(|c| c.as_str().to_string()).unwrap_or_default(),
            threshold: a.threshold().unwrap_or_default(),
            datapoints: i64::from(a.query_results_to_alarm().or(a.query_results_to_evaluate()).unwrap_or(1)),
            evaluation_periods: i64::from(a.query_results_to_evaluate().unwrap_or(1)),
        },
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_cloudwatch::operation::describe_alarms::DescribeAlarmsOutput;
    use aws_sdk_cloudwatch::types::{ComparisonOperator, Dimension, StateValue, Statistic};
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    use aws_smithy_types::DateTime;

    use super::*;

    #[tokio::test]
    async fn metric_and_composite_alarms_across_pages() {
        let page1 = mock!(Client::describe_alarms)
            .match_requests(|r| {
                r.next_token().is_none()
                    && r.alarm_types().contains(&AlarmType::CompositeAlarm)
                    && r.alarm_types().contains(&AlarmType::MetricAlarm)
                    && r.alarm_types().contains(&AlarmType::LogAlarm)
            })
            .then_output(|| {
                DescribeAlarmsOutput::builder()
                    .metric_alarms(
                        MetricAlarm::builder()
                            .alarm_name("RAG-Quality-Degradation")
                            .namespace("GenAI/Quality")
                            .metric_name("Faithfulness")
                            .statistic(Statistic::Average)
                            .period(300)
                            .evaluation_periods(2)
                            .datapoints_to_alarm(2)
                            .threshold(0.75)
                            .comparison_operator(ComparisonOperator::LessThanThreshold)
                            .state_value(StateValue::Alarm)
                            .state_reason("Threshold Crossed: 2 datapoints [0.71, 0.69] were less than 0.75\u{1b}[31m")
                            .state_transitioned_timestamp(DateTime::from_secs(1_000))
                            .build(),
                    )
                    .next_token("p2")
                    .build()
            });
        let page2 = mock!(Client::describe_alarms).match_requests(|r| r.next_token() == Some("p2")).then_output(|| {
            DescribeAlarmsOutput::builder()
                .composite_alarms(
                    CompositeAlarm::builder()
                        .alarm_name("RAG-System-Degraded")
                        .alarm_rule("(ALARM(RAG-Quality-Degradation) OR ALARM(RAG-High-Latency-P95)) AND ALARM(RAG-High-Error-Rate)")
                        .state_value(StateValue::Ok)
                        .state_updated_timestamp(DateTime::from_secs(500))
                        .build(),
                )
                .metric_alarms(
                    MetricAlarm::builder()
                        .alarm_name("p99")
                        .namespace("AWS/Bedrock")
                        .metric_name("InvocationLatency")
                        .extended_statistic("p99")
                        .dimensions(Dimension::builder().name("ModelId").value("m").build())
                        .threshold(5000.0)
                        .comparison_operator(ComparisonOperator::GreaterThanThreshold)
                        .state_value(StateValue::InsufficientData)
                        .build(),
                )
                .build()
        });
        let client = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&page1, &page2]);
        let mut p = AlarmsPoller::new(client, "us-east-1", None, None);
        let u = p.poll(2_000).await.unwrap();
        assert_eq!(u.alarms.len(), 3);
        assert_eq!(u.alarms[0].name, "RAG-Quality-Degradation");
        assert_eq!(u.alarms[0].state, AlarmState::Alarm);
        assert_eq!(u.alarms[0].since, Some(1_000));
        assert!(!u.alarms[0].reason.contains('\u{1b}'), "sanitised: {}", u.alarms[0].reason);
        assert_eq!(u.alarms[0].condition(), "GenAI/Quality Faithfulness Average < 0.75 (2 of 2 × 5m)");
        assert_eq!(u.alarms[1].state, AlarmState::InsufficientData);
        assert_eq!(u.alarms[1].series().unwrap().stat, "p99");
        assert_eq!(u.alarms[1].series().unwrap().dim("ModelId"), Some("m"));
        assert!(
            matches!(&u.alarms[2].target, AlarmTarget::Composite { rule } if rule.starts_with("(ALARM(RAG-Quality"))
        );
        assert_eq!(p.health.calls, 2);
    }

    /// DescribeAlarms returns log alarms only when `AlarmTypes` asks for them (without it, only
    /// metric alarms): they are asked for and shown like the rest.
    #[tokio::test]
    async fn log_alarms_are_asked_for_and_read() {
        use aws_sdk_cloudwatch::types::{ScheduleConfiguration, ScheduledQueryConfiguration};
        let page = mock!(Client::describe_alarms).then_compute_output(|r| {
            let mut b = DescribeAlarmsOutput::builder();
            if r.alarm_types().contains(&AlarmType::LogAlarm) {
                b = b.log_alarms(
                    LogAlarm::builder()
                        .alarm_name("bedrock-throttle-log-lines")
                        .alarm_description("ThrottlingException in the invocation log")
                        .scheduled_query_configuration(
                            ScheduledQueryConfiguration::builder()
                                .query_string("filter errorCode = \"ThrottlingException\" | stats count(*) as n")
                                .log_group_identifiers("/aws/bedrock/modelinvocations")
                                .aggregation_expression("n")
                                .schedule_configuration(
                                    ScheduleConfiguration::builder().schedule_expression("rate(5 minutes)").build(),
                                )
                                .build(),
                        )
                        .query_results_to_evaluate(3)
                        .query_results_to_alarm(2)
                        .threshold(10.0)
                        .comparison_operator(ComparisonOperator::GreaterThanThreshold)
                        .state_value(StateValue::Alarm)
                        .state_reason("2 of 3 results above 10\u{1b}]0;x\u{7}")
                        .state_transitioned_timestamp(DateTime::from_secs(1_500))
                        .build(),
                );
            }
            b.build()
        });
        let client = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&page]);
        let mut p = AlarmsPoller::new(client, "eu-west-1", None, None);
        let u = p.poll(2_000).await.unwrap();
        assert_eq!(u.alarms.len(), 1, "{:?}", u.alarms);
        let a = &u.alarms[0];
        assert_eq!(
            (a.name.as_str(), a.state, a.since, a.kind()),
            ("bedrock-throttle-log-lines", AlarmState::Alarm, Some(1_500), "log")
        );
        assert_eq!(
            a.condition(),
            "logs /aws/bedrock/modelinvocations: n > 10 (2 of 3 results, rate(5 minutes)) · filter errorCode = \"ThrottlingException\" | stats count(*) as n"
        );
        assert!(!a.reason.contains('\u{1b}') && !a.reason.contains('\u{7}'), "{}", a.reason);
        assert_eq!(a.series(), None);
    }
}
