"""A small CloudWatch Logs Insights executor for nightjar's test emulator.

moto 5.2.5 answers StartQuery/GetQueryResults without running the query: it ignores `filter`,
`stats`, `parse` and `bin`, extracts no JSON fields and returns one row per event (see
tests/emulator/moto_shim.py). `install()` replaces its two handlers so that queries run for real
over the events stored in moto's logs backend, for the subset of the Logs Insights query language
that nightjar's presets and its own queries use. A query that uses anything outside the subset is
refused with MalformedQueryException naming what is unsupported: it is never silently ignored.

What it implements, and how it follows AWS (the API reference of StartQuery / GetQueryResults and
the Logs Insights query-syntax pages of the CloudWatch Logs user guide):

* Commands: `fields` (expressions, `as`), `filter`, `stats` (`count(*)`/`count()`/`count(f)`,
  `count_distinct`, `sum`, `avg`, `min`, `max`, `pct(f, N)`; `by` expressions and `bin(period)`,
  with `as`), `sort f [asc|desc], ...`, `limit N`, `parse [field] "glob" as a, b` and
  `parse [field] /(?<name>re)/`, `display`. Commands are case-insensitive, `#` starts a comment line.
* Expressions: field names with dots (`input.inputTokenCount`, arrays as `a.0.b`), backticked names,
  numbers, strings, `+ - * / % ^`, `= != < <= > >=`, `like "substring"`, `like /regex/`, `=~`,
  `in [...]`, `and`/`or`/`not`, and the functions in FUNCTIONS below.
* System fields `@timestamp`, `@message`, `@log` (`account-id:log-group-name`), `@logStream`,
  `@ingestionTime`, `@ptr`; `@timestamp`-like values come back as `2026-11-23 12:32:56.400` (UTC).
* JSON messages are flattened with dot notation, arrays by index, and - as documented ("CloudWatch
  Logs Insights can extract a maximum of 200 log event fields from a JSON log", Supported logs and
  discovered fields) - only the first FIELD_CAP (200) leaf fields in document order are
  extracted: a large record's late fields (for a Bedrock invocation record, `input.inputTokenCount`
  after a long `input.inputBodyJson`) are absent, as on AWS, and only `parse` on `@message` reaches
  them. AWS does not say which 200 it keeps; document order is this emulator's assumption.
* Time range: startTime and endTime are epoch seconds, both inclusive, compared with the events'
  millisecond timestamps "straight" (start*1000 <= ts <= end*1000; the CloudWatch Logs team's answer
  in aws/aws-sdk#280), so an event at exactly end*1000 is in the window.
* Row limits: the query's `limit` (at most 100,000) and StartQuery's `limit` parameter (1 to
  100,000) both apply (the smaller wins); with neither, at most DEFAULT_ROWS (10,000) rows. Rows are
  paged by GetQueryResults' `maxItems` (at most 10,000 per call, the default here) with nextToken.
* `pct(f, N)`: AWS documents it as the value below which N percent of the values lie; this takes
  the nearest rank, the smallest value with at least N percent of the values at or below it (AWS
  may approximate on large sets). `sort` follows AWS's natural sort (non-numbers before numbers,
  numbers by value). Missing values never satisfy a comparison.
* Statistics: recordsScanned = events in the time range of the groups, bytesScanned = their
  message bytes (UTF-8), recordsMatched = events left after the filters before `stats`/`limit`.
* Errors: a syntax error or an unsupported command, function or unit is MalformedQueryException
  (HTTP 400, with queryCompileError as AWS sends it) at StartQuery; bad parameters are
  InvalidParameterException; a missing log group ResourceNotFoundException. Queries finish inside
  StartQuery, so the first GetQueryResults already says Complete.

Run `python insights.py --self-test` for the module's own checks (no moto needed).
"""

import base64
import datetime as dt
import functools
import json
import math
import re
import sys

FIELD_CAP = 200
DEFAULT_ROWS = 10_000
MAX_LIMIT = 100_000
PAGE_MAX = 10_000
MAX_GROUPS = 50
MAX_QUERY_CHARS = 10_000

KEYWORDS = {"and", "or", "not", "like", "in", "as", "by", "asc", "desc"}
COMMANDS = {"fields", "filter", "stats", "sort", "limit", "parse", "display"}
# Real Logs Insights commands this executor does not run (named in the error).
KNOWN_UNSUPPORTED = {"dedup", "pattern", "unmask", "diff", "anomaly", "source", "filterindex",
                     "unnest", "lookup", "head", "tail"}
AGGREGATES = {"count", "count_distinct", "sum", "avg", "min", "max", "pct"}
# name -> (min args, max args)
FUNCTIONS = {
    "ispresent": (1, 1), "coalesce": (1, 99), "isempty": (1, 1), "isblank": (1, 1),
    "concat": (1, 99), "strlen": (1, 1), "toupper": (1, 1), "tolower": (1, 1),
    "abs": (1, 1), "ceil": (1, 1), "floor": (1, 1), "round": (1, 2), "greatest": (1, 99),
    "least": (1, 99), "sqrt": (1, 1), "log": (1, 1), "tonumber": (1, 1),
    "bin": (1, 1), "datefloor": (2, 2), "dateceil": (2, 2), "tomillis": (1, 1),
    "frommillis": (1, 1),
}
# duration units -> (milliseconds, cap on the number as AWS documents it; None = no cap)
UNITS = {}
for _names, _ms, _cap in ((("ms", "msec", "millisecond"), 1, 1000), (("s", "sec", "second"), 1000, 60),
                          (("m", "min", "minute"), 60_000, 60), (("h", "hr", "hour"), 3_600_000, 24),
                          (("d", "day"), 86_400_000, None)):
    for _n in _names:
        UNITS[_n] = (_ms, _cap)
        if len(_n) > 1:
            UNITS[_n + "s"] = (_ms, _cap)


class QueryError(Exception):
    """A query that cannot run: AWS answers MalformedQueryException."""

    def __init__(self, message, start=0, end=0):
        super().__init__(message)
        self.message, self.start, self.end = message, start, end


# ------------------------------------------------------------------------------------------------
# Values


class Ts:
    """A timestamp (epoch milliseconds): @timestamp, bin(), fromMillis()."""

    __slots__ = ("ms",)

    def __init__(self, ms):
        self.ms = int(ms)

    def __eq__(self, other):
        return isinstance(other, Ts) and other.ms == self.ms

    def __hash__(self):
        return hash(("ts", self.ms))

    def __repr__(self):
        return f"Ts({self.ms})"


def fmt_ts(ms):
    t = dt.datetime.fromtimestamp(ms // 1000, tz=dt.timezone.utc)
    return f"{t:%Y-%m-%d %H:%M:%S}.{ms % 1000:03d}"


def fmt(v):
    """A value as Logs Insights sends it: every value is a string."""
    if isinstance(v, Ts):
        return fmt_ts(v.ms)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isfinite(v) and v == int(v) and abs(v) < 1e15:
            return str(int(v))
        return repr(v)
    return str(v)


def num(v):
    """A number, or None (strings that read as numbers count; booleans do not)."""
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, Ts):
        return v.ms
    try:
        f = float(str(v).strip())
    except ValueError:
        return None
    return f if math.isfinite(f) else None


def hashable(v):
    return v


def truthy(v):
    if v is None:
        return False
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return v != 0
    return bool(v)


# ------------------------------------------------------------------------------------------------
# Lexer


class Tok:
    __slots__ = ("kind", "text", "value", "start", "end", "quoted")

    def __init__(self, kind, text, value, start, end, quoted=False):
        self.kind, self.text, self.value, self.start, self.end, self.quoted = kind, text, value, start, end, quoted

    def is_kw(self, *words):
        return self.kind == "ident" and not self.quoted and self.text.lower() in words

    def __repr__(self):
        return f"{self.kind}:{self.text}"


_SEG = re.compile(r"[A-Za-z0-9_@$]+")
_NUM = re.compile(r"\d+(\.\d+)?([eE][+-]?\d+)?")
_OPS = ["=~", "!=", "<=", ">=", "=", "<", ">", "+", "-", "*", "/", "%", "^"]


def _read_quoted(src, i, quote):
    """A string literal starting at src[i] == quote: (value, index after it)."""
    out, j = [], i + 1
    while j < len(src):
        c = src[j]
        if c == "\\" and j + 1 < len(src):
            nxt = src[j + 1]
            out.append({"n": "\n", "t": "\t", "r": "\r"}.get(nxt, nxt))
            j += 2
            continue
        if c == quote:
            return "".join(out), j + 1
        out.append(c)
        j += 1
    raise QueryError("unterminated string literal", i, len(src))


def _read_regex(src, i):
    """A /regex/ starting at src[i] == '/': (pattern, index after it)."""
    j = i + 1
    while j < len(src):
        c = src[j]
        if c == "\\" and j + 1 < len(src):
            j += 2
            continue
        if c == "/":
            return src[i + 1:j], j + 1
        j += 1
    raise QueryError("unterminated regular expression", i, len(src))


def lex(src):
    toks, i = [], 0
    while i < len(src):
        c = src[i]
        if c in " \t\r\n":
            i += 1
            continue
        if c == "#":
            # a comment: to the end of the line
            nl = src.find("\n", i)
            i = len(src) if nl < 0 else nl + 1
            continue
        start = i
        prev = toks[-1] if toks else None
        prev2 = toks[-2] if len(toks) > 1 else None
        if c == "/" and prev is not None and (
            prev.is_kw("like") or (prev.kind == "op" and prev.text == "=~") or prev.is_kw("parse")
            or (prev.kind == "ident" and prev2 is not None and prev2.is_kw("parse"))
            or prev.kind in ("comma", "lp")
        ):
            pat, i = _read_regex(src, i)
            toks.append(Tok("regex", src[start:i], pat, start, i))
            continue
        if c in "\"'":
            val, i = _read_quoted(src, i, c)
            toks.append(Tok("str", src[start:i], val, start, i))
            continue
        if c.isdigit():
            m = _NUM.match(src, i)
            i = m.end()
            u = re.compile(r"[A-Za-z]+").match(src, i)
            if u:
                i = u.end()
                toks.append(Tok("dur", src[start:i], (m.group(0), u.group(0)), start, i))
            else:
                text = m.group(0)
                val = float(text) if any(ch in text for ch in ".eE") else int(text)
                toks.append(Tok("num", text, val, start, i))
            continue
        if c.isalpha() or c in "_@`":
            parts, quoted = [], False
            while True:
                if i < len(src) and src[i] == "`":
                    end = src.find("`", i + 1)
                    if end < 0:
                        raise QueryError("unterminated backtick name", i, len(src))
                    parts.append(src[i + 1:end])
                    quoted = True
                    i = end + 1
                else:
                    m = _SEG.match(src, i)
                    if not m:
                        break
                    parts.append(m.group(0))
                    i = m.end()
                if i + 1 < len(src) and src[i] == "." and (src[i + 1] == "`" or _SEG.match(src, i + 1)):
                    i += 1
                    continue
                break
            toks.append(Tok("ident", src[start:i], ".".join(parts), start, i, quoted))
            continue
        single = {"|": "pipe", ",": "comma", "(": "lp", ")": "rp", "[": "lb", "]": "rb"}
        if c in single:
            toks.append(Tok(single[c], c, c, i, i + 1))
            i += 1
            continue
        for op in _OPS:
            if src.startswith(op, i):
                toks.append(Tok("op", op, op, i, i + len(op)))
                i += len(op)
                break
        else:
            raise QueryError(f"unexpected character {c!r}", i, i + 1)
    return toks


# ------------------------------------------------------------------------------------------------
# Parser: expressions are tuples ("lit", v) ("field", name) ("regex", compiled) ("list", [e])
# ("dur", ms) ("star",) ("call", name, [args], text) ("agg", name, [args], text)
# ("op", sym, a, b) ("neg", a) ("and", a, b) ("or", a, b) ("not", a)
# ("like", a, pattern, negated) ("in", a, [e], negated)


def py_regex(pat, where):
    """A Logs Insights regex as a compiled Python one: `(?<name>` groups become `(?P<name>`."""
    conv = re.sub(r"\(\?<(?![=!])", "(?P<", pat)
    try:
        return re.compile(conv)
    except re.error as e:
        raise QueryError(f"invalid regular expression /{pat}/: {e}", where.start, where.end)


class Parser:
    def __init__(self, src, toks):
        self.src, self.toks, self.i = src, toks, 0
        self.in_stats = False

    def peek(self, k=0):
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def take(self):
        t = self.peek()
        if t is None:
            raise QueryError("unexpected end of the query", len(self.src), len(self.src))
        self.i += 1
        return t

    def expect(self, kind, text=None):
        t = self.take()
        if t.kind != kind or (text is not None and t.text.lower() != text):
            raise QueryError(f"expected {text or kind}, found {t.text!r}", t.start, t.end)
        return t

    def at_end(self):
        return self.peek() is None

    def err(self, msg, t=None):
        t = t or self.peek()
        if t is None:
            return QueryError(msg, len(self.src), len(self.src))
        return QueryError(msg, t.start, t.end)

    # --- expressions
    def expr(self):
        a = self.and_expr()
        while self.peek() is not None and self.peek().is_kw("or"):
            self.take()
            a = ("or", a, self.and_expr())
        return a

    def and_expr(self):
        a = self.not_expr()
        while self.peek() is not None and self.peek().is_kw("and"):
            self.take()
            a = ("and", a, self.not_expr())
        return a

    def not_expr(self):
        if self.peek() is not None and self.peek().is_kw("not"):
            self.take()
            return ("not", self.not_expr())
        return self.cmp_expr()

    def pattern(self):
        t = self.take()
        if t.kind == "str":
            return ("lit", t.value)
        if t.kind == "regex":
            return ("regex", py_regex(t.value, t))
        raise QueryError(f"expected a string or /regex/ after like, found {t.text!r}", t.start, t.end)

    def cmp_expr(self):
        a = self.add_expr()
        t = self.peek()
        if t is None:
            return a
        if t.kind == "op" and t.text in ("=", "!=", "<", "<=", ">", ">="):
            self.take()
            return ("op", t.text, a, self.add_expr())
        if t.kind == "op" and t.text == "=~":
            self.take()
            return ("like", a, self.pattern(), False)
        negated = False
        if t.is_kw("not") and self.peek(1) is not None and self.peek(1).is_kw("like", "in"):
            self.take()
            negated = True
            t = self.peek()
        if t.is_kw("like"):
            self.take()
            return ("like", a, self.pattern(), negated)
        if t.is_kw("in"):
            self.take()
            self.expect("lb")
            items = []
            if not (self.peek() and self.peek().kind == "rb"):
                items.append(self.expr())
                while self.peek() and self.peek().kind == "comma":
                    self.take()
                    items.append(self.expr())
            self.expect("rb")
            return ("in", a, items, negated)
        return a

    def add_expr(self):
        a = self.mul_expr()
        while self.peek() is not None and self.peek().kind == "op" and self.peek().text in "+-":
            op = self.take().text
            a = ("op", op, a, self.mul_expr())
        return a

    def mul_expr(self):
        a = self.pow_expr()
        while self.peek() is not None and self.peek().kind == "op" and self.peek().text in ("*", "/", "%"):
            op = self.take().text
            a = ("op", op, a, self.pow_expr())
        return a

    def pow_expr(self):
        a = self.unary()
        if self.peek() is not None and self.peek().kind == "op" and self.peek().text == "^":
            self.take()
            return ("op", "^", a, self.pow_expr())
        return a

    def unary(self):
        t = self.peek()
        if t is not None and t.kind == "op" and t.text == "-":
            self.take()
            return ("neg", self.unary())
        return self.primary()

    def primary(self):
        t = self.take()
        if t.kind == "num":
            return ("lit", t.value)
        if t.kind == "str":
            return ("lit", t.value)
        if t.kind == "dur":
            return ("dur", duration_ms(t))
        if t.kind == "regex":
            return ("regex", py_regex(t.value, t))
        if t.kind == "lp":
            e = self.expr()
            self.expect("rp")
            return e
        if t.kind == "lb":
            items = []
            if not (self.peek() and self.peek().kind == "rb"):
                items.append(self.expr())
                while self.peek() and self.peek().kind == "comma":
                    self.take()
                    items.append(self.expr())
            self.expect("rb")
            return ("list", items)
        if t.kind == "op" and t.text == "*":
            return ("star",)
        if t.kind == "ident":
            if self.peek() is not None and self.peek().kind == "lp" and not t.quoted:
                return self.call(t)
            if not t.quoted and t.text.lower() in KEYWORDS:
                raise QueryError(f"unexpected keyword {t.text!r}", t.start, t.end)
            return ("field", t.value)
        raise QueryError(f"unexpected {t.text!r}", t.start, t.end)

    def call(self, name_tok):
        name = name_tok.text.lower()
        self.expect("lp")
        args = []
        if not (self.peek() and self.peek().kind == "rp"):
            args.append(self.expr())
            while self.peek() and self.peek().kind == "comma":
                self.take()
                args.append(self.expr())
        close = self.expect("rp")
        text = self.src[name_tok.start:close.end]
        if name in AGGREGATES:
            if not self.in_stats:
                raise QueryError(f"{name}() is an aggregate function: use it in stats", name_tok.start, close.end)
            if name == "count":
                if len(args) > 1:
                    raise QueryError("count() takes at most one argument", name_tok.start, close.end)
            elif name == "pct":
                if len(args) != 2 or args[1][0] != "lit" or num(args[1][1]) is None:
                    raise QueryError("pct() takes a field and a number", name_tok.start, close.end)
            elif len(args) != 1:
                raise QueryError(f"{name}() takes one argument", name_tok.start, close.end)
            if any(a == ("star",) for a in args) and name != "count":
                raise QueryError(f"{name}(*) is not valid", name_tok.start, close.end)
            return ("agg", name, args, text)
        if name not in FUNCTIONS:
            raise QueryError(f"unsupported function {name_tok.text}() (the test emulator runs a subset of "
                             "Logs Insights)", name_tok.start, close.end)
        lo, hi = FUNCTIONS[name]
        if not lo <= len(args) <= hi:
            raise QueryError(f"{name}() takes {lo}..{hi} arguments", name_tok.start, close.end)
        if name == "bin" and args[0][0] != "dur":
            raise QueryError("bin() takes a period such as 5m", name_tok.start, close.end)
        if name in ("datefloor", "dateceil") and args[1][0] != "dur":
            raise QueryError(f"{name}() takes a period such as 1h", name_tok.start, close.end)
        if ("star",) in args:
            raise QueryError(f"{name}(*) is not valid", name_tok.start, close.end)
        return ("call", name, args, text)

    def named_items(self, allow_desc=False):
        """expr [as name], ...  (for fields/display/stats/by/sort)"""
        items = []
        while True:
            first = self.peek()
            if first is None:
                raise self.err("expected an expression")
            e = self.expr()
            last = self.toks[self.i - 1]
            text = self.src[first.start:last.end]
            name = e[1] if e[0] == "field" else text
            desc = None
            if self.peek() is not None and self.peek().is_kw("as"):
                self.take()
                t = self.expect("ident")
                name = t.value
            if allow_desc and self.peek() is not None and self.peek().is_kw("asc", "desc"):
                desc = self.take().text.lower() == "desc"
            items.append((e, name, desc))
            if self.peek() is not None and self.peek().kind == "comma":
                self.take()
                continue
            return items


def duration_ms(t):
    n, unit = t.value
    u = UNITS.get(unit.lower())
    if u is None:
        raise QueryError(f"unsupported time unit {unit!r} in {t.text}", t.start, t.end)
    ms, cap = u
    n = float(n)
    if cap is not None and n > cap:
        n = cap  # AWS caps the number per unit (bin(300s) runs as 60s)
    if n <= 0:
        raise QueryError(f"a period must be positive: {t.text}", t.start, t.end)
    return int(n * ms)


def split_commands(toks):
    cmds, cur, depth = [], [], 0
    for t in toks:
        if t.kind in ("lp", "lb"):
            depth += 1
        elif t.kind in ("rp", "rb"):
            depth -= 1
        if t.kind == "pipe" and depth == 0:
            cmds.append(cur)
            cur = []
        else:
            cur.append(t)
    cmds.append(cur)
    return cmds


def parse_query(src):
    """The query as a list of commands: (name, args...)."""
    toks = lex(src)
    if not toks:
        raise QueryError("the query is empty", 0, 0)
    out = []
    for seg in split_commands(toks):
        if not seg:
            raise QueryError("an empty command between pipes", 0, len(src))
        head = seg[0]
        name = head.text.lower() if head.kind == "ident" and not head.quoted else None
        if name not in COMMANDS:
            what = head.text
            if name in KNOWN_UNSUPPORTED:
                raise QueryError(f"unsupported command {what} (the test emulator runs fields, filter, stats, "
                                 "sort, limit, parse and display)", head.start, head.end)
            raise QueryError(f"unknown command {what!r}", head.start, head.end)
        p = Parser(src, seg[1:])
        if name in ("fields", "display"):
            if p.peek() is not None and p.peek().kind == "op" and p.peek().text == "-":
                raise p.err(f"unsupported: {name} - (excluding fields)")
            out.append((name, [(e, n) for e, n, _ in p.named_items()]))
        elif name == "filter":
            out.append(("filter", p.expr()))
        elif name == "stats":
            p.in_stats = True
            aggs = p.named_items_until_by()
            by = []
            if p.peek() is not None and p.peek().is_kw("by"):
                p.take()
                p.in_stats = False
                by = [(e, n) for e, n, _ in p.named_items()]
            for e, n in aggs:
                if not contains_agg(e):
                    raise QueryError(f"stats needs an aggregate function, found {n!r}", head.start, head.end)
            out.append(("stats", aggs, by))
        elif name == "sort":
            out.append(("sort", [(e, bool(d)) for e, _, d in p.named_items(allow_desc=True)]))
        elif name == "limit":
            t = p.take()
            if t.is_kw("any"):
                raise QueryError("unsupported: limit any", t.start, t.end)
            if t.kind != "num" or not isinstance(t.value, int):
                raise QueryError(f"limit takes a whole number, found {t.text!r}", t.start, t.end)
            if not 1 <= t.value <= MAX_LIMIT:
                raise QueryError(f"limit must be between 1 and {MAX_LIMIT}", t.start, t.end)
            out.append(("limit", t.value))
        elif name == "parse":
            source = ("field", "@message")
            if p.peek() is not None and p.peek().kind == "ident":
                source = ("field", p.take().value)
            t = p.take()
            if t.kind == "regex":
                rx = py_regex(t.value, t)
                if not rx.groupindex:
                    raise QueryError("parse with a regex needs named groups (?<name>...)", t.start, t.end)
                out.append(("parse", source, rx, list(rx.groupindex)))
            elif t.kind == "str":
                p.expect("ident", "as")
                names = [p.expect("ident").value]
                while p.peek() is not None and p.peek().kind == "comma":
                    p.take()
                    names.append(p.expect("ident").value)
                stars = t.value.count("*")
                if stars != len(names):
                    raise QueryError(f"the glob has {stars} * but {len(names)} names", t.start, t.end)
                rx = re.compile("".join("(.*?)" if ch == "*" else re.escape(ch) for ch in t.value), re.S)
                out.append(("parse", source, rx, names))
            else:
                raise QueryError(f"parse takes a \"glob\" or a /regex/, found {t.text!r}", t.start, t.end)
        if not p.at_end():
            t = p.peek()
            raise QueryError(f"unexpected {t.text!r} in {name}", t.start, t.end)
    return out


def _named_items_until_by(self):
    items = []
    while True:
        first = self.peek()
        if first is None:
            raise self.err("stats needs at least one aggregate")
        e = self.expr()
        last = self.toks[self.i - 1]
        name = self.src[first.start:last.end]
        if self.peek() is not None and self.peek().is_kw("as"):
            self.take()
            name = self.expect("ident").value
        items.append((e, name))
        if self.peek() is not None and self.peek().kind == "comma":
            self.take()
            continue
        return items


Parser.named_items_until_by = _named_items_until_by


def contains_agg(e):
    if not isinstance(e, tuple) or not e:
        return False
    if e[0] == "agg":
        return True
    return any(contains_agg(x) for x in e[1:] if isinstance(x, tuple)) or any(
        contains_agg(y) for x in e[1:] if isinstance(x, list) for y in x)


def has_limit(src):
    """The query's own `limit` (for callers that need to know)."""
    return next((c[1] for c in parse_query(src) if c[0] == "limit"), None)


# ------------------------------------------------------------------------------------------------
# Evaluation


def cmp_values(a, b):
    """-1/0/1, numbers numerically (a timestamp is its milliseconds), else as strings."""
    na, nb = num(a), num(b)
    if na is not None and nb is not None and not (isinstance(a, str) and isinstance(b, str)):
        return (na > nb) - (na < nb)
    if isinstance(a, str) and isinstance(b, str) and na is not None and nb is not None:
        return (na > nb) - (na < nb)
    sa, sb = fmt(a), fmt(b)
    return (sa > sb) - (sa < sb)


def evaluate(e, rec, aggs=None):
    k = e[0]
    if k == "lit":
        return e[1]
    if k == "field":
        return rec.get(e[1])
    if k == "dur":
        return e[1]
    if k == "agg":
        return aggs[id(e)] if aggs is not None else None
    if k == "and":
        return truthy(evaluate(e[1], rec, aggs)) and truthy(evaluate(e[2], rec, aggs))
    if k == "or":
        return truthy(evaluate(e[1], rec, aggs)) or truthy(evaluate(e[2], rec, aggs))
    if k == "not":
        return not truthy(evaluate(e[1], rec, aggs))
    if k == "neg":
        v = num(evaluate(e[1], rec, aggs))
        return None if v is None else -v
    if k == "like":
        v = evaluate(e[1], rec, aggs)
        if v is None:
            return False
        s = fmt(v)
        pat = e[2]
        hit = bool(pat[1].search(s)) if pat[0] == "regex" else fmt(evaluate(pat, rec, aggs)) in s
        return hit != e[3]
    if k == "in":
        v = evaluate(e[1], rec, aggs)
        if v is None:
            return False
        hit = any(x is not None and cmp_values(v, x) == 0 for x in (evaluate(i, rec, aggs) for i in e[2]))
        return hit != e[3]
    if k == "op":
        op = e[1]
        a, b = evaluate(e[2], rec, aggs), evaluate(e[3], rec, aggs)
        if op in ("=", "!=", "<", "<=", ">", ">="):
            if a is None or b is None:
                return False
            c = cmp_values(a, b)
            return {"=": c == 0, "!=": c != 0, "<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0}[op]
        x, y = num(a), num(b)
        if x is None or y is None:
            return None
        if op == "+":
            return x + y
        if op == "-":
            return x - y
        if op == "*":
            return x * y
        if op == "/":
            return None if y == 0 else x / y
        if op == "%":
            return None if y == 0 else math.fmod(x, y)
        if op == "^":
            try:
                return float(x) ** float(y)
            except (OverflowError, ZeroDivisionError):
                return None
    if k == "call":
        return call(e[1], e[2], rec, aggs)
    if k == "list":
        return [evaluate(i, rec, aggs) for i in e[1]]
    raise QueryError(f"cannot evaluate {k}")


def call(name, args, rec, aggs):
    if name == "ispresent":
        return evaluate(args[0], rec, aggs) is not None
    if name == "bin":
        ts = rec.get("@timestamp")
        return None if ts is None else Ts(ts.ms - ts.ms % args[0][1])
    vals = [evaluate(a, rec, aggs) for a in args]
    if name == "coalesce":
        return next((v for v in vals if v is not None), None)
    if name == "isempty":
        return vals[0] is None or fmt(vals[0]) == ""
    if name == "isblank":
        return vals[0] is None or fmt(vals[0]).strip() == ""
    if name == "concat":
        return None if any(v is None for v in vals) else "".join(fmt(v) for v in vals)
    if name == "strlen":
        return None if vals[0] is None else len(fmt(vals[0]))
    if name == "toupper":
        return None if vals[0] is None else fmt(vals[0]).upper()
    if name == "tolower":
        return None if vals[0] is None else fmt(vals[0]).lower()
    if name in ("datefloor", "dateceil"):
        t = vals[0]
        ms = t.ms if isinstance(t, Ts) else num(t)
        if ms is None:
            return None
        p = args[1][1]
        ms = int(ms)
        return Ts(ms - ms % p if name == "datefloor" else -((-ms) // p) * p)
    if name == "tomillis":
        return vals[0].ms if isinstance(vals[0], Ts) else None
    if name == "frommillis":
        n = num(vals[0])
        return None if n is None else Ts(int(n))
    ns = [num(v) for v in vals]
    if name in ("greatest", "least"):
        ok = [n for n in ns if n is not None]
        return (max(ok) if name == "greatest" else min(ok)) if ok else None
    n = ns[0]
    if n is None:
        return None
    if name == "abs":
        return abs(n)
    if name == "ceil":
        return math.ceil(n)
    if name == "floor":
        return math.floor(n)
    if name == "round":
        d = int(ns[1]) if len(ns) > 1 and ns[1] is not None else 0
        return round(n, d) if d else int(math.floor(n + 0.5))
    if name == "sqrt":
        return math.sqrt(n) if n >= 0 else None
    if name == "log":
        return math.log(n) if n > 0 else None
    if name == "tonumber":
        return n
    raise QueryError(f"unsupported function {name}()")


def aggregate(node, recs):
    name, args = node[1], node[2]
    if name == "count":
        if not args or args[0] == ("star",):
            return len(recs)
        return sum(1 for r in recs if evaluate(args[0], r) is not None)
    vals = [evaluate(args[0], r) for r in recs]
    vals = [v for v in vals if v is not None]
    if name == "count_distinct":
        return len({fmt(v) for v in vals})
    if name in ("min", "max"):
        if not vals:
            return None
        key = functools.cmp_to_key(cmp_values)
        return min(vals, key=key) if name == "min" else max(vals, key=key)
    nums = [n for n in (num(v) for v in vals) if n is not None]
    if not nums:
        return None
    if name == "sum":
        return sum(nums)
    if name == "avg":
        return sum(nums) / len(nums)
    if name == "pct":
        p = float(num(args[1][1]))
        s = sorted(nums)
        return s[max(0, min(len(s), math.ceil(p / 100 * len(s))) - 1)]
    raise QueryError(f"unsupported aggregate {name}()")


def collect_aggs(e, out):
    if isinstance(e, tuple) and e:
        if e[0] == "agg":
            out.append(e)
            return
        for x in e[1:]:
            if isinstance(x, tuple):
                collect_aggs(x, out)
            elif isinstance(x, list):
                for y in x:
                    collect_aggs(y, out)


_CHUNK = re.compile(r"\d+|\D+")


def natural_cmp(a, b):
    """AWS's natural sort (ascending): non-numbers first, numbers by value; None last."""
    if a is None or b is None:
        return (a is None) - (b is None)
    na = num(a) if not isinstance(a, str) or _is_number_text(a) else None
    nb = num(b) if not isinstance(b, str) or _is_number_text(b) else None
    if na is not None and nb is not None:
        return (na > nb) - (na < nb)
    if (na is None) != (nb is None):
        return -1 if na is None else 1
    ca, cb = _CHUNK.findall(fmt(a)), _CHUNK.findall(fmt(b))
    for x, y in zip(ca, cb):
        if x.isdigit() and y.isdigit():
            kx, ky = (len(x), int(x)), (len(y), int(y))
        else:
            kx, ky = x, y
        if kx != ky:
            return -1 if kx < ky else 1
    return (len(ca) > len(cb)) - (len(ca) < len(cb))


def _is_number_text(s):
    return bool(re.fullmatch(r"-?\d+(\.\d+)?([eE][+-]?\d+)?", s.strip()))


# ------------------------------------------------------------------------------------------------
# Records


def flatten(message, cap=FIELD_CAP):
    """A JSON object's leaf fields with dot notation (arrays by index), the first `cap` only."""
    try:
        obj = json.loads(message)
    except (ValueError, TypeError):
        return {}
    if not isinstance(obj, dict):
        return {}
    out, count = {}, 0
    stack = [("", obj, True)]
    while stack and count < cap:
        path, v, top = stack.pop()
        if isinstance(v, dict):
            items = list(v.items())
            for k, x in reversed(items):
                name = ("@" + k if top and k.startswith("@") else k) if not path else f"{path}.{k}"
                stack.append((name, x, False))
        elif isinstance(v, list):
            for i in range(len(v) - 1, -1, -1):
                stack.append((f"{path}.{i}", v[i], False))
        else:
            count += 1
            if v is not None:
                out[path] = v
    return out


class Event:
    __slots__ = ("ts", "message", "group", "stream", "ptr", "ingestion")

    def __init__(self, ts, message, group, stream, ptr, ingestion=None):
        self.ts, self.message, self.group, self.stream, self.ptr = ts, message, group, stream, ptr
        self.ingestion = ts if ingestion is None else ingestion


def record(ev, account):
    rec = flatten(ev.message)
    rec.update({
        "@timestamp": Ts(ev.ts),
        "@ingestionTime": Ts(ev.ingestion),
        "@message": ev.message,
        "@logStream": ev.stream,
        "@log": f"{account}:{ev.group}",
        "@ptr": ev.ptr,
    })
    return rec


def run(query, events, account="123456789012", api_limit=None):
    """Run `query` over `events` (already in the time range). Returns (rows, statistics): rows are
    lists of (field, value-string) pairs."""
    cmds = parse_query(query)
    recs = [record(e, account) for e in events]
    recs.sort(key=lambda r: (r["@timestamp"].ms, str(r["@ptr"])), reverse=True)
    scanned = len(recs)
    scanned_bytes = sum(len(e.message.encode("utf-8")) for e in events)
    stats_mode = False
    stats_cols = []
    fields_cols, parse_cols, display_cols = [], [], None
    matched = None
    query_limit = None

    def add_cols(target, names):
        for n in names:
            if n not in target:
                target.append(n)

    for cmd in cmds:
        kind = cmd[0]
        if kind in ("fields", "display"):
            for r in recs:
                for e, n in cmd[1]:
                    if e == ("field", n):
                        continue
                    v = evaluate(e, r)
                    if v is None:
                        r.pop(n, None)
                    else:
                        r[n] = v
            names = [n for _, n in cmd[1]]
            if kind == "display":
                display_cols = names
            else:
                add_cols(fields_cols, names)
        elif kind == "filter":
            recs = [r for r in recs if truthy(evaluate(cmd[1], r))]
        elif kind == "parse":
            _, source, rx, names = cmd
            for r in recs:
                v = evaluate(source, r)
                m = rx.search(fmt(v)) if v is not None else None
                for j, n in enumerate(names):
                    got = None
                    if m is not None:
                        got = m.group(n) if n in rx.groupindex else m.group(j + 1)
                    if got is None:
                        r.pop(n, None)
                    else:
                        r[n] = got
            add_cols(parse_cols, names)
        elif kind == "stats":
            _, items, by = cmd
            if not stats_mode and matched is None:
                matched = len(recs)
            groups, order = {}, []
            for r in recs:
                key_vals = tuple(evaluate(e, r) for e, _ in by)
                key = tuple(fmt(v) if v is not None else None for v in key_vals)
                if key not in groups:
                    groups[key] = (key_vals, [])
                    order.append(key)
                groups[key][1].append(r)
            if not by and not groups:
                groups[()] = ((), [])
                order.append(())
            new = []
            for key in order:
                key_vals, members = groups[key]
                row = {}
                for (e, n), v in zip(by, key_vals):
                    if v is not None:
                        row[n] = v
                for e, n in items:
                    nodes = []
                    collect_aggs(e, nodes)
                    vals = {id(a): aggregate(a, members) for a in nodes}
                    v = evaluate(e, row, vals)
                    if v is not None:
                        row[n] = v
                new.append(row)
            recs = new
            stats_mode = True
            stats_cols = [n for _, n in by] + [n for _, n in items]
            fields_cols, parse_cols, display_cols = [], [], None
        elif kind == "sort":
            def cmp(a, b, keys=cmd[1]):
                for e, desc in keys:
                    va, vb = evaluate(e, a), evaluate(e, b)
                    if va is None or vb is None:
                        c = (va is None) - (vb is None)  # missing values last, either way
                    else:
                        c = natural_cmp(va, vb)
                        if desc:
                            c = -c
                    if c:
                        return c
                return 0
            recs.sort(key=functools.cmp_to_key(cmp))
        elif kind == "limit":
            if not stats_mode and matched is None:
                matched = len(recs)
            query_limit = cmd[1] if query_limit is None else min(query_limit, cmd[1])
            recs = recs[:cmd[1]]
    if matched is None:
        matched = len(recs)
    cap = DEFAULT_ROWS if query_limit is None and api_limit is None else min(
        x for x in (query_limit, api_limit) if x is not None)
    recs = recs[:cap]

    if display_cols is not None:
        cols = list(display_cols)
    elif stats_mode:
        cols = stats_cols + [c for c in fields_cols if c not in stats_cols]
    elif fields_cols:
        cols = fields_cols + [c for c in parse_cols if c not in fields_cols]
    else:
        cols = ["@timestamp", "@message"] + parse_cols
    if not stats_mode:
        cols = [c for c in cols if c != "@ptr"] + ["@ptr"]
    rows = []
    for r in recs:
        rows.append([(c, fmt(r[c])) for c in cols if r.get(c) is not None])
    statistics = {"recordsMatched": float(matched), "recordsScanned": float(scanned),
                  "bytesScanned": float(scanned_bytes)}
    return rows, statistics


# ------------------------------------------------------------------------------------------------
# moto hook

_QUERIES = {}


def _errors():
    from moto.core.exceptions import JsonRESTError
    from moto.logs.exceptions import InvalidParameterException, ResourceNotFoundException

    class MalformedQueryException(JsonRESTError):
        code = 400

        def __init__(self, err):
            super().__init__("MalformedQueryException", err.message)
            self.description = json.dumps({
                "__type": "MalformedQueryException",
                "message": err.message,
                "queryCompileError": {"location": {"start": err.start, "end": err.end}, "message": err.message},
            })

    return MalformedQueryException, InvalidParameterException, ResourceNotFoundException


def _group_name(ident):
    # logGroupIdentifiers take names or ARNs (arn:aws:logs:region:account:log-group:NAME[:*])
    if ident.startswith("arn:"):
        parts = ident.split(":", 6)
        if len(parts) == 7 and parts[5] == "log-group":
            name = parts[6]
            return name[:-2] if name.endswith(":*") else name
    return ident


def install():
    """Answer StartQuery and GetQueryResults with this executor (moto's LogsResponse patched)."""
    from moto.logs.responses import LogsResponse

    Malformed, InvalidParam, NotFound = _errors()
    original_results = LogsResponse.get_query_results

    def start_query(self):
        name = self._get_param("logGroupName")
        names = self._get_param("logGroupNames")
        idents = self._get_param("logGroupIdentifiers")
        given = [x for x in (name, names, idents) if x]
        if len(given) != 1:
            raise InvalidParam("exactly one of logGroupName, logGroupNames and logGroupIdentifiers is required")
        groups = [name] if name else list(names) if names else [_group_name(i) for i in idents]
        if len(groups) > MAX_GROUPS:
            raise InvalidParam(f"at most {MAX_GROUPS} log groups may be queried at once")
        start, end = self._get_int_param("startTime"), self._get_int_param("endTime")
        query = self._get_param("queryString") or ""
        limit = self._get_int_param("limit")
        if start is None or end is None:
            raise InvalidParam("startTime and endTime are required")
        if end < start:
            raise InvalidParam("endTime must not be before startTime")
        if limit is not None and not 1 <= limit <= MAX_LIMIT:
            raise InvalidParam(constraint=f"Member must have value between 1 and {MAX_LIMIT}",
                               parameter="limit", value=limit)
        if len(query) > MAX_QUERY_CHARS:
            raise InvalidParam(f"queryString is longer than {MAX_QUERY_CHARS} characters")
        backend = self.logs_backend
        for g in groups:
            if g not in backend.groups:
                raise NotFound(f"Log group '{g}' does not exist for account ID '{self.current_account}'")
        events = []
        for g in groups:
            for stream in backend.groups[g].streams.values():
                for ev in stream.events:
                    if start * 1000 <= ev.timestamp <= end * 1000:
                        events.append(Event(ev.timestamp, ev.message, g, stream.log_stream_name,
                                            str(ev.event_id), ev.ingestion_time))
        try:
            rows, statistics = run(query, events, self.current_account, limit)
        except QueryError as e:
            raise Malformed(e)
        import uuid
        qid = str(uuid.uuid4())
        _QUERIES[qid] = (rows, statistics)
        return json.dumps({"queryId": qid})

    def get_query_results(self):
        qid = self._get_param("queryId")
        if qid not in _QUERIES:
            return original_results(self)
        rows, statistics = _QUERIES[qid]
        size = self._get_int_param("maxItems")
        size = PAGE_MAX if size is None or size <= 0 else min(size, PAGE_MAX)
        token = self._get_param("nextToken")
        offset = 0
        if token:
            try:
                tq, off = base64.b64decode(token).decode().split("|")
                offset = int(off)
            except Exception:
                raise InvalidParam("the nextToken is not valid")
            if tq != qid:
                raise InvalidParam("the nextToken belongs to another query")
        page = rows[offset:offset + size]
        out = {
            "results": [[{"field": f, "value": v} for f, v in row] for row in page],
            "statistics": statistics,
            "status": "Complete",
        }
        if offset + size < len(rows):
            out["nextToken"] = base64.b64encode(f"{qid}|{offset + size}".encode()).decode()
        return json.dumps(out)

    LogsResponse.start_query = start_query
    LogsResponse.get_query_results = get_query_results


# ------------------------------------------------------------------------------------------------
# Self-test (python insights.py --self-test)


def _self_test():
    base = 1_795_575_600_000  # 2026-11-25 03:00:00 UTC
    recs = [
        {"schemaType": "ModelInvocationLog", "identity": {"arn": "a"}, "modelId": "m1",
         "input": {"inputTokenCount": 10}, "output": {"outputTokenCount": 1,
                                                      "outputBodyJson": {"metrics": {"latencyMs": 100}}}},
        {"schemaType": "ModelInvocationLog", "identity": {"arn": "a"}, "modelId": "m1",
         "input": {"inputTokenCount": 20, "cacheReadInputTokenCount": 5}, "output": {"outputTokenCount": 2,
                                                      "outputBodyJson": {"metrics": {"latencyMs": 300}}}},
        {"schemaType": "ModelInvocationLog", "identity": {"arn": "b"}, "modelId": "m2",
         "errorCode": "ThrottlingException", "input": {"inputTokenCount": 7}},
    ]
    evs = [Event(base + 61_000 * i, json.dumps(r), "g", "s", str(i)) for i, r in enumerate(recs)]
    evs.append(Event(base + 5000, "plain ERROR line", "g", "s", "9"))

    def q(text, **kw):
        return [dict(r) for r in run(text, evs, **kw)[0]]

    rows = q('filter schemaType = "ModelInvocationLog" | stats sum(input.inputTokenCount) as inTok, '
             'sum(coalesce(input.cacheReadInputTokenCount, 0)) as cr, count(*) as calls by identity.arn, modelId '
             '| sort inTok desc')
    assert rows == [{"identity.arn": "a", "modelId": "m1", "inTok": "30", "cr": "5", "calls": "2"},
                    {"identity.arn": "b", "modelId": "m2", "inTok": "7", "cr": "0", "calls": "1"}], rows
    rows = q("fields output.outputBodyJson.metrics.latencyMs as lat | filter lat > 0 "
             "| stats avg(lat) as a, pct(lat, 50) as p50, pct(lat, 99) as p99 by modelId")
    assert rows == [{"modelId": "m1", "a": "200", "p50": "100", "p99": "300"}], rows
    rows = q("filter ispresent(errorCode) | fields modelId, errorCode")
    assert rows == [{"modelId": "m2", "errorCode": "ThrottlingException", "@ptr": "2"}], rows
    rows = q("fields @timestamp, @message | filter @message like /(?i)error/ | sort @timestamp asc")
    assert [r["@ptr"] for r in rows] == ["9", "2"], rows
    assert rows[0]["@timestamp"] == "2026-11-25 03:00:05.000", rows
    rows = q("stats count(*) as n by bin(1m) as minute | sort minute asc")
    assert rows == [{"minute": "2026-11-25 03:00:00.000", "n": "2"}, {"minute": "2026-11-25 03:01:00.000", "n": "1"},
                    {"minute": "2026-11-25 03:02:00.000", "n": "1"}], rows
    rows = q('parse @message /"inputTokenCount"\\s*:\\s*(?<t>\\d+)/ | filter ispresent(t) | stats sum(t) as s')
    assert rows == [{"s": "37"}], rows
    rows = q("fields @timestamp | limit 2")
    assert len(rows) == 2
    assert len(q("fields @message", api_limit=3)) == 3
    assert q("filter modelId in [\"m2\"] and not input.inputTokenCount < 7 | display modelId") == [{"modelId": "m2", "@ptr": "2"}]
    # the field cap: the 201st leaf is not extracted, parse still reaches it
    big = {"input": {"inputBodyJson": {"messages": [{"text": str(i)} for i in range(200)]}, "inputTokenCount": 9}}
    f = flatten(json.dumps(big))
    assert len(f) == 200 and "input.inputTokenCount" not in f and f["input.inputBodyJson.messages.0.text"] == "0"
    assert flatten('{"a":[1,{"b":true}],"@x":1}') == {"a.0": 1, "a.1.b": True, "@@x": 1}
    for bad, what in [("stats foo(x)", "unsupported function foo"), ("dedup modelId", "unsupported command dedup"),
                      ("fields a | sum(x)", "unknown command"), ("fields sum(x)", "aggregate"),
                      ("filter x like", "end of the query"), ("stats count(*) by bin(5w)", "time unit"),
                      ("fields x | limit 0", "between 1")]:
        try:
            run(bad, evs)
        except QueryError as e:
            assert what in e.message, (bad, e.message)
        else:
            raise AssertionError(f"{bad!r} ran")
    assert natural_cmp("5A", "111A") < 0 and natural_cmp("A", "0") < 0 and natural_cmp("9", "10") < 0
    print("insights.py self-test: ok")


if __name__ == "__main__":
    if sys.argv[1:] == ["--self-test"]:
        _self_test()
    else:
        print(__doc__)
