#!/usr/bin/env python3
"""moto_server + compatibility shims for the Rust AWS SDK (tested with moto 5.2.5, cbor2 6.3.0).

nightjar's test emulator. Adapted from the design notes' prototype (moto_cbor_shim.py); the
only addition is `--port 0` / `--port-file` so that parallel runs never fight over a port.
Started and stopped by scripts/emulator.sh; pins are in tests/emulator/requirements.txt.

Why: moto 5.2.5 answers HTTP 404 to CloudWatch's rpcv2Cbor protocol, which is the ONLY
protocol the current Rust `aws-sdk-cloudwatch` (1.140.x) speaks, and moto's X-Ray
GetTraceSummaries returns `"Users": {}` (object) which the Rust SDK rejects
("expected start array or null").

What this does (single port, in-process WSGI middleware in front of moto's app):
  1. POST /service/GraniteServiceVersion20100801/operation/<Op> (CBOR) is translated to
     moto's awsJson1_0 CloudWatch handler using botocore's own model/serializer/parser,
     and the JSON answer is re-encoded as CBOR (timestamps -> CBOR tag 1, doubles as floats).
  2. X-Ray /TraceSummaries responses: "Users": {} -> [].
  3. --percentiles: monkey-patches moto so that pNN / ExtendedStatistics are computed from
     the raw datapoints moto keeps (nearest-rank), instead of crashing with HTTP 500.
  4. Logs Insights StartQuery/GetQueryResults run for real over moto's stored events
     (insights.py beside this file: filter, stats, parse, bin, sort, limit, JSON fields, the
     200-field discovery cap, statistics); unsupported syntax is MalformedQueryException.

What it deliberately does NOT fix (tests and product code must cope with moto as it is):
  CloudWatch Logs StopQuery (HTTP 500 NotImplementedError), X-Ray FilterExpression (500),
  metric math, ListMetrics duplicates, unaligned metric buckets.

Usage: python moto_shim.py [--host 127.0.0.1] [--port 5001 | --port 0] [--port-file F] [--percentiles]
  --port 0       bind a free port chosen by the OS.
  Once the socket is listening, prints `READY <port>` on stdout (flushed) and, with --port-file,
  writes the port to that file (atomically: temp file + rename).
Needs: moto[server]==5.2.5, cbor2.
"""
import argparse
import datetime as dt
import io
import json
import math
import os
import re
import signal
import sys

import cbor2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import shim_fidelity  # noqa: E402  (tests/emulator/shim_fidelity.py)
import shim_pricing  # noqa: E402  (tests/emulator/shim_pricing.py)
import shim_xray  # noqa: E402  (tests/emulator/shim_xray.py)
import shim_quota  # noqa: E402  (tests/emulator/shim_quota.py)
import shim_org  # noqa: E402  (tests/emulator/shim_org.py)
from botocore import parsers, serialize
from botocore.session import get_session
from werkzeug.serving import make_server

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app

_CW = get_session().get_service_model("cloudwatch")
_JSON_SER = serialize.create_serializer("json", include_validation=False)
_JSON_PARSER = parsers.create_parser("json")
_CBOR_PATH = re.compile(r"^/service/GraniteServiceVersion20100801/operation/(\w+)$")


def _coerce(shape, v):
    """Make values CBOR-typed the way the Smithy decoder expects (floats for doubles, ints for ints)."""
    if v is None or shape is None:
        return v
    t = shape.type_name
    if t == "structure":
        return {k: _coerce(shape.members.get(k), x) for k, x in v.items() if k != "ResponseMetadata"}
    if t == "list":
        return [_coerce(shape.member, x) for x in v]
    if t == "map":
        return {k: _coerce(shape.value, x) for k, x in v.items()}
    if t in ("double", "float"):
        return float(v)
    if t in ("integer", "long"):
        return int(v)
    if t == "timestamp" and isinstance(v, dt.datetime) and v.tzinfo is None:
        return v.replace(tzinfo=dt.timezone.utc)
    return v


class Shim:
    def __init__(self, app):
        self.app = app

    def _call_inner(self, environ):
        out = {}

        def sr(status, headers, exc_info=None):
            out["status"], out["headers"] = status, headers

        body = b"".join(self.app(environ, sr))
        return out["status"], out["headers"], body

    def __call__(self, environ, start_response):
        answered = shim_org.handle(environ, start_response, self)  # monitoring account: OAM, linked accounts
        if answered is not None:
            return answered
        answered = shim_pricing.handle(environ, start_response)  # Price List, inference profiles
        if answered is not None:
            return answered
        answered = shim_xray.handle(environ, start_response)  # Transaction Search, TimeRangeType
        if answered is not None:
            return answered
        answered = shim_fidelity.handle(environ, start_response, self._cbor)  # period rule, InternalError, log alarms
        if answered is not None:
            return answered
        answered = shim_quota.handle(environ, start_response)  # Service Quotas lists (seeded regions)
        if answered is not None:
            return answered
        path = environ.get("PATH_INFO", "")
        m = _CBOR_PATH.match(path)
        if m and environ.get("REQUEST_METHOD") == "POST":
            return self._cbor(environ, start_response, m.group(1))
        if path.endswith("/TraceSummaries"):
            status, headers, body = self._call_inner(environ)
            if status.startswith("200"):
                doc = json.loads(body)
                for s in doc.get("TraceSummaries", []):
                    if s.get("Users") == {}:
                        s["Users"] = []
                doc = shim_xray.after_summaries(environ, doc)  # StartTime, TimeRangeType
                body = json.dumps(doc).encode()
                headers = [(k, v) for k, v in headers if k.lower() != "content-length"] + [("Content-Length", str(len(body)))]
            start_response(status, headers)
            return [body]
        return self.app(environ, start_response)

    def _cbor(self, environ, start_response, op_name):
        def reply(code, obj):
            body = cbor2.dumps(obj, datetime_as_timestamp=True, timezone=dt.timezone.utc)
            start_response(code, [("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor"),
                                  ("Content-Length", str(len(body)))])
            return [body]

        try:
            op = _CW.operation_model(op_name)
        except Exception:
            return reply("400 Bad Request", {"__type": "UnknownOperationException", "message": op_name})
        raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        params = cbor2.loads(raw) if raw else {}
        req = _JSON_SER.serialize_to_request(params, op)
        body = req["body"] if isinstance(req["body"], bytes) else req["body"].encode()
        env = dict(environ)
        env.update({"PATH_INFO": "/", "RAW_URI": "/", "REQUEST_URI": "/", "QUERY_STRING": "",
                    "CONTENT_TYPE": req["headers"]["Content-Type"], "CONTENT_LENGTH": str(len(body)),
                    "HTTP_X_AMZ_TARGET": req["headers"]["X-Amz-Target"], "wsgi.input": io.BytesIO(body)})
        env.pop("HTTP_SMITHY_PROTOCOL", None)
        status, headers, rbody = self._call_inner(env)
        code = int(status.split()[0])
        if code >= 400:
            try:
                err = json.loads(rbody)
                etype = err.get("__type", "InternalFailure").split("#")[-1]
                msg = err.get("message") or err.get("Message") or ""
            except Exception:
                etype, msg = "InternalFailure", rbody[:500].decode("utf-8", "replace")
            return reply(status, {"__type": etype, "message": msg})
        parsed = _JSON_PARSER.parse({"body": rbody, "headers": dict(headers), "status_code": code}, op.output_shape) if op.output_shape else {}
        return reply(status, _coerce(op.output_shape, parsed) if op.output_shape else {})


def patch_percentiles():
    """Let moto answer pNN (GetMetricData Stat / GetMetricStatistics ExtendedStatistics) from raw values."""
    from moto.cloudwatch import models, responses

    pct = re.compile(r"^p(\d{1,2}(\.\d+)?)$")
    orig = models.Statistics.get_statistics_for_type

    def nearest_rank(values, p):
        if not values:
            return None
        s = sorted(values)
        return s[max(0, math.ceil(p / 100 * len(s)) - 1)]

    def get_statistics_for_type(self, stat):
        m = pct.match(stat or "")
        if m:
            v = nearest_rank(self.metric_single_values_list, float(m.group(1)))
            if v is None:  # only StatisticValues (pre-aggregated) data: no distribution -> use the mean
                agg = self.metric_aggregated_list
                n = sum(a.sample_count for a in agg)
                v = sum(a.sum for a in agg) / n if n else 0.0
            return v
        return orig(self, stat)

    models.Statistics.get_statistics_for_type = get_statistics_for_type

    # GetMetricStatistics: fill Datapoints[].ExtendedStatistics {pNN: value}
    orig_gms = responses.CloudWatchResponse.get_metric_statistics

    def get_metric_statistics(self):
        ext = self._get_param("ExtendedStatistics", []) or []
        result = orig_gms(self)
        for d in result.result.get("Datapoints", []):
            d.extended_statistics = {p: nearest_rank(d.metric_single_values_list, float(p[1:])) for p in ext if pct.match(p)}
        return result

    responses.CloudWatchResponse.get_metric_statistics = get_metric_statistics


def _write_port_file(path, port):
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(f"{port}\n")
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-H", "--host", default="127.0.0.1")
    ap.add_argument("-p", "--port", type=int, default=5001, help="0 = pick a free port")
    ap.add_argument("--port-file", help="write the bound port to this file once listening")
    ap.add_argument("--percentiles", action="store_true")
    a = ap.parse_args()
    if a.percentiles:
        patch_percentiles()
    import insights  # beside this file: the Logs Insights executor

    insights.install()
    app = Shim(DomainDispatcherApplication(create_backend_app))
    # make_server binds and listens in its constructor, so the port is reachable from here on
    # (requests queue in the backlog until serve_forever runs).
    server = make_server(a.host, a.port, app, threaded=True, request_handler=MotoRequestHandler)
    port = server.server_port
    os.environ["MOTO_PORT"] = str(port)  # as moto's own server does; used in some generated URLs

    def stop(signum, frame):
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if a.port_file:
        _write_port_file(a.port_file, port)
    print(f"READY {port}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
