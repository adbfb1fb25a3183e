//! What the pane snapshot tests share: the demo's store at a fixed moment, and drawing an app
//! on a test backend. (`mod ui_common;` in each; not every file uses every helper.)
#![allow(dead_code)]

use nightjar::domain::pricing::PriceTable;
use nightjar::domain::window::Since;
use nightjar::engine::demo_identity;
use nightjar::sources::demo::DemoWorkload;
use nightjar::store::{SourceHealth, Store, Update};
use nightjar::ui::app::App;
use nightjar::ui::keymap::Keymap;
use nightjar::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// A fixed launch time, so every snapshot is the same on every run (2026-11-25 03:00 UTC).
pub const LAUNCH: i64 = 1_795_575_600;

/// The demo's metrics `minutes_after_launch` into the story (one poll), with a healthy source.
pub fn demo_store(minutes_after_launch: i64) -> (Store, i64) {
    let now = LAUNCH + minutes_after_launch * 60 + 30;
    let mut store = Store::new(PriceTable::default(), vec![]);
    store.apply(demo_identity());
    let mut w = DemoWorkload::new(7, LAUNCH);
    store.apply(Update::Metrics(w.poll(now, Since::default())));
    let mut h = SourceHealth::new("demo", Some("us-east-1"));
    h.record_ok(now - 4);
    h.newest_data = Some(now - 30);
    h.calls = 12;
    store.apply(Update::Health(h));
    (store, now)
}

/// `app` drawn at `w`x`h`, as text.
pub fn render(store: &Store, app: &mut App, w: u16, h: u16, now: i64) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| app.draw(f, store, now)).unwrap();
    t.backend().to_string()
}

pub fn app() -> App {
    App::new(Keymap::default(), Theme::default())
}
