//! The fault-injecting proxy (`tests/emulator/fault_proxy.py`) from a Rust test: start one in
//! front of the emulator, switch faults on and off mid-run, read its per-operation counters.
//!
//! The proxy is plain Python 3 (stdlib only): `NIGHTJAR_TEST_PYTHON` if set, else `python3`.
//! It is killed when the [`FaultProxy`] is dropped, and exits by itself if the test process dies.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

pub struct FaultProxy {
    child: Child,
    port: u16,
    /// `http://127.0.0.1:PORT`: give this to the SDK as the endpoint.
    pub url: String,
}

impl FaultProxy {
    /// Start a proxy in front of `upstream` (the emulator's endpoint).
    pub fn start(upstream: &str) -> Self {
        let python = std::env::var("NIGHTJAR_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/emulator/fault_proxy.py");
        let mut child = Command::new(&python)
            .args([script, "--upstream", upstream])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {python} {script}: {e}"));
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut line)
            .expect("the fault proxy prints READY <port>");
        let port: u16 = line
            .strip_prefix("READY ")
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("the fault proxy did not start: {line:?}"));
        Self { child, port, url: format!("http://127.0.0.1:{port}") }
    }

    /// One control request; returns the JSON answer.
    fn control(&self, method: &str, path: &str, body: &Value) -> Value {
        let body = body.to_string();
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("the fault proxy is listening");
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).expect("the fault proxy answers");
        let (head, json) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
        assert!(head.starts_with("HTTP/1.1 200"), "fault proxy {path}: {out}");
        serde_json::from_str(json).unwrap_or_else(|e| panic!("fault proxy {path}: {e}: {json}"))
    }

    /// Replace the active faults with `fault` (`{"mode": "throttle", "match": "GetMetricData"}`).
    pub fn set(&self, fault: Value) {
        self.control("POST", "/__fault", &fault);
    }

    /// Several faults at once; the first that matches a request applies.
    pub fn set_all(&self, faults: Vec<Value>) {
        self.control("POST", "/__fault", &json!({ "faults": faults }));
    }

    /// No faults: forward everything.
    pub fn clear(&self) {
        self.set(json!({ "mode": "none" }));
    }

    /// `{"ops": {op: n}, "faulted": {op: n}, "total": n, "log": [[t, op, mode, status]]}`
    pub fn stats(&self) -> Value {
        self.control("GET", "/__stats", &json!({}))
    }

    /// Requests seen for `op` (faulted or not) since the start or the last [`Self::reset`].
    pub fn count(&self, op: &str) -> u64 {
        self.stats()["ops"][op].as_u64().unwrap_or(0)
    }

    /// Requests the proxy answered with a fault, for `op`.
    pub fn faulted(&self, op: &str) -> u64 {
        self.stats()["faulted"][op].as_u64().unwrap_or(0)
    }

    /// Zero the counters and the log.
    pub fn reset(&self) {
        self.control("POST", "/__reset", &json!({}));
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
