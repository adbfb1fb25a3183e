//! Configuration, layered: CLI flags > config file > compiled-in defaults. Unknown keys and
//! bad values are errors that name the file and the key.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::cli::Cli;
use crate::domain::catalog::DEFAULT_CUSTOM_NAMESPACES;
use crate::domain::pricing::PriceTable;
use crate::domain::window::Since;
use crate::ui::keymap::Keymap;
use crate::ui::theme::Theme;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub profile: Option<String>,
    pub regions: Option<Vec<String>>,
    pub endpoint_url: Option<String>,
    pub since: Option<String>,
    pub refresh: Option<u64>,
    /// Namespaces of the application's own metrics.
    pub custom_namespaces: Option<Vec<String>>,
    /// A TOML price table laid over the built-in one.
    pub pricing_file: Option<PathBuf>,
    /// A user keymap file laid over the default keymap.
    pub keymap: Option<PathBuf>,
    /// A user theme file laid over the default theme.
    pub theme: Option<PathBuf>,
}

/// Everything resolved.
#[derive(Debug, Clone)]
pub struct Config {
    pub profile: Option<String>,
    pub regions: Vec<String>,
    pub endpoint_url: Option<String>,
    pub since: Since,
    pub refresh: Duration,
    pub custom_namespaces: Vec<String>,
    pub pricing: PriceTable,
    pub keymap: Keymap,
    pub theme: Theme,
    pub demo: bool,
    pub demo_seed: u64,
    pub source_file: Option<PathBuf>,
}

pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "nightjar").map(|d| d.config_dir().join("config.toml"))
}

pub fn parse_file(text: &str, origin: &str) -> Result<FileConfig, String> {
    let f: FileConfig = toml::from_str(text).map_err(|e| format!("{origin}: {}", e.to_string().trim()))?;
    if let Some(s) = &f.since {
        s.parse::<Since>().map_err(|e| format!("{origin}: since: {e}"))?;
    }
    if let Some(r) = f.refresh
        && !(5..=3600).contains(&r)
    {
        return Err(format!("{origin}: refresh: {r} is out of range (5 to 3600 seconds)"));
    }
    if let Some(ns) = &f.custom_namespaces
        && let Some(bad) = ns.iter().find(|n| n.trim().is_empty())
    {
        return Err(format!("{origin}: custom_namespaces: empty namespace '{bad}'"));
    }
    Ok(f)
}

fn relative_to(base: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() { p.to_path_buf() } else { base.parent().unwrap_or(Path::new(".")).join(p) }
}

impl Config {
    /// Resolve from the CLI, reading the config file it names (or the default one, if present).
    pub fn resolve(cli: &Cli) -> Result<Self, String> {
        let (file, path) = match &cli.config {
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
                (parse_file(&text, &p.display().to_string())?, Some(p.clone()))
            }
            None => match default_path().filter(|p| p.exists()) {
                Some(p) => {
                    let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
                    (parse_file(&text, &p.display().to_string())?, Some(p))
                }
                None => (FileConfig::default(), None),
            },
        };
        let base = path.clone().unwrap_or_default();
        let mut pricing = PriceTable::default();
        if let Some(p) = &file.pricing_file {
            pricing = pricing.with_overrides(&relative_to(&base, p))?;
        }
        let keymap = match &file.keymap {
            Some(p) => Keymap::load_user(&relative_to(&base, p))?,
            None => Keymap::default(),
        };
        let theme = match &file.theme {
            Some(p) => Theme::load_user(&relative_to(&base, p))?,
            None => Theme::default(),
        };
        let since = match (cli.since, &file.since) {
            (Some(s), _) => s,
            (None, Some(s)) => s.parse().map_err(|e: String| e)?,
            (None, None) => Since::default(),
        };
        let regions: Vec<String> = if !cli.regions.is_empty() {
            cli.regions.iter().map(|r| r.trim().to_string()).filter(|r| !r.is_empty()).collect()
        } else {
            file.regions.clone().unwrap_or_default()
        };
        let mut dedup = Vec::new();
        for r in regions {
            if !dedup.contains(&r) {
                dedup.push(r);
            }
        }
        Ok(Self {
            profile: cli.profile.clone().or(file.profile),
            regions: dedup,
            endpoint_url: cli.endpoint_url.clone().or(file.endpoint_url),
            since,
            refresh: Duration::from_secs(cli.refresh.or(file.refresh).unwrap_or(60)),
            custom_namespaces: file
                .custom_namespaces
                .unwrap_or_else(|| DEFAULT_CUSTOM_NAMESPACES.iter().map(|s| s.to_string()).collect()),
            pricing,
            keymap,
            theme,
            demo: cli.demo,
            demo_seed: cli.demo_seed,
            source_file: path,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_and_bad_values_name_file_and_key() {
        let e = parse_file("refesh = 30\n", "/etc/nj.toml").unwrap_err();
        assert!(e.starts_with("/etc/nj.toml:") && e.contains("refesh"), "{e}");
        let e = parse_file("since = \"2w\"\n", "c.toml").unwrap_err();
        assert!(e.starts_with("c.toml: since: invalid window '2w'"), "{e}");
        let e = parse_file("refresh = 1\n", "c.toml").unwrap_err();
        assert_eq!(e, "c.toml: refresh: 1 is out of range (5 to 3600 seconds)");
        let f = parse_file("custom_namespaces = [\"App/X\"]\nsince = \"3h\"\n", "c.toml").unwrap();
        assert_eq!(f.custom_namespaces.unwrap(), vec!["App/X".to_string()]);
    }
}
