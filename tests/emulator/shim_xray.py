"""Emulator front for X-Ray's Transaction Search answers and its trace-summary time ranges (moto
5.2.5 has neither GetTraceSegmentDestination nor GetIndexingRules, gives summaries no StartTime,
and ignores TimeRangeType).

Hooked from moto_shim.py: `handle(environ, start_response)` answers the request, or returns None
to let moto have it; `after_summaries(environ, doc)` corrects moto's GetTraceSummaries answer.

* GetTraceSegmentDestination (POST /GetTraceSegmentDestination, restJson1): the region's
  `{"Destination": "XRay" | "CloudWatchLogs", "Status": "PENDING" | "ACTIVE"}`; XRay / ACTIVE
  (Transaction Search off, the AWS default) unless a test configured the region.
* GetIndexingRules (POST /GetIndexingRules): the region's rules, `Default` with
  `Probabilistic.DesiredSamplingPercentage` 1.0 unless configured, paged by the configured
  page size (NextToken; an unknown token is InvalidRequestException).
* BatchGetTraces (POST /Traces) in a region whose spans go to CloudWatch Logs (ACTIVE) finds no
  trace: every id comes back in UnprocessedTraceIds, as with Transaction Search on AWS, where
  the spans are in `aws/spans` (read them with Logs Insights).
* Errors on demand per operation (AccessDeniedException, ThrottledException, ...).
* GetTraceSummaries: TimeRangeType must be TraceId | Event | Service (else
  InvalidRequestException). With TraceId, or none (the time in the id is what X-Ray's TraceId
  range goes by), a trace is listed only when the epoch in its id (`1-<8 hex>-...`) lies in
  [StartTime, EndTime]: an OpenTelemetry id's random first 8 hex digits put it elsewhere, as on
  AWS. Event and Service keep moto's answer (by the segments' times). Every summary gets the
  StartTime AWS sends (the earliest segment start).

Control endpoint (tests only): POST /_nightjar/xray/transaction-search with a JSON body
  {"region": "ap-southeast-1", "destination": "CloudWatchLogs", "status": "ACTIVE",
   "rules": [{"name": "Default", "desired": 1.0, "actual": 0.8}], "page_size": 10,
   "errors": {"GetIndexingRules": {"code": "AccessDeniedException", "status": 403}}}
replaces the region's configuration (omitted keys take the defaults above); DELETE with
{"region": ...} forgets it. Answers {"ok": true}.
"""

import io
import json
import re
import threading
import time

_LOCK = threading.Lock()
_CONFIG = {}  # region -> dict
_ACCOUNT = "123456789012"
_CONTROL = "/_nightjar/xray/transaction-search"
_DESTINATIONS = ("XRay", "CloudWatchLogs")
_STATUSES = ("PENDING", "ACTIVE")
_RANGE_TYPES = ("TraceId", "Event", "Service")
_REQ_KEY = "nightjar.xray.summaries_request"


def _reply(start_response, status, obj, headers=()):
    body = json.dumps(obj).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))] + list(headers))
    return [body]


def _error(start_response, code, message, status="400 Bad Request"):
    return _reply(start_response, status, {"message": message}, [("x-amzn-ErrorType", code)])


def _read_body(environ):
    n = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(n) if n else b""
    # put it back for whoever reads next (moto)
    environ["wsgi.input"] = io.BytesIO(raw)
    environ["CONTENT_LENGTH"] = str(len(raw))
    return raw


def _scope(environ):
    """(region, service) from the SigV4 Authorization header."""
    m = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request", environ.get("HTTP_AUTHORIZATION", ""))
    return (m.group(1), m.group(2)) if m else (None, None)


def _status_line(code):
    return {400: "400 Bad Request", 403: "403 Forbidden", 404: "404 Not Found", 429: "429 Too Many Requests",
            500: "500 Internal Server Error"}.get(code, f"{code} Error")


def _config(region):
    with _LOCK:
        c = dict(_CONFIG.get(region) or {})
    c.setdefault("destination", "XRay")
    c.setdefault("status", "ACTIVE")
    c.setdefault("rules", [{"name": "Default", "desired": 1.0}])
    c.setdefault("page_size", 10)
    c.setdefault("errors", {})
    return c


def _injected(start_response, c, op):
    e = c["errors"].get(op)
    if not e:
        return None
    return _error(start_response, e.get("code", "InternalFailure"), e.get("message", f"{op} failed (injected)"),
                  _status_line(int(e.get("status", 400))))


def _control(environ, start_response):
    method = environ.get("REQUEST_METHOD")
    try:
        req = json.loads(_read_body(environ) or b"{}")
    except ValueError:
        return _reply(start_response, "400 Bad Request", {"error": "body is not JSON"})
    region = req.get("region")
    if not region:
        return _reply(start_response, "400 Bad Request", {"error": "region is required"})
    if method == "DELETE":
        with _LOCK:
            _CONFIG.pop(region, None)
        return _reply(start_response, "200 OK", {"ok": True})
    if method != "POST":
        return _reply(start_response, "405 Method Not Allowed", {"error": method})
    if req.get("destination", "XRay") not in _DESTINATIONS or req.get("status", "ACTIVE") not in _STATUSES:
        return _reply(start_response, "400 Bad Request", {"error": "bad destination or status"})
    for r in req.get("rules", []):
        if not r.get("name") or not isinstance(r.get("desired"), (int, float)) or not 0 <= r["desired"] <= 100:
            return _reply(start_response, "400 Bad Request", {"error": f"bad rule {r}"})
    if not isinstance(req.get("page_size", 10), int) or req.get("page_size", 10) < 1:
        return _reply(start_response, "400 Bad Request", {"error": "page_size must be a positive integer"})
    cfg = {k: req[k] for k in ("destination", "status", "rules", "page_size", "errors") if k in req}
    cfg["modified_at"] = time.time()
    with _LOCK:
        _CONFIG[region] = cfg
    return _reply(start_response, "200 OK", {"ok": True})


def _destination(environ, start_response, region):
    c = _config(region)
    return _injected(start_response, c, "GetTraceSegmentDestination") or _reply(
        start_response, "200 OK", {"Destination": c["destination"], "Status": c["status"]})


def _indexing_rules(environ, start_response, region):
    c = _config(region)
    failed = _injected(start_response, c, "GetIndexingRules")
    if failed:
        return failed
    try:
        req = json.loads(_read_body(environ) or b"{}")
    except ValueError:
        return _error(start_response, "InvalidRequestException", "request body is not JSON")
    start = 0
    token = req.get("NextToken")
    if token:
        if not token.startswith("rules-") or not token[6:].isdigit():
            return _error(start_response, "InvalidRequestException", "invalid NextToken")
        start = int(token[6:])
    size = c["page_size"]
    modified = c.get("modified_at", 0.0)
    rules = []
    for r in c["rules"][start:start + size]:
        p = {"DesiredSamplingPercentage": float(r["desired"])}
        if r.get("actual") is not None:
            p["ActualSamplingPercentage"] = float(r["actual"])
        rules.append({"Name": r["name"], "ModifiedAt": modified, "Rule": {"Probabilistic": p}})
    resp = {"IndexingRules": rules}
    if start + size < len(c["rules"]):
        resp["NextToken"] = f"rules-{start + size}"
    return _reply(start_response, "200 OK", resp)


def handle(environ, start_response):
    """Answer a Transaction Search request or the control endpoint; None for anything else."""
    path = environ.get("PATH_INFO", "")
    if path == _CONTROL:
        return _control(environ, start_response)
    region, service = _scope(environ)
    if service != "xray" or environ.get("REQUEST_METHOD") != "POST":
        return None
    region = region or "us-east-1"
    if path == "/GetTraceSegmentDestination":
        return _destination(environ, start_response, region)
    if path == "/GetIndexingRules":
        return _indexing_rules(environ, start_response, region)
    if path == "/Traces":
        c = _config(region)
        if c["destination"] == "CloudWatchLogs" and c["status"] == "ACTIVE":
            try:
                ids = json.loads(_read_body(environ) or b"{}").get("TraceIds") or []
            except ValueError:
                return _error(start_response, "InvalidRequestException", "request body is not JSON")
            return _reply(start_response, "200 OK", {"Traces": [], "UnprocessedTraceIds": ids})
        return None
    if path == "/TraceSummaries":
        try:
            req = json.loads(_read_body(environ) or b"{}")
        except ValueError:
            return None
        kind = req.get("TimeRangeType")
        if kind is not None and kind not in _RANGE_TYPES:
            return _error(start_response, "InvalidRequestException",
                          f"TimeRangeType must be one of {', '.join(_RANGE_TYPES)}")
        environ[_REQ_KEY] = req
    return None


def _trace_id_time(tid):
    parts = (tid or "").split("-")
    if len(parts) != 3 or len(parts[1]) != 8:
        return None
    try:
        return int(parts[1], 16)
    except ValueError:
        return None


def _segment_starts(region):
    """trace id -> the earliest segment start_time (epoch seconds), from moto's X-Ray backend."""
    try:
        from moto.xray.models import xray_backends
        traces = xray_backends[_ACCOUNT][region]._segment_collection._traces
    except Exception:
        return {}
    out = {}
    for tid, t in list(traces.items()):
        starts = [s.start_time for s in t.get("segments", []) if getattr(s, "start_time", None) is not None]
        if starts:
            out[tid] = min(starts)
    return out


def after_summaries(environ, doc):
    """moto's GetTraceSummaries answer, made like AWS's (see the module doc)."""
    req = environ.get(_REQ_KEY)
    if req is None:
        return doc
    region, _ = _scope(environ)
    starts = _segment_starts(region or "us-east-1")
    kind = req.get("TimeRangeType") or "TraceId"
    lo, hi = req.get("StartTime"), req.get("EndTime")
    kept = []
    for s in doc.get("TraceSummaries", []):
        if s.get("Id") in starts:
            s["StartTime"] = starts[s["Id"]]
        if kind == "TraceId" and lo is not None and hi is not None:
            t = _trace_id_time(s.get("Id"))
            if t is None or not float(lo) <= t <= float(hi):
                continue
        kept.append(s)
    doc["TraceSummaries"] = kept
    return doc
