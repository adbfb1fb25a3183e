//! Alert-rule files: any text is a rule set or a clear error; composite expressions evaluate.
#![no_main]

use std::collections::BTreeSet;
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use nightjar::domain::rules::{Expr, RuleSet};

static BUILTIN: LazyLock<RuleSet> = LazyLock::new(RuleSet::builtin);

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for base in [None, Some(&*BUILTIN)] {
        match RuleSet::parse(text, "fuzz.toml", base) {
            Ok(set) => {
                let names: BTreeSet<&str> = set.rules.iter().map(|r| r.name.as_str()).collect();
                assert_eq!(names.len(), set.rules.len(), "two rules with one name");
                for r in &set.rules {
                    assert!(r.period >= 60 && r.period % 60 == 0);
                    assert!(1 <= r.datapoints && r.datapoints <= r.evaluation_periods && r.evaluation_periods <= 60);
                    if let Some(e) = &r.expr {
                        let mut used = BTreeSet::new();
                        e.names(&mut used);
                        assert!(used.iter().all(|n| names.contains(n.as_str())) && !used.contains(&r.name));
                        let _ = e.eval(&|n| n.len() % 2 == 0);
                    }
                    if let Some(s) = &r.signal {
                        let _ = s.label();
                    }
                }
            }
            Err(e) => assert!(e.starts_with("fuzz.toml"), "error without the file name: {e}"),
        }
    }
    // an expression on its own (`expr = "…"`)
    if let Ok(e) = Expr::parse(text) {
        let _ = e.eval(&|n| n.len() % 2 == 0);
    }
});
