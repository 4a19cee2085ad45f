use super::*;
use serde_json::json;

fn ev(text: &str) -> Result<Value, EvalError> {
    eval_string(text, &NoContext)
}

#[test]
fn smoke() {
    assert_eq!(ev("[concat('a', 'b')]"), Ok(json!("ab")));
}
