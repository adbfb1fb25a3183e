//! Accounts in the model tables: a monitoring account's source accounts as a grouping (`a`
//! cycles model+region → model → account), read from the store's [`crate::store::accounts`].

use std::collections::BTreeMap;

use super::views::ModelGroup;
use crate::store::Store;
use crate::store::accounts::scope_account;
use crate::store::models::ModelRow;

/// The model rows: split, by base model, or by account and base model.
pub fn model_groups(store: &Store, grouped: bool, by_account: bool) -> Vec<ModelGroup> {
    if by_account { group_by_account(store.models()) } else { store.model_groups(grouped) }
}

/// Accounts are told apart: a monitoring account's, or several profiles'.
pub fn several_accounts(store: &Store) -> bool {
    store.accounts.monitoring().is_some() || !store.identity.accounts.is_empty()
}

/// One row per account and base model: every Region and cross-region id of a model in one
/// account summed (as [`super::views::group_by_model`] does across accounts too); `region`
/// is `<account>/<region>`, or `<account>/N regions`.
pub fn group_by_account(rows: Vec<ModelRow>) -> Vec<ModelGroup> {
    let mut by: BTreeMap<(String, String), Vec<ModelRow>> = BTreeMap::new();
    for r in rows {
        let acct = scope_account(&r.region).to_string();
        by.entry((acct, crate::domain::catalog::base_model_id(&r.model_id).to_string())).or_default().push(r);
    }
    by.into_iter()
        .map(|((acct, base), mut members)| {
            members.sort_by(|a, b| a.region.cmp(&b.region).then_with(|| a.model_id.cmp(&b.model_id)));
            let mut row = super::views::combine(base, &members);
            let mut regions: Vec<&str> = members.iter().map(|m| m.region.rsplit('/').next().unwrap_or("")).collect();
            regions.sort();
            regions.dedup();
            row.region = match regions.as_slice() {
                [one] => format!("{acct}/{one}"),
                many => format!("{acct}/{} regions", many.len()),
            };
            row.account = members.first().and_then(|m| m.account.clone());
            ModelGroup { row, members }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouping_by_account_sums_regions_within_each_account() {
        let row = |region: &str, model: &str, inv: f64| ModelRow {
            region: region.into(),
            model_id: model.into(),
            invocations: Some(inv),
            account: Some(scope_account(region).into()),
            ..Default::default()
        };
        let g = group_by_account(vec![
            row("pay/us-east-1", "us.anthropic.claude-sonnet-4-5-20250929-v1:0", 3.0),
            row("pay/us-west-2", "anthropic.claude-sonnet-4-5-20250929-v1:0", 4.0),
            row("search/us-east-1", "anthropic.claude-sonnet-4-5-20250929-v1:0", 5.0),
        ]);
        assert_eq!(g.len(), 2);
        assert_eq!(
            (g[0].row.region.as_str(), g[0].row.invocations, g[0].members.len()),
            ("pay/2 regions", Some(7.0), 2)
        );
        assert_eq!((g[1].row.region.as_str(), g[1].row.invocations), ("search/us-east-1", Some(5.0)));
        assert_eq!(g[0].row.account.as_deref(), Some("pay"));
    }
}
