use std::process::ExitCode;

use clap::Parser;

use nightjar::cli::{Cli, Format};
use nightjar::config::Config;
use nightjar::{engine, report, ui};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let cfg = match Config::resolve(&cli) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("nightjar: {e}");
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("nightjar: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    if cli.once {
        return rt.block_on(once(&cfg, cli.format));
    }
    rt.block_on(async {
        let (updates, sources) = match engine::start(&cfg).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("nightjar: {e}");
                return ExitCode::from(2);
            }
        };
        let app = ui::app::App::new(cfg.keymap.clone(), cfg.theme.clone());
        match ui::run(engine::new_store(&cfg), updates, sources, app).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("nightjar: terminal error: {e}");
                ExitCode::FAILURE
            }
        }
    })
}

async fn once(cfg: &Config, format: Format) -> ExitCode {
    let store = match engine::poll_once(cfg).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("nightjar: {e}");
            return ExitCode::from(2);
        }
    };
    let now = chrono::Utc::now().timestamp();
    for h in store.health() {
        if let Some(e) = h.last_error.as_ref().filter(|_| h.is_stale()) {
            eprintln!("nightjar: {}: {}", h.label(), e.one_line());
        }
    }
    if !store.health().any(|h| h.name != "sts" && h.last_ok.is_some()) {
        eprintln!("nightjar: no source could be read; nothing to report");
        return ExitCode::from(1);
    }
    let out = match format {
        Format::Json => serde_json::to_string_pretty(&report::json(&store, now)).unwrap_or_default() + "\n",
        Format::Text => report::text(&store, now),
    };
    // a closed pipe (`| head`) is not an error worth a panic
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), out.as_bytes());
    ExitCode::SUCCESS
}
