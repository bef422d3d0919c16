"""One meaning, one status and code: bad client input is a 422 ``invalid_request``; a corpus the server cannot
read on reindex is the server's 503 ``corpus_error``, and the live index keeps answering."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot import Bot, CorpusUnavailable, InvalidInput, Settings
from tests.conftest import make_client, wait_ready

KEY = "errors-test-admin-key-7d1e"


def test_bad_input_to_the_bot_and_to_the_api_carries_one_code(client: TestClient, bot: Bot) -> None:
    with pytest.raises(InvalidInput) as raised:
        bot.ask("   ")
    assert raised.value.code == "invalid_request"
    resp = client.post("/v1/ask", json={"question": "   "})
    assert resp.status_code == 422
    assert resp.json() == {"error": {"code": "invalid_request", "message": "question: must not be empty"}}
    with pytest.raises(InvalidInput, match="top_k must be between 1 and 20"):
        bot.ask("管局审核多长时间", top_k=21)
    with pytest.raises(InvalidInput, match="session_id must be 1 to 128 characters"):
        bot.ask("管局审核多长时间", session_id="x" * 129)


def test_a_broken_corpus_on_reindex_is_a_server_error(settings: Settings, tmp_path: Path, built_index: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "q", "answer": "a"}\n{"question": 3, "answer": "a"}\n', encoding="utf-8")
    index_dir = tmp_path / "index"
    shutil.copytree(built_index, index_dir)
    broken = settings.model_copy(
        update={
            "corpus": [str(bad)],
            "build_on_start": False,
            "index_dir": index_dir,
            "data_dir": tmp_path / "data",
            "admin_api_key": KEY,
        }
    )
    with make_client(broken) as c:
        wait_ready(c)
        build = c.get("/readyz").json()["build"]
        resp = c.post("/v1/admin/reindex", headers={"X-API-Key": KEY})
        assert resp.status_code == 503
        error = resp.json()["error"]
        assert error["code"] == "corpus_error"
        assert error["message"] == f"corpus cannot be loaded: {bad}:2: 'question' must be a non-empty string"
        assert "retry-after" not in resp.headers  # waiting does not mend a corpus
        assert c.get("/readyz").json()["build"] == build
        answer = c.post("/v1/ask", json={"question": "管局审核多长时间"}).json()
        assert answer["confident"] and answer["sources"][0]["title"] == "管局审核需多久"


def test_the_corpus_error_is_the_bots_own(settings: Settings, bot: Bot, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.jsonl"
    other = Bot(settings.model_copy(update={"corpus": [str(missing)]}), bot.embedder, bot.index)
    with pytest.raises(CorpusUnavailable) as raised:
        other.reindex()
    assert raised.value.code == "corpus_error"
