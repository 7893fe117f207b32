// The tab: wires the toolbar, experiment list, charts and diagnosis panel to
// the backend and to the URL hash, and follows TensorBoard's reload.

import { ApiError, fetchCurves, fetchDiagnosis } from "./api";
import { createChart, type ChartHandle } from "./chart";
import { el, setChildren } from "./dom";
import { saveJson } from "./download";
import { renderPanel } from "./panel";
import { summarize, type ExperimentSummary } from "./ranking";
import { listenForReload } from "./reload";
import { RunList } from "./runlist";
import { MAX_SMOOTHING } from "./smoothing";
import { formatHash, parseHash, type ViewState, type YScale } from "./state";
import type { CurvesDocument, DiagnosisDocument, ExperimentData } from "./types";
import type { XMode } from "./xaxis";

type Status = "loading" | "ready" | "empty" | "error";

export class App {
  private state: ViewState = parseHash(location.hash);
  private doc: DiagnosisDocument | null = null;
  private experiments: ExperimentSummary[] = [];
  private curves: ExperimentData | null = null;
  private charts = new Map<string, ChartHandle>();
  /** Bumped per load so a slow, stale response never overwrites a newer one. */
  private generation = 0;

  private readonly banners = el("div", { class: "banners" });
  private readonly status = el("div", { class: "status", attrs: { role: "status", "aria-live": "polite" } });
  private readonly runList = new RunList({
    onSelect: (name) => this.select(name),
    onFilter: (filter) => this.setState({ filter }),
  });
  private readonly chartArea = el("div", { class: "charts" });
  private readonly panelArea = el("div", { class: "panel-area" });
  private readonly smoothingInput = el("input", {
    attrs: { type: "range", min: "0", max: String(MAX_SMOOTHING), step: "0.001", "aria-label": "Smoothing" },
  });
  private readonly smoothingNumber = el("input", {
    class: "smoothing-number",
    attrs: { type: "number", min: "0", max: String(MAX_SMOOTHING), step: "0.001", "aria-label": "Smoothing value" },
  });
  private readonly yScaleSelect = selectOf("y-scale", "Loss Y axis", [["log", "log"], ["linear", "linear"]]);
  private readonly xModeSelect = selectOf("x-mode", "X axis", [["step", "step"], ["relative", "relative"], ["wall", "wall time"]]);
  private readonly baselineSelect = selectOf("baseline", "Baseline", [["", "none"]]);

  constructor(private readonly root: HTMLElement) {}

  start(): void {
    this.root.classList.add("lossdiag");
    const download = el("button", { class: "download-json", attrs: { type: "button" } }, "Download diagnosis JSON");
    download.addEventListener("click", () => this.doc && saveJson(this.doc, "loss-diagnosis.json"));
    this.smoothingInput.addEventListener("input", () => this.setSmoothing(Number(this.smoothingInput.value)));
    this.smoothingNumber.addEventListener("change", () => this.setSmoothing(Number(this.smoothingNumber.value)));
    this.yScaleSelect.select.addEventListener("change", () => this.setState({ yScale: this.yScaleSelect.select.value as YScale }, "charts"));
    this.xModeSelect.select.addEventListener("change", () => this.setState({ xMode: this.xModeSelect.select.value as XMode }, "charts"));
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
      el("div", { class: "layout" }, this.runList.root, el("main", { class: "chart-column" }, this.chartArea), this.panelArea),
    );
    this.syncControls();
    new ResizeObserver(() => this.charts.forEach((c) => c.resize(this.chartWidth()))).observe(this.chartArea);
    window.addEventListener("hashchange", () => {
      this.state = parseHash(location.hash);
      this.syncControls();
      void this.load();
    });
    listenForReload(() => void this.load());
    void this.load();
  }

  /** Fetch the diagnosis document, then the selected experiment's curves. */
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
      this.renderBanners();
      this.renderBaselineOptions();
      if (!this.experiments.length) {
        this.clearCharts();
        setChildren(this.panelArea);
        this.runList.update([], "", this.state.filter);
        this.setStatus("empty", "No loss curves found. Log scalars such as “loss” / “val_loss” (or Keras’ train/validation “epoch_loss”) and press reload.");
        return;
      }
      const selected = this.experiments.some((e) => e.name === this.state.selected)
        ? this.state.selected
        : (this.runList.visible()[0] ?? this.experiments[0]).name;
      this.runList.update(this.experiments, selected, this.state.filter);
      await this.loadCurves(selected, generation);
    } catch (e) {
      if (generation === this.generation) this.showError(e);
    }
  }

  private async loadCurves(selected: string, generation: number): Promise<void> {
    const doc: CurvesDocument = await fetchCurves(selected, this.state.baseline);
    if (generation !== this.generation) return;
    this.curves = doc.experiments.find((x) => x.name === selected) ?? null;
    this.setState({ selected });
    this.renderCharts();
    this.renderPanel();
    this.setStatus("ready", "");
  }

  private select(name: string): void {
    this.setState({ selected: name });
    this.runList.update(this.experiments, name, this.state.filter);
    const generation = ++this.generation;
    this.setStatus("loading", "Loading curves…");
    this.loadCurves(name, generation).catch((e) => generation === this.generation && this.showError(e));
  }

  private setSmoothing(value: number): void {
    const smoothing = Number.isFinite(value) ? Math.min(MAX_SMOOTHING, Math.max(0, value)) : this.state.smoothing;
    this.setState({ smoothing }, "charts");
  }

  /** Update the state and the hash; re-draw the charts if asked. */
  private setState(patch: Partial<ViewState>, redraw?: "charts"): void {
    this.state = { ...this.state, ...patch };
    const hash = formatHash(this.state);
    if (hash !== location.hash && !(hash === "" && location.hash === "#")) {
      history.replaceState(null, "", hash || `${location.pathname}${location.search}`);
    }
    this.syncControls();
    if (redraw) this.renderCharts();
  }

  private syncControls(): void {
    this.smoothingInput.value = String(this.state.smoothing);
    this.smoothingNumber.value = String(this.state.smoothing);
    this.yScaleSelect.select.value = this.state.yScale;
    this.xModeSelect.select.value = this.state.xMode;
    this.baselineSelect.select.value = this.state.baseline;
  }

  private chartWidth(): number {
    return Math.max(240, this.chartArea.clientWidth - 2);
  }

  private clearCharts(): void {
    this.charts.forEach((c) => c.destroy());
    this.charts.clear();
    setChildren(this.chartArea);
  }

  private renderCharts(): void {
    this.clearCharts();
    const exp = this.curves;
    if (!exp) return;
    // The main loss first, then the other losses, then maximised metrics (learning curves).
    const curves = [...exp.curves].sort(
      (a, b) => Number(b.primary) - Number(a.primary) || Number(a.direction === "max") - Number(b.direction === "max"),
    );
    for (const curve of curves) {
      const chart = createChart({
        title: `${exp.name} · ${curve.metric}${curve.direction === "max" ? " (learning curve)" : ""}`,
        curve,
        learningRate: curve.primary ? exp.learning_rate : null,
        smoothing: this.state.smoothing,
        yScale: this.state.yScale,
        xMode: this.state.xMode,
        width: this.chartWidth(),
      });
      this.charts.set(curve.metric, chart);
      this.chartArea.append(chart.root);
    }
  }

  private renderPanel(): void {
    const exp = this.experiments.find((e) => e.name === this.state.selected);
    if (!exp) return setChildren(this.panelArea);
    const comparison = this.doc?.comparisons.find((c) => c.run === exp.name);
    setChildren(
      this.panelArea,
      renderPanel(exp, comparison, {
        onHover: (metric, finding) => this.charts.get(metric)?.highlight(finding),
        onActivate: (metric, finding) => this.charts.get(metric)?.zoomToFinding(finding),
      }),
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
    this.setStatus("error", "");
    setChildren(this.status, `Could not load the diagnosis: ${e instanceof Error ? e.message : String(e)} `, retry);
  }
}

function selectOf(cls: string, text: string, options: [string, string][]): { label: HTMLLabelElement; select: HTMLSelectElement } {
  const select = el("select", { class: cls }, ...options.map(([value, label]) => el("option", { attrs: { value } }, label)));
  return { label: el("label", {}, `${text} `, select), select };
}
