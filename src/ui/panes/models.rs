//! Models: one row per model and region with invocations, latency percentiles, TTFT, tokens,
//! cost, recent burn ($/h), 4xx, 5xx, throttles and quota; sortable; Enter opens the model's
//! charts. The group key turns the table into one row per base model (regions and cross-region
//! inference ids summed, the percentiles the worst member's, marked `^`).
//!
//! Columns are dropped least-important first to fit the width, the name column is as wide as
//! its longest name, and spare room shows the selected row's charts: below a short table (a row
//! of two when fewer than 16 rows are left), beside a long one.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table, TableState};

use super::model_detail::{self, ModelDetailState};
use super::overview::{error_level, latency_level};
use super::{block, draw_message, placeholder};
use crate::domain::catalog::short_model_name;
use crate::domain::window::Window;
use crate::present::format::{self, Fmt, NONE};
use crate::present::views::ModelGroup;
use crate::store::Store;
use crate::store::models::ModelRow;
use crate::ui::action::Action;
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
    /// Recent burn, per hour.
    CostPerHour,
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
        Self::CostPerHour,
        Self::ClientErrors,
        Self::ServerErrors,
        Self::Throttles,
        Self::Quota,
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
        Self::CostPerHour,
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
        Self::CostPerHour,
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
            Self::CostPerHour => "$/h",
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
            Self::Cost | Self::CostPerHour => 8,
            Self::Ttft => 7,
            Self::Throttles => 10,
            Self::ClientErrors | Self::ServerErrors => 5,
            _ => 6,
        }
    }

    /// The column's width; the model column is `name_w` wide (its longest name).
    pub fn constraint(self, name_w: u16) -> Constraint {
        Constraint::Length(if self == Self::Model { name_w } else { self.width() })
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
            Self::CostPerHour => m.usd_per_hour,
            Self::ClientErrors => m.client_errors,
            Self::ServerErrors => m.server_errors,
            Self::Throttles => m.throttles,
            Self::Quota => m.quota_pct,
            Self::Model | Self::Region => None,
        };
        v.unwrap_or(-1.0)
    }
}

/// The columns of `wanted` that fit in `width`, in display order, dropping the least important;
/// the model column is `name_w` wide.
pub fn visible_columns(width: u16, multi_region: bool, wanted: &[Column], name_w: u16) -> Vec<Column> {
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
        let w = if *c == Column::Model { name_w } else { c.width() } + 1;
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
                // an application inference profile by its name (`@support-bot`)
                Column::Model => match &m.profile_name {
                    Some(n) => (format!("@{}", crate::sanitize::one_line(n)), Level::None),
                    None => (short_model_name(&m.model_id), Level::None),
                },
                Column::Region => (format::region_label(&m.region, c.width() as usize), Level::None),
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
                Column::CostPerHour => (format::opt(m.usd_per_hour, format::usd), Level::None),
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

/// The mark of a percentile that is the worst member's of a grouped row, not the group's own.
pub const WORST_MARK: &str = "^";

/// The table's rows: [`group_cells`] of each, with a split row's cross-region prefix shown when
/// another row of its region has the same short name (`global.claude-haiku-4-5` beside the
/// in-region `claude-haiku-4-5`).
pub fn table_rows<'a>(rows: &[ModelGroup], cols: &[Column], theme: &Theme) -> Vec<Row<'a>> {
    rows.iter().zip(name_overrides(rows)).map(|(g, name)| Row::new(group_cells(g, name, cols, theme))).collect()
}

/// Per row, the name to show instead of the short name: the cross-region prefix when another row
/// of its region has the same short name.
fn name_overrides(rows: &[ModelGroup]) -> Vec<Option<String>> {
    let short = |g: &ModelGroup| (g.row.region.clone(), short_model_name(&g.row.model_id));
    let mut seen: std::collections::BTreeMap<(String, String), std::collections::BTreeSet<&str>> = Default::default();
    for g in rows {
        seen.entry(short(g)).or_default().insert(&g.row.model_id);
    }
    rows.iter()
        .map(|g| {
            let ambiguous = !g.is_merged() && seen.get(&short(g)).is_some_and(|ids| ids.len() > 1);
            ambiguous.then(|| {
                let id = g.row.model_id.as_str();
                let base = crate::domain::catalog::base_model_id(id);
                let prefix = if id.starts_with("arn:") { "" } else { id.strip_suffix(base).unwrap_or("") };
                format!("{}{}", crate::sanitize::one_line(prefix), short_model_name(id))
            })
        })
        .collect()
}

/// The names the model column shows, row by row (a group's without its member count).
fn shown_names(rows: &[ModelGroup]) -> Vec<String> {
    rows.iter()
        .zip(name_overrides(rows))
        .map(|(g, name)| {
            name.unwrap_or_else(|| match &g.row.profile_name {
                Some(n) => format!("@{}", crate::sanitize::one_line(n)),
                None => short_model_name(&g.row.model_id),
            })
        })
        .collect()
}

/// The width of the model column for `rows`: its longest name as shown (at least the title's,
/// at most 40 columns).
pub fn name_width(rows: &[ModelGroup]) -> u16 {
    let longest = rows
        .iter()
        .zip(shown_names(rows))
        .map(|(g, name)| {
            let n = name.chars().count();
            if g.is_merged() { n + format!(" ({})", g.members.len()).len() } else { n }
        })
        .max()
        .unwrap_or(0);
    longest.clamp(Column::Model.title().len(), 40) as u16
}

/// The table's width: the columns, one space between, and the borders.
pub fn table_width(cols: &[Column], name_w: u16) -> u16 {
    cols.iter().map(|c| if *c == Column::Model { name_w } else { c.width() }).sum::<u16>()
        + cols.len().saturating_sub(1) as u16
        + 2
}

/// The cells of one table row: [`model_cells`] with `name` in the model column when given, and
/// for a row that groups several, the count in the name and the percentiles marked as the worst
/// member's.
pub fn group_cells<'a>(g: &ModelGroup, name: Option<String>, cols: &[Column], theme: &Theme) -> Vec<Cell<'a>> {
    let mut cells = model_cells(&g.row, cols, theme);
    if let (Some(name), Some(i)) = (&name, cols.iter().position(|c| *c == Column::Model)) {
        cells[i] = Cell::from(Line::from(Span::styled(name.clone(), theme.level(Level::None))));
    }
    if !g.is_merged() {
        return cells;
    }
    for (i, c) in cols.iter().enumerate() {
        let (text, level) = match c {
            Column::Model => (format!("{} ({})", short_model_name(&g.row.model_id), g.members.len()), Level::None),
            Column::P50 => (worst(g.row.latency_p50), latency_level(g.row.latency_p50)),
            Column::P90 => (worst(g.row.latency_p90), latency_level(g.row.latency_p90)),
            Column::P99 => (worst(g.row.latency_p99), latency_level(g.row.latency_p99)),
            Column::Ttft => (worst(g.row.ttft_p50), Level::None),
            _ => continue,
        };
        let text = if *c == Column::Model { text } else { format!("{text:>w$}", w = c.width() as usize) };
        cells[i] = Cell::from(Line::from(Span::styled(text, theme.level(level))));
    }
    cells
}

fn worst(v: Option<f64>) -> String {
    match v {
        Some(v) => format!("{WORST_MARK}{}", format::ms(v)),
        None => NONE.to_string(),
    }
}

/// Split or grouped, for titles: ` · by model, ^ = worst member` when grouped.
pub fn grouping_label(grouped: bool) -> &'static str {
    if grouped { " · by model, ^ = worst member" } else { "" }
}

/// Footer hint for the group key: what pressing it does.
pub fn grouping_hint(grouped: bool) -> (Action, &'static str) {
    (Action::GroupModels, if grouped { "split" } else { "by model" })
}

/// The Overview's and the Models pane's tables show one grouping: after the group key, copy the
/// current pane's to the other (each keeps its selection on the same model).
pub fn share_grouping(app: &mut crate::ui::app::App, store: &Store) {
    use super::overview::OverviewPane;
    let grouped = match app.current_kind() {
        PaneKind::Overview => app.pane::<OverviewPane>().map(|p| p.state.grouped),
        PaneKind::Models => app.pane::<ModelsPane>().map(|p| p.state.grouped),
        _ => None,
    };
    let Some(grouped) = grouped else { return };
    if let Some(p) = app.pane_mut::<OverviewPane>() {
        p.state.set_grouped(grouped, store);
    }
    if let Some(p) = app.pane_mut::<ModelsPane>() {
        p.state.set_grouped(grouped, store);
    }
}

/// Which row of `rows` is `ident` (a row's region and model id).
fn position(rows: &[ModelGroup], ident: &(String, String)) -> Option<usize> {
    rows.iter().position(|g| g.row.region == ident.0 && g.row.model_id == ident.1)
}

fn ident(g: &ModelGroup) -> (String, String) {
    (g.row.region.clone(), g.row.model_id.clone())
}

#[derive(Debug, Clone)]
pub struct ModelsState {
    /// `/` narrows the rows by model id or region.
    pub filter: crate::ui::filter::Filter,
    pub selected: usize,
    pub sort: Column,
    pub descending: bool,
    /// One row per base model (regions and cross-region ids summed) instead of per region and id.
    pub grouped: bool,
}

impl Default for ModelsState {
    fn default() -> Self {
        Self { filter: Default::default(), selected: 0, sort: Column::Cost, descending: true, grouped: false }
    }
}

impl ModelsState {
    /// The rows' figures as shown (grouped rows combined), filtered and sorted.
    pub fn rows(&self, store: &Store) -> Vec<ModelRow> {
        self.groups(store).into_iter().map(|g| g.row).collect()
    }

    /// The table's rows, split or grouped, filtered and sorted.
    pub fn groups(&self, store: &Store) -> Vec<ModelGroup> {
        let mut rows = store.model_groups(self.grouped);
        rows.retain(|g| self.filter.matches(&g.search_text()));
        let sort = self.sort;
        rows.sort_by(|a, b| {
            let (a, b) = (&a.row, &b.row);
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

    /// Switch split ↔ grouped, keeping the selection on the same model: a group selects the
    /// row of its busiest member, a row the group it belongs to.
    pub fn set_grouped(&mut self, grouped: bool, store: &Store) {
        if grouped == self.grouped {
            return;
        }
        let before = self.groups(store).get(self.selected).map(|g| {
            let b = g.busiest();
            (b.region.clone(), b.model_id.clone())
        });
        self.grouped = grouped;
        if let Some((region, id)) = before {
            self.selected = self.groups(store).iter().position(|g| g.contains(&region, &id)).unwrap_or(0);
        }
    }

    /// Returns the model to open, if the action opens one; `None` when the key is not ours.
    pub fn handle(&mut self, action: Action, store: &Store, page: usize) -> Option<Option<ModelDetailState>> {
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
            Action::GroupModels => self.set_grouped(!self.grouped, store),
            Action::Select => {
                return Some(self.groups(store).get(self.selected).map(|g| ModelDetailState::of(g, self.grouped)));
            }
            _ => return None,
        }
        Some(None)
    }

    /// A filter key: the selection stays on the same row while it still matches.
    pub fn filter_key(&mut self, key: crossterm::event::KeyEvent, store: &Store) -> bool {
        let before = self.groups(store).get(self.selected).map(ident);
        if !self.filter.key(key) {
            return false;
        }
        let rows = self.groups(store);
        self.selected = before.and_then(|b| position(&rows, &b)).unwrap_or(0);
        true
    }
}

/// The Models pane: the table, and one model's charts when opened.
#[derive(Debug, Default)]
pub struct ModelsPane {
    pub state: ModelsState,
    pub detail: Option<ModelDetailState>,
    /// The quota view, when open (`Q`).
    pub quotas: Option<super::quotas::QuotaViewState>,
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
        if let Some(q) = &mut self.quotas {
            return super::quotas::draw(f, area, ctx.store, q, ctx.theme, ctx.fmt, ctx.now);
        }
        match &self.detail {
            Some(d) => model_detail::draw(f, area, ctx.store, d, ctx.theme, ctx.fmt, ctx.view),
            None => draw(f, area, ctx.store, &mut self.state, ctx.theme, ctx.fmt, ctx.view),
        }
    }
    fn handle(&mut self, action: Action, store: &Store) -> Outcome {
        if action == Action::QuotaView {
            self.quotas = match self.quotas.take() {
                Some(_) => None,
                None => Some(Default::default()),
            };
            return Outcome::Redraw;
        }
        if let Some(q) = &mut self.quotas {
            return if q.handle(action, store, self.page) { Outcome::Redraw } else { Outcome::Ignored };
        }
        if action == Action::ShowTraces {
            // the traces of the model on screen (the open chart, else the selected row); of a
            // grouped row, its busiest member's id (traces are annotated with the id as called)
            let model = match &self.detail {
                Some(d) => Some(d.trace_model(store)),
                None => self.state.groups(store).get(self.state.selected).map(|g| g.busiest().model_id.clone()),
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
            Some(Some(detail)) => {
                self.detail = Some(detail);
                Outcome::Redraw
            }
            Some(None) => Outcome::Redraw,
            None => Outcome::Ignored,
        }
    }
    fn receive(&mut self, intent: &Intent, store: &Store) -> Outcome {
        if *intent == Intent::OpenQuotas {
            self.quotas.get_or_insert_with(Default::default);
            return Outcome::Redraw;
        }
        if let Intent::OpenModel { region, model_id } = intent {
            self.quotas = None;
            // grouped: the group the model belongs to
            let rows = self.state.groups(store);
            let base = crate::domain::catalog::base_model_id(model_id);
            let i = rows
                .iter()
                .position(|g| g.contains(region, model_id))
                .or_else(|| rows.iter().position(|g| self.state.grouped && g.row.model_id == base));
            if let Some(i) = i {
                self.state.selected = i;
            }
            self.detail = Some(match i.and_then(|i| rows.get(i)) {
                Some(g) => ModelDetailState::of(g, self.state.grouped),
                // not listed (filtered out): still the view the table is in
                None if self.state.grouped => {
                    ModelDetailState { grouped: true, ..ModelDetailState::single(region, base) }
                }
                None => ModelDetailState::single(region, model_id),
            });
            return Outcome::Redraw;
        }
        Outcome::None
    }
    fn back(&mut self) -> bool {
        if self.quotas.take().is_some() {
            return true;
        }
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
    fn handle_key(&mut self, key: crossterm::event::KeyEvent, store: &Store) -> Outcome {
        if self.state.filter_key(key, store) { Outcome::Redraw } else { Outcome::None }
    }
    fn hints(&self) -> Vec<(Action, &'static str)> {
        if self.quotas.is_some() {
            vec![(Action::Back, "back"), (Action::Toggle, "heatmap/profiles")]
        } else if self.detail.is_some() {
            vec![(Action::Back, "back"), (Action::ShowTraces, "traces")]
        } else {
            vec![
                (Action::Select, "charts"),
                (Action::SortNext, "sort"),
                (Action::ShowTraces, "traces"),
                grouping_hint(self.state.grouped),
                (Action::QuotaView, "quota use"),
            ]
        }
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

pub fn draw(f: &mut Frame, area: Rect, store: &Store, state: &mut ModelsState, theme: &Theme, fmt: Fmt, view: Window) {
    if let Some((msg, is_err)) = placeholder(store) {
        let style = if is_err { theme.crit() } else { theme.muted() };
        draw_message(f, area, "Models", vec![Line::styled(msg, style)], theme);
        return;
    }
    let rows = state.groups(store);
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
    let multi_region = store.identity.several_scopes();
    // the quota column only when some model has a quota configured
    let wanted: Vec<Column> = Column::ALL
        .iter()
        .copied()
        .filter(|c| *c != Column::Quota || rows.iter().any(|r| r.row.quota_pct.is_some()))
        .collect();
    let name_w = name_width(&rows);
    let cols = visible_columns(area.width.saturating_sub(2), multi_region, &wanted, name_w);
    let header = header_row(&cols, Some((state.sort, state.descending)), theme);
    state.selected = state.selected.min(rows.len().saturating_sub(1));
    let body: Vec<Row> = table_rows(&rows, &cols, theme);
    let widths: Vec<Constraint> = cols.iter().map(|c| c.constraint(name_w)).collect();
    let title = format!(
        "Models ({}){}{} · sort {} · s/S sort · / filter · Enter charts",
        rows.len(),
        grouping_label(state.grouped),
        state.filter.label(),
        state.sort.title(),
    );
    // room to spare: the selected model's charts below the table (a short table), or beside it
    // (a long one, or rows too few for charts below)
    let table_w = table_width(&cols, name_w).max(title.chars().count() as u16 + 4).min(area.width);
    let table_h = (rows.len() as u16 + 3).min(area.height);
    let beside = area.width.saturating_sub(table_w) >= CHARTS_BESIDE_MIN_WIDTH && area.height >= 20;
    let below = area.height.saturating_sub(table_h) >= CHARTS_BELOW_MIN_HEIGHT;
    let (table_area, charts) = if below && !(beside && table_h > area.height / 2) {
        let [a, b] = Layout::vertical([Constraint::Length(table_h), Constraint::Min(0)]).areas(area);
        (a, Some(b))
    } else if beside {
        let [a, b] = Layout::horizontal([Constraint::Length(table_w), Constraint::Min(0)]).areas(area);
        (a, Some(b))
    } else {
        (area, None)
    };
    let t = Table::new(body, widths)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(theme.selected())
        .block(block(&title, theme, true));
    let mut ts = TableState::default().with_selected(Some(state.selected));
    f.render_stateful_widget(t, table_area, &mut ts);
    if let (Some(area), Some(g)) = (charts, rows.get(state.selected)) {
        let name = shown_names(&rows).swap_remove(state.selected);
        model_detail::draw_charts(f, area, store, g, theme, fmt, view, Some(&name));
    }
}

/// Spare columns beside the table that make room for the selected model's charts.
const CHARTS_BESIDE_MIN_WIDTH: u16 = 60;
/// Spare rows below the table that make room for them (a row of two below 16).
const CHARTS_BELOW_MIN_HEIGHT: u16 = 10;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_terminals_keep_the_important_columns() {
        let multi = visible_columns(78, true, Column::ALL, 18);
        assert_eq!(&multi[..2], &[Column::Model, Column::Region]);
        let cols = visible_columns(78, false, Column::ALL, 18);
        assert!(
            cols.contains(&Column::Model)
                && cols.contains(&Column::P99)
                && cols.contains(&Column::Throttles)
                && cols.contains(&Column::Cost)
        );
        assert!(!cols.contains(&Column::Region));
        let wide = visible_columns(200, true, Column::ALL, 18);
        assert_eq!(wide.len(), Column::ALL.len());
        // display order is preserved
        assert_eq!(wide[0], Column::Model);
        assert_eq!(wide[1], Column::Region);
    }
}
