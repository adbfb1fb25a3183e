"""Emulator front for the AWS Price List query API and Bedrock inference profiles (moto 5.2.5 has
neither: no `pricing` service at all, and its `bedrock` knows no inference profiles).

Hooked from moto_shim.py: `handle(environ, start_response)` answers the request, or returns None
to let moto have it.

* pricing GetProducts (awsJson1_1, X-Amz-Target AWSPriceListService.GetProducts): answered from
  the REAL Price List documents committed under tests/fixtures/real/pricing/ (see PROVENANCE.md),
  strict where AWS is: ServiceCode is required, Filters must be TERM_MATCH, MaxResults 1..100,
  FormatVersion aws_v1, and NextToken pages through (an unknown token is InvalidNextTokenException).
  Documents are filtered by serviceCode (documents without one belong to AmazonBedrock) and by
  every TERM_MATCH filter on a product attribute (regionCode, ...).
* bedrock CreateInferenceProfile / GetInferenceProfile / ListInferenceProfiles /
  ListTagsForResource (restJson1): application inference profiles kept per account Region (taken
  from the SigV4 credential scope), with their tags; ListInferenceProfiles pages by maxResults /
  nextToken and filters on typeEquals (APPLICATION | SYSTEM_DEFINED; no system profiles are
  kept). Tests create profiles through the real SDK; product code only reads.
"""

import json
import os
import re
import threading
import time
import urllib.parse

_FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "real", "pricing")
_DOCS = None
_LOCK = threading.Lock()
_PROFILES = {}  # region -> {id: profile dict}
_TAGS = {}  # arn -> [{"key":..,"value":..}]
_ACCOUNT = "123456789012"


def _docs():
    global _DOCS
    if _DOCS is None:
        docs = []
        for name in sorted(os.listdir(_FIXTURES)):
            if name.startswith("get-products-") and name.endswith(".json"):
                with open(os.path.join(_FIXTURES, name)) as f:
                    docs.extend(json.load(f)["PriceList"])
        _DOCS = docs
    return _DOCS


def _reply(start_response, status, obj, content_type):
    body = json.dumps(obj).encode()
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


def _json11_error(start_response, code, message, status="400 Bad Request"):
    return _reply(start_response, status, {"__type": code, "message": message}, "application/x-amz-json-1.1")


def _rest_error(start_response, code, message, status="400 Bad Request"):
    body = json.dumps({"message": message}).encode()
    start_response(status, [("Content-Type", "application/json"), ("x-amzn-ErrorType", code),
                            ("Content-Length", str(len(body)))])
    return [body]


def _read_body(environ):
    n = int(environ.get("CONTENT_LENGTH") or 0)
    return environ["wsgi.input"].read(n) if n else b""


def _scope(environ):
    """(region, service) from the SigV4 Authorization header."""
    m = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request", environ.get("HTTP_AUTHORIZATION", ""))
    return (m.group(1), m.group(2)) if m else (None, None)


def _get_products(environ, start_response):
    try:
        req = json.loads(_read_body(environ) or b"{}")
    except ValueError:
        return _json11_error(start_response, "InvalidParameterException", "request body is not JSON")
    code = req.get("ServiceCode")
    if not code:
        return _json11_error(start_response, "InvalidParameterException", "ServiceCode is required")
    fmt = req.get("FormatVersion", "aws_v1")
    if fmt != "aws_v1":
        return _json11_error(start_response, "InvalidParameterException", f"unsupported FormatVersion {fmt}")
    size = req.get("MaxResults", 100)
    if not isinstance(size, int) or not 1 <= size <= 100:
        return _json11_error(start_response, "InvalidParameterException", "MaxResults must be between 1 and 100")
    filters = req.get("Filters") or []
    for f in filters:
        if f.get("Type") != "TERM_MATCH" or not f.get("Field") or "Value" not in f:
            return _json11_error(start_response, "InvalidParameterException", f"bad filter {f}")
    out = []
    for text in _docs():
        d = json.loads(text)
        if d.get("serviceCode", "AmazonBedrock") != code:
            continue
        attrs = d.get("product", {}).get("attributes", {})
        if all(f["Field"] == "ServiceCode" and f["Value"] == code or attrs.get(f["Field"]) == f["Value"] for f in filters):
            out.append(text)
    start = 0
    token = req.get("NextToken")
    if token:
        if not token.startswith("page-") or not token[5:].isdigit():
            return _json11_error(start_response, "InvalidNextTokenException", "invalid NextToken")
        start = int(token[5:])
    page = out[start:start + size]
    resp = {"FormatVersion": "aws_v1", "PriceList": page}
    if start + size < len(out):
        resp["NextToken"] = f"page-{start + size}"
    return _reply(start_response, "200 OK", resp, "application/x-amz-json-1.1")


def _profile_summary(p):
    return {k: p[k] for k in ("inferenceProfileName", "description", "createdAt", "updatedAt", "inferenceProfileArn",
                              "models", "inferenceProfileId", "status", "type") if k in p}


def _bedrock(environ, start_response, region):
    method = environ.get("REQUEST_METHOD")
    path = urllib.parse.unquote(environ.get("PATH_INFO", ""))
    query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
    with _LOCK:
        profiles = _PROFILES.setdefault(region, {})
        if path == "/inference-profiles" and method == "POST":
            req = json.loads(_read_body(environ) or b"{}")
            name = req.get("inferenceProfileName")
            source = (req.get("modelSource") or {}).get("copyFrom")
            if not name or not source:
                return _rest_error(start_response, "ValidationException", "inferenceProfileName and modelSource.copyFrom are required")
            if any(p["inferenceProfileName"] == name for p in profiles.values()):
                return _rest_error(start_response, "ConflictException", f"{name} exists", "409 Conflict")
            pid = "%012x" % (abs(hash((region, name, time.time()))) % (1 << 48))
            arn = f"arn:aws:bedrock:{region}:{_ACCOUNT}:application-inference-profile/{pid}"
            model = source.split("/", 1)[1] if ":foundation-model/" in source else source
            now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            profiles[pid] = {"inferenceProfileName": name, "inferenceProfileArn": arn, "inferenceProfileId": pid,
                             "models": [{"modelArn": f"arn:aws:bedrock:{region}::foundation-model/{model}"}],
                             "status": "ACTIVE", "type": "APPLICATION", "createdAt": now, "updatedAt": now}
            if req.get("description"):
                profiles[pid]["description"] = req["description"]
            _TAGS[arn] = list(req.get("tags") or [])
            return _reply(start_response, "201 Created", {"inferenceProfileArn": arn, "status": "ACTIVE"}, "application/json")
        if path == "/inference-profiles" and method == "GET":
            kind = (query.get("type") or ["SYSTEM_DEFINED"])[0]
            if kind not in ("APPLICATION", "SYSTEM_DEFINED"):
                return _rest_error(start_response, "ValidationException", f"bad type {kind}")
            size = int((query.get("maxResults") or ["1000"])[0])
            if not 1 <= size <= 1000:
                return _rest_error(start_response, "ValidationException", "maxResults must be between 1 and 1000")
            rows = [p for p in sorted(profiles.values(), key=lambda p: p["inferenceProfileId"]) if p["type"] == kind]
            start = int((query.get("nextToken") or ["0"])[0] or 0)
            resp = {"inferenceProfileSummaries": [_profile_summary(p) for p in rows[start:start + size]]}
            if start + size < len(rows):
                resp["nextToken"] = str(start + size)
            return _reply(start_response, "200 OK", resp, "application/json")
        if path.startswith("/inference-profiles/") and method == "GET":
            ident = path[len("/inference-profiles/"):]
            for p in profiles.values():
                if ident in (p["inferenceProfileId"], p["inferenceProfileArn"]):
                    return _reply(start_response, "200 OK", _profile_summary(p), "application/json")
            return _rest_error(start_response, "ResourceNotFoundException", f"{ident} not found", "404 Not Found")
        if path == "/listTagsForResource" and method == "POST":
            arn = json.loads(_read_body(environ) or b"{}").get("resourceARN", "")
            if ":application-inference-profile/" not in arn:
                return None
            if arn not in _TAGS:
                return _rest_error(start_response, "ResourceNotFoundException", f"{arn} not found", "404 Not Found")
            return _reply(start_response, "200 OK", {"tags": _TAGS[arn]}, "application/json")
    return None


def handle(environ, start_response):
    """Answer a Price List or inference-profile request; None for anything else."""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target.startswith("AWSPriceListService."):
        if target == "AWSPriceListService.GetProducts":
            return _get_products(environ, start_response)
        return _json11_error(start_response, "UnknownOperationException", target)
    region, service = _scope(environ)
    path = environ.get("PATH_INFO", "")
    if service == "bedrock" and (path.startswith("/inference-profiles") or path == "/listTagsForResource"):
        body = None
        if path == "/listTagsForResource":
            # peek: other resources' tags are moto's
            raw = _read_body(environ)
            import io
            environ["wsgi.input"] = io.BytesIO(raw)
            environ["CONTENT_LENGTH"] = str(len(raw))
            if b"application-inference-profile" not in raw:
                return None
        body = _bedrock(environ, start_response, region or "us-east-1")
        return body
    return None
