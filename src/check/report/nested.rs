//! Pieces that let the JSON report print each result straight into its
//! place in the document: a pretty-printer that starts indented, and rule
//! texts escaped once per run instead of once per result (issue 15 item
//! 6b/6c: escaping the same titles and messages for every resource, and
//! re-indenting every printed result, were a third of the report's cost).

use serde_json::value::RawValue;
use std::io::{self, Write};

/// `serde_json`'s pretty layout (two spaces a level, `": "` after keys,
/// `[]`/`{}` when empty) starting `depth` levels in, so that a value printed
/// with it can be copied into a document at that depth unchanged.
pub struct Nested {
    depth: usize,
    has_value: bool,
}

impl Nested {
    pub fn at(depth: usize) -> Nested {
        Nested {
            depth,
            has_value: false,
        }
    }

    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            w.write_all(b"\n")?;
            self.indent(w)?;
        }
        w.write_all(bracket)
    }

    /// The line break and indentation before an array element or a key.
    fn item<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        w.write_all(if first { b"\n" } else { b",\n" })?;
        self.indent(w)
    }

    fn indent<W: ?Sized + Write>(&self, w: &mut W) -> io::Result<()> {
        (0..self.depth).try_for_each(|_| w.write_all(b"  "))
    }
}

impl serde_json::ser::Formatter for Nested {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.item(w, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.item(w, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// A string as a JSON string literal, escaped once.
pub fn escaped(s: &str) -> Box<RawValue> {
    // A string always serialises, and its JSON is always a valid raw value
    // (the default, `null`, is never reached).
    let json = serde_json::to_string(s).unwrap_or_default();
    RawValue::from_string(json).unwrap_or_default()
}

/// A rule's texts as the JSON report prints them, escaped once per run.
pub struct RuleTexts {
    pub id: Box<RawValue>,
    pub name: Box<RawValue>,
    pub title: Box<RawValue>,
    pub message: Box<RawValue>,
    pub remediation: Option<Box<RawValue>>,
}

impl RuleTexts {
    pub fn of(rule: &crate::eval::Rule) -> RuleTexts {
        RuleTexts {
            id: escaped(&rule.id),
            name: escaped(&rule.name),
            title: escaped(&rule.title),
            message: escaped(&rule.message),
            remediation: rule.remediation.as_deref().map(escaped),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use serde_json::json;

    /// Printed at depth 2 = printed pretty, every line after the first
    /// indented two levels (how the report placed results before).
    #[test]
    fn nested_is_pretty_indented() {
        let values = [
            json!({"a": 1, "b": [], "c": {}, "d": [1, {"e": null, "f": ["x", "y\n\"z"]}], "g": {"h": true}}),
            json!([]),
            json!({}),
            json!("s"),
            json!([[], [[]], {"k": {}}]),
        ];
        for v in values {
            let pretty = serde_json::to_string_pretty(&v).unwrap();
            let expected = pretty.replace('\n', "\n    ");
            let mut out = Vec::new();
            v.serialize(&mut serde_json::Serializer::with_formatter(
                &mut out,
                Nested::at(2),
            ))
            .unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), expected, "{v}");
        }
    }

    #[test]
    fn escaped_is_the_serialised_string() {
        for s in [
            "plain",
            "quote \" and \\ backslash",
            "line\nbreak\t\u{1}",
            "ünï €",
        ] {
            assert_eq!(escaped(s).get(), serde_json::to_string(s).unwrap());
        }
    }
}
