// @ts-check
/** anywidget entry (AFM: `export default { initialize, render }`): the kernel data source. */
import { mount } from "./viewer.js";
import { WidgetSource } from "./sources/kernel.js";

export default {
  /** Nothing to set up per model: each view opens its own channel. */
  initialize() {},
  /** @param {{model: any, el: HTMLElement}} ctx @returns {() => void} */
  render({ model, el }) {
    return mount(() => new WidgetSource(model), el);
  },
};
