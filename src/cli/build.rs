//! `acrpc build [PATHS…] [--out DIR]`.

use super::files::{DirTemplates, FileSink, WriteError, collect_packs, write_atomically};
use super::out::{self, say};
use super::{ExitStatus, Reporter};
use crate::compile::compile_file;
use crate::diag::{Code, Diagnostic, FileId, SourceFile, SourceMap, Span, has_errors};
use crate::emit::{OutputFile, Target, each_pack_file, pack_file_paths, target_files};
use crate::ir::Pack;
use crate::sema::{Options, ScopeKind};
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct BuildArgs {
    /// `.acrp` files, or directories to search for them.
    #[arg(default_value = "rulepacks")]
    pub paths: Vec<PathBuf>,
    /// Output directory.
    #[arg(long, short, default_value = "dist")]
    pub out: PathBuf,
    /// Scope of the definitions, for initiative member ids
    /// (`/providers/Microsoft.Management/managementGroups/<mg>` or `/subscriptions/<id>`).
    #[arg(long)]
    pub scope: Option<String>,
    /// Environment of the pack (`environment NAME { … }`) whose scope,
    /// enforcement mode and parameter values the assignments take.
    #[arg(long)]
    pub env: Option<String>,
    /// What to write: definition files (`azure`), or a deployment format.
    #[arg(long, value_enum, default_value_t = Target::Azure)]
    pub target: Target,
}

/// A diagnostic about something that is not in a pack (a path, the output).
pub(super) fn io_error(sources: &mut SourceMap, code: Code, name: &str, msg: String) -> Diagnostic {
    let id = sources.add(SourceFile::new(name, ""));
    Diagnostic::new(code, Span::new(id, 0, 0), msg)
}

/// The compiled packs of a build or publish, with their sources.
pub(super) struct Inputs {
    pub sources: SourceMap,
    /// Each pack with the file it was declared in.
    pub packs: Vec<(Pack, FileId)>,
    pub warnings: usize,
    /// Every `.acrp` file read: an output folder must never hold one.
    pub files: Vec<PathBuf>,
}

/// Reads and compiles every pack under `paths`, reporting diagnostics;
/// `Err` with the exit status when anything failed (nothing to emit then).
pub(super) fn compile_inputs(
    paths: &[PathBuf],
    opts: &Options,
    reporter: &Reporter,
) -> Result<Inputs, ExitStatus> {
    let mut sources = SourceMap::default();
    let files = match collect_packs(paths) {
        Ok(f) => f,
        Err((path, e)) => {
            let name = path.display().to_string();
            let d = io_error(
                &mut sources,
                Code::E0901,
                &name,
                format!("cannot read `{name}`: {e}"),
            )
            .with_help("give .acrp files or directories that contain them");
            reporter.report(&[d], &sources);
            return Err(ExitStatus::Error);
        }
    };
    if files.is_empty() {
        let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        let d = io_error(
            &mut sources,
            Code::E0902,
            &shown.join(", "),
            format!("no .acrp files in {}", shown.join(", ")),
        )
        .with_help("rule packs are files ending in .acrp");
        reporter.report(&[d], &sources);
        return Err(ExitStatus::Error);
    }

    // `--env` is in no file: a wrong one is reported without a snippet.
    let mut opts = opts.clone();
    if opts.env.is_some() && opts.env_span.is_none() {
        let id = sources.add(SourceFile::new("--env", ""));
        opts.env_span = Some(Span::new(id, 0, 0));
    }
    let mut all_diags = Vec::new();
    let mut compiled_packs: Vec<(Pack, FileId)> = Vec::new();
    let mut packs: Vec<(String, Span)> = Vec::new();
    let mut io_failed = false;
    for path in &files {
        let name = path.display().to_string();
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                all_diags.push(io_error(
                    &mut sources,
                    Code::E0901,
                    &name,
                    format!("cannot read `{name}`: {e}"),
                ));
                io_failed = true;
                continue;
            }
        };
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                // The span covers the U+FFFD that replaces the bad byte in the lossy text.
                let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
                let id = sources.add(SourceFile::new(&name, lossy));
                all_diags.push(
                    Diagnostic::new(
                        Code::E0004,
                        Span::new(id, at, at + char::REPLACEMENT_CHARACTER.len_utf8()),
                        format!("`{name}` is not valid UTF-8"),
                    )
                    .with_label("invalid byte sequence here")
                    .with_help("save the file as UTF-8"),
                );
                continue;
            }
        };
        let id = sources.add(SourceFile::new(&name, text));
        let templates = DirTemplates {
            base: path.parent().map(Path::to_path_buf).unwrap_or_default(),
        };
        let compiled = compile_file(&sources, id, &templates, &opts);
        if let Some(pack) = &compiled.pack {
            let span = Span::new(id, 0, 0);
            if let Some((_, prev)) = packs.iter().find(|(p, _)| *p == pack.id) {
                all_diags.push(
                    Diagnostic::new(
                        Code::E0112,
                        span,
                        format!("pack `{}` is declared in two files", pack.id),
                    )
                    .with_related(*prev, "also declared here")
                    .with_help("pack ids name output directories; give each file its own pack id"),
                );
            }
            packs.push((pack.id.clone(), span));
        }
        if let Some(pack) = compiled.pack {
            compiled_packs.push((pack, id));
        }
        all_diags.extend(compiled.diagnostics);
    }
    reporter.report(&all_diags, &sources);
    if io_failed {
        return Err(ExitStatus::Error);
    }
    if has_errors(&all_diags) {
        let n = all_diags.iter().filter(|d| d.is_error()).count();
        say!("error: build failed with {n} error(s); nothing was written");
        return Err(ExitStatus::Failure);
    }
    Ok(Inputs {
        sources,
        packs: compiled_packs,
        warnings: all_diags.len(),
        files,
    })
}

/// The diagnostic for an output that could not (or must not) be written.
pub(super) fn write_error(sources: &mut SourceMap, out: &Path, e: &WriteError) -> Diagnostic {
    let (code, help) = match e {
        WriteError::NotOurs(_) => (
            Code::E0030,
            "acrpc replaces only folders it wrote (they hold a .acrpc-output file): choose another --out, or move the folder away",
        ),
        WriteError::HoldsInput { .. } => (
            Code::E0031,
            "write the output somewhere that holds no input: another --out or -o",
        ),
        WriteError::Io(_) => (Code::E0903, "check that the output location is writable"),
    };
    io_error(sources, code, &out.display().to_string(), e.message()).with_help(help)
}

pub fn run(args: &BuildArgs, reporter: &Reporter) -> ExitStatus {
    // Definitions live at a management group or a subscription; anything
    // else used to be written into ids verbatim (`garbage/providers/…`).
    if let Some(scope) = &args.scope
        && !matches!(
            crate::sema::scope_kind(scope),
            Some(ScopeKind::ManagementGroup | ScopeKind::Subscription)
        )
    {
        let mut sources = SourceMap::default();
        let d = io_error(
            &mut sources,
            Code::E1008,
            "--scope",
            format!("`{scope}` is not a management group or subscription scope"),
        )
        .with_help("give `--scope /subscriptions/<id>` or `--scope /providers/Microsoft.Management/managementGroups/<mg>`");
        reporter.report(&[d], &sources);
        return ExitStatus::Error;
    }
    let opts = Options {
        scope: args.scope.clone(),
        env: args.env.clone(),
        today: Some(super::today()),
        ..Options::default()
    };
    let Inputs {
        mut sources,
        packs,
        warnings,
        files,
    } = match compile_inputs(&args.paths, &opts, reporter) {
        Ok(i) => i,
        Err(status) => return status,
    };
    // The Azure files (a large pack's are tens of MB) are serialised while
    // they are written; the other targets' are few and built first.
    let mut outputs: Vec<OutputFile> = Vec::new();
    let mut paths: Vec<String> = Vec::new();
    let (mut n_defs, mut n_inis) = (0, 0);
    for (pack, _) in &packs {
        n_defs += pack.definitions.len();
        n_inis += pack.initiatives.len();
        if args.target == Target::Azure {
            paths.extend(pack_file_paths(pack));
        } else {
            let files = target_files(pack, args.target);
            paths.extend(files.iter().map(|f| f.path.clone()));
            outputs.extend(files);
        }
    }
    if let Some(d) = no_scope_warning(&mut sources, &packs) {
        reporter.report(&[d], &sources);
    }
    let not_carried = not_carried_warnings(&mut sources, &packs, args.target);
    if !not_carried.is_empty() {
        reporter.report(&not_carried, &sources);
    }
    let produce = |sink: &FileSink<'_>| -> Result<(), String> {
        for file in outputs {
            sink(file)?;
        }
        if args.target == Target::Azure {
            for (pack, _) in &packs {
                each_pack_file(pack, sink)?;
            }
        }
        Ok(())
    };
    if let Err(e) = write_atomically(&args.out, &paths, &files, produce) {
        let d = write_error(&mut sources, &args.out, &e);
        reporter.report(&[d], &sources);
        return ExitStatus::Error;
    }
    let extra = match args.target {
        Target::Azure => format!(", {} checker file(s)", packs.len()),
        other => format!(
            " as {}",
            clap::ValueEnum::to_possible_value(&other)
                .map(|v| v.get_name().to_string())
                .unwrap_or_default()
        ),
    };
    let summary = format!(
        "built {} pack(s): {n_defs} policy definition(s), {n_inis} initiative(s){extra} in {}{}\n",
        packs.len(),
        args.out.display(),
        if warnings > 0 {
            format!(" ({warnings} warning(s))")
        } else {
            String::new()
        }
    );
    out::finish(&summary, ExitStatus::Success)
}

/// W1005 for each assignment, role assignment or exemption the target
/// cannot carry (the files list them too).
fn not_carried_warnings(
    sources: &mut SourceMap,
    packs: &[(crate::ir::Pack, crate::diag::FileId)],
    target: Target,
) -> Vec<Diagnostic> {
    let name = clap::ValueEnum::to_possible_value(&target)
        .map(|v| v.get_name().to_string())
        .unwrap_or_default();
    let mut out = Vec::new();
    for (pack, _) in packs {
        for n in crate::emit::target::not_carried(pack, target) {
            out.push(
                io_error(
                    sources,
                    Code::W1005,
                    "--target",
                    format!("`--target {name}` does not deploy {n}"),
                )
                .with_help("deploy it with `acrpc publish`, the `azure` files or another target"),
            );
        }
    }
    out
}

/// Once per build: packs with initiatives or assignments but no scope (no
/// `--scope`, no pack `scope`) keep the `{scope}` placeholder in ids.
fn no_scope_warning(
    sources: &mut SourceMap,
    packs: &[(crate::ir::Pack, crate::diag::FileId)],
) -> Option<Diagnostic> {
    let unscoped: Vec<&str> = packs
        .iter()
        .filter(|(p, _)| {
            p.scope.is_none() && (!p.initiatives.is_empty() || !p.assignments.is_empty())
        })
        .map(|(p, _)| p.id.as_str())
        .collect();
    if unscoped.is_empty() {
        return None;
    }
    Some(
        io_error(
            sources,
            Code::W1002,
            "--scope",
            format!(
                "no scope for {}: initiative member ids keep the `{{scope}}` placeholder",
                unscoped.join(", ")
            ),
        )
        .with_help("give `--scope`, or `scope \"…\"` in the pack, to build files Azure accepts as they are"),
    )
}
