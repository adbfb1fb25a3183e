//! `--once --query NAME`: one Logs Insights query's rows, as JSON or as a text table that fits
//! 80 columns.
//!
//! JSON: `{"query": "…", "status": "Complete", "statistics": {…}, "rows": [{field: value}]}`.
//! Values are the strings Logs Insights returned; the computed `cost_usd` column is a number (or
//! null for a model without a price). `statistics` holds `records_matched`, `records_scanned`,
//! `bytes_scanned` (null when the service sent none) and `cost_usd` (the query's own cost). A
//! failed query adds `error`.

use serde_json::{Value, json};

use crate::domain::insights::{fit_widths, is_number};
use crate::present::format::{self, Fmt};
use crate::present::logs::{display_cell, stats_line};
use crate::sanitize;
use crate::store::logs::QueryRun;

/// Short headers for the preset columns; others as returned, upper-cased.
fn header(column: &str) -> String {
    match column {
        "identity.arn" => "CALLER".into(),
        "modelId" => "MODEL".into(),
        "requestMetadata.use_case" => "USE CASE".into(),
        "inTok" => "IN".into(),
        "outTok" => "OUT".into(),
        "cacheRead" => "CREAD".into(),
        "cacheWrite" => "CWRITE".into(),
        "cost_usd" => "COST".into(),
        other => sanitize::one_line(other).to_uppercase(),
    }
}

pub fn json(run: &QueryRun) -> Value {
    let rows: Vec<Value> = (0..run.table.rows.len()).map(|i| Value::Object(run.table.row_json(i))).collect();
    let s = run.stats;
    let mut out = json!({
        "query": run.spec.label,
        "status": run.status.label(),
        "statistics": {
            "records_matched": s.map(|s| s.records_matched),
            "records_scanned": s.map(|s| s.records_scanned),
            "bytes_scanned": s.map(|s| s.bytes_scanned),
            "cost_usd": run.cost_usd,
        },
        "rows": rows,
    });
    if let Some(e) = &run.error {
        out["error"] = Value::String(e.one_line());
    }
    out
}

/// The text report, at most `width` (80) columns wide.
pub fn text(run: &QueryRun, width: usize) -> String {
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&format::clip(&s, width));
        out.push('\n');
    };
    line(format!(
        "nightjar query {} · {}–{} UTC · {}",
        sanitize::one_line(&run.spec.label),
        Fmt::UTC.hhmm(run.spec.window.start),
        Fmt::UTC.hhmm(run.spec.window.end),
        run.status.label()
    ));
    line(format!("{}: {}", run.spec.class.label(), sanitize::one_line(&run.spec.groups.join(", "))));
    // the statistics, wrapped at the separators
    let mut cur = String::new();
    for part in stats_line(run).split(" · ") {
        if !cur.is_empty() && cur.chars().count() + 3 + part.chars().count() > width {
            line(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push_str(" · ");
        }
        cur.push_str(part);
    }
    if !cur.is_empty() {
        line(cur);
    }
    if let Some(e) = &run.error {
        line(format!("error: {}", e.one_line()));
    }
    if let Some(n) = &run.note {
        line(format!("note: {}", sanitize::one_line(n)));
    }
    let t = &run.table;
    if t.rows.is_empty() {
        line("(no rows)".into());
        return out;
    }
    if t.columns.is_empty() {
        line(format!("({} rows with no fields but a record pointer)", t.rows.len()));
        return out;
    }
    out.push('\n');
    let cells: Vec<Vec<String>> = t
        .rows
        .iter()
        .map(|r| r.iter().enumerate().map(|(c, v)| display_cell(&t.columns[c], v, t.computed.contains(&c))).collect())
        .collect();
    // from the values (a long header is clipped rather than widen a column of short numbers)
    let natural: Vec<usize> = (0..t.columns.len())
        .map(|c| {
            cells
                .iter()
                .map(|r| r[c].chars().count())
                .chain([header(&t.columns[c]).chars().count().min(6)])
                .max()
                .unwrap_or(1)
        })
        .collect();
    let w = fit_widths(&natural, width, 6);
    let right: Vec<bool> = (0..t.columns.len())
        .map(|c| t.computed.contains(&c) || t.rows.iter().all(|r| r[c].is_empty() || is_number(&r[c])))
        .collect();
    let row = |vals: Vec<String>| -> String {
        let parts: Vec<String> = vals
            .iter()
            .enumerate()
            .map(|(c, v)| {
                let v = format::clip(v, w[c]);
                if right[c] { format!("{v:>width$}", width = w[c]) } else { format!("{v:<width$}", width = w[c]) }
            })
            .collect();
        format::clip(parts.join(" ").trim_end(), width)
    };
    out.push_str(&row(t.columns.iter().map(|c| header(c)).collect()));
    out.push('\n');
    for r in cells {
        out.push_str(&row(r));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::insights::{GroupClass, QueryStats, QueryStatus, ResultTable};
    use crate::domain::pricing::PriceTable;
    use crate::domain::window::Window;
    use crate::store::logs::QuerySpec;

    fn run() -> QueryRun {
        let spec = QuerySpec::new(
            "tokens-by-caller",
            "stats …",
            GroupClass::Invocation,
            vec!["/aws/bedrock/modelinvocations".into()],
            Window { start: 1_795_575_600, end: 1_795_579_200 },
        );
        let mut r = QueryRun::new(spec, 0);
        r.status = QueryStatus::Complete;
        let mut t = ResultTable::from_rows(&[
            vec![
                ("identity.arn".into(), "arn:aws:sts::123456789012:assumed-role/support-agent/agent-loop-7f3a".into()),
                ("modelId".into(), "us.anthropic.claude-opus-4-5-20251101-v1:0".into()),
                ("inTok".into(), "9120000".into()),
                ("cacheRead".into(), "1200000".into()),
                ("cacheWrite".into(), "40000".into()),
                ("outTok".into(), "1600000".into()),
                ("calls".into(), "600".into()),
                ("@ptr".into(), "p".into()),
            ],
            vec![
                ("identity.arn".into(), "arn:aws:iam::123456789012:user/dana".into()),
                ("modelId".into(), "acme.custom-finetune-v1".into()),
                ("inTok".into(), "1200".into()),
                ("cacheRead".into(), "0".into()),
                ("cacheWrite".into(), "0".into()),
                ("outTok".into(), "250".into()),
                ("calls".into(), "1".into()),
            ],
        ]);
        t.add_cost_column(&PriceTable::default());
        r.table = t;
        r.stats = Some(QueryStats { records_matched: 601.0, records_scanned: 9000.0, bytes_scanned: 23_400_000.0 });
        r.cost_usd = Some(0.000109);
        r
    }

    #[test]
    fn json_has_the_documented_shape() {
        let v = json(&run());
        assert_eq!(v["query"], "tokens-by-caller");
        assert_eq!(v["status"], "Complete");
        assert_eq!(v["statistics"]["records_scanned"], 9000.0);
        assert_eq!(v["statistics"]["cost_usd"], 0.000109);
        let rows = v["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["identity.arn"], "arn:aws:sts::123456789012:assumed-role/support-agent/agent-loop-7f3a");
        assert_eq!(rows[0]["outTok"], "1600000");
        // opus 4.5: 9.12M × $5 + 1.2M × $0.50 + 40k × $6.25 + 1.6M × $25 = 45.6 + 0.6 + 0.25 + 40
        assert!((rows[0]["cost_usd"].as_f64().unwrap() - 86.45).abs() < 1e-9, "{}", rows[0]["cost_usd"]);
        assert_eq!(rows[1]["cost_usd"], Value::Null);
        assert!(rows[0].get("@ptr").is_none());
        assert!(v.get("error").is_none());
    }

    #[test]
    fn text_fits_80_columns() {
        let t = text(&run(), 80);
        eprintln!("{t}");
        assert!(t.lines().all(|l| l.chars().count() <= 80), "{t}");
        // the caller is narrowed last (here to 26 of its 29 characters)
        assert!(t.contains("support-agent/agent-loop-… claude-opus-4-5   $86.45 9.1M"), "{t}");
        assert!(t.contains("$86.45"), "{t}");
        assert!(t.contains("no price"), "{t}");
        assert!(t.contains("CALLER"), "{t}");
        assert!(t.contains("2 rows · 601 of 9.0k records · 23.4 MB · query $0.0001 · total $86.45"), "{t}");
    }
}
