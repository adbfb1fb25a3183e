//! A monitoring account (CloudWatch cross-account observability): the header says so, the model
//! tables carry an Account column and group by account (`a`: model+region → model → account),
//! `/` filters by account, and the status bar shows the polling plan's planned and spent rate.
//! Snapshots at 80x24 and 160x48.

use crate::ui_common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use nightjar::domain::pricing::PriceTable;
use nightjar::domain::window::Window;
use nightjar::store::accounts::{AccountsUpdate, Link, OrgUpdate};
use nightjar::store::plan::PlanStatus;
use nightjar::store::{Identity, MetricsUpdate, SeriesKey, SourceHealth, Store, Update};
use nightjar::ui::action::Action;
use nightjar::ui::app::App;
use ui_common::*;

const SONNET: &str = "anthropic.claude-sonnet-4-5-20250929-v1:0";
const HAIKU: &str = "anthropic.claude-haiku-4-5-20251001-v1:0";
const NOVA: &str = "amazon.nova-pro-v1:0";
const MONITORING: &str = "210000000100";

fn key(a: &mut App, store: &Store, code: KeyCode) {
    a.handle_key(KeyEvent::new(code, KeyModifiers::NONE), store);
}

/// A monitoring account in us-east-1 with three linked source accounts: payments-prod calls
/// Sonnet in two regions, search-prod Haiku, ml-lab Nova and Sonnet. Its plan spends $0.08 of
/// a $0.10 budget.
fn org_store() -> Store {
    let mut store = Store::new(PriceTable::default(), vec![]);
    store.apply(Update::Identity(Identity {
        account: Some(MONITORING.into()),
        regions: vec!["us-east-1".into(), "us-west-2".into()],
        ..Default::default()
    }));
    let links = [("210000000101", "payments-prod"), ("210000000102", "search-prod"), ("210000000103", "ml-lab")];
    for region in ["us-east-1", "us-west-2"] {
        store.apply(Update::Accounts(AccountsUpdate::Org(OrgUpdate {
            region: region.into(),
            monitoring: Some(MONITORING.into()),
            sinks: vec![format!("arn:aws:oam:{region}:{MONITORING}:sink/org")],
            links: links
                .iter()
                .map(|(a, l)| Link {
                    account: a.to_string(),
                    label: Some(l.to_string()),
                    link_arn: format!("arn:aws:oam:{region}:{a}:link/l"),
                    resource_types: vec!["AWS::CloudWatch::Metric".into()],
                })
                .collect(),
            ..Default::default()
        })));
    }
    let start = LAUNCH - 3600;
    let mut series = Vec::new();
    let mut window_values = Vec::new();
    // (scope, model, invocations/min, throttles/min, p99)
    let rows = [
        ("payments-prod/us-east-1", format!("us.{SONNET}"), 40.0, 3.0, 7400.0),
        ("payments-prod/us-west-2", SONNET.to_string(), 12.0, 0.0, 5200.0),
        ("search-prod/us-east-1", HAIKU.to_string(), 60.0, 0.0, 2600.0),
        ("ml-lab/us-east-1", NOVA.to_string(), 9.0, 0.0, 3900.0),
        ("ml-lab/us-east-1", SONNET.to_string(), 2.0, 0.0, 6100.0),
    ];
    for (scope, model, inv, thr, p99) in rows {
        let k = |m: &str, s: &str| SeriesKey::new(scope, "AWS/Bedrock", m, &[("ModelId", &model)], s);
        let per_min = |v: f64| (0..60).map(|i| (start + i * 60, v)).collect::<Vec<_>>();
        series.push((k("Invocations", "Sum"), per_min(inv)));
        series.push((k("InvocationThrottles", "Sum"), per_min(thr)));
        series.push((k("InputTokenCount", "Sum"), per_min(inv * 1500.0)));
        series.push((k("OutputTokenCount", "Sum"), per_min(inv * 300.0)));
        series.push((k("InvocationLatency", "p99"), per_min(p99)));
        window_values.push((k("InvocationLatency", "p99"), Some(p99)));
    }
    store.apply(Update::Metrics(MetricsUpdate {
        window: Window { start, end: LAUNCH },
        period: 60,
        resolution: Default::default(),
        series,
        window_values,
    }));
    for region in ["us-east-1", "us-west-2"] {
        let mut h = SourceHealth::new("cloudwatch", Some(region));
        h.record_ok(LAUNCH);
        h.newest_data = Some(LAUNCH - 60);
        store.apply(Update::Health(h));
        store.apply(Update::Plan(PlanStatus {
            scope: region.into(),
            budget_usd_per_hour: Some(0.05),
            planned_usd_per_hour: 0.045,
            unplanned_usd_per_hour: 2.4,
            spent_usd_per_hour: Some(0.04),
            slowed: 300,
            queries: 330,
            stretch: 1.3,
            over_budget: false,
        }));
    }
    store
}

/// The Models pane's table row of `model` (its short name at the start of a line).
fn row<'a>(screen: &'a str, model: &str) -> Vec<&'a str> {
    screen.lines().filter(|l| l.trim_start_matches('"').starts_with(&format!("│{model} "))).collect()
}

#[test]
fn models_name_each_account_80x24_and_160x48() {
    let store = org_store();
    let mut a = app();
    a.handle(Action::Pane2, &store);
    let wide = render(&store, &mut a, 160, 48, LAUNCH);
    let header = wide.lines().next().unwrap();
    assert!(header.contains("monitoring 210000… · 3 linked accounts"), "{wide}");
    assert!(wide.contains("Account"), "{wide}");
    // Sonnet from two accounts (and two regions in one): three rows, each named by its account
    let sonnet = row(&wide, "claude-sonnet-4-5");
    assert_eq!(sonnet.len(), 3, "{wide}");
    for (account, region) in [("payments-prod", "us-east-1"), ("payments-prod", "us-west-2"), ("ml-lab", "us-east-1")] {
        assert!(sonnet.iter().any(|l| l.contains(account) && l.contains(region)), "{account} {region}:\n{wide}");
    }
    // the region column holds the region alone (the account has its own)
    assert!(!wide.contains("payments-prod/us-east-1"), "{wide}");
    assert!(sonnet.iter().any(|l| l.contains("7.4s")), "p99 read from the window figure: {wide}");
    assert!(row(&wide, "claude-haiku-4-5")[0].contains("search-prod"), "{wide}");
    assert!(row(&wide, "nova-pro")[0].contains("ml-lab"), "{wide}");
    // accounts by label, never by number alone (the header's monitoring account is cut short)
    assert!(!wide.contains("210000000101") && !wide.contains(MONITORING), "{wide}");
    // the plan: the scopes' planned and spent rates and budgets summed
    assert!(wide.contains("plan $0.09/$0.10/h spent $0.08/h · 600 slowed"), "{wide}");
    insta::assert_snapshot!("models_accounts_160x48", wide);
    let small = render(&store, &mut a, 80, 24, LAUNCH);
    assert!(small.lines().all(|l| l.trim_matches('"').chars().count() <= 80), "{small}");
    assert!(small.lines().next().unwrap().contains("3 linked"), "{small}");
    assert!(row(&small, "claude-haiku-4-5")[0].contains("search-prod"), "{small}");
    insta::assert_snapshot!("models_accounts_80x24", small);
}

#[test]
fn the_group_key_cycles_to_by_account_and_the_filter_narrows_to_one() {
    let store = org_store();
    let mut a = app();
    a.handle(Action::Pane2, &store);
    render(&store, &mut a, 80, 24, LAUNCH);
    assert_eq!(a.panes.models.state.rows(&store, a.view_state).len(), 5);
    // model+region → model: Sonnet's four rows are one
    a.handle(Action::GroupModels, &store);
    assert!(a.view_state.grouped && !a.view_state.by_account);
    assert_eq!(a.panes.models.state.rows(&store, a.view_state).len(), 3);
    // the footer says the next press groups by account
    assert!(render(&store, &mut a, 120, 35, LAUNCH).contains("a by account"));
    // model → account: one row per account and base model, regions summed
    a.handle(Action::GroupModels, &store);
    assert!(!a.view_state.grouped && a.view_state.by_account);
    let rows = a.panes.models.state.rows(&store, a.view_state);
    assert_eq!(rows.len(), 4, "{rows:#?}");
    let pay = rows.iter().find(|r| r.region.starts_with("payments-prod")).unwrap();
    assert_eq!(pay.region, "payments-prod/2 regions");
    assert_eq!(pay.invocations, Some((40.0 + 12.0) * 60.0));
    let screen = render(&store, &mut a, 80, 24, LAUNCH);
    assert!(screen.contains("by account"), "{screen}");
    insta::assert_snapshot!("models_by_account_80x24", screen);
    // `/` by account
    a.handle(Action::Filter, &store);
    for c in "ml-lab".chars() {
        key(&mut a, &store, KeyCode::Char(c));
    }
    key(&mut a, &store, KeyCode::Enter);
    let rows = a.panes.models.state.rows(&store, a.view_state);
    assert_eq!(rows.len(), 2, "Nova and Sonnet of ml-lab: {rows:#?}");
    assert!(rows.iter().all(|r| r.region.starts_with("ml-lab/")));
    // and back to model+region
    a.handle(Action::GroupModels, &store);
    assert!(!a.view_state.grouped && !a.view_state.by_account);
}
