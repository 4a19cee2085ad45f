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
pub trait Transport {
    fn send(
        &self,
        method: &str,
        url: &str,
        bearer: &str,
        body: Option<&str>,
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
            .timeout_global(Some(Duration::from_secs(120)))
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
    ) -> Result<Response, String> {
        let auth = format!("Bearer {bearer}");
        let result = match (method, body) {
            ("PUT", Some(b)) => self
                .agent
                .put(url)
                .header("Authorization", &auth)
                .header("Content-Type", "application/json")
                .send(b),
            ("DELETE", _) => self.agent.delete(url).header("Authorization", &auth).call(),
            _ => self.agent.get(url).header("Authorization", &auth).call(),
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
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            attempts: 5,
            base: Duration::from_millis(500),
            max_wait: Duration::from_secs(60),
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
    fn url(&self, path: &str) -> String {
        format!("{}{path}?api-version={}", self.endpoint, self.api_version)
    }

    /// One request with retries: the final response, or why there is none.
    fn exchange(&self, method: &str, url: &str, body: Option<&str>) -> Result<Response, Failure> {
        let mut attempt = 1;
        loop {
            let result = self.transport.send(method, url, self.token.expose(), body);
            let (retry_after, why) = match &result {
                Ok(r) => {
                    (self.log)(Event::Request, &format!("{method} {url} -> {}", r.status));
                    (r.retry_after, format!("status {}", r.status))
                }
                Err(e) => {
                    (self.log)(Event::Request, &format!("{method} {url} -> {e}"));
                    (None, e.clone())
                }
            };
            let again = match &result {
                Ok(r) => retryable(r.status),
                Err(_) => true,
            };
            if !again || attempt >= self.retry.attempts {
                return match result {
                    Ok(r) if r.status < 400 => Ok(r),
                    Ok(r) => Err(Failure::Status {
                        status: r.status,
                        arm: ArmError::parse(&r.body),
                        attempts: attempt,
                    }),
                    Err(message) => Err(Failure::Transport {
                        message,
                        attempts: attempt,
                    }),
                };
            }
            let wait = self.retry.wait(attempt, retry_after);
            (self.log)(
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

    fn json(body: &str) -> Result<Value, Failure> {
        serde_json::from_str(body).map_err(|e| Failure::BadBody(e.to_string()))
    }

    /// The resource at `path`, or `None` when it does not exist (404).
    pub fn get(&self, path: &str) -> Result<Option<Value>, Failure> {
        match self.exchange("GET", &self.url(path), None) {
            Ok(r) => Self::json(&r.body).map(Some),
            Err(Failure::Status { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub fn put(&self, path: &str, body: &Value) -> Result<Value, Failure> {
        let text = body.to_string();
        let r = self.exchange("PUT", &self.url(path), Some(&text))?;
        Self::json(&r.body)
    }

    /// Deletes `path`; a resource already gone is not an error.
    pub fn delete(&self, path: &str) -> Result<(), Failure> {
        match self.exchange("DELETE", &self.url(path), None) {
            Ok(_) | Err(Failure::Status { status: 404, .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Every item of a collection (`value`), following `nextLink` on the
    /// same endpoint only.
    pub fn list(&self, path: &str, filter: &str) -> Result<Vec<Value>, Failure> {
        let mut url = format!("{}&$filter={}", self.url(path), filter.replace(' ', "%20"));
        let mut out = Vec::new();
        loop {
            let page = Self::json(&self.exchange("GET", &url, None)?.body)?;
            if let Some(items) = page.get("value").and_then(Value::as_array) {
                out.extend(items.iter().cloned());
            }
            match page.get("nextLink").and_then(Value::as_str) {
                Some(next) if !next.is_empty() => {
                    if !next.starts_with(&format!("{}/", self.endpoint)) {
                        return Err(Failure::ForeignLink(next.to_string()));
                    }
                    url = next.to_string();
                }
                _ => return Ok(out),
            }
        }
    }
}

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
    fn arm_errors_render_with_details() {
        let e = ArmError::parse(r#"{"error":{"code":"InvalidPolicyRule","message":"bad rule","details":[{"code":"X","message":"y"}]}}"#)
            .expect("parses");
        assert_eq!(e.render(), "InvalidPolicyRule: bad rule\n  X: y");
        assert_eq!(format!("{:?}", Secret::new("s3cr3t")), "Secret(***)");
    }
}
