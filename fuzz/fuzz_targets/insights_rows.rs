//! Logs Insights results (`[[{"field": …, "value": …}]]`, as GetQueryResults returns them) →
//! the result table, its cost column, the cells as drawn, the row detail's fields extracted
//! from a JSON `@message`, and the `--once` JSON and text reports.
//!
//! Input: that JSON; anything else is read as rows of `field<TAB>value` lines separated by an
//! empty line, so the fuzzer reaches the table code without having to write JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nightjar::domain::insights::{
    self, COST_COLUMN, GroupClass, REDACTED, ResultTable, display_value, is_body_column, is_number, redact_cell,
    redact_json, short_principal,
};
use nightjar::domain::window::Window;
use nightjar::report;
use nightjar::sanitize;
use nightjar::store::logs::{QueryRun, QuerySpec};
use nightjar::ui::panes::logs::display_cell;
use nightjar_fuzz::{PRICES, assert_clean, unsafe_char};
use serde_json::Value;

#[derive(serde::Deserialize)]
struct Field {
    field: Option<String>,
    value: Option<String>,
}

fn rows(data: &[u8]) -> Vec<Vec<(String, String)>> {
    if let Ok(raw) = serde_json::from_slice::<Vec<Vec<Field>>>(data) {
        // as the logs source reads a page: a field without a name is dropped, no value is ""
        return raw
            .into_iter()
            .map(|r| r.into_iter().filter_map(|f| Some((f.field?, f.value.unwrap_or_default()))).collect())
            .collect();
    }
    String::from_utf8_lossy(data)
        .split("\n\n")
        .map(|row| {
            row.lines()
                .map(|l| match l.split_once('\t') {
                    Some((f, v)) => (f.to_string(), v.replace("\\n", "\n")),
                    None => (l.to_string(), String::new()),
                })
                .collect()
        })
        .collect()
}

fn check_shape(t: &ResultTable, n_rows: usize) {
    assert_eq!(t.rows.len(), n_rows);
    assert_eq!(t.ptrs.len(), n_rows);
    assert!(t.rows.iter().all(|r| r.len() == t.columns.len()), "ragged rows");
    assert!(!t.columns.iter().any(|c| c == "@ptr"), "@ptr became a column");
    let mut cols = t.columns.clone();
    cols.sort();
    cols.dedup();
    assert_eq!(cols.len(), t.columns.len(), "duplicate columns");
    assert!(t.computed.iter().all(|c| *c < t.columns.len()));
}

fuzz_target!(|data: &[u8]| {
    let raw = rows(data);
    let mut t = ResultTable::from_rows(&raw);
    check_shape(&t, raw.len());
    // every field sent (but @ptr) is in its row, the last value of a repeated field winning
    for ((row, cells), ptr) in raw.iter().zip(&t.rows).zip(&t.ptrs) {
        for (f, _) in row {
            let last = &row.iter().rev().find(|(g, _)| g == f).unwrap().1;
            match t.column(f) {
                Some(c) => assert_eq!(&cells[c], last),
                None => assert_eq!((f.as_str(), ptr.as_ref()), ("@ptr", Some(last))),
            }
        }
    }

    t.add_cost_column(&PRICES);
    check_shape(&t, raw.len());
    let once = t.clone();
    t.add_cost_column(&PRICES);
    assert_eq!(t, once, "add_cost_column is idempotent");
    // (a query may name a column cost_usd itself: then there is no computed one)
    if let Some(c) = t.column(COST_COLUMN).filter(|c| t.computed.contains(c)) {
        for r in &t.rows {
            let cell = &r[c];
            assert!(cell.is_empty() || cell.parse::<f64>().is_ok_and(f64::is_finite), "cost cell {cell:?}");
        }
        let total = t.total_cost().unwrap();
        assert!(total.is_finite(), "total cost {total}");
    }

    for (i, r) in t.rows.iter().enumerate() {
        let obj = Value::Object(t.row_json(i));
        let inert = sanitize::json_inert(&obj.to_string());
        assert_clean(&inert, "row JSON");
        assert_eq!(serde_json::from_str::<Value>(&inert).unwrap(), obj);
        for (c, v) in r.iter().enumerate() {
            let col = &t.columns[c];
            let computed = t.computed.contains(&c);
            assert_clean(&sanitize::one_line(&display_value(col, v)), "display_value");
            assert_clean(&display_cell(col, v, computed), "display_cell");
            for invocation in [false, true] {
                let red = redact_cell(col, v, invocation);
                if !v.is_empty() && is_body_column(col) {
                    assert_eq!(red, REDACTED);
                }
                assert_clean(&sanitize::one_line(&red), "redacted cell");
            }
            assert!(v.ends_with(short_principal(v)));
            if is_number(v) {
                assert!(v.trim().parse::<f64>().is_ok_and(f64::is_finite));
            }
            // the row detail of a row with a JSON @message: its fields, extracted
            if col == "@message"
                && let Ok(mut j) = serde_json::from_str::<Value>(v)
            {
                for (k, val) in insights::flatten_json(&j) {
                    assert_clean(&sanitize::one_line(&k), "flattened key");
                    assert_clean(&sanitize::one_line(&val), "flattened value");
                }
                redact_json(&mut j);
                let pretty = sanitize::multi_line(&serde_json::to_string_pretty(&j).unwrap());
                assert!(unsafe_char(&pretty, true).is_none(), "pretty @message {pretty:?}");
            }
        }
    }

    // the --once reports of a finished query with these rows
    let spec = QuerySpec::new("fuzz", "fields @message", GroupClass::Invocation, vec![], Window { start: 0, end: 3600 });
    let mut run = QueryRun::new(spec, 0);
    run.table = t;
    let json = report::query::json(&run);
    assert_clean(&sanitize::json_inert(&json.to_string()), "--once JSON");
    let text = report::query::text(&run, 80);
    for line in text.lines() {
        assert_clean(line, "--once text");
        assert!(line.chars().count() <= 80, "a text report line is wider than 80: {line:?}");
    }
});
