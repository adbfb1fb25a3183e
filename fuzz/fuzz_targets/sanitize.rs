//! The sanitiser: any text in, nothing that drives the terminal out.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nightjar::sanitize;
use nightjar_fuzz::{assert_clean, unsafe_char};

fuzz_target!(|data: &[u8]| {
    let lossy = sanitize::bytes_one_line(data);
    assert_clean(&lossy, "bytes_one_line");
    let Ok(s) = std::str::from_utf8(data) else { return };
    assert_eq!(lossy, sanitize::one_line(s), "bytes_one_line agrees with one_line on UTF-8");

    let one = sanitize::one_line(s);
    assert_clean(&one, "one_line");
    assert!(one.chars().count() >= s.chars().count(), "one_line drops no characters");

    let multi = sanitize::multi_line(s);
    if let Some(c) = unsafe_char(&multi, true) {
        panic!("multi_line: unsanitised U+{:04X} in {multi:?}", c as u32);
    }
    assert_eq!(multi.matches('\n').count(), s.matches('\n').count(), "multi_line keeps every line break");

    // JSON: the same value back, with nothing raw a terminal would obey
    let v = serde_json::Value::String(s.to_string());
    let inert = sanitize::json_inert(&serde_json::to_string(&v).unwrap());
    assert_clean(&inert, "json_inert");
    assert_eq!(serde_json::from_str::<serde_json::Value>(&inert).unwrap(), v, "json_inert changes the value");
    if let Ok(parsed) = serde_json::from_str::<serde_json::Value>(s) {
        let pretty = sanitize::json_inert(&serde_json::to_string_pretty(&parsed).unwrap());
        if let Some(c) = unsafe_char(&pretty, true) {
            panic!("json_inert (pretty): U+{:04X} in {pretty:?}", c as u32);
        }
        assert_eq!(serde_json::from_str::<serde_json::Value>(&pretty).unwrap(), parsed);
    }
});
