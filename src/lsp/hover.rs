//! Hover: symbols, clause keywords, catalog properties and kinds.

use super::analysis::Analysis;
use super::completion::clause_docs;
use super::symbols::resolve_property;
use crate::catalog;
use crate::syntax::keywords::Block;
use lsp_types as lsp;

impl Analysis {
    pub fn hover(&self, pos: lsp::Position) -> Option<lsp::Hover> {
        let offset = self.offset(pos)?;
        let markdown = if let Some(s) = self.symbol_at(offset) {
            s.doc.clone()
        } else {
            self.hover_path(offset)?
        };
        Some(lsp::Hover {
            contents: lsp::HoverContents::Markup(lsp::MarkupContent {
                kind: lsp::MarkupKind::Markdown,
                value: markdown,
            }),
            range: None,
        })
    }

    /// Hover on a property path (or a kind name after `target`).
    fn hover_path(&self, offset: usize) -> Option<String> {
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
        if word.is_empty() {
            return None;
        }
        let ctx = self.context(start);
        if ctx.line_before.is_empty() {
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
        let prop = kind.and_then(|k| resolve_property(k, word));
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
            if let Some(d) = &p.default {
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
