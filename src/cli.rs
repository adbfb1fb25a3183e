//! The command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::domain::window::Since;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    /// The incident report.
    Markdown,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Commands {
    /// Reopen a saved snapshot read-only in the console, every pane on the frozen data.
    Open {
        /// A snapshot written by --save or the report key.
        file: PathBuf,
    },
    /// Write or validate a config file.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Print shell completions (bash, zsh, fish, elvish, powershell) to stdout.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout.
    Man,
}

#[derive(Debug, Clone, Subcommand)]
pub enum ConfigCommand {
    /// Write a commented default config (to the XDG path unless FILE is given).
    Init {
        file: Option<PathBuf>,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Validate a config file and everything it names (keymap, theme, rules, prices).
    Check { file: Option<PathBuf> },
}

/// A terminal console for GenAI workloads on AWS: Bedrock and GenAI/* metrics, per-model
/// latency, tokens, cost, errors and throttles. Read-only.
#[derive(Debug, Clone, Parser)]
#[command(name = "nightjar", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Commands>,

    /// With --once: also save a snapshot of everything polled to FILE (reopen with `nightjar open FILE`).
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,

    /// AWS profile(s) (default: AWS_PROFILE or the default profile). Several (`prod,staging`, or
    /// repeated) are watched side by side, each with its own clients; their rows are labelled
    /// `profile/region`.
    #[arg(long, env = "AWS_PROFILE", value_delimiter = ',')]
    pub profile: Vec<String>,

    /// Region(s) to watch; repeat or comma-separate (default: the profile's region).
    #[arg(long = "region", value_delimiter = ',')]
    pub regions: Vec<String>,

    /// Send every AWS call to this endpoint (an emulator); AWS_ENDPOINT_URL also works.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// How far back to look: 15m, 1h, 3h, 12h, 24h, 7d.
    #[arg(long, value_name = "WINDOW")]
    pub since: Option<Since>,

    /// With --once: a past range instead of the last --since, START END (RFC 3339, or HH:MM
    /// UTC), e.g. `--range 2026-05-01T14:00:00Z 2026-05-01T15:00:00Z`.
    #[arg(long, num_args = 2, value_names = ["START", "END"], requires = "once")]
    pub range: Vec<String>,

    /// Seconds between polls.
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(5..=3600))]
    pub refresh: Option<u64>,

    /// CloudWatch API budget in USD per hour: the polling plan reads what is on screen and
    /// firing at full rate and stretches the rest to fit (config `api_budget`).
    #[arg(long, value_name = "USD")]
    pub api_budget: Option<f64>,

    /// Run on a built-in synthetic incident instead of AWS.
    #[arg(long)]
    pub demo: bool,

    /// Seed for the demo's synthetic data.
    #[arg(long, default_value_t = 7, hide = true)]
    pub demo_seed: u64,

    /// Poll once, print the picture, exit.
    #[arg(long)]
    pub once: bool,

    /// Output format for --once.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Run a Logs Insights query (a preset or a `[queries.NAME]` from the config) over the window
    /// and print its rows (text or JSON); implies --once.
    #[arg(long, value_name = "NAME")]
    pub query: Option<String>,

    /// Config file (default: $XDG_CONFIG_HOME/nightjar/config.toml).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Theme: default, light, high-contrast, solarized-dark, tty, or a theme file.
    #[arg(long, value_name = "NAME|PATH")]
    pub theme: Option<String>,

    /// Keymap: default (k9s-like), vim, emacs, or a keymap file laid over the default.
    #[arg(long, value_name = "NAME|PATH")]
    pub keymap: Option<String>,

    /// ASCII only: +-| borders, no braille or block glyphs in charts.
    #[arg(long)]
    pub ascii: bool,

    /// For slow links: ASCII, no braille, and fewer redraws (labels tick every 10 s).
    #[arg(long)]
    pub low_bandwidth: bool,

    /// Capture the mouse: the wheel scrolls lists, a click on a tab opens its pane (off by
    /// default, so the terminal's own selection and copy keep working).
    #[arg(long)]
    pub mouse: bool,
}
