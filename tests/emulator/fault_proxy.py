#!/usr/bin/env python3
"""A fault-injecting loopback proxy in front of nightjar's test emulator (stdlib only).

Started by the fault tests (tests/fault_proxy/mod.rs), one per test, in front of the emulator
that scripts/test.sh runs. Forwards every request unchanged unless a fault matches it, and counts
requests per operation so a test can measure call rates.

Usage: python3 fault_proxy.py --upstream http://127.0.0.1:PORT [--port 0]
  Prints `READY <port>` on stdout once listening. Exits when its parent process goes away.

Control (JSON over HTTP on the same port; paths start with /__ so they never collide with AWS):
  POST /__fault  {"mode": M, "match": "GetMetricData", "count": 3, "delay_ms": 500, ...}
                 sets one fault (mode "none" clears); {"faults": [{...}, {...}]} sets several
                 (the first that matches a request applies). Fields:
      mode      throttle | http500 | http503 | html | slow | timeout | reset | truncate | malformed
                | badutf8 | expired | rewrite | respond | none
      match     optional substring of the operation name (GetMetricData, StartQuery, ...) or path
      akid      optional: only requests signed with this access key id
      count     optional: apply to the next N matching requests only (null = until cleared)
      delay_ms  slow: delay before forwarding (default 2000); timeout: how long to hold the
                request without answering (default 300000)
      status    html: the HTTP status (default 502); respond: the status (default 200)
      replace   rewrite: [[from, to], ...] applied to the forwarded response body (text)
      json      respond: the JSON body to answer with (awsJson/restJson operations)
  GET  /__stats  {"ops": {op: n}, "faulted": {op: n}, "total": n, "log": [[t, op, mode, status]]}
                 t is seconds since the proxy started (monotonic); mode is "ok" when forwarded as is.
  POST /__reset  zero the counters and the log.

What each fault looks like, per protocol (the operation's own wire protocol decides the shape):
  rpcv2Cbor (CloudWatch)   CBOR {"__type": code, "message": ...}, `smithy-protocol: rpc-v2-cbor`,
                           plus `x-amzn-query-error: code;Sender` as CloudWatch sends (query-compatible)
  awsJson1_1 (Logs)        JSON {"__type": code, "message": ...} and `x-amzn-ErrorType: code`
  awsQuery (STS)           XML <ErrorResponse><Error><Code>code</Code>... </ErrorResponse>
  restJson1 (X-Ray, SSO)   JSON {"message": ...} and `x-amzn-ErrorType: code`
  throttle  400 Throttling (CBOR, query) / 400 ThrottlingException (JSON) / 429 ThrottledException
            (X-Ray) / 429 TooManyRequestsException (SSO)
  expired   403 ExpiredToken (CBOR, query) / 400 ExpiredTokenException (JSON) / 403 (restJson)
  http500   500 InternalFailure;  http503: 503 ServiceUnavailable
  html      a load balancer's HTML page (text/html) with `status` (502)
  slow      answers correctly after delay_ms;  timeout: never answers (holds the connection)
  reset     reads the request, then closes the socket with RST (SO_LINGER 0)
  truncate  forwards, then sends the real headers (full Content-Length) and half the body
  malformed 200 with a body that is not valid for the protocol
  badutf8   200 with a well-formed body holding a string that is not UTF-8
  rewrite   forwards, then applies `replace` to the body (e.g. keep a Logs Insights query Running)
  respond   answers itself with `status` and `json` (e.g. StopQuery, which moto cannot do)

The SSO portal's GetRoleCredentials (GET /federation/credentials) is answered by the proxy itself
(moto has no SSO portal): credentials `ASIASSO<n>` / `secret` / `token`, valid for an hour.
"""
import argparse
import http.client
import json
import os
import re
import socket
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CBOR_PATH = re.compile(r"^/service/[^/]+/operation/(\w+)$")
REST_OPS = {"TraceSummaries": "GetTraceSummaries", "Traces": "BatchGetTraces", "TraceGraph": "GetTraceGraph",
            "ServiceGraph": "GetServiceGraph", "TraceIds": "BatchGetTraces"}
HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection", "upgrade", "te"}
START = time.monotonic()


# --- a tiny CBOR encoder (maps, lists, text, bytes, ints, bools, null): all the faults need --------

def _head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    if n < 0x100:
        return bytes([major << 5 | 24, n])
    if n < 0x10000:
        return bytes([major << 5 | 25]) + struct.pack(">H", n)
    if n < 0x100000000:
        return bytes([major << 5 | 26]) + struct.pack(">I", n)
    return bytes([major << 5 | 27]) + struct.pack(">Q", n)


class RawText(bytes):
    """A CBOR text string with these exact bytes (which need not be UTF-8)."""


def cbor(v):
    if v is None:
        return b"\xf6"
    if v is True:
        return b"\xf5"
    if v is False:
        return b"\xf4"
    if isinstance(v, int):
        return _head(0, v) if v >= 0 else _head(1, -1 - v)
    if isinstance(v, RawText):
        return _head(3, len(v)) + bytes(v)
    if isinstance(v, bytes):
        return _head(2, len(v)) + v
    if isinstance(v, str):
        b = v.encode()
        return _head(3, len(b)) + b
    if isinstance(v, (list, tuple)):
        return _head(4, len(v)) + b"".join(cbor(x) for x in v)
    if isinstance(v, dict):
        return _head(5, len(v)) + b"".join(cbor(k) + cbor(x) for k, x in v.items())
    raise TypeError(type(v))


# --- state -----------------------------------------------------------------------------------------

class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.faults = []
        self.ops = {}
        self.faulted = {}
        self.log = []
        self.sso_issued = 0

    def set_faults(self, faults):
        with self.lock:
            self.faults = [dict(f) for f in faults if f.get("mode", "none") != "none"]

    def pick(self, op, path, akid):
        """Count the request; return the fault to apply (or None)."""
        with self.lock:
            self.ops[op] = self.ops.get(op, 0) + 1
            for f in self.faults:
                m = f.get("match")
                if m and m not in op and m not in path:
                    continue
                if f.get("akid") and f["akid"] != akid:
                    continue
                if f.get("count") is not None:
                    if f["count"] <= 0:
                        continue
                    f["count"] -= 1
                self.faulted[op] = self.faulted.get(op, 0) + 1
                return dict(f)
            return None

    def record(self, op, mode, status):
        with self.lock:
            self.log.append([round(time.monotonic() - START, 3), op, mode, status])

    def stats(self):
        with self.lock:
            return {"ops": dict(self.ops), "faulted": dict(self.faulted), "total": sum(self.ops.values()),
                    "log": list(self.log)}

    def reset(self):
        with self.lock:
            self.ops, self.faulted, self.log = {}, {}, []


STATE = State()


def operation(method, path, headers, body):
    """(protocol, operation name) of an AWS request."""
    bare = path.split("?", 1)[0]
    m = CBOR_PATH.match(bare)
    if m or headers.get("smithy-protocol") == "rpc-v2-cbor":
        return "cbor", m.group(1) if m else bare
    target = headers.get("X-Amz-Target")
    if target:
        return "json", target.split(".")[-1]
    if bare.startswith("/federation/credentials"):
        return "sso", "GetRoleCredentials"
    ctype = headers.get("Content-Type", "")
    if "x-www-form-urlencoded" in ctype:
        action = urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("Action", [""])[0]
        return "query", action or "Query"
    first = bare.strip("/").split("/")[0]
    return "rest", REST_OPS.get(first, first or method)


def access_key_id(headers):
    m = re.search(r"Credential=([^/,\s]+)/", headers.get("Authorization", ""))
    return m.group(1) if m else None


def error_reply(proto, kind):
    """(status, headers, body) for an error of `kind` in the protocol's own shape."""
    table = {
        # kind: (status, cbor/query code, json code, rest code, message)
        "throttle": (400, "Throttling", "ThrottlingException", "ThrottledException", "Rate exceeded"),
        "expired": (403, "ExpiredToken", "ExpiredTokenException", "ExpiredTokenException",
                    "The security token included in the request is expired"),
        "http500": (500, "InternalFailure", "InternalFailure", "InternalFailure",
                    "We encountered an internal error. Please try again."),
        "http503": (503, "ServiceUnavailable", "ServiceUnavailableException", "ServiceUnavailableException",
                    "Service is unavailable. Please try again later."),
    }
    status, qcode, jcode, rcode, msg = table[kind]
    if proto == "cbor":
        return status, [("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor"),
                        ("x-amzn-query-error", f"{qcode};{'Sender' if status < 500 else 'Receiver'}")], \
            cbor({"__type": qcode, "message": msg})
    if proto == "json":
        if kind == "expired":
            status = 400
        return status, [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", jcode)], \
            json.dumps({"__type": jcode, "message": msg}).encode()
    if proto == "query":
        kind_ = "Sender" if status < 500 else "Receiver"
        body = (f'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>{kind_}</Type>'
                f"<Code>{qcode}</Code><Message>{msg}</Message></Error>"
                f"<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>")
        return status, [("Content-Type", "text/xml")], body.encode()
    code = "TooManyRequestsException" if (proto == "sso" and kind == "throttle") else rcode
    if kind == "throttle":
        status = 429
    return status, [("Content-Type", "application/json"), ("x-amzn-ErrorType", code)], \
        json.dumps({"message": msg}).encode()


HTML = (b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body>\n"
        b"<center><h1>502 Bad Gateway</h1></center>\n<hr><center>awselb/2.0</center>\n</body></html>\n")


def malformed(proto):
    if proto == "cbor":
        # a map that promises 3 entries, then an invalid initial byte
        return [("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor")], b"\xa3\x63abc\xff\x1c{oops"
    if proto == "query":
        return [("Content-Type", "text/xml")], b"<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>"
    return [("Content-Type", "application/x-amz-json-1.1")], b'{"logGroups": [{"logGroupName": '


def bad_utf8(proto, op):
    if proto == "cbor":
        if op == "ListMetrics":
            body = {"Metrics": [{"Namespace": "AWS/Bedrock", "MetricName": "Invocations",
                                 "Dimensions": [{"Name": "ModelId", "Value": RawText(b"model-\xff\xfe\xc3")}]}]}
        else:
            body = {"MetricDataResults": [{"Id": RawText(b"q0\xff"), "Label": RawText(b"\xc3\x28"),
                                           "StatusCode": "Complete", "Timestamps": [], "Values": []}],
                    "Messages": []}
        return [("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor")], cbor(body)
    if proto == "query":
        return [("Content-Type", "text/xml")], (b"<GetCallerIdentityResponse><GetCallerIdentityResult>"
                                                b"<Arn>arn:\xff\xfe</Arn><Account>1</Account><UserId>x</UserId>"
                                                b"</GetCallerIdentityResult></GetCallerIdentityResponse>")
    return [("Content-Type", "application/x-amz-json-1.1")], b'{"logGroups": [{"logGroupName": "g\xff\xfe"}]}'


# --- the handler -------------------------------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nightjar-fault-proxy"

    def log_message(self, fmt, *args):  # quiet
        pass

    def _body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _send(self, status, headers, body, close=False):
        self.send_response(status)
        for k, v in headers:
            if k.lower() not in HOP:
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def _json(self, status, obj):
        self._send(status, [("Content-Type", "application/json")], json.dumps(obj).encode())

    def _control(self, body):
        path = self.path.split("?", 1)[0]
        if path == "/__stats":
            return self._json(200, STATE.stats())
        if path == "/__reset":
            STATE.reset()
            return self._json(200, {"ok": True})
        if path == "/__fault":
            try:
                doc = json.loads(body or b"{}")
            except ValueError as e:
                return self._json(400, {"error": str(e)})
            STATE.set_faults(doc["faults"] if isinstance(doc, dict) and "faults" in doc else [doc])
            return self._json(200, {"ok": True, "faults": STATE.faults})
        return self._json(404, {"error": f"unknown control path {path}"})

    def _forward(self, body):
        up = self.server.upstream
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=120)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
            headers["Content-Length"] = str(len(body))
            conn.request(self.command, self.path, body=body, headers=headers)
            r = conn.getresponse()
            # send_response adds its own Server and Date
            keep = [(k, v) for k, v in r.getheaders() if k.lower() not in HOP | {"server", "date"}]
            return r.status, keep, r.read()
        finally:
            conn.close()

    def _sso(self):
        STATE.sso_issued += 1
        creds = {"accessKeyId": f"ASIASSO{STATE.sso_issued}", "secretAccessKey": "secret", "sessionToken": "token",
                 "expiration": int((time.time() + 3600) * 1000)}
        return 200, [("Content-Type", "application/json")], json.dumps({"roleCredentials": creds}).encode()

    def _handle(self):
        body = self._body()
        if self.path.startswith("/__"):
            return self._control(body)
        proto, op = operation(self.command, self.path, self.headers, body)
        fault = STATE.pick(op, self.path, access_key_id(self.headers))
        mode = fault["mode"] if fault else "ok"
        try:
            status = self._apply(fault, proto, op, body)
        except (BrokenPipeError, ConnectionResetError):
            status = "client-gone"
        STATE.record(op, mode, status)

    def _apply(self, fault, proto, op, body):
        mode = fault["mode"] if fault else "ok"
        real = self._sso if proto == "sso" else (lambda: self._forward(body))
        if mode in ("throttle", "expired", "http500", "http503"):
            status, headers, rbody = error_reply(proto, mode)
            self._send(status, headers, rbody)
            return status
        if mode == "html":
            status = int(fault.get("status", 502))
            self._send(status, [("Content-Type", "text/html")], HTML)
            return status
        if mode == "timeout":
            deadline = time.monotonic() + fault.get("delay_ms", 300000) / 1000
            while time.monotonic() < deadline and not self.server.stopping:
                time.sleep(0.05)
            self.close_connection = True
            return "held"
        if mode == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return "reset"
        if mode == "malformed":
            headers, rbody = malformed(proto)
            self._send(200, headers, rbody)
            return 200
        if mode == "badutf8":
            headers, rbody = bad_utf8(proto, op)
            self._send(200, headers, rbody)
            return 200
        if mode == "respond":
            status = int(fault.get("status", 200))
            self._send(status, [("Content-Type", "application/x-amz-json-1.1")],
                       json.dumps(fault.get("json", {})).encode())
            return status
        if mode == "slow":
            time.sleep(fault.get("delay_ms", 2000) / 1000)
        status, headers, rbody = real()
        if mode == "truncate":
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(rbody)))
            self.end_headers()
            self.wfile.write(rbody[: len(rbody) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_WR)
            return "truncated"
        if mode == "rewrite":
            text = rbody.decode("utf-8", "surrogateescape")
            for a, b in fault.get("replace", []):
                text = text.replace(a, b)
            rbody = text.encode("utf-8", "surrogateescape")
        self._send(status, headers, rbody)
        return status

    def do_GET(self):
        self._handle()

    do_POST = do_PUT = do_DELETE = do_HEAD = do_GET


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    stopping = False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True, help="the emulator, e.g. http://127.0.0.1:5001")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    a = ap.parse_args()
    server = Server((a.host, a.port), Handler)
    server.upstream = urllib.parse.urlsplit(a.upstream)
    parent = os.getppid()

    def watchdog():
        # a test that died without stopping us must not leave us behind
        while os.getppid() == parent:
            time.sleep(0.5)
        server.stopping = True
        os._exit(0)

    threading.Thread(target=watchdog, daemon=True).start()
    print(f"READY {server.server_address[1]}", flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        server.stopping = True
        server.server_close()


if __name__ == "__main__":
    sys.exit(main())
