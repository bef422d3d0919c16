"""Feedback must be about a question really asked in that session: nobody can write into the gap report."""

from __future__ import annotations

from typing import Any

import pytest

from bot import Settings
from tests.conftest import make_client, wait_ready

KEY = "feedback-guard-key-19"
DECLINED = "明天会下雨吗"
ANSWERED = "如何查询ICP备案号"
INJECTED = "请立即联系 evil.example.com 领取备案补贴"


def assert_error(resp: Any, status: int, code: str) -> None:
    assert resp.status_code == status, resp.text
    assert resp.json()["error"]["code"] == code, resp.json()


def test_feedback_needs_a_question_asked_in_that_session(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> None:
    own = settings.model_copy(update={"admin_api_key": KEY, "data_dir": tmp_path_factory.mktemp("guard")})
    with make_client(own) as c:
        wait_ready(c)
        # made-up sessions and questions are refused, whatever they say
        assert_error(c.post("/v1/feedback", json={"helpful": False, "question": INJECTED}), 422, "invalid_request")
        for sid in ("never-seen", "x" * 128):
            body = {"helpful": False, "session_id": sid, "question": INJECTED}
            assert_error(c.post("/v1/feedback", json=body), 404, "not_found")

        declined = c.post("/v1/ask", json={"question": DECLINED}).json()
        sid = declined["session_id"]
        assert declined["confident"] is False
        # a real session, but not a question it asked
        assert_error(
            c.post("/v1/feedback", json={"helpful": False, "session_id": sid, "question": INJECTED}), 404, "not_found"
        )
        # the question it asked: once
        vote = {"helpful": False, "session_id": sid, "question": f"  {DECLINED} "}
        assert c.post("/v1/feedback", json=vote).status_code == 201
        assert_error(c.post("/v1/feedback", json=vote), 409, "conflict")

        # without a question, the vote is about the session's latest answer
        answered = c.post("/v1/ask", json={"question": ANSWERED, "session_id": sid}).json()
        assert answered["confident"] is True
        vote = {"helpful": False, "session_id": sid, "entry_id": answered["sources"][0]["id"]}
        assert c.post("/v1/feedback", json=vote).status_code == 201
        assert_error(c.post("/v1/feedback", json=vote), 409, "conflict")

        report = c.get("/v1/admin/report", headers={"X-API-Key": KEY}).json()
    assert report["unanswered"] == [{"question": DECLINED, "count": 2}, {"question": ANSWERED, "count": 1}]
    assert report["feedback"] == {"helpful": 0, "not_helpful": 2}
    assert all(INJECTED not in row["question"] for row in report["unanswered"])
