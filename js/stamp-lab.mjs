// Stamp the built JupyterLab extension with the js/src hash (tests/test_assets.py checks it).
import { writeFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { sourceHash } from "./source-hash.mjs";

const out = join(dirname(fileURLToPath(import.meta.url)), "..", "ct_jupyter", "labextension", "source-hash.txt");
writeFileSync(out, `${sourceHash()}\n`);
console.log(`stamped ct_jupyter/labextension (source-hash ${sourceHash()})`);
