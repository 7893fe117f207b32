"""Fuzzing the readers with damaged event files.

Real event files are written by tf.summary (scalars; scalars with a
histogram, a text summary and a graph) and tensorboardX (scalars with a
histogram and text), then damaged byte-wise with a seeded RNG: cut at random
offsets, bits flipped, length or data checksums broken, length fields set to
zero or to huge values (with and without a matching checksum), garbage
appended, emptied, or replaced by random bytes.

For each damaged file the expected points are known independently: the
original file's records are framed here with a plain loop, the records
before the first byte the mutation touched are intact, and their scalars are
decoded with protobuf and TensorBoard's tensor_util. ``read_logdir`` must
return exactly those points, warn about the file when it is damaged, and
never raise. The CLI and the plugin (over TensorBoard's own multiplexer,
which reads the same damaged files with TensorBoard's reader) run on a
sample and must answer strict JSON, never an error.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import struct
import subprocess
import sys
import time
from dataclasses import dataclass
from urllib.parse import quote

import numpy as np
import pytest
from tensorboard.backend import application
from tensorboard.backend.event_processing import data_provider, plugin_event_multiplexer
from tensorboard.compat.proto import event_pb2
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c
from tensorboard.plugins import base_plugin
from tensorboard.util import tensor_util
from werkzeug.test import Client

from tb_lossdiag.plugin.loader import LossDiagLoader
from tb_lossdiag.reading import read_logdir
from tests.event_writers import write_tbx, write_tf

SEED = 20240611
CASES_PER_BASE = 280  # x 4 base files = 1120 damaged files
CLI_SAMPLE = 30
PLUGIN_LOGDIRS = 50
PLUGIN_RUNS_PER_LOGDIR = 4
ROUTE = "/data/plugin/lossdiag"
_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

STEPS = list(range(40))
LOSS = [2.0 / (s + 1) + 0.01 * (s % 3) for s in STEPS]


# -- the original files -------------------------------------------------------------------


def _write_tf_mixed(logdir: str, run: str) -> None:
    """tf.summary scalars interleaved with a histogram, text and a graph event."""
    import tensorflow as tf

    writer = tf.summary.create_file_writer(os.path.join(logdir, run))
    with writer.as_default():
        graph = tf.Graph()
        with graph.as_default():
            tf.constant(1.0, name="c")
        tf.summary.graph(graph)
        for step in STEPS:
            tf.summary.scalar("loss", LOSS[step], step=step)
            if step % 4 == 0:
                tf.summary.histogram("weights", np.linspace(-1, 1, 20) * (step + 1), step=step)
                tf.summary.text("note", f"step {step}", step=step)
            tf.summary.scalar("val_loss", LOSS[step] * 1.1, step=step)
    writer.close()


def _write_tbx_mixed(logdir: str, run: str) -> None:
    from tensorboardX import SummaryWriter

    writer = SummaryWriter(os.path.join(logdir, run))
    for step in STEPS:
        writer.add_scalar("Loss/train", LOSS[step], step)
        if step % 5 == 0:
            writer.add_histogram("weights", np.linspace(-1, 1, 20) * step, step)
            writer.add_text("note", f"step {step}", step)
        writer.add_scalar("Loss/test", LOSS[step] + 0.1, step)
    writer.close()


@dataclass(frozen=True)
class Original:
    name: str  # the event file's base name
    data: bytes
    ends: tuple[int, ...]  # end offset of each record


def frame(data: bytes) -> list[int]:
    """End offsets of the records of an intact file, checked with TensorBoard's CRC32C."""
    pos, ends = 0, []
    while pos < len(data):
        (length,) = struct.unpack_from("<Q", data, pos)
        assert masked_crc32c(data[pos : pos + 8]) == struct.unpack_from("<I", data, pos + 8)[0]
        payload = data[pos + 12 : pos + 12 + length]
        assert masked_crc32c(payload) == struct.unpack_from("<I", data, pos + 12 + length)[0]
        pos += 16 + length
        ends.append(pos)
    assert pos == len(data)
    return ends


@pytest.fixture(scope="module")
def originals(tmp_path_factory) -> list[Original]:
    d = str(tmp_path_factory.mktemp("originals"))
    write_tf(d, "tf_scalars", {"epoch_loss": (STEPS, LOSS), "epoch_accuracy": (STEPS, [1 - v / 3 for v in LOSS])})
    _write_tf_mixed(d, "tf_mixed")
    write_tbx(d, "tbx_scalars", {"loss": (STEPS, LOSS), "lr": (STEPS, [0.1] * len(STEPS))})
    _write_tbx_mixed(d, "tbx_mixed")
    out = []
    for run in ("tf_scalars", "tf_mixed", "tbx_scalars", "tbx_mixed"):
        (name,) = os.listdir(os.path.join(d, run))
        with open(os.path.join(d, run, name), "rb") as f:
            data = f.read()
        out.append(Original(name, data, tuple(frame(data))))
    kinds = {o.name: _summary_kinds(o.data) for o in out}
    # The files hold what they are meant to: non-scalar summaries and a graph too.
    assert "graph_def" in kinds[out[1].name] and {"histograms", "text"} <= kinds[out[1].name]
    assert {"histo", "text"} <= kinds[out[3].name]  # tensorboardX: a classic histogram
    return out


def _summary_kinds(data: bytes) -> set[str]:
    kinds = set()
    for event in _events(data, len(frame(data))):
        kinds.add(event.WhichOneof("what"))
        for v in event.summary.value:
            kinds.add(v.WhichOneof("value"))
            if v.metadata.plugin_data.plugin_name:
                kinds.add(v.metadata.plugin_data.plugin_name)
    return kinds


def _events(data: bytes, count: int) -> list[event_pb2.Event]:
    events, pos = [], 0
    for _ in range(count):
        (length,) = struct.unpack_from("<Q", data, pos)
        events.append(event_pb2.Event.FromString(data[pos + 12 : pos + 12 + length]))
        pos += 16 + length
    return events


def expected_points(data: bytes, count: int) -> dict[str, list[tuple[int, float]]]:
    """The scalar points of the first ``count`` records: ``{tag: [(step, value)]}``, sorted, last per step.

    A tag is a scalar when the first metadata written for it names the
    ``scalars`` plugin, or when it is logged as a ``simple_value``.
    """
    first_plugin: dict[str, str] = {}
    raw: dict[str, dict[int, float]] = {}
    for event in _events(data, count):
        for v in event.summary.value:
            if v.HasField("metadata") and v.tag not in first_plugin:
                first_plugin[v.tag] = v.metadata.plugin_data.plugin_name
            if v.HasField("simple_value"):
                first_plugin.setdefault(v.tag, "scalars")
                raw.setdefault(v.tag, {})[event.step] = v.simple_value
            elif v.HasField("tensor") and first_plugin.get(v.tag) == "scalars":
                raw.setdefault(v.tag, {})[event.step] = float(tensor_util.make_ndarray(v.tensor))
    return {tag: sorted(points.items()) for tag, points in raw.items() if first_plugin.get(tag) == "scalars"}


# -- mutations ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    run: str
    file_name: str
    data: bytes
    intact: int  # records of the original that survive
    damaged: bool  # whether the reader must warn about the file
    what: str


def _record_at(ends: tuple[int, ...], offset: int) -> int:
    """Index of the record holding byte ``offset``."""
    return int(np.searchsorted(ends, offset, side="right"))


def mutate(original: Original, rng: random.Random, case_id: int) -> Case:
    data, ends = bytearray(original.data), original.ends
    starts = (0,) + ends[:-1]
    kind = rng.choice(
        ["truncate", "truncate", "flip", "flip", "flip_many", "length_crc", "data_crc", "length_huge",
         "length_huge_crc", "length_zero", "length_zero_crc", "length_plus_crc", "garbage", "cut_garbage",
         "empty", "random"]
    )
    run = f"case{case_id:04d}_{kind}"
    if kind == "truncate":
        cut = rng.randrange(0, len(data))
        intact = sum(1 for e in ends if e <= cut)
        # A cut exactly between two records leaves a shorter, valid file (as while it is written).
        damaged = cut == 0 or cut not in ends
        return Case(run, original.name, bytes(data[:cut]), intact, damaged, f"cut at {cut}")
    if kind in ("flip", "flip_many"):
        offsets = [rng.randrange(len(data)) for _ in range(1 if kind == "flip" else rng.randint(2, 30))]
        for offset in offsets:
            data[offset] ^= 1 << rng.randrange(8)
        changed = [i for i in range(len(data)) if data[i] != original.data[i]]
        if not changed:  # two flips undid each other
            return Case(run, original.name, bytes(data), len(ends), False, "flips cancelled")
        return Case(run, original.name, bytes(data), _record_at(ends, changed[0]), True, f"flips at {offsets}")
    i = rng.randrange(len(ends))
    start = starts[i]
    if kind == "length_crc":
        data[start + 8 + rng.randrange(4)] ^= 1 << rng.randrange(8)
    elif kind == "data_crc":
        data[ends[i] - 4 + rng.randrange(4)] ^= 1 << rng.randrange(8)
    elif kind in ("length_huge", "length_huge_crc", "length_zero", "length_zero_crc", "length_plus_crc"):
        length = struct.unpack_from("<Q", data, start)[0]
        new = {"huge": rng.choice([2**64 - 1, 2**63, 2**40, len(data) * 2]), "zero": 0,
               "plus": length + rng.randint(1, 8)}[kind.split("_")[1]]
        struct.pack_into("<Q", data, start, new)
        if kind.endswith("_crc"):  # a consistent header: only the data checksum or the file end can tell
            struct.pack_into("<I", data, start + 8, masked_crc32c(bytes(data[start : start + 8])))
    elif kind == "garbage":
        tail = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 300)))
        return Case(run, original.name, bytes(data) + tail, len(ends), True, "garbage appended")
    elif kind == "cut_garbage":
        cut = rng.randrange(1, len(data))
        tail = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 300)))
        intact = sum(1 for e in ends if e <= cut)
        return Case(run, original.name, bytes(data[:cut]) + tail, intact, True, f"cut at {cut}, garbage appended")
    elif kind == "empty":
        return Case(run, original.name, b"", 0, True, "empty")
    elif kind == "random":
        size = rng.randint(1, 5000)
        return Case(run, original.name, bytes(rng.getrandbits(8) for _ in range(size)), 0, True, "random bytes")
    return Case(run, original.name, bytes(data), i, True, f"{kind} of record {i}")


def make_cases(originals: list[Original], per_base: int, seed: int) -> list[Case]:
    rng = random.Random(seed)
    cases = []
    for original in originals:
        for _ in range(per_base):
            cases.append(mutate(original, rng, len(cases)))
    return cases


def write_case(logdir: str, case: Case) -> str:
    os.makedirs(os.path.join(logdir, case.run))
    path = os.path.join(logdir, case.run, case.file_name)
    with open(path, "wb") as f:
        f.write(case.data)
    return path


@pytest.fixture(scope="module")
def cases(originals) -> list[Case]:
    return make_cases(originals, CASES_PER_BASE, SEED)


@pytest.fixture(scope="module")
def fuzz_logdir(tmp_path_factory, cases) -> tuple[str, dict[str, str]]:
    """Every damaged file, each as its own run of one logdir."""
    d = str(tmp_path_factory.mktemp("fuzz"))
    paths = {case.run: write_case(d, case) for case in cases}
    return d, paths


# -- the reader ---------------------------------------------------------------------------------


def test_mutations_cover_every_kind(cases, originals):
    assert len(cases) >= 1000
    kinds = {case.run.split("_", 1)[1] for case in cases}
    assert kinds == {"truncate", "flip", "flip_many", "length_crc", "data_crc", "length_huge", "length_huge_crc",
                     "length_zero", "length_zero_crc", "length_plus_crc", "garbage", "cut_garbage", "empty",
                     "random"}
    # Damage lands everywhere: first record, middle, last.
    for original in originals:
        counts = {c.intact for c in cases if c.file_name == original.name}
        assert 0 in counts and len(original.ends) - 1 in counts and len(counts) > 20


def test_reader_keeps_every_point_before_the_damage(fuzz_logdir, cases, originals):
    logdir, paths = fuzz_logdir
    data = read_logdir(logdir)
    by_name = {o.name: o for o in originals}
    failures = []
    for case in cases:
        original = by_name[case.file_name]
        expected = expected_points(original.data, case.intact)
        got = {
            tag: list(zip(s.steps.tolist(), s.values.tolist())) for tag, s in data.runs.get(case.run, {}).items()
        }
        if not _same_points(got, expected):
            failures.append(f"{case.run} ({case.what}, {case.intact} intact records): "
                            f"expected {_summary(expected)}, got {_summary(got)}")
        warned = [w for w in data.warnings if paths[case.run] in w]
        if case.damaged and len(warned) != 1:
            failures.append(f"{case.run} ({case.what}): expected one warning naming the file, got {warned}")
        if not case.damaged and warned:
            failures.append(f"{case.run} ({case.what}): intact file, yet warned {warned}")
        if warned and case.intact:
            assert f"kept the {case.intact} records before it" in warned[0], (case.what, warned)
    assert not failures, "\n".join(failures[:20]) + f"\n({len(failures)} failures)"
    assert len(data.warnings) == sum(c.damaged for c in cases)


def test_expected_points_of_intact_files(originals):
    """The oracle agrees with the reader on the intact originals (and finds their scalars)."""
    for original in originals:
        expected = expected_points(original.data, len(original.ends))
        assert expected and all(len(points) == len(STEPS) for points in expected.values()), original.name


def _same_points(a: dict, b: dict) -> bool:
    if a.keys() != b.keys():
        return False
    for tag in a:
        if len(a[tag]) != len(b[tag]):
            return False
        sa, va = zip(*a[tag]) if a[tag] else ((), ())
        sb, vb = zip(*b[tag]) if b[tag] else ((), ())
        if sa != sb or not np.array_equal(np.array(va), np.array(vb), equal_nan=True):
            return False
    return True


def _summary(points: dict) -> str:
    return str({tag: len(p) for tag, p in points.items()})


def test_intact_originals_read_without_warnings(tmp_path, originals):
    for i, original in enumerate(originals):
        write_case(str(tmp_path), Case(f"run{i}", original.name, original.data, len(original.ends), False, ""))
    data = read_logdir(str(tmp_path))
    assert data.warnings == []
    assert len(data.runs) == len(originals)


# -- the CLI ---------------------------------------------------------------------------------------


def test_cli_on_damaged_logdirs(tmp_path, cases):
    sample = random.Random(SEED + 1).sample(cases, CLI_SAMPLE)
    for i, case in enumerate(sample):
        logdir = str(tmp_path / f"logdir{i}")
        path = write_case(logdir, case)
        result = subprocess.run(
            [sys.executable, "-m", "tb_lossdiag.cli", "diagnose", logdir, "--json", "--quiet"],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        doc = strict_json(result.stdout)
        assert doc["schema"] == "tb-lossdiag/1"
        # Damage that leaves no loss curve at all (random bytes) is exit 2, never a clean run.
        assert result.returncode == (0 if doc["curves"] or not doc["warnings"] else 2), (case.what, result.stderr)
        if case.damaged:
            assert any(path in w for w in doc["warnings"]), (case.what, doc["warnings"])
            assert path in result.stderr
        shutil.rmtree(logdir)


# -- the plugin --------------------------------------------------------------------------------------


def strict_json(text: str):
    def reject(constant):
        raise AssertionError(f"non-standard JSON constant {constant}")

    return json.loads(text, parse_constant=reject)


def served_client(logdir: str) -> tuple[Client, str | None]:
    """The plugin behind TensorBoard's WSGI app, over TensorBoard's multiplexer of ``logdir``.

    Also returns the error TensorBoard's own loading raised, if any: its
    pure-Python record reader raises ``OverflowError`` on a length field of
    2**64 - 1 under a valid checksum. In a TensorBoard process that ends the
    reload; the plugin must then serve whatever was loaded.
    """
    samples = 100_000_000
    multiplexer = plugin_event_multiplexer.EventMultiplexer(tensor_size_guidance={"scalars": samples})
    multiplexer.AddRunsFromDirectory(logdir)
    error = None
    try:
        multiplexer.Reload()
    except Exception as e:  # TensorBoard's loader, not the plugin under test
        error = f"{type(e).__name__}: {e}"
    provider = data_provider.MultiplexerDataProvider(multiplexer, logdir)
    context = base_plugin.TBContext(data_provider=provider, logdir=logdir, sampling_hints={"scalars": samples})
    return Client(application.TensorBoardWSGI([LossDiagLoader().load(context)], data_provider=provider)), error


def _get_json(client: Client, path: str) -> dict:
    response = client.get(path)
    body = response.get_data(as_text=True)
    assert response.status_code == 200, (path, response.status_code, body[:500])
    assert response.mimetype == "application/json"
    return strict_json(body)


def plugin_check(logdirs: list[str]) -> None:
    """Every route of the plugin over each logdir answers 200 with strict JSON (raises otherwise)."""
    experiments_seen, loader_errors = 0, []
    for logdir in logdirs:
        client, error = served_client(logdir)
        if error:
            loader_errors.append(error)
        doc = _get_json(client, f"{ROUTE}/diagnosis")
        assert doc["schema"] == "tb-lossdiag/1"
        names = sorted({c["name"] for c in doc["curves"]})
        for name in names:
            curves = _get_json(client, f"{ROUTE}/curves?experiment={quote(name)}")
            assert [e["name"] for e in curves["experiments"]] == [name]
        if names:
            _get_json(client, f"{ROUTE}/diagnosis?baseline={quote(names[0])}")
            _get_json(client, f"{ROUTE}/curves?" + "&".join(f"experiment={quote(n)}" for n in names))
        experiments_seen += len(names)
    print(json.dumps({"logdirs": len(logdirs), "experiments": experiments_seen, "loader_errors": loader_errors}))


def test_plugin_on_damaged_logdirs(tmp_path, cases):
    """The plugin over TensorBoard's Python loader, in a process where TensorFlow is not importable.

    There TensorBoard reads event files with its own pure-Python record
    reader. (With TensorFlow importable it uses TensorFlow's reader, which
    crashes the whole process with a segmentation fault on a record whose
    length field is large, e.g. 2**40, under a valid length checksum: a
    TensorFlow bug no plugin can catch. ``--load_fast=true``, the default,
    does not use it; see the next test.)
    """
    sample = random.Random(SEED + 2).sample(cases, PLUGIN_LOGDIRS * PLUGIN_RUNS_PER_LOGDIR)
    logdirs = []
    for i in range(PLUGIN_LOGDIRS):
        logdir = str(tmp_path / f"logdir{i}")
        os.makedirs(logdir)
        for case in sample[i * PLUGIN_RUNS_PER_LOGDIR : (i + 1) * PLUGIN_RUNS_PER_LOGDIR]:
            write_case(logdir, case)
        logdirs.append(logdir)
    code = "import sys; sys.modules['tensorflow'] = None; from tests.test_fuzz import plugin_check; plugin_check(sys.argv[1:])"
    result = subprocess.run(
        [sys.executable, "-c", code, *logdirs], capture_output=True, text=True, timeout=300, cwd=_REPO,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-5000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["logdirs"] == PLUGIN_LOGDIRS
    assert summary["experiments"] > PLUGIN_LOGDIRS  # most damaged files still hold curves
    assert len(summary["loader_errors"]) < PLUGIN_LOGDIRS // 2, summary["loader_errors"]


def test_real_tensorboard_rust_loader_on_damaged_files(tmp_path, cases):
    """A real ``tensorboard --load_fast=true`` over the damaged files: no route answers an error.

    Leaves out the files whose header claims a huge length under a valid
    length checksum: TensorBoard's Rust data server tries to allocate it
    (``memory allocation of 1099511627780 bytes failed``) and aborts, and
    TensorBoard then stops ("Could not start data server"), before any plugin
    runs. The reader and the plugin over the Python loader cover those files.
    """
    from tests.tb_server import TensorBoardServer

    logdir = str(tmp_path)
    cases = [c for c in cases if not c.run.endswith("length_huge_crc")]
    for case in cases:
        write_case(logdir, case)
    with TensorBoardServer(logdir, load_fast=True) as tb:
        doc = _wait_for_curves(tb)
        names = sorted({c["name"] for c in doc["curves"]})
        assert len(names) > len(cases) // 2
        for i in range(0, len(names), 100):
            chunk = names[i : i + 100]
            status, body = tb.get(f"{ROUTE}/curves?" + "&".join(f"experiment={quote(n)}" for n in chunk))
            assert status == 200, _traceback(tb)
            assert len(strict_json(body.decode())["experiments"]) == len(chunk)
        status, body = tb.get(f"{ROUTE}/diagnosis?baseline={quote(names[0])}")
        assert status == 200, _traceback(tb)
        assert tb.process.poll() is None


def _traceback(tb) -> str:
    log = tb.log()
    return log[log.find("Traceback") :][:5000] if "Traceback" in log else log[-3000:]


def _wait_for_curves(tb, timeout: float = 60) -> dict:
    """The /diagnosis document once the first load has listed something."""
    deadline = time.monotonic() + timeout
    while True:
        status, body = tb.get(f"{ROUTE}/diagnosis")
        assert status == 200, _traceback(tb)
        doc = strict_json(body.decode())
        if doc["curves"] or time.monotonic() > deadline:
            return doc
        time.sleep(0.5)
