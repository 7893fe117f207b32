"""The plugin in-process: real event files, TensorBoard's multiplexer data
provider and WSGI application, driven with werkzeug's test client."""

from __future__ import annotations

import json
import threading
import math
import time

import numpy as np
import pytest
from tensorboard.backend import application
from tensorboard.backend.event_processing import data_provider, plugin_event_multiplexer
from tensorboard.plugins import base_plugin
from werkzeug.test import Client

from tb_lossdiag.engine import document_from_series
from tb_lossdiag.plugin.loader import LossDiagLoader
from tb_lossdiag.plugin.provider import is_sampled
from tb_lossdiag.reading import read_logdir
from tests.event_writers import write_tbx, write_tf

ROUTE = "/data/plugin/lossdiag"
ODD = "odd <b>&'\" é"  # an experiment name that must come back verbatim

STEPS = list(range(60))
OVERFIT_TRAIN = [2.0 / (s + 1) for s in STEPS]
OVERFIT_VAL = [2.0 / (s + 1) + (s / 40) ** 2 for s in STEPS]
DIVERGING = [1.0 / (s + 1) if s < 40 else (math.nan if s % 2 else math.inf) for s in STEPS]
SPIKY = [1.0 / (s + 1) + (5.0 if s == 33 else 0.0) for s in STEPS]


def cli_document(logdir: str, **kwargs) -> dict:
    """What ``tb-lossdiag diagnose LOGDIR --json`` says: event files read directly."""
    data = read_logdir(logdir)
    return document_from_series(data.runs, warnings=data.warnings, **kwargs)


class Served:
    """The plugin behind TensorBoard's WSGI app, over a multiplexer of ``logdir``."""

    def __init__(self, logdir: str, samples: int = 100_000_000, files: bool = True) -> None:
        """``samples`` plays ``--samples_per_plugin scalars=<samples>``; without ``files`` the plugin
        is not told the logdir, as behind a data provider of its own, and reads through the provider."""
        self.multiplexer = plugin_event_multiplexer.EventMultiplexer(tensor_size_guidance={"scalars": samples})
        self.multiplexer.AddRunsFromDirectory(logdir)
        self.multiplexer.Reload()
        provider = data_provider.MultiplexerDataProvider(self.multiplexer, logdir)
        context = base_plugin.TBContext(
            data_provider=provider, logdir=logdir if files else None, sampling_hints={"scalars": samples}
        )
        self.plugin = LossDiagLoader().load(context)
        self.client = Client(application.TensorBoardWSGI([self.plugin], data_provider=provider))

    def get(self, path: str, status: int = 200):
        response = self.client.get(path)
        assert response.status_code == status, response.get_data(as_text=True)
        return response

    def json(self, path: str, status: int = 200):
        response = self.get(path, status)
        assert response.mimetype == "application/json"
        return strict_json(response.get_data(as_text=True))


def strict_json(text: str):
    def reject(constant):
        raise AssertionError(f"non-standard JSON constant {constant}")

    return json.loads(text, parse_constant=reject)


@pytest.fixture(scope="module")
def logdir(tmp_path_factory) -> str:
    d = str(tmp_path_factory.mktemp("logs"))
    write_tf(d, "keras/train", {"epoch_loss": (STEPS, OVERFIT_TRAIN), "epoch_learning_rate": (STEPS, [0.01] * 60)})
    write_tf(d, "keras/validation", {"epoch_loss": (STEPS, OVERFIT_VAL)})
    write_tbx(d, "hf", {"train/loss": (STEPS, SPIKY), "eval/loss": (STEPS[::5], OVERFIT_TRAIN[::5]), "train/learning_rate": (STEPS, [1e-3] * 60)})
    write_tbx(d, "nan", {"loss": (STEPS, DIVERGING)})
    write_tbx(d, f"{ODD}/train", {"epoch_loss": (STEPS, OVERFIT_TRAIN)})
    # A restarted run: a second process, a second later (event files are ordered by
    # their timestamped names), rewrites steps 20..39; the last value per step wins.
    write_tbx(d, "restart/train", {"epoch_loss": (STEPS[:40], [5.0] * 40)})
    time.sleep(1.1)
    write_tbx(d, "restart/train", {"epoch_loss": (STEPS[20:], OVERFIT_TRAIN[20:])})
    return d


@pytest.fixture(scope="module")
def served(logdir) -> Served:
    return Served(logdir)


# -- registration ---------------------------------------------------------------


def test_plugin_listed_as_enabled_iframe_tab(served):
    listing = served.json("/data/plugins_listing")["lossdiag"]
    assert listing["enabled"] is True
    assert listing["tab_name"] == "Loss Diagnosis"
    assert listing["loading_mechanism"] == {"type": "IFRAME", "module_path": f"{ROUTE}/index.js"}


# -- /diagnosis -----------------------------------------------------------------


def test_diagnosis_is_the_cli_document(served, logdir):
    assert served.json(f"{ROUTE}/diagnosis") == cli_document(logdir)


def test_diagnosis_with_baseline_is_the_cli_document(served, logdir):
    assert served.json(f"{ROUTE}/diagnosis?baseline=keras") == cli_document(logdir, baseline="keras")


def test_untrusted_names_come_back_verbatim(served):
    names = {c["name"] for c in served.json(f"{ROUTE}/diagnosis")["curves"]}
    assert {"keras", "hf", "nan", "restart", ODD} <= names


def test_restarted_run_keeps_last_value_per_step(served):
    curves = served.json(f"{ROUTE}/curves?experiment=restart")["experiments"][0]["curves"]
    (train,) = curves[0]["series"]
    assert train["steps"] == STEPS
    assert train["values"][:20] == [5.0] * 20
    assert train["values"][20:] == pytest.approx(OVERFIT_TRAIN[20:], rel=1e-6)


def test_unknown_baseline_is_a_json_404(served):
    body = served.json(f"{ROUTE}/diagnosis?baseline=nope", status=404)
    assert "nope" in body["error"]


def test_experiment_prefixed_url_reaches_the_plugin(served):
    assert served.json(f"/experiment/abc/{ROUTE}/diagnosis") == served.json(f"{ROUTE}/diagnosis")


# -- /curves --------------------------------------------------------------------


def test_curves_of_a_keras_experiment(served, logdir):
    (exp,) = served.json(f"{ROUTE}/curves?experiment=keras")["experiments"]
    assert exp["name"] == "keras"
    (curve,) = exp["curves"]
    document = cli_document(logdir)
    assert curve["findings"] == next(c["findings"] for c in document["curves"] if c["name"] == "keras")
    assert (curve["metric"], curve["direction"], curve["primary"]) == ("loss", "min", True)
    train, val = curve["series"]
    assert (train["role"], train["run"], train["tag"]) == ("train", "keras/train", "epoch_loss")
    assert (val["role"], val["run"]) == ("validation", "keras/validation")
    assert train["steps"] == STEPS and len(train["wall_times"]) == 60
    assert train["values"] == pytest.approx(OVERFIT_TRAIN, rel=1e-6)
    assert train["sampled"] is False and train["nonfinite"] == []
    lr = exp["learning_rate"]
    assert (lr["run"], lr["tag"]) == ("keras/train", "epoch_learning_rate")
    assert lr["values"] == pytest.approx([0.01] * 60)


def test_curves_wall_times_within_their_precision_and_keras_ones_exact(tmp_path):
    """Only the tab draws most wall times: float32 seconds after the tag's first, within 2**-23 of that span.

    Over 40 days, and across a restart's second file (counted from its own first wall time); Keras'
    are kept exactly, since undoing its running means compares them.
    """
    from tensorboardX import SummaryWriter

    start, day = 1.7e9 + 0.123456, 86400.0
    written = {}
    for part, (steps, first_day) in enumerate([(range(0, 60), 0.0), (range(40, 100), 20.0)]):
        writers = {run: SummaryWriter(str(tmp_path / run), filename_suffix=f".{part}") for run in ("long", "keras")}
        for i, step in enumerate(steps):
            wall = start + (first_day + i / 3) * day + 0.001 * step
            writers["long"].add_scalar("train/loss", 1.0 / (step + 1), step, walltime=wall)
            writers["keras"].add_scalar("epoch_loss", 1.0 / (step + 1), step, walltime=wall)
            written[step] = wall  # the restart's later write of a step wins
        for writer in writers.values():
            writer.close()
    served = Served(str(tmp_path))
    follower = served.plugin.event_files.follower
    follower.refresh()
    assert follower.series("long")["train/loss"].wall_offsets.dtype == np.float32
    assert follower.series("keras")["epoch_loss"].wall_offsets.dtype == np.float64
    exact = np.array([written[s] for s in range(100)])
    body = served.json(f"{ROUTE}/curves?experiment=long&experiment=keras")
    drawn, keras = (exp["curves"][0]["series"][0]["wall_times"] for exp in body["experiments"])
    assert keras == exact.tolist()
    assert np.all(np.abs(np.array(drawn) - exact) <= 2**-23 * (exact - start) + 1e-6)
    assert drawn != keras  # float32 offsets, not the exact times


def test_curves_find_learning_rate_in_the_same_run(served):
    (exp,) = served.json(f"{ROUTE}/curves?experiment=hf")["experiments"]
    assert exp["learning_rate"]["tag"] == "train/learning_rate"
    assert [s["tag"] for s in exp["curves"][0]["series"]] == ["train/loss", "eval/loss"]


def test_curves_list_nonfinite_values_as_null(served):
    (exp,) = served.json(f"{ROUTE}/curves?experiment=nan")["experiments"]
    (series,) = exp["curves"][0]["series"]
    assert series["values"][40:] == [None] * 20
    assert series["nonfinite"] == [{"step": s, "value": "nan" if s % 2 else "inf"} for s in STEPS[40:]]
    assert exp["learning_rate"] is None


def test_curves_with_baseline_and_several_experiments(served):
    body = served.json(f"{ROUTE}/curves?experiment=hf&experiment=keras&baseline=keras")
    hf, keras = body["experiments"]
    roles = [s["role"] for s in hf["curves"][0]["series"]]
    assert roles == ["train", "validation", "baseline_train", "baseline_validation"]
    assert hf["curves"][0]["series"][2]["run"] == "keras/train"
    assert [s["role"] for s in keras["curves"][0]["series"]] == ["train", "validation"]


def test_curves_untrusted_name(served):
    from urllib.parse import quote

    (exp,) = served.json(f"{ROUTE}/curves?experiment={quote(ODD)}")["experiments"]
    assert exp["name"] == ODD


@pytest.mark.parametrize(
    "query, status",
    [
        ("", 400),
        ("?baseline=keras", 400),
        ("?experiment=nope", 404),
        ("?experiment=keras&experiment=nope", 404),
        ("?experiment=keras&baseline=nope", 404),
    ],
)
def test_curves_rejects_bad_requests_with_json(served, query, status):
    assert "error" in served.json(f"{ROUTE}/curves{query}", status=status)


# -- static files ---------------------------------------------------------------


def test_index_js_is_javascript(served):
    response = served.get(f"{ROUTE}/index.js")
    assert response.mimetype == "text/javascript"
    assert b"export" in response.get_data()
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_static_serves_package_files(served):
    assert served.get(f"{ROUTE}/static/index.js").mimetype == "text/javascript"


@pytest.mark.parametrize(
    "path",
    [
        "/static/../plugin/loader.py",
        "/static/%2e%2e/plugin/loader.py",
        "/static/..%2f..%2fsetup.py",
        "/static/%2e%2e%2f%2e%2e%2fsetup.py",
        "/static//etc/passwd",
        "/static/%2fetc%2fpasswd",
        "/static/",
        "/static/missing.js",
        "/static/.\\..\\setup.py",
    ],
)
def test_static_traversal_is_not_found(served, path):
    response = served.get(ROUTE + path, status=404)
    assert b"import" not in response.get_data() and b"root:" not in response.get_data()


# -- sampling -------------------------------------------------------------------


def _long_and_short(d: str) -> None:
    write_tbx(d, "long/train", {"loss": (list(range(300)), [1.0 / (s + 1) for s in range(300)])})
    write_tbx(d, "short/train", {"loss": (list(range(100)), [1.0 / (s + 1) for s in range(100)])})


def test_a_sampled_store_does_not_matter_when_the_files_are_read(tmp_path):
    _long_and_short(str(tmp_path))
    doc = Served(str(tmp_path), samples=100).json(f"{ROUTE}/diagnosis")
    assert doc == cli_document(str(tmp_path))
    assert "sampling" not in doc and {c["train"]["points"] for c in doc["curves"]} == {100, 300}


def test_sampled_series_are_flagged_when_read_from_the_provider(tmp_path):
    _long_and_short(str(tmp_path))
    served = Served(str(tmp_path), samples=100, files=False)
    doc = served.json(f"{ROUTE}/diagnosis")
    sampled = {c["name"]: c["train"]["sampled"] for c in doc["curves"]}
    assert sampled == {"long": True, "short": False}
    assert doc["sampling"] == {"sampled_series": 1, "flag": "--samples_per_plugin scalars=100000000"}
    (exp,) = served.json(f"{ROUTE}/curves?experiment=long")["experiments"]
    assert exp["curves"][0]["series"][0]["sampled"] is True


@pytest.mark.parametrize(
    "steps, stored, capacity, sampled",
    [
        (range(50), 50, 100, False),  # room left in the reservoir
        (range(100), 100, 100, False),  # exactly full with a complete log from step 0
        (range(10, 1010, 10), 100, 100, False),  # complete log from the stride (10, 20, ...)
        (sorted({0, 3, 4, 9, 12} | set(range(20, 115))), 100, 100, True),  # irregular gaps
        (range(5, 105), 100, 100, True),  # the beginning was dropped
        (range(100), 100, 0, False),  # capacity 0: everything kept
    ],
)
def test_is_sampled(steps, stored, capacity, sampled):
    assert is_sampled(np.asarray(list(steps)), stored, capacity) is sampled


# -- caching --------------------------------------------------------------------


def test_cache_recomputes_only_changed_experiments(tmp_path):
    d = str(tmp_path)
    for name in ("a", "b", "c"):
        write_tbx(d, f"{name}/train", {"loss": (STEPS, OVERFIT_TRAIN)})
        write_tbx(d, f"{name}/validation", {"loss": (STEPS, OVERFIT_TRAIN)})
    served = Served(d)
    first = served.json(f"{ROUTE}/diagnosis")
    assert served.plugin.cache.diagnosed == 3
    assert served.json(f"{ROUTE}/diagnosis") == first
    assert served.plugin.cache.diagnosed == 3  # unchanged data: nothing recomputed

    more = list(range(60, 90))
    # A second event file in the run, a second later: TensorBoard's directory watcher
    # reads files in name (timestamp) order and never goes back to an earlier name.
    time.sleep(1.1)
    write_tf(d, "b/validation", {"loss": (more, [2.0 / (s + 1) + (s / 40) ** 2 for s in more])})
    second = served.json(f"{ROUTE}/diagnosis")
    assert served.plugin.cache.diagnosed == 4  # only "b"
    assert second == cli_document(d)
    assert second != first
    read = served.plugin.event_files.follower.bytes_read
    assert served.json(f"/experiment/other/{ROUTE}/diagnosis") == second  # every id: the same logdir
    assert served.plugin.cache.diagnosed == 4 and served.plugin.event_files.follower.bytes_read == read


class _Blocking:
    """A source whose listing waits for ``release``: a slow experiment id."""

    def __init__(self, listing) -> None:
        self._listing, self.release, self.entered = listing, threading.Event(), threading.Event()

    def listing(self):
        self.entered.set()
        assert self.release.wait(30)
        return self._listing

    def read(self, refs):
        return {}

    def warnings(self):
        return []


def test_one_slow_experiment_id_does_not_block_another_and_the_default_stays(tmp_path):
    from tb_lossdiag.plugin.diagnosis import DEFAULT_ID, DiagnosisCache, ProviderSource

    _long_and_short(str(tmp_path))
    served = Served(str(tmp_path), files=False)
    from tensorboard import context

    source = ProviderSource(served.plugin._data_provider, context.RequestContext(), DEFAULT_ID, 100_000_000)
    cache = DiagnosisCache(max_keys=3)
    default = cache.refresh(DEFAULT_ID, source)
    slow = _Blocking({})
    thread = threading.Thread(target=cache.refresh, args=("slow", slow))
    thread.start()
    assert slow.entered.wait(30)
    for i in range(9):  # while "slow" is being computed, and enough ids to evict any other
        assert cache.refresh(f"id{i}", source).plans.keys() == default.plans.keys()
    slow.release.set()
    thread.join(30)
    diagnosed = cache.diagnosed
    assert cache.refresh(DEFAULT_ID, source) is default and cache.diagnosed == diagnosed


def test_remote_logdir_is_read_through_gfile(logdir):
    """A URL logdir (here ``file://``) is read with TensorFlow's gfile: the same document."""
    pytest.importorskip("tensorflow")
    from tb_lossdiag.plugin.plugin import LossDiagPlugin

    plugin = LossDiagPlugin(base_plugin.TBContext(logdir="file://" + logdir, sampling_hints={}))
    assert plugin.event_files is not None
    client = Client(application.TensorBoardWSGI([plugin]))
    assert strict_json(client.get(f"{ROUTE}/diagnosis").get_data(as_text=True)) == cli_document(logdir)
