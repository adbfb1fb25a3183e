//! Regenerate `screenshots/`: every pane of the demo, drawn by the real renderer at a fixed
//! moment of the scripted incident, written as SVG (and PNG when `rsvg-convert` is installed).
//!
//!     cargo run --example screenshots            # or scripts/screenshots.sh

use std::path::PathBuf;

use nightjar::domain::pricing::PriceTable;
use nightjar::domain::rules::RuleSet;
use nightjar::domain::window::Since;
use nightjar::sources::demo::DemoWorkload;
use nightjar::store::traces::TracesUpdate;
use nightjar::store::{SourceHealth, Store, Update};
use nightjar::ui::action::Action;
use nightjar::ui::app::App;
use nightjar::ui::keymap::Keymap;
use nightjar::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// 2026-11-25 03:00 UTC; the shots are taken six minutes into the incident.
const LAUNCH: i64 = 1_795_575_600;

fn main() {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "screenshots".into()));
    std::fs::create_dir_all(&dir).expect("create the screenshots directory");
    let mut store = Store::new(PriceTable::default(), vec![]);
    store.rules.rules = RuleSet::builtin();
    store.apply(nightjar::engine::demo_identity());
    let mut w = DemoWorkload::new(7, LAUNCH);
    // poll like the console does, so rules and triage have their history
    let now = LAUNCH + 6 * 60 + 30;
    let mut t = LAUNCH - 120;
    while t <= now {
        store.apply(Update::Metrics(w.poll(t, Since::default())));
        t += 15;
    }
    let mut h = SourceHealth::new("demo", Some("us-east-1"));
    h.record_ok(now - 3);
    h.newest_data = Some(now - 30);
    store.apply(Update::Health(h));
    // the traces the Traces pane would list and fetch, as `--once --demo` gets them
    let cli = <nightjar::cli::Cli as clap::Parser>::parse_from(["nightjar", "--demo"]);
    let cfg = nightjar::config::Config::resolve(&cli).expect("default config");
    let mut traces = nightjar::sources::demo::traces::DemoTraces::new(7, LAUNCH);
    let list = traces.list(&nightjar::engine::initial_traces_query(&cfg), now).expect("demo traces");
    let ids: Vec<String> = list.summaries.iter().map(|s| s.id.clone()).collect();
    store.apply(Update::Traces(TracesUpdate::Listed(list)));
    // the cache keeps the newest fetches: fetch the top of the list last
    for chunk in ids.iter().take(40).cloned().collect::<Vec<_>>().rchunks(5) {
        let (fetched, unprocessed) = traces.fetch(chunk);
        store.apply(Update::Traces(TracesUpdate::Fetched { traces: fetched, unprocessed }));
    }
    // the tokens-by-caller preset, answered by the demo's invocation records
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let preset = cfg.presets.get("tokens-by-caller").expect("preset").clone();
    let run = rt.block_on(async {
        let mut r = nightjar::engine::demo_logs_runner(&cfg, LAUNCH);
        r.init().await;
        let spec = nightjar::store::logs::QuerySpec::new(
            &preset.name,
            &preset.query,
            preset.groups,
            Vec::new(),
            Since::default().window_ending(now),
        );
        nightjar::sources::logs::run_to_end(&mut r, spec, std::time::Duration::from_secs(30)).await
    });
    store.apply(Update::Logs(nightjar::store::logs::LogsUpdate::Query(Box::new(run))));
    let mut xh = SourceHealth::new("xray", Some("us-east-1"));
    xh.record_ok(now - 3);
    store.apply(Update::Health(xh));

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
    let (cols, rows) = (120, 36);
    for (name, keys) in shots {
        let mut app = App::new(Keymap::default(), Theme::default());
        for k in keys {
            app.handle(k, &store);
        }
        let mut term = Terminal::new(TestBackend::new(cols, rows)).expect("test backend");
        term.draw(|f| app.draw(f, &store, now)).expect("draw");
        let svg = nightjar::ui::svg::render(term.backend().buffer());
        let path = dir.join(format!("{name}.svg"));
        std::fs::write(&path, svg).expect("write svg");
        println!("{}", path.display());
    }
}
