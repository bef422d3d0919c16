"""Load test a running beian-bot server on this machine: N questions at concurrency C against ``POST /v1/ask``.

    python scripts/loadtest.py --url http://127.0.0.1:8000 -n 5000 -c 32
    python scripts/loadtest.py --url http://127.0.0.1:8000 -n 600 -c 8 --reindex-after 100 --api-key KEY

Standard library only (plain HTTP/1.1 keep-alive connections), so the base install runs it.
Prints p50 / p90 / p99 / max latency, requests per second and errors (any non-200, a transport error or
an incomplete body). Bounded on purpose: loopback addresses only, at most 100,000 requests, concurrency
256 and ``--max-seconds`` of wall time. ``--reindex-after K`` triggers ``POST /v1/admin/reindex`` once
K requests have finished, so the figures show serving through a reindex. Exit status 1 when any
request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import json
import os
import socket
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
MAX_REQUESTS = 100_000
MAX_CONCURRENCY = 256


def loopback_only(url: str) -> str:
    """The URL without a trailing slash; refuses anything that is not this machine."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise SystemExit(f"error: not a plain http:// URL: {url}")
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 80)}
    except OSError as exc:
        raise SystemExit(f"error: cannot resolve {parts.hostname}: {exc}") from exc
    if not addresses or not all(ipaddress.ip_address(str(a).split("%")[0]).is_loopback for a in addresses):
        raise SystemExit(f"error: {parts.hostname} is not a loopback address; this tool only loads this machine")
    return url.rstrip("/")


def load_questions(path: Path) -> list[str]:
    """Questions from a JSONL file (``{"question": ...}`` a line) or a text file (one a line)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("{"):
            question = json.loads(line).get("question")
            if isinstance(question, str) and question.strip():
                out.append(question)
        else:
            out.append(line)
    if not out:
        raise SystemExit(f"error: no questions in {path}")
    return out


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(q / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


class Connection:
    """One keep-alive HTTP/1.1 connection (standard library only, so the base install can run this tool)."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body); reconnects when the server closed the connection."""
        reused = self.writer is not None
        try:
            return await asyncio.wait_for(self._request(method, path, body, headers or {}), self.timeout)
        except (asyncio.IncompleteReadError, ConnectionResetError, BrokenPipeError) as exc:
            if not reused or (isinstance(exc, asyncio.IncompleteReadError) and exc.partial):
                raise
            # the server closed an idle keep-alive connection just before we used it: once more, on a new one
            await self.close()
            return await asyncio.wait_for(self._request(method, path, body, headers or {}), self.timeout)

    async def _request(
        self, method: str, path: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None and self.writer is not None
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        await self.writer.drain()
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split()[1])
        got = {k.strip().lower(): v.strip() for k, v in (h.split(":", 1) for h in head[1:] if ":" in h)}
        if got.get("transfer-encoding", "").lower() == "chunked":
            payload = b""
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                chunk = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                payload += chunk[:-2]
        else:
            payload = await self.reader.readexactly(int(got.get("content-length", "0")))
        if got.get("connection", "").lower() == "close":
            await self.close()
        return status, got, payload

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


async def run(args: argparse.Namespace, questions: list[str]) -> dict[str, object]:
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    confident = 0
    done = 0
    next_index = 0
    reindex: dict[str, object] = {}
    deadline = time.monotonic() + args.max_seconds
    parts = urlsplit(args.url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    json_type = {"Content-Type": "application/json"}

    probe = Connection(host, port, args.timeout)
    status, _, payload = await probe.request("GET", "/readyz")
    if status != 200:
        raise SystemExit(f"error: server not ready: {status} {payload[:200]!r}")
    build_before = json.loads(payload).get("build")

    async def do_reindex() -> None:
        started = time.monotonic()
        admin = Connection(host, port, 600.0)  # its own connection, not queued behind the load
        try:
            code, got, body = await admin.request(
                "POST", "/v1/admin/reindex", headers={"X-API-Key": args.api_key or ""}
            )
        finally:
            await admin.close()
        reindex.update(
            status=code,
            seconds=round(time.monotonic() - started, 2),
            body=json.loads(body) if got.get("content-type", "").startswith("application/json") else body.decode(),
            requests_done_when_finished=done,
        )

    reindex_task: asyncio.Task[None] | None = None

    async def worker() -> None:
        nonlocal next_index, done, confident, reindex_task
        conn = Connection(host, port, args.timeout)
        try:
            while next_index < args.requests and time.monotonic() < deadline:
                i = next_index
                next_index += 1
                body = json.dumps({"question": questions[i % len(questions)]}, ensure_ascii=False).encode()
                start = time.perf_counter()
                try:
                    code, _, raw = await conn.request("POST", "/v1/ask", body, json_type)
                    elapsed = time.perf_counter() - start
                    if code != 200:
                        errors[f"HTTP {code}"] += 1
                    else:
                        answer = json.loads(raw)
                        if not isinstance(answer.get("answer"), str) or "sources" not in answer:
                            errors["incomplete body"] += 1
                        else:
                            latencies.append(elapsed)
                            confident += bool(answer.get("confident"))
                except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
                    errors[type(exc).__name__] += 1
                    await conn.close()
                done += 1
                if args.reindex_after is not None and done >= args.reindex_after and reindex_task is None:
                    reindex_task = asyncio.create_task(do_reindex())
        finally:
            await conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(args.concurrency)))
    wall = time.perf_counter() - started
    if reindex_task is not None:
        await reindex_task
    try:
        await probe.close()  # idle for the whole run: a fresh connection for the last look
        status, _, payload = await probe.request("GET", "/readyz")
        build_after = json.loads(payload).get("build") if status == 200 else None
    except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError):
        build_after = None
    await probe.close()

    latencies.sort()
    ms = [v * 1000 for v in latencies]
    result: dict[str, object] = {
        "url": args.url,
        "requests": done,
        "concurrency": args.concurrency,
        "ok": len(latencies),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "seconds": round(wall, 2),
        "rps": round(done / wall, 1) if wall else 0.0,
        "p50_ms": round(percentile(ms, 50), 1),
        "p90_ms": round(percentile(ms, 90), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "max_ms": round(ms[-1], 1) if ms else float("nan"),
        "confident_share": round(confident / len(latencies), 3) if latencies else 0.0,
        "build_before": build_before,
        "build_after": build_after,
    }
    if reindex:
        result["reindex"] = reindex
    if done < args.requests:
        result["stopped_early"] = f"--max-seconds {args.max_seconds} reached after {done} requests"
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="a server on this machine")
    parser.add_argument("-n", "--requests", type=int, default=1000, help=f"requests in all (≤ {MAX_REQUESTS})")
    parser.add_argument("-c", "--concurrency", type=int, default=8, help=f"requests in flight (≤ {MAX_CONCURRENCY})")
    parser.add_argument("--questions", type=Path, default=ROOT / "eval" / "dev.jsonl", help="JSONL or text file")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    parser.add_argument("--max-seconds", type=float, default=600.0, help="stop sending after this long")
    parser.add_argument("--reindex-after", type=int, help="trigger POST /v1/admin/reindex after this many requests")
    parser.add_argument(
        "--api-key", default=os.environ.get("BEIAN_ADMIN_API_KEY"), help="admin key for --reindex-after"
    )
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)
    if not 1 <= args.requests <= MAX_REQUESTS:
        parser.error(f"-n must be between 1 and {MAX_REQUESTS}")
    if not 1 <= args.concurrency <= MAX_CONCURRENCY:
        parser.error(f"-c must be between 1 and {MAX_CONCURRENCY}")
    if args.reindex_after is not None and not args.api_key:
        parser.error("--reindex-after needs --api-key (or BEIAN_ADMIN_API_KEY)")
    args.url = loopback_only(args.url)
    result = asyncio.run(run(args, load_questions(args.questions)))
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(
            f"{result['requests']} requests at concurrency {result['concurrency']} in {result['seconds']} s: "
            f"{result['rps']} req/s; latency p50 {result['p50_ms']} ms, p90 {result['p90_ms']} ms, "
            f"p99 {result['p99_ms']} ms, max {result['max_ms']} ms; errors {result['errors']} {result['error_kinds']}"
        )
        if "reindex" in result:
            r = result["reindex"]
            assert isinstance(r, dict)
            print(
                f"reindex: HTTP {r['status']} in {r['seconds']} s; build {result['build_before']} -> "
                f"{result['build_after']}"
            )
        if "stopped_early" in result:
            print(result["stopped_early"])
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
