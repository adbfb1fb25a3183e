//! Every shipped theme renders every pane with its own colours (checked per cell), and a
//! true-colour theme falls back to the 16 ANSI colours cell by cell.

use nightjar::domain::pricing::PriceTable;
use nightjar::domain::window::Since;
use nightjar::engine::demo_identity;
use nightjar::sources::demo::DemoWorkload;
use nightjar::store::{SourceHealth, Store, Update};
use nightjar::ui::action::Action;
use nightjar::ui::app::App;
use nightjar::ui::keymap::Keymap;
use nightjar::ui::theme::{BUILTIN, ColorDepth, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;

const LAUNCH: i64 = 1_795_575_600;

fn demo_store() -> (Store, i64) {
    let now = LAUNCH + 5 * 60 + 30;
    let mut store = Store::new(PriceTable::default(), vec![]);
    store.apply(demo_identity());
    store.apply(Update::Metrics(DemoWorkload::new(7, LAUNCH).poll(now, Since::default())));
    let mut h = SourceHealth::new("demo", Some("us-east-1"));
    h.record_ok(now);
    store.apply(Update::Health(h));
    (store, now)
}

const PANES: [Action; 7] =
    [Action::Pane1, Action::Pane2, Action::Pane3, Action::Pane4, Action::Pane5, Action::Pane6, Action::Pane7];

#[test]
fn each_theme_paints_with_its_own_colours() {
    let (store, now) = demo_store();
    for (name, _) in BUILTIN {
        let theme = Theme::resolve(name).unwrap();
        for pane in PANES {
            let mut app = App::new(Keymap::default(), theme.clone());
            app.handle(pane, &store);
            let mut t = Terminal::new(TestBackend::new(100, 30)).unwrap();
            t.draw(|f| app.draw(f, &store, now)).unwrap();
            let buf = t.backend().buffer();
            // the header's active tab is drawn in the theme's selection colours
            let tab = (0..buf.area.width).map(|x| &buf[(x, 0)]).find(|c| c.bg == theme.selected_bg);
            assert!(tab.is_some(), "{name} {pane:?}: no cell in the selection colour");
            assert_eq!(tab.unwrap().fg, theme.selected_fg, "{name} {pane:?}");
            // every colour used is one of the theme's (or the terminal default)
            let mut palette = vec![
                Color::Reset,
                theme.text,
                theme.muted,
                theme.accent,
                theme.title,
                theme.header,
                theme.border,
                theme.border_focus,
                theme.selected_fg,
                theme.selected_bg,
                theme.ok,
                theme.warn,
                theme.crit,
                theme.stale,
                theme.status_bg,
            ];
            palette.extend(theme.chart);
            for y in 0..buf.area.height {
                for x in 0..buf.area.width {
                    let c = &buf[(x, y)];
                    assert!(palette.contains(&c.fg), "{name} {pane:?}: fg {:?} at {x},{y} is not a theme colour", c.fg);
                    assert!(palette.contains(&c.bg), "{name} {pane:?}: bg {:?} at {x},{y} is not a theme colour", c.bg);
                }
            }
        }
    }
}

#[test]
fn solarized_on_a_16_colour_terminal_falls_back_per_cell() {
    let (store, now) = demo_store();
    let theme = Theme::resolve("solarized-dark").unwrap().for_depth(ColorDepth::Ansi16);
    let mut app = App::new(Keymap::default(), theme);
    app.handle(Action::Pane2, &store);
    let mut t = Terminal::new(TestBackend::new(100, 30)).unwrap();
    t.draw(|f| app.draw(f, &store, now)).unwrap();
    let buf = t.backend().buffer();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            let c = &buf[(x, y)];
            assert!(!matches!(c.fg, Color::Rgb(..) | Color::Indexed(_)), "{:?} at {x},{y}", c.fg);
            assert!(!matches!(c.bg, Color::Rgb(..) | Color::Indexed(_)), "{:?} at {x},{y}", c.bg);
        }
    }
}

/// A selected row reads in every theme: its text is in the selection's foreground, never in a
/// colour that vanishes into the selection's background (muted grey on white in `tty` was).
/// Checked on the lists and on the span tree, whose rows are built from coloured parts.
#[test]
fn selected_rows_read_in_every_theme() {
    let (mut store, now) = demo_store();
    let cli = <nightjar::cli::Cli as clap::Parser>::parse_from(["nightjar", "--demo"]);
    let cfg = nightjar::config::Config::resolve(&cli).expect("default config");
    let mut traces = nightjar::sources::demo::traces::DemoTraces::new(7, LAUNCH);
    let list = traces.list(&nightjar::engine::initial_traces_query(&cfg), now).expect("demo traces");
    let first: Vec<String> = list.summaries.iter().take(5).map(|s| s.id.clone()).collect();
    store.apply(Update::Traces(nightjar::store::traces::TracesUpdate::Listed(list)));
    let (fetched, unprocessed) = traces.fetch(&first);
    store.apply(Update::Traces(nightjar::store::traces::TracesUpdate::Fetched { traces: fetched, unprocessed }));
    let views: [(&str, Vec<Action>); 3] = [
        ("models", vec![Action::Pane2]),
        ("traces", vec![Action::Pane5]),
        ("span tree", vec![Action::Pane5, Action::Select]),
    ];
    for (name, _) in BUILTIN {
        let theme = Theme::resolve(name).unwrap();
        for (view, keys) in &views {
            let mut app = App::new(Keymap::default(), theme.clone());
            for k in keys {
                app.handle(*k, &store);
            }
            let mut t = Terminal::new(TestBackend::new(100, 30)).unwrap();
            t.draw(|f| app.draw(f, &store, now)).unwrap();
            let buf = t.backend().buffer();
            // the selected row: the longest run of selection background below the header
            let row = (1..buf.area.height)
                .max_by_key(|y| (0..buf.area.width).filter(|x| buf[(*x, *y)].bg == theme.selected_bg).count())
                .unwrap();
            let cells: Vec<_> =
                (0..buf.area.width).map(|x| &buf[(x, row)]).filter(|c| c.bg == theme.selected_bg).collect();
            assert!(cells.len() > 20, "{name} {view}: a selected row ({} cells)", cells.len());
            for c in cells.iter().filter(|c| !c.symbol().trim().is_empty()) {
                // text in the selection colour; only the span tree's waterfall bar keeps its own
                let bar = matches!(c.symbol(), "█" | "▏" | "#" | "|");
                assert!(
                    c.fg == theme.selected_fg || (bar && c.fg != theme.selected_bg),
                    "{name} {view}: '{}' drawn {:?} on the selection's {:?}",
                    c.symbol(),
                    c.fg,
                    theme.selected_bg
                );
            }
        }
    }
}
