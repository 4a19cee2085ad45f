//! `acrpc test [PATHS…] [--filter PATTERN] [--coverage] [--threshold PCT]
//! [--format text|json|junit]`: runs the `test` items of rule packs.
//! Exit status: 0 every test passed (and coverage meets the threshold), 1 a
//! test failed, a test or pack has errors, or coverage is below the
//! threshold, 2 usage or I/O errors.

use super::build::io_error;
use super::files::{DirTemplates, collect_sources, is_test_file};
use super::{ExitStatus, Reporter};
use crate::diag::{Code, SourceMap, Span, has_errors};
use crate::ruletest::{self, Files, filter::Filter, report};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct TestArgs {
    /// `.acrp` packs and `.test.acrp` test files, or directories to search.
    #[arg(default_value = "rulepacks")]
    pub paths: Vec<PathBuf>,
    /// Run only the tests matching `TEST` or `PACK::TEST`: globs (`*`, `?`,
    /// `[ab]`) matched against whole names; repeat for several.
    #[arg(long, value_name = "PATTERN", value_parser = Filter::parse)]
    pub filter: Vec<Filter>,
    /// Report leaf-condition coverage (each leaf seen true and false).
    #[arg(long)]
    pub coverage: bool,
    /// Fail when coverage is below this percentage (implies --coverage).
    #[arg(long, value_parser = percentage)]
    pub threshold: Option<f64>,
    #[arg(long, value_enum, default_value_t = TestFormat::Text)]
    pub format: TestFormat,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum, PartialEq, Eq)]
pub enum TestFormat {
    Text,
    Json,
    Junit,
}

fn percentage(s: &str) -> Result<f64, String> {
    match s.trim_end_matches('%').parse::<f64>() {
        Ok(p) if (0.0..=100.0).contains(&p) => Ok(p),
        _ => Err(format!("`{s}` is not a percentage between 0 and 100")),
    }
}

/// Input files relative to the pack's folder.
struct DirFiles(PathBuf);

impl Files for DirFiles {
    fn read(&self, path: &str) -> Result<String, String> {
        let full = self.0.join(path);
        std::fs::read_to_string(&full).map_err(|e| format!("{e} ({})", full.display()))
    }
}

pub fn run(args: &TestArgs, reporter: &Reporter) -> ExitStatus {
    let mut io_sources = SourceMap::default();
    let files = match collect_sources(&args.paths) {
        Ok(f) => f,
        Err((path, e)) => {
            let name = path.display().to_string();
            let d = io_error(
                &mut io_sources,
                Code::E0901,
                &name,
                format!("cannot read `{name}`: {e}"),
            );
            reporter.report(&[d], &io_sources);
            return ExitStatus::Error;
        }
    };
    if files.is_empty() {
        let shown: Vec<String> = args.paths.iter().map(|p| p.display().to_string()).collect();
        let d = io_error(
            &mut io_sources,
            Code::E0902,
            &shown.join(", "),
            format!("no .acrp files in {}", shown.join(", ")),
        );
        reporter.report(&[d], &io_sources);
        return ExitStatus::Error;
    }
    let mut failed = false;
    let mut runs = Vec::new();
    for (pack, tests) in group(&files) {
        match run_pack(&pack, &tests, args, reporter) {
            Some((run, had_errors)) => {
                failed |= had_errors;
                runs.push(run);
            }
            None => failed = true,
        }
    }
    let with_coverage = args.coverage || args.threshold.is_some();
    let mut coverage: Option<ruletest::coverage::Coverage> = None;
    for r in &mut runs {
        if let Some(c) = r.coverage.take() {
            match coverage.as_mut() {
                Some(all) => all.merge(c),
                None => coverage = Some(c),
            }
        }
    }
    let summary = report::Summary {
        runs: &runs,
        coverage: coverage.as_ref().filter(|_| with_coverage),
        threshold: args.threshold,
    };
    if !args.filter.is_empty() && summary.total() == 0 && !failed {
        let patterns: Vec<&str> = args.filter.iter().map(Filter::as_str).collect();
        let d = io_error(
            &mut io_sources,
            Code::E1113,
            "--filter",
            format!("no test matches `--filter {}`", patterns.join("` or `")),
        )
        .with_help(
            "a pattern is `TEST` or `PACK::TEST`, globs matched against whole names: `admin-*` selects the tests whose name starts with `admin-`",
        );
        reporter.report(&[d], &io_sources);
        return ExitStatus::Failure;
    }
    let text = match args.format {
        TestFormat::Text => report::text(&summary),
        TestFormat::Json => report::json(&summary),
        TestFormat::Junit => report::junit(&summary),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    if failed || summary.failed() > 0 || summary.below_threshold() {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    }
}

/// Each pack file with its test files (`x.test.acrp` tests `x.acrp`).
fn group(files: &[PathBuf]) -> BTreeMap<PathBuf, Vec<PathBuf>> {
    let mut out: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    for f in files {
        if is_test_file(f) {
            let name = f
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .trim_end_matches(".test.acrp");
            out.entry(f.with_file_name(format!("{name}.acrp")))
                .or_default()
                .push(f.clone());
        } else {
            out.entry(f.clone()).or_default();
        }
    }
    // A pack given alone brings its sibling test file.
    for (pack, tests) in &mut out {
        let name = pack
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .trim_end_matches(".acrp");
        let sibling = pack.with_file_name(format!("{name}.test.acrp"));
        if sibling.is_file() && !tests.contains(&sibling) {
            tests.push(sibling);
        }
    }
    out
}

/// Compiles one pack, resolves and runs its tests; `None` when nothing
/// could run. The flag says whether there were errors.
fn run_pack(
    pack: &Path,
    tests: &[PathBuf],
    args: &TestArgs,
    reporter: &Reporter,
) -> Option<(ruletest::Run, bool)> {
    let pack_name = pack.display().to_string();
    let mut test_texts = Vec::new();
    let mut sources = SourceMap::default();
    for t in tests {
        let name = t.display().to_string();
        match std::fs::read_to_string(t) {
            Ok(text) => test_texts.push((name, text)),
            Err(e) => {
                let d = io_error(
                    &mut sources,
                    Code::E0901,
                    &name,
                    format!("cannot read `{name}`: {e}"),
                );
                reporter.report(&[d], &sources);
                return None;
            }
        }
    }
    let pack_text = match std::fs::read_to_string(pack) {
        Ok(t) => t,
        Err(e) => {
            let (name, text) = test_texts.first().cloned().unwrap_or_default();
            let id = sources.add(crate::diag::SourceFile::new(name, text));
            let d = ruletest::without_pack(
                Span::new(id, 0, 0),
                &pack_name,
                &format!("cannot be read: {e}"),
            );
            reporter.report(&[d], &sources);
            return None;
        }
    };
    let base = pack.parent().map(Path::to_path_buf).unwrap_or_default();
    let templates = DirTemplates { base: base.clone() };
    let mut suite = ruletest::suite(
        (&pack_name, &pack_text),
        &test_texts,
        &templates,
        &DirFiles(base),
    );
    reporter.report(&suite.diagnostics, &suite.sources);
    if !args.filter.is_empty() {
        suite
            .cases
            .retain(|c| args.filter.iter().any(|f| f.matches(&c.pack, &c.name)));
    }
    let errors = has_errors(&suite.diagnostics);
    if suite.rules.is_empty() && errors {
        return None;
    }
    let with_coverage = args.coverage || args.threshold.is_some();
    Some((
        ruletest::run(suite.cases, &suite.rules, with_coverage),
        errors,
    ))
}
