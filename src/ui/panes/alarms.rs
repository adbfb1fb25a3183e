//! Alarms: the console's own alert rules (firing first, with their history) and the account's
//! CloudWatch alarms (firing first, state reason, time in state, the metric behind each).
//! Enter opens the chart of the selected rule's signal or alarm's metric with its threshold.
//! A rule over a per-model signal names its culprits (in a column of their own from 150
//! columns, else first in the condition's), its detail lists them, and `t` opens the worst
//! culprit's traces with the rule's kind of trouble. Tall and wide, the detail shows the chart.
//!
//! Below them, the runaway watch: callers and sessions by tokens and dollars per minute against
//! their ceiling (over now first), with the watch's state (when it last ran, what failed and the
//! fix). The selection runs on from the rules and alarms into these rows; Enter or `L` on one
//! opens the Logs pane on that caller's invocations (or that session's spans), `t` its traces.

use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Paragraph, Row, Table, TableState, Wrap};

use crate::domain::catalog::short_model_name;
use crate::present::format::{self, Fmt};
use crate::store::Store;
use crate::store::alarms::{Alarm, AlarmState};
use crate::store::rules::{RuleState, RuleStatus};
use crate::store::runaway::{Entry, Kind};
use crate::ui::action::Action;
use crate::ui::pane::{CommandInfo, Ctx, DrawCtx, Intent, Outcome, Pane, PaneKind, ViewState};
use crate::ui::theme::{Level, Theme};
use crate::ui::widgets::banner::{rule_level, value_text};
use crate::ui::widgets::text::width;
use crate::ui::widgets::{block, draw_message};

/// One row of the combined list.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Rule(RuleStatus),
    Alarm(Alarm),
    /// A caller or session of the runaway watch.
    Runaway(Entry),
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
                Item::Runaway(e) => {
                    self.filter.matches(&format!("runaway {} {} {}", e.kind.as_str(), e.id, e.models.join(" ")))
                }
            })
            .collect()
    }
}

pub fn items(store: &Store) -> Vec<Item> {
    let mut v: Vec<Item> = store.rule_statuses().into_iter().map(Item::Rule).collect();
    v.extend(store.alarms().into_iter().map(Item::Alarm));
    // the runaway rows: over now first, then over at some minute, then the heaviest
    let s = store.runaway.settings;
    let mut r: Vec<&Entry> = store.runaway.entries().collect();
    r.sort_by(|a, b| {
        b.over_now
            .cmp(&a.over_now)
            .then(b.over_since.is_some().cmp(&a.over_since.is_some()))
            .then(s.ratio(b.peak_tokens, b.peak_usd).total_cmp(&s.ratio(a.peak_tokens, a.peak_usd)))
    });
    v.extend(r.into_iter().cloned().map(Item::Runaway));
    v
}

fn alarm_level(a: &Alarm) -> Level {
    match a.state {
        AlarmState::Alarm => Level::Crit,
        AlarmState::InsufficientData => Level::None,
        AlarmState::Ok => Level::Ok,
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
        if items.is_empty() && !self.filter.is_empty() {
            let msg =
                format!("Nothing matches '{}' (Esc clears the filter).", crate::sanitize::one_line(self.filter.text()));
            draw_message(f, area, "Alarms", vec![Line::styled(msg, ctx.theme.warn())], ctx.theme);
            return;
        }
        let upper = items.iter().filter(|i| !matches!(i, Item::Runaway(_))).count();
        let watch = runaway_shown(ctx.store);
        if upper == 0 && !watch {
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
        if self.chart && !matches!(items.get(self.selected), Some(Item::Runaway(_)) | None) {
            draw_chart(f, area, ctx, &items[self.selected], false);
            return;
        }
        self.chart = false;
        // tall and wide: the detail grows and shows the selected item's chart beside its text
        let charted = area.height >= 40
            && area.width >= 120
            && matches!(items.get(self.selected), Some(Item::Rule(_) | Item::Alarm(_)));
        let detail_h = if charted {
            (area.height / 3).clamp(12, 20)
        } else if area.height >= 30 {
            9
        } else {
            6
        };
        let runaway_h = if watch { runaway_height(ctx.store, items.len() - upper, area.height, detail_h) } else { 0 };
        // nothing above (no rules, or none matches the filter): the runaway rows take the room
        let (top_c, mid_c) = if upper == 0 && watch {
            (Constraint::Length(3), Constraint::Min(runaway_h))
        } else {
            (Constraint::Min(5), Constraint::Length(runaway_h))
        };
        let [list, runaway, detail] = Layout::vertical([top_c, mid_c, Constraint::Length(detail_h)]).areas(area);
        self.page = list.height.saturating_sub(3) as usize;
        let (top, rows) = items.split_at(upper);
        if top.is_empty() {
            let msg = if self.filter.is_empty() {
                "No alert rules and no CloudWatch alarms (cloudwatch:DescribeAlarms found none in this region)."
            } else {
                "No rule or alarm matches the filter."
            };
            draw_message(f, list, "Alarms", vec![Line::styled(msg, ctx.theme.muted())], ctx.theme);
        } else {
            let sel = (self.selected < upper).then_some(self.selected);
            draw_list(f, list, ctx, top, sel, &self.filter.label());
        }
        if watch {
            let sel = self.selected.checked_sub(upper);
            draw_runaway(f, runaway, ctx, rows, sel);
        }
        match items.get(self.selected) {
            Some(Item::Runaway(e)) => draw_runaway_detail(f, detail, ctx, e),
            Some(item) if charted => {
                let [text, chart] =
                    Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(detail);
                draw_detail(f, text, ctx, item);
                draw_chart(f, chart, ctx, item, true);
            }
            Some(item) => draw_detail(f, detail, ctx, item),
            None => draw_runaway_detail_empty(f, detail, ctx),
        }
    }
    fn handle(&mut self, action: Action, ctx: &Ctx) -> Outcome {
        let store = ctx.store;
        let items = self.items(store);
        let last = items.len().saturating_sub(1);
        match action {
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Down => self.selected = (self.selected + 1).min(last),
            Action::PageUp => self.selected = self.selected.saturating_sub(self.page.max(1)),
            Action::PageDown => self.selected = (self.selected + self.page.max(1)).min(last),
            Action::Top => self.selected = 0,
            Action::Bottom => self.selected = last,
            Action::Select | Action::ShowLogs if matches!(items.get(self.selected), Some(Item::Runaway(_))) => {
                let Some(Item::Runaway(e)) = items.get(self.selected) else { return Outcome::None };
                return logs_of(e, store);
            }
            Action::Select if !items.is_empty() => self.chart = true,
            Action::Filter => self.filter.start(),
            Action::ShowTraces => {
                // the traces of the window the selected rule or alarm has been in its state
                // a rule with a culprit: that model's traces with the rule's kind of trouble
                if let Some(Item::Rule(r)) = items.get(self.selected)
                    && let Some(c) = r.culprits.first()
                {
                    let filter = crate::present::culprits::trace_filter(c, store.traces.model_annotation());
                    // from five minutes before it began, like the rule's own window below
                    let window = crate::domain::window::Window { start: c.since - 300, end: store.window.end };
                    return Outcome::Goto(
                        PaneKind::Traces,
                        Intent::TracesFor {
                            model: Some(c.model.clone()),
                            window: Some(window),
                            filter: filter.contains(" AND ").then_some(filter),
                        },
                    );
                }
                let (since, model) = match items.get(self.selected) {
                    Some(Item::Rule(r)) => (Some(r.since), None),
                    Some(Item::Alarm(a)) => (a.since, None),
                    // a runaway caller's model, from its first minute over (or the watched window)
                    Some(Item::Runaway(e)) => (
                        e.over_since
                            .or_else(|| store.runaway.kind(e.kind).window.map(|w| w.start + 300))
                            .or(e.minutes.first().map(|m| m.minute + 300)),
                        e.model().map(str::to_string),
                    ),
                    None => (None, None),
                };
                let window = since.map(|s| crate::domain::window::Window { start: s - 300, end: store.window.end });
                return Outcome::Goto(PaneKind::Traces, Intent::TracesFor { model, window, filter: None });
            }
            _ => return Outcome::Ignored,
        }
        Outcome::Redraw
    }
    fn back(&mut self) -> bool {
        if std::mem::take(&mut self.chart) {
            return true;
        }
        if !self.filter.is_empty() {
            self.filter = Default::default();
            return true;
        }
        false
    }
    fn captures_input(&self) -> bool {
        self.filter.editing
    }
    fn handle_key(&mut self, key: crossterm::event::KeyEvent, _ctx: &Ctx) -> Outcome {
        self.selected = 0;
        if self.filter.key(key) { Outcome::Redraw } else { Outcome::None }
    }
    fn commands(&self, _view: &ViewState) -> Vec<CommandInfo> {
        use CommandInfo as C;
        if self.chart {
            vec![C::hint(Action::Back, "back")]
        } else {
            vec![
                C::hint(Action::Select, "chart / logs"),
                C::hint(Action::ShowTraces, "traces"),
                C::hint(Action::ShowLogs, "logs"),
                C::help(Action::Filter, "filter by name, condition or reason"),
            ]
        }
    }
}

/// The culprits of a rule in a list cell: the worst one, and how many more.
fn culprit_cell(r: &RuleStatus, fmt: Fmt) -> String {
    match r.culprits.split_first() {
        Some((c, [])) => crate::present::culprits::compact(c, fmt),
        Some((c, rest)) => format!("{} +{}", crate::present::culprits::compact(c, fmt), rest.len()),
        None => String::new(),
    }
}

fn draw_list(f: &mut Frame, area: Rect, ctx: &DrawCtx, items: &[Item], selected: Option<usize>, filter: &str) {
    let t = ctx.theme;
    let now = ctx.now;
    // the culprit in a column of its own when there is room, else first in the condition's
    let wide = area.width >= 150;
    let rows: Vec<Row> = items
        .iter()
        .map(|it| match it {
            Item::Rule(r) => {
                let condition = format!("{} {}", value_text(r.value), r.condition);
                let culprit = culprit_cell(r, ctx.fmt);
                let mut cells = vec![
                    Span::styled(r.state.as_str().to_uppercase(), t.level(rule_level(r))),
                    Span::styled("rule", t.muted()),
                    Span::raw(r.name.clone()),
                ];
                if wide {
                    cells.push(Span::raw(condition));
                    cells.push(Span::styled(culprit, t.level(rule_level(r))));
                } else if culprit.is_empty() {
                    cells.push(Span::raw(condition));
                } else {
                    cells.push(Span::styled(format!("{culprit} · {condition}"), t.level(rule_level(r))));
                }
                cells.push(Span::styled(format::age(now - r.since), t.muted()));
                Row::new(cells)
            }
            Item::Alarm(a) => {
                let mut cells = vec![
                    Span::styled(a.state.as_str().replace("INSUFFICIENT_DATA", "NO DATA"), t.level(alarm_level(a))),
                    Span::styled(if a.kind() == "log" { "log" } else { "alarm" }, t.muted()),
                    // alarm names, conditions, reasons and descriptions are AWS text
                    Span::raw(crate::sanitize::one_line(&a.name)),
                    Span::raw(crate::sanitize::one_line(&a.condition())),
                ];
                if wide {
                    cells.push(Span::raw(""));
                }
                cells.push(Span::styled(a.since.map(|s| format::age(now - s)).unwrap_or_default(), t.muted()));
                Row::new(cells)
            }
            Item::Runaway(_) => Row::default(),
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
    // the name column as wide as the longest name (within 40% of the row)
    let longest = items
        .iter()
        .map(|i| match i {
            Item::Rule(r) => width(&r.name),
            Item::Alarm(a) => width(&crate::sanitize::one_line(&a.name)),
            Item::Runaway(_) => 0,
        })
        .max()
        .unwrap_or(4)
        .max(4) as u16;
    let name_w = longest.min(area.width.saturating_sub(2) * 2 / 5);
    let (header, widths) = if wide {
        (
            vec!["State", "Kind", "Name", "Condition", "Culprit", "For"],
            vec![
                Constraint::Length(9),
                Constraint::Length(5),
                Constraint::Length(name_w),
                Constraint::Percentage(40),
                Constraint::Percentage(60),
                Constraint::Length(5),
            ],
        )
    } else {
        (
            vec!["State", "Kind", "Name", "Condition", "For"],
            vec![
                Constraint::Length(9),
                Constraint::Length(5),
                Constraint::Length(name_w),
                Constraint::Min(10),
                Constraint::Length(5),
            ],
        )
    };
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(t.header()))
        .column_spacing(1)
        .row_highlight_style(t.selected())
        .block(block(&title, t, true));
    let mut ts = TableState::default().with_selected(selected);
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
                    ctx.fmt.hhmm(r.since)
                ),
                t.muted(),
            ));
            if !r.culprits.is_empty() {
                let named: Vec<String> =
                    r.culprits.iter().map(|c| crate::present::culprits::compact(c, ctx.fmt)).collect();
                let what = match r.culprits[0].signal {
                    crate::domain::rules::BedrockSignal::ThrottlePct => "its throttled traces",
                    crate::domain::rules::BedrockSignal::ErrorPct => "its failed traces",
                    crate::domain::rules::BedrockSignal::P99Ms => "its slow traces",
                    _ => "its traces",
                };
                lines.push(Line::from(vec![
                    Span::styled("culprit ", t.muted()),
                    Span::styled(named.join(" · "), t.level(rule_level(r))),
                    Span::styled(format!(" · t: {what}"), t.muted()),
                ]));
            }
            let hist: Vec<String> = ctx
                .store
                .rules
                .history
                .iter()
                .rev()
                .filter(|h| h.rule == r.name)
                .take(4)
                .map(|h| {
                    format!("{} {}→{} ({})", ctx.fmt.hhmm(h.at), h.from.as_str(), h.to.as_str(), value_text(h.value))
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
        Item::Runaway(_) => {}
    }
    let name = match item {
        Item::Rule(r) => r.name.clone(),
        Item::Alarm(a) => crate::sanitize::one_line(&a.name),
        Item::Runaway(e) => crate::sanitize::one_line(e.short_id()),
    };
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }).block(block(&name, t, false)), area);
}

/// The selected item's numbers over the window, with the threshold as a flat line; `preview`:
/// beside the detail (Enter opens it full-size) rather than open.
fn draw_chart(f: &mut Frame, area: Rect, ctx: &DrawCtx, item: &Item, preview: bool) {
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
        Item::Runaway(e) => {
            let pts = e.minutes.iter().map(|m| (m.minute, m.tokens)).collect();
            (crate::sanitize::one_line(&format!("{} · tokens/min · Esc back", e.short_id())), pts, None)
        }
    };
    let title = if preview { title.replace(" · Esc back", " · Enter opens") } else { title };
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
        .block(block(&title, t, !preview))
        .x_axis(
            Axis::default()
                .bounds([x0, x1])
                .labels(vec![Span::raw(ctx.fmt.hhmm(x0 as i64)), Span::raw(ctx.fmt.hhmm(x1 as i64))])
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

/// The runaway section is drawn: the watch is on, or a reopened snapshot holds its results.
fn runaway_shown(store: &Store) -> bool {
    let r = &store.runaway;
    r.settings.enabled || Kind::ALL.iter().any(|k| !r.kind(*k).never_ran())
}

/// The lines above the runaway table: per kind, what is wrong or still to come; else one line
/// on the last run.
fn runaway_status(store: &Store, now: i64, t: &Theme, fmt: Fmt) -> Vec<Line<'static>> {
    let r = &store.runaway;
    let mut lines = Vec::new();
    if !r.settings.enabled && Kind::ALL.iter().all(|k| r.kind(*k).never_ran()) {
        lines.push(Line::styled("off: [runaway] enabled = false in the config", t.muted()));
        return lines;
    }
    let mut fine = Vec::new();
    for k in Kind::ALL {
        let st = r.kind(k);
        let label = format!("{}s", k.as_str());
        if let Some(e) = &st.error {
            // what failed, then the fix on a line of its own (a long message must not hide it)
            let code = e.code.as_deref().map(|c| format!("{c}: ")).unwrap_or_default();
            lines.push(Line::from(vec![
                Span::styled(format!("{label} ✗ "), t.crit()),
                Span::styled(crate::sanitize::one_line(&format!("{code}{}", e.message)), t.warn()),
            ]));
            let kept = if st.entries.is_empty() { "" } else { " (the rows are the last good run)" };
            if !e.hint.is_empty() || !kept.is_empty() {
                lines.push(Line::styled(format!("  → {}{kept}", crate::sanitize::one_line(&e.hint)), t.warn()));
            }
        } else if let Some(n) = &st.note {
            lines.push(Line::styled(format!("{label}: {}", crate::sanitize::one_line(n)), t.muted()));
        } else if st.last_ok.is_none() {
            let what = match (st.running, store.replay.is_some()) {
                (Some(_), true) => "its first query was still running when the snapshot was saved",
                (None, true) => "had not run when the snapshot was saved",
                (Some(_), false) => "first query under way…",
                (None, false) => "waiting for the first run…",
            };
            lines.push(Line::styled(format!("{label}: {what}"), t.muted()));
        } else {
            fine.push((label, st));
        }
    }
    if !fine.is_empty() {
        let parts: Vec<String> = fine
            .iter()
            .map(|(label, st)| {
                let run = if st.running.is_some() { ", running" } else { "" };
                format!("{label} {}{run}", st.entries.len())
            })
            .collect();
        let last = fine.iter().filter_map(|(_, st)| st.last_ok).max().unwrap_or(now);
        let spent: f64 = Kind::ALL.iter().map(|k| r.kind(*k).spent_usd).sum();
        lines.push(Line::styled(
            format!(
                "{} · checked {} ({} ago) · every {} · scanned {}",
                parts.join(" · "),
                fmt.hhmm(last),
                format::age(now - last),
                every_text(r.settings.every_secs),
                format::usd(spent)
            ),
            t.muted(),
        ));
    }
    lines
}

/// `5m`, `90s`, `1h`.
fn every_text(secs: u64) -> String {
    match secs {
        s if s >= 3600 && s % 3600 == 0 => format!("{}h", s / 3600),
        s if s >= 60 && s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// Rows for the runaway section: its status lines, a header and the rows (at least one line for
/// "nobody"), within what the pane can spare after the list (5) and the detail.
fn runaway_height(store: &Store, rows: usize, height: u16, detail_h: u16) -> u16 {
    let status = runaway_status(store, 0, &Theme::default(), Fmt::UTC).len();
    let ran = Kind::ALL.iter().any(|k| store.runaway.kind(*k).last_ok.is_some());
    // a header and the rows; or two lines for "nobody"; or nothing before the first answer
    let body = if rows > 0 {
        1 + rows
    } else if ran {
        2
    } else {
        0
    };
    let want = 2 + status + body;
    let spare = height.saturating_sub(5 + detail_h) as usize;
    // the rules and alarms keep the larger part of the pane
    let cap = (height as usize * 2 / 5).max(8);
    want.min(spare).min(cap).max(spare.min(4)) as u16
}

fn runaway_level(e: &Entry) -> Level {
    match (e.over_now, e.over_since) {
        (true, _) => Level::Crit,
        (false, Some(_)) => Level::Warn,
        _ => Level::None,
    }
}

/// The runaway watch: status lines, then one row per caller or session (worst first).
fn draw_runaway(f: &mut Frame, area: Rect, ctx: &DrawCtx, items: &[Item], selected: Option<usize>) {
    if area.height == 0 {
        return;
    }
    let t = ctx.theme;
    let r = &ctx.store.runaway;
    let over = r.breaching().len();
    let title = format!(
        "Runaway · ceiling {} tok/min or {}/min · {over} over",
        crate::store::runaway::compact(r.settings.tokens_per_min),
        format::usd(r.settings.usd_per_min)
    );
    let b = block(&title, t, selected.is_some());
    let inner = b.inner(area);
    f.render_widget(b, area);
    let entries: Vec<&Entry> = items
        .iter()
        .filter_map(|i| match i {
            Item::Runaway(e) => Some(e),
            _ => None,
        })
        .collect();
    let status = runaway_status(ctx.store, ctx.now, t, ctx.fmt);
    // the status lines first; with rows to show, at least a line for them
    let room = if entries.is_empty() { inner.height } else { inner.height.saturating_sub(1).max(1) };
    let status_h = (status.len() as u16).min(room);
    let [top, table_area] = Layout::vertical([Constraint::Length(status_h), Constraint::Min(0)]).areas(inner);
    f.render_widget(Paragraph::new(status), top);
    if table_area.height == 0 {
        return;
    }
    if entries.is_empty() {
        let ran = Kind::ALL.iter().any(|k| r.kind(*k).last_ok.is_some());
        if ran {
            let msg = "No caller or session in the last 15 minutes (no invocation records or spans with a session id).";
            f.render_widget(Paragraph::new(Line::styled(msg, t.muted())).wrap(Wrap { trim: true }), table_area);
        }
        return;
    }
    // narrow: shorter kinds and no peak column, so a caller's name keeps its ~30 characters
    let narrow = table_area.width < 100;
    let rows: Vec<Row> = entries
        .iter()
        .map(|e| {
            let state = match (e.over_now, e.over_since) {
                (true, _) => "OVER",
                (false, Some(_)) => "was",
                _ => "ok",
            };
            let kind = match (narrow, e.kind) {
                (true, Kind::Caller) => "call",
                (true, Kind::Session) => "sess",
                (false, k) => k.as_str(),
            };
            let usd = |v: Option<f64>| match v {
                Some(u) if e.unpriced => format!("≥{}", format::usd(u)),
                Some(u) => format::usd(u),
                None => "no $".into(),
            };
            let mut cells = vec![
                Span::styled(state, t.level(runaway_level(e))),
                Span::styled(kind, t.muted()),
                // ids and model ids are AWS text
                Span::raw(crate::sanitize::one_line(e.short_id())),
                Span::styled(
                    e.model().map(|m| short_model_name(&crate::sanitize::one_line(m))).unwrap_or_default(),
                    t.muted(),
                ),
                Span::raw(format::count(e.latest_tokens)),
                Span::raw(usd(e.latest_usd)),
                Span::styled(format::count(e.peak_tokens), t.muted()),
                Span::styled(e.over_since.map(|s| ctx.fmt.hhmm(s)).unwrap_or_default(), t.muted()),
            ];
            if narrow {
                cells.remove(6);
            }
            Row::new(cells)
        })
        .collect();
    let mut head = vec!["State", "Kind", "Caller / session", "Model", "Tok/m", "$/min", "Peak", "Since"];
    let mut widths = vec![
        Constraint::Length(5),
        Constraint::Length(7),
        Constraint::Min(12),
        Constraint::Length(17),
        Constraint::Length(6),
        Constraint::Length(7),
        Constraint::Length(6),
        Constraint::Length(5),
    ];
    if narrow {
        head.remove(6);
        widths.remove(6);
        widths[0] = Constraint::Length(4);
        widths[1] = Constraint::Length(4);
        widths[5] = Constraint::Length(6);
        head[0] = "";
    }
    let table = Table::new(rows, widths)
        .header(Row::new(head).style(t.header()))
        .column_spacing(1)
        .row_highlight_style(t.selected());
    let mut ts = TableState::default().with_selected(selected);
    f.render_stateful_widget(table, table_area, &mut ts);
}

/// A caller's or session's figures, its minutes as a sparkline, and where Enter goes.
fn draw_runaway_detail(f: &mut Frame, area: Rect, ctx: &DrawCtx, e: &Entry) {
    let t = ctx.theme;
    let r = &ctx.store.runaway;
    let mut lines: Vec<Line> = vec![Line::from(vec![
        Span::styled(format!("{} ", e.kind.as_str()), t.level(runaway_level(e))),
        Span::raw(crate::sanitize::one_line(&e.id)),
    ])];
    lines.push(Line::raw(crate::present::runaway::figures(e, ctx.fmt)));
    if let Some(w) = r.kind(e.kind).window {
        let minutes: Vec<Option<f64>> = (w.start / 60..w.end / 60)
            .map(|m| e.minutes.iter().find(|x| x.minute == m * 60).map(|x| x.tokens))
            .collect();
        let width = minutes.len().clamp(1, 30);
        lines.push(Line::from(vec![
            Span::styled("tokens/min ", t.muted()),
            Span::styled(ctx.fmt.spark(&minutes, width), t.accent()),
            Span::styled(format!(" {}–{}", ctx.fmt.hhmm(w.start), ctx.fmt.hhmm(w.end)), t.muted()),
        ]));
    }
    let mut more = format!("models: {}", e.models.join(", "));
    if e.unpriced {
        more.push_str(" · some without a price: $ covers the priced part");
    }
    lines.push(Line::styled(crate::sanitize::one_line(&more), t.muted()));
    let what = if e.kind == Kind::Caller { "its invocation records" } else { "its spans" };
    lines.push(Line::styled(format!("Enter or L: {what} in Logs · t: traces of its model"), t.muted()));
    let title = crate::sanitize::one_line(&format!("{} {}", e.kind.as_str(), e.short_id()));
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }).block(block(&title, t, false)), area);
}

/// Nothing selected (only the runaway section, and it is empty): what the watch does.
fn draw_runaway_detail_empty(f: &mut Frame, area: Rect, ctx: &DrawCtx) {
    let t = ctx.theme;
    let lines = vec![Line::styled(
        "The runaway watch sums tokens and dollars per minute per caller (Bedrock invocation logs) and per \
         session (session.id on spans in aws/spans) over the last 15 minutes, and flags any over the ceiling.",
        t.muted(),
    )];
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }).block(block("Runaway", t, false)), area);
}

/// Enter or `L` on a runaway row: that caller's invocations (or that session's spans) in Logs.
fn logs_of(e: &Entry, store: &Store) -> Outcome {
    match e.logs_query() {
        Some((label, query, class)) => {
            let window = store.runaway.kind(e.kind).window;
            Outcome::Goto(PaneKind::Logs, Intent::LogsQuery { label, query, class, window })
        }
        None => Outcome::Flash(format!(
            "cannot query for '{}': it has characters a query string cannot hold",
            crate::sanitize::one_line(e.short_id())
        )),
    }
}
