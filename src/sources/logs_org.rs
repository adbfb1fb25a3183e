//! Logs Insights in a monitoring account: DescribeLogGroups with `includeLinkedAccounts` ("set
//! this to true to have the operation return log groups in the accounts listed in
//! accountIdentifiers"; none listed: every linked account's), and a source account's group named
//! by its ARN, so StartQuery reaches it through `logGroupIdentifiers` ("names or ARNs; ARNs for
//! cross-account", StartQuery API reference). The monitoring account's own groups keep their
//! names. Whether this is a monitoring account comes from OAM, read with the groups.

use crate::sources::oam::{OamReader, arn_account};

/// What the logs source knows of the organisation.
#[derive(Clone, Default)]
pub struct LogsOrg {
    pub oam: Option<OamReader>,
    /// The monitoring account, once OAM has said this is one.
    pub monitoring: Option<String>,
    /// Account names from the config (they win over link labels).
    pub names: std::collections::BTreeMap<String, String>,
    /// The source accounts' link labels.
    pub links: Vec<crate::store::accounts::Link>,
}

impl LogsOrg {
    /// Ask OAM again (each discovery): a sink makes this a monitoring account.
    pub async fn read(&mut self, now: i64) {
        if let Some(r) = self.oam.as_mut() {
            let u = r.read(now).await;
            if u.note.is_none() && !u.failed {
                self.monitoring = u.monitoring.clone().filter(|_| !u.links.is_empty());
                self.links = u.links;
            }
        }
    }

    /// How a listed group is named in queries: its name, or — another account's — its ARN
    /// (without the `:*` DescribeLogGroups' `arn` ends with).
    pub fn group_ident(&self, g: &aws_sdk_cloudwatchlogs::types::LogGroup) -> Option<String> {
        let name = g.log_group_name()?;
        let arn = g.log_group_arn().or(g.arn()).map(|a| a.trim_end_matches(":*"));
        match (&self.monitoring, arn) {
            (Some(m), Some(a)) if arn_account(a).is_some_and(|acct| acct != m) => Some(a.to_string()),
            _ => Some(name.to_string()),
        }
    }
}

impl LogsOrg {
    /// Every account and its name, as the metrics name them (config, link label, `monitoring`);
    /// empty outside a monitoring account.
    pub fn labels(&self) -> Vec<(String, String)> {
        let Some(m) = &self.monitoring else { return Vec::new() };
        let mut a = crate::store::accounts::Accounts::new(self.names.clone());
        a.org.insert(
            String::new(),
            crate::store::accounts::OrgUpdate {
                monitoring: Some(m.clone()),
                links: self.links.clone(),
                ..Default::default()
            },
        );
        let mut ids: Vec<String> = self.links.iter().map(|l| l.account.clone()).collect();
        ids.push(m.clone());
        ids.into_iter().map(|id| (a.label(&id).0, id)).map(|(l, id)| (id, l)).collect()
    }
}

/// The column naming each row's account, in a monitoring account.
pub const ACCOUNT_COLUMN: &str = "account";

/// Add an `account` column (second, after the first) naming each row's account by its label,
/// read from `@log` (`<account>:<group>`), `accountId` (Bedrock invocation records) or an
/// `identity.arn`; nothing when `labels` is empty (no monitoring account) or no row says.
pub fn add_account_column(t: &mut crate::domain::insights::ResultTable, labels: &[(String, String)]) {
    if labels.is_empty() || t.column(ACCOUNT_COLUMN).is_some() || t.columns.is_empty() {
        return;
    }
    let sources: Vec<usize> = ["@log", "accountId", "identity.arn"].iter().filter_map(|c| t.column(c)).collect();
    if sources.is_empty() {
        return;
    }
    let of = |row: &[String]| -> String {
        for c in &sources {
            let v = row[*c].trim();
            let id = if v.starts_with("arn:") {
                v.split(':').nth(4).unwrap_or("")
            } else {
                v.split(':').next().unwrap_or("")
            };
            if let Some((_, l)) = labels.iter().find(|(a, _)| a == id) {
                return l.clone();
            }
        }
        String::new()
    };
    let cells: Vec<String> = t.rows.iter().map(|r| of(r)).collect();
    if cells.iter().all(String::is_empty) {
        return;
    }
    let at = 1;
    for (row, cell) in t.rows.iter_mut().zip(cells) {
        row.insert(at, cell);
    }
    t.columns.insert(at, ACCOUNT_COLUMN.into());
    t.computed = t.computed.iter().map(|c| if *c >= at { c + 1 } else { *c }).collect();
    t.computed.push(at);
}

/// A group's name, whether it is given by name or by ARN
/// (`arn:aws:logs:us-east-1:111111111111:log-group:/aws/bedrock/x` → `/aws/bedrock/x`).
pub fn group_name(g: &str) -> &str {
    if g.starts_with("arn:") {
        let name = g.splitn(7, ':').nth(6).unwrap_or(g);
        name.strip_suffix(":*").unwrap_or(name)
    } else {
        g
    }
}

/// The account a group's ARN names (`None` for a name: the caller's own).
pub fn group_account(g: &str) -> Option<&str> {
    g.starts_with("arn:").then(|| arn_account(g)).flatten()
}

#[cfg(test)]
mod tests {
    use aws_sdk_cloudwatchlogs::types::LogGroup;

    use super::*;

    #[test]
    fn rows_name_their_account_by_label() {
        let raw = vec![
            vec![("@timestamp".to_string(), "t1".to_string()), ("@log".into(), "111111111111:/aws/bedrock/i".into())],
            vec![("@timestamp".to_string(), "t2".to_string()), ("@log".into(), "123456789012:/aws/bedrock/i".into())],
        ];
        let mut t = crate::domain::insights::ResultTable::from_rows(&raw);
        add_account_column(&mut t, &[]);
        assert!(t.column(ACCOUNT_COLUMN).is_none(), "not a monitoring account: no column");
        let labels = vec![
            ("111111111111".to_string(), "payments-prod".to_string()),
            ("123456789012".into(), "monitoring".into()),
        ];
        add_account_column(&mut t, &labels);
        assert_eq!(t.columns[1], ACCOUNT_COLUMN);
        assert_eq!(t.rows[0][1], "payments-prod");
        assert_eq!(t.rows[1][1], "monitoring");
        assert!(t.computed.contains(&1));
        // by the caller's ARN too
        let raw = vec![vec![("identity.arn".to_string(), "arn:aws:sts::111111111111:assumed-role/app/x".to_string())]];
        let mut t = crate::domain::insights::ResultTable::from_rows(&raw);
        add_account_column(&mut t, &labels);
        assert_eq!(t.rows[0], vec!["arn:aws:sts::111111111111:assumed-role/app/x".to_string(), "payments-prod".into()]);
    }

    #[test]
    fn a_source_accounts_group_goes_by_its_arn() {
        let own = LogGroup::builder()
            .log_group_name("/aws/bedrock/invocations")
            .arn("arn:aws:logs:us-east-1:123456789012:log-group:/aws/bedrock/invocations:*")
            .build();
        let theirs = LogGroup::builder()
            .log_group_name("/aws/bedrock/invocations")
            .log_group_arn("arn:aws:logs:us-east-1:111111111111:log-group:/aws/bedrock/invocations")
            .build();
        let alone = LogsOrg::default();
        assert_eq!(alone.group_ident(&theirs).as_deref(), Some("/aws/bedrock/invocations"));
        let org = LogsOrg { monitoring: Some("123456789012".into()), ..Default::default() };
        assert_eq!(org.group_ident(&own).as_deref(), Some("/aws/bedrock/invocations"));
        let arn = org.group_ident(&theirs).unwrap();
        assert_eq!(arn, "arn:aws:logs:us-east-1:111111111111:log-group:/aws/bedrock/invocations");
        assert_eq!(group_name(&arn), "/aws/bedrock/invocations");
        assert_eq!(group_account(&arn), Some("111111111111"));
        assert_eq!(group_name("arn:aws:logs:r:1:log-group:a/b:*"), "a/b");
        assert_eq!(group_account("/aws/x"), None);
    }
}
