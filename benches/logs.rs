//! The Logs pane and the query runner's result handling with a full result set (10,000 rows, the
//! Logs Insights maximum): turning GetQueryResults rows into a table with the cost column,
//! filtering and sorting it, and drawing one frame at 160x48 (only the rows on screen are built).
// Measuring code: a panic is its error report (the crate denies `unwrap_used` elsewhere).
#![allow(clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use nightjar::domain::insights::{GroupClass, QueryStatus, ResultTable};
use nightjar::domain::pricing::PriceTable;
use nightjar::domain::window::Window;
use nightjar::present::format::Fmt;
use nightjar::store::logs::{LogsUpdate, QueryRun, QuerySpec};
use nightjar::store::{Store, Update};
use nightjar::ui::pane::{DrawCtx, Pane};
use nightjar::ui::panes::logs::LogsPane;
use nightjar::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const ROWS: usize = 10_000;

fn raw_rows() -> Vec<Vec<(String, String)>> {
    let models = ["us.anthropic.claude-sonnet-4-5-20250929-v1:0", "amazon.nova-pro-v1:0", "acme.unpriced"];
    (0..ROWS)
        .map(|i| {
            vec![
                ("identity.arn".into(), format!("arn:aws:sts::123456789012:assumed-role/team-{}/session-{i}", i % 40)),
                ("modelId".into(), models[i % 3].into()),
                ("inTok".into(), (1000 + i * 37).to_string()),
                ("cacheRead".into(), (i * 11).to_string()),
                ("cacheWrite".into(), "0".into()),
                ("outTok".into(), (200 + i * 7).to_string()),
                ("calls".into(), (1 + i % 50).to_string()),
                ("@ptr".into(), format!("ptr-{i}")),
            ]
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let prices = PriceTable::default();
    let raw = raw_rows();
    let mut g = c.benchmark_group("logs_10k_rows");
    g.sample_size(20);
    g.bench_function("results_to_table_with_cost", |b| {
        b.iter(|| {
            let mut t = ResultTable::from_rows(&raw);
            t.add_cost_column(&prices);
            t
        })
    });

    let mut table = ResultTable::from_rows(&raw);
    table.add_cost_column(&prices);
    let spec = QuerySpec::new(
        "tokens-by-caller",
        "stats …",
        GroupClass::Invocation,
        vec!["g".into()],
        Window { start: 0, end: 3600 },
    );
    let mut run = QueryRun::new(spec, 0);
    run.status = QueryStatus::Complete;
    run.table = table.clone();
    let mut store = Store::new(prices.clone(), vec![]);
    store.apply(Update::Logs(LogsUpdate::Query(Box::new(run))));

    let mut pane = LogsPane::default();
    g.bench_function("view_sorted_by_cost", |b| b.iter(|| pane.view(&table)));
    pane.filter = "team-7/".into();
    g.bench_function("view_filtered", |b| b.iter(|| pane.view(&table)));
    pane.filter.clear();

    let theme = Theme::default();
    let keymap = nightjar::ui::keymap::Keymap::default();
    let mut term = Terminal::new(TestBackend::new(160, 48)).unwrap();
    g.bench_function("draw_160x48", |b| {
        b.iter(|| {
            term.draw(|f| {
                let ctx = DrawCtx {
                    store: &store,
                    theme: &theme,
                    keymap: &keymap,
                    now: 3600,
                    view: store.window,
                    fmt: Fmt::default(),
                    view_state: Default::default(),
                };
                pane.draw(f, f.area(), &ctx)
            })
            .unwrap();
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
