//! The read-only guarantee. Every AWS operation the code in `src/` can call is listed by scanning
//! the source, and each must be a read: `Get*`, `List*`, `Describe*`, `BatchGet*`, or Logs
//! Insights' `StartQuery` / `StopQuery` / `GetQueryResults`. `docs/iam-policy.json` must grant
//! exactly those operations and nothing else.
//!
//! The scan looks at code only (comments and string literals blanked) for `.name` or `::name`
//! where `name` is an operation of one of the SDK clients below: a fluent call
//! (`client.put_metric_data()`), a path (`Client::put_metric_data`, a mock rule) or an operation
//! module (`operation::put_metric_data::…`). A method of our own that happens to share a write
//! operation's name fails too: rename it. Every `aws_sdk_*` crate named in `src/` must be one of
//! the services below, so a new client cannot slip past the scan.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

struct Service {
    /// The crate, as named in code.
    krate: &'static str,
    /// The IAM service prefix.
    iam: &'static str,
    ops: &'static [&'static str],
}

const SERVICES: &[Service] = &[
    Service { krate: "aws_sdk_cloudwatch", iam: "cloudwatch", ops: CLOUDWATCH_OPS },
    Service { krate: "aws_sdk_cloudwatchlogs", iam: "logs", ops: LOGS_OPS },
    Service { krate: "aws_sdk_xray", iam: "xray", ops: XRAY_OPS },
    Service { krate: "aws_sdk_sts", iam: "sts", ops: STS_OPS },
    Service { krate: "aws_sdk_bedrock", iam: "bedrock", ops: BEDROCK_OPS },
    Service { krate: "aws_sdk_servicequotas", iam: "servicequotas", ops: SERVICEQUOTAS_OPS },
    Service { krate: "aws_sdk_pricing", iam: "pricing", ops: PRICING_OPS },
    Service { krate: "aws_sdk_oam", iam: "oam", ops: OAM_OPS },
];

/// Needs no IAM permission, so the policy does not list it.
const NO_PERMISSION_NEEDED: &[&str] = &["sts:GetCallerIdentity"];

/// Reads by name that the prefixes would wrongly let through.
const NOT_READS: &[&str] = &[
    // X-Ray: reports the caller's sampling statistics to the service
    "GetSamplingTargets",
];

/// Operations whose IAM action keeps an acronym the SDK's snake case folds
/// (`list_aws_default_service_quotas` is `servicequotas:ListAWSDefaultServiceQuotas`).
const IAM_SPELLING: &[(&str, &str)] = &[
    ("list_aws_default_service_quotas", "ListAWSDefaultServiceQuotas"),
    ("get_aws_default_service_quota", "GetAWSDefaultServiceQuota"),
];

/// `get_metric_data` → `GetMetricData`.
fn pascal(op: &str) -> String {
    if let Some((_, iam)) = IAM_SPELLING.iter().find(|(snake, _)| *snake == op) {
        return iam.to_string();
    }
    op.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect()
}

/// The allowlist of reads.
fn is_read(op: &str) -> bool {
    if NOT_READS.contains(&op) {
        return false;
    }
    let by_prefix = ["BatchGet", "Get", "List", "Describe"]
        .iter()
        .any(|p| op.strip_prefix(p).is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase())));
    by_prefix || ["StartQuery", "StopQuery", "GetQueryResults"].contains(&op)
}

/// `src` with comments, string literals and char literals blanked (line breaks kept).
fn code_only(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let blank = |out: &mut String, ch: char| out.push(if ch == '\n' { '\n' } else { ' ' });
    let ident = |ch: char| ch.is_alphanumeric() || ch == '_';
    let mut i = 0;
    while i < c.len() {
        let at = |k: usize| c.get(k).copied();
        if c[i] == '/' && at(i + 1) == Some('/') {
            while i < c.len() && c[i] != '\n' {
                blank(&mut out, c[i]);
                i += 1;
            }
        } else if c[i] == '/' && at(i + 1) == Some('*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && at(i + 1) == Some('*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == Some('/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, c[i]);
                    i += 1;
                }
            }
        } else if (c[i] == 'r' || (c[i] == 'b' && at(i + 1) == Some('r'))) && (i == 0 || !ident(c[i - 1])) && {
            let mut k = i + if c[i] == 'b' { 2 } else { 1 };
            while at(k) == Some('#') {
                k += 1;
            }
            at(k) == Some('"')
        } {
            // raw string: r#"…"#
            let mut k = i + if c[i] == 'b' { 2 } else { 1 };
            let mut hashes = 0;
            while c[k] == '#' {
                hashes += 1;
                k += 1;
            }
            k += 1;
            while k < c.len() && !(c[k] == '"' && (1..=hashes).all(|h| at(k + h) == Some('#'))) {
                k += 1;
            }
            let end = (k + 1 + hashes).min(c.len());
            for &ch in &c[i..end] {
                blank(&mut out, ch);
            }
            i = end;
        } else if c[i] == '"' {
            blank(&mut out, c[i]);
            i += 1;
            while i < c.len() && c[i] != '"' {
                let n = if c[i] == '\\' { 2 } else { 1 };
                for &ch in &c[i..(i + n).min(c.len())] {
                    blank(&mut out, ch);
                }
                i += n;
            }
            if i < c.len() {
                blank(&mut out, c[i]);
                i += 1;
            }
        } else if c[i] == '\'' && (at(i + 1) == Some('\\') || at(i + 2) == Some('\'')) {
            // a char literal, not a lifetime
            let mut k = i + 1;
            if c[k] == '\\' {
                k += 2;
            }
            while k < c.len() && c[k] != '\'' {
                k += 1;
            }
            let end = (k + 1).min(c.len());
            for &ch in &c[i..end] {
                blank(&mut out, ch);
            }
            i = end;
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// Every `.name` / `::name` whose `name` is an SDK operation, with its 1-based line.
fn sdk_ops(src: &str) -> Vec<(String, usize)> {
    let all: BTreeSet<&str> = SERVICES.iter().flat_map(|s| s.ops.iter().copied()).collect();
    let code = code_only(src);
    let c: Vec<char> = code.chars().collect();
    let mut found = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < c.len() {
        if c[i] == '\n' {
            line += 1;
        }
        let starts_ident =
            (c[i].is_alphabetic() || c[i] == '_') && (i == 0 || !(c[i - 1].is_alphanumeric() || c[i - 1] == '_'));
        if !starts_ident {
            i += 1;
            continue;
        }
        let mut k = i;
        while k < c.len() && (c[k].is_alphanumeric() || c[k] == '_') {
            k += 1;
        }
        let name: String = c[i..k].iter().collect();
        let mut p = i;
        while p > 0 && c[p - 1].is_whitespace() {
            p -= 1;
        }
        let after_dot = p >= 1 && c[p - 1] == '.' && !(p >= 2 && c[p - 2] == '.');
        let after_path = p >= 2 && c[p - 1] == ':' && c[p - 2] == ':';
        if (after_dot || after_path) && all.contains(name.as_str()) {
            found.push((name, line));
        }
        i = k;
    }
    found
}

/// The `aws_sdk_*` crates named in code.
fn sdk_crates(src: &str) -> BTreeSet<String> {
    let code = code_only(src);
    let mut out = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("aws_sdk_") {
        let before_ok = rest[..at].chars().next_back().is_none_or(|ch| !(ch.is_alphanumeric() || ch == '_'));
        let tail = &rest[at..];
        let end = tail.find(|ch: char| !(ch.is_alphanumeric() || ch == '_')).unwrap_or(tail.len());
        if before_ok {
            out.insert(tail[..end].to_string());
        }
        rest = &tail[end..];
    }
    out
}

/// Operations (PascalCase) found in code that are not reads, with where they are.
fn violations(files: &[(String, String)]) -> Vec<String> {
    let mut v = Vec::new();
    for (path, src) in files {
        for (op, line) in sdk_ops(src) {
            let p = pascal(&op);
            if !is_read(&p) {
                v.push(format!("{path}:{line}: {op} ({p}) is not a read"));
            }
        }
    }
    v
}

fn src_files() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).expect("read src") {
            let p = e.expect("dir entry").path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    walk(&root.join("src"), &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let src = std::fs::read_to_string(&p).expect("read source");
            (p.strip_prefix(root).unwrap().display().to_string(), src)
        })
        .collect()
}

/// `iam:Action` for every operation found in `src/`, over the services whose crate is used.
/// An operation several used services share (`list_tags_for_resource`) maps to each of them.
fn used_actions(files: &[(String, String)]) -> BTreeMap<String, Vec<String>> {
    let crates: BTreeSet<String> = files.iter().flat_map(|(_, s)| sdk_crates(s)).collect();
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (path, src) in files {
        for (op, line) in sdk_ops(src) {
            let owners: Vec<String> = SERVICES
                .iter()
                .filter(|s| crates.contains(s.krate) && s.ops.contains(&op.as_str()))
                .map(|s| format!("{}:{}", s.iam, pascal(&op)))
                .collect();
            out.entry(owners.join(" | ")).or_default().push(format!("{path}:{line}"));
        }
    }
    out.remove("");
    out
}

fn policy_actions() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/iam-policy.json");
    let text = std::fs::read_to_string(&path).expect("docs/iam-policy.json");
    let v: serde_json::Value = serde_json::from_str(&text).expect("the policy is JSON");
    assert_eq!(v["Version"], "2012-10-17");
    let mut actions = Vec::new();
    for st in v["Statement"].as_array().expect("Statement is a list") {
        assert_eq!(st["Effect"], "Allow", "{st}");
        match &st["Action"] {
            serde_json::Value::String(a) => actions.push(a.clone()),
            serde_json::Value::Array(a) => actions.extend(a.iter().map(|x| x.as_str().expect("action").to_string())),
            other => panic!("Action must be a string or a list: {other}"),
        }
    }
    actions
}

#[test]
fn src_calls_only_read_operations() {
    let files = src_files();
    let v = violations(&files);
    assert!(v.is_empty(), "AWS operations that are not reads:\n{}", v.join("\n"));
    // the scan sees the calls the sources make (so an empty result above means something)
    let ops: BTreeSet<String> = files.iter().flat_map(|(_, s)| sdk_ops(s)).map(|(op, _)| op).collect();
    for op in [
        "get_metric_data",
        "list_metrics",
        "describe_alarms",
        "start_query",
        "batch_get_traces",
        "get_caller_identity",
        // Transaction Search: where spans go, and the share of traces X-Ray indexes
        "get_trace_segment_destination",
        "get_indexing_rules",
    ] {
        assert!(ops.contains(op), "the scan did not find {op} in src/: {ops:?}");
    }
}

#[test]
fn every_sdk_crate_in_src_is_scanned() {
    let known: BTreeSet<&str> = SERVICES.iter().map(|s| s.krate).collect();
    for (path, src) in src_files() {
        for c in sdk_crates(&src) {
            assert!(
                known.contains(c.as_str()),
                "{path} uses {c}: add its operations to SERVICES in tests/read_only.rs (see how they were made)"
            );
        }
    }
    // and every SDK client the crate depends on
    let manifest = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    let toml: toml::Table = toml::from_str(&manifest).unwrap();
    for dep in toml["dependencies"].as_table().unwrap().keys().filter(|k| k.starts_with("aws-sdk-")) {
        assert!(known.contains(dep.replace('-', "_").as_str()), "Cargo.toml depends on {dep}: add it to SERVICES");
    }
}

#[test]
fn the_policy_grants_exactly_what_src_calls() {
    let files = src_files();
    let used = used_actions(&files);
    let policy = policy_actions();
    let granted: BTreeSet<&str> = policy.iter().map(String::as_str).collect();
    assert_eq!(granted.len(), policy.len(), "an action is listed twice: {policy:?}");
    // every operation the code calls is granted (one of its services, when several share the name)
    for (alternatives, wher) in &used {
        let alts: Vec<&str> = alternatives.split(" | ").collect();
        if alts.iter().any(|a| NO_PERMISSION_NEEDED.contains(a)) {
            continue;
        }
        assert!(
            alts.iter().any(|a| granted.contains(a)),
            "docs/iam-policy.json lacks {alternatives}, called at {}",
            wher.join(", ")
        );
    }
    // and nothing else: every grant is a read the code makes, no wildcards
    let wanted: BTreeSet<&str> = used.keys().flat_map(|k| k.split(" | ")).collect();
    for a in &policy {
        let (svc, op) = a.split_once(':').unwrap_or_else(|| panic!("{a} is not service:Action"));
        assert!(!a.contains('*'), "no wildcards: {a}");
        assert!(SERVICES.iter().any(|s| s.iam == svc), "unknown service in {a}");
        assert!(is_read(op), "{a} is not a read");
        assert!(wanted.contains(a.as_str()), "{a} is granted but nothing in src/ calls it");
        assert!(!NO_PERMISSION_NEEDED.contains(&a.as_str()), "{a} needs no permission");
    }
}

#[test]
fn the_readme_points_at_the_policy() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    assert!(readme.contains("docs/iam-policy.json"));
    // and its summary of the policy is the policy
    for a in policy_actions() {
        let op = a.split_once(':').map(|(_, op)| op).unwrap_or(&a);
        assert!(readme.contains(&format!("`{op}`")), "the README's IAM section does not mention {a}");
    }
}

// The checker itself: it must be able to fail.

#[test]
fn a_write_call_is_caught() {
    let fake = "async fn f(client: &Client) {\n    let _ = client\n        .put_metric_data()\n        .namespace(\"x\")\n        .send()\n        .await;\n}\n";
    let v = violations(&[("src/fake.rs".into(), fake.into())]);
    assert_eq!(v, vec!["src/fake.rs:3: put_metric_data (PutMetricData) is not a read".to_string()]);
    let one_line = "self.client.put_metric_data().send().await";
    assert_eq!(violations(&[("a.rs".into(), one_line.into())]).len(), 1);
    // a path, an operation module, UFCS and another service's write
    for src in [
        "let r = mock!(Client::delete_alarms);",
        "use aws_sdk_cloudwatchlogs::operation::put_log_events::PutLogEventsOutput;",
        "Client::set_alarm_state(&c)",
        "xray.put_trace_segments()",
        "sts.assume_role()",
        "logs . start_live_tail ()",
        "x.get_sampling_targets()",
    ] {
        assert_eq!(violations(&[("a.rs".into(), src.into())]).len(), 1, "{src}");
    }
}

#[test]
fn reads_comments_and_strings_are_not_writes() {
    let src = r##"
        // client.put_metric_data() in a comment
        /* and /* nested */ client.delete_alarms() */
        let s = "client.put_metric_data()";
        let r = r#"client.put_metric_data()"#;
        let c = '"'; let l: &'static str = "x";
        client.get_metric_data().send().await;
        logs.start_query().send().await; logs.stop_query(); logs.get_query_results();
        xray.batch_get_traces(); cw.describe_alarms(); cw.list_metrics();
        fn put_metric_data_helper() {}
        let put_metric_data = 1;
    "##;
    assert!(violations(&[("a.rs".into(), src.into())]).is_empty());
    let ops: Vec<String> = sdk_ops(src).into_iter().map(|(o, _)| o).collect();
    assert_eq!(
        ops,
        [
            "get_metric_data",
            "start_query",
            "stop_query",
            "get_query_results",
            "batch_get_traces",
            "describe_alarms",
            "list_metrics"
        ]
    );
}

#[test]
fn the_allowlist() {
    for op in [
        "GetMetricData",
        "ListMetrics",
        "DescribeAlarms",
        "BatchGetTraces",
        "StartQuery",
        "StopQuery",
        "GetQueryResults",
        "GetLogRecord",
    ] {
        assert!(is_read(op), "{op}");
    }
    for op in [
        "PutMetricData",
        "StartLiveTail",
        "StartQueryX",
        "DeleteAlarms",
        "GetSamplingTargets",
        "Getaway",
        "TagResource",
        "CreateLogGroup",
    ] {
        assert!(!is_read(op), "{op}");
    }
    assert_eq!(pascal("get_o_tel_enrichment"), "GetOTelEnrichment");
    assert_eq!(pascal("list_aws_default_service_quotas"), "ListAWSDefaultServiceQuotas");
}

#[test]
fn crates_named_in_code() {
    let src = "use aws_sdk_cloudwatch::Client;\nlet c = aws_sdk_bedrockruntime::Client::new(&cfg); // aws_sdk_ignored\nlet my_aws_sdk_x = 1;";
    assert_eq!(
        sdk_crates(src),
        BTreeSet::from(["aws_sdk_cloudwatch".to_string(), "aws_sdk_bedrockruntime".to_string()])
    );
}

// Operation names, one per operation module of the SDK crate in Cargo.lock, made with
//   ls -d ~/.cargo/registry/src/*/aws-sdk-cloudwatch-1.140.0/src/operation/*/ | xargs -n1 basename
// (likewise aws-sdk-cloudwatchlogs-1.162.0, aws-sdk-xray-1.121.0, aws-sdk-sts-1.124.0,
// aws-sdk-servicequotas-1.121.0 and aws-sdk-bedrock-1.166.0, which nightjar does not use yet).
// Regenerate when a crate is upgraded.
const CLOUDWATCH_OPS: &[&str] = &[
    "associate_dataset_kms_key",
    "create_resource_metrics_configuration",
    "delete_alarm_mute_rule",
    "delete_alarms",
    "delete_anomaly_detector",
    "delete_dashboards",
    "delete_insight_rules",
    "delete_metric_stream",
    "delete_resource_metrics_configuration",
    "describe_alarm_contributors",
    "describe_alarm_history",
    "describe_alarms",
    "describe_alarms_for_metric",
    "describe_anomaly_detectors",
    "describe_insight_rules",
    "disable_alarm_actions",
    "disable_insight_rules",
    "disassociate_dataset_kms_key",
    "enable_alarm_actions",
    "enable_insight_rules",
    "get_alarm_mute_rule",
    "get_dashboard",
    "get_dataset",
    "get_insight_rule_report",
    "get_metric_data",
    "get_metric_statistics",
    "get_metric_stream",
    "get_metric_widget_image",
    "get_o_tel_enrichment",
    "get_resource_metrics_configuration",
    "list_alarm_mute_rules",
    "list_dashboards",
    "list_managed_insight_rules",
    "list_metric_streams",
    "list_metrics",
    "list_tags_for_resource",
    "put_alarm_mute_rule",
    "put_anomaly_detector",
    "put_composite_alarm",
    "put_dashboard",
    "put_insight_rule",
    "put_log_alarm",
    "put_managed_insight_rules",
    "put_metric_alarm",
    "put_metric_data",
    "put_metric_stream",
    "set_alarm_state",
    "start_metric_streams",
    "start_o_tel_enrichment",
    "stop_metric_streams",
    "stop_o_tel_enrichment",
    "tag_resource",
    "untag_resource",
    "update_o_tel_enrichment",
    "update_resource_metrics_configuration",
];
const LOGS_OPS: &[&str] = &[
    "associate_kms_key",
    "associate_source_to_s3_table_integration",
    "cancel_export_task",
    "cancel_import_task",
    "create_delivery",
    "create_export_task",
    "create_import_task",
    "create_log_anomaly_detector",
    "create_log_group",
    "create_log_stream",
    "create_lookup_table",
    "create_scheduled_query",
    "delete_account_policy",
    "delete_data_protection_policy",
    "delete_delivery",
    "delete_delivery_destination",
    "delete_delivery_destination_policy",
    "delete_delivery_source",
    "delete_destination",
    "delete_index_policy",
    "delete_integration",
    "delete_log_anomaly_detector",
    "delete_log_group",
    "delete_log_stream",
    "delete_lookup_table",
    "delete_metric_filter",
    "delete_query_definition",
    "delete_resource_policy",
    "delete_retention_policy",
    "delete_scheduled_query",
    "delete_subscription_filter",
    "delete_syslog_configuration",
    "delete_transformer",
    "describe_account_policies",
    "describe_configuration_templates",
    "describe_deliveries",
    "describe_delivery_destinations",
    "describe_delivery_sources",
    "describe_destinations",
    "describe_export_tasks",
    "describe_field_indexes",
    "describe_import_task_batches",
    "describe_import_tasks",
    "describe_index_policies",
    "describe_log_groups",
    "describe_log_streams",
    "describe_lookup_tables",
    "describe_metric_filters",
    "describe_queries",
    "describe_query_definitions",
    "describe_resource_policies",
    "describe_subscription_filters",
    "disassociate_kms_key",
    "disassociate_source_from_s3_table_integration",
    "filter_log_events",
    "get_data_protection_policy",
    "get_delivery",
    "get_delivery_destination",
    "get_delivery_destination_policy",
    "get_delivery_source",
    "get_integration",
    "get_log_anomaly_detector",
    "get_log_events",
    "get_log_fields",
    "get_log_group_fields",
    "get_log_object",
    "get_log_record",
    "get_lookup_table",
    "get_query_results",
    "get_scheduled_query",
    "get_scheduled_query_history",
    "get_storage_tier_policy",
    "get_transformer",
    "list_aggregate_log_group_summaries",
    "list_anomalies",
    "list_integrations",
    "list_log_anomaly_detectors",
    "list_log_groups",
    "list_log_groups_for_query",
    "list_scheduled_queries",
    "list_sources_for_s3_table_integration",
    "list_syslog_configurations",
    "list_tags_for_resource",
    "list_tags_log_group",
    "put_account_policy",
    "put_bearer_token_authentication",
    "put_data_protection_policy",
    "put_delivery_destination",
    "put_delivery_destination_policy",
    "put_delivery_source",
    "put_destination",
    "put_destination_policy",
    "put_index_policy",
    "put_integration",
    "put_log_events",
    "put_log_group_deletion_protection",
    "put_metric_filter",
    "put_query_definition",
    "put_resource_policy",
    "put_retention_policy",
    "put_storage_tier_policy",
    "put_subscription_filter",
    "put_syslog_configuration",
    "put_transformer",
    "start_live_tail",
    "start_query",
    "stop_query",
    "tag_log_group",
    "tag_resource",
    "test_metric_filter",
    "test_transformer",
    "untag_log_group",
    "untag_resource",
    "update_anomaly",
    "update_delivery_configuration",
    "update_log_anomaly_detector",
    "update_lookup_table",
    "update_scheduled_query",
];
const XRAY_OPS: &[&str] = &[
    "batch_get_traces",
    "cancel_trace_retrieval",
    "create_group",
    "create_sampling_rule",
    "delete_group",
    "delete_resource_policy",
    "delete_sampling_rule",
    "get_encryption_config",
    "get_group",
    "get_groups",
    "get_indexing_rules",
    "get_insight",
    "get_insight_events",
    "get_insight_impact_graph",
    "get_insight_summaries",
    "get_retrieved_traces_graph",
    "get_sampling_rules",
    "get_sampling_statistic_summaries",
    "get_sampling_targets",
    "get_service_graph",
    "get_time_series_service_statistics",
    "get_trace_graph",
    "get_trace_segment_destination",
    "get_trace_summaries",
    "list_resource_policies",
    "list_retrieved_traces",
    "list_tags_for_resource",
    "put_encryption_config",
    "put_resource_policy",
    "put_telemetry_records",
    "put_trace_segments",
    "start_trace_retrieval",
    "tag_resource",
    "untag_resource",
    "update_group",
    "update_indexing_rule",
    "update_sampling_rule",
    "update_trace_segment_destination",
];
const STS_OPS: &[&str] = &[
    "assume_role",
    "assume_role_with_saml",
    "assume_role_with_web_identity",
    "assume_root",
    "decode_authorization_message",
    "get_access_key_info",
    "get_caller_identity",
    "get_delegated_access_token",
    "get_federation_token",
    "get_session_token",
    "get_web_identity_token",
];
const BEDROCK_OPS: &[&str] = &[
    "batch_delete_advanced_prompt_optimization_job",
    "batch_delete_evaluation_job",
    "cancel_automated_reasoning_policy_build_workflow",
    "create_advanced_prompt_optimization_job",
    "create_automated_reasoning_policy",
    "create_automated_reasoning_policy_test_case",
    "create_automated_reasoning_policy_version",
    "create_custom_model",
    "create_custom_model_deployment",
    "create_evaluation_job",
    "create_foundation_model_agreement",
    "create_guardrail",
    "create_guardrail_version",
    "create_inference_profile",
    "create_marketplace_model_endpoint",
    "create_model_copy_job",
    "create_model_customization_job",
    "create_model_import_job",
    "create_model_invocation_job",
    "create_prompt_router",
    "create_provisioned_model_throughput",
    "delete_automated_reasoning_policy",
    "delete_automated_reasoning_policy_build_workflow",
    "delete_automated_reasoning_policy_test_case",
    "delete_custom_model",
    "delete_custom_model_deployment",
    "delete_enforced_guardrail_configuration",
    "delete_foundation_model_agreement",
    "delete_guardrail",
    "delete_imported_model",
    "delete_inference_profile",
    "delete_marketplace_model_endpoint",
    "delete_model_invocation_logging_configuration",
    "delete_prompt_router",
    "delete_provisioned_model_throughput",
    "delete_resource_policy",
    "deregister_marketplace_model_endpoint",
    "export_automated_reasoning_policy_version",
    "get_account_data_retention",
    "get_advanced_prompt_optimization_job",
    "get_automated_reasoning_policy",
    "get_automated_reasoning_policy_annotations",
    "get_automated_reasoning_policy_build_workflow",
    "get_automated_reasoning_policy_build_workflow_result_assets",
    "get_automated_reasoning_policy_next_scenario",
    "get_automated_reasoning_policy_test_case",
    "get_automated_reasoning_policy_test_result",
    "get_custom_model",
    "get_custom_model_deployment",
    "get_evaluation_job",
    "get_foundation_model",
    "get_foundation_model_availability",
    "get_guardrail",
    "get_imported_model",
    "get_inference_profile",
    "get_marketplace_model_endpoint",
    "get_model_copy_job",
    "get_model_customization_job",
    "get_model_import_job",
    "get_model_invocation_job",
    "get_model_invocation_logging_configuration",
    "get_prompt_router",
    "get_provisioned_model_throughput",
    "get_resource_policy",
    "get_use_case_for_model_access",
    "list_advanced_prompt_optimization_jobs",
    "list_automated_reasoning_policies",
    "list_automated_reasoning_policy_build_workflows",
    "list_automated_reasoning_policy_test_cases",
    "list_automated_reasoning_policy_test_results",
    "list_custom_model_deployments",
    "list_custom_models",
    "list_enforced_guardrails_configuration",
    "list_evaluation_jobs",
    "list_foundation_model_agreement_offers",
    "list_foundation_models",
    "list_guardrails",
    "list_imported_models",
    "list_inference_profiles",
    "list_marketplace_model_endpoints",
    "list_model_copy_jobs",
    "list_model_customization_jobs",
    "list_model_import_jobs",
    "list_model_invocation_jobs",
    "list_prompt_routers",
    "list_provisioned_model_throughputs",
    "list_tags_for_resource",
    "put_account_data_retention",
    "put_enforced_guardrail_configuration",
    "put_model_invocation_logging_configuration",
    "put_resource_policy",
    "put_use_case_for_model_access",
    "register_marketplace_model_endpoint",
    "start_automated_reasoning_policy_build_workflow",
    "start_automated_reasoning_policy_test_workflow",
    "stop_advanced_prompt_optimization_job",
    "stop_evaluation_job",
    "stop_model_customization_job",
    "stop_model_invocation_job",
    "tag_resource",
    "untag_resource",
    "update_automated_reasoning_policy",
    "update_automated_reasoning_policy_annotations",
    "update_automated_reasoning_policy_test_case",
    "update_custom_model_deployment",
    "update_guardrail",
    "update_marketplace_model_endpoint",
    "update_provisioned_model_throughput",
];
/// aws-sdk-oam's operations (CloudWatch Observability Access Manager).
const OAM_OPS: &[&str] = &[
    "create_link",
    "create_sink",
    "delete_link",
    "delete_sink",
    "get_link",
    "get_sink",
    "get_sink_policy",
    "list_attached_links",
    "list_links",
    "list_sinks",
    "list_tags_for_resource",
    "put_sink_policy",
    "tag_resource",
    "untag_resource",
    "update_link",
];
const PRICING_OPS: &[&str] =
    &["describe_services", "get_attribute_values", "get_price_list_file_url", "get_products", "list_price_lists"];
const SERVICEQUOTAS_OPS: &[&str] = &[
    "associate_service_quota_template",
    "create_support_case",
    "delete_service_quota_increase_request_from_template",
    "disassociate_service_quota_template",
    "get_association_for_service_quota_template",
    "get_auto_management_configuration",
    "get_aws_default_service_quota",
    "get_quota_utilization_report",
    "get_requested_service_quota_change",
    "get_service_quota",
    "get_service_quota_increase_request_from_template",
    "list_aws_default_service_quotas",
    "list_requested_service_quota_change_history",
    "list_requested_service_quota_change_history_by_quota",
    "list_service_quota_increase_requests_in_template",
    "list_service_quotas",
    "list_services",
    "list_tags_for_resource",
    "put_service_quota_increase_request_into_template",
    "request_service_quota_increase",
    "start_auto_management",
    "start_quota_utilization_report",
    "stop_auto_management",
    "tag_resource",
    "untag_resource",
    "update_auto_management",
];
