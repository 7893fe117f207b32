"""Hostile names and requests: the plugin answers JSON errors (400/404), never a 500.

Run and tag names are whatever the user's directories and code say: HTML,
quotes, newlines, right-to-left marks, emoji, very long names, ``/`` and
``..``. Query parameters may be missing, repeated, huge or malformed. The
static route must never serve a file outside the package's static directory.

Most requests go through TensorBoard's WSGI application in-process (over its
multiplexer data provider); a few go to a real ``tensorboard`` process, whose
HTTP server and URL handling sit in front of the plugin.
"""

from __future__ import annotations

import http.client
import json
import os
import posixpath
import time
from urllib.parse import quote, urlsplit

import pytest
from tensorboard.backend import application
from tensorboard.backend.event_processing import data_provider, plugin_event_multiplexer
from tensorboard.plugins import base_plugin
from werkzeug.test import Client

from tb_lossdiag.engine import document_from_series
from tb_lossdiag.plugin.loader import LossDiagLoader
from tb_lossdiag.reading import read_logdir
from tests.event_writers import write_tbx
from tests.tb_server import TensorBoardServer

ROUTE = "/data/plugin/lossdiag"
STEPS = list(range(30))
TRAIN = [2.0 / (s + 1) for s in STEPS]
VAL = [2.0 / (s + 1) + 0.05 for s in STEPS]

HTML = "<img src=x onerror=alert(1)>"
LONG_COMPONENT = "L" * 250  # the longest directory name most file systems take is 255 bytes
#: Run names (directories) and the tag pair each logs.
RUNS = {
    HTML: ("Loss/train", "Loss/test"),
    "quotes 'single' \"double\" `back` &amp; %41 %2e%2e": ("loss/train", "loss/val"),
    "new\nline\r\tand tab": ("train_loss", "val_loss"),
    "rtl \u202eexe.txt \u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627": ("train/loss", "eval/loss"),
    "emoji 😀🔥 \u200d zero\u200bwidth": ("Loss/train", "Loss/test"),
    "nested/../dots/..hidden/...": ("Loss/train", "Loss/test"),
    "/".join([LONG_COMPONENT] * 12): ("Loss/train", "Loss/test"),  # a 3 011-character run name
    "backslash\\..\\..\\x": ("Loss/train", "Loss/test"),
    "tags": ("../../" + HTML + "/'\"\n\u202e😀/loss/train", "../../" + HTML + "/'\"\n\u202e😀/loss/test"),
    "longtag": ("x" * 10_000 + "/loss/train", "x" * 10_000 + "/loss/test"),
}


def write_tensorboard(logdir: str, run: str, scalars) -> None:
    """TensorBoard's own ``tensorboard.summary.Writer``: it keeps tags verbatim
    (tensorboardX would replace characters such as ``<`` in tags)."""
    from tensorboard.summary import Writer

    writer = Writer(os.path.join(logdir, run))
    for tag, (steps, values) in scalars.items():
        for step, value in zip(steps, values):
            writer.add_scalar(tag, value, step)
    writer.close()


@pytest.fixture(scope="module")
def logdir(tmp_path_factory) -> str:
    d = str(tmp_path_factory.mktemp("hostile"))
    for run, (train_tag, val_tag) in RUNS.items():
        if run == "tags" or run == "longtag":
            write_tensorboard(d, run, {train_tag: (STEPS, TRAIN), val_tag: (STEPS, VAL)})
        else:
            write_tbx(d, run, {train_tag: (STEPS, TRAIN), val_tag: (STEPS, VAL)})
    return d


class Served:
    """The plugin behind TensorBoard's WSGI app, over a multiplexer of ``logdir``."""

    def __init__(self, logdir: str) -> None:
        samples = 100_000_000
        multiplexer = plugin_event_multiplexer.EventMultiplexer(tensor_size_guidance={"scalars": samples})
        multiplexer.AddRunsFromDirectory(logdir)
        multiplexer.Reload()
        provider = data_provider.MultiplexerDataProvider(multiplexer, logdir)
        context = base_plugin.TBContext(data_provider=provider, logdir=logdir, sampling_hints={"scalars": samples})
        self.client = Client(application.TensorBoardWSGI([LossDiagLoader().load(context)], data_provider=provider))

    def get(self, path: str, **kwargs):
        return self.client.get(path, **kwargs)


@pytest.fixture(scope="module")
def served(logdir) -> Served:
    return Served(logdir)


def strict_json(text: str):
    def reject(constant):
        raise AssertionError(f"non-standard JSON constant {constant}")

    return json.loads(text, parse_constant=reject)


def json_answer(response, status: int):
    body = response.get_data(as_text=True)
    assert response.status_code == status, (response.status_code, body[:300])
    assert response.mimetype == "application/json"
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    return strict_json(body)


# -- names ---------------------------------------------------------------------------------


def test_every_hostile_run_is_listed_verbatim(served, logdir):
    doc = json_answer(served.get(f"{ROUTE}/diagnosis"), 200)
    runs = {entry["run"] for c in doc["curves"] for entry in (c["train"], c["validation"]) if entry}
    tags = {entry["tag"] for c in doc["curves"] for entry in (c["train"], c["validation"]) if entry}
    # ``nested/..`` is resolved by the file system when the run is written.
    assert runs == {posixpath.normpath(r) for r in RUNS}
    assert "dots/..hidden/..." in runs
    assert {t for pair in RUNS.values() for t in pair} == tags
    assert all(c["train"] and c["validation"] for c in doc["curves"]), "every tag pair is paired"
    # The same document as the command line's, which reads the event files itself.
    data = read_logdir(logdir)
    assert data.warnings == []
    assert doc == document_from_series(data.runs)


def test_curves_of_every_hostile_experiment(served):
    names = sorted({c["name"] for c in json_answer(served.get(f"{ROUTE}/diagnosis"), 200)["curves"]})
    assert len(names) == len(RUNS)
    for name in names:
        answer = json_answer(served.get(f"{ROUTE}/curves?experiment={quote(name, safe='')}"), 200)
        (experiment,) = answer["experiments"]
        assert experiment["name"] == name
        series = experiment["curves"][0]["series"]
        assert [s["values"] for s in series] == [pytest.approx(TRAIN), pytest.approx(VAL)]
    # All at once, each a baseline in turn.
    query = "&".join(f"experiment={quote(n, safe='')}" for n in names)
    for name in names[:3]:
        answer = json_answer(served.get(f"{ROUTE}/curves?{query}&baseline={quote(name, safe='')}"), 200)
        assert [e["name"] for e in answer["experiments"]] == names
        assert json_answer(served.get(f"{ROUTE}/diagnosis?baseline={quote(name, safe='')}"), 200)["comparisons"]


def test_html_names_are_json_strings_not_markup(served):
    """The name travels as a JSON string (escaped by the browser's JSON.parse), in a JSON response."""
    response = served.get(f"{ROUTE}/diagnosis")
    assert response.mimetype == "application/json"
    assert HTML in {c["name"] for c in strict_json(response.get_data(as_text=True))["curves"]}
    error = served.get(f"{ROUTE}/curves?experiment={quote('<script>alert(1)</script>')}")
    assert "no experiment named" in json_answer(error, 404)["error"]


# -- parameters ---------------------------------------------------------------------------------

MEGABYTE = "A" * (1 << 20)


@pytest.mark.parametrize(
    "query, status",
    [
        ("", 400),  # no experiment
        ("?experiment=", 404),  # an empty name, which no experiment has
        ("?experiments=tags", 400),
        ("?baseline=tags", 400),
        ("?experiment=nope", 404),
        ("?experiment=tags&experiment=nope", 404),
        ("?experiment=tags&baseline=nope", 404),
        ("?experiment=..%2F..%2Fetc%2Fpasswd", 404),
        ("?experiment=%00", 404),
        ("?experiment=%ff%fe%80", 404),  # not UTF-8
        ("?experiment=" + MEGABYTE, 404),
        ("?experiment=tags&baseline=" + MEGABYTE, 404),
        ("?experiment=tags", 200),
        ("?experiment=tags&experiment=tags", 200),  # repeated: answered once
        ("?experiment=tags&baseline=", 200),  # empty baseline: none
        ("?experiment=tags&baseline=tags&baseline=nope", 200),
    ],
)
def test_curves_parameters(served, query, status):
    answer = json_answer(served.get(f"{ROUTE}/curves{query}"), status)
    if status == 200:
        assert [e["name"] for e in answer["experiments"]] == ["tags"]
    else:
        assert isinstance(answer["error"], str) and answer["error"]
        assert len(answer["error"]) < 2 * (1 << 20) + 100


@pytest.mark.parametrize(
    "query, status",
    [
        ("", 200),
        ("?baseline=", 200),
        ("?baseline=tags", 200),
        ("?baseline=tags&baseline=nope", 200),
        ("?experiment=whatever&max_points=abc", 200),  # parameters of other routes are ignored
        ("?baseline=nope", 404),
        ("?baseline=%00", 404),
        ("?baseline=%ff", 404),
        ("?baseline=" + quote("<b>nope</b>"), 404),
        ("?baseline=" + MEGABYTE, 404),
    ],
)
def test_diagnosis_parameters(served, query, status):
    answer = json_answer(served.get(f"{ROUTE}/diagnosis{query}"), status)
    assert ("schema" in answer) == (status == 200)


def test_post_and_head_are_not_errors(served):
    for method in ("POST", "HEAD", "PUT", "DELETE"):
        response = served.client.open(f"{ROUTE}/diagnosis", method=method, data=b"x" * 1000)
        assert response.status_code < 500, method


# -- static files ---------------------------------------------------------------------------------

TRAVERSALS = [
    "/static/../plugin/loader.py",
    "/static/../../setup.py",
    "/static/../__init__.py",
    "/static/%2e%2e/__init__.py",
    "/static/%2E%2E/%2E%2E/setup.py",
    "/static/..%2f__init__.py",
    "/static/..%2F..%2Fsetup.py",
    "/static/%252e%252e/__init__.py",
    "/static/%252e%252e%252f__init__.py",
    "/static/..%5c__init__.py",
    "/static/..\\__init__.py",
    "/static/.\\..\\__init__.py",
    "/static//etc/passwd",
    "/static/%2fetc%2fpasswd",
    "/static/C:\\Windows\\win.ini",
    "/static/C:%5cWindows%5cwin.ini",
    "/static/index.js%00.png",
    "/static/%00",
    "/static/index.js%00",
    "/static/./index.js",
    "/static/index.js/",
    "/static/index.js/..",
    "/static/",
    "/static",
    "/static/%c0%ae%c0%ae/__init__.py",  # overlong UTF-8 dots
    "/static/\u2025/__init__.py",  # one-character "two dots"
    "/static/" + "../" * 50 + "etc/passwd",
    "/static/" + "a" * 100_000,
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_static_traversal_is_not_found(served, path):
    response = served.get(ROUTE + path)
    assert response.status_code == 404, (path, response.status_code)
    body = response.get_data()
    assert b"import" not in body and b"root:" not in body


def test_static_serves_only_the_bundle(served):
    ok = served.get(f"{ROUTE}/static/index.js")
    assert ok.status_code == 200 and ok.mimetype == "text/javascript"
    assert ok.get_data() == served.get(f"{ROUTE}/index.js").get_data()


# -- a real TensorBoard ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tb(logdir):
    with TensorBoardServer(logdir, load_fast=True) as server:
        yield server


def raw_get(tb: TensorBoardServer, path: str) -> tuple[int, bytes]:
    """GET ``path`` exactly as given (no client-side normalisation of ``..`` or escapes)."""
    url = urlsplit(tb.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _wait_for_runs(tb: TensorBoardServer) -> dict:
    deadline = time.monotonic() + 60
    while True:
        doc = tb.get_json(f"{ROUTE}/diagnosis")
        if len(doc["curves"]) == len(RUNS) or time.monotonic() > deadline:
            return doc
        time.sleep(0.5)


def test_real_tensorboard_lists_hostile_names_verbatim(tb, logdir):
    doc = _wait_for_runs(tb)
    data = read_logdir(logdir)
    assert doc == document_from_series(data.runs)
    for name in sorted({c["name"] for c in doc["curves"]}):
        status, body = raw_get(tb, f"{ROUTE}/curves?experiment={quote(name, safe='')}")
        assert status == 200, (name, body[:300])
        assert strict_json(body.decode())["experiments"][0]["name"] == name


@pytest.mark.parametrize(
    "query, status",
    [
        ("/curves", 400),
        ("/curves?experiment=nope", 404),
        ("/curves?experiment=%ff%fe", 404),
        ("/diagnosis?baseline=nope", 404),
        ("/diagnosis?baseline=" + "B" * 60_000, 404),
    ],
)
def test_real_tensorboard_bad_parameters_are_json_errors(tb, query, status):
    got, body = raw_get(tb, ROUTE + query)
    assert got == status, (got, body[:300])
    assert "error" in strict_json(body.decode())


@pytest.mark.parametrize(
    "path",
    [
        "/static/../../setup.py",
        "/static/%2e%2e/%2e%2e/setup.py",
        "/static/..%2f..%2fsetup.py",
        "/static/%252e%252e/__init__.py",
        "/static//etc/passwd",
        "/static/..\\..\\setup.py",
        "/static/index.js%00.png",
        "/static/%00",
    ],
)
def test_real_tensorboard_static_traversal(tb, path):
    status, body = raw_get(tb, ROUTE + path)
    # TensorBoard may resolve ``..`` itself before routing; whatever answers, it is never a file.
    assert status in (404, 400), (path, status, body[:200])
    assert b"import" not in body and b"root:" not in body


def test_real_tensorboard_survives_and_logs_no_traceback(tb):
    status, _ = raw_get(tb, f"{ROUTE}/diagnosis")
    assert status == 200 and tb.process.poll() is None
    assert "Traceback" not in tb.log()
