"""Throughput and latency with the shared state in PostgreSQL against SQLite, one and two replicas, on this machine.

    python scripts/bench_replicas.py [--requests 2000] [--concurrency 16] [--rounds 2] [--json out.json]

Starts real ``beian-bot serve`` processes on loopback ports over one index built in a temporary folder, and a
PostgreSQL 15 server in a temporary folder (Debian's binaries, as the tests do), then sends ``POST /v1/ask`` at
``--concurrency`` clients for each configuration:

- ``sqlite x1``: the default (SQLite, conversations in memory) — the baseline;
- ``postgresql x1``: one replica, everything in PostgreSQL (conversations too);
- ``sqlite x2``: two replicas on one host sharing the SQLite file (conversations in each process' memory:
  follow-ups would need sticky sessions);
- ``postgresql x2``: two replicas on one PostgreSQL database (no affinity needed).

Each client sends every request of a conversation (three turns, one session id) to the next replica in turn,
as a load balancer without affinity would. The questions repeat (the dev set), so the question-vector cache is
warm after the warm-up, as in production; the database sees one conversation read, one conversation write and one
question-log row per request. Configurations run in rounds (all of them, then all again) so a change in the
machine's load shows up as a spread rather than as a difference; the figures are the median over rounds and the
ratios are against ``sqlite x1`` measured in this same process. The machine is shared: the load average before
each run is printed beside it. Never used for assertions in tests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from scripts.loadtest import Connection, load_questions, percentile  # noqa: E402
from tests import postgres as pg  # noqa: E402
from tests.chroma_server import free_port  # noqa: E402

CONFIGS = [("sqlite", 1), ("postgresql", 1), ("sqlite", 2), ("postgresql", 2)]
TURNS = 3


def beian_bot() -> str:
    """The console script of this environment."""
    return str(Path(sys.executable).with_name("beian-bot"))


@contextmanager
def serve(env: dict[str, str], log_dir: Path) -> Iterator[str]:
    """One ``beian-bot serve`` on a free loopback port until the block ends; yields its URL once ready."""
    import urllib.request

    port = free_port()
    log = open(log_dir / f"serve-{port}.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [beian_bot(), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                with urllib.request.urlopen(f"{url}/readyz", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {(log_dir / f'serve-{port}.log').read_text()[-2000:]}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


async def load(urls: list[str], questions: list[str], requests: int, concurrency: int, tag: str) -> dict[str, Any]:
    """``requests`` asks at ``concurrency`` clients; each client sends request i of its run to replica i mod n."""
    from urllib.parse import urlsplit

    latencies: list[float] = []
    errors = 0
    counter = 0
    json_type = {"Content-Type": "application/json"}

    async def client(n: int) -> None:
        nonlocal counter, errors
        conns = [Connection(urlsplit(u).hostname or "", urlsplit(u).port or 80, 30.0) for u in urls]
        mine = 0
        try:
            while counter < requests:
                i = counter
                counter += 1
                session = f"{tag}-c{n}-{mine // TURNS}"
                body = json.dumps(
                    {"question": questions[i % len(questions)], "session_id": session}, ensure_ascii=False
                ).encode()
                conn = conns[mine % len(conns)]
                mine += 1
                start = time.perf_counter()
                try:
                    status, _, _ = await conn.request("POST", "/v1/ask", body, json_type)
                except (TimeoutError, OSError, asyncio.IncompleteReadError):
                    errors += 1
                    await conn.close()
                    continue
                if status == 200:
                    latencies.append(time.perf_counter() - start)
                else:
                    errors += 1
        finally:
            for c in conns:
                await c.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(concurrency)))
    wall = time.perf_counter() - started
    ms = sorted(v * 1000 for v in latencies)
    return {
        "requests": requests,
        "errors": errors,
        "seconds": round(wall, 2),
        "rps": round(len(ms) / wall, 1),
        "p50_ms": round(percentile(ms, 50), 1),
        "p90_ms": round(percentile(ms, 90), 1),
        "p99_ms": round(percentile(ms, 99), 1),
    }


def env_for(index_dir: Path, data_dir: Path, database_url: str | None) -> dict[str, str]:
    """The server environment: no BEIAN_* from outside, rate limit off, the given index and database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BEIAN_")}
    env.update(
        {
            "BEIAN_INDEX_DIR": str(index_dir),
            "BEIAN_DATA_DIR": str(data_dir),
            "BEIAN_RATE_LIMIT": "0",
            "BEIAN_BUILD_ON_START": "false",
            "BEIAN_LOG_LEVEL": "WARNING",
        }
    )
    if database_url:
        env["BEIAN_DATABASE_URL"] = database_url
    return env


def run(args: argparse.Namespace) -> dict[str, Any]:
    questions = load_questions(ROOT / "eval" / "dev.jsonl")
    root = Path(tempfile.mkdtemp(prefix="beian-bench-replicas-"))
    results: dict[str, list[dict[str, Any]]] = {f"{db} x{n}": [] for db, n in CONFIGS}
    try:
        index_dir = root / "index"
        base_env = env_for(index_dir, root / "data", None)
        subprocess.run([beian_bot(), "index", "build", "--quiet"], env=base_env, cwd=ROOT, check=True, timeout=900)
        with pg.running() as server:
            for round_no in range(args.rounds):
                for db, n in CONFIGS:
                    name = f"{db} x{n}"
                    data = root / f"data-{db}-{n}-{round_no}"
                    data.mkdir()
                    url = server.database() if db == "postgresql" else None
                    with ExitStack() as stack:
                        urls = [stack.enter_context(serve(env_for(index_dir, data, url), root)) for _ in range(n)]
                        asyncio.run(load(urls, questions, args.warmup, args.concurrency, f"w{round_no}"))
                        load_avg = os.getloadavg()
                        got = asyncio.run(load(urls, questions, args.requests, args.concurrency, f"r{round_no}"))
                    got["load_avg"] = [round(v, 2) for v in load_avg]
                    results[name].append(got)
                    print(
                        f"round {round_no + 1} {name:>14}: {got['rps']:6.1f} req/s  p50 {got['p50_ms']:6.1f} ms  "
                        f"p90 {got['p90_ms']:6.1f} ms  p99 {got['p99_ms']:6.1f} ms  errors {got['errors']}  "
                        f"load {got['load_avg'][0]:.2f} {got['load_avg'][1]:.2f} {got['load_avg'][2]:.2f}",
                        flush=True,
                    )
    finally:
        shutil.rmtree(root, ignore_errors=True)
    summary: dict[str, Any] = {}
    base = results["sqlite x1"]
    base_rps = statistics.median(r["rps"] for r in base)
    base_p50 = statistics.median(r["p50_ms"] for r in base)
    for name, rows in results.items():
        rps = statistics.median(r["rps"] for r in rows)
        p50 = statistics.median(r["p50_ms"] for r in rows)
        summary[name] = {
            "rps": rps,
            "p50_ms": p50,
            "rps_ratio": round(rps / base_rps, 2),
            "p50_ratio": round(p50 / base_p50, 2),
            "rounds": rows,
        }
    return {
        "requests": args.requests,
        "concurrency": args.concurrency,
        "cpus": os.cpu_count(),
        "configs": summary,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="asks per configuration and round")
    parser.add_argument("--warmup", type=int, default=300, help="asks before each measurement (not counted)")
    parser.add_argument("--concurrency", type=int, default=16, help="clients in flight")
    parser.add_argument("--rounds", type=int, default=2, help="times every configuration runs")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    if not pg.available():
        raise SystemExit(f"error: PostgreSQL server binaries not found in {pg.BIN} (Debian's postgresql package)")
    result = run(args)
    print(f"\nmedian of {args.rounds} rounds, {args.requests} asks at c={args.concurrency}, ratios vs sqlite x1:")
    for name, row in result["configs"].items():
        print(
            f"{name:>14}: {row['rps']:6.1f} req/s (x{row['rps_ratio']:.2f})  p50 {row['p50_ms']:6.1f} ms "
            f"(x{row['p50_ratio']:.2f})"
        )
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
