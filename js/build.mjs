// Build the viewer's committed bundles from js/src (run: `npm run build`).
//   ct_jupyter/static/widget.js + widget.css   the anywidget entry (one ESM file: anywidget loads one)
//   ct_jupyter/labextension/                   the JupyterLab 4 / Notebook 7 extension (`npm run build:lab`)
// Each output is stamped with a hash of js/src (sourceHash below); tests/test_assets.py checks
// that the committed outputs match the sources.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { sourceHash } from "./source-hash.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const SRC = join(HERE, "src");
const STATIC = join(HERE, "..", "ct_jupyter", "static");

const stamp = sourceHash();
mkdirSync(STATIC, { recursive: true });
await build({
  entryPoints: [join(SRC, "anywidget.js")],
  bundle: true,
  format: "esm",
  target: "es2020",
  outfile: join(STATIC, "widget.js"),
  banner: { js: `// ct_jupyter viewer (anywidget entry), built from js/src by js/build.mjs. Do not edit.\n// source-hash: ${stamp}` },
  legalComments: "none",
  logLevel: "warning",
});
const css = readFileSync(join(SRC, "widget.css"), "utf8");
writeFileSync(join(STATIC, "widget.css"), `/* ct_jupyter viewer styles, copied from js/src/widget.css by js/build.mjs. source-hash: ${stamp} */\n${css}`);
console.log(`built ct_jupyter/static/widget.{js,css} (source-hash ${stamp})`);
