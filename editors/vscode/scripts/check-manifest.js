// Checks that the files package.json points at exist and parse, and that the
// grammar's scope name matches the manifest (run by `npm run build`).
"use strict";
const fs = require("fs");
const path = require("path");

const root = path.join(__dirname, "..");
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
const fail = (msg) => {
  console.error(`check-manifest: ${msg}`);
  process.exit(1);
};
for (const lang of pkg.contributes.languages) {
  JSON.parse(fs.readFileSync(path.join(root, lang.configuration), "utf8"));
}
for (const g of pkg.contributes.grammars) {
  const grammar = JSON.parse(fs.readFileSync(path.join(root, g.path), "utf8"));
  if (grammar.scopeName !== g.scopeName) fail(`${g.path}: scopeName ${grammar.scopeName} != ${g.scopeName}`);
}
if (!fs.existsSync(path.join(root, pkg.main))) fail(`main ${pkg.main} is missing`);
console.log("check-manifest: ok");
