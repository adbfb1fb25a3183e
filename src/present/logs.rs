//! Logs Insights results as both outputs print them: a cell as it reads (models shortened, large
//! counts compacted, the cost column in dollars, sanitised) and a run's statistics line.

use crate::domain::catalog::short_model_name;
use crate::domain::insights::{MODEL_COLUMNS, QueryStatus, display_value, is_number};
use crate::present::format;
use crate::sanitize;
use crate::store::logs::QueryRun;

/// How a cell reads: models and principals shortened, large counts compacted, the cost in
/// dollars, sanitised. `computed` marks the cost column.
pub fn display_cell(column: &str, value: &str, computed: bool) -> String {
    if computed {
        return match value.parse::<f64>() {
            Ok(v) => format::usd(v),
            Err(_) => "no price".into(),
        };
    }
    if MODEL_COLUMNS.contains(&column) && !value.is_empty() {
        return sanitize::one_line(&short_model_name(value));
    }
    if is_number(value)
        && let Ok(v) = value.trim().parse::<f64>()
        && v.abs() >= 10_000.0
    {
        return format::count(v);
    }
    sanitize::one_line(&display_value(column, value))
}

/// `12.3 MB`.
pub fn fmt_bytes(b: f64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = b.max(0.0);
    let mut u = 0;
    while v >= 1000.0 && u < UNITS.len() - 1 {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 { format!("{v:.0} {}", UNITS[u]) } else { format!("{v:.1} {}", UNITS[u]) }
}

/// `12 rows · 4.2k of 8.1k records · 10.9 MB · query $0.0001 · total $62.13` (the total of the
/// rows' cost column, when there is one).
pub fn stats_line(run: &QueryRun) -> String {
    let mut parts = vec![format!("{} row{}", run.table.rows.len(), if run.table.rows.len() == 1 { "" } else { "s" })];
    match &run.stats {
        Some(s) => {
            parts.push(format!("{} of {} records", format::count(s.records_matched), format::count(s.records_scanned)));
            parts.push(fmt_bytes(s.bytes_scanned));
        }
        None if run.status == QueryStatus::Complete => parts.push("no statistics returned".into()),
        None => {}
    }
    if let Some(c) = run.cost_usd {
        let usd = if c > 0.0 && c < 0.0001 { "<$0.0001".to_string() } else { format::usd(c) };
        parts.push(format!("query {usd}"));
    }
    if let Some(t) = run.table.total_cost() {
        parts.push(format!("total {}", format::usd(t)));
    }
    parts.join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_read_well() {
        assert_eq!(display_cell("cost_usd", "12.3456", true), "$12.35");
        assert_eq!(display_cell("cost_usd", "", true), "no price");
        assert_eq!(display_cell("modelId", "us.anthropic.claude-opus-4-5-20251101-v1:0", false), "claude-opus-4-5");
        assert_eq!(display_cell("inTok", "1234567", false), "1.2M");
        assert_eq!(display_cell("calls", "812", false), "812");
        assert_eq!(display_cell("@message", "a\u{1b}[2Jb", false), "a␛[2Jb");
        assert_eq!(fmt_bytes(12_345_678.0), "12.3 MB");
        assert_eq!(fmt_bytes(12.0), "12 B");
    }
}
