#!/usr/bin/env python3
"""Generate src/catalog/catalog.json, the embedded resource catalog of acrpc.

Inputs (nothing else is read, nothing is fetched):
  1. acr-properties.json: the ACR alias/property reference (888 rows) kept in the
     steering repo's shared/reference/ folder; default path ../shared/reference/
     acr-properties.json relative to the repository root, or the first argument.
  2. src/catalog/extra.json: hand-written and reviewed facts that are not in (1):
     DSL names and taggability of the ACR kinds, the non-ACR kinds rules reach,
     the generic policy fields and the built-in roles, each with its source.

Output: src/catalog/catalog.json, written deterministically (kinds, properties,
fields and roles sorted; fixed key order; 1-space indent; trailing newline), so
that a regeneration without input changes is a no-op in `git diff`.

The build never runs this script: catalog.json is committed, and build.rs turns
it into Rust static data. Run it after changing either input:

    python3 tools/gen_catalog.py                 # regenerate
    python3 tools/gen_catalog.py --check         # exit 1 if catalog.json is stale
    python3 tools/gen_catalog.py path/to/acr-properties.json

Python 3.11, standard library only.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

FORMAT = 1
REPO = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO.parent / "shared" / "reference" / "acr-properties.json"
EXTRA = REPO / "src" / "catalog" / "extra.json"
OUTPUT = REPO / "src" / "catalog" / "catalog.json"

TYPES = {"string", "boolean", "integer", "number", "array", "object", "any"}
STATUSES = {"confirmed", "inferred", "legacy", "unverified"}
SCOPES = {"resource", "subscription"}
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# Sentence ends, except inside the abbreviations swagger descriptions use a lot.
SENTENCE_END = re.compile(r"(?<![eE]\.g\.)(?<![iI]\.e\.)(?<=[.!?])\s+")
MAX_DESCRIPTION = 300

# Key order of a property in catalog.json (matches the documented format).
PROPERTY_KEYS = [
    "path", "alias", "armPath", "type", "itemType", "enum", "enumClosed", "default",
    "readOnly", "modifiable", "status", "preview", "apiVersion", "childResourceType",
    "description", "source",
]


class CatalogError(Exception):
    """An input violates an invariant the Rust side relies on."""


def fail(message: str) -> None:
    raise CatalogError(message)


def trim_description(text: str | None) -> str | None:
    """First one or two sentences of a swagger description, whitespace collapsed."""
    if not text:
        return None
    flat = " ".join(text.split())
    if flat.lower() == "discriminator":
        # The reference marks the synthetic discriminator rows this way; it says nothing.
        return None
    sentences = SENTENCE_END.split(flat)
    short = " ".join(sentences[:2])
    if len(short) > MAX_DESCRIPTION:
        short = short[: MAX_DESCRIPTION - 3].rstrip() + "..."
    return short


def strip_prefix_ci(value: str, prefix: str) -> str | None:
    if value.lower().startswith(prefix.lower()):
        return value[len(prefix):]
    return None


def dsl_path_without_alias(arm_path: str) -> str | None:
    """DSL path of a property that has no alias: the ARM path without `properties` wrappers.

    This mirrors how Azure names aliases (`properties.a[*].properties.b` -> `a[*].b`),
    so hover and the checker use the same spelling for aliased and alias-less paths.
    Returns None for rows that are not useful as properties.
    """
    if arm_path in ("id", "properties") or "<key>" in arm_path:
        return None
    segments = arm_path.split(".")
    if segments[-1] == "properties" or segments[0] == "systemData":
        # Wrapper objects and ARM bookkeeping: neither policy nor templates set them.
        return None
    kept = [s for s in segments if s != "properties"]
    return ".".join(kept) if kept else None


def choose_row(rows: list[dict]) -> dict:
    """Pick one of several rows for the same alias (discriminated unions repeat them).

    The variant-free row carries the union of the enum values, so it wins; otherwise
    the first row in source order (the rows agree apart from `variant`).
    """
    plain = [r for r in rows if "variant" not in r]
    return plain[0] if plain else rows[0]


def ordered(entry: dict) -> dict:
    unknown = set(entry) - set(PROPERTY_KEYS)
    if unknown:
        fail(f"property {entry.get('path')!r}: unknown keys {sorted(unknown)}")
    return {k: entry[k] for k in PROPERTY_KEYS if k in entry}


def acr_property(row: dict, resource_type: str) -> dict | None:
    status_in = row["aliasStatus"]
    alias = row.get("alias")
    entry: dict = {}
    if status_in == "none":
        path = dsl_path_without_alias(row["path"])
        if path is None:
            return None
        entry["path"] = path
        entry["alias"] = None
        # An alias-less property: its existence is confirmed by the schema; `alias: null`
        # is what tells consumers it cannot appear in a policy condition.
        status = "confirmed"
    else:
        path = strip_prefix_ci(alias, resource_type + "/")
        if path is None:
            fail(f"alias {alias!r} does not start with {resource_type}/")
        entry["path"] = path
        entry["alias"] = alias
        if status_in == "inferred":
            status = "inferred"
        elif row.get("legacyChildAlias"):
            status = "legacy"
        elif status_in == "confirmed":
            status = "confirmed"
        else:
            fail(f"alias {alias!r}: unexpected aliasStatus {status_in!r}")
    entry["armPath"] = row["path"]
    entry["type"] = row["type"] or "any"
    if row.get("itemType"):
        entry["itemType"] = row["itemType"]
    if row.get("enum"):
        entry["enum"] = list(row["enum"])
        entry["enumClosed"] = bool(row.get("enumClosed", False))
    if "default" in row:
        entry["default"] = row["default"]
    if row.get("readOnly"):
        entry["readOnly"] = True
    if row.get("modifiable"):
        # Only the aliases that built-in Modify policies write are proven modifiable.
        entry["modifiable"] = True
    entry["status"] = status
    if row.get("previewOnly"):
        entry["preview"] = True
    if row.get("apiVersion"):
        entry["apiVersion"] = row["apiVersion"]
    if row.get("legacyChildAlias"):
        entry["childResourceType"] = row["childResourceType"]
    description = trim_description(row.get("description"))
    if description:
        entry["description"] = description
    return ordered(entry)


def check_property(kind_name: str, resource_type: str, prop: dict) -> None:
    where = f"{kind_name}.{prop.get('path')}"
    for key in ("path", "armPath", "type", "status"):
        if not prop.get(key):
            fail(f"{where}: missing {key}")
    if prop["type"] not in TYPES:
        fail(f"{where}: bad type {prop['type']!r}")
    if prop.get("itemType") is not None and prop["itemType"] not in TYPES:
        fail(f"{where}: bad itemType {prop['itemType']!r}")
    if prop["status"] not in STATUSES:
        fail(f"{where}: bad status {prop['status']!r}")
    alias = prop.get("alias")
    if alias is not None and strip_prefix_ci(alias, resource_type + "/") != prop["path"]:
        fail(f"{where}: path must be the alias without {resource_type}/")
    if "enumClosed" in prop and "enum" not in prop:
        fail(f"{where}: enumClosed without enum")


def build_acr_kinds(rows: list[dict], extra: dict) -> tuple[list[dict], dict[str, str]]:
    specs = {k["resourceType"]: k for k in extra["acrKinds"]}
    by_type: dict[str, list[dict]] = {}
    for row in rows:
        by_type.setdefault(row["resourceType"], []).append(row)
    missing = sorted(set(by_type) - set(specs))
    if missing:
        fail(f"acr-properties.json has resource types without an acrKinds entry in extra.json: {missing}")
    stale = sorted(set(specs) - set(by_type))
    if stale:
        fail(f"extra.json acrKinds names resource types absent from acr-properties.json: {stale}")

    generic: dict[str, str] = {}
    kinds = []
    for resource_type, type_rows in by_type.items():
        spec = specs[resource_type]
        grouped: dict[str, list[dict]] = {}
        for row in type_rows:
            if row["aliasStatus"] == "generic-policy-field":
                field = row["alias"]
                if generic.setdefault(field, row["type"]) != row["type"]:
                    fail(f"generic field {field!r} has two types in the source")
                continue
            key = row["alias"] if row.get("alias") else "path:" + row["path"]
            grouped.setdefault(key, []).append(row)
        props: dict[str, dict] = {}
        for group in grouped.values():
            prop = acr_property(choose_row(group), resource_type)
            if prop is None:
                continue
            key = prop["path"].lower()
            if key in props:
                previous = props[key]
                # An aliased row beats an alias-less one that spells the same path.
                if previous["alias"] is None and prop["alias"] is not None:
                    props[key] = prop
                    continue
                if prop["alias"] is None:
                    continue
                fail(f"{spec['name']}: two aliases map to the DSL path {prop['path']!r}")
            props[key] = prop
        kind = {
            "name": spec["name"],
            "resourceType": resource_type,
            "taggable": spec["taggable"],
            "scope": spec["scope"],
            "description": spec["description"],
            "source": spec["source"],
            "properties": sorted(props.values(), key=lambda p: (p["path"].lower(), p["path"])),
        }
        kinds.append(kind)
    return kinds, generic


def build_extra_kinds(extra: dict) -> list[dict]:
    kinds = []
    for spec in extra["kinds"]:
        props = [ordered(dict(p)) for p in spec["properties"]]
        kinds.append({
            "name": spec["name"],
            "resourceType": spec["resourceType"],
            "taggable": spec["taggable"],
            "scope": spec["scope"],
            "description": spec["description"],
            "source": spec["source"],
            "properties": sorted(props, key=lambda p: (p["path"].lower(), p["path"])),
        })
    return kinds


def expand_source(source: str, aliases: dict[str, str]) -> str:
    for token, text in aliases.items():
        source = source.replace(token, text)
    return source


def build(rows: list[dict], extra: dict, source_name: str) -> dict:
    if extra.get("format") != FORMAT:
        fail(f"extra.json format {extra.get('format')!r}, expected {FORMAT}")
    acr_kinds, generic_types = build_acr_kinds(rows, extra)
    kinds = sorted(acr_kinds + build_extra_kinds(extra), key=lambda k: k["name"])

    names = [k["name"].lower() for k in kinds]
    if len(set(names)) != len(names):
        fail("duplicate kind names")
    types = [k["resourceType"].lower() for k in kinds]
    if len(set(types)) != len(types):
        fail("duplicate resource types")
    for kind in kinds:
        if kind["scope"] not in SCOPES:
            fail(f"{kind['name']}: bad scope {kind['scope']!r}")
        paths = [p["path"].lower() for p in kind["properties"]]
        if len(set(paths)) != len(paths):
            fail(f"{kind['name']}: duplicate property paths")
        for prop in kind["properties"]:
            check_property(kind["name"], kind["resourceType"], prop)

    fields = []
    for field in extra["genericFields"]:
        if field["type"] not in TYPES:
            fail(f"generic field {field['path']!r}: bad type")
        fields.append({k: field[k] for k in ("path", "field", "type", "description", "source")})
    known = {f["field"]: f["type"] for f in fields}
    for field, ty in sorted(generic_types.items()):
        if known.get(field) != ty:
            fail(f"generic field {field!r} ({ty}) from the source is missing from extra.json or typed differently")
    fields.sort(key=lambda f: f["path"].lower())

    aliases = extra.get("sourceAliases", {})
    roles = []
    for role in extra["roles"]:
        if not GUID.match(role["id"]):
            fail(f"role {role['name']!r}: id {role['id']!r} is not a lower-case GUID")
        roles.append({"name": role["name"], "id": role["id"], "source": expand_source(role["source"], aliases)})
    roles.sort(key=lambda r: r["name"].lower())
    role_names = [r["name"].lower() for r in roles]
    if len(set(role_names)) != len(role_names):
        fail("duplicate role names")

    return {
        "format": FORMAT,
        "generatedFrom": [
            f"{source_name}: {len(rows)} rows (ACR aliases from the Get-AzPolicyAlias dumps "
            "maciejporebski/azure-policy-aliases and PSRule provider data; types, enums and "
            "defaults from the 2025-11-01 swagger via Azure/bicep-types-az, preview "
            "api-versions where newer)",
            "src/catalog/extra.json: hand-written, reviewed ACR kind names and taggability, "
            "non-ACR kinds, generic policy fields and built-in roles, each with its source",
            "generated by tools/gen_catalog.py; do not edit by hand",
        ],
        "kinds": kinds,
        "genericFields": fields,
        "roles": roles,
    }


def render(catalog: dict) -> str:
    return json.dumps(catalog, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    flags = {a for a in argv if a.startswith("--")}
    if flags - {"--check"} or len(args) > 1:
        print(__doc__, file=sys.stderr)
        return 2
    source = Path(args[0]) if args else DEFAULT_SOURCE
    try:
        rows = json.loads(source.read_text(encoding="utf-8"))
        extra = json.loads(EXTRA.read_text(encoding="utf-8"))
        text = render(build(rows, extra, source.name))
    except (OSError, json.JSONDecodeError, KeyError, CatalogError) as err:
        print(f"gen_catalog: {err}", file=sys.stderr)
        return 2
    if "--check" in flags:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"gen_catalog: {OUTPUT.relative_to(REPO)} is stale; run tools/gen_catalog.py", file=sys.stderr)
            return 1
        return 0
    # Write a sibling file then rename, so an interrupted run never leaves half a catalog.
    tmp = OUTPUT.with_suffix(".json.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(OUTPUT)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
