"""Reading event files in bounded buffers, from an offset, and skipping large non-scalar records.

The cursor must give exactly what reading the whole file at once gives (the
reference reader is the oracle), whatever the buffer size, wherever the
file was cut while it was being written, and with images among the scalars.
"""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

from tb_lossdiag.reading import cursor as cursor_module
from tb_lossdiag.reading import read_logdir
from tb_lossdiag.reading.column import Column
from tb_lossdiag.reading.cursor import FileCursor
from tb_lossdiag.reading.points import run_series
from tb_lossdiag.reading.reference import read_logdir_reference
from tests.event_writers import write_tbx, write_tf
from tests.test_reading import assert_same, assert_series_equal


@pytest.fixture(scope="module")
def images_logdir(tmp_path_factory) -> str:
    """tf.summary scalars with 200 KB images and histograms between them, and a tensorboardX run."""
    import tensorflow as tf

    root = str(tmp_path_factory.mktemp("images"))
    writer = tf.summary.create_file_writer(os.path.join(root, "pictures"))
    rng = np.random.default_rng(0)
    with writer.as_default():
        for step in range(30):
            tf.summary.scalar("loss", 1.0 / (step + 1), step=step)
            if step % 3 == 0:
                tf.summary.image("noise", rng.random((1, 256, 256, 3)), step=step)  # ~200 KB PNG
            tf.summary.histogram("weights", rng.random(100), step=step)
    writer.close()
    write_tbx(root, "tbx", {"Loss/train": (range(300), np.linspace(2, 1, 300))})
    return root


@pytest.mark.parametrize("chunk", [64, 1000, 1 << 20])
def test_small_buffers_read_what_the_reference_reads(images_logdir, monkeypatch, chunk):
    monkeypatch.setattr(cursor_module, "CHUNK_BYTES", chunk)
    data = read_logdir(images_logdir)
    assert_same(data, read_logdir_reference(images_logdir))
    assert len(data.runs["pictures"]["loss"]) == 30
    assert data.runs["pictures"].keys() == {"loss"}


def test_large_records_are_not_copied_into_length_groups(images_logdir, monkeypatch):
    """Records above LARGE_RECORD are scanned in place: the same series, and no data copied per record."""
    monkeypatch.setattr(cursor_module, "LARGE_RECORD", 200)
    assert_same(read_logdir(images_logdir), read_logdir_reference(images_logdir))


def _one_file(logdir: str, run: str) -> str:
    (name,) = os.listdir(os.path.join(logdir, run))
    return os.path.join(logdir, run, name)


def test_appended_bytes_are_read_once_cut_anywhere(tmp_path, images_logdir, monkeypatch):
    """A file growing in arbitrary pieces (half records included) gives the whole file's points."""
    monkeypatch.setattr(cursor_module, "CHUNK_BYTES", 4096)
    source = _one_file(images_logdir, "pictures")
    content = open(source, "rb").read()
    target = tmp_path / "run" / os.path.basename(source)
    target.parent.mkdir()
    target.write_bytes(b"")
    cursor = FileCursor(str(target))
    cuts = sorted(set(np.random.default_rng(1).integers(0, len(content), 25).tolist())) + [len(content)]
    written = tails = 0
    for cut in cuts:
        with open(target, "ab") as f:
            f.write(content[written:cut])
        written = cut
        cursor.advance()
        assert cursor.offset <= written and cursor.offset + cursor.tail == written
        tails += cursor.tail
    assert cursor.warning() is None
    # Each byte is read once, plus the unfinished record at the end of each read, once more.
    assert cursor.bytes_read == len(content) + tails
    whole = read_logdir_reference(images_logdir).runs["pictures"]["loss"]
    assert_series_equal(run_series("pictures", [cursor.points])["loss"], whole)


def test_series_read_earlier_stay_as_they_were_while_the_file_grows(tmp_path, images_logdir):
    """A series is a view of its file's columns, not a copy: appending to them must not change it."""
    content = open(_one_file(images_logdir, "tbx"), "rb").read()
    target = tmp_path / "run" / "events.out.tfevents.1"
    target.parent.mkdir()
    target.write_bytes(b"")
    cursor = FileCursor(str(target))
    seen = []
    for quarter in range(1, 5):
        with open(target, "ab") as f:
            f.write(content[(quarter - 1) * len(content) // 4 : quarter * len(content) // 4])
        cursor.advance()
        series = run_series("run", [cursor.points])["Loss/train"]
        seen.append((series, series.values.copy()))
    assert len(seen[-1][0]) == 300
    for series, values in seen:
        np.testing.assert_array_equal(series.values, values)
        np.testing.assert_array_equal(seen[-1][0].values[: len(series)], values)


def test_columns_grow_in_place_and_widen_when_a_part_needs_it():
    column = Column(np.int32)
    column.append(np.arange(3, dtype=np.int32))
    column.append(np.arange(3, 5, dtype=np.int32))  # grown to twice the first part: room for one more
    before = column.view()
    column.append(np.array([5], dtype=np.int32))
    assert np.shares_memory(before, column.view()) and column.dtype == np.int32  # no copy
    column.append(np.array([2**40]))
    assert column.dtype == np.int64
    np.testing.assert_array_equal(column.view(), [0, 1, 2, 3, 4, 5, 2**40])
    np.testing.assert_array_equal(before, range(5))
    assert not before.flags.writeable


def test_replaced_or_shrunk_file_is_read_from_the_start(tmp_path):
    path = _one_file(write_tbx(str(tmp_path), "run", {"loss": (range(50), np.linspace(1, 0, 50))}), "")
    cursor = FileCursor(path)
    cursor.advance()
    assert len(run_series("run", [cursor.points])["loss"]) == 50
    other = _one_file(write_tbx(str(tmp_path / "other"), "run", {"loss": (range(5), np.ones(5))}), "")
    shutil.copy(other, path)  # same inode, fewer bytes
    assert cursor.advance()
    np.testing.assert_array_equal(run_series("run", [cursor.points])["loss"].steps, range(5))
    os.replace(other, path)  # another inode, same bytes
    assert cursor.advance()
    assert len(run_series("run", [cursor.points])["loss"]) == 5
    os.remove(path)
    assert cursor.advance() and "unreadable" in cursor.warning()
    assert not run_series("run", [cursor.points])


def test_unchanged_file_is_not_read_again(tmp_path):
    path = _one_file(write_tf(str(tmp_path), "run", {"loss": (range(20), np.ones(20))}), "")
    cursor = FileCursor(path)
    assert cursor.advance()
    read = cursor.bytes_read
    assert read == os.path.getsize(path)
    assert not cursor.advance()
    assert cursor.bytes_read == read


def test_fifo_is_not_opened(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    os.mkfifo(run / "events.out.tfevents.1.fifo")
    data = read_logdir(str(tmp_path))  # would block forever if opened
    assert data.runs == {} and "not a regular file" in data.warnings[0]


def test_memory_stays_bounded_beside_large_images(tmp_path):
    """48 MB of image summaries beside a few scalars are read in bounded buffers and never decoded."""
    import tracemalloc

    import tensorflow as tf

    writer = tf.summary.create_file_writer(str(tmp_path / "run"))
    rng = np.random.default_rng(2)
    with writer.as_default():
        for step in range(60):
            tf.summary.scalar("loss", 1.0 / (step + 1), step=step)
            noise = rng.integers(0, 256, (1, 512, 512, 3), dtype=np.uint8)  # ~0.8 MB as PNG
            tf.summary.image("noise", noise, step=step)
    writer.close()
    size = os.path.getsize(_one_file(str(tmp_path), "run"))
    assert size > 40e6
    tracemalloc.start()
    data = read_logdir(str(tmp_path))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    np.testing.assert_array_equal(data.runs["run"]["loss"].steps, range(60))
    assert data.runs["run"].keys() == {"loss"}
    # A few buffers' worth (reading the whole file at once took four times its size).
    assert peak < 4 * cursor_module.CHUNK_BYTES < size, f"peak {peak / 1e6:.0f} MB reading a {size / 1e6:.0f} MB file"
