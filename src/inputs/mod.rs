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
use std::borrow::Cow;

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
    /// A well-formed expression acrpc could not evaluate (an error ARM
    /// would raise only if it evaluated it, or a function not modelled).
    UnevaluatedExpression,
    NegativeCopyCount,
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
    // The loaders locate JSON pointers by scanning the text: they scan it
    // with comments blanked (same offsets), so a `{` in a comment is no key.
    // Blanked once, for the parser and the loaders.
    let scanned = without_comments(text);
    let doc: Value = match serde_json::from_str(without_bom(&scanned)) {
        Ok(d) => d,
        Err(e) => return not_json(text, &e),
    };
    let text = scanned.as_ref();
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
        Format::Export => (export::load_owned(doc, file, text), Vec::new()),
        Format::Terraform => terraform::load(&doc, file, text),
    };
    Loaded {
        format: Some(format),
        resources,
        problems,
    }
}

/// Parses a template, parameters file or export as ARM reads it: JSON with
/// `//` and `/* */` comments (ARM's template syntax documentation, "Comments
/// and metadata": the Azure CLI, PowerShell and VS Code's ARM tools accept
/// them), and a leading byte-order mark. Comments are blanked, not removed,
/// so error offsets are offsets in the original text.
pub fn parse_json(text: &str) -> Result<Value, serde_json::Error> {
    serde_json::from_str(without_bom(&without_comments(text)))
}

fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// `text` with its comments blanked ([`blank_comments`]), borrowed when it
/// has none: most templates have a `//` only in strings (the `$schema`
/// URL), and copying them cost 5% of checking 400 templates (issue 15
/// item 6b).
pub fn without_comments(text: &str) -> Cow<'_, str> {
    if has_comment(text) {
        Cow::Owned(blank_comments(text))
    } else {
        Cow::Borrowed(text)
    }
}

/// Whether `text` has a `//` or `/*` outside strings: the comments
/// [`blank_comments`] blanks (same states, one byte at a time; a byte
/// after `\` in a string is skipped, and no byte of a multi-byte
/// character is `"`, `\` or `/`).
fn has_comment(text: &str) -> bool {
    if !(text.contains("//") || text.contains("/*")) {
        return false;
    }
    let b = text.as_bytes();
    let mut in_string = false;
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match (in_string, c) {
            (false, b'"') => in_string = true,
            (false, b'/') if matches!(b.get(i + 1), Some(b'/' | b'*')) => return true,
            (true, b'\\') => i += 1,
            (true, b'"') => in_string = false,
            _ => {}
        }
        i += 1;
    }
    false
}

/// `text` with every comment outside strings replaced by spaces (line
/// breaks kept), so lines, columns and byte offsets stay where they were.
/// An unterminated `/*` runs to the end, as in the parsers that accept it.
pub fn blank_comments(text: &str) -> String {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Code,
        Str,
        StrEscape,
        Line,
        Block,
    }
    let mut out = String::with_capacity(text.len());
    let mut state = State::Code;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        state = match (state, c) {
            (State::Code, '"') => {
                out.push(c);
                State::Str
            }
            (State::Code, '/') if chars.peek() == Some(&'/') => {
                chars.next();
                out.push_str("  ");
                State::Line
            }
            (State::Code, '/') if chars.peek() == Some(&'*') => {
                chars.next();
                out.push_str("  ");
                State::Block
            }
            (State::Code, _) => {
                out.push(c);
                State::Code
            }
            (State::Str, '\\') => {
                out.push(c);
                State::StrEscape
            }
            (State::Str, '"') => {
                out.push(c);
                State::Code
            }
            (State::Str | State::StrEscape, _) => {
                out.push(c);
                State::Str
            }
            (State::Line, '\n') => {
                out.push(c);
                State::Code
            }
            (State::Block, '*') if chars.peek() == Some(&'/') => {
                chars.next();
                out.push_str("  ");
                State::Code
            }
            (State::Line | State::Block, '\n' | '\r') => {
                out.push(c);
                state
            }
            (State::Line | State::Block, _) => {
                // Same byte length, so offsets after the comment hold.
                out.extend(std::iter::repeat_n(' ', c.len_utf8()));
                state
            }
        };
    }
    out
}

/// The byte offset in `text` of an error from [`parse_json`] (which reads
/// `text` without its byte-order mark).
pub fn parse_error_offset(text: &str, e: &serde_json::Error) -> usize {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    (text.len() - body.len()) + json_error_offset(body, e)
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
    p.offset = Some(parse_error_offset(text, e));
    Loaded {
        problems: vec![p],
        ..Loaded::default()
    }
}
