//! The board of panels the Pipeline and Platform panes share (a widget, not a pane): a grid of
//! panels on wide terminals with the selected one highlighted; on small ones (80x24) one panel
//! at a time beside a list to pick from. Enter opens a panel full-size (or, in a list of other
//! metrics, one series' chart), Esc goes back.
//!
//! Keys: ↑↓/j k move in the list (in the grid ←→ move by one and ↑↓ by a row); Enter opens; in an
//! open panel ↑↓ scroll its charts (or move in its metric list) and ←→ step to the previous or
//! next panel; g/G first/last. `/` narrows the panels (list and grid) by what they show, and in
//! an open list of other metrics narrows its rows.

use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Block, Borders, Chart as ChartWidget, Dataset, GraphType, Paragraph, Row, Table, TableState, Wrap,
};

use crate::domain::genai_metrics::Severity;
use crate::domain::window::Window;
use crate::present::format::{self, Fmt};
use crate::present::panels::{Chart, Line as ChartLine, OtherMetric, Panel, PanelId, Points};
use crate::present::sentence::Unit;
use crate::present::sentence::{plain, sentence_text, value};
use crate::sanitize::one_line;
use crate::store::{SeriesKey, Store};
use crate::ui::action::Action;
use crate::ui::filter::Filter;
use crate::ui::pane::{CommandInfo, DrawCtx, Outcome};
use crate::ui::theme::{Level, Theme};
use crate::ui::widgets::sentence::{level, sentence_spans};
use crate::ui::widgets::text::{self, width};
use crate::ui::widgets::{block, draw_message, placeholder};

/// Below this width the board shows one panel at a time with a list.
pub const GRID_MIN_WIDTH: u16 = 120;
/// A grid cell needs at least this many rows (border, headline, figures, a small chart).
const GRID_MIN_CELL_HEIGHT: u16 = 9;
/// A chart needs at least this many rows to be worth drawing.
const CHART_MIN_HEIGHT: u16 = 5;
/// Width of the panel list in list mode.
const LIST_WIDTH: u16 = 24;

/// `●` coloured by severity; `○` for a panel without data.
fn marker<'a>(p: &Panel, theme: &Theme) -> Span<'a> {
    if !p.has_data() {
        return Span::styled("○", theme.muted());
    }
    match p.severity() {
        Severity::None => Span::styled("·", theme.muted()),
        s => Span::styled("●", theme.level(level(s))),
    }
}

/// Rows `text` takes when word-wrapped at `width` (greedy, like the paragraph's wrap).
fn rows_for(text: &str, width: u16) -> u16 {
    let w = (width as usize).max(1);
    let mut rows = 1;
    let mut used = 0;
    for word in text.split(' ') {
        let n = text::width(word);
        if (used == 0 && n <= w) || (used > 0 && used + 1 + n <= w) {
            used += if used == 0 { n } else { n + 1 };
            continue;
        }
        if used > 0 {
            rows += 1;
        }
        // a word longer than a line is broken over several
        let lines = n.div_ceil(w).max(1);
        rows += lines - 1;
        used = n - (lines - 1) * w;
    }
    rows as u16
}

/// What a panel is matched on by `/`: what it shows (title, headline, figures, chart and line
/// names, the other metrics it lists).
fn panel_text(p: &Panel, fmt: Fmt) -> String {
    let mut t = vec![p.id.title().to_string()];
    t.extend(p.headline.as_ref().map(|h| sentence_text(h, fmt)));
    t.extend(p.facts.iter().map(|f| f.label.clone()));
    for c in &p.charts {
        t.push(c.title.clone());
        t.extend(c.lines.iter().map(|l| l.label.clone()));
    }
    t.extend(p.other.iter().map(|o| series_label(&o.key)));
    t.join(" ")
}

#[derive(Debug, Clone, Default)]
pub struct BoardState {
    /// The selected panel (index into the panels the filter shows).
    pub selected: usize,
    /// `/` on the list or grid: the panels shown.
    pub filter: Filter,
    /// How the last draw wrote times (the `/` filter matches what was shown).
    fmt: Fmt,
    /// `/` in an open list of other metrics: its rows.
    pub other_filter: Filter,
    /// The selected panel is shown full-size.
    pub open: bool,
    /// In an open panel: the first chart shown (↑↓ scroll).
    pub chart_offset: usize,
    /// In an open list of other metrics: the selected row.
    pub other_selected: usize,
    /// One series' chart, opened from a list of other metrics or by an intent.
    pub series: Option<SeriesKey>,
    /// Grid columns at the last draw (1 = list mode).
    cols: usize,
    /// The open panel at the last draw is a list of other metrics (for the footer).
    open_list: bool,
}

impl BoardState {
    /// The panels the filter lets through, in order.
    pub fn shown<'a>(&self, panels: &'a [Panel]) -> Vec<&'a Panel> {
        panels.iter().filter(|p| self.filter.matches(&panel_text(p, self.fmt))).collect()
    }

    /// The rows of a list of other metrics the metric filter lets through.
    fn others<'a>(&self, p: &'a Panel) -> Vec<&'a OtherMetric> {
        p.other.iter().filter(|o| self.other_filter.matches(&series_label(&o.key))).collect()
    }

    /// True while a filter is being typed (keys go to [`BoardState::filter_key`]).
    pub fn editing(&self) -> bool {
        self.filter.editing || self.other_filter.editing
    }

    /// A key while a filter is typed; the selection stays on the same panel (or metric) while
    /// it still matches, else goes to the first.
    pub fn filter_key(&mut self, key: crossterm::event::KeyEvent, panels: &[Panel]) -> bool {
        if self.other_filter.editing {
            let before =
                self.open_panel(panels).and_then(|p| self.others(p).get(self.other_selected).map(|o| o.key.clone()));
            if !self.other_filter.key(key) {
                return false;
            }
            let after = self.open_panel(panels).map(|p| self.others(p)).unwrap_or_default();
            self.other_selected = before.and_then(|k| after.iter().position(|o| o.key == k)).unwrap_or(0);
            return true;
        }
        let before = self.shown(panels).get(self.selected).map(|p| p.id);
        if !self.filter.key(key) {
            return false;
        }
        self.selected = before.and_then(|id| self.shown(panels).iter().position(|p| p.id == id)).unwrap_or(0);
        true
    }

    fn open_panel<'a>(&self, panels: &'a [Panel]) -> Option<&'a Panel> {
        if !self.open {
            return None;
        }
        self.shown(panels).get(self.selected).copied()
    }

    /// A key on the board. `panels` are all the board's panels (the filter picks the shown ones).
    pub fn handle(&mut self, action: Action, panels: &[Panel]) -> Outcome {
        let shown = self.shown(panels);
        if action == Action::Filter && self.series.is_none() {
            match shown.get(self.selected.min(shown.len().saturating_sub(1))) {
                Some(p) if self.open && matches!(p.id, PanelId::Other | PanelId::PlatformOther) => {
                    self.other_filter.start()
                }
                _ if self.open => return Outcome::Ignored,
                _ => self.filter.start(),
            }
            return Outcome::Redraw;
        }
        let n = shown.len();
        if n == 0 {
            return Outcome::Ignored;
        }
        self.selected = self.selected.min(n - 1);
        if self.series.is_some() {
            return Outcome::Ignored;
        }
        if self.open {
            let p = shown[self.selected];
            let is_list = matches!(p.id, PanelId::Other | PanelId::PlatformOther);
            let others = self.others(p);
            let rows = others.len();
            match action {
                Action::Left => self.step(-1, n),
                Action::Right => self.step(1, n),
                Action::Up if is_list => self.other_selected = self.other_selected.saturating_sub(1),
                Action::Down if is_list => self.other_selected = (self.other_selected + 1).min(rows.saturating_sub(1)),
                Action::PageUp if is_list => self.other_selected = self.other_selected.saturating_sub(10),
                Action::PageDown if is_list => {
                    self.other_selected = (self.other_selected + 10).min(rows.saturating_sub(1))
                }
                Action::Top if is_list => self.other_selected = 0,
                Action::Bottom if is_list => self.other_selected = rows.saturating_sub(1),
                Action::Select if is_list => match others.get(self.other_selected) {
                    Some(o) => self.series = Some(o.key.clone()),
                    None => return Outcome::None,
                },
                Action::Up | Action::PageUp => self.chart_offset = self.chart_offset.saturating_sub(1),
                Action::Down | Action::PageDown => {
                    self.chart_offset = (self.chart_offset + 1).min(p.charts.len().saturating_sub(1))
                }
                Action::Top => self.chart_offset = 0,
                Action::Bottom => self.chart_offset = p.charts.len().saturating_sub(1),
                _ => return Outcome::Ignored,
            }
            return Outcome::Redraw;
        }
        let cols = self.cols.max(1);
        match action {
            Action::Up if cols > 1 => self.selected = self.selected.saturating_sub(cols),
            Action::Down if cols > 1 => {
                if self.selected + cols < n {
                    self.selected += cols;
                }
            }
            Action::Up | Action::Left => self.selected = self.selected.saturating_sub(1),
            Action::Down | Action::Right => self.selected = (self.selected + 1).min(n - 1),
            Action::Top | Action::PageUp => self.selected = 0,
            Action::Bottom | Action::PageDown => self.selected = n - 1,
            Action::Select => {
                self.open = true;
                self.chart_offset = 0;
                self.other_selected = 0;
            }
            _ => return Outcome::Ignored,
        }
        Outcome::Redraw
    }

    fn step(&mut self, d: isize, n: usize) {
        self.selected = (self.selected as isize + d).rem_euclid(n as isize) as usize;
        self.chart_offset = 0;
        self.other_selected = 0;
    }

    /// Esc: close the series chart, else the open panel (and its metric filter), else clear the
    /// panel filter. False at the top (the app's Esc).
    pub fn back(&mut self) -> bool {
        if self.series.take().is_some() {
            return true;
        }
        if std::mem::take(&mut self.open) {
            self.other_filter = Filter::default();
            return true;
        }
        if !self.filter.is_empty() {
            self.filter = Filter::default();
            self.selected = 0;
            return true;
        }
        false
    }

    /// Show `key`: open the panel that draws it, or its own chart. Clears the filters, so the
    /// panel is there to open.
    pub fn show_series(&mut self, key: &SeriesKey, panels: &[Panel]) {
        self.filter = Filter::default();
        self.other_filter = Filter::default();
        let home = panels.iter().position(|p| {
            p.charts.iter().any(|c| c.lines.iter().any(|l| l.key.as_ref() == Some(key)))
                || p.other.iter().any(|o| &o.key == key)
        });
        match home {
            Some(i) if panels[i].other.iter().all(|o| &o.key != key) => {
                self.selected = i;
                self.open = true;
                self.chart_offset = panels[i]
                    .charts
                    .iter()
                    .position(|c| c.lines.iter().any(|l| l.key.as_ref() == Some(key)))
                    .unwrap_or(0);
                self.series = None;
            }
            Some(i) => {
                self.selected = i;
                self.open = true;
                self.other_selected = panels[i].other.iter().position(|o| &o.key == key).unwrap_or(0);
                self.series = Some(key.clone());
            }
            None => self.series = Some(key.clone()),
        }
    }

    /// The board's commands in its current view (the pane's footer and help).
    pub fn commands(&self) -> Vec<CommandInfo> {
        use CommandInfo as C;
        if self.series.is_some() {
            vec![C::hint(Action::Back, "back")]
        } else if self.open && self.open_list {
            vec![
                C::hint(Action::Back, "back"),
                C::hint(Action::Right, "next panel"),
                C::hint(Action::Select, "chart"),
                C::hint(Action::Filter, "filter"),
                C::help(Action::Left, "previous panel"),
                C::help(Action::Down, "next metric"),
            ]
        } else if self.open {
            vec![
                C::hint(Action::Back, "back"),
                C::hint(Action::Right, "next panel"),
                C::hint(Action::Down, "scroll"),
                C::help(Action::Left, "previous panel"),
            ]
        } else {
            vec![
                C::hint(Action::Select, "open panel"),
                C::hint(Action::Down, "next"),
                C::hint(Action::Filter, "filter"),
                C::help(Action::Up, "previous"),
            ]
        }
    }

    /// Draw the board: `title` names the pane.
    pub fn draw(&mut self, f: &mut Frame, area: Rect, ctx: &DrawCtx, panels: &[Panel], title: &str) {
        let (store, theme, view, fmt) = (ctx.store, ctx.theme, ctx.view, ctx.fmt);
        self.fmt = fmt;
        if let Some((msg, is_err)) = placeholder(store) {
            let style = if is_err { theme.crit() } else { theme.muted() };
            draw_message(f, area, title, vec![Line::styled(msg, style)], theme);
            return;
        }
        if panels.is_empty() {
            return;
        }
        if let Some(key) = self.series.clone() {
            draw_series(f, area, store, &key, theme, fmt, view);
            return;
        }
        let since = crate::present::views::since_label(store);
        let all = panels.len();
        let panels = self.shown(panels);
        // a filter shows on a line of its own above the list or grid, with what it leaves
        let area = if !self.open && (self.filter.editing || !self.filter.is_empty()) {
            let [bar, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
            let text = format!(" {title}{} · {} of {all} panels", self.filter.label(), panels.len());
            f.render_widget(Paragraph::new(Line::styled(text, theme.title())), bar);
            rest
        } else {
            area
        };
        if panels.is_empty() {
            let msg = format!("No panel matches '{}' (Esc clears the filter).", one_line(self.filter.text()));
            draw_message(f, area, title, vec![Line::styled(msg, theme.warn())], theme);
            return;
        }
        self.selected = self.selected.min(panels.len() - 1);
        if self.open {
            let filtered;
            let mut p = panels[self.selected];
            if !self.other_filter.is_empty() {
                filtered = Panel { other: self.others(p).into_iter().cloned().collect(), ..p.clone() };
                p = &filtered;
            }
            self.open_list = matches!(p.id, PanelId::Other | PanelId::PlatformOther);
            self.chart_offset = self.chart_offset.min(p.charts.len().saturating_sub(1));
            self.other_selected = self.other_selected.min(p.other.len().saturating_sub(1));
            let t = format!(
                "{title} › {}{} · last {since} · {}/{} · ←→ panels · Esc back",
                p.id.title(),
                self.other_filter.label(),
                self.selected + 1,
                panels.len()
            );
            let block = panel_block(p, &t, theme, true);
            let inner = block.inner(area);
            f.render_widget(block, area);
            draw_body(
                f,
                inner,
                store,
                view,
                p,
                theme,
                fmt,
                Detail::Full { chart_offset: self.chart_offset, row: self.other_selected },
            );
            return;
        }
        match grid_shape(area, panels.len()) {
            Some((cols, rows)) => {
                self.cols = cols;
                let row_areas = Layout::vertical(vec![Constraint::Ratio(1, rows as u32); rows]).split(area);
                for (r, row) in row_areas.iter().enumerate() {
                    let cells = Layout::horizontal(vec![Constraint::Ratio(1, cols as u32); cols]).split(*row);
                    for (c, cell) in cells.iter().enumerate() {
                        let i = r * cols + c;
                        let Some(p) = panels.get(i).copied() else { continue };
                        let block = panel_block(p, p.id.title(), theme, i == self.selected);
                        let inner = block.inner(*cell);
                        f.render_widget(block, *cell);
                        draw_body(f, inner, store, view, p, theme, fmt, Detail::Cell);
                    }
                }
            }
            None => {
                self.cols = 1;
                let [list, body] =
                    Layout::horizontal([Constraint::Length(LIST_WIDTH), Constraint::Min(10)]).areas(area);
                let rows: Vec<Row> = panels
                    .iter()
                    .map(|p| {
                        Row::new(vec![Line::from(vec![
                            marker(p, theme),
                            Span::raw(" "),
                            Span::styled(p.id.title(), if p.has_data() { theme.text() } else { theme.muted() }),
                        ])])
                    })
                    .collect();
                let list_title = format!("{title} · {since}");
                let t = Table::new(rows, [Constraint::Min(10)])
                    .block(block(&list_title, theme, false))
                    .row_highlight_style(theme.selected());
                let mut ts = TableState::default().with_selected(Some(self.selected));
                f.render_stateful_widget(t, list, &mut ts);
                let p = panels[self.selected];
                let t = format!("{} · Enter opens", p.id.title());
                let block = panel_block(p, &t, theme, true);
                let inner = block.inner(body);
                f.render_widget(block, body);
                draw_body(f, inner, store, view, p, theme, fmt, Detail::Preview);
            }
        }
    }
}

/// Grid columns and rows that fit `n` panels, or `None` for list mode.
fn grid_shape(area: Rect, n: usize) -> Option<(usize, usize)> {
    if area.width < GRID_MIN_WIDTH || n == 0 {
        return None;
    }
    let first = if area.width >= 180 { 3 } else { 2 };
    (first..=4).filter(|c| area.width / *c as u16 >= 50 || *c == first).find_map(|cols| {
        let cols = cols.min(n);
        let rows = n.div_ceil(cols);
        (area.height / rows as u16 >= GRID_MIN_CELL_HEIGHT).then_some((cols, rows))
    })
}

fn panel_block<'a>(p: &Panel, title: &str, theme: &Theme, focused: bool) -> Block<'a> {
    let mut spans = vec![Span::raw(" "), marker(p, theme), Span::raw(" ")];
    spans.push(Span::styled(format!("{title} "), theme.title()));
    Block::default().borders(Borders::ALL).border_style(theme.border(focused)).title(Line::from(spans))
}

/// How much of a panel to draw.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Detail {
    /// A grid cell: headline, a line of figures, the first chart.
    Cell,
    /// Beside the list: headline, figures, the first chart.
    Preview,
    /// Full-size: headline, every figure, charts from `chart_offset` (or the metric list).
    Full { chart_offset: usize, row: usize },
}

#[allow(clippy::too_many_arguments)]
fn draw_body(
    f: &mut Frame,
    area: Rect,
    store: &Store,
    view: Window,
    p: &Panel,
    theme: &Theme,
    fmt: Fmt,
    detail: Detail,
) {
    if area.height == 0 || area.width < 4 {
        return;
    }
    let Some(h) = &p.headline else {
        let empty = if matches!(p.id, PanelId::Other | PanelId::PlatformOther) {
            Line::styled("Nothing else in this window.", theme.muted())
        } else {
            Line::styled("No data in this window.", theme.warn())
        };
        let lines = vec![empty, Line::styled(p.id.publisher(), theme.muted())];
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
        return;
    };
    let spans = sentence_spans(h, theme, fmt);
    let head_h = rows_for(&sentence_text(h, fmt), area.width).min(area.height);
    let [head, rest] = Layout::vertical([Constraint::Length(head_h), Constraint::Min(0)]).areas(area);
    f.render_widget(Paragraph::new(Line::from(spans)).wrap(Wrap { trim: true }), head);
    if matches!(p.id, PanelId::Other | PanelId::PlatformOther) {
        let row = match detail {
            Detail::Full { row, .. } => Some(row),
            _ => None,
        };
        draw_other(f, rest, store, &p.other, row, theme, fmt);
        return;
    }
    // figures: as many "label value" cells per line as fit
    let cells: Vec<(String, String, Level)> = p
        .facts
        .iter()
        .filter(|x| x.value.is_some())
        .map(|x| (one_line(&x.label), value(x.value.unwrap_or(0.0), x.unit), level(x.severity)))
        .collect();
    let cell_w = cells.iter().map(|(l, v, _)| width(l) + width(v) + 3).max().unwrap_or(10).min(34);
    let per_line = (rest.width as usize / cell_w).max(1);
    let want_rows = cells.len().div_ceil(per_line) as u16;
    let fact_rows = match detail {
        Detail::Cell => want_rows.min(2),
        Detail::Preview => want_rows.min(4),
        Detail::Full { .. } => want_rows.min(rest.height.saturating_sub(CHART_MIN_HEIGHT).max(1)),
    }
    .min(rest.height);
    let mut lines: Vec<Line> = Vec::new();
    for chunk in cells.chunks(per_line).take(fact_rows as usize) {
        let mut spans = Vec::new();
        for (l, v, lv) in chunk {
            let pad = cell_w.saturating_sub(width(l) + width(v) + 1);
            spans.push(Span::styled(format!("{l} "), theme.muted()));
            spans.push(Span::styled(v.clone(), theme.level(*lv)));
            spans.push(Span::raw(" ".repeat(pad)));
        }
        lines.push(Line::from(spans));
    }
    let [facts, charts] = Layout::vertical([Constraint::Length(fact_rows), Constraint::Min(0)]).areas(rest);
    f.render_widget(Paragraph::new(lines), facts);
    if charts.height < CHART_MIN_HEIGHT || p.charts.is_empty() {
        return;
    }
    match detail {
        Detail::Cell | Detail::Preview => draw_chart(f, charts, view, &p.charts[0], theme, fmt),
        Detail::Full { chart_offset, .. } => {
            let left = &p.charts[chart_offset.min(p.charts.len() - 1)..];
            let fit = ((charts.height / 7).max(1) as usize).min(left.len());
            let areas = Layout::vertical(vec![Constraint::Ratio(1, fit as u32); fit]).split(charts);
            for (c, a) in left.iter().zip(areas.iter()) {
                draw_chart(f, *a, view, c, theme, fmt);
            }
        }
    }
}

/// `namespace metric{dims} stat` for a series from AWS, sanitised.
fn series_label(k: &SeriesKey) -> String {
    one_line(&format!("{} {} {}", k.namespace, k.label(), k.stat))
}

fn draw_other(
    f: &mut Frame,
    area: Rect,
    store: &Store,
    list: &[OtherMetric],
    selected: Option<usize>,
    theme: &Theme,
    fmt: Fmt,
) {
    if area.height == 0 {
        return;
    }
    let minutes = store.minutes();
    let spark_w = if area.width >= 80 { 20 } else { 10 };
    let rows: Vec<Row> = list
        .iter()
        .map(|o| {
            let spark: Vec<Option<f64>> = minutes.iter().map(|t| o.points.get(t).copied()).collect();
            Row::new(vec![
                Line::styled(series_label(&o.key), theme.text()),
                Line::styled(format::opt(o.latest.map(|x| x.1), plain), theme.accent()),
                Line::styled(format::opt(o.window, plain), theme.text()),
                Line::styled(fmt.spark(&spark, spark_w), theme.accent()),
            ])
        })
        .collect();
    let header = Row::new(vec!["metric", "latest", "window", "over the window"]).style(theme.header());
    let widths =
        [Constraint::Min(20), Constraint::Length(8), Constraint::Length(8), Constraint::Length(spark_w as u16)];
    let t = Table::new(rows, widths).header(header).column_spacing(1).row_highlight_style(theme.selected());
    let mut ts = TableState::default().with_selected(selected);
    f.render_stateful_widget(t, area, &mut ts);
}

/// One series' chart over the window (from the list of other metrics).
fn draw_series(f: &mut Frame, area: Rect, store: &Store, key: &SeriesKey, theme: &Theme, fmt: Fmt, view: Window) {
    let title = format!("{} · last {} · Esc back", series_label(key), crate::present::views::since_label(store));
    let Some(s) = store.get(key) else {
        draw_message(
            f,
            area,
            &title,
            vec![Line::styled("No data for this series in the window.", theme.warn())],
            theme,
        );
        return;
    };
    let points: Points = s.range(store.window.start, store.window.end).collect();
    let window = if crate::domain::catalog::is_additive(&key.stat) {
        (!points.is_empty()).then(|| points.values().sum())
    } else {
        s.window_value
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(Span::styled(format!(" {title} "), theme.title()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let [head, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
    let latest = points.iter().next_back().map(|(t, v)| (*t, *v));
    let line = Line::from(vec![
        Span::styled("latest ", theme.muted()),
        Span::styled(format::opt(latest.map(|x| x.1), plain), theme.accent()),
        Span::styled(latest.map(|(t, _)| format!(" at {}", fmt.hhmm(t))).unwrap_or_default(), theme.muted()),
        Span::styled(format!("  window ({}) ", key.stat), theme.muted()),
        Span::styled(format::opt(window, plain), theme.accent()),
    ]);
    f.render_widget(Paragraph::new(line), head);
    let chart = Chart {
        title: one_line(&key.label()),
        unit: Unit::Plain,
        lines: vec![ChartLine { label: key.stat.clone(), key: Some(key.clone()), points, window, stacked: false }],
        rules: Vec::new(),
        y_min: None,
        y_max: None,
    };
    if body.height >= CHART_MIN_HEIGHT {
        draw_chart(f, body, view, &chart, theme, fmt);
    }
}

/// A line ready to draw: its legend, its points and its style.
type Drawn = (String, Vec<(f64, f64)>, Style);

/// A chart with time axes: stacked lines are drawn cumulatively, then the other lines, then
/// the threshold rules in their severity's colour.
fn draw_chart(f: &mut Frame, area: Rect, view: Window, chart: &Chart, theme: &Theme, fmt: Fmt) {
    // the part of the window in view (zoom and pan); the headline and figures stay whole-window
    let (x0, x1) = (view.start as f64, view.end as f64);
    let shown = |p: &Points| -> Vec<(i64, f64)> { p.range(view.start..view.end).map(|(t, v)| (*t, *v)).collect() };
    // cumulative values for the stacked lines, in order
    let mut running: BTreeMap<i64, f64> = BTreeMap::new();
    let mut data: Vec<Drawn> = Vec::new();
    for (i, l) in chart.lines.iter().enumerate() {
        let color = theme.chart[i % theme.chart.len()];
        let style = if i >= theme.chart.len() {
            Style::default().fg(color).add_modifier(Modifier::DIM)
        } else {
            Style::default().fg(color)
        };
        let pts: Vec<(f64, f64)> = if l.stacked {
            shown(&l.points)
                .into_iter()
                .map(|(t, v)| {
                    let e = running.entry(t).or_insert(0.0);
                    *e += v;
                    (t as f64, *e)
                })
                .collect()
        } else {
            shown(&l.points).into_iter().map(|(t, v)| (t as f64, v)).collect()
        };
        data.push((one_line(&l.label), pts, style));
    }
    let values = data.iter().flat_map(|(_, d, _)| d.iter().map(|(_, v)| *v));
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    let rule_hi = chart.rules.iter().map(|r| r.value).fold(f64::NEG_INFINITY, f64::max);
    let mut ymin = chart.y_min.unwrap_or(if lo.is_finite() { lo } else { 0.0 });
    let mut ymax = chart.y_max.unwrap_or_else(|| {
        let top = hi.max(rule_hi.min(hi * 3.0));
        if top.is_finite() && top > 0.0 { top * 1.1 } else { 1.0 }
    });
    if lo.is_finite() {
        ymin = ymin.min(lo);
        ymax = ymax.max(hi);
    }
    if ymax <= ymin {
        ymax = ymin + 1.0;
    }
    let rules: Vec<Drawn> = chart
        .rules
        .iter()
        .filter(|r| r.value >= ymin && r.value <= ymax)
        .map(|r| {
            (
                format!("{} {}", r.label, value(r.value, chart.unit)),
                vec![(x0, r.value), (x1, r.value)],
                theme.level(level(r.severity)).remove_modifier(Modifier::BOLD),
            )
        })
        .collect();
    let mut datasets: Vec<Dataset> = Vec::new();
    for (name, d, style) in rules.iter().chain(data.iter()) {
        datasets.push(
            Dataset::default()
                .name(name.clone())
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(*style)
                .data(d),
        );
    }
    let mid = (x0 + x1) / 2.0;
    let x_labels = vec![
        Span::styled(fmt.hhmm(x0 as i64), theme.muted()),
        Span::styled(fmt.hhmm(mid as i64), theme.muted()),
        Span::styled(fmt.hhmm(x1 as i64), theme.muted()),
    ];
    let y_labels = vec![
        Span::styled(value(ymin, chart.unit), theme.muted()),
        Span::styled(value(ymax, chart.unit), theme.muted()),
    ];
    let mut title = vec![Span::styled(format!(" {} ", one_line(&chart.title)), theme.title())];
    for (name, _, style) in &data {
        title.push(Span::styled(format!("━{name} "), *style));
    }
    let block = Block::default().borders(Borders::TOP).border_style(theme.border(false)).title(Line::from(title));
    let w = ChartWidget::new(datasets)
        .block(block)
        .x_axis(Axis::default().bounds([x0, x1]).labels(x_labels).style(theme.muted()))
        .y_axis(Axis::default().bounds([ymin, ymax]).labels(y_labels).style(theme.muted()))
        .legend_position(None);
    f.render_widget(w, area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_rows() {
        assert_eq!(rows_for("abc def", 7), 1);
        assert_eq!(rows_for("abc def", 6), 2);
        assert_eq!(rows_for("slowest: claude-opus-4-5 26s now · fastest: x", 20), 3);
        assert_eq!(rows_for("", 10), 1);
    }

    #[test]
    fn grid_or_list() {
        assert_eq!(grid_shape(Rect::new(0, 0, 80, 21), 10), None);
        assert_eq!(grid_shape(Rect::new(0, 0, 200, 57), 10), Some((3, 4)));
        assert_eq!(grid_shape(Rect::new(0, 0, 200, 57), 5), Some((3, 2)));
        assert_eq!(grid_shape(Rect::new(0, 0, 160, 45), 10), Some((2, 5)));
        // too short for a readable grid
        assert_eq!(grid_shape(Rect::new(0, 0, 130, 30), 10), None);
    }

    #[test]
    fn board_keys_move_open_and_go_back() {
        let panels: Vec<Panel> = vec![];
        let mut s = BoardState::default();
        assert_eq!(s.handle(Action::Down, &panels), Outcome::Ignored);
        let store = Store::default();
        let panels = store.pipeline_panels();
        s.cols = 1;
        s.handle(Action::Down, &panels);
        s.handle(Action::Down, &panels);
        assert_eq!(s.selected, 2);
        s.handle(Action::Select, &panels);
        assert!(s.open);
        s.handle(Action::Right, &panels);
        assert_eq!(s.selected, 3);
        assert!(s.back());
        assert!(!s.open);
        assert!(!s.back());
        s.handle(Action::Bottom, &panels);
        assert_eq!(s.selected, panels.len() - 1);
        // in a grid ↓ moves by a row
        s.cols = 3;
        s.handle(Action::Top, &panels);
        s.handle(Action::Down, &panels);
        assert_eq!(s.selected, 3);
    }
}
