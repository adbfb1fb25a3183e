//! Wiring: from a resolved [`Config`] to running sources, for the TUI and for `--once`.

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::config::Config;
use crate::sources::alarms::AlarmsPoller;
use crate::sources::aws::{self, AwsOptions, ErrorContext};
use crate::sources::cloudwatch::MetricsPoller;
use crate::sources::demo::logs::DemoInsights;
use crate::sources::demo::{DEMO_REGION, DemoWorkload};
use crate::sources::logs::{CwlBackend, LogsRunner};
use crate::sources::{Sources, spawn_demo, spawn_metrics};
use crate::store::logs::{QueryRun, QuerySpec};
use crate::store::{Identity, SourceError, SourceHealth, Store, Update};

/// How far into the demo's story `--once --demo` reports (the throttling storm and the cost
/// spike are both under way by then).
pub const ONCE_DEMO_OFFSET_SECS: i64 = 6 * 60;

pub fn new_store(cfg: &Config) -> Store {
    let mut s = Store::new(cfg.pricing.clone(), cfg.custom_namespaces.clone());
    s.rules.rules = cfg.rules.clone();
    s.logs.presets = cfg.presets.clone();
    s.logs.usd_per_gb = cfg.insights.usd_per_gb;
    s.traces = crate::store::traces::TraceStore::new(&cfg.trace_model_annotation);
    s.quotas = cfg.quotas.clone();
    s.runaway.settings = runaway_settings(cfg);
    s.accounts = crate::store::accounts::Accounts::new(cfg.account_names.clone());
    if cfg.demo {
        // the demo account's quotas, unless the config names its own
        for (id, q) in crate::sources::demo::quotas() {
            s.quotas.entry(id).or_insert(q);
        }
    }
    s
}

/// The trace list the console starts with: the whole window, unfiltered.
pub fn initial_traces_query(cfg: &Config) -> crate::store::traces::TraceQuery {
    use crate::store::traces::{TraceQuery, TraceRange};
    let range = match cfg.range {
        Some(w) => TraceRange::Fixed(w),
        None => TraceRange::Last(cfg.since.secs()),
    };
    TraceQuery::new(range, None)
}

/// An X-Ray source for each profile and region.
pub async fn xray_sources(cfg: &Config, scopes: &[Scope]) -> Vec<crate::sources::xray::XraySource> {
    per_scope(cfg, scopes, |sdk, s, ep| {
        crate::sources::xray::XraySource::new(
            aws_sdk_xray::Client::new(sdk),
            &s.region,
            cfg.pricing.clone(),
            &cfg.trace_model_annotation,
            s.profile.as_deref(),
            ep,
        )
        .labelled(&s.label)
        .with_org(org_logs(cfg, s, sdk))
    })
    .await
}

/// A scope's OAM reader and account names, for the sources that label a monitoring account's
/// data by account (traces, log rows).
fn org_logs(cfg: &Config, s: &Scope, sdk: &aws_config::SdkConfig) -> crate::sources::logs_org::LogsOrg {
    crate::sources::logs_org::LogsOrg {
        oam: Some(crate::sources::oam::OamReader::new(
            aws_sdk_oam::Client::new(sdk),
            &s.region,
            s.profile.as_deref(),
            endpoint(cfg).as_deref(),
        )),
        names: cfg.account_names.clone(),
        ..Default::default()
    }
}

/// How many of the slowest traces `--once` fetches whole (exact durations, root and model).
pub const ONCE_SLOWEST: usize = 5;
/// `--once` lists at most this many traces per region (the counts are exact below it).
pub const ONCE_MAX_TRACES: usize = 100_000;

/// How long `--once` waits for the span queries of the slowest traces (Transaction Search).
pub const ONCE_SPANS_DEADLINE: std::time::Duration = std::time::Duration::from_secs(120);

/// `--once`: list the window's traces in one region and fetch the slowest candidates: with
/// BatchGetTraces, or — spans in CloudWatch Logs (Transaction Search ACTIVE), where
/// BatchGetTraces cannot find them — from `aws/spans` with Logs Insights, as the console does,
/// each over the window of its summary's start time. While the destination is changing
/// (PENDING) both are asked.
pub async fn traces_once(
    src: &mut crate::sources::xray::XraySource,
    cfg: &Config,
    scope: &Scope,
    now: i64,
) -> Vec<Update> {
    use crate::store::traces::{Sampled, TracesUpdate, trace_fetch_window};
    src.max_summaries = ONCE_MAX_TRACES;
    let mut out = Vec::new();
    let q = initial_traces_query(cfg);
    match src.list(&q, now).await {
        Ok(list) => {
            // summaries' durations can be coarse (the emulator truncates them to seconds): fetch
            // twice as many candidates as are reported and rank them by their exact durations
            let mut cand: Vec<(f64, String, crate::domain::window::Window)> = list
                .summaries
                .iter()
                .map(|s| {
                    let w = if s.start_estimated { list.window } else { trace_fetch_window(s.start, s.duration) };
                    (s.duration.unwrap_or(0.0), s.id.clone(), w)
                })
                .collect();
            cand.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            cand.truncate(ONCE_SLOWEST * 2);
            let sampling = list.sampling.clone();
            out.push(Update::Traces(TracesUpdate::Listed(list)));
            let in_logs = sampling.as_ref().is_some_and(|s| s.spans_in_logs());
            let active = sampling.as_ref().is_some_and(|s| s.sampled() == Sampled::Yes);
            let mut ids: Vec<String> = cand.iter().map(|(_, id, _)| id.clone()).collect();
            if in_logs && !ids.is_empty() {
                let items: Vec<(String, crate::domain::window::Window)> =
                    cand.iter().map(|(_, id, w)| (id.clone(), *w)).collect();
                let mut r = logs_runner(&for_profile(cfg, scope.profile.clone()), &scope.region).await;
                let f = tokio::select! {
                    f = crate::sources::logs::fetch_spans_to_end(&mut r, &items, ONCE_SPANS_DEADLINE) => Some(f),
                    _ = interrupted() => None,
                };
                let Some(f) = f else {
                    r.stop_all("interrupted").await;
                    out.push(Update::Health(src.health.clone()));
                    return out;
                };
                let region_label = src.region().to_string();
                let found: Vec<String> = f.traces.iter().map(|t| t.id.clone()).collect();
                let traces = f
                    .traces
                    .into_iter()
                    .map(|mut t| {
                        t.region = region_label.clone();
                        t
                    })
                    .collect();
                // ACTIVE: what aws/spans does not have, BatchGetTraces has not either
                let unprocessed = if active { f.missing.clone() } else { Vec::new() };
                out.push(Update::Traces(TracesUpdate::Fetched { traces, unprocessed }));
                for (id, error) in &f.failed {
                    out.push(Update::Traces(TracesUpdate::FetchFailed { ids: vec![id.clone()], error: error.clone() }));
                }
                out.extend(f.queries);
                // its own row: the runaway watch's runner reports as `logs` in this region
                let mut h = r.health.clone();
                h.name = "spans".into();
                out.push(Update::Health(h));
                ids.retain(|id| !found.contains(id) && !active);
            }
            if !ids.is_empty() {
                match src.fetch(&ids, now).await {
                    Ok((traces, unprocessed)) => {
                        out.push(Update::Traces(TracesUpdate::Fetched { traces, unprocessed }))
                    }
                    Err(error) => out.push(Update::Traces(TracesUpdate::FetchFailed { ids, error })),
                }
            }
        }
        Err(error) => {
            out.push(Update::Traces(TracesUpdate::ListFailed { query: q, region: src.region().into(), error }))
        }
    }
    out.push(Update::Health(src.health.clone()));
    out
}

fn aws_options(cfg: &Config) -> AwsOptions {
    AwsOptions { profile: cfg.profile.clone(), endpoint_url: cfg.endpoint_url.clone() }
}

fn endpoint(cfg: &Config) -> Option<String> {
    cfg.endpoint_url.clone().or_else(|| std::env::var("AWS_ENDPOINT_URL").ok().filter(|s| !s.is_empty()))
}

/// The regions to watch: the CLI/config list, else the profile's region.
pub async fn resolve_regions(cfg: &Config) -> Result<Vec<String>, String> {
    if !cfg.regions.is_empty() {
        return Ok(cfg.regions.clone());
    }
    let base = aws::load_config(&aws_options(cfg), None).await;
    match base.region() {
        Some(r) => Ok(vec![r.to_string()]),
        None => Err(format!(
            "no AWS region: pass --region (e.g. --region us-east-1), set AWS_REGION, or set `region` in {}",
            cfg.profile.as_deref().map(|p| format!("profile '{p}'")).unwrap_or_else(|| "your AWS profile".into())
        )),
    }
}

/// One profile and region watched, and the label its data carries in the store: the region
/// alone, or `profile/region` when several profiles are watched at once.
#[derive(Debug, Clone, PartialEq)]
pub struct Scope {
    pub profile: Option<String>,
    pub region: String,
    pub label: String,
}

impl Scope {
    fn options(&self, cfg: &Config) -> AwsOptions {
        AwsOptions { profile: self.profile.clone(), endpoint_url: cfg.endpoint_url.clone() }
    }
}

/// Every profile watched (the first is `cfg.profile`, possibly the default chain's).
fn profiles(cfg: &Config) -> Vec<Option<String>> {
    std::iter::once(cfg.profile.clone()).chain(cfg.more_profiles.iter().cloned().map(Some)).collect()
}

/// `cfg` for one of its profiles alone.
fn for_profile(cfg: &Config, profile: Option<String>) -> Config {
    Config { profile, more_profiles: Vec::new(), ..cfg.clone() }
}

/// What to watch: each profile in each region (the CLI/config regions, else the profile's own).
pub async fn scopes(cfg: &Config) -> Result<Vec<Scope>, String> {
    let profiles = profiles(cfg);
    let several = profiles.len() > 1;
    let mut out = Vec::new();
    for p in profiles {
        for region in resolve_regions(&for_profile(cfg, p.clone())).await? {
            let label = match &p {
                Some(name) if several => format!("{name}/{region}"),
                _ => region.clone(),
            };
            out.push(Scope { profile: p.clone(), region, label });
        }
    }
    Ok(out)
}

/// The regions `profile` watches.
fn regions_of(scopes: &[Scope], profile: &Option<String>) -> Vec<String> {
    scopes.iter().filter(|s| &s.profile == profile).map(|s| s.region.clone()).collect()
}

/// Every region watched, each once, in order.
fn all_regions(scopes: &[Scope]) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for s in scopes {
        if !v.contains(&s.region) {
            v.push(s.region.clone());
        }
    }
    v
}

/// Who the console starts out looking at (accounts follow from sts).
fn initial_identity(cfg: &Config, scopes: &[Scope]) -> Identity {
    let accounts = if cfg.more_profiles.is_empty() {
        Vec::new()
    } else {
        profiles(cfg)
            .into_iter()
            .map(|p| crate::store::update::ProfileAccount {
                profile: p.unwrap_or_else(|| "default".into()),
                account: None,
            })
            .collect()
    };
    Identity {
        profile: cfg.profile.clone(),
        regions: all_regions(scopes),
        endpoint: endpoint(cfg),
        accounts,
        ..Default::default()
    }
}

/// Pollers for each profile and region, ready to run.
pub async fn pollers(cfg: &Config, scopes: &[Scope]) -> Vec<MetricsPoller> {
    per_scope(cfg, scopes, |sdk, s, ep| {
        let client = aws_sdk_cloudwatch::Client::new(sdk);
        MetricsPoller::new(client, &s.region, cfg.custom_namespaces.clone(), s.profile.as_deref(), ep)
            .labelled(&s.label)
            .with_org(org_of(cfg, s, sdk))
    })
    .await
}

/// One reader per scope, made by `make` from the scope's SDK config and the endpoint override.
async fn per_scope<T>(
    cfg: &Config,
    scopes: &[Scope],
    make: impl Fn(&aws_config::SdkConfig, &Scope, Option<&str>) -> T,
) -> Vec<T> {
    let ep = endpoint(cfg);
    let mut out = Vec::with_capacity(scopes.len());
    for s in scopes {
        let sdk = aws::load_config(&s.options(cfg), Some(&s.region)).await;
        out.push(make(&sdk, s, ep.as_deref()));
    }
    out
}

/// The monitoring-account side of a scope's metrics: its OAM reader (is it a monitoring account,
/// which source accounts, by what label) and the config's account names.
fn org_of(cfg: &Config, s: &Scope, sdk: &aws_config::SdkConfig) -> crate::sources::cloudwatch::Org {
    let oam = crate::sources::oam::OamReader::new(
        aws_sdk_oam::Client::new(sdk),
        &s.region,
        s.profile.as_deref(),
        endpoint(cfg).as_deref(),
    )
    .labelled(&s.label);
    crate::sources::cloudwatch::Org::new(Some(oam), cfg.account_names.clone(), cfg.accounts_only.clone())
}

/// The polling plan for the console (none for `--once`, which reads everything once): each of
/// `scopes` metrics sources gets an equal share of the budget.
pub fn planner(cfg: &Config, scopes: usize) -> crate::sources::plan::Planner {
    let refresh = cfg.refresh.as_secs() as i64;
    let mut p = crate::sources::plan::Planner::new(refresh, cfg.api_budget.map(|b| b / scopes.max(1) as f64));
    // the alarm poll of the same scope runs every refresh: one DescribeAlarms a poll
    p.reserve_usd_per_hour = 3600.0 / refresh.max(1) as f64 * crate::store::health::CW_REQUEST_USD_PER_1000 / 1000.0;
    p
}

/// The quota view's week readers (7 days of quota use, every 15 minutes) for each profile and
/// region.
pub async fn usage_sources(cfg: &Config, scopes: &[Scope]) -> Vec<crate::sources::quota_usage::UsageSource> {
    per_scope(cfg, scopes, |sdk, s, ep| {
        let client = aws_sdk_cloudwatch::Client::new(sdk);
        crate::sources::quota_usage::UsageSource::new(client, &s.region, s.profile.as_deref(), ep).labelled(&s.label)
    })
    .await
}

/// Alarm pollers for each profile and region.
pub async fn alarm_pollers(cfg: &Config, scopes: &[Scope]) -> Vec<AlarmsPoller> {
    per_scope(cfg, scopes, |sdk, s, ep| {
        AlarmsPoller::new(aws_sdk_cloudwatch::Client::new(sdk), &s.region, s.profile.as_deref(), ep).labelled(&s.label)
    })
    .await
}

/// Service Quotas readers (Bedrock quotas) for each profile and region.
pub async fn quota_sources(cfg: &Config, scopes: &[Scope]) -> Vec<crate::sources::quotas::QuotasSource> {
    per_scope(cfg, scopes, |sdk, s, ep| {
        let client = aws_sdk_servicequotas::Client::new(sdk);
        crate::sources::quotas::QuotasSource::new(client, &s.region, s.profile.as_deref(), ep).labelled(&s.label)
    })
    .await
}

/// The Price List reader for every Region watched (asked in us-east-1, the first profile's
/// credentials), caching in the user's cache directory.
pub async fn prices_source(cfg: &Config, scopes: &[Scope]) -> crate::sources::prices::PricesSource {
    let ep = endpoint(cfg);
    let first = &scopes[0];
    let sdk = aws::load_config(&first.options(cfg), Some(crate::sources::prices::PRICING_REGION)).await;
    crate::sources::prices::PricesSource::new(
        aws_sdk_pricing::Client::new(&sdk),
        all_regions(scopes),
        crate::sources::prices::default_cache_dir(),
        first.profile.as_deref(),
        ep.as_deref(),
    )
}

/// Application inference profile readers for each profile and region.
pub async fn profile_sources(cfg: &Config, scopes: &[Scope]) -> Vec<crate::sources::bedrock::ProfilesSource> {
    per_scope(cfg, scopes, |sdk, s, ep| {
        let client = aws_sdk_bedrock::Client::new(sdk);
        crate::sources::bedrock::ProfilesSource::new(client, &s.region, s.profile.as_deref(), ep).labelled(&s.label)
    })
    .await
}

/// Look up the account (sts:GetCallerIdentity) and send it; failures become an `sts` source error.
pub async fn identify(cfg: &Config, regions: &[String], tx: &UnboundedSender<Update>) -> Result<(), SourceError> {
    let mut identity = Identity {
        profile: cfg.profile.clone(),
        regions: regions.to_vec(),
        endpoint: endpoint(cfg),
        ..Default::default()
    };
    let region = regions.first().map(String::as_str);
    let sdk = aws::load_config(&aws_options(cfg), region).await;
    let ctx = ErrorContext::new("sts:GetCallerIdentity", cfg.profile.as_deref(), region, identity.endpoint.as_deref());
    let mut health = SourceHealth::new("sts", None);
    match aws::whoami(&sdk, &ctx).await {
        Ok((account, arn)) => {
            identity.account = Some(account);
            identity.arn = Some(arn);
            health.other_requests += 1;
            health.calls += 1;
            health.record_ok(aws::now());
            // sts needs no row in the status bar when it worked
            let _ = tx.send(Update::Identity(identity));
            Ok(())
        }
        Err(e) => {
            health.calls += 1;
            health.record_error(e.clone());
            let _ = tx.send(Update::Identity(identity));
            let _ = tx.send(Update::Health(health));
            Err(e)
        }
    }
}

/// [`identify`] until it works, waiting as the sources do between tries: a session that had
/// expired at launch must not leave the account unknown and the `sts` error on screen after the
/// operator has logged in again.
pub async fn identify_until_ok(cfg: &Config, regions: &[String], tx: &UnboundedSender<Update>) {
    let mut health = SourceHealth::new("sts", None);
    while let Err(e) = identify(cfg, regions, tx).await {
        health.calls += 1;
        health.record_error(e);
        tokio::time::sleep(crate::sources::next_delay(cfg.refresh, &health)).await;
        if tx.is_closed() {
            return;
        }
    }
    if health.consecutive_failures > 0 {
        health.calls += 1;
        health.other_requests += 1;
        health.record_ok(aws::now());
        let _ = tx.send(Update::Health(health));
    }
}

/// Start every source for the TUI. Returns the update stream and the command handles.
pub async fn start(cfg: &Config) -> Result<(UnboundedReceiver<Update>, Sources), String> {
    let (tx, rx) = unbounded_channel();
    let mut sources = Sources::default();
    if cfg.demo {
        let _ = tx.send(demo_identity());
        // the story starts on the minute (up to 59 s before the console does): its events then
        // begin on minute boundaries, and the first minute of the throttling storm or the cost
        // spike is a complete minute 60 s after it starts, so rules judging whole minutes fire
        // within a minute, as CloudWatch would show it
        let launch = aws::now().div_euclid(60) * 60;
        // the quota view's week, and the batch job's application inference profile
        let _ = tx.send(Update::InferenceProfiles(crate::sources::demo::week::profiles()));
        let _ = tx.send(Update::QuotaUsage(crate::sources::demo::week::week(cfg.demo_seed, aws::now())));
        let logs = crate::sources::logs::spawn(demo_logs_runner(cfg, launch), tx.clone());
        watch_runaway(cfg, &mut sources, &logs.commands);
        sources.push_finishing(logs.commands, logs.done);
        let traces = crate::sources::demo::traces::DemoTraces::new(cfg.demo_seed, launch);
        sources.push(crate::sources::demo::traces::spawn(traces, Some(initial_traces_query(cfg)), tx.clone()));
        sources.push(spawn_demo(DemoWorkload::new(cfg.demo_seed, launch), cfg.since, tx));
        return Ok((rx, sources));
    }
    let scopes = scopes(cfg).await?;
    let _ = tx.send(Update::Identity(initial_identity(cfg, &scopes)));
    for p in profiles(cfg) {
        let regions = regions_of(&scopes, &p);
        let (cfg, tx) = (for_profile(cfg, p), tx.clone());
        tokio::spawn(async move { identify_until_ok(&cfg, &regions, &tx).await });
    }
    for p in pollers(cfg, &scopes).await {
        sources.push(spawn_metrics(p.planned(planner(cfg, scopes.len())), cfg.since, cfg.refresh, tx.clone()));
    }
    for p in alarm_pollers(cfg, &scopes).await {
        sources.push(crate::sources::alarms::spawn(p, cfg.refresh, tx.clone()));
    }
    for q in quota_sources(cfg, &scopes).await {
        sources.push(crate::sources::quotas::spawn(q, tx.clone()));
    }
    for u in usage_sources(cfg, &scopes).await {
        sources.push(crate::sources::quota_usage::spawn(u, tx.clone()));
    }
    crate::sources::prices::spawn(prices_source(cfg, &scopes).await, tx.clone());
    for p in profile_sources(cfg, &scopes).await {
        crate::sources::bedrock::spawn(p, tx.clone());
    }
    for x in xray_sources(cfg, &scopes).await {
        sources.push(crate::sources::xray::spawn(x, Some(initial_traces_query(cfg)), cfg.refresh, tx.clone()));
    }
    // Logs Insights runs in the first profile's first region
    let first = &scopes[0];
    let logs = crate::sources::logs::spawn(
        logs_runner(&for_profile(cfg, first.profile.clone()), &first.region).await,
        tx.clone(),
    );
    watch_runaway(cfg, &mut sources, &logs.commands);
    sources.push_finishing(logs.commands, logs.done);
    Ok((rx, sources))
}

/// Start the runaway watch (unless `[runaway] enabled = false`): its queries go through the logs
/// source (`logs`), which stops them on exit.
fn watch_runaway(cfg: &Config, sources: &mut Sources, logs: &UnboundedSender<crate::sources::Command>) {
    if cfg.runaway.enabled {
        sources.push(crate::sources::runaway::spawn(runaway_settings(cfg), cfg.presets.clone(), logs.clone()));
    }
}

/// The runaway watch's settings: the config's, except that the demo's watch runs every minute
/// (its queries cost nothing), so the story's loop shows within a minute or two.
pub fn runaway_settings(cfg: &Config) -> crate::store::runaway::Settings {
    let mut s = cfg.runaway;
    if cfg.demo {
        s.every_secs = s.every_secs.min(60);
    }
    s
}

/// How long `--once` waits for each runaway query before stopping it.
pub const ONCE_RUNAWAY_DEADLINE: std::time::Duration = std::time::Duration::from_secs(60);

/// `--once`: one run of the runaway watch, to be applied to the store with [`RunawayOnce::apply`].
#[derive(Debug, Default)]
pub struct RunawayOnce {
    pub updates: Vec<Update>,
    /// Kinds not queried, and why (no log group, interrupted).
    pub notes: Vec<(crate::store::runaway::Kind, String)>,
}

impl RunawayOnce {
    pub fn apply(self, store: &mut Store) {
        for u in self.updates {
            store.apply(u);
        }
        for (kind, note) in self.notes {
            store.runaway.set_note(kind, note);
        }
    }
}

/// `--once`: run the runaway watch's queries once in `scope` (the logs source's profile and
/// region), each bounded by [`ONCE_RUNAWAY_DEADLINE`] and stopped on Ctrl-C, SIGTERM or SIGHUP.
/// Kinds without log groups are skipped quietly, with a note in the logs source's health.
pub async fn runaway_once(cfg: Config, scope: Scope, now: i64) -> RunawayOnce {
    if !cfg.runaway.enabled {
        return RunawayOnce::default();
    }
    let mut r = logs_runner(&for_profile(&cfg, scope.profile.clone()), &scope.region).await;
    r.init().await;
    let deadline = Some(ONCE_RUNAWAY_DEADLINE);
    let out = tokio::select! {
        x = crate::sources::runaway::run_once(&mut r, &cfg.presets, now, deadline) => Some(x),
        _ = interrupted() => None,
    };
    let (mut updates, notes) = match out {
        Some(x) => x,
        None => {
            r.stop_all("interrupted").await;
            let notes = crate::store::runaway::Kind::ALL.map(|k| (k, "interrupted: the query was stopped".to_string()));
            (r.drain(), notes.to_vec())
        }
    };
    if !notes.is_empty() && !r.health.is_stale() {
        let mut h = r.health.clone();
        h.note = Some(notes.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join("; "));
        updates.push(Update::Health(h));
    }
    RunawayOnce { updates, notes }
}

/// `--once --demo`: the runaway watch on the demo's logs, anchored like the rest of `--once`.
pub async fn runaway_demo_once(cfg: &Config, now: i64) -> RunawayOnce {
    if !cfg.runaway.enabled {
        return RunawayOnce::default();
    }
    let mut r = demo_logs_runner(cfg, now - ONCE_DEMO_OFFSET_SECS);
    r.init().await;
    let (updates, notes) = crate::sources::runaway::run_once(&mut r, &cfg.presets, now, None).await;
    RunawayOnce { updates, notes }
}

/// The Logs Insights query runner for `region`.
pub async fn logs_runner(cfg: &Config, region: &str) -> LogsRunner<CwlBackend> {
    let sdk = aws::load_config(&aws_options(cfg), Some(region)).await;
    let mut backend = CwlBackend::new(
        aws_sdk_cloudwatchlogs::Client::new(&sdk),
        Some(aws_sdk_xray::Client::new(&sdk)),
        region,
        cfg.profile.as_deref(),
        endpoint(cfg).as_deref(),
    );
    // a monitoring account's source accounts' groups too
    backend.org.names = cfg.account_names.clone();
    backend.org.oam = Some(crate::sources::oam::OamReader::new(
        aws_sdk_oam::Client::new(&sdk),
        region,
        cfg.profile.as_deref(),
        endpoint(cfg).as_deref(),
    ));
    LogsRunner::new(backend, cfg.insights.clone(), cfg.pricing.clone(), SourceHealth::new("logs", Some(region)))
}

/// The demo's query runner (its synthetic logs follow the story anchored at `launch`).
pub fn demo_logs_runner(cfg: &Config, launch: i64) -> LogsRunner<DemoInsights> {
    LogsRunner::new(
        DemoInsights::new(cfg.demo_seed, launch),
        cfg.insights.clone(),
        cfg.pricing.clone(),
        SourceHealth::new("logs", Some(DEMO_REGION)),
    )
    .answering_trace_fetches(false)
}

/// How long `--once --query` waits for a query before stopping it.
pub const ONCE_QUERY_DEADLINE: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Why `--once --query` ran no query to its end: the binary exits 130 when interrupted, else 2.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryOnceError {
    /// No query of that name, or no region to run it in (the sentence says which).
    Setup(String),
    /// Ctrl-C, SIGTERM or SIGHUP while it ran: the query was stopped.
    Interrupted,
}

impl std::fmt::Display for QueryOnceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QueryOnceError::Setup(why) => f.write_str(why),
            QueryOnceError::Interrupted => f.write_str("interrupted: the query was stopped"),
        }
    }
}

impl std::error::Error for QueryOnceError {}

/// `--once --query NAME`: run the query over the window to its end (stopping it on Ctrl-C,
/// SIGTERM or SIGHUP). Returns the query and the source's health.
pub async fn run_query_once(cfg: &Config, name: &str) -> Result<(QueryRun, SourceHealth), QueryOnceError> {
    let preset =
        cfg.presets.get(name).ok_or_else(|| QueryOnceError::Setup(format!("no query named '{name}'")))?.clone();
    let spec = |now: i64| {
        QuerySpec::new(&preset.name, &preset.query, preset.groups, Vec::new(), cfg.since.window_ending(now))
            .relative(cfg.since)
    };
    if cfg.demo {
        let now = aws::now();
        let mut r = demo_logs_runner(cfg, now - ONCE_DEMO_OFFSET_SECS);
        r.init().await;
        let run = crate::sources::logs::run_to_end(&mut r, spec(now), ONCE_QUERY_DEADLINE).await;
        return Ok((run, r.health.clone()));
    }
    let regions = resolve_regions(cfg).await.map_err(QueryOnceError::Setup)?;
    let mut r = logs_runner(cfg, &regions[0]).await;
    r.init().await;
    let out = tokio::select! {
        run = crate::sources::logs::run_to_end(&mut r, spec(aws::now()), ONCE_QUERY_DEADLINE) => Some(run),
        _ = interrupted() => None,
    };
    match out {
        Some(run) => Ok((run, r.health.clone())),
        None => {
            r.stop_all("interrupted").await;
            Err(QueryOnceError::Interrupted)
        }
    }
}

/// Ctrl-C, SIGTERM or SIGHUP.
async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut hup)) = (signal(SignalKind::terminate()), signal(SignalKind::hangup())) else {
            let _ = tokio::signal::ctrl_c().await;
            return;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
            _ = hup.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// `--once --demo`: the demo's traces of the window, and its slowest fetched whole.
pub fn demo_traces_once(cfg: &Config, now: i64) -> Vec<Update> {
    use crate::store::traces::TracesUpdate;
    let mut d = crate::sources::demo::traces::DemoTraces::new(cfg.demo_seed, now - ONCE_DEMO_OFFSET_SECS);
    let q = initial_traces_query(cfg);
    let mut h = SourceHealth::new("xray", Some(DEMO_REGION));
    h.calls = 1;
    let mut out = Vec::new();
    match d.list(&q, now) {
        Ok(list) => {
            let mut cand: Vec<(f64, String)> =
                list.summaries.iter().map(|s| (s.duration.unwrap_or(0.0), s.id.clone())).collect();
            cand.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            let ids: Vec<String> = cand.into_iter().take(ONCE_SLOWEST).map(|(_, id)| id).collect();
            out.push(Update::Traces(TracesUpdate::Listed(list)));
            let (traces, unprocessed) = d.fetch(&ids);
            out.push(Update::Traces(TracesUpdate::Fetched { traces, unprocessed }));
            h.record_ok(now);
        }
        Err(error) => {
            h.record_error(error.clone());
            out.push(Update::Traces(TracesUpdate::ListFailed { query: q, region: DEMO_REGION.into(), error }));
        }
    }
    out.push(Update::Health(h));
    out
}

pub fn demo_identity() -> Update {
    Update::Identity(Identity {
        profile: None,
        account: Some("123456789012".into()),
        arn: None,
        regions: vec![DEMO_REGION.into()],
        endpoint: None,
        demo: true,
        accounts: Vec::new(),
    })
}

/// One poll cycle of every source, applied to a fresh store (for `--once`).
pub async fn poll_once(cfg: &Config) -> Result<Store, String> {
    let mut store = new_store(cfg);
    let now = aws::now();
    if cfg.demo {
        store.apply(demo_identity());
        // --once shows the incident under way: the story is anchored a few minutes back
        let mut w = DemoWorkload::new(cfg.demo_seed, now - ONCE_DEMO_OFFSET_SECS);
        store.apply(Update::Metrics(w.poll(now, cfg.since)));
        store.apply(Update::InferenceProfiles(crate::sources::demo::week::profiles()));
        store.apply(Update::QuotaUsage(crate::sources::demo::week::week(cfg.demo_seed, now)));
        let mut h = SourceHealth::new("demo", Some(DEMO_REGION));
        h.calls = 1;
        h.record_ok(now);
        store.apply(Update::Health(h));
        for u in demo_traces_once(cfg, now) {
            store.apply(u);
        }
        runaway_demo_once(cfg, now).await.apply(&mut store);
        return Ok(store);
    }
    let scopes = scopes(cfg).await?;
    store.apply(Update::Identity(initial_identity(cfg, &scopes)));
    let (tx, mut rx) = unbounded_channel();
    let identify = async {
        for p in profiles(cfg) {
            let regions = regions_of(&scopes, &p);
            let _ = identify(&for_profile(cfg, p), &regions, &tx).await;
        }
    };
    let polls = async {
        let mut results = Vec::new();
        for mut p in pollers(cfg, &scopes).await {
            let r = match cfg.range {
                Some(w) => p.poll_window(w, now).await,
                None => p.poll(cfg.since, now).await,
            };
            results.push((r, p.health.clone(), p.take_updates()));
        }
        for mut p in alarm_pollers(cfg, &scopes).await {
            if let Ok(a) = p.poll(now).await {
                let _ = tx.send(Update::Alarms(a));
            }
            let _ = tx.send(Update::Health(p.health.clone()));
        }
        for (mut x, scope) in xray_sources(cfg, &scopes).await.into_iter().zip(&scopes) {
            for u in traces_once(&mut x, cfg, scope, now).await {
                let _ = tx.send(u);
            }
        }
        results
    };
    // Service Quotas alongside (optional: a denied read leaves a note, never a failure)
    let quotas = async {
        for mut q in quota_sources(cfg, &scopes).await {
            if let Ok(u) = q.poll(now).await {
                let _ = tx.send(Update::ServiceQuotas(u));
            }
            let _ = tx.send(Update::Health(q.health.clone()));
        }
        // and the week of quota use (the quota view's figures)
        for mut u in usage_sources(cfg, &scopes).await {
            if let Ok(w) = u.poll(now).await {
                let _ = tx.send(Update::QuotaUsage(w));
            }
            let _ = tx.send(Update::Health(u.health.clone()));
        }
    };
    // the Price List and the inference profiles alongside (optional too)
    let prices = async {
        let mut p = prices_source(cfg, &scopes).await;
        for u in p.poll(now).await {
            let _ = tx.send(Update::Prices(u));
        }
        let _ = tx.send(Update::Health(p.health.clone()));
    };
    let profiles = async {
        for mut p in profile_sources(cfg, &scopes).await {
            if let Ok(u) = p.poll(&[], now).await {
                let _ = tx.send(Update::InferenceProfiles(u));
            }
            let _ = tx.send(Update::Health(p.health.clone()));
        }
    };
    // the runaway watch's queries alongside, in the logs source's scope
    let runaway = tokio::spawn(runaway_once(cfg.clone(), scopes[0].clone(), now));
    let (_, results, (), (), ()) = tokio::join!(identify, polls, quotas, prices, profiles);
    drop(tx);
    while let Ok(u) = rx.try_recv() {
        store.apply(u);
    }
    for (r, h, extra) in results {
        for u in extra {
            store.apply(u);
        }
        if let Ok(u) = r {
            store.apply(Update::Metrics(u));
        }
        store.apply(Update::Health(h));
    }
    if let Ok(r) = runaway.await {
        r.apply(&mut store);
    }
    resolve_unlisted_profiles(cfg, &scopes, &mut store, now).await;
    Ok(store)
}

/// Application inference profile ARNs in the metrics that ListInferenceProfiles did not return
/// (shared from another account): read each with GetInferenceProfile, in its scope.
async fn resolve_unlisted_profiles(cfg: &Config, scopes: &[Scope], store: &mut Store, now: i64) {
    let models = store.models();
    for mut p in profile_sources(cfg, scopes).await {
        let label = p.health.region.clone().unwrap_or_default();
        let missing: Vec<String> = models
            .iter()
            .filter(|m| m.region == label && crate::domain::catalog::is_application_profile(&m.model_id))
            .filter(|m| !store.inference_profiles.contains_key(&m.model_id))
            .map(|m| m.model_id.clone())
            .collect();
        if !missing.is_empty() {
            let u = p.resolve(&missing, now).await;
            store.apply(Update::InferenceProfiles(u));
        }
    }
}
