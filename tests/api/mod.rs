//! The opt-in API features (`--verify`, `revoke`, `audit`) against a fake
//! Anthropic API that each test starts on loopback: never a real network
//! call. The fake answers like the documented endpoints and records every
//! request, so tests can also prove what was *not* sent.

mod revoke;
mod usage;
mod verify;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::util::*;

/// One request as the fake server received it.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    /// Path and query, as sent (`/v1/models?limit=1`).
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Request {
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Decoded query pairs, in order.
    pub fn query(&self) -> Vec<(String, String)> {
        let Some((_, query)) = self.target.split_once('?') else {
            return Vec::new();
        };
        query
            .split('&')
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (decode(k), decode(v))
            })
            .collect()
    }

    pub fn param(&self, name: &str) -> Option<String> {
        self.query()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

/// What the fake server answers.
pub struct Reply {
    pub status: u16,
    pub body: String,
    pub headers: Vec<(&'static str, String)>,
    /// Wait this long before answering (for timeouts).
    pub delay: Duration,
}

impl Reply {
    pub fn json(status: u16, body: serde_json::Value) -> Reply {
        Reply {
            status,
            body: body.to_string(),
            headers: Vec::new(),
            delay: Duration::ZERO,
        }
    }

    /// An error body shaped like the API's.
    pub fn error(status: u16, kind: &str) -> Reply {
        Reply::json(
            status,
            serde_json::json!({"type": "error", "error": {"type": kind, "message": kind}}),
        )
    }

    pub fn with_header(mut self, name: &'static str, value: &str) -> Reply {
        self.headers.push((name, value.to_string()));
        self
    }

    pub fn after(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }
}

type Handler = Arc<dyn Fn(&Request) -> Reply + Send + Sync>;

/// A fake API on 127.0.0.1, one thread per connection, `Connection: close`.
pub struct FakeApi {
    pub url: String,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl FakeApi {
    pub fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> FakeApi {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Handler = Arc::new(handler);
        let recorded = Arc::clone(&requests);
        // Detached: the listener lives as long as the test process.
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let handler = Arc::clone(&handler);
                let recorded = Arc::clone(&recorded);
                std::thread::spawn(move || serve(stream, &handler, &recorded));
            }
        });
        FakeApi { url, requests }
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    /// The requests whose path is `path`.
    pub fn to(&self, path: &str) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(|r| r.path() == path)
            .collect()
    }
}

fn serve(stream: TcpStream, handler: &Handler, recorded: &Mutex<Vec<Request>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = header.trim_end().split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let length = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let request = Request {
        method,
        target,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    recorded.lock().unwrap().push(request.clone());
    let reply = handler(&request);
    std::thread::sleep(reply.delay);
    let mut out = stream;
    let mut head = format!(
        "HTTP/1.1 {} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
        reply.status,
        reply.body.len()
    );
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let _ = out.write_all(head.as_bytes());
    let _ = out.write_all(reply.body.as_bytes());
    let _ = out.flush();
}

/// Runs antleak in the sandbox like `Sandbox::antleak`, with no API setting
/// inherited from the machine (base URL, admin key, proxies) and `envs` on top.
pub fn antleak_env(sb: &Sandbox, args: &[&str], envs: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_antleak"));
    cmd.current_dir(&sb.root)
        .args(args)
        .env("HOME", &sb.home)
        .env("XDG_CONFIG_HOME", sb.home.join(".config"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_WORK_TREE")
        .env_remove("NO_COLOR");
    for var in [
        "ANTHROPIC_BASE_URL",
        "ANTHROPIC_ADMIN_KEY",
        "ALL_PROXY",
        "all_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
    ] {
        cmd.env_remove(var);
    }
    cmd.envs(envs.iter().copied());
    Run::from(cmd.output().expect("antleak runs"))
}

/// The redacted form antleak and the Console's `partial_key_hint` share,
/// with the Console's `...`.
pub fn hint(key: &str) -> String {
    let body = &key["sk-ant-api03-".len()..];
    format!("sk-ant-api03-{}...{}", &body[..3], &body[body.len() - 4..])
}

/// antleak's redacted form of any key: `sk-ant-<kind>-` + 3 + `…` + 4.
pub fn redacted(key: &str) -> String {
    let body_start = key.match_indices('-').nth(2).unwrap().0 + 1;
    let body = &key[body_start..];
    format!(
        "{}{}…{}",
        &key[..body_start],
        &body[..3],
        &body[body.len() - 4..]
    )
}

/// The remediation entry (one per credential) of a JSON report for `key`.
pub fn entry<'r>(report: &'r serde_json::Value, key: &str) -> &'r serde_json::Value {
    let shown = redacted(key);
    report["remediation"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["secret_redacted"] == shown.as_str())
        .unwrap_or_else(|| panic!("no remediation entry for {shown}"))
}

/// An organization key as `GET /v1/organizations/api_keys` lists it.
pub fn org_key(id: &str, name: &str, hint: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "type": "api_key",
        "name": name,
        "workspace_id": "wrkspc_prod",
        "created_at": "2024-01-01T00:00:00Z",
        "created_by": {"id": "user_ada", "type": "user"},
        "partial_key_hint": hint,
        "status": "active",
    })
}

/// A fake Admin API: the organization's `keys`, listed `page_size` at a
/// time; deactivation and read-back; `usage` pages chained by `next_page`
/// (`page_1`, `page_2`, …). Only `admin_key` is accepted.
pub fn admin_api(
    admin_key: &str,
    keys: Vec<serde_json::Value>,
    page_size: usize,
    usage: Vec<serde_json::Value>,
) -> FakeApi {
    let admin_key = admin_key.to_string();
    let keys = Mutex::new(keys);
    FakeApi::start(move |req| {
        if req.header("x-api-key") != Some(admin_key.as_str()) {
            return Reply::error(401, "authentication_error");
        }
        let mut keys = keys.lock().unwrap();
        let path = req.path();
        if path == "/v1/organizations/api_keys" && req.method == "GET" {
            let start = match req.param("after_id") {
                Some(after) => keys.iter().position(|k| k["id"] == after.as_str()).unwrap() + 1,
                None => 0,
            };
            let page: Vec<_> = keys.iter().skip(start).take(page_size).cloned().collect();
            let last_id = page.last().map(|k| k["id"].clone());
            let has_more = start + page.len() < keys.len();
            return Reply::json(
                200,
                serde_json::json!({"data": page, "has_more": has_more, "first_id": null, "last_id": last_id}),
            );
        }
        if let Some(id) = path.strip_prefix("/v1/organizations/api_keys/") {
            let Some(key) = keys.iter_mut().find(|k| k["id"] == id) else {
                return Reply::error(404, "not_found_error");
            };
            if req.method == "POST" {
                let body: serde_json::Value = serde_json::from_str(&req.body).unwrap();
                key["status"] = body["status"].clone();
            }
            return Reply::json(200, key.clone());
        }
        if path == "/v1/organizations/usage_report/messages" {
            let index = match req.param("page") {
                Some(page) => page.trim_start_matches("page_").parse::<usize>().unwrap(),
                None => 0,
            };
            let has_more = index + 1 < usage.len();
            return Reply::json(
                200,
                serde_json::json!({
                    "data": usage.get(index).cloned().unwrap_or(serde_json::json!([])),
                    "has_more": has_more,
                    "next_page": if has_more { Some(format!("page_{}", index + 1)) } else { None },
                }),
            );
        }
        Reply::error(404, "not_found_error")
    })
}
