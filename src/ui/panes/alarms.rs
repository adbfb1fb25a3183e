//! Alarms: the console's own alert rules (firing first, with their history) and the account's
//! CloudWatch alarms (firing first, state reason, time in state, the metric behind each).
//! Enter opens the chart of the selected rule's signal or alarm's metric with its threshold.

use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Paragraph, Row, Table, TableState, Wrap};

use super::{block, draw_message};
use crate::domain::rules::Severity;
use crate::store::Store;
use crate::store::alarms::{Alarm, AlarmState};
use crate::store::rules::{RuleState, RuleStatus};
use crate::ui::action::Action;
use crate::ui::format;
use crate::ui::pane::{DrawCtx, Intent, Outcome, Pane, PaneKind};
use crate::ui::theme::{Level, Theme};

/// One row of the combined list.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Rule(RuleStatus),
    Alarm(Alarm),
}

#[derive(Debug, Default)]
pub struct AlarmsPane {
    pub selected: usize,
    /// The chart of the selected item is open.
    pub chart: bool,
    /// `/` narrows the list by name, condition or reason.
    pub filter: crate::ui::filter::Filter,
    page: usize,
}

impl AlarmsPane {
    /// The list as filtered by `/`.
    pub fn items(&self, store: &Store) -> Vec<Item> {
        items(store)
            .into_iter()
            .filter(|i| match i {
                Item::Rule(r) => self.filter.matches(&format!("{} {} {}", r.name, r.condition, r.description)),
                Item::Alarm(a) => self.filter.matches(&format!("{} {} {}", a.name, a.condition(), a.reason)),
            })
            .collect()
    }
}

pub fn items(store: &Store) -> Vec<Item> {
    let mut v: Vec<Item> = store.rule_statuses().into_iter().map(Item::Rule).collect();
    v.extend(store.alarms().into_iter().map(Item::Alarm));
    v
}

fn rule_level(r: &RuleStatus) -> Level {
    match (r.state, r.severity) {
        (RuleState::Firing, Severity::Critical) => Level::Crit,
        (RuleState::Firing, _) | (RuleState::Pending, _) => Level::Warn,
        (RuleState::Resolved, _) => Level::Ok,
        _ => Level::None,
    }
}

fn alarm_level(a: &Alarm) -> Level {
    match a.state {
        AlarmState::Alarm => Level::Crit,
        AlarmState::InsufficientData => Level::None,
        AlarmState::Ok => Level::Ok,
    }
}

fn value_text(v: Option<f64>) -> String {
    match v {
        Some(v) if v.abs() < 10.0 => format!("{v:.2}"),
        Some(v) => format::count(v),
        None => format::NONE.into(),
    }
}

impl Pane for AlarmsPane {
    fn kind(&self) -> PaneKind {
        PaneKind::Alarms
    }
    fn title(&self) -> &'static str {
        "Alarms"
    }
    fn draw(&mut self, f: &mut Frame, area: Rect, ctx: &DrawCtx) {
        let items = self.items(ctx.store);
        self.selected = self.selected.min(items.len().saturating_sub(1));
        if items.is_empty() && !self.filter.text.is_empty() {
            let msg =
                format!("Nothing matches '{}' (Esc clears the filter).", crate::sanitize::one_line(&self.filter.text));
            draw_message(f, area, "Alarms", vec![Line::styled(msg, ctx.theme.warn())], ctx.theme);
            return;
        }
        if items.is_empty() {
            draw_message(
                f,
                area,
                "Alarms",
                vec![Line::styled(
                    "No alert rules and no CloudWatch alarms (cloudwatch:DescribeAlarms found none in this region).",
                    ctx.theme.muted(),
                )],
                ctx.theme,
            );
            return;
        }
        if self.chart {
            draw_chart(f, area, ctx, &items[self.selected]);
            return;
        }
        let detail_h = if area.height >= 30 { 9 } else { 6 };
        let [list, detail] = Layout::vertical([Constraint::Min(5), Constraint::Length(detail_h)]).areas(area);
        self.page = list.height.saturating_sub(3) as usize;
        draw_list(f, list, ctx, &items, self.selected, &self.filter.label());
        draw_detail(f, detail, ctx, &items[self.selected]);
    }
    fn handle(&mut self, action: Action, store: &Store) -> Outcome {
        let items = self.items(store);
        let last = items.len().saturating_sub(1);
        match action {
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Down => self.selected = (self.selected + 1).min(last),
            Action::PageUp => self.selected = self.selected.saturating_sub(self.page.max(1)),
            Action::PageDown => self.selected = (self.selected + self.page.max(1)).min(last),
            Action::Top => self.selected = 0,
            Action::Bottom => self.selected = last,
            Action::Select if !items.is_empty() => self.chart = true,
            Action::Filter => self.filter.start(),
            Action::ShowTraces => {
                // the traces of the window the selected rule or alarm has been in its state
                let since = match items.get(self.selected) {
                    Some(Item::Rule(r)) => Some(r.since),
                    Some(Item::Alarm(a)) => a.since,
                    None => None,
                };
                let window = since.map(|s| crate::domain::window::Window { start: s - 300, end: store.window.end });
                return Outcome::Goto(PaneKind::Traces, Intent::TracesFor { model: None, window, filter: None });
            }
            _ => return Outcome::Ignored,
        }
        Outcome::Redraw
    }
    fn back(&mut self) -> bool {
        if std::mem::take(&mut self.chart) {
            return true;
        }
        if !self.filter.text.is_empty() {
            self.filter = Default::default();
            return true;
        }
        false
    }
    fn captures_input(&self) -> bool {
        self.filter.editing
    }
    fn handle_key(&mut self, key: crossterm::event::KeyEvent, _store: &Store) -> Outcome {
        self.selected = 0;
        if self.filter.key(key) { Outcome::Redraw } else { Outcome::None }
    }
    fn hints(&self) -> Vec<(Action, &'static str)> {
        if self.chart {
            vec![(Action::Back, "back")]
        } else {
            vec![(Action::Select, "chart"), (Action::ShowTraces, "traces")]
        }
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

fn draw_list(f: &mut Frame, area: Rect, ctx: &DrawCtx, items: &[Item], selected: usize, filter: &str) {
    let t = ctx.theme;
    let now = ctx.now;
    let rows: Vec<Row> = items
        .iter()
        .map(|it| match it {
            Item::Rule(r) => Row::new(vec![
                Span::styled(r.state.as_str().to_uppercase(), t.level(rule_level(r))),
                Span::styled("rule", t.muted()),
                Span::raw(r.name.clone()),
                Span::raw(format!("{} {}", value_text(r.value), r.condition)),
                Span::styled(format::age(now - r.since), t.muted()),
            ]),
            Item::Alarm(a) => Row::new(vec![
                Span::styled(a.state.as_str().replace("INSUFFICIENT_DATA", "NO DATA"), t.level(alarm_level(a))),
                Span::styled("alarm", t.muted()),
                // alarm names, conditions, reasons and descriptions are AWS text
                Span::raw(crate::sanitize::one_line(&a.name)),
                Span::raw(crate::sanitize::one_line(&a.condition())),
                Span::styled(a.since.map(|s| format::age(now - s)).unwrap_or_default(), t.muted()),
            ]),
        })
        .collect();
    let firing = items
        .iter()
        .filter(|i| {
            matches!(i, Item::Rule(r) if r.state == RuleState::Firing)
                || matches!(i, Item::Alarm(a) if a.state == AlarmState::Alarm)
        })
        .count();
    let title = format!("Alarms and rules · {firing} firing · Enter chart · t traces · / filter{filter}");
    let header = Row::new(vec!["State", "Kind", "Name", "Condition", "For"]).style(t.header());
    let table = Table::new(
        rows,
        [
            Constraint::Length(9),
            Constraint::Length(5),
            Constraint::Percentage(40),
            Constraint::Percentage(60),
            Constraint::Length(5),
        ],
    )
    .header(header)
    .column_spacing(1)
    .row_highlight_style(t.selected())
    .block(block(&title, t, true));
    let mut ts = TableState::default().with_selected(Some(selected));
    f.render_stateful_widget(table, area, &mut ts);
}

fn draw_detail(f: &mut Frame, area: Rect, ctx: &DrawCtx, item: &Item) {
    let t = ctx.theme;
    let mut lines: Vec<Line> = Vec::new();
    match item {
        Item::Rule(r) => {
            lines.push(Line::from(vec![
                Span::styled(format!("{:?} ", r.severity).to_lowercase(), t.level(rule_level(r))),
                Span::raw(r.description.clone()),
            ]));
            lines.push(Line::styled(
                format!(
                    "now {} · {} of the last periods breaching · {} since {}",
                    value_text(r.value),
                    r.breaching,
                    r.state.as_str(),
                    format::hhmm(r.since)
                ),
                t.muted(),
            ));
            let hist: Vec<String> = ctx
                .store
                .rules
                .history
                .iter()
                .rev()
                .filter(|h| h.rule == r.name)
                .take(4)
                .map(|h| {
                    format!("{} {}→{} ({})", format::hhmm(h.at), h.from.as_str(), h.to.as_str(), value_text(h.value))
                })
                .collect();
            if !hist.is_empty() {
                lines.push(Line::styled(format!("history: {}", hist.join(" · ")), t.muted()));
            }
        }
        Item::Alarm(a) => {
            lines.push(Line::from(vec![
                Span::styled(format!("{} ", a.region), t.muted()),
                Span::raw(crate::sanitize::one_line(&a.condition())),
            ]));
            if let Some(d) = &a.description {
                lines.push(Line::raw(crate::sanitize::one_line(d)));
            }
            lines.push(Line::styled(crate::sanitize::one_line(&a.reason), t.muted()));
        }
    }
    let name = match item {
        Item::Rule(r) => r.name.clone(),
        Item::Alarm(a) => crate::sanitize::one_line(&a.name),
    };
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }).block(block(&name, t, false)), area);
}

/// The selected item's numbers over the window, with the threshold as a flat line.
fn draw_chart(f: &mut Frame, area: Rect, ctx: &DrawCtx, item: &Item) {
    let store = ctx.store;
    let t = ctx.theme;
    let (title, points, threshold): (String, BTreeMap<i64, f64>, Option<f64>) = match item {
        Item::Rule(r) => {
            let rule = store.rules.rules.rules.iter().find(|x| x.name == r.name);
            let pts = rule
                .and_then(|ru| {
                    ru.signal.as_ref().map(|s| store.signal_periods(s, ru.period, ru.reduce, store.window.end))
                })
                .unwrap_or_default();
            let label = rule.and_then(|ru| ru.signal.as_ref()).map(|s| s.label()).unwrap_or_else(|| "composite".into());
            (format!("{} · {label} · Esc back", r.name), pts, r.threshold)
        }
        Item::Alarm(a) => {
            let pts = a.series().and_then(|k| store.get(k)).map(|s| s.points.clone()).unwrap_or_default();
            let thr = match &a.target {
                crate::store::alarms::AlarmTarget::Metric { threshold, .. } => Some(*threshold),
                _ => None,
            };
            (crate::sanitize::one_line(&format!("{} · {} · Esc back", a.name, a.condition())), pts, thr)
        }
    };
    let (x0, x1) = (ctx.view.start as f64, ctx.view.end as f64);
    let data: Vec<(f64, f64)> = points.range(ctx.view.start..ctx.view.end).map(|(k, v)| (*k as f64, *v)).collect();
    if data.is_empty() {
        draw_message(
            f,
            area,
            &title,
            vec![Line::styled(
                "No datapoints for this in the window (the console polls the metrics of its configured namespaces).",
                t.muted(),
            )],
            t,
        );
        return;
    }
    let ymax = data.iter().map(|(_, v)| *v).chain(threshold).fold(0.0_f64, f64::max) * 1.1;
    let ymax = if ymax <= 0.0 { 1.0 } else { ymax };
    let thr_line: Vec<(f64, f64)> = threshold.map(|v| vec![(x0, v), (x1, v)]).unwrap_or_default();
    let datasets = vec![
        Dataset::default()
            .marker(t.marker())
            .graph_type(GraphType::Line)
            .style(Style::default().fg(t.chart[0]))
            .data(&data),
        Dataset::default()
            .marker(t.marker())
            .graph_type(GraphType::Line)
            .style(Style::default().fg(t.crit))
            .data(&thr_line),
    ];
    let chart = Chart::new(datasets)
        .block(block(&title, t, true))
        .x_axis(
            Axis::default()
                .bounds([x0, x1])
                .labels(vec![Span::raw(format::hhmm(x0 as i64)), Span::raw(format::hhmm(x1 as i64))])
                .style(t.muted()),
        )
        .y_axis(
            Axis::default()
                .bounds([0.0, ymax])
                .labels(vec![Span::raw("0"), Span::raw(value_text(Some(ymax / 1.1)))])
                .style(t.muted()),
        );
    f.render_widget(chart, area);
}

/// The one-line banner of firing rules and alarms, for the Overview; `None` when all is quiet.
pub fn banner(store: &Store, theme: &Theme) -> Option<Line<'static>> {
    let rules = store.firing_rules();
    let alarms: Vec<Alarm> = store.alarms().into_iter().filter(|a| a.state == AlarmState::Alarm).collect();
    if rules.is_empty() && alarms.is_empty() {
        return None;
    }
    let mut spans = vec![Span::styled(
        format!(" FIRING {} ", rules.len() + alarms.len()),
        theme.crit().add_modifier(ratatui::style::Modifier::REVERSED),
    )];
    for r in rules.iter().take(4) {
        spans.push(Span::styled(format!(" {} ", r.name), theme.level(rule_level(r))));
        spans.push(Span::styled(format!("{} {} ", value_text(r.value), r.condition), theme.muted()));
    }
    for a in alarms.iter().take(3) {
        spans.push(Span::styled(format!(" ⏰{} ", crate::sanitize::one_line(&a.name)), theme.crit()));
    }
    Some(Line::from(spans))
}
