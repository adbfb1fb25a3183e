//! The console's own costs: one frame of every pane at 200x60 on the demo's incident (drawn after
//! a store change, as the UI loop draws), and how fast the store takes metric data in (the first
//! poll of a 24-hour window for 50 models × 12 metrics, and a steady incremental poll).
//! `cargo run --release --example bench_report` prints the same figures and the rest (launch,
//! RSS, bytes per refresh, GetMetricData volume) as one table.
// Measuring code: a panic is its error report (the crate denies `unwrap_used` elsewhere).
#![allow(clippy::unwrap_used)]

#[path = "common/mod.rs"]
mod common;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use nightjar::domain::pricing::PriceTable;
use nightjar::domain::window::{Since, Window};
use nightjar::store::{Store, Update};
use nightjar::ui::app::App;
use nightjar::ui::keymap::Keymap;
use nightjar::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use common::{NOW, PANES, demo_health, demo_store, keys, metrics_update};

fn frames(c: &mut Criterion) {
    let (mut store, _) = demo_store();
    let mut g = c.benchmark_group("frame_200x60");
    for (name, keys) in PANES {
        let mut app = App::new(Keymap::default(), Theme::default());
        for k in *keys {
            app.handle(*k, &store);
        }
        let mut t = Terminal::new(TestBackend::new(200, 60)).unwrap();
        g.bench_function(*name, |b| {
            b.iter(|| {
                store.apply(demo_health(NOW));
                t.draw(|f| app.draw(f, &store, NOW)).unwrap().area
            })
        });
    }
    g.finish();
}

fn ingest(c: &mut Criterion) {
    let keys = keys();
    let end = 1_795_575_600;
    let day = Window { start: end - 86400, end };
    let mut g = c.benchmark_group("store_ingest");
    g.sample_size(10);
    let points = keys.len() as u64 * 1440;
    g.throughput(Throughput::Elements(points));
    g.bench_function("first_poll_24h_50x12", |b| {
        b.iter_batched(
            || metrics_update(&keys, day, day.start),
            |u| {
                let mut s = Store::new(PriceTable::default(), vec![]);
                s.apply(Update::Metrics(u));
                s
            },
            BatchSize::LargeInput,
        )
    });
    // a warmed 1-hour store taking the next minute's poll (the last five periods re-read)
    let mut warm = Store::new(PriceTable::default(), vec![]);
    let w0 = Since::default().window_ending(end);
    warm.apply(Update::Metrics(metrics_update(&keys, w0, w0.start)));
    let w1 = Window { start: w0.start + 60, end: w0.end + 60 };
    g.throughput(Throughput::Elements(keys.len() as u64 * 6));
    g.bench_function("incremental_poll_1h_50x12", |b| {
        b.iter_batched(
            || (warm.clone(), metrics_update(&keys, w1, w1.end - 6 * 60)),
            |(mut s, u)| {
                s.apply(Update::Metrics(u));
                s
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

/// What the 16-colour rewrite costs: one whole Overview frame at 200x60 as crossterm writes it
/// (every cell, as after a resize), rewritten to basic colour codes.
fn wire(c: &mut Criterion) {
    use ratatui::backend::CrosstermBackend;
    use ratatui::layout::Rect;
    use ratatui::{TerminalOptions, Viewport};
    let (store, _) = demo_store();
    let mut app = App::new(Keymap::default(), Theme::default());
    // a writer the bench keeps a handle on (the backend owns the one it is given)
    #[derive(Clone, Default)]
    struct Tap(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);
    impl std::io::Write for Tap {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let tap = Tap::default();
    let opts = TerminalOptions { viewport: Viewport::Fixed(Rect::new(0, 0, 200, 60)) };
    let mut t = Terminal::with_options(CrosstermBackend::new(tap.clone()), opts).expect("a terminal over the tap");
    t.draw(|f| app.draw(f, &store, NOW)).expect("the frame draws");
    let bytes = tap.0.borrow().clone();
    let mut g = c.benchmark_group("wire_200x60");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("sgr16_rewrite_full_frame", |b| b.iter(|| nightjar::ui::sgr::rewrite(&bytes, true).len()));
    g.finish();
}

criterion_group!(benches, frames, ingest, wire);
criterion_main!(benches);
