"""End-to-end tests of the Loss Diagnosis tab: a real ``tensorboard`` process
serving real event files, driven in headless Chromium by Playwright.

The annotations the tab draws are also listed in the DOM
(``li.annotation[data-kind][data-step]``); they are checked against the
``/diagnosis`` document the same server returns.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import urllib.request
from typing import Iterator

import numpy as np
import pytest

from tests.event_writers import write_keras_pair, write_tbx
from tests.tb_server import TensorBoardServer

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium (apt-get install -y chromium)")

sync_api = pytest.importorskip("playwright.sync_api")

LAUNCH_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
FRAME = 'iframe[src*="plugin_entry.html?name=lossdiag"]'
XSS_NAME = "<img src=x onerror=alert(1)>"
DOCS = os.path.join(os.path.dirname(__file__), os.pardir, "docs")


def write_pathologies(logdir: str) -> None:
    """One experiment per pathology, plus a healthy pair and an untrusted name."""
    rng = np.random.default_rng(0)
    s = np.arange(300)
    decay = 2 * np.exp(-s / 60)
    write_keras_pair(logdir, "healthy", (s, decay + 0.1 + rng.normal(0, 0.01, 300)), (s, decay + 0.12 + rng.normal(0, 0.01, 300)))
    write_keras_pair(logdir, "overfit", (s, decay + 0.05), (s, decay + 0.12 + np.where(s > 100, (s - 100) * 0.004, 0)))
    write_keras_pair(
        logdir, "overfit", (s, 1 - decay / 2.5), (s, 0.9 - decay / 2.5 - np.where(s > 100, (s - 100) * 0.001, 0)), tag="epoch_accuracy"
    )
    write_keras_pair(logdir, "overfit", (s, 1e-3 * 0.99**s), (s, 1e-3 * 0.99**s), tag="epoch_learning_rate")
    spiky = 1.5 * np.exp(-s / 80) + 0.2 + rng.normal(0, 0.01, 300)
    spiky[[120, 200]] = [5, 4]
    write_tbx(logdir, "spiky", {"loss": (s, spiky)})
    diverging = 1.5 * np.exp(-s / 80) + 0.2
    diverging[150:] = np.nan
    write_tbx(logdir, "diverge", {"loss": (s, diverging)})
    stalled = np.select([s < 60, s < 160], [2 - s / 40, 0.5], 0.45 * np.exp(-(s - 160) / 40) + 0.05)
    write_tbx(logdir, "plateau", {"loss": (s, stalled + rng.normal(0, 0.002, 300))})
    write_tbx(logdir, XSS_NAME, {"loss": (s, 1 / (1 + s / 30))})


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TensorBoardServer]:
    logdir = str(tmp_path_factory.mktemp("logs"))
    write_pathologies(logdir)
    with TensorBoardServer(logdir) as tb:
        yield tb


@pytest.fixture(scope="module")
def browser() -> Iterator["sync_api.Browser"]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield b
        b.close()


class Tab:
    """TensorBoard's page opened on the Loss Diagnosis tab, recording errors and dialogs."""

    def __init__(self, page: "sync_api.Page", server: TensorBoardServer) -> None:
        self.page = page
        self.server = server
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.frame = page.frame_locator(FRAME)

    def open(self, plugin_hash: str = "") -> float:
        """Load TensorBoard on the tab; seconds from the page's load event to the first chart."""
        self.page.goto(self.server.url + "#lossdiag", wait_until="load")
        start = time.perf_counter()
        if plugin_hash:  # The iframe's own hash holds the tab's state.
            self.frame.locator("body").wait_for(state="attached")
            self.plugin_frame().evaluate("h => { location.hash = h }", plugin_hash)
        self.frame.locator(".chart canvas").first.wait_for(timeout=30_000)
        return time.perf_counter() - start

    def plugin_frame(self) -> "sync_api.Frame":
        frame = self.page.locator(FRAME).element_handle().content_frame()
        assert frame is not None, "the plugin iframe is missing"
        return frame

    def select(self, name: str) -> None:
        self.frame.locator(f"button.run[data-name={json.dumps(name)}]").click()
        self.frame.locator(f".diagnosis[data-experiment={json.dumps(name)}]").wait_for()
        self.frame.locator(".status-ready").wait_for(state="attached")

    def main_chart(self) -> "sync_api.Locator":
        """The chart of the selected experiment's main loss (drawn first)."""
        return self.frame.locator(".chart").first

    def chart_pixels(self) -> str:
        return self.main_chart().locator("canvas").evaluate("c => c.toDataURL()")


@pytest.fixture
def tab(browser: "sync_api.Browser", server: TensorBoardServer) -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    t = Tab(context.new_page(), server)
    yield t
    context.close()
    assert not t.dialogs, f"a dialog fired: {t.dialogs}"
    assert not t.errors, f"console errors: {t.errors}"


def test_first_render_is_fast(tab: Tab) -> None:
    seconds = tab.open()
    print(f"\nfirst chart {seconds * 1000:.0f} ms after TensorBoard's page load")
    assert seconds < 5
    assert tab.frame.locator("button.run").count() == 6


def test_every_finding_is_annotated_on_its_chart(tab: Tab, server: TensorBoardServer) -> None:
    doc = server.get_json("/data/plugin/lossdiag/diagnosis")
    kinds = {f["kind"] for c in doc["curves"] for f in c["findings"]}
    assert {"overfitting", "spike", "divergence", "plateau"} <= kinds, kinds
    tab.open()
    for name in sorted({c["name"] for c in doc["curves"] if c["findings"]}):
        tab.select(name)
        for curve in (c for c in doc["curves"] if c["name"] == name):
            chart = tab.frame.locator(f'.chart[data-metric="{curve["metric"]}"]')
            shown = chart.locator("li.annotation").evaluate_all(
                "els => els.map(e => [e.dataset.kind, Number(e.dataset.step)])"
            )
            expected = [[f["kind"], f["start_step"]] for f in curve["findings"]]
            assert sorted(shown) == sorted(expected), (name, curve["metric"])
            panel = tab.frame.locator(f'.curve-diagnosis[data-metric="{curve["metric"]}"] li.finding')
            assert panel.count() == len(curve["findings"])


def test_divergence_marks_nonfinite_values(tab: Tab) -> None:
    tab.open()
    tab.select("diverge")
    marked = tab.frame.locator("li.nonfinite")
    assert marked.count() == 1
    assert marked.get_attribute("data-step") == "150"


def test_clicking_a_finding_zooms_the_chart(tab: Tab) -> None:
    tab.open()
    tab.select("spiky")
    before = tab.chart_pixels()
    tab.frame.locator("li.finding").first.click()
    assert tab.frame.locator("li.annotation.active").count() == 1
    assert tab.chart_pixels() != before


def test_smoothing_and_log_scale_change_the_chart(tab: Tab) -> None:
    tab.open()
    tab.select("healthy")
    chart = tab.main_chart()
    assert chart.get_attribute("data-yscale") == "log"
    before = tab.chart_pixels()
    tab.frame.locator(".smoothing-number").fill("0.99")
    tab.frame.locator(".smoothing-number").dispatch_event("change")
    smoothed = tab.chart_pixels()
    assert smoothed != before
    assert "smooth=0.99" in tab.plugin_frame().evaluate("location.hash")
    tab.frame.locator("select.y-scale").select_option("linear")
    assert chart.get_attribute("data-yscale") == "linear"
    assert tab.chart_pixels() != smoothed


def test_learning_curve_and_learning_rate_are_charted(tab: Tab) -> None:
    tab.open()
    tab.select("overfit")
    assert tab.frame.locator('.chart[data-direction="max"]').count() == 1
    assert tab.main_chart().locator('.legend-item[data-role="learning_rate"]').count() == 1


def test_baseline_picker_overlays_the_baseline(tab: Tab) -> None:
    tab.open()
    tab.select("overfit")
    with tab.page.expect_request(lambda r: "/diagnosis?baseline=healthy" in r.url):
        tab.frame.locator("select.baseline").select_option("healthy")
    legend = tab.main_chart().locator(".legend-item")
    legend.and_(tab.frame.locator('[data-role="baseline_validation"]')).wait_for()
    roles = legend.evaluate_all("els => els.map(e => e.dataset.role)")
    assert {"train", "validation", "baseline_train", "baseline_validation"} <= set(roles)
    assert tab.frame.locator(".comparison").get_attribute("data-verdict") in {"better", "worse", "equivalent"}
    assert "baseline=healthy" in tab.plugin_frame().evaluate("location.hash")


def test_state_in_the_hash_restores_the_view(tab: Tab) -> None:
    tab.open("#sel=spiky&smooth=0.9&y=linear&x=relative")
    tab.frame.locator('.diagnosis[data-experiment="spiky"]').wait_for()
    assert tab.frame.locator(".smoothing-number").input_value() == "0.9"
    assert tab.frame.locator("select.x-mode").input_value() == "relative"
    assert tab.main_chart().get_attribute("data-yscale") == "linear"


def test_filter_narrows_the_list(tab: Tab) -> None:
    tab.open()
    tab.frame.locator(".run-filter").fill("^(spiky|diverge)$")
    assert sorted(tab.frame.locator("button.run").evaluate_all("els => els.map(e => e.dataset.name)")) == ["diverge", "spiky"]
    tab.frame.locator(".run-filter").fill("(")
    assert tab.frame.locator(".run-filter").get_attribute("aria-invalid") == "true"


def test_untrusted_run_name_renders_as_text(tab: Tab) -> None:
    tab.open()
    tab.select(XSS_NAME)
    assert tab.frame.locator(f"button.run[data-name={json.dumps(XSS_NAME)}] .run-name").text_content() == XSS_NAME
    assert tab.frame.locator(".diagnosis h2").text_content() == XSS_NAME
    assert tab.frame.locator("img").count() == 0
    # The tab fixture asserts no dialog fired.


def test_reload_button_refetches(tab: Tab) -> None:
    tab.open()
    with tab.page.expect_request(lambda r: "/data/plugin/lossdiag/diagnosis" in r.url, timeout=15_000):
        tab.page.locator("app-header-reload button.reload-button").click()


@pytest.fixture(scope="module")
def many_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TensorBoardServer]:
    """100 experiments of 10k-point loss / val_loss pairs (one event file, copied)."""
    logdir = tmp_path_factory.mktemp("many")
    s = np.arange(10_000)
    rng = np.random.default_rng(1)
    loss = 2 / (1 + s / 300) + rng.normal(0, 0.02, s.size)
    write_tbx(str(logdir), "exp_000", {"loss": (s, loss), "val_loss": (s, loss + 0.1 + s * 2e-5)})
    for i in range(1, 100):
        shutil.copytree(logdir / "exp_000", logdir / f"exp_{i:03d}")
    with TensorBoardServer(str(logdir)) as tb:
        # Wait until every point is ingested and diagnosed, so the figures below measure the tab.
        start = time.perf_counter()
        while True:
            with urllib.request.urlopen(tb.url + "data/plugin/lossdiag/diagnosis", timeout=600) as response:
                curves = json.load(response)["curves"]
            if len(curves) == 100 and all(c["train"]["points"] == 10_000 for c in curves):
                break
            time.sleep(1)
        print(f"\n100 x 2 x 10k points ingested and diagnosed after {time.perf_counter() - start:.1f} s")
        yield tb


@pytest.mark.slow
def test_latency_with_100_experiments_of_10k_points(browser: "sync_api.Browser", many_server: TensorBoardServer) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    tab = Tab(context.new_page(), many_server)
    try:
        first = tab.open()
        assert tab.frame.locator("button.run").count() == 100
        frame = tab.plugin_frame()
        # Filter: input event to the list re-rendered and painted.
        filter_ms = frame.evaluate(
            """async () => {
                const input = document.querySelector('.run-filter');
                const t = performance.now();
                input.value = 'exp_0[0-4]';
                input.dispatchEvent(new Event('input'));
                await new Promise(requestAnimationFrame);
                return performance.now() - t;
            }"""
        )
        assert tab.frame.locator("button.run").count() == 50
        # Select: click to the new experiment's 2 x 10k points fetched, smoothed and drawn.
        start = time.perf_counter()
        tab.select("exp_042")
        select_ms = (time.perf_counter() - start) * 1000
        # Smoothing: change to the chart redrawn (synchronous) and painted.
        smooth_ms = frame.evaluate(
            """async () => {
                const input = document.querySelector('.smoothing-number');
                const t = performance.now();
                input.value = '0.95';
                input.dispatchEvent(new Event('change'));
                await new Promise(requestAnimationFrame);
                return performance.now() - t;
            }"""
        )
        print(
            f"\n100 x 10k points: first chart {first * 1000:.0f} ms after page load, filter {filter_ms:.0f} ms, "
            f"select {select_ms:.0f} ms, smoothing redraw {smooth_ms:.0f} ms"
        )
        assert filter_ms < 500 and smooth_ms < 1000 and select_ms < 5000
    finally:
        context.close()
    assert not tab.errors and not tab.dialogs
