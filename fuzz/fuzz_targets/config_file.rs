//! The config file (`~/.config/nightjar/config.toml`): any text is a config or a clear error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nightjar::config::parse_file;
use nightjar::domain::window::Since;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match parse_file(text, "fuzz.toml") {
        Ok(f) => {
            if let Some(l) = &f.logs {
                let s = l.settings();
                assert!(s.max_concurrent >= 1 && s.usd_per_gb >= 0.0);
            }
            if let Some(s) = &f.since {
                // an accepted window prints as one that reads back the same
                let w: Since = s.parse().unwrap();
                assert_eq!(w.to_string().parse::<Since>().unwrap(), w);
            }
        }
        Err(e) => assert!(e.starts_with("fuzz.toml"), "error without the file name: {e}"),
    }
    // `since` also comes from the command line (--since) and the command line (`:since`)
    if let Ok(w) = text.parse::<Since>() {
        assert_eq!(w.to_string().parse::<Since>().unwrap(), w);
    }
});
