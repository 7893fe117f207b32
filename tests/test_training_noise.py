"""Real training runs whose answer is known by construction, diagnosed from the files their writers wrote.

A healthy small-batch run is noisy (per-batch losses 10-30x apart, some exactly 0.0) and must get no
finding; a Keras run whose learning rate is raised for two batches must get spikes at those batches,
which only its per-batch ``batch_loss`` shows; a run the Hugging Face ``Trainer`` logged as it diverged
(``train/loss`` 0.0 once the loss is NaN) must get one divergence, and a healthy one nothing.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from tb_lossdiag.reading import read_logdir
from tb_lossdiag.running_mean import batch_means
from tb_lossdiag.sweep import diagnose_sweep

#: Batches at which the Keras run's learning rate is raised, and by how much.
BURST_BATCHES, BURST_FACTOR = (300, 301), 60.0


def _findings(logdir: str) -> list[dict]:
    """The findings of the CLI's path: each run read on its own, wall times only where needed."""
    doc = diagnose_sweep([logdir])
    return [f for curve in doc["curves"] for f in curve["findings"]]


def _digits_model(tf, lr: float):
    from sklearn.datasets import load_digits

    tf.keras.utils.set_random_seed(0)
    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype("float32")
    model = tf.keras.Sequential([tf.keras.Input((64,)), tf.keras.layers.Dense(64, activation="relu"), tf.keras.layers.Dense(10)])
    model.compile(
        optimizer=tf.keras.optimizers.SGD(lr, momentum=0.9),
        loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    return model, x, y


def test_healthy_batch_8_run_with_exact_zero_losses_has_no_finding(tmp_path):
    torch = pytest.importorskip("torch")
    tb = pytest.importorskip("torch.utils.tensorboard")
    from sklearn.datasets import load_digits

    torch.manual_seed(0)
    torch.set_num_threads(1)
    x, y = load_digits(return_X_y=True)
    x, y = torch.tensor(x / 16.0, dtype=torch.float32), torch.tensor(y)
    train, val = slice(0, 1400), slice(1400, None)
    model = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.MultiMarginLoss()  # a hinge loss: exactly 0.0 on a batch classified with margin
    gen = torch.Generator().manual_seed(0)
    writer = tb.SummaryWriter(str(tmp_path / "adam_bs8"))
    losses = []
    for step in range(2500):
        idx = torch.randint(0, 1400, (8,), generator=gen)
        loss = loss_fn(model(x[train][idx]), y[train][idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        writer.add_scalar("Loss/train", loss.item(), step)
        if step % 100 == 99:
            with torch.no_grad():
                writer.add_scalar("Loss/val", loss_fn(model(x[val]), y[val]).item(), step)
    writer.close()
    losses = np.array(losses)
    assert (losses == 0.0).sum() >= 20, "the run must have exact zero losses to test them"
    assert np.quantile(losses[500:] / np.median(losses[500:]), 0.999) > 5, "the run must be heavy-tailed"

    assert _findings(str(tmp_path)) == []


def test_a_confident_model_at_batch_size_4_has_no_spike_for_its_one_wrong_sample(tmp_path):
    """A loss down to 0.02 meets a batch holding one confidently misclassified sample: several nats, a quarter
    of them in the batch's mean, 2.5 times the untrained model's loss. Ordinary at batch size 4, and no spike."""
    torch = pytest.importorskip("torch")
    tb = pytest.importorskip("torch.utils.tensorboard")
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    torch.manual_seed(2)
    torch.set_num_threads(1)
    x, y = load_breast_cancer(return_X_y=True)
    x = StandardScaler().fit_transform(x).astype(np.float32)
    x_train, x_val, y_train, y_val = (torch.tensor(a) for a in train_test_split(x, y, test_size=0.25, random_state=2))
    model = torch.nn.Sequential(
        torch.nn.Linear(30, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2)
    )
    opt = torch.optim.Adagrad(model.parameters(), lr=0.02)
    loss_fn = torch.nn.CrossEntropyLoss()
    writer = tb.SummaryWriter(str(tmp_path / "adagrad_bs4"))
    losses, step = [], 0
    for _ in range(12):
        perm = torch.randperm(len(x_train))
        for i in range(0, len(x_train) - 3, 4):
            idx = perm[i : i + 4]
            loss = loss_fn(model(x_train[idx]), y_train[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            losses.append(loss.item())
            writer.add_scalar("train/loss", loss.item(), step)
            if step % 25 == 0:
                with torch.no_grad():
                    writer.add_scalar("val/loss", loss_fn(model(x_val), y_val).item(), step)
    writer.close()
    losses = np.array(losses)
    came_down = int(np.argmax(losses < 0.05))
    assert losses[came_down:].max() > 2 * losses[:came_down].max(), "a batch must reach twice every loss before it"

    assert [f for f in _findings(str(tmp_path)) if f["kind"] == "spike"] == []


def test_keras_update_freq_spikes_found_at_their_batches(tmp_path):
    tf = pytest.importorskip("tensorflow")
    lr = 0.05
    model, x, y = _digits_model(tf, lr)

    class Burst(tf.keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.seen = 0

        def on_train_batch_begin(self, batch, logs=None):
            self.model.optimizer.learning_rate.assign(lr * BURST_FACTOR if self.seen in BURST_BATCHES else lr)
            self.seen += 1

    logdir = str(tmp_path / "keras_bursts")
    model.fit(
        x[:1400], y[:1400], validation_data=(x[1400:], y[1400:]), epochs=8, batch_size=16, verbose=0,
        callbacks=[Burst(), tf.keras.callbacks.TensorBoard(logdir, update_freq=1)],
    )
    runs = read_logdir(str(tmp_path)).runs
    assert "batch_loss" in runs[os.path.join("keras_bursts", "train")], "the callback must log per-batch losses"

    spikes = [f for f in _findings(str(tmp_path)) if f["kind"] == "spike"]
    assert spikes, "the learning-rate burst must be found"
    assert any(BURST_BATCHES[0] <= f["start_step"] <= BURST_BATCHES[-1] + 3 for f in spikes), spikes


def test_a_keras_run_broken_by_its_learning_rate_in_its_first_batches_is_one_divergence(tmp_path):
    """Adam at 1.0 throws the loss up ~1,000-fold within two batches, and the network never learns after it: its loss
    stays about the untrained one. That is a divergence from the blow-up, not a spike and not underfitting."""
    tf = pytest.importorskip("tensorflow")
    from sklearn.datasets import load_digits

    tf.keras.utils.set_random_seed(1)
    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype("float32")
    dense = tf.keras.layers.Dense
    model = tf.keras.Sequential([tf.keras.Input((64,)), dense(64, activation="relu"), dense(64, activation="relu"), dense(10)])
    model.compile(tf.keras.optimizers.Adam(1.0), loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    logdir = str(tmp_path / "keras_lr1")
    model.fit(
        x[:1400], y[:1400], validation_data=(x[1400:], y[1400:]), epochs=4, batch_size=32, verbose=0,
        callbacks=[tf.keras.callbacks.TensorBoard(logdir, update_freq=1)],
    )
    found = _findings(str(tmp_path))
    assert [(f["kind"], f["series"]) for f in found] == [("divergence", "train")], found
    assert found[0]["start_step"] <= 3, found


def _byte_transformer_run(torch, tb, logdir: str, lr: float, steps: int = 1500, seed: int = 0) -> None:
    """A one-layer byte-level transformer language model on the standard library's source, AdamW at ``lr`` from the
    first step (no warm-up, no clipping) with a cosine decay to a tenth of it, its per-step training loss and an
    evaluation every 50 steps logged."""
    import glob
    import math

    torch.manual_seed(seed)
    torch.set_num_threads(1)
    paths = sorted(glob.glob(os.path.join(os.path.dirname(os.__file__), "*.py")))[:60]
    data = torch.tensor(list(b"".join(open(p, "rb").read() for p in paths)))
    train, val = data[: len(data) * 9 // 10], data[len(data) * 9 // 10 :]
    width, context = 32, 32
    embed, position = torch.nn.Embedding(256, width), torch.nn.Parameter(torch.zeros(context, width))
    layer = torch.nn.TransformerEncoderLayer(width, 2, 4 * width, dropout=0.0, batch_first=True, norm_first=True)
    body, head = torch.nn.TransformerEncoder(layer, 1, enable_nested_tensor=False), torch.nn.Linear(width, 256)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(context)
    params = [*embed.parameters(), position, *body.parameters(), *head.parameters()]
    opt, loss_fn, gen = torch.optim.AdamW(params, lr=lr), torch.nn.CrossEntropyLoss(), torch.Generator().manual_seed(seed)
    cosine = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: 0.1 + 0.45 * (1 + math.cos(math.pi * t / steps)))

    def loss_on(text, batch):
        at = torch.randint(0, len(text) - context - 1, (batch,), generator=gen)
        x = torch.stack([text[i : i + context] for i in at])
        y = torch.stack([text[i + 1 : i + context + 1] for i in at])
        return loss_fn(head(body(embed(x) + position, mask=mask, is_causal=True)).reshape(-1, 256), y.reshape(-1))

    writer = tb.SummaryWriter(logdir)
    for step in range(steps):
        loss = loss_on(train, 16)
        opt.zero_grad()
        loss.backward()
        opt.step()
        cosine.step()
        writer.add_scalar("Loss/train", loss.item(), step)
        if (step + 1) % 50 == 0:
            with torch.no_grad():
                writer.add_scalar("Loss/val", loss_on(val, 64).item(), step)
    writer.close()


@pytest.mark.parametrize("lr, diverged", [(1.0, True), (0.3, False)])
def test_a_language_model_blown_up_for_a_tenth_of_its_run_diverged(tmp_path, lr: float, diverged: bool):
    """Adam at 1.0 throws a byte-level transformer's loss up ~10,000x in its first steps, and it is still several
    times its start a tenth of the way into the run: a divergence from the first steps, whatever it does after (here
    it sits at the bytes' own frequencies, ~3.1 nats). At 0.3 the blow-up is undone within 5 % of the run and the
    model then learns: a spike at the start, as a bad first batch would give."""
    torch = pytest.importorskip("torch")
    tb = pytest.importorskip("torch.utils.tensorboard")
    _byte_transformer_run(torch, tb, str(tmp_path / f"lm_lr{lr}"), lr)
    found = [(f["kind"], f["series"], f["start_step"]) for f in _findings(str(tmp_path))]
    assert found == ([("divergence", "train", 1)] if diverged else [("spike", "train", 1)]), found


@pytest.mark.parametrize("seed", [0, 1])
def test_a_network_killed_by_its_learning_rate_within_its_first_logged_steps_diverged(tmp_path, seed: int):
    """SGD at 3.0 with momentum throws a digits MLP's loss up 13-30,000,000x within the first 10 steps, the loss
    logged every 10 steps as Lightning does by default: the first logged point is already the blow-up, and from
    then on the loss wanders about 2.5 (ln 10 + 8 %) without improving, its validation accuracy at 10 %. The
    network died: a divergence, not a spike, nor nothing."""
    torch = pytest.importorskip("torch")
    tb = pytest.importorskip("torch.utils.tensorboard")
    from sklearn.datasets import load_digits
    from sklearn.preprocessing import StandardScaler

    torch.manual_seed(seed)
    torch.set_num_threads(1)
    x, y = load_digits(return_X_y=True)
    x, y = torch.tensor(StandardScaler().fit_transform(x), dtype=torch.float32), torch.tensor(y)
    (x_train, x_val), (y_train, y_val) = x.split([1350, len(x) - 1350]), y.split([1350, len(y) - 1350])
    dense = torch.nn.Linear
    model = torch.nn.Sequential(dense(64, 64), torch.nn.ReLU(), dense(64, 64), torch.nn.ReLU(), dense(64, 10))
    opt, loss_fn = torch.optim.SGD(model.parameters(), lr=3.0, momentum=0.9), torch.nn.CrossEntropyLoss()
    gen, writer, step = torch.Generator().manual_seed(seed), tb.SummaryWriter(str(tmp_path / "sgd_lr3")), 0
    for _ in range(30):
        for batch in torch.randperm(len(x_train), generator=gen).split(32):
            loss = loss_fn(model(x_train[batch]), y_train[batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
            if (step + 1) % 10 == 0:
                writer.add_scalar("Loss/train", loss.item(), step)
            step += 1
        with torch.no_grad():
            out = model(x_val)
            writer.add_scalar("Loss/val", loss_fn(out, y_val).item(), step - 1)
            writer.add_scalar("Accuracy/val", (out.argmax(1) == y_val).float().mean().item(), step - 1)
    writer.close()
    found = [(f["kind"], f["series"]) for f in _findings(str(tmp_path))]
    assert found == [("divergence", "train")], found


def test_a_keras_learning_rate_cut_to_almost_zero_is_a_plateau_at_epoch_level(tmp_path):
    """Keras logs an epoch's loss after training it, so the point at the cut's epoch was already trained at the
    cut rate (here validation even rose 13 % there): the fall before the cut is measured up to the epoch before."""
    tf = pytest.importorskip("tensorflow")
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    tf.keras.utils.set_random_seed(1)
    x, y = load_digits(return_X_y=True)
    x_train, x_val, y_train, y_val = train_test_split((x / 16.0).astype("float32"), y, test_size=0.25, random_state=1)
    dense = tf.keras.layers.Dense
    model = tf.keras.Sequential([tf.keras.Input((64,)), dense(64, activation="relu"), dense(64, activation="relu"), dense(10)])
    model.compile(
        tf.keras.optimizers.SGD(0.01, momentum=0.9),
        loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    cut = tf.keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 1e-4 if epoch == 10 else lr)
    logdir = str(tmp_path / "keras_cut")
    model.fit(
        x_train, y_train, validation_data=(x_val, y_val), epochs=40, batch_size=32, verbose=0,
        callbacks=[cut, tf.keras.callbacks.TensorBoard(logdir)],
    )
    train = read_logdir(logdir).runs["train"]
    assert "epoch_learning_rate" in train, "the callback must log the learning rate for this test to test that"
    plateaus = [f for f in _findings(str(tmp_path)) if f["kind"] == "plateau"]
    assert [(f["start_step"], f["evidence"]["learning_rate_cut_step"]) for f in plateaus] == [(10, 10)], plateaus


def test_keras_update_freq_with_epochs_left_unlogged(tmp_path):
    """With ``update_freq=5`` and 88 batches an epoch, Keras writes only the epochs ending on a multiple of 5.

    The per-batch means must still be undone at every epoch boundary (they match the batches' own
    losses); an epoch's first point, averaging fewer than 5 batches, is joined to the next, so that
    every point is the mean of 5 batches or more; and the healthy run gets no finding.
    """
    tf = pytest.importorskip("tensorflow")
    model, x, y = _digits_model(tf, 0.01)
    means: list[float] = []

    class Record(tf.keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            means.append((batch + 1, float(logs["loss"])))  # the epoch-to-date mean after this batch

    logdir = str(tmp_path / "keras_uf5")
    model.fit(
        x[:1400], y[:1400], validation_data=(x[1400:], y[1400:]), epochs=10, batch_size=16, verbose=0,
        callbacks=[Record(), tf.keras.callbacks.TensorBoard(logdir, update_freq=5)],
    )
    train = read_logdir(logdir).runs["train"]
    assert len(train["epoch_loss"]) < 10, "Keras must have skipped epochs for this test to test that"

    count, running = np.array(means).T
    losses = count * running - np.where(count > 1, (count - 1) * np.roll(running, 1), 0.0)  # each batch's own loss
    logged = train["batch_loss"]
    undone = batch_means(logged, train["epoch_loss"])
    epoch_start = (undone.steps - 1) // 88 * 88
    since = np.maximum(np.concatenate([[0], undone.steps[:-1]]), epoch_start)  # the batches each point averages
    assert len(undone) < len(logged) and np.all(undone.steps - since >= 5), "partial points must have been joined"
    expected = [losses[a:b].mean() for a, b in zip(since[1:], undone.steps[1:])]
    np.testing.assert_allclose(undone.values[1:], expected, rtol=1e-3, atol=1e-4)

    assert _findings(str(tmp_path)) == []


def test_burst_seen_by_validation_first_is_one_finding(tmp_path):
    """A PyTorch loop logs a batch's loss before its update and evaluates after it: the validation point at
    the step of a bad update shows it one step before the training loss does, and both are one event."""
    torch = pytest.importorskip("torch")
    tb = pytest.importorskip("torch.utils.tensorboard")
    from sklearn.datasets import load_digits

    torch.manual_seed(0)
    torch.set_num_threads(1)
    x = torch.tensor(load_digits().data / 16.0, dtype=torch.float32)
    train, val = x[:1300], x[1300:]
    model = torch.nn.Sequential(torch.nn.Linear(64, 16), torch.nn.ReLU(), torch.nn.Linear(16, 64))
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    gen = torch.Generator().manual_seed(0)
    writer = tb.SummaryWriter(str(tmp_path / "autoencoder"))
    burst, every = 800, 50
    for step in range(1, 1201):
        batch = train[torch.randint(0, len(train), (32,), generator=gen)]
        loss = torch.nn.functional.mse_loss(model(batch), batch)
        opt.zero_grad()
        loss.backward()
        for group in opt.param_groups:
            group["lr"] = 2e-3 * (50.0 if step in (burst, burst + 1) else 1.0)
        opt.step()
        writer.add_scalar("Loss/train", loss.item(), step)
        if step % every == 0:
            with torch.no_grad():
                writer.add_scalar("Loss/val", torch.nn.functional.mse_loss(model(val), val).item(), step)
    writer.close()

    spikes = [f for f in _findings(str(tmp_path)) if f["kind"] == "spike"]
    assert len(spikes) == 1, spikes
    (spike,) = spikes
    assert spike["series"] == "train" and burst < spike["start_step"] <= burst + 3, spike
    assert {"series": "validation", "step": burst} in spike["evidence"]["also_seen"], spike


def _hugging_face_trainer(tmp_path, monkeypatch, lr_growth: float, eval_steps: int = 100):
    """A small regression model trained by the Hugging Face ``Trainer`` itself, logging to TensorBoard; from
    step 300 its learning rate grows by ``lr_growth`` a step. Returns the logdir."""
    monkeypatch.setenv("USE_TF", "0")  # the Trainer would import TensorFlow's Keras 3, which it refuses
    monkeypatch.setenv("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from sklearn.datasets import load_diabetes

    torch.manual_seed(0)
    torch.set_num_threads(1)
    x, y = load_diabetes(return_X_y=True)
    x = torch.tensor((x - x.mean(0)) / x.std(0), dtype=torch.float32)
    y = torch.tensor((y - y.mean()) / y.std(), dtype=torch.float32)[:, None]

    class Regression(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = torch.nn.Sequential(torch.nn.Linear(10, 32), torch.nn.ReLU(), torch.nn.Linear(32, 1))

        def forward(self, x, labels=None):
            out = self.net(x)
            return {"loss": torch.nn.functional.mse_loss(out, labels), "logits": out}

    def rows(a, b):
        return [{"x": a[i], "labels": b[i]} for i in range(len(a))]

    model = Regression()
    opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    schedule = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: lr_growth ** max(0, step - 300))
    logdir = str(tmp_path / "logs")
    args = transformers.TrainingArguments(
        output_dir=str(tmp_path / "out"), logging_dir=str(tmp_path / "logs" / "regression"), report_to=["tensorboard"],
        logging_steps=10, eval_strategy="steps", eval_steps=eval_steps, max_steps=800, per_device_train_batch_size=16,
        max_grad_norm=0.0, save_strategy="no", use_cpu=True, disable_tqdm=True, seed=0,
    )
    trainer = transformers.Trainer(
        model=model, args=args, train_dataset=rows(x[:300], y[:300]), eval_dataset=rows(x[300:], y[300:]),
        optimizers=(opt, schedule),
    )
    trainer.train()
    return logdir


def test_a_run_the_hugging_face_trainer_logged_as_it_diverged(tmp_path, monkeypatch):
    """The Trainer itself, its default ``logging_nan_inf_filter`` on: once the loss is NaN it logs
    ``train/loss`` 0.0 (and ``eval/loss`` NaN). One divergence, on training, from before its first 0.0."""
    logdir = _hugging_face_trainer(tmp_path, monkeypatch, lr_growth=1.02)
    loss = read_logdir(logdir).runs["regression"]["train/loss"]
    assert loss.values[-1] == 0.0 and np.isfinite(loss.values).all(), "the Trainer must log 0.0 for a NaN loss"
    zero_from = int(loss.steps[np.flatnonzero(loss.values > 0)[-1] + 1])

    findings = _findings(logdir)
    assert [(f["kind"], f["series"]) for f in findings] == [("divergence", "train")], findings
    assert findings[0]["start_step"] <= zero_from and findings[0]["evidence"]["logged_as_zero"], findings[0]
    assert [e["series"] for e in findings[0]["evidence"]["also_seen"]] == ["validation"], findings[0]


def test_a_healthy_run_the_hugging_face_trainer_logged_has_no_finding(tmp_path, monkeypatch):
    logdir = _hugging_face_trainer(tmp_path, monkeypatch, lr_growth=1.0)
    runs = read_logdir(logdir).runs["regression"]
    assert {"train/loss", "eval/loss", "train/learning_rate"} <= set(runs), sorted(runs)
    assert _findings(logdir) == []
