//! Resource ids (template-functions-resource.md): `resourceId` and its scoped siblings.

use super::{arity, get_key, invalid, str_arg, unknown_self};
use crate::expr::{Context, EvalError};
use serde_json::Value;

/// A context object's string property, e.g. `subscription().subscriptionId`; Unknown when
/// the context does not define the function.
fn from_context(
    ctx: &dyn Context,
    func: &str,
    prop: &str,
    needed_by: &str,
) -> Result<String, EvalError> {
    let value = match ctx.call(func, &[]) {
        Some(result) => result?,
        None => {
            return Err(unknown_self(&format!(
                "cannot be known here: {needed_by} needs {func}().{prop}, which this context does not define"
            )));
        }
    };
    match value.as_object().and_then(|m| get_key(m, prop)) {
        Some(Value::String(s)) => Ok(s.clone()),
        _ => invalid(format!("{func}() has no string property '{prop}'")),
    }
}

/// `type`, `names` → `providers/{namespace}/{type1}/{name1}/{type2}/{name2}...`.
fn provider_path(name: &str, ty: &str, names: &[&str]) -> Result<String, EvalError> {
    let mut segments = ty.split('/');
    let namespace = segments.next().unwrap_or_default();
    let types: Vec<&str> = segments.collect();
    if namespace.is_empty() || types.is_empty() || types.iter().any(|t| t.is_empty()) {
        return invalid(format!(
            "{name}: '{ty}' is not a fully qualified resource type"
        ));
    }
    if types.len() != names.len() {
        return invalid(format!(
            "{name}: resource type '{ty}' has {} segment(s) but {} name(s) were given",
            types.len(),
            names.len()
        ));
    }
    let mut path = format!("providers/{namespace}");
    for (t, n) in types.iter().zip(names) {
        path.push_str(&format!("/{t}/{n}"));
    }
    Ok(path)
}

fn strings<'v>(name: &str, args: &'v [Value]) -> Result<Vec<&'v str>, EvalError> {
    args.iter().map(|a| str_arg(name, a)).collect()
}

/// Splits `[scope...], type, names...` at the resource type: the first argument with a `/`
/// (names cannot contain one; scopes such as a subscription id or group name do not).
fn split_at_type<'a>(
    name: &str,
    args: &'a [&'a str],
) -> Result<(&'a [&'a str], &'a str, &'a [&'a str]), EvalError> {
    let Some(i) = args.iter().position(|a| a.contains('/')) else {
        return invalid(format!(
            "{name}: no resource type (namespace/type) among the arguments"
        ));
    };
    match (args.split_at_checked(i), args.get(i)) {
        (Some((scope, rest)), Some(ty)) => Ok((scope, ty, rest.get(1..).unwrap_or_default())),
        _ => invalid(format!("{name}: no resource type among the arguments")),
    }
}

/// resourceId([subscriptionId], [resourceGroupName], resourceType, names...).
pub(super) fn resource_id(args: &[Value], ctx: &dyn Context) -> Result<Value, EvalError> {
    arity("resourceId", args, 2, usize::MAX)?;
    let all = strings("resourceId", args)?;
    let (scope, ty, names) = split_at_type("resourceId", &all)?;
    let tail = provider_path("resourceId", ty, names)?;
    let (sub, rg) = match scope {
        [] => (
            from_context(ctx, "subscription", "subscriptionId", "resourceId")?,
            from_context(ctx, "resourcegroup", "name", "resourceId")?,
        ),
        [rg] => (
            from_context(ctx, "subscription", "subscriptionId", "resourceId")?,
            rg.to_string(),
        ),
        [sub, rg] => (sub.to_string(), rg.to_string()),
        _ => return invalid("resourceId: too many arguments before the resource type"),
    };
    Ok(Value::String(format!(
        "/subscriptions/{sub}/resourceGroups/{rg}/{tail}"
    )))
}

/// subscriptionResourceId([subscriptionId], resourceType, names...).
pub(super) fn subscription_resource_id(
    args: &[Value],
    ctx: &dyn Context,
) -> Result<Value, EvalError> {
    arity("subscriptionResourceId", args, 2, usize::MAX)?;
    let all = strings("subscriptionResourceId", args)?;
    let (scope, ty, names) = split_at_type("subscriptionResourceId", &all)?;
    let tail = provider_path("subscriptionResourceId", ty, names)?;
    let sub = match scope {
        [] => from_context(
            ctx,
            "subscription",
            "subscriptionId",
            "subscriptionResourceId",
        )?,
        [sub] => sub.to_string(),
        _ => return invalid("subscriptionResourceId: too many arguments before the resource type"),
    };
    Ok(Value::String(format!("/subscriptions/{sub}/{tail}")))
}

/// tenantResourceId(resourceType, names...).
pub(super) fn tenant_resource_id(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    arity("tenantResourceId", args, 2, usize::MAX)?;
    let all = strings("tenantResourceId", args)?;
    let (scope, ty, names) = split_at_type("tenantResourceId", &all)?;
    if !scope.is_empty() {
        return invalid("tenantResourceId: the first argument must be the resource type");
    }
    Ok(Value::String(format!(
        "/{}",
        provider_path("tenantResourceId", ty, names)?
    )))
}

/// managementGroupResourceId([managementGroupId], resourceType, names...).
pub(super) fn management_group_resource_id(
    args: &[Value],
    ctx: &dyn Context,
) -> Result<Value, EvalError> {
    const NAME: &str = "managementGroupResourceId";
    arity(NAME, args, 2, usize::MAX)?;
    let all = strings(NAME, args)?;
    let (scope, ty, names) = split_at_type(NAME, &all)?;
    let tail = provider_path(NAME, ty, names)?;
    let group = match scope {
        [] => from_context(ctx, "managementgroup", "name", NAME)?,
        [group] => group.to_string(),
        _ => {
            return invalid(format!(
                "{NAME}: too many arguments before the resource type"
            ));
        }
    };
    Ok(Value::String(format!(
        "/providers/Microsoft.Management/managementGroups/{group}/{tail}"
    )))
}

/// extensionResourceId(resourceId, resourceType, names...): the extension resource's id
/// under the resource it extends.
pub(super) fn extension_resource_id(args: &[Value], _: &dyn Context) -> Result<Value, EvalError> {
    const NAME: &str = "extensionResourceId";
    arity(NAME, args, 3, usize::MAX)?;
    let all = strings(NAME, args)?;
    let [id, ty, names @ ..] = all.as_slice() else {
        return invalid(format!("{NAME} expects at least 3 arguments"));
    };
    let tail = provider_path(NAME, ty, names)?;
    Ok(Value::String(format!(
        "{}/{tail}",
        id.trim_end_matches('/')
    )))
}
