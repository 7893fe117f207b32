"""What a person sees in the chart, by pixels: a real ``tensorboard`` process,
real event files, headless Chromium.

Line pixels are counted in sample columns across the plot area: a curve drawn
across the shown range has pixels of its run colour in nearly every column.
"""

from __future__ import annotations

import io
import json
from typing import Iterator

import numpy as np
import pytest

from tests.event_writers import write_keras_pair, write_tbx
from tests.tb_server import TensorBoardServer
from tests.test_browser import FRAME, Tab, browser  # noqa: F401  (browser is a fixture)

from PIL import Image  # noqa: E402  (a dependency of tensorboard)

#: Sample columns across the plot area, and the share of them a drawn curve must reach.
COLUMNS = 60
DRAWN = 0.9
#: Per-channel distance within which a pixel counts as the curve's colour (antialiasing).
TOLERANCE = 40
#: TensorBoard's default run palette (light theme), in the order experiments are coloured (by name).
PALETTE = ["#425066", "#12b5cb", "#e52592", "#f9ab00", "#9334e6", "#7cb342", "#e8710a"]


def write_logs(logdir: str) -> None:
    rng = np.random.default_rng(3)
    s = np.arange(2000)
    long = 2 / (1 + s / 200) + 0.1 + rng.normal(0, 0.01, s.size)
    long[1000] += 3
    write_tbx(logdir, "a_long", {"loss": (s, long)})
    write_tbx(logdir, "b_second", {"loss": (s, 1.5 / (1 + s / 300) + 0.2 + rng.normal(0, 0.01, s.size))})
    v = s[::100]
    write_keras_pair(logdir, "c_mixed", (s, 2 / (1 + s / 100) + 0.05), (v, 2.2 / (1 + v / 100) + 0.1))
    late = np.arange(5000, 5100)
    write_tbx(logdir, "d_late", {"loss": (late, 1 / (1 + (late - 5000) / 30))})


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TensorBoardServer]:
    logdir = str(tmp_path_factory.mktemp("chart"))
    write_logs(logdir)
    with TensorBoardServer(logdir) as tb:
        yield tb


@pytest.fixture
def tab(browser, server: TensorBoardServer) -> Iterator[Tab]:  # noqa: F811
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    t = Tab(context.new_page(), server)
    yield t
    context.close()
    assert not t.dialogs, f"a dialog fired: {t.dialogs}"
    assert not t.errors, f"console errors: {t.errors}"


def rgb(color: str) -> np.ndarray:
    return np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)])


def plot_box(tab: Tab) -> dict:
    """The main chart's plot area in page pixels (uPlot's overlay covers exactly the plot area)."""
    box = tab.main_chart().locator(".u-over").bounding_box()
    assert box is not None
    return box


def plot_image(tab: Tab) -> np.ndarray:
    """RGB pixels of the main chart's plot area as the page shows it."""
    box = plot_box(tab)
    png = tab.page.screenshot(clip={k: box[k] for k in ("x", "y", "width", "height")})
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def drawn_share(tab: Tab, color: str) -> float:
    """Share of the sample columns holding a pixel of ``color``."""
    image = plot_image(tab)
    near = (np.abs(image - rgb(color)) <= TOLERANCE).all(axis=2)
    columns = np.linspace(2, image.shape[1] - 3, COLUMNS).astype(int)
    return float(np.mean([near[:, c - 1 : c + 2].any() for c in columns]))


def curve_color(tab: Tab, experiment: str) -> str:
    item = tab.main_chart().locator(f'.legend-item[data-experiment={json.dumps(experiment)}]').first
    return item.get_attribute("data-color")


def view(tab: Tab) -> tuple[float, float]:
    lo, hi = tab.main_chart().get_attribute("data-view").split(",")
    return float(lo), float(hi)


def drag(tab: Tab, start: float, end: float) -> None:
    """Drag across the plot from ``start`` to ``end`` (fractions of its width)."""
    box = plot_box(tab)
    y = box["y"] + box["height"] / 2
    tab.page.mouse.move(box["x"] + start * box["width"], y)
    tab.page.mouse.down()
    tab.page.mouse.move(box["x"] + (start + end) / 2 * box["width"], y, steps=4)
    tab.page.mouse.move(box["x"] + end * box["width"], y, steps=4)
    tab.page.mouse.up()


def test_drag_zoom_then_again_then_reset_draw_the_curve_across_the_range(tab: Tab) -> None:
    tab.open("#sel=a_long")
    color = curve_color(tab, "a_long")
    assert color == PALETTE[0]
    assert drawn_share(tab, color) >= DRAWN
    drag(tab, 0.35, 0.65)
    lo, hi = view(tab)
    assert 600 < lo < 800 and 1200 < hi < 1400, (lo, hi)
    share = drawn_share(tab, color)
    print(f"\nafter a drag over 30 %: curve in {share:.0%} of the columns, view {lo:.0f}-{hi:.0f}")
    assert share >= DRAWN
    drag(tab, 0.2, 0.8)
    lo2, hi2 = view(tab)
    assert lo < lo2 < hi2 < hi
    assert drawn_share(tab, color) >= DRAWN
    tab.main_chart().locator("button.reset-zoom").click()
    assert view(tab) == (0, 1999)
    assert drawn_share(tab, color) >= DRAWN


def test_zoom_survives_a_smoothing_change(tab: Tab) -> None:
    tab.open("#sel=a_long")
    color = curve_color(tab, "a_long")
    drag(tab, 0.4, 0.6)
    zoomed = view(tab)
    tab.frame.locator(".smoothing-number").fill("0.95")
    tab.frame.locator(".smoothing-number").dispatch_event("change")
    assert view(tab) == zoomed
    assert drawn_share(tab, color) >= DRAWN


def test_clicking_a_finding_draws_the_curve_across_the_zoomed_range(tab: Tab) -> None:
    tab.open("#sel=a_long")
    color = curve_color(tab, "a_long")
    tab.frame.locator('li.finding[data-kind="spike"]').first.click()
    lo, hi = view(tab)
    assert lo <= 1000 <= hi and hi - lo < 1000, (lo, hi)
    share = drawn_share(tab, color)
    print(f"\nafter clicking the spike: curve in {share:.0%} of the columns, view {lo:.0f}-{hi:.0f}")
    assert share >= DRAWN
    tab.main_chart().dblclick()
    assert view(tab) == (0, 1999)
    assert drawn_share(tab, color) >= DRAWN


def test_keyboard_zooms_pans_and_resets_with_visible_focus(tab: Tab) -> None:
    tab.open("#sel=a_long")
    color = curve_color(tab, "a_long")
    plot = tab.main_chart().locator(".plot")
    plot.focus()
    plot.press("+")
    assert view(tab) == (499.75, 1499.25)
    plot.press("ArrowRight")
    lo, hi = view(tab)
    assert lo > 499.75 and hi > 1499.25
    assert drawn_share(tab, color) >= DRAWN
    assert plot.evaluate("e => getComputedStyle(e).outlineStyle") != "none"
    plot.press("0")
    assert view(tab) == (0, 1999)


def test_tooltip_shows_each_series_at_its_own_step(tab: Tab, server: TensorBoardServer) -> None:
    tab.open("#sel=c_mixed&smooth=0")
    curves = server.get_json("/data/plugin/lossdiag/curves?experiment=c_mixed")["experiments"][0]["curves"]
    val = next(s for c in curves if c["primary"] for s in c["series"] if s["role"] == "validation")
    expected = val["values"][val["steps"].index(1500)]
    box = plot_box(tab)
    lo, hi = view(tab)
    tab.page.mouse.move(box["x"] + (1550 - lo) / (hi - lo) * box["width"], box["y"] + box["height"] / 2)
    rows = tab.main_chart().locator(".tooltip-row")
    rows.first.wait_for()
    shown = rows.evaluate_all(
        "rs => rs.map(r => [r.children[1].textContent, r.children[3].textContent, Number(r.dataset.step)])"
    )
    by_run = {run.split(" ")[0]: (value, step) for run, value, step in shown}
    assert abs(by_run["train"][1] - 1550) <= 3, shown
    assert by_run["validation"][1] == 1500, shown
    assert float(by_run["validation"][0]) == pytest.approx(expected, rel=1e-4)
    headers = tab.main_chart().locator(".tooltip th").all_text_contents()
    assert headers[1:] == ["Run", "Smoothed", "Value", "Step", "Time", "Relative"]


def test_two_experiments_in_one_chart_each_in_its_run_colour(tab: Tab) -> None:
    tab.open("#sel=a_long")
    with tab.page.expect_request(lambda r: "experiment=a_long&experiment=b_second" in r.url):
        tab.frame.locator('input.run-check[data-name="b_second"]').check()
    tab.frame.locator('.chart[data-experiments="2"]').first.wait_for()
    first, second = curve_color(tab, "a_long"), curve_color(tab, "b_second")
    assert (first, second) == (PALETTE[0], PALETTE[1])
    shares = drawn_share(tab, first), drawn_share(tab, second)
    print(f"\ntwo experiments: curves in {shares[0]:.0%} and {shares[1]:.0%} of the columns")
    assert min(shares) >= DRAWN
    assert tab.frame.locator(".diagnosis").count() == 2
    assert "sel=a_long&sel=b_second" in tab.plugin_frame().evaluate("location.hash")


def test_draw_all_overlays_the_filtered_experiments(tab: Tab) -> None:
    tab.open("#sel=a_long")
    tab.frame.locator(".run-filter").fill("^(a_long|b_second|c_mixed)$")
    tab.frame.locator("button.draw-all").click()
    tab.frame.locator('.chart[data-experiments="3"]').first.wait_for()
    colors = [curve_color(tab, name) for name in ("a_long", "b_second", "c_mixed")]
    assert colors == PALETTE[:3]
    assert min(drawn_share(tab, c) for c in colors) >= DRAWN


def test_settings_survive_a_reload_and_travel_in_the_url(tab: Tab, browser) -> None:  # noqa: F811
    tab.open()
    tab.select("c_mixed")
    tab.frame.locator(".smoothing-number").fill("0.9")
    tab.frame.locator(".smoothing-number").dispatch_event("change")
    tab.frame.locator("select.y-scale").select_option("linear")
    tab.frame.locator("select.x-mode").select_option("relative")
    tab.page.reload(wait_until="load")
    tab.frame.locator('.diagnosis[data-experiment="c_mixed"]').wait_for(timeout=30_000)
    assert tab.frame.locator(".smoothing-number").input_value() == "0.9"
    assert tab.frame.locator("select.x-mode").input_value() == "relative"
    assert tab.main_chart().get_attribute("data-yscale") == "linear"
    shared = tab.page.url
    assert "#lossdiag&sel=c_mixed" in shared and "smooth=0.9" in shared, shared
    # The page URL alone restores the view in a fresh browser profile (nothing saved there).
    other = Tab(browser.new_context(viewport={"width": 1400, "height": 900}).new_page(), tab.server)
    try:
        other.page.goto(shared, wait_until="load")
        other.frame.locator('.diagnosis[data-experiment="c_mixed"]').wait_for(timeout=30_000)
        assert other.frame.locator(".smoothing-number").input_value() == "0.9"
        assert other.frame.locator("select.x-mode").input_value() == "relative"
    finally:
        other.page.context.close()
    assert not other.errors


def test_tensorboard_dark_theme_darkens_the_tab(tab: Tab) -> None:
    tab.open("#sel=a_long")
    light = plot_image(tab).mean()
    tab.page.locator('button[aria-label="Menu for changing light or dark theme"]').click()
    tab.page.locator('button[title="Force dark TensorBoard theme."]').click()
    tab.frame.locator("body.dark").wait_for(state="attached")
    tab.frame.locator(".chart canvas").first.wait_for()
    dark = plot_image(tab)
    print(f"\nplot area mean brightness: light theme {light:.0f}, dark theme {dark.mean():.0f}")
    assert light > 200 and dark.mean() < 80
    background = tab.plugin_frame().evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(48, 48, 48)"
    # The curve is drawn in the palette's dark-theme colour.
    assert curve_color(tab, "a_long") == "#8e98a3"
    assert drawn_share(tab, "#8e98a3") >= DRAWN


def test_filter_matching_nothing_clears_the_chart_and_says_so(tab: Tab) -> None:
    tab.open()
    tab.frame.locator(".run-filter").fill("no-such-experiment")
    tab.frame.locator(".status-empty").wait_for()
    assert "No experiment matches" in tab.frame.locator(".status").text_content()
    assert tab.frame.locator(".chart").count() == 0
    tab.frame.locator(".run-filter").fill("long")
    tab.frame.locator(".chart canvas").first.wait_for()


def test_baseline_without_shared_steps_says_why_there_is_no_verdict(tab: Tab) -> None:
    tab.open("#sel=d_late")
    tab.frame.locator("select.baseline").select_option("a_long")
    comparison = tab.frame.locator(".comparison")
    comparison.wait_for()
    assert comparison.get_attribute("data-verdict") == "not_comparable"
    assert "share no steps" in comparison.text_content()


def test_csv_and_png_downloads(tab: Tab, tmp_path) -> None:
    tab.open("#sel=c_mixed")
    with tab.page.expect_download() as download:
        tab.main_chart().locator("button.download-csv").click()
    rows = open(download.value.path(), encoding="utf-8").read().splitlines()
    assert rows[0] == "experiment,series,run,tag,step,wall_time,value,smoothed"
    assert len(rows) == 1 + 2000 + 20
    with tab.page.expect_download() as download:
        tab.main_chart().locator("button.download-png").click()
    image = Image.open(download.value.path())
    canvas_height = tab.main_chart().locator("canvas").evaluate("c => c.height")
    assert image.height > canvas_height + 30  # title and legend above the plot


def test_the_tab_starts_from_tensorboards_own_smoothing(tab: Tab) -> None:
    tab.page.goto(tab.server.url + "#timeseries", wait_until="load")
    smoothing = tab.page.locator(".scalars-smoothing input").first
    smoothing.fill("0.85")
    smoothing.press("Enter")
    tab.page.wait_for_function("(localStorage.getItem('_tb_global_settings') || '').includes('0.85')")
    tab.open()
    assert tab.frame.locator(".smoothing-number").input_value() == "0.85"
