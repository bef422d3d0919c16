"""Webhook deliveries from the durable outbox: retried with backoff until accepted, across a restart."""

from __future__ import annotations

import socket
import time

from bot.handoff import HandoffStore
from bot.outbox import Outbox
from bot.sessions import Turn
from bot.storage import Database
from tests.webhook import Receiver

TURN = Turn("备案被驳回了怎么办", "备案被驳回了怎么办", "请按驳回原因修改后重新提交。", "rej-1", True)


def wait_for(check: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_delivery_is_retried_until_accepted(database_url: str) -> None:
    db = Database(database_url)
    with Receiver(fail=2) as hook:
        tickets = HandoffStore(db, webhook=hook.url)
        outbox = Outbox(db, backoff=0.2, backoff_max=1.0)
        outbox.start()
        ticket = tickets.create("s-hook", [TURN], note="请尽快", contact="138")
        outbox.wake()
        wait_for(lambda: hook.accepted)
        outbox.stop()
    assert len(hook.calls) == 3
    sent = hook.accepted[0]
    assert sent["event"] == "ticket.created" and sent["ticket"]["id"] == ticket["id"]
    assert sent["ticket"]["transcript"][0]["question"] == "备案被驳回了怎么办" and sent["ticket"]["note"] == "请尽快"
    (row,) = outbox.list()
    assert row["attempts"] == 3 and row["delivered_at"] is not None and row["last_error"] is None
    assert outbox.list(delivered=False) == []
    db.close()


def test_undelivered_survives_a_restart(database_url: str) -> None:
    with socket.socket() as s:  # a port nobody listens on yet: the helpdesk is down
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/hook"
    db = Database(database_url)
    outbox = Outbox(db, backoff=0.2, backoff_max=0.5)
    outbox.start()
    ticket = HandoffStore(db, webhook=url).create("s-down", [TURN])
    outbox.wake()
    wait_for(lambda: outbox.list(delivered=False)[0]["attempts"] >= 2)
    outbox.stop()
    db.close()
    (pending,) = Outbox(Database(database_url)).list(delivered=False)
    assert pending["ticket_id"] == ticket["id"] and pending["last_error"]

    db = Database(database_url)  # "restarted", and the helpdesk is back
    with Receiver(fail=0, port=port) as hook:
        outbox = Outbox(db, backoff=0.2, backoff_max=0.5)
        outbox.start()
        wait_for(lambda: hook.accepted)
        outbox.stop()
    assert [b["ticket"]["id"] for b in hook.accepted] == [ticket["id"]]
    assert outbox.list(delivered=False) == []
    db.close()
