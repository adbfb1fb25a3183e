//! Price tables (`pricing_file`): any text is a table or a clear error; prices and costs are
//! never negative or NaN, and any model id (from AWS) can be looked up.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nightjar::domain::catalog::{base_model_id, short_model_name};
use nightjar::domain::pricing::{PriceTable, Tokens};
use nightjar_fuzz::{PRICES, assert_clean};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let tokens = Tokens { input: 1000.0, output: 100.0, cache_read: 10.0, cache_write: 1.0 };
    match PriceTable::parse(&text, "fuzz.toml") {
        Ok(t) => {
            for line in text.lines().take(32) {
                let id = line.split('"').nth(1).unwrap_or(line);
                if let Some(c) = t.cost(id, tokens) {
                    assert!(c >= 0.0, "cost {c} for {id:?}");
                }
            }
        }
        Err(e) => assert!(e.starts_with("fuzz.toml"), "error without the file name: {e}"),
    }
    // model ids come from AWS (dimensions, annotations, log fields): look each line up
    for id in text.lines().take(32) {
        assert!(id.ends_with(base_model_id(id)));
        assert_clean(&short_model_name(id), "short model name");
        if let Some(c) = PRICES.cost(id, tokens) {
            assert!(c.is_finite() && c >= 0.0);
        }
    }
});
