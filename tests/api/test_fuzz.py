"""Property-based fuzzing of every operation in the app's OpenAPI schema (schemathesis, in-process ASGI).

Valid and invalid inputs alike: nothing a client sends yields a 5xx, and every 4xx body is the
contract's ``{"error": {"code", "message"}}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from starlette.types import Receive, Scope, Send

from bot import Settings
from tests.conftest import copy_index, make_client, wait_ready

MAX_EXAMPLES = 30
ADMIN_KEY = "fuzz-admin-key-0123456789"
STATS: dict[str, Any] = {"calls": 0, "by_status": {}}


class LifespanOnce:
    """Hands requests to the app but answers lifespan events itself.

    schemathesis' pytest plugin ends an ASGI app's lifespan after every test and the next request starts
    it again, which would reload the index (503 meanwhile) once per operation; the real lifespan runs once,
    in the fixture below, and stays up for the whole module.
    """

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return


@pytest.fixture(scope="module")
def fuzz_client(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The real app on a private copy of the session's index (the curation operations rebuild it) and its own
    database, lifespan run and index loaded, with an admin key so the admin operations are reachable too."""
    tmp = tmp_path_factory.mktemp("fuzz")
    own = {"admin_api_key": ADMIN_KEY, "index_dir": copy_index(settings.index_dir, tmp / "index"), "data_dir": tmp}
    with make_client(settings.model_copy(update=own)) as client:
        wait_ready(client)
        yield client
    print(f"\nfuzz: {STATS['calls']} calls, statuses {dict(sorted(STATS['by_status'].items()))}")


@pytest.fixture(scope="module")
def fuzz_app(fuzz_client: TestClient) -> FastAPI:
    app = fuzz_client.app
    assert isinstance(app, FastAPI)
    return app


@pytest.fixture(scope="module")
def api_schema(fuzz_app: FastAPI) -> schemathesis.BaseSchema:
    """The schema as the app serves it."""
    return schemathesis.openapi.from_asgi("/openapi.json", LifespanOnce(fuzz_app))


@schemathesis.check
def error_shape(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 4xx is JSON ``{"error": {"code": str, "message": str}}`` and nothing else."""
    STATS["calls"] += 1
    STATS["by_status"][response.status_code] = STATS["by_status"].get(response.status_code, 0) + 1
    content_type = response.headers.get("content-type", [""])[0]
    if case.path.startswith(PAGES) and content_type.startswith("text/html"):
        return None  # a help page's own 404 is a readable HTML page for the phone, by design
    if 400 <= response.status_code < 500:
        assert response.headers.get("content-type", [""])[0].startswith("application/json"), response.headers
        body = response.json()
        assert isinstance(body, dict) and set(body) == {"error"}, body
        assert set(body["error"]) == {"code", "message"}, body
        assert isinstance(body["error"]["code"], str) and body["error"]["code"], body
        assert isinstance(body["error"]["message"], str) and body["error"]["message"], body
    return None


def _operations() -> list[tuple[str, str]]:
    from api.main import app  # the schema does not depend on settings; no lifespan runs here

    paths: dict[str, dict[str, Any]] = app.openapi()["paths"]
    return [(method.upper(), path) for path, item in paths.items() for method in item if path not in SKIP]


PAGES = ("/help/",)
# reindex rebuilds the session's shared index: exercised by test_reindex.py, not by random calls
SKIP = {"/v1/admin/reindex"}
OPERATIONS = _operations()


@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda m: m.value)
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_input_yields_a_5xx(
    api_schema: schemathesis.BaseSchema, method: str, path: str, mode: GenerationMode
) -> None:
    operation = api_schema[path][method]
    if mode is GenerationMode.NEGATIVE and not list(operation.iter_parameters()) and not len(operation.body):
        pytest.skip("no parameters or body to make invalid")
    headers = {"X-API-Key": ADMIN_KEY} if path.startswith("/v1/admin") else None

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=[not_a_server_error, error_shape])

    run()


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=600),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=20), inner, max_size=5),
    max_leaves=20,
)
FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "question": JSON_VALUES,
        "session_id": JSON_VALUES,
        "top_k": JSON_VALUES,
        "helpful": JSON_VALUES,
        "note": JSON_VALUES,
        "comment": JSON_VALUES,
        "entry_id": JSON_VALUES,
        "title": JSON_VALUES,
        "text": JSON_VALUES,
        "steps": JSON_VALUES,
        "kind": JSON_VALUES,
        "category": JSON_VALUES,
        "questions": JSON_VALUES,
        "resolution": JSON_VALUES,
        "role": JSON_VALUES,
        "name": JSON_VALUES,
    },
)
BODIES = st.one_of(
    st.binary(max_size=3000),
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
    FIELDS.map(lambda v: json.dumps(v, ensure_ascii=False).encode("utf-8", "surrogatepass")),
)


BODY_PATHS = [
    ("POST", "/v1/ask"),
    ("POST", "/v1/feedback"),
    ("POST", "/v1/handoff"),
    ("POST", "/v1/admin/entries"),
    ("PATCH", "/v1/admin/entries/faq-0000000000"),
    ("POST", "/v1/admin/entries/faq-0000000000/questions"),
    ("POST", "/v1/admin/handoff/T0/close"),
    ("POST", "/v1/admin/keys"),
]


@given(
    target=st.sampled_from(BODY_PATHS),
    body=BODIES,
    content_type=st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain", ""]),
)
@settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
def test_arbitrary_bodies_never_5xx(
    fuzz_client: TestClient, target: tuple[str, str], body: bytes, content_type: str
) -> None:
    """Bytes, any JSON value, and the real field names holding any JSON value, under a few content types; the
    admin paths with the admin key."""
    method, path = target
    headers = {"content-type": content_type} if content_type else {}
    if path.startswith("/v1/admin"):
        headers["X-API-Key"] = ADMIN_KEY
    resp = fuzz_client.request(method, path, content=body, headers=headers)
    STATS["calls"] += 1
    STATS["by_status"][resp.status_code] = STATS["by_status"].get(resp.status_code, 0) + 1
    assert resp.status_code < 500, (resp.status_code, resp.text[:300])
    if resp.status_code >= 400:
        payload = resp.json()
        assert set(payload) == {"error"} and set(payload["error"]) == {"code", "message"}, payload
