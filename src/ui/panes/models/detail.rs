//! One model's charts over the window: latency percentiles, tokens, cost, errors and throttles,
//! with time axes. Of a row grouped by base model: its members' counts, tokens and cost summed
//! per minute, and per minute the worst member's percentiles (marked `^`).

use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Paragraph};

use crate::domain::catalog::{BedrockMetric, short_model_name};
use crate::domain::window::Window;
use crate::present::format::{self, Fmt};
use crate::present::views::{ModelGroup, split_models};
use crate::store::Store;
use crate::ui::theme::Theme;
use crate::ui::widgets::{block, draw_message};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelDetailState {
    pub region: String,
    pub model_id: String,
    /// Opened from a row grouped by base model: `model_id` is the base model id and the charts
    /// combine every region and cross-region id of it.
    pub grouped: bool,
}

impl ModelDetailState {
    /// One model in one region.
    pub fn single(region: &str, model_id: &str) -> Self {
        Self { region: region.to_string(), model_id: model_id.to_string(), grouped: false }
    }

    /// The charts of a table row (a group when the table is grouped).
    pub fn of(g: &ModelGroup, grouped: bool) -> Self {
        Self { region: g.row.region.clone(), model_id: g.row.model_id.clone(), grouped }
    }

    /// The row (or group) as of now; `None` when it has no data in the window.
    pub fn group(&self, store: &Store) -> Option<ModelGroup> {
        if self.grouped {
            store.model_groups(true).into_iter().find(|g| g.row.model_id == self.model_id)
        } else {
            split_models(store.models())
                .into_iter()
                .find(|g| g.row.model_id == self.model_id && g.row.region == self.region)
        }
    }

    /// The model id whose traces `t` shows: of a group, its busiest member's.
    pub fn trace_model(&self, store: &Store) -> String {
        match self.group(store) {
            Some(g) if self.grouped => g.busiest().model_id.clone(),
            _ => self.model_id.clone(),
        }
    }
}

struct ChartSpec {
    title: &'static str,
    unit: fn(f64) -> String,
    series: Vec<(&'static str, BTreeMap<i64, f64>)>,
}

fn specs(store: &Store, g: &ModelGroup) -> Vec<ChartSpec> {
    let m = |metric, stat| store.members_minutes(&g.members, metric, stat);
    let (p50, p90, p99) = if g.is_merged() { ("^p50", "^p90", "^p99") } else { ("p50", "p90", "p99") };
    vec![
        ChartSpec {
            title: "Latency",
            unit: format::ms,
            series: vec![
                (p50, m(BedrockMetric::Latency, "p50")),
                (p90, m(BedrockMetric::Latency, "p90")),
                (p99, m(BedrockMetric::Latency, "p99")),
            ],
        },
        ChartSpec {
            title: "Tokens/min",
            unit: format::count,
            series: vec![("in", m(BedrockMetric::InputTokens, "Sum")), ("out", m(BedrockMetric::OutputTokens, "Sum"))],
        },
        ChartSpec {
            title: "Cost/min",
            unit: format::usd,
            series: vec![("cost", store.members_cost_minutes(&g.members).unwrap_or_default())],
        },
        ChartSpec {
            title: "Errors & throttles/min",
            unit: format::count,
            series: vec![
                ("4xx", m(BedrockMetric::ClientErrors, "Sum")),
                ("5xx", m(BedrockMetric::ServerErrors, "Sum")),
                ("throttled", m(BedrockMetric::Throttles, "Sum")),
            ],
        },
    ]
}

pub fn draw(f: &mut Frame, area: Rect, store: &Store, state: &ModelDetailState, theme: &Theme, fmt: Fmt, view: Window) {
    let group = state.group(store);
    // grouped: how many ids in how many regions it sums ("N regions" or the one region)
    let region = group.as_ref().map_or(state.region.as_str(), |g| g.row.region.as_str());
    let what = match &group {
        Some(g) if g.is_merged() => {
            let ids: std::collections::BTreeSet<&str> = g.members.iter().map(|m| m.model_id.as_str()).collect();
            let n = ids.len();
            format!("{n} id{} in {region} summed, ^ = worst member", if n == 1 { "" } else { "s" })
        }
        _ if state.grouped => format!("{region} · by model"),
        _ => region.to_string(),
    };
    // the model id is AWS text (a dimension value)
    let title = crate::sanitize::one_line(&format!(
        "{} · {what} · last {} · Esc back",
        state.model_id,
        crate::present::views::since_label(store)
    ));
    let Some(group) = group else {
        draw_message(f, area, &title, vec![Line::styled("No data for this model in the window.", theme.warn())], theme);
        return;
    };
    let row = &group.row;
    let mark = if group.is_merged() { crate::ui::widgets::model_table::WORST_MARK } else { "" };
    let [summary, charts] = Layout::vertical([Constraint::Length(3), Constraint::Min(4)]).areas(area);
    let line = Line::from(vec![
        Span::styled(
            match store.inference_profiles.get(&state.model_id) {
                Some(p) => crate::sanitize::one_line(&format!("@{}  ", p.name)),
                None => format!("{}  ", short_model_name(&state.model_id)),
            },
            theme.accent(),
        ),
        Span::styled("inv ", theme.muted()),
        Span::raw(format!("{}  ", format::opt(row.invocations, format::count))),
        Span::styled(format!("{mark}p50/p90/p99 "), theme.muted()),
        Span::raw(format!(
            "{}/{}/{}  ",
            format::opt(row.latency_p50, format::ms),
            format::opt(row.latency_p90, format::ms),
            format::opt(row.latency_p99, format::ms)
        )),
        Span::styled("err ", theme.muted()),
        Span::raw(format!("{}  ", format::opt(row.error_pct(), format::pct))),
        Span::styled("thr ", theme.muted()),
        Span::raw(format!("{}  ", format::opt(row.throttle_pct(), format::pct))),
        Span::styled("cost ", theme.muted()),
        Span::raw(match row.cost_usd {
            Some(c) => format::usd(c),
            None => "no price".into(),
        }),
        // where the price came from: config, price-list or built-in
        Span::styled(row.price_source.map(|s| format!(" {}", s.as_str())).unwrap_or_default(), theme.muted()),
        Span::styled(crate::present::quotas::detail_label(store, row), theme.muted()),
        Span::styled(profile_label(store, &state.model_id), theme.muted()),
    ]);
    f.render_widget(Paragraph::new(line).block(block(&title, theme, true)), summary);

    draw_charts(f, charts, store, &group, theme, fmt, view, None);
}

/// Rows below which a model gets one row of charts (latency, errors and throttles), not four.
const FOUR_CHARTS_MIN_HEIGHT: u16 = 16;

/// A row's (or group's) four charts in `area`: a 2×2 grid, or one above the other when the area
/// is narrow or tall enough for four readable charts in a column; `name` before each title.
#[allow(clippy::too_many_arguments)]
pub fn draw_charts(
    f: &mut Frame,
    area: Rect,
    store: &Store,
    group: &ModelGroup,
    theme: &Theme,
    fmt: Fmt,
    view: Window,
    name: Option<&str>,
) {
    // what the polling plan keeps at full rate: the charts drawn
    crate::sources::plan::note_charts(group.members.iter().map(|m| (m.region.as_str(), m.model_id.as_str())));
    let mut specs = specs(store, group);
    let column = area.width < 60 || (area.height >= 40 && area.width < 100);
    let cells: Vec<Rect> = if area.height < FOUR_CHARTS_MIN_HEIGHT {
        // room for one row of charts: the model's health, latency and errors & throttles
        specs.retain(|s| s.title == "Latency" || s.title.starts_with("Errors"));
        if area.width < 60 {
            specs.truncate(1);
            vec![area]
        } else {
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).split(area).to_vec()
        }
    } else if column {
        Layout::vertical([Constraint::Ratio(1, 4); 4]).split(area).to_vec()
    } else {
        let rows = Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).split(area);
        rows.iter()
            .flat_map(|r| {
                Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).split(*r).to_vec()
            })
            .collect()
    };
    for (spec, cell) in specs.iter().zip(cells) {
        draw_chart(f, cell, view, spec, theme, fmt, name);
    }
}

/// `  profile support-bot [team=support use-case=chat] → claude-3-7-sonnet` for an application
/// inference profile ARN; empty otherwise. Names and tags are AWS text: sanitised.
pub fn profile_label(store: &Store, model_id: &str) -> String {
    let Some(p) = store.inference_profiles.get(model_id) else { return String::new() };
    let tags: Vec<String> = p.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let tags = if tags.is_empty() { String::new() } else { format!(" [{}]", tags.join(" ")) };
    let model = p.model_id.as_deref().map(|m| format!(" → {}", short_model_name(m))).unwrap_or_default();
    crate::sanitize::one_line(&format!("  profile {}{tags}{model}", p.name))
}

fn draw_chart(f: &mut Frame, area: Rect, view: Window, spec: &ChartSpec, theme: &Theme, fmt: Fmt, name: Option<&str>) {
    let (x0, x1) = (view.start as f64, view.end as f64);
    let data: Vec<Vec<(f64, f64)>> = spec
        .series
        .iter()
        .map(|(_, s)| s.range(view.start..view.end).map(|(t, v)| (*t as f64, *v)).collect())
        .collect();
    let ymax = data.iter().flatten().map(|(_, v)| *v).fold(0.0_f64, f64::max);
    if data.iter().all(Vec::is_empty) {
        let title = match name {
            Some(n) => format!("{n} · {}", spec.title),
            None => spec.title.to_string(),
        };
        draw_message(f, area, &title, vec![Line::styled("no data in the window", theme.muted())], theme);
        return;
    }
    let ymax = if ymax <= 0.0 { 1.0 } else { ymax * 1.1 };
    let datasets: Vec<Dataset> = spec
        .series
        .iter()
        .zip(&data)
        .enumerate()
        .map(|(i, ((name, _), d))| {
            Dataset::default()
                .name(*name)
                .marker(theme.marker())
                .graph_type(GraphType::Line)
                .style(Style::default().fg(theme.chart[i % theme.chart.len()]))
                .data(d)
        })
        .collect();
    let mid = (x0 + x1) / 2.0;
    let x_labels = vec![
        Span::styled(fmt.hhmm(x0 as i64), theme.muted()),
        Span::styled(fmt.hhmm(mid as i64), theme.muted()),
        Span::styled(fmt.hhmm(x1 as i64), theme.muted()),
    ];
    let y_labels = vec![Span::styled("0", theme.muted()), Span::styled((spec.unit)(ymax / 1.1), theme.muted())];
    // series names in the title, in their colours (a legend box would cover the data)
    let mut title = match name {
        Some(n) => vec![Span::styled(format!(" {n} · {} ", spec.title), theme.title())],
        None => vec![Span::styled(format!(" {} ", spec.title), theme.title())],
    };
    for (i, (name, _)) in spec.series.iter().enumerate() {
        title.push(Span::styled(
            format!("{}{name} ", theme.glyph("━", "-")),
            Style::default().fg(theme.chart[i % theme.chart.len()]),
        ));
    }
    let block = ratatui::widgets::Block::default()
        .borders(ratatui::widgets::Borders::ALL)
        .border_set(theme.border_set())
        .border_style(theme.border(false))
        .title(Line::from(title));
    let chart = Chart::new(datasets)
        .block(block)
        .x_axis(Axis::default().bounds([x0, x1]).labels(x_labels).style(theme.muted()))
        .y_axis(Axis::default().bounds([0.0, ymax]).labels(y_labels).style(theme.muted()))
        .legend_position(None);
    f.render_widget(chart, area);
}
