// @ts-check
/**
 * DOM helpers. SAFETY: every string from the traced program goes into the DOM through `h()`
 * (text nodes / `textContent`); nothing in the viewer uses innerHTML or parses markup.
 */

/**
 * Create an element; string children become text nodes (never parsed as HTML).
 * @param {string} tag
 * @param {Record<string, any>} [attrs]
 * @param {...(Node|string|number|null|undefined|false)} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = String(value);
    else if (key === "text") el.textContent = String(value);
    else if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Icon shapes (our own constants): [filled paths, stroked paths, dots]. */
/** @type {Record<string, [string[], string[], number[][]]>} */
const ICONS = {
  first: [["M3 3h2v10H3z", "M13 3 6 8l7 5z"], [], []],
  prev: [["M11 3 4 8l7 5z"], [], []],
  next: [["M5 3l7 5-7 5z"], [], []],
  last: [["M11 3h2v10h-2z", "M3 3l7 5-7 5z"], [], []],
  over: [["M11.2 7.2h4.3l-2.15 3.3z"], ["M2.5 10.5a5.2 5.2 0 0 1 10.8-1.6"], [[8, 13.2]]],
  back_over: [["M4.8 7.2H.5l2.15 3.3z"], ["M13.5 10.5a5.2 5.2 0 0 0-10.8-1.6"], [[8, 13.2]]],
  out: [["M8 1.8 4.2 6h7.6z"], ["M8 5.5V12", "M3 14.2h10"], []],
  back_out: [["M1.8 8 6 4.2v7.6z"], ["M5.5 8H11.5V2.5"], [[11.5, 13.5]]],
};

/**
 * Build a small inline SVG icon with DOM calls (no markup parsing).
 * @param {string} name
 * @returns {SVGSVGElement}
 */
export function icon(name) {
  const NS = "http://www.w3.org/2000/svg";
  const svg = /** @type {SVGSVGElement} */ (document.createElementNS(NS, "svg"));
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("width", "16");
  svg.setAttribute("height", "16");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const [fills, strokes, dots] = ICONS[name] || [[], [], []];
  for (const d of fills) {
    const p = document.createElementNS(NS, "path");
    p.setAttribute("d", d);
    p.setAttribute("fill", "currentColor");
    svg.appendChild(p);
  }
  for (const d of strokes) {
    const p = document.createElementNS(NS, "path");
    p.setAttribute("d", d);
    p.setAttribute("fill", "none");
    p.setAttribute("stroke", "currentColor");
    p.setAttribute("stroke-width", "1.7");
    p.setAttribute("stroke-linecap", "round");
    svg.appendChild(p);
  }
  for (const [cx, cy] of dots) {
    const c = document.createElementNS(NS, "circle");
    c.setAttribute("cx", String(cx));
    c.setAttribute("cy", String(cy));
    c.setAttribute("r", "1.5");
    c.setAttribute("fill", "currentColor");
    svg.appendChild(c);
  }
  return svg;
}

/**
 * Scroll `box` so `row` is visible, without scrolling the page around it.
 * @param {HTMLElement} box
 * @param {HTMLElement} row
 */
export function scrollWithin(box, row) {
  const top = row.offsetTop - box.offsetTop;
  if (top < box.scrollTop || top + row.offsetHeight > box.scrollTop + box.clientHeight) {
    box.scrollTop = Math.max(0, top - box.clientHeight / 3);
  }
}

/**
 * Decode a reply buffer (DataView / ArrayBuffer / typed array) holding JSON.
 * @param {any} buf
 * @returns {any}
 */
export function decodeBuffer(buf) {
  if (buf === undefined || buf === null) return null;
  let bytes;
  if (buf instanceof ArrayBuffer) bytes = new Uint8Array(buf);
  else if (ArrayBuffer.isView(buf)) bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  else if (typeof buf === "string") return JSON.parse(buf);
  else return buf;
  return JSON.parse(new TextDecoder().decode(bytes));
}

/** @param {unknown} err @returns {string} */
export function errorText(err) {
  return String(err && typeof err === "object" && "message" in err ? err.message : err);
}
