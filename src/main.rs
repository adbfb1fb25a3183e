use std::process::ExitCode;

use clap::Parser;
use color_eyre::Section;
use color_eyre::eyre::Report;

use nightjar::cli::{Cli, Commands, ConfigCommand, Format};
use nightjar::config::Config;
use nightjar::{engine, report, ui};

fn main() -> ExitCode {
    nightjar::logging::mark_start();
    let cli = Cli::parse();
    let log = nightjar::logging::init();
    install_reports(log.as_ref().ok().and_then(|p| p.as_deref()));
    if let Err(e) = log {
        return fail(Report::msg(e).wrap_err("cannot start the log (NIGHTJAR_LOG)"), 2);
    }
    match &cli.command {
        Some(Commands::Config(c)) => return config_command(&cli, c),
        Some(Commands::Completions { shell }) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(*shell, &mut cmd, "nightjar", &mut std::io::stdout());
            return ExitCode::SUCCESS;
        }
        Some(Commands::Man) => {
            let cmd = <Cli as clap::CommandFactory>::command();
            let mut out = Vec::new();
            if let Err(e) = clap_mangen::Man::new(cmd).render(&mut out) {
                return fail(Report::new(e).wrap_err("cannot render the manual page"), 1);
            }
            let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), &out);
            return ExitCode::SUCCESS;
        }
        _ => {}
    }
    let cfg = match Config::resolve(&cli) {
        Ok(c) => c,
        Err(e) => return fail(Report::msg(e).wrap_err("cannot load the configuration").suggestion(CONFIG_HELP), 2),
    };
    let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return fail(Report::new(e).wrap_err("cannot start the runtime"), 1),
    };
    if let Some(Commands::Open { file }) = &cli.command {
        return rt.block_on(open(&cfg, file));
    }
    if let Some(q) = &cfg.query {
        return rt.block_on(query_once(&cfg, q, cli.format));
    }
    if cli.once {
        return rt.block_on(once(&cfg, cli.format, cli.save.as_deref()));
    }
    rt.block_on(async {
        let mut cfg = cfg.clone();
        let mut app = ui::app::App::new(cfg.keymap.clone(), cfg.theme.clone());
        app.bell = cfg.bell;
        app.mouse = cfg.mouse;
        if cfg.low_bandwidth {
            app.tick = std::time::Duration::from_secs(10);
        }
        app.fmt.ascii = cfg.theme.ascii_charts;
        loop {
            let (updates, sources) = match engine::start(&cfg).await {
                Ok(s) => s,
                Err(e) => return fail(Report::msg(e).wrap_err("cannot start the console"), 2),
            };
            let stopper = sources.clone();
            let result =
                ui::catch_panic(ui::run(engine::new_store(&cfg), updates, sources, app, report::markdown::render))
                    .await;
            // whatever ended the loop (q, SIGTERM, SIGHUP, :profile, an error): stop every Logs
            // Insights query this console started before the sources go
            if !stopper.shutdown(std::time::Duration::from_secs(5)).await {
                eprintln!("nightjar: could not confirm that every Logs Insights query was stopped");
            }
            // a panic in the UI: the terminal is restored and the queries stopped; carry on panicking
            let result = result.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            match result {
                Ok(ui::Exit::Quit) => return ui::exit_code(),
                Ok(ui::Exit::Restart { app: a, profiles, regions }) => {
                    let mut profiles = profiles.into_iter();
                    cfg.profile = profiles.next();
                    cfg.more_profiles = profiles.collect();
                    cfg.regions = regions;
                    cfg.demo = cfg.demo && cfg.profile.is_none();
                    app = *a;
                }
                Err(e) => return fail(Report::new(e).wrap_err("terminal error"), 1),
            }
        }
    })
}

/// `--query NAME`: run one Logs Insights query over the window and print its rows.
async fn query_once(cfg: &Config, name: &str, format: Format) -> ExitCode {
    let (run, health) = match engine::run_query_once(cfg, name).await {
        Ok(x) => x,
        Err(e) => {
            let code = if e == engine::QueryOnceError::Interrupted { 130 } else { 2 };
            return fail(Report::new(e).wrap_err(format!("--query {name}")), code);
        }
    };
    if let Some(e) = health.last_error.as_ref().filter(|_| health.is_stale()) {
        eprintln!("nightjar: {}: {}", health.label(), e.one_line());
    }
    if let Some(e) = &run.error {
        eprintln!("nightjar: query {name}: {}", e.one_line());
    }
    let out = match format {
        Format::Json => {
            nightjar::sanitize::json_inert(
                &serde_json::to_string_pretty(&report::query::json(&run)).unwrap_or_default(),
            ) + "\n"
        }
        // rows are AWS text: nothing in them may drive the terminal
        _ => nightjar::sanitize::multi_line(&report::query::text(&run, 80)),
    };
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), out.as_bytes());
    if run.status == nightjar::domain::insights::QueryStatus::Complete { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

async fn once(cfg: &Config, format: Format, save: Option<&std::path::Path>) -> ExitCode {
    let store = match engine::poll_once(cfg).await {
        Ok(s) => s,
        Err(e) => return fail(Report::msg(e).wrap_err("--once: cannot poll"), 2),
    };
    let now = chrono::Utc::now().timestamp();
    for h in store.health() {
        if let Some(e) = h.last_error.as_ref().filter(|_| h.is_stale()) {
            eprintln!("nightjar: {}: {}", h.label(), e.one_line());
        } else if let Some(p) = &h.partial {
            eprintln!("nightjar: {}: partial, {}", h.label(), p.summary());
        } else if let Some(n) = &h.note {
            // an optional source off by design (Service Quotas denied): said calmly, not a failure
            eprintln!("nightjar: {}: {}", h.label(), nightjar::sanitize::one_line(n));
        }
    }
    // quotas, prices, profiles and the week of quota use alone are no report: something the
    // console watches must have been read
    if !store
        .health()
        .any(|h| !["sts", "quotas", "usage", "prices", "profiles"].contains(&h.name.as_str()) && h.last_ok.is_some())
    {
        eprintln!("nightjar: no source could be read; nothing to report");
        return ExitCode::from(1);
    }
    if let Some(path) = save {
        if let Err(e) = store.snapshot(now).save(path) {
            return fail(Report::msg(e).wrap_err("--once --save: cannot save the snapshot"), 1);
        }
        eprintln!("nightjar: saved a snapshot to {} (reopen with `nightjar open {}`)", path.display(), path.display());
    }
    let out = match format {
        Format::Json => {
            nightjar::sanitize::json_inert(
                &serde_json::to_string_pretty(&report::json(&store, now)).unwrap_or_default(),
            ) + "\n"
        }
        // names, reasons and ids in the reports are AWS text: nothing in them may drive the terminal
        Format::Text => nightjar::sanitize::multi_line(&report::text(&store, now)),
        Format::Markdown => nightjar::sanitize::multi_line(&report::markdown::render(&store, now)),
    };
    // a closed pipe (`| head`) is not an error worth a panic
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), out.as_bytes());
    ExitCode::SUCCESS
}

/// Reopen a saved snapshot read-only: no sources, ages as of when it was saved.
async fn open(cfg: &Config, file: &std::path::Path) -> ExitCode {
    let snap = match nightjar::store::snapshot::Snapshot::load(file) {
        Ok(s) => s,
        Err(e) => return fail(Report::msg(e).wrap_err("cannot open the snapshot"), 2),
    };
    let saved_at = snap.saved_at;
    let mut store = nightjar::store::Store::from_snapshot(snap);
    store.logs.presets = cfg.presets.clone();
    let mut app = ui::app::App::new(cfg.keymap.clone(), cfg.theme.clone());
    app.bell = false;
    app.mouse = cfg.mouse;
    app.frozen_at = Some(saved_at);
    let (_tx, updates) = tokio::sync::mpsc::unbounded_channel();
    match ui::run(store, updates, nightjar::sources::Sources::default(), app, report::markdown::render).await {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => fail(Report::new(e).wrap_err("terminal error"), 1),
    }
}

/// `nightjar config init|check`.
fn config_command(cli: &Cli, c: &ConfigCommand) -> ExitCode {
    match c {
        ConfigCommand::Init { file, force } => {
            let Some(path) = file.clone().or_else(nightjar::config::default_path) else {
                eprintln!("nightjar: no config directory: pass a FILE");
                return ExitCode::from(2);
            };
            if path.exists() && !force {
                eprintln!("nightjar: {} exists; pass --force to overwrite it", path.display());
                return ExitCode::from(1);
            }
            if let Some(dir) = path.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            match std::fs::write(&path, nightjar::config::TEMPLATE) {
                Ok(()) => {
                    println!("wrote {}", path.display());
                    ExitCode::SUCCESS
                }
                Err(e) => fail(Report::new(e).wrap_err(format!("cannot write {}", path.display())), 1),
            }
        }
        ConfigCommand::Check { file } => {
            let Some(path) = file.clone().or_else(nightjar::config::default_path) else {
                eprintln!("nightjar: no config directory: pass a FILE");
                return ExitCode::from(2);
            };
            if !path.exists() {
                eprintln!("nightjar: {}: no such file (nightjar runs on its defaults)", path.display());
                return ExitCode::from(1);
            }
            let mut probe = cli.clone();
            probe.config = Some(path.clone());
            match Config::resolve(&probe) {
                Ok(_) => {
                    println!("{}: ok", path.display());
                    ExitCode::SUCCESS
                }
                Err(e) => fail(Report::msg(e).wrap_err("the configuration has an error").suggestion(CONFIG_HELP), 2),
            }
        }
    }
}

/// color-eyre's hooks. A panic prints its report (message, location, how to see a backtrace,
/// where the log is); `ui::run` wraps this hook in one that restores the terminal first, so the
/// report lands on the shell's screen. An error at the binary's edge (startup, configuration,
/// `--once`, `--query`, `open`) prints what nightjar was doing, then why, through [`fail`].
/// Colour only on a terminal without `NO_COLOR`.
fn install_reports(log: Option<&std::path::Path>) {
    use color_eyre::config::{HookBuilder, Theme};
    use std::io::IsTerminal;
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let builder = || HookBuilder::blank().theme(if colour { Theme::dark() } else { Theme::new() });
    let section = match log {
        Some(path) => format!("nightjar's log: {}", path.display()),
        None => "a bug in nightjar: NIGHTJAR_LOG=debug writes a log to send with this report".to_string(),
    };
    let (panics, _) = builder().panic_section(section).into_hooks();
    // errors at the edges are the operator's to fix (a key in a file, a region): no backtrace hint
    let (_, errors) = builder().display_env_section(false).into_hooks();
    let _ = errors.install();
    std::panic::set_hook(panics.into_panic_hook());
}

/// What to do about a configuration error (the error itself names the file and the key).
const CONFIG_HELP: &str =
    "`nightjar config init FILE` writes a commented template with every key; `nightjar config check FILE` checks one";

/// Report an error at the binary's edge (its context chain, one cause a line, as color-eyre's
/// handler writes it) and exit with `code`: 2 for what the operator must fix before starting
/// (configuration, region, snapshot), 130 when interrupted, 1 otherwise.
fn fail(report: Report, code: u8) -> ExitCode {
    // the operator's to fix, not the code's: no backtrace even under RUST_BACKTRACE=1
    eprintln!("nightjar:{:?}", report.suppress_backtrace(true));
    ExitCode::from(code)
}
