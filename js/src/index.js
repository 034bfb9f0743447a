// @ts-check
/** Everything the JS tests reach: the entries and the pure helpers. */
export * from "./state.js";
export { h, icon, decodeBuffer } from "./dom.js";
export { Channel, WidgetSource } from "./sources/kernel.js";
export { Viewer, mount } from "./viewer.js";
export { default as widget } from "./anywidget.js";
export { SavedSource, SAVED_MIME, SAVED_VERSION } from "./sources/saved.js";
export { FallbackSource } from "./sources/fallback.js";
export { CommSource, openCommSource } from "./sources/kernel.js";
