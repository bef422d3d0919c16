"""The ``beian-bot`` console script, run as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot import Settings

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        input=stdin,
        env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})},
        timeout=300,
    )


def test_corpus_list_and_show() -> None:
    listed = run("corpus", "list")
    assert listed.returncode == 0
    rows = [line.split("\t") for line in listed.stdout.splitlines()]
    assert len(rows) == 26
    assert listed.stderr.strip() == "26 entries"
    row = next(r for r in rows if r[3] == "如何查询ICP备案号")
    assert row[1:3] == ["faq", "ICP备案号FAQ"]
    shown = run("corpus", "show", row[0])
    assert shown.returncode == 0
    # the link word whose link the dump lost is dropped
    assert json.loads(shown.stdout)["text"] == "ICP备案号以工信部网站公共查询为准。"
    missing = run("corpus", "show", "faq-nope")
    assert missing.returncode == 1 and "no entry" in missing.stderr


def test_corpus_errors_name_the_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "q", "answer": "a"}\n{"question": 3, "answer": "a"}\n', encoding="utf-8")
    out = run("corpus", "list", "--source", str(bad))
    assert out.returncode == 2
    assert f"{bad}:2: 'question' must be a non-empty string" in out.stderr


def test_ask_and_eval_on_a_built_index(settings: Settings) -> None:
    env = {"BEIAN_INDEX_DIR": str(settings.index_dir), "BEIAN_DATA_DIR": str(settings.data_dir)}
    asked = run("ask", "--json", env=env, stdin="管局审核多长时间\napp的呢？\n")
    assert asked.returncode == 0, asked.stderr
    first, second = (json.loads(line) for line in asked.stdout.splitlines())
    assert first["sources"][0]["title"] == "管局审核需多久"
    assert second["session_id"] == first["session_id"]
    assert second["sources"][0]["title"] == "APP备案预计审核时间以及进度查询"
    status = run("index", "status", env=env)
    assert json.loads(status.stdout)["entries"] == 26
    evaluated = run("eval", str(ROOT / "eval" / "dev.jsonl"), env=env)
    assert evaluated.returncode == 0
    assert "| all | 51 | 100.0% | 100.0% | 1.000 | 0.0% | — | 100.0% | 100.0% | — |" in evaluated.stdout
