"""The Loss Diagnosis tab on the demo's real training runs, in headless Chromium.

Every labelled pathology must appear as an annotation on its experiment's
chart, at the labelled step where the label has one, and the healthy runs
must read as healthy. The README's screenshot is taken here.
"""

from __future__ import annotations

import os
from typing import Iterator

import pytest

from tests.tb_server import TensorBoardServer
from tests.test_browser import CHROMIUM, LAUNCH_ARGS, SCREENSHOT, Tab

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


def test_readme_screenshot_of_the_overfitting_demo(tab: Tab) -> None:
    tab.select("keras/overfitting")
    tab.frame.locator("li.finding").first.hover()
    os.makedirs(os.path.dirname(SCREENSHOT), exist_ok=True)
    tab.page.screenshot(path=SCREENSHOT)
    assert os.path.getsize(SCREENSHOT) > 10_000
