#!/usr/bin/env python3
"""Writes the fuzz seed corpora under fuzz/corpus/<target>/ from the repo's own
cases and fixtures (not committed: tools/fuzz.sh runs this before fuzzing).

compile, fmt: every .acrp file. expr: every "[...]" expression string found
in the JSON fixtures, rule packs and src/expr/tests.rs, without its brackets. inputs: every JSON
fixture, prefixed by the byte that picks the format (0: detect). lsp: a client
conversation per .acrp file (initialize, didOpen, a change, requests, shutdown).
Minimised fuzz findings (FINDINGS) seed compile, fmt and lsp too.
"""
import hashlib
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "fuzz" / "corpus"
SOURCES = ["rulepacks", "tests"]


def files(suffix):
    for top in SOURCES:
        yield from sorted((ROOT / top).rglob(f"*{suffix}"))


def put(target, data: bytes):
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


def frame(msg):
    body = json.dumps(msg).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def conversation(text):
    uri = "file:///fuzz/p.acrp"
    pos = {"line": 1, "character": 3}
    doc = {"textDocument": {"uri": uri}}
    msgs = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}},
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri, "languageId": "acrp", "version": 1, "text": text}}},
        {"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": 2},
            "contentChanges": [{"range": {"start": pos, "end": pos}, "text": "x"}]}},
        {"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover", "params": {**doc, "position": pos}},
        {"jsonrpc": "2.0", "id": 3, "method": "textDocument/completion", "params": {**doc, "position": pos}},
        {"jsonrpc": "2.0", "id": 4, "method": "textDocument/definition", "params": {**doc, "position": pos}},
        {"jsonrpc": "2.0", "id": 5, "method": "textDocument/documentSymbol", "params": doc},
        {"jsonrpc": "2.0", "id": 6, "method": "textDocument/formatting", "params": {
            **doc, "options": {"tabSize": 2, "insertSpaces": True}}},
        {"jsonrpc": "2.0", "id": 7, "method": "textDocument/semanticTokens/full", "params": doc},
        {"jsonrpc": "2.0", "id": 8, "method": "shutdown"},
        {"jsonrpc": "2.0", "method": "exit"},
    ]
    return b"".join(frame(m) for m in msgs)


# Fuzz findings, minimised (their regression tests are in tests/): kept as
# seeds so every run starts from them.
FINDINGS = [
    # fmt target: brackets before the first item were dropped silently, and
    # the formatter refused its own output (tests/crashes.rs).
    b'# a comment\n}(\nrule r {\n  title "R"\n  require adminUserEnabled != true\n}\n',
    # fmt target: a syntax error quoting a token cut inside a byte-order mark
    # panicked (tests/crashes.rs).
    'rule r {\n  require adminUserEnabled != true @xxxxxxxxxxxxxxxxxxxxxxxxxxxx\ufeff0\n}\n'.encode(),
]


def main():
    count = {}
    for text in FINDINGS:
        for t in ("compile", "fmt"):
            put(t, text)
        put("lsp", conversation(text.decode("utf-8")))
    for f in files(".acrp"):
        text = f.read_bytes()
        for t in ("compile", "fmt"):
            put(t, text)
        put("lsp", conversation(text.decode("utf-8", "replace")))
    for f in files(".json"):
        data = f.read_bytes()
        put("inputs", b"\x00" + data)
        for m in re.finditer(rb'"\[([^"\[][^"]*)\]"', data):
            put("expr", m.group(1))
    # The evaluator's own unit tests are full of expressions.
    for m in re.finditer(rb'"\[([^"\[][^"]*)\]"', (ROOT / "src/expr/tests.rs").read_bytes()):
        put("expr", m.group(1))
    for t in ("compile", "fmt", "expr", "inputs", "lsp"):
        count[t] = len(list((OUT / t).iterdir())) if (OUT / t).exists() else 0
    print("seeds: " + ", ".join(f"{t} {n}" for t, n in count.items()))


if __name__ == "__main__":
    sys.exit(main())
