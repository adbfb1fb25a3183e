//! Models: one row per model and region with invocations, latency percentiles, TTFT, tokens,
//! cost, recent burn ($/h), 4xx, 5xx, throttles and quota; sortable; Enter opens the model's
//! charts. The group key turns the table into one row per base model (regions and cross-region
//! inference ids summed, the percentiles the worst member's, marked `^`).
//!
//! Columns are dropped least-important first to fit the width, the name column is as wide as
//! its longest name, and spare room shows the selected row's charts: below a short table (a row
//! of two when fewer than 16 rows are left), beside a long one.

pub mod detail;
pub mod quotas;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Row, Table, TableState};

use self::detail::ModelDetailState;
use crate::domain::catalog::short_model_name;
use crate::domain::window::Window;
use crate::present::format::Fmt;
use crate::present::views::ModelGroup;
use crate::store::Store;
use crate::store::models::ModelRow;
use crate::ui::action::Action;
use crate::ui::pane::{CommandInfo, Ctx, DrawCtx, Intent, Outcome, Pane, PaneKind, ViewState};
use crate::ui::theme::Theme;
use crate::ui::widgets::model_table::{
    Column, grouping_hint, grouping_label, header_row, name_width, shown_names, table_rows_in, table_width,
    visible_columns,
};
use crate::ui::widgets::text::width;
use crate::ui::widgets::{block, draw_message, placeholder};

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
    /// Accounts are told apart (as of the last frame): the group key has an account grouping.
    pub accounts: bool,
}

impl Default for ModelsState {
    fn default() -> Self {
        Self { filter: Default::default(), selected: 0, sort: Column::Cost, descending: true, accounts: false }
    }
}

impl ModelsState {
    /// The rows' figures as shown (grouped rows combined), filtered and sorted; `grouped` is the
    /// app's view setting.
    pub fn rows(&self, store: &Store, v: ViewState) -> Vec<ModelRow> {
        self.groups(store, v).into_iter().map(|g| g.row).collect()
    }

    /// The table's rows, split or grouped, filtered and sorted.
    pub fn groups(&self, store: &Store, v: ViewState) -> Vec<ModelGroup> {
        let mut rows = crate::present::accounts::model_groups(store, v.grouped, v.by_account);
        if !self.filter.is_empty() {
            rows.retain(|g| self.filter.matches(&g.search_text()));
        }
        let sort = self.sort;
        rows.sort_by(|a, b| {
            let (a, b) = (&a.row, &b.row);
            let o = if sort == Column::Model {
                short_model_name(&a.model_id).cmp(&short_model_name(&b.model_id))
            } else if sort == Column::Account {
                a.region.cmp(&b.region)
            } else {
                sort.sort_value(a).total_cmp(&sort.sort_value(b))
            };
            let o = if self.descending { o.reverse() } else { o };
            o.then_with(|| a.model_id.cmp(&b.model_id)).then_with(|| a.region.cmp(&b.region))
        });
        rows
    }

    /// The table went split ↔ grouped: keep the selection on the same model (a group selects
    /// the row of its busiest member, a row the group it belongs to).
    pub fn regroup(&mut self, store: &Store, before: ViewState, after: ViewState) {
        if before == after {
            return;
        }
        let was = self.groups(store, before).get(self.selected).map(|g| {
            let b = g.busiest();
            (b.region.clone(), b.model_id.clone())
        });
        if let Some((region, id)) = was {
            self.selected = self.groups(store, after).iter().position(|g| g.contains(&region, &id)).unwrap_or(0);
        }
    }

    /// Returns the model to open, if the action opens one; `None` when the key is not ours.
    pub fn handle(
        &mut self,
        action: Action,
        store: &Store,
        page: usize,
        v: ViewState,
    ) -> Option<Option<ModelDetailState>> {
        let n = self.rows(store, v).len();
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
                return Some(self.groups(store, v).get(self.selected).map(|g| ModelDetailState::of(g, v.grouped)));
            }
            _ => return None,
        }
        Some(None)
    }

    /// A filter key: the selection stays on the same row while it still matches.
    pub fn filter_key(&mut self, key: crossterm::event::KeyEvent, store: &Store, v: ViewState) -> bool {
        let before = self.groups(store, v).get(self.selected).map(ident);
        if !self.filter.key(key) {
            return false;
        }
        let rows = self.groups(store, v);
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
    pub quotas: Option<quotas::QuotaViewState>,
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
            return quotas::draw(f, area, ctx.store, q, ctx.theme, ctx.fmt, ctx.now);
        }
        match &self.detail {
            Some(d) => detail::draw(f, area, ctx.store, d, ctx.theme, ctx.fmt, ctx.view),
            None => draw(f, area, ctx.store, &mut self.state, ctx.theme, ctx.fmt, ctx.view, ctx.view_state),
        }
    }
    fn handle(&mut self, action: Action, ctx: &Ctx) -> Outcome {
        let (store, v) = (ctx.store, ctx.view_state);
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
                None => self.state.groups(store, v).get(self.state.selected).map(|g| g.busiest().model_id.clone()),
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
        if action == Action::GroupModels {
            return Outcome::SetView(v.next_grouping(crate::present::accounts::several_accounts(store)));
        }
        match self.state.handle(action, store, self.page.max(1), v) {
            Some(Some(detail)) => {
                self.detail = Some(detail);
                Outcome::Redraw
            }
            Some(None) => Outcome::Redraw,
            None => Outcome::Ignored,
        }
    }
    fn receive(&mut self, intent: &Intent, ctx: &Ctx) -> Outcome {
        let (store, v) = (ctx.store, ctx.view_state);
        if *intent == Intent::OpenQuotas {
            self.quotas.get_or_insert_with(Default::default);
            return Outcome::Redraw;
        }
        if let Intent::OpenModel { region, model_id } = intent {
            self.quotas = None;
            // grouped: the group the model belongs to
            let rows = self.state.groups(store, v);
            let base = crate::domain::catalog::base_model_id(model_id);
            let i = rows
                .iter()
                .position(|g| g.contains(region, model_id))
                .or_else(|| rows.iter().position(|g| v.grouped && g.row.model_id == base));
            if let Some(i) = i {
                self.state.selected = i;
            }
            self.detail = Some(match i.and_then(|i| rows.get(i)) {
                Some(g) => ModelDetailState::of(g, v.grouped),
                // not listed (filtered out): still the view the table is in
                None if v.grouped => ModelDetailState { grouped: true, ..ModelDetailState::single(region, base) },
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
        if !self.state.filter.is_empty() {
            self.state.filter = Default::default();
            return true;
        }
        false
    }
    fn captures_input(&self) -> bool {
        self.state.filter.editing
    }
    fn handle_key(&mut self, key: crossterm::event::KeyEvent, ctx: &Ctx) -> Outcome {
        if self.state.filter_key(key, ctx.store, ctx.view_state) { Outcome::Redraw } else { Outcome::None }
    }
    fn commands(&self, view: &ViewState) -> Vec<CommandInfo> {
        use CommandInfo as C;
        if self.quotas.is_some() {
            vec![
                C::hint(Action::Back, "back"),
                C::hint(Action::Toggle, "heatmap/profiles"),
                C::help(Action::QuotaView, "back to the table"),
            ]
        } else if self.detail.is_some() {
            vec![C::hint(Action::Back, "back"), C::hint(Action::ShowTraces, "traces")]
        } else {
            vec![
                C::hint(Action::Select, "charts"),
                C::hint(Action::SortNext, "sort"),
                C::hint(Action::ShowTraces, "traces"),
                grouping_hint(view.grouped, view.by_account, self.state.accounts),
                C::hint(Action::QuotaView, "quota use"),
                C::help(Action::SortReverse, "reverse the sort"),
                C::help(Action::Filter, "filter by model or region"),
            ]
        }
    }
    fn view_changed(&mut self, before: &ViewState, ctx: &Ctx) {
        self.state.regroup(ctx.store, *before, ctx.view_state);
    }
}

#[allow(clippy::too_many_arguments)]
pub fn draw(
    f: &mut Frame,
    area: Rect,
    store: &Store,
    state: &mut ModelsState,
    theme: &Theme,
    fmt: Fmt,
    view: Window,
    v: ViewState,
) {
    state.accounts = crate::present::accounts::several_accounts(store);
    if let Some((msg, is_err)) = placeholder(store) {
        let style = if is_err { theme.crit() } else { theme.muted() };
        draw_message(f, area, "Models", vec![Line::styled(msg, style)], theme);
        return;
    }
    let rows = state.groups(store, v);
    if rows.is_empty() {
        draw_message(
            f,
            area,
            "Models",
            vec![Line::styled(
                if state.filter.is_empty() {
                    "No Bedrock model metrics in this window.".to_string()
                } else {
                    format!(
                        "No model matches '{}' (Esc clears the filter).",
                        crate::sanitize::one_line(state.filter.text())
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
        .filter(|c| *c != Column::Account || rows.iter().any(|r| r.row.account.is_some()))
        .collect();
    let name_w = name_width(&rows);
    let cols = visible_columns(area.width.saturating_sub(2), multi_region, &wanted, name_w);
    let header = header_row(&cols, Some((state.sort, state.descending)), theme);
    state.selected = state.selected.min(rows.len().saturating_sub(1));

    let widths: Vec<Constraint> = cols.iter().map(|c| c.constraint(name_w)).collect();
    let title = format!(
        "Models ({}){}{} · sort {} · s/S sort · / filter · Enter charts",
        rows.len(),
        grouping_label(v.grouped, v.by_account),
        state.filter.label(),
        state.sort.title(),
    );
    // room to spare: the selected model's charts below the table (a short table), or beside it
    // (a long one, or rows too few for charts below)
    let table_w = table_width(&cols, name_w).max(width(&title) as u16 + 4).min(area.width);
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
    // only the rows that fit are built (2,400 rows cost a frame their cells otherwise): the
    // window ratatui would scroll to from the top, the selected row the last one shown
    let shown = table_area.height.saturating_sub(3).max(1) as usize;
    let offset = state.selected.saturating_sub(shown - 1);
    let body: Vec<Row> = table_rows_in(&rows, offset..(offset + shown).min(rows.len()), &cols, theme);
    let t = Table::new(body, widths)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(theme.selected())
        .block(block(&title, theme, true));
    let mut ts = TableState::default().with_selected(Some(state.selected - offset));
    f.render_stateful_widget(t, table_area, &mut ts);
    // what the polling plan keeps at full rate: the rows drawn
    crate::sources::plan::note_rows(
        rows.iter()
            .skip(offset + ts.offset())
            .take(shown)
            .flat_map(|g| g.members.iter())
            .map(|m| (m.region.as_str(), m.model_id.as_str())),
    );
    if let (Some(area), Some(g)) = (charts, rows.get(state.selected)) {
        let name = shown_names(&rows).swap_remove(state.selected);
        detail::draw_charts(f, area, store, g, theme, fmt, view, Some(&name));
    }
}

/// Spare columns beside the table that make room for the selected model's charts.
const CHARTS_BESIDE_MIN_WIDTH: u16 = 60;
/// Spare rows below the table that make room for them (a row of two below 16).
const CHARTS_BELOW_MIN_HEIGHT: u16 = 10;
