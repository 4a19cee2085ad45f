//! `acrpc fmt [PATHS…] [--check]`: rewrites files in the canonical layout
//! (`crate::fmt`), or with `--check` reports the files that would change and
//! prints a diff.
#![allow(clippy::indexing_slicing)] // not yet worked down: 19 sites

use super::files::{collect_sources, write_file_atomically};
use super::out::{self, say};
use super::{ExitStatus, Reporter};
use crate::diag::{Code, Diagnostic, SourceFile, SourceMap, Span};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct FmtArgs {
    /// `.acrp` files, or directories to search for them.
    #[arg(default_value = "rulepacks")]
    pub paths: Vec<PathBuf>,
    /// Change nothing: exit 1 and print a diff if a file is not formatted.
    #[arg(long)]
    pub check: bool,
}

pub fn run(args: &FmtArgs, reporter: &Reporter) -> ExitStatus {
    let mut sources = SourceMap::default();
    let files = match collect_sources(&args.paths) {
        Ok(f) => f,
        Err((path, e)) => {
            let name = path.display().to_string();
            let id = sources.add(SourceFile::new(&name, ""));
            let d = Diagnostic::new(
                Code::E0901,
                Span::new(id, 0, 0),
                format!("cannot read `{name}`: {e}"),
            );
            reporter.report(&[d], &sources);
            return ExitStatus::Error;
        }
    };
    if files.is_empty() {
        let shown: Vec<String> = args.paths.iter().map(|p| p.display().to_string()).collect();
        let id = sources.add(SourceFile::new(shown.join(", "), ""));
        let d = Diagnostic::new(
            Code::E0902,
            Span::new(id, 0, 0),
            format!("no .acrp files in {}", shown.join(", ")),
        );
        reporter.report(&[d], &sources);
        return ExitStatus::Error;
    }
    let mut status = ExitStatus::Success;
    let mut worst = |s: ExitStatus| {
        status = match (status, s) {
            (ExitStatus::Error, _) | (_, ExitStatus::Error) => ExitStatus::Error,
            (ExitStatus::Failure, _) | (_, ExitStatus::Failure) => ExitStatus::Failure,
            _ => ExitStatus::Success,
        }
    };
    let mut changed = 0usize;
    for path in &files {
        let name = path.display().to_string();
        let text = match std::fs::read(path).map(String::from_utf8) {
            Ok(Ok(t)) => t,
            Ok(Err(_)) => {
                let id = sources.add(SourceFile::new(&name, ""));
                let d = Diagnostic::new(
                    Code::E0004,
                    Span::new(id, 0, 0),
                    "the file is not valid UTF-8",
                );
                reporter.report(&[d], &sources);
                worst(ExitStatus::Failure);
                continue;
            }
            Err(e) => {
                let id = sources.add(SourceFile::new(&name, ""));
                let d = Diagnostic::new(
                    Code::E0901,
                    Span::new(id, 0, 0),
                    format!("cannot read `{name}`: {e}"),
                );
                reporter.report(&[d], &sources);
                worst(ExitStatus::Error);
                continue;
            }
        };
        let id = sources.add(SourceFile::new(&name, text.as_str()));
        let formatted = match crate::fmt::format(id, &text) {
            Ok(f) => f,
            Err(diags) => {
                // Syntax errors (or an internal soundness failure): the file is left as it is.
                reporter.report(&diags, &sources);
                worst(ExitStatus::Failure);
                continue;
            }
        };
        if formatted == text {
            continue;
        }
        changed += 1;
        if args.check {
            let first = first_difference(&text, &formatted);
            let d = Diagnostic::new(
                Code::E0601,
                Span::new(id, first, first),
                "this file is not formatted",
            )
            .with_label("the layout differs from here")
            .with_help("run `acrpc fmt` on it");
            reporter.report(&[d], &sources);
            worst(ExitStatus::Failure);
            if let Err(u) = out::stdout(&unified_diff(&name, &text, &formatted)) {
                return u.status(status);
            }
        } else if let Err(e) = write_file_atomically(path, &formatted) {
            let d = Diagnostic::new(Code::E0903, Span::new(id, 0, 0), e.message());
            reporter.report(&[d], &sources);
            worst(ExitStatus::Error);
        }
    }
    let verb = if args.check {
        "would be reformatted"
    } else {
        "reformatted"
    };
    // In JSON mode stderr carries only diagnostics, one object per line.
    if reporter.format == super::MessageFormat::Human {
        say!(
            "{changed} file{} {verb}, {} already formatted",
            if changed == 1 { "" } else { "s" },
            files.len() - changed
        );
    }
    status
}

/// Byte offset of the first difference, on a character boundary of `a`.
fn first_difference(a: &str, b: &str) -> usize {
    let mut n = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    while !a.is_char_boundary(n) {
        n -= 1;
    }
    n
}

/// A unified diff of two texts (whole lines, three lines of context), from an
/// LCS over lines. Files here are small; the table is bounded by the length of
/// the differing middle part, after common head and tail lines are cut.
pub fn unified_diff(name: &str, old: &str, new: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let head = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (am, bm) = (&a[head..a.len() - tail], &b[head..b.len() - tail]);
    // ops over the middle: (' ', '-', '+') with line text.
    let mut ops: Vec<(char, &str)> = Vec::new();
    if am.len().saturating_mul(bm.len()) <= 4_000_000 {
        let (n, m) = (am.len(), bm.len());
        let mut lcs = vec![0u32; (n + 1) * (m + 1)];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                lcs[i * (m + 1) + j] = if am[i] == bm[j] {
                    lcs[(i + 1) * (m + 1) + j + 1] + 1
                } else {
                    lcs[(i + 1) * (m + 1) + j].max(lcs[i * (m + 1) + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            if i < n && j < m && am[i] == bm[j] {
                ops.push((' ', am[i]));
                i += 1;
                j += 1;
            } else if i < n && (j == m || lcs[(i + 1) * (m + 1) + j] >= lcs[i * (m + 1) + j + 1]) {
                ops.push(('-', am[i]));
                i += 1;
            } else {
                ops.push(('+', bm[j]));
                j += 1;
            }
        }
    } else {
        ops.extend(am.iter().map(|l| ('-', *l)));
        ops.extend(bm.iter().map(|l| ('+', *l)));
    }
    // Context around the middle.
    let ctx_before = head.min(3);
    let ctx_after = tail.min(3);
    let mut out = format!("--- {name}\n+++ {name} (formatted)\n");
    let old_len = ctx_before + am.len() + ctx_after;
    let new_len = ctx_before + bm.len() + ctx_after;
    out.push_str(&format!(
        "@@ -{},{old_len} +{},{new_len} @@\n",
        head - ctx_before + 1,
        head - ctx_before + 1
    ));
    for l in &a[head - ctx_before..head] {
        out.push_str(&format!(" {l}\n"));
    }
    for (op, l) in ops {
        out.push_str(&format!("{op}{l}\n"));
    }
    for l in &a[a.len() - tail..a.len() - tail + ctx_after] {
        out.push_str(&format!(" {l}\n"));
    }
    out
}
