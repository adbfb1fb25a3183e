//! The traces section of the Markdown incident report: the window's counts, the slowest traces
//! and the newest failing ones, with their ids (to paste into the X-Ray console or `nightjar`).

use std::fmt::Write as _;

use super::markdown::cell;
use crate::domain::catalog::short_model_name;
use crate::present::format;
use crate::store::Store;

/// Empty when no trace list has arrived.
pub fn markdown(store: &Store) -> String {
    let Some(r) = store.traces.report(5) else { return String::new() };
    let mut md = String::new();
    let _ = writeln!(md, "\n## Traces\n");
    let filter = store.traces.query().and_then(|q| q.filter.clone());
    // with Transaction Search the counts are X-Ray's indexed sample, never totals
    let sample = r.sampling.as_deref().map(|l| format!(" (**{}**)", cell(l))).unwrap_or_default();
    let _ = writeln!(
        md,
        "{} traces{sample}{}: {} with faults, {} with errors, {} throttled.",
        r.total,
        filter.map(|f| format!(" matching `{}`", cell(&f))).unwrap_or_default(),
        r.faults,
        r.errors,
        r.throttles
    );
    if r.sampled == Some(true) {
        let _ = writeln!(
            md,
            "\nTransaction Search sends spans to CloudWatch Logs (`aws/spans`): X-Ray indexes {} of the traces as \
             summaries, so these counts are a sample of the window's traces, not totals.",
            r.sampling_percent
                .map(|p| format!("{} %", crate::store::traces::percent_text(p)))
                .unwrap_or_else(|| "a share".into())
        );
    }
    if !r.slowest.is_empty() {
        let _ = writeln!(md, "\n### Slowest\n\n| Trace | Duration | Root | Model |\n|---|---|---|---|");
        for s in &r.slowest {
            let _ = writeln!(
                md,
                "| `{}` | {} | {} | {} |",
                cell(&s.id),
                format::ms(s.duration_ms),
                cell(s.root.as_deref().unwrap_or("—")),
                cell(&s.model.as_deref().map(short_model_name).unwrap_or_else(|| "—".into()))
            );
        }
    }
    let failing: Vec<_> =
        store.traces.summaries().into_iter().filter(|s| s.fault || s.error || s.throttle).take(5).collect();
    if !failing.is_empty() {
        let _ = writeln!(
            md,
            "\n### Failing (newest first)\n\n| Trace | Time | Marks | Root | Model |\n|---|---|---|---|---|"
        );
        for s in failing {
            let marks: Vec<&str> = [(s.fault, "fault"), (s.error, "error"), (s.throttle, "throttle")]
                .iter()
                .filter(|(b, _)| *b)
                .map(|(_, m)| *m)
                .collect();
            let model = store
                .traces
                .trace(&s.id)
                .and_then(|t| t.totals.models.first().cloned())
                .or_else(|| s.models.first().cloned());
            let _ = writeln!(
                md,
                "| `{}` | {} | {} | {} | {} |",
                cell(&s.id),
                format::rfc3339(s.start as i64),
                marks.join(", "),
                cell(&format!("{} {}", s.root.as_deref().unwrap_or("—"), s.operation.as_deref().unwrap_or(""))),
                cell(&model.as_deref().map(short_model_name).unwrap_or_else(|| "—".into()))
            );
        }
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::pricing::PriceTable;
    use crate::domain::window::Window;
    use crate::store::Update;
    use crate::store::traces::{TraceList, TraceQuery, TraceRange, TraceSummary, TracesUpdate};

    #[test]
    fn counts_slowest_and_failing_with_ids() {
        let mut store = Store::new(PriceTable::default(), vec![]);
        assert_eq!(markdown(&store), "", "no list, no section");
        let s = |id: &str, start: f64, d: f64, throttle: bool| TraceSummary {
            id: id.into(),
            region: "us-east-1".into(),
            start,
            duration: Some(d),
            root: Some("rag-api".into()),
            operation: Some("POST /query".into()),
            throttle,
            error: throttle,
            models: vec!["us.anthropic.claude-sonnet-4-5-20250929-v1:0".into()],
            ..Default::default()
        };
        store.apply(Update::Traces(TracesUpdate::Listed(TraceList {
            query: TraceQuery::new(TraceRange::Last(3600), Some("service(\"rag-api\")".into())),
            region: "us-east-1".into(),
            window: Window { start: 0, end: 3600 },
            summaries: vec![s("1-a", 100.0, 2.0, false), s("1-b", 200.0, 5.5, true)],
            processed: 2,
            truncated: false,
            listed_at: 3600,
            sampling: None,
        })));
        let md = markdown(&store);
        assert!(
            md.contains("2 traces matching `service(\"rag-api\")`: 0 with faults, 1 with errors, 1 throttled."),
            "{md}"
        );
        assert!(md.contains("| `1-b` | 5.5s | rag-api | claude-sonnet-4-5 |"), "{md}");
        assert!(
            md.contains("| `1-b` | 1970-01-01T00:03:20Z | error, throttle | rag-api POST /query | claude-sonnet-4-5 |"),
            "{md}"
        );
        assert!(!md.contains("| `1-a` | 1970"), "1-a did not fail: {md}");
        assert!(!md.contains("sample"), "Transaction Search off: not a sample: {md}");
    }

    #[test]
    fn a_sampled_list_is_labelled_never_a_total() {
        use crate::store::traces::TraceSampling;
        let mut store = Store::new(PriceTable::default(), vec![]);
        let s = |id: &str, fault: bool| TraceSummary {
            id: id.into(),
            region: "us-east-1".into(),
            start: 100.0,
            duration: Some(1.0),
            fault,
            ..Default::default()
        };
        store.apply(Update::Traces(TracesUpdate::Listed(TraceList {
            query: TraceQuery::new(TraceRange::Last(3600), None),
            region: "us-east-1".into(),
            window: Window { start: 0, end: 3600 },
            summaries: vec![s("1-a", true), s("1-b", false), s("1-c", false)],
            processed: 3,
            truncated: false,
            listed_at: 3600,
            sampling: Some(TraceSampling {
                destination: Some("CloudWatchLogs".into()),
                status: Some("ACTIVE".into()),
                desired_percent: Some(1.0),
                actual_percent: None,
                error: None,
            }),
        })));
        let md = markdown(&store);
        assert!(md.contains("3 traces (**1 % sample**): 1 with faults, 0 with errors, 0 throttled."), "{md}");
        assert!(md.contains("X-Ray indexes 1 % of the traces as summaries"), "{md}");
        assert!(md.contains("not totals"), "{md}");
        let text = crate::report::text(&store, 3600);
        assert!(text.contains("Traces (1 % sample) 3: 1 with faults, 0 with errors, 0 throttled"), "{text}");
        let json = crate::report::json(&store, 3600);
        let t = &json["traces"];
        assert_eq!(
            (t["sampled"].as_bool(), t["sampling_percent"].as_f64(), t["total"].as_u64()),
            (Some(true), Some(1.0), Some(3))
        );
        assert_eq!(t["sampling"], "1 % sample");
    }
}
