//! The model table the Overview and the Models pane share: its columns (dropped least-important
//! first to fit the width), the name column as wide as its longest name, a row per model and
//! region or per base model (the percentiles then the worst member's, marked `^`).

use ratatui::layout::Constraint;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row};

use super::text::width;
use super::{error_level, latency_level};
use crate::domain::catalog::short_model_name;
use crate::present::format::{self, NONE};
use crate::present::views::ModelGroup;
use crate::store::models::ModelRow;
use crate::ui::action::Action;
use crate::ui::pane::CommandInfo;
use crate::ui::theme::{Level, Theme};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Model,
    /// The account a row was read from (a monitoring account's source accounts).
    Account,
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
        Self::Account,
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
        Self::Account,
        Self::Model,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Self::Model => "Model",
            Self::Account => "Account",
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
            Self::Account => 13,
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

    pub fn sort_value(self, m: &ModelRow) -> f64 {
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
            Self::Model | Self::Region | Self::Account => None,
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
    // a monitoring account's rows: which account comes before which region
    if wanted.contains(&Column::Account) {
        priority.insert(1, Column::Account);
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
                Column::Region => match (&m.account, m.region.rsplit_once('/')) {
                    // the account has its own column: the region alone here
                    (Some(_), Some((_, r))) => (format::region_label(r, c.width() as usize), Level::None),
                    _ => (format::region_label(&m.region, c.width() as usize), Level::None),
                },
                Column::Account => {
                    (format::clip(crate::store::accounts::scope_account(&m.region), c.width() as usize), Level::None)
                }
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

/// [`table_rows`] of the rows in `range` only (the names still told apart among all `rows`).
pub fn table_rows_in<'a>(
    rows: &[ModelGroup],
    range: std::ops::Range<usize>,
    cols: &[Column],
    theme: &Theme,
) -> Vec<Row<'a>> {
    let (skip, take) = (range.start, range.len());
    rows.iter()
        .zip(name_overrides(rows))
        .skip(skip)
        .take(take)
        .map(|(g, name)| Row::new(group_cells(g, name, cols, theme)))
        .collect()
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
pub fn shown_names(rows: &[ModelGroup]) -> Vec<String> {
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
            let n = width(&name);
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
pub fn grouping_label(grouped: bool, by_account: bool) -> &'static str {
    if by_account {
        " · by account, ^ = worst member"
    } else if grouped {
        " · by model, ^ = worst member"
    } else {
        ""
    }
}

/// The group key's command: what pressing it does (model+region → model → account, when
/// `accounts` are told apart, → model+region).
pub fn grouping_hint(grouped: bool, by_account: bool, accounts: bool) -> CommandInfo {
    let next = match (grouped, by_account) {
        (true, _) if accounts => "by account",
        (true, _) | (false, true) => "split",
        (false, false) => "by model",
    };
    CommandInfo::hint(Action::GroupModels, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_terminals_keep_the_important_columns() {
        let all: Vec<Column> = Column::ALL.iter().copied().filter(|c| *c != Column::Account).collect();
        let multi = visible_columns(78, true, &all, 18);
        assert_eq!(&multi[..2], &[Column::Model, Column::Region]);
        let cols = visible_columns(78, false, &all, 18);
        assert!(
            cols.contains(&Column::Model)
                && cols.contains(&Column::P99)
                && cols.contains(&Column::Throttles)
                && cols.contains(&Column::Cost)
        );
        assert!(!cols.contains(&Column::Region));
        let wide = visible_columns(200, true, &all, 18);
        assert_eq!(wide.len(), all.len());
        // display order is preserved
        assert_eq!(wide[0], Column::Model);
        assert_eq!(wide[1], Column::Region);
        // a monitoring account's rows: the account before the region, and p99, throttles and
        // cost still fit at 80 columns
        let org = visible_columns(78, true, Column::ALL, 18);
        assert_eq!(&org[..3], &[Column::Model, Column::Account, Column::Region]);
        assert!(org.contains(&Column::P99) && org.contains(&Column::Throttles) && org.contains(&Column::Cost));
    }
}
