//! `acrpc publish` against a loopback ARM stand-in.
//!
//! Each test starts [`StandIn`]: a small HTTP/1.1 server on 127.0.0.1 (an
//! ephemeral port) that speaks the policy REST paths of Azure Resource
//! Manager with their real status codes and bodies (200/201 on PUT, 404
//! `PolicyDefinitionNotFound`, 400 when an initiative names a missing
//! definition or a definition in use is deleted, 401 for a wrong token,
//! paged lists with `nextLink`), adds what the server adds (`id`, `type`,
//! `systemData`, `createdOn`, `versions`, keys in another order), records
//! every request, and injects faults on demand. The real binary is run with
//! `--endpoint http://127.0.0.1:<port>`; nothing else is ever contacted.
//!
//! Every run of the binary goes through [`run`], which fails the test if
//! the access token appears in stdout or stderr.
//!
//! Plan snapshots live in golden/publish/.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a failure should stop the test

use acrpc::diag::Code;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

const TOKEN: &str = "test-token-7f3a9c1e-DO-NOT-PRINT";
const SUB: &str = "/subscriptions/00000000-0000-0000-0000-00000000aaaa";
const MG: &str = "/providers/Microsoft.Management/managementGroups/platform";

// ------------------------------------------------------------------ stand-in

#[derive(Clone, Debug)]
struct Request {
    method: String,
    /// Path without the query, as sent.
    path: String,
    query: String,
    authorized: bool,
}

/// A canned answer for requests matching `method` and a path suffix,
/// `times` times.
struct Fault {
    method: &'static str,
    path_ends_with: String,
    times: usize,
    status: u16,
    retry_after: Option<u64>,
    body: Value,
}

#[derive(Default)]
struct State {
    /// Lower-cased resource path → stored resource (as the server returns it).
    store: BTreeMap<String, Value>,
    requests: Vec<Request>,
    faults: Vec<Fault>,
    /// Simulates another writer: every stored definition's description is
    /// replaced after each PUT.
    tamper: bool,
    /// The next this many PUTs are applied but answered with a body that is
    /// not JSON (a proxy's page, a truncated answer).
    non_json_put_answers: usize,
    /// Every PUT is read and never answered (the connection stays silent).
    stall_puts: bool,
    /// Assignment identities get no principal (E1040).
    no_principal: bool,
    /// Principals handed out so far (each new system-assigned identity gets
    /// the next one).
    principals: usize,
}

struct StandIn {
    port: u16,
    state: Arc<Mutex<State>>,
}

impl StandIn {
    fn start() -> StandIn {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = listener.local_addr().expect("local addr").port();
        let state = Arc::new(Mutex::new(State::default()));
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { break };
                let state = Arc::clone(&shared);
                std::thread::spawn(move || serve(conn, &state, port));
            }
        });
        StandIn { port, state }
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn fault(&self, f: Fault) {
        self.state().faults.push(f);
    }

    fn requests(&self) -> Vec<Request> {
        self.state().requests.clone()
    }

    /// Requests after the first `from`.
    fn writes_since(&self, from: usize) -> Vec<Request> {
        self.requests()
            .into_iter()
            .skip(from)
            .filter(|r| r.method != "GET")
            .collect()
    }

    fn stored(&self, collection: &str) -> Vec<Value> {
        self.state()
            .store
            .iter()
            .filter(|(k, _)| {
                k.contains(&format!("/{}/", collection.to_lowercase())) && !k.contains("/versions/")
            })
            .map(|(_, v)| v.clone())
            .collect()
    }
}

fn serve(conn: TcpStream, state: &Mutex<State>, port: u16) {
    let mut reader = BufReader::new(match conn.try_clone() {
        Ok(c) => c,
        Err(_) => return,
    });
    let _ = conn.set_nodelay(true);
    let mut writer = conn;
    // Keep-alive: one request after another on the same connection.
    while let Some((method, target, headers, body)) = read_request(&mut reader) {
        let stall = method == "PUT" && state.lock().unwrap_or_else(|e| e.into_inner()).stall_puts;
        if stall {
            std::thread::sleep(std::time::Duration::from_secs(10));
            return;
        }
        let (status, extra, body) = {
            let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
            handle(&mut s, &method, &target, &headers, &body, port)
        };
        let reason = match status {
            200 => "OK",
            201 => "Created",
            204 => "No Content",
            400 => "Bad Request",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "Not Found",
            429 => "Too Many Requests",
            500 => "Internal Server Error",
            503 => "Service Unavailable",
            _ => "Status",
        };
        let text = match body.get(RAW).and_then(Value::as_str) {
            Some(raw) => raw.to_string(),
            None if body.is_null() => String::new(),
            None => body.to_string(),
        };
        let mut head = format!(
            "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nx-ms-request-id: stand-in\r\n",
            text.len()
        );
        for (k, v) in extra {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        // One write per response (with TCP_NODELAY), so no answer waits on
        // Nagle's algorithm and a delayed ACK.
        head.push_str(&text);
        if writer.write_all(head.as_bytes()).is_err() {
            return;
        }
        let _ = writer.flush();
    }
}

type Headers = Vec<(String, String)>;

fn read_request(r: &mut BufReader<TcpStream>) -> Option<(String, String, Headers, String)> {
    let mut line = String::new();
    if r.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        r.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let mut body = Vec::new();
    if let Some(n) = header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        body.resize(n, 0);
        r.read_exact(&mut body).ok()?;
    } else if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        loop {
            let mut size = String::new();
            r.read_line(&mut size).ok()?;
            let n = usize::from_str_radix(size.trim(), 16).ok()?;
            let mut chunk = vec![0; n + 2];
            r.read_exact(&mut chunk).ok()?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    }
    Some((method, target, headers, String::from_utf8(body).ok()?))
}

fn arm_error(code: &str, message: &str) -> Value {
    json!({ "error": { "code": code, "message": message } })
}

type Answer = (u16, Vec<(String, String)>, Value);

/// An answer body `{RAW: "text"}` is sent as `text`, not as JSON.
const RAW: &str = "$raw-body";

fn handle(
    s: &mut State,
    method: &str,
    target: &str,
    headers: &Headers,
    body: &str,
    port: u16,
) -> Answer {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let authorized = headers
        .iter()
        .any(|(k, v)| k == "authorization" && v == &format!("Bearer {TOKEN}"));
    s.requests.push(Request {
        method: method.to_string(),
        path: path.to_string(),
        query: query.to_string(),
        authorized,
    });
    if !authorized {
        return (
            401,
            vec![],
            arm_error("InvalidAuthenticationToken", "The access token is invalid."),
        );
    }
    if let Some(f) = s
        .faults
        .iter_mut()
        .find(|f| f.times > 0 && f.method == method && path.ends_with(&f.path_ends_with))
    {
        f.times -= 1;
        let extra = f
            .retry_after
            .map(|r| vec![("Retry-After".to_string(), r.to_string())])
            .unwrap_or_default();
        return (f.status, extra, f.body.clone());
    }
    let api_version = query
        .split('&')
        .find_map(|p| p.strip_prefix("api-version="))
        .unwrap_or_default();
    // Each collection has its own versions: role assignments 2022-04-01,
    // exemptions only the preview 2024-12-01-preview.
    let versions: &[&str] = match parse_path(path).map(|p| p.1) {
        Some(c) if c == "roleAssignments" => &["2022-04-01"],
        Some(c) if c == "policyExemptions" => &["2024-12-01-preview"],
        _ => &["2025-03-01", "2025-11-01", "2026-06-01"],
    };
    if !versions.contains(&api_version) {
        return (
            400,
            vec![],
            arm_error(
                "InvalidApiVersionParameter",
                "The api-version is missing or not supported.",
            ),
        );
    }
    let answer = route(s, method, path, query, body, port);
    if method == "PUT" && answer.0 < 300 && s.non_json_put_answers > 0 {
        s.non_json_put_answers -= 1;
        return (
            answer.0,
            answer.1,
            json!({ RAW: "<html><body>OK</body></html>" }),
        );
    }
    answer
}

/// Collections of Microsoft.Authorization the stand-in serves.
const DEFINITIONS: [&str; 2] = ["policyDefinitions", "policySetDefinitions"];
const PLACEMENTS: [&str; 3] = ["policyAssignments", "roleAssignments", "policyExemptions"];

/// `(scope, collection, name, version)` of a policy REST path.
fn parse_path(path: &str) -> Option<(String, String, Option<String>, Option<String>)> {
    let (scope, rest) = path.split_once("/providers/Microsoft.Authorization/")?;
    let collection = rest.split('/').next()?.to_string();
    // Definitions live at the tenant (built-ins; empty scope), a management
    // group or a subscription; assignments, role assignments and exemptions
    // also at resource groups and resources.
    let at_mg = scope.starts_with("/providers/Microsoft.Management/managementGroups/");
    let scope_ok = if DEFINITIONS.contains(&collection.as_str()) {
        scope.is_empty()
            || (scope.starts_with("/subscriptions/") && scope.matches('/').count() == 2)
            || (at_mg && scope.matches('/').count() == 4)
    } else {
        PLACEMENTS.contains(&collection.as_str()) && (scope.starts_with("/subscriptions/") || at_mg)
    };
    if !scope_ok {
        return None;
    }
    let mut segs = rest.split('/');
    segs.next();
    let name = segs.next().map(str::to_string);
    let version = match (segs.next(), segs.next()) {
        (Some("versions"), Some(v)) => Some(v.to_string()),
        (None, None) => None,
        _ => return None,
    };
    Some((scope.to_string(), collection, name, version))
}

fn route(s: &mut State, method: &str, path: &str, query: &str, body: &str, port: u16) -> Answer {
    let Some((scope, collection, name, version)) = parse_path(path) else {
        return (
            404,
            vec![],
            arm_error(
                "InvalidResourceType",
                "The resource type could not be found.",
            ),
        );
    };
    let key = path.to_lowercase();
    let (singular, not_found) = match collection.as_str() {
        "policyDefinitions" => ("policy definition", "PolicyDefinitionNotFound"),
        "policySetDefinitions" => ("policy set definition", "PolicySetDefinitionNotFound"),
        "policyAssignments" => ("policy assignment", "PolicyAssignmentNotFound"),
        "policyExemptions" => ("policy exemption", "PolicyExemptionNotFound"),
        _ => ("role assignment", "RoleAssignmentNotFound"),
    };
    match (method, name) {
        ("GET", None) => list(s, &key, query, port),
        ("GET", Some(n)) => match s.store.get(&key) {
            Some(v) => (200, vec![], v.clone()),
            None => (
                404,
                vec![],
                arm_error(
                    not_found,
                    &format!("The {singular} '{n}' could not be found."),
                ),
            ),
        },
        ("PUT", Some(n)) if PLACEMENTS.contains(&collection.as_str()) => {
            put_placement(s, &scope, &collection, &n, &key, body)
        }
        ("PUT", Some(n)) => put(s, &scope, &collection, &n, version.as_deref(), &key, body),
        ("DELETE", Some(n)) => {
            let prefix = format!(
                "{}/providers/microsoft.authorization/policydefinitions/{}",
                scope.to_lowercase(),
                n.to_lowercase()
            );
            let in_use = collection == "policyDefinitions"
                && s.store.iter().any(|(k, v)| {
                    k.contains("/policysetdefinitions/")
                        && v["properties"]["policyDefinitions"]
                            .as_array()
                            .is_some_and(|m| {
                                m.iter().any(|m| {
                                    m["policyDefinitionId"]
                                        .as_str()
                                        .is_some_and(|id| id.to_lowercase() == prefix)
                                })
                            })
                });
            if in_use {
                return (
                    400,
                    vec![],
                    arm_error(
                        "PolicyDefinitionInUse",
                        "The policy definition is referenced by a policy set definition.",
                    ),
                );
            }
            let existed = s.store.remove(&key).is_some();
            s.store
                .retain(|k, _| !k.starts_with(&format!("{key}/versions/")));
            (if existed { 200 } else { 204 }, vec![], Value::Null)
        }
        _ => (405, vec![], arm_error("MethodNotAllowed", "Not supported.")),
    }
}

fn list(s: &State, key: &str, query: &str, port: u16) -> Answer {
    let prefix = format!("{key}/");
    let role_suffix = "/providers/microsoft.authorization/roleassignments";
    let all: Vec<&Value> = match key.strip_suffix(role_suffix) {
        // Role assignments at and below the scope, of one principal when
        // the filter names it (`$filter=principalId eq '<id>'`).
        Some(scope) => {
            let principal = query
                .split('&')
                .find_map(|p| p.strip_prefix("$filter="))
                .map(|f| f.replace("%20", " ").replace("%27", "'"))
                .and_then(|f| {
                    f.strip_prefix("principalId eq '")
                        .and_then(|r| r.strip_suffix('\''))
                        .map(str::to_string)
                });
            s.store
                .iter()
                .filter(|(k, v)| {
                    k.starts_with(scope)
                        && k.contains(&format!("{role_suffix}/"))
                        && principal
                            .as_deref()
                            .is_none_or(|p| v["properties"]["principalId"].as_str() == Some(p))
                })
                .map(|(_, v)| v)
                .collect()
        }
        // Assignments and exemptions listed at a subscription: also those
        // of its resource groups and resources (REST "Policy Assignments -
        // List": "as well as any applied to objects contained within the
        // subscription").
        None if key.starts_with("/subscriptions/")
            && (key.ends_with("/policyassignments") || key.ends_with("/policyexemptions")) =>
        {
            let (scope, collection) = key
                .rsplit_once("/providers/microsoft.authorization/")
                .unwrap_or((key, ""));
            let inner = format!("/providers/microsoft.authorization/{collection}/");
            s.store
                .iter()
                .filter(|(k, _)| {
                    k.starts_with(scope)
                        && k.rsplit_once(&inner).is_some_and(|(_, n)| !n.contains('/'))
                })
                .map(|(_, v)| v)
                .collect()
        }
        None => s
            .store
            .iter()
            .filter(|(k, _)| k.starts_with(&prefix) && !k[prefix.len()..].contains('/'))
            .map(|(_, v)| v)
            .collect(),
    };
    let skip: usize = query
        .split('&')
        .find_map(|p| p.strip_prefix("$skiptoken="))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    const PAGE: usize = 20;
    let page: Vec<Value> = all
        .iter()
        .skip(skip)
        .take(PAGE)
        .map(|v| (*v).clone())
        .collect();
    let mut out = json!({ "value": page });
    if skip + PAGE < all.len() {
        let base = query.split("&$skiptoken=").next().unwrap_or(query);
        out["nextLink"] = json!(format!(
            "http://127.0.0.1:{port}{}?{base}&$skiptoken={}",
            key_path(key, s),
            skip + PAGE
        ));
    }
    (200, vec![], out)
}

/// The original-case path of a collection key (any stored item's id prefix).
fn key_path(key: &str, s: &State) -> String {
    s.store
        .values()
        .filter_map(|v| v["id"].as_str())
        .find(|id| id.to_lowercase().starts_with(key))
        .map(|id| id[..key.len()].to_string())
        .unwrap_or_else(|| key.to_string())
}

/// What the server keeps of a placement's metadata, plus its timestamps.
fn with_server_metadata(props: &mut serde_json::Map<String, Value>) {
    let mut meta = props.get("metadata").cloned().unwrap_or(json!({}));
    meta["createdBy"] = json!("11111111-1111-1111-1111-111111111111");
    meta["createdOn"] = json!("2026-11-25T12:00:00.0000000Z");
    props.insert("metadata".into(), meta);
}

/// The principal of a stored assignment's identity.
fn stored_principal(v: &Value) -> Option<&str> {
    v["identity"]["principalId"].as_str()
}

/// PUT of an assignment, a role assignment or an exemption, with the
/// checks and additions Azure makes:
/// - assignment: the assigned definition must exist; an identity needs a
///   `location`; a system-assigned identity gets a `principalId` and
///   `tenantId` (kept while the identity stays); read-only `scope`,
///   `instanceId`, `assignmentType` and metadata timestamps are added;
/// - role assignment: the principal must exist
///   (`PrincipalNotFound`), principal and role cannot change
///   (`RoleAssignmentUpdateNotPermitted`); Azure answers the role id under
///   the subscription and adds `scope`, `condition`, timestamps;
/// - exemption: its assignment must exist; `expiresOn` comes back with
///   seven fraction digits; metadata timestamps are added.
fn put_placement(
    s: &mut State,
    scope: &str,
    collection: &str,
    name: &str,
    key: &str,
    body: &str,
) -> Answer {
    let bad = |code: &str, msg: &str| (400, vec![], arm_error(code, msg));
    let Ok(v) = serde_json::from_str::<Value>(body) else {
        return bad(
            "InvalidRequestContent",
            "The request content was invalid and could not be deserialized.",
        );
    };
    let Some(mut props) = v.get("properties").and_then(Value::as_object).cloned() else {
        return bad("InvalidRequestContent", "properties is required.");
    };
    let old = s.store.get(key).cloned();
    let id = format!("{scope}/providers/Microsoft.Authorization/{collection}/{name}");
    let mut resource =
        json!({ "id": id, "name": name, "type": format!("Microsoft.Authorization/{collection}") });
    match collection {
        "policyAssignments" => {
            let def = props["policyDefinitionId"]
                .as_str()
                .unwrap_or_default()
                .to_lowercase();
            if !s.store.contains_key(&def) {
                return bad(
                    "PolicyDefinitionNotFound",
                    &format!("The policy definition '{def}' could not be found."),
                );
            }
            if let Some(identity) = v.get("identity") {
                if v.get("location").is_none() {
                    return bad(
                        "InvalidPolicyAssignmentLocation",
                        "A policy assignment with a managed identity requires a location.",
                    );
                }
                let mut identity = identity.clone();
                if identity["type"] == "SystemAssigned" && !s.no_principal {
                    let kept = old
                        .as_ref()
                        .filter(|o| o["identity"]["type"] == "SystemAssigned")
                        .and_then(stored_principal)
                        .map(str::to_string);
                    let principal = kept.unwrap_or_else(|| {
                        s.principals += 1;
                        format!("00000000-0000-4000-8000-{:012}", s.principals)
                    });
                    identity["principalId"] = json!(principal);
                    identity["tenantId"] = json!("00000000-0000-0000-0000-0000000000ff");
                }
                resource["identity"] = identity;
                resource["location"] = v["location"].clone();
            }
            with_server_metadata(&mut props);
            props.insert("scope".into(), json!(scope));
            props.insert("instanceId".into(), json!(format!("instance-{name}")));
            props.insert("assignmentType".into(), json!("Custom"));
        }
        "roleAssignments" => {
            let principal = props["principalId"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let known = s
                .store
                .values()
                .any(|a| stored_principal(a) == Some(principal.as_str()));
            if !known {
                return bad(
                    "PrincipalNotFound",
                    &format!("Principal {principal} does not exist in the directory."),
                );
            }
            let role = props["roleDefinitionId"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let guid = role.rsplit('/').next().unwrap_or_default().to_lowercase();
            if let Some(o) = &old {
                let same_role = o["properties"]["roleDefinitionId"]
                    .as_str()
                    .is_some_and(|r| r.to_lowercase().ends_with(&guid));
                if o["properties"]["principalId"] != json!(principal) || !same_role {
                    return bad(
                        "RoleAssignmentUpdateNotPermitted",
                        "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.",
                    );
                }
            }
            let sub = scope
                .split('/')
                .nth(2)
                .filter(|_| scope.starts_with("/subscriptions/"));
            let qualified = match sub {
                Some(sub) => format!(
                    "/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{guid}"
                ),
                None => role.clone(),
            };
            props.insert("roleDefinitionId".into(), json!(qualified));
            props.insert("scope".into(), json!(scope));
            props.insert("condition".into(), Value::Null);
            props.insert("conditionVersion".into(), Value::Null);
            props.insert("createdOn".into(), json!("2026-11-25T12:00:00.0000000Z"));
            props.insert("updatedOn".into(), json!("2026-11-25T12:00:00.0000000Z"));
            props.insert("delegatedManagedIdentityResourceId".into(), Value::Null);
        }
        _ => {
            let asg = props["policyAssignmentId"]
                .as_str()
                .unwrap_or_default()
                .to_lowercase();
            if !s.store.contains_key(&asg) {
                return (
                    404,
                    vec![],
                    arm_error(
                        "PolicyAssignmentNotFound",
                        &format!("The policy assignment '{asg}' is not found."),
                    ),
                );
            }
            if let Some(t) = props.get("expiresOn").and_then(Value::as_str) {
                let t = t.replace('Z', ".0000000Z");
                props.insert("expiresOn".into(), json!(t));
            }
            with_server_metadata(&mut props);
        }
    }
    let mut keys: Vec<String> = props.keys().cloned().collect();
    keys.sort_by(|a, b| b.cmp(a));
    let reordered: serde_json::Map<String, Value> = keys
        .into_iter()
        .map(|k| (k.clone(), props[&k].clone()))
        .collect();
    resource["properties"] = Value::Object(reordered);
    resource["systemData"] =
        json!({ "createdBy": "pipeline", "createdAt": "2026-11-25T12:00:00Z" });
    s.store.insert(key.to_string(), resource.clone());
    (if old.is_none() { 201 } else { 200 }, vec![], resource)
}

fn put(
    s: &mut State,
    scope: &str,
    collection: &str,
    name: &str,
    version: Option<&str>,
    key: &str,
    body: &str,
) -> Answer {
    let Ok(v) = serde_json::from_str::<Value>(body) else {
        return (
            400,
            vec![],
            arm_error(
                "InvalidRequestContent",
                "The request content was invalid and could not be deserialized.",
            ),
        );
    };
    let Some(props) = v.get("properties").and_then(Value::as_object) else {
        return (
            400,
            vec![],
            arm_error("InvalidRequestContent", "properties is required."),
        );
    };
    if collection == "policySetDefinitions" {
        for m in props
            .get("policyDefinitions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let id = m["policyDefinitionId"]
                .as_str()
                .unwrap_or_default()
                .to_lowercase();
            if !s.store.contains_key(&id) {
                return (
                    400,
                    vec![],
                    json!({ "error": {
                        "code": "PolicyDefinitionNotFound",
                        "message": format!("The policy definition '{id}' could not be found."),
                    }}),
                );
            }
        }
    }
    if let Some(ver) = version
        && props.get("version").and_then(Value::as_str) != Some(ver)
    {
        return (
            400,
            vec![],
            arm_error(
                "InvalidPolicyDefinitionVersion",
                "The version in the body does not match the path.",
            ),
        );
    }
    let created = !s.store.contains_key(key);
    // What the server returns: its own fields added, keys in another order.
    let mut stored_props: serde_json::Map<String, Value> = props.clone();
    stored_props.insert("policyType".into(), json!("Custom"));
    let mut meta = stored_props.get("metadata").cloned().unwrap_or(json!({}));
    meta["createdBy"] = json!("11111111-1111-1111-1111-111111111111");
    meta["createdOn"] = json!("2026-11-25T12:00:00.0000000Z");
    stored_props.insert("metadata".into(), meta);
    if version.is_none() {
        let versions: Vec<Value> = props.get("version").cloned().into_iter().collect();
        stored_props.insert("versions".into(), Value::Array(versions));
    }
    let mut keys: Vec<String> = stored_props.keys().cloned().collect();
    keys.sort_by(|a, b| b.cmp(a));
    let reordered: serde_json::Map<String, Value> = keys
        .into_iter()
        .map(|k| (k.clone(), stored_props[&k].clone()))
        .collect();
    let id = match version {
        Some(ver) => {
            format!("{scope}/providers/Microsoft.Authorization/{collection}/{name}/versions/{ver}")
        }
        None => format!("{scope}/providers/Microsoft.Authorization/{collection}/{name}"),
    };
    let mut resource = json!({
        "properties": reordered,
        "id": id,
        "type": format!("Microsoft.Authorization/{collection}{}", if version.is_some() { "/versions" } else { "" }),
        "name": version.unwrap_or(name),
        "systemData": { "createdBy": "pipeline", "createdAt": "2026-11-25T12:00:00Z" },
    });
    if s.tamper && collection == "policyDefinitions" {
        resource["properties"]["description"] = json!("changed by someone else");
    }
    s.store.insert(key.to_string(), resource.clone());
    (if created { 201 } else { 200 }, vec![], resource)
}

// ------------------------------------------------------------------ running

static NEXT: AtomicUsize = AtomicUsize::new(0);

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!(
            "acrpc-publish-{}-{}-{tag}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("create temp dir");
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs the binary with the token in the environment, no proxy and no
/// terminal; fails if the token shows up in any output.
fn run_with(args: &[&str], env: &[(&str, &str)], token: bool) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_acrpc"));
    cmd.args(args)
        .args(["--color", "never"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null());
    for v in [
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "AZURE_ACCESS_TOKEN",
    ] {
        cmd.env_remove(v);
    }
    if token {
        cmd.env("AZURE_ACCESS_TOKEN", TOKEN);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out: Output = cmd.output().expect("the binary runs");
    let run = Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !run.stdout.contains(TOKEN)
            && !run.stderr.contains(TOKEN)
            && !flat(&run.stderr).contains(TOKEN)
            && !run.stdout.contains("7f3a9c1e")
            && !run.stderr.contains("7f3a9c1e"),
        "the token leaked into the output of {args:?}:\n{}\n{}",
        run.stdout,
        run.stderr
    );
    run
}

fn publish(si: &StandIn, pack: &Path, scope: &str, extra: &[&str]) -> Run {
    let endpoint = si.endpoint();
    let pack = pack.to_str().expect("UTF-8 path");
    let mut args = vec!["publish", pack, "--scope", scope, "--endpoint", &endpoint];
    args.extend_from_slice(extra);
    run_with(&args, &[], true)
}

fn bundled() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("rulepacks")
}

/// A small pack: two rules (one with a `fix`, so three definitions) and an
/// initiative over them. `title` and `version` of the first rule vary.
fn small_pack(dir: &TempDir, first_title: &str, first_version: &str, with_second: bool) -> PathBuf {
    let second = if with_second {
        "rule anonymous-pull-disabled {\n  title    \"Registries do not allow anonymous pull\"\n  practice entra-id\n  severity high\n  target   registry\n  require  anonymousPullEnabled != true\n}\n"
    } else {
        ""
    };
    let text = format!(
        "pack publish-test {{\n  title   \"Publish test\"\n  version \"1.0.0\"\n}}\n\nrule admin-user-disabled {{\n  title    \"{first_title}\"\n  version  \"{first_version}\"\n  practice entra-id\n  severity high\n  target   registry\n  effect   audit | deny | disabled = audit\n  require  adminUserEnabled != true\n  fix      adminUserEnabled = false\n}}\n\n{second}\ninitiative publish-test {{\n  title \"Publish test initiative\"\n  version \"1.0.0\"\n  include all\n}}\n"
    );
    let path = dir.0.join("publish-test.acrp");
    std::fs::write(&path, text).expect("write pack");
    path
}

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({
        snapshot_path => "../golden/publish",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, text);
    });
}

/// Diagnostic text with miette's line wrapping and gutter undone, for
/// `contains` checks that must not depend on where a line breaks.
fn flat(text: &str) -> String {
    text.split_whitespace()
        .filter(|w| !matches!(*w, "│" | "·"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The collection of each request (`policyDefinitions`, `roleAssignments`, …).
fn collections(requests: &[Request]) -> Vec<&str> {
    requests
        .iter()
        .map(|r| {
            r.path
                .rsplit_once("/providers/Microsoft.Authorization/")
                .and_then(|(_, rest)| rest.split('/').next())
                .unwrap_or("")
        })
        .collect()
}

/// The query publish sends for a path: each collection's API version.
fn api_query(path: &str) -> &'static str {
    if path.contains("/roleAssignments") {
        "api-version=2022-04-01"
    } else if path.contains("/policyExemptions") {
        "api-version=2024-12-01-preview"
    } else {
        "api-version=2026-06-01"
    }
}

fn codes_in(text: &str) -> Vec<String> {
    let mut out: Vec<String> = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| {
            w.len() == 5 && w.starts_with("E07") && w[1..].chars().all(|c| c.is_ascii_digit())
        })
        .map(str::to_string)
        .collect();
    out.sort();
    out.dedup();
    out
}

// ------------------------------------------------------------------ scenarios

#[test]
fn first_publish_creates_all_then_a_second_sends_no_put() {
    let si = StandIn::start();
    let plan = publish(&si, &bundled(), SUB, &["--plan"]);
    assert_eq!(plan.code, Some(0), "{}", plan.stderr);
    snapshot("bundled-first-plan", &plan.stdout);
    assert!(si.writes_since(0).is_empty(), "--plan wrote");

    let applied = publish(&si, &bundled(), SUB, &["--yes"]);
    assert_eq!(applied.code, Some(0), "{}", applied.stderr);
    // 38 definitions, 8 initiatives, the assignment, its 2 role
    // assignments, the exemption.
    assert!(
        applied
            .stdout
            .contains("50 created, 0 updated, 0 pruned; read back and confirmed"),
        "{}",
        applied.stdout
    );
    assert!(
        flat(&applied.stderr).contains("[50/50] created policyExemption"),
        "no progress: {}",
        applied.stderr
    );
    let writes = si.writes_since(0);
    assert_eq!(writes.len(), 50);
    assert_eq!(
        collections(&writes),
        [
            vec!["policyDefinitions"; 38],
            vec!["policySetDefinitions"; 8],
            vec!["policyAssignments"],
            vec!["roleAssignments"; 2],
            vec!["policyExemptions"],
        ]
        .concat(),
        "definitions, initiatives, the assignment, its role assignments, the exemption"
    );
    // Everything at the scope but the role assignment on the workspace the
    // `logAnalytics` parameter names (assignPermissions).
    let workspace = "/subscriptions/00000000-0000-0000-0000-000000000002/resourceGroups/monitoring/providers/Microsoft.OperationalInsights/workspaces/logs/providers/Microsoft.Authorization/roleAssignments/";
    assert!(
        writes.iter().all(
            |r| r.method == "PUT" && (r.path.starts_with(SUB) || r.path.starts_with(workspace))
        )
    );
    let requests = si.requests();
    assert!(
        requests
            .iter()
            .all(|r| r.authorized && r.query == api_query(&r.path))
    );
    // Read back: one GET per resource after the last PUT.
    let last_put = requests
        .iter()
        .rposition(|r| r.method == "PUT")
        .expect("PUTs");
    assert_eq!(requests.len() - last_put - 1, 50);
    // Initiative members point at the definitions at the scope.
    for set in si.stored("policySetDefinitions") {
        for m in set["properties"]["policyDefinitions"]
            .as_array()
            .expect("members")
        {
            let id = m["policyDefinitionId"].as_str().expect("id");
            assert!(
                id.starts_with(&format!(
                    "{SUB}/providers/Microsoft.Authorization/policyDefinitions/"
                )),
                "{id}"
            );
        }
    }

    let before = si.requests().len();
    // With --prune the scope is listed too, page by page (20 per page).
    let again = publish(&si, &bundled(), SUB, &["--yes", "--prune"]);
    assert_eq!(again.code, Some(0), "{}", again.stderr);
    let pages = si.requests()[before..]
        .iter()
        .filter(|r| r.query.contains("$skiptoken="))
        .count();
    assert_eq!(pages, 1, "38 definitions are two pages, 8 initiatives one");
    assert!(
        again
            .stdout
            .contains("0 to create, 0 to update, 50 unchanged, 0 to prune."),
        "{}",
        again.stdout
    );
    assert!(again.stdout.contains("No changes"), "{}", again.stdout);
    assert!(
        si.writes_since(before).is_empty(),
        "the second publish wrote"
    );
}

#[test]
fn api_version_is_sent_as_chosen() {
    let si = StandIn::start();
    let dir = TempDir::new("api");
    let pack = small_pack(
        &dir,
        "Registries have the admin user disabled",
        "1.0.0",
        true,
    );
    let ok = publish(&si, &pack, SUB, &["--yes", "--api-version", "2025-11-01"]);
    assert_eq!(ok.code, Some(0), "{}", ok.stderr);
    assert!(
        si.requests()
            .iter()
            .all(|r| r.query == "api-version=2025-11-01")
    );
    let before = si.requests().len();
    let bad = publish(
        &si,
        &pack,
        SUB,
        &["--plan", "--api-version", "2015-10-01-preview"],
    );
    assert_eq!(bad.code, Some(2));
    assert!(
        flat(&bad.stderr).contains("E0704")
            && flat(&bad.stderr).contains("InvalidApiVersionParameter"),
        "{}",
        bad.stderr
    );
    assert_eq!(si.requests().len() - before, 1, "a 400 is not retried");
}

#[test]
fn management_group_scope_uses_management_group_paths() {
    let si = StandIn::start();
    let dir = TempDir::new("mg");
    let pack = small_pack(
        &dir,
        "Registries have the admin user disabled",
        "1.0.0",
        true,
    );
    let out = publish(&si, &pack, MG, &["--yes"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let writes = si.writes_since(0);
    assert_eq!(writes.len(), 4);
    assert!(writes.iter().all(|r| {
        r.path
            .starts_with(&format!("{MG}/providers/Microsoft.Authorization/"))
    }));
    let sets = si.stored("policySetDefinitions");
    let members = sets[0]["properties"]["policyDefinitions"]
        .as_array()
        .expect("members")
        .clone();
    // `include all` takes the rules; the `-modify` companion is not a member.
    assert_eq!(members.len(), 2);
    for m in members {
        assert!(
            m["policyDefinitionId"]
                .as_str()
                .expect("id")
                .starts_with(&format!("{MG}/providers/"))
        );
    }
}

#[test]
fn without_scope_flag_the_packs_own_scope_is_used() {
    let si = StandIn::start();
    let dir = TempDir::new("pack-scope");
    let pack = small_pack(
        &dir,
        "Registries have the admin user disabled",
        "1.0.0",
        true,
    );
    let text = std::fs::read_to_string(&pack).expect("pack");
    let with_scope = text.replacen(
        "  version \"1.0.0\"\n}",
        &format!("  version \"1.0.0\"\n  scope   \"{MG}\"\n}}"),
        1,
    );
    assert_ne!(with_scope, text);
    std::fs::write(&pack, with_scope).expect("rewrite pack");
    let endpoint = si.endpoint();
    let p = pack.to_str().expect("UTF-8");
    let out = run_with(&["publish", p, "--endpoint", &endpoint, "--yes"], &[], true);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(si.writes_since(0).len(), 4);
    assert!(si.writes_since(0).iter().all(|r| r.path.starts_with(MG)));
}

#[test]
fn a_changed_rule_is_an_update_with_its_fields_and_a_new_version() {
    let si = StandIn::start();
    let dir = TempDir::new("update");
    let pack = small_pack(
        &dir,
        "Registries have the admin user disabled",
        "1.0.0",
        true,
    );
    assert_eq!(publish(&si, &pack, SUB, &["--yes"]).code, Some(0));
    let pack = small_pack(
        &dir,
        "Registries must not enable the admin user",
        "1.1.0",
        true,
    );
    let plan = publish(&si, &pack, SUB, &["--plan"]);
    assert_eq!(plan.code, Some(0), "{}", plan.stderr);
    snapshot("changed-rule-plan", &plan.stdout);
    let before = si.requests().len();
    let out = publish(&si, &pack, SUB, &["--yes"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let writes: Vec<String> = si
        .writes_since(before)
        .into_iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    let base = writes
        .iter()
        .find(|w| w.ends_with("/versions/1.1.0"))
        .expect("a PUT of the versioned child");
    let main = base.trim_end_matches("/versions/1.1.0");
    let i = writes.iter().position(|w| w == base).expect("child");
    assert_eq!(
        writes.get(i + 1).map(String::as_str),
        Some(main),
        "child first, then the main resource: {writes:?}"
    );
    let later = publish(&si, &pack, SUB, &["--yes"]);
    assert!(later.stdout.contains("No changes"), "{}", later.stdout);
}

#[test]
fn prune_deletes_only_what_the_pack_owns_and_no_longer_emits() {
    let si = StandIn::start();
    let dir = TempDir::new("prune");
    let pack = small_pack(
        &dir,
        "Registries have the admin user disabled",
        "1.0.0",
        true,
    );
    assert_eq!(publish(&si, &pack, SUB, &["--yes"]).code, Some(0));
    // Someone else's definitions at the same scope: no owner, another pack.
    {
        let mut s = si.state();
        for (name, meta) in [
            ("foreign-1", json!({ "category": "Other" })),
            (
                "foreign-2",
                json!({ "acrpc": { "pack": "another-pack", "id": "x" } }),
            ),
        ] {
            let path = format!("{SUB}/providers/Microsoft.Authorization/policyDefinitions/{name}");
            s.store.insert(path.to_lowercase(), json!({ "id": path, "name": name, "properties": { "policyType": "Custom", "metadata": meta } }));
        }
    }
    let pack = small_pack(
        &dir,
        "Registries have the admin user disabled",
        "1.0.0",
        false,
    );
    let without = publish(&si, &pack, SUB, &["--plan"]);
    assert!(
        !without.stdout.contains("prune "),
        "prune without --prune: {}",
        without.stdout
    );
    let plan = publish(&si, &pack, SUB, &["--plan", "--prune"]);
    assert_eq!(plan.code, Some(0), "{}", plan.stderr);
    snapshot("prune-plan", &plan.stdout);
    let before = si.requests().len();
    let out = publish(&si, &pack, SUB, &["--yes", "--prune"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let writes = si.writes_since(before);
    // The initiative changes first (it drops the member), then the delete.
    let methods: Vec<&str> = writes.iter().map(|r| r.method.as_str()).collect();
    assert_eq!(methods, ["PUT", "DELETE"], "{writes:?}");
    let names: Vec<String> = si
        .stored("policyDefinitions")
        .iter()
        .map(|v| v["name"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(names.contains(&"foreign-1".to_string()) && names.contains(&"foreign-2".to_string()));
    assert_eq!(names.len(), 4, "{names:?}");
}

#[test]
fn pruning_an_initiative_and_its_member_deletes_the_initiative_first() {
    let si = StandIn::start();
    let dir = TempDir::new("prune-set");
    let pack = small_pack(
        &dir,
        "Registries have the admin user disabled",
        "1.0.0",
        true,
    );
    assert_eq!(publish(&si, &pack, SUB, &["--yes"]).code, Some(0));
    // The same pack without the initiative and without the second rule.
    let text = std::fs::read_to_string(&pack).expect("pack");
    let cut = text
        .find("rule anonymous-pull-disabled")
        .expect("second rule");
    std::fs::write(&pack, &text[..cut]).expect("rewrite pack");
    let before = si.requests().len();
    let out = publish(&si, &pack, SUB, &["--yes", "--prune"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let writes: Vec<String> = si
        .writes_since(before)
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r.method,
                r.path.split('/').rev().nth(1).unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        writes,
        ["DELETE policySetDefinitions", "DELETE policyDefinitions"]
    );
    assert!(si.stored("policySetDefinitions").is_empty());
    assert_eq!(si.stored("policyDefinitions").len(), 2);
}

#[test]
fn throttling_and_server_errors_are_retried() {
    let si = StandIn::start();
    let dir = TempDir::new("retry");
    let pack = small_pack(
        &dir,
        "Registries have the admin user disabled",
        "1.0.0",
        true,
    );
    si.fault(Fault {
        method: "GET",
        path_ends_with: String::new(),
        times: 2,
        status: 429,
        retry_after: Some(0),
        body: arm_error("TooManyRequests", "Rate limit exceeded."),
    });
    si.fault(Fault {
        method: "PUT",
        path_ends_with: String::new(),
        times: 1,
        status: 503,
        retry_after: None,
        body: arm_error("ServiceUnavailable", "Try again."),
    });
    let out = publish(&si, &pack, SUB, &["--yes", "--verbose"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(flat(&out.stderr).contains("retrying GET"), "{}", out.stderr);
    assert!(
        flat(&out.stderr).contains("retrying PUT") && flat(&out.stderr).contains("status 503"),
        "{}",
        out.stderr
    );
    assert_eq!(si.stored("policyDefinitions").len(), 3);
    let puts = si.requests().iter().filter(|r| r.method == "PUT").count();
    assert_eq!(puts, 5, "4 resources, one PUT retried");
}

#[test]
fn retries_are_bounded() {
    let si = StandIn::start();
    let dir = TempDir::new("bounded");
    let pack = small_pack(
        &dir,
        "Registries have the admin user disabled",
        "1.0.0",
        true,
    );
    si.fault(Fault {
        method: "PUT",
        path_ends_with: String::new(),
        times: usize::MAX,
        status: 503,
        retry_after: Some(0),
        body: arm_error("ServiceUnavailable", "Down for maintenance."),
    });
    let out = publish(&si, &pack, SUB, &["--yes"]);
    assert_eq!(out.code, Some(2));
    assert!(
        flat(&out.stderr).contains("E0705") && flat(&out.stderr).contains("after 5 attempt(s)"),
        "{}",
        out.stderr
    );
    assert!(
        flat(&out.stderr).contains("applied (0):")
            && flat(&out.stderr).contains("not applied (4):"),
        "{}",
        out.stderr
    );
    assert_eq!(
        si.requests().iter().filter(|r| r.method == "PUT").count(),
        5
    );
}

#[test]
fn a_failure_half_way_reports_what_was_applied_and_a_rerun_converges() {
    let si = StandIn::start();
    let dir = TempDir::new("halfway");
    let pack = small_pack(
        &dir,
        "Registries have the admin user disabled",
        "1.0.0",
        true,
    );
    let plan = publish(&si, &pack, SUB, &["--plan"]);
    // Fail the second definition in apply order.
    let second = plan
        .stdout
        .lines()
        .nth(2)
        .expect("a second line")
        .to_string();
    let name = second
        .rsplit('(')
        .next()
        .expect("name")
        .trim_end_matches(')')
        .to_string();
    si.fault(Fault {
        method: "PUT",
        path_ends_with: name.clone(),
        times: 1,
        status: 400,
        retry_after: None,
        body: json!({ "error": { "code": "InvalidPolicyRule", "message": "Failed to parse policy rule: 'adminUserEnabled' is not a valid alias.", "details": [{ "code": "InvalidPolicyAlias", "message": "The policy alias is not recognized." }] } }),
    });
    let out = publish(&si, &pack, SUB, &["--yes"]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    let stderr = out.stderr.replace(&dir.0.display().to_string(), "<tmp>");
    snapshot("halfway-failure-stderr", &stderr);
    assert!(
        stderr.contains("E0704")
            && stderr.contains("InvalidPolicyRule")
            && stderr.contains("InvalidPolicyAlias")
    );
    assert!(stderr.contains("applied (1):") && stderr.contains("not applied (3):"));
    assert_eq!(si.stored("policyDefinitions").len(), 1);

    let before = si.requests().len();
    let rerun = publish(&si, &pack, SUB, &["--yes"]);
    assert_eq!(rerun.code, Some(0), "{}", rerun.stderr);
    assert!(
        rerun
            .stdout
            .contains("3 to create, 0 to update, 1 unchanged"),
        "{}",
        rerun.stdout
    );
    assert_eq!(si.writes_since(before).len(), 3);
    let last = publish(&si, &pack, SUB, &["--yes"]);
    assert!(last.stdout.contains("No changes"), "{}", last.stdout);
}

#[test]
fn auth_errors_are_explained() {
    let si = StandIn::start();
    let dir = TempDir::new("auth");
    let pack = small_pack(
        &dir,
        "Registries have the admin user disabled",
        "1.0.0",
        true,
    );
    let endpoint = si.endpoint();
    let p = pack.to_str().expect("UTF-8");
    // 401: a token the server does not accept.
    let wrong = run_with(
        &[
            "publish",
            p,
            "--scope",
            SUB,
            "--endpoint",
            &endpoint,
            "--yes",
        ],
        &[("AZURE_ACCESS_TOKEN", "expired-token")],
        false,
    );
    assert_eq!(wrong.code, Some(2));
    assert!(
        flat(&wrong.stderr).contains("E0703")
            && flat(&wrong.stderr).contains("401")
            && flat(&wrong.stderr).contains("expired"),
        "{}",
        wrong.stderr
    );
    // 403: the identity lacks the role.
    si.fault(Fault { method: "GET", path_ends_with: String::new(), times: usize::MAX, status: 403, retry_after: None, body: arm_error("AuthorizationFailed", "The client does not have authorization to perform action 'Microsoft.Authorization/policyDefinitions/read'.") });
    let denied = publish(&si, &pack, MG, &["--yes", "--verbose"]);
    assert_eq!(denied.code, Some(2));
    assert!(
        flat(&denied.stderr).contains("E0703")
            && flat(&denied.stderr).contains("Resource Policy Contributor")
            && flat(&denied.stderr).contains(MG),
        "{}",
        denied.stderr
    );
    assert!(si.writes_since(0).is_empty());
}

#[test]
fn without_yes_and_without_a_terminal_nothing_is_applied() {
    let si = StandIn::start();
    let out = publish(&si, &bundled(), SUB, &[]);
    assert_eq!(out.code, Some(2));
    assert!(flat(&out.stderr).contains("E0706"), "{}", out.stderr);
    assert!(
        out.stdout.contains("50 to create"),
        "the plan is still shown: {}",
        out.stdout
    );
    assert!(si.writes_since(0).is_empty());
}

#[test]
fn a_resource_changed_by_someone_else_fails_the_read_back() {
    let si = StandIn::start();
    si.state().tamper = true;
    let dir = TempDir::new("tamper");
    let pack = small_pack(
        &dir,
        "Registries have the admin user disabled",
        "1.0.0",
        true,
    );
    let out = publish(&si, &pack, SUB, &["--yes"]);
    assert_eq!(out.code, Some(2));
    assert!(
        flat(&out.stderr).contains("E0707") && flat(&out.stderr).contains("differs in description"),
        "{}",
        out.stderr
    );
}

/// Runs publish in a pseudo-terminal (util-linux `script`), typing `answer`
/// at the prompt; `None` when `script` is not installed.
fn publish_in_terminal(si: &StandIn, pack: &Path, answer: &str) -> Option<Run> {
    let script = ["/usr/bin/script", "/bin/script"]
        .into_iter()
        .find(|p| Path::new(p).exists())?;
    let cmdline = format!(
        "{} publish {} --scope {SUB} --endpoint {} --color never",
        env!("CARGO_BIN_EXE_acrpc"),
        pack.display(),
        si.endpoint()
    );
    let mut child = Command::new(script)
        .args(["-qec", &cmdline, "/dev/null"])
        .env("AZURE_ACCESS_TOKEN", TOKEN)
        .env_remove("HTTP_PROXY")
        .env_remove("HTTPS_PROXY")
        .env_remove("http_proxy")
        .env_remove("https_proxy")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(answer.as_bytes());
        // Keep the pipe open until the prompt has been answered.
        std::thread::sleep(std::time::Duration::from_millis(1500));
    }
    let out = child.wait_with_output().ok()?;
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        !text.contains(TOKEN),
        "the token leaked into the terminal:\n{text}"
    );
    // A sandbox without pseudo-terminals: nothing to test here.
    if text.contains("pseudo-terminal") || text.contains("openpty") {
        return None;
    }
    Some(Run {
        code: out.status.code(),
        stdout: text,
        stderr: String::new(),
    })
}

#[test]
fn a_terminal_is_asked_before_anything_is_applied() {
    let si = StandIn::start();
    let dir = TempDir::new("tty");
    let pack = small_pack(
        &dir,
        "Registries have the admin user disabled",
        "1.0.0",
        true,
    );
    let Some(no) = publish_in_terminal(&si, &pack, "n\n") else {
        println!("skipping: no pseudo-terminal (util-linux `script` missing or no pty available)");
        return;
    };
    // Declining is not a success: a script must not take it for "published".
    assert_eq!(no.code, Some(2), "{}", no.stdout);
    assert!(
        no.stdout.contains("Apply 4 change(s) to") && no.stdout.contains("Nothing was applied."),
        "{}",
        no.stdout
    );
    assert!(si.writes_since(0).is_empty(), "answering no wrote");
    let yes = publish_in_terminal(&si, &pack, "y\n").expect("script ran before");
    assert_eq!(yes.code, Some(0), "{}", yes.stdout);
    assert!(
        yes.stdout.contains("4 created, 0 updated, 0 pruned"),
        "{}",
        yes.stdout
    );
    assert_eq!(si.writes_since(0).len(), 4);
}

/// A fake `az` on PATH: prints the token, or fails like an account that is
/// not logged in.
fn fake_az(dir: &TempDir, logged_in: bool) -> String {
    let bin = dir.0.join("bin");
    std::fs::create_dir_all(&bin).expect("bin dir");
    let script = if logged_in {
        format!("#!/bin/sh\n[ \"$1 $2\" = \"account get-access-token\" ] || exit 3\necho {TOKEN}\n")
    } else {
        "#!/bin/sh\necho \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1\n"
            .to_string()
    };
    let path = bin.join("az");
    std::fs::write(&path, script).expect("write az");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    bin.display().to_string()
}

#[test]
fn credentials_come_from_the_environment_or_az() {
    let si = StandIn::start();
    let dir = TempDir::new("creds");
    let pack = small_pack(
        &dir,
        "Registries have the admin user disabled",
        "1.0.0",
        true,
    );
    let endpoint = si.endpoint();
    let p = pack.to_str().expect("UTF-8");
    let args = [
        "publish",
        p,
        "--scope",
        SUB,
        "--endpoint",
        &endpoint,
        "--plan",
        "--verbose",
    ];
    // No az at all.
    let empty = TempDir::new("nopath");
    let none = run_with(&args, &[("PATH", empty.0.to_str().expect("UTF-8"))], false);
    assert_eq!(none.code, Some(2));
    assert!(
        flat(&none.stderr).contains("E0702") && flat(&none.stderr).contains("not installed"),
        "{}",
        none.stderr
    );
    // az not logged in.
    let path = fake_az(&dir, false);
    let out = run_with(&args, &[("PATH", &path)], false);
    assert_eq!(out.code, Some(2));
    assert!(
        flat(&out.stderr).contains("E0702") && flat(&out.stderr).contains("az login"),
        "{}",
        out.stderr
    );
    assert!(si.requests().is_empty(), "nothing is sent without a token");
    // az logged in: its token is used (the stand-in accepts it).
    let az_dir = TempDir::new("az-in");
    let path = fake_az(&az_dir, true);
    let ok = run_with(&args, &[("PATH", &path)], false);
    assert_eq!(ok.code, Some(0), "{}", ok.stderr);
    assert!(si.requests().iter().all(|r| r.authorized) && !si.requests().is_empty());
}

#[test]
fn scope_and_endpoint_are_checked_before_anything_is_sent() {
    let bad_scope = run_with(
        &[
            "publish",
            "--scope",
            "/subscriptions/x/resourceGroups/rg",
            "--endpoint",
            "http://127.0.0.1:9",
        ],
        &[],
        true,
    );
    assert_eq!(bad_scope.code, Some(2));
    assert!(
        flat(&bad_scope.stderr).contains("E0701"),
        "{}",
        bad_scope.stderr
    );
    let missing = run_with(&["publish"], &[], true);
    assert!(
        flat(&missing.stderr).contains("E0701")
            && flat(&missing.stderr).contains("needs `--scope`"),
        "{}",
        missing.stderr
    );
    let insecure = run_with(
        &[
            "publish",
            "--scope",
            SUB,
            "--endpoint",
            "http://management.example",
        ],
        &[],
        true,
    );
    assert_eq!(insecure.code, Some(2));
    assert!(
        flat(&insecure.stderr).contains("E0708"),
        "{}",
        insecure.stderr
    );
}

/// Every publish code (E07xx) is reported by one of the scenarios above;
/// `tests/cases.rs` counts these codes as covered because of this test.
#[test]
fn every_publish_code_is_triggered() {
    let publish_codes: Vec<String> = Code::ALL
        .iter()
        .filter(|c| c.as_str().starts_with("E07") && !c.info().removed)
        .map(|c| c.as_str().to_string())
        .collect();
    let mut seen: Vec<String> = Vec::new();
    let si = StandIn::start();
    let dir = TempDir::new("codes");
    let pack = small_pack(
        &dir,
        "Registries have the admin user disabled",
        "1.0.0",
        true,
    );
    let p = pack.to_str().expect("UTF-8");
    let endpoint = si.endpoint();
    let mut collect = |r: Run| seen.extend(codes_in(&r.stderr));
    collect(run_with(&["publish", p, "--scope", "/nowhere"], &[], true));
    let empty = TempDir::new("codes-path");
    collect(run_with(
        &["publish", p, "--scope", SUB, "--endpoint", &endpoint],
        &[("PATH", empty.0.to_str().expect("UTF-8"))],
        false,
    ));
    collect(run_with(
        &["publish", p, "--scope", SUB, "--endpoint", &endpoint],
        &[("AZURE_ACCESS_TOKEN", "wrong")],
        false,
    ));
    collect(publish(&si, &pack, SUB, &[]));
    si.fault(Fault {
        method: "PUT",
        path_ends_with: String::new(),
        times: 1,
        status: 400,
        retry_after: None,
        body: arm_error("InvalidPolicyRule", "bad"),
    });
    collect(publish(&si, &pack, SUB, &["--yes"]));
    si.fault(Fault {
        method: "PUT",
        path_ends_with: String::new(),
        times: 5,
        status: 429,
        retry_after: Some(0),
        body: arm_error("TooManyRequests", "slow down"),
    });
    collect(publish(&si, &pack, SUB, &["--yes"]));
    si.state().tamper = true;
    collect(publish(&si, &pack, SUB, &["--yes"]));
    collect(run_with(
        &[
            "publish",
            p,
            "--scope",
            SUB,
            "--endpoint",
            "http://management.example",
        ],
        &[],
        true,
    ));
    seen.sort();
    seen.dedup();
    assert_eq!(seen, publish_codes);
}

// ------------------------------------------------------------------ issue 13

/// Issue 13 item 1: user info in `--endpoint` hid the real host from the
/// loopback check, so the bearer token went over plain HTTP elsewhere. The
/// stand-in plays the "elsewhere": it must see no request at all.
#[test]
fn user_info_in_the_endpoint_is_refused_before_anything_is_sent() {
    let si = StandIn::start();
    let dir = TempDir::new("userinfo");
    let pack = small_pack(
        &dir,
        "Registries have the admin user disabled",
        "1.0.0",
        true,
    );
    let p = pack.to_str().expect("UTF-8");
    for endpoint in [
        format!("http://127.0.0.2:x@127.0.0.1:{}", si.port),
        format!("http://localhost:@127.0.0.1:{}", si.port),
        format!("http://[::1]@127.0.0.1:{}", si.port),
        format!("https://user@127.0.0.1:{}", si.port),
    ] {
        let out = run_with(
            &[
                "publish",
                p,
                "--scope",
                SUB,
                "--endpoint",
                &endpoint,
                "--plan",
            ],
            &[],
            true,
        );
        assert_eq!(out.code, Some(2), "{endpoint}: {}", out.stderr);
        assert!(flat(&out.stderr).contains("E0708"), "{}", out.stderr);
    }
    assert!(si.requests().is_empty(), "{:?}", si.requests());
}

/// Issue 13 item 2: an error body that echoes the Authorization header is
/// shown with the credential redacted (`run_with` fails on any leak).
#[test]
fn an_error_body_echoing_the_token_is_redacted() {
    let si = StandIn::start();
    let dir = TempDir::new("echo");
    let pack = small_pack(
        &dir,
        "Registries have the admin user disabled",
        "1.0.0",
        true,
    );
    let echo = format!("Request header was 'Authorization: Bearer {TOKEN}'; raw {TOKEN}.");
    for (method, status) in [("GET", 401), ("GET", 403), ("PUT", 400)] {
        si.fault(Fault {
            method,
            path_ends_with: String::new(),
            times: 1,
            status,
            retry_after: None,
            body: json!({ "error": { "code": "Echo", "message": echo, "details": [{ "code": "Also", "message": format!("bearer {TOKEN}") }] } }),
        });
        let out = publish(&si, &pack, SUB, &["--yes"]);
        assert_eq!(out.code, Some(2), "{}", out.stderr);
        let text = flat(&out.stderr);
        assert!(
            text.contains("Bearer ***") && text.contains("raw ***") && text.contains("bearer ***"),
            "{}",
            out.stderr
        );
    }
}

/// Issue 13 item 16: a `nextLink` that points at a page already read ends
/// the listing with an error instead of looping forever.
#[test]
fn a_next_link_loop_is_detected() {
    let si = StandIn::start();
    let dir = TempDir::new("paging");
    let pack = small_pack(
        &dir,
        "Registries have the admin user disabled",
        "1.0.0",
        true,
    );
    let again = format!(
        "{}{SUB}/providers/Microsoft.Authorization/policySetDefinitions?api-version=2025-03-01&$skiptoken=same",
        si.endpoint()
    );
    si.fault(Fault {
        method: "GET",
        path_ends_with: "/policySetDefinitions".to_string(),
        times: usize::MAX,
        status: 200,
        retry_after: None,
        body: json!({ "value": [], "nextLink": again }),
    });
    let out = publish(&si, &pack, SUB, &["--plan", "--prune"]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(
        flat(&out.stderr).contains("E0704") && flat(&out.stderr).contains("already read"),
        "{}",
        out.stderr
    );
    let lists = si
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/policySetDefinitions"))
        .count();
    assert_eq!(lists, 2, "the first page and the repeated one");
}

/// A server that sends its headers, then nothing: every connection is
/// held open in silence.
fn stalled_server() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let port = listener.local_addr().expect("local addr").port();
    let seen = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&seen);
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { break };
            count.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let _ = conn.read(&mut buf);
                let _ = conn.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
                );
                let _ = conn.flush();
                std::thread::sleep(std::time::Duration::from_secs(120));
            });
        }
    });
    (port, seen)
}

/// Issue 13 item 17: a stalled server held publish ~10 minutes per request,
/// silently. `--timeout` bounds one request, retries included, and a slow
/// request is announced (after 10 s).
#[test]
fn a_stalled_server_is_given_up_on_at_the_deadline() {
    let (port, seen) = stalled_server();
    let dir = TempDir::new("stall");
    let pack = small_pack(
        &dir,
        "Registries have the admin user disabled",
        "1.0.0",
        true,
    );
    let endpoint = format!("http://127.0.0.1:{port}");
    let start = std::time::Instant::now();
    let out = run_with(
        &[
            "publish",
            pack.to_str().expect("UTF-8"),
            "--scope",
            SUB,
            "--endpoint",
            &endpoint,
            "--plan",
            "--timeout",
            "11",
        ],
        &[],
        true,
    );
    let took = start.elapsed();
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    let text = flat(&out.stderr);
    assert!(
        text.contains("E0705") && text.contains("11s deadline") && text.contains("still waiting"),
        "{}",
        out.stderr
    );
    assert!(took < std::time::Duration::from_secs(30), "took {took:?}");
    assert_eq!(
        seen.load(Ordering::SeqCst),
        1,
        "no retry after the deadline"
    );
}

/// Issue 13 item 25: a PUT that Azure applied but answered with a body that
/// is not JSON is applied (the read-back confirms it), not a failure.
#[test]
fn a_put_answered_with_non_json_counts_as_applied() {
    let si = StandIn::start();
    let dir = TempDir::new("nonjson");
    let pack = small_pack(
        &dir,
        "Registries have the admin user disabled",
        "1.0.0",
        true,
    );
    si.state().non_json_put_answers = 1;
    let out = publish(&si, &pack, SUB, &["--yes"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        out.stdout.contains("read back and confirmed"),
        "{}",
        out.stdout
    );
    assert_eq!(si.stored("policyDefinitions").len(), 3);
}

/// Issue 13 item 25: when the versioned child was written and the main PUT
/// then failed, the report says the version reached Azure.
#[test]
fn a_written_version_is_reported_when_the_main_put_fails() {
    let si = StandIn::start();
    let dir = TempDir::new("version-then-fail");
    let pack = small_pack(
        &dir,
        "Registries have the admin user disabled",
        "1.0.0",
        false,
    );
    assert_eq!(publish(&si, &pack, SUB, &["--yes"]).code, Some(0));
    let pack = small_pack(
        &dir,
        "Registries must not enable the admin user",
        "1.1.0",
        false,
    );
    let plan = publish(&si, &pack, SUB, &["--plan"]);
    let name = plan
        .stdout
        .lines()
        .find(|l| l.contains("publish-test/admin-user-disabled ("))
        .and_then(|l| l.split('(').nth(1))
        .and_then(|l| l.split(')').next())
        .map(str::to_string)
        .expect("an update line with the definition name");
    si.fault(Fault {
        method: "PUT",
        path_ends_with: name,
        times: 1,
        status: 400,
        retry_after: None,
        body: arm_error("InvalidPolicyRule", "rejected"),
    });
    let out = publish(&si, &pack, SUB, &["--yes"]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(
        out.stderr.contains("partly applied (1): update policyDefinition publish-test/admin-user-disabled: version 1.1.0 was written"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains(
            "not applied (2):\n  update policyDefinition publish-test/admin-user-disabled\n"
        ),
        "{}",
        out.stderr
    );
}

/// Issue 13 item 25: a PUT that got no answer may or may not have reached
/// Azure; the half-way report says so instead of "not applied".
#[test]
fn an_unanswered_put_is_reported_as_unknown() {
    let si = StandIn::start();
    let dir = TempDir::new("unanswered");
    let pack = small_pack(
        &dir,
        "Registries have the admin user disabled",
        "1.0.0",
        true,
    );
    si.state().stall_puts = true;
    let out = publish(&si, &pack, SUB, &["--yes", "--timeout", "2"]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(flat(&out.stderr).contains("E0705"), "{}", out.stderr);
    assert!(
        out.stderr.contains("applied (0):")
            && out.stderr.contains(
                "unknown (1): create policyDefinition publish-test/admin-user-disabled: no answer"
            )
            && out.stderr.contains("not applied (3):"),
        "{}",
        out.stderr
    );
}

// ------------------------------------------------------------------ import

/// `acrpc import --from-azure` reads back what publish wrote, through the
/// same client: the listing is paged (20 per page here, so `nextLink` is
/// followed), and the imported pack builds to the very definitions the
/// bundled pack builds to.
#[test]
fn import_from_azure_reads_back_what_publish_wrote() {
    let si = StandIn::start();
    let first = publish(&si, &bundled(), SUB, &["--yes"]);
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    let stored = si.stored("policyDefinitions").len();
    assert!(stored > 20, "paging needs more than one page ({stored})");
    let dir = TempDir::new("import");
    let out_dir = dir.0.join("imported");
    let endpoint = si.endpoint();
    let before = si.requests().len();
    let run = run_with(
        &[
            "import",
            "--from-azure",
            "--scope",
            SUB,
            "--endpoint",
            &endpoint,
            "--out",
            out_dir.to_str().unwrap(),
        ],
        &[],
        true,
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let sets = si.stored("policySetDefinitions").len();
    assert!(
        run.stdout.contains(&format!(
            "imported {stored} definitions and {sets} initiatives"
        )),
        "{}",
        run.stdout
    );
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    let reads: Vec<Request> = si.requests().into_iter().skip(before).collect();
    assert!(reads.iter().all(|r| r.method == "GET" && r.authorized));
    assert!(
        reads.iter().any(|r| r.query.contains("$skiptoken=")),
        "nextLink was not followed: {reads:?}"
    );
    // acrpc -> Azure -> acrpc -> JSON: the same definitions, byte for byte.
    // The imported pack declares the scope its initiatives' members live at;
    // the original is built for that scope.
    let build = |pack: &Path, out: &Path, extra: &[&str]| {
        let mut args = vec![
            "build",
            pack.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let r = run_with(&args, &[], false);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
    };
    build(&out_dir.join("acr-baseline"), &dir.0.join("again"), &[]);
    build(&bundled(), &dir.0.join("original"), &["--scope", SUB]);
    let files = |root: &Path, sub: &str| -> BTreeMap<String, String> {
        std::fs::read_dir(root.join("acr-baseline").join(sub))
            .unwrap()
            .flatten()
            .map(|e| {
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read_to_string(e.path()).unwrap(),
                )
            })
            .collect()
    };
    for (sub, count) in [
        ("policyDefinitions", stored),
        ("policySetDefinitions", sets),
    ] {
        let again = files(&dir.0.join("again"), sub);
        assert_eq!(again.len(), count);
        assert_eq!(again, files(&dir.0.join("original"), sub), "{sub}");
    }
    // A second import into the same place refuses to overwrite it.
    let again_run = run_with(
        &[
            "import",
            "--from-azure",
            "--scope",
            SUB,
            "--endpoint",
            &endpoint,
            "--out",
            out_dir.to_str().unwrap(),
        ],
        &[],
        true,
    );
    assert_eq!(again_run.code, Some(1), "{}", again_run.stderr);
    assert!(
        flat(&again_run.stderr).contains("E1207"),
        "{}",
        again_run.stderr
    );
}

/// `--builtin` finds a built-in by name (GET) or by display name (listing).
#[test]
fn import_builtin_by_name_or_display_name() {
    let si = StandIn::start();
    let name = "0fdf0491-d080-4575-b627-ad0e843cba0f";
    let id = format!("/providers/Microsoft.Authorization/policyDefinitions/{name}");
    let builtin = json!({
        "id": id,
        "type": "Microsoft.Authorization/policyDefinitions",
        "name": name,
        "properties": {
            "displayName": "Registries keep the admin user off",
            "policyType": "BuiltIn",
            "mode": "Indexed",
            "metadata": { "version": "1.0.0", "category": "Container Registry" },
            "version": "1.0.0",
            "parameters": { "effect": {
                "type": "String",
                "metadata": { "displayName": "Effect", "description": "Enable or disable the execution of the policy" },
                "allowedValues": ["Audit", "Deny", "Disabled"],
                "defaultValue": "Audit"
            }},
            "policyRule": {
                "if": { "allOf": [
                    { "field": "type", "equals": "Microsoft.ContainerRegistry/registries" },
                    { "field": "Microsoft.ContainerRegistry/registries/adminUserEnabled", "equals": true }
                ]},
                "then": { "effect": "[parameters('effect')]" }
            }
        }
    });
    si.state().store.insert(id.to_lowercase(), builtin);
    let endpoint = si.endpoint();
    for (tag, wanted) in [
        ("by-name", name),
        ("by-display-name", "registries keep the ADMIN user off"),
    ] {
        let dir = TempDir::new(tag);
        let out = dir.0.to_str().unwrap();
        let run = run_with(
            &[
                "import",
                "--builtin",
                wanted,
                "--endpoint",
                &endpoint,
                "--out",
                out,
            ],
            &[],
            true,
        );
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        let text =
            std::fs::read_to_string(dir.0.join("azure-builtins/azure-builtins.acrp")).unwrap();
        assert!(text.contains(&format!("name        \"{name}\"")), "{text}");
        assert!(
            text.contains("require     adminUserEnabled != true"),
            "{text}"
        );
    }
    let dir = TempDir::new("unknown");
    let run = run_with(
        &[
            "import",
            "--builtin",
            "Registries keep the admin user of",
            "--endpoint",
            &endpoint,
            "--out",
            dir.0.to_str().unwrap(),
        ],
        &[],
        true,
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        flat(&run.stderr).contains("E1210") && run.stderr.contains("did you mean"),
        "{}",
        run.stderr
    );
    // A listing Azure refuses (not a retryable status) stops the import.
    si.fault(Fault {
        method: "GET",
        path_ends_with: "policyDefinitions".into(),
        times: 1,
        status: 400,
        retry_after: None,
        body: arm_error("InvalidFilter", "The filter is not supported."),
    });
    let run = run_with(
        &[
            "import",
            "--from-azure",
            "--scope",
            SUB,
            "--endpoint",
            &endpoint,
            "--out",
            dir.0.to_str().unwrap(),
        ],
        &[],
        true,
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        flat(&run.stderr).contains("E1209") && run.stderr.contains("InvalidFilter"),
        "{}",
        run.stderr
    );
    assert!(std::fs::read_dir(&dir.0).unwrap().next().is_none());
}

// ------------------------------------------------------------------ issue 9

/// A pack with a DeployIfNotExists member (so its assignment needs an
/// identity and roles: Log Analytics Contributor at the assignment scope and
/// on the workspace its `assignPermissions` parameter names), an audit
/// member, an initiative, an assignment and an exemption. `assignment_title`
/// and `expires` vary; `placements: false` leaves the assignment and the
/// exemption out.
fn lifecycle_pack(
    dir: &TempDir,
    assignment_title: &str,
    expires: &str,
    placements: bool,
) -> PathBuf {
    let templates = dir.0.join("templates");
    std::fs::create_dir_all(&templates).expect("templates dir");
    std::fs::copy(
        bundled().join("templates/diagnostic-settings-log-analytics.json"),
        templates.join("diagnostic-settings-log-analytics.json"),
    )
    .expect("copy the deploy template");
    let placements = if placements {
        format!(
            r#"
assignment lifecycle of lifecycle {{
  title    "{assignment_title}"
  identity system
  location "westeurope"
  message  "Registries must meet the lifecycle baseline."
  param logAnalytics = "{SUB}/resourceGroups/monitoring/providers/Microsoft.OperationalInsights/workspaces/logs"
}}

exemption legacy of lifecycle {{
  title    "Legacy registry"
  category waiver
  expires  "{expires}"
  ticket   "SEC-1"
  members  [admin-user-disabled]
}}
"#
        )
    } else {
        String::new()
    };
    let text = format!(
        r#"pack lifecycle {{
  title   "Lifecycle test"
  version "1.0.0"
}}

rule admin-user-disabled {{
  title    "Registries have the admin user disabled"
  practice entra-id
  severity high
  target   registry
  require  adminUserEnabled != true
}}

rule audit-logs-to-log-analytics {{
  title    "Deploy a diagnostic setting for registry audit logs"
  practice access-logs
  severity medium
  target   registry
  param logAnalytics: string strongType "omsWorkspace" assignPermissions {{
    title "Log Analytics workspace"
  }}
  effect   deployIfNotExists | auditIfNotExists | disabled = deployIfNotExists
  require  related "Microsoft.Insights/diagnosticSettings" after provisioning
           where any(logs[*], enabled == true and categoryGroup in ["audit", "allLogs"])
  deploy "templates/diagnostic-settings-log-analytics.json" roles ["Log Analytics Contributor"] {{
    resourceName = name
    logAnalytics = param.logAnalytics
    diagnosticSettingName = "acrpc-audit-logs"
  }}
}}

initiative lifecycle {{
  title   "Lifecycle initiative"
  version "1.0.0"
  param logAnalytics: string strongType "omsWorkspace" {{
    title "Log Analytics workspace"
  }}
  include admin-user-disabled
  include audit-logs-to-log-analytics {{ logAnalytics = param.logAnalytics }}
}}
{placements}"#
    );
    let path = dir.0.join("lifecycle.acrp");
    std::fs::write(&path, text).expect("write pack");
    path
}

/// Issue 9, "Done means": the first publish creates definitions,
/// initiatives, the assignment (the stand-in gives its identity a
/// principalId, as Azure does), its role assignments (written with that
/// principal) and the exemption, in that order; a second publish sends no
/// PUT although Azure added fields to every one of them.
#[test]
fn assignments_role_assignments_and_exemptions_are_published_after_what_they_use() {
    let si = StandIn::start();
    let dir = TempDir::new("lifecycle");
    let pack = lifecycle_pack(&dir, "Lifecycle assignment", "2027-06-30", true);
    let plan = publish(&si, &pack, SUB, &["--plan"]);
    assert_eq!(plan.code, Some(0), "{}", plan.stderr);
    snapshot("lifecycle-first-plan", &plan.stdout);

    let out = publish(&si, &pack, SUB, &["--yes"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let writes = si.writes_since(0);
    assert_eq!(
        collections(&writes),
        [
            "policyDefinitions",
            "policyDefinitions",
            "policySetDefinitions",
            "policyAssignments",
            "roleAssignments",
            "roleAssignments",
            "policyExemptions",
        ]
    );
    let assignment = &si.stored("policyAssignments")[0];
    let principal = assignment["identity"]["principalId"]
        .as_str()
        .expect("the stand-in gave the identity a principal");
    let roles = si.stored("roleAssignments");
    assert_eq!(roles.len(), 2);
    let scopes: Vec<&str> = roles
        .iter()
        .map(|r| r["properties"]["scope"].as_str().expect("scope"))
        .collect();
    assert!(scopes.contains(&SUB), "{scopes:?}");
    assert!(
        scopes.iter().any(|s| s.ends_with("/workspaces/logs")),
        "{scopes:?}"
    );
    for r in &roles {
        assert_eq!(r["properties"]["principalId"], json!(principal));
        assert_eq!(r["properties"]["principalType"], json!("ServicePrincipal"));
        // Log Analytics Contributor.
        assert!(
            r["properties"]["roleDefinitionId"]
                .as_str()
                .expect("role")
                .ends_with("/92aaf0da-9dab-42b6-94a3-d43ce8d16293")
        );
    }
    // The assignment points at the initiative at the scope; the exemption
    // at the assignment.
    let set_name = si.stored("policySetDefinitions")[0]["name"].clone();
    assert_eq!(
        assignment["properties"]["policyDefinitionId"],
        json!(format!(
            "{SUB}/providers/Microsoft.Authorization/policySetDefinitions/{}",
            set_name.as_str().expect("name")
        ))
    );
    let exemption = &si.stored("policyExemptions")[0];
    assert_eq!(
        exemption["properties"]["policyAssignmentId"],
        json!(format!(
            "{SUB}/providers/Microsoft.Authorization/policyAssignments/lifecycle"
        ))
    );

    let before = si.requests().len();
    let again = publish(&si, &pack, SUB, &["--yes", "--prune"]);
    assert_eq!(again.code, Some(0), "{}", again.stderr);
    assert!(
        again
            .stdout
            .contains("0 to create, 0 to update, 7 unchanged, 0 to prune."),
        "{}",
        again.stdout
    );
    assert!(
        si.writes_since(before).is_empty(),
        "the second publish wrote"
    );
    // The role assignments were looked for by the identity's principal.
    assert!(si.requests()[before..].iter().any(|r| {
        r.path.ends_with("/roleAssignments")
            && r.query
                .contains(&format!("principalId%20eq%20%27{principal}%27"))
    }));
}

/// Prune deletes what the pack owns in the reverse order: exemptions, role
/// assignments, assignments, initiatives, definitions. Role assignments have
/// no metadata: they are the pack's when their principal is the identity of
/// an assignment the pack owns and their description is acrpc's; one made
/// by hand for the same principal stays.
#[test]
fn prune_removes_placements_before_what_they_use() {
    let si = StandIn::start();
    let dir = TempDir::new("lifecycle-prune");
    let pack = lifecycle_pack(&dir, "Lifecycle assignment", "2027-06-30", true);
    assert_eq!(publish(&si, &pack, SUB, &["--yes"]).code, Some(0));
    let principal = si.stored("policyAssignments")[0]["identity"]["principalId"]
        .as_str()
        .expect("principal")
        .to_string();
    let by_hand = format!(
        "{SUB}/providers/Microsoft.Authorization/roleAssignments/11111111-2222-3333-4444-555555555555"
    );
    si.state().store.insert(
        by_hand.to_lowercase(),
        json!({ "id": by_hand, "name": "11111111-2222-3333-4444-555555555555", "properties": {
            "principalId": principal, "description": "granted by hand",
            "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7",
        }}),
    );
    // The pack keeps one rule: everything else goes.
    let text = std::fs::read_to_string(&pack).expect("pack");
    let cut = text
        .find("rule audit-logs-to-log-analytics")
        .expect("second rule");
    std::fs::write(&pack, &text[..cut]).expect("rewrite pack");
    let plan = publish(&si, &pack, SUB, &["--plan", "--prune"]);
    assert_eq!(plan.code, Some(0), "{}", plan.stderr);
    snapshot("lifecycle-prune-plan", &plan.stdout);
    let before = si.requests().len();
    let out = publish(&si, &pack, SUB, &["--yes", "--prune"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let writes = si.writes_since(before);
    assert!(writes.iter().all(|r| r.method == "DELETE"), "{writes:?}");
    assert_eq!(
        collections(&writes),
        [
            "policyExemptions",
            "roleAssignments",
            "roleAssignments",
            "policyAssignments",
            "policySetDefinitions",
            "policyDefinitions",
        ]
    );
    let left: Vec<String> = si
        .stored("roleAssignments")
        .iter()
        .map(|r| r["name"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(
        left,
        ["11111111-2222-3333-4444-555555555555"],
        "the hand-made one stays"
    );
    assert!(si.stored("policyAssignments").is_empty() && si.stored("policyExemptions").is_empty());
    assert_eq!(si.stored("policyDefinitions").len(), 1);
}

/// A changed assignment and exemption are updates with old -> new values;
/// the identity and its role assignments are kept.
#[test]
fn a_changed_placement_shows_old_and_new_values() {
    let si = StandIn::start();
    let dir = TempDir::new("lifecycle-change");
    let pack = lifecycle_pack(&dir, "Lifecycle assignment", "2027-06-30", true);
    assert_eq!(publish(&si, &pack, SUB, &["--yes"]).code, Some(0));
    let pack = lifecycle_pack(&dir, "Lifecycle assignment (v2)", "2027-09-30", true);
    let plan = publish(&si, &pack, SUB, &["--plan"]);
    assert_eq!(plan.code, Some(0), "{}", plan.stderr);
    snapshot("lifecycle-change-plan", &plan.stdout);
    assert!(
        plan.stdout
            .contains("displayName: \"Lifecycle assignment\" -> \"Lifecycle assignment (v2)\"")
    );
    assert!(
        plan.stdout
            .contains("expiresOn: \"2027-06-30T23:59:59Z\" -> \"2027-09-30T23:59:59Z\"")
    );
    let before = si.requests().len();
    let out = publish(&si, &pack, SUB, &["--yes"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(
        collections(&si.writes_since(before)),
        ["policyAssignments", "policyExemptions"]
    );
    let later = publish(&si, &pack, SUB, &["--yes"]);
    assert!(later.stdout.contains("No changes"), "{}", later.stdout);
}

/// A role assignment whose principal no longer matches (the assignment was
/// deleted and created again outside publish, so its identity is new) is
/// deleted and created again: Azure refuses to update a principal.
#[test]
fn a_role_assignment_of_a_new_identity_is_recreated() {
    let si = StandIn::start();
    let dir = TempDir::new("lifecycle-recreate");
    let pack = lifecycle_pack(&dir, "Lifecycle assignment", "2027-06-30", true);
    assert_eq!(publish(&si, &pack, SUB, &["--yes"]).code, Some(0));
    {
        let mut s = si.state();
        s.principals += 1;
        let fresh = format!("00000000-0000-4000-8000-{:012}", s.principals);
        for v in s.store.values_mut() {
            if v["type"] == "Microsoft.Authorization/policyAssignments" {
                v["identity"]["principalId"] = json!(fresh);
            }
        }
    }
    let plan = publish(&si, &pack, SUB, &["--plan"]);
    assert!(
        plan.stdout.contains("~ recreate   roleAssignment"),
        "{}",
        plan.stdout
    );
    let before = si.requests().len();
    let out = publish(&si, &pack, SUB, &["--yes"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let methods: Vec<String> = si
        .writes_since(before)
        .iter()
        .map(|r| format!("{} {}", r.method, collections(std::slice::from_ref(r))[0]))
        .collect();
    assert_eq!(
        methods,
        [
            "DELETE roleAssignments",
            "PUT roleAssignments",
            "DELETE roleAssignments",
            "PUT roleAssignments",
        ]
    );
}

/// A recreate whose PUT fails after its DELETE is reported as partly
/// applied: the role assignment is gone and not back.
#[test]
fn a_failed_recreate_is_reported_as_partly_applied() {
    let si = StandIn::start();
    let dir = TempDir::new("lifecycle-recreate-fail");
    let pack = lifecycle_pack(&dir, "Lifecycle assignment", "2027-06-30", true);
    assert_eq!(publish(&si, &pack, SUB, &["--yes"]).code, Some(0));
    {
        let mut s = si.state();
        for v in s.store.values_mut() {
            if v["type"] == "Microsoft.Authorization/policyAssignments" {
                v["identity"]["principalId"] = json!("00000000-0000-4000-8000-000000000099");
            }
        }
    }
    si.fault(Fault {
        method: "PUT",
        path_ends_with: String::new(),
        times: 1,
        status: 400,
        retry_after: None,
        body: arm_error("InvalidRoleAssignmentRequest", "rejected"),
    });
    let out = publish(&si, &pack, SUB, &["--yes"]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    let stderr = flat(&out.stderr);
    assert!(stderr.contains("applied (0):"), "{stderr}");
    assert!(
        stderr.contains("partly applied (1): recreate roleAssignment lifecycle/lifecycle/")
            && stderr.contains("it was deleted and not created again"),
        "{stderr}"
    );
    assert!(stderr.contains("not applied (1):"), "{stderr}");
    assert_eq!(si.stored("roleAssignments").len(), 1);
    let rerun = publish(&si, &pack, SUB, &["--yes"]);
    assert_eq!(rerun.code, Some(0), "{}", rerun.stderr);
    assert_eq!(si.stored("roleAssignments").len(), 2);
}

/// A failure at a role assignment lists exactly what was applied (the
/// definitions, the initiative, the assignment) and what was not (the role
/// assignments, the exemption); a 403 there explains which role the
/// publishing identity lacks. A rerun finishes.
#[test]
fn a_failure_at_a_role_assignment_lists_applied_and_not_applied() {
    let si = StandIn::start();
    let dir = TempDir::new("lifecycle-halfway");
    let pack = lifecycle_pack(&dir, "Lifecycle assignment", "2027-06-30", true);
    // Fail the first role assignment: 403 like Azure for an identity
    // without Microsoft.Authorization/roleAssignments/write.
    let plan = publish(&si, &pack, SUB, &["--plan"]);
    let first_role = plan
        .stdout
        .lines()
        .find(|l| l.contains("roleAssignment"))
        .and_then(|l| l.split('(').nth(1))
        .and_then(|l| l.split(')').next())
        .expect("a role assignment line")
        .to_string();
    si.fault(Fault {
        method: "PUT",
        path_ends_with: first_role,
        times: 1,
        status: 403,
        retry_after: None,
        body: arm_error(
            "AuthorizationFailed",
            "The client does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/write'.",
        ),
    });
    let out = publish(&si, &pack, SUB, &["--yes"]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    let stderr = flat(&out.stderr);
    assert!(
        stderr.contains("E0703") && stderr.contains("Role Based Access Control Administrator"),
        "{stderr}"
    );
    assert!(stderr.contains("applied (4):"), "{stderr}");
    assert!(stderr.contains("not applied (3):"), "{stderr}");
    let report: Vec<&str> = out
        .stderr
        .lines()
        .skip_while(|l| !l.contains("applied (4):"))
        .collect();
    let text = report.join("\n");
    let (applied, not_applied) = text.split_once("not applied").expect("both lists");
    assert!(applied.contains("policyAssignment lifecycle/lifecycle at"));
    assert!(
        not_applied.contains("roleAssignment")
            && not_applied.contains("policyExemption lifecycle/legacy")
    );
    let rerun = publish(&si, &pack, SUB, &["--yes"]);
    assert_eq!(rerun.code, Some(0), "{}", rerun.stderr);
    assert!(
        rerun.stdout.contains("3 created, 0 updated"),
        "{}",
        rerun.stdout
    );
}

/// E1040: Azure answers the assignment without a principal; the role
/// assignments cannot be written, and nothing after them is.
#[test]
fn an_identity_without_principal_stops_before_its_role_assignments() {
    let si = StandIn::start();
    si.state().no_principal = true;
    let dir = TempDir::new("lifecycle-noprincipal");
    let pack = lifecycle_pack(&dir, "Lifecycle assignment", "2027-06-30", true);
    let out = publish(&si, &pack, SUB, &["--yes"]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(flat(&out.stderr).contains("E1040"), "{}", out.stderr);
    assert!(si.stored("roleAssignments").is_empty() && si.stored("policyExemptions").is_empty());
}

/// A renamed rule gets a new definition name: with --prune the plan shows
/// the pair as one replacement and warns (W1020) that assignments of the
/// old definition are orphaned.
#[test]
fn a_renamed_rule_is_a_replace_with_a_warning() {
    let si = StandIn::start();
    let dir = TempDir::new("rename");
    let pack = small_pack(
        &dir,
        "Registries have the admin user disabled",
        "1.0.0",
        true,
    );
    assert_eq!(publish(&si, &pack, SUB, &["--yes"]).code, Some(0));
    let text = std::fs::read_to_string(&pack).expect("pack");
    std::fs::write(
        &pack,
        text.replace("rule admin-user-disabled", "rule admin-user-off"),
    )
    .expect("rename");
    let plan = publish(&si, &pack, SUB, &["--plan", "--prune"]);
    assert_eq!(plan.code, Some(0), "{}", plan.stderr);
    snapshot("renamed-rule-plan", &plan.stdout);
    assert!(
        plan.stdout
            .contains("+ replace    policyDefinition     publish-test/admin-user-off")
    );
    let warned = flat(&plan.stderr);
    assert!(
        warned.contains("W1020") && warned.contains("orphaned"),
        "{warned}"
    );
    let out = publish(&si, &pack, SUB, &["--yes", "--prune"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let later = publish(&si, &pack, SUB, &["--yes", "--prune"]);
    assert!(later.stdout.contains("No changes"), "{}", later.stdout);
}

/// `publish --env NAME` takes the environment's scope, enforcement and
/// parameter values for the assignments, as `build --env` does.
#[test]
fn publish_env_places_the_assignment_like_build_env() {
    let si = StandIn::start();
    let dir = TempDir::new("lifecycle-env");
    let pack = lifecycle_pack(&dir, "Lifecycle assignment", "2027-06-30", true);
    let text = std::fs::read_to_string(&pack).expect("pack");
    let rg = format!("{SUB}/resourceGroups/dev");
    std::fs::write(
        &pack,
        format!("{text}\nenvironment dev {{\n  title       \"Development\"\n  scope       \"{rg}\"\n  enforcement doNotEnforce\n}}\n"),
    )
    .expect("add environment");
    let out = publish(&si, &pack, SUB, &["--yes", "--env", "dev"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let assignment = &si.stored("policyAssignments")[0];
    assert_eq!(
        assignment["id"],
        json!(format!(
            "{rg}/providers/Microsoft.Authorization/policyAssignments/lifecycle"
        ))
    );
    assert_eq!(
        assignment["properties"]["enforcementMode"],
        json!("DoNotEnforce")
    );
    // The definitions stay at --scope.
    assert!(
        si.stored("policySetDefinitions")[0]["id"]
            .as_str()
            .expect("id")
            .starts_with(&format!("{SUB}/providers/"))
    );
    let unknown = publish(&si, &pack, SUB, &["--plan", "--env", "prd"]);
    assert_eq!(unknown.code, Some(1), "{}", unknown.stderr);
    assert!(
        flat(&unknown.stderr).contains("E1012"),
        "{}",
        unknown.stderr
    );
}

/// `--prune --env`: an assignment placed at a resource group by an
/// environment is found from the subscription listing (Azure lists what is
/// below a subscription too) and pruned with its exemption and the role
/// assignments of its identity, also the one on the workspace in another
/// resource group.
#[test]
fn prune_finds_placements_below_the_scope() {
    let si = StandIn::start();
    let dir = TempDir::new("lifecycle-env-prune");
    let pack = lifecycle_pack(&dir, "Lifecycle assignment", "2027-06-30", true);
    let env = format!(
        "\nenvironment dev {{\n  title       \"Development\"\n  scope       \"{SUB}/resourceGroups/dev\"\n  enforcement doNotEnforce\n}}\n"
    );
    let text = std::fs::read_to_string(&pack).expect("pack");
    std::fs::write(&pack, format!("{text}{env}")).expect("add environment");
    let out = publish(&si, &pack, SUB, &["--yes", "--env", "dev"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(si.stored("roleAssignments").len(), 2);
    let cut = text.find("\nassignment lifecycle").expect("placements");
    std::fs::write(&pack, format!("{}{env}", &text[..cut])).expect("drop placements");
    let before = si.requests().len();
    let out = publish(&si, &pack, SUB, &["--yes", "--env", "dev", "--prune"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(
        collections(&si.writes_since(before)),
        [
            "policyExemptions",
            "roleAssignments",
            "roleAssignments",
            "policyAssignments",
        ]
    );
    assert!(si.stored("roleAssignments").is_empty());
}
