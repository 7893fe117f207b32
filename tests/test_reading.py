"""The event-file reader, on real files from the real writers."""

from __future__ import annotations

import math
import os
import shutil
import struct
import subprocess
import sys

import numpy as np
import pytest
from tensorboard.compat.proto import event_pb2

from tb_lossdiag.reading import LogdirData, read_logdir
from tb_lossdiag.reading.crc import crc32c, crc32c_rows
from tb_lossdiag.reading.reference import read_logdir_reference
from tb_lossdiag.series import Series
from tests.event_writers import (
    write_keras_fit,
    write_tbx,
    write_tf,
    write_tf1_tensor_scalars,
    write_torch,
)

CORPUS = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "corpus")
NAN_LOSS = [1.0, 0.5, math.nan, math.inf, -math.inf, 0.25]
# Steps crossing the 1- and 2-byte varint limits, so record lengths change.
SPARSE_STEPS = list(range(0, 200, 3)) + list(range(16380, 16390))


def _read_both(path: str, **kwargs) -> LogdirData:
    """Read with the fast and the reference reader; they must agree exactly."""
    fast = read_logdir(path, **kwargs)
    reference = read_logdir_reference(path, **kwargs)
    assert_same(fast, reference)
    return fast


def assert_same(a: LogdirData, b: LogdirData) -> None:
    assert a.warnings == b.warnings
    assert a.runs.keys() == b.runs.keys()
    for run in a.runs:
        assert a.runs[run].keys() == b.runs[run].keys(), run
        for tag, x in a.runs[run].items():
            assert_series_equal(x, b.runs[run][tag])


def assert_series_equal(x: Series, y: Series) -> None:
    assert (x.run, x.tag) == (y.run, y.tag)
    np.testing.assert_array_equal(x.steps, y.steps)
    np.testing.assert_array_equal(x.values, y.values)  # NaN == NaN here
    np.testing.assert_array_equal(x.wall_times, y.wall_times)


def _record_offsets(path: str) -> list[tuple[int, int | None]]:
    """(byte offset, step of its scalar or None) of each record of an intact file."""
    data = open(path, "rb").read()
    out, pos = [], 0
    while pos < len(data):
        (length,) = struct.unpack_from("<Q", data, pos)
        event = event_pb2.Event.FromString(data[pos + 12 : pos + 12 + length])
        out.append((pos, event.step if event.HasField("summary") else None))
        pos += 16 + length
    return out


@pytest.fixture(scope="module")
def logdir(tmp_path_factory) -> str:
    """One logdir with every writer, nested runs, the root run and a restarted run."""
    import tensorflow as tf

    root = str(tmp_path_factory.mktemp("logdir"))
    steps = list(range(len(NAN_LOSS)))
    write_tf(root, "tf", {"loss": (steps, NAN_LOSS), "a_much_longer_tag/accuracy": (steps, [0.1] * len(steps))})
    write_tf(root, "tf_sparse", {"loss": (SPARSE_STEPS, np.linspace(2, 1, len(SPARSE_STEPS)))})
    # Irregular records between the scalars: text, histograms, an image.
    writer = tf.summary.create_file_writer(os.path.join(root, "mixed"))
    with writer.as_default():
        for step in range(20):
            tf.summary.scalar("loss", 1.0 / (step + 1), step=step)
            tf.summary.text("note", f"step {step} " * step, step=step)
            tf.summary.histogram("weights", np.arange(step + 1.0), step=step)
        tf.summary.image("picture", np.zeros((1, 4, 4, 3)), step=0)
    writer.close()
    write_tf1_tensor_scalars(root, "tf1", {"loss": (steps, [3.0, 2.0, 1.0, 0.5, 0.4, 0.3])})
    write_keras_fit(root, "keras")
    write_tbx(root, "tbx", {"Loss/train": (steps, NAN_LOSS), "Loss/test": (steps, [2.0] * len(steps))})
    write_tbx(root, "", {"root_loss": ([0, 1], [1.0, 0.5])})
    write_tbx(root, "nested/deep/run", {"loss": ([5, 6], [0.7, 0.6])})
    # A restarted run: the second file (by name) rewrites steps 3..5.
    for i, (first, values) in enumerate([(0, [9.0] * 6), (3, [1.0, 2.0, 3.0])]):
        run = write_tf(root, f"restarted_{i}", {"loss": (range(first, first + len(values)), values)})
        (name,) = os.listdir(run)
        os.makedirs(os.path.join(root, "restarted"), exist_ok=True)
        shutil.move(os.path.join(run, name), os.path.join(root, "restarted", f"events.out.tfevents.{i}.host.v2"))
        os.rmdir(run)
    return root


@pytest.fixture(scope="module")
def data(logdir) -> LogdirData:
    return _read_both(logdir)


def test_run_names_follow_tensorboard(data):
    assert sorted(data.runs) == sorted(
        [".", "keras/train", "keras/validation", "mixed", "nested/deep/run", "restarted", "tbx", "tf", "tf1", "tf_sparse"]
    )
    assert data.warnings == []


def test_tf_summary_scalars_keep_nan_and_inf(data):
    loss = data.runs["tf"]["loss"]
    np.testing.assert_array_equal(loss.steps, np.arange(6))
    np.testing.assert_array_equal(loss.values, np.array(NAN_LOSS, dtype=np.float32))
    assert (loss.wall_times > 1e9).all()
    assert set(data.runs["tf"]) == {"loss", "a_much_longer_tag/accuracy"}


def test_step_varints_of_every_size(data):
    np.testing.assert_array_equal(data.runs["tf_sparse"]["loss"].steps, SPARSE_STEPS)


def test_only_scalars_are_read_from_mixed_files(data):
    assert set(data.runs["mixed"]) == {"loss"}
    np.testing.assert_allclose(data.runs["mixed"]["loss"].values, 1.0 / np.arange(1, 21), rtol=1e-6)


def test_metadata_on_the_first_event_only(data):
    np.testing.assert_allclose(data.runs["tf1"]["loss/scalar_summary"].values, [3.0, 2.0, 1.0, 0.5, 0.4, 0.3], rtol=1e-6)


def test_keras_callback(data):
    assert len(data.runs["keras/train"]["epoch_loss"]) == 3
    np.testing.assert_array_equal(data.runs["keras/validation"]["epoch_loss"].steps, [0, 1, 2])


def test_tensorboardx_simple_values(data):
    np.testing.assert_array_equal(data.runs["tbx"]["Loss/train"].values, np.array(NAN_LOSS, dtype=np.float32))
    assert len(data.runs["tbx"]["Loss/test"]) == 6


def test_root_and_nested_runs(data):
    np.testing.assert_array_equal(data.runs["."]["root_loss"].values, [1.0, 0.5])
    np.testing.assert_array_equal(data.runs["nested/deep/run"]["loss"].steps, [5, 6])


def test_restarted_run_last_file_wins(data):
    loss = data.runs["restarted"]["loss"]
    np.testing.assert_array_equal(loss.steps, np.arange(6))
    np.testing.assert_array_equal(loss.values, [9.0, 9.0, 9.0, 1.0, 2.0, 3.0])


def test_steps_are_int32_where_every_step_fits(tmp_path):
    """Half the memory of int64 for the steps of nearly every run; int64 where a step is beyond 2**30."""
    write_tbx(str(tmp_path), "run", {"small": ([0, 5, 2**30 - 1], [1.0, 2.0, 3.0]), "large": ([0, 2**30], [1.0, 2.0])})
    tags = _read_both(str(tmp_path)).runs["run"]
    assert tags["small"].steps.dtype == np.int32 and tags["large"].steps.dtype == np.int64
    np.testing.assert_array_equal(tags["large"].steps, [0, 2**30])
    assert tags["small"].values.dtype == np.float64  # the checks work in float64


def test_torch_writer(tmp_path):
    write_torch(str(tmp_path), "torch", {"Loss/train": ([0, 1, 2], [1.0, math.nan, 0.5])})
    data = _read_both(str(tmp_path))
    np.testing.assert_array_equal(data.runs["torch"]["Loss/train"].values, [1.0, math.nan, 0.5])


def test_tag_filter_and_progress(logdir):
    calls = []
    only_tf_loss = lambda run, tag: run == "tf" and tag == "loss"  # noqa: E731
    data = read_logdir(logdir, tag_filter=only_tf_loss, progress=lambda done, total: calls.append((done, total)))
    assert_same(data, read_logdir_reference(logdir, tag_filter=only_tf_loss))
    assert data.runs["tf"].keys() == {"loss"}
    assert all(not tags for run, tags in data.runs.items() if run != "tf")
    total = calls[-1][1]
    assert calls == [(i, total) for i in range(1, total + 1)] and total >= 11


def test_empty_and_missing_logdirs(tmp_path):
    assert _read_both(str(tmp_path)) == LogdirData({}, [])
    with pytest.raises(FileNotFoundError):
        read_logdir(str(tmp_path / "missing"))
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError):
        read_logdir(str(tmp_path / "file"))


# --- damaged files -------------------------------------------------------------


@pytest.fixture(scope="module")
def good_file(tmp_path_factory) -> str:
    run = write_tf(str(tmp_path_factory.mktemp("good")), "run", {"loss": (range(50), np.linspace(1, 0, 50))})
    (name,) = os.listdir(run)
    return os.path.join(run, name)


def _damaged(tmp_path, good_file: str, damage) -> tuple[str, list[tuple[int, int | None]]]:
    """A copy of ``good_file`` in its own logdir, changed by ``damage(bytearray)``."""
    records = _record_offsets(good_file)
    data = bytearray(open(good_file, "rb").read())
    damage(data, records)
    path = tmp_path / "run" / os.path.basename(good_file)
    path.parent.mkdir()
    path.write_bytes(bytes(data))
    return str(path), records


@pytest.mark.parametrize(
    "name, damage, damaged_record, reason",
    [
        ("cut mid-record", lambda d, r: d.__delitem__(slice(r[30][0] + 20, None)), 30, "incomplete record"),
        ("cut mid-header", lambda d, r: d.__delitem__(slice(r[30][0] + 5, None)), 30, "incomplete record"),
        ("bad data crc", lambda d, r: d.__setitem__(r[30][0] + 14, d[r[30][0] + 14] ^ 1), 30, "bad data checksum"),
        ("bad length crc", lambda d, r: d.__setitem__(r[30][0] + 9, d[r[30][0] + 9] ^ 1), 30, "bad length checksum"),
        ("bad length", lambda d, r: d.__setitem__(r[30][0] + 1, d[r[30][0] + 1] ^ 1), 30, "bad length checksum"),
    ],
)
def test_damage_keeps_earlier_points(tmp_path, good_file, name, damage, damaged_record, reason):
    path, records = _damaged(tmp_path, good_file, damage)
    data = _read_both(str(tmp_path))
    expected = [step for _, step in records[:damaged_record] if step is not None]
    np.testing.assert_array_equal(data.runs["run"]["loss"].steps, expected)
    offset = records[damaged_record][0]
    assert data.warnings == [f"{path}: {reason} at byte offset {offset}; kept the {damaged_record} records before it"]


def test_garbage_appended(tmp_path, good_file):
    path, records = _damaged(tmp_path, good_file, lambda d, r: d.extend(os.urandom(100)))
    data = _read_both(str(tmp_path))
    assert len(data.runs["run"]["loss"]) == 50
    assert len(data.warnings) == 1 and f"at byte offset {os.path.getsize(good_file)};" in data.warnings[0]


def test_zero_length_file_next_to_a_good_one(tmp_path, good_file):
    run = tmp_path / "run"
    run.mkdir()
    shutil.copy(good_file, run / "events.out.tfevents.1.a")
    (run / "events.out.tfevents.2.b").write_bytes(b"")
    data = _read_both(str(tmp_path))
    assert len(data.runs["run"]["loss"]) == 50
    assert data.warnings == [f"{run / 'events.out.tfevents.2.b'}: empty file at byte offset 0; kept the 0 records before it"]


# --- the pieces ------------------------------------------------------------------


def test_vectorised_crc_matches_tensorboard():
    from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import crc32c as tensorboard_crc32c

    rng = np.random.default_rng(0)
    for length in [0, 1, 3, 4, 5, 57, 1023, 1024, 1025, 5000]:
        message = rng.integers(0, 256, length, dtype=np.uint8)
        assert crc32c(message) == tensorboard_crc32c(message.tobytes())
    rows = rng.integers(0, 256, (40, 60), dtype=np.uint8)
    rows[:, ::3] = 7  # columns that do not vary
    assert crc32c_rows(rows).tolist() == [tensorboard_crc32c(r.tobytes()) for r in rows]


def test_local_paths_do_not_import_tensorflow(logdir):
    code = f"import sys; from tb_lossdiag.reading import read_logdir; read_logdir({logdir!r}); print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_remote_path_without_tensorflow_says_what_to_install():
    code = (
        "import sys; sys.modules['tensorflow'] = None\n"
        "from tb_lossdiag.reading import read_logdir\n"
        "try:\n    read_logdir('gs://bucket/logs')\nexcept ImportError as e:\n    print(e)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install tensorflow" in out.stdout


# --- real files from public projects ---------------------------------------------

CORPUS_RUNS = [
    "Kirschberg32__TensorFlow_22-23/Homework04/logs/SUB_1/Adagrad",
    "BullsEye268__da6401_assignment3/lightning_logs/version_13",
    "huzaifasharafat__TFODCourse/Tensorflow/workspace/mobile 320x320",
    "TheCodeheadMT__TensorBoard-Tutorial/archive/experiments/Exp_7_rmsprop_300_0.2",
]


def _event_accumulator_series(run_dir: str) -> dict[str, dict[str, Series]]:
    """TensorBoard's own reading of a logdir, keeping every point."""
    from tensorboard.backend.event_processing import plugin_event_multiplexer
    from tensorboard.util import tensor_util

    mux = plugin_event_multiplexer.EventMultiplexer(tensor_size_guidance={"scalars": 0})
    mux.AddRunsFromDirectory(run_dir)
    mux.Reload()
    out = {}
    for run, tags in mux.PluginRunToTagToContent("scalars").items():
        out[run] = {}
        for tag in tags:
            events = mux.Tensors(run, tag)
            out[run][tag] = Series.from_points(
                run,
                tag,
                [e.step for e in events],
                [tensor_util.make_ndarray(e.tensor_proto).item() for e in events],
                [e.wall_time for e in events],
            )
    return out


@pytest.mark.parametrize("relative", CORPUS_RUNS)
def test_corpus_files_read_as_tensorboard_reads_them(relative):
    path = os.path.join(CORPUS, relative)
    if not os.path.isdir(path):
        pytest.skip("corpus not available")
    data = _read_both(path)
    assert data.warnings == []
    expected = _event_accumulator_series(path)
    ours = {run: tags for run, tags in data.runs.items() if tags}
    assert ours.keys() == expected.keys()
    for run in expected:
        assert ours[run].keys() == expected[run].keys()
        for tag, series in expected[run].items():
            assert_series_equal(ours[run][tag], series)


def test_deeply_nested_run_is_found(tmp_path, good_file):
    """1,100 nested directories: os.walk would raise RecursionError on this Python."""
    path = str(tmp_path)
    for _ in range(1100):
        path = os.path.join(path, "d")
        os.mkdir(path)
    shutil.copy(good_file, path)
    try:
        data = read_logdir(str(tmp_path))
        (run,) = data.runs
        assert run == "/".join(["d"] * 1100) and len(data.runs[run]["loss"]) == 50
    finally:  # bottom up: pytest's own (recursive) clean-up of old temporary trees cannot remove it
        os.remove(os.path.join(path, os.path.basename(good_file)))
        while path != str(tmp_path):
            os.rmdir(path)
            path = os.path.dirname(path)
