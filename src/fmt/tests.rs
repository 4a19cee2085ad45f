use super::format;

fn fmt(src: &str) -> String {
    match format(0, src) {
        Ok(s) => s,
        Err(d) => panic!(
            "format failed: {:?}",
            d.iter().map(|d| &d.message).collect::<Vec<_>>()
        ),
    }
}

#[test]
fn pads_clause_keys_and_splits_clauses() {
    let src = "pack p{title \"P\" version \"1.0.0\"}\nrule r { title \"R\" practice network severity high target registry\nrequire adminUserEnabled!=true fix adminUserEnabled=false }\n";
    insta::assert_snapshot!(fmt(src), @r#"
    pack p {
      title       "P"
      version     "1.0.0"
    }
    rule r {
      title       "R"
      practice    network
      severity    high
      target      registry
      require     adminUserEnabled != true
      fix         adminUserEnabled = false
    }
    "#);
}
