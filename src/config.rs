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
    /// A shipped keymap (default, vim, emacs) or a keymap file laid over the default.
    pub keymap: Option<PathBuf>,
    /// A shipped theme (default, light, high-contrast, solarized-dark, tty) or a theme file.
    pub theme: Option<PathBuf>,
    /// Alert rules laid over the built-in ones (rules/default.toml), by name.
    pub rules_file: Option<PathBuf>,
    /// Ring the terminal bell once when a rule starts firing.
    pub bell: Option<bool>,
    /// ASCII borders and charts.
    pub ascii: Option<bool>,
    /// Slow links: ASCII and fewer redraws.
    pub low_bandwidth: Option<bool>,
    /// Capture the mouse (wheel scrolls, a click on a tab opens it); off by default.
    pub mouse: Option<bool>,
    /// Logs Insights: log groups, price per GB scanned, concurrent queries.
    pub logs: Option<LogsFile>,
    /// Named Logs Insights queries laid over the built-in presets: `[queries.<name>]`.
    pub queries: Option<std::collections::BTreeMap<String, crate::domain::insights::QueryDef>>,
    /// The X-Ray annotation that holds the model id (default `model_id`, as the seed app sets).
    pub trace_model_annotation: Option<String>,
    /// Bedrock quotas per model (base id or as called): `[quotas."<model>"] tpm = …, rpm = …`.
    pub quotas: Option<std::collections::BTreeMap<String, crate::store::models::Quota>>,
    /// The runaway-loop watch: ceilings per caller and session, how often it runs.
    pub runaway: Option<RunawayFile>,
    /// CloudWatch API budget, USD per hour (`--api-budget`).
    pub api_budget: Option<f64>,
    /// Names of accounts by id (a monitoring account's source accounts): `[accounts]
    /// "111111111111" = "payments-prod"`; they win over OAM link labels.
    pub accounts: Option<std::collections::BTreeMap<String, String>>,
    /// In a monitoring account, read only these source accounts (ListMetrics `OwningAccount`).
    pub accounts_only: Option<Vec<String>>,
}

/// `[runaway]` in the config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunawayFile {
    /// Run the watch at all (default true).
    pub enabled: Option<bool>,
    /// How often it runs: `"5m"`, `"90s"`, `"1h"` or seconds (1 minute to 1 hour; default 5m).
    pub every: Option<Every>,
    /// Ceilings per caller or session (defaults 250,000 tokens/min and $1/min).
    pub tokens_per_minute: Option<f64>,
    pub usd_per_minute: Option<f64>,
}

/// A duration written as seconds or as `"5m"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Every {
    Secs(i64),
    Text(String),
}

impl Every {
    fn secs(&self) -> Option<i64> {
        match self {
            Self::Secs(n) => Some(*n),
            Self::Text(t) => {
                let t = t.trim();
                let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
                let n: i64 = t[..split].parse().ok()?;
                let mult = match t[split..].trim() {
                    "" | "s" | "sec" | "secs" => 1,
                    "m" | "min" | "mins" => 60,
                    "h" | "hr" | "hour" => 3600,
                    _ => return None,
                };
                n.checked_mul(mult)
            }
        }
    }

    fn shown(&self) -> String {
        match self {
            Self::Secs(n) => n.to_string(),
            Self::Text(t) => format!("'{t}'"),
        }
    }
}

impl RunawayFile {
    fn check(&self, origin: &str) -> Result<(), String> {
        if let Some(e) = &self.every {
            match e.secs() {
                None => {
                    return Err(format!(
                        "{origin}: runaway.every: {} is not a duration (e.g. \"5m\", \"90s\" or 300)",
                        e.shown()
                    ));
                }
                Some(n) if !(60..=3600).contains(&n) => {
                    return Err(format!("{origin}: runaway.every: {} is out of range (1m to 1h)", e.shown()));
                }
                _ => {}
            }
        }
        for (key, v) in [("tokens_per_minute", self.tokens_per_minute), ("usd_per_minute", self.usd_per_minute)] {
            if let Some(v) = v
                && !(v.is_finite() && v > 0.0)
            {
                return Err(format!("{origin}: runaway.{key}: {v} is not a ceiling (a number above 0)"));
            }
        }
        Ok(())
    }

    /// The settings with this file's values laid over the defaults.
    pub fn settings(&self) -> crate::store::runaway::Settings {
        let mut s = crate::store::runaway::Settings::default();
        if let Some(e) = self.enabled {
            s.enabled = e;
        }
        if let Some(n) = self.every.as_ref().and_then(Every::secs) {
            s.every_secs = n as u64;
        }
        if let Some(v) = self.tokens_per_minute {
            s.tokens_per_min = v;
        }
        if let Some(v) = self.usd_per_minute {
            s.usd_per_min = v;
        }
        s
    }
}

/// `[logs]` in the config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogsFile {
    /// Bedrock invocation log groups (skips discovery).
    pub invocation_log_groups: Option<Vec<String>>,
    /// The application's log groups (`app-errors`, trace → logs).
    pub app_log_groups: Option<Vec<String>>,
    /// The span log group (default `aws/spans`).
    pub spans_log_group: Option<String>,
    /// DescribeLogGroups prefixes searched for invocation log groups (default `/aws/bedrock`).
    pub discovery_prefixes: Option<Vec<String>>,
    /// USD per GB scanned (default 0.005).
    pub usd_per_gb: Option<f64>,
    /// Queries this console runs at once (default 4); more wait in a queue.
    pub max_concurrent_queries: Option<usize>,
    /// Rows asked for per query (default 1000, at most 10000).
    pub row_limit: Option<i32>,
}

impl LogsFile {
    fn check(&self, origin: &str) -> Result<(), String> {
        let lists = [
            ("invocation_log_groups", &self.invocation_log_groups),
            ("app_log_groups", &self.app_log_groups),
            ("discovery_prefixes", &self.discovery_prefixes),
        ];
        for (key, list) in lists {
            if let Some(bad) = list.iter().flatten().find(|g| g.trim().is_empty() || g.len() > 512) {
                return Err(format!("{origin}: logs.{key}: '{bad}' is not a log group name"));
            }
        }
        if self.spans_log_group.as_deref().is_some_and(|g| g.trim().is_empty()) {
            return Err(format!("{origin}: logs.spans_log_group: empty log group name"));
        }
        if let Some(p) = self.usd_per_gb
            && !(p.is_finite() && p >= 0.0)
        {
            return Err(format!("{origin}: logs.usd_per_gb: {p} is not a price (a number, 0 or more)"));
        }
        if let Some(n) = self.max_concurrent_queries
            && !(1..=30).contains(&n)
        {
            return Err(format!("{origin}: logs.max_concurrent_queries: {n} is out of range (1 to 30)"));
        }
        if let Some(n) = self.row_limit
            && !(1..=10_000).contains(&n)
        {
            return Err(format!("{origin}: logs.row_limit: {n} is out of range (1 to 10000)"));
        }
        Ok(())
    }

    /// The settings with this file's values laid over the defaults.
    pub fn settings(&self) -> crate::domain::insights::InsightsSettings {
        let mut s = crate::domain::insights::InsightsSettings::default();
        if let Some(g) = &self.invocation_log_groups {
            s.invocation_groups = g.iter().map(|x| x.trim().to_string()).collect();
        }
        if let Some(g) = &self.app_log_groups {
            s.app_groups = g.iter().map(|x| x.trim().to_string()).collect();
        }
        if let Some(g) = &self.spans_log_group {
            s.spans_group = g.trim().to_string();
        }
        if let Some(p) = &self.discovery_prefixes {
            s.discovery_prefixes = p.clone();
        }
        if let Some(p) = self.usd_per_gb {
            s.usd_per_gb = p;
        }
        if let Some(n) = self.max_concurrent_queries {
            s.max_concurrent = n;
        }
        if let Some(n) = self.row_limit {
            s.row_limit = n;
        }
        s
    }
}

/// Everything resolved.
#[derive(Debug, Clone)]
pub struct Config {
    /// The profile (the first, when several are watched).
    pub profile: Option<String>,
    /// The other profiles watched at the same time (`--profile prod,staging`).
    pub more_profiles: Vec<String>,
    pub regions: Vec<String>,
    pub endpoint_url: Option<String>,
    pub since: Since,
    /// `--once --range START END`: a fixed past window instead of the last `since`.
    pub range: Option<crate::domain::window::Window>,
    pub refresh: Duration,
    pub custom_namespaces: Vec<String>,
    pub pricing: PriceTable,
    pub keymap: Keymap,
    pub theme: Theme,
    pub demo: bool,
    pub demo_seed: u64,
    pub source_file: Option<PathBuf>,
    pub rules: crate::domain::rules::RuleSet,
    pub bell: bool,
    /// Slow links: fewer redraws.
    pub low_bandwidth: bool,
    /// Capture the mouse.
    pub mouse: bool,
    /// Tokens- and requests-per-minute quotas per model, for the headroom column.
    pub quotas: std::collections::BTreeMap<String, crate::store::models::Quota>,
    /// Logs Insights settings (`[logs]`).
    pub insights: crate::domain::insights::InsightsSettings,
    /// The built-in presets with the config's `[queries.*]` laid over them.
    pub presets: crate::domain::insights::Presets,
    /// `--query NAME` for `--once`.
    pub query: Option<String>,
    /// The X-Ray annotation that holds the model id.
    pub trace_model_annotation: String,
    /// The runaway-loop watch (`[runaway]`).
    pub runaway: crate::store::runaway::Settings,
    /// CloudWatch API budget, USD per hour (`--api-budget`, config `api_budget`).
    pub api_budget: Option<f64>,
    /// Account names by id (`[accounts]`).
    pub account_names: std::collections::BTreeMap<String, String>,
    /// Source accounts to narrow a monitoring account's view to (`accounts_only`).
    pub accounts_only: Vec<String>,
}

/// The commented default config `nightjar config init` writes.
pub const TEMPLATE: &str = include_str!("config_template.toml");

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
    if let Some(b) = f.api_budget
        && !(b.is_finite() && b > 0.0)
    {
        return Err(format!("{origin}: api_budget: {b} must be a positive number of USD per hour"));
    }
    if let Some(bad) = f
        .accounts
        .iter()
        .flatten()
        .map(|(k, _)| k)
        .chain(f.accounts_only.iter().flatten())
        .find(|k| k.len() != 12 || !k.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(format!("{origin}: accounts: '{bad}' is not a 12-digit account id"));
    }
    if let Some(ns) = &f.custom_namespaces
        && let Some(bad) = ns.iter().find(|n| n.trim().is_empty())
    {
        return Err(format!("{origin}: custom_namespaces: empty namespace '{bad}'"));
    }
    if let Some(l) = &f.logs {
        l.check(origin)?;
    }
    if let Some(r) = &f.runaway {
        r.check(origin)?;
    }
    if let Some(k) = &f.trace_model_annotation
        && (k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
    {
        return Err(format!(
            "{origin}: trace_model_annotation: '{k}' is not an X-Ray annotation key (letters, digits and _ only)"
        ));
    }
    if let Some(q) = &f.queries {
        crate::domain::insights::Presets::default().with_user(q, origin)?;
    }
    Ok(f)
}

fn relative_to(base: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() { p.to_path_buf() } else { base.parent().unwrap_or(Path::new(".")).join(p) }
}

impl Config {
    /// Resolve from the CLI, reading the config file it names (or the default one, if present).
    pub fn resolve(cli: &Cli) -> Result<Self, String> {
        let (mut file, path) = match &cli.config {
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
        // a name of a shipped keymap/theme, or a path (relative to the config file)
        let named = |v: &str| -> String {
            let p = Path::new(v);
            if p.is_relative() && (v.contains('/') || v.ends_with(".toml")) {
                relative_to(&base, p).display().to_string()
            } else {
                v.to_string()
            }
        };
        let keymap = match (&cli.keymap, &file.keymap) {
            (Some(k), _) => Keymap::resolve(k)?,
            (None, Some(p)) => Keymap::resolve(&named(&p.display().to_string()))?,
            (None, None) => Keymap::default(),
        };
        let mut theme = match (&cli.theme, &file.theme) {
            (Some(t), _) => Theme::resolve(t)?,
            (None, Some(p)) => Theme::resolve(&named(&p.display().to_string()))?,
            (None, None) => Theme::default(),
        };
        theme = theme.for_depth(crate::ui::theme::ColorDepth::from_env());
        let ascii = cli.ascii || cli.low_bandwidth || file.ascii.unwrap_or(false);
        if ascii {
            theme.ascii = true;
            theme.ascii_charts = true;
        }
        let rules = match &file.rules_file {
            Some(p) => crate::domain::rules::RuleSet::load_user(&relative_to(&base, p))?,
            None => crate::domain::rules::RuleSet::builtin(),
        };
        let since = match (cli.since, &file.since) {
            (Some(s), _) => s,
            (None, Some(s)) => s.parse().map_err(|e: String| e)?,
            (None, None) => Since::default(),
        };
        let range = match cli.range.as_slice() {
            [a, b] => {
                let (start, end) = crate::ui::command::parse_range(a, b, chrono::Utc::now().timestamp())
                    .map_err(|e| format!("--range: {e}"))?;
                Some(crate::domain::window::Window { start, end })
            }
            _ => None,
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
        let origin = path.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "config".into());
        let presets =
            crate::domain::insights::Presets::default().with_user(&file.queries.take().unwrap_or_default(), &origin)?;
        let insights = file.logs.as_ref().map(LogsFile::settings).unwrap_or_default();
        if let Some(q) = &cli.query
            && presets.get(q).is_none()
        {
            return Err(format!("--query: no query named '{q}' (known: {})", presets.names().join(", ")));
        }
        // `--profile a,b` (or `profile = "a,b"` in the file): several accounts side by side
        let profiles: Vec<String> = if cli.profile.is_empty() {
            file.profile.as_deref().unwrap_or_default().split(',').map(str::to_string).collect()
        } else {
            cli.profile.clone()
        };
        let mut profiles_dedup: Vec<String> = Vec::new();
        for p in profiles.into_iter().map(|p| p.trim().to_string()).filter(|p| !p.is_empty()) {
            if !profiles_dedup.contains(&p) {
                profiles_dedup.push(p);
            }
        }
        let mut profiles = profiles_dedup.into_iter();
        Ok(Self {
            profile: profiles.next(),
            more_profiles: profiles.collect(),
            regions: dedup,
            endpoint_url: cli.endpoint_url.clone().or(file.endpoint_url),
            since,
            range,
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
            rules,
            bell: file.bell.unwrap_or(true),
            quotas: file.quotas.clone().unwrap_or_default(),
            low_bandwidth: cli.low_bandwidth || file.low_bandwidth.unwrap_or(false),
            mouse: cli.mouse || file.mouse.unwrap_or(false),
            insights,
            presets,
            query: cli.query.clone(),
            trace_model_annotation: file.trace_model_annotation.clone().unwrap_or_else(|| "model_id".into()),
            runaway: file.runaway.as_ref().map(RunawayFile::settings).unwrap_or_default(),
            api_budget: cli.api_budget.or(file.api_budget),
            account_names: file.accounts.clone().unwrap_or_default(),
            accounts_only: file.accounts_only.clone().unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_model_annotation_is_an_annotation_key() {
        let f = parse_file("trace_model_annotation = \"gen_ai_request_model\"\n", "c.toml").unwrap();
        assert_eq!(f.trace_model_annotation.as_deref(), Some("gen_ai_request_model"));
        let e = parse_file("trace_model_annotation = \"gen_ai.request.model\"\n", "c.toml").unwrap_err();
        assert!(e.starts_with("c.toml: trace_model_annotation: 'gen_ai.request.model'"), "{e}");
    }

    #[test]
    fn the_config_template_parses_with_every_key_uncommented() {
        // "# key = value", "# [section]" and "#   continuation" lines become live lines
        let mut live = String::new();
        for line in TEMPLATE.lines() {
            let t = line.trim_start_matches("# ");
            let is_setting = t.starts_with('[') || t.contains(" = ") || line.starts_with("#   ");
            if line.starts_with('#') && is_setting && !t.starts_with("Check") {
                live.push_str(t.trim_start_matches('#').trim_start());
            } else if !line.starts_with('#') {
                live.push_str(line);
            }
            live.push('\n');
        }
        let f = parse_file(&live, "template").unwrap_or_else(|e| panic!("{e}\n{live}"));
        assert_eq!(f.profile.as_deref(), Some("prod"));
        assert_eq!(f.custom_namespaces.unwrap().len(), 11);
        assert_eq!(f.refresh, Some(60));
    }

    #[test]
    fn unknown_keys_and_bad_values_name_file_and_key() {
        let e = parse_file("refesh = 30\n", "/etc/nj.toml").unwrap_err();
        assert!(e.starts_with("/etc/nj.toml:") && e.contains("refesh"), "{e}");
        let e = parse_file("since = \"2w\"\n", "c.toml").unwrap_err();
        assert!(e.starts_with("c.toml: since: invalid window '2w'"), "{e}");
        let e = parse_file("refresh = 1\n", "c.toml").unwrap_err();
        assert_eq!(e, "c.toml: refresh: 1 is out of range (5 to 3600 seconds)");
        let e = parse_file("[logs]\nusd_per_gb = -1.0\n", "c.toml").unwrap_err();
        assert_eq!(e, "c.toml: logs.usd_per_gb: -1 is not a price (a number, 0 or more)");
        let e = parse_file("[logs]\napp_log_grups = [\"/x\"]\n", "c.toml").unwrap_err();
        assert!(e.starts_with("c.toml:") && e.contains("app_log_grups"), "{e}");
        let e = parse_file("[queries.mine]\ngroups = \"app\"\n", "c.toml").unwrap_err();
        assert!(e.starts_with("c.toml:") && e.contains("query"), "{e}");
        let e = parse_file("[queries.mine]\nquery = \"fields @message\"\ngroups = \"apps\"\n", "c.toml").unwrap_err();
        assert!(e.starts_with("c.toml:") && e.contains("apps"), "{e}");
        let e = parse_file("[queries.mine]\nquery = \"\"\n", "c.toml").unwrap_err();
        assert_eq!(e, "c.toml: queries.mine.query: the query is empty");
        let f = parse_file(
            "[logs]\napp_log_groups = [\"/ecs/rag\"]\nmax_concurrent_queries = 2\n[queries.slow]\nquery = \"fields @message\"\ngroups = \"app\"\n",
            "c.toml",
        )
        .unwrap();
        let s = f.logs.as_ref().unwrap().settings();
        assert_eq!(
            (s.app_groups.clone(), s.max_concurrent, s.spans_group.as_str()),
            (vec!["/ecs/rag".to_string()], 2, "aws/spans")
        );
        assert!(f.queries.unwrap().contains_key("slow"));
        let f = parse_file("custom_namespaces = [\"App/X\"]\nsince = \"3h\"\n", "c.toml").unwrap();
        assert!(f.runaway.is_none());
        assert_eq!(f.custom_namespaces.unwrap(), vec!["App/X".to_string()]);
    }

    #[test]
    fn runaway_section_defaults_values_and_errors() {
        let s = parse_file("[runaway]\n", "c.toml").unwrap().runaway.unwrap().settings();
        assert_eq!(s, crate::store::runaway::Settings::default());
        assert_eq!((s.enabled, s.every_secs, s.tokens_per_min, s.usd_per_min), (true, 300, 250_000.0, 1.0));
        let f = parse_file(
            "[runaway]\nenabled = false\nevery = \"2m\"\ntokens_per_minute = 80000\nusd_per_minute = 0.5\n",
            "c.toml",
        )
        .unwrap();
        let s = f.runaway.unwrap().settings();
        assert_eq!((s.enabled, s.every_secs, s.tokens_per_min, s.usd_per_min), (false, 120, 80_000.0, 0.5));
        assert_eq!(
            parse_file("[runaway]\nevery = 900\n", "c.toml").unwrap().runaway.unwrap().settings().every_secs,
            900
        );
        let e = parse_file("[runaway]\nevery = \"30s\"\n", "c.toml").unwrap_err();
        assert_eq!(e, "c.toml: runaway.every: '30s' is out of range (1m to 1h)");
        let e = parse_file("[runaway]\nevery = \"soon\"\n", "c.toml").unwrap_err();
        assert_eq!(e, "c.toml: runaway.every: 'soon' is not a duration (e.g. \"5m\", \"90s\" or 300)");
        let e = parse_file("[runaway]\nevery = 7200\n", "c.toml").unwrap_err();
        assert_eq!(e, "c.toml: runaway.every: 7200 is out of range (1m to 1h)");
        let e = parse_file("[runaway]\ntokens_per_minute = 0\n", "c.toml").unwrap_err();
        assert_eq!(e, "c.toml: runaway.tokens_per_minute: 0 is not a ceiling (a number above 0)");
        let e = parse_file("[runaway]\nusd_per_minute = -1.5\n", "c.toml").unwrap_err();
        assert_eq!(e, "c.toml: runaway.usd_per_minute: -1.5 is not a ceiling (a number above 0)");
        let e = parse_file("[runaway]\nusd_per_minute = \"a lot\"\n", "c.toml").unwrap_err();
        assert!(e.starts_with("c.toml:") && e.contains("usd_per_minute"), "{e}");
        let e = parse_file("[runaway]\nceiling = 5\n", "c.toml").unwrap_err();
        assert!(e.starts_with("c.toml:") && e.contains("ceiling"), "{e}");
    }
}
