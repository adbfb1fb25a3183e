//! The application's GenAI namespaces and Bedrock's platform namespaces against the AWS
//! emulator: plant known values, read them back through the real SDK client (the poller) and
//! through `nightjar --once --format json`, and assert the exact window figures — Average for
//! scores and latencies, Sum for counts and costs, the percentiles the panels draw — and what
//! the Pipeline and Platform panels say about them.
//!
//! moto quirks this data steers around: a GetMetricData query *with* dimensions ignores the
//! namespace, so the same metric name and dimensions never appear in two namespaces here; a
//! query *without* dimensions aggregates every series of that name in the namespace, so a
//! metric published with dimensions is never also published without them; and multi-dimension
//! data is published with its dimensions in name order (moto's dimension sort is broken).

use crate::support;

use nightjar::domain::catalog::DEFAULT_CUSTOM_NAMESPACES;
use nightjar::domain::pricing::PriceTable;
use nightjar::domain::window::Since;
use nightjar::present::format::Fmt;
use nightjar::present::panels::{Panel, PanelId};
use nightjar::present::sentence::sentence_text;
use nightjar::sources::cloudwatch::MetricsPoller;
use nightjar::store::{Store, Update};

/// One planted metric and the window figure CloudWatch must give for it.
#[derive(Debug, Clone)]
struct Planted {
    namespace: &'static str,
    metric: &'static str,
    dims: Vec<(&'static str, &'static str)>,
    stat: &'static str,
    value: f64,
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// Nearest-rank percentile, as CloudWatch (and the emulator's `--percentiles`) computes it.
fn nearest_rank(v: &[f64], p: u32) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let rank = (u64::from(p) * s.len() as u64).div_ceil(100).max(1) as usize;
    s[rank - 1]
}

const SUPPORT_ALIAS: &str = "arn:aws:bedrock:eu-west-2:123456789012:agent-alias/SUPPORT01/LIVE";

/// Puts one datapoint a minute over the planted minutes, oldest first, and records the figure
/// it must read back as.
struct Planter<'a> {
    cw: &'a aws_sdk_cloudwatch::Client,
    minutes: Vec<i64>,
    out: Vec<Planted>,
}

impl Planter<'_> {
    async fn series(
        &mut self,
        ns: &'static str,
        metric: &'static str,
        dims: &[(&'static str, &'static str)],
        values: &[f64],
        stat: &'static str,
    ) {
        let points: Vec<(i64, f64)> = self.minutes.iter().copied().zip(values.iter().copied()).collect();
        support::put_metric(self.cw, ns, metric, dims, &points).await;
        let value = match stat {
            "Sum" => values.iter().sum(),
            "SampleCount" => values.len() as f64,
            _ => mean(values),
        };
        self.out.push(Planted { namespace: ns, metric, dims: dims.to_vec(), stat, value });
    }
}

/// Plants the seed dashboard's metrics and the platform namespaces' over minutes 3..=12 ago;
/// returns what each must read back as.
async fn plant(cw: &aws_sdk_cloudwatch::Client) -> Vec<Planted> {
    let minutes: Vec<i64> = (3..=12).rev().map(support::minute_start).collect();
    let mut p = Planter { cw, minutes: minutes.clone(), out: Vec::new() };
    let ramp = |base: f64, step: f64| -> Vec<f64> { (0..10).map(|i| base + step * i as f64).collect() };
    let flat = |v: f64| -> Vec<f64> { vec![v; 10] };

    // latency by stage (ms): vector search climbs 100 → 550, the other stages stay flat
    p.series("GenAI/Performance", "EmbeddingLatency", &[], &flat(40.0), "Average").await;
    p.series("GenAI/Performance", "VectorSearchLatency", &[], &ramp(100.0, 50.0), "Average").await;
    p.series("GenAI/Performance", "RerankLatency", &[], &flat(60.0), "Average").await;
    p.series("GenAI/Performance", "GenerationLatency", &[], &flat(800.0), "Average").await;
    // end-to-end as raw values, for its p95: 1000..=1099 then 1500..=1599 ms
    let e2e_a: Vec<f64> = (1000..1100).map(f64::from).collect();
    let e2e_b: Vec<f64> = (1500..1600).map(f64::from).collect();
    support::put_metric_values(cw, "GenAI/Performance", "EndToEndLatency", &[], minutes[0], &e2e_a).await;
    support::put_metric_values(cw, "GenAI/Performance", "EndToEndLatency", &[], minutes[9], &e2e_b).await;
    let e2e: Vec<f64> = e2e_a.iter().chain(&e2e_b).copied().collect();
    for (stat, value) in [("Average", mean(&e2e)), ("p95", nearest_rank(&e2e, 95))] {
        p.out.push(Planted { namespace: "GenAI/Performance", metric: "EndToEndLatency", dims: vec![], stat, value });
    }

    p.series("GenAI/Throughput", "RequestCount", &[], &flat(100.0), "Sum").await;
    p.series("GenAI/Throughput", "SuccessfulRequests", &[], &ramp(99.0, -1.0), "Sum").await;
    p.series("GenAI/Throughput", "FailedRequests", &[], &ramp(1.0, 1.0), "Sum").await;

    p.series("GenAI/Cost", "TotalCost", &[], &ramp(0.5, 0.25), "Sum").await;
    p.series("GenAI/Cost", "EmbeddingCost", &[], &flat(0.01), "Sum").await;
    p.series("GenAI/Cost", "GenerationCost", &[], &ramp(0.49, 0.25), "Sum").await;
    p.series("GenAI/Cost", "RequestCost", &[], &ramp(0.5, 0.25), "Sum").await;
    let cpq: Vec<f64> = (1..=40).map(|i| f64::from(i) * 0.001).collect();
    support::put_metric_values(cw, "GenAI/Cost", "CostPerQuery", &[], minutes[5], &cpq).await;
    for (stat, value) in [("Average", mean(&cpq)), ("p95", nearest_rank(&cpq, 95))] {
        p.out.push(Planted { namespace: "GenAI/Cost", metric: "CostPerQuery", dims: vec![], stat, value });
    }

    p.series("GenAI/Tokens", "InputTokens", &[], &flat(250_000.0), "Sum").await;
    p.series("GenAI/Tokens", "OutputTokens", &[], &flat(40_000.0), "Sum").await;

    p.series("GenAI/Errors", "ErrorRate", &[], &ramp(1.0, 1.0), "Average").await;
    p.series("GenAI/Errors", "RetrievalErrors", &[], &ramp(0.0, 1.0), "Sum").await;
    p.series("GenAI/Errors", "GenerationErrors", &[], &flat(0.0), "Sum").await;
    p.series("GenAI/Errors", "ThrottlingErrors", &[], &flat(1.0), "Sum").await;
    p.series("GenAI/Errors", "ValidationErrors", &[], &flat(0.0), "Sum").await;
    p.series("GenAI/Errors", "RequestErrors", &[], &ramp(1.0, 1.0), "Sum").await;

    // faithfulness: 100 scored answers 0.01..=1.00 in one minute → p50 0.50, p90 0.90, p99 0.99
    let faith: Vec<f64> = (1..=100).map(|i| f64::from(i) / 100.0).collect();
    support::put_metric_values(cw, "GenAI/Quality", "Faithfulness", &[], minutes[9], &faith).await;
    for (stat, value) in [
        ("Average", mean(&faith)),
        ("p50", nearest_rank(&faith, 50)),
        ("p90", nearest_rank(&faith, 90)),
        ("p99", nearest_rank(&faith, 99)),
    ] {
        p.out.push(Planted { namespace: "GenAI/Quality", metric: "Faithfulness", dims: vec![], stat, value });
    }
    p.series("GenAI/Quality", "AnswerRelevancy", &[], &ramp(0.9, -0.02), "Average").await;
    p.series("GenAI/Quality", "ContextPrecision", &[], &flat(0.8), "Average").await;
    p.series("GenAI/Quality", "ContextRecall", &[], &flat(0.86), "Average").await;
    p.series("GenAI/Quality", "RequestSuccess", &[], &flat(1.0), "Sum").await;
    // a metric no panel knows: listed, never invisible
    p.series("GenAI/Quality", "HallucinationFlagRate", &[], &ramp(0.01, 0.01), "Average").await;
    p.series("GenAI/RAG/Retrieval", "RetrievalQuality", &[], &ramp(0.8, -0.01), "Average").await;

    p.series("GenAI/Models", "AvgLatency", &[("ModelId", "claude-sonnet-4")], &flat(2000.0), "Average").await;
    p.series("GenAI/Models", "AvgLatency", &[("ModelId", "claude-haiku-4")], &ramp(900.0, 100.0), "Average").await;
    // stop reasons are counted (SampleCount), whatever value each datum carries
    p.series("GenAI/Behavior", "StopReason", &[("Reason", "end_turn")], &flat(1.0), "SampleCount").await;
    support::put_metric(
        cw,
        "GenAI/Behavior",
        "StopReason",
        &[("Reason", "max_tokens")],
        &[(minutes[8], 1.0), (minutes[9], 1.0)],
    )
    .await;
    p.out.push(Planted {
        namespace: "GenAI/Behavior",
        metric: "StopReason",
        dims: vec![("Reason", "max_tokens")],
        stat: "SampleCount",
        value: 2.0,
    });

    p.series("GenAI/UserExperience", "FeedbackScore", &[], &ramp(4.5, -0.1), "Average").await;
    p.series("GenAI/Sessions", "AvgSessionDuration", &[], &flat(240.0), "Average").await;
    p.series("GenAI/Sessions", "AvgTurnsPerSession", &[], &flat(4.0), "Average").await;

    // Guardrails: interventions on output climb from 1 % to 10 %
    const G: &str = "AWS/Bedrock/Guardrails";
    let src = |s: &'static str| [("GuardrailContentSource", s)];
    p.series(G, "Invocations", &src("Input"), &flat(100.0), "Sum").await;
    p.series(G, "Invocations", &src("Output"), &flat(100.0), "Sum").await;
    p.series(G, "InvocationsIntervened", &src("Input"), &flat(1.0), "Sum").await;
    p.series(G, "InvocationsIntervened", &src("Output"), &ramp(1.0, 1.0), "Sum").await;
    p.series(G, "InvocationsIntervened", &[("GuardrailPolicyType", "ContentPolicy")], &flat(1.0), "Sum").await;
    p.series(
        G,
        "InvocationsIntervened",
        &[("GuardrailPolicyType", "SensitiveInformationPolicy")],
        &ramp(1.0, 1.0),
        "Sum",
    )
    .await;
    p.series(G, "InvocationLatency", &[], &flat(180.0), "Average").await;
    p.series(G, "TextUnitCount", &[], &flat(520.0), "Sum").await;

    // Agents, with a per-alias dimension set that must not be added to the totals
    const A: &str = "AWS/Bedrock/Agents";
    let op = [("Operation", "InvokeAgent")];
    p.series(A, "InvocationCount", &op, &flat(6.0), "Sum").await;
    p.series(A, "TotalTime", &op, &ramp(8000.0, 1000.0), "Average").await;
    p.series(A, "InvocationThrottles", &op, &flat(0.0), "Sum").await;
    // (in name order: moto's Dimension ordering is broken, so a multi-dimension query matches only
    // data published with its dimensions in the order the query lists them — sorted by name)
    let alias =
        [("AgentAliasArn", SUPPORT_ALIAS), ("ModelId", "anthropic.claude-sonnet-4"), ("Operation", "InvokeAgent")];
    p.series(A, "ModelInvocationCount", &alias, &flat(18.0), "Sum").await;

    // AgentCore under its lower-case (OTel) spelling: found by probing every spelling
    const C: &str = "bedrock-agentcore";
    p.series(C, "Invocations", &[], &flat(12.0), "Sum").await;
    p.series(C, "Latency", &[], &ramp(1000.0, 200.0), "Average").await;
    p.series(C, "SystemErrors", &[], &flat(0.0), "Sum").await;

    const K: &str = "AWS/Bedrock/KnowledgeBases";
    p.series(K, "Invocations", &[], &flat(20.0), "Sum").await;
    p.series(K, "ServerErrors", &[], &ramp(0.0, 0.0), "Sum").await;
    p.out
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() <= 1e-9 * b.abs().max(1.0))
}

fn panel(store: &Store, id: PanelId) -> Panel {
    store.panel(id)
}

fn fact(p: &Panel, label: &str) -> Option<f64> {
    p.facts.iter().find(|f| f.label == label).and_then(|f| f.value)
}

fn headline(p: &Panel) -> String {
    p.headline.as_ref().map(|h| sentence_text(h, Fmt::default())).unwrap_or_default()
}

#[tokio::test]
async fn poller_reads_back_pipeline_and_platform_figures() {
    let Some(endpoint) = support::endpoint() else { return };
    let region = support::claim_region("eu-west-2");
    let conf = support::sdk_config(&endpoint, region).await;
    let cw = aws_sdk_cloudwatch::Client::new(&conf);
    let planted = plant(&cw).await;

    let namespaces: Vec<String> = DEFAULT_CUSTOM_NAMESPACES.iter().map(|s| s.to_string()).collect();
    let mut poller = MetricsPoller::new(cw.clone(), region, namespaces.clone(), None, Some(&endpoint));
    let now = support::now_secs();
    let update = poller.poll(Since::default(), now).await.expect("poll succeeds against the emulator");
    let mut store = Store::new(PriceTable::default(), namespaces);
    store.apply(Update::Metrics(update));
    store.apply(Update::Health(poller.health.clone()));

    // every planted figure, exactly, at the statistic the catalog chose
    let found = store.namespace_metrics();
    for p in &planted {
        let got = found.get(p.namespace).and_then(|ms| {
            ms.iter().find(|m| {
                let dims: Vec<(&str, &str)> = m.key.dims.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                let mut want = p.dims.clone();
                want.sort();
                m.key.metric == p.metric && m.key.stat == p.stat && dims == want
            })
        });
        let got = got.unwrap_or_else(|| panic!("{p:?} not read back; found {:#?}", found.get(p.namespace)));
        assert!(
            close(got.value, p.value),
            "{} {} {:?}: {:?}, planted {}",
            p.namespace,
            p.metric,
            p.dims,
            got.value,
            p.value
        );
    }

    // the panels say what matters
    let q = panel(&store, PanelId::Quality);
    assert!(close(fact(&q, "faithfulness"), 0.505));
    assert!(close(fact(&q, "faithfulness p50"), 0.50));
    assert!(close(fact(&q, "faithfulness p90"), 0.90));
    assert!(close(fact(&q, "faithfulness p99"), 0.99));
    // the only faithfulness minute is below critical on average
    let h = headline(&q);
    assert!(h.starts_with("faithfulness 0.5") && h.contains(" — below critical (0.60) since "), "{h}");

    let l = panel(&store, PanelId::Latency);
    // nearest rank 190 of 200: the 90th of the second minute
    assert!(close(fact(&l, "end-to-end p95"), 1589.0), "{:?}", l.facts);
    assert!(close(fact(&l, "vector search"), 325.0));
    // the stages' shares are taken at the minutes every stage has: generation leads, and vector
    // search grew 5.5× (100 → 550 ms)
    assert!(headline(&l).starts_with("generation dominates: "), "{}", headline(&l));
    assert!(headline(&l).contains("vector search 5.5× (100ms → 550ms)"), "{}", headline(&l));

    let c = panel(&store, PanelId::Cost);
    assert!(close(fact(&c, "total"), 16.25));
    assert!(close(fact(&c, "per query p95"), 0.038));
    let s = panel(&store, PanelId::StopReasons);
    assert!(close(fact(&s, "max_tokens share"), 2.0 / 12.0 * 100.0));

    let g = panel(&store, PanelId::Guardrails);
    assert!(close(fact(&g, "invocations"), 2000.0), "{:?}", g.facts);
    assert!(close(fact(&g, "intervened"), 65.0), "{:?}", g.facts);
    assert!(close(fact(&g, "output intervened"), 5.5));
    assert!(headline(&g).starts_with("intervened on 8.0% of outputs now (was 3.0% at "), "{}", headline(&g));
    assert!(headline(&g).contains("sensitive information leads (89%)"), "{}", headline(&g));

    let a = panel(&store, PanelId::Agents);
    assert!(close(fact(&a, "invocations"), 60.0), "{:?}", a.facts);
    assert!(close(fact(&a, "alias SUPPORT01/LIVE"), 180.0), "{:?}", a.facts);
    let core = panel(&store, PanelId::AgentCore);
    assert_eq!(core.namespaces.iter().collect::<Vec<_>>(), vec!["bedrock-agentcore"]);
    assert!(close(fact(&core, "latency"), 1900.0));
    let kb = panel(&store, PanelId::KnowledgeBases);
    assert!(close(fact(&kb, "invocations"), 200.0));
    let other = panel(&store, PanelId::Other);
    assert_eq!(other.other.len(), 1, "{:?}", other.other);
    assert_eq!(other.other[0].key.metric, "HallucinationFlagRate");
    assert!(close(other.other[0].window, 0.055));
    assert!(panel(&store, PanelId::PlatformOther).other.is_empty());
}

#[tokio::test]
async fn once_json_reports_the_genai_namespaces() {
    let Some(endpoint) = support::endpoint() else { return };
    let region = support::claim_region("eu-west-3");
    let conf = support::sdk_config(&endpoint, region).await;
    let cw = aws_sdk_cloudwatch::Client::new(&conf);
    let planted = plant(&cw).await;

    let (v, _) = support::once_json(&support::temp_home("once-pipeline"), region, &endpoint);
    let namespaces = v["namespaces"].as_array().expect("namespaces");
    for p in &planted {
        let ns = namespaces
            .iter()
            .find(|n| n["namespace"] == p.namespace)
            .unwrap_or_else(|| panic!("no namespace {} in {namespaces:#?}", p.namespace));
        let m = ns["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| {
                m["name"] == p.metric
                    && m["stat"] == p.stat
                    && p.dims.iter().all(|(k, val)| m["dimensions"][k] == *val)
                    && m["dimensions"].as_object().map(|d| d.len()) == Some(p.dims.len())
            })
            .unwrap_or_else(|| panic!("{p:?} not in {ns:#}"));
        assert_eq!(m["region"], region);
        let got = m["value"].as_f64();
        assert!(
            close(got, p.value),
            "{} {} {} {:?}: {got:?}, planted {}",
            p.namespace,
            p.metric,
            p.stat,
            p.dims,
            p.value
        );
    }
    // the panels' sentences are in the report too
    let panels = v["panels"].as_array().expect("panels");
    let quality = panels.iter().find(|p| p["panel"] == "quality").expect("quality panel");
    assert_eq!(quality["severity"], "crit");
    let h = quality["headline"].as_str().unwrap();
    assert!(h.starts_with("faithfulness 0.5") && h.contains("below critical"), "{quality}");
    let core = panels.iter().find(|p| p["panel"] == "agentcore").expect("agentcore panel");
    assert_eq!(core["has_data"], true);
    assert_eq!(core["namespaces"], serde_json::json!(["bedrock-agentcore"]));
}
