// The tab: wires the toolbar, experiment list, charts and diagnosis panel to
// the backend, keeps the view state (URL and localStorage), follows
// TensorBoard's reload and theme.

import { ApiError, fetchCurves, fetchDiagnosis } from "./api";
import type { ChartCurve } from "./chartdata";
import { createChart, type ChartHandle } from "./chart";
import { el, setChildren } from "./dom";
import { saveJson } from "./download";
import { runColor } from "./palette";
import { renderPanel } from "./panel";
import { summarize, type ExperimentSummary } from "./ranking";
import { listenForReload } from "./reload";
import { RunList } from "./runlist";
import { MAX_SMOOTHING } from "./smoothing";
import { formatHash, initialState, parseHash, type ViewState, type YScale } from "./state";
import { persist, stateSources } from "./storage";
import { currentTheme, followTheme, type Theme } from "./theme";
import type { CurveData, DiagnosisDocument, ExperimentData } from "./types";
import type { XMode } from "./xaxis";

type Status = "loading" | "ready" | "empty" | "error";

/** The chart a curve is drawn in: every experiment's main loss together, other metrics by name. */
function chartKey(curve: { primary: boolean; metric: string }): string {
  return curve.primary ? "\u0000main" : curve.metric;
}

export class App {
  private state: ViewState = initialState(stateSources());
  private theme: Theme = currentTheme();
  private doc: DiagnosisDocument | null = null;
  private experiments: ExperimentSummary[] = [];
  private colors = new Map<string, string>();
  private curves: ExperimentData[] = [];
  private charts = new Map<string, ChartHandle>();
  /** Bumped per load so a slow, stale response never overwrites a newer one. */
  private generation = 0;

  private readonly banners = el("div", { class: "banners" });
  private readonly status = el("div", { class: "status", attrs: { role: "status", "aria-live": "polite" } });
  private readonly runList = new RunList({
    onSelect: (name) => this.show([name]),
    onToggle: (name, shown) => {
      const others = this.shownNames().filter((n) => n !== name);
      this.show(shown ? [...others, name] : others);
    },
    onShowAll: (names) => this.show(names),
    onFilter: (filter) => this.setFilter(filter),
  });
  private readonly chartArea = el("div", { class: "charts" });
  private readonly panelArea = el("div", { class: "panel-area", attrs: { "aria-label": "Diagnosis" } });
  private readonly smoothingInput = el("input", {
    attrs: { type: "range", min: "0", max: String(MAX_SMOOTHING), step: "0.001", "aria-label": "Smoothing" },
  });
  private readonly smoothingNumber = el("input", {
    class: "smoothing-number",
    attrs: { type: "number", min: "0", max: String(MAX_SMOOTHING), step: "0.001", "aria-label": "Smoothing value" },
  });
  private readonly yScaleSelect = selectOf("y-scale", "Loss Y axis", [
    ["log", "log"],
    ["linear", "linear"],
  ]);
  private readonly xModeSelect = selectOf("x-mode", "X axis", [
    ["step", "step"],
    ["relative", "relative"],
    ["wall", "wall time"],
  ]);
  private readonly baselineSelect = selectOf("baseline", "Baseline", [["", "none"]]);

  constructor(private readonly root: HTMLElement) {}

  start(): void {
    this.root.classList.add("lossdiag");
    this.applyTheme();
    const download = el("button", { class: "download-json", attrs: { type: "button" } }, "Download diagnosis JSON");
    download.addEventListener("click", () => this.doc && saveJson(this.doc, "loss-diagnosis.json"));
    this.smoothingInput.addEventListener("input", () => this.setSmoothing(Number(this.smoothingInput.value)));
    this.smoothingNumber.addEventListener("change", () => this.setSmoothing(Number(this.smoothingNumber.value)));
    this.yScaleSelect.select.addEventListener("change", () =>
      this.setState({ yScale: this.yScaleSelect.select.value as YScale }, "charts"),
    );
    this.xModeSelect.select.addEventListener("change", () => {
      this.setState({ xMode: this.xModeSelect.select.value as XMode });
      this.renderCharts(); // Ranges in another x unit do not carry over.
    });
    this.baselineSelect.select.addEventListener("change", () => {
      this.setState({ baseline: this.baselineSelect.select.value });
      void this.load();
    });
    const toolbar = el(
      "div",
      { class: "toolbar", attrs: { role: "toolbar", "aria-label": "Chart settings" } },
      el("label", { class: "smoothing" }, "Smoothing ", this.smoothingInput, this.smoothingNumber),
      this.yScaleSelect.label,
      this.xModeSelect.label,
      this.baselineSelect.label,
      download,
    );
    setChildren(
      this.root,
      el("h1", { class: "visually-hidden" }, "Loss Diagnosis"),
      this.banners,
      toolbar,
      this.status,
      el(
        "div",
        { class: "layout" },
        this.runList.root,
        el("main", { class: "chart-column" }, this.chartArea),
        this.panelArea,
      ),
    );
    this.syncControls();
    new ResizeObserver(() => this.charts.forEach((c) => c.resize(this.chartWidth()))).observe(this.chartArea);
    window.addEventListener("hashchange", () => {
      this.state = parseHash(location.hash);
      this.syncControls();
      void this.load();
    });
    followTheme((theme) => {
      this.theme = theme;
      this.applyTheme();
      this.runList.update(this.experiments, this.shownNames(), this.state.filter, this.colors);
      this.renderCharts(true);
      this.renderPanel();
    });
    listenForReload(() => void this.load());
    void this.load();
  }

  /** Fetch the diagnosis document, then the shown experiments' curves. */
  async load(): Promise<void> {
    const generation = ++this.generation;
    this.setStatus("loading", "Loading diagnosis…");
    try {
      let doc: DiagnosisDocument;
      try {
        doc = await fetchDiagnosis(this.state.baseline);
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 404 && this.state.baseline)) throw e;
        this.setState({ baseline: "" }); // The shared baseline no longer exists.
        doc = await fetchDiagnosis("");
      }
      if (generation !== this.generation) return;
      this.doc = doc;
      this.experiments = summarize(doc);
      const byName = [...this.experiments.map((e) => e.name)].sort();
      this.colors = new Map(byName.map((name, i) => [name, runColor(i, this.theme.dark)]));
      this.renderBanners();
      this.renderBaselineOptions();
      if (!this.experiments.length) {
        this.clearView();
        this.runList.update([], [], this.state.filter, this.colors);
        this.setStatus(
          "empty",
          "No loss curves found. Log scalars such as “loss” / “val_loss” (or Keras’ train/validation “epoch_loss”) and press reload.",
        );
        return;
      }
      this.runList.update(this.experiments, this.shownNames(), this.state.filter, this.colors);
      await this.showShown(generation);
    } catch (e) {
      if (generation === this.generation) this.showError(e);
    }
  }

  /** The experiments to draw: the selected ones that exist, else the first one the filter shows. */
  private shownNames(): string[] {
    const known = new Set(this.experiments.map((e) => e.name));
    const selected = this.state.selected.filter((n) => known.has(n));
    if (selected.length) return selected;
    const first = this.runList.visible()[0];
    return first ? [first.name] : [];
  }

  private async showShown(generation: number): Promise<void> {
    const names = this.shownNames();
    if (!this.runList.visible().length) {
      this.clearView();
      this.setStatus("empty", `No experiment matches the filter “${this.state.filter}”.`);
      return;
    }
    this.setStatus("loading", "Loading curves…");
    const doc = await fetchCurves(names, this.state.baseline);
    if (generation !== this.generation) return;
    this.curves = names
      .map((n) => doc.experiments.find((x) => x.name === n))
      .filter((x): x is ExperimentData => x !== undefined);
    this.setState({ selected: names });
    this.runList.update(this.experiments, names, this.state.filter, this.colors);
    this.renderCharts();
    this.renderPanel();
    this.setStatus("ready", "");
  }

  private show(names: string[]): void {
    this.setState({ selected: names });
    const generation = ++this.generation;
    this.showShown(generation).catch((e) => generation === this.generation && this.showError(e));
  }

  private setFilter(filter: string): void {
    this.setState({ filter });
    const visible = this.runList.visible();
    const drawn = this.curves.length > 0 && this.chartArea.childElementCount > 0;
    if (!visible.length || !drawn) this.show(this.state.selected);
  }

  private setSmoothing(value: number): void {
    const smoothing = Number.isFinite(value) ? Math.min(MAX_SMOOTHING, Math.max(0, value)) : this.state.smoothing;
    this.setState({ smoothing }, "charts");
  }

  /** Update the state, the URLs and the saved view; re-draw the charts (keeping their zoom) if asked. */
  private setState(patch: Partial<ViewState>, redraw?: "charts"): void {
    this.state = { ...this.state, ...patch };
    persist(this.state, formatHash(this.state));
    this.syncControls();
    if (redraw) this.renderCharts(true);
  }

  private syncControls(): void {
    this.smoothingInput.value = String(this.state.smoothing);
    this.smoothingNumber.value = String(this.state.smoothing);
    this.yScaleSelect.select.value = this.state.yScale;
    this.xModeSelect.select.value = this.state.xMode;
    this.baselineSelect.select.value = this.state.baseline;
  }

  private applyTheme(): void {
    this.root.classList.toggle("dark", this.theme.dark);
    document.documentElement.style.colorScheme = this.theme.dark ? "dark" : "light";
    const names = [...this.colors.keys()];
    this.colors = new Map(names.map((name, i) => [name, runColor(i, this.theme.dark)]));
  }

  private chartWidth(): number {
    return Math.max(240, this.chartArea.clientWidth - 2);
  }

  private clearView(): void {
    this.charts.forEach((c) => c.destroy());
    this.charts.clear();
    setChildren(this.chartArea);
    setChildren(this.panelArea);
  }

  /** Draw the shown experiments' charts; with `keepZoom`, each chart keeps the x range it showed. */
  private renderCharts(keepZoom = false): void {
    const zoomed = keepZoom ? [...this.charts].filter(([, c]) => c.root.dataset.zoomed === "true") : [];
    const views = new Map(zoomed.map(([key, c]) => [key, c.view()]));
    this.charts.forEach((c) => c.destroy());
    this.charts.clear();
    setChildren(this.chartArea);
    const groups = new Map<string, ChartCurve[]>();
    for (const exp of this.curves) {
      for (const curve of exp.curves) {
        const key = chartKey(curve);
        if (!groups.has(key)) groups.set(key, []);
        groups
          .get(key)!
          .push({ experiment: exp.name, color: this.colors.get(exp.name) ?? runColor(0, this.theme.dark), curve });
      }
    }
    // The main loss first, then the other losses, then maximised metrics (learning curves).
    const order = (c: CurveData) => (c.primary ? 0 : c.direction === "max" ? 2 : 1);
    const sorted = [...groups.entries()].sort(([, a], [, b]) => order(a[0].curve) - order(b[0].curve));
    const single = this.curves.length === 1 ? this.curves[0] : null;
    for (const [key, curves] of sorted) {
      const head = curves[0].curve;
      const metrics = [...new Set(curves.map((c) => c.curve.metric))].join(" / ");
      const what = `${metrics}${head.direction === "max" ? " (learning curve)" : ""}`;
      const chart = createChart({
        title: single ? `${single.name} · ${what}` : `${curves.length} experiments · ${what}`,
        metric: metrics,
        direction: head.direction,
        curves,
        learningRate: single && head.primary ? single.learning_rate : null,
        smoothing: this.state.smoothing,
        yScale: this.state.yScale,
        xMode: this.state.xMode,
        width: this.chartWidth(),
        theme: this.theme,
      });
      this.charts.set(key, chart);
      this.chartArea.append(chart.root);
      const view = views.get(key);
      if (view) chart.zoomTo(view);
    }
  }

  /** The chart drawing `experiment`'s curve `metric`, and that finding's index in it. */
  private chartOf(experiment: string, metric: string, finding: number): [ChartHandle, number] | null {
    const curve = this.curves.find((e) => e.name === experiment)?.curves.find((c) => c.metric === metric);
    const chart = curve && this.charts.get(chartKey(curve));
    if (!chart) return null;
    const index = chart.findingIndex(experiment, finding);
    return index < 0 ? null : [chart, index];
  }

  private renderPanel(): void {
    const shown = this.curves
      .map((c) => this.experiments.find((e) => e.name === c.name))
      .filter((e): e is ExperimentSummary => e !== undefined);
    const callbacks = {
      onHover: (experiment: string, metric: string, finding: number | null) => {
        if (finding === null) return this.charts.forEach((c) => c.highlight(null));
        const found = this.chartOf(experiment, metric, finding);
        found?.[0].highlight(found[1]);
      },
      onActivate: (experiment: string, metric: string, finding: number) => {
        const found = this.chartOf(experiment, metric, finding);
        found?.[0].zoomToFinding(found[1]);
      },
    };
    setChildren(
      this.panelArea,
      ...shown.map((exp) =>
        renderPanel(
          exp,
          this.colors.get(exp.name) ?? "",
          this.doc?.comparisons.find((c) => c.run === exp.name),
          callbacks,
        ),
      ),
    );
  }

  private renderBanners(): void {
    const doc = this.doc;
    const sampling = doc?.sampling;
    setChildren(
      this.banners,
      sampling
        ? el(
            "div",
            { class: "banner sampling", attrs: { role: "alert" } },
            `${sampling.sampled_series} series were sampled by TensorBoard, so some points are missing. Restart TensorBoard with `,
            el("code", {}, sampling.flag),
            " to keep every point.",
          )
        : null,
      ...(doc?.warnings ?? []).map((w) => el("div", { class: "banner warning" }, w)),
    );
  }

  private renderBaselineOptions(): void {
    const select = this.baselineSelect.select;
    setChildren(
      select,
      el("option", { attrs: { value: "" } }, "none"),
      ...this.experiments.map((e) => el("option", { attrs: { value: e.name } }, e.name)),
    );
    select.value = this.state.baseline;
  }

  private setStatus(status: Status, message: string): void {
    this.root.dataset.status = status;
    this.status.className = `status status-${status}`;
    setChildren(this.status, message);
  }

  private showError(e: unknown): void {
    const retry = el("button", { attrs: { type: "button" } }, "Retry");
    retry.addEventListener("click", () => void this.load());
    this.clearView();
    this.setStatus("error", "");
    setChildren(this.status, `Could not load the diagnosis: ${e instanceof Error ? e.message : String(e)} `, retry);
  }
}

function selectOf(
  cls: string,
  text: string,
  options: [string, string][],
): { label: HTMLLabelElement; select: HTMLSelectElement } {
  const select = el(
    "select",
    { class: cls },
    ...options.map(([value, label]) => el("option", { attrs: { value } }, label)),
  );
  return { label: el("label", {}, `${text} `, select), select };
}
