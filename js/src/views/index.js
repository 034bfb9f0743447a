// @ts-check
/**
 * The pane registry. The viewer mounts the source pane on the left and SIDE_PANES (in order)
 * on the right; ALT_VIEWS are toggles in the variables pane's header that show another view of
 * the selected frame instead of the variables tree.
 *
 * To add a view: write js/src/views/<name>.js exporting a class with `el` and `render(view)`,
 * and register it below (the frames-and-objects diagram goes into ALT_VIEWS next to the table).
 */
import { TablePane } from "./table.js";
import { DiagramPane, diagramChosen } from "./diagram-pane.js";

/** @typedef {import("./variables.js").AltView} AltView */

/** @type {AltView[]} */
export const ALT_VIEWS = [
  { id: "table", label: "Table", title: "Trace table: one row per line this function ran, with the values it left", create: (viewer) => new TablePane(viewer) },
  { id: "diagram", label: "Diagram", title: "Frames and objects: every frame's names, the objects they reach, arrows for references", create: (viewer) => new DiagramPane(viewer), startOn: diagramChosen },
];
