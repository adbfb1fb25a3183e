//! The emulator's regions are given out once for the whole suite: `support::REGION_OWNERS` lists
//! each region at most once, only regions moto accepts, and every `claim_region("…")` under
//! `tests/` sits in the test function the table gives that region to (and every line of the
//! table is claimed there), whichever test binary the test is in.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::support::{ACCOUNT_ID, ACCOUNT_OWNERS, REGION_OWNERS, REGIONS};

/// `(region, "module::function")` for every `claim_region("…")` in `tests/*/*.rs`: the module is
/// the file's name, the function the nearest `fn` above the call.
fn claims_in_sources() -> Vec<(String, String)> {
    claims_of("claim_region(\"")
}

/// `(what, "module::function")` for every `needle…"` in `tests/*/*.rs`.
fn claims_of(needle: &str) -> Vec<(String, String)> {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut files: Vec<_> = std::fs::read_dir(&tests)
        .unwrap()
        .filter_map(|d| d.ok().map(|d| d.path()))
        .filter(|d| d.is_dir())
        .flat_map(|d| std::fs::read_dir(d).unwrap().filter_map(|f| f.ok().map(|f| f.path())))
        .filter(|f| f.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    let mut claims = Vec::new();
    for file in files {
        let module = file.file_stem().unwrap().to_string_lossy().into_owned();
        let mut function = None;
        for line in std::fs::read_to_string(&file).unwrap().lines() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            for prefix in ["fn ", "async fn ", "pub fn ", "pub async fn "] {
                if let Some(rest) = code.strip_prefix(prefix) {
                    function = rest.split(|c: char| !(c.is_alphanumeric() || c == '_')).next().map(str::to_owned);
                }
            }
            let mut rest = code;
            while let Some(at) = rest.find(needle) {
                rest = &rest[at + needle.len()..];
                // claim_account(&endpoint, "…") names the account after the endpoint
                let region = &rest[..rest.find('"').expect("a closing quote")];
                let f =
                    function.clone().unwrap_or_else(|| panic!("{}: claim_region outside a function", file.display()));
                claims.push((region.to_owned(), format!("{module}::{f}")));
            }
        }
    }
    claims
}

#[test]
fn each_region_has_one_owner_and_only_the_owner_claims_it() {
    let mut owners: BTreeMap<&str, &str> = BTreeMap::new();
    for &(region, test) in REGION_OWNERS {
        assert!(REGIONS.contains(&region), "{region} ({test}) is not a region the emulator accepts");
        assert!(test.contains("::"), "{test}: owners are named module::test");
        if let Some(other) = owners.insert(region, test) {
            panic!("{region} is given to two tests in support::REGION_OWNERS: {other} and {test}");
        }
    }
    let claims = claims_in_sources();
    // the scan sees the claims (the smoke tests alone claim four regions)
    assert!(claims.len() >= REGION_OWNERS.len(), "{claims:?}");
    let mut claimed = BTreeSet::new();
    for (region, test) in &claims {
        assert_eq!(
            owners.get(region.as_str()).copied(),
            Some(test.as_str()),
            "{test} claims {region}, which support::REGION_OWNERS gives to {:?}",
            owners.get(region.as_str())
        );
        assert!(claimed.insert(region.as_str()), "{region} is claimed twice in tests/");
    }
    let unclaimed: Vec<_> = owners.keys().filter(|r| !claimed.contains(*r)).collect();
    assert!(unclaimed.is_empty(), "support::REGION_OWNERS lists regions no test claims: {unclaimed:?}");
}

#[test]
fn each_account_has_one_owner_and_only_the_owner_claims_it() {
    let mut owners: BTreeMap<&str, &str> = BTreeMap::new();
    for &(account, test) in ACCOUNT_OWNERS {
        assert!(account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()), "{account} ({test})");
        assert_ne!(account, ACCOUNT_ID, "{test}: the default account is shared by region");
        assert!(test.contains("::"), "{test}: owners are named module::test");
        if let Some(other) = owners.insert(account, test) {
            panic!("{account} is given to two tests in support::ACCOUNT_OWNERS: {other} and {test}");
        }
    }
    let claims = claims_of("claim_account(&endpoint, \"");
    let mut claimed = BTreeSet::new();
    for (account, test) in &claims {
        assert_eq!(
            owners.get(account.as_str()).copied(),
            Some(test.as_str()),
            "{test} claims {account}, which support::ACCOUNT_OWNERS gives to {:?}",
            owners.get(account.as_str())
        );
        assert!(claimed.insert(account.as_str()), "{account} is claimed twice in tests/");
    }
    let unclaimed: Vec<_> = owners.keys().filter(|a| !claimed.contains(*a)).collect();
    assert!(unclaimed.is_empty(), "support::ACCOUNT_OWNERS lists accounts no test claims: {unclaimed:?}");
}
