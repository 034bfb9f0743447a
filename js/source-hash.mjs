// The hash of js/src stamped into every built output (same recipe as tests/test_assets.py).
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const SRC = join(dirname(fileURLToPath(import.meta.url)), "src");

/** Files under `dir`, recursively, as sorted posix paths relative to js/src. */
function files(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else out.push(p);
  }
  return out;
}

/** sha256 over each source's relative path and bytes (same recipe as tests/test_assets.py). */
export function sourceHash() {
  const hash = createHash("sha256");
  for (const rel of files(SRC).map((p) => relative(SRC, p).split("\\").join("/")).sort()) {
    hash.update(rel + "\n");
    hash.update(readFileSync(join(SRC, rel)));
    hash.update("\n");
  }
  return hash.digest("hex").slice(0, 16);
}

