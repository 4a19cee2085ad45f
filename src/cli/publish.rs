//! `acrpc publish [PATHS…] --scope SCOPE`: compile in memory, read what
//! exists at the scope, print the plan, apply it (definitions before
//! initiatives, prunes last), then read back and confirm.

use super::build::{Inputs, compile_inputs, io_error};
use super::out::{self, say};
use super::{ExitStatus, Reporter};
use crate::diag::{Code, Diagnostic, FileId, SourceFile, SourceMap, Span};
use crate::emit::POLICY_API_VERSION;
use crate::emit::model::Kind;
use crate::publish::client::{Client, Event, Failure, RetryPolicy, Secret, UreqTransport};
use crate::publish::{
    Action, Desired, Op, Scope, desired, diff, kind_label, prunable, render_plan, resource_path,
};
use crate::sema::Options;
use crate::syntax::{self, ast};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct PublishArgs {
    /// `.acrp` files, or directories to search for them.
    #[arg(default_value = "rulepacks")]
    pub paths: Vec<PathBuf>,
    /// Where to publish: `/subscriptions/<id>` or
    /// `/providers/Microsoft.Management/managementGroups/<mg>`.
    #[arg(long)]
    pub scope: Option<String>,
    /// Show the plan and stop.
    #[arg(long)]
    pub plan: bool,
    /// Apply without asking.
    #[arg(long)]
    pub yes: bool,
    /// Delete definitions and initiatives this pack made that it no longer emits.
    #[arg(long)]
    pub prune: bool,
    /// Azure Resource Manager endpoint (sovereign clouds).
    #[arg(long, default_value = "https://management.azure.com")]
    pub endpoint: String,
    /// API version of the policy resources.
    #[arg(long, default_value = POLICY_API_VERSION)]
    pub api_version: String,
    /// Seconds one request may take, retries and their waits included.
    #[arg(long, default_value_t = 60, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
    /// Print every request (method, URL, status) on stderr.
    #[arg(long, short)]
    pub verbose: bool,
}

/// Everything a failure needs to be reported against.
struct Ctx<'a> {
    reporter: &'a Reporter,
    sources: SourceMap,
    /// `(pack, source id)` → span of the rule or initiative id.
    spans: BTreeMap<(String, String), Span>,
    /// An empty source named `acrpc publish`, for failures no rule caused
    /// (listing the scope for `--prune`).
    general: Span,
    scope: String,
}

impl Ctx<'_> {
    fn span_of(&self, d_pack: &str, source_id: &str) -> Span {
        self.spans
            .get(&(d_pack.to_string(), source_id.to_string()))
            .copied()
            .unwrap_or(self.general)
    }

    fn report(&self, d: Diagnostic) {
        self.reporter.report(&[d], &self.sources);
    }
}

pub fn run(args: &PublishArgs, reporter: &Reporter) -> ExitStatus {
    let mut sources = SourceMap::default();
    let fail = |sources: &mut SourceMap, code: Code, what: &str, msg: String, help: &str| {
        let d = io_error(sources, code, what, msg).with_help(help);
        reporter.report(&[d], sources);
        ExitStatus::Error
    };
    const SCOPE_HELP: &str = "give `--scope /subscriptions/<id>` or `--scope /providers/Microsoft.Management/managementGroups/<mg>`";
    let given = match args.scope.as_deref().map(|s| (s, Scope::parse(s))) {
        Some((s, None)) => {
            let msg = format!("`{s}` is not a subscription or management group scope");
            return fail(&mut sources, Code::E0701, "--scope", msg, SCOPE_HELP);
        }
        Some((_, Some(scope))) => Some(scope),
        None => None,
    };
    let Some(endpoint) = endpoint(&args.endpoint) else {
        return fail(
            &mut sources,
            Code::E0708,
            "--endpoint",
            format!("`{}` is not an https endpoint", args.endpoint),
            "the token is sent to this endpoint: use https (plain http only for 127.0.0.1, localhost or [::1])",
        );
    };
    let opts = Options {
        scope: given.as_ref().map(Scope::path),
        ..Options::default()
    };
    let Inputs {
        mut sources, packs, ..
    } = match compile_inputs(&args.paths, &opts, reporter) {
        Ok(i) => i,
        Err(status) => return status,
    };
    let scope = match given.or_else(|| pack_scope(&packs)) {
        Some(s) => s,
        None => {
            let msg = "publish needs `--scope` (or one `scope` declared by every pack)".to_string();
            return fail(&mut sources, Code::E0701, "--scope", msg, SCOPE_HELP);
        }
    };
    let general = Span::new(sources.add(SourceFile::new("acrpc publish", "")), 0, 0);
    let mut ctx = Ctx {
        reporter,
        spans: spans(&sources, &packs),
        general,
        sources,
        scope: scope.path(),
    };
    let token = match token(&endpoint) {
        Ok(t) => t,
        Err(msg) => {
            return fail(
                &mut ctx.sources,
                Code::E0702,
                "acrpc publish",
                msg,
                "set AZURE_ACCESS_TOKEN (e.g. from `az account get-access-token`), or install the Azure CLI and run `az login`",
            );
        }
    };
    let wanted: Vec<Desired> = packs
        .iter()
        .flat_map(|(p, _)| desired(p, &ctx.scope))
        .collect();
    let pack_ids: Vec<&str> = packs.iter().map(|(p, _)| p.id.as_str()).collect();
    with_client(
        endpoint,
        args.api_version.clone(),
        token,
        args.timeout,
        args.verbose,
        |client| publish(args, &mut ctx, client, &wanted, &pack_ids),
    )
}

/// Runs `run` with the ARM client publish and import share: TLS unless the
/// endpoint is loopback plain HTTP (checked before), request lines logged
/// only with `--verbose`, one deadline per request including its retries.
pub(super) fn with_client<R>(
    endpoint: String,
    api_version: String,
    token: Secret,
    timeout_seconds: u64,
    verbose: bool,
    run: impl FnOnce(&Client) -> R,
) -> R {
    let loopback = endpoint.starts_with("http://");
    let transport = UreqTransport::new(!loopback);
    let log = move |event: Event, line: &str| {
        if verbose || event != Event::Request {
            say!("  {line}");
        }
    };
    let client = Client {
        transport: &transport,
        endpoint,
        api_version,
        token,
        retry: RetryPolicy {
            deadline: std::time::Duration::from_secs(timeout_seconds),
            ..RetryPolicy::default()
        },
        log: &log,
    };
    run(&client)
}

fn publish(
    args: &PublishArgs,
    ctx: &mut Ctx,
    client: &Client,
    wanted: &[Desired],
    packs: &[&str],
) -> ExitStatus {
    say!(
        "Reading {} resource(s) at {}{}",
        wanted.len(),
        ctx.scope,
        if args.prune {
            " and listing it for --prune"
        } else {
            ""
        }
    );
    let actions = match read_plan(ctx, client, wanted, packs, args.prune) {
        Ok(a) => a,
        Err(status) => return status,
    };
    if let Err(u) = out::stdout(&render_plan(&actions, &ctx.scope, &client.api_version)) {
        // Without the plan on screen, nothing may be applied.
        return u.status(ExitStatus::Error);
    }
    let changes: Vec<&Action> = actions.iter().filter(|a| a.changes()).collect();
    if args.plan {
        return ExitStatus::Success;
    }
    if changes.is_empty() {
        let text = format!("No changes: {} already matches the pack(s).\n", ctx.scope);
        return out::finish(&text, ExitStatus::Success);
    }
    if !args.yes && !confirm(ctx, changes.len()) {
        return ExitStatus::Error;
    }
    if let Err(status) = apply(ctx, client, wanted, &changes) {
        return status;
    }
    verify(ctx, client, wanted, &changes)
}

/// GETs every wanted resource (and, with `prune`, lists the scope's custom
/// ones) and returns the actions in apply order.
fn read_plan(
    ctx: &Ctx,
    client: &Client,
    wanted: &[Desired],
    packs: &[&str],
    prune: bool,
) -> Result<Vec<Action>, ExitStatus> {
    let mut actions = Vec::new();
    for w in wanted {
        let path = resource_path(&ctx.scope, w.kind, &w.name);
        let existing = client.get(&path).map_err(|f| failed(ctx, &f, "GET", w))?;
        actions.push(Action {
            kind: w.kind,
            pack: w.pack.clone(),
            id: w.id.clone(),
            name: w.name.clone(),
            op: diff(w, existing.as_ref()),
        });
    }
    if prune {
        // Initiatives first: a definition cannot go while a set refers to it.
        for kind in [Kind::SetDefinition, Kind::Definition] {
            let path = format!(
                "{}/providers/Microsoft.Authorization/{}",
                ctx.scope,
                kind.collection()
            );
            let list = client
                .list(&path, "policyType eq 'Custom'")
                .map_err(|f| failed_at(ctx, &f, "list", &path, None))?;
            actions.extend(prunable(&list, kind, packs, wanted));
        }
    }
    Ok(actions)
}

fn confirm(ctx: &Ctx, n: usize) -> bool {
    if !std::io::stdin().is_terminal() {
        ctx.report(
            Diagnostic::new(
                Code::E0706,
                ctx.general,
                format!("{n} change(s) to apply, and no terminal to confirm them"),
            )
            .with_help("review the plan (`--plan`), then rerun with `--yes` to apply it"),
        );
        return false;
    }
    out::stderr(&format!("Apply {n} change(s) to {}? [y/N] ", ctx.scope));
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    let yes = matches!(line.trim(), "y" | "Y" | "yes" | "Yes");
    if !yes {
        say!("Nothing was applied.");
    }
    yes
}

fn verb(op: &Op) -> &'static str {
    match op {
        Op::Create => "create",
        Op::Update { .. } => "update",
        Op::Unchanged => "keep",
        Op::Prune => "prune",
    }
}

fn past(op: &Op) -> &'static str {
    match op {
        Op::Create => "created",
        Op::Update { .. } => "updated",
        Op::Unchanged => "kept",
        Op::Prune => "pruned",
    }
}

/// Applies the changes in order, with a progress line each. On a failure,
/// reports it against its rule and lists what was and was not applied.
fn apply(
    ctx: &Ctx,
    client: &Client,
    wanted: &[Desired],
    changes: &[&Action],
) -> Result<(), ExitStatus> {
    let n = changes.len();
    for (i, a) in changes.iter().enumerate() {
        let path = resource_path(&ctx.scope, a.kind, &a.name);
        let w = wanted.iter().find(|w| w.kind == a.kind && w.name == a.name);
        if let Err(stop) = apply_one(client, &path, a, w) {
            ctx.report(diagnostic(ctx, &stop.failure, stop.method, &stop.path, w));
            report_partial(changes, i, &stop);
            return Err(ExitStatus::Error);
        }
        say!("[{}/{n}] {} {}", i + 1, past(&a.op), describe(a));
    }
    Ok(())
}

/// A change that failed: which request, why, and what of the change had
/// already reached Azure.
struct Stopped {
    failure: Failure,
    method: &'static str,
    path: String,
    /// The `…/versions/<v>` resource written before the request that failed.
    version_written: Option<String>,
}

/// One change. A new `properties.version` is written as the versioned child
/// first (Azure keeps every version there), then on the definition itself,
/// which Azure serves as the latest version.
fn apply_one(
    client: &Client,
    path: &str,
    a: &Action,
    w: Option<&Desired>,
) -> Result<(), Box<Stopped>> {
    let stopped = |failure, method, path: &str, version_written| {
        Box::new(Stopped {
            failure,
            method,
            path: path.to_string(),
            version_written,
        })
    };
    match (&a.op, w) {
        (Op::Prune, _) => client
            .delete(path)
            .map_err(|f| stopped(f, "DELETE", path, None)),
        (
            Op::Update {
                new_version: Some((_, v)),
                ..
            },
            Some(w),
        ) => {
            let versioned = format!("{path}/versions/{v}");
            client
                .put(&versioned, &w.body())
                .map_err(|f| stopped(f, "PUT", &versioned, None))?;
            client
                .put(path, &w.body())
                .map_err(|f| stopped(f, "PUT", path, Some(v.clone())))
        }
        (Op::Create | Op::Update { .. }, Some(w)) => client
            .put(path, &w.body())
            .map_err(|f| stopped(f, "PUT", path, None)),
        _ => Ok(()),
    }
}

fn describe(a: &Action) -> String {
    format!("{} {}/{}", kind_label(a.kind), a.pack, a.id)
}

/// After a failure at `changes[stopped]`: exactly what reached Azure and
/// what did not, so the user knows the state Azure is in. A request that got
/// no answer may or may not have been applied, and is listed as such.
fn report_partial(changes: &[&Action], at: usize, stop: &Stopped) {
    let n = changes.len();
    let (done, rest) = changes.split_at(at.min(n));
    let Some((failed, after)) = rest.split_first() else {
        return;
    };
    say!("error: publish stopped at {}/{n}", at + 1);
    say!("applied ({}):", done.len());
    for a in done {
        say!("  {} {}", verb(&a.op), describe(a));
    }
    if let Some(v) = &stop.version_written {
        say!(
            "partly applied (1): {} {}: version {v} was written, the {} itself was not",
            verb(&failed.op),
            describe(failed),
            kind_label(failed.kind)
        );
    }
    let unanswered = matches!(stop.failure, Failure::Transport { .. });
    if unanswered {
        say!(
            "unknown (1): {} {}: no answer, Azure may or may not have applied it",
            verb(&failed.op),
            describe(failed)
        );
    }
    let not_applied: Vec<&&Action> = if stop.version_written.is_some() || unanswered {
        after.iter().collect()
    } else {
        rest.iter().collect()
    };
    say!("not applied ({}):", not_applied.len());
    for a in not_applied {
        say!("  {} {}", verb(&a.op), describe(a));
    }
    say!("Run the same publish again to finish: it applies only what is still missing.");
}

/// Reads every changed resource back and checks it now matches.
fn verify(ctx: &Ctx, client: &Client, wanted: &[Desired], changes: &[&Action]) -> ExitStatus {
    let mut bad = 0;
    for a in changes {
        let path = resource_path(&ctx.scope, a.kind, &a.name);
        let w = wanted.iter().find(|w| w.kind == a.kind && w.name == a.name);
        let read = match client.get(&path) {
            Ok(r) => r,
            Err(f) => {
                ctx.report(diagnostic(ctx, &f, "GET", &path, w));
                return ExitStatus::Error;
            }
        };
        let Some(problem) = read_back_problem(w, read.as_ref()) else {
            continue;
        };
        bad += 1;
        let span = ctx.span_of(&a.pack, w.map_or(&a.id, |w| &w.source_id));
        ctx.report(
            Diagnostic::new(
                Code::E0707,
                span,
                format!("{} {problem} when read back", describe(a)),
            )
            .with_label("this produced it")
            .with_help("something else changes policy resources at this scope (another pipeline, an Azure Policy on policies); publish again, or find the other writer"),
        );
    }
    if bad > 0 {
        return ExitStatus::Error;
    }
    let count = |v: &str| changes.iter().filter(|a| verb(&a.op) == v).count();
    let text = format!(
        "Published to {}: {} created, {} updated, {} pruned; read back and confirmed.\n",
        ctx.scope,
        count("create"),
        count("update"),
        count("prune")
    );
    out::finish(&text, ExitStatus::Success)
}

/// What is wrong with a resource read back after applying (`want`: what
/// was written, `None` for a prune), if anything.
fn read_back_problem(want: Option<&Desired>, read: Option<&Value>) -> Option<String> {
    match (want, read) {
        (None, None) => None,
        (None, Some(_)) => Some("still exists after the delete".to_string()),
        (Some(_), None) => Some("is missing after the write".to_string()),
        (Some(w), Some(r)) => match diff(w, Some(r)) {
            Op::Unchanged => None,
            Op::Update { fields, .. } => Some(format!("differs in {}", fields.join(", "))),
            _ => Some("differs".to_string()),
        },
    }
}

fn failed(ctx: &Ctx, f: &Failure, method: &str, w: &Desired) -> ExitStatus {
    let path = resource_path(&ctx.scope, w.kind, &w.name);
    failed_at(ctx, f, method, &path, Some(w))
}

fn failed_at(ctx: &Ctx, f: &Failure, method: &str, path: &str, w: Option<&Desired>) -> ExitStatus {
    ctx.report(diagnostic(ctx, f, method, path, w));
    ExitStatus::Error
}

const RETRY_HELP: &str = "Azure is throttling or unavailable; wait and publish again (what was applied stays, the rerun does the rest)";

/// A failed request as a diagnostic: at the rule or initiative that
/// produced the resource, with ARM's error and what to do about it.
fn diagnostic(ctx: &Ctx, f: &Failure, method: &str, path: &str, w: Option<&Desired>) -> Diagnostic {
    let span = w.map_or(ctx.general, |w| ctx.span_of(&w.pack, &w.source_id));
    let what = w.map_or_else(
        || path.to_string(),
        |w| format!("{} `{}` ({})", kind_label(w.kind), w.id, w.name),
    );
    let (code, message, help) = match f {
        Failure::Status { status: status @ (401 | 403), arm, .. } => {
            let detail = arm.as_ref().map(|a| format!(": {}", a.render())).unwrap_or_default();
            let help = if *status == 401 {
                "the access token is missing, invalid or expired: refresh AZURE_ACCESS_TOKEN or run `az login` again".to_string()
            } else {
                format!(
                    "publishing needs the Resource Policy Contributor role (or Owner/Contributor) at {}: it grants Microsoft.Authorization/policyDefinitions/* and policySetDefinitions/*; ask an owner of the scope to assign it to the identity that publishes",
                    ctx.scope
                )
            };
            (Code::E0703, format!("{method} {what} was refused with {status}{detail}"), help)
        }
        Failure::Status { status, arm, attempts } if f.exhausted() => (
            Code::E0705,
            format!(
                "{method} {what} failed after {attempts} attempt(s): status {status}{}",
                arm.as_ref().map(|a| format!(" ({})", a.render())).unwrap_or_default()
            ),
            RETRY_HELP.to_string(),
        ),
        Failure::Transport { message, attempts } => (
            Code::E0705,
            format!("{method} {what} failed after {attempts} attempt(s): {message}"),
            RETRY_HELP.to_string(),
        ),
        Failure::Status { status, arm, .. } => (
            Code::E0704,
            format!(
                "Azure rejected {method} {what} with {status}: {}",
                arm.as_ref().map_or_else(|| "no error body".to_string(), |a| a.render())
            ),
            "the definition comes from the rule marked here; fix it (or report the ARM error if the pack compiles cleanly)".to_string(),
        ),
        Failure::ForeignLink(link) => (
            Code::E0704,
            format!("listing {path} returned a nextLink on another host ({link}); not followed"),
            "use the endpoint your cloud's resource manager answers on (--endpoint)".to_string(),
        ),
        Failure::Paging(why) => (
            Code::E0704,
            format!("listing {path}: {why}"),
            "the server's paging is broken; check --endpoint, or retry later".to_string(),
        ),
        Failure::BadBody(e) => (
            Code::E0704,
            format!("{method} {what}: the answer is not ARM JSON ({e})"),
            "check --endpoint: it must be an Azure Resource Manager endpoint".to_string(),
        ),
    };
    let d = Diagnostic::new(code, span, message).with_help(help);
    if w.is_some() {
        d.with_label("the definition comes from here")
    } else {
        d
    }
}

/// The `scope` every pack declares, when they all declare the same valid one.
fn pack_scope(packs: &[(crate::ir::Pack, FileId)]) -> Option<Scope> {
    let mut scopes = packs.iter().map(|(p, _)| p.scope.as_deref());
    let first = scopes.next()??;
    scopes
        .all(|s| s == Some(first))
        .then(|| Scope::parse(first))?
}

/// The endpoint without a trailing `/`, when it is https, or http on
/// loopback (the token travels with every request). The text is parsed as a
/// URI and the host decided on the parsed authority: user info
/// (`http://127.0.0.1:x@elsewhere`) is refused outright, as are a query or a
/// fragment, so what is checked is the host the request goes to.
pub(super) fn endpoint(raw: &str) -> Option<String> {
    let e = raw.trim_end_matches('/');
    let uri: ureq::http::Uri = e.parse().ok()?;
    let authority = uri.authority()?;
    if authority.as_str().contains('@') || uri.query().is_some() || e.contains('#') {
        return None;
    }
    let host = authority.host();
    if host.is_empty() {
        return None;
    }
    match uri.scheme_str()? {
        "https" => Some(e.to_string()),
        "http" => is_loopback(host).then(|| e.to_string()),
        _ => None,
    }
}

/// A loopback host as written in a URI authority (IPv6 in brackets).
fn is_loopback(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

/// `AZURE_ACCESS_TOKEN`, else `az account get-access-token`. Error
/// messages never contain the token (nor az's output on success).
pub(super) fn token(endpoint: &str) -> Result<Secret, String> {
    if let Ok(t) = std::env::var("AZURE_ACCESS_TOKEN")
        && !t.trim().is_empty()
    {
        return Ok(Secret::new(t.trim()));
    }
    let resource = format!("{endpoint}/");
    let out = std::process::Command::new("az")
        .args([
            "account",
            "get-access-token",
            "--resource",
            &resource,
            "--query",
            "accessToken",
            "--output",
            "tsv",
        ])
        .stdin(std::process::Stdio::null())
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(
                "AZURE_ACCESS_TOKEN is not set and the Azure CLI (`az`) is not installed"
                    .to_string(),
            );
        }
        Err(e) => {
            return Err(format!(
                "AZURE_ACCESS_TOKEN is not set and `az` could not run: {e}"
            ));
        }
    };
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !out.status.success() || text.is_empty() {
        let why = String::from_utf8_lossy(&out.stderr)
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no token returned")
            .trim()
            .to_string();
        return Err(format!(
            "AZURE_ACCESS_TOKEN is not set and `az account get-access-token` failed (not logged in?): {why}"
        ));
    }
    Ok(Secret::new(text))
}

/// Spans of rule and initiative ids, to point publish failures at source.
fn spans(
    sources: &SourceMap,
    packs: &[(crate::ir::Pack, FileId)],
) -> BTreeMap<(String, String), Span> {
    let mut out = BTreeMap::new();
    for (pack, file) in packs {
        let Some(src) = sources.get(*file) else {
            continue;
        };
        let (ast, _) = syntax::parse(*file, &src.text);
        for item in &ast.items {
            let id = match item {
                ast::Item::Rule(r) => &r.id,
                ast::Item::Initiative(i) => &i.id,
                ast::Item::Pack(_) | ast::Item::Placement(_) | ast::Item::Test(_) => continue,
            };
            out.insert((pack.id.clone(), id.name.clone()), id.span);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::endpoint;

    #[test]
    fn endpoints_are_https_or_http_on_loopback() {
        for ok in [
            "https://management.azure.com",
            "https://management.usgovcloudapi.net/",
            "http://127.0.0.1:8080",
            "http://localhost",
            "http://[::1]:9",
        ] {
            assert!(endpoint(ok).is_some(), "{ok}");
        }
        // Issue 13 item 1: user info used to hide the real host.
        for bad in [
            "http://127.0.0.1:x@192.0.2.2:18010",
            "http://localhost:@192.0.2.2",
            "http://[::1]@192.0.2.2",
            "https://user:pass@management.azure.com",
            "http://management.example",
            "http://127.0.0.1.example",
            "http://localhost.example:80",
            "ftp://127.0.0.1",
            "127.0.0.1:80",
            "https://",
            "http://127.0.0.1?x=@evil",
        ] {
            assert!(endpoint(bad).is_none(), "{bad}");
        }
    }
}
