//! `acrpc publish [PATHS…] --scope SCOPE [--env NAME]`: compile in memory,
//! read what exists, print the plan, apply it (definitions, initiatives,
//! assignments, their role assignments, exemptions; prunes last, in the
//! reverse order), then read back and confirm.

use super::build::{Inputs, compile_inputs, io_error};
use super::out::{self, say};
use super::{ExitStatus, Reporter};
use crate::diag::{Code, Diagnostic, FileId, SourceFile, SourceMap, Span};
use crate::emit::POLICY_API_VERSION;
use crate::publish::client::{Client, Event, Failure, RetryPolicy, Secret, UreqTransport};
use crate::publish::{
    Action, Desired, Item, Op, Scope, desired, diff, kind_label, mark_replacements, principal_of,
    prunable, prunable_role_assignments, render_plan, scope_of_path,
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
    /// Environment of the pack (`environment NAME { … }`) whose scope,
    /// enforcement mode and parameter values the assignments take.
    #[arg(long)]
    pub env: Option<String>,
    /// Delete what this pack made that it no longer emits: exemptions, role
    /// assignments, assignments, initiatives, definitions (in that order).
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
    /// `(pack, from a placement, source id)` → span of the rule,
    /// initiative, assignment or exemption id.
    spans: BTreeMap<SpanKey, Span>,
    /// An empty source named `acrpc publish`, for failures no rule caused
    /// (listing the scope for `--prune`).
    general: Span,
    scope: String,
}

/// Rules and initiatives, and assignments and exemptions, have separate
/// namespaces (an assignment is often named after its initiative).
type SpanKey = (String, bool, String);

impl Ctx<'_> {
    fn span_of(&self, pack: &str, kind: Item, source_id: &str) -> Span {
        self.spans
            .get(&(
                pack.to_string(),
                kind.from_placement(),
                source_id.to_string(),
            ))
            .copied()
            .unwrap_or(self.general)
    }

    fn span_of_desired(&self, w: &Desired) -> Span {
        self.span_of(&w.pack, w.kind, &w.source_id)
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
        env: args.env.clone(),
        today: Some(super::today()),
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
    let mut wanted: Vec<Desired> = packs
        .iter()
        .flat_map(|(p, _)| desired(p, &ctx.scope))
        .collect();
    // Apply order across packs too: every definition before any initiative, …
    wanted.sort_by_key(|w| w.kind);
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
    let plan = match read_plan(ctx, client, wanted, packs, args.prune) {
        Ok(p) => p,
        Err(status) => return status,
    };
    if let Err(u) = out::stdout(&render_plan(&plan.actions, &ctx.scope, &client.api_version)) {
        // Without the plan on screen, nothing may be applied.
        return u.status(ExitStatus::Error);
    }
    let changes: Vec<&Action> = plan.actions.iter().filter(|a| a.changes()).collect();
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
    let mut principals = plan.principals;
    if let Err(status) = apply(ctx, client, wanted, &changes, &mut principals) {
        return status;
    }
    verify(ctx, client, wanted, &changes, &principals)
}

/// The actions in apply order, and the principal of each existing
/// assignment identity that the plan keeps (`(pack, assignment id)` →
/// principal): its role assignments are compared and written with it.
struct Plan {
    actions: Vec<Action>,
    principals: Principals,
}

type Principals = BTreeMap<(String, String), String>;

/// GETs every wanted resource (and, with `prune`, lists what the packs may
/// own) and returns the actions in apply order.
fn read_plan(
    ctx: &Ctx,
    client: &Client,
    wanted: &[Desired],
    packs: &[&str],
    prune: bool,
) -> Result<Plan, ExitStatus> {
    let mut actions = Vec::new();
    let mut principals = Principals::new();
    for w in wanted {
        let api = w.kind.api_version(&client.api_version);
        let existing = client
            .get_at(&w.path(), api)
            .map_err(|f| failed(ctx, &f, "GET", w))?;
        let key = (w.pack.clone(), w.source_id.clone());
        let body = w.body_for(principals.get(&key).map(String::as_str));
        let op = diff(w.kind, &body, existing.as_ref());
        if w.kind == Item::Assignment
            && let Some(e) = &existing
        {
            // A new identity (type changed) gets a new principal on write.
            let identity_kept =
                !matches!(&op, Op::Update { fields, .. } if fields.iter().any(|f| f == "identity"));
            if let (true, Some(p)) = (identity_kept, principal_of(e)) {
                principals.insert(key, p);
            }
        }
        actions.push(Action::for_desired(w, op));
    }
    if prune {
        let warnings = list_prunes(ctx, client, wanted, packs, &mut actions)?;
        for (pack, new_id, old_id) in warnings {
            ctx.report(replaced_warning(ctx, &pack, &new_id, &old_id));
        }
    }
    Ok(Plan {
        actions,
        principals,
    })
}

/// Lists what the packs may own and appends the prunes, in prune order
/// (exemptions, role assignments, assignments, initiatives, definitions);
/// returns the definitions replaced by renamed rules.
///
/// Assignments and exemptions are listed at the publish scope and at each
/// scope the packs place them at now; role assignments, for each owned
/// assignment's principal, at that assignment's scope and at the scopes the
/// pack grants roles at now.
fn list_prunes(
    ctx: &Ctx,
    client: &Client,
    wanted: &[Desired],
    packs: &[&str],
    actions: &mut Vec<Action>,
) -> Result<Vec<(String, String, String)>, ExitStatus> {
    let policy_api = client.api_version.clone();
    let list = |kind: Item, scope: &str, filter: Option<&str>| {
        let path = format!(
            "{scope}/providers/Microsoft.Authorization/{}",
            kind.collection()
        );
        client
            .list_at(&path, filter, kind.api_version(&policy_api))
            .map_err(|f| failed_at(ctx, &f, "list", &path, None))
    };
    let mut placement_scopes: Vec<String> = vec![ctx.scope.clone()];
    for w in wanted
        .iter()
        .filter(|w| matches!(w.kind, Item::Assignment | Item::Exemption))
    {
        if !placement_scopes
            .iter()
            .any(|s| s.eq_ignore_ascii_case(&w.scope))
        {
            placement_scopes.push(w.scope.clone());
        }
    }
    // Each listing at the scope it was made at: what a scope inherits from
    // above is not pruned from there (`prunable`), but may be from its own.
    let listed = |kind: Item| -> Result<Vec<(String, Vec<Value>)>, ExitStatus> {
        placement_scopes
            .iter()
            .map(|s| Ok((s.clone(), list(kind, s, None)?)))
            .collect()
    };
    let prunes_of = |kind: Item, lists: &[(String, Vec<Value>)]| {
        let mut out: Vec<Action> = Vec::new();
        for (s, items) in lists {
            for a in prunable(items, kind, s, packs, wanted) {
                if !out.iter().any(|o| o.path.eq_ignore_ascii_case(&a.path)) {
                    out.push(a);
                }
            }
        }
        out
    };
    let exemptions = listed(Item::Exemption)?;
    let assignments = listed(Item::Assignment)?;
    let mut prunes = prunes_of(Item::Exemption, &exemptions);
    // Role assignments of every owned assignment at or below a listed scope.
    let mut owned: Vec<&Value> = Vec::new();
    for (s, items) in &assignments {
        let below = format!("{}/", s.to_ascii_lowercase());
        for a in items {
            let path = a.get("id").and_then(Value::as_str).unwrap_or_default();
            let fresh = !owned
                .iter()
                .any(|o| o.get("id").and_then(Value::as_str) == Some(path));
            if fresh && path.to_ascii_lowercase().starts_with(&below) {
                owned.push(a);
            }
        }
    }
    for a in owned {
        let (Some((pack, id)), Some(principal)) = (crate::publish::owner(a), principal_of(a))
        else {
            continue;
        };
        if !packs.contains(&pack) {
            continue;
        }
        let own_scope = a
            .get("id")
            .and_then(Value::as_str)
            .map_or(ctx.scope.as_str(), scope_of_path)
            .to_string();
        // A listing by principal at a subscription returns its role
        // assignments anywhere in it; at a management group, at and above.
        let mut scopes: Vec<String> = Vec::new();
        let wanted_scopes = wanted
            .iter()
            .filter(|w| w.kind == Item::RoleAssignment && w.pack == pack && w.source_id == id)
            .map(|w| w.scope.as_str());
        for s in std::iter::once(own_scope.as_str()).chain(wanted_scopes) {
            let s = subscription_of(s).unwrap_or(s).to_string();
            if !scopes.iter().any(|x| x.eq_ignore_ascii_case(&s)) {
                scopes.push(s);
            }
        }
        let filter = format!("principalId eq '{principal}'");
        let mut found = Vec::new();
        for s in &scopes {
            found.extend(list(Item::RoleAssignment, s, Some(&filter))?);
        }
        prunes.extend(prunable_role_assignments(
            &found, pack, id, &principal, wanted,
        ));
    }
    prunes.extend(prunes_of(Item::Assignment, &assignments));
    // Initiatives before definitions: a definition cannot go while a set refers to it.
    let custom = Some("policyType eq 'Custom'");
    let sets = list(Item::SetDefinition, &ctx.scope, custom)?;
    prunes.extend(prunable(
        &sets,
        Item::SetDefinition,
        &ctx.scope,
        packs,
        wanted,
    ));
    let definitions = list(Item::Definition, &ctx.scope, custom)?;
    prunes.extend(prunable(
        &definitions,
        Item::Definition,
        &ctx.scope,
        packs,
        wanted,
    ));
    actions.extend(prunes);
    Ok(mark_replacements(actions, wanted, &definitions))
}

/// `/subscriptions/<id>` of a scope inside a subscription.
fn subscription_of(scope: &str) -> Option<&str> {
    let rest = scope.strip_prefix("/subscriptions/")?;
    let end = rest
        .find('/')
        .map_or(scope.len(), |i| "/subscriptions/".len() + i);
    scope.get(..end)
}

/// W1020: a renamed rule's definition replaces the old one, which `--prune`
/// deletes; assignments of the old definition (outside this pack) lose it.
fn replaced_warning(ctx: &Ctx, pack: &str, new_id: &str, old_id: &str) -> Diagnostic {
    Diagnostic::new(
        Code::W1020,
        ctx.span_of(pack, Item::Definition, new_id),
        format!(
            "rule `{new_id}` replaces the published definition of `{old_id}` (a rule id names its definition): --prune deletes the old one"
        ),
    )
    .with_label("the new id")
    .with_help(format!(
        "assignments of the old definition that this pack does not manage (portal, other pipelines) are orphaned when it is deleted: reassign them to the new definition, or keep the id `{old_id}`"
    ))
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

fn verb(a: &Action) -> &'static str {
    match (&a.op, &a.replace) {
        (Op::Create, Some(crate::publish::Replace::Of(_))) => "replace",
        (Op::Create, _) => "create",
        (Op::Update { .. }, _) => "update",
        (Op::Recreate { .. }, _) => "recreate",
        (Op::Unchanged, _) => "keep",
        (Op::Prune, _) => "prune",
    }
}

fn past(a: &Action) -> &'static str {
    match verb(a) {
        "replace" => "created (replacing)",
        "create" => "created",
        "update" => "updated",
        "recreate" => "recreated",
        "prune" => "pruned",
        _ => "kept",
    }
}

/// The wanted resource an action writes (none for a prune).
fn wanted_for<'a>(wanted: &'a [Desired], a: &Action) -> Option<&'a Desired> {
    if a.op == Op::Prune {
        return None;
    }
    wanted
        .iter()
        .find(|w| w.kind == a.kind && w.path().eq_ignore_ascii_case(&a.path))
}

/// Applies the changes in order, with a progress line each. On a failure,
/// reports it against its source and lists what was and was not applied.
/// An assignment's write tells its identity's principal, which its role
/// assignments (after it) are written with.
fn apply(
    ctx: &Ctx,
    client: &Client,
    wanted: &[Desired],
    changes: &[&Action],
    principals: &mut Principals,
) -> Result<(), ExitStatus> {
    let n = changes.len();
    for (i, a) in changes.iter().enumerate() {
        let w = wanted_for(wanted, a);
        let principal = match (a.kind, w) {
            (Item::RoleAssignment, Some(w)) => {
                let key = (w.pack.clone(), w.source_id.clone());
                let Some(p) = principals.get(&key) else {
                    ctx.report(no_principal(ctx, w));
                    report_partial(changes, i, None, false);
                    return Err(ExitStatus::Error);
                };
                Some(p.clone())
            }
            _ => None,
        };
        let answer = match apply_one(client, a, w, principal.as_deref()) {
            Ok(answer) => answer,
            Err(stop) => {
                ctx.report(diagnostic(ctx, &stop.failure, stop.method, &stop.path, w));
                let unanswered = matches!(stop.failure, Failure::Transport { .. });
                report_partial(changes, i, stop.partly.as_deref(), unanswered);
                return Err(ExitStatus::Error);
            }
        };
        if let (Item::Assignment, Some(w)) = (a.kind, w) {
            // The answer holds the identity; an answer that is not JSON is
            // read again (the write succeeded).
            let read = match answer {
                Some(v) => Some(v),
                None => client
                    .get(&a.path)
                    .map_err(|f| failed_at(ctx, &f, "GET", &a.path, Some(w)))?,
            };
            if let Some(p) = read.as_ref().and_then(principal_of) {
                principals.insert((w.pack.clone(), w.source_id.clone()), p);
            }
        }
        say!("[{}/{n}] {} {}", i + 1, past(a), describe(a));
    }
    Ok(())
}

/// E1040: a role assignment needs its assignment identity's principal, and
/// Azure gave none.
fn no_principal(ctx: &Ctx, w: &Desired) -> Diagnostic {
    Diagnostic::new(
        Code::E1040,
        ctx.span_of_desired(w),
        format!(
            "the managed identity of assignment `{}` has no principalId, so its role assignment {} cannot be created",
            w.source_id, w.name
        ),
    )
    .with_label("the assignment")
    .with_help("Azure returns the principal of a system-assigned identity (and of a user-assigned one under `userAssignedIdentities`) when the assignment is written; check the assignment's `identity` in Azure, then publish again")
}

/// A change that failed: which request, why, and what of the change had
/// already reached Azure.
struct Stopped {
    failure: Failure,
    method: &'static str,
    path: String,
    /// What of the change was done before the request that failed.
    partly: Option<String>,
}

/// One change; the answer to the PUT when it is JSON. A new
/// `properties.version` is written as the versioned child first (Azure keeps
/// every version there), then on the definition itself, which Azure serves
/// as the latest version. A recreate deletes, then writes.
fn apply_one(
    client: &Client,
    a: &Action,
    w: Option<&Desired>,
    principal: Option<&str>,
) -> Result<Option<Value>, Box<Stopped>> {
    let api = a.kind.api_version(&client.api_version);
    let path = a.path.as_str();
    let stopped = |failure, method, path: &str, partly| {
        Box::new(Stopped {
            failure,
            method,
            path: path.to_string(),
            partly,
        })
    };
    let put = |body: &Value, partly: Option<String>| {
        client
            .put_at(path, body, api)
            .map_err(|f| stopped(f, "PUT", path, partly))
    };
    match (&a.op, w) {
        (Op::Prune, _) => client
            .delete_at(path, api)
            .map(|()| None)
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
                .put_at(&versioned, &w.body, api)
                .map_err(|f| stopped(f, "PUT", &versioned, None))?;
            let what = kind_label(a.kind);
            put(
                &w.body,
                Some(format!(
                    "version {v} was written, the {what} itself was not"
                )),
            )
        }
        (Op::Recreate { .. }, Some(w)) => {
            client
                .delete_at(path, api)
                .map_err(|f| stopped(f, "DELETE", path, None))?;
            put(
                &w.body_for(principal),
                Some("it was deleted and not created again".to_string()),
            )
        }
        (Op::Create | Op::Update { .. }, Some(w)) => put(&w.body_for(principal), None),
        _ => Ok(None),
    }
}

fn describe(a: &Action) -> String {
    let at = if a.kind.from_placement() {
        format!(" at {}", scope_of_path(&a.path))
    } else {
        String::new()
    };
    format!("{} {}/{}{at}", kind_label(a.kind), a.pack, a.id)
}

/// After a failure at `changes[at]`: exactly what reached Azure and what
/// did not, so the user knows the state Azure is in. `partly` says what of
/// the failed change was done; a request that got no answer (`unanswered`)
/// may or may not have been applied, and is listed as such.
fn report_partial(changes: &[&Action], at: usize, partly: Option<&str>, unanswered: bool) {
    let n = changes.len();
    let (done, rest) = changes.split_at(at.min(n));
    let Some((failed, after)) = rest.split_first() else {
        return;
    };
    say!("error: publish stopped at {}/{n}", at + 1);
    say!("applied ({}):", done.len());
    for a in done {
        say!("  {} {}", verb(a), describe(a));
    }
    if let Some(what) = partly {
        say!(
            "partly applied (1): {} {}: {what}",
            verb(failed),
            describe(failed),
        );
    }
    if unanswered {
        say!(
            "unknown (1): {} {}: no answer, Azure may or may not have applied it",
            verb(failed),
            describe(failed)
        );
    }
    let not_applied: Vec<&&Action> = if partly.is_some() || unanswered {
        after.iter().collect()
    } else {
        rest.iter().collect()
    };
    say!("not applied ({}):", not_applied.len());
    for a in not_applied {
        say!("  {} {}", verb(a), describe(a));
    }
    say!("Run the same publish again to finish: it applies only what is still missing.");
}

/// Reads every changed resource back and checks it now matches.
fn verify(
    ctx: &Ctx,
    client: &Client,
    wanted: &[Desired],
    changes: &[&Action],
    principals: &Principals,
) -> ExitStatus {
    let mut bad = 0;
    for a in changes {
        let w = wanted_for(wanted, a);
        let api = a.kind.api_version(&client.api_version);
        let read = match client.get_at(&a.path, api) {
            Ok(r) => r,
            Err(f) => {
                ctx.report(diagnostic(ctx, &f, "GET", &a.path, w));
                return ExitStatus::Error;
            }
        };
        let body = w.map(|w| {
            let key = (w.pack.clone(), w.source_id.clone());
            w.body_for(principals.get(&key).map(String::as_str))
        });
        let Some(problem) = read_back_problem(a.kind, body.as_ref(), read.as_ref()) else {
            continue;
        };
        bad += 1;
        let span = w.map_or_else(
            || ctx.span_of(&a.pack, a.kind, &a.id),
            |w| ctx.span_of_desired(w),
        );
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
    let count = |v: &[&str]| changes.iter().filter(|a| v.contains(&verb(a))).count();
    let text = format!(
        "Published to {}: {} created, {} updated, {} pruned; read back and confirmed.\n",
        ctx.scope,
        count(&["create", "replace"]),
        count(&["update", "recreate"]),
        count(&["prune"])
    );
    out::finish(&text, ExitStatus::Success)
}

/// What is wrong with a resource read back after applying (`want`: the body
/// written, `None` for a prune), if anything.
fn read_back_problem(kind: Item, want: Option<&Value>, read: Option<&Value>) -> Option<String> {
    match (want, read) {
        (None, None) => None,
        (None, Some(_)) => Some("still exists after the delete".to_string()),
        (Some(_), None) => Some("is missing after the write".to_string()),
        (Some(w), Some(r)) => match diff(kind, w, Some(r)) {
            Op::Unchanged => None,
            Op::Update { fields, .. } | Op::Recreate { fields, .. } => {
                Some(format!("differs in {}", fields.join(", ")))
            }
            _ => Some("differs".to_string()),
        },
    }
}

fn failed(ctx: &Ctx, f: &Failure, method: &str, w: &Desired) -> ExitStatus {
    failed_at(ctx, f, method, &w.path(), Some(w))
}

fn failed_at(ctx: &Ctx, f: &Failure, method: &str, path: &str, w: Option<&Desired>) -> ExitStatus {
    ctx.report(diagnostic(ctx, f, method, path, w));
    ExitStatus::Error
}

const RETRY_HELP: &str = "Azure is throttling or unavailable; wait and publish again (what was applied stays, the rerun does the rest)";

/// A failed request as a diagnostic: at the rule or initiative that
/// produced the resource, with ARM's error and what to do about it.
fn diagnostic(ctx: &Ctx, f: &Failure, method: &str, path: &str, w: Option<&Desired>) -> Diagnostic {
    let span = w.map_or(ctx.general, |w| ctx.span_of_desired(w));
    let what = w.map_or_else(
        || path.to_string(),
        |w| format!("{} `{}` ({})", kind_label(w.kind), w.id, w.name),
    );
    let (code, message, help) = match f {
        Failure::Status { status: status @ (401 | 403), arm, .. } => {
            let detail = arm.as_ref().map(|a| format!(": {}", a.render())).unwrap_or_default();
            let help = if *status == 401 {
                "the access token is missing, invalid or expired: refresh AZURE_ACCESS_TOKEN or run `az login` again".to_string()
            } else if w.is_some_and(|w| w.kind == Item::RoleAssignment) {
                format!(
                    "creating the role assignments of an assignment's identity needs Microsoft.Authorization/roleAssignments/write at {}, which Resource Policy Contributor does not grant: give the identity that publishes Role Based Access Control Administrator (constrained by a condition to the roles the pack grants) or User Access Administrator there (README, \"Publishing\")",
                    path
                )
            } else {
                format!(
                    "publishing needs the Resource Policy Contributor role (or Owner/Contributor) at {}: it grants Microsoft.Authorization/policyDefinitions/*, policySetDefinitions/*, policyAssignments/* and policyExemptions/*; ask an owner of the scope to assign it to the identity that publishes",
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
            "the resource comes from the item marked here; fix it (or report the ARM error if the pack compiles cleanly)".to_string(),
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
        d.with_label("it comes from here")
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

/// Spans of rule, initiative, assignment and exemption ids, to point
/// publish failures at source.
fn spans(sources: &SourceMap, packs: &[(crate::ir::Pack, FileId)]) -> BTreeMap<SpanKey, Span> {
    let mut out = BTreeMap::new();
    for (pack, file) in packs {
        let Some(src) = sources.get(*file) else {
            continue;
        };
        let (ast, _) = syntax::parse(*file, &src.text);
        for item in &ast.items {
            let (placement, id) = match item {
                ast::Item::Rule(r) => (false, &r.id),
                ast::Item::Initiative(i) => (false, &i.id),
                ast::Item::Placement(p) => (true, &p.id),
                ast::Item::Pack(_) | ast::Item::Test(_) => continue,
            };
            out.insert((pack.id.clone(), placement, id.name.clone()), id.span);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{endpoint, subscription_of};

    #[test]
    fn subscription_of_a_scope() {
        assert_eq!(
            subscription_of("/subscriptions/s1"),
            Some("/subscriptions/s1")
        );
        assert_eq!(
            subscription_of("/subscriptions/s1/resourceGroups/r/providers/X/y/z"),
            Some("/subscriptions/s1")
        );
        assert_eq!(
            subscription_of("/providers/Microsoft.Management/managementGroups/mg"),
            None
        );
    }

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
