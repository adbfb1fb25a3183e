//! Alert rules as data: parsing the TOML rule files (built-in `rules/default.toml`, the user's
//! laid over it by name) and the composite-rule expression language. Evaluation lives in
//! `store::rules`, which reads the store's series.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Deserialize;

pub const DEFAULT_RULES: &str = include_str!("../../rules/default.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    #[default]
    Threshold,
    Anomaly,
    Composite,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Reduce {
    #[default]
    Avg,
    Sum,
    Max,
    Min,
    Last,
}

impl Reduce {
    pub fn apply(self, v: &[f64]) -> Option<f64> {
        if v.is_empty() {
            return None;
        }
        Some(match self {
            Self::Avg => v.iter().sum::<f64>() / v.len() as f64,
            Self::Sum => v.iter().sum(),
            Self::Max => v.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            Self::Min => v.iter().copied().fold(f64::INFINITY, f64::min),
            Self::Last => *v.last()?,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
pub enum Op {
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
}

impl Op {
    pub fn breaches(self, v: f64, threshold: f64) -> bool {
        match self {
            Self::Gt => v > threshold,
            Self::Ge => v >= threshold,
            Self::Lt => v < threshold,
            Self::Le => v <= threshold,
        }
    }
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Gt => ">",
            Self::Ge => ">=",
            Self::Lt => "<",
            Self::Le => "<=",
        }
    }
}

/// Where a rule's numbers come from.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Signal {
    /// A CloudWatch series by namespace, metric name and statistic (any dimensions).
    Series { namespace: String, metric: String, stat: String },
    /// A figure derived from the AWS/Bedrock per-model series.
    Bedrock(BedrockSignal),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum BedrockSignal {
    ErrorPct,
    ThrottlePct,
    P99Ms,
    CostUsd,
    UsdPerDay,
}

impl Signal {
    pub fn parse(s: &str) -> Result<Self, String> {
        if let Some(rest) = s.strip_prefix("bedrock:") {
            return Ok(Self::Bedrock(match rest {
                "error_pct" => BedrockSignal::ErrorPct,
                "throttle_pct" => BedrockSignal::ThrottlePct,
                "p99_ms" => BedrockSignal::P99Ms,
                "cost_usd" => BedrockSignal::CostUsd,
                "usd_per_day" => BedrockSignal::UsdPerDay,
                _ => {
                    return Err(format!(
                        "unknown Bedrock signal '{rest}' (error_pct, throttle_pct, p99_ms, cost_usd, usd_per_day)"
                    ));
                }
            }));
        }
        // Namespaces contain '/', never ':'; the metric and stat are the last two parts.
        let mut parts = s.rsplitn(3, ':');
        let (Some(stat), Some(metric), Some(namespace)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!("'{s}' is not 'Namespace:Metric:Stat' or 'bedrock:<signal>'"));
        };
        if namespace.is_empty() || metric.is_empty() || stat.is_empty() {
            return Err(format!("'{s}' is not 'Namespace:Metric:Stat' or 'bedrock:<signal>'"));
        }
        Ok(Self::Series { namespace: namespace.into(), metric: metric.into(), stat: stat.into() })
    }

    pub fn label(&self) -> String {
        match self {
            Self::Series { namespace, metric, stat } => format!("{namespace} {metric} {stat}"),
            Self::Bedrock(b) => match b {
                BedrockSignal::ErrorPct => "Bedrock error %".into(),
                BedrockSignal::ThrottlePct => "Bedrock throttle %".into(),
                BedrockSignal::P99Ms => "Bedrock p99 (worst model)".into(),
                BedrockSignal::CostUsd => "Bedrock cost".into(),
                BedrockSignal::UsdPerDay => "Bedrock projected $/day".into(),
            },
        }
    }
}

/// A composite expression over rule names.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Expr {
    Rule(String),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
}

/// Names, operators and parentheses an expression may hold: more than any rule needs, and a
/// bound on how deep parsing, evaluating and dropping an expression recurse.
const MAX_EXPR_TOKENS: usize = 256;

impl Expr {
    pub fn parse(s: &str) -> Result<Self, String> {
        let tokens = tokenize(s);
        if tokens.len() > MAX_EXPR_TOKENS {
            return Err(format!("longer than {MAX_EXPR_TOKENS} names, operators and parentheses"));
        }
        let mut p = Parser { tokens, pos: 0 };
        let e = p.or()?;
        if p.pos != p.tokens.len() {
            return Err(format!("unexpected '{}' in '{s}'", p.tokens[p.pos]));
        }
        Ok(e)
    }

    pub fn eval(&self, firing: &dyn Fn(&str) -> bool) -> bool {
        match self {
            Self::Rule(n) => firing(n),
            Self::Not(e) => !e.eval(firing),
            Self::And(a, b) => a.eval(firing) && b.eval(firing),
            Self::Or(a, b) => a.eval(firing) || b.eval(firing),
        }
    }

    pub fn names(&self, out: &mut BTreeSet<String>) {
        match self {
            Self::Rule(n) => {
                out.insert(n.clone());
            }
            Self::Not(e) => e.names(out),
            Self::And(a, b) | Self::Or(a, b) => {
                a.names(out);
                b.names(out);
            }
        }
    }
}

fn tokenize(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in s.chars() {
        if c == '(' || c == ')' || c.is_whitespace() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            if !c.is_whitespace() {
                out.push(c.to_string());
            }
        } else {
            cur.push(c);
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

struct Parser {
    tokens: Vec<String>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.pos).map(String::as_str)
    }
    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.peek().is_some_and(|t| t.eq_ignore_ascii_case("or")) {
            self.pos += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }
    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.not()?;
        while self.peek().is_some_and(|t| t.eq_ignore_ascii_case("and")) {
            self.pos += 1;
            left = Expr::And(Box::new(left), Box::new(self.not()?));
        }
        Ok(left)
    }
    fn not(&mut self) -> Result<Expr, String> {
        if self.peek().is_some_and(|t| t.eq_ignore_ascii_case("not")) {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.not()?)));
        }
        self.atom()
    }
    fn atom(&mut self) -> Result<Expr, String> {
        match self.peek() {
            Some("(") => {
                self.pos += 1;
                let e = self.or()?;
                if self.peek() != Some(")") {
                    return Err("missing ')'".into());
                }
                self.pos += 1;
                Ok(e)
            }
            Some(t) if t != ")" && !["and", "or", "not"].contains(&t.to_ascii_lowercase().as_str()) => {
                let name = t.to_string();
                self.pos += 1;
                Ok(Expr::Rule(name))
            }
            Some(t) => Err(format!("unexpected '{t}'")),
            None => Err("the expression ends too early".into()),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default = "default_severity")]
    severity: Severity,
    #[serde(default)]
    kind: Kind,
    signal: Option<String>,
    period: Option<i64>,
    #[serde(default)]
    reduce: Reduce,
    op: Option<Op>,
    threshold: Option<f64>,
    datapoints: Option<i64>,
    evaluation_periods: Option<i64>,
    band: Option<f64>,
    expr: Option<String>,
    #[serde(default = "yes")]
    enabled: bool,
}

fn default_severity() -> Severity {
    Severity::Warning
}
fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    rules: Vec<RawRule>,
}

/// One validated rule.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Rule {
    pub name: String,
    pub description: String,
    pub severity: Severity,
    pub kind: Kind,
    pub signal: Option<Signal>,
    pub period: i64,
    pub reduce: Reduce,
    pub op: Op,
    pub threshold: Option<f64>,
    pub datapoints: i64,
    pub evaluation_periods: i64,
    pub band: f64,
    /// Anomaly rules: only departures in `op`'s direction count (both ways when no op is given).
    pub two_sided: bool,
    pub expr: Option<Expr>,
}

#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
}

impl RuleSet {
    pub fn builtin() -> Self {
        Self::parse(DEFAULT_RULES, "built-in rules/default.toml", None).expect("the built-in rules parse")
    }

    pub fn load_user(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::parse(&text, &path.display().to_string(), Some(&Self::builtin()))
    }

    /// Parse a rule file; with `base`, rules replace the base's by name (and `enabled = false`
    /// removes one). Errors name the file and the rule.
    pub fn parse(text: &str, origin: &str, base: Option<&RuleSet>) -> Result<Self, String> {
        let file: RuleFile = toml::from_str(text).map_err(|e| format!("{origin}: {}", e.to_string().trim()))?;
        let mut rules: Vec<Rule> = base.map(|b| b.rules.clone()).unwrap_or_default();
        let mut seen = BTreeSet::new();
        for raw in file.rules {
            let at = format!("{origin}: rules.{}", raw.name);
            if !seen.insert(raw.name.clone()) {
                return Err(format!("{at}: defined twice"));
            }
            rules.retain(|r| r.name != raw.name);
            if !raw.enabled {
                continue;
            }
            rules.push(validate(raw, &at)?);
        }
        let names: BTreeSet<String> = rules.iter().map(|r| r.name.clone()).collect();
        for r in &rules {
            if let Some(e) = &r.expr {
                let mut used = BTreeSet::new();
                e.names(&mut used);
                if let Some(missing) = used.iter().find(|n| !names.contains(*n)) {
                    return Err(format!("{origin}: rules.{}: expr names unknown rule '{missing}'", r.name));
                }
                if used.contains(&r.name) {
                    return Err(format!("{origin}: rules.{}: expr refers to itself", r.name));
                }
            }
        }
        Ok(Self { rules })
    }
}

fn validate(raw: RawRule, at: &str) -> Result<Rule, String> {
    let need = |what: &str| format!("{at}: {what} is required for a {:?} rule", raw.kind).to_lowercase();
    let (signal, expr) = match raw.kind {
        Kind::Composite => {
            let e = raw.expr.as_deref().ok_or_else(|| need("expr"))?;
            (None, Some(Expr::parse(e).map_err(|e| format!("{at}: expr: {e}"))?))
        }
        _ => {
            let s = raw.signal.as_deref().ok_or_else(|| need("signal"))?;
            (Some(Signal::parse(s).map_err(|e| format!("{at}: signal: {e}"))?), None)
        }
    };
    let period = raw.period.unwrap_or(300);
    if period < 60 || period % 60 != 0 {
        return Err(format!("{at}: period: {period} must be a multiple of 60 seconds"));
    }
    let two_sided = raw.op.is_none();
    let (op, threshold) = match raw.kind {
        Kind::Threshold => (raw.op.ok_or_else(|| need("op"))?, Some(raw.threshold.ok_or_else(|| need("threshold"))?)),
        _ => (raw.op.unwrap_or(Op::Gt), raw.threshold),
    };
    let evaluation_periods = raw.evaluation_periods.unwrap_or(1);
    let datapoints = raw.datapoints.unwrap_or(evaluation_periods);
    if datapoints < 1 || evaluation_periods < datapoints || evaluation_periods > 60 {
        return Err(format!(
            "{at}: datapoints ({datapoints}) must be between 1 and evaluation_periods ({evaluation_periods}, at most 60)"
        ));
    }
    let band = raw.band.unwrap_or(2.0);
    if !(band.is_finite() && band > 0.0) {
        return Err(format!("{at}: band must be a positive number"));
    }
    Ok(Rule {
        name: raw.name,
        description: raw.description,
        severity: raw.severity,
        kind: raw.kind,
        signal,
        period,
        reduce: raw.reduce,
        op,
        threshold,
        datapoints,
        evaluation_periods,
        band,
        two_sided,
        expr,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_mirror_the_seed_alarm_suite() {
        let r = RuleSet::builtin();
        let names: Vec<&str> = r.rules.iter().map(|r| r.name.as_str()).collect();
        for n in [
            "RAG-Quality-Degradation",
            "RAG-Faithfulness-Critical",
            "RAG-High-Latency-P95",
            "RAG-Latency-Anomaly",
            "RAG-Cost-Spike",
            "RAG-Daily-Budget",
            "RAG-High-Error-Rate",
            "RAG-Retrieval-Failures",
            "RAG-System-Degraded",
        ] {
            assert!(names.contains(&n), "{n} missing from {names:?}");
        }
        let q = &r.rules[0];
        assert_eq!((q.datapoints, q.evaluation_periods, q.period), (2, 2, 300));
        assert_eq!(
            q.signal,
            Some(Signal::Series {
                namespace: "GenAI/Quality".into(),
                metric: "Faithfulness".into(),
                stat: "Average".into()
            })
        );
    }

    #[test]
    fn composite_expressions() {
        let e = Expr::parse("(A or B) and not C").unwrap();
        let f = |on: &[&str]| {
            let on: Vec<String> = on.iter().map(|s| s.to_string()).collect();
            e.eval(&|n: &str| on.iter().any(|x| x == n))
        };
        assert!(f(&["A"]));
        assert!(f(&["B"]));
        assert!(!f(&["A", "C"]));
        assert!(!f(&[]));
        assert!(Expr::parse("(A or B").unwrap_err().contains("')'"));
        assert!(Expr::parse("A and").is_err());
        assert!(Expr::parse("A B").is_err());
    }

    /// Found while fuzzing (a hand-made deep input run through fuzz/fuzz_targets/rules_file.rs):
    /// 20,000 nested parentheses overflowed the stack instead of being an error.
    #[test]
    fn deep_expressions_are_errors_not_stack_overflows() {
        let deep = format!("{}A{}", "(".repeat(20_000), ")".repeat(20_000));
        assert!(Expr::parse(&deep).unwrap_err().contains("longer than 256"));
        let nots = format!("{}A", "not ".repeat(300_000));
        assert!(Expr::parse(&nots).unwrap_err().contains("longer than 256"));
        let wide = vec!["A"; 10_000].join(" and ");
        assert!(Expr::parse(&wide).is_err());
        // the longest accepted still parses, evaluates and drops
        let ok = format!("{}A{}", "(".repeat(127), ")".repeat(127));
        assert!(Expr::parse(&ok).unwrap().eval(&|n| n == "A"));
        let rule = format!("[[rules]]\nname = \"c\"\nkind = \"composite\"\nexpr = \"{deep}\"\n");
        assert!(RuleSet::parse(&rule, "r.toml", None).unwrap_err().starts_with("r.toml: rules.c: expr: longer than"));
    }

    #[test]
    fn user_rules_override_by_name_and_errors_name_file_and_rule() {
        let user = "[[rules]]\nname = \"RAG-Cost-Spike\"\nsignal = \"GenAI/Cost:TotalCost:Sum\"\nop = \">\"\nthreshold = 5.0\n\n[[rules]]\nname = \"RAG-Daily-Budget\"\nenabled = false\n";
        let r = RuleSet::parse(user, "mine.toml", Some(&RuleSet::builtin())).unwrap();
        assert_eq!(r.rules.iter().find(|r| r.name == "RAG-Cost-Spike").unwrap().threshold, Some(5.0));
        assert!(!r.rules.iter().any(|r| r.name == "RAG-Daily-Budget"));

        let e = RuleSet::parse(
            "[[rules]]\nname = \"x\"\nsignal = \"nope\"\nop = \">\"\nthreshold = 1.0\n",
            "mine.toml",
            None,
        )
        .unwrap_err();
        assert!(e.starts_with("mine.toml: rules.x: signal:"), "{e}");
        let e = RuleSet::parse("[[rules]]\nname = \"x\"\nsignal = \"A:B:Sum\"\nthreshold = 1.0\n", "mine.toml", None)
            .unwrap_err();
        assert!(e.contains("rules.x") && e.contains("op"), "{e}");
        let e = RuleSet::parse(
            "[[rules]]\nname = \"c\"\nkind = \"composite\"\nexpr = \"ghost and not ghost\"\n",
            "mine.toml",
            None,
        )
        .unwrap_err();
        assert!(e.contains("unknown rule 'ghost'"), "{e}");
        let e = RuleSet::parse(
            "[[rules]]\nname = \"x\"\nsignal = \"A:B:Sum\"\nop = \">\"\nthreshold = 1.0\nperiod = 90\n",
            "m.toml",
            None,
        )
        .unwrap_err();
        assert!(e.contains("period"), "{e}");
        let e = RuleSet::parse("[[rules]]\nname = \"x\"\nsignl = \"A:B:Sum\"\n", "m.toml", None).unwrap_err();
        assert!(e.contains("signl"), "{e}");
    }

    #[test]
    fn signals_parse() {
        assert_eq!(Signal::parse("bedrock:throttle_pct").unwrap(), Signal::Bedrock(BedrockSignal::ThrottlePct));
        assert_eq!(
            Signal::parse("GenAI/RAG/Retrieval:RetrievalQuality:Average").unwrap(),
            Signal::Series {
                namespace: "GenAI/RAG/Retrieval".into(),
                metric: "RetrievalQuality".into(),
                stat: "Average".into()
            }
        );
        assert!(Signal::parse("bedrock:nope").is_err());
    }

    #[test]
    fn reducers() {
        let v = [1.0, 5.0, 3.0];
        assert_eq!(Reduce::Avg.apply(&v), Some(3.0));
        assert_eq!(Reduce::Sum.apply(&v), Some(9.0));
        assert_eq!(Reduce::Max.apply(&v), Some(5.0));
        assert_eq!(Reduce::Min.apply(&v), Some(1.0));
        assert_eq!(Reduce::Last.apply(&v), Some(3.0));
        assert_eq!(Reduce::Avg.apply(&[]), None);
    }
}
