//! Everything a key can do. Keymaps bind key specs to these names (kebab-case).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Quit,
    Help,
    Back,
    Select,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Top,
    Bottom,
    NextPane,
    PrevPane,
    #[serde(rename = "pane-1")]
    Pane1,
    #[serde(rename = "pane-2")]
    Pane2,
    #[serde(rename = "pane-3")]
    Pane3,
    #[serde(rename = "pane-4")]
    Pane4,
    #[serde(rename = "pane-5")]
    Pane5,
    #[serde(rename = "pane-6")]
    Pane6,
    #[serde(rename = "pane-7")]
    Pane7,
    #[serde(rename = "pane-8")]
    Pane8,
    #[serde(rename = "pane-9")]
    Pane9,
    Refresh,
    SortNext,
    SortReverse,
    /// Narrow the current list locally (`/`).
    Filter,
    /// Expand or collapse the selected node.
    Toggle,
    ExpandAll,
    CollapseAll,
    /// Jump to the next / previous failing item (span, row).
    NextFailure,
    PrevFailure,
    /// Copy the selection's id over OSC 52; `YankAlt` copies the secondary id.
    Yank,
    YankAlt,
    /// Pivot: the traces of the selection's model and window.
    ShowTraces,
    /// Pivot: the log lines of the selection (a trace).
    ShowLogs,
    /// Cycle presets (trace filters, saved queries).
    NextPreset,
    /// Edit (a query, a filter expression).
    Edit,
    /// Cancel what is running (an Insights query).
    Cancel,
    /// Hide or show prompt and completion bodies.
    Redact,
    /// Write the incident report (Markdown) and a snapshot (JSON) to the current directory.
    SaveReport,
    /// Open the `:` command line.
    Command,
    /// Pick the time window (opens the command line with `:since `).
    TimeRange,
    /// Stop the view (polling goes on); again to resume.
    Freeze,
    /// Times in UTC or local time.
    ToggleUtc,
    ZoomIn,
    ZoomOut,
    PanLeft,
    PanRight,
    ZoomReset,
    /// Model tables: one row per region and model id, or one per base model (regions and
    /// cross-region inference ids summed).
    GroupModels,
    /// Models: the quota view (the last 7 days against each quota), or back to the table.
    QuotaView,
}

impl Action {
    /// One line for the help screen.
    pub fn description(self) -> &'static str {
        match self {
            Self::Quit => "quit",
            Self::Help => "this help",
            Self::Back => "back / close",
            Self::Select => "open selected row",
            Self::Up => "move up",
            Self::Down => "move down",
            Self::Left => "scroll left",
            Self::Right => "scroll right",
            Self::PageUp => "page up",
            Self::PageDown => "page down",
            Self::Top => "first row",
            Self::Bottom => "last row",
            Self::NextPane => "next pane",
            Self::PrevPane => "previous pane",
            Self::Pane1 => "pane 1: Overview",
            Self::Pane2 => "pane 2: Models",
            Self::Pane3 => "pane 3",
            Self::Pane4 => "pane 4",
            Self::Pane5 => "pane 5",
            Self::Pane6 => "pane 6",
            Self::Pane7 => "pane 7",
            Self::Pane8 => "pane 8",
            Self::Pane9 => "pane 9",
            Self::Refresh => "refresh now",
            Self::SortNext => "sort: next column",
            Self::SortReverse => "sort: reverse",
            Self::Filter => "filter the list",
            Self::Toggle => "expand / collapse",
            Self::ExpandAll => "expand all",
            Self::CollapseAll => "collapse all",
            Self::NextFailure => "next failure",
            Self::PrevFailure => "previous failure",
            Self::Yank => "copy id (OSC 52)",
            Self::YankAlt => "copy other id",
            Self::ShowTraces => "traces of this",
            Self::ShowLogs => "logs of this",
            Self::NextPreset => "next preset",
            Self::Edit => "edit",
            Self::Cancel => "cancel",
            Self::Redact => "redact bodies",
            Self::SaveReport => "save incident report + snapshot",
            Self::Command => "command line (:models, :since 3h, :q)",
            Self::TimeRange => "time window",
            Self::Freeze => "freeze / resume the view",
            Self::ToggleUtc => "UTC / local time",
            Self::ZoomIn => "chart: zoom in",
            Self::ZoomOut => "chart: zoom out",
            Self::PanLeft => "chart: pan left",
            Self::PanRight => "chart: pan right",
            Self::ZoomReset => "chart: whole window",
            Self::GroupModels => "models: split ↔ by base model",
            Self::QuotaView => "models: quota use, last 7 days",
        }
    }

    /// The kebab-case name used in keymap files.
    pub fn name(self) -> String {
        serde_json::to_value(self).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
    }

    pub fn pane_number(self) -> Option<usize> {
        Some(match self {
            Self::Pane1 => 1,
            Self::Pane2 => 2,
            Self::Pane3 => 3,
            Self::Pane4 => 4,
            Self::Pane5 => 5,
            Self::Pane6 => 6,
            Self::Pane7 => 7,
            Self::Pane8 => 8,
            Self::Pane9 => 9,
            _ => return None,
        })
    }
}
