//! Wiring: from a resolved [`Config`] to running sources, for the TUI and for `--once`.

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::config::Config;
use crate::sources::aws::{self, AwsOptions, ErrorContext};
use crate::sources::cloudwatch::MetricsPoller;
use crate::sources::demo::{DEMO_REGION, DemoWorkload};
use crate::sources::{Sources, spawn_demo, spawn_metrics};
use crate::store::{Identity, SourceHealth, Store, Update};

/// How far into the demo's story `--once --demo` reports (the throttling storm and the cost
/// spike are both under way by then).
pub const ONCE_DEMO_OFFSET_SECS: i64 = 6 * 60;

pub fn new_store(cfg: &Config) -> Store {
    Store::new(cfg.pricing.clone(), cfg.custom_namespaces.clone())
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

/// Pollers for each region, ready to run.
pub async fn pollers(cfg: &Config, regions: &[String]) -> Vec<MetricsPoller> {
    let opts = aws_options(cfg);
    let ep = endpoint(cfg);
    let mut out = Vec::new();
    for r in regions {
        let sdk = aws::load_config(&opts, Some(r)).await;
        let client = aws_sdk_cloudwatch::Client::new(&sdk);
        out.push(MetricsPoller::new(client, r, cfg.custom_namespaces.clone(), cfg.profile.as_deref(), ep.as_deref()));
    }
    out
}

/// Look up the account (sts:GetCallerIdentity) and send it; failures become an `sts` source error.
pub async fn identify(cfg: &Config, regions: &[String], tx: &UnboundedSender<Update>) {
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
        }
        Err(e) => {
            health.calls += 1;
            health.record_error(e);
            let _ = tx.send(Update::Identity(identity));
            let _ = tx.send(Update::Health(health));
        }
    }
}

/// Start every source for the TUI. Returns the update stream and the command handles.
pub async fn start(cfg: &Config) -> Result<(UnboundedReceiver<Update>, Sources), String> {
    let (tx, rx) = unbounded_channel();
    let mut sources = Sources::default();
    if cfg.demo {
        let _ = tx.send(demo_identity());
        sources.push(spawn_demo(DemoWorkload::new(cfg.demo_seed, aws::now()), cfg.since, tx));
        return Ok((rx, sources));
    }
    let regions = resolve_regions(cfg).await?;
    let _ = tx.send(Update::Identity(Identity {
        profile: cfg.profile.clone(),
        regions: regions.clone(),
        endpoint: endpoint(cfg),
        ..Default::default()
    }));
    {
        let (cfg, regions, tx) = (cfg.clone(), regions.clone(), tx.clone());
        tokio::spawn(async move { identify(&cfg, &regions, &tx).await });
    }
    for p in pollers(cfg, &regions).await {
        sources.push(spawn_metrics(p, cfg.since, cfg.refresh, tx.clone()));
    }
    Ok((rx, sources))
}

pub fn demo_identity() -> Update {
    Update::Identity(Identity {
        profile: None,
        account: Some("123456789012".into()),
        arn: None,
        regions: vec![DEMO_REGION.into()],
        endpoint: None,
        demo: true,
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
        let mut h = SourceHealth::new("demo", Some(DEMO_REGION));
        h.calls = 1;
        h.record_ok(now);
        store.apply(Update::Health(h));
        return Ok(store);
    }
    let regions = resolve_regions(cfg).await?;
    let (tx, mut rx) = unbounded_channel();
    let identify = identify(cfg, &regions, &tx);
    let polls = async {
        let mut results = Vec::new();
        for mut p in pollers(cfg, &regions).await {
            let r = p.poll(cfg.since, now).await;
            results.push((r, p.health.clone()));
        }
        results
    };
    let ((), results) = tokio::join!(identify, polls);
    drop(tx);
    while let Ok(u) = rx.try_recv() {
        store.apply(u);
    }
    for (r, h) in results {
        if let Ok(u) = r {
            store.apply(Update::Metrics(u));
        }
        store.apply(Update::Health(h));
    }
    Ok(store)
}
