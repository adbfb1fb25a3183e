//! X-Ray segment documents (one per line, as BatchGetTraces returns them) → a span tree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nightjar::sources::spans::xray::parse_trace;
use nightjar_fuzz::{PRICES, check_trace, lines, render_trace};

fuzz_target!(|data: &[u8]| {
    let docs = lines(data);
    let t = parse_trace("1-5f84c7a1-0123456789abcdef01234567", "us-east-1", &docs, &PRICES);
    check_trace(&t);
    render_trace(t);
});
