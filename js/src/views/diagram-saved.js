// @ts-check
/**
 * Diagrams saved inside the notebook: rebuild one step's diagram payload from the pack written
 * by ct_jupyter/widget/saved_diagrams.py (`pack_diagrams`): shared tables of frames and
 * objects, and per step the indexes into them plus the step's own edges and facts.
 */

export const PACK_VERSION = 1;

/**
 * @param {any} pack
 * @param {number} step
 * @returns {import("./diagram.js").DiagramData | null} the diagram, or null if not saved
 */
export function unpackDiagram(pack, step) {
  if (!pack || pack.pack !== PACK_VERSION) return null;
  const s = pack.steps?.[String(step)];
  if (!s) return null;
  return {
    schema: pack.schema, step: s.step, steps: s.steps,
    frames: s.f.map((/** @type {number} */ i) => pack.frames[i]),
    gap: s.gap, nodes: s.n.map((/** @type {number} */ i) => pack.nodes[i]),
    edges: s.edges, gone: s.gone, truncated: s.truncated,
  };
}

/**
 * A diagram fetcher over a saved pack (for `createVarsToggle`): paging and opening need the
 * kernel, so with those parameters it still answers the saved diagram.
 * @param {any} pack
 */
export function savedDiagramSource(pack) {
  return (/** @type {number} */ step) => {
    const d = unpackDiagram(pack, step);
    if (d) return Promise.resolve(d);
    return Promise.reject(new Error("the diagram of this step was not saved with the notebook (re-run the cell to explore it live)"));
  };
}
