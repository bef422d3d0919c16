"""A server started while its PostgreSQL database is down says so on /readyz and becomes ready once it is back."""

from __future__ import annotations

import time
from pathlib import Path

from bot import Settings
from tests import postgres as pg
from tests.conftest import make_client, wait_ready


def test_ready_once_the_database_is_back(built_index: Path, tmp_path: Path) -> None:
    pg.require()
    with pg.running() as server:
        url = server.database()
        server.stop()
        settings = Settings(index_dir=built_index, data_dir=tmp_path, database_url=url, rate_limit=0)
        with make_client(settings) as client:
            deadline = time.monotonic() + 60
            while True:  # the index loads; the database is what it waits for
                ready = client.get("/readyz")
                if "database" in ready.text or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            assert ready.status_code == 503 and "database cannot be reached" in ready.json()["error"]["message"]
            assert client.post("/v1/ask", json={"question": "管局审核多长时间"}).status_code == 503
            server.start()
            wait_ready(client, timeout=60)
            answer = client.post("/v1/ask", json={"question": "管局审核多长时间", "session_id": "after-start"})
            assert answer.status_code == 200 and answer.json()["confident"]
            follow = client.post("/v1/ask", json={"question": "app的呢？", "session_id": "after-start"})
            assert follow.json()["sources"][0]["title"] == "APP备案预计审核时间以及进度查询"
