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

#[test]
fn comments_stay_where_they_were() {
    let src = "# file\nrule r {   # after brace\n  # before title\n  title \"R\" # trailing\n  require a == 1\n    # inside the condition\n    and b == 2\n      # before the brace\n}\n# end\n";
    insta::assert_snapshot!(fmt(src), @r#"
    # file
    rule r { # after brace
      # before title
      title       "R" # trailing
      require     a == 1
              # inside the condition
              and b == 2
      # before the brace
    }

    # end
    "#);
}

#[test]
fn index_and_path_spacing_is_kept_where_it_changes_the_syntax() {
    // `tags["a"]` is a path with a key, `tags ["a"]` an index expression, and
    // `tags[ "a" ]` too: the formatter keeps each as written.
    let src = "rule r {\n  require tags[\"a\"] exists and tags [\"b\"] == \"x\" and tags[ \"c\" ] == \"y\"\n}\n";
    let out = fmt(src);
    assert!(out.contains("tags[\"a\"] exists"), "{out}");
    assert!(out.contains("tags [\"b\"] =="), "{out}");
    assert!(out.contains("tags[ \"c\" ] =="), "{out}");
}
