//! Regenerate `screenshots/`: every pane of the demo, drawn by the real renderer at a fixed
//! moment of the scripted incident (at 120x36, and the Overview and a few panes at 80x24 and
//! 200x60), written as SVG (and PNG when `rsvg-convert` is installed),
//! plus `screenshots/themes/`: the Overview and a span tree in each shipped theme (the light
//! theme drawn on a light terminal).
//!
//!     cargo run --example screenshots            # or scripts/screenshots.sh
// A developer tool: a panic is its error report (the crate denies `unwrap_used` elsewhere).
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use nightjar::store::Store;
use nightjar::ui::action::Action;
use nightjar::ui::app::App;
use nightjar::ui::keymap::Keymap;
use nightjar::ui::svg::Backdrop;
use nightjar::ui::theme::{BUILTIN, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// 2026-11-25 03:00 UTC; the shots are taken six minutes into the incident.
const LAUNCH: i64 = 1_795_575_600;

fn shoot(
    store: &Store,
    now: i64,
    theme: &Theme,
    keys: &[Action],
    (cols, rows): (u16, u16),
    backdrop: Backdrop,
    path: &Path,
) {
    let mut app = App::new(Keymap::default(), theme.clone());
    for k in keys {
        app.handle(*k, store);
    }
    let mut term = Terminal::new(TestBackend::new(cols, rows)).expect("test backend");
    term.draw(|f| app.draw(f, store, now)).expect("draw");
    std::fs::write(path, nightjar::ui::svg::render_on(term.backend().buffer(), backdrop)).expect("write svg");
    println!("{}", path.display());
}

fn main() {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "screenshots".into()));
    std::fs::create_dir_all(dir.join("themes")).expect("create the screenshots directory");
    let now = LAUNCH + 6 * 60 + 30;
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let store = rt.block_on(nightjar::sources::demo::scene::incident_store(7, LAUNCH, now));

    let shots: Vec<(&str, Vec<Action>)> = vec![
        ("overview", vec![Action::Pane1]),
        ("models", vec![Action::Pane2]),
        ("model-charts", vec![Action::Pane2, Action::Select]),
        ("pipeline", vec![Action::Pane3]),
        ("platform", vec![Action::Pane4]),
        ("traces", vec![Action::Pane5]),
        ("span-tree", vec![Action::Pane5, Action::Select]),
        ("logs", vec![Action::Pane6]),
        ("alarms", vec![Action::Pane7]),
        ("help", vec![Action::Help]),
    ];
    for (name, keys) in shots {
        let path = dir.join(format!("{name}.svg"));
        shoot(&store, now, &Theme::default(), &keys, (120, 36), Backdrop::Dark, &path);
    }
    // the layouts at a laptop's small and large terminal
    let sized: Vec<(&str, Vec<Action>, (u16, u16))> = vec![
        ("overview-80x24", vec![Action::Pane1], (80, 24)),
        ("overview-200x60", vec![Action::Pane1], (200, 60)),
        ("models-200x60", vec![Action::Pane2], (200, 60)),
        ("traces-200x60", vec![Action::Pane5], (200, 60)),
        ("alarms-80x24", vec![Action::Pane7], (80, 24)),
    ];
    for (name, keys, size) in sized {
        let path = dir.join(format!("{name}.svg"));
        shoot(&store, now, &Theme::default(), &keys, size, Backdrop::Dark, &path);
    }
    for (name, _) in BUILTIN {
        let theme = Theme::resolve(name).expect("a shipped theme");
        let backdrop = if *name == "light" { Backdrop::Light } else { Backdrop::Dark };
        for (view, keys) in [("overview", vec![Action::Pane1]), ("span-tree", vec![Action::Pane5, Action::Select])] {
            let path = dir.join("themes").join(format!("{name}-{view}.svg"));
            shoot(&store, now, &theme, &keys, (100, 30), backdrop, &path);
        }
    }
}
