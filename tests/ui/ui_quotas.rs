//! The quotas source in the status bar and message line (TestBackend snapshots): a role that may
//! not read Service Quotas gets a calm note, never the red stale marker or the message line, and
//! the panes do not show its error in place of the metrics. And the headroom figures from
//! Service Quotas and the config on the demo's models.

use nightjar::domain::pricing::PriceTable;
use nightjar::domain::window::Since;
use nightjar::engine::demo_identity;
use nightjar::present::format::Fmt;
use nightjar::sources::demo::DemoWorkload;
use nightjar::sources::quotas::{fallback_note, read_quota};
use nightjar::store::models::Quota;
use nightjar::store::quotas::{QuotaOrigin, RegionQuotas, ServiceQuotasUpdate};
use nightjar::store::{ErrorKind, SourceError, SourceHealth, Store, Update};
use nightjar::ui::theme::Theme;
use nightjar::ui::widgets::status_bar::{draw_message_line, draw_status};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

/// 2026-11-25 03:00 UTC, as in ui_snapshots.
const LAUNCH: i64 = 1_795_575_600;
const REGION: &str = "us-east-1";
const HINTS: &str = "? help · Tab panes · r refresh · q quit";

fn demo_store() -> (Store, i64) {
    let now = LAUNCH + 5 * 60 + 30;
    let mut store = Store::new(PriceTable::default(), vec![]);
    store.apply(demo_identity());
    let mut w = DemoWorkload::new(7, LAUNCH);
    store.apply(Update::Metrics(w.poll(now, Since::default())));
    let mut h = SourceHealth::new("demo", Some(REGION));
    h.record_ok(now - 4);
    h.newest_data = Some(now - 30);
    h.calls = 12;
    store.apply(Update::Health(h));
    (store, now)
}

fn denied(at: i64) -> SourceError {
    SourceError {
        kind: ErrorKind::AccessDenied,
        code: Some("AccessDeniedException".into()),
        message: "User: arn:aws:sts::123456789012:assumed-role/ReadOnly/x is not authorized to perform: \
                  servicequotas:ListServiceQuotas"
            .into(),
        hint: "allow servicequotas:ListServiceQuotas for this role (README: read-only IAM policy)".into(),
        at,
    }
}

/// The quotas source as the source leaves it after a denied first read.
fn quotas_denied(at: i64) -> SourceHealth {
    let mut h = SourceHealth::new("quotas", Some(REGION));
    h.calls = 1;
    let e = denied(at);
    let note = fallback_note(&e, None);
    h.record_error(e);
    h.note = Some(note);
    h
}

/// The status bar and the message line, `w` wide.
fn footer(store: &Store, now: i64, w: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, 2)).unwrap();
    let theme = Theme::default();
    t.draw(|f| {
        draw_status(f, Rect::new(0, 0, w, 1), store, now, None, &theme);
        draw_message_line(f, Rect::new(0, 1, w, 1), store, HINTS, &theme);
    })
    .unwrap();
    t.backend().to_string()
}

#[test]
fn quotas_denied_is_a_calm_note() {
    let (mut store, now) = demo_store();
    store.apply(Update::Health(quotas_denied(now - 2)));
    assert!(!store.any_stale());
    let wide = footer(&store, now, 120);
    assert!(wide.contains("quotas us-east-1 – using configured quotas"), "{wide}");
    assert!(!wide.contains('✗'), "{wide}");
    assert!(!wide.contains("AccessDenied"), "the message line keeps its hints: {wide}");
    assert!(wide.contains(HINTS), "{wide}");
    insta::assert_snapshot!("quotas_denied_footer_120", wide);
    insta::assert_snapshot!("quotas_denied_footer_80", footer(&store, now, 80));
}

#[test]
fn quotas_denied_does_not_hide_a_real_failure() {
    let (mut store, now) = demo_store();
    store.apply(Update::Health(quotas_denied(now - 1)));
    // the metrics source fails after the quotas note: its error is the one on the message line
    let mut h = SourceHealth::new("demo", Some(REGION));
    h.record_ok(now - 300);
    h.newest_data = Some(now - 330);
    h.record_error(SourceError {
        kind: ErrorKind::Throttled,
        code: Some("Throttling".into()),
        message: "Rate exceeded".into(),
        hint: "backing off; the last good data stays on screen".into(),
        at: now - 5,
    });
    store.apply(Update::Health(h));
    let s = footer(&store, now, 120);
    assert!(s.contains("demo us-east-1 ✗ stale"), "{s}");
    assert!(s.contains("demo us-east-1: Throttling: Rate exceeded"), "{s}");
    assert!(s.contains("quotas us-east-1 – using configured quotas"), "{s}");
    insta::assert_snapshot!("quotas_denied_with_stale_metrics_footer_120", s);
}

#[test]
fn quotas_read_show_like_any_source() {
    let (mut store, now) = demo_store();
    let mut h = SourceHealth::new("quotas", Some(REGION));
    h.calls = 3;
    h.record_ok(now - 720);
    h.newest_data = Some(now - 720);
    store.apply(Update::Health(h));
    let s = footer(&store, now, 120);
    assert!(s.contains("quotas us-east-1 ✓ 12m"), "{s}");
    insta::assert_snapshot!("quotas_read_footer_120", s);
}

#[test]
fn a_denied_quota_read_never_takes_the_place_of_the_metrics() {
    // the quotas answered (denied) before the first metrics: still "loading", not an error
    let mut store = Store::new(PriceTable::default(), vec![]);
    store.apply(Update::Health(SourceHealth::new("cloudwatch", Some(REGION))));
    store.apply(Update::Health(quotas_denied(100)));
    assert!(store.loading());
    let (msg, is_err) = nightjar::ui::widgets::placeholder(&store).unwrap();
    assert!(!is_err && msg.starts_with("Loading metrics from"), "{msg}");
    // the metrics fail too: their error is the one shown, not the quotas'
    let mut h = SourceHealth::new("cloudwatch", Some(REGION));
    h.record_error(SourceError {
        kind: ErrorKind::ExpiredCredentials,
        code: Some("ExpiredToken".into()),
        message: "the credentials have expired".into(),
        hint: "refresh them".into(),
        at: 101,
    });
    store.apply(Update::Health(h));
    let (msg, is_err) = nightjar::ui::widgets::placeholder(&store).unwrap();
    assert!(is_err && msg.starts_with("ExpiredToken"), "{msg}");
}

#[test]
fn the_demo_models_headroom_from_service_quotas_and_the_config() {
    let (mut store, _) = demo_store();
    let sq = |code: &str, name: &str, v: f64| read_quota(Some(name), Some(code), Some(v)).unwrap();
    store.apply(Update::ServiceQuotas(ServiceQuotasUpdate {
        region: REGION.into(),
        quotas: RegionQuotas {
            quotas: vec![
                sq(
                    "L-1",
                    "Cross-region model inference tokens per minute for Anthropic Claude Sonnet 4.5 V1",
                    400_000.0,
                ),
                sq("L-2", "On-demand model inference tokens per minute for Anthropic Claude Sonnet 4.5 V1", 200_000.0),
                sq("L-3", "On-demand model inference tokens per minute for Amazon Nova Pro", 800_000.0),
                sq("L-4", "Cross-region model inference tokens per minute for Anthropic Claude Haiku 4.5", 1e6),
            ],
            other: 0,
            fetched_at: 0,
        },
    }));
    // the config names haiku's (by base id): it wins over Service Quotas' 1M
    store.quotas.insert("anthropic.claude-haiku-4-5-20251001-v1:0".into(), Quota { tpm: Some(2e6), rpm: None });
    let rows = store.models();
    let row = |id: &str| rows.iter().find(|r| r.model_id == id).unwrap();
    let sonnet = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
    let q = store.effective_quota(REGION, sonnet).unwrap();
    // the us. profile counts against the cross-region quota, not the on-demand one
    assert_eq!(q.tpm.as_ref().map(|t| (t.value, t.origin)), Some((400_000.0, QuotaOrigin::ServiceQuotas)));
    assert_eq!(q.tpm.unwrap().quota_code.as_deref(), Some("L-1"));
    let peak = |id: &str| {
        let m = store.model_minutes_all(REGION, id, nightjar::domain::catalog::BedrockMetric::TpmQuotaUsage, "Sum");
        m.range(store.window.end - 6 * 60..).map(|(_, v)| *v).fold(0.0, f64::max)
    };
    let expect = |id: &str, quota: f64| (peak(id) / quota * 100.0 * 1e6).round() / 1e6;
    let got = |id: &str| row(id).quota_pct.map(|p| (p * 1e6).round() / 1e6);
    assert_eq!(got(sonnet), Some(expect(sonnet, 400_000.0)));
    assert_eq!(got("amazon.nova-pro-v1:0"), Some(expect("amazon.nova-pro-v1:0", 800_000.0)));
    let haiku = "us.anthropic.claude-haiku-4-5-20251001-v1:0";
    assert_eq!(got(haiku), Some(expect(haiku, 2e6)));
    assert_eq!(store.effective_quota(REGION, haiku).unwrap().tpm.unwrap().origin, QuotaOrigin::Config);
    // the storm pins sonnet's estimate near its 400k quota: the headroom is all but gone
    assert!(got(sonnet).unwrap() > 90.0, "{:?}", got(sonnet));
    // no quota from either for opus and llama: unknown, not 0
    assert_eq!(row("us.anthropic.claude-opus-4-5-20251101-v1:0").quota_pct, None);
}

#[test]
fn the_model_charts_say_what_the_headroom_is_measured_against() {
    let (mut store, _) = demo_store();
    let sonnet = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
    store.apply(Update::ServiceQuotas(ServiceQuotasUpdate {
        region: REGION.into(),
        quotas: RegionQuotas {
            quotas: vec![
                read_quota(
                    Some("Cross-region model inference tokens per minute for Anthropic Claude Sonnet 4.5 V1"),
                    Some("L-1"),
                    Some(400_000.0),
                )
                .unwrap(),
            ],
            other: 0,
            fetched_at: 0,
        },
    }));
    store.quotas.insert(sonnet.into(), Quota { tpm: None, rpm: Some(5000.0) });
    let pct = store.models().into_iter().find(|r| r.model_id == sonnet).unwrap().quota_pct.unwrap();
    let state = nightjar::ui::panes::models::detail::ModelDetailState::single(REGION, sonnet);
    let mut t = Terminal::new(TestBackend::new(160, 48)).unwrap();
    let view = store.window;
    t.draw(|f| {
        nightjar::ui::panes::models::detail::draw(f, f.area(), &store, &state, &Theme::default(), Fmt::default(), view)
    })
    .unwrap();
    let screen = t.backend().to_string();
    let want = format!("quota {pct:.0}% of TPM 400k (Service Quotas) · RPM 5.0k (config)");
    assert!(screen.contains(&want), "{want}\n{screen}");
    // a model without any quota says nothing about it
    let state =
        nightjar::ui::panes::models::detail::ModelDetailState::single(REGION, "meta.llama3-3-70b-instruct-v1:0");
    t.draw(|f| {
        nightjar::ui::panes::models::detail::draw(f, f.area(), &store, &state, &Theme::default(), Fmt::default(), view)
    })
    .unwrap();
    assert!(!t.backend().to_string().contains("quota"));
}
