//! Go to definition, find references, rename.

use super::analysis::Analysis;
use super::symbols::Symbol;
use crate::diag::Span;
use lsp_types as lsp;

fn contains(span: Span, offset: usize) -> bool {
    span.start as usize <= offset && offset <= span.end as usize
}

impl Analysis {
    /// The symbol whose definition or a use is at `offset`.
    pub fn symbol_at(&self, offset: usize) -> Option<&Symbol> {
        self.symbols
            .iter()
            .find(|s| contains(s.def, offset) || s.refs.iter().any(|r| contains(*r, offset)))
    }

    pub fn definition(&self, pos: lsp::Position) -> Option<lsp::Range> {
        let s = self.symbol_at(self.offset(pos)?)?;
        Some(self.range(s.def))
    }

    pub fn references(
        &self,
        pos: lsp::Position,
        include_declaration: bool,
    ) -> Option<Vec<lsp::Range>> {
        let s = self.symbol_at(self.offset(pos)?)?;
        let mut spans = Vec::new();
        if include_declaration {
            spans.push(s.def);
        }
        spans.extend(s.refs.iter().copied());
        Some(spans.into_iter().map(|sp| self.range(sp)).collect())
    }

    /// Edits renaming the symbol at `pos`; `Err` says why not.
    pub fn rename(&self, pos: lsp::Position, new_name: &str) -> Result<Vec<lsp::TextEdit>, String> {
        let offset = self
            .offset(pos)
            .ok_or("the position is outside the document")?;
        let s = self.symbol_at(offset).ok_or("nothing to rename here")?;
        let valid = new_name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && new_name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !valid {
            return Err(format!("`{new_name}` is not a valid name"));
        }
        Ok(std::iter::once(s.def)
            .chain(s.refs.iter().copied())
            .map(|sp| lsp::TextEdit::new(self.range(sp), new_name.to_string()))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::Config;
    use crate::lsp::analysis::{Analysis, analyze};
    use crate::sema::NoTemplates;
    use lsp_types as lsp;

    fn analysis(text: &str) -> Analysis {
        analyze(text.to_string(), &NoTemplates, &Config::default())
    }

    #[test]
    fn rename_changes_definition_and_uses() {
        let rule = "rule r { title \"R\" practice network severity high target registry param n: string = \"x\" require name == param.n }";
        let a = analysis(&format!(
            "pack p {{ title \"P\" version \"1.0.0\" }}\n{rule}\ninitiative i {{ title \"I\" version \"1.0.0\" include r }}\n"
        ));
        let edits = a
            .rename(lsp::Position::new(1, 5), "renamed")
            .expect("rename");
        assert_eq!(edits.len(), 2);
        let col = rule.find("param.n").expect("use") + "param.".len();
        let edits = a
            .rename(lsp::Position::new(1, col as u32), "m")
            .expect("rename param");
        assert_eq!(edits.len(), 2, "{edits:?}");
        assert!(a.rename(lsp::Position::new(1, 4), "not valid").is_err());
    }
}
