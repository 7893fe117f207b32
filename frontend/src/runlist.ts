// The experiment list: a regex filter (like TensorBoard's run filter), worst
// problems first (the document's ranking), a badge per finding kind, and a
// checkbox per experiment to draw several in one chart (a click on the name
// shows that one alone). Arrow keys move between entries.

import { el, setChildren } from "./dom";
import { KIND_COLOR } from "./palette";
import type { ExperimentSummary } from "./ranking";
import { compileFilter } from "./state";

/** At most this many experiments are drawn together by "Draw all" (a chart stays readable). */
export const MAX_OVERLAID = 20;

export interface RunListCallbacks {
  /** Show `name` alone. */
  onSelect(name: string): void;
  /** Add `name` to the shown experiments, or remove it. */
  onToggle(name: string, shown: boolean): void;
  /** Show these experiments together (a sweep overlaid). */
  onShowAll(names: string[]): void;
  onFilter(filter: string): void;
}

export class RunList {
  readonly root: HTMLElement;
  private readonly input: HTMLInputElement;
  private readonly list: HTMLUListElement;
  private readonly count: HTMLElement;
  private readonly drawAll: HTMLButtonElement;
  private experiments: ExperimentSummary[] = [];
  private selected = new Set<string>();
  private colors = new Map<string, string>();

  constructor(private readonly callbacks: RunListCallbacks) {
    this.input = el("input", {
      class: "run-filter",
      attrs: {
        type: "search",
        placeholder: "Filter experiments (regex)",
        "aria-label": "Filter experiments (regular expression)",
        spellcheck: "false",
      },
    });
    this.input.addEventListener("input", () => {
      this.renderList();
      this.callbacks.onFilter(this.input.value);
    });
    this.list = el("ul", { class: "run-list", attrs: { "aria-label": "Experiments" } });
    this.list.addEventListener("keydown", (e) => this.onKey(e));
    this.count = el("span", { attrs: { "aria-live": "polite" } });
    this.drawAll = el("button", { class: "draw-all", attrs: { type: "button" } });
    this.drawAll.addEventListener("click", () =>
      this.callbacks.onShowAll(
        this.visible()
          .slice(0, MAX_OVERLAID)
          .map((e) => e.name),
      ),
    );
    this.root = el(
      "nav",
      { class: "runs", attrs: { "aria-label": "Experiments" } },
      this.input,
      el("div", { class: "run-count" }, this.count, this.drawAll),
      this.list,
    );
  }

  update(experiments: ExperimentSummary[], selected: string[], filter: string, colors: Map<string, string>): void {
    this.experiments = experiments;
    this.selected = new Set(selected);
    this.colors = colors;
    if (this.input.value !== filter) this.input.value = filter;
    this.renderList();
  }

  /** Experiments passing the filter, in list order. */
  visible(): ExperimentSummary[] {
    const re = compileFilter(this.input.value);
    return re ? this.experiments.filter((e) => re.test(e.name)) : [];
  }

  private renderList(): void {
    const valid = compileFilter(this.input.value) !== null;
    this.input.classList.toggle("invalid", !valid);
    this.input.setAttribute("aria-invalid", String(!valid));
    const shown = this.visible();
    this.count.textContent = valid
      ? `${shown.length} of ${this.experiments.length} experiments`
      : "Invalid regular expression";
    this.drawAll.hidden = shown.length < 2;
    this.drawAll.textContent = shown.length > MAX_OVERLAID ? `Draw the first ${MAX_OVERLAID}` : "Draw all";
    setChildren(this.list, ...shown.map((e) => this.item(e)));
  }

  private item(e: ExperimentSummary): HTMLLIElement {
    const badges = [...e.kinds.entries()].map(([kind, n]) =>
      el(
        "span",
        {
          class: `badge kind-${kind}`,
          data: { kind },
          attrs: { title: `${n} × ${kind}`, style: `border-color:${KIND_COLOR[kind]}` },
        },
        n > 1 ? `${kind} ×${n}` : kind,
      ),
    );
    if (!badges.length) {
      badges.push(
        el(
          "span",
          { class: e.notChecked ? "badge not-checked" : "badge healthy" },
          e.notChecked ? "not checked" : "healthy",
        ),
      );
    }
    const selected = this.selected.has(e.name);
    const color = this.colors.get(e.name) ?? "#888";
    const check = el("input", {
      class: "run-check",
      data: { name: e.name },
      attrs: { type: "checkbox", "aria-label": `Draw ${e.name}`, style: `accent-color:${color}` },
    });
    check.checked = selected;
    check.addEventListener("change", () => this.callbacks.onToggle(e.name, check.checked));
    const button = el(
      "button",
      { class: "run", data: { name: e.name }, attrs: { type: "button", "aria-current": String(selected) } },
      el(
        "span",
        { class: "run-name" },
        el("span", { class: "swatch", attrs: { style: `background:${color}` } }),
        e.name,
      ),
      el("span", { class: "badges" }, ...badges),
    );
    button.addEventListener("click", () => this.callbacks.onSelect(e.name));
    return el("li", { class: "run-item" }, check, button);
  }

  private onKey(e: KeyboardEvent): void {
    if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
    const buttons = [...this.list.querySelectorAll<HTMLButtonElement>("button.run")];
    const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const next = buttons[Math.max(0, Math.min(buttons.length - 1, i + (e.key === "ArrowDown" ? 1 : -1)))];
    if (next) {
      e.preventDefault();
      next.focus();
    }
  }
}
