//! Inputs of `acrpc check`: ARM templates (and Bicep-compiled JSON),
//! resource exports and Terraform plans, all turned into [`Resource`]s.
//! Pure: the caller reads the files; this module sees text.

pub mod arm;
pub mod export;
pub mod locate;
mod resource;
pub mod suppress;
pub mod terraform;

pub use resource::*;

use serde_json::Value;

/// The input formats, detected from content or forced with `--input-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Arm,
    Export,
    Terraform,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Arm => "arm",
            Format::Export => "export",
            Format::Terraform => "terraform",
        }
    }
}

/// A problem with an input, located by JSON pointer (or byte offset for
/// JSON syntax errors); the CLI turns it into a diagnostic.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub code: ProblemCode,
    pub message: String,
    pub pointer: String,
    /// A byte offset, when known more precisely than the pointer.
    pub offset: Option<usize>,
    pub help: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemCode {
    NotJson,
    UnknownFormat,
    BicepSource,
    ParametersFileAsInput,
    InvalidExpression,
    ParameterWithoutValue,
    ResourceWithoutType,
    LinkedTemplate,
    TemplateTooLarge,
}

impl Problem {
    pub fn new(code: ProblemCode, message: String, pointer: String) -> Problem {
        Problem {
            code,
            message,
            pointer,
            offset: None,
            help: None,
        }
    }

    pub fn help(mut self, help: String) -> Problem {
        self.help = Some(help);
        self
    }
}

/// Everything read from one input file.
#[derive(Debug, Default)]
pub struct Loaded {
    pub format: Option<Format>,
    pub resources: Vec<Resource>,
    pub problems: Vec<Problem>,
}

/// Detects the format of a parsed document.
pub fn detect(doc: &Value) -> Option<Format> {
    if terraform::looks_like(doc) {
        Some(Format::Terraform)
    } else if arm::looks_like(doc) {
        Some(Format::Arm)
    } else if export::looks_like(doc) {
        Some(Format::Export)
    } else {
        None
    }
}

/// Reads one input file's text: parses it, detects (or takes) its format,
/// and returns its resources.
pub fn load(file: &str, text: &str, forced: Option<Format>, opts: &arm::ArmOptions) -> Loaded {
    if file.to_ascii_lowercase().ends_with(".bicep") {
        let p = Problem::new(
            ProblemCode::BicepSource,
            "a .bicep file must be compiled to JSON before it is checked".into(),
            String::new(),
        )
        .help(format!(
            "run `az bicep build --file {file}` and check the .json it writes"
        ));
        return Loaded {
            problems: vec![p],
            ..Loaded::default()
        };
    }
    let doc: Value = match serde_json::from_str(text.trim_start_matches('\u{feff}')) {
        Ok(d) => d,
        Err(e) => return not_json(text, &e),
    };
    if arm::is_parameters_file(&doc) && forced.is_none() {
        let p = Problem::new(
            ProblemCode::ParametersFileAsInput,
            "this is an ARM parameters file, not a template".into(),
            String::new(),
        )
        .help("pass it with --parameters next to the template it belongs to".into());
        return Loaded {
            problems: vec![p],
            ..Loaded::default()
        };
    }
    let Some(format) = forced.or_else(|| detect(&doc)) else {
        let p = Problem::new(
            ProblemCode::UnknownFormat,
            "not an ARM template, a resource export or a Terraform plan".into(),
            String::new(),
        )
        .help("templates have `$schema` …deploymentTemplate.json and `resources`; exports have `type` and `id`; plans come from `terraform show -json`; force one with --input-format".into());
        return Loaded {
            problems: vec![p],
            ..Loaded::default()
        };
    };
    let (resources, problems) = match format {
        Format::Arm => arm::load(&doc, file, text, opts),
        Format::Export => (export::load(&doc, file, text), Vec::new()),
        Format::Terraform => terraform::load(&doc, file, text),
    };
    Loaded {
        format: Some(format),
        resources,
        problems,
    }
}

/// The byte offset of a serde_json error (1-based line, byte column),
/// never inside a character.
pub fn json_error_offset(text: &str, e: &serde_json::Error) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(e.line().saturating_sub(1))
        .map(str::len)
        .sum();
    let mut at = (line_start + e.column().saturating_sub(1)).min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn not_json(text: &str, e: &serde_json::Error) -> Loaded {
    let mut p = Problem::new(
        ProblemCode::NotJson,
        format!("not valid JSON: {e}"),
        String::new(),
    );
    p.offset = Some(json_error_offset(text, e));
    Loaded {
        problems: vec![p],
        ..Loaded::default()
    }
}
