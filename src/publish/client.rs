//! The Azure Resource Manager side of publish: a small [`Transport`] trait
//! (one HTTP exchange), its `ureq` implementation, and [`Client`], which adds
//! the endpoint, the api-version, the bearer token, retries and error
//! decoding on top. Nothing here prints; the caller gets a log callback.

use serde_json::Value;
use std::time::Duration;

/// A bearer token. It is only ever put into an `Authorization` header:
/// there is no `Display`, and `Debug` hides it, so it cannot end up in a
/// message, a log line or a panic by accident.
pub struct Secret(String);

impl Secret {
    pub fn new(token: impl Into<String>) -> Secret {
        Secret(token.into())
    }

    fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with this token, and any `Bearer <credential>`, replaced by
    /// `***`. Everything a server sends back goes through here before it can
    /// reach a message or a log line: an error body may echo the request's
    /// `Authorization` header (issue 13 item 2).
    pub fn redact(&self, text: &str) -> String {
        let mut out = if self.0.is_empty() {
            text.to_string()
        } else {
            text.replace(&self.0, "***")
        };
        let mut from = 0;
        while let Some(at) = find_ascii_ci(&out[from..], "bearer").map(|i| i + from) {
            let after = at + "bearer".len();
            let (gap, cred, done) = {
                let rest = &out[after..];
                let gap = rest.len()
                    - rest
                        .trim_start_matches([' ', '\t', ':', '=', '"', '\''])
                        .len();
                let tail = &rest[gap..];
                let cred = tail
                    .find(|c: char| {
                        c.is_whitespace() || matches!(c, '"' | '\'' | ',' | ';' | '}' | ')')
                    })
                    .unwrap_or(tail.len());
                (gap, cred, tail.starts_with("***"))
            };
            if gap > 0 && cred > 0 && !done {
                out.replace_range(after + gap..after + gap + cred, "***");
            }
            from = after;
        }
        out
    }
}

/// Byte offset of `needle` (ASCII) in `hay`, ignoring ASCII case.
fn find_ascii_ci(hay: &str, needle: &str) -> Option<usize> {
    hay.as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

pub struct Response {
    pub status: u16,
    /// `Retry-After` in seconds, when the server sent one.
    pub retry_after: Option<u64>,
    pub body: String,
}

/// One HTTP exchange. `Err` is a transport failure (no HTTP status).
/// `timeout` bounds the whole exchange, body included.
pub trait Transport: Sync {
    fn send(
        &self,
        method: &str,
        url: &str,
        bearer: &str,
        body: Option<&str>,
        timeout: Duration,
    ) -> Result<Response, String>;
}

pub struct UreqTransport {
    agent: ureq::Agent,
}

impl UreqTransport {
    /// `use_proxy`: honour `HTTPS_PROXY` and friends (not for loopback).
    pub fn new(use_proxy: bool) -> UreqTransport {
        let mut config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(concat!("acrpc/", env!("CARGO_PKG_VERSION")));
        if !use_proxy {
            config = config.proxy(None);
        }
        UreqTransport {
            agent: config.build().into(),
        }
    }
}

impl Transport for UreqTransport {
    fn send(
        &self,
        method: &str,
        url: &str,
        bearer: &str,
        body: Option<&str>,
        timeout: Duration,
    ) -> Result<Response, String> {
        let auth = format!("Bearer {bearer}");
        let limit = Some(timeout);
        let result = match (method, body) {
            ("PUT", Some(b)) => self
                .agent
                .put(url)
                .config()
                .timeout_global(limit)
                .build()
                .header("Authorization", &auth)
                .header("Content-Type", "application/json")
                .send(b),
            ("DELETE", _) => self
                .agent
                .delete(url)
                .config()
                .timeout_global(limit)
                .build()
                .header("Authorization", &auth)
                .call(),
            _ => self
                .agent
                .get(url)
                .config()
                .timeout_global(limit)
                .build()
                .header("Authorization", &auth)
                .call(),
        };
        // ureq's errors describe the connection, never the request headers.
        let resp = result.map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|s| s.trim().parse::<u64>().ok());
        let body = resp
            .into_body()
            .read_to_string()
            .map_err(|e| e.to_string())?;
        Ok(Response {
            status,
            retry_after,
            body,
        })
    }
}

/// An ARM error body: `{ "error": { "code", "message", "details": [...] } }`.
#[derive(Clone, Debug, PartialEq)]
pub struct ArmError {
    pub code: String,
    pub message: String,
    pub details: Vec<ArmError>,
}

impl ArmError {
    pub fn parse(body: &str) -> Option<ArmError> {
        let v: Value = serde_json::from_str(body).ok()?;
        Self::from_value(v.get("error").unwrap_or(&v))
    }

    fn from_value(v: &Value) -> Option<ArmError> {
        let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        let (code, message) = (text("code"), text("message"));
        if code.is_none() && message.is_none() {
            return None;
        }
        let details = v
            .get("details")
            .and_then(Value::as_array)
            .map(|d| d.iter().filter_map(Self::from_value).collect())
            .unwrap_or_default();
        Some(ArmError {
            code: code.unwrap_or_default(),
            message: message.unwrap_or_default(),
            details,
        })
    }

    /// The same error with every text passed through `f`.
    fn map_text(self, f: &dyn Fn(&str) -> String) -> ArmError {
        ArmError {
            code: f(&self.code),
            message: f(&self.message),
            details: self.details.into_iter().map(|d| d.map_text(f)).collect(),
        }
    }

    /// `Code: message`, then each detail indented on its own line.
    pub fn render(&self) -> String {
        let mut out = format!("{}: {}", self.code, self.message);
        for d in &self.details {
            for line in d.render().lines() {
                out.push_str("\n  ");
                out.push_str(line);
            }
        }
        out
    }
}

/// Why a request failed, after retries.
#[derive(Debug)]
pub enum Failure {
    /// A final HTTP error status (4xx, or 429/5xx once retries ran out).
    Status {
        status: u16,
        arm: Option<ArmError>,
        attempts: u32,
    },
    /// No HTTP answer (connection refused, TLS, timeout) after retries.
    Transport { message: String, attempts: u32 },
    /// A `nextLink` pointing at another host: not followed (the token would
    /// go with it).
    ForeignLink(String),
    /// A body that is not the JSON ARM sends.
    BadBody(String),
    /// A listing whose `nextLink`s repeat a page or never end.
    Paging(String),
}

impl Failure {
    /// 429 and 5xx after the retry bound, or no answer at all.
    pub fn exhausted(&self) -> bool {
        match self {
            Failure::Status { status, .. } => retryable(*status),
            Failure::Transport { .. } => true,
            _ => false,
        }
    }
}

fn retryable(status: u16) -> bool {
    status == 429 || (500..600).contains(&status)
}

/// How often and how long to retry 429/5xx and transport failures.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// First backoff when the server sends no `Retry-After`; doubles.
    pub base: Duration,
    /// No single wait is longer, whatever `Retry-After` says.
    pub max_wait: Duration,
    /// One request, all its attempts and waits included, ends by then
    /// (`--timeout`): a stalled server cannot hold publish for long.
    pub deadline: Duration,
    /// After this long without an answer, the user is told what is slow.
    pub slow_notice: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            attempts: 5,
            base: Duration::from_millis(500),
            max_wait: Duration::from_secs(60),
            deadline: Duration::from_secs(60),
            slow_notice: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// The wait before attempt `attempt + 1` (`attempt` counts from 1).
    pub fn wait(&self, attempt: u32, retry_after: Option<u64>) -> Duration {
        let wait = match retry_after {
            Some(s) => Duration::from_secs(s),
            None => self
                .base
                .saturating_mul(1 << attempt.saturating_sub(1).min(16)),
        };
        wait.min(self.max_wait)
    }
}

/// What a log line is about: every request (shown with `--verbose`) or a
/// retry (always worth telling: the user is waiting).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    Request,
    Retry,
    /// A request that has been waiting for its answer for a while.
    Slow,
}

pub struct Client<'a> {
    pub transport: &'a dyn Transport,
    /// `https://management.azure.com`, without a trailing `/`.
    pub endpoint: String,
    pub api_version: String,
    pub token: Secret,
    pub retry: RetryPolicy,
    /// Called with one line per request and per retry; never given the token.
    pub log: &'a dyn Fn(Event, &str),
}

impl Client<'_> {
    /// The failure with the token (and any bearer credential) taken out of
    /// every text that came from the server or the connection.
    fn redacted(&self, f: Failure) -> Failure {
        let r = |t: &str| self.token.redact(t);
        match f {
            Failure::Status {
                status,
                arm,
                attempts,
            } => Failure::Status {
                status,
                arm: arm.map(|a| a.map_text(&r)),
                attempts,
            },
            Failure::Transport { message, attempts } => Failure::Transport {
                message: r(&message),
                attempts,
            },
            Failure::ForeignLink(link) => Failure::ForeignLink(r(&link)),
            Failure::BadBody(e) => Failure::BadBody(r(&e)),
            Failure::Paging(e) => Failure::Paging(r(&e)),
        }
    }

    fn log(&self, event: Event, line: &str) {
        (self.log)(event, &self.token.redact(line));
    }

    fn url_at(&self, path: &str, api_version: &str) -> String {
        format!("{}{path}?api-version={api_version}", self.endpoint)
    }

    /// One request with retries: the final response, or why there is none.
    fn exchange(&self, method: &str, url: &str, body: Option<&str>) -> Result<Response, Failure> {
        self.exchange_raw(method, url, body)
            .map_err(|f| self.redacted(f))
    }

    fn exchange_raw(
        &self,
        method: &str,
        url: &str,
        body: Option<&str>,
    ) -> Result<Response, Failure> {
        let start = std::time::Instant::now();
        let mut attempt = 1;
        loop {
            let left = self.retry.deadline.saturating_sub(start.elapsed());
            let result = if left.is_zero() {
                Err(self.out_of_time())
            } else {
                self.send_watched(method, url, body, left)
            };
            let (retry_after, why) = match &result {
                Ok(r) => {
                    self.log(Event::Request, &format!("{method} {url} -> {}", r.status));
                    (r.retry_after, format!("status {}", r.status))
                }
                Err(e) => {
                    self.log(Event::Request, &format!("{method} {url} -> {e}"));
                    (None, e.clone())
                }
            };
            let again = match &result {
                Ok(r) => retryable(r.status),
                Err(_) => true,
            };
            let wait = self.retry.wait(attempt, retry_after);
            let in_time = start.elapsed() + wait < self.retry.deadline;
            if !again || attempt >= self.retry.attempts || !in_time {
                return match result {
                    Ok(r) if r.status < 400 => Ok(r),
                    Ok(r) => Err(Failure::Status {
                        status: r.status,
                        arm: ArmError::parse(&r.body),
                        attempts: attempt,
                    }),
                    Err(message) if !in_time && again && attempt < self.retry.attempts => {
                        Err(Failure::Transport {
                            message: format!("{message}; {}", self.out_of_time()),
                            attempts: attempt,
                        })
                    }
                    Err(message) => Err(Failure::Transport {
                        message,
                        attempts: attempt,
                    }),
                };
            }
            self.log(
                Event::Retry,
                &format!(
                    "retrying {method} {url} in {:.1}s ({why}; attempt {} of {})",
                    wait.as_secs_f64(),
                    attempt + 1,
                    self.retry.attempts
                ),
            );
            std::thread::sleep(wait);
            attempt += 1;
        }
    }

    fn out_of_time(&self) -> String {
        format!(
            "no answer within the {}s deadline (--timeout)",
            self.retry.deadline.as_secs()
        )
    }

    /// One attempt, on a helper thread, so that a slow answer is announced
    /// (every `slow_notice`) instead of leaving the user in silence.
    fn send_watched(
        &self,
        method: &str,
        url: &str,
        body: Option<&str>,
        timeout: Duration,
    ) -> Result<Response, String> {
        let token = self.token.expose();
        std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::channel();
            let transport = self.transport;
            scope.spawn(move || {
                let _ = tx.send(transport.send(method, url, token, body, timeout));
            });
            let start = std::time::Instant::now();
            loop {
                match rx.recv_timeout(self.retry.slow_notice) {
                    Ok(result) => return result,
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => self.log(
                        Event::Slow,
                        &format!(
                            "still waiting for {method} {url} ({}s of {}s)",
                            start.elapsed().as_secs(),
                            timeout.as_secs()
                        ),
                    ),
                    Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                        return Err("the request thread ended without an answer".to_string());
                    }
                }
            }
        })
    }

    fn json(body: &str) -> Result<Value, Failure> {
        serde_json::from_str(body).map_err(|e| Failure::BadBody(e.to_string()))
    }

    /// The resource at `path`, or `None` when it does not exist (404).
    pub fn get(&self, path: &str) -> Result<Option<Value>, Failure> {
        self.get_at(path, &self.api_version)
    }

    /// [`Client::get`] with another API version (role assignments and
    /// exemptions have their own).
    pub fn get_at(&self, path: &str, api_version: &str) -> Result<Option<Value>, Failure> {
        match self.exchange("GET", &self.url_at(path, api_version), None) {
            Ok(r) => Self::json(&r.body).map(Some),
            Err(Failure::Status { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Writes `body` at `path`. A success status means Azure applied it,
    /// whatever the answer's body (publish reads every change back anyway).
    pub fn put(&self, path: &str, body: &Value) -> Result<(), Failure> {
        self.put_at(path, body, &self.api_version).map(drop)
    }

    /// [`Client::put`] with another API version; the answer's JSON when it
    /// is JSON (an assignment's answer holds its identity's principal).
    pub fn put_at(
        &self,
        path: &str,
        body: &Value,
        api_version: &str,
    ) -> Result<Option<Value>, Failure> {
        let text = body.to_string();
        self.exchange("PUT", &self.url_at(path, api_version), Some(&text))
            .map(|r| serde_json::from_str(&r.body).ok())
    }

    /// Deletes `path`; a resource already gone is not an error.
    pub fn delete(&self, path: &str) -> Result<(), Failure> {
        self.delete_at(path, &self.api_version)
    }

    /// [`Client::delete`] with another API version.
    pub fn delete_at(&self, path: &str, api_version: &str) -> Result<(), Failure> {
        match self.exchange("DELETE", &self.url_at(path, api_version), None) {
            Ok(_) | Err(Failure::Status { status: 404, .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Every item of a collection (`value`), following `nextLink` on the
    /// same endpoint only.
    pub fn list(&self, path: &str, filter: &str) -> Result<Vec<Value>, Failure> {
        self.list_at(path, Some(filter), &self.api_version)
    }

    /// [`Client::list`] with another API version and an optional filter.
    pub fn list_at(
        &self,
        path: &str,
        filter: Option<&str>,
        api_version: &str,
    ) -> Result<Vec<Value>, Failure> {
        let mut url = self.url_at(path, api_version);
        if let Some(f) = filter {
            url = format!("{url}&$filter={}", encode_filter(f));
        }
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        loop {
            // A server whose `nextLink` goes round in circles must not hold
            // publish forever (issue 13 item 16).
            if !seen.insert(url.clone()) {
                return Err(self.redacted(Failure::Paging(format!(
                    "nextLink {url} points at a page already read"
                ))));
            }
            if seen.len() > MAX_PAGES {
                return Err(Failure::Paging(format!(
                    "more than {MAX_PAGES} pages; stopped following nextLink"
                )));
            }
            let page = Self::json(&self.exchange("GET", &url, None)?.body)?;
            if let Some(items) = page.get("value").and_then(Value::as_array) {
                out.extend(items.iter().cloned());
            }
            match page.get("nextLink").and_then(Value::as_str) {
                Some(next) if !next.is_empty() => {
                    if !next.starts_with(&format!("{}/", self.endpoint)) {
                        return Err(self.redacted(Failure::ForeignLink(next.to_string())));
                    }
                    url = next.to_string();
                }
                _ => return Ok(out),
            }
        }
    }
}

/// A `$filter` value as a query parameter: spaces and quotes encoded.
fn encode_filter(f: &str) -> String {
    f.replace(' ', "%20").replace('\'', "%27")
}

/// Pages of one listing at most. A scope holds at most 500 custom policy
/// definitions and 200 initiatives (Azure Policy's documented limits), so
/// even one item per page stays far below this.
const MAX_PAGES: usize = 1000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_bounded() {
        let p = RetryPolicy::default();
        assert_eq!(p.wait(1, None), Duration::from_millis(500));
        assert_eq!(p.wait(3, None), Duration::from_secs(2));
        assert_eq!(p.wait(30, None), Duration::from_secs(60));
        assert_eq!(p.wait(1, Some(7)), Duration::from_secs(7));
        assert_eq!(p.wait(1, Some(3600)), Duration::from_secs(60));
    }

    #[test]
    fn server_text_is_redacted() {
        let t = Secret::new("eyJ0eXAi.secret-part");
        assert_eq!(
            t.redact("header Authorization: Bearer eyJ0eXAi.secret-part was bad"),
            "header Authorization: Bearer *** was bad"
        );
        // Any bearer credential, not only ours, and the bare token anywhere.
        assert_eq!(t.redact("BEARER other.token, x"), "BEARER ***, x");
        assert_eq!(t.redact("\"bearer\":\"zz\""), "\"bearer\":\"***\"");
        assert_eq!(t.redact("id=eyJ0eXAi.secret-part&x"), "id=***&x");
        assert_eq!(t.redact("bearers and a bearer"), "bearers and a bearer");
    }

    #[test]
    fn arm_errors_render_with_details() {
        let e = ArmError::parse(r#"{"error":{"code":"InvalidPolicyRule","message":"bad rule","details":[{"code":"X","message":"y"}]}}"#)
            .expect("parses");
        assert_eq!(e.render(), "InvalidPolicyRule: bad rule\n  X: y");
        assert_eq!(format!("{:?}", Secret::new("s3cr3t")), "Secret(***)");
    }
}
