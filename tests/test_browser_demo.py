"""The Loss Diagnosis tab on the demo's real training runs, in headless Chromium.

Every labelled pathology must appear as an annotation on its experiment's
chart, at the labelled step where the label has one, and the healthy runs
must read as healthy. The README's screenshots are taken here: several
experiments in one chart, and TensorBoard's dark theme.
"""

from __future__ import annotations

import os
from typing import Iterator

import pytest

from tests.tb_server import TensorBoardServer
from tests.test_browser import CHROMIUM, DOCS, LAUNCH_ARGS, Tab

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium")
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def tab(demo_logs) -> Iterator[Tab]:
    path, _ = demo_logs
    with TensorBoardServer(path) as server, sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        t = Tab(page, server)
        t.open()
        yield t
        browser.close()
    assert not t.dialogs and not t.errors, (t.dialogs, t.errors)


def test_each_demo_pathology_is_annotated(tab: Tab, demo_logs) -> None:
    _, labels = demo_logs
    for name, label in sorted(labels.items()):
        tab.select(name)
        shown = tab.main_chart().locator("li.annotation").evaluate_all(
            "els => els.map(e => [e.dataset.kind, Number(e.dataset.step)])"
        )
        kinds = {kind for kind, _ in shown}
        if not label["expected"]:
            assert not shown, (name, shown)
            assert tab.frame.locator(".diagnosis .healthy").count() >= 1, name
            continue
        assert set(label["expected"]) <= kinds, (name, shown)
        if label["expected"] == ["divergence"]:
            assert ["divergence", label["onset_step"]] in shown, (name, shown)


def test_readme_screenshot_of_several_experiments_in_one_chart(tab: Tab) -> None:
    tab.select("keras/overfitting")
    for name in ("keras/healthy", "keras/spikes"):
        tab.frame.locator(f'input.run-check[data-name="{name}"]').check()
        tab.frame.locator(".status-ready").wait_for(state="attached")
    tab.frame.locator('.chart[data-experiments="3"]').first.wait_for()
    colors = tab.main_chart().locator(".legend-item").evaluate_all("els => els.map(e => e.dataset.color)")
    assert len(set(colors)) == 3
    path = os.path.join(DOCS, "several-experiments.png")
    tab.page.screenshot(path=path)
    assert os.path.getsize(path) > 10_000


def test_readme_screenshot_in_the_dark_theme(tab: Tab) -> None:
    tab.page.locator('button[aria-label="Menu for changing light or dark theme"]').click()
    tab.page.locator('button[title="Force dark TensorBoard theme."]').click()
    tab.frame.locator("body.dark").wait_for(state="attached")
    tab.select("keras/spikes")
    tab.frame.locator("li.finding").first.click()
    path = os.path.join(DOCS, "dark-theme.png")
    tab.page.screenshot(path=path)
    assert os.path.getsize(path) > 10_000
    tab.page.locator('button[aria-label="Menu for changing light or dark theme"]').click()
    tab.page.locator('button[title="Force light TensorBoard theme."]').click()
