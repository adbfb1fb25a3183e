//! Keymap files: any text is a keymap or a clear error; every key spec parses or errs.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use nightjar::ui::keymap::{Key, Keymap};

static DEFAULT: LazyLock<Keymap> = LazyLock::new(Keymap::default);

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for base in [None, Some(&*DEFAULT)] {
        match Keymap::parse(text, "fuzz.toml", base) {
            Ok(k) => {
                for (action, keys) in k.by_action() {
                    assert!(!keys.is_empty());
                    assert!(k.key_for(action).is_some());
                    for key in keys {
                        assert!(!key.to_string().is_empty());
                    }
                }
            }
            Err(e) => assert!(e.starts_with("fuzz.toml"), "error without the file name: {e}"),
        }
    }
    // a key spec on its own (the first line), as in `keys."<spec>"`
    if let Some(spec) = text.lines().next()
        && let Ok(k) = Key::parse(spec)
    {
        assert!(!k.to_string().is_empty());
    }
});
