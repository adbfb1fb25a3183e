//! A trace of 50,002 spans (a runaway agent: 12,500 loops of chat → Bedrock call and tool →
//! vector search, sent as 25,001 segment documents): what it costs to parse the documents,
//! build the tree (link, order, self times, critical path, totals), open it in the span-tree
//! view, draw one frame at 200x60, and fold, unfold and jump in it.
// Measuring code: a panic is its error report (the crate denies `unwrap_used` elsewhere).
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use nightjar::domain::pricing::PriceTable;
use nightjar::domain::trace::Trace;
use nightjar::sources::demo::traces::big_trace_documents;
use nightjar::sources::spans::xray::{parse_document, parse_trace};
use nightjar::ui::theme::Theme;
use nightjar::ui::widgets::span_tree::{self, SpanTreeView};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const ID: &str = "1-6b000000-0000000000000000000b16b1";
const LOOPS: u32 = 12_500;

fn bench(c: &mut Criterion) {
    let pricing = PriceTable::default();
    let docs = big_trace_documents(ID, 1_795_575_600.0, LOOPS);
    let bytes: usize = docs.iter().map(String::len).sum();
    let mut spans = Vec::new();
    for d in &docs {
        parse_document(d, &pricing, &mut spans).unwrap();
    }
    let trace = Arc::new(Trace::build(ID, "us-east-1", spans.clone()));
    eprintln!(
        "trace: {} spans in {} documents, {:.1} MB of JSON; {} throttled",
        trace.spans.len(),
        docs.len(),
        bytes as f64 / 1e6,
        trace.totals.throttles
    );
    let theme = Theme::default();

    let mut g = c.benchmark_group("span_tree_50k");
    g.sample_size(10);
    g.bench_function("parse_documents_and_build", |b| b.iter(|| parse_trace(ID, "us-east-1", &docs, &pricing)));
    g.bench_function("build_tree_from_spans", |b| {
        b.iter_batched(|| spans.clone(), |s| Trace::build(ID, "us-east-1", s), BatchSize::LargeInput)
    });
    g.bench_function("open_view", |b| b.iter(|| SpanTreeView::with_trace(trace.clone())));

    let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap();
    let mut opened = SpanTreeView::with_trace(trace.clone());
    g.bench_function("render_200x60_opened", |b| {
        b.iter(|| {
            term.draw(|f| span_tree::draw(f, f.area(), &mut opened, &theme)).unwrap();
        })
    });
    let mut all = SpanTreeView::with_trace(trace.clone());
    all.expand_all();
    // row 30,002: a chat span (root, run, then chat/call/tool/search per loop), so it folds
    all.top();
    all.move_by(30_002);
    assert!(all.selected().unwrap().name.starts_with("chat "));
    g.bench_function("render_200x60_all_50k_rows_visible", |b| {
        b.iter(|| {
            term.draw(|f| span_tree::draw(f, f.area(), &mut all, &theme)).unwrap();
        })
    });
    g.bench_function("collapse_and_expand_one_node_mid_50k_rows", |b| {
        b.iter(|| {
            all.toggle();
            all.toggle();
        })
    });
    assert_eq!(all.visible_len(), 50_002);
    g.bench_function("expand_all", |b| {
        b.iter_batched(|| SpanTreeView::with_trace(trace.clone()), |mut v| v.expand_all(), BatchSize::LargeInput)
    });
    g.bench_function("next_failure", |b| b.iter(|| all.next_failure(true)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
