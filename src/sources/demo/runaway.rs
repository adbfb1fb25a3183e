//! The demo's answers to the runaway watch's two presets, from the same minutes (and the same
//! split of each model's traffic among callers) as `tokens-by-caller`, so the figures agree with
//! the metrics and the Logs pane:
//!
//! * `runaway-callers`: tokens and calls per minute per caller and model. The agent loop
//!   (`support-agent/agent-loop-7f3a` on opus, +2..+10 min) burns ~0.7M tokens and ~$3.5 a minute
//!   from its first minute; every other caller stays far below the default ceilings (250k
//!   tokens/min, $1/min).
//! * `runaway-sessions`: tokens per minute per session from span attributes. The loop runs in
//!   one session, [`LOOP_SESSION`]; the RAG API's chats and the planner's conversations are many
//!   small sessions of a few turns (about four calls each, each id living a few minutes). The
//!   other callers' spans carry no session id, as with un-instrumented clients.

use std::collections::BTreeMap;

use super::generate::MODELS;
use super::logs::{AGENT_LOOP, Answer, DemoInsights, PLANNER, RAG_API, callers, minutes_of, mix, split, ts};
use crate::domain::insights::QueryStats;

/// The runaway agent loop's session id (the `session.id` attribute on its spans).
pub const LOOP_SESSION: &str = "sess-7f3a-agent-loop";

/// Calls per session per minute for the sessions of ordinary traffic.
const CALLS_PER_SESSION: u64 = 4;

/// `runaway-callers`: rows of (minute, caller, model) with tokens and calls, newest first.
pub(super) fn callers_by_minute(d: &DemoInsights, start: i64, end: i64) -> Answer {
    let mut rows: Vec<(i64, Vec<(String, String)>)> = Vec::new();
    for t in minutes_of(start, end) {
        let Some(m) = d.minute(t) else { continue };
        let story = d.story(t);
        for (i, mm) in m.models.iter().enumerate() {
            let cs = callers(i, &story);
            let shares: Vec<f64> = cs.iter().map(|(_, s)| *s).collect();
            let cols = [mm.input_tokens, mm.cache_read, mm.cache_write, mm.output_tokens, mm.attempts()];
            let parts: Vec<Vec<u64>> = cols.iter().map(|v| split(*v, &shares)).collect();
            for (k, (c, _)) in cs.iter().enumerate() {
                if parts[4][k] == 0 {
                    continue;
                }
                rows.push((
                    t,
                    vec![
                        ("minute".into(), ts(t * 1000)),
                        ("identity.arn".into(), c.arn.to_string()),
                        ("modelId".into(), MODELS[i].id.to_string()),
                        ("inTok".into(), parts[0][k].to_string()),
                        ("cacheRead".into(), parts[1][k].to_string()),
                        ("cacheWrite".into(), parts[2][k].to_string()),
                        ("outTok".into(), parts[3][k].to_string()),
                        ("calls".into(), parts[4][k].to_string()),
                    ],
                ));
            }
        }
    }
    rows.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let (n, bytes) = d.scanned(start, end);
    Answer {
        rows: rows.into_iter().map(|(_, r)| r).collect(),
        stats: QueryStats { records_matched: n, records_scanned: n, bytes_scanned: bytes },
        records: Vec::new(),
    }
}

/// A short-lived session id of `caller`'s traffic: sessions live about four minutes.
fn session_id(seed: u64, caller: u64, t: i64, j: u64) -> String {
    format!("sess-{:08x}", mix(&[seed, caller, (t / 240) as u64, j]) as u32)
}

/// `runaway-sessions`: rows of (minute, session, model) with span tokens, newest first.
pub(super) fn sessions_by_minute(d: &DemoInsights, seed: u64, start: i64, end: i64) -> Answer {
    // (minute, session, model) → [in, out, calls]
    let mut acc: BTreeMap<(i64, String, usize), [u64; 3]> = BTreeMap::new();
    let mut spans = 0u64;
    for t in minutes_of(start, end) {
        let Some(m) = d.minute(t) else { continue };
        let story = d.story(t);
        for (i, mm) in m.models.iter().enumerate() {
            let cs = callers(i, &story);
            let shares: Vec<f64> = cs.iter().map(|(_, s)| *s).collect();
            // spans exist for calls that were answered: invocations, not throttled attempts
            let cols = [mm.input_tokens, mm.output_tokens, mm.invocations];
            let parts: Vec<Vec<u64>> = cols.iter().map(|v| split(*v, &shares)).collect();
            for (k, (c, _)) in cs.iter().enumerate() {
                let calls = parts[2][k];
                if calls == 0 {
                    continue;
                }
                spans += calls;
                let ids: Vec<String> = if *c == AGENT_LOOP {
                    vec![LOOP_SESSION.to_string()]
                } else if *c == RAG_API || *c == PLANNER {
                    let n = calls.div_ceil(CALLS_PER_SESSION);
                    let who = if *c == RAG_API { 1 } else { 2 };
                    (0..n).map(|j| session_id(seed, who, t, j)).collect()
                } else {
                    continue;
                };
                let even = vec![1.0; ids.len()];
                let (ins, outs, cl) = (split(parts[0][k], &even), split(parts[1][k], &even), split(calls, &even));
                for (j, id) in ids.into_iter().enumerate() {
                    let e = acc.entry((t, id, i)).or_default();
                    e[0] += ins[j];
                    e[1] += outs[j];
                    e[2] += cl[j];
                }
            }
        }
    }
    let mut rows: Vec<(i64, Vec<(String, String)>)> = acc
        .into_iter()
        .filter(|(_, v)| v[2] > 0)
        .map(|((t, id, i), v)| {
            (
                t,
                vec![
                    ("minute".into(), ts(t * 1000)),
                    ("sessionId".into(), id),
                    ("modelId".into(), MODELS[i].id.to_string()),
                    ("inTok".into(), v[0].to_string()),
                    ("outTok".into(), v[1].to_string()),
                    ("calls".into(), v[2].to_string()),
                ],
            )
        })
        .collect();
    rows.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    Answer {
        rows: rows.into_iter().map(|(_, r)| r).collect(),
        stats: QueryStats {
            records_matched: spans as f64,
            records_scanned: spans as f64 * 5.0,
            bytes_scanned: spans as f64 * 5.0 * 1200.0,
        },
        records: Vec::new(),
    }
}

/// The value of `<field> = "…"` in a query (the first one), as the runaway view writes it.
fn quoted_after(query: &str, field: &str) -> Option<String> {
    let rest = &query[query.find(&format!("{field} = \""))? + field.len() + 4..];
    Some(rest[..rest.find('"')?].to_string())
}

/// `filter identity.arn = "…"`: the caller a query asks for.
pub(super) fn caller_filter(query: &str) -> Option<String> {
    quoted_after(query, "identity.arn")
}

/// `filter attributes.session.id = "…"`: the session a query asks for.
pub(super) fn session_filter(query: &str) -> Option<String> {
    quoted_after(query, "attributes.session.id")
}

/// One session's spans, newest first: a few spans per minute it was active, with the tokens per
/// call of that minute (the rows the runaway view's Enter on a session shows).
pub(super) fn session_spans(d: &DemoInsights, seed: u64, id: &str, start: i64, end: i64, limit: usize) -> Answer {
    let all = sessions_by_minute(d, seed, start, end);
    let get = |row: &[(String, String)], k: &str| {
        row.iter().find(|(f, _)| f == k).map(|(_, v)| v.clone()).unwrap_or_default()
    };
    let mut rows: Vec<(i64, Vec<(String, String)>)> = Vec::new();
    for r in all.rows.iter().filter(|r| get(r, "sessionId") == id) {
        let Some(t) = crate::store::runaway::parse_minute(&get(r, "minute")) else { continue };
        let calls: u64 = get(r, "calls").parse().unwrap_or(0);
        let per = |k: &str| get(r, k).parse::<u64>().unwrap_or(0) / calls.max(1);
        let model = get(r, "modelId");
        for k in 0..calls.min(5) {
            let h = mix(&[seed, t as u64, k, id.len() as u64, 11]);
            let ms = t * 1000 + (h % 60_000) as i64;
            rows.push((
                ms,
                vec![
                    ("@timestamp".into(), ts(ms)),
                    ("traceId".into(), format!("{:016x}{:016x}", mix(&[h, 1]), mix(&[h, 2]))),
                    ("spanId".into(), format!("{:016x}", mix(&[h, 3]))),
                    ("name".into(), format!("chat {model}")),
                    ("modelId".into(), model.clone()),
                    ("inTok".into(), per("inTok").to_string()),
                    ("outTok".into(), per("outTok").to_string()),
                    ("@ptr".into(), format!("demo-session-span-{h:016x}")),
                ],
            ));
        }
    }
    rows.sort_by_key(|r| std::cmp::Reverse(r.0));
    rows.truncate(limit);
    let n = rows.len() as f64;
    Answer {
        rows: rows.into_iter().map(|(_, r)| r).collect(),
        stats: QueryStats { records_matched: n, ..all.stats },
        records: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::insights::{Presets, ResultTable};
    use crate::domain::pricing::PriceTable;
    use crate::domain::window::Window;
    use crate::store::logs::{Purpose, QuerySpec};
    use crate::store::runaway::{Kind, Settings, parse};

    const LAUNCH: i64 = 1_767_225_600; // 2026-01-01 00:00 UTC
    const MIN: i64 = 60;

    fn rows(d: &mut DemoInsights, kind: Kind, end: i64) -> ResultTable {
        let p = Presets::default().get(kind.preset()).unwrap().clone();
        let spec = QuerySpec::new(&p.name, &p.query, p.groups, vec!["g".into()], Window { start: end - 900, end })
            .for_purpose(Purpose::Runaway(kind));
        ResultTable::from_rows(&d.answer_for_test(&spec))
    }

    #[test]
    fn callers_by_minute_add_up_to_tokens_by_caller() {
        let mut d = DemoInsights::new(5, LAUNCH);
        let end = LAUNCH + 6 * MIN;
        let t = rows(&mut d, Kind::Caller, end);
        assert_eq!(
            t.columns,
            vec!["minute", "identity.arn", "modelId", "inTok", "cacheRead", "cacheWrite", "outTok", "calls"]
        );
        let p = Presets::default().get("tokens-by-caller").unwrap().clone();
        let spec = QuerySpec::new(&p.name, &p.query, p.groups, vec!["g".into()], Window { start: end - 900, end });
        let totals = ResultTable::from_rows(&d.answer_for_test(&spec));
        let (a, i) = (totals.column("identity.arn").unwrap(), totals.column("inTok").unwrap());
        for r in &totals.rows {
            let by_minute: u64 = t
                .rows
                .iter()
                .filter(|x| x[1] == r[a] && x[2] == r[totals.column("modelId").unwrap()])
                .map(|x| x[3].parse::<u64>().unwrap())
                .sum();
            assert_eq!(by_minute, r[i].parse::<u64>().unwrap(), "{}", r[a]);
        }
        // newest minute first, whole minutes only
        assert_eq!(t.rows[0][0], ts((end - MIN) * 1000));
        assert_eq!(t.rows.last().unwrap()[0], ts((end - 900) * 1000));
    }

    #[test]
    fn the_runaway_views_queries_get_that_caller_or_session_only() {
        let mut d = DemoInsights::new(5, LAUNCH);
        let end = LAUNCH + 6 * MIN;
        let window = Window { start: end - 900, end };
        for kind in [Kind::Caller, Kind::Session] {
            let t = rows(&mut d, kind, end);
            let p = parse(kind, &t, &PriceTable::default(), &Settings::default(), end);
            let e = p.entries.iter().find(|e| e.over_now).expect("the loop");
            let (label, q, class) = e.logs_query().unwrap();
            let spec = QuerySpec::new(&label, &q, class, vec!["g".into()], window);
            let got = ResultTable::from_rows(&d.answer_for_test(&spec));
            assert!(got.rows.len() >= 20, "{kind:?}: {} rows", got.rows.len());
            match kind {
                Kind::Caller => {
                    let c = got.column("identity.arn").unwrap();
                    assert!(got.rows.iter().all(|r| r[c] == e.id), "only the loop's records");
                }
                Kind::Session => {
                    assert_eq!(
                        got.columns,
                        vec!["@timestamp", "traceId", "spanId", "name", "modelId", "inTok", "outTok"]
                    );
                    let m = got.column("modelId").unwrap();
                    assert!(got.rows.iter().all(|r| r[m].contains("opus")));
                }
            }
        }
        assert_eq!(caller_filter("x | filter identity.arn = \"arn:a\"\n| sort"), Some("arn:a".into()));
        assert_eq!(session_filter("fields @message"), None);
    }

    /// Every minute of a whole story cycle, for several seeds: the loop is over the default
    /// ceilings from its first minute to its last, nobody else ever is.
    #[test]
    fn only_the_loop_goes_over_the_default_ceiling_in_a_whole_hour() {
        let s = Settings::default();
        let prices = PriceTable::default();
        for seed in [0, 7, 42] {
            let mut d = DemoInsights::new(seed, LAUNCH);
            for k in [Kind::Caller, Kind::Session] {
                let mut loop_over: Vec<i64> = Vec::new();
                let mut highest = 0.0_f64;
                let mut loop_lowest = f64::MAX;
                for block in 0..4 {
                    // four 15-minute windows: -20..+40 min
                    let end = LAUNCH - 20 * MIN + (block + 1) * 15 * MIN;
                    let p = parse(k, &rows(&mut d, k, end), &prices, &s, end);
                    assert_eq!(p.skipped, 0);
                    for e in &p.entries {
                        let over: Vec<i64> = e
                            .minutes
                            .iter()
                            .filter(|m| s.over(m.tokens, m.usd))
                            .map(|m| (m.minute - LAUNCH) / MIN)
                            .collect();
                        if e.short_id() == "support-agent/agent-loop-7f3a" || e.id == LOOP_SESSION {
                            loop_over.extend(over);
                            for m in e.minutes.iter().filter(|m| s.over(m.tokens, m.usd)) {
                                loop_lowest = loop_lowest.min(s.ratio(m.tokens, m.usd));
                            }
                        } else {
                            assert!(
                                over.is_empty(),
                                "seed {seed} {k:?} {} over at {over:?} min: {:?}",
                                e.id,
                                e.minutes
                            );
                            let peak = s.ratio(e.peak_tokens, e.peak_usd);
                            assert!(peak < 0.8, "seed {seed} {} peaks at {peak:.2} of the ceiling", e.id);
                            highest = highest.max(peak);
                        }
                    }
                }
                assert_eq!(loop_over, (2..10).collect::<Vec<i64>>(), "seed {seed} {k:?}");
                eprintln!(
                    "seed {seed} {k:?}: others peak at {highest:.2}× the ceiling, the loop at ≥ {loop_lowest:.2}×"
                );
            }
        }
    }
}
