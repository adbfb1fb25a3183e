//! Overview: the window at a glance — request rate, errors, throttles, p99, tokens, burn — each
//! with a sparkline and the worst model, quality scores, and the models with p99, throttles and
//! cost. `/` narrows the "what changed" suspects and the models; the group key shows the models
//! by base model (shared with the Models pane).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table, TableState};

use super::models::{Column, grouping_hint, grouping_label, header_row, table_rows, visible_columns};
use super::{block, draw_message, placeholder};
use crate::domain::catalog::short_model_name;
use crate::store::Store;
use crate::store::triage::Suspect;
use crate::store::views::{ModelGroup, Signal};
use crate::ui::action::Action;
use crate::ui::filter::Filter;
use crate::ui::format::{self, NONE};
use crate::ui::pane::{DrawCtx, Intent, Outcome, Pane, PaneKind};
use crate::ui::theme::{Level, Theme};

#[derive(Debug, Default, Clone)]
pub struct OverviewState {
    /// Index into the one list: the suspects shown first, then the models.
    pub selected: usize,
    /// `/` narrows the suspects and the models.
    pub filter: Filter,
    /// Models by base model (regions and cross-region ids summed) instead of per region and id.
    pub grouped: bool,
}

/// What a row of the Overview's list is, to keep the selection on it while the list changes.
#[derive(Debug, Clone, PartialEq)]
enum Ident {
    Suspect(crate::store::SeriesKey),
    /// Region and model id of the row (grouped: the group's).
    Model(String, String),
    /// Grouped ↔ split: the region and id of the busiest member.
    Member(String, String),
}

impl OverviewState {
    /// The suspects and the models the list shows, as filtered.
    pub fn lists(&self, store: &Store) -> (Vec<Suspect>, Vec<ModelGroup>) {
        let sus = if self.filter.text.is_empty() {
            suspects(store)
        } else {
            // look further down the ranking for ones that match, show as many as usual
            let mut all = store.suspects(store.window.end - 1, SUSPECTS_SEARCHED);
            all.retain(|x| self.filter.matches(&suspect_text(x)));
            all.truncate(SUSPECTS_SHOWN);
            all
        };
        let mut models = sorted_models(store, self.grouped);
        models.retain(|g| self.filter.matches(&g.search_text()));
        (sus, models)
    }

    fn ident(&self, store: &Store, member: bool) -> Option<Ident> {
        let (sus, models) = self.lists(store);
        if let Some(x) = sus.get(self.selected) {
            return Some(Ident::Suspect(x.key.clone()));
        }
        let g = models.get(self.selected - sus.len())?;
        Some(if member {
            Ident::Member(g.busiest().region.clone(), g.busiest().model_id.clone())
        } else {
            Ident::Model(g.row.region.clone(), g.row.model_id.clone())
        })
    }

    /// Put the selection back on `ident` when it is still listed, else on the first row.
    fn reselect(&mut self, store: &Store, ident: Option<Ident>) {
        let (sus, models) = self.lists(store);
        let at = match &ident {
            Some(Ident::Suspect(k)) => sus.iter().position(|x| &x.key == k),
            Some(Ident::Model(r, m)) => {
                models.iter().position(|g| &g.row.region == r && &g.row.model_id == m).map(|i| i + sus.len())
            }
            Some(Ident::Member(r, m)) => models.iter().position(|g| g.contains(r, m)).map(|i| i + sus.len()),
            None => None,
        };
        self.selected = at.unwrap_or(0);
    }

    /// Split ↔ grouped, keeping the selection on the same model.
    pub fn set_grouped(&mut self, grouped: bool, store: &Store) {
        if grouped == self.grouped {
            return;
        }
        let before = self.ident(store, true);
        self.grouped = grouped;
        self.reselect(store, before);
    }

    /// A key while the filter is edited; the selection follows its row while it matches.
    pub fn filter_key(&mut self, key: crossterm::event::KeyEvent, store: &Store) -> bool {
        let before = self.ident(store, false);
        if !self.filter.key(key) {
            return false;
        }
        self.reselect(store, before);
        true
    }
}

/// What a suspect is matched on: its sentence, its metric and dimensions, region and model.
fn suspect_text(x: &Suspect) -> String {
    format!("{} {} {} {}", x.summary, x.key.label(), x.key.region, x.model.as_deref().unwrap_or(""))
}

/// How far down the suspects' ranking a filter looks.
const SUSPECTS_SEARCHED: usize = 50;

/// The Overview pane.
#[derive(Debug, Default)]
pub struct OverviewPane {
    pub state: OverviewState,
}

impl Pane for OverviewPane {
    fn kind(&self) -> PaneKind {
        PaneKind::Overview
    }
    fn title(&self) -> &'static str {
        "Overview"
    }
    fn draw(&mut self, f: &mut Frame, area: Rect, ctx: &DrawCtx) {
        draw(f, area, ctx.store, &mut self.state, ctx.theme);
    }
    fn handle(&mut self, action: Action, store: &Store) -> Outcome {
        let (sus, models) = self.state.lists(store);
        let n = sus.len() + models.len();
        let s = &mut self.state;
        // one list: the suspects ("what changed") first, then the models
        let selected = |i: usize| -> Option<Either<'_>> {
            if i < sus.len() { sus.get(i).map(Either::Suspect) } else { models.get(i - sus.len()).map(Either::Model) }
        };
        match action {
            Action::Up => s.selected = s.selected.saturating_sub(1),
            Action::Down => s.selected = (s.selected + 1).min(n.saturating_sub(1)),
            Action::Top => s.selected = 0,
            Action::Bottom => s.selected = n.saturating_sub(1),
            Action::Filter => s.filter.start(),
            Action::GroupModels => s.set_grouped(!s.grouped, store),
            Action::Select => {
                return match selected(s.selected) {
                    // a group opens through its busiest member (the Models pane shares the grouping)
                    Some(Either::Model(g)) => Outcome::Goto(
                        PaneKind::Models,
                        Intent::OpenModel {
                            region: g.busiest().region.clone(),
                            model_id: g.busiest().model_id.clone(),
                        },
                    ),
                    Some(Either::Suspect(x)) => match &x.model {
                        Some(model) => Outcome::Goto(
                            PaneKind::Models,
                            Intent::OpenModel { region: x.key.region.clone(), model_id: model.clone() },
                        ),
                        None => Outcome::Goto(PaneKind::Pipeline, Intent::OpenSeries { key: x.key.clone() }),
                    },
                    None => Outcome::None,
                };
            }
            Action::ShowTraces => {
                return match selected(s.selected) {
                    Some(Either::Model(g)) => Outcome::Goto(
                        PaneKind::Traces,
                        Intent::TracesFor { model: Some(g.busiest().model_id.clone()), window: None, filter: None },
                    ),
                    // the traces of the minutes the suspect has been off its baseline
                    Some(Either::Suspect(x)) => Outcome::Goto(
                        PaneKind::Traces,
                        Intent::TracesFor {
                            model: x.model.clone(),
                            window: Some(crate::domain::window::Window { start: x.since - 60, end: store.window.end }),
                            filter: None,
                        },
                    ),
                    None => Outcome::None,
                };
            }
            _ => return Outcome::Ignored,
        }
        Outcome::Redraw
    }
    fn hints(&self) -> Vec<(Action, &'static str)> {
        vec![
            (Action::Select, "open"),
            (Action::ShowTraces, "traces"),
            (Action::Filter, "filter"),
            grouping_hint(self.state.grouped),
        ]
    }
    fn back(&mut self) -> bool {
        if self.state.filter.text.is_empty() {
            return false;
        }
        self.state.filter = Filter::default();
        true
    }
    fn captures_input(&self) -> bool {
        self.state.filter.editing
    }
    fn handle_key(&mut self, key: crossterm::event::KeyEvent, store: &Store) -> Outcome {
        if self.state.filter_key(key, store) { Outcome::Redraw } else { Outcome::None }
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

enum Either<'a> {
    Suspect(&'a Suspect),
    Model(&'a ModelGroup),
}

/// How many suspects the Overview lists.
pub const SUSPECTS_SHOWN: usize = 3;

/// The top suspects as of the window's last minute.
pub fn suspects(store: &Store) -> Vec<Suspect> {
    store.suspects(store.window.end - 1, SUSPECTS_SHOWN)
}

/// Models (split or grouped) by window cost (unknown last), then invocations.
fn sorted_models(store: &Store, grouped: bool) -> Vec<ModelGroup> {
    let mut m = store.model_groups(grouped);
    m.sort_by(|a, b| {
        let (a, b) = (&a.row, &b.row);
        b.cost_usd
            .unwrap_or(-1.0)
            .total_cmp(&a.cost_usd.unwrap_or(-1.0))
            .then(b.invocations.unwrap_or(0.0).total_cmp(&a.invocations.unwrap_or(0.0)))
    });
    m
}

pub fn error_level(pct: Option<f64>) -> Level {
    match pct {
        Some(v) if v >= 5.0 => Level::Crit,
        Some(v) if v >= 1.0 => Level::Warn,
        Some(_) => Level::Ok,
        None => Level::None,
    }
}

pub fn latency_level(ms: Option<f64>) -> Level {
    match ms {
        Some(v) if v >= 10_000.0 => Level::Crit,
        Some(v) if v >= 5_000.0 => Level::Warn,
        Some(_) => Level::Ok,
        None => Level::None,
    }
}

/// Seed application thresholds: target 0.85, warning 0.75, critical 0.60.
pub fn quality_level(v: Option<f64>) -> Level {
    match v {
        Some(v) if v < 0.60 => Level::Crit,
        Some(v) if v < 0.75 => Level::Warn,
        Some(_) => Level::Ok,
        None => Level::None,
    }
}

pub fn draw(f: &mut Frame, area: Rect, store: &Store, state: &mut OverviewState, theme: &Theme) {
    if let Some((msg, is_err)) = placeholder(store) {
        let style = if is_err { theme.crit() } else { theme.muted() };
        draw_message(f, area, "Overview", vec![Line::styled(msg, style)], theme);
        return;
    }
    if store.models().is_empty() {
        let regions = store.identity.regions.join(", ");
        draw_message(
            f,
            area,
            "Overview",
            vec![
                Line::styled(
                    format!("No Bedrock model metrics in {regions} over the last {}.", since_label(store)),
                    theme.warn(),
                ),
                Line::styled(
                    "AWS/Bedrock publishes per-model metrics only when models are invoked: check --region, or widen the window.",
                    theme.muted(),
                ),
            ],
            theme,
        );
        return;
    }
    let ov = store.overview();
    let quality_rows = if ov.quality.is_empty() { 0 } else { 1 };
    let sig_h = (6 + quality_rows + 2) as u16;
    let banner = super::alarms::banner(store, theme);
    let (sus, models) = state.lists(store);
    let sus_h = if sus.is_empty() { 0 } else { sus.len() as u16 + 2 };
    let [banner_area, top, sus_area, bottom] = Layout::vertical([
        Constraint::Length(u16::from(banner.is_some())),
        Constraint::Length(sig_h),
        Constraint::Length(sus_h),
        Constraint::Min(3),
    ])
    .areas(area);
    if let Some(b) = banner {
        f.render_widget(Paragraph::new(b), banner_area);
    }
    let n_sus = sus.len();
    state.selected = state.selected.min((n_sus + models.len()).saturating_sub(1));
    if !sus.is_empty() {
        let w = sus_area.width.saturating_sub(4) as usize;
        let lines: Vec<Line> = sus
            .iter()
            .enumerate()
            .map(|(i, x)| {
                let style = if state.selected == i { theme.selected() } else { theme.warn() };
                Line::from(vec![
                    Span::styled(theme.glyph("▲ ", "^ "), theme.crit()),
                    Span::styled(format::clip(&crate::sanitize::one_line(&x.summary), w), style),
                ])
            })
            .collect();
        f.render_widget(
            Paragraph::new(lines).block(block("What changed · Enter open · t traces", theme, false)),
            sus_area,
        );
    }

    // Signals
    let inner_w = top.width.saturating_sub(2) as usize;
    let label_w = 13;
    let value_w = 18;
    let worst_w = if inner_w >= 100 { 34 } else { 24 };
    let spark_w = inner_w.saturating_sub(label_w + value_w + worst_w + 3).max(4);
    let spend_line = |label: &str, value: String, level: Level, sig: &Signal, worst: String| {
        // percentages are drawn against at least 5 %, so noise near zero stays flat
        let floor = if label == "Errors" || label == "Throttles" { 5.0 } else { 0.0 };
        Line::from(vec![
            Span::styled(format!("{label:<label_w$}"), theme.header()),
            Span::styled(format!("{:>w$} ", format::clip(&value, value_w - 1), w = value_w - 1), theme.level(level)),
            Span::styled(format::spark_floor(&sig.spark, spark_w, floor), theme.accent()),
            Span::raw("  "),
            Span::styled(format::clip(&worst, worst_w), theme.muted()),
        ])
    };
    let worst = |sig: &Signal, f: fn(f64) -> String| match (&sig.worst_model, sig.worst_value) {
        (Some(m), Some(v)) => format!("{} {}", short_model_name(m), f(v)),
        _ => String::new(),
    };
    let mut lines = vec![
        spend_line(
            "Requests/min",
            format::opt(ov.requests_per_min.value, format::count),
            Level::None,
            &ov.requests_per_min,
            worst(&ov.requests_per_min, format::count),
        ),
        spend_line(
            "Errors",
            format::opt(ov.error_pct.value, format::pct),
            error_level(ov.error_pct.value),
            &ov.error_pct,
            worst(&ov.error_pct, format::pct),
        ),
        spend_line(
            "Throttles",
            format::opt(ov.throttle_pct.value, format::pct),
            error_level(ov.throttle_pct.value),
            &ov.throttle_pct,
            worst(&ov.throttle_pct, format::pct),
        ),
        spend_line(
            "p99 latency",
            format::opt(ov.p99_ms.value, format::ms),
            latency_level(ov.p99_ms.value),
            &ov.p99_ms,
            worst(&ov.p99_ms, format::ms),
        ),
        spend_line(
            "Tokens/min",
            format::opt(ov.tokens_per_min.value, format::count),
            Level::None,
            &ov.tokens_per_min,
            worst(&ov.tokens_per_min, format::count),
        ),
        {
            let burn = match (ov.usd_per_hour.value, ov.usd_per_day_projected) {
                (Some(h), Some(d)) => format!("{}/h→{}/d", format::usd(h), format::usd(d)),
                _ => NONE.to_string(),
            };
            let mut w = worst(&ov.usd_per_hour, |v| format!("{}/h", format::usd(v)));
            if !ov.unpriced_models.is_empty() {
                w = format!("{w} +{} unpriced", ov.unpriced_models.len());
            }
            spend_line("Burn", burn, Level::None, &ov.usd_per_hour, w)
        },
    ];
    if !ov.quality.is_empty() {
        let mut quality = ov.quality.clone();
        // faithfulness first: it is the score the seed application alarms on
        quality.sort_by_key(|q| (q.key.metric != "Faithfulness", q.key.metric.clone()));
        let mut spans = vec![Span::styled(format!("{:<label_w$}", "Quality"), theme.header())];
        // the Pipeline pane's sentence first: the score that matters, its line, and since when
        if let Some(h) = store.panel(crate::store::pipeline::PanelId::Quality).headline {
            spans.extend(super::panel_board::sentence_spans(&h, theme));
            spans.push(Span::raw("  "));
            quality.retain(|q| q.key.metric != "Faithfulness");
        }
        for q in &quality {
            let name = if q.key.dims.is_empty() { q.key.metric.clone() } else { q.key.label() };
            spans.push(Span::styled(format!("{} ", format::clip(&name, 16)), theme.muted()));
            spans.push(Span::styled(
                format!("{} ", format::opt(q.value, |v| format!("{v:.2}"))),
                theme.level(quality_level(q.value)),
            ));
            spans.push(Span::styled(format::spark_minmax(&q.spark, 4, 0.1), theme.accent()));
            spans.push(Span::raw("  "));
        }
        lines.push(Line::from(spans));
    }
    let mut title = format!("Overview · last {}", since_label(store));
    if let Some(n) = store.resolution.note() {
        title.push_str(&format!(" · {n}"));
    }
    f.render_widget(Paragraph::new(lines).block(block(&title, theme, false)), top);

    // Models, worst-first by cost
    let multi_region = store.identity.several_scopes();
    let cols = visible_columns(bottom.width.saturating_sub(2), multi_region, Column::OVERVIEW);
    let header = header_row(&cols, None, theme);
    let n = models.len();
    let models_title =
        format!("Models ({n}){}{} · by cost · Enter opens", grouping_label(state.grouped), state.filter.label());
    if models.is_empty() {
        let msg =
            format!("No model matches '{}' (Esc clears the filter).", crate::sanitize::one_line(&state.filter.text));
        draw_message(f, bottom, &models_title, vec![Line::styled(msg, theme.warn())], theme);
        return;
    }
    let rows: Vec<Row> = table_rows(&models, &cols, theme);
    let widths: Vec<Constraint> = cols.iter().map(|c| c.constraint()).collect();
    let t = Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .block(block(&models_title, theme, true))
        .row_highlight_style(theme.selected())
        .style(Style::default());
    let mut ts = TableState::default().with_selected(state.selected.checked_sub(n_sus));
    f.render_stateful_widget(t, bottom, &mut ts);
}

pub fn since_label(store: &Store) -> String {
    let secs = store.window.secs();
    if secs <= 0 { "1h".into() } else { crate::domain::window::Since::from_secs(secs).to_string() }
}
