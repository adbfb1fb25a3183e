//! Overview: the window at a glance. The first line says what matters now in words
//! ([`Store::headline`]: each culprit model, since when, and why), then the firing banner with
//! each rule's culprit; then request rate, errors, throttles, p99, tokens and burn with their
//! worst model, quality scores, "what changed", and the models with every column that fits.
//!
//! The layout grows with the terminal: below 34 rows the signals are sparklines in one box and
//! the boxes share borders, so 80x24 keeps the models; from 34 rows they are charts with time
//! axes (and a rule's threshold); from 150 columns the firing rules with their culprits, what
//! changed and the worst traces sit beside the charts. The models table is as tall as its rows
//! and its name column as wide as its longest name. `/` narrows the "what changed" suspects and
//! the models; the group key shows the models by base model (shared with the Models pane).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, TableState};

use crate::domain::catalog::short_model_name;
use crate::domain::window::Window;
use crate::present::format::{self, Fmt, NONE};
use crate::present::triage::Suspect;
use crate::present::views::{ModelGroup, Signal, since_label};
use crate::store::Store;
use crate::ui::action::Action;
use crate::ui::filter::Filter;
use crate::ui::pane::{CommandInfo, Ctx, DrawCtx, Intent, Outcome, Pane, PaneKind, ViewState};
use crate::ui::theme::{Level, Theme};
use crate::ui::widgets::model_table::{
    Column, grouping_hint, grouping_label, header_row, name_width, table_rows, visible_columns,
};
use crate::ui::widgets::sentence::{level, sentence_spans};
use crate::ui::widgets::text::{self, width};
use crate::ui::widgets::{block, draw_message, error_level, latency_level, placeholder};

#[derive(Debug, Default, Clone)]
pub struct OverviewState {
    /// Index into the one list: the suspects shown first, then the models.
    pub selected: usize,
    /// `/` narrows the suspects and the models.
    pub filter: Filter,
    /// Accounts are told apart (as of the last frame): the group key has an account grouping.
    pub accounts: bool,
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
    /// The suspects and the models the list shows, as filtered; the models by base model when
    /// `grouped` (the app's view setting).
    pub fn lists(&self, store: &Store, v: ViewState) -> (Vec<Suspect>, Vec<ModelGroup>) {
        let sus = if self.filter.is_empty() {
            suspects(store)
        } else {
            // look further down the ranking for ones that match, show as many as usual
            let mut all = store.suspects(store.window.end - 1, SUSPECTS_SEARCHED);
            all.retain(|x| self.filter.matches(&suspect_text(x)));
            all.truncate(SUSPECTS_SHOWN);
            all
        };
        let mut models = sorted_models(store, v);
        models.retain(|g| self.filter.matches(&g.search_text()));
        (sus, models)
    }

    fn ident(&self, store: &Store, v: ViewState, member: bool) -> Option<Ident> {
        let (sus, models) = self.lists(store, v);
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
    fn reselect(&mut self, store: &Store, v: ViewState, ident: Option<Ident>) {
        let (sus, models) = self.lists(store, v);
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

    /// The tables went split ↔ grouped: keep the selection on the same model.
    pub fn regroup(&mut self, store: &Store, before: ViewState, after: ViewState) {
        if before == after {
            return;
        }
        let ident = self.ident(store, before, true);
        self.reselect(store, after, ident);
    }

    /// A key while the filter is edited; the selection follows its row while it matches.
    pub fn filter_key(&mut self, key: crossterm::event::KeyEvent, store: &Store, v: ViewState) -> bool {
        let before = self.ident(store, v, false);
        if !self.filter.key(key) {
            return false;
        }
        self.reselect(store, v, before);
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
        draw(f, area, ctx.store, &mut self.state, ctx.theme, ctx.fmt, ctx.view, ctx.view_state);
    }
    fn handle(&mut self, action: Action, ctx: &Ctx) -> Outcome {
        let store = ctx.store;
        let (sus, models) = self.state.lists(store, ctx.view_state);
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
            Action::GroupModels => {
                return Outcome::SetView(
                    ctx.view_state.next_grouping(crate::present::accounts::several_accounts(store)),
                );
            }
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
    fn commands(&self, view: &ViewState) -> Vec<CommandInfo> {
        vec![
            CommandInfo::hint(Action::Select, "open"),
            CommandInfo::hint(Action::ShowTraces, "traces"),
            CommandInfo::hint(Action::Filter, "filter"),
            grouping_hint(view.grouped, view.by_account, self.state.accounts),
        ]
    }
    fn view_changed(&mut self, before: &ViewState, ctx: &Ctx) {
        self.state.regroup(ctx.store, *before, ctx.view_state);
    }
    fn back(&mut self) -> bool {
        if self.state.filter.is_empty() {
            return false;
        }
        self.state.filter = Filter::default();
        true
    }
    fn captures_input(&self) -> bool {
        self.state.filter.editing
    }
    fn handle_key(&mut self, key: crossterm::event::KeyEvent, ctx: &Ctx) -> Outcome {
        if self.state.filter_key(key, ctx.store, ctx.view_state) { Outcome::Redraw } else { Outcome::None }
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
fn sorted_models(store: &Store, v: ViewState) -> Vec<ModelGroup> {
    let mut m = crate::present::accounts::model_groups(store, v.grouped, v.by_account);
    m.sort_by(|a, b| {
        let (a, b) = (&a.row, &b.row);
        b.cost_usd
            .unwrap_or(-1.0)
            .total_cmp(&a.cost_usd.unwrap_or(-1.0))
            .then(b.invocations.unwrap_or(0.0).total_cmp(&a.invocations.unwrap_or(0.0)))
    });
    m
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

/// From this many rows the signals are charts with time axes instead of sparklines.
pub const CHARTS_MIN_HEIGHT: u16 = 34;
/// From this many columns (with the rows for charts) the firing list, what changed and the
/// worst traces sit beside the charts.
pub const SIDE_MIN_WIDTH: u16 = 150;

#[allow(clippy::too_many_arguments)]
pub fn draw(
    f: &mut Frame,
    area: Rect,
    store: &Store,
    state: &mut OverviewState,
    theme: &Theme,
    fmt: Fmt,
    view: Window,
    v: ViewState,
) {
    state.accounts = crate::present::accounts::several_accounts(store);
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
    let banner = crate::ui::widgets::banner::banner(store, theme, fmt, area.width);
    let (sus, models) = state.lists(store, v);
    state.selected = state.selected.min((sus.len() + models.len()).saturating_sub(1));
    let tall = area.height >= CHARTS_MIN_HEIGHT;
    let side = tall && area.width >= SIDE_MIN_WIDTH;
    let quality_h = u16::from(!ov.quality.is_empty());
    if !tall {
        // one screen of sparklines: the boxes share their borders to leave the models room
        let sig_h = 6 + quality_h + 1;
        let sus_h = if sus.is_empty() { 0 } else { sus.len() as u16 + 1 };
        let [head, banner_area, top, sus_area, bottom] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(u16::from(banner.is_some())),
            Constraint::Length(sig_h),
            Constraint::Length(sus_h),
            Constraint::Min(3),
        ])
        .areas(area);
        draw_headline(f, head, store, theme, fmt);
        if let Some(b) = banner {
            f.render_widget(Paragraph::new(b), banner_area);
        }
        draw_sparklines(f, top, store, &ov, theme, fmt, Borders::TOP);
        draw_suspects(f, sus_area, &sus, state.selected, theme, Borders::TOP);
        draw_models(f, bottom, store, state, &models, sus.len(), theme, v);
        return;
    }
    let sus_h = if side || sus.is_empty() { 0 } else { sus.len() as u16 + 2 };
    // the models as tall as their rows, within two fifths of the pane
    let models_h = (models.len() as u16 + 3).clamp(4, (area.height * 2 / 5).max(6));
    let [head, banner_area, upper, quality_area, sus_area, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(u16::from(banner.is_some())),
        Constraint::Min(10),
        Constraint::Length(quality_h),
        Constraint::Length(sus_h),
        Constraint::Length(models_h),
    ])
    .areas(area);
    draw_headline(f, head, store, theme, fmt);
    if let Some(b) = banner {
        f.render_widget(Paragraph::new(b), banner_area);
    }
    let charts = if side {
        let side_w = (area.width * 9 / 25).clamp(50, 80);
        let [charts, right] = Layout::horizontal([Constraint::Min(0), Constraint::Length(side_w)]).areas(upper);
        draw_side(f, right, store, &sus, state.selected, theme, fmt);
        charts
    } else {
        upper
    };
    draw_signal_charts(f, charts, store, &ov, theme, fmt, view);
    if quality_h > 0 {
        f.render_widget(Paragraph::new(quality_line(store, &ov, theme, fmt)), quality_area);
    }
    draw_suspects(f, sus_area, &sus, state.selected, theme, Borders::ALL);
    draw_models(f, bottom, store, state, &models, sus.len(), theme, v);
}

/// The first line: what matters now, in words — as many of the headline's clauses as fit.
fn draw_headline(f: &mut Frame, area: Rect, store: &Store, theme: &Theme, fmt: Fmt) {
    let clauses = store.headline();
    let width = area.width as usize;
    let mark = theme.glyph("▶ ", "> ");
    let mut used = text::width(mark);
    let first = clauses.first().map(|c| level_of(c.severity)).unwrap_or(Level::None);
    let mut spans = vec![Span::styled(mark, theme.level(first))];
    for (i, c) in clauses.iter().enumerate() {
        let n = text::width(&crate::present::sentence::sentence_text(c, fmt)) + if i > 0 { 2 } else { 0 };
        if i > 0 && used + n > width {
            break;
        }
        if i > 0 {
            spans.push(Span::styled("; ", theme.muted()));
        }
        used += n;
        spans.extend(sentence_spans(c, theme, fmt).into_iter().map(|s| {
            // the words in the text colour, bold: this is the line to read first
            let st = s.style.add_modifier(ratatui::style::Modifier::BOLD);
            Span::styled(s.content, st)
        }));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn level_of(s: crate::domain::genai_metrics::Severity) -> Level {
    level(s)
}

/// The quality line: the Pipeline pane's sentence on faithfulness, then the other scores.
fn quality_line(store: &Store, ov: &crate::present::views::Overview, theme: &Theme, fmt: Fmt) -> Line<'static> {
    let mut quality = ov.quality.clone();
    // faithfulness first: it is the score the seed application alarms on
    quality.sort_by_key(|q| (q.key.metric != "Faithfulness", q.key.metric.clone()));
    let mut spans = vec![Span::styled(format!("{:<LABEL_W$}", "Quality"), theme.header())];
    // the Pipeline pane's sentence first: the score that matters, its line, and since when
    if let Some(h) = store.panel(crate::present::panels::PanelId::Quality).headline {
        spans.extend(sentence_spans(&h, theme, fmt));
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
        spans.push(Span::styled(fmt.spark_minmax(&q.spark, 4, 0.1), theme.accent()));
        spans.push(Span::raw("  "));
    }
    Line::from(spans)
}

/// Width of the signal labels.
const LABEL_W: usize = 13;

/// One signal: its label, its figure now, its worst model, its points and how to read them.
struct SignalView<'a> {
    label: &'static str,
    value: String,
    level: Level,
    worst: String,
    signal: &'a Signal,
    unit: fn(f64) -> String,
    /// Percentages are drawn against at least this (noise near zero stays flat).
    floor: f64,
    /// A console rule's threshold on this signal.
    rule: Option<f64>,
    /// Multiply the points by this for the chart (cost per minute → per hour).
    scale: f64,
}

/// The threshold of the first threshold rule over a Bedrock signal.
fn rule_threshold(store: &Store, b: crate::domain::rules::BedrockSignal) -> Option<f64> {
    use crate::domain::rules::{Kind, Signal as RuleSignal};
    store
        .rules
        .rules
        .rules
        .iter()
        .find(|r| r.kind == Kind::Threshold && r.signal == Some(RuleSignal::Bedrock(b)))
        .and_then(|r| r.threshold)
}

fn signal_views<'a>(store: &Store, ov: &'a crate::present::views::Overview) -> Vec<SignalView<'a>> {
    use crate::domain::rules::BedrockSignal as B;
    let worst = |sig: &Signal, f: fn(f64) -> String| match (&sig.worst_model, sig.worst_value) {
        (Some(m), Some(v)) => format!("{} {}", short_model_name(m), f(v)),
        _ => String::new(),
    };
    let burn = match (ov.usd_per_hour.value, ov.usd_per_day_projected) {
        (Some(h), Some(d)) => format!("{}/h→{}/d", format::usd(h), format::usd(d)),
        _ => NONE.to_string(),
    };
    let mut burn_worst = worst(&ov.usd_per_hour, |v| format!("{}/h", format::usd(v)));
    if !ov.unpriced_models.is_empty() {
        burn_worst = format!("{burn_worst} +{} unpriced", ov.unpriced_models.len());
    }
    let sv = |label, value, level, worst, signal, unit: fn(f64) -> String, floor, rule| SignalView {
        label,
        value,
        level,
        worst,
        signal,
        unit,
        floor,
        rule,
        scale: 1.0,
    };
    vec![
        sv(
            "Requests/min",
            format::opt(ov.requests_per_min.value, format::count),
            Level::None,
            worst(&ov.requests_per_min, format::count),
            &ov.requests_per_min,
            format::count,
            0.0,
            None,
        ),
        sv(
            "Errors",
            format::opt(ov.error_pct.value, format::pct),
            error_level(ov.error_pct.value),
            worst(&ov.error_pct, format::pct),
            &ov.error_pct,
            format::pct,
            5.0,
            rule_threshold(store, B::ErrorPct),
        ),
        sv(
            "Throttles",
            format::opt(ov.throttle_pct.value, format::pct),
            error_level(ov.throttle_pct.value),
            worst(&ov.throttle_pct, format::pct),
            &ov.throttle_pct,
            format::pct,
            5.0,
            rule_threshold(store, B::ThrottlePct),
        ),
        sv(
            "p99 latency",
            format::opt(ov.p99_ms.value, format::ms),
            latency_level(ov.p99_ms.value),
            worst(&ov.p99_ms, format::ms),
            &ov.p99_ms,
            format::ms,
            0.0,
            rule_threshold(store, B::P99Ms),
        ),
        sv(
            "Tokens/min",
            format::opt(ov.tokens_per_min.value, format::count),
            Level::None,
            worst(&ov.tokens_per_min, format::count),
            &ov.tokens_per_min,
            format::count,
            0.0,
            None,
        ),
        SignalView {
            scale: 60.0,
            ..sv(
                "Burn",
                burn,
                Level::None,
                burn_worst,
                &ov.usd_per_hour,
                |v| format!("{}/h", format::usd(v)),
                0.0,
                None,
            )
        },
    ]
}

/// The signals as sparklines, one per line (the 80-column Overview).
fn draw_sparklines(
    f: &mut Frame,
    area: Rect,
    store: &Store,
    ov: &crate::present::views::Overview,
    theme: &Theme,
    fmt: Fmt,
    borders: Borders,
) {
    let mut title = format!("Overview · last {}", since_label(store));
    if let Some(n) = store.resolution.note() {
        title.push_str(&format!(" · {n}"));
    }
    let b = block(&title, theme, false).borders(borders);
    let inner_w = b.inner(area).width as usize;
    let value_w = 18;
    let worst_w = if inner_w >= 100 { 34 } else { 24 };
    let spark_w = inner_w.saturating_sub(LABEL_W + value_w + worst_w + 3).max(4);
    let mut lines: Vec<Line> = signal_views(store, ov)
        .into_iter()
        .map(|s| {
            Line::from(vec![
                Span::styled(format!("{:<LABEL_W$}", s.label), theme.header()),
                Span::styled(
                    format!("{:>w$} ", format::clip(&s.value, value_w - 1), w = value_w - 1),
                    theme.level(s.level),
                ),
                Span::styled(fmt.spark_floor(&s.signal.spark, spark_w, s.floor), theme.accent()),
                Span::raw("  "),
                Span::styled(format::clip(&s.worst, worst_w), theme.muted()),
            ])
        })
        .collect();
    if !ov.quality.is_empty() {
        lines.push(quality_line(store, ov, theme, fmt));
    }
    f.render_widget(Paragraph::new(lines).block(b), area);
}

/// The signals as charts with time axes, in a grid (3 across when each is wide enough).
fn draw_signal_charts(
    f: &mut Frame,
    area: Rect,
    store: &Store,
    ov: &crate::present::views::Overview,
    theme: &Theme,
    fmt: Fmt,
    view: Window,
) {
    let views = signal_views(store, ov);
    let cols: usize = if area.width / 3 >= 34 { 3 } else { 2 };
    let rows = views.len().div_ceil(cols);
    let row_areas = Layout::vertical(vec![Constraint::Ratio(1, rows as u32); rows]).split(area);
    let minutes = store.minutes();
    for (i, v) in views.iter().enumerate() {
        let cells = Layout::horizontal(vec![Constraint::Ratio(1, cols as u32); cols]).split(row_areas[i / cols]);
        draw_signal_chart(f, cells[i % cols], v, &minutes, theme, fmt, view);
    }
}

fn draw_signal_chart(
    f: &mut Frame,
    area: Rect,
    v: &SignalView,
    minutes: &[i64],
    theme: &Theme,
    fmt: Fmt,
    view: Window,
) {
    use ratatui::widgets::{Axis, Chart, Dataset, GraphType};
    let (x0, x1) = (view.start as f64, view.end as f64);
    let data: Vec<(f64, f64)> = minutes
        .iter()
        .zip(&v.signal.spark)
        .filter(|(t, _)| **t >= view.start && **t < view.end)
        .filter_map(|(t, x)| x.map(|x| (*t as f64, x * v.scale)))
        .collect();
    let hi = data.iter().map(|(_, y)| *y).fold(v.floor, f64::max).max(v.rule.unwrap_or(0.0));
    let ymax = if hi > 0.0 { hi * 1.1 } else { 1.0 };
    let rule: Vec<(f64, f64)> = v.rule.map(|r| vec![(x0, r), (x1, r)]).unwrap_or_default();
    let mut datasets = Vec::new();
    if !rule.is_empty() {
        datasets.push(
            Dataset::default()
                .marker(theme.marker())
                .graph_type(GraphType::Line)
                .style(theme.level(Level::Crit).remove_modifier(ratatui::style::Modifier::BOLD))
                .data(&rule),
        );
    }
    datasets.push(
        Dataset::default()
            .marker(theme.marker())
            .graph_type(GraphType::Line)
            .style(Style::default().fg(theme.chart[0]))
            .data(&data),
    );
    let mut title = vec![
        Span::styled(format!(" {} ", v.label), theme.title()),
        Span::styled(format!("{} ", v.value), theme.level(v.level)),
    ];
    if !v.worst.is_empty() {
        title.push(Span::styled(format!("· {} ", v.worst), theme.muted()));
    }
    if let Some(r) = v.rule {
        title.push(Span::styled(format!("· rule {} ", (v.unit)(r)), theme.muted()));
    }
    let mid = (x0 + x1) / 2.0;
    let chart = Chart::new(datasets)
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_set(theme.border_set())
                .border_style(theme.border(false))
                .title(Line::from(title)),
        )
        .x_axis(
            Axis::default()
                .bounds([x0, x1])
                .labels(vec![
                    Span::styled(fmt.hhmm(x0 as i64), theme.muted()),
                    Span::styled(fmt.hhmm(mid as i64), theme.muted()),
                    Span::styled(fmt.hhmm(x1 as i64), theme.muted()),
                ])
                .style(theme.muted()),
        )
        .y_axis(
            Axis::default()
                .bounds([0.0, ymax])
                .labels(vec![Span::styled("0", theme.muted()), Span::styled((v.unit)(ymax / 1.1), theme.muted())])
                .style(theme.muted()),
        )
        .legend_position(None);
    f.render_widget(chart, area);
}

/// "What changed": the suspects, selectable (the list runs on into the models).
fn draw_suspects(f: &mut Frame, area: Rect, sus: &[Suspect], selected: usize, theme: &Theme, borders: Borders) {
    if sus.is_empty() || area.height == 0 {
        return;
    }
    let b = block("What changed · Enter open · t traces", theme, false).borders(borders);
    let w = b.inner(area).width.saturating_sub(2) as usize;
    let lines: Vec<Line> = sus
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let style = if selected == i { theme.selected() } else { theme.warn() };
            Line::from(vec![
                Span::styled(theme.glyph("▲ ", "^ "), theme.crit()),
                Span::styled(format::clip(&crate::sanitize::one_line(&x.summary), w), style),
            ])
        })
        .collect();
    f.render_widget(Paragraph::new(lines).block(b), area);
}

/// Beside the charts: what is firing with its culprits, what changed, the worst traces.
fn draw_side(f: &mut Frame, area: Rect, store: &Store, sus: &[Suspect], selected: usize, theme: &Theme, fmt: Fmt) {
    let firing = firing_lines(store, theme, fmt);
    let inner_w = area.width.saturating_sub(2);
    let sus_lines: Vec<(usize, String)> =
        sus.iter().enumerate().map(|(i, x)| (i, crate::sanitize::one_line(&x.summary))).collect();
    let sus_rows: u16 = sus_lines.iter().map(|(_, t)| (width(t) as u16 + 2).div_ceil(inner_w.max(1))).sum();
    let firing_h = if firing.is_empty() { 0 } else { (firing.len() as u16 + 2).min(area.height / 2) };
    let sus_h = if sus.is_empty() { 0 } else { (sus_rows + 2).min(area.height / 3) };
    let [fa, sa, ta] =
        Layout::vertical([Constraint::Length(firing_h), Constraint::Length(sus_h), Constraint::Min(0)]).areas(area);
    if firing_h > 0 {
        let n = store.firing_rules().len()
            + store.alarms().iter().filter(|a| a.state == crate::store::alarms::AlarmState::Alarm).count();
        let title = format!("Firing ({n}) · 7: Alarms");
        f.render_widget(Paragraph::new(firing).block(block(&title, theme, false)), fa);
    }
    if sus_h > 0 {
        let lines: Vec<Line> = sus_lines
            .into_iter()
            .map(|(i, t)| {
                let style = if selected == i { theme.selected() } else { theme.warn() };
                Line::from(vec![Span::styled(theme.glyph("▲ ", "^ "), theme.crit()), Span::styled(t, style)])
            })
            .collect();
        f.render_widget(
            Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: true }).block(block(
                "What changed · Enter open · t traces",
                theme,
                false,
            )),
            sa,
        );
    }
    draw_worst_traces(f, ta, store, theme, fmt);
}

/// Each firing rule (its culprit under it) and each alarm in ALARM.
fn firing_lines(store: &Store, theme: &Theme, fmt: Fmt) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for r in store.firing_rules() {
        let level = if r.severity == crate::domain::rules::Severity::Critical { Level::Crit } else { Level::Warn };
        let value = r.value.map(|v| if v.abs() < 10.0 { format!("{v:.2}") } else { format::count(v) });
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", r.name), theme.level(level)),
            Span::styled(format!("{} {}", value.unwrap_or_default(), r.condition), theme.muted()),
        ]));
        for c in r.culprits.iter().take(2) {
            lines.push(Line::from(vec![
                Span::styled(format!("  {}", theme.glyph("↳ ", "> ")), theme.muted()),
                Span::styled(crate::present::culprits::compact(c, fmt), theme.warn()),
            ]));
        }
    }
    for a in store.alarms().into_iter().filter(|a| a.state == crate::store::alarms::AlarmState::Alarm) {
        lines.push(Line::from(vec![
            Span::styled(format!("{}{} ", theme.glyph("⏰", "!"), crate::sanitize::one_line(&a.name)), theme.crit()),
            Span::styled(crate::sanitize::one_line(&a.reason), theme.muted()),
        ]));
    }
    lines
}

/// The window's worst traces: faults, throttles and errors first, then the slowest.
fn draw_worst_traces(f: &mut Frame, area: Rect, store: &Store, theme: &Theme, fmt: Fmt) {
    if area.height < 3 {
        return;
    }
    let all = store.traces.summaries();
    let title = format!("Worst traces ({} listed) · 5: Traces", all.len());
    if all.is_empty() {
        let msg = if store.traces.listed() { "No traces in the window." } else { "Listing traces…" };
        f.render_widget(Paragraph::new(Line::styled(msg, theme.muted())).block(block(&title, theme, false)), area);
        return;
    }
    let mut worst: Vec<_> = all.to_vec();
    worst.sort_by(|a, b| {
        let rank = |s: &crate::store::traces::TraceSummary| (s.fault, s.throttle, s.error);
        rank(b).cmp(&rank(a)).then(b.duration.unwrap_or(0.0).total_cmp(&a.duration.unwrap_or(0.0)))
    });
    let n = area.height.saturating_sub(2) as usize;
    let lines: Vec<Line> = worst
        .iter()
        .take(n)
        .map(|s| {
            let flag = |on: bool, c: &'static str, st: Style| if on { Span::styled(c, st) } else { Span::raw("·") };
            let model = s.models.first().map(|m| short_model_name(&crate::sanitize::one_line(m))).unwrap_or_default();
            Line::from(vec![
                flag(s.fault, "F", theme.crit()),
                flag(s.error, "E", theme.warn()),
                flag(s.throttle, "T", theme.warn()),
                Span::styled(
                    format!(" {:>6} ", s.duration.map(|d| format::ms(d * 1000.0)).unwrap_or_else(|| NONE.into())),
                    theme.text(),
                ),
                Span::styled(format!("{} ", fmt.hhmm(s.start as i64)), theme.muted()),
                Span::styled(format!("{} ", crate::sanitize::one_line(s.root.as_deref().unwrap_or("?"))), theme.text()),
                Span::styled(model, theme.muted()),
            ])
        })
        .collect();
    f.render_widget(Paragraph::new(lines).block(block(&title, theme, false)), area);
}

/// The models, worst-first by cost, with as many columns as fit.
#[allow(clippy::too_many_arguments)]
fn draw_models(
    f: &mut Frame,
    area: Rect,
    store: &Store,
    state: &OverviewState,
    models: &[ModelGroup],
    n_sus: usize,
    theme: &Theme,
    v: ViewState,
) {
    let multi_region = store.identity.several_scopes();
    let wanted: Vec<Column> = Column::ALL
        .iter()
        .copied()
        .filter(|c| *c != Column::Quota || models.iter().any(|r| r.row.quota_pct.is_some()))
        .filter(|c| *c != Column::Account || models.iter().any(|r| r.row.account.is_some()))
        .collect();
    let name_w = name_width(models);
    let cols = visible_columns(area.width.saturating_sub(2), multi_region, &wanted, name_w);
    let header = header_row(&cols, None, theme);
    let n = models.len();
    let models_title = format!(
        "Models ({n}){}{} · by cost · Enter opens",
        grouping_label(v.grouped, v.by_account),
        state.filter.label()
    );
    if models.is_empty() {
        let msg =
            format!("No model matches '{}' (Esc clears the filter).", crate::sanitize::one_line(state.filter.text()));
        draw_message(f, area, &models_title, vec![Line::styled(msg, theme.warn())], theme);
        return;
    }
    let rows: Vec<Row> = table_rows(models, &cols, theme);
    let widths: Vec<Constraint> = cols.iter().map(|c| c.constraint(name_w)).collect();
    let t = Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .block(block(&models_title, theme, true))
        .row_highlight_style(theme.selected())
        .style(Style::default());
    let mut ts = TableState::default().with_selected(state.selected.checked_sub(n_sus));
    f.render_stateful_widget(t, area, &mut ts);
    // what the polling plan keeps at full rate: the rows drawn
    let shown = area.height.saturating_sub(3) as usize;
    crate::sources::plan::note_rows(
        models
            .iter()
            .skip(ts.offset())
            .take(shown)
            .flat_map(|g| g.members.iter())
            .map(|m| (m.region.as_str(), m.model_id.as_str())),
    );
}
