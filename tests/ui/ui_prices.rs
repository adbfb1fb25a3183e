//! Where prices come from, in the Models pane and the model detail (TestBackend snapshots): an
//! application inference profile's row is labelled by its name, and its detail line names the
//! profile, its tags, the model it is priced as and the price's source; a model priced from the
//! Price List says `price-list`, from the built-in table `built-in`.

use crate::ui_common;

use std::collections::BTreeMap;

use nightjar::domain::pricing::Price;
use nightjar::store::prices::{InferenceProfile, InferenceProfilesUpdate, PricesUpdate};
use nightjar::store::{MetricsUpdate, SeriesKey, Store, Update};
use nightjar::ui::action::Action;
use ui_common::{app, demo_store, render};

const ARN: &str = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123";

/// The demo at minute 5, plus an application inference profile's calls under its ARN (the
/// profile known to the store when `known`) and Price List figures for Nova Pro.
fn store_with_profile(known: bool) -> (Store, i64) {
    let (mut store, now) = demo_store(5);
    let t = (now / 60 - 2) * 60;
    let key = |metric: &str| SeriesKey::new("us-east-1", "AWS/Bedrock", metric, &[("ModelId", ARN)], "Sum");
    store.apply(Update::Metrics(MetricsUpdate {
        window: store.window,
        period: 60,
        resolution: Default::default(),
        series: vec![
            (key("Invocations"), vec![(t, 40.0)]),
            (key("InputTokenCount"), vec![(t, 2_000_000.0)]),
            (key("OutputTokenCount"), vec![(t, 100_000.0)]),
        ],
        window_values: vec![],
    }));
    if known {
        store.apply(Update::InferenceProfiles(InferenceProfilesUpdate {
            region: "us-east-1".into(),
            profiles: vec![InferenceProfile {
                arn: ARN.into(),
                id: "abc123".into(),
                name: "support-bot".into(),
                kind: "APPLICATION".into(),
                models: vec![
                    "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-7-sonnet-20250219-v1:0".into(),
                ],
                model_id: Some("anthropic.claude-3-7-sonnet-20250219-v1:0".into()),
                tags: BTreeMap::from([("team".into(), "support".into()), ("use-case".into(), "chat".into())]),
            }],
        }));
    }
    store.apply(Update::Prices(PricesUpdate {
        region: "us-east-1".into(),
        prices: BTreeMap::from([(
            "amazon.nova-pro-v1:0".into(),
            Price { input: 0.8, output: 3.2, cache_read: Some(0.2), cache_write: None },
        )]),
        fetched_at: now - 100,
        from_cache: false,
    }));
    (store, now)
}

#[test]
fn a_profile_row_is_named_and_priced_as_its_model() {
    let (store, now) = store_with_profile(true);
    let row = store.models().into_iter().find(|r| r.model_id == ARN).unwrap();
    // 2M in × $3 + 100k out × $15
    assert_eq!(row.cost_usd, Some(7.5));
    let mut a = app();
    a.handle(Action::Pane2, &store);
    let screen = render(&store, &mut a, 80, 24, now);
    assert!(screen.contains("@support-bot"), "{screen}");
    insta::assert_snapshot!("models_with_profile_80x24", screen);
    insta::assert_snapshot!("models_with_profile_120x30", render(&store, &mut a, 120, 30, now));
}

#[test]
fn an_unknown_profile_arn_has_no_price_not_zero() {
    let (store, now) = store_with_profile(false);
    let row = store.models().into_iter().find(|r| r.model_id == ARN).unwrap();
    assert_eq!((row.cost_usd, row.price_source), (None, None));
    let mut a = app();
    a.handle(Action::Pane2, &store);
    let screen = render(&store, &mut a, 120, 30, now);
    assert!(screen.contains("abc123") && screen.contains("no price"), "{screen}");
}

#[test]
fn the_detail_line_says_where_the_price_came_from() {
    let (store, now) = store_with_profile(true);
    let mut a = app();
    a.handle(Action::Pane2, &store);
    // open the profile's row: rows are sorted by cost, find it
    let rows = a.panes.models.state.rows(&store, a.view_state);
    let at = rows.iter().position(|r| r.model_id == ARN).unwrap();
    for _ in 0..at {
        a.handle(Action::Down, &store);
    }
    a.handle(Action::Select, &store);
    let wide = render(&store, &mut a, 160, 48, now);
    assert!(wide.contains("$7.50 built-in"), "{wide}");
    assert!(wide.contains("profile support-bot [team=support use-case=chat] → claude-3-7-sonnet"), "{wide}");
    insta::assert_snapshot!("detail_profile_160x48", wide);
    insta::assert_snapshot!("detail_profile_80x24", render(&store, &mut a, 80, 24, now));
    // a model priced from the Price List says so
    a.handle(Action::Back, &store);
    let rows = a.panes.models.state.rows(&store, a.view_state);
    let nova = rows.iter().position(|r| r.model_id.contains("nova-pro")).unwrap();
    let now_at = rows.iter().position(|r| r.model_id == ARN).unwrap();
    for _ in 0..now_at {
        a.handle(Action::Up, &store);
    }
    for _ in 0..nova {
        a.handle(Action::Down, &store);
    }
    a.handle(Action::Select, &store);
    let wide = render(&store, &mut a, 160, 48, now);
    assert!(wide.contains(" price-list"), "{wide}");
}
