//! The pipeline from source text to output files: parse → check → emit.
//! Pure: the caller supplies the text and the deploy templates and writes the
//! result. The CLI, the tests and the benchmarks all go through here.

use crate::diag::{Diagnostic, FileId, SourceFile, SourceMap, Span};
use crate::emit::{self, OutputFile};
use crate::ir;
use crate::sema::{self, Options, Templates};
use crate::syntax;

/// The outcome of compiling one file.
pub struct Compiled {
    pub pack: Option<ir::Pack>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Compiled {
    /// The output files, or nothing when there were errors.
    pub fn files(&self) -> Vec<OutputFile> {
        self.pack.as_ref().map(emit::pack_files).unwrap_or_default()
    }
}

/// Compiles the source of one `.acrp` file already added to `sources`.
pub fn compile_file(
    sources: &SourceMap,
    file: FileId,
    templates: &dyn Templates,
    opts: &Options,
) -> Compiled {
    let text = sources.get(file).map_or("", |f| f.text.as_str());
    let (ast, mut diagnostics) = syntax::parse(file, text);
    let checked = sema::check(&ast, Span::new(file, 0, 0), templates, opts);
    let parse_failed = diagnostics.iter().any(Diagnostic::is_error);
    diagnostics.extend(checked.diagnostics);
    diagnostics.sort_by_key(|d| (d.primary.span.file, d.primary.span.start, d.code));
    Compiled {
        // Parse errors drop items, so the rest may look fine: never emit then.
        pack: if parse_failed { None } else { checked.pack },
        diagnostics,
    }
}

/// Convenience for tests and tools: compile a string.
pub fn compile_str(name: &str, text: &str, templates: &dyn Templates) -> (SourceMap, Compiled) {
    let mut sources = SourceMap::default();
    let id = sources.add(SourceFile::new(name, text));
    let compiled = compile_file(&sources, id, templates, &Options::default());
    (sources, compiled)
}
