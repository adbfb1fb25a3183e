"""Emulator front for Service Quotas' two list operations, which moto 5.2.5 lacks for Bedrock
(no ListServiceQuotas at all: HTTP 500; ListAWSDefaultServiceQuotas only for `vpc`).

Hooked from moto_shim.py: `handle(environ, start_response)` answers the request, or returns None
to let moto have it.

* Only regions a test seeded are answered; any other region falls through to moto, whose HTTP 500
  is what a read-only role without Service Quotas looks like to nightjar (emulator_quotas.rs
  relies on it).
* Seeding (tests only, never called by nightjar):
  `POST /_nightjar/quota/seed` with a JSON body
  `{"region": "us-east-2", "service_code": "bedrock", "page_size": 2,
    "applied": [{"QuotaCode": "L-1", "QuotaName": "...", "Value": 400000}],
    "defaults": [...]}` replaces that region's quotas for that service code.
  `page_size` is how many quotas a page holds at most (AWS: "an API operation can return fewer
  results than the maximum even when there are more results available"), so paging is exercised
  with a handful of quotas.
* Strict where the API reference is (Service Quotas API reference, ListServiceQuotas and
  ListAWSDefaultServiceQuotas): `ServiceCode` is required (IllegalArgumentException); a service
  code the region does not have is NoSuchResourceException; `MaxResults` must be 1..100
  (IllegalArgumentException); `NextToken` must be one this front issued for the same operation,
  service code and region, else InvalidPaginationTokenException; `QuotaAppliedAtLevel` is
  ACCOUNT | RESOURCE | ALL (ListServiceQuotas only); `QuotaCode` narrows ListServiceQuotas to one
  quota. ListServiceQuotas lists applied values only: a quota without one is not retrieved.
"""

import json
import re
import threading

_LOCK = threading.Lock()
_STATE = {}  # (region, service_code) -> {"applied": [...], "defaults": [...], "page_size": n}
_ACCOUNT = "123456789012"
_TARGET = "ServiceQuotasV20190624."
_TOKEN = re.compile(r"^(lsq|ldq)\|([a-z0-9-]+)\|([A-Za-z0-9-]+)\|(\d+)$")


def _reply(start_response, status, obj, content_type="application/x-amz-json-1.1"):
    body = json.dumps(obj).encode()
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


def _error(start_response, code, message):
    return _reply(start_response, "400 Bad Request", {"__type": code, "message": message})


def _read_body(environ):
    n = int(environ.get("CONTENT_LENGTH") or 0)
    return environ["wsgi.input"].read(n) if n else b""


def _region(environ):
    m = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request", environ.get("HTTP_AUTHORIZATION", ""))
    return m.group(1) if m else None


def _quota(region, code, q, applied):
    out = {
        "ServiceCode": code,
        "ServiceName": "Amazon Bedrock" if code == "bedrock" else code,
        "QuotaArn": f"arn:aws:servicequotas:{region}:{_ACCOUNT if applied else ''}:{code}/{q['QuotaCode']}",
        "QuotaCode": q["QuotaCode"],
        "QuotaName": q["QuotaName"],
        "Value": float(q["Value"]),
        "Unit": q.get("Unit", "None"),
        "Adjustable": q.get("Adjustable", True),
        "GlobalQuota": False,
    }
    if applied:
        out["QuotaAppliedAtLevel"] = "ACCOUNT"
    return out


def _seed(environ, start_response):
    try:
        req = json.loads(_read_body(environ) or b"{}")
        region, code = req["region"], req.get("service_code", "bedrock")
        state = {
            "applied": list(req.get("applied") or []),
            "defaults": list(req.get("defaults") or []),
            "page_size": int(req.get("page_size") or 100),
        }
    except (ValueError, KeyError, TypeError) as e:
        return _reply(start_response, "400 Bad Request", {"error": f"bad seed: {e}"}, "application/json")
    with _LOCK:
        _STATE[(region, code)] = state
    return _reply(start_response, "200 OK", {"seeded": region, "service_code": code}, "application/json")


def _list(environ, start_response, op, region):
    try:
        req = json.loads(_read_body(environ) or b"{}")
    except ValueError:
        return _error(start_response, "IllegalArgumentException", "the request body is not JSON")
    code = req.get("ServiceCode")
    if not code:
        return _error(start_response, "IllegalArgumentException", "ServiceCode is required")
    size = req.get("MaxResults", 100)
    if not isinstance(size, int) or not 1 <= size <= 100:
        return _error(start_response, "IllegalArgumentException", "MaxResults must be between 1 and 100")
    if op == "lsq":
        level = req.get("QuotaAppliedAtLevel", "ACCOUNT")
        if level not in ("ACCOUNT", "RESOURCE", "ALL"):
            return _error(start_response, "IllegalArgumentException", f"bad QuotaAppliedAtLevel {level}")
    with _LOCK:
        state = _STATE.get((region, code))
    if state is None:
        return _error(start_response, "NoSuchResourceException",
                      "This service is not available in the current Region. Choose a different Region or a different service.")
    if op == "lsq":
        rows = [] if level == "RESOURCE" else [_quota(region, code, q, True) for q in state["applied"]]
        if req.get("QuotaCode"):
            rows = [r for r in rows if r["QuotaCode"] == req["QuotaCode"]]
    else:
        rows = [_quota(region, code, q, False) for q in state["defaults"]]
    start = 0
    token = req.get("NextToken")
    if token is not None:
        m = _TOKEN.match(token)
        if not m or m.group(1) != op or m.group(2) != region or m.group(3) != code or int(m.group(4)) > len(rows):
            return _error(start_response, "InvalidPaginationTokenException", "Invalid pagination token")
        start = int(m.group(4))
    n = min(size, state["page_size"])
    resp = {"Quotas": rows[start:start + n]}
    if start + n < len(rows):
        resp["NextToken"] = f"{op}|{region}|{code}|{start + n}"
    return _reply(start_response, "200 OK", resp)


def handle(environ, start_response):
    """Answer a seeding request or a seeded region's Service Quotas list; None for anything else."""
    path = environ.get("PATH_INFO", "")
    if path == "/_nightjar/quota/seed" and environ.get("REQUEST_METHOD") == "POST":
        return _seed(environ, start_response)
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if not target.startswith(_TARGET):
        return None
    op = {"ListServiceQuotas": "lsq", "ListAWSDefaultServiceQuotas": "ldq"}.get(target[len(_TARGET):])
    region = _region(environ)
    if op is None or region is None:
        return None
    with _LOCK:
        seeded = any(r == region for r, _ in _STATE)
    if not seeded:
        return None
    # the body is read here: hand moto nothing it would need afterwards
    return _list(environ, start_response, op, region)
