//! Print the performance figures of the README's "Performance" section as a Markdown table.
//!
//!     cargo build --release && cargo run --release --example bench_report
//!
//! - launch to first frame: the release binary started with `--demo` in a private tmux server,
//!   seven times; the figure is the binary's own `frame drawn … since_start_ms` log line (from
//!   the first line of `main`), and the wall clock from spawning tmux to that line being written;
//! - frame render time of every pane at 200x60 on the demo's incident (TestBackend, each frame
//!   drawn after a store change, as the UI loop draws), and the 50,002-span trace;
//! - store ingest rate, and the RSS of a process holding 24 h × 50 models × 12 metrics at
//!   1-minute resolution (measured in a child process, from /proc/self/status);
//! - bytes written to the terminal (crossterm over a counting writer) per refresh, per tick, and
//!   over an hour on the Overview;
//! - GetMetricData metrics and datapoints requested per hour by the real poller (against
//!   aws-smithy-mocks, 50 models × the 11 Bedrock metrics) and by a naive full-window poll.
//!
//! Timings are medians; the machine matters (the README names it).
// A developer tool: a panic is its error report (the crate denies `unwrap_used` elsewhere).
#![allow(clippy::unwrap_used)]

#[path = "../benches/common/mod.rs"]
mod common;

use std::cell::Cell;
use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_cloudwatch::Client;
use aws_sdk_cloudwatch::operation::get_metric_data::GetMetricDataOutput;
use aws_sdk_cloudwatch::operation::list_metrics::ListMetricsOutput;
use aws_sdk_cloudwatch::types::{Dimension, Metric};
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use nightjar::domain::catalog::BedrockMetric;
use nightjar::domain::pricing::PriceTable;
use nightjar::domain::window::{Since, Window};
use nightjar::sources::cloudwatch::MetricsPoller;
use nightjar::sources::demo::traces::big_trace_documents;
use nightjar::sources::spans::xray::parse_trace;
use nightjar::store::{Store, Update};
use nightjar::ui::app::App;
use nightjar::ui::keymap::Keymap;
use nightjar::ui::theme::Theme;
use nightjar::ui::widgets::span_tree::{self, SpanTreeView};
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

use common::{LAUNCH, NOW, PANES, demo_health, demo_store, keys, metrics_update};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn row(what: &str, figure: String) {
    println!("| {what} | {figure} |");
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("rss-child") {
        rss_child();
        return;
    }
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    println!("Machine: {cores} cores, {cpu}\n");
    println!("| What | Figure |");
    println!("|---|---|");
    launch();
    frames();
    span_tree_50k();
    ingest();
    rss();
    bytes();
    get_metric_data();
}

// ---------------------------------------------------------------------------------------------

fn release_binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    // target/release/examples/bench_report → target/release/nightjar
    let bin = exe.parent()?.parent()?.join("nightjar");
    bin.exists().then_some(bin)
}

/// `key=value` from a log line.
fn field(line: &str, key: &str) -> Option<f64> {
    line.split_whitespace().find_map(|w| w.strip_prefix(key)?.strip_prefix('=')?.parse().ok())
}

fn launch() {
    let Some(bin) = release_binary() else {
        row("Launch to first frame", "skipped: build the binary first (`cargo build --release`)".into());
        return;
    };
    let dir = std::env::temp_dir().join(format!("nightjar-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let socket = format!("nightjar-bench-{}", std::process::id());
    let (mut first, mut with_data, mut wall) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..7 {
        let log = dir.join(format!("run{i}.log"));
        let cmd = format!(
            "env NIGHTJAR_LOG=info NIGHTJAR_LOG_FILE={} XDG_CONFIG_HOME={} {} --demo",
            log.display(),
            dir.display(),
            bin.display()
        );
        let t0 = Instant::now();
        let ok = Command::new("tmux")
            .args(["-L", &socket, "-f", "/dev/null", "new-session", "-d", "-x", "200", "-y", "60", &cmd])
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            row("Launch to first frame", "skipped: tmux is not available".into());
            return;
        }
        let deadline = t0 + Duration::from_secs(20);
        let mut seen_first = false;
        while Instant::now() < deadline {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            let lines: Vec<&str> = text.lines().filter(|l| l.contains("frame drawn")).collect();
            if !seen_first && let Some(l) = lines.first() {
                seen_first = true;
                wall.push(ms(t0.elapsed()));
                first.extend(field(l, "since_start_ms"));
            }
            if let Some(l) = lines.iter().find(|l| l.contains("with_data=true")) {
                with_data.extend(field(l, "since_start_ms"));
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        let _ = Command::new("tmux").args(["-L", &socket, "kill-server"]).status();
        std::thread::sleep(Duration::from_millis(200));
    }
    let _ = std::fs::remove_dir_all(&dir);
    if first.is_empty() {
        row("Launch to first frame", "no `frame drawn` line was logged".into());
        return;
    }
    row(
        "Launch to first frame (`--demo`, 200x60, median of 7)",
        format!(
            "{:.1} ms in-process; {:.1} ms to the first frame with data; {:.0} ms wall clock from spawning tmux",
            median(first),
            if with_data.is_empty() { f64::NAN } else { median(with_data) },
            median(wall)
        ),
    );
}

fn frames() {
    let (mut store, _) = demo_store();
    let mut cells = Vec::new();
    for (name, keys) in PANES {
        let mut app = App::new(Keymap::default(), Theme::default());
        for k in *keys {
            app.handle(*k, &store);
        }
        let mut t = Terminal::new(TestBackend::new(200, 60)).unwrap();
        let mut times = Vec::new();
        for i in 0..60 {
            store.apply(demo_health(NOW));
            let t0 = Instant::now();
            t.draw(|f| app.draw(f, &store, NOW)).unwrap();
            if i >= 10 {
                times.push(ms(t0.elapsed()));
            }
        }
        cells.push(format!("{name} {:.2}", median(times)));
    }
    row("Frame render time per pane at 200x60, ms (median of 50)", cells.join(", "));
}

fn span_tree_50k() {
    let id = "1-6b000000-0000000000000000000b16b1";
    let docs = big_trace_documents(id, LAUNCH as f64, 12_500);
    let pricing = PriceTable::default();
    let mut parse = Vec::new();
    let mut trace = None;
    for _ in 0..5 {
        let t0 = Instant::now();
        let t = parse_trace(id, "us-east-1", &docs, &pricing);
        parse.push(ms(t0.elapsed()));
        trace = Some(t);
    }
    let trace = Arc::new(trace.unwrap());
    let t0 = Instant::now();
    let mut view = SpanTreeView::with_trace(trace.clone());
    let open = ms(t0.elapsed());
    view.expand_all();
    let theme = Theme::default();
    let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap();
    let mut draw = Vec::new();
    for _ in 0..30 {
        let t0 = Instant::now();
        term.draw(|f| span_tree::draw(f, f.area(), &mut view, &theme)).unwrap();
        draw.push(ms(t0.elapsed()));
    }
    row(
        &format!("The {}-span trace ({} documents)", trace.spans.len(), docs.len()),
        format!(
            "parse and build {:.0} ms; open {:.1} ms; one frame at 200x60 with every row expanded {:.2} ms",
            median(parse),
            open,
            median(draw)
        ),
    );
}

fn ingest() {
    let keys = keys();
    let end = LAUNCH;
    let day = Window { start: end - 86400, end };
    let mut full = Vec::new();
    for _ in 0..5 {
        let u = metrics_update(&keys, day, day.start);
        let points: usize = u.series.iter().map(|(_, p)| p.len()).sum();
        let mut s = Store::new(PriceTable::default(), vec![]);
        let t0 = Instant::now();
        s.apply(Update::Metrics(u));
        full.push(points as f64 / t0.elapsed().as_secs_f64());
    }
    let mut warm = Store::new(PriceTable::default(), vec![]);
    let w0 = Since::default().window_ending(end);
    warm.apply(Update::Metrics(metrics_update(&keys, w0, w0.start)));
    let mut inc = Vec::new();
    let mut per_poll = Vec::new();
    for i in 1..=120 {
        let w = Window { start: w0.start + 60 * i, end: w0.end + 60 * i };
        let u = metrics_update(&keys, w, w.end - 6 * 60);
        let points: usize = u.series.iter().map(|(_, p)| p.len()).sum();
        let t0 = Instant::now();
        warm.apply(Update::Metrics(u));
        let e = t0.elapsed();
        inc.push(points as f64 / e.as_secs_f64());
        per_poll.push(ms(e));
    }
    row(
        "Store ingest rate (50 models × 12 metrics)",
        format!(
            "first 24-hour poll: {:.1} M points/s; steady 1-minute polls (6 periods re-read): {:.1} M points/s, {:.2} ms a poll",
            median(full) / 1e6,
            median(inc) / 1e6,
            median(per_poll)
        ),
    );
}

fn status_kb(key: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// In a fresh process: the RSS of a store holding a day of minutes for 50 models × 12 metrics,
/// filled by a first 24-hour poll and then an hour of 1-minute polls.
fn rss_child() {
    let keys = keys();
    let before = status_kb("VmRSS:");
    let mut store = Store::new(PriceTable::default(), vec![]);
    let w0 = Since::from_secs(86400).window_ending(LAUNCH);
    store.apply(Update::Metrics(metrics_update(&keys, w0, w0.start)));
    for i in 1..=60 {
        let w = Window { start: w0.start + 60 * i, end: w0.end + 60 * i };
        store.apply(Update::Metrics(metrics_update(&keys, w, w.end - 6 * 60)));
    }
    let after = status_kb("VmRSS:");
    let peak = status_kb("VmHWM:");
    println!("{before} {after} {peak} {} {}", store.series_count(), store.point_count());
}

fn rss() {
    let exe = std::env::current_exe().unwrap();
    let out = Command::new(exe).arg("rss-child").output().expect("run the RSS child");
    let text = String::from_utf8_lossy(&out.stdout);
    let v: Vec<u64> = text.split_whitespace().filter_map(|x| x.parse().ok()).collect();
    let [before, after, peak, series, points] = v[..] else {
        row("RSS", format!("the child printed {text:?}"));
        return;
    };
    row(
        "RSS holding 24 h × 50 models × 12 metrics at 1-minute resolution",
        format!(
            "{:.1} MB ({series} series, {points} points: {:.0} bytes a point; process {:.1} MB before, {:.1} MB after, peak {:.1} MB)",
            (after - before) as f64 / 1024.0,
            (after - before) as f64 * 1024.0 / points as f64,
            before as f64 / 1024.0,
            after as f64 / 1024.0,
            peak as f64 / 1024.0
        ),
    );
}

#[derive(Clone)]
struct Counter(Rc<Cell<usize>>);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.set(self.0.get() + buf.len());
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn bytes() {
    for (w, h) in [(80u16, 24u16), (200, 60)] {
        let (mut store, mut workload) = demo_store();
        let n = Rc::new(Cell::new(0));
        let backend = CrosstermBackend::new(Counter(n.clone()));
        let mut term =
            Terminal::with_options(backend, TerminalOptions { viewport: Viewport::Fixed(Rect::new(0, 0, w, h)) })
                .unwrap();
        let mut app = App::new(Keymap::default(), Theme::default());
        let mut frame = |store: &Store, now: i64| {
            let before = n.get();
            term.draw(|f| app.draw(f, store, now)).unwrap();
            n.get() - before
        };
        let first = frame(&store, NOW);
        let tick = frame(&store, NOW + 1);
        store.apply(Update::Metrics(workload.poll(NOW + 60, Since::default())));
        store.apply(demo_health(NOW + 60));
        let refresh = frame(&store, NOW + 60);
        // an hour: a frame a second (the "ago" labels), a poll a minute
        let mut hour = 0;
        for s in 61..=3660 {
            let now = NOW + s;
            if s % 60 == 0 {
                store.apply(Update::Metrics(workload.poll(now, Since::default())));
                store.apply(demo_health(now));
            }
            hour += frame(&store, now);
        }
        row(
            &format!("Bytes to the terminal, Overview {w}x{h}"),
            format!(
                "first frame {first} B; a 1 s tick {tick} B; a 60 s refresh {refresh} B; an hour of both {:.0} kB ({:.0} B/s)",
                hour as f64 / 1000.0,
                hour as f64 / 3600.0
            ),
        );
    }
}

fn get_metric_data() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    for window in [3600i64, 86400] {
        let (inc, naive, per_poll) =
            rt.block_on(async { (gmd_hour(window, false).await, gmd_hour(window, true).await, gmd_plan()) });
        let label = if window == 3600 { "1 h" } else { "24 h" };
        row(
            &format!("GetMetricData per hour, {label} window, 50 models, 1-minute polls"),
            format!(
                "{} metrics ({} a poll: {}), {} datapoints requested; a naive full-window poll: {} metrics, {} datapoints ({:.0}× more)",
                inc.0,
                inc.0 / 60,
                per_poll,
                inc.1,
                naive.0,
                naive.1,
                naive.1 as f64 / inc.1 as f64
            ),
        );
    }
}

fn gmd_plan() -> String {
    let series: usize = BedrockMetric::ALL.iter().map(|m| m.series_stats().len()).sum();
    let window: usize = BedrockMetric::ALL.iter().map(|m| m.window_stats().len()).sum();
    format!("{series} per-minute + {window} whole-window per model")
}

/// Metrics and datapoints the poller requests in the hour after its first poll.
async fn gmd_hour(window: i64, naive: bool) -> (u64, u64) {
    let lm = mock!(Client::list_metrics).match_requests(|r| r.namespace() == Some("AWS/Bedrock")).then_output(|| {
        let mut b = ListMetricsOutput::builder();
        for m in 0..common::MODELS {
            for metric in BedrockMetric::ALL {
                b = b.metrics(
                    Metric::builder()
                        .namespace("AWS/Bedrock")
                        .metric_name(metric.canonical_name())
                        .dimensions(
                            Dimension::builder().name("ModelId").value(format!("vendor.model-{m:02}-v1:0")).build(),
                        )
                        .build(),
                );
            }
        }
        b.build()
    });
    let other = mock!(Client::list_metrics).then_output(|| ListMetricsOutput::builder().build());
    let datapoints = Arc::new(AtomicU64::new(0));
    let dp = datapoints.clone();
    let gmd = mock!(Client::get_metric_data).then_compute_output(move |r| {
        let span = r.end_time().unwrap().secs() - r.start_time().unwrap().secs();
        for q in r.metric_data_queries() {
            let period = q.metric_stat().and_then(|s| s.period()).unwrap_or(60) as i64;
            dp.fetch_add(((span + period - 1) / period) as u64, Ordering::Relaxed);
        }
        GetMetricDataOutput::builder().build()
    });
    let client = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&lm, &other, &gmd]);
    let mut p = MetricsPoller::new(client, "us-east-1", vec![], None, None);
    let since = Since::from_secs(window);
    let start = LAUNCH + 30;
    p.poll(since, start).await.expect("first poll");
    let (m0, d0) = (p.health.metrics_requested, datapoints.load(Ordering::Relaxed));
    for i in 1..=60 {
        if naive {
            p.reset();
        }
        p.poll(since, start + 60 * i).await.expect("poll");
    }
    (p.health.metrics_requested - m0, datapoints.load(Ordering::Relaxed) - d0)
}
