//! What the Pipeline and Platform panes cost per frame: building their panels from the store
//! (every series classified, rolled up, headlines computed) and drawing the board, over the
//! demo's hour and day.
// Measuring code: a panic is its error report (the crate denies `unwrap_used` elsewhere).
#![allow(clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use nightjar::domain::pricing::PriceTable;
use nightjar::domain::window::Since;
use nightjar::engine::demo_identity;
use nightjar::present::panels::PanelId;
use nightjar::sources::demo::DemoWorkload;
use nightjar::store::{SourceHealth, Store, Update};
use nightjar::ui::action::Action;
use nightjar::ui::app::App;
use nightjar::ui::keymap::Keymap;
use nightjar::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const LAUNCH: i64 = 1_795_575_600;

fn demo_store(window: &str) -> (Store, i64) {
    let now = LAUNCH + 5 * 60 + 30;
    let mut store = Store::new(PriceTable::default(), vec![]);
    store.apply(demo_identity());
    let mut w = DemoWorkload::new(7, LAUNCH);
    store.apply(Update::Metrics(w.poll(now, window.parse::<Since>().unwrap())));
    let mut h = SourceHealth::new("demo", Some("us-east-1"));
    h.record_ok(now);
    store.apply(Update::Health(h));
    (store, now)
}

fn bench(c: &mut Criterion) {
    for window in ["1h", "24h"] {
        let (store, now) = demo_store(window);
        eprintln!("{window}: {} series, {} points", store.series_count(), store.point_count());
        c.bench_function(&format!("pipeline_panels_{window}"), |b| b.iter(|| store.panels(&PanelId::PIPELINE)));
        c.bench_function(&format!("platform_panels_{window}"), |b| b.iter(|| store.panels(&PanelId::PLATFORM)));
        for (w, h) in [(80u16, 24u16), (200, 60)] {
            let mut app = App::new(Keymap::default(), Theme::default());
            app.handle(Action::Pane3, &store);
            let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
            c.bench_function(&format!("pipeline_draw_{w}x{h}_{window}"), |b| {
                b.iter(|| t.draw(|f| app.draw(f, &store, now)).unwrap().area)
            });
        }
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
