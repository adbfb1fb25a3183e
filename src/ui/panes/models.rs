//! Models: one row per model and region with invocations, latency percentiles, TTFT, tokens,
//! cost, 4xx, 5xx and throttles; sortable; Enter opens the model's charts.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table, TableState};

use super::model_detail::{self, ModelDetailState};
use super::overview::{error_level, latency_level};
use super::{block, draw_message, placeholder};
use crate::domain::catalog::short_model_name;
use crate::store::Store;
use crate::store::views::ModelRow;
use crate::ui::action::Action;
use crate::ui::format::{self, NONE};
use crate::ui::pane::{DrawCtx, Intent, Outcome, Pane, PaneKind};
use crate::ui::theme::{Level, Theme};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Model,
    Region,
    Invocations,
    P50,
    P90,
    P99,
    Ttft,
    InTokens,
    OutTokens,
    Cost,
    ClientErrors,
    ServerErrors,
    Throttles,
    Quota,
}

impl Column {
    /// Display order in the Models pane.
    pub const ALL: &'static [Column] = &[
        Self::Model,
        Self::Region,
        Self::Invocations,
        Self::P50,
        Self::P90,
        Self::P99,
        Self::Ttft,
        Self::InTokens,
        Self::OutTokens,
        Self::Cost,
        Self::ClientErrors,
        Self::ServerErrors,
        Self::Throttles,
        Self::Quota,
    ];
    /// The Overview's compact set.
    pub const OVERVIEW: &'static [Column] = &[
        Self::Model,
        Self::Region,
        Self::Invocations,
        Self::P99,
        Self::ClientErrors,
        Self::ServerErrors,
        Self::Throttles,
        Self::Cost,
    ];
    /// Which columns go first when the terminal is narrow (most important first).
    const PRIORITY: &'static [Column] = &[
        Self::Model,
        Self::P99,
        Self::Throttles,
        Self::Cost,
        Self::Quota,
        Self::Invocations,
        Self::ServerErrors,
        Self::ClientErrors,
        Self::P50,
        Self::OutTokens,
        Self::InTokens,
        Self::P90,
        Self::Ttft,
        Self::Region,
    ];
    /// Sortable columns, in the order `s` cycles through them.
    pub const SORTABLE: &'static [Column] = &[
        Self::Cost,
        Self::Invocations,
        Self::P99,
        Self::P50,
        Self::Throttles,
        Self::Quota,
        Self::ServerErrors,
        Self::ClientErrors,
        Self::OutTokens,
        Self::InTokens,
        Self::Ttft,
        Self::Model,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Self::Model => "Model",
            Self::Region => "Region",
            Self::Invocations => "Invoc",
            Self::P50 => "p50",
            Self::P90 => "p90",
            Self::P99 => "p99",
            Self::Ttft => "TTFTp50",
            Self::InTokens => "TokIn",
            Self::OutTokens => "TokOut",
            Self::Cost => "Cost",
            Self::ClientErrors => "4xx",
            Self::ServerErrors => "5xx",
            Self::Throttles => "Thrtl",
            Self::Quota => "Quota",
        }
    }

    fn width(self) -> u16 {
        match self {
            Self::Model => 18,
            Self::Region => 14,
            Self::Cost => 8,
            Self::Ttft => 7,
            Self::Throttles => 10,
            Self::ClientErrors | Self::ServerErrors => 5,
            _ => 6,
        }
    }

    pub fn constraint(self) -> Constraint {
        if self == Self::Model { Constraint::Min(self.width()) } else { Constraint::Length(self.width()) }
    }

    fn sort_value(self, m: &ModelRow) -> f64 {
        let v = match self {
            Self::Invocations => m.invocations,
            Self::P50 => m.latency_p50,
            Self::P90 => m.latency_p90,
            Self::P99 => m.latency_p99,
            Self::Ttft => m.ttft_p50,
            Self::InTokens => m.input_tokens,
            Self::OutTokens => m.output_tokens,
            Self::Cost => m.cost_usd,
            Self::ClientErrors => m.client_errors,
            Self::ServerErrors => m.server_errors,
            Self::Throttles => m.throttles,
            Self::Quota => m.quota_pct,
            Self::Model | Self::Region => None,
        };
        v.unwrap_or(-1.0)
    }
}

/// The columns of `wanted` that fit in `width`, in display order, dropping the least important.
pub fn visible_columns(width: u16, multi_region: bool, wanted: &[Column]) -> Vec<Column> {
    let mut keep: Vec<Column> = Vec::new();
    let mut used = 0u16;
    // with several regions, two rows of one model differ only by region: keep it early
    let mut priority = Column::PRIORITY.to_vec();
    if multi_region {
        priority.retain(|c| *c != Column::Region);
        priority.insert(1, Column::Region);
    }
    for c in &priority {
        if !wanted.contains(c) || (*c == Column::Region && !multi_region) {
            continue;
        }
        let w = c.width() + 1;
        if used + w <= width || *c == Column::Model {
            keep.push(*c);
            used += w;
        }
    }
    wanted.iter().copied().filter(|c| keep.contains(c)).collect()
}

/// Header cells for `cols`, aligned like the values; `sort` gets an arrow.
pub fn header_row<'a>(cols: &[Column], sort: Option<(Column, bool)>, theme: &Theme) -> Row<'a> {
    Row::new(cols.iter().map(|c| {
        let mut t = c.title().to_string();
        if let Some((s, desc)) = sort
            && s == *c
        {
            t.push(if desc { '▼' } else { '▲' });
        }
        if *c == Column::Model { t } else { format!("{t:>w$}", w = c.width() as usize) }
    }))
    .style(theme.header())
}

/// The cells of one model row for `cols`.
pub fn model_cells<'a>(m: &ModelRow, cols: &[Column], theme: &Theme) -> Vec<Cell<'a>> {
    cols.iter()
        .map(|c| {
            let (text, level) = match c {
                Column::Model => (short_model_name(&m.model_id), Level::None),
                Column::Region => (m.region.clone(), Level::None),
                Column::Invocations => (format::opt(m.invocations, format::count), Level::None),
                Column::P50 => (format::opt(m.latency_p50, format::ms), latency_level(m.latency_p50)),
                Column::P90 => (format::opt(m.latency_p90, format::ms), latency_level(m.latency_p90)),
                Column::P99 => (format::opt(m.latency_p99, format::ms), latency_level(m.latency_p99)),
                Column::Ttft => (format::opt(m.ttft_p50, format::ms), Level::None),
                Column::InTokens => (format::opt(m.input_tokens, format::count), Level::None),
                Column::OutTokens => (format::opt(m.output_tokens, format::count), Level::None),
                Column::Cost => match m.cost_usd {
                    Some(c) => (format::usd(c), Level::None),
                    None if m.tokens().is_some() => ("no price".to_string(), Level::Warn),
                    None => (NONE.to_string(), Level::None),
                },
                Column::ClientErrors => (format::opt(m.client_errors, format::count), Level::None),
                Column::ServerErrors => (
                    format::opt(m.server_errors, format::count),
                    if m.server_errors.unwrap_or(0.0) > 0.0 { Level::Warn } else { Level::None },
                ),
                Column::Quota => (
                    format::opt(m.quota_pct, |p| format!("{p:.0}%")),
                    match m.quota_pct {
                        Some(p) if p >= 95.0 => Level::Crit,
                        Some(p) if p >= 80.0 => Level::Warn,
                        _ => Level::None,
                    },
                ),
                Column::Throttles => match (m.throttles, m.throttle_pct()) {
                    (Some(t), Some(p)) if t > 0.0 => {
                        (format!("{} {}", format::count(t), format::pct(p)), error_level(Some(p)))
                    }
                    (t, _) => (format::opt(t, format::count), Level::None),
                },
            };
            let text = if *c == Column::Model { text } else { format!("{text:>w$}", w = c.width() as usize) };
            Cell::from(Line::from(Span::styled(text, theme.level(level))))
        })
        .collect()
}

#[derive(Debug, Clone)]
pub struct ModelsState {
    /// `/` narrows the rows by model id or region.
    pub filter: crate::ui::filter::Filter,
    pub selected: usize,
    pub sort: Column,
    pub descending: bool,
}

impl Default for ModelsState {
    fn default() -> Self {
        Self { filter: Default::default(), selected: 0, sort: Column::Cost, descending: true }
    }
}

impl ModelsState {
    pub fn rows(&self, store: &Store) -> Vec<ModelRow> {
        let mut rows = store.models();
        rows.retain(|m| self.filter.matches(&format!("{} {}", m.model_id, m.region)));
        let sort = self.sort;
        rows.sort_by(|a, b| {
            let o = if sort == Column::Model {
                short_model_name(&a.model_id).cmp(&short_model_name(&b.model_id))
            } else {
                sort.sort_value(a).total_cmp(&sort.sort_value(b))
            };
            let o = if self.descending { o.reverse() } else { o };
            o.then_with(|| a.model_id.cmp(&b.model_id)).then_with(|| a.region.cmp(&b.region))
        });
        rows
    }

    /// Returns the model to open, if the action opens one; `None` when the key is not ours.
    pub fn handle(&mut self, action: Action, store: &Store, page: usize) -> Option<Option<(String, String)>> {
        let n = self.rows(store).len();
        let last = n.saturating_sub(1);
        match action {
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Down => self.selected = (self.selected + 1).min(last),
            Action::PageUp => self.selected = self.selected.saturating_sub(page.max(1)),
            Action::PageDown => self.selected = (self.selected + page.max(1)).min(last),
            Action::Top => self.selected = 0,
            Action::Bottom => self.selected = last,
            Action::SortNext => {
                let i = Column::SORTABLE.iter().position(|c| *c == self.sort).unwrap_or(0);
                self.sort = Column::SORTABLE[(i + 1) % Column::SORTABLE.len()];
                self.descending = self.sort != Column::Model;
            }
            Action::SortReverse => self.descending = !self.descending,
            Action::Filter => self.filter.start(),
            Action::Select => {
                return Some(self.rows(store).get(self.selected).map(|m| (m.region.clone(), m.model_id.clone())));
            }
            _ => return None,
        }
        Some(None)
    }
}

/// The Models pane: the table, and one model's charts when opened.
#[derive(Debug, Default)]
pub struct ModelsPane {
    pub state: ModelsState,
    pub detail: Option<ModelDetailState>,
    page: usize,
}

impl Pane for ModelsPane {
    fn kind(&self) -> PaneKind {
        PaneKind::Models
    }
    fn title(&self) -> &'static str {
        "Models"
    }
    fn draw(&mut self, f: &mut Frame, area: Rect, ctx: &DrawCtx) {
        self.page = area.height.saturating_sub(4) as usize;
        match &self.detail {
            Some(d) => model_detail::draw(f, area, ctx.store, d, ctx.theme, ctx.view),
            None => draw(f, area, ctx.store, &mut self.state, ctx.theme),
        }
    }
    fn handle(&mut self, action: Action, store: &Store) -> Outcome {
        if action == Action::ShowTraces {
            // the traces of the model on screen (the open chart, else the selected row)
            let model = match &self.detail {
                Some(d) => Some(d.model_id.clone()),
                None => self.state.rows(store).get(self.state.selected).map(|m| m.model_id.clone()),
            };
            return match model {
                Some(m) => {
                    Outcome::Goto(PaneKind::Traces, Intent::TracesFor { model: Some(m), window: None, filter: None })
                }
                None => Outcome::None,
            };
        }
        if self.detail.is_some() {
            return Outcome::Ignored;
        }
        match self.state.handle(action, store, self.page.max(1)) {
            Some(Some((region, model_id))) => {
                self.detail = Some(ModelDetailState { region, model_id });
                Outcome::Redraw
            }
            Some(None) => Outcome::Redraw,
            None => Outcome::Ignored,
        }
    }
    fn receive(&mut self, intent: &Intent, store: &Store) -> Outcome {
        if let Intent::OpenModel { region, model_id } = intent {
            if let Some(i) = self.state.rows(store).iter().position(|m| &m.model_id == model_id && &m.region == region)
            {
                self.state.selected = i;
            }
            self.detail = Some(ModelDetailState { region: region.clone(), model_id: model_id.clone() });
            return Outcome::Redraw;
        }
        Outcome::None
    }
    fn back(&mut self) -> bool {
        if self.detail.take().is_some() {
            return true;
        }
        if !self.state.filter.text.is_empty() {
            self.state.filter = Default::default();
            return true;
        }
        false
    }
    fn captures_input(&self) -> bool {
        self.state.filter.editing
    }
    fn handle_key(&mut self, key: crossterm::event::KeyEvent, _store: &Store) -> Outcome {
        self.state.selected = 0;
        if self.state.filter.key(key) { Outcome::Redraw } else { Outcome::None }
    }
    fn hints(&self) -> Vec<(Action, &'static str)> {
        if self.detail.is_some() {
            vec![(Action::Back, "back"), (Action::ShowTraces, "traces")]
        } else {
            vec![(Action::Select, "charts"), (Action::SortNext, "sort"), (Action::ShowTraces, "traces")]
        }
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

pub fn draw(f: &mut Frame, area: Rect, store: &Store, state: &mut ModelsState, theme: &Theme) {
    if let Some((msg, is_err)) = placeholder(store) {
        let style = if is_err { theme.crit() } else { theme.muted() };
        draw_message(f, area, "Models", vec![Line::styled(msg, style)], theme);
        return;
    }
    let rows = state.rows(store);
    if rows.is_empty() {
        draw_message(
            f,
            area,
            "Models",
            vec![Line::styled(
                if state.filter.text.is_empty() {
                    "No Bedrock model metrics in this window.".to_string()
                } else {
                    format!(
                        "No model matches '{}' (Esc clears the filter).",
                        crate::sanitize::one_line(&state.filter.text)
                    )
                },
                theme.warn(),
            )],
            theme,
        );
        return;
    }
    let multi_region = store.identity.regions.len() > 1;
    // the quota column only when some model has a quota configured
    let wanted: Vec<Column> = Column::ALL
        .iter()
        .copied()
        .filter(|c| *c != Column::Quota || rows.iter().any(|r| r.quota_pct.is_some()))
        .collect();
    let cols = visible_columns(area.width.saturating_sub(2), multi_region, &wanted);
    let header = header_row(&cols, Some((state.sort, state.descending)), theme);
    state.selected = state.selected.min(rows.len().saturating_sub(1));
    let body: Vec<Row> = rows.iter().map(|m| Row::new(model_cells(m, &cols, theme))).collect();
    let widths: Vec<Constraint> = cols.iter().map(|c| c.constraint()).collect();
    let title = format!(
        "Models ({}) · sort {} · s/S sort · / filter · Enter charts{}",
        rows.len(),
        state.sort.title(),
        state.filter.label()
    );
    let t = Table::new(body, widths)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(theme.selected())
        .block(block(&title, theme, true));
    let mut ts = TableState::default().with_selected(Some(state.selected));
    f.render_stateful_widget(t, area, &mut ts);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_terminals_keep_the_important_columns() {
        let multi = visible_columns(78, true, Column::ALL);
        assert_eq!(&multi[..2], &[Column::Model, Column::Region]);
        let cols = visible_columns(78, false, Column::ALL);
        assert!(
            cols.contains(&Column::Model)
                && cols.contains(&Column::P99)
                && cols.contains(&Column::Throttles)
                && cols.contains(&Column::Cost)
        );
        assert!(!cols.contains(&Column::Region));
        let wide = visible_columns(200, true, Column::ALL);
        assert_eq!(wide.len(), Column::ALL.len());
        // display order is preserved
        assert_eq!(wide[0], Column::Model);
        assert_eq!(wide[1], Column::Region);
    }
}
