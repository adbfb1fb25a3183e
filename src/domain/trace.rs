//! The trace model: a [`Trace`] is an arena of [`Span`]s linked by index. [`Trace::build`] takes
//! spans in any order (segments, nested subsegments and subsegments sent as separate documents,
//! all flattened by the parser with their `parent_id`) and links them, de-duplicates repeated ids
//! (an in-progress segment later sent complete), orders children by start time, and derives
//! depth, self time, the critical path, which spans' tokens count towards the trace's totals, and
//! the totals. Everything is iterative, so a trace of any depth or size cannot overflow the stack.
//!
//! Plain data, the model only: the X-Ray and OpenTelemetry parsers (in `sources`) make the
//! [`Span`]s, the store keeps the traces built from them, the span-tree pane draws them.

use std::collections::{BTreeMap, HashMap, VecDeque};

use serde_json::Value;

use super::genai::GenAi;

/// Index of a span in its trace's arena.
pub type SpanIdx = u32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpanKind {
    /// A service's segment (a document of its own).
    Segment,
    /// Work inside a segment (nested, or sent separately with `type: subsegment`).
    Subsegment,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Http {
    pub method: Option<String>,
    pub url: Option<String>,
    pub status: Option<u16>,
    pub content_length: Option<u64>,
    pub user_agent: Option<String>,
    pub client_ip: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StackFrame {
    pub path: Option<String>,
    pub line: Option<u64>,
    pub label: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Exception {
    pub id: Option<String>,
    pub message: Option<String>,
    pub kind: Option<String>,
    pub remote: bool,
    pub truncated: Option<u64>,
    pub skipped: Option<u64>,
    /// The id of the exception that caused this one.
    pub cause: Option<String>,
    pub stack: Vec<StackFrame>,
}

/// `cause`: a reference to an exception recorded elsewhere, or the exceptions themselves.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Cause {
    /// When `cause` is a 16-character exception id.
    pub exception_ref: Option<String>,
    pub working_directory: Option<String>,
    pub paths: Vec<String>,
    pub exceptions: Vec<Exception>,
}

/// One segment or subsegment.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Span {
    pub id: String,
    /// As sent (`parent_id`, or the enclosing document's id for nested subsegments).
    pub parent_id: Option<String>,
    pub name: String,
    pub kind: SpanKind,
    /// `aws` (AWS SDK calls) or `remote` (other downstream calls).
    pub namespace: Option<String>,
    pub origin: Option<String>,
    pub start: f64,
    /// `None` while in progress (or when the document had no end).
    pub end: Option<f64>,
    pub in_progress: bool,
    pub fault: bool,
    pub error: bool,
    pub throttle: bool,
    pub http: Option<Http>,
    pub aws: Option<Value>,
    pub sql: Option<Value>,
    pub annotations: Vec<(String, Value)>,
    /// Namespaces → values, as sent.
    pub metadata: Option<Value>,
    pub cause: Option<Cause>,
    pub user: Option<String>,
    pub resource_arn: Option<String>,
    pub inferred: bool,
    pub genai: GenAi,
    // ---- derived by Trace::build ----
    pub parent: Option<SpanIdx>,
    pub children: Vec<SpanIdx>,
    pub depth: u32,
    /// Duration minus the time covered by children (`None` while in progress).
    pub self_time: Option<f64>,
    /// On the critical path: the chain of spans that decided when the trace ended.
    pub critical: bool,
    /// This span's tokens and cost count towards the trace's totals (it reports usage and no
    /// span below it does, so an agent's or a wrapper's aggregate is not counted twice).
    pub counted: bool,
    /// Some span below this one faulted, errored or was throttled.
    pub failure_below: bool,
}

impl Span {
    /// A span with a name and times, nothing else (for parsers and tests).
    pub fn new(id: &str, name: &str, start: f64, end: Option<f64>) -> Self {
        Self {
            id: id.into(),
            parent_id: None,
            name: name.into(),
            kind: SpanKind::Subsegment,
            namespace: None,
            origin: None,
            start,
            end,
            in_progress: end.is_none(),
            fault: false,
            error: false,
            throttle: false,
            http: None,
            aws: None,
            sql: None,
            annotations: Vec::new(),
            metadata: None,
            cause: None,
            user: None,
            resource_arn: None,
            inferred: false,
            genai: GenAi::default(),
            parent: None,
            children: Vec::new(),
            depth: 0,
            self_time: None,
            critical: false,
            counted: false,
            failure_below: false,
        }
    }

    pub fn duration(&self) -> Option<f64> {
        self.end.map(|e| (e - self.start).max(0.0))
    }

    pub fn failed(&self) -> bool {
        self.fault || self.error || self.throttle
    }
}

/// Counts and sums over a whole trace.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TraceTotals {
    pub spans: usize,
    pub faults: usize,
    pub errors: usize,
    pub throttles: usize,
    pub in_progress: usize,
    pub input_tokens: f64,
    pub output_tokens: f64,
    /// `None` when no span reported usage.
    pub tokens: Option<f64>,
    pub cost_usd: Option<f64>,
    /// Some counted span had tokens but no price.
    pub cost_incomplete: bool,
    /// Distinct models, the one with most tokens first.
    pub models: Vec<String>,
}

/// One trace as a span tree.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Trace {
    pub id: String,
    pub region: String,
    pub spans: Vec<Span>,
    pub roots: Vec<SpanIdx>,
    pub start: f64,
    pub end: f64,
    /// X-Ray said the trace was too large to return whole.
    pub limit_exceeded: bool,
    /// Documents that could not be parsed (kept so the operator knows something is missing).
    pub bad_documents: Vec<String>,
    pub totals: TraceTotals,
}

impl Trace {
    pub fn duration(&self) -> f64 {
        (self.end - self.start).max(0.0)
    }

    /// The first root's name (the entry service).
    pub fn root_name(&self) -> Option<&str> {
        self.roots.first().map(|r| self.spans[*r as usize].name.as_str())
    }

    pub fn span(&self, i: SpanIdx) -> &Span {
        &self.spans[i as usize]
    }

    /// Link, order and derive (see the module docs). `spans` may come in any order.
    pub fn build(id: &str, region: &str, spans: Vec<Span>) -> Self {
        let mut spans = dedupe(spans);
        let index: HashMap<&str, usize> = spans.iter().enumerate().map(|(i, s)| (s.id.as_str(), i)).collect();
        let parents: Vec<Option<usize>> = spans
            .iter()
            .enumerate()
            .map(|(i, s)| s.parent_id.as_deref().and_then(|p| index.get(p).copied()).filter(|p| *p != i))
            .collect();
        drop(index);
        let n = spans.len();
        // children in start order (document order breaks ties)
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, p) in parents.iter().enumerate() {
            if let Some(p) = p {
                children[*p].push(i);
            }
        }
        let by_start = |v: &mut Vec<usize>, spans: &[Span]| {
            v.sort_by(|a, b| spans[*a].start.total_cmp(&spans[*b].start).then(a.cmp(b)));
        };
        for c in children.iter_mut() {
            by_start(c, &spans);
        }
        let mut roots: Vec<usize> = (0..n).filter(|i| parents[*i].is_none()).collect();
        by_start(&mut roots, &spans);
        // breadth-first from the roots; spans caught in a parent cycle are never reached, so
        // each cycle is broken at its earliest span, which becomes a root
        let mut order: Vec<usize> = Vec::with_capacity(n);
        let mut seen = vec![false; n];
        let mut parent_of: Vec<Option<usize>> = vec![None; n];
        let mut depth = vec![0u32; n];
        let bfs = |start: usize,
                   order: &mut Vec<usize>,
                   seen: &mut Vec<bool>,
                   parent_of: &mut Vec<Option<usize>>,
                   depth: &mut Vec<u32>| {
            let mut q = VecDeque::from([start]);
            seen[start] = true;
            while let Some(i) = q.pop_front() {
                order.push(i);
                for &c in &children[i] {
                    if !seen[c] {
                        seen[c] = true;
                        parent_of[c] = Some(i);
                        depth[c] = depth[i] + 1;
                        q.push_back(c);
                    }
                }
            }
        };
        for &r in &roots {
            bfs(r, &mut order, &mut seen, &mut parent_of, &mut depth);
        }
        if order.len() < n {
            let mut rest: Vec<usize> = (0..n).filter(|i| !seen[*i]).collect();
            by_start(&mut rest, &spans);
            for r in rest {
                if !seen[r] {
                    roots.push(r);
                    bfs(r, &mut order, &mut seen, &mut parent_of, &mut depth);
                }
            }
            by_start(&mut roots, &spans);
        }
        for (i, s) in spans.iter_mut().enumerate() {
            s.parent = parent_of[i].map(|p| p as SpanIdx);
            s.depth = depth[i];
            s.children = children[i].iter().filter(|c| parent_of[**c] == Some(i)).map(|c| *c as SpanIdx).collect();
        }
        let start = spans.iter().map(|s| s.start).fold(f64::INFINITY, f64::min);
        let end = spans.iter().map(|s| s.end.unwrap_or(s.start)).fold(f64::NEG_INFINITY, f64::max);
        let (start, end) = if start.is_finite() { (start, end.max(start)) } else { (0.0, 0.0) };
        let mut t = Trace {
            id: id.into(),
            region: region.into(),
            spans,
            roots: roots.into_iter().map(|r| r as SpanIdx).collect(),
            start,
            end,
            limit_exceeded: false,
            bad_documents: Vec::new(),
            totals: TraceTotals::default(),
        };
        t.derive(&order);
        t
    }

    /// Self times, the critical path, counted usage, failures below, and the totals.
    fn derive(&mut self, bfs_order: &[usize]) {
        let trace_end = self.end;
        let eff_end = |s: &Span| s.end.unwrap_or(trace_end);
        // self time: the span's duration minus the union of its children's intervals
        for i in 0..self.spans.len() {
            let s = &self.spans[i];
            let Some(end) = s.end else { continue };
            let mut iv: Vec<(f64, f64)> = s
                .children
                .iter()
                .map(|c| {
                    let c = &self.spans[*c as usize];
                    (c.start.max(s.start), eff_end(c).min(end))
                })
                .filter(|(a, b)| b > a)
                .collect();
            iv.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut covered = 0.0;
            let mut cur: Option<(f64, f64)> = None;
            for (a, b) in iv {
                match &mut cur {
                    Some((_, ce)) if a <= *ce => *ce = ce.max(b),
                    _ => {
                        if let Some((ca, ce)) = cur {
                            covered += ce - ca;
                        }
                        cur = Some((a, b));
                    }
                }
            }
            if let Some((ca, ce)) = cur {
                covered += ce - ca;
            }
            self.spans[i].self_time = Some(((end - s.start) - covered).max(0.0));
        }
        // critical path, from the root that ended last: walk back from the span's end, taking
        // the child that was still running latest, then the one before it started, and so on
        if let Some(&root) = self
            .roots
            .iter()
            .max_by(|a, b| eff_end(&self.spans[**a as usize]).total_cmp(&eff_end(&self.spans[**b as usize])))
        {
            let mut stack = vec![root as usize];
            while let Some(i) = stack.pop() {
                self.spans[i].critical = true;
                let s_start = self.spans[i].start;
                let mut cursor = eff_end(&self.spans[i]);
                let mut kids: Vec<usize> = self.spans[i].children.iter().map(|c| *c as usize).collect();
                kids.sort_by(|a, b| eff_end(&self.spans[*b]).total_cmp(&eff_end(&self.spans[*a])));
                for c in kids {
                    if cursor <= s_start {
                        break;
                    }
                    let cs = &self.spans[c];
                    if cs.start < cursor {
                        stack.push(c);
                        cursor = cs.start;
                    }
                }
            }
        }
        // bottom-up: usage below, failures below
        let n = self.spans.len();
        let mut usage_below = vec![false; n];
        let mut fail_below = vec![false; n];
        for &i in bfs_order.iter().rev() {
            let s = &self.spans[i];
            if let Some(p) = s.parent {
                let p = p as usize;
                usage_below[p] |= usage_below[i] || s.genai.has_usage();
                fail_below[p] |= fail_below[i] || s.failed();
            }
        }
        let mut totals = TraceTotals { spans: n, ..Default::default() };
        let mut model_tokens: BTreeMap<String, f64> = BTreeMap::new();
        let mut any_cost = false;
        let mut cost = 0.0;
        let mut reported_total: Option<f64> = None;
        for (i, s) in self.spans.iter_mut().enumerate() {
            s.failure_below = fail_below[i];
            s.counted = s.genai.has_usage() && !usage_below[i];
            totals.faults += s.fault as usize;
            totals.errors += s.error as usize;
            totals.throttles += s.throttle as usize;
            totals.in_progress += s.in_progress as usize;
            if let Some(t) = s.genai.reported_total_cost_usd {
                reported_total = Some(reported_total.map_or(t, |r: f64| r.max(t)));
            }
            if let Some(m) = s.genai.model() {
                let e = model_tokens.entry(m.to_string()).or_default();
                if s.counted {
                    *e += s.genai.tokens().unwrap_or(0.0);
                }
            }
            if !s.counted {
                continue;
            }
            if let Some(t) = s.genai.tokens() {
                totals.tokens = Some(totals.tokens.unwrap_or(0.0) + t);
                totals.input_tokens += s.genai.input_tokens.unwrap_or(0.0);
                totals.output_tokens += s.genai.output_tokens.unwrap_or(0.0);
            }
            match s.genai.cost_usd {
                Some(c) => {
                    any_cost = true;
                    cost += c;
                }
                None => totals.cost_incomplete |= s.genai.tokens().is_some_and(|t| t > 0.0),
            }
        }
        totals.cost_usd = if any_cost { Some(cost) } else { reported_total };
        let mut models: Vec<(String, f64)> = model_tokens.into_iter().collect();
        models.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        totals.models = models.into_iter().map(|(m, _)| m).collect();
        self.totals = totals;
    }

    /// Spans in display order (depth-first, children by start), iteratively.
    pub fn preorder(&self) -> Vec<SpanIdx> {
        let mut out = Vec::with_capacity(self.spans.len());
        let mut stack: Vec<SpanIdx> = self.roots.iter().rev().copied().collect();
        while let Some(i) = stack.pop() {
            out.push(i);
            stack.extend(self.span(i).children.iter().rev());
        }
        out
    }
}

/// Keep one span per id: a complete one over an in-progress one, else the later one sent.
fn dedupe(spans: Vec<Span>) -> Vec<Span> {
    let mut pos: HashMap<String, usize> = HashMap::with_capacity(spans.len());
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for s in spans {
        match pos.get(&s.id) {
            Some(&i) => {
                let keep_old = out[i].end.is_some() && s.end.is_none();
                if !keep_old {
                    out[i] = s;
                }
            }
            None => {
                pos.insert(s.id.clone(), out.len());
                out.push(s);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::genai::GenAi;

    fn span(id: &str, parent: Option<&str>, start: f64, end: Option<f64>) -> Span {
        let mut s = Span::new(id, id, start, end);
        s.parent_id = parent.map(Into::into);
        s
    }

    fn names(t: &Trace, v: &[SpanIdx]) -> Vec<String> {
        v.iter().map(|i| t.span(*i).id.clone()).collect()
    }

    #[test]
    fn links_orders_and_derives() {
        // root 0..10: a 0..3, b 2..9 (b1 2..4, b2 5..9), e 3..4, c 9.5..10, sent out of order
        let spans = vec![
            span("e", Some("root"), 3.0, Some(4.0)),
            span("b2", Some("b"), 5.0, Some(9.0)),
            span("c", Some("root"), 9.5, Some(10.0)),
            span("root", None, 0.0, Some(10.0)),
            span("b", Some("root"), 2.0, Some(9.0)),
            span("a", Some("root"), 0.0, Some(3.0)),
            span("b1", Some("b"), 2.0, Some(4.0)),
        ];
        let t = Trace::build("1-x", "us-east-1", spans);
        assert_eq!(names(&t, &t.roots), ["root"]);
        assert_eq!(names(&t, &t.preorder()), ["root", "a", "b", "b1", "b2", "e", "c"]);
        let get = |id: &str| t.spans.iter().find(|s| s.id == id).unwrap();
        assert_eq!(get("b1").depth, 2);
        assert_eq!(names(&t, &[get("b1").parent.unwrap()]), ["b"]);
        // root: 10 s minus children covering 0..9 and 9.5..10
        assert!((get("root").self_time.unwrap() - 0.5).abs() < 1e-9);
        // b: 7 s minus 2..4 and 5..9
        assert!((get("b").self_time.unwrap() - 1.0).abs() < 1e-9);
        // critical: root ← c (ends last), then b (running before c started), within b: b2 then
        // b1; before b started, a was running. e ran entirely while b did: not critical.
        let mut crit: Vec<&str> = t.spans.iter().filter(|s| s.critical).map(|s| s.id.as_str()).collect();
        crit.sort();
        assert_eq!(crit, ["a", "b", "b1", "b2", "c", "root"]);
        assert!(!get("e").critical);
        assert_eq!((t.start, t.end, t.duration()), (0.0, 10.0, 10.0));
    }

    #[test]
    fn orphans_become_roots_and_cycles_are_broken() {
        let spans = vec![
            span("x", Some("missing"), 1.0, Some(2.0)),
            span("p", Some("q"), 0.0, Some(1.0)),
            span("q", Some("p"), 0.5, Some(0.8)),
            span("self", Some("self"), 3.0, Some(4.0)),
        ];
        let t = Trace::build("1-y", "r", spans);
        assert_eq!(t.spans.len(), 4);
        assert_eq!(t.preorder().len(), 4, "every span is reachable");
        assert_eq!(names(&t, &t.roots), ["p", "x", "self"]);
        let q = t.spans.iter().find(|s| s.id == "q").unwrap();
        assert_eq!(q.parent.map(|p| t.span(p).id.as_str()), Some("p"));
    }

    #[test]
    fn duplicate_ids_keep_the_complete_span() {
        let spans = vec![
            span("root", None, 0.0, None),
            span("root", None, 0.0, Some(2.0)),
            span("late", Some("root"), 0.1, Some(0.2)),
            span("late", Some("root"), 0.1, None),
        ];
        let t = Trace::build("1-z", "r", spans);
        assert_eq!(t.spans.len(), 2);
        assert!(t.spans.iter().all(|s| s.end.is_some()));
    }

    #[test]
    fn in_progress_spans_run_to_the_trace_end() {
        let spans = vec![span("root", None, 0.0, Some(5.0)), span("open", Some("root"), 1.0, None)];
        let t = Trace::build("1-w", "r", spans);
        assert_eq!(t.totals.in_progress, 1);
        let open = t.spans.iter().find(|s| s.id == "open").unwrap();
        assert_eq!(open.self_time, None);
        assert!(open.critical);
        assert!((t.spans[0].self_time.unwrap() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn usage_counts_once_at_the_deepest_span() {
        let mut agent = span("agent", None, 0.0, Some(10.0));
        agent.genai = GenAi {
            operation: Some("invoke_agent".into()),
            input_tokens: Some(300.0),
            output_tokens: Some(30.0),
            ..Default::default()
        };
        let mut llm1 = span("llm1", Some("agent"), 0.0, Some(4.0));
        llm1.genai = GenAi {
            request_model: Some("m1".into()),
            input_tokens: Some(100.0),
            output_tokens: Some(10.0),
            cost_usd: Some(0.5),
            ..Default::default()
        };
        let mut llm2 = span("llm2", Some("agent"), 5.0, Some(9.0));
        llm2.genai = GenAi {
            request_model: Some("m2".into()),
            input_tokens: Some(200.0),
            output_tokens: Some(20.0),
            ..Default::default()
        };
        llm2.throttle = true;
        let mut root_total = span("wrapper", Some("agent"), 9.0, Some(10.0));
        root_total.genai = GenAi { reported_total_cost_usd: Some(9.0), ..Default::default() };
        let t = Trace::build("1-u", "r", vec![agent, llm1, llm2, root_total]);
        assert_eq!(t.totals.tokens, Some(330.0));
        assert_eq!(t.totals.cost_usd, Some(0.5));
        assert!(t.totals.cost_incomplete, "llm2 has tokens but no cost");
        assert_eq!(t.totals.models, ["m2", "m1"]);
        assert_eq!(t.totals.throttles, 1);
        assert!(!t.spans[0].counted && t.spans[1].counted && t.spans[2].counted);
        assert!(t.spans[0].failure_below);
    }

    #[test]
    fn a_deep_chain_does_not_overflow() {
        let n = 200_000;
        let spans: Vec<Span> = (0..n)
            .map(|i| {
                let parent = (i > 0).then(|| format!("s{}", i - 1));
                span(&format!("s{i}"), parent.as_deref(), i as f64, Some(n as f64 * 2.0 - i as f64))
            })
            .collect();
        let t = Trace::build("1-deep", "r", spans);
        assert_eq!(t.preorder().len(), n);
        assert_eq!(t.spans.iter().map(|s| s.depth).max(), Some(n as u32 - 1));
        assert!(t.spans.iter().all(|s| s.critical));
    }
}
