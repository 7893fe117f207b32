"""The PyTorch training loop: a plain loop over :mod:`.stream` batches, logging through a writer."""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from .config import Config, learning_rate
from .stream import Stream, build
from .writers import WRITERS

EMBEDDING = 24
"""Width of the byte embedding of the byte-level language model."""
ACTIVATIONS = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}


def model_for(config: Config, stream: Stream) -> nn.Module:
    """An MLP with ``config.widths``; for bytes, an embedding of the context window comes first."""
    x = stream.data.x_train
    layers: list[nn.Module] = []
    if np.issubdtype(x.dtype, np.integer):
        layers += [nn.Embedding(256, EMBEDDING), nn.Flatten()]
        width = EMBEDDING * x.shape[1]
    else:
        width = x.shape[1]
    for hidden in config.widths:
        layers += [nn.Linear(width, hidden), ACTIVATIONS[config.activation]()]
        if config.dropout:
            layers.append(nn.Dropout(config.dropout))
        width = hidden
    layers.append(nn.Linear(width, stream.data.classes or 1))
    return nn.Sequential(*layers)


def loss_for(config: Config, classes: int) -> nn.Module:
    if not classes:
        return nn.MSELoss()
    return nn.MultiMarginLoss() if config.loss == "hinge" else nn.CrossEntropyLoss()


def _tensors(x: np.ndarray, y: np.ndarray, classes: int) -> tuple[torch.Tensor, torch.Tensor]:
    tx = torch.from_numpy(x)
    ty = torch.from_numpy(y.astype("int64") if classes else y.astype("float32").reshape(-1, 1))
    return tx, ty


def _evaluate(model: nn.Module, loss_fn: nn.Module, x: torch.Tensor, y: torch.Tensor, classes: int):
    model.eval()
    with torch.no_grad():
        out = model(x)
        loss = float(loss_fn(out, y))
        accuracy = float((out.argmax(1) == y).float().mean()) if classes else None
    model.train()
    return loss, accuracy


def train(config: Config, logdir: str) -> dict:
    """Train ``config`` with PyTorch, logging into ``logdir``; return the facts of the construction."""
    torch.manual_seed(config.seed)
    stream = build(config)
    classes = stream.data.classes
    model = model_for(config, stream)
    loss_fn = loss_for(config, classes)
    if config.optimizer == "adam":
        opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=config.lr, momentum=config.momentum,
                              weight_decay=config.weight_decay)
    x, y = _tensors(stream.x, stream.y, classes)
    x_val, y_val = _tensors(stream.data.x_val, stream.data.y_val, classes)
    writer = WRITERS[config.layout](logdir, config, stream.steps_per_epoch)
    total, batch = stream.total_steps, stream.batch
    stop_at = total
    for epoch in range(config.epochs):
        losses = []
        for step in range(epoch * stream.steps_per_epoch, (epoch + 1) * stream.steps_per_epoch):
            if step >= stop_at:
                break
            lr = learning_rate(config, step, total)
            for group in opt.param_groups:
                group["lr"] = lr
            loss = loss_fn(model(x[step * batch:(step + 1) * batch]), y[step * batch:(step + 1) * batch])
            opt.zero_grad()
            loss.backward()
            norm = nn.utils.clip_grad_norm_(model.parameters(), config.clip_norm or math.inf)
            opt.step()
            value = loss.item()
            losses.append(value)
            writer.step(step, value, lr, float(norm))
            if config.eval_every and (step + 1) % config.eval_every == 0:
                writer.evaluate(step, epoch, *_evaluate(model, loss_fn, x_val, y_val, classes))
            if not math.isfinite(value) and stop_at == total and writer.stops_after_nonfinite:
                stop_at = min(total, step + 1 + config.after_nonfinite)
        if losses:
            writer.epoch(step, epoch, float(np.mean(losses)), lr)
            if not config.eval_every:
                writer.evaluate(step, epoch, *_evaluate(model, loss_fn, x_val, y_val, classes))
        if step + 1 >= stop_at:
            break
    writer.close()
    return {**stream.facts(), "steps_per_epoch": stream.steps_per_epoch, "batch": batch, "total_steps": total}
