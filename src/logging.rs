//! Diagnostics go to a log file, never to the terminal the console draws on.
//! `NIGHTJAR_LOG=info` (any tracing filter) turns it on; the file is
//! `$XDG_STATE_HOME/nightjar/nightjar.log` (or `NIGHTJAR_LOG_FILE`).

use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

static START: OnceLock<Instant> = OnceLock::new();

/// Mark the process start (call first thing in main).
pub fn mark_start() {
    let _ = START.set(Instant::now());
}

/// Milliseconds since [`mark_start`].
pub fn since_start_ms() -> f64 {
    START.get().map(|s| s.elapsed().as_secs_f64() * 1000.0).unwrap_or(0.0)
}

pub fn log_path() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("NIGHTJAR_LOG_FILE") {
        return Some(PathBuf::from(p));
    }
    let dirs = directories::ProjectDirs::from("", "", "nightjar")?;
    let dir = dirs.state_dir().unwrap_or_else(|| dirs.cache_dir()).to_path_buf();
    Some(dir.join("nightjar.log"))
}

/// Install the file logger when `NIGHTJAR_LOG` is set. Errors are returned, not printed.
pub fn init() -> Result<Option<PathBuf>, String> {
    let Ok(filter) = std::env::var("NIGHTJAR_LOG") else { return Ok(None) };
    let path = log_path().ok_or("no directory for the log file: set NIGHTJAR_LOG_FILE")?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let filter = tracing_subscriber::EnvFilter::try_new(&filter).map_err(|e| format!("NIGHTJAR_LOG: {e}"))?;
    tracing_subscriber::fmt().with_env_filter(filter).with_ansi(false).with_writer(Mutex::new(file)).init();
    Ok(Some(path))
}
