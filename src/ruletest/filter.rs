//! `acrpc test --filter PATTERN`: which tests run.
//!
//! A test is named `PACK::TEST` in reports. A pattern is `TEST` or
//! `PACK::TEST`; each side is a glob matched against the whole name (`*` any
//! run of characters, `?` one character, `[ab]` one of a set), case
//! sensitively, so `::admin-on` selects the test `admin-on` of every pack and
//! not `admin-on-x`, and `admin-*` selects every test whose name starts with
//! `admin-`. An empty side matches every name: `demo::` runs every test of
//! the pack `demo`.

use globset::{Glob, GlobMatcher};

#[derive(Debug, Clone)]
pub struct Filter {
    /// The pattern as written.
    pattern: String,
    pack: Option<GlobMatcher>,
    test: Option<GlobMatcher>,
}

impl Filter {
    /// Parses a pattern; `Err` says why it is not one.
    pub fn parse(pattern: &str) -> Result<Filter, String> {
        let (pack, test) = match pattern.split_once("::") {
            Some((pack, test)) => (pack, test),
            None => ("", pattern),
        };
        if pattern.is_empty() {
            return Err("the pattern is empty; give `TEST` or `PACK::TEST`".into());
        }
        Ok(Filter {
            pattern: pattern.to_string(),
            pack: side(pack)?,
            test: side(test)?,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    /// Whether the test `test` of the pack `pack` is selected.
    pub fn matches(&self, pack: &str, test: &str) -> bool {
        self.pack.as_ref().is_none_or(|g| g.is_match(pack))
            && self.test.as_ref().is_none_or(|g| g.is_match(test))
    }
}

/// One side of a pattern: `None` (any name) when empty.
fn side(glob: &str) -> Result<Option<GlobMatcher>, String> {
    if glob.is_empty() {
        return Ok(None);
    }
    if glob.contains("::") {
        return Err(format!(
            "`{glob}`: a pattern has at most one `::` (between the pack and the test)"
        ));
    }
    Glob::new(glob)
        .map(|g| Some(g.compile_matcher()))
        .map_err(|e| format!("`{glob}` is not a valid glob: {}", e.kind()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selects(pattern: &str, pack: &str, test: &str) -> bool {
        Filter::parse(pattern)
            .unwrap_or_else(|e| panic!("{pattern}: {e}"))
            .matches(pack, test)
    }

    #[test]
    fn a_name_is_matched_whole_not_as_a_substring() {
        assert!(selects("::admin-on", "demo", "admin-on"));
        assert!(!selects("::admin-on", "demo", "admin-on-x"));
        assert!(selects("admin-on", "demo", "admin-on"));
        assert!(!selects("admin-on", "demo", "x-admin-on"));
        assert!(!selects("admin-on", "demo", "Admin-On"));
    }

    #[test]
    fn globs_and_empty_sides() {
        assert!(selects("admin-*", "demo", "admin-on-x"));
        assert!(!selects("admin-*", "demo", "x-admin"));
        assert!(selects("*-on", "demo", "admin-on"));
        assert!(selects("adm?n-on", "demo", "admin-on"));
        assert!(selects("demo::", "demo", "anything"));
        assert!(!selects("demo::", "other", "anything"));
        assert!(selects("d*::admin-on", "demo", "admin-on"));
        assert!(!selects("demo::admin-on", "demo2", "admin-on"));
        assert!(selects("::", "any", "thing"));
    }

    #[test]
    fn bad_patterns_say_why() {
        assert!(Filter::parse("").is_err());
        assert!(Filter::parse("a::b::c").is_err());
        let e = Filter::parse("admin-[on").expect_err("unclosed class");
        assert!(e.contains("not a valid glob"), "{e}");
    }
}
