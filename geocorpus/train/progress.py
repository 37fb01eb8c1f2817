"""What a training run tells its user: a rich progress bar and `OUT/train_log.jsonl`.

One JSON line per Trainer log event: stage, step, loss, learning rate, trainable tokens/s (tokens with a
label, i.e. what the loss is computed on — prompts and padding excluded), peak memory (CUDA
`max_memory_allocated`, else the process's peak RSS) and the ETA of the stage. The file is appended to, so
a resumed run continues the same log; lines are flushed as written, so a crash loses nothing logged.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments

from geocorpus.train.packing import PackedCollator


def peak_memory_bytes() -> int:
    """Peak bytes so far: on CUDA the allocator's high-water mark, else the process's maximum resident set."""
    import torch

    if torch.cuda.is_available() and torch.cuda.is_initialized():
        return int(torch.cuda.max_memory_allocated())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)  # Linux reports KiB, macOS bytes


class JsonlProgress(TrainerCallback):
    """Trainer callback: progress bar per stage and one JSONL record per log event."""

    def __init__(self, log_path: Path, stage: str, collator: PackedCollator, console: Console | None = None,
                 extra: dict[str, Any] | None = None) -> None:
        self.log_path = log_path
        self.stage = stage
        self.collator = collator
        self.console = console or Console(stderr=True)
        self.extra = extra or {}
        self.progress: Progress | None = None
        self.task: Any = None
        self.started = 0.0
        self.start_step = 0
        self.interval_start = (0.0, 0)  # (time, trainable tokens) at the previous log line
        self.summary: dict[str, Any] = {}

    def on_train_begin(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
                       **kwargs: Any) -> None:
        self.started = time.perf_counter()
        self.start_step = state.global_step
        self.interval_start = (self.started, self.collator.trainable_tokens)
        self.progress = Progress(TextColumn(f"[bold]{self.stage}[/]"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("loss {task.fields[loss]}"), TimeElapsedColumn(), TimeRemainingColumn(),
                                 console=self.console, transient=False)
        self.task = self.progress.add_task(self.stage, total=state.max_steps, completed=state.global_step, loss="–")
        self.progress.start()
        self._write({"event": "start", "max_steps": state.max_steps, "resumed_at": state.global_step, **self.extra})

    def on_step_end(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
                    **kwargs: Any) -> None:
        if self.progress is not None:
            self.progress.update(self.task, completed=state.global_step)

    def on_log(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
               logs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        logs = logs or {}
        if "loss" not in logs:  # Trainer's closing summary (train_loss, runtime): folded into the "end" record
            self.summary = {key: value for key, value in logs.items() if isinstance(value, (int, float))}
            return
        now, tokens = time.perf_counter(), self.collator.trainable_tokens
        then, tokens_then = self.interval_start
        self.interval_start = (now, tokens)
        done = state.global_step - self.start_step
        per_step = (now - self.started) / done if done else None
        record = {"event": "log", "step": state.global_step, "epoch": state.epoch,
                  "loss": logs.get("loss"), "lr": logs.get("learning_rate"),
                  "grad_norm": logs.get("grad_norm"),
                  "trainable_tokens_per_s": round((tokens - tokens_then) / (now - then), 2) if now > then else None,
                  "peak_memory_bytes": peak_memory_bytes(),
                  "eta_s": round(per_step * (state.max_steps - state.global_step), 1) if per_step else None}
        if self.progress is not None and isinstance(record["loss"], float):
            self.progress.update(self.task, loss=f"{record['loss']:.4f}")
        self._write(record)

    def on_train_end(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
                     **kwargs: Any) -> None:
        if self.progress is not None:
            self.progress.stop()
        elapsed = time.perf_counter() - self.started
        self._write({"event": "end", "step": state.global_step, "seconds": round(elapsed, 2),
                     "trainable_tokens": self.collator.trainable_tokens,
                     "trainable_tokens_per_s": round(self.collator.trainable_tokens / elapsed, 2) if elapsed else None,
                     "peak_memory_bytes": peak_memory_bytes(), **self.summary})

    def _write(self, record: dict[str, Any]) -> None:
        record = {"stage": self.stage, "time": round(time.time(), 3), **record}
        with self.log_path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
