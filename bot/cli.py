"""The ``beian-bot`` command: corpus, index, ask, search, eval, report, db, keys and serve."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence


def _corpus(args: argparse.Namespace) -> int:
    from bot.config import get_settings
    from corpus import CorpusError, load_corpus

    try:
        entries = load_corpus(args.source or get_settings().corpus or None)
    except CorpusError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.action == "list":
        for e in entries:
            print(f"{e.id}\t{e.kind}\t{e.category or '-'}\t{e.title}")
        print(f"{len(entries)} entries", file=sys.stderr)
        return 0
    found = [e for e in entries if e.id == args.id]
    if not found:
        print(f"error: no entry with id {args.id!r}", file=sys.stderr)
        return 1
    print(json.dumps(found[0].to_dict(), ensure_ascii=False, indent=2))
    return 0


def _index(args: argparse.Namespace) -> int:
    from bot.config import get_settings
    from bot.live_index import open_store
    from corpus import CorpusError, load_corpus
    from index import BuildControl, CorpusTooLarge, StoreUnavailable, get_embedder

    settings = get_settings()
    store = open_store(settings)
    if args.action == "status":
        manifest = store.current()
        if manifest is None:
            print("no index")
            return 1
        print(json.dumps(manifest.__dict__, indent=2))
        return 0
    try:
        entries = load_corpus(settings.corpus or None)
    except CorpusError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    embedder = get_embedder(
        settings.embedder,
        settings.embed_workers,
        settings.embed_lone_threads,
        settings.query_prefix,
        settings.passage_prefix,
    )
    if args.if_missing and store.is_fresh(embedder, entries):
        print(f"index is up to date ({store.current().build_id})")  # type: ignore[union-attr]
        return 0
    control = BuildControl()
    try:
        manifest = store.build(embedder, entries, progress=not args.quiet, control=control)
    except KeyboardInterrupt:
        # the embedding thread stops at its next batch; the partial build is removed, CURRENT never moved
        print("\ncancelled: the live index is unchanged", file=sys.stderr)
        return 130
    except (CorpusTooLarge, StoreUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, CorpusTooLarge) else 3
    print(
        f"built {manifest.build_id}: {manifest.entries} entries, {manifest.chunks} chunks, "
        f"{manifest.embedded} embedded, embedder {manifest.embedder} ({manifest.dimension}d)"
    )
    return 0


def _bot(journal: bool = True) -> object:
    from bot.assistant import Bot
    from bot.config import get_settings

    bot = Bot.from_settings(get_settings())
    if not journal and bot.records.question_log is not None:
        # measuring must not fill the question log that agents read
        bot.records.question_log.close()
        bot.records.question_log = None
    return bot


def _ask(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from bot.assistant import Bot

    bot = _bot()
    assert isinstance(bot, Bot)
    session = None
    questions = [" ".join(args.question)] if args.question else [line for line in sys.stdin if line.strip()]
    for question in questions:
        answer = bot.ask(question, session_id=session)
        session = answer.session_id
        if args.json:
            print(json.dumps(asdict(answer), ensure_ascii=False))
        else:
            print(answer.answer)
            for link in answer.troubleshooting:
                print(f"  -> [{link.kind}] {link.title} ({link.id})")
            print()
    return 0


def _search(args: argparse.Namespace) -> int:
    from bot.assistant import Bot

    bot = _bot()
    assert isinstance(bot, Bot)
    for hit in bot.search(" ".join(args.query), k=args.k, kind=args.kind, category=args.category):
        print(f"{hit.score:.3f}\t{hit.entry.id}\t{hit.entry.title}\t[{' '.join(hit.matched)}]")
    return 0


def _eval(args: argparse.Namespace) -> int:
    from bot.assistant import Bot
    from bot.evaluate import MODES, evaluate, format_baselines, format_table, load_cases, ranking

    bot = _bot(journal=False)
    assert isinstance(bot, Bot)
    for path in args.files:
        cases = load_cases(path)
        tallies = evaluate(bot, cases)
        print(format_table(tallies, f"{path}: the bot end to end"))
        print()
        print(format_baselines({mode: ranking(bot, cases, mode) for mode in MODES}, f"{path}: ranking alone"))
        if args.misses and tallies["all"].misses:
            print("\nmisses:\n" + "\n".join(tallies["all"].misses))
        print()
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from bot.config import get_settings

    settings = get_settings()
    uvicorn.run(
        "api.main:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=None,
        timeout_graceful_shutdown=10,
        # BEIAN_TRUST_PROXY is the one switch for X-Forwarded-For (read by the app's middleware); uvicorn's own
        # default trusts it from loopback and would let any local peer pick its own rate-limit bucket
        proxy_headers=False,
        forwarded_allow_ips="",
        server_header=False,
        timeout_keep_alive=settings.keep_alive_timeout,
        # header deadline, connection bound, JSON protocol errors (api/protocol.py)
        http="api.protocol:BoundedProtocol",
    )
    return 0


def _report(args: argparse.Namespace) -> int:
    from bot.config import get_settings
    from bot.question_log import QuestionLog
    from bot.storage.setup import open_database

    db = open_database(get_settings())
    store = QuestionLog(db)
    try:
        report = store.report(limit=args.limit)
    finally:
        store.close()
        db.close()
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    print("Most-asked unanswered questions:")
    for row in report["unanswered"]:
        print(f"  {row['count']:>4}  {row['question']}")
    print("Entries most often given as answers:")
    for row in report["entry_hits"]:
        print(f"  {row['count']:>4}  {row['entry_id']}  {row['title']}")
    print(f"Feedback: {report['feedback']['helpful']} helpful, {report['feedback']['not_helpful']} not helpful")
    return 0


def _db(args: argparse.Namespace) -> int:
    from bot.config import get_settings
    from bot.storage.setup import open_database

    db = open_database(get_settings(), upgrade=args.action == "upgrade")
    try:
        print(f"database at revision {db.revision() or 'none'} ({db.url.render_as_string(hide_password=True)})")
    finally:
        db.close()
    return 0


def _keys(args: argparse.Namespace) -> int:
    from bot.config import get_settings
    from bot.errors import BotError
    from bot.keys import KeyStore
    from bot.storage.setup import open_database

    db = open_database(get_settings())
    store = KeyStore(db)
    try:
        if args.action == "create":
            if not args.name or not args.role:
                print("error: keys create needs --role and --name", file=sys.stderr)
                return 2
            key, row = store.create(args.role, args.name)
            print(key)
            print(f"key {row['id']} ({row['role']}) for {row['name']}: shown once, keep it safe", file=sys.stderr)
        elif args.action == "list":
            rows = store.list()
            if args.json:
                print(json.dumps(rows, ensure_ascii=False, indent=2))
            for r in [] if args.json else rows:
                state = "revoked" if r["revoked"] else "active"
                print(f"{r['id']}\t{r['role']}\t{state}\t{r['name']}")
        else:
            if not args.id:
                print("error: keys revoke needs a key id", file=sys.stderr)
                return 2
            row = store.revoke(args.id)
            print(f"revoked {row['id']} ({row['name']})")
    except BotError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    finally:
        db.close()
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="beian-bot", description="ICP-filing help assistant")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("corpus", help="list or show help entries")
    p.add_argument("action", choices=["list", "show"])
    p.add_argument("id", nargs="?", help="entry id (for show)")
    p.add_argument("--source", action="append", help="file or folder to read instead of the configured corpus")
    p.set_defaults(func=_corpus)

    p = sub.add_parser("index", help="build the index or show its manifest")
    p.add_argument("action", choices=["build", "status"])
    p.add_argument("--if-missing", action="store_true", help="build only when missing or stale")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_index)

    p = sub.add_parser("ask", help="ask questions (arguments, or one per line on stdin as one conversation)")
    p.add_argument("question", nargs="*")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_ask)

    p = sub.add_parser("search", help="ranked entries with scores, as the agents' page shows them")
    p.add_argument("query", nargs="+")
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--kind")
    p.add_argument("--category")
    p.set_defaults(func=_search)

    p = sub.add_parser("eval", help="hit@1, MRR@5 and decline rates on labelled JSONL files")
    p.add_argument("files", nargs="+")
    p.add_argument("--misses", action="store_true", help="list the questions answered wrongly")
    p.set_defaults(func=_eval)

    p = sub.add_parser("report", help="most-asked unanswered questions and per-entry hit counts")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_report)

    p = sub.add_parser("db", help="migrate the database (BEIAN_DATABASE_URL) or show its revision")
    p.add_argument("action", choices=["upgrade", "current"])
    p.set_defaults(func=_db)

    p = sub.add_parser("keys", help="API keys for /v1/admin: create (printed once), list, revoke")
    p.add_argument("action", choices=["create", "list", "revoke"])
    p.add_argument("id", nargs="?", help="key id (for revoke)")
    p.add_argument("--role", choices=["agent", "admin"])
    p.add_argument("--name", help="who holds the key (shown in the change log)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_keys)

    p = sub.add_parser("serve", help="serve the HTTP API, widget and pages")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1)
    p.set_defaults(func=_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    if args.command == "corpus" and args.action == "show" and not args.id:
        print("error: corpus show needs an entry id", file=sys.stderr)
        return 2
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
