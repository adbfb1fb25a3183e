//! The demo's scripted incident, seen through the console's own rules and triage: the
//! throttling storm and the cost spike fire rules and top the suspects within a minute.

use nightjar::domain::pricing::PriceTable;
use nightjar::domain::rules::RuleSet;
use nightjar::domain::window::Since;
use nightjar::sources::demo::DemoWorkload;
use nightjar::store::{Store, Update};

const LAUNCH: i64 = 1_795_575_600; // minute-aligned

struct Timeline {
    first_firing: std::collections::BTreeMap<String, i64>,
    first_suspect: Vec<(i64, String)>,
}

fn run(seed: u64, until_min: i64) -> Timeline {
    let mut store = Store::new(PriceTable::default(), vec![]);
    store.rules.rules = RuleSet::builtin();
    let mut w = DemoWorkload::new(seed, LAUNCH);
    let mut first_firing = std::collections::BTreeMap::new();
    let mut first_suspect = Vec::new();
    // the console polls the demo every 5 s; every 15 s is enough here
    let mut now = LAUNCH - 60;
    while now <= LAUNCH + until_min * 60 {
        store.apply(Update::Metrics(w.poll(now, Since::default())));
        for r in store.firing_rules() {
            first_firing.entry(r.name).or_insert(now);
        }
        for s in store.suspects(now, 3) {
            if !first_suspect
                .iter()
                .any(|(_, x): &(i64, String)| x == &s.summary.split(" since").next().unwrap().to_string())
            {
                first_suspect.push((now, s.summary.split(" since").next().unwrap().to_string()));
            }
        }
        now += 15;
    }
    Timeline { first_firing, first_suspect }
}

#[test]
fn storm_and_spike_fire_within_a_minute_and_lead_the_suspects() {
    for seed in [7, 11, 23] {
        let t = run(seed, 12);
        let storm_start = LAUNCH + 60;
        let spike_start = LAUNCH + 120;
        let thr = t.first_firing.get("Bedrock-Throttling").copied().expect("throttling fires");
        assert!(
            thr > storm_start && thr <= storm_start + 75,
            "seed {seed}: throttling fired at +{}s",
            thr - storm_start
        );
        let cost = t.first_firing.get("Bedrock-Cost-Burn").copied().expect("cost burn fires");
        assert!(
            cost > spike_start && cost <= spike_start + 75,
            "seed {seed}: cost burn fired at +{}s",
            cost - spike_start
        );
        // nothing about money or throttling before the story began (the quality slide and the
        // retrieval trouble start ten minutes earlier, on purpose)
        for r in ["Bedrock-Throttling", "Bedrock-Cost-Burn", "RAG-Daily-Budget", "RAG-Cost-Spike"] {
            assert!(t.first_firing.get(r).is_none_or(|at| *at > LAUNCH), "seed {seed}: {r} {:?}", t.first_firing);
        }
        let sonnet = t
            .first_suspect
            .iter()
            .find(|(_, s)| s.starts_with("claude-sonnet-4-5 throttles"))
            .expect("sonnet throttles suspect");
        assert!(sonnet.0 <= storm_start + 75, "seed {seed}: {:?}", t.first_suspect);
        let opus = t.first_suspect.iter().find(|(_, s)| s.starts_with("claude-opus-4-5")).expect("opus suspect");
        assert!(opus.0 <= spike_start + 75, "seed {seed}: {:?}", t.first_suspect);
    }
}

/// The demo's store `secs` after launch, polled every 15 s like the console.
fn store_at(seed: u64, secs: i64) -> Store {
    let mut store = Store::new(PriceTable::default(), vec![]);
    store.rules.rules = RuleSet::builtin();
    let mut w = DemoWorkload::new(seed, LAUNCH);
    let mut now = LAUNCH - 60;
    while now <= LAUNCH + secs {
        store.apply(Update::Metrics(w.poll(now, Since::default())));
        now += 15;
    }
    store
}

#[test]
fn the_storm_and_the_spike_name_their_model_and_since_when() {
    const SONNET: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
    const OPUS: &str = "us.anthropic.claude-opus-4-5-20251101-v1:0";
    for seed in [7, 11, 23] {
        let store = store_at(seed, 6 * 60 + 30);
        let thr = &store.rules.status["Bedrock-Throttling"];
        assert_eq!(thr.state, nightjar::store::rules::RuleState::Firing);
        // only sonnet is throttled; the storm starts at +1 min
        let models: Vec<&str> = thr.culprits.iter().map(|c| c.model.as_str()).collect();
        assert_eq!(models, vec![SONNET], "seed {seed}: {:#?}", thr.culprits);
        let c = &thr.culprits[0];
        assert_eq!(c.since, LAUNCH + 60, "seed {seed}: since +{}s", c.since - LAUNCH);
        assert!(
            c.value > 25.0 && c.value < 70.0 && Some(c.value) == thr.value,
            "seed {seed}: {c:?} vs {:?}",
            thr.value
        );
        // the agent loop on opus from +2 min is the cost spike's culprit, with most of the spend
        let cost = &store.rules.status["Bedrock-Cost-Burn"];
        assert_eq!(cost.state, nightjar::store::rules::RuleState::Firing);
        let c = &cost.culprits[0];
        assert_eq!((c.model.as_str(), c.since), (OPUS, LAUNCH + 120), "seed {seed}: {:#?}", cost.culprits);
        assert!(c.share_pct.unwrap() > 50.0 && c.baseline.unwrap() < c.value / 10.0, "seed {seed}: {c:?}");
    }
}

#[test]
fn once_names_the_culprits_in_text_and_json() {
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_nightjar"))
            .args(args)
            .env("XDG_CONFIG_HOME", std::env::temp_dir().join("nightjar-culprits-no-config"))
            .output()
            .expect("nightjar runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let v: serde_json::Value = serde_json::from_str(&run(&["--once", "--demo", "--format", "json"])).unwrap();
    let rule = v["rules"].as_array().unwrap().iter().find(|r| r["name"] == "Bedrock-Throttling").unwrap().clone();
    let c = rule["culprits"].as_array().unwrap();
    assert_eq!(c.len(), 1, "{rule:#}");
    assert_eq!(c[0]["model"], "us.anthropic.claude-sonnet-4-5-20250929-v1:0");
    assert_eq!((c[0]["threshold"].as_f64(), c[0]["signal"].as_str()), (Some(10.0), Some("throttle_pct")));
    assert_eq!(c[0]["value"], rule["value"]);
    // --once anchors the story 6 minutes back (not on a minute): the storm began about 5 minutes ago
    let since = chrono::DateTime::parse_from_rfc3339(c[0]["since"].as_str().unwrap()).unwrap().timestamp();
    let generated = chrono::DateTime::parse_from_rfc3339(v["generated_at"].as_str().unwrap()).unwrap().timestamp();
    let ago = generated - since;
    // 4-5 min whatever the hour (a quiet hour once let a storm minute fall under the rules' floor
    // of ten calls, and the storm "began" later or not at all: generate.rs's STORM_BATCH_PER_MIN)
    assert!((4 * 60..=5 * 60).contains(&ago), "{ago}s ago");
    let quiet = v["rules"].as_array().unwrap().iter().find(|r| r["name"] == "Bedrock-Error-Rate").unwrap().clone();
    assert_eq!(quiet["culprits"], serde_json::json!([]));
    let text = run(&["--once", "--demo"]);
    let at = text.find("  rule Bedrock-Throttling").expect("the rule is listed");
    let next = text[at..].lines().nth(1).unwrap();
    assert!(next.starts_with("    claude-sonnet-4-5 ") && next.contains("(> 10%) since "), "{text}");
}
