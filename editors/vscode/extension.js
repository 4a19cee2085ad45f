// The acrp extension: starts `acrpc lsp` (stdio) for .acrp files.
// Plain JavaScript, so there is no compile step; `npm run build` checks it.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const config = vscode.workspace.getConfiguration("acrp.server");
  const command = config.get("path", "acrpc");
  const args = ["lsp", ...config.get("extraArgs", [])];
  const serverOptions = {
    run: { command, args, transport: TransportKind.stdio },
    debug: { command, args, transport: TransportKind.stdio },
  };
  const clientOptions = {
    documentSelector: [{ language: "acrp" }],
  };
  client = new LanguageClient("acrp", "acrpc language server", serverOptions, clientOptions);
  context.subscriptions.push(
    vscode.commands.registerCommand("acrp.restartServer", () => client && client.restart()),
    // The server's "Run test" code lens: `acrpc test <file> --filter ::<name>`.
    vscode.commands.registerCommand("acrp.runTest", (uri, name) => {
      const file = vscode.Uri.parse(uri).fsPath;
      const terminal = vscode.window.createTerminal("acrpc test");
      terminal.show();
      terminal.sendText(`${command} test "${file}" --filter "::${name}"`);
    })
  );
  return client.start().catch((err) => {
    vscode.window.showErrorMessage(
      `acrp: could not start \`${command} lsp\` (${err.message}). Install acrpc or set acrp.server.path.`
    );
  });
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
