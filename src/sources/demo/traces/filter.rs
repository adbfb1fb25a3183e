//! A small evaluator for the part of X-Ray's filter-expression language the console sends, so
//! the demo answers the trace presets and typed expressions the way X-Ray would (and rejects what
//! it cannot read with an error, as X-Ray does).
//!
//! Supported: `fault`, `error`, `throttle`, `ok`, `partial` (alone, negated with `!`, or
//! `= true|false`); `responsetime`, `duration`, `http.status` with `= != < <= > >=`;
//! `http.url`, `http.method`, `name`, `user` and `annotation.KEY` / `annotation[KEY]` with
//! `= != CONTAINS BEGINSWITH ENDSWITH` (numbers and booleans compare too); `service("name")`
//! with an optional `{ … }` body; `AND`, `OR`, `NOT`/`!`, parentheses.

use serde_json::Value;

/// What a filter is evaluated against.
#[derive(Debug, Clone, Default)]
pub struct Subject {
    pub fault: bool,
    pub error: bool,
    pub throttle: bool,
    pub partial: bool,
    pub response_time: f64,
    pub duration: f64,
    pub http_status: Option<u16>,
    pub http_url: String,
    pub http_method: String,
    pub services: Vec<String>,
    pub user: String,
    pub annotations: Vec<(String, Value)>,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(f64),
    Op(String),
    LParen,
    RParen,
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    Not,
}

fn lex(s: &str) -> Result<Vec<Tok>, String> {
    let c: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < c.len() {
        let ch = c[i];
        let single = match ch {
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            '{' => Some(Tok::LBrace),
            '}' => Some(Tok::RBrace),
            '[' => Some(Tok::LBracket),
            ']' => Some(Tok::RBracket),
            _ => None,
        };
        if let Some(t) = single {
            out.push(t);
            i += 1;
            continue;
        }
        match ch {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '"' | '\'' => {
                let q = ch;
                let mut j = i + 1;
                let mut v = String::new();
                while j < c.len() && c[j] != q {
                    if c[j] == '\\' && j + 1 < c.len() {
                        j += 1;
                    }
                    v.push(c[j]);
                    j += 1;
                }
                if j >= c.len() {
                    return Err("unterminated string".into());
                }
                out.push(Tok::Str(v));
                i = j + 1;
            }
            '!' if c.get(i + 1) == Some(&'=') => {
                out.push(Tok::Op("!=".into()));
                i += 2;
            }
            '!' => {
                out.push(Tok::Not);
                i += 1;
            }
            '<' | '>' | '=' => {
                if c.get(i + 1) == Some(&'=') && ch != '=' {
                    out.push(Tok::Op(format!("{ch}=")));
                    i += 2;
                } else {
                    out.push(Tok::Op(ch.to_string()));
                    i += 1;
                }
            }
            d if d.is_ascii_digit() || (d == '-' && c.get(i + 1).is_some_and(|x| x.is_ascii_digit())) => {
                let mut j = i + 1;
                while j < c.len() && (c[j].is_ascii_digit() || c[j] == '.') {
                    j += 1;
                }
                let t: String = c[i..j].iter().collect();
                out.push(Tok::Num(t.parse().map_err(|_| format!("bad number '{t}'"))?));
                i = j;
            }
            a if a.is_alphanumeric() || a == '_' => {
                let mut j = i + 1;
                while j < c.len() && (c[j].is_alphanumeric() || matches!(c[j], '_' | '.' | ':' | '-')) {
                    j += 1;
                }
                let word: String = c[i..j].iter().collect();
                match word.to_ascii_uppercase().as_str() {
                    "CONTAINS" | "BEGINSWITH" | "ENDSWITH" => out.push(Tok::Op(word.to_ascii_uppercase())),
                    "NOT" => out.push(Tok::Not),
                    _ => out.push(Tok::Ident(word)),
                }
                i = j;
            }
            other => return Err(format!("unexpected '{other}'")),
        }
    }
    Ok(out)
}

#[derive(Debug, Clone)]
enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Flag(String, bool),
    Cmp(String, String, Tok),
    Service(String, Option<Box<Expr>>),
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn keyword(&self, k: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(w)) if w.eq_ignore_ascii_case(k))
    }
    fn or(&mut self) -> Result<Expr, String> {
        let mut e = self.and()?;
        while self.keyword("or") {
            self.pos += 1;
            e = Expr::Or(Box::new(e), Box::new(self.and()?));
        }
        Ok(e)
    }
    fn and(&mut self) -> Result<Expr, String> {
        let mut e = self.unary()?;
        while self.keyword("and") {
            self.pos += 1;
            e = Expr::And(Box::new(e), Box::new(self.unary()?));
        }
        Ok(e)
    }
    fn unary(&mut self) -> Result<Expr, String> {
        if self.peek() == Some(&Tok::Not) {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        self.primary()
    }
    fn primary(&mut self) -> Result<Expr, String> {
        match self.next() {
            Some(Tok::LParen) => {
                let e = self.or()?;
                match self.next() {
                    Some(Tok::RParen) => Ok(e),
                    _ => Err("missing ')'".into()),
                }
            }
            Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("service") && self.peek() == Some(&Tok::LParen) => {
                self.pos += 1;
                let name = match self.next() {
                    Some(Tok::Str(s)) => {
                        if self.next() != Some(Tok::RParen) {
                            return Err("missing ')' after service name".into());
                        }
                        s
                    }
                    Some(Tok::RParen) => String::new(),
                    _ => return Err("service() takes a quoted name".into()),
                };
                let body = if self.peek() == Some(&Tok::LBrace) {
                    self.pos += 1;
                    let e = self.or()?;
                    if self.next() != Some(Tok::RBrace) {
                        return Err("missing '}'".into());
                    }
                    Some(Box::new(e))
                } else {
                    None
                };
                Ok(Expr::Service(name, body))
            }
            Some(Tok::Ident(w)) => {
                let mut key = w.to_ascii_lowercase();
                if key == "annotation" && self.peek() == Some(&Tok::LBracket) {
                    self.pos += 1;
                    let Some(Tok::Ident(k)) = self.next() else { return Err("annotation[…] needs a key".into()) };
                    if self.next() != Some(Tok::RBracket) {
                        return Err("missing ']'".into());
                    }
                    key = format!("annotation.{k}");
                } else if let Some(k) = w.strip_prefix("annotation.") {
                    key = format!("annotation.{k}");
                }
                match self.peek() {
                    Some(Tok::Op(_)) => {
                        let Some(Tok::Op(op)) = self.next() else { unreachable!() };
                        let value = match self.next() {
                            Some(v @ (Tok::Str(_) | Tok::Num(_))) => v,
                            Some(Tok::Ident(b))
                                if b.eq_ignore_ascii_case("true") || b.eq_ignore_ascii_case("false") =>
                            {
                                Tok::Ident(b.to_ascii_lowercase())
                            }
                            _ => return Err(format!("'{w} {op}' needs a value")),
                        };
                        if let Tok::Ident(b) = &value
                            && is_flag(&key)
                            && op == "="
                        {
                            return Ok(Expr::Flag(key, b == "true"));
                        }
                        check_key(&key)?;
                        Ok(Expr::Cmp(key, op, value))
                    }
                    _ if is_flag(&key) => Ok(Expr::Flag(key, true)),
                    _ => Err(format!("'{w}' needs an operator and a value")),
                }
            }
            Some(t) => Err(format!("unexpected {t:?}")),
            None => Err("the expression ends too early".into()),
        }
    }
}

fn is_flag(k: &str) -> bool {
    matches!(k, "fault" | "error" | "throttle" | "ok" | "partial")
}

fn check_key(k: &str) -> Result<(), String> {
    if k.starts_with("annotation.")
        || matches!(k, "responsetime" | "duration" | "http.status" | "http.url" | "http.method" | "name" | "user")
    {
        Ok(())
    } else {
        Err(format!("unknown keyword '{k}'"))
    }
}

/// A parsed filter expression.
#[derive(Debug, Clone)]
pub struct Filter(Expr);

impl Filter {
    pub fn parse(s: &str) -> Result<Self, String> {
        let toks = lex(s)?;
        if toks.is_empty() {
            return Err("empty expression".into());
        }
        let mut p = Parser { toks, pos: 0 };
        let e = p.or()?;
        if p.pos < p.toks.len() {
            return Err(format!("unexpected {:?}", p.toks[p.pos]));
        }
        Ok(Self(e))
    }

    pub fn matches(&self, s: &Subject) -> bool {
        eval(&self.0, s)
    }
}

fn eval(e: &Expr, s: &Subject) -> bool {
    match e {
        Expr::And(a, b) => eval(a, s) && eval(b, s),
        Expr::Or(a, b) => eval(a, s) || eval(b, s),
        Expr::Not(a) => !eval(a, s),
        Expr::Flag(k, want) => {
            let v = match k.as_str() {
                "fault" => s.fault,
                "error" => s.error,
                "throttle" => s.throttle,
                "partial" => s.partial,
                _ => !(s.fault || s.error || s.throttle),
            };
            v == *want
        }
        Expr::Service(name, body) => {
            (name.is_empty() || s.services.iter().any(|x| x == name)) && body.as_ref().is_none_or(|b| eval(b, s))
        }
        Expr::Cmp(k, op, v) => {
            let num = match k.as_str() {
                "responsetime" => Some(s.response_time),
                "duration" => Some(s.duration),
                "http.status" => Some(s.http_status.map_or(0.0, f64::from)),
                _ => None,
            };
            if let Some(x) = num {
                let Tok::Num(y) = v else { return false };
                return cmp_num(x, op, *y);
            }
            let text: Vec<Value> = match k.as_str() {
                "http.url" => vec![Value::String(s.http_url.clone())],
                "http.method" => vec![Value::String(s.http_method.clone())],
                "name" => s.services.iter().map(|x| Value::String(x.clone())).collect(),
                "user" => vec![Value::String(s.user.clone())],
                a => {
                    let key = a.trim_start_matches("annotation.");
                    s.annotations.iter().filter(|(k, _)| k == key).map(|(_, v)| v.clone()).collect()
                }
            };
            text.iter().any(|x| match (x, v) {
                (Value::Number(n), Tok::Num(y)) => n.as_f64().is_some_and(|n| cmp_num(n, op, *y)),
                (Value::Bool(b), Tok::Ident(w)) => (*b == (w == "true")) == (op == "="),
                (Value::String(a), Tok::Str(b)) => match op.as_str() {
                    "=" => a == b,
                    "!=" => a != b,
                    "CONTAINS" => a.contains(b.as_str()),
                    "BEGINSWITH" => a.starts_with(b.as_str()),
                    "ENDSWITH" => a.ends_with(b.as_str()),
                    _ => false,
                },
                _ => false,
            })
        }
    }
}

fn cmp_num(x: f64, op: &str, y: f64) -> bool {
    match op {
        "=" => x == y,
        "!=" => x != y,
        "<" => x < y,
        "<=" => x <= y,
        ">" => x > y,
        ">=" => x >= y,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn subject() -> Subject {
        Subject {
            fault: false,
            error: true,
            throttle: true,
            response_time: 3.2,
            duration: 3.5,
            http_status: Some(429),
            http_url: "https://api/query".into(),
            http_method: "POST".into(),
            services: vec!["rag-api".into(), "vector-db".into()],
            annotations: vec![("model_id".into(), json!("sonnet")), ("tokens".into(), json!(1200))],
            ..Default::default()
        }
    }

    fn m(e: &str) -> bool {
        Filter::parse(e).unwrap_or_else(|err| panic!("{e}: {err}")).matches(&subject())
    }

    #[test]
    fn presets_and_combinations() {
        assert!(m("throttle"));
        assert!(!m("fault"));
        assert!(m("error = true AND !fault"));
        assert!(m("responsetime > 3.1"));
        assert!(!m("responsetime > 3.2"));
        assert!(m("annotation.model_id = \"sonnet\""));
        assert!(m("annotation[model_id] CONTAINS \"onn\""));
        assert!(!m("annotation.model_id = \"haiku\""));
        assert!(m("annotation.tokens >= 1200"));
        assert!(m("service(\"vector-db\")"));
        assert!(m("service(\"rag-api\") { throttle OR fault }"));
        assert!(!m("service(\"rag-api\") { fault }"));
        assert!(m("(fault OR throttle) AND http.status = 429 AND http.method = \"POST\""));
        assert!(m("NOT ok"));
        assert!(m("http.url ENDSWITH \"/query\""));
    }

    #[test]
    fn bad_expressions_are_errors() {
        for bad in ["", "bogus", "responsetime >", "fault AND (error", "service(rag)", "foo = 3", "\"x"] {
            assert!(Filter::parse(bad).is_err(), "{bad}");
        }
    }
}
