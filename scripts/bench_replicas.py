"""Throughput and latency with the shared state in PostgreSQL against SQLite, one and two replicas, on this machine.

    python scripts/bench_replicas.py [--requests 2000] [--concurrency 16] [--rounds 2] [--json out.json]

Starts real ``beian-bot serve`` processes on loopback ports over one index built in a temporary folder, and a
PostgreSQL 15 server in a temporary folder (Debian's binaries, as the tests do), then sends ``POST /v1/ask`` at
``--concurrency`` clients for each configuration:

- ``sqlite x1``: the default (SQLite, conversations in memory) — the baseline;
- ``postgresql x1``: one replica, everything in PostgreSQL (conversations too);
- ``postgresql x1 no pre-ping``: the same without testing each pooled connection before use
  (``BEIAN_DATABASE_PRE_PING=false``), to show what the default costs;
- ``postgresql x1 pool 5+10`` / ``pool 20+10``: the same with other pool sizes (the default is 20 kept + 20
  overflow; 5 kept is fewer than the load's 16 requests in flight, the rest opened and closed per use);
- ``sqlite x2``: two replicas on one host sharing the SQLite file (conversations in each process' memory:
  follow-ups would need sticky sessions);
- ``postgresql x2``: two replicas on one PostgreSQL database (no affinity needed).

Each client holds conversations of three turns (the first without a session id, as the widget starts one; the
others with the id returned) and sends each request to the next replica in turn, as a load balancer without
affinity would. The questions repeat (the dev set), so the question-vector cache is
warm after the warm-up, as in production; with PostgreSQL the database sees, per request, one conversation write,
one conversation read (not for a first question) and one question-log row (written in batches off the request
path). ``--store-ops`` also times the conversation store alone, in this process, one call after another.
Configurations run in rounds (all of them, then all again) so a change in the
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

# (name, database, replicas, extra settings)
CONFIGS: list[tuple[str, str, int, dict[str, str]]] = [
    ("sqlite x1", "sqlite", 1, {}),
    ("postgresql x1", "postgresql", 1, {}),
    ("postgresql x1 no pre-ping", "postgresql", 1, {"BEIAN_DATABASE_PRE_PING": "false"}),
    (
        "postgresql x1 pool 5+10",
        "postgresql",
        1,
        {"BEIAN_DATABASE_POOL_SIZE": "5", "BEIAN_DATABASE_MAX_OVERFLOW": "10"},
    ),
    (
        "postgresql x1 pool 20+10",
        "postgresql",
        1,
        {"BEIAN_DATABASE_POOL_SIZE": "20", "BEIAN_DATABASE_MAX_OVERFLOW": "10"},
    ),
    ("sqlite x2", "sqlite", 2, {}),
    ("postgresql x2", "postgresql", 2, {}),
]
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
        session: str | None = None
        try:
            while counter < requests:
                i = counter
                counter += 1
                # a conversation starts without a session id, as the widget does, and goes on with the one returned
                if mine % TURNS == 0:
                    session = None
                body = json.dumps(
                    {"question": questions[i % len(questions)], "session_id": session}, ensure_ascii=False
                ).encode()
                conn = conns[mine % len(conns)]
                mine += 1
                start = time.perf_counter()
                try:
                    status, _, raw = await conn.request("POST", "/v1/ask", body, json_type)
                except (TimeoutError, OSError, asyncio.IncompleteReadError):
                    errors += 1
                    await conn.close()
                    continue
                if status == 200:
                    latencies.append(time.perf_counter() - start)
                    session = json.loads(raw)["session_id"]
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


def store_ops(pg_url: str, sqlite_url: str, count: int) -> dict[str, dict[str, float]]:
    """Microseconds per ``history`` and per ``append`` of the conversation stores, one call after another in this
    process (conversations of three turns, as in the load)."""
    from bot.conversations import DatabaseSessionStore
    from bot.sessions import SessionStore, Turn
    from bot.storage import Database

    answer = "管局审核时间为3-20个工作日，具体以管局实际审核时间为准。" * 3
    out: dict[str, dict[str, float]] = {}
    stores: list[tuple[str, Any, Database | None]] = [("memory", SessionStore(10_000, 1800, 10), None)]
    for name, url in (("sqlite", sqlite_url), ("postgresql", pg_url)):
        db = Database(url)
        stores.append((name, DatabaseSessionStore(db, 10_000, 1800, 10), db))
    for name, store, db in stores:
        spent = {"history": 0.0, "append": 0.0}
        for i in range(count):
            sid = f"ops-{i // TURNS}"
            t0 = time.perf_counter()
            store.history(sid)
            t1 = time.perf_counter()
            store.append(sid, Turn("管局审核多久", "管局审核多久", answer, "faq-1", True))
            t2 = time.perf_counter()
            spent["history"] += t1 - t0
            spent["append"] += t2 - t1
        out[name] = {k: round(v / count * 1e6, 1) for k, v in spent.items()}
        if db is not None:
            db.close()
    return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    questions = load_questions(ROOT / "eval" / "dev.jsonl")
    root = Path(tempfile.mkdtemp(prefix="beian-bench-replicas-"))
    configs = [c for c in CONFIGS if not args.only or c[0] in (*args.only, "sqlite x1")]
    results: dict[str, list[dict[str, Any]]] = {name: [] for name, *_ in configs}
    try:
        index_dir = root / "index"
        base_env = env_for(index_dir, root / "data", None)
        subprocess.run([beian_bot(), "index", "build", "--quiet"], env=base_env, cwd=ROOT, check=True, timeout=900)
        with pg.running() as server:
            ops: dict[str, dict[str, float]] = {}
            if args.store_ops:
                ops = store_ops(server.database(), f"sqlite:///{root / 'ops.sqlite3'}", args.store_ops)
                for name, row in ops.items():
                    print(f"store {name:>10}: history {row['history']:8.1f} µs  append {row['append']:8.1f} µs")
            for round_no in range(args.rounds):
                for k, (name, db, n, extra) in enumerate(configs):
                    data = root / f"data-{k}-{round_no}"
                    data.mkdir()
                    url = server.database() if db == "postgresql" else None
                    env = {**env_for(index_dir, data, url), **extra}
                    with ExitStack() as stack:
                        urls = [stack.enter_context(serve(env, root)) for _ in range(n)]
                        asyncio.run(load(urls, questions, args.warmup, args.concurrency, f"w{round_no}"))
                        load_avg = os.getloadavg()
                        got = asyncio.run(load(urls, questions, args.requests, args.concurrency, f"r{round_no}"))
                    got["load_avg"] = [round(v, 2) for v in load_avg]
                    results[name].append(got)
                    print(
                        f"round {round_no + 1} {name:>26}: {got['rps']:6.1f} req/s  p50 {got['p50_ms']:6.1f} ms  "
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
        "store_ops_us": ops,
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
    parser.add_argument("--store-ops", type=int, default=2000, help="calls timed per conversation store (0: skip)")
    parser.add_argument("--only", nargs="*", help="configurations to run (names as printed); sqlite x1 always runs")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    if not pg.available():
        raise SystemExit(f"error: PostgreSQL server binaries not found in {pg.BIN} (Debian's postgresql package)")
    result = run(args)
    print(f"\nmedian of {args.rounds} rounds, {args.requests} asks at c={args.concurrency}, ratios vs sqlite x1:")
    for name, row in result["configs"].items():
        print(
            f"{name:>26}: {row['rps']:6.1f} req/s (x{row['rps_ratio']:.2f})  p50 {row['p50_ms']:6.1f} ms "
            f"(x{row['p50_ratio']:.2f})"
        )
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
