//! The command line.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};

use crate::domain::window::Since;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// A terminal console for GenAI workloads on AWS: Bedrock and GenAI/* metrics, per-model
/// latency, tokens, cost, errors and throttles. Read-only.
#[derive(Debug, Clone, Parser)]
#[command(name = "nightjar", version, about, long_about = None)]
pub struct Cli {
    /// AWS profile (default: AWS_PROFILE or the default profile).
    #[arg(long, env = "AWS_PROFILE")]
    pub profile: Option<String>,

    /// Region(s) to watch; repeat or comma-separate (default: the profile's region).
    #[arg(long = "region", value_delimiter = ',')]
    pub regions: Vec<String>,

    /// Send every AWS call to this endpoint (an emulator); AWS_ENDPOINT_URL also works.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// How far back to look: 15m, 1h, 3h, 12h, 24h, 7d.
    #[arg(long, value_name = "WINDOW")]
    pub since: Option<Since>,

    /// Seconds between polls.
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(5..=3600))]
    pub refresh: Option<u64>,

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

    /// Config file (default: $XDG_CONFIG_HOME/nightjar/config.toml).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}
