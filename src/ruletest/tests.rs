//! Unit tests of test items: parsing, resolution errors, verdict judging.

use crate::syntax::ast::{Item, TestClause};

fn parse_test(text: &str) -> crate::syntax::ast::Test {
    let (file, diags) = crate::syntax::parse(0, text);
    assert!(diags.is_empty(), "{diags:?}");
    match file.items.into_iter().next() {
        Some(Item::Test(t)) => t,
        other => panic!("not a test: {other:?}"),
    }
}

#[test]
fn every_clause_parses() {
    let t = parse_test(
        r#"test t {
  rule admin-user-disabled
  param effect = "Deny"
  resource registry { adminUserEnabled = true networkRuleSet.ipRules = [{ value = "0.0.0.0/0", action = "Allow" }] }
  input "x.json"
  expect non_compliant
  expect fix adminUserEnabled = false
  expect admin-user-disabled compliant after deployment
  expect unknown at deploy
}"#,
    );
    assert_eq!(t.clauses.len(), 8);
    assert!(matches!(t.clauses[5], TestClause::ExpectFix { .. }));
    let TestClause::Expect(e) = &t.clauses[6] else {
        panic!("expect")
    };
    assert_eq!(
        e.rule.as_ref().map(|r| r.name.as_str()),
        Some("admin-user-disabled")
    );
    assert_eq!(e.verdict.name, "compliant");
}

#[test]
fn expectations_end_at_the_next_clause_keyword() {
    // `expect <verdict>` followed by another clause: the keyword is not
    // taken for a rule id (the lookahead must not skip whitespace).
    let t = parse_test(
        "test t {\n  rule x\n  expect non_compliant\n  expect compliant\n  expect fix a = 1\n  expect x unknown\n}",
    );
    assert_eq!(t.clauses.len(), 5);
}
