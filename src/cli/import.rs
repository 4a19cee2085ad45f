//! `acrpc import [PATHS…] [--out DIR] [--pack NAME]`, `--from-azure --scope S`
//! and `--builtin NAME|ID`: reads policy JSON (files, or Azure through the
//! same client, token handling and retries as publish), imports it with
//! `crate::import`, and writes one pack folder per input folder
//! (`<out>/<pack>/<pack>.acrp` and its `templates/`), all or nothing.

use super::build::io_error;
use super::out;
use super::publish::{endpoint, token};
use super::{ExitStatus, Reporter};
use crate::diag::{Code, SourceFile, SourceMap, did_you_mean, has_errors};
use crate::emit::POLICY_API_VERSION;
use crate::import::{self, ImportedPack, Options};
use crate::publish::Scope;
use crate::publish::client::{Client, Failure};
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// Policy JSON files, or directories to search for `*.json`.
    pub paths: Vec<PathBuf>,
    /// Where the pack folders go.
    #[arg(long, short, default_value = ".")]
    pub out: PathBuf,
    /// One pack with this id for everything imported (default: one per input folder).
    #[arg(long)]
    pub pack: Option<String>,
    /// Import the custom definitions at `--scope` from Azure.
    #[arg(long)]
    pub from_azure: bool,
    /// With `--from-azure`: `/subscriptions/<id>` or
    /// `/providers/Microsoft.Management/managementGroups/<mg>`.
    #[arg(long)]
    pub scope: Option<String>,
    /// Import a built-in definition by display name or name (GUID); repeatable.
    #[arg(long = "builtin", value_name = "NAME|ID")]
    pub builtins: Vec<String>,
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

/// Input files that become one pack.
struct Group {
    label: String,
    files: Vec<(String, String)>,
}

pub fn run(args: &ImportArgs, reporter: &Reporter) -> ExitStatus {
    let mut sources = SourceMap::default();
    let mut fail = |code: Code, what: &str, msg: String, help: &str| {
        let d = io_error(&mut sources, code, what, msg).with_help(help);
        reporter.report(&[d], &sources);
        ExitStatus::Error
    };
    if args.paths.is_empty() && !args.from_azure && args.builtins.is_empty() {
        return fail(
            Code::E1208,
            "acrpc import",
            "nothing to import".into(),
            "give policy JSON files or folders, `--from-azure --scope <scope>`, or `--builtin <name>`",
        );
    }
    if let Some(p) = &args.pack
        && import::kebab(p, "") != *p
    {
        return fail(
            Code::E1208,
            "--pack",
            format!("`{p}` is not a pack id"),
            "pack ids are lower-case kebab-case (`acr-imported`)",
        );
    }
    let mut groups = match read_paths(&args.paths) {
        Ok(g) => g,
        Err(ReadError::Io(path, e)) => {
            return fail(
                Code::E0901,
                &path,
                format!("cannot read `{path}`: {e}"),
                "check the path",
            );
        }
        Err(ReadError::TooLarge(path, what)) => {
            // Bad input, not an I/O failure: exit 1, like E1201/E1218.
            let _ = fail(
                Code::E1219,
                &path,
                format!("`{path}`: {what}"),
                "import reads policy JSON: split the input (one file per definition or set, or a folder of them)",
            );
            return ExitStatus::Failure;
        }
    };
    if args.from_azure || !args.builtins.is_empty() {
        match from_azure(args) {
            Ok(g) => groups.push(g),
            Err(d) => {
                let d = *d;
                let mut s = SourceMap::default();
                let (code, what, msg, help) = d;
                let diag = io_error(&mut s, code, &what, msg).with_help(help);
                reporter.report(&[diag], &s);
                return ExitStatus::Error;
            }
        }
    }
    if let Some(p) = &args.pack {
        let files = groups.drain(..).flat_map(|g| g.files).collect();
        groups.push(Group {
            label: p.clone(),
            files,
        });
    }
    import_groups(args, groups, reporter)
}

fn import_groups(args: &ImportArgs, groups: Vec<Group>, reporter: &Reporter) -> ExitStatus {
    let mut sources = SourceMap::default();
    let mut packs: Vec<ImportedPack> = Vec::new();
    let mut failed = false;
    for g in groups {
        let ids: Vec<_> = g
            .files
            .into_iter()
            .map(|(n, t)| sources.add(SourceFile::new(n, t)))
            .collect();
        let opts = Options {
            pack: args.pack.clone(),
            label: g.label.clone(),
        };
        let out = import::import(&sources, &ids, &opts);
        reporter.report(&out.diagnostics, &sources);
        failed |= has_errors(&out.diagnostics);
        match out.pack {
            Some(p) if packs.iter().any(|q| q.id == p.id) => {
                let d = io_error(
                    &mut sources,
                    Code::E1207,
                    &g.label,
                    format!("two inputs would both write the pack `{}`", p.id),
                )
                .with_help("import them together with `--pack <id>`, or one at a time");
                reporter.report(&[d], &sources);
                failed = true;
            }
            Some(p) => packs.push(p),
            None if !has_errors(&out.diagnostics) => {
                let d = io_error(
                    &mut sources,
                    Code::E1208,
                    &g.label,
                    format!("no definition in `{}` could be imported", g.label),
                )
                .with_help("the warnings above say why for each definition");
                reporter.report(&[d], &sources);
                failed = true;
            }
            None => {}
        }
    }
    for p in &packs {
        let dir = args.out.join(&p.id);
        if dir.exists() {
            let d = io_error(
                &mut sources,
                Code::E1207,
                &dir.display().to_string(),
                format!(
                    "`{}` already exists; import never overwrites",
                    dir.display()
                ),
            )
            .with_help("choose another `--out` or `--pack`, or move the folder away");
            reporter.report(&[d], &sources);
            failed = true;
        }
    }
    // Nothing half-written: any problem above stops every write.
    if failed {
        return ExitStatus::Failure;
    }
    for p in &packs {
        if let Err(e) = write_pack(&args.out, p) {
            let d = io_error(
                &mut sources,
                Code::E0901,
                &args.out.display().to_string(),
                e,
            );
            reporter.report(&[d], &sources);
            return ExitStatus::Error;
        }
        let sets = match p.initiatives {
            0 => String::new(),
            1 => " and 1 initiative".to_string(),
            n => format!(" and {n} initiatives"),
        };
        let line = format!(
            "imported {} definition{}{sets} into {}\n",
            p.rules,
            if p.rules == 1 { "" } else { "s" },
            args.out
                .join(&p.id)
                .join(format!("{}.acrp", p.id))
                .display()
        );
        if let Err(u) = out::stdout(&line) {
            return u.status(ExitStatus::Success);
        }
    }
    ExitStatus::Success
}

/// Writes the pack folder beside a staging copy, then renames it into place.
fn write_pack(out: &Path, p: &ImportedPack) -> Result<(), String> {
    fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let stage = out.join(format!(".acrpc-import-{}-{}", std::process::id(), p.id));
    let _ = fs::remove_dir_all(&stage);
    let write = || -> std::io::Result<()> {
        fs::create_dir_all(&stage)?;
        fs::write(stage.join(format!("{}.acrp", p.id)), &p.text)?;
        for (path, text) in &p.templates {
            let f = stage.join(path);
            if let Some(parent) = f.parent() {
                fs::create_dir_all(parent)?;
            }
            fs::write(f, format!("{text}\n"))?;
        }
        fs::rename(&stage, out.join(&p.id))
    };
    let result = write().map_err(|e| format!("cannot write {}: {e}", out.join(&p.id).display()));
    let _ = fs::remove_dir_all(&stage);
    result
}

/// The largest input file import reads (all of Azure's built-in definitions
/// and sets as one `az policy definition list` answer are a few tens of
/// MB): a guard against reading a device or a runaway file into memory.
const MAX_FILE_BYTES: u64 = 128 << 20;
/// The most all input files together may hold.
const MAX_TOTAL_BYTES: u64 = 512 << 20;

enum ReadError {
    Io(String, String),
    TooLarge(String, String),
}

/// Reads at most `MAX_FILE_BYTES` (+1, to know there was more).
fn read_limited(f: &Path) -> Result<Vec<u8>, ReadError> {
    use std::io::Read;
    let shown = || f.display().to_string();
    let file = fs::File::open(f).map_err(|e| ReadError::Io(shown(), e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::Io(shown(), e.to_string()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge(
            shown(),
            format!(
                "more than {} MiB, the most import reads from one file",
                MAX_FILE_BYTES >> 20
            ),
        ));
    }
    Ok(bytes)
}

/// One group per folder given (named after it), and one per folder of the
/// files given.
fn read_paths(paths: &[PathBuf]) -> Result<Vec<Group>, ReadError> {
    let mut total: u64 = 0;
    let mut groups: Vec<Group> = Vec::new();
    let label_of = |p: &Path| {
        p.canonicalize()
            .ok()
            .and_then(|c| c.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "imported".into())
    };
    for path in paths {
        let shown = path.display().to_string();
        let (label, files) = if path.is_dir() {
            let mut files = Vec::new();
            for e in walkdir::WalkDir::new(path).sort_by_file_name() {
                let e = e.map_err(|e| ReadError::Io(shown.clone(), e.to_string()))?;
                if e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "json") {
                    files.push(e.path().to_path_buf());
                }
            }
            (label_of(path), files)
        } else {
            let parent = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            (label_of(parent), vec![path.clone()])
        };
        let mut read = Vec::new();
        for f in files {
            let bytes = read_limited(&f)?;
            total += bytes.len() as u64;
            if total > MAX_TOTAL_BYTES {
                return Err(ReadError::TooLarge(
                    f.display().to_string(),
                    format!(
                        "the inputs hold more than {} MiB, the most one import reads",
                        MAX_TOTAL_BYTES >> 20
                    ),
                ));
            }
            // Not UTF-8 is reported by import as "not JSON".
            read.push((
                f.display().to_string(),
                String::from_utf8_lossy(&bytes).into_owned(),
            ));
        }
        match groups.iter_mut().find(|g| g.label == label) {
            Some(g) => g.files.extend(read),
            None => groups.push(Group { label, files: read }),
        }
    }
    Ok(groups)
}

type Problem = Box<(Code, String, String, String)>;

fn problem(code: Code, what: &str, msg: String, help: &str) -> Problem {
    Box::new((code, what.to_string(), msg, help.to_string()))
}

const DEFINITIONS: &str = "/providers/Microsoft.Authorization/policyDefinitions";

/// The definitions (and set definitions) asked for from Azure, each as the
/// JSON text of its ARM GET body, named by its id.
fn from_azure(args: &ImportArgs) -> Result<Group, Problem> {
    let Some(endpoint) = endpoint(&args.endpoint) else {
        return Err(problem(
            Code::E0708,
            "--endpoint",
            format!("`{}` is not an https endpoint", args.endpoint),
            "the token is sent to this endpoint: use https (plain http only for 127.0.0.1, localhost or [::1])",
        ));
    };
    let scope = match (
        args.from_azure,
        args.scope.as_deref().map(|s| (s, Scope::parse(s))),
    ) {
        (true, None) => {
            return Err(problem(
                Code::E0701,
                "--scope",
                "`--from-azure` needs `--scope`".into(),
                "give `--scope /subscriptions/<id>` or `--scope /providers/Microsoft.Management/managementGroups/<mg>`",
            ));
        }
        (_, Some((s, None))) => {
            return Err(problem(
                Code::E0701,
                "--scope",
                format!("`{s}` is not a subscription or management group scope"),
                "give `--scope /subscriptions/<id>` or `--scope /providers/Microsoft.Management/managementGroups/<mg>`",
            ));
        }
        (_, Some((_, Some(s)))) => Some(s),
        (false, None) => None,
    };
    let token = token(&endpoint).map_err(|msg| {
        problem(
            Code::E0702,
            "acrpc import",
            msg,
            "set AZURE_ACCESS_TOKEN (e.g. from `az account get-access-token`), or install the Azure CLI and run `az login`",
        )
    })?;
    let items = super::publish::with_client(
        endpoint,
        args.api_version.clone(),
        token,
        args.timeout,
        args.verbose,
        |client| -> Result<Vec<Value>, Problem> {
            let mut items = Vec::new();
            if args.from_azure
                && let Some(s) = &scope
            {
                let base = s.path();
                for collection in ["policyDefinitions", "policySetDefinitions"] {
                    let path = format!("{base}/providers/Microsoft.Authorization/{collection}");
                    let listed = client
                        .list(&path, "policyType eq 'Custom'")
                        .map_err(|f| failure(&f, &path))?;
                    // ARM lists what is visible at a scope, including definitions
                    // inherited from above; import what lives at the scope itself.
                    items.extend(listed.into_iter().filter(|v| {
                        v.get("id").and_then(Value::as_str).is_some_and(|id| {
                            id.to_ascii_lowercase()
                                .starts_with(&format!("{}/", base.to_ascii_lowercase()))
                        })
                    }));
                }
            }
            let mut all_builtins: Option<Vec<Value>> = None;
            for b in &args.builtins {
                items.push(builtin(client, b, &mut all_builtins)?);
            }
            Ok(items)
        },
    )?;
    let files = items
        .into_iter()
        .map(|v| {
            let name = v
                .get("id")
                .and_then(Value::as_str)
                .map_or_else(|| "azure".to_string(), |id| format!("azure:{id}"));
            (name, serde_json::to_string_pretty(&v).unwrap_or_default())
        })
        .collect();
    let label = match &scope {
        Some(Scope::Subscription(id)) => format!("subscription-{id}"),
        Some(Scope::ManagementGroup(mg)) => mg.clone(),
        None => "azure-builtins".into(),
    };
    Ok(Group { label, files })
}

fn is_guid(s: &str) -> bool {
    s.len() == 36
        && s.chars().enumerate().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// A built-in by name (GUID) or by display name (case-insensitive).
fn builtin(client: &Client, wanted: &str, all: &mut Option<Vec<Value>>) -> Result<Value, Problem> {
    if is_guid(wanted) {
        let path = format!("{DEFINITIONS}/{wanted}");
        return match client.get(&path) {
            Ok(Some(v)) => Ok(v),
            Ok(None) => Err(problem(
                Code::E1210,
                "--builtin",
                format!("there is no built-in policy definition `{wanted}`"),
                "give the name (GUID) or the display name of a built-in definition",
            )),
            Err(f) => Err(failure(&f, &path)),
        };
    }
    if all.is_none() {
        let listed = client
            .list(DEFINITIONS, "policyType eq 'BuiltIn'")
            .map_err(|f| failure(&f, DEFINITIONS))?;
        *all = Some(listed);
    }
    let list = all.as_deref().unwrap_or_default();
    let display = |v: &Value| {
        v.get("properties")
            .and_then(|p| p.get("displayName"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    if let Some(v) = list
        .iter()
        .find(|v| display(v).eq_ignore_ascii_case(wanted))
    {
        return Ok(v.clone());
    }
    let names: Vec<String> = list.iter().map(display).collect();
    let help = match did_you_mean(wanted, names.iter().map(String::as_str)) {
        Some(s) => format!("did you mean \"{s}\"?"),
        None => "give the name (GUID) or the exact display name of a built-in definition".into(),
    };
    Err(problem(
        Code::E1210,
        "--builtin",
        format!("no built-in policy definition is named \"{wanted}\""),
        &help,
    ))
}

fn failure(f: &Failure, path: &str) -> Problem {
    let (code, msg) = match f {
        Failure::Status {
            status: s @ (401 | 403),
            arm,
            ..
        } => (
            Code::E0703,
            format!(
                "GET {path}: HTTP {s}{}",
                arm.as_ref()
                    .map(|a| format!(": {}", a.render()))
                    .unwrap_or_default()
            ),
        ),
        f if f.exhausted() => (Code::E0705, format!("GET {path}: {}", describe(f))),
        f => (Code::E1209, format!("GET {path}: {}", describe(f))),
    };
    problem(
        code,
        "acrpc import",
        msg,
        "check --scope, --endpoint and the token's permissions (Reader is enough)",
    )
}

fn describe(f: &Failure) -> String {
    match f {
        Failure::Status {
            status,
            arm,
            attempts,
        } => format!(
            "HTTP {status} after {attempts} attempt(s){}",
            arm.as_ref()
                .map(|a| format!(": {}", a.render()))
                .unwrap_or_default()
        ),
        Failure::Transport { message, attempts } => {
            format!("{message} (after {attempts} attempt(s))")
        }
        Failure::ForeignLink(l) => format!("a nextLink to another host was not followed: {l}"),
        Failure::BadBody(e) => format!("the answer is not JSON: {e}"),
        Failure::Paging(e) => e.clone(),
    }
}
