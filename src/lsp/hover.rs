//! Hover: test items, symbols, clause keywords, catalog properties and kinds.

use super::analysis::Analysis;
use super::completion::clause_docs;
use super::symbols::resolve_property;
use crate::catalog;
use crate::syntax::keywords::Block;
use lsp_types as lsp;

impl Analysis {
    pub fn hover(&self, pos: lsp::Position) -> Option<lsp::Hover> {
        let offset = self.offset(pos)?;
        let markdown = self
            .hover_test(offset)
            .or_else(|| self.symbol_at(offset).map(|s| s.doc.clone()))
            .or_else(|| self.hover_path(offset))?;
        Some(lsp::Hover {
            contents: lsp::HoverContents::Markup(lsp::MarkupContent {
                kind: lsp::MarkupKind::Markdown,
                value: markdown,
            }),
            range: None,
        })
    }

    /// The path-like word around `offset` and where it starts.
    fn word_at(&self, offset: usize) -> Option<(usize, &str)> {
        let text = self.text.as_str();
        let is_path =
            |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '[' | ']' | '*');
        let start = text[..offset.min(text.len())]
            .char_indices()
            .rev()
            .find(|(_, c)| !is_path(*c))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let end = text[offset.min(text.len())..]
            .find(|c: char| !is_path(c))
            .map_or(text.len(), |i| offset + i);
        let word = text.get(start..end)?.trim_end_matches('.');
        (!word.is_empty()).then_some((start, word))
    }

    /// Hover on a word of a `test` item (its subject, clauses, verdicts).
    fn hover_test(&self, offset: usize) -> Option<String> {
        let (start, word) = self.word_at(offset)?;
        let ctx = self.context(start);
        if ctx.item != Some("test") {
            return None;
        }
        self.test_hover(word, &ctx)
    }

    /// Hover on a clause keyword, a property path or a kind name after
    /// `target`.
    fn hover_path(&self, offset: usize) -> Option<String> {
        let (start, word) = self.word_at(offset)?;
        let ctx = self.context(start);
        if ctx.line_before.is_empty() && ctx.item != Some("test") {
            let table = clause_docs(if ctx.item == Some("initiative") {
                Block::Initiative
            } else {
                Block::Rule
            });
            if let Some((k, d)) = table.iter().find(|(k, _)| *k == word) {
                return Some(format!("```acrp\n{k}\n```\n\n{d}"));
            }
        }
        let cat = catalog::catalog();
        if ctx.line_before.last() == Some(&"target") {
            let k = cat.kind(word)?;
            return Some(format!(
                "```acrp\ntarget {}\n```\n\n`{}`\n\n{}",
                k.name, k.resource_type, k.description
            ));
        }
        let kind = Self::kind_of(ctx.target);
        // In a test's resource, paths are the resource's own (no array
        // element context): `name` is its name, not some element's.
        let prop = kind.and_then(|k| {
            if ctx.item == Some("test") {
                k.property(word)
            } else {
                resolve_property(k, word)
            }
        });
        if let Some(p) = prop {
            let mut doc = format!("```acrp\n{}: {}\n```", p.path, p.ty.as_str());
            if let Some(a) = &p.alias {
                doc.push_str(&format!("\n\nalias: `{a}`"));
            }
            doc.push_str(&format!("\n\nARM path: `{}`", p.arm_path));
            if !p.enum_values.is_empty() {
                doc.push_str(&format!(
                    "\n\nvalues{}: {}",
                    if p.enum_closed { "" } else { " (open set)" },
                    p.enum_values
                        .iter()
                        .map(|v| format!("`{v}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            if let Some(d) = p.default() {
                doc.push_str(&format!("\n\nservice default: `{d}`"));
            }
            if p.preview {
                doc.push_str("\n\n*preview API versions only*");
            }
            if let Some(d) = &p.description {
                doc.push_str(&format!("\n\n{d}"));
            }
            return Some(doc);
        }
        let g = cat.generic_field(word)?;
        Some(format!(
            "```acrp\n{}: {}\n```\n\nfield: `{}`\n\n{}",
            g.path,
            g.ty.as_str(),
            g.field,
            g.description
        ))
    }
}
