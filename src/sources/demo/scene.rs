//! The console's store as it is a few minutes into the demo's incident, built without a
//! terminal or a clock: metrics polled every 15 s since two minutes before launch (so rules and
//! "what changed" have their history), the trace list with its newest traces fetched, and the
//! `tokens-by-caller` query and one run of the runaway watch finished. The screenshots and the replay tests draw from it.

use crate::config::Config;
use crate::domain::window::Since;
use crate::store::logs::{LogsUpdate, QuerySpec};
use crate::store::traces::TracesUpdate;
use crate::store::{SourceHealth, Store, Update};

use super::{DEMO_REGION, DemoWorkload};

/// How many of the newest listed traces are fetched whole.
pub const FETCHED: usize = 40;

/// The store at `now` of a demo launched at `launch` with `seed`, as the console would have it.
pub async fn incident_store(seed: u64, launch: i64, now: i64) -> Store {
    let cli = <crate::cli::Cli as clap::Parser>::parse_from(["nightjar", "--demo"]);
    let cfg = Config::resolve(&cli).expect("the default configuration resolves");
    let mut store = Store::new(crate::domain::pricing::PriceTable::default(), vec![]);
    store.rules.rules = crate::domain::rules::RuleSet::builtin();
    // the demo account's quotas, as the console configures them for the demo
    store.quotas.extend(super::quotas());
    store.apply(crate::engine::demo_identity());
    let mut w = DemoWorkload::new(seed, launch);
    let mut t = launch - 120;
    while t <= now {
        store.apply(Update::Metrics(w.poll(t, Since::default())));
        t += 15;
    }
    store.apply(Update::InferenceProfiles(super::week::profiles()));
    store.apply(Update::QuotaUsage(super::week::week(seed, now)));
    let mut h = SourceHealth::new("demo", Some(DEMO_REGION));
    h.record_ok(now - 3);
    h.newest_data = Some(now - 30);
    store.apply(Update::Health(h));
    let mut traces = super::traces::DemoTraces::new(seed, launch);
    let list = traces.list(&crate::engine::initial_traces_query(&cfg), now).expect("the demo lists traces");
    let ids: Vec<String> = list.summaries.iter().map(|s| s.id.clone()).collect();
    store.apply(Update::Traces(TracesUpdate::Listed(list)));
    // the cache keeps the newest fetches: fetch the top of the list last
    for chunk in ids.iter().take(FETCHED).cloned().collect::<Vec<_>>().rchunks(5) {
        let (fetched, unprocessed) = traces.fetch(chunk);
        store.apply(Update::Traces(TracesUpdate::Fetched { traces: fetched, unprocessed }));
    }
    let preset = cfg.presets.get("tokens-by-caller").expect("a built-in preset").clone();
    let mut r = crate::engine::demo_logs_runner(&cfg, launch);
    r.init().await;
    let spec =
        QuerySpec::new(&preset.name, &preset.query, preset.groups, Vec::new(), Since::default().window_ending(now));
    let mut run = crate::sources::logs::run_to_end(&mut r, spec, std::time::Duration::from_secs(30)).await;
    // the runner stamps runs with the wall clock: show a two-second query, whatever this machine
    // took (the end stays as stamped, so the other queries' clock keeps it)
    if let Some(end) = run.ended_at {
        (run.submitted_at, run.started_at) = (end - 2, Some(end - 2));
    }
    store.apply(Update::Logs(LogsUpdate::Query(Box::new(run))));
    // one run of the runaway watch (callers and sessions per minute)
    let (updates, _) = crate::sources::runaway::run_once(&mut r, &cfg.presets, now, None).await;
    for u in updates {
        store.apply(u);
    }
    // the runner stamps runs with the wall clock: show the watch as checked at the scene's `now`
    for k in [&mut store.runaway.callers, &mut store.runaway.sessions] {
        k.last_ok = k.last_ok.map(|_| now - 10);
    }
    let mut xh = SourceHealth::new("xray", Some(DEMO_REGION));
    xh.record_ok(now - 3);
    store.apply(Update::Health(xh));
    store
}
