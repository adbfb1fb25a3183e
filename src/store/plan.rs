//! The polling plan's state as the store keeps it (one per metrics source, from
//! [`crate::sources::plan`]): planned and spent USD an hour, what was slowed.

/// The plan's state, for the status bar and `--once`.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PlanStatus {
    /// The metrics source's scope label.
    pub scope: String,
    pub budget_usd_per_hour: Option<f64>,
    /// What the plan will spend an hour (metrics requested, and the reserve for other calls).
    pub planned_usd_per_hour: f64,
    /// What reading every query every refresh would spend an hour (the plan's saving).
    pub unplanned_usd_per_hour: f64,
    /// Spent over the last hour (or as long as has passed, per hour), after the first load.
    pub spent_usd_per_hour: Option<f64>,
    /// Queries read less often than every period.
    pub slowed: usize,
    pub queries: usize,
    /// The factor the budget stretched intervals by (1: the default plan).
    pub stretch: f64,
    /// Even what is on screen could not be kept at full rate within the budget.
    pub over_budget: bool,
}

/// Every scope's plan as one (sums; the budget is the scopes' shares added up).
pub fn combined<'a>(plans: impl IntoIterator<Item = &'a PlanStatus>) -> Option<PlanStatus> {
    let mut out: Option<PlanStatus> = None;
    for p in plans {
        let o = out.get_or_insert_with(|| PlanStatus { stretch: 1.0, ..Default::default() });
        o.planned_usd_per_hour += p.planned_usd_per_hour;
        o.unplanned_usd_per_hour += p.unplanned_usd_per_hour;
        o.spent_usd_per_hour = match (o.spent_usd_per_hour, p.spent_usd_per_hour) {
            (None, s) | (s, None) => s,
            (Some(a), Some(b)) => Some(a + b),
        };
        o.budget_usd_per_hour = match (o.budget_usd_per_hour, p.budget_usd_per_hour) {
            (None, b) | (b, None) => b,
            (Some(a), Some(b)) => Some(a + b),
        };
        o.slowed += p.slowed;
        o.queries += p.queries;
        o.stretch = o.stretch.max(p.stretch);
        o.over_budget |= p.over_budget;
    }
    out
}
