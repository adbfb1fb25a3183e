"""Emulator front for CloudWatch cross-account observability: a monitoring account, its OAM sink,
the source accounts linked to it, and the linked-account parameters of CloudWatch, CloudWatch
Logs and X-Ray (moto 5.2.5 has no OAM and ignores every one of them).

Hooked from moto_shim.py: `handle(environ, start_response, shim)` answers the request, or returns
None to let the rest of the front have it. `shim` is the whole front (moto_shim.Shim): every
per-account request made here goes back through it, so the other fronts' rules still hold.

Accounts are moto's: the `x-moto-account-id` header, else the account moto maps the request's
access key to (an `sts:AssumeRole` into the account, as `support::claim_account` does), else
123456789012. All state here (the sinks and links, the call counts) is keyed by region and
account, so tests that claim accounts stay apart in any region. A region becomes
a monitoring account's when a test seeds it; only then do the linked-account parameters reach
other accounts. Strict where the API references are:

* OAM ListSinks (POST /ListSinks): the caller's sinks in the region, `Items[{Arn, Id, Name}]`,
  paged (`MaxResults` 1..100, `NextToken` issued here, else InvalidParameterException).
  ListAttachedLinks (POST /ListAttachedLinks): `SinkIdentifier` is required
  (MissingRequiredParameterException); a sink that is not the caller's is
  ResourceNotFoundException; `Items[{Label, LinkArn, ResourceTypes}]`, paged like ListSinks.
* CloudWatch ListMetrics: `IncludeLinkedAccounts=true` in a monitoring account lists its own and
  every linked account's metrics, with `OwningAccounts` "a 1:1 mapping between each metric that
  is returned and the ID of the owning account" (500 a page, NextToken issued here).
  `OwningAccount` narrows to one account and needs `IncludeLinkedAccounts`
  (InvalidParameterCombination otherwise). Outside a monitoring account the caller's own.
* CloudWatch GetMetricData: a query's `AccountId` reads that account's metric, which only a
  monitoring account may do for a linked account (the caller's own id is always allowed); a query
  for any other account answers StatusCode `Forbidden`. Queries are answered per account, in the
  order asked.
* Logs DescribeLogGroups: `includeLinkedAccounts=true` in a monitoring account also lists the
  linked accounts' groups (with `accountIdentifiers`, only those accounts'), each with its own
  `arn`/`logGroupArn`; `accountIdentifiers` without `includeLinkedAccounts` is
  InvalidParameterException. StartQuery with `logGroupIdentifiers` naming another account's group
  by ARN runs in that account (the groups of one query must then be of one account here: the
  executor queries one account at a time), only from its monitoring account (else
  AccessDeniedException).
* X-Ray GetTraceSummaries and BatchGetTraces in a monitoring account also answer from the linked
  accounts (as X-Ray does when traces are shared through OAM).

Seeding and acting as a source account (tests only, never called by nightjar):
  POST /_nightjar/org/seed {"region": "us-west-1", "monitoring": "123456789012",
    "links": [{"account": "111111111111", "label": "payments-prod"}], "page_size": 2}
  replaces the region's sink and links for that monitoring account.
  GET /_nightjar/org/calls?region=…&account=… answers how many calls of each operation the
  account made in the region and the largest number of queries one GetMetricData call held.
"""

import base64
import datetime as dt
import io
import json
import re
import threading

import cbor2

_LOCK = threading.Lock()
_STATE = {}  # (region, monitoring account) -> {"monitoring": acct, "links": [...], "page_size": n}
_CALLS = {}  # (region, caller) -> {op: n, "max_queries": n}
_DEFAULT_ACCOUNT = "123456789012"
_CONTROL = "/_nightjar/org/"
_ACCESS_KEY = re.compile(r"Credential=([^/]+)/")
_CBOR = re.compile(r"^/service/GraniteServiceVersion20100801/operation/(ListMetrics|GetMetricData)$")
_INNER = "HTTP_X_NIGHTJAR_ORG_INNER"
_METRIC_PAGE = 500


def _read(environ):
    n = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(n) if n else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def _scope(environ):
    m = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request", environ.get("HTTP_AUTHORIZATION", ""))
    return (m.group(1), m.group(2)) if m else (None, None)


def _caller(environ):
    """The account a request acts as, as moto decides it (header, then the access key)."""
    if environ.get("HTTP_X_MOTO_ACCOUNT_ID"):
        return environ["HTTP_X_MOTO_ACCOUNT_ID"]
    m = _ACCESS_KEY.search(environ.get("HTTP_AUTHORIZATION", ""))
    if not m:
        return _DEFAULT_ACCOUNT
    from moto.iam.models import get_account_id_from  # an assumed role's key maps to its account

    return get_account_id_from(m.group(1)) or _DEFAULT_ACCOUNT


def _json(start_response, status, obj, headers=()):
    body = json.dumps(obj).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))] + list(headers))
    return [body]


def _rest_error(start_response, status, code, message):
    return _json(start_response, status, {"message": message}, [("x-amzn-ErrorType", code)])


def _json_error(start_response, code, message, status="400 Bad Request"):
    body = json.dumps({"__type": code, "message": message}).encode()
    start_response(status, [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(body)))])
    return [body]


def _cbor_reply(start_response, status, obj):
    body = cbor2.dumps(obj, datetime_as_timestamp=True, timezone=dt.timezone.utc)
    start_response(status, [("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor"),
                            ("Content-Length", str(len(body)))])
    return [body]


def _count(region, op, queries=0, caller=None):
    with _LOCK:
        c = _CALLS.setdefault((region, caller or _DEFAULT_ACCOUNT), {})
        c[op] = c.get(op, 0) + 1
        c["max_queries"] = max(c.get("max_queries", 0), queries)


def _org(region, caller):
    """The region's org when `caller` is its monitoring account."""
    with _LOCK:
        s = _STATE.get((region, caller))
        return dict(s) if s else None


def _linked(org):
    return [l["account"] for l in org["links"]] if org else []


def _inner(shim, environ, account, body, path=None, headers=None, inner=True):
    """The request again, as `account`'s, through the whole front (this one too unless `inner`).
    Returns (status, headers, body)."""
    env = dict(environ)
    env.update({"wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body)), "HTTP_X_MOTO_ACCOUNT_ID": account})
    if inner:
        env[_INNER] = "1"
    if path is not None:
        env.update({"PATH_INFO": path, "RAW_URI": path, "REQUEST_URI": path})
    env.update(headers or {})
    out = {}

    def sr(status, hdrs, exc_info=None):
        out["status"], out["headers"] = status, hdrs

    rbody = b"".join(shim(env, sr))
    return out["status"], out["headers"], rbody


def _page(items, token, size, kind):
    """(page, next token) of `items` from the offset in `token` (issued here for `kind`)."""
    offset = 0
    if token:
        try:
            k, off = base64.b64decode(token).decode().split("|")
            assert k == kind
            offset = int(off)
        except Exception:
            return None, None
    page = items[offset:offset + size]
    nxt = base64.b64encode(f"{kind}|{offset + size}".encode()).decode() if offset + size < len(items) else None
    return page, nxt


# --- control -----------------------------------------------------------------------------------

def _control(environ, start_response, path, shim):
    if path == "/_nightjar/org/seed" and environ.get("REQUEST_METHOD") == "POST":
        req = json.loads(_read(environ) or b"{}")
        state = {"monitoring": req.get("monitoring", _DEFAULT_ACCOUNT), "links": list(req.get("links") or []),
                 "page_size": int(req.get("page_size") or 100), "sink": req.get("sink", "nightjar-org")}
        with _LOCK:
            _STATE[(req["region"], state["monitoring"])] = state
            _CALLS.pop((req["region"], state["monitoring"]), None)
        return _json(start_response, "200 OK", {"ok": True})
    if path == "/_nightjar/org/calls":
        q = dict(p.split("=", 1) for p in (environ.get("QUERY_STRING") or "").split("&") if "=" in p)
        with _LOCK:
            calls = dict(_CALLS.get((q.get("region"), q.get("account", _DEFAULT_ACCOUNT)), {}))
        return _json(start_response, "200 OK", calls)
    return _json(start_response, "404 Not Found", {"message": "unknown control path"})


# --- OAM ---------------------------------------------------------------------------------------

def _sink_arn(region, org):
    return f"arn:aws:oam:{region}:{org['monitoring']}:sink/{org['sink']}"


def _oam(environ, start_response, region, op):
    req = json.loads(_read(environ) or b"{}")
    _count(region, op, caller=_caller(environ))
    caller = _caller(environ)
    org = _org(region, caller)
    size = req.get("MaxResults")
    if size is not None and not (isinstance(size, int) and 1 <= size <= 100):
        return _rest_error(start_response, "400 Bad Request", "InvalidParameterException",
                           "MaxResults must be between 1 and 100")
    size = min(size or 100, org["page_size"] if org else 100)
    if op == "ListSinks":
        items = [{"Arn": _sink_arn(region, org), "Id": org["sink"], "Name": org["sink"]}] if org else []
        page, nxt = _page(items, req.get("NextToken"), size, "sinks")
        if page is None:
            return _rest_error(start_response, "400 Bad Request", "InvalidParameterException", "bad NextToken")
        return _json(start_response, "200 OK", {"Items": page, **({"NextToken": nxt} if nxt else {})})
    sink = req.get("SinkIdentifier")
    if not sink:
        return _rest_error(start_response, "400 Bad Request", "MissingRequiredParameterException",
                           "SinkIdentifier is required")
    if not org or sink != _sink_arn(region, org):
        return _rest_error(start_response, "404 Not Found", "ResourceNotFoundException", f"sink {sink} not found")
    items = [{
        "Label": l.get("label", l["account"]),
        "LinkArn": f"arn:aws:oam:{region}:{l['account']}:link/link-{l['account']}",
        "ResourceTypes": l.get("resource_types") or ["AWS::CloudWatch::Metric", "AWS::Logs::LogGroup", "AWS::XRay::Trace"],
    } for l in org["links"]]
    page, nxt = _page(items, req.get("NextToken"), size, "links")
    if page is None:
        return _rest_error(start_response, "400 Bad Request", "InvalidParameterException", "bad NextToken")
    return _json(start_response, "200 OK", {"Items": page, **({"NextToken": nxt} if nxt else {})})


# --- CloudWatch --------------------------------------------------------------------------------

def _cbor_inner(shim, environ, account, op, params):
    body = cbor2.dumps(params, datetime_as_timestamp=True, timezone=dt.timezone.utc)
    status, _, rbody = _inner(shim, environ, account, body)
    return status, (cbor2.loads(rbody) if rbody else {})


def _list_metrics(environ, start_response, shim, region, params):
    _count(region, "ListMetrics", caller=_caller(environ))
    caller = _caller(environ)
    include = bool(params.pop("IncludeLinkedAccounts", False))
    owning = params.pop("OwningAccount", None)
    token = params.pop("NextToken", None)
    if owning and not include:
        return _cbor_reply(start_response, "400 Bad Request", {
            "__type": "InvalidParameterCombination",
            "message": "OwningAccount needs IncludeLinkedAccounts set to true"})
    org = _org(region, caller)
    accounts = [caller] + (_linked(org) if include else [])
    if owning:
        accounts = [a for a in accounts if a == owning]
    metrics, owners = [], []
    for acct in accounts:
        inner_token = None
        while True:
            p = dict(params)
            if inner_token:
                p["NextToken"] = inner_token
            status, doc = _cbor_inner(shim, environ, acct, "ListMetrics", p)
            if not status.startswith("200"):
                return _cbor_reply(start_response, status, doc)
            for m in doc.get("Metrics", []):
                metrics.append(m)
                owners.append(acct)
            inner_token = doc.get("NextToken")
            if not inner_token:
                break
    both = list(zip(metrics, owners))
    page, nxt = _page(both, token, _METRIC_PAGE, "metrics")
    if page is None:
        return _cbor_reply(start_response, "400 Bad Request", {"__type": "InvalidParameterValue",
                                                               "message": "NextToken is not valid"})
    out = {"Metrics": [m for m, _ in page]}
    if include:
        out["OwningAccounts"] = [a for _, a in page]
    if nxt:
        out["NextToken"] = nxt
    return _cbor_reply(start_response, "200 OK", out)


def _get_metric_data(environ, start_response, shim, region, params):
    queries = params.get("MetricDataQueries") or []
    _count(region, "GetMetricData", len(queries), _caller(environ))
    caller = _caller(environ)
    org = _org(region, caller)
    allowed = {caller, *_linked(org)}
    groups, forbidden = {}, []
    for q in queries:
        acct = q.get("AccountId") or caller
        if acct not in allowed:
            forbidden.append(q)
            continue
        q2 = {k: v for k, v in q.items() if k != "AccountId"}
        groups.setdefault(acct, []).append(q2)
    results = {}
    messages = []
    for acct, qs in groups.items():
        p = dict(params)
        p["MetricDataQueries"] = qs
        status, doc = _cbor_inner(shim, environ, acct, "GetMetricData", p)
        if not status.startswith("200"):
            return _cbor_reply(start_response, status, doc)
        for r in doc.get("MetricDataResults", []):
            results[r.get("Id")] = r
        messages.extend(doc.get("Messages", []))
    for q in forbidden:
        results[q.get("Id")] = {"Id": q.get("Id"), "Label": q.get("Label") or q.get("Id"), "Timestamps": [],
                                "Values": [], "StatusCode": "Forbidden",
                                "Messages": [{"Code": "Forbidden",
                                              "Value": f"account {q.get('AccountId')} is not linked to {caller}"}]}
    out = {"MetricDataResults": [results[q.get("Id")] for q in queries if q.get("Id") in results]}
    if messages:
        out["Messages"] = messages
    return _cbor_reply(start_response, "200 OK", out)


# --- Logs --------------------------------------------------------------------------------------

def _logs(environ, start_response, shim, region, target, raw):
    req = json.loads(raw or b"{}")
    caller = _caller(environ)
    org = _org(region, caller)
    if target == "DescribeLogGroups":
        include = bool(req.pop("includeLinkedAccounts", False))
        wanted = req.pop("accountIdentifiers", None)
        if wanted and not include:
            return _json_error(start_response, "InvalidParameterException",
                               "accountIdentifiers needs includeLinkedAccounts set to true")
        if not include:
            return None
        _count(region, "DescribeLogGroups", caller=caller)
        accounts = [caller] + _linked(org)
        if wanted:
            accounts = [a for a in accounts if a in wanted]
        token = req.pop("nextToken", None)
        groups = []
        for acct in accounts:
            inner = None
            while True:
                r = dict(req)
                if inner:
                    r["nextToken"] = inner
                status, headers, body = _inner(shim, environ, acct, json.dumps(r).encode())
                if not status.startswith("200"):
                    start_response(status, headers)
                    return [body]
                doc = json.loads(body)
                groups.extend(doc.get("logGroups", []))
                inner = doc.get("nextToken")
                if not inner:
                    break
        page, nxt = _page(groups, token, int(req.get("limit") or 50), "groups")
        if page is None:
            return _json_error(start_response, "InvalidParameterException", "nextToken is not valid")
        return _json(start_response, "200 OK", {"logGroups": page, **({"nextToken": nxt} if nxt else {})})
    if target == "StartQuery":
        idents = req.get("logGroupIdentifiers") or []
        accounts = {i.split(":")[4] for i in idents if i.startswith("arn:") and len(i.split(":")) > 5}
        others = accounts - {caller}
        if not others:
            return None
        _count(region, "StartQuery", caller=caller)
        if not org or not others <= set(_linked(org)):
            return _json_error(start_response, "AccessDeniedException",
                               f"{caller} may not query log groups of {sorted(others)}")
        return _start_query_across(start_response, region, caller, req, idents)
    if target == "GetLogRecord":
        with _LOCK:
            acct = _PTR_ACCOUNT.get(req.get("logRecordPointer"))
        if acct is None or acct == caller:
            return None
        status, headers, body = _inner(shim, environ, acct, raw)
        start_response(status, headers)
        return [body]
    return None


_PTR_ACCOUNT = {}  # @ptr of an event read across accounts -> its account


def _start_query_across(start_response, region, caller, req, idents):
    """One Insights query over several accounts' groups (a monitoring account's): the events of
    every group, each `@log` naming its own account, through the same executor (insights.py)."""
    import uuid

    import insights
    from moto.logs.models import logs_backends

    start, end = req.get("startTime"), req.get("endTime")
    if start is None or end is None:
        return _json_error(start_response, "InvalidParameterException", "startTime and endTime are required")
    if len(idents) > insights.MAX_GROUPS:
        return _json_error(start_response, "InvalidParameterException",
                           f"at most {insights.MAX_GROUPS} log groups may be queried at once")
    events = []
    for ident in idents:
        parts = ident.split(":", 6)
        acct = parts[4] if ident.startswith("arn:") and len(parts) == 7 else caller
        name = insights._group_name(ident)
        backend = logs_backends[acct][region]
        if name not in backend.groups:
            return _json_error(start_response, "ResourceNotFoundException",
                               f"Log group '{name}' does not exist for account ID '{acct}'")
        for stream in backend.groups[name].streams.values():
            for ev in stream.events:
                if start * 1000 <= ev.timestamp <= end * 1000:
                    e = _AccountEvent(ev.timestamp, ev.message, name, stream.log_stream_name, str(ev.event_id),
                                      ev.ingestion_time)
                    e.account = acct
                    events.append(e)
                    with _LOCK:
                        _PTR_ACCOUNT[str(ev.event_id)] = acct
    try:
        rows, statistics = insights.run(req.get("queryString") or "", events, caller, req.get("limit"))
    except insights.QueryError as err:
        return _json_error(start_response, "MalformedQueryException", err.message)
    qid = str(uuid.uuid4())
    insights._QUERIES[qid] = (rows, statistics)
    return _json(start_response, "200 OK", {"queryId": qid})


def _install_account_records():
    """Let the executor's `@log` name each event's own account (`<account>:<group>`)."""
    import insights

    if getattr(insights.record, "_per_account", False):
        return
    original = insights.record

    def record(ev, account):
        return original(ev, getattr(ev, "account", None) or account)

    record._per_account = True
    insights.record = record


try:
    import insights as _insights

    class _AccountEvent(_insights.Event):
        __slots__ = ("account",)

    _install_account_records()
except ImportError:  # imported outside tests/emulator
    _AccountEvent = None


# --- X-Ray -------------------------------------------------------------------------------------

def _xray(environ, start_response, shim, region, path, raw):
    caller = _caller(environ)
    org = _org(region, caller)
    if not org:
        return None
    _count(region, path.strip("/"), caller=caller)
    merged = None
    for acct in [caller] + _linked(org):
        status, headers, body = _inner(shim, environ, acct, raw)
        if not status.startswith("200"):
            start_response(status, headers)
            return [body]
        doc = json.loads(body)
        # X-Ray names the account of each service of a summary (ServiceIds' AccountId)
        for s in doc.get("TraceSummaries", []):
            ids = s.get("ServiceIds") or []
            if not any(x.get("AccountId") for x in ids):
                s["ServiceIds"] = ids + [{"AccountId": acct}]
        if merged is None:
            merged = doc
            continue
        for k in ("TraceSummaries", "Traces", "UnprocessedTraceIds"):
            if k in doc:
                merged.setdefault(k, []).extend(doc[k])
        if "TracesProcessedCount" in doc:
            merged["TracesProcessedCount"] = merged.get("TracesProcessedCount", 0) + doc["TracesProcessedCount"]
    if path == "/Traces" and merged:
        found = {t.get("Id") for t in merged.get("Traces", [])}
        merged["UnprocessedTraceIds"] = sorted({i for i in merged.get("UnprocessedTraceIds", []) if i not in found})
    return _json(start_response, "200 OK", merged or {})


def handle(environ, start_response, shim):
    path = environ.get("PATH_INFO", "")
    if path.startswith(_CONTROL):
        return _control(environ, start_response, path, shim)
    if environ.get(_INNER) or environ.get("REQUEST_METHOD") != "POST":
        return None
    region, service = _scope(environ)
    if region is None:
        return None
    if service == "oam" and path in ("/ListSinks", "/ListAttachedLinks"):
        return _oam(environ, start_response, region, path[1:])
    m = _CBOR.match(path)
    if m:
        raw = _read(environ)
        params = cbor2.loads(raw) if raw else {}
        if m.group(1) == "ListMetrics":
            if not ("IncludeLinkedAccounts" in params or "OwningAccount" in params):
                _count(region, "ListMetrics", caller=_caller(environ))
                return None
            return _list_metrics(environ, start_response, shim, region, params)
        if not any("AccountId" in q for q in params.get("MetricDataQueries") or []):
            _count(region, "GetMetricData", len(params.get("MetricDataQueries") or []), _caller(environ))
            return None
        return _get_metric_data(environ, start_response, shim, region, params)
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if service == "logs" and target.startswith("Logs_20140328."):
        raw = _read(environ)
        return _logs(environ, start_response, shim, region, target.split(".", 1)[1], raw)
    if service == "xray" and path in ("/TraceSummaries", "/Traces"):
        raw = _read(environ)
        return _xray(environ, start_response, shim, region, path, raw)
    return None
