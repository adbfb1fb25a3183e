//! Every model id in the real third-party fixtures (tests/fixtures/real/: Bedrock invocation logs,
//! AgentCore/OTel spans, OpenInference span attributes) has a price, and through the emulator
//! `--once --format json` reports a cost for each when their metrics are published (issue 12,
//! item 9, "done when").

use crate::support;

use std::collections::BTreeSet;
use std::path::Path;

use nightjar::domain::pricing::PriceTable;
use serde_json::Value;

/// Values found under model keys that name no Bedrock model, each with why (they must be found,
/// so this list cannot hide a real id).
const NOT_BEDROCK: &[(&str, &str)] = &[
    ("gpt-4o", "agentcore-strands-openai: the agent calls OpenAI's API, not Bedrock"),
    ("amazon", "OpenInference records the provider in place of the model for Nova streaming"),
    ("invalid-model-id", "OpenInference's error test calls a deliberately wrong id"),
];

/// The keys a model id sits under in invocation logs (`modelId`), OTel GenAI spans and
/// OpenInference attributes.
const MODEL_KEYS: &[&str] = &["modelId", "gen_ai.request.model", "gen_ai.response.model", "llm.model_name"];

fn walk(v: &Value, out: &mut BTreeSet<(String, String)>, file: &str) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match x {
                    Value::String(s) if MODEL_KEYS.contains(&k.as_str()) => {
                        out.insert((s.clone(), file.to_string()));
                    }
                    // span bodies sometimes hold JSON as a string
                    Value::String(s) if s.trim_start().starts_with('{') => {
                        if let Ok(inner) = serde_json::from_str::<Value>(s) {
                            walk(&inner, out, file);
                        }
                    }
                    _ => walk(x, out, file),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| walk(x, out, file)),
        _ => {}
    }
}

/// (model id, file) for every model id in the invocation-log and span fixtures.
fn fixture_model_ids() -> BTreeSet<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real");
    let mut out = BTreeSet::new();
    for dir in ["invocation-logs", "spans"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else { continue };
        for e in entries {
            let path = e.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let file = format!("{dir}/{}", path.file_name().unwrap().to_string_lossy());
            // one JSON document, or JSON lines
            match serde_json::from_str::<Value>(&text) {
                Ok(v) => walk(&v, &mut out, &file),
                Err(_) => text
                    .lines()
                    .filter_map(|l| serde_json::from_str::<Value>(l).ok())
                    .for_each(|v| walk(&v, &mut out, &file)),
            }
        }
    }
    out
}

fn bedrock_ids() -> BTreeSet<String> {
    fixture_model_ids().into_iter().map(|(id, _)| id).filter(|id| !NOT_BEDROCK.iter().any(|(n, _)| n == id)).collect()
}

#[test]
fn every_model_id_in_the_real_fixtures_has_a_price() {
    let found = fixture_model_ids();
    let ids: BTreeSet<&str> = found.iter().map(|(id, _)| id.as_str()).collect();
    // the fixtures are there and hold ids from logs and from spans
    assert!(found.iter().any(|(_, f)| f.starts_with("invocation-logs/")), "{found:?}");
    assert!(found.iter().any(|(_, f)| f.starts_with("spans/")), "{found:?}");
    for (n, why) in NOT_BEDROCK {
        assert!(ids.contains(n), "{n} ({why}) is no longer in the fixtures: drop it from NOT_BEDROCK");
    }
    let t = PriceTable::default();
    let unpriced: Vec<String> = found
        .iter()
        .filter(|(id, _)| !NOT_BEDROCK.iter().any(|(n, _)| n == id) && t.price(id).is_none())
        .map(|(id, f)| format!("{id} ({f})"))
        .collect();
    assert!(unpriced.is_empty(), "no price for {} of {} fixture model ids: {unpriced:#?}", unpriced.len(), ids.len());
    assert!(bedrock_ids().len() >= 8, "{:?}", bedrock_ids());
}

#[tokio::test]
async fn once_json_reports_a_cost_for_every_fixture_model_id() {
    let Some(endpoint) = support::endpoint() else { return };
    let region = support::claim_region("ap-southeast-7");
    let conf = support::sdk_config(&endpoint, region).await;
    let cw = aws_sdk_cloudwatch::Client::new(&conf);
    let m = support::minute_start(3);
    // CloudWatch carries the id as called: the logs' and OTel spans' forms (OpenInference's
    // provider-less names never appear as a ModelId)
    let ids: Vec<String> = bedrock_ids().into_iter().filter(|id| id.contains('.')).collect();
    assert!(ids.len() >= 6, "{ids:?}");
    for id in &ids {
        let dims = [("ModelId", id.as_str())];
        support::put_metric(&cw, "AWS/Bedrock", "Invocations", &dims, &[(m, 3.0)]).await;
        support::put_metric(&cw, "AWS/Bedrock", "InputTokenCount", &dims, &[(m, 12_000.0)]).await;
        support::put_metric(&cw, "AWS/Bedrock", "OutputTokenCount", &dims, &[(m, 800.0)]).await;
    }
    let home = support::temp_home("fixture-prices");
    let (v, _) = support::once_json(&home, region, &endpoint);
    let models = v["models"].as_array().unwrap();
    for id in &ids {
        let row = models.iter().find(|r| r["model_id"] == id.as_str()).unwrap_or_else(|| panic!("{id} not reported"));
        assert!(row["cost_usd"].as_f64().is_some_and(|c| c > 0.0), "{id}: {row}");
        assert!(row["price_source"].is_string(), "{id}: {row}");
    }
    assert!(v["overview"]["unpriced_models"].as_array().unwrap().is_empty(), "{}", v["overview"]);
}
