use super::ast::*;
use super::parse;

fn parse_ok(text: &str) -> File {
    let (file, diags) = parse(0, text);
    assert!(diags.is_empty(), "unexpected diagnostics: {diags:#?}");
    file
}

const SAMPLE: &str = r#"
# A comment
pack acr-baseline {
  title    "Azure Container Registry security baseline"
  version  "1.0.0"
  category "Container Registry"
}

rule admin-user-disabled {
  title       "Container registries should have the local admin account disabled"
  description """
      The admin user is a shared credential
      that bypasses Entra ID and RBAC.
      """
  practice    identity
  severity    high
  controls    ["MCSB IM-1"]
  target      registry
  effect      audit | deny | disabled = audit
  require     adminUserEnabled != true
  fix         adminUserEnabled = false
}

rule private-link-required {
  target  registry
  when    sku.name == "Premium"
  require any(privateEndpointConnections[*],
              privateLinkServiceConnectionState.status == "Approved")
          and count(privateEndpointConnections[*]) >= 1
          and not (publicNetworkAccess in ["Enabled"] or tags["env"] not like "prod*")
}

rule logs {
  param categoryGroup: string = "audit" allowed ["audit", "allLogs"] { title "Category group" }
  param logAnalytics: string strongType "omsWorkspace" assignPermissions
  effect  auditIfNotExists | disabled = auditIfNotExists
  let peSubscription = split(concat(name, "//"), "/")[2]
  require related "Microsoft.Insights/diagnosticSettings" named "x" in subscription after provisioning
          where any(logs[*], enabled == (param.categoryGroup == "audit") and categoryGroup in ["audit", "allLogs"])
  deploy "templates/diag.json" roles ["Log Analytics Contributor"] { resourceName = name  ws = param.logAnalytics }
}

initiative acr-security {
  title   "ACR security baseline"
  param effect: effect = audit allowed [audit, deny, disabled]
  group identity "Identity and access"
  include admin-user-disabled { effect = param.effect  groups [identity] }
  include practice network
  include all
}
"#;

#[test]
fn parses_the_sample_pack() {
    let file = parse_ok(SAMPLE);
    assert_eq!(file.items.len(), 5);
    let Item::Rule(rule) = &file.items[1] else {
        panic!("expected a rule")
    };
    assert_eq!(rule.id.name, "admin-user-disabled");
    let effect = rule
        .clauses
        .iter()
        .find_map(|c| match c {
            RuleClause::Effect(e) => Some(e),
            _ => None,
        })
        .expect("effect clause");
    let names: Vec<_> = effect.allowed.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["audit", "deny", "disabled"]);
    assert_eq!(
        effect.default.as_ref().map(|d| d.name.as_str()),
        Some("audit")
    );
    let desc = rule.clauses.iter().find_map(|c| match c {
        RuleClause::Meta(m) if m.key.name == "description" => Some(&m.value),
        _ => None,
    });
    assert!(
        matches!(desc, Some(Literal::Str(s, _)) if s == "The admin user is a shared credential\nthat bypasses Entra ID and RBAC.")
    );
}

#[test]
fn parses_conditions_with_precedence() {
    let file = parse_ok(SAMPLE);
    let Item::Rule(rule) = &file.items[2] else {
        panic!("expected a rule")
    };
    let req = rule
        .clauses
        .iter()
        .find_map(|c| match c {
            RuleClause::Require(c, _) => Some(&**c),
            _ => None,
        })
        .expect("require");
    let Cond::And(parts, _) = req else {
        panic!("expected and, got {req:?}")
    };
    assert_eq!(parts.len(), 3);
    assert!(matches!(parts[0], Cond::Quantifier { all: false, .. }));
    assert!(matches!(parts[1], Cond::Count { op: CmpOp::Ge, .. }));
    let Cond::Not(inner, _) = &parts[2] else {
        panic!("expected not")
    };
    let Cond::Or(ors, _) = inner.as_ref() else {
        panic!("expected or")
    };
    assert!(matches!(ors[0], Cond::Compare { op: CmpOp::In, .. }));
    assert!(matches!(
        ors[1],
        Cond::Compare {
            op: CmpOp::NotLike,
            ..
        }
    ));
}

#[test]
fn one_broken_item_does_not_hide_the_next() {
    let text = "pack p { title \"x\" }\nrule a {\n  require adminUserEnabled = true\n}\nrule b {\n  require = \n}\nrule c { target registry }\n";
    let (file, diags) = parse(0, text);
    assert_eq!(diags.len(), 2, "{diags:#?}");
    assert!(diags.iter().all(|d| d.code == crate::diag::Code::E0001));
    assert_eq!(file.items.len(), 2);
    // The first error suggests `==`.
    assert!(diags[0].suggestions.iter().any(|s| s.replacement == "=="));
}

#[test]
fn unterminated_string_is_its_own_code() {
    let (_, diags) = parse(
        0,
        "pack p {\n title \"oops\n}\nrule r { target registry }\n",
    );
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0].code, crate::diag::Code::E0002);
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let depth = 10_000;
    let text = format!(
        "rule r {{ target registry\n require {}a == 1{} }}\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let (_, diags) = parse(0, &text);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0].code, crate::diag::Code::E0006);
}

#[test]
fn long_not_chains_fold() {
    let text = format!("rule r {{ require {} a == 1 }}\n", "not ".repeat(10_001));
    let file = parse_ok(&text);
    let Item::Rule(r) = &file.items[0] else {
        panic!()
    };
    assert!(matches!(
        &r.clauses[0],
        RuleClause::Require(c, _) if matches!(**c, Cond::Not(..))
    ));
}

#[test]
fn empty_file_is_reported() {
    let (_, diags) = parse(0, "# nothing here\n");
    assert_eq!(diags[0].code, crate::diag::Code::E0005);
}

#[test]
fn bad_escape_is_reported() {
    let (_, diags) = parse(0, "pack p { title \"a\\qb\" }\n");
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].code, crate::diag::Code::E0003);
}

/// A lone CR ends a comment: editors show what follows on a new line, so the
/// parser must read it too (issue 13, item 4).
#[test]
fn a_lone_cr_ends_a_comment() {
    let text = "rule r {\n  require a != true # c\r  and b != true\n}\n";
    let file = parse_ok(text);
    let Item::Rule(rule) = &file.items[0] else {
        panic!("not a rule")
    };
    let shown = format!("{:?}", rule.clauses);
    assert!(
        shown.contains("\"b\""),
        "the `and b` part was dropped: {shown}"
    );
}

/// A byte-order mark before the first item is not stray text.
#[test]
fn a_byte_order_mark_is_skipped() {
    let file = parse_ok("\u{FEFF}pack p {\r\n  title \"P\"\r\n}\r\n");
    assert_eq!(file.items.len(), 1);
}

/// One root cause, one error: an unclosed block is reported once, with the
/// opening brace as related span, and the next item still parses.
#[test]
fn an_unclosed_block_is_one_error_naming_its_brace() {
    let text = "rule a {\n  title \"A\"\n\nrule b {\n  title \"B\"\n}\n";
    let (file, diags) = parse(0, text);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert!(
        diags[0].message.contains("never closed"),
        "{}",
        diags[0].message
    );
    assert_eq!(diags[0].related[0].span.start, 7);
    assert_eq!(file.items.len(), 1);
    assert_eq!(file.broken.len(), 1);
    assert_eq!(file.broken[0].id.as_deref(), Some("a"));
}

/// The parser's per-chunk work limit is not hit by long valid input
/// (issue 13, item 23): a rule followed by many comment lines parses.
#[test]
fn many_comment_lines_after_an_item_parse() {
    let mut text = String::from("rule r {\n  require a != true\n}\n");
    for _ in 0..100_000 {
        text.push_str("# comment\n");
    }
    let file = parse_ok(&text);
    assert_eq!(file.items.len(), 1);
}

/// `EqShape` ignores spans but nothing else.
#[test]
fn eq_shape_ignores_spans_only() {
    use super::ast::EqShape;
    let a = parse_ok("rule r {\n  require a != true and b == \"x\"\n}\n");
    let b = parse_ok("rule   r {\n\n    require a != true\n        and b == \"x\"\n}\n");
    let c = parse_ok("rule r {\n  require a != true and b == \"y\"\n}\n");
    assert_ne!(a, b, "the spans differ");
    assert!(a.eq_shape(&b));
    assert!(!a.eq_shape(&c));
}

/// Between an item keyword and its `{` every word is a name: an environment
/// or initiative called `test`, or a test called `rule`, is one item.
#[test]
fn item_keywords_used_as_names_do_not_start_items() {
    let file = parse_ok(concat!(
        "environment test {\n  scope \"/subscriptions/x\"\n}\n",
        "assignment a of test {\n  scope \"/subscriptions/x\"\n}\n",
        "test rule {\n  rule environment\n  resource registry { }\n  expect compliant\n}\n",
    ));
    assert_eq!(file.items.len(), 3, "{:#?}", file.items);
    assert!(matches!(&file.items[0], Item::Placement(p) if p.id.name == "test"));
    assert!(matches!(&file.items[2], Item::Test(t) if t.name.name == "rule"));
    // A header without `{` still ends at the next item in column 0.
    let (file, diags) = parse(0, "rule a\n  title \"A\"\n}\nrule b {\n  title \"B\"\n}\n");
    assert!(!diags.is_empty());
    assert!(
        file.items
            .iter()
            .any(|i| matches!(i, Item::Rule(r) if r.id.name == "b")),
        "{:#?}",
        file.items
    );
}

/// A line break inside a header keeps the name with its item (the formatter
/// keeps an author's line breaks): `environment` then `test {` in column 0.
#[test]
fn a_name_in_column_0_after_its_item_keyword_is_still_the_name() {
    let file = parse_ok("environment\ntest {\n  scope \"/subscriptions/x\"\n}\n");
    assert_eq!(file.items.len(), 1, "{:#?}", file.items);
    assert!(matches!(&file.items[0], Item::Placement(p) if p.id.name == "test"));
    let file = parse_ok("assignment a of\ntest {\n  scope \"/subscriptions/x\"\n}\n");
    assert_eq!(file.items.len(), 1, "{:#?}", file.items);
}

/// The work budget grows with the item (issue 13, item 23): a chain twice
/// the size of the fixed 20,000,000-step budget that once cut a
/// 95,000-term `and` chain short ("unexpected `true`") would need is
/// within budget. (tests/crashes.rs parses such a chain end to end.)
#[test]
fn the_parse_budget_grows_with_the_item() {
    assert_eq!(super::call_budget(0), super::CALL_FLOOR);
    assert_eq!(super::call_budget(1_000), super::CALL_FLOOR);
    // 95,000 terms of `tags["k1234"] != "x" and ` ≈ 2.4 MB at ~10 steps a byte.
    let chain_bytes = 95_000 * 25;
    assert!(super::call_budget(chain_bytes) >= 4 * 10 * chain_bytes);
}

/// An item that exhausts its budget gets E1401 naming the item and the
/// limit, on the item's header: not a syntax error at whatever token the
/// parser had reached when it stopped.
#[test]
fn an_exhausted_budget_is_e1401_not_a_syntax_error() {
    let src = "rule big-one {\n  require a != true and b != true and c != true\n}\n";
    let err = super::parse_with_budget(src, 50).expect_err("50 steps are too few");
    let d = super::item_error(0, 100, src, &err);
    assert_eq!(d.code, crate::diag::Code::E1401);
    assert!(
        d.message.contains("rule `big-one`") && d.message.contains("64 steps per byte"),
        "{}",
        d.message
    );
    let header_end = 100 + "rule big-one".len() as u32;
    assert_eq!(
        (d.primary.span.start, d.primary.span.end),
        (100, header_end)
    );
    // The same text within budget parses.
    assert!(super::parse_item_text(src).is_ok());
}

/// Brackets and strings before the first item are stray text like words
/// (fuzz finding, fmt target): `}(` before a rule used to be dropped without
/// a diagnostic, so the file compiled and the formatter refused its output.
#[test]
fn brackets_and_strings_before_the_first_item_are_stray() {
    for (pre, at) in [
        ("}(", 0),
        ("[", 0),
        (")", 0),
        ("\"abc\"", 0),
        ("# c\n  {", 6),
    ] {
        let text = format!("{pre}\nrule r {{\n  require a != true\n}}\n");
        let (file, diags) = parse(0, &text);
        assert_eq!(diags.len(), 1, "{pre:?}: {diags:#?}");
        assert_eq!(diags[0].code, crate::diag::Code::E0001, "{pre:?}");
        assert_eq!(diags[0].primary.span.start, at, "{pre:?}");
        assert_eq!(file.items.len(), 1, "{pre:?}: the rule still parses");
    }
}

/// Conditions compare by shape too (lint W0605 finds repeated conditions this way).
#[test]
fn conditions_compare_by_shape() {
    use super::ast::{Cond, EqShape, Item, RuleClause};
    let require = |text: &str| -> Cond {
        let file = parse_ok(text);
        match file.items.into_iter().next() {
            Some(Item::Rule(r)) => r
                .clauses
                .into_iter()
                .find_map(|c| match c {
                    RuleClause::Require(c, _) => Some(*c),
                    _ => None,
                })
                .unwrap(),
            other => panic!("not a rule: {other:?}"),
        }
    };
    let a = require("rule r {\n  require a != true and b in [\"x\", \"y\"]\n}\n");
    let b = require("rule r {\n\n  require   a != true\n    and b in [\"x\",\"y\"]\n}\n");
    let c = require("rule r {\n  require a != true and b in [\"x\"]\n}\n");
    assert_ne!(a, b, "the spans differ");
    assert!(a.eq_shape(&b));
    assert!(!a.eq_shape(&c));
}

/// A syntax error on a long token with a multi-byte character around its
/// 30th byte (fuzz finding, fmt target: a BOM there panicked while quoting
/// the token in the message).
#[test]
fn a_long_bad_token_is_quoted_at_a_character_boundary() {
    for c in ['\u{feff}', '€', '🚀'] {
        for pad in 26..30 {
            let word = format!("@{}{c}tail", "x".repeat(pad));
            let text = format!("rule r {{\n  require a != true {word}\n}}\n");
            let (_, diags) = parse(0, &text);
            assert_eq!(diags.len(), 1, "{word}: {diags:#?}");
            assert_eq!(diags[0].code, crate::diag::Code::E0001, "{word}");
        }
    }
}
