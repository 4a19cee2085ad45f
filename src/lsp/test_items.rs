//! What the server knows about `test` items: the rules and initiatives they
//! can name, taken from the compiled pack (this document, or for a test file
//! `x.test.acrp` the pack `x.acrp` beside it), the diagnostics `acrpc test`
//! reports for them, and completion and hover inside them.

use super::analysis::{Analysis, SiblingPack};
use super::completion::Context;
use crate::catalog;
use crate::diag::{self, Diagnostic, Span};
use crate::ir;
use crate::ruletest::{self, VERDICTS};
use crate::sema::Templates;
use crate::syntax::ast::{self, Item};
use crate::syntax::tokens::TokenKind;
use lsp_types as lsp;

/// A rule or initiative a test can name (`rule <id>`, `initiative <id>`).
#[derive(Debug, Clone)]
pub struct Subject {
    pub initiative: bool,
    pub id: String,
    /// Markdown for hover: title, effects, parameters, description.
    pub doc: String,
    /// The parameters a test may set (`param <name> = …`).
    pub params: Vec<String>,
    /// The rules `expect <rule> …` may name: the initiative's members.
    pub members: Vec<String>,
    /// The catalog kind a rule targets (for `expect fix <path>`).
    pub kind: Option<String>,
}

/// Clauses of a `test` item, for completion and hover.
pub(super) const TEST_CLAUSES: &[(&str, &str)] = &[
    ("rule", "the rule under test"),
    ("initiative", "the initiative under test (every member)"),
    ("param", "a parameter value: `param effect = \"Deny\"`"),
    (
        "resource",
        "an inline resource: `resource registry { adminUserEnabled = true }`",
    ),
    (
        "input",
        "an input file (ARM template, export, Terraform plan)",
    ),
    (
        "deployed",
        "inline resources are as Azure returns them, not a deployment request",
    ),
    (
        "expect",
        "an expected verdict: `expect non_compliant [at deploy | after deployment]`",
    ),
];

/// Input files of tests, read like deploy templates: relative to the
/// document's folder.
struct Inputs<'t>(&'t dyn Templates);

impl ruletest::Files for Inputs<'_> {
    fn read(&self, path: &str) -> Result<String, String> {
        self.0.load(path)
    }
}

/// The diagnostics `acrpc test` reports for the tests of a document, and the
/// subjects they can name. `sibling` is the pack of a test file; without it
/// the document is a pack whose own errors `lint` reports.
pub(super) fn check(
    ast: &ast::File,
    text: &str,
    templates: &dyn Templates,
    sibling: Option<&SiblingPack>,
) -> (Vec<Diagnostic>, Vec<Subject>) {
    let tests: Vec<&ast::Test> = ast
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Test(t) => Some(t),
            _ => None,
        })
        .collect();
    let mut diags = Vec::new();
    let pack = match sibling {
        None => crate::sema::check(ast, Span::new(0, 0, 0), templates, &Default::default()).pack,
        Some(sibling) => {
            diags.extend(ruletest::not_tests(ast, &sibling.name));
            // E1111 goes on the first test's name (or the file's start).
            let at = tests.first().map_or(Span::new(0, 0, 0), |t| t.name.span);
            let text = match &sibling.text {
                Ok(t) => t,
                Err(e) => {
                    let why = format!("cannot be read: {e}");
                    diags.push(ruletest::without_pack(at, &sibling.name, &why));
                    return (diags, Vec::new());
                }
            };
            let (pack_ast, _) = crate::syntax::parse(0, text);
            let checked = crate::sema::check(
                &pack_ast,
                Span::new(0, 0, 0),
                templates,
                &Default::default(),
            );
            if checked.pack.is_none() && !tests.is_empty() {
                let why = "does not compile (open it to see its errors)";
                diags.push(ruletest::without_pack(at, &sibling.name, why));
            }
            checked.pack
        }
    };
    let Some(pack) = pack else {
        return (diags, Vec::new());
    };
    let rules = crate::eval::from_pack(&pack, "");
    let source = diag::SourceFile::new("", text);
    diags.extend(ruletest::resolve(&tests, &source, &pack, &rules, &Inputs(templates)).1);
    (diags, subjects(&pack))
}

/// Every rule (not the `fix` companions, which tests reach through their
/// rule) and initiative of a pack.
fn subjects(pack: &ir::Pack) -> Vec<Subject> {
    let rules = pack
        .definitions
        .iter()
        .filter(|d| d.origin == ir::Origin::Rule)
        .map(|d| {
            let mut params: Vec<String> = vec!["effect".into()];
            params.extend(
                d.params
                    .iter()
                    .map(|p| p.name.clone())
                    .filter(|n| n != "effect"),
            );
            Subject {
                initiative: false,
                id: d.id.clone(),
                doc: rule_doc(d, &params),
                params,
                members: Vec::new(),
                kind: Some(d.kind.clone()),
            }
        });
    let initiatives = pack.initiatives.iter().map(|i| {
        let params: Vec<String> = i.params.iter().map(|p| p.name.clone()).collect();
        let members: Vec<String> = i.members.iter().map(|m| m.reference_id.clone()).collect();
        let mut doc = format!(
            "```acrp\ninitiative {}\n```\n\n**{}**",
            i.id, i.display_name
        );
        doc.push_str(&format!("\n\nmembers: {}", code_list(&members)));
        if !params.is_empty() {
            doc.push_str(&format!("\n\nparameters: {}", code_list(&params)));
        }
        if let Some(d) = &i.description {
            doc.push_str(&format!("\n\n{d}"));
        }
        Subject {
            initiative: true,
            id: i.id.clone(),
            doc,
            params,
            members,
            kind: None,
        }
    });
    rules.chain(initiatives).collect()
}

fn rule_doc(d: &ir::Definition, params: &[String]) -> String {
    let mut doc = format!("```acrp\nrule {}\n```\n\n**{}**", d.id, d.display_name);
    doc.push_str(&format!("\n\ntarget: `{}`", d.kind));
    let effects: Vec<String> = d.effects.iter().map(|e| e.as_azure_str().into()).collect();
    doc.push_str(&format!(
        "\n\neffects: {} (default `{}`)",
        code_list(&effects),
        d.default_effect.as_azure_str()
    ));
    doc.push_str(&format!("\n\nparameters: {}", code_list(params)));
    if let Some(desc) = &d.description {
        doc.push_str(&format!("\n\n{desc}"));
    }
    doc
}

fn code_list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn keyword(label: &str, detail: &str) -> lsp::CompletionItem {
    lsp::CompletionItem {
        label: label.to_string(),
        kind: Some(lsp::CompletionItemKind::KEYWORD),
        detail: Some(detail.to_string()),
        ..Default::default()
    }
}

fn reference(label: &str, detail: &str) -> lsp::CompletionItem {
    lsp::CompletionItem {
        kind: Some(lsp::CompletionItemKind::REFERENCE),
        ..keyword(label, detail)
    }
}

fn verdicts() -> impl Iterator<Item = lsp::CompletionItem> {
    VERDICTS.iter().map(|(w, d)| lsp::CompletionItem {
        kind: Some(lsp::CompletionItemKind::ENUM_MEMBER),
        documentation: Some(lsp::Documentation::String((*d).into())),
        ..keyword(w, "verdict")
    })
}

impl Analysis {
    /// The subject named by the `rule`/`initiative` clause of the test whose
    /// keyword is token `item_tok`, read from the tokens so that a half-typed
    /// test works.
    fn test_subject(&self, item_tok: Option<usize>) -> Option<&Subject> {
        let text = self.text.as_str();
        let mut depth = 0i32;
        let mut toks = self.tokens.iter().skip(item_tok? + 1);
        while let Some(t) = toks.next() {
            match (t.kind, t.text(text)) {
                (TokenKind::Punct, "{") => depth += 1,
                (TokenKind::Punct, "}") => {
                    depth -= 1;
                    if depth <= 0 {
                        return None;
                    }
                }
                (TokenKind::Word, w @ ("rule" | "initiative")) if depth == 1 => {
                    let id = toks.next()?.text(text);
                    return self
                        .subjects
                        .iter()
                        .find(|s| s.id == id && s.initiative == (w == "initiative"));
                }
                _ => {}
            }
        }
        None
    }

    /// Completion inside a `test` item.
    pub(super) fn test_completion(&self, ctx: &Context<'_>) -> Vec<lsp::CompletionItem> {
        let line = ctx.line_before.as_slice();
        if let Some(kind) = Self::kind_of(ctx.target) {
            return resource_completion(kind, line, |l, ops| self.path_before(l, ops));
        }
        let subject = self.test_subject(ctx.item_tok);
        let subjects = |initiative: bool| {
            self.subjects
                .iter()
                .filter(move |s| s.initiative == initiative)
                .map(move |s| reference(&s.id, if initiative { "initiative" } else { "rule" }))
        };
        let members = || subject.into_iter().flat_map(|s| &s.members);
        match line {
            [] => TEST_CLAUSES.iter().map(|(k, d)| keyword(k, d)).collect(),
            ["rule"] => subjects(false).collect(),
            ["initiative"] => subjects(true).collect(),
            ["param"] => subject
                .into_iter()
                .flat_map(|s| &s.params)
                .map(|p| reference(p, "parameter"))
                .collect(),
            ["resource"] => catalog::catalog()
                .kinds
                .iter()
                .map(|k| lsp::CompletionItem {
                    kind: Some(lsp::CompletionItemKind::CLASS),
                    ..keyword(k.name, k.resource_type)
                })
                .collect(),
            ["expect"] => verdicts()
                .chain(std::iter::once(keyword(
                    "fix",
                    "the change the rule's `fix` makes: `expect fix path = value`",
                )))
                .chain(members().map(|m| reference(m, "member rule")))
                .collect(),
            ["expect", "fix"] => {
                let kind = subject.and_then(|s| Self::kind_of(s.kind.as_deref()));
                kind.map_or_else(Vec::new, property_items)
            }
            ["expect", m] if members().any(|x| x == m) => verdicts().collect(),
            ["expect", .., v] if VERDICTS.iter().any(|(w, _)| w == v) => vec![
                keyword("at", "`at deploy`: the verdict on the deployment request"),
                keyword(
                    "after",
                    "`after deployment`: the verdict on the deployed resource",
                ),
            ],
            ["expect", .., "at"] => vec![keyword("deploy", "the deployment request")],
            ["expect", .., "after"] => {
                vec![keyword("deployment", "the resource as deployed")]
            }
            _ => Vec::new(),
        }
    }

    /// Hover inside a `test` item on `word` (which starts at the context's
    /// cursor); `None` when it is nothing test-specific.
    pub(super) fn test_hover(&self, word: &str, ctx: &Context<'_>) -> Option<String> {
        let line = ctx.line_before.as_slice();
        if ctx.target.is_some() {
            return None;
        }
        match line {
            [] => TEST_CLAUSES
                .iter()
                .find(|(k, _)| *k == word)
                .map(|(k, d)| format!("```acrp\n{k}\n```\n\n{d}")),
            [kw @ ("rule" | "initiative")] => self
                .subjects
                .iter()
                .find(|s| s.id == word && s.initiative == (*kw == "initiative"))
                .map(|s| s.doc.clone()),
            ["resource"] => {
                let k = catalog::catalog().kind(word)?;
                Some(format!(
                    "```acrp\nresource {}\n```\n\n`{}`\n\n{}",
                    k.name, k.resource_type, k.description
                ))
            }
            ["expect", ..] => {
                if let Some((w, d)) = VERDICTS.iter().find(|(w, _)| *w == word) {
                    return Some(format!("```acrp\nexpect {w}\n```\n\n{d}"));
                }
                self.subjects
                    .iter()
                    .find(|s| !s.initiative && s.id == word)
                    .map(|s| s.doc.clone())
            }
            _ => None,
        }
    }
}

/// Completion inside `resource <kind> { … }`: a property where a key goes,
/// its values after `=`.
fn resource_completion<'a>(
    kind: &catalog::Kind,
    line: &[&'a str],
    path_before: impl Fn(&[&'a str], &[&str]) -> Option<&'a str>,
) -> Vec<lsp::CompletionItem> {
    match line.last() {
        None | Some(&"{") | Some(&",") => property_items(kind),
        Some(&"=") => {
            let Some(p) = path_before(line, &["="]).and_then(|path| kind.property(path)) else {
                return Vec::new();
            };
            let values: Vec<String> = if p.ty == catalog::PropType::Boolean {
                vec!["true".into(), "false".into()]
            } else {
                p.enum_values.iter().map(|v| format!("\"{v}\"")).collect()
            };
            values
                .iter()
                .map(|v| lsp::CompletionItem {
                    kind: Some(lsp::CompletionItemKind::ENUM_MEMBER),
                    ..keyword(v, p.ty.as_str())
                })
                .collect()
        }
        Some(_) => Vec::new(),
    }
}

/// The properties of a kind, by the names tests write them (`[*]` dropped:
/// arrays are given whole).
fn property_items(kind: &catalog::Kind) -> Vec<lsp::CompletionItem> {
    let mut seen = std::collections::BTreeSet::new();
    kind.properties
        .iter()
        .filter(|p| !p.path.contains("[*]") || p.path.ends_with("[*]"))
        .filter_map(|p| {
            let name = p.path.trim_end_matches("[*]");
            seen.insert(name.to_string()).then(|| lsp::CompletionItem {
                label: name.to_string(),
                kind: Some(lsp::CompletionItemKind::FIELD),
                detail: Some(p.ty.as_str().into()),
                documentation: p.description.map(|d| lsp::Documentation::String(d.into())),
                ..Default::default()
            })
        })
        .collect()
}
