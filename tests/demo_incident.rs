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
