//! Alert-rule evaluation on the store's series, and each rule's state:
//! ok → pending → firing → resolved, with a history of transitions.

use std::collections::BTreeMap;

use super::Store;
use crate::domain::catalog::{BedrockMetric, is_additive};
use crate::domain::rules::{BedrockSignal, Kind, Rule, RuleSet, Severity, Signal};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleState {
    Firing,
    Pending,
    Resolved,
    Ok,
}

impl RuleState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Firing => "firing",
            Self::Pending => "pending",
            Self::Resolved => "resolved",
            Self::Ok => "ok",
        }
    }
}

/// A rule's current standing.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RuleStatus {
    pub name: String,
    pub description: String,
    pub severity: Severity,
    pub state: RuleState,
    /// The latest period's value (what was compared).
    pub value: Option<f64>,
    pub threshold: Option<f64>,
    /// `<`, `>`, `outside 2σ`, or the composite expression.
    pub condition: String,
    /// Since when the rule has been in this state.
    pub since: i64,
    /// Breaching periods among the last `evaluation_periods`.
    pub breaching: i64,
    /// For a rule over a per-model Bedrock signal while it breaches: the models behind it,
    /// worst first (empty for other rules, and while the rule is quiet).
    #[serde(default)]
    pub culprits: Vec<Culprit>,
}

/// A model behind a rule over a per-model Bedrock signal: which model breaches, by how much,
/// and since when.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Culprit {
    pub region: String,
    /// The model id as called (a cross-region or profile id stays as it is).
    pub model: String,
    pub signal: BedrockSignal,
    /// Seconds per period of the rule (a summed signal is per period: $ per minute).
    pub period: i64,
    /// The model's own value in the latest period (the rule's `reduce` over its minutes).
    pub value: f64,
    /// How the value compares with `threshold` when it breaches (`>`: above it).
    pub op: crate::domain::rules::Op,
    /// What that value is compared with: the rule's threshold; for an anomaly rule the edge of
    /// the model's own band (its previous hour); for a summed signal the fleet's threshold.
    pub threshold: Option<f64>,
    /// Start of the model's run of breaching periods that reaches the latest one.
    pub since: i64,
    /// For a summed signal (cost): the model's share of the fleet's figure, in percent.
    pub share_pct: Option<f64>,
    /// For an anomaly rule: the median of the model's previous hour (what "usual" was).
    pub baseline: Option<f64>,
}

/// At most this many culprits per rule.
pub const MAX_CULPRITS: usize = 5;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Transition {
    pub at: i64,
    pub rule: String,
    pub from: RuleState,
    pub to: RuleState,
    pub value: Option<f64>,
}

/// Resolved rules go back to ok after this long without breaching.
pub const RESOLVED_HOLD_SECS: i64 = 300;
const MAX_HISTORY: usize = 500;

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RulesState {
    pub rules: RuleSet,
    pub status: BTreeMap<String, RuleStatus>,
    pub history: Vec<Transition>,
    /// Counts transitions into firing, so the UI rings the bell once per new firing.
    pub firings: u64,
    pub evaluated_at: Option<i64>,
}

/// Per-period values of per-minute points: `reduce` over the minutes of each complete period
/// (ending at or before `end`).
fn periods_of(
    minutes: &BTreeMap<i64, f64>,
    period: i64,
    reduce: crate::domain::rules::Reduce,
    end: i64,
) -> BTreeMap<i64, f64> {
    let mut buckets: BTreeMap<i64, Vec<f64>> = BTreeMap::new();
    for (t, v) in minutes {
        let start = t.div_euclid(period) * period;
        if start + period <= end {
            buckets.entry(start).or_default().push(*v);
        }
    }
    buckets.into_iter().filter_map(|(t, v)| reduce.apply(&v).map(|x| (t, x))).collect()
}

/// Rolling 15-minute spend × 96: the projected $ per day, at each minute of `cost`.
fn rolling_day(cost: &BTreeMap<i64, f64>) -> BTreeMap<i64, f64> {
    cost.keys().map(|t| (*t, cost.range(t - 14 * 60..=*t).map(|(_, v)| v).sum::<f64>() * 96.0)).collect()
}

/// What one evaluation found for one rule.
struct Eval {
    breaching_now: bool,
    fires: bool,
    value: Option<f64>,
    breaching: i64,
}

impl Store {
    /// Per-period values of a rule's signal, complete periods only (ending at or before `end`).
    pub fn signal_periods(
        &self,
        signal: &Signal,
        period: i64,
        reduce: crate::domain::rules::Reduce,
        end: i64,
    ) -> BTreeMap<i64, f64> {
        periods_of(&self.signal_minutes(signal), period, reduce, end)
    }

    /// A signal per minute, from every series that matches it.
    pub fn signal_minutes(&self, signal: &Signal) -> BTreeMap<i64, f64> {
        match signal {
            Signal::Series { namespace, metric, stat } => {
                let mut sums: BTreeMap<i64, (f64, u32)> = BTreeMap::new();
                for (k, s) in self.series() {
                    if k.namespace.eq_ignore_ascii_case(namespace)
                        && k.metric.eq_ignore_ascii_case(metric)
                        && k.stat == *stat
                    {
                        for (t, v) in &s.points {
                            let e = sums.entry(*t).or_default();
                            e.0 += v;
                            e.1 += 1;
                        }
                    }
                }
                let additive = is_additive(stat);
                sums.into_iter().map(|(t, (s, n))| (t, if additive { s } else { s / f64::from(n) })).collect()
            }
            Signal::Bedrock(b) => self.bedrock_signal(*b),
        }
    }

    fn bedrock_signal(&self, b: BedrockSignal) -> BTreeMap<i64, f64> {
        let mut out: BTreeMap<i64, f64> = BTreeMap::new();
        match b {
            // the worst model's figure each minute
            BedrockSignal::ErrorPct | BedrockSignal::ThrottlePct | BedrockSignal::P99Ms => {
                for (_, minutes) in self.bedrock_signal_by_model(b) {
                    for (t, v) in minutes {
                        let e = out.entry(t).or_insert(v);
                        *e = e.max(v);
                    }
                }
            }
            BedrockSignal::CostUsd | BedrockSignal::UsdPerDay => {
                let mut cost: BTreeMap<i64, f64> = BTreeMap::new();
                for (_, minutes) in self.bedrock_signal_by_model(BedrockSignal::CostUsd) {
                    for (t, v) in minutes {
                        *cost.entry(t).or_insert(0.0) += v;
                    }
                }
                if b == BedrockSignal::CostUsd {
                    return cost;
                }
                out = rolling_day(&cost);
            }
        }
        out
    }

    /// A Bedrock signal per minute for each (region, model) on its own: what the fleet figure
    /// is the worst of (percentages, p99) or the sum of (cost).
    pub fn bedrock_signal_by_model(&self, b: BedrockSignal) -> Vec<((String, String), BTreeMap<i64, f64>)> {
        let models: Vec<(String, String)> = self.models().into_iter().map(|m| (m.region, m.model_id)).collect();
        let all = |m: BedrockMetric, stat: &str, region: &str, id: &str| self.model_minutes_all(region, id, m, stat);
        models
            .into_iter()
            .map(|(region, id)| {
                let minutes: BTreeMap<i64, f64> = match b {
                    BedrockSignal::ErrorPct | BedrockSignal::ThrottlePct => {
                        let inv = all(BedrockMetric::Invocations, "Sum", &region, &id);
                        let (num, thr) = if b == BedrockSignal::ThrottlePct {
                            (all(BedrockMetric::Throttles, "Sum", &region, &id), true)
                        } else {
                            let mut e = all(BedrockMetric::ClientErrors, "Sum", &region, &id);
                            for (t, v) in all(BedrockMetric::ServerErrors, "Sum", &region, &id) {
                                *e.entry(t).or_insert(0.0) += v;
                            }
                            (e, false)
                        };
                        num.iter()
                            .filter_map(|(t, n)| {
                                let i = inv.get(t).copied().unwrap_or(0.0);
                                let total = if thr { i + n } else { i };
                                // a model with a handful of calls in a minute is noise, not a rate
                                (total >= 10.0).then(|| (*t, n / total * 100.0))
                            })
                            .collect()
                    }
                    BedrockSignal::P99Ms => all(BedrockMetric::Latency, "p99", &region, &id),
                    BedrockSignal::CostUsd => self.model_cost_minutes_all(&region, &id).unwrap_or_default(),
                    BedrockSignal::UsdPerDay => {
                        rolling_day(&self.model_cost_minutes_all(&region, &id).unwrap_or_default())
                    }
                };
                ((region, id), minutes)
            })
            .collect()
    }

    /// The models behind a rule over a per-model Bedrock signal, worst first, as of the period
    /// ending at `end`. Percentages and p99 are the worst model's each minute, so a model is a
    /// culprit when its own figure breaches the rule; cost is summed over the models, so the
    /// culprits are the few that make up most of it; an anomaly rule judges each model against
    /// its own previous hour (and names the one that rose most when none does on its own).
    pub fn culprits(&self, r: &Rule, end: i64) -> Vec<Culprit> {
        let Some(Signal::Bedrock(b)) = r.signal else { return Vec::new() };
        // the start of the latest complete period (periods are aligned to their length)
        let newest = end.div_euclid(r.period) * r.period - r.period;
        let summed = matches!(b, BedrockSignal::CostUsd | BedrockSignal::UsdPerDay);
        let below = matches!(r.op, crate::domain::rules::Op::Lt | crate::domain::rules::Op::Le);
        let per: Vec<((String, String), BTreeMap<i64, f64>)> = self
            .bedrock_signal_by_model(b)
            .into_iter()
            .map(|(m, minutes)| (m, periods_of(&minutes, r.period, r.reduce, end)))
            .collect();
        let culprit = |(region, model): &(String, String), value, threshold, since, share_pct| Culprit {
            region: region.clone(),
            model: model.clone(),
            signal: b,
            period: r.period,
            value,
            op: r.op,
            threshold,
            since,
            share_pct,
            baseline: None,
        };
        // walk back from the newest period while `breaches` holds
        let run_start = |periods: &BTreeMap<i64, f64>, breaches: &dyn Fn(f64) -> bool| {
            let mut t = newest;
            while periods.get(&(t - r.period)).is_some_and(|v| breaches(*v)) {
                t -= r.period;
            }
            t
        };
        let mut out: Vec<Culprit> = Vec::new();
        match r.kind {
            Kind::Composite => return Vec::new(),
            Kind::Threshold if summed => {
                let Some(thr) = r.threshold else { return Vec::new() };
                let fleet = self.signal_periods(r.signal.as_ref().expect("a signal"), r.period, r.reduce, end);
                if !fleet.get(&newest).is_some_and(|v| r.op.breaches(*v, thr)) {
                    return Vec::new();
                }
                let since = run_start(&fleet, &|v| r.op.breaches(v, thr));
                let mut vals: Vec<(&(String, String), f64)> =
                    per.iter().filter_map(|(m, p)| p.get(&newest).filter(|v| **v > 0.0).map(|v| (m, *v))).collect();
                vals.sort_by(|a, b| b.1.total_cmp(&a.1));
                let total: f64 = vals.iter().map(|(_, v)| v).sum();
                let mut covered = 0.0;
                for (m, v) in vals {
                    if covered >= total / 2.0 {
                        break;
                    }
                    covered += v;
                    out.push(culprit(m, v, Some(thr), since, Some(v / total * 100.0)));
                }
            }
            Kind::Threshold => {
                let Some(thr) = r.threshold else { return Vec::new() };
                for (m, periods) in &per {
                    if let Some(v) = periods.get(&newest).filter(|v| r.op.breaches(**v, thr)) {
                        let since = run_start(periods, &|x| r.op.breaches(x, thr));
                        out.push(culprit(m, *v, Some(thr), since, None));
                    }
                }
            }
            Kind::Anomaly => {
                let total: f64 = per.iter().filter_map(|(_, p)| p.get(&newest)).sum();
                let share = |v: f64| (summed && total > 0.0).then(|| v / total * 100.0);
                // the one that rose most: (model, rise over its median, value, band edge, median)
                type Rise<'a> = (&'a (String, String), f64, f64, f64, f64);
                let mut rise: Option<Rise> = None;
                for (m, periods) in &per {
                    let Some(&last) = periods.get(&newest) else { continue };
                    // a summed figure is zero in a period without data (an idle model woke up)
                    let baseline: Vec<f64> = if summed {
                        (newest - 3600..newest)
                            .step_by(r.period as usize)
                            .map(|t| periods.get(&t).copied().unwrap_or(0.0))
                            .collect()
                    } else {
                        periods.range(newest - 3600..newest).map(|(_, v)| *v).collect()
                    };
                    if baseline.len() < 4 {
                        continue;
                    }
                    let (median, sigma) = crate::domain::stats::robust_sigma(&baseline);
                    let down = if r.two_sided { last < median } else { below };
                    let edge = if down { median - r.band * sigma } else { median + r.band * sigma };
                    let beyond = |v: f64| if down { v < edge } else { v > edge };
                    let op = if down { crate::domain::rules::Op::Lt } else { crate::domain::rules::Op::Gt };
                    if beyond(last) {
                        let c = culprit(m, last, Some(edge), run_start(periods, &beyond), share(last));
                        out.push(Culprit { baseline: Some(median), op, ..c });
                    } else if !down && rise.is_none_or(|x| last - median > x.1) {
                        rise = Some((m, last - median, last, edge, median));
                    }
                }
                // the sum is out of its band while no model is on its own: the one that rose most
                if out.is_empty()
                    && summed
                    && let Some((m, _, last, edge, median)) = rise.filter(|x| x.1 > 0.0)
                {
                    out.push(Culprit { baseline: Some(median), ..culprit(m, last, Some(edge), newest, share(last)) });
                }
            }
        }
        out.sort_by(|a, b| if below { a.value.total_cmp(&b.value) } else { b.value.total_cmp(&a.value) });
        out.truncate(MAX_CULPRITS);
        out
    }

    /// Evaluate every rule at `now` (epoch seconds; the minute in progress is left out) and
    /// record transitions. Called after each metrics update.
    pub fn evaluate_rules(&mut self, now: i64) {
        // complete minutes only: the one in progress is still filling (and CloudWatch data
        // arrives late), so a minute counts once it is over
        let end = now.div_euclid(60) * 60;
        let rules = self.rules.rules.rules.clone();
        let mut results: BTreeMap<String, Eval> = BTreeMap::new();
        for r in rules.iter().filter(|r| r.kind != Kind::Composite) {
            results.insert(r.name.clone(), self.eval_rule(r, end));
        }
        // composites see the other rules' firing state after this evaluation
        for r in rules.iter().filter(|r| r.kind == Kind::Composite) {
            let fires = r.expr.as_ref().is_some_and(|e| e.eval(&|n: &str| results.get(n).is_some_and(|x| x.fires)));
            results
                .insert(r.name.clone(), Eval { breaching_now: fires, fires, value: None, breaching: i64::from(fires) });
        }
        for r in &rules {
            let Some(e) = results.remove(&r.name) else { continue };
            let culprits = if e.fires || e.breaching_now { self.culprits(r, end) } else { Vec::new() };
            // the minute that completed, not the rounded-up end of the window
            self.transition(r, e, end, culprits);
        }
        self.rules.status.retain(|name, _| rules.iter().any(|r| &r.name == name));
        self.rules.evaluated_at = Some(now);
    }

    /// `end`: the end of the last complete minute.
    fn eval_rule(&self, r: &Rule, end: i64) -> Eval {
        let Some(signal) = &r.signal else {
            return Eval { breaching_now: false, fires: false, value: None, breaching: 0 };
        };
        let periods = self.signal_periods(signal, r.period, r.reduce, end);
        match r.kind {
            Kind::Anomaly => {
                let Some((&last_t, &last)) = periods.iter().next_back() else {
                    return Eval { breaching_now: false, fires: false, value: None, breaching: 0 };
                };
                let baseline: Vec<f64> = periods.range(last_t - 3600..last_t).map(|(_, v)| *v).collect();
                if baseline.len() < 4 {
                    return Eval { breaching_now: false, fires: false, value: Some(last), breaching: 0 };
                }
                let (median, sigma) = crate::domain::stats::robust_sigma(&baseline);
                let dev = last - median;
                let out = if r.two_sided {
                    dev.abs() > r.band * sigma
                } else if matches!(r.op, crate::domain::rules::Op::Lt | crate::domain::rules::Op::Le) {
                    -dev > r.band * sigma
                } else {
                    dev > r.band * sigma
                };
                Eval { breaching_now: out, fires: out, value: Some(last), breaching: i64::from(out) }
            }
            _ => {
                let threshold = r.threshold.unwrap_or(0.0);
                let last: Vec<(i64, f64)> =
                    periods.iter().rev().take(r.evaluation_periods as usize).map(|(t, v)| (*t, *v)).collect();
                // the newest period must be the one ending at `end`, else its data is missing
                let newest_expected = end - r.period;
                let breaching = last
                    .iter()
                    .filter(|(t, v)| {
                        *t > newest_expected - r.evaluation_periods * r.period && r.op.breaches(*v, threshold)
                    })
                    .count() as i64;
                let breaching_now =
                    last.first().is_some_and(|(t, v)| *t >= newest_expected - r.period && r.op.breaches(*v, threshold));
                Eval {
                    breaching_now,
                    fires: breaching >= r.datapoints,
                    value: last.first().map(|(_, v)| *v),
                    breaching,
                }
            }
        }
    }

    fn transition(&mut self, r: &Rule, e: Eval, now: i64, culprits: Vec<Culprit>) {
        let prev = self.rules.status.get(&r.name).cloned();
        let prev_state = prev.as_ref().map(|p| p.state).unwrap_or(RuleState::Ok);
        let next = if e.fires {
            RuleState::Firing
        } else if e.breaching_now || (e.breaching > 0 && prev_state == RuleState::Pending) {
            if prev_state == RuleState::Firing { RuleState::Resolved } else { RuleState::Pending }
        } else {
            match prev_state {
                RuleState::Firing => RuleState::Resolved,
                RuleState::Resolved if now - prev.as_ref().map(|p| p.since).unwrap_or(now) < RESOLVED_HOLD_SECS => {
                    RuleState::Resolved
                }
                _ => RuleState::Ok,
            }
        };
        let since = match &prev {
            Some(p) if p.state == next => p.since,
            _ => now,
        };
        if next != prev_state || prev.is_none() && next != RuleState::Ok {
            if next == RuleState::Firing {
                self.rules.firings += 1;
            }
            self.rules.history.push(Transition {
                at: now,
                rule: r.name.clone(),
                from: prev_state,
                to: next,
                value: e.value,
            });
            if self.rules.history.len() > MAX_HISTORY {
                self.rules.history.remove(0);
            }
        }
        let condition = match r.kind {
            Kind::Threshold => format!("{} {}", r.op.symbol(), r.threshold.unwrap_or_default()),
            Kind::Anomaly if r.two_sided => format!("outside {}σ of the previous hour", r.band),
            Kind::Anomaly if r.op.symbol().starts_with('<') => format!("more than {}σ below the previous hour", r.band),
            Kind::Anomaly => format!("more than {}σ above the previous hour", r.band),
            Kind::Composite => r.expr.as_ref().map(|_| "composite".to_string()).unwrap_or_default(),
        };
        self.rules.status.insert(
            r.name.clone(),
            RuleStatus {
                name: r.name.clone(),
                description: r.description.clone(),
                severity: r.severity,
                state: next,
                value: e.value,
                threshold: r.threshold,
                condition,
                since,
                breaching: e.breaching,
                culprits,
            },
        );
    }

    /// Rules by urgency: firing (critical first), pending, resolved, ok.
    pub fn rule_statuses(&self) -> Vec<RuleStatus> {
        let mut v: Vec<RuleStatus> = self.rules.status.values().cloned().collect();
        v.sort_by(|a, b| a.state.cmp(&b.state).then(b.severity.cmp(&a.severity)).then(a.since.cmp(&b.since)));
        v
    }

    /// Firing rules, plus each caller or session over its runaway ceiling (as a critical rule).
    pub fn firing_rules(&self) -> Vec<RuleStatus> {
        let mut v: Vec<RuleStatus> =
            self.rule_statuses().into_iter().filter(|r| r.state == RuleState::Firing).collect();
        v.extend(self.runaway.firing());
        v.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.since.cmp(&b.since)));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::BEDROCK_NAMESPACE;
    use crate::domain::pricing::PriceTable;
    use crate::domain::window::Window;
    use crate::store::{MetricsUpdate, SeriesKey, Update};

    const T0: i64 = 1_800_000_000; // minute- and 5-minute-aligned

    fn store() -> Store {
        let mut s = Store::new(PriceTable::default(), vec![]);
        s.rules.rules = RuleSet::builtin();
        s
    }

    /// Feed per-minute values of one series, minute by minute, evaluating after each like the
    /// console does; returns the state after each minute.
    fn feed(s: &mut Store, key: &SeriesKey, values: &[f64]) -> Vec<Option<RuleState>> {
        let name = rule_for(&key.metric);
        let mut out = Vec::new();
        for (i, v) in values.iter().enumerate() {
            let t = T0 + i as i64 * 60;
            s.apply(Update::Metrics(MetricsUpdate {
                window: Window { start: T0 - 3600, end: t + 60 },
                period: 60,
                resolution: Default::default(),
                series: vec![(key.clone(), vec![(t, *v)])],
                window_values: vec![],
            }));
            s.evaluate_rules(t + 60);
            out.push(s.rules.status.get(name).map(|r| r.state));
        }
        out
    }

    fn rule_for(metric: &str) -> &'static str {
        match metric {
            "Faithfulness" => "RAG-Quality-Degradation",
            "EndToEndLatency" => "RAG-High-Latency-P95",
            "TotalCost" => "RAG-Cost-Spike",
            "ErrorRate" => "RAG-High-Error-Rate",
            "RetrievalErrors" => "RAG-Retrieval-Failures",
            _ => "",
        }
    }

    fn key(ns: &str, m: &str, stat: &str) -> SeriesKey {
        SeriesKey::new("us-east-1", ns, m, &[], stat)
    }

    #[test]
    fn faithfulness_fires_after_two_bad_periods_and_resolves() {
        let mut s = store();
        let k = key("GenAI/Quality", "Faithfulness", "Average");
        let mut v = vec![0.9; 5]; // period 1 fine
        v.extend([0.7; 5]); // period 2 bad → pending
        v.extend([0.7; 5]); // period 3 bad → firing
        v.extend([0.9; 5]); // period 4 fine → resolved
        let states = feed(&mut s, &k, &v);
        assert_eq!(states[4], Some(RuleState::Ok));
        assert_eq!(states[9], Some(RuleState::Pending));
        assert_eq!(states[14], Some(RuleState::Firing));
        assert_eq!(states[19], Some(RuleState::Resolved));
        let st = &s.rules.status["RAG-Quality-Degradation"];
        assert!((st.value.unwrap() - 0.9).abs() < 1e-9);
        assert_eq!(s.rules.firings, 1);
        let h: Vec<(RuleState, RuleState)> =
            s.rules.history.iter().filter(|t| t.rule == "RAG-Quality-Degradation").map(|t| (t.from, t.to)).collect();
        assert_eq!(
            h,
            vec![
                (RuleState::Ok, RuleState::Pending),
                (RuleState::Pending, RuleState::Firing),
                (RuleState::Firing, RuleState::Resolved)
            ]
        );
        // the critical rule (< 0.60) never fired on 0.7
        assert_eq!(s.rules.status["RAG-Faithfulness-Critical"].state, RuleState::Ok);
    }

    #[test]
    fn critical_faithfulness_fires_in_one_period() {
        let mut s = store();
        let k = key("GenAI/Quality", "Faithfulness", "Average");
        feed(&mut s, &k, &[0.5; 5]);
        assert_eq!(s.rules.status["RAG-Faithfulness-Critical"].state, RuleState::Firing);
    }

    #[test]
    fn p95_latency_two_of_three() {
        let mut s = store();
        let k = key("GenAI/Performance", "EndToEndLatency", "p95");
        let mut v = vec![6000.0; 5];
        v.extend([1000.0; 5]);
        v.extend([6000.0; 5]);
        let states = feed(&mut s, &k, &v);
        assert_eq!(states[4], Some(RuleState::Pending));
        assert_eq!(states[9], Some(RuleState::Pending), "one of three so far, the latest fine");
        assert_eq!(states[14], Some(RuleState::Firing), "two of three");
    }

    #[test]
    fn cost_spike_retrieval_errors_and_error_rate() {
        let mut s = store();
        feed(&mut s, &key("GenAI/Cost", "TotalCost", "Sum"), &[11.0; 5]);
        assert_eq!(s.rules.status["RAG-Cost-Spike"].state, RuleState::Firing);
        assert!((s.rules.status["RAG-Cost-Spike"].value.unwrap() - 55.0).abs() < 1e-9);
        let mut s = store();
        feed(&mut s, &key("GenAI/Cost", "TotalCost", "Sum"), &[9.0; 5]);
        assert_eq!(s.rules.status["RAG-Cost-Spike"].state, RuleState::Ok);

        let mut s = store();
        feed(&mut s, &key("GenAI/Errors", "RetrievalErrors", "Sum"), &[3.0; 5]);
        assert_eq!(s.rules.status["RAG-Retrieval-Failures"].state, RuleState::Firing);

        let mut s = store();
        feed(&mut s, &key("GenAI/Errors", "ErrorRate", "Average"), &[6.0; 5]);
        assert_eq!(s.rules.status["RAG-High-Error-Rate"].state, RuleState::Firing);
    }

    #[test]
    fn composite_needs_quality_or_latency_and_errors() {
        let mut s = store();
        let mut series = Vec::new();
        for i in 0..10 {
            let t = T0 + i * 60;
            series.push((key("GenAI/Quality", "Faithfulness", "Average"), vec![(t, 0.7)]));
            series.push((key("GenAI/Errors", "ErrorRate", "Average"), vec![(t, 8.0)]));
        }
        s.apply(Update::Metrics(MetricsUpdate {
            window: Window { start: T0 - 3600, end: T0 + 600 },
            period: 60,
            resolution: Default::default(),
            series,
            window_values: vec![],
        }));
        s.evaluate_rules(T0 + 600);
        assert_eq!(s.rules.status["RAG-System-Degraded"].state, RuleState::Firing);
        let firing: Vec<String> = s.firing_rules().into_iter().map(|r| r.name).collect();
        assert_eq!(firing[0], "RAG-High-Error-Rate", "critical first: {firing:?}");
    }

    #[test]
    fn latency_anomaly_against_the_previous_hour() {
        let mut s = store();
        let k = key("GenAI/Performance", "EndToEndLatency", "Average");
        let mut v: Vec<f64> = (0..60).map(|i| 1000.0 + (i % 7) as f64 * 20.0).collect();
        v.extend([4000.0; 5]);
        feed(&mut s, &k, &v);
        assert_eq!(s.rules.status["RAG-Latency-Anomaly"].state, RuleState::Firing);
    }

    #[test]
    fn quiet_baseline_fires_nothing() {
        let mut s = store();
        let mut series = Vec::new();
        for i in 0..90 {
            let t = T0 + i * 60;
            let wob = (i % 5) as f64;
            series.push((key("GenAI/Quality", "Faithfulness", "Average"), vec![(t, 0.9 + wob * 0.005)]));
            series.push((key("GenAI/Performance", "EndToEndLatency", "Average"), vec![(t, 1500.0 + wob * 30.0)]));
            series.push((key("GenAI/Performance", "EndToEndLatency", "p95"), vec![(t, 3000.0 + wob * 50.0)]));
            series.push((key("GenAI/Cost", "TotalCost", "Sum"), vec![(t, 1.5 + wob * 0.1)]));
            series.push((key("GenAI/Errors", "ErrorRate", "Average"), vec![(t, 0.5)]));
            series.push((key("GenAI/Errors", "RetrievalErrors", "Sum"), vec![(t, (i % 2) as f64)]));
            let m = |metric: &str| {
                SeriesKey::new("us-east-1", BEDROCK_NAMESPACE, metric, &[("ModelId", "amazon.nova-pro-v1:0")], "Sum")
            };
            series.push((m("Invocations"), vec![(t, 100.0)]));
            series.push((m("InvocationThrottles"), vec![(t, (i % 3) as f64)]));
            series.push((m("InputTokenCount"), vec![(t, 100_000.0)]));
        }
        s.apply(Update::Metrics(MetricsUpdate {
            window: Window { start: T0, end: T0 + 90 * 60 },
            period: 60,
            resolution: Default::default(),
            series,
            window_values: vec![],
        }));
        for i in 60..=90 {
            s.evaluate_rules(T0 + i * 60);
        }
        let noisy: Vec<(String, RuleState)> =
            s.rules.status.values().filter(|r| r.state != RuleState::Ok).map(|r| (r.name.clone(), r.state)).collect();
        assert!(noisy.is_empty(), "{noisy:?}");
        assert_eq!(s.rules.firings, 0);
    }

    #[test]
    fn bedrock_throttling_rule() {
        let mut s = store();
        let m = |metric: &str| {
            SeriesKey::new("us-east-1", BEDROCK_NAMESPACE, metric, &[("ModelId", "amazon.nova-pro-v1:0")], "Sum")
        };
        let mut series = Vec::new();
        for i in 0..3 {
            let t = T0 + i * 60;
            series.push((m("Invocations"), vec![(t, 60.0)]));
            series.push((m("InvocationThrottles"), vec![(t, 40.0)]));
        }
        s.apply(Update::Metrics(MetricsUpdate {
            window: Window { start: T0 - 3600, end: T0 + 180 },
            period: 60,
            resolution: Default::default(),
            series,
            window_values: vec![],
        }));
        s.evaluate_rules(T0 + 180);
        let st = &s.rules.status["Bedrock-Throttling"];
        assert_eq!(st.state, RuleState::Firing);
        assert!((st.value.unwrap() - 40.0).abs() < 1e-9);
    }

    fn model_key(model: &str, metric: &str) -> SeriesKey {
        SeriesKey::new("us-east-1", BEDROCK_NAMESPACE, metric, &[("ModelId", model)], "Sum")
    }

    #[test]
    fn a_per_model_rule_names_the_models_that_breach_it_by_how_much_and_since_when() {
        let mut s = store();
        let (calm, hot, warm) = ("amazon.nova-pro-v1:0", "anthropic.claude-sonnet-4-5-v1:0", "meta.llama3-v1:0");
        let mut series = Vec::new();
        for i in 0..10 {
            let t = T0 + i * 60;
            // hot: throttled 40 % from minute 6, 20 % in minute 5; warm 12 % only in minute 9
            let (hot_thr, warm_thr) = match i {
                5 => (15.0, 0.0),
                6..=9 => (40.0, if i == 9 { 12.0 } else { 0.0 }),
                _ => (0.0, 0.0),
            };
            series.push((model_key(calm, "Invocations"), vec![(t, 100.0)]));
            series.push((model_key(calm, "InvocationThrottles"), vec![(t, 1.0)]));
            series.push((model_key(hot, "Invocations"), vec![(t, 60.0)]));
            series.push((model_key(hot, "InvocationThrottles"), vec![(t, hot_thr)]));
            series.push((model_key(warm, "Invocations"), vec![(t, 88.0)]));
            series.push((model_key(warm, "InvocationThrottles"), vec![(t, warm_thr)]));
        }
        s.apply(Update::Metrics(MetricsUpdate {
            resolution: Default::default(),
            window: Window { start: T0 - 3600, end: T0 + 600 },
            period: 60,
            series,
            window_values: vec![],
        }));
        s.evaluate_rules(T0 + 600);
        let st = &s.rules.status["Bedrock-Throttling"];
        assert_eq!(st.state, RuleState::Firing);
        let c: Vec<(&str, f64, i64)> =
            st.culprits.iter().map(|c| (c.model.as_str(), (c.value * 10.0).round() / 10.0, c.since)).collect();
        // 40 of 100 attempts, since minute 5 (15 of 75 = 20 % > 10 %); warm 12 of 100 since minute 9
        assert_eq!(c, vec![(hot, 40.0, T0 + 5 * 60), (warm, 12.0, T0 + 9 * 60)], "{:#?}", st.culprits);
        assert_eq!(st.culprits[0].threshold, Some(10.0));
        assert_eq!(st.culprits[0].signal, BedrockSignal::ThrottlePct);
        // a quiet rule names nobody
        assert!(s.rules.status["Bedrock-Error-Rate"].culprits.is_empty());
    }

    #[test]
    fn a_cost_anomaly_names_the_model_that_woke_up() {
        let mut s = store();
        s.pricing = PriceTable::default();
        let (steady, idle) = ("anthropic.claude-haiku-4-5-20251001-v1:0", "anthropic.claude-opus-4-5-20251101-v1:0");
        let mut series = Vec::new();
        for i in 0..70 {
            let t = T0 + i * 60;
            series.push((model_key(steady, "InputTokenCount"), vec![(t, 100_000.0 + (i % 5) as f64 * 1000.0)]));
            if i >= 66 {
                series.push((model_key(idle, "OutputTokenCount"), vec![(t, 400_000.0)]));
            }
        }
        s.apply(Update::Metrics(MetricsUpdate {
            resolution: Default::default(),
            window: Window { start: T0, end: T0 + 70 * 60 },
            period: 60,
            series,
            window_values: vec![],
        }));
        s.evaluate_rules(T0 + 70 * 60);
        let st = &s.rules.status["Bedrock-Cost-Burn"];
        assert_eq!(st.state, RuleState::Firing, "{st:#?}");
        assert_eq!(st.culprits.len(), 1, "{:#?}", st.culprits);
        let c = &st.culprits[0];
        assert_eq!((c.model.as_str(), c.since, c.baseline), (idle, T0 + 66 * 60, Some(0.0)));
        let opus_minute = s.model_cost_minutes_all("us-east-1", idle).unwrap()[&(T0 + 69 * 60)];
        assert!((c.value - opus_minute).abs() < 1e-9 && c.value > 1.0, "{c:#?}");
        let share = c.share_pct.unwrap();
        assert!(share > 80.0 && share < 100.0, "{share}");
    }
}
