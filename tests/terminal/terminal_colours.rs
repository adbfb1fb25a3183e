//! What reaches a real terminal's wire: the console runs in tmux with its output recorded
//! byte for byte (`pipe-pane`), is driven through every pane, and the escape sequences it wrote
//! are checked. On a 16-colour terminal (TERM=linux, no COLORTERM) only basic colour codes
//! (30–37, 90–97, 40–47, 100–107) may appear: no `38;5;N` (256-colour syntax, which crossterm
//! uses even for the basic colours) and no `38;2;R;G;B`. With a truecolor terminal and an RGB
//! theme the same recording does show RGB escapes, so the check can see what it rules out.

use crate::support;
use crate::tmux;

use std::path::PathBuf;
use std::time::Duration;

use tmux::Tmux;

const BIN: &str = env!("CARGO_BIN_EXE_nightjar");
const UP: Duration = Duration::from_secs(60);

/// Every SGR sequence's parameter list in `bytes`.
fn sgr_params(bytes: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == 0x1b && bytes[i + 1] == b'[' {
            let mut j = i + 2;
            while j < bytes.len() && (bytes[j].is_ascii_digit() || bytes[j] == b';') {
                j += 1;
            }
            if j < bytes.len() && bytes[j] == b'm' {
                out.push(String::from_utf8_lossy(&bytes[i + 2..j]).into_owned());
            }
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

/// The colour codes in SGR parameter lists: `38;5;N`, `38;2;R;G;B` and basic codes, split out.
fn colour_kinds(params: &[String]) -> (usize, usize, usize) {
    let (mut indexed, mut rgb, mut basic) = (0, 0, 0);
    for p in params {
        let v: Vec<&str> = p.split(';').collect();
        let mut k = 0;
        while k < v.len() {
            match (v[k], v.get(k + 1).copied()) {
                ("38" | "48" | "58", Some("5")) => {
                    indexed += 1;
                    k += 3;
                }
                ("38" | "48" | "58", Some("2")) => {
                    rgb += 1;
                    k += 5;
                }
                (c, _) => {
                    if let Ok(n) = c.parse::<u16>()
                        && matches!(n, 30..=37 | 90..=97 | 40..=47 | 100..=107)
                    {
                        basic += 1;
                    }
                    k += 1;
                }
            }
        }
    }
    (indexed, rgb, basic)
}

/// Run the demo with `env` and `args`, visit every pane, quit; the bytes it wrote.
fn record(name: &str, env: &[(&str, String)], args: &str) -> Option<Vec<u8>> {
    let home = std::env::temp_dir().join(support::unique_name(name));
    std::fs::create_dir_all(home.join(".config")).unwrap();
    let mut e = vec![
        ("HOME", home.display().to_string()),
        ("XDG_CONFIG_HOME", home.join(".config").display().to_string()),
        ("XDG_STATE_HOME", home.join(".state").display().to_string()),
    ];
    e.extend(env.iter().cloned());
    let t = Tmux::start(100, 30, &e)?;
    let file: PathBuf = home.join("wire.bin");
    t.record_output(&file);
    t.run(&format!("{BIN} --demo {args}; echo done-$?"));
    t.wait_for("the console", UP, |s| s.contains(" nightjar │"));
    // every pane, the help, a model's charts and a trace's span tree
    // (one key at a time: Escape with the next key in the same write reads as Alt+key)
    for key in ["2", "Enter", "Escape", "3", "4", "5", "Enter", "Escape", "6", "7", "?", "Escape", "q"] {
        t.keys(&[key]);
        std::thread::sleep(Duration::from_millis(400));
    }
    t.wait_for("the exit", UP, |s| s.contains("done-0"));
    let bytes = std::fs::read(&file).unwrap();
    assert!(bytes.len() > 10_000, "the recording holds the frames ({} bytes)", bytes.len());
    Some(bytes)
}

#[test]
fn a_16_colour_terminal_gets_basic_colour_codes_only() {
    for (theme, term) in [("tty", "linux"), ("default", "xterm"), ("solarized-dark", "xterm")] {
        let env = [("TERM", term.to_string())];
        let Some(bytes) = record(&format!("wire-{theme}"), &env, &format!("--theme {theme}")) else { return };
        let params = sgr_params(&bytes);
        let (indexed, rgb, basic) = colour_kinds(&params);
        assert_eq!((indexed, rgb), (0, 0), "{theme} on TERM={term}: 256-colour or RGB escapes reached the terminal");
        assert!(basic > 20, "{theme} on TERM={term}: colours are drawn with basic codes ({basic})");
    }
}

#[test]
fn a_truecolor_terminal_gets_the_themes_rgb_colours() {
    let env = [("TERM", "xterm-256color".to_string()), ("COLORTERM", "truecolor".to_string())];
    let Some(bytes) = record("wire-rgb", &env, "--theme solarized-dark") else { return };
    let (_, rgb, _) = colour_kinds(&sgr_params(&bytes));
    assert!(rgb > 20, "solarized-dark on a truecolor terminal draws RGB colours ({rgb})");
}
