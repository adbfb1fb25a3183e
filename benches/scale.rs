//! Organisation scale: 20 source accounts × 4 regions × 30 models (2,400 model series, 26,400
//! metric series) through one monitoring account, and the polling plan's saving for 50 models.
//!
//!     cargo bench --bench scale
//!
//! CloudWatch and OAM answer through aws-smithy-mocks the way the API references say a monitoring
//! account is answered (ListMetrics pages of 500 with `OwningAccounts` parallel to `Metrics`,
//! GetMetricData ≤ 500 queries a call with each query's `AccountId`, ListAttachedLinks with the
//! links' labels), so what is measured is nightjar's side: the real pollers, plan, store and
//! Models pane. It prints a Markdown table (the README's Performance rows):
//!
//! - GetMetricData calls per refresh per region, against ⌈queries/500⌉;
//! - first frame, and first frame with data (the four regions' first loads applied);
//! - RSS holding it all; CPU per steady refresh (four polls, the store, a frame);
//! - the Models pane's frame time with 2,400 rows (80x24 and 200x60);
//! - metrics requested per hour for 50 models at a 60 s refresh: every query every refresh (as
//!   before the plan) and under the default plan (Models at 80x24, and the Overview).

// A bench may unwrap: a panic is the failure report (the crate denies `unwrap_used` elsewhere).
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use aws_sdk_cloudwatch::Client;
use aws_sdk_cloudwatch::operation::get_metric_data::GetMetricDataOutput;
use aws_sdk_cloudwatch::operation::list_metrics::ListMetricsOutput;
use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataResult, StatusCode};
use aws_sdk_oam::operation::list_attached_links::ListAttachedLinksOutput;
use aws_sdk_oam::operation::list_sinks::ListSinksOutput;
use aws_sdk_oam::types::{ListAttachedLinksItem, ListSinksItem};
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use aws_smithy_types::DateTime;
use nightjar::domain::catalog::BEDROCK_NAMESPACE;
use nightjar::domain::pricing::PriceTable;
use nightjar::domain::window::Since;
use nightjar::sources::cloudwatch::{MetricsPoller, Org};
use nightjar::sources::oam::OamReader;
use nightjar::sources::plan::{self, Planner};
use nightjar::store::{Identity, Store, Update};
use nightjar::ui::action::Action;
use nightjar::ui::app::App;
use nightjar::ui::keymap::Keymap;
use nightjar::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const MONITORING: &str = "100000000000";
const ACCOUNTS: usize = 20;
const REGIONS: [&str; 4] = ["us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1"];
const MODELS: usize = 30;
/// Minute-aligned.
const NOW: i64 = 1_800_000_000;
/// The Bedrock metrics a busy model publishes.
const METRICS: [&str; 11] = [
    "Invocations",
    "InputTokenCount",
    "OutputTokenCount",
    "InvocationClientErrors",
    "InvocationServerErrors",
    "InvocationThrottles",
    "CacheReadInputTokens",
    "CacheWriteInputTokens",
    "EstimatedTPMQuotaUsage",
    "InvocationLatency",
    "TimeToFirstToken",
];

fn account(i: usize) -> String {
    format!("2000000000{i:02}")
}

fn model(i: usize) -> String {
    format!("anthropic.scale-model-{i:02}-v1:0")
}

/// Every (account, metric) of one region: `accounts` × `models` × the 11 metrics.
fn listing(accounts: usize, models: usize) -> Vec<(String, Metric)> {
    let mut out = Vec::new();
    for a in 0..accounts {
        for m in 0..models {
            for name in METRICS {
                let metric = Metric::builder()
                    .namespace(BEDROCK_NAMESPACE)
                    .metric_name(name)
                    .dimensions(Dimension::builder().name("ModelId").value(model(m)).build())
                    .build();
                out.push((if accounts > 1 { account(a) } else { MONITORING.into() }, metric));
            }
        }
    }
    out
}

#[derive(Default)]
struct Counts {
    calls: AtomicU64,
    queries: AtomicU64,
    max_queries: AtomicU64,
}

/// A CloudWatch client answering as a monitoring account's CloudWatch would: the listing in
/// pages of 500 with OwningAccounts, and every GetMetricData query with a point per period of the
/// last five minutes (the whole-window queries one point).
fn cloudwatch(accounts: usize, models: usize, linked: bool, counts: Arc<Counts>) -> Client {
    let all = Arc::new(listing(accounts, models));
    let lm = mock!(Client::list_metrics).then_compute_output(move |r| {
        if r.namespace() != Some(BEDROCK_NAMESPACE) {
            return ListMetricsOutput::builder().build();
        }
        let from: usize = r.next_token().and_then(|t| t.parse().ok()).unwrap_or(0);
        let page = &all[from.min(all.len())..(from + 500).min(all.len())];
        let mut b = ListMetricsOutput::builder();
        for (a, m) in page {
            b = b.metrics(m.clone());
            if linked && r.include_linked_accounts() == Some(true) {
                b = b.owning_accounts(a);
            }
        }
        if from + 500 < all.len() {
            b = b.next_token((from + 500).to_string());
        }
        b.build()
    });
    let gmd = mock!(Client::get_metric_data).then_compute_output(move |r| {
        let n = r.metric_data_queries().len() as u64;
        assert!(n <= 500, "GetMetricData takes at most 500 queries");
        counts.calls.fetch_add(1, Ordering::Relaxed);
        counts.queries.fetch_add(n, Ordering::Relaxed);
        counts.max_queries.fetch_max(n, Ordering::Relaxed);
        let end = r.end_time().unwrap().secs();
        let mut b = GetMetricDataOutput::builder();
        for q in r.metric_data_queries() {
            let period = q.metric_stat().and_then(|s| s.period()).unwrap_or(60) as i64;
            let points: Vec<i64> = if period > 60 {
                vec![r.start_time().unwrap().secs()]
            } else {
                (1..=5).map(|k| end - 60 * k).collect()
            };
            b = b.metric_data_results(
                MetricDataResult::builder()
                    .id(q.id().unwrap())
                    .set_timestamps(Some(points.iter().map(|t| DateTime::from_secs(*t)).collect()))
                    .set_values(Some(points.iter().map(|t| (t % 997) as f64 + 1.0).collect()))
                    .status_code(StatusCode::Complete)
                    .build(),
            );
        }
        b.build()
    });
    mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&lm, &gmd])
}

fn oam(region: &str) -> OamReader {
    let sink = format!("arn:aws:oam:{region}:{MONITORING}:sink/org");
    let s2 = sink.clone();
    let sinks = mock!(aws_sdk_oam::Client::list_sinks).then_output(move || {
        ListSinksOutput::builder().items(ListSinksItem::builder().arn(&s2).build()).build().unwrap()
    });
    let r = region.to_string();
    let links = mock!(aws_sdk_oam::Client::list_attached_links).then_output(move || {
        let mut b = ListAttachedLinksOutput::builder();
        for a in 0..ACCOUNTS {
            b = b.items(
                ListAttachedLinksItem::builder()
                    .label(format!("team-{a:02}-prod"))
                    .link_arn(format!("arn:aws:oam:{r}:{}:link/l", account(a)))
                    .build(),
            );
        }
        b.build().unwrap()
    });
    OamReader::new(mock_client!(aws_sdk_oam, RuleMode::MatchAny, [&sinks, &links]), region, None, None)
}

fn status_kb(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

/// This process's CPU time (user + system) from /proc/self/stat, in clock ticks of 10 ms.
fn cpu_ticks() -> u64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = s.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    f.get(11).and_then(|u| u.parse::<u64>().ok()).unwrap_or(0)
        + f.get(12).and_then(|u| u.parse::<u64>().ok()).unwrap_or(0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn draw_ms(app: &mut App, store: &mut Store, w: u16, h: u16, n: usize) -> f64 {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    let mut times = Vec::new();
    for i in 0..n {
        // a store change, as the console draws after one
        store.generation += 1;
        let t0 = Instant::now();
        t.draw(|f| app.draw(f, store, NOW + i as i64)).unwrap();
        times.push(t0.elapsed().as_secs_f64() * 1000.0);
    }
    median(times)
}

/// Metrics requested over an hour of 60 s polls of 50 busy models, after the first load, by the
/// real poller: every query every poll (`plan` None) or under the default plan with `screen`.
async fn per_hour_50(plan: Option<plan::Screen>) -> u64 {
    let counts = Arc::new(Counts::default());
    let client = cloudwatch(1, 50, false, counts);
    let mut p = MetricsPoller::new(client, "us-east-1", vec![], None, None);
    if let Some(screen) = &plan {
        p = p.planned(Planner::new(60, None));
        plan::begin_frame(screen.totals, Default::default());
        plan::note_rows(screen.rows.iter().map(|(r, m)| (r.as_str(), m.as_str())));
        plan::end_frame();
    }
    let since = Since::default();
    p.poll(since, NOW).await.unwrap();
    let first = p.health.metrics_requested;
    for i in 1..=60 {
        p.poll(since, NOW + 60 * i).await.unwrap();
    }
    p.health.metrics_requested - first
}

fn main() {
    // `cargo test --all-targets` runs this too (without `--bench`): the figures are for `cargo bench`
    if !std::env::args().any(|a| a == "--bench") {
        println!("scale: a benchmark; run it with `cargo bench --bench scale`");
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let start = Instant::now();
        let mut store = Store::new(PriceTable::default(), vec![]);
        store.apply(Update::Identity(Identity {
            account: Some(MONITORING.into()),
            regions: REGIONS.iter().map(|r| r.to_string()).collect(),
            ..Default::default()
        }));
        let mut app = App::new(Keymap::default(), Theme::default());
        app.handle(Action::Pane2, &store);
        let mut term = Terminal::new(TestBackend::new(200, 60)).unwrap();
        term.draw(|f| app.draw(f, &store, NOW)).unwrap();
        let first_frame = start.elapsed();

        // four regions' pollers, each its own (mocked) clients, planned as the console plans
        let counts: Vec<Arc<Counts>> = REGIONS.iter().map(|_| Arc::new(Counts::default())).collect();
        let mut pollers: Vec<MetricsPoller> = REGIONS
            .iter()
            .zip(&counts)
            .map(|(r, c)| {
                MetricsPoller::new(cloudwatch(ACCOUNTS, MODELS, true, c.clone()), r, vec![], None, None)
                    .with_org(Org::new(Some(oam(r)), Default::default(), vec![]))
                    .planned(Planner::new(60, None))
            })
            .collect();
        let since = Since::default();
        let polls = pollers.iter_mut().map(|p| p.poll(since, NOW));
        let results = futures_join(polls).await;
        for (p, r) in pollers.iter_mut().zip(results) {
            for u in p.take_updates() {
                store.apply(u);
            }
            store.apply(Update::Metrics(r.expect("first load")));
            store.apply(Update::Health(p.health.clone()));
        }
        term.draw(|f| app.draw(f, &store, NOW)).unwrap();
        let with_data = start.elapsed();
        let rows = store.models().len();
        assert_eq!(rows, ACCOUNTS * REGIONS.len() * MODELS, "every account's models, in every region");
        let series = store.series_count();
        let queries: Vec<usize> = pollers.iter().map(|p| p.planner().unwrap().status.queries).collect();
        let first_calls: Vec<u64> = counts.iter().map(|c| c.calls.swap(0, Ordering::Relaxed)).collect();
        let rss_mb = status_kb("VmRSS:") as f64 / 1024.0;

        // steady refreshes: four polls, the store, a frame (the plan follows what it drew)
        let n = 20;
        let ticks0 = cpu_ticks();
        let t0 = Instant::now();
        let mut steady_calls = vec![0u64; REGIONS.len()];
        let mut steady_metrics = 0u64;
        for i in 1..=n {
            let now = NOW + 60 * i;
            let before: u64 = pollers.iter().map(|p| p.health.metrics_requested).sum();
            let results = futures_join(pollers.iter_mut().map(|p| p.poll(since, now))).await;
            for (k, (p, r)) in pollers.iter_mut().zip(results).enumerate() {
                for u in p.take_updates() {
                    store.apply(u);
                }
                store.apply(Update::Metrics(r.expect("a refresh")));
                steady_calls[k] += counts[k].calls.swap(0, Ordering::Relaxed);
            }
            steady_metrics += pollers.iter().map(|p| p.health.metrics_requested).sum::<u64>() - before;
            term.draw(|f| app.draw(f, &store, now)).unwrap();
        }
        let refresh_ms = t0.elapsed().as_secs_f64() * 1000.0 / n as f64;
        let cpu_ms = (cpu_ticks() - ticks0) as f64 * 10.0 / n as f64;
        let models_80 = draw_ms(&mut app, &mut store, 80, 24, 30);
        let models_200 = draw_ms(&mut app, &mut store, 200, 60, 30);

        let before = per_hour_50(None).await;
        let models_screen = plan::Screen {
            rows: (0..17).map(|i| (String::from("us-east-1"), model(i))).collect(),
            ..Default::default()
        };
        let overview_screen = plan::Screen {
            totals: true,
            rows: (0..8).map(|i| (String::from("us-east-1"), model(i))).collect(),
            ..Default::default()
        };
        let after_models = per_hour_50(Some(models_screen)).await;
        let after_overview = per_hour_50(Some(overview_screen)).await;

        let bound: Vec<String> = queries.iter().map(|q| q.div_ceil(500).to_string()).collect();
        println!("| What | Figure |");
        println!("|---|---|");
        println!(
            "| Scale: {ACCOUNTS} accounts × {} regions × {MODELS} models through one monitoring account | {rows} model rows, {series} series in the store |",
            REGIONS.len()
        );
        println!(
            "| GetMetricData calls, first load, per region | {} (⌈queries/500⌉ = {} for {} queries; at most {} queries a call) |",
            first_calls.iter().map(u64::to_string).collect::<Vec<_>>().join(", "),
            bound.join(", "),
            queries.iter().map(usize::to_string).collect::<Vec<_>>().join(", "),
            counts.iter().map(|c| c.max_queries.load(Ordering::Relaxed)).max().unwrap_or(0)
        );
        println!(
            "| GetMetricData calls per steady 60 s refresh, per region (default plan, Models pane at 200x60) | {} ({} metrics a refresh over the 4 regions) |",
            steady_calls.iter().map(|c| format!("{:.1}", *c as f64 / n as f64)).collect::<Vec<_>>().join(", "),
            steady_metrics / n as u64
        );
        println!(
            "| First frame; first frame with data (4 first loads applied) | {:.1} ms; {:.0} ms |",
            first_frame.as_secs_f64() * 1000.0,
            with_data.as_secs_f64() * 1000.0
        );
        println!("| RSS holding it | {rss_mb:.0} MB |");
        println!("| A steady refresh (4 polls, the store, a frame) | {refresh_ms:.0} ms wall, {cpu_ms:.0} ms CPU |");
        println!("| Models pane frame with {rows} rows | {models_80:.1} ms at 80x24, {models_200:.1} ms at 200x60 |");
        println!(
            "| Metrics requested per hour, 50 models at 60 s, after the first load | every query every refresh {before}; default plan {after_models} on the Models pane at 80x24 ({:.0} % less), {after_overview} on the Overview ({:.0} % less) |",
            100.0 - after_models as f64 * 100.0 / before as f64,
            100.0 - after_overview as f64 * 100.0 / before as f64
        );
    });
}

/// Await the futures one after another (the mocks answer at once: the time is nightjar's own).
async fn futures_join<F: std::future::Future>(futs: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let mut out = Vec::new();
    for f in futs {
        out.push(f.await);
    }
    out
}
