//! The quota view (Models → `Q`, `:quotas`): the demo's last 7 days against each quota, drawn on a
//! test backend. Sonnet's cross-region quota is shared by the `us.` id and the nightly batch
//! job's application inference profile, which drives it to 85–99 % on weekday nights: the
//! table's first row, the heatmap's hot 02:00–03:00 band, the per-profile breakdown.

use crate::ui_common;

use nightjar::sources::demo::week;
use nightjar::store::{SourceHealth, Store, Update};
use nightjar::ui::action::Action;
use nightjar::ui::app::App;
use nightjar::ui::keymap::Keymap;
use nightjar::ui::pane::{Intent, PaneKind};
use nightjar::ui::theme::{ColorDepth, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use ui_common::{app, demo_store, render};

fn store() -> (Store, i64) {
    let (mut store, now) = demo_store(5);
    for (id, q) in nightjar::sources::demo::quotas() {
        store.quotas.insert(id, q);
    }
    store.apply(Update::InferenceProfiles(week::profiles()));
    store.apply(Update::QuotaUsage(week::week(7, now)));
    let mut h = SourceHealth::new("usage", Some("us-east-1"));
    h.record_ok(now - 60);
    store.apply(Update::Health(h));
    (store, now)
}

fn opened(store: &Store, mut a: App) -> App {
    a.send_intent(PaneKind::Models, Intent::OpenQuotas, store);
    a
}

#[test]
fn the_week_against_each_quota_at_80x24_and_160x45() {
    let (store, now) = store();
    let mut a = opened(&store, app());
    let narrow = render(&store, &mut a, 80, 24, now);
    insta::assert_snapshot!("quota_view_80x24", narrow);
    // the shared quota comes first, with its two callers counted; its peak is the batch job's
    let groups = store.usage_groups();
    let sonnet = &groups[0];
    let peak = sonnet.tpm_pct(sonnet.tpm.peak).unwrap();
    let row = narrow.lines().find(|l| l.contains("claude-sonnet-4-5 (2)")).expect("sonnet's row");
    assert!(row.contains("cross-region") && row.contains(&format!("{peak:.0}%")), "{row}");
    // what the figures are, on screen
    assert!(narrow.contains("per min, 5-min periods, 7 days · p90 of active periods"), "{narrow}");
    // the heatmap: weekday nights hot at 02:00 and 03:00 (columns 7 + 2·hour), weekends not
    let weekdays = ["Mon ", "Tue ", "Wed ", "Thu ", "Fri ", "Sat ", "Sun "];
    // (the backend's text quotes each line)
    let days: Vec<&str> = narrow
        .lines()
        .map(|l| l.trim_matches('"'))
        .filter(|l| weekdays.iter().any(|d| l.chars().skip(1).collect::<String>().starts_with(d)))
        .collect();
    assert_eq!(days.len(), 7, "{narrow}");
    for d in &days {
        let cells: Vec<char> = d.chars().skip(8).collect();
        let hot = cells.get(4) == Some(&'█') && cells.get(6) == Some(&'█');
        let weekend = d.contains("Sat") || d.contains("Sun");
        assert_eq!(hot, !weekend, "{d}");
    }

    // space: the breakdown per profile instead
    a.handle(Action::Toggle, &store);
    let profiles = render(&store, &mut a, 80, 24, now);
    insta::assert_snapshot!("quota_view_profiles_80x24", profiles);
    assert!(profiles.contains("@nightly-batch"), "{profiles}");
    assert!(profiles.contains("us.claude-sonnet-4-5"), "{profiles}");
    let share = |name: &str| sonnet.members.iter().find(|m| m.profile_name.as_deref() == Some(name)).unwrap().share_pct;
    let line = profiles.lines().find(|l| l.contains("@nightly-batch")).unwrap();
    assert!(line.contains(&format!("{:.0}%", share("nightly-batch").unwrap())), "{line}");

    // wide: both side by side, the figures with their values, the profile's tags
    let mut a = opened(&store, app());
    let wide = render(&store, &mut a, 160, 45, now);
    insta::assert_snapshot!("quota_view_160x45", wide);
    assert!(wide.contains("@nightly-batch [team=data use-case=batch]"), "{wide}");
    assert!(wide.contains("p90 of the periods with traffic, peak the busiest"), "{wide}");
}

#[test]
fn q_opens_and_esc_closes_it_and_the_command_line_opens_it() {
    let (store, now) = store();
    let mut a = app();
    a.handle(Action::Pane2, &store);
    a.handle(Action::QuotaView, &store);
    assert!(render(&store, &mut a, 80, 24, now).contains("Quota use · last 7 days"));
    a.handle(Action::Back, &store);
    let table = render(&store, &mut a, 80, 24, now);
    assert!(!table.contains("Quota use") && table.contains("Models ("), "{table}");
    // the hint says how to get there
    assert!(table.contains("Q quota use") || render(&store, &mut a, 160, 24, now).contains("Q quota use"));
    // :quotas from another pane
    let mut a = app();
    a.handle(Action::Command, &store);
    for c in "quotas".chars() {
        a.handle_key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char(c)), &store);
    }
    a.handle_key(crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Enter), &store);
    assert_eq!(a.current_kind(), PaneKind::Models);
    assert!(render(&store, &mut a, 80, 24, now).contains("Quota use · last 7 days"));
}

#[test]
fn sixteen_colours_and_ascii() {
    let (store, now) = store();
    // 16 colours: the shades carry the level, their colours are the basic ones
    let theme = Theme::default().for_depth(ColorDepth::Ansi16);
    let mut a = opened(&store, App::new(Keymap::default(), theme));
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| a.draw(f, &store, now)).unwrap();
    let buf = t.backend().buffer();
    let basic = |c: Color| matches!(c, Color::Reset) || !matches!(c, Color::Rgb(..) | Color::Indexed(_));
    let mut shaded = 0;
    for cell in buf.content() {
        if ["░", "▒", "▓", "█"].contains(&cell.symbol()) {
            shaded += 1;
            assert!(basic(cell.fg), "{:?}", cell.fg);
        }
    }
    assert!(shaded > 100, "{shaded}");
    // ASCII charts: no block glyphs in the heatmap
    let theme = Theme { ascii_charts: true, ..Default::default() };
    let mut a = opened(&store, App::new(Keymap::default(), theme));
    let screen = render(&store, &mut a, 80, 24, now);
    let heat: Vec<&str> = screen.lines().skip(11).take(10).collect();
    assert!(heat.iter().all(|l| !l.contains(['░', '▒', '▓', '█'])), "{screen}");
    assert!(heat.iter().any(|l| l.contains("####")), "{screen}");
    assert!(screen.contains(". <25 : <50 + <80 # ≥80%"), "{screen}");
}

#[test]
fn before_the_week_is_read_it_says_so() {
    let (mut store, now) = demo_store(5);
    let mut a = opened(&store, app());
    assert!(render(&store, &mut a, 80, 24, now).contains("Reading the last 7 days of quota use…"));
    let mut h = SourceHealth::new("usage", Some("us-east-1"));
    h.calls = 1;
    h.record_error(nightjar::store::SourceError {
        kind: nightjar::store::ErrorKind::Throttled,
        code: Some("Throttling".into()),
        message: "Rate exceeded".into(),
        hint: String::new(),
        at: now,
    });
    h.note = Some("7-day quota use not read (throttled) — the live headroom is unaffected".into());
    store.apply(Update::Health(h));
    let screen = render(&store, &mut a, 80, 24, now);
    assert!(screen.contains("7-day quota use not read (throttled)"), "{screen}");
}
