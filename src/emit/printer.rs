//! One printer for JSON values written as Bicep or HCL literals. Both
//! targets lay values out the same way (two-space indent, one item or
//! property per line, `[]`/`{}` when empty); a [`Syntax`] supplies what
//! differs: how strings and keys are written, and what ends an array item.

use serde_json::Value;

pub trait Syntax {
    /// A string value (quoted and escaped, or an expression).
    fn string(&self, s: &str) -> String;
    /// An object key with what separates it from its value (`key: `, `"key" = `).
    fn key(&self, k: &str) -> String;
    /// What follows each array item before the line break (`""`, `","`).
    fn item_end(&self) -> &'static str;
}

/// Writes `v` at nesting `depth` (in two-space steps) to `out`.
pub fn print(v: &Value, depth: usize, syntax: &dyn Syntax, out: &mut String) {
    let pad = "  ".repeat(depth);
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => out.push_str(&syntax.string(s)),
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Array(items) => {
            out.push_str("[\n");
            for item in items {
                out.push_str(&pad);
                out.push_str("  ");
                print(item, depth + 1, syntax, out);
                out.push_str(syntax.item_end());
                out.push('\n');
            }
            out.push_str(&pad);
            out.push(']');
        }
        Value::Object(o) if o.is_empty() => out.push_str("{}"),
        Value::Object(o) => {
            out.push_str("{\n");
            for (k, item) in o {
                out.push_str(&pad);
                out.push_str("  ");
                out.push_str(&syntax.key(k));
                print(item, depth + 1, syntax, out);
                out.push('\n');
            }
            out.push_str(&pad);
            out.push('}');
        }
    }
}
