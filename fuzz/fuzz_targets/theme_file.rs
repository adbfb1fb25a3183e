//! Theme files: any text is a theme or a clear error; a theme maps to every colour depth.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nightjar::ui::theme::{ColorDepth, Theme, parse_color};
use nightjar_fuzz::THEME;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for base in [None, Some(&*THEME)] {
        match Theme::parse(text, "fuzz.toml", base) {
            Ok(t) => {
                for d in [ColorDepth::None, ColorDepth::Ansi16, ColorDepth::Ansi256, ColorDepth::TrueColor] {
                    let _ = t.clone().for_depth(d);
                }
            }
            Err(e) => assert!(e.starts_with("fuzz.toml"), "error without the file name: {e}"),
        }
    }
    if let Some(first) = text.lines().next() {
        let _ = parse_color(first);
    }
});
