// Entry point loaded by TensorBoard's plugin iframe: `render()` draws the tab.
// The CSS is bundled as text and injected here (the iframe's CSP allows
// inline styles but only same-origin scripts).

import uplotCss from "uplot/dist/uPlot.min.css";
import appCss from "./styles.css";
import { App } from "./app";

export function render(): void {
  const style = document.createElement("style");
  style.textContent = `${uplotCss}\n${appCss}`;
  document.head.append(style);
  new App(document.body).start();
}
