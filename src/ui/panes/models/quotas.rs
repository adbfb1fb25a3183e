//! The quota view (`Q` in the Models pane, `:quotas`): the last 7 days against each quota.
//!
//! One row per quota a model's calls count against (a model in a region, called on demand,
//! through a cross-region `us.` profile or a `global.` one; application inference profiles join
//! the quota of what they route to): its TPM and RPM quota, the week's p90 and peak per minute,
//! and the live headroom (`now`). Below, for the selected row, the hour-of-day × day heatmap of
//! its quota use and the breakdown per inference profile (side by side when wide; `space`
//! switches between them when narrow). What the figures are is said on screen: per-minute
//! averages of 5-minute periods, p90 over the periods with traffic
//! ([`crate::store::quota_usage`]).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use crate::domain::catalog::short_model_name;
use crate::present::format::{self, Fmt};
use crate::store::Store;
use crate::store::quota_usage::{UsageGroup, WeekStats};
use crate::ui::action::Action;
use crate::ui::theme::{Level, Theme};
use crate::ui::widgets::{block, draw_message};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuotaViewState {
    pub selected: usize,
    /// Narrow terminals: the lower panel shows the profiles instead of the heatmap.
    pub profiles: bool,
}

impl QuotaViewState {
    /// True when the action was the view's.
    pub fn handle(&mut self, action: Action, store: &Store, page: usize) -> bool {
        let last = store.usage_groups().len().saturating_sub(1);
        match action {
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Down => self.selected = (self.selected + 1).min(last),
            Action::PageUp => self.selected = self.selected.saturating_sub(page.max(1)),
            Action::PageDown => self.selected = (self.selected + page.max(1)).min(last),
            Action::Top => self.selected = 0,
            Action::Bottom => self.selected = last,
            Action::Toggle => self.profiles = !self.profiles,
            _ => return false,
        }
        true
    }
}

/// Heat levels: none, < 25 %, 25–50 %, 50–80 %, ≥ 80 % of the quota.
const SHADES: [&str; 5] = [" ", "░", "▒", "▓", "█"];
const ASCII_SHADES: [&str; 5] = [" ", ".", ":", "+", "#"];

fn shade(pct: Option<f64>) -> usize {
    match pct {
        None => 0,
        Some(p) if p < 25.0 => 1,
        Some(p) if p < 50.0 => 2,
        Some(p) if p < 80.0 => 3,
        Some(_) => 4,
    }
}

fn level(pct: Option<f64>) -> Level {
    match pct {
        Some(p) if p >= 95.0 => Level::Crit,
        Some(p) if p >= 80.0 => Level::Warn,
        _ => Level::None,
    }
}

/// Seconds east of UTC the view's hours are in (`u` switches UTC ↔ local).
fn utc_offset(at: i64, fmt: Fmt) -> i64 {
    if !fmt.local {
        return 0;
    }
    use chrono::Offset;
    chrono::DateTime::from_timestamp(at, 0)
        .map(|t| t.with_timezone(&chrono::Local).offset().fix().local_minus_utc() as i64)
        .unwrap_or(0)
}

/// The live headroom of the group's ids (the Models pane's `Quota`), the largest.
fn now_pct(store: &Store, g: &UsageGroup, rows: &[crate::store::models::ModelRow]) -> Option<f64> {
    rows.iter()
        .filter(|r| r.region == g.region && g.members.iter().any(|m| m.model_id == r.model_id))
        .filter_map(|r| r.quota_pct)
        .reduce(f64::max)
        .or_else(|| store.quota_pct(&g.region, &g.quota_id))
}

/// `75k 19%` (wide) or `19%` (narrow; the figure itself without a quota).
fn figure(v: Option<f64>, pct: Option<f64>, wide: bool, count: fn(f64) -> String) -> String {
    match (v, pct) {
        (None, _) => format::NONE.to_string(),
        (Some(v), Some(p)) if wide => format!("{} {p:.0}%", count(v)),
        (Some(_), Some(p)) => format!("{p:.0}%"),
        (Some(v), None) => count(v),
    }
}

fn rate(v: f64) -> String {
    if v < 10.0 { format!("{v:.1}") } else { format::count(v) }
}

pub fn draw(f: &mut Frame, area: Rect, store: &Store, state: &mut QuotaViewState, theme: &Theme, fmt: Fmt, now: i64) {
    let groups = store.usage_groups();
    let title = |end: Option<i64>| {
        format!(
            "Quota use · last 7 days{} · per minute · Esc back",
            end.map(|e| format!(" to {}", fmt.hhmm(e.min(now)))).unwrap_or_default()
        )
    };
    if groups.is_empty() {
        let why = match store.health().find(|h| h.name == "usage") {
            Some(h) if h.note.is_some() => crate::sanitize::one_line(h.note.as_deref().unwrap_or_default()),
            Some(h) if h.last_ok.is_some() => "No Bedrock model had traffic in the last 7 days.".to_string(),
            _ => "Reading the last 7 days of quota use…".to_string(),
        };
        draw_message(f, area, &title(None), vec![Line::styled(why, theme.muted())], theme);
        return;
    }
    state.selected = state.selected.min(groups.len() - 1);
    let wide = area.width >= 140;
    let table_h = (groups.len() as u16 + 4).min(area.height.saturating_sub(8).max(5));
    let [top, bottom] = Layout::vertical([Constraint::Length(table_h), Constraint::Min(0)]).areas(area);
    let rows_now = store.models();

    // the table
    let w = if wide { 9 } else { 5 };
    let head = ["Model", "Scope", "TPM q", "p90", "peak", "RPM q", "p90", "peak", "now"];
    let widths = [
        if wide { Constraint::Length(40) } else { Constraint::Min(14) },
        Constraint::Length(12),
        Constraint::Length(6),
        Constraint::Length(w),
        Constraint::Length(w),
        Constraint::Length(5),
        Constraint::Length(w),
        Constraint::Length(w),
        Constraint::Length(5),
    ];
    let right = |s: String, n: u16| format!("{s:>n$}", n = n as usize);
    let header = Row::new(head.iter().enumerate().map(|(i, h)| {
        let n = match i {
            0 | 1 => return h.to_string(),
            2 => 6,
            5 | 8 => 5,
            _ => w,
        };
        right(h.to_string(), n)
    }))
    .style(theme.header());
    let body: Vec<Row> = groups
        .iter()
        .map(|g| {
            let name = match g.scope {
                crate::store::quotas::QuotaScope::Other => g
                    .members
                    .first()
                    .and_then(|m| m.profile_name.clone())
                    .map(|n| format!("@{n}"))
                    .unwrap_or_else(|| g.model_id.rsplit('/').next().unwrap_or_default().to_string()),
                _ => short_model_name(&g.model_id),
            };
            let multi = if g.members.len() > 1 { format!(" ({})", g.members.len()) } else { String::new() };
            let cell = |s: String, n: u16, l: Level| Cell::from(Span::styled(right(s, n), theme.level(l)));
            let tp = |s: &WeekStats, p: bool| {
                let v = if p { s.p90 } else { s.peak };
                let pct = g.tpm_pct(v);
                cell(figure(v, pct, wide, format::count), w, level(pct))
            };
            let rp = |s: &WeekStats, p: bool| {
                let v = if p { s.p90 } else { s.peak };
                let pct = g.rpm_pct(v);
                cell(figure(v, pct, wide, rate), w, level(pct))
            };
            let live = now_pct(store, g, &rows_now);
            Row::new(vec![
                Cell::from(crate::sanitize::one_line(&format!("{name}{multi}"))),
                Cell::from(Span::styled(g.scope.label(), theme.muted())),
                cell(format::opt(g.tpm_quota(), format::count), 6, Level::None),
                tp(&g.tpm, true),
                tp(&g.tpm, false),
                cell(format::opt(g.rpm_quota(), format::count), 5, Level::None),
                rp(&g.rpm, true),
                rp(&g.rpm, false),
                cell(format::opt(live, |p| format!("{p:.0}%")), 5, level(live)),
            ])
        })
        .collect();
    let [table_area, note_area] =
        Layout::vertical([Constraint::Min(2), Constraint::Length(1)]).areas(block("", theme, true).inner(top));
    f.render_widget(block(&title(groups.first().map(|g| g.end)), theme, true), top);
    let t = Table::new(body, widths)
        .header(header)
        .column_spacing(1)
        .flex(ratatui::layout::Flex::Start)
        .row_highlight_style(theme.selected());
    let mut ts = TableState::default().with_selected(Some(state.selected));
    f.render_stateful_widget(t, table_area, &mut ts);
    let partial = if groups.iter().any(|g| g.partial) { " · PARTIAL: lower bounds" } else { "" };
    let note = if wide {
        format!(
            "p90, peak: per-minute averages of 5-minute periods over 7 days; p90 of the periods with traffic, \
             peak the busiest · now: busiest of the last 5 minutes{partial}"
        )
    } else {
        format!("per min, 5-min periods, 7 days · p90 of active periods · now: last 5 min{partial}")
    };
    f.render_widget(
        Paragraph::new(Line::styled(format::clip(&note, note_area.width as usize), theme.muted())),
        note_area,
    );

    if bottom.height < 4 {
        return;
    }
    let g = &groups[state.selected];
    if bottom.width >= 120 {
        let [l, r] = Layout::horizontal([Constraint::Length(60), Constraint::Min(40)]).areas(bottom);
        draw_heatmap(f, l, g, theme, fmt);
        draw_profiles(f, r, g, theme, wide);
    } else if state.profiles {
        draw_profiles(f, bottom, g, theme, false);
    } else {
        draw_heatmap(f, bottom, g, theme, fmt);
    }
}

fn draw_heatmap(f: &mut Frame, area: Rect, g: &UsageGroup, theme: &Theme, fmt: Fmt) {
    let offset = utc_offset(g.end, fmt);
    let heat = g.heatmap(offset);
    let zone = if offset == 0 && !fmt.local { "UTC" } else { "local" };
    let what = if heat.relative { "% of the week's peak (no quota known)" } else { "% of quota" };
    let title = format!("{} by hour ({zone}), {what}", short_model_name(&g.model_id));
    let inner_w = area.width.saturating_sub(2);
    let cell_w: usize = if inner_w >= 7 + 48 { 2 } else { 1 };
    let shades = if theme.ascii_charts { ASCII_SHADES } else { SHADES };
    let mut lines = Vec::new();
    let mut hours = String::from("       ");
    for h in (0..24).step_by(3) {
        hours.push_str(&format!("{:<w$}", format!("{h:02}"), w = 3 * cell_w));
    }
    lines.push(Line::styled(hours, theme.muted()));
    // the newest days that fit (the borders, the hours and the legend take four lines)
    let room = area.height.saturating_sub(4) as usize;
    let skip = heat.days.len().saturating_sub(room);
    for (day, cells) in heat.days.iter().skip(skip) {
        let label = chrono::DateTime::from_timestamp(day + offset, 0)
            .map(|t| t.format("%a %d").to_string())
            .unwrap_or_default();
        let mut spans = vec![Span::styled(format!("{label:<7}"), theme.muted())];
        for c in cells {
            let s = shade(*c);
            let style = match s {
                0 | 1 => theme.muted(),
                2 => theme.text(),
                3 => theme.warn(),
                _ => theme.crit(),
            };
            spans.push(Span::styled(shades[s].repeat(cell_w), style));
        }
        lines.push(Line::from(spans));
    }
    let legend: Vec<Span> = vec![
        Span::styled("       ", theme.muted()),
        Span::styled(shades[1], theme.muted()),
        Span::styled(" <25 ", theme.muted()),
        Span::styled(shades[2], theme.text()),
        Span::styled(" <50 ", theme.muted()),
        Span::styled(shades[3], theme.warn()),
        Span::styled(" <80 ", theme.muted()),
        Span::styled(shades[4], theme.crit()),
        Span::styled(" ≥80% · hour's busiest 5 min", theme.muted()),
    ];
    lines.push(Line::from(legend));
    let title = crate::sanitize::one_line(&title);
    f.render_widget(Paragraph::new(lines).block(block(&title, theme, false)), area);
}

fn draw_profiles(f: &mut Frame, area: Rect, g: &UsageGroup, theme: &Theme, wide: bool) {
    let title = format!("{} {} · by profile · share of tokens", short_model_name(&g.model_id), g.scope.label());
    let header = Row::new(
        ["Called as", "share", "p90 TPM", "peak TPM", "p90 RPM"]
            .map(|h| if h == "Called as" { h.to_string() } else { format!("{h:>8}") }),
    )
    .style(theme.header());
    let rows: Vec<Row> = g
        .members
        .iter()
        .map(|m| {
            let name = match &m.profile_name {
                Some(n) => {
                    let tags: Vec<String> = m.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    if tags.is_empty() || !wide { format!("@{n}") } else { format!("@{n} [{}]", tags.join(" ")) }
                }
                None if crate::domain::catalog::is_application_profile(&m.model_id) => {
                    m.model_id.rsplit('/').next().unwrap_or_default().to_string()
                }
                None => {
                    let base = crate::domain::catalog::base_model_id(&m.model_id);
                    let prefix = m.model_id.strip_suffix(base).unwrap_or("");
                    format!("{prefix}{}", short_model_name(&m.model_id))
                }
            };
            let r = |s: String| Cell::from(format!("{s:>8}"));
            Row::new(vec![
                Cell::from(crate::sanitize::one_line(&name)),
                r(format::opt(m.share_pct, |p| format!("{p:.0}%"))),
                r(format::opt(m.tpm.p90, format::count)),
                r(format::opt(m.tpm.peak, format::count)),
                r(format::opt(m.rpm.p90, rate)),
            ])
        })
        .collect();
    let widths = [
        Constraint::Min(12),
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(8),
    ];
    let title = crate::sanitize::one_line(&title);
    f.render_widget(Table::new(rows, widths).header(header).column_spacing(1).block(block(&title, theme, false)), area);
}
