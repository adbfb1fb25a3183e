"""Emulator front: CloudWatch strict where AWS is strict and moto 5.2.5 is lenient (issue 12).

Hooked from moto_shim.py with one line, `shim_fidelity.handle(environ, start_response, cbor_call)`:
it answers the request, or returns None to let the rest of the shim have it. `cbor_call(environ,
start_response, op)` is the shim's own CBOR -> moto JSON -> CBOR translation (Shim._cbor); this
module decodes the CBOR params itself, changes what it must, calls through, and changes the answer.

* GetMetricData, the period rule for old data. AWS (MetricStat.Period, GetMetricData API
  reference): "If the StartTime parameter specifies a time stamp that is greater than 3 hours ago,
  you must specify the period as follows or no data points in that time range is returned: start
  time between 3 hours and 15 days ago - a multiple of 60 seconds; between 15 and 63 days ago - a
  multiple of 300 seconds; greater than 63 days ago - a multiple of 3600 seconds"; and nothing is
  kept over 455 days. moto accepts any period. Here a query whose period breaks the rule (or
  whose data is over 455 days old) comes back with no Timestamps/Values and StatusCode Complete,
  as AWS answers. StartTime is also rounded down as CloudWatch rounds it (GetMetricData,
  StartTime: to the minute under 15 days, the 5-minute clock from 15 to 63 days, the hour
  beyond), so moto's buckets (StartTime + k*Period) fall where CloudWatch's do.
* GetMetricData StatusCode InternalError on demand:
    POST   /_nightjar/cloudwatch/internal-error  {"region": "us-west-2", "calls": N,
             "query_id": "q3" | "metric": "InvocationLatency", "stat": "p99", "message": "..."}
           The next N GetMetricData calls in that region that hold a matching query (every query
           when no query_id/metric/stat is given) answer those results with StatusCode
           InternalError, no values, and a Messages entry {Code: InternalError, Value: message}.
           Several rules may be queued; each counts its own calls.
    GET    same path: {"region": [...rules left...]}; DELETE with {"region": ...} clears.
* Log alarms (moto's DescribeAlarms knows only metric alarms and ignores AlarmTypes):
    POST   /_nightjar/cloudwatch/log-alarms  {"region": "eu-west-1", "alarms": [LogAlarm, ...]}
           replaces that region's log alarms (API field names: AlarmName, StateValue,
           ScheduledQueryConfiguration{QueryString, LogGroupIdentifiers, AggregationExpression,
           ScheduleConfiguration{ScheduleExpression}}, QueryResultsToEvaluate,
           QueryResultsToAlarm, Threshold, ComparisonOperator, StateReason,
           StateTransitionedTimestamp (epoch seconds), ...).
    GET    same path: every region's log alarms.
  DescribeAlarms then answers as AWS does: `LogAlarms` only when AlarmTypes names LogAlarm; with
  AlarmTypes omitted only metric alarms; MetricAlarms / CompositeAlarms dropped when AlarmTypes is
  given without them. AlarmNames, AlarmNamePrefix and StateValue filter the log alarms.

State is per region (the SigV4 credential scope of the CloudWatch call, the "region" field of a
control call), so tests in other regions never see it.
"""

import datetime as dt
import io
import json
import re
import threading
import time

import cbor2

_CBOR_OPS = re.compile(r"^/service/GraniteServiceVersion20100801/operation/(GetMetricData|DescribeAlarms)$")
_CONTROL = "/_nightjar/cloudwatch/"
_LOCK = threading.Lock()
_INTERNAL = {}  # region -> [rule dicts with "calls" left]
_LOG_ALARMS = {}  # region -> [LogAlarm dicts, API shape]

DAY = 86400


def _region(environ):
    m = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/", environ.get("HTTP_AUTHORIZATION", ""))
    return m.group(1) if m else None


def _read(environ):
    return environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))


def _json_reply(start_response, status, obj):
    body = json.dumps(obj, default=str).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def _cbor_reply(start_response, status, headers, obj):
    body = cbor2.dumps(obj, datetime_as_timestamp=True, timezone=dt.timezone.utc)
    headers = [(k, v) for k, v in headers if k.lower() != "content-length"] + [("Content-Length", str(len(body)))]
    start_response(status, headers)
    return [body]


def min_period(age):
    """The multiple a period must be for data whose StartTime is `age` seconds ago; None: nothing kept."""
    if age > 455 * DAY:
        return None
    if age > 63 * DAY:
        return 3600
    if age > 15 * DAY:
        return 300
    return 60


def _rounding(age):
    """CloudWatch rounds an old StartTime down to this many seconds."""
    if age > 63 * DAY:
        return 3600
    if age > 15 * DAY:
        return 300
    return 60


def _ts(v):
    if isinstance(v, dt.datetime):
        return v.timestamp()
    return float(v)


def _control(environ, start_response, path):
    method = environ.get("REQUEST_METHOD")
    # read the body whatever the method (a GET may carry one, `{}` from the tests): werkzeug drains
    # what is left unread after answering with a blocking read that only ends when the client
    # closes, and the client waits for the server to close first
    raw = _read(environ)
    if method not in ("POST", "DELETE"):
        raw = b""
    try:
        doc = json.loads(raw) if raw else {}
    except ValueError as e:
        return _json_reply(start_response, "400 Bad Request", {"error": f"not JSON: {e}"})
    what = path[len(_CONTROL):]
    with _LOCK:
        if what == "internal-error":
            if method == "GET":
                return _json_reply(start_response, "200 OK", _INTERNAL)
            region = doc.get("region")
            if not region:
                return _json_reply(start_response, "400 Bad Request", {"error": "region is required"})
            if method == "DELETE":
                _INTERNAL.pop(region, None)
                return _json_reply(start_response, "200 OK", {"cleared": region})
            rule = {
                "calls": int(doc.get("calls", 1)),
                "query_id": doc.get("query_id"),
                "metric": doc.get("metric"),
                "stat": doc.get("stat"),
                "message": doc.get("message", "An internal error occurred; retry the request."),
            }
            if rule["calls"] < 1:
                return _json_reply(start_response, "400 Bad Request", {"error": "calls must be at least 1"})
            _INTERNAL.setdefault(region, []).append(rule)
            return _json_reply(start_response, "200 OK", {"queued": rule, "region": region})
        if what == "log-alarms":
            if method == "GET":
                return _json_reply(start_response, "200 OK", _LOG_ALARMS)
            region = doc.get("region")
            alarms = doc.get("alarms")
            if not region or not isinstance(alarms, list):
                return _json_reply(start_response, "400 Bad Request", {"error": "region and alarms[] are required"})
            for a in alarms:
                if not a.get("AlarmName"):
                    return _json_reply(start_response, "400 Bad Request", {"error": "every alarm needs AlarmName"})
            _LOG_ALARMS[region] = alarms
            return _json_reply(start_response, "200 OK", {"region": region, "log_alarms": len(alarms)})
    return _json_reply(start_response, "404 Not Found", {"error": f"no control endpoint {path}"})


def _matches(rule, q):
    stat = (q.get("MetricStat") or {})
    metric = (stat.get("Metric") or {}).get("MetricName")
    if rule["query_id"] is not None and q.get("Id") != rule["query_id"]:
        return False
    if rule["metric"] is not None and metric != rule["metric"]:
        return False
    if rule["stat"] is not None and stat.get("Stat") != rule["stat"]:
        return False
    return True


def _get_metric_data(environ, start_response, cbor_call, region, params):
    now = time.time()
    start = params.get("StartTime")
    age = now - _ts(start) if start is not None else 0.0
    if start is not None and age > 3 * 3600:
        step = _rounding(age)
        rounded = int(_ts(start)) // step * step
        params["StartTime"] = dt.datetime.fromtimestamp(rounded, dt.timezone.utc)
    floor = min_period(age) if age > 3 * 3600 else 1
    queries = params.get("MetricDataQueries") or []
    illegal = set()
    for q in queries:
        period = (q.get("MetricStat") or {}).get("Period", q.get("Period"))
        if period is None:
            continue
        if floor is None or int(period) % floor != 0:
            illegal.add(q.get("Id"))
    # which queries answer InternalError this call (each matching rule spends one of its calls)
    failing = {}
    with _LOCK:
        rules = _INTERNAL.get(region, [])
        for rule in rules:
            hit = [q.get("Id") for q in queries if _matches(rule, q)]
            if hit:
                rule["calls"] -= 1
                for i in hit:
                    failing.setdefault(i, rule["message"])
        _INTERNAL[region] = [r for r in rules if r["calls"] > 0]
    body = cbor2.dumps(params, datetime_as_timestamp=True, timezone=dt.timezone.utc)
    env = dict(environ)
    env.update({"wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))})
    out = {}

    def sr(status, headers, exc_info=None):
        out["status"], out["headers"] = status, headers

    rbody = b"".join(cbor_call(env, sr, "GetMetricData"))
    if not out["status"].startswith("200") or not (illegal or failing):
        start_response(out["status"], out["headers"])
        return [rbody]
    doc = cbor2.loads(rbody)
    results = {r.get("Id"): r for r in doc.get("MetricDataResults", [])}
    for q in queries:
        qid = q.get("Id")
        r = results.get(qid)
        if r is None:
            r = {"Id": qid, "Label": q.get("Label") or qid}
            doc.setdefault("MetricDataResults", []).append(r)
            results[qid] = r
        if qid in illegal:
            # AWS: "no data points in that time range is returned"
            r["Timestamps"], r["Values"], r["StatusCode"] = [], [], "Complete"
        if qid in failing:
            r["Timestamps"], r["Values"], r["StatusCode"] = [], [], "InternalError"
            r["Messages"] = [{"Code": "InternalError", "Value": failing[qid]}]
    return _cbor_reply(start_response, out["status"], out["headers"], doc)


_TIMESTAMPS = ("AlarmConfigurationUpdatedTimestamp", "StateUpdatedTimestamp", "StateTransitionedTimestamp")
_DOUBLES = ("Threshold",)
_INTS = ("QueryResultsToEvaluate", "QueryResultsToAlarm", "ActionLogLineCount")


def _log_alarm_cbor(a):
    """A LogAlarm as the Smithy CBOR decoder wants it: timestamps as datetimes, doubles as floats."""
    out = dict(a)
    for k in _TIMESTAMPS:
        if k in out and not isinstance(out[k], dt.datetime):
            out[k] = dt.datetime.fromtimestamp(float(out[k]), dt.timezone.utc)
    for k in _DOUBLES:
        if k in out:
            out[k] = float(out[k])
    for k in _INTS:
        if k in out:
            out[k] = int(out[k])
    return out


def _describe_alarms(environ, start_response, cbor_call, region, params):
    body = cbor2.dumps(params, datetime_as_timestamp=True, timezone=dt.timezone.utc)
    env = dict(environ)
    env.update({"wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))})
    out = {}

    def sr(status, headers, exc_info=None):
        out["status"], out["headers"] = status, headers

    rbody = b"".join(cbor_call(env, sr, "DescribeAlarms"))
    if not out["status"].startswith("200"):
        start_response(out["status"], out["headers"])
        return [rbody]
    doc = cbor2.loads(rbody)
    types = params.get("AlarmTypes")
    # AWS: "If you omit this parameter, only metric alarms are returned"
    wanted = set(types) if types else {"MetricAlarm"}
    if "MetricAlarm" not in wanted:
        doc.pop("MetricAlarms", None)
    if "CompositeAlarm" not in wanted:
        doc.pop("CompositeAlarms", None)
    if "LogAlarm" in wanted:
        names = params.get("AlarmNames") or []
        prefix = params.get("AlarmNamePrefix")
        state = params.get("StateValue")
        with _LOCK:
            alarms = list(_LOG_ALARMS.get(region, []))
        chosen = [
            _log_alarm_cbor(a)
            for a in alarms
            if (not names or a["AlarmName"] in names)
            and (not prefix or a["AlarmName"].startswith(prefix))
            and (not state or a.get("StateValue") == state)
        ]
        if chosen:
            doc["LogAlarms"] = chosen
    return _cbor_reply(start_response, out["status"], out["headers"], doc)


def handle(environ, start_response, cbor_call):
    path = environ.get("PATH_INFO", "")
    if path.startswith(_CONTROL):
        return _control(environ, start_response, path)
    m = _CBOR_OPS.match(path)
    if not m or environ.get("REQUEST_METHOD") != "POST":
        return None
    region = _region(environ) or "us-east-1"
    raw = _read(environ)
    params = cbor2.loads(raw) if raw else {}
    if m.group(1) == "GetMetricData":
        return _get_metric_data(environ, start_response, cbor_call, region, params)
    return _describe_alarms(environ, start_response, cbor_call, region, params)
