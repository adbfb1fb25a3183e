//! CloudWatch alarms through the real SDK client against the emulator: alarms created and set
//! to ALARM by the test are read back by the alarms source, firing first, with reason and
//! condition, and reported by `--once --format json`.

use crate::support;

use aws_sdk_cloudwatch::types::{ComparisonOperator, Dimension, StateValue, Statistic};
use nightjar::sources::alarms::AlarmsPoller;
use nightjar::store::alarms::AlarmState;

#[tokio::test]
async fn alarms_are_read_back_firing_first() {
    let Some(endpoint) = support::endpoint() else { return };
    let region = support::claim_region("eu-south-1");
    let conf = support::sdk_config(&endpoint, region).await;
    let cw = aws_sdk_cloudwatch::Client::new(&conf);
    let quality = support::unique_name("RAG-Quality-Degradation");
    let latency = support::unique_name("RAG-High-Latency-P95");
    // two alarms shaped like the seed application's; moto starts them OK and never evaluates
    cw.put_metric_alarm()
        .alarm_name(&quality)
        .namespace("GenAI/Quality")
        .metric_name("Faithfulness")
        .statistic(Statistic::Average)
        .period(300)
        .evaluation_periods(2)
        .datapoints_to_alarm(2)
        .threshold(0.75)
        .comparison_operator(ComparisonOperator::LessThanThreshold)
        .alarm_description("Faithfulness score dropped below 0.75 for 10 minutes")
        .send()
        .await
        .unwrap();
    cw.put_metric_alarm()
        .alarm_name(&latency)
        .namespace("GenAI/Performance")
        .metric_name("EndToEndLatency")
        .extended_statistic("p95")
        .dimensions(Dimension::builder().name("Service").value("rag-api").build())
        .period(300)
        .evaluation_periods(3)
        .datapoints_to_alarm(2)
        .threshold(5000.0)
        .comparison_operator(ComparisonOperator::GreaterThanThreshold)
        .send()
        .await
        .unwrap();
    cw.set_alarm_state()
        .alarm_name(&quality)
        .state_value(StateValue::Alarm)
        .state_reason("Threshold Crossed: 2 datapoints [0.71, 0.69] were less than the threshold (0.75)")
        .send()
        .await
        .unwrap();

    let mut poller = AlarmsPoller::new(cw.clone(), region, None, Some(&endpoint));
    let u = poller.poll(support::now_secs()).await.expect("DescribeAlarms through the emulator");
    let ours: Vec<_> = u.alarms.iter().filter(|a| a.name == quality || a.name == latency).collect();
    assert_eq!(ours.len(), 2, "{:#?}", u.alarms);
    // firing first
    assert_eq!(ours[0].name, quality);
    assert_eq!(ours[0].state, AlarmState::Alarm);
    assert!(ours[0].reason.starts_with("Threshold Crossed: 2 datapoints"), "{}", ours[0].reason);
    assert_eq!(ours[0].condition(), "GenAI/Quality Faithfulness Average < 0.75 (2 of 2 × 5m)");
    assert_eq!(ours[0].description.as_deref(), Some("Faithfulness score dropped below 0.75 for 10 minutes"));
    assert_eq!(ours[1].name, latency);
    assert_eq!(ours[1].state, AlarmState::Ok);
    assert_eq!(ours[1].series().unwrap().stat, "p95");
    assert_eq!(ours[1].series().unwrap().dim("Service"), Some("rag-api"));
    assert!(!poller.health.is_stale() && poller.health.calls >= 1);

    // and the binary reports them
    let (v, _) = support::once_json(&support::temp_home("alarms-home"), region, &endpoint);
    let alarms = v["alarms"].as_array().unwrap();
    let q = alarms.iter().find(|a| a["name"] == quality.as_str()).expect("the firing alarm is reported");
    assert_eq!(q["state"], "ALARM");
    assert!(q["reason"].as_str().unwrap().contains("less than the threshold"));
    let l = alarms.iter().find(|a| a["name"] == latency.as_str()).unwrap();
    assert_eq!(l["state"], "OK");
}
