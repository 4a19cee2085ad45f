//! `acrpc check`: reads rules and inputs, runs `check::run`, prints a report.

use super::files::{WriteError, write_output};
use super::{ExitStatus, Reporter};
use crate::check::{self, Input, Settings, report};
use crate::compile::compile_file;
use crate::diag::{Code, Diagnostic, SourceFile, SourceMap, Span, has_errors};
use crate::eval::{self, Rule, Verdict};
use crate::inputs::{self, Format, Problem, ProblemCode, arm::ArmOptions, suppress};
use crate::ir::Severity;
use crate::sema::Options;
use clap::ValueEnum;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// ARM templates (or Bicep-compiled JSON), resource exports or Terraform
    /// plans; directories are searched for `.json` files.
    pub inputs: Vec<PathBuf>,
    /// A `checker.json` written by `acrpc build` (repeatable).
    #[arg(long)]
    pub rules: Vec<PathBuf>,
    /// A rule pack (`.acrp`), compiled in memory (repeatable).
    #[arg(long)]
    pub pack: Vec<PathBuf>,
    /// An Azure Policy definition file (`{name, properties: {policyRule}}`
    /// or a bare `{policyRule}`), e.g. a built-in (repeatable).
    #[arg(long)]
    pub policy: Vec<PathBuf>,
    /// The report format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Write the report to this file instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Exit 1 only for findings of this severity or above.
    #[arg(long, value_enum, default_value_t = FailOn::Low)]
    pub fail_on: FailOn,
    /// Exit 1 also when a verdict is unknown.
    #[arg(long)]
    pub fail_on_unknown: bool,
    /// A policy parameter value for every rule that declares it:
    /// `NAME=VALUE`, VALUE read as JSON when it parses (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// An ARM parameters file for the templates.
    #[arg(long)]
    pub parameters: Option<PathBuf>,
    /// Subscription id, for `subscription()` and resource ids.
    #[arg(long)]
    pub subscription: Option<String>,
    /// Resource group name, for `resourceGroup()` and resource ids.
    #[arg(long)]
    pub resource_group: Option<String>,
    /// The resource group's location, for `resourceGroup().location`.
    #[arg(long)]
    pub location: Option<String>,
    /// Read every input as this format instead of detecting it.
    #[arg(long, value_enum, default_value_t = InputFormat::Auto)]
    pub input_format: InputFormat,
    /// Glob of files to take when walking directories (repeatable; `*`, `**`, `?`).
    #[arg(long)]
    pub include: Vec<String>,
    /// Glob of files to skip when walking directories (repeatable).
    #[arg(long)]
    pub exclude: Vec<String>,
    /// The date suppressions expire against (YYYY-MM-DD; default today, UTC).
    #[arg(long)]
    pub today: Option<String>,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ReportFormat {
    Text,
    Json,
    Sarif,
    Junit,
    Markdown,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum FailOn {
    Low,
    Medium,
    High,
    Critical,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum InputFormat {
    Auto,
    Arm,
    Export,
    Terraform,
}

pub fn run(args: &CheckArgs, reporter: &Reporter) -> ExitStatus {
    let mut sources = SourceMap::default();
    let mut diags = Vec::new();
    let settings = match settings(args, &mut sources, &mut diags) {
        Some(s) => s,
        None => return fail(reporter, &diags, &sources),
    };
    let Some(rules) = load_rules(args, &mut sources, &mut diags) else {
        return fail(reporter, &diags, &sources);
    };
    let Some(files) = input_files(args, &mut sources, &mut diags) else {
        return fail(reporter, &diags, &sources);
    };
    let opts = ArmOptions {
        parameters: match read_json(args.parameters.as_deref(), &mut sources, &mut diags) {
            Ok(p) => p,
            Err(()) => return fail(reporter, &diags, &sources),
        },
        subscription_id: args.subscription.clone(),
        resource_group: args.resource_group.clone(),
        location: args.location.clone(),
    };
    let forced = match args.input_format {
        InputFormat::Auto => None,
        InputFormat::Arm => Some(Format::Arm),
        InputFormat::Export => Some(Format::Export),
        InputFormat::Terraform => Some(Format::Terraform),
    };
    let read = read_paths(args, &files);
    let mut inputs = Vec::new();
    for path in files {
        if let Some(input) = load_input(&path, forced, &opts, &mut sources, &mut diags) {
            inputs.push(input);
        }
    }
    reporter.report(&diags, &sources);
    if has_errors(&diags) {
        return ExitStatus::Error;
    }
    let report = check::run(rules, inputs, &settings);
    let text = match args.format {
        ReportFormat::Text => report::text(&report),
        ReportFormat::Json => report::json(&report),
        ReportFormat::Sarif => report::sarif(&report),
        ReportFormat::Junit => report::junit(&report),
        ReportFormat::Markdown => report::markdown(&report),
    };
    if let Err(e) = emit(args.output.as_deref(), &text, &read) {
        // Standard output's failure was reported where it happened.
        if let Some(out) = &args.output {
            let d = super::build::write_error(&mut sources, out, &e);
            reporter.report(&[d], &sources);
        }
        return ExitStatus::Error;
    }
    exit_status(&report, args)
}

fn fail(reporter: &Reporter, diags: &[Diagnostic], sources: &SourceMap) -> ExitStatus {
    reporter.report(diags, sources);
    ExitStatus::Error
}

fn exit_status(report: &check::Report, args: &CheckArgs) -> ExitStatus {
    let floor = match args.fail_on {
        FailOn::Low => Severity::Low,
        FailOn::Medium => Severity::Medium,
        FailOn::High => Severity::High,
        FailOn::Critical => Severity::Critical,
    };
    let failing = report.results.iter().any(|r| {
        let severe = report.rule(r).severity >= floor;
        severe && (r.is_finding() || (args.fail_on_unknown && r.verdict == Verdict::Unknown))
    });
    if failing {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    }
}

/// Writes the report: to a file (never over an input, see
/// `files::write_output`), or to standard output.
fn emit(path: Option<&Path>, text: &str, inputs: &[PathBuf]) -> Result<(), WriteError> {
    let Some(path) = path else {
        // A closed pipe (`| head`) ends the report quietly; any other failure
        // (a full disk) is an error: a report that was not written must fail.
        return match super::out::stdout(text) {
            Ok(()) | Err(super::out::Unwritten::Closed) => Ok(()),
            Err(super::out::Unwritten::Failed) => Err(WriteError::Io(
                "cannot write the report to standard output".to_string(),
            )),
        };
    };
    write_output(path, text, inputs)
}

/// Every file `check` reads: the report must not replace one of them.
fn read_paths(args: &CheckArgs, files: &[PathBuf]) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = files.to_vec();
    out.extend(args.rules.iter().cloned());
    out.extend(args.pack.iter().cloned());
    out.extend(args.policy.iter().cloned());
    out.extend(args.parameters.iter().cloned());
    out
}

fn settings(
    args: &CheckArgs,
    sources: &mut SourceMap,
    diags: &mut Vec<Diagnostic>,
) -> Option<Settings> {
    let mut overrides = Map::new();
    for p in &args.params {
        match p.split_once('=') {
            Some((name, value)) if !name.trim().is_empty() => {
                let v = serde_json::from_str(value)
                    .unwrap_or_else(|_| Value::String(value.to_string()));
                overrides.insert(name.trim().to_string(), v);
            }
            _ => {
                let id = sources.add(SourceFile::new("--param", p));
                diags.push(
                    Diagnostic::new(
                        Code::E0508,
                        Span::new(id, 0, p.len()),
                        format!("`--param {p}` is not NAME=VALUE"),
                    )
                    .with_help(
                        "write `--param effect=Deny` or `--param 'allowedSkus=[\"Premium\"]'`",
                    ),
                );
            }
        }
    }
    if let Some(t) = &args.today
        && !suppress::is_date(t)
    {
        let id = sources.add(SourceFile::new("--today", t));
        diags.push(
            Diagnostic::new(
                Code::E0508,
                Span::new(id, 0, t.len()),
                format!("`--today {t}` is not a date"),
            )
            .with_help("write the date as YYYY-MM-DD"),
        );
    }
    if has_errors(diags) {
        return None;
    }
    Some(Settings {
        overrides,
        subscription_id: args.subscription.clone(),
        resource_group: args.resource_group.clone(),
        today: args.today.clone().unwrap_or_else(suppress::today),
    })
}

/// The rules: `--rules`, `--pack`, `--policy`, or the bundled baseline.
fn load_rules(
    args: &CheckArgs,
    sources: &mut SourceMap,
    diags: &mut Vec<Diagnostic>,
) -> Option<Vec<Rule>> {
    let mut rules = Vec::new();
    if args.rules.is_empty() && args.pack.is_empty() && args.policy.is_empty() {
        return Some(check::bundled_rules());
    }
    for path in &args.rules {
        let doc = read_json(Some(path), sources, diags).ok()??;
        let name = path.display().to_string();
        match eval::from_checker(&doc, &name) {
            Ok(r) => rules.extend(r),
            Err(e) => diags.push(unusable(sources, &name, &e.0)),
        }
    }
    for path in &args.policy {
        let doc = read_json(Some(path), sources, diags).ok()??;
        let name = path.display().to_string();
        match eval::from_definition(&doc, &name) {
            Ok(r) => rules.extend(r),
            Err(e) => diags.push(unusable(sources, &name, &e.0)),
        }
    }
    for path in &args.pack {
        let name = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                diags.push(read_failed(sources, &name, &e.to_string()));
                continue;
            }
        };
        let id = sources.add(SourceFile::new(&name, &text));
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let templates = super::files::DirTemplates { base };
        rules.extend(pack_rules(sources, id, &templates, &name, diags).unwrap_or_default());
    }
    (!has_errors(diags)).then_some(rules)
}

fn pack_rules(
    sources: &SourceMap,
    id: crate::diag::FileId,
    templates: &dyn crate::sema::Templates,
    name: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Vec<Rule>> {
    let compiled = compile_file(sources, id, templates, &Options::default());
    diags.extend(compiled.diagnostics.iter().cloned());
    compiled
        .pack
        .as_ref()
        .map(|pack| eval::from_pack(pack, name))
}

fn unusable(sources: &mut SourceMap, name: &str, why: &str) -> Diagnostic {
    let id = sources.add(SourceFile::new(name, ""));
    Diagnostic::new(Code::E0507, Span::new(id, 0, 0), format!("`{name}` cannot be used as rules: {why}"))
        .with_help("give --rules a checker.json from `acrpc build`, --policy a policy definition, --pack an .acrp file")
}

fn read_failed(sources: &mut SourceMap, name: &str, e: &str) -> Diagnostic {
    let id = sources.add(SourceFile::new(name, ""));
    Diagnostic::new(
        Code::E0901,
        Span::new(id, 0, 0),
        format!("cannot read `{name}`: {e}"),
    )
}

/// Reads and parses a JSON file; `Ok(None)` when no path is given.
fn read_json(
    path: Option<&Path>,
    sources: &mut SourceMap,
    diags: &mut Vec<Diagnostic>,
) -> Result<Option<Value>, ()> {
    let Some(path) = path else { return Ok(None) };
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| diags.push(read_failed(sources, &name, &e.to_string())))?;
    match serde_json::from_str(text.trim_start_matches('\u{feff}')) {
        Ok(v) => Ok(Some(v)),
        Err(e) => {
            let id = sources.add(SourceFile::new(&name, &text));
            let offset = inputs::json_error_offset(&text, &e);
            diags.push(Diagnostic::new(
                Code::E0501,
                Span::new(id, offset, offset),
                format!("`{name}` is not valid JSON: {e}"),
            ));
            Err(())
        }
    }
}

/// The input files: files as given, directories walked for `.json` (and
/// `.bicep`, to say they need compiling), filtered by the globs.
fn input_files(
    args: &CheckArgs,
    sources: &mut SourceMap,
    diags: &mut Vec<Diagnostic>,
) -> Option<Vec<PathBuf>> {
    let globs = match Globs::new(&args.include, &args.exclude) {
        Ok(g) => g,
        Err((pattern, why)) => {
            let id = sources.add(SourceFile::new(
                format!("--include/--exclude {pattern}"),
                "",
            ));
            diags.push(
                Diagnostic::new(
                    Code::E0034,
                    Span::new(id, 0, 0),
                    format!("`{pattern}` is not a valid glob: {why}"),
                )
                .with_help("globs use `*`, `**`, `?`, `[abc]` and `{a,b}`; `acrpc explain E0034`"),
            );
            return None;
        }
    };
    let mut out = Vec::new();
    for p in &args.inputs {
        let meta = match std::fs::metadata(p) {
            Ok(m) => m,
            Err(e) => {
                diags.push(read_failed(
                    sources,
                    &p.display().to_string(),
                    &e.to_string(),
                ));
                continue;
            }
        };
        if !meta.is_dir() {
            out.push(p.clone());
            continue;
        }
        for entry in walkdir::WalkDir::new(p)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
        {
            let path = entry.path();
            let rel = path
                .strip_prefix(p)
                .unwrap_or(path)
                .to_string_lossy()
                .replace('\\', "/");
            let is_input = path
                .extension()
                .is_some_and(|x| x == "json" || x == "bicep");
            if entry.file_type().is_file() && is_input && globs.selected(&rel) {
                out.push(path.to_path_buf());
            }
        }
    }
    if has_errors(diags) {
        return None;
    }
    if out.is_empty() {
        let shown: Vec<String> = args
            .inputs
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        let id = sources.add(SourceFile::new(shown.join(", "), ""));
        diags.push(
            Diagnostic::new(Code::E0509, Span::new(id, 0, 0), "no input files to check".to_string())
                .with_help("give ARM templates, resource exports or Terraform plans (JSON), or directories that contain them"),
        );
        return None;
    }
    Some(out)
}

/// The `--include` and `--exclude` globs, compiled once. Matching is
/// `globset`'s (linear in the path; issue 13 item 15: the hand-written
/// backtracking matcher took over 30 s on 25 `*` against a 200-character
/// name).
pub struct Globs {
    include: Option<globset::GlobSet>,
    exclude: globset::GlobSet,
}

impl Globs {
    /// `Err((pattern, why))` for the first pattern that is not a glob.
    pub fn new(include: &[String], exclude: &[String]) -> Result<Globs, (String, String)> {
        Ok(Globs {
            include: if include.is_empty() {
                None
            } else {
                Some(glob_set(include)?)
            },
            exclude: glob_set(exclude)?,
        })
    }

    /// `rel`: the path below the walked directory, with `/` separators.
    pub fn selected(&self, rel: &str) -> bool {
        self.include.as_ref().is_none_or(|g| g.is_match(rel)) && !self.exclude.is_match(rel)
    }
}

/// `**` any path, `*` any run without `/`, `?` one character other than
/// `/`; a pattern without `/` matches the file name at any depth.
fn glob_set(patterns: &[String]) -> Result<globset::GlobSet, (String, String)> {
    let mut set = globset::GlobSetBuilder::new();
    for p in patterns {
        let full = if p.contains('/') {
            p.clone()
        } else {
            format!("**/{p}")
        };
        let glob = globset::GlobBuilder::new(&full)
            .literal_separator(true)
            .backslash_escape(true)
            .build()
            .map_err(|e| (p.clone(), e.kind().to_string()))?;
        set.add(glob);
    }
    set.build().map_err(|e| (patterns.join(" "), e.to_string()))
}

fn load_input(
    path: &Path,
    forced: Option<Format>,
    opts: &ArmOptions,
    sources: &mut SourceMap,
    diags: &mut Vec<Diagnostic>,
) -> Option<Input> {
    let name = path.display().to_string();
    let text = match std::fs::read(path) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) => {
            diags.push(read_failed(sources, &name, &e.to_string()));
            return None;
        }
    };
    let loaded = inputs::load(&name, &text, forced, opts);
    let id = sources.add(SourceFile::new(&name, &text));
    for p in &loaded.problems {
        diags.push(problem_diagnostic(p, id, &text));
    }
    Some(Input {
        file: name,
        format: loaded.format.map_or("unknown", Format::as_str),
        resources: loaded.resources,
        text,
    })
}

fn problem_diagnostic(p: &Problem, file: crate::diag::FileId, text: &str) -> Diagnostic {
    let code = match p.code {
        ProblemCode::NotJson => Code::E0501,
        ProblemCode::UnknownFormat => Code::E0502,
        ProblemCode::BicepSource => Code::E0503,
        ProblemCode::ParametersFileAsInput => Code::E0504,
        ProblemCode::InvalidExpression => Code::E0505,
        ProblemCode::ResourceWithoutType => Code::E0506,
        ProblemCode::ParameterWithoutValue => Code::W0501,
        ProblemCode::LinkedTemplate => Code::W0502,
        ProblemCode::TemplateTooLarge => Code::E0550,
    };
    let at = p
        .offset
        .unwrap_or_else(|| inputs::locate::offset_of(text, &p.pointer));
    let end = if p.offset.is_some() {
        at
    } else {
        token_end(text, at)
    };
    let d = Diagnostic::new(code, Span::new(file, at, end), p.message.clone());
    match &p.help {
        Some(h) => d.with_help(h),
        None => d,
    }
}

/// The end of the value starting at `at`, for a short label: a whole
/// string, the first character of an object or array, or a scalar.
fn token_end(text: &str, at: usize) -> usize {
    let rest = &text[at.min(text.len())..];
    let len = if let Some(inner) = rest.strip_prefix('"') {
        inner.find('"').map_or(1, |i| i + 2)
    } else if rest.starts_with(['{', '[']) {
        1
    } else {
        rest.find([',', '\n', '}', ']']).unwrap_or(rest.len())
    };
    at + len
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(pattern: &str, path: &str) -> bool {
        Globs::new(&[pattern.to_string()], &[])
            .expect("a valid glob")
            .selected(path)
    }

    #[test]
    fn globs() {
        assert!(glob("*.json", "a/b/main.json"));
        assert!(glob("*.json", "main.json"));
        assert!(glob("**/main.json", "a/b/main.json"));
        assert!(glob("**/main.json", "main.json"));
        assert!(glob("a/*/main.json", "a/b/main.json"));
        assert!(!glob("a/*.json", "a/b/main.json"));
        assert!(glob("a/**", "a/b/c.json"));
        assert!(glob("ma?n.json", "main.json"));
        assert!(!glob("a?b.json", "a/b.json"));
        assert!(!glob("*.tf.json", "main.json"));
        assert!(Globs::new(&["main[.json".to_string()], &[]).is_err());
    }

    /// Issue 13 item 15: 25 stars against a 200-character name took over
    /// 30 s with backtracking; globset answers at once. (A regression makes
    /// this test hang, which the test harness reports.)
    #[test]
    fn many_stars_are_not_exponential() {
        let pattern = format!("{}b", "a*".repeat(25));
        let name = "a".repeat(200);
        assert!(!glob(&pattern, &name));
        assert!(glob(&pattern, &format!("{name}b")));
    }
}
