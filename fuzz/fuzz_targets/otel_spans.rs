//! OpenTelemetry span records from `aws/spans` (one JSON record per line) → a span tree, both
//! directly and through an Insights result table, as the logs source hands them over.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nightjar::domain::insights::{ResultTable, trace_id_forms};
use nightjar::sources::spans::otel::{self as otel_spans, build_trace, traces_update};
use nightjar::store::Update;
use nightjar::store::traces::TracesUpdate;
use nightjar_fuzz::{PRICES, check_trace, lines, render_trace};

const TRACE: &str = "5759e988bd862e3fe1be46a994272793";

fuzz_target!(|data: &[u8]| {
    let records = lines(data);
    let mut ids = vec![TRACE.to_string()];
    for r in &records {
        let Ok(o) = otel_spans::parse(r) else { continue };
        assert!(o.start.is_finite(), "start {}", o.start);
        if let Some(e) = o.end {
            assert!(e.is_finite(), "end {e}");
        }
        let s = o.to_span(&PRICES);
        assert_eq!(s.id, o.span_id);
        if let Some(st) = s.http.as_ref().and_then(|h| h.status) {
            // a status is the attribute's value, never a wrapped or truncated one
            let attr = o.attr("http.response.status_code").or_else(|| o.attr("http.status_code"));
            let v = attr.and_then(|v| v.as_f64().or_else(|| v.as_str().and_then(|s| s.trim().parse().ok())));
            assert_eq!(v, Some(f64::from(st)), "status {st} from {attr:?}");
        }
        // the first few records' own trace ids, so a mutated id still builds a tree
        if ids.len() < 3 && trace_id_forms(&o.trace_id).is_some() {
            ids.push(o.trace_id.clone());
        }
    }
    for id in &ids {
        if let Some(t) = build_trace(id, "us-east-1", records.iter().map(String::as_str), &PRICES) {
            check_trace(&t);
            render_trace(t);
        }
    }
    // the same records as the `@message` column of a finished `aws/spans` query
    let rows: Vec<Vec<(String, String)>> =
        records.iter().map(|r| vec![("@timestamp".to_string(), "1".to_string()), ("@message".to_string(), r.clone())]).collect();
    let table = ResultTable::from_rows(&rows);
    match traces_update(TRACE, &table, &Some("us-east-1".into()), &PRICES) {
        Some(Update::Traces(TracesUpdate::Fetched { traces, unprocessed })) => {
            assert_eq!(traces.len() + unprocessed.len(), 1);
            traces.iter().for_each(check_trace);
        }
        other => panic!("unexpected update {other:?}"),
    }
});
