"""``digest serve`` runs the stack's 15-minute look for reader groups (every ``groups_every``
seconds locally): after the newsroom's send, a reader whose hour had not come yet gets the edition
when it comes, with nobody pressing send again, and exactly once."""

from __future__ import annotations

from datetime import UTC, datetime

from digest.adapters.clock import ShiftedClock
from digest.core.subscriber import ACTIVE, Subscriber
from digest_tools.cli import ops
from digest_tools.local.serve import LocalServer
from tests.integration.local_server import messages_to, wait_for_sent

LATE = "evening@example.com"  # 17:00 in Los Angeles on 1 December is 01:00 UTC on the 2nd


def test_a_group_whose_hour_comes_later_is_sent_by_the_local_schedule(stack, tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", stack.endpoint)
    clock = ShiftedClock(datetime(2026, 12, 2, 0, 59, 45, tzinfo=UTC))
    with LocalServer(state_file=tmp_path / "local.json", stack=stack, clock=clock, groups_every=1.0) as server:
        app = server.app
        ops._seed(app)
        app.subscribers.put(
            Subscriber(app.subscriber_ids.of(LATE), LATE, ACTIVE, "paid", "America/Los_Angeles", send_hour=17)
        )
        day = app.today().isoformat()  # the newsroom (New York) is still on 1 December
        readers = sum(1 for _ in app.subscribers.with_status(ACTIVE))
        app.editor.approve(day, "editor@news.example.org")
        assert clock.now() < datetime(2026, 12, 2, 1, tzinfo=UTC), "the seeding took too long for this test"
        app.dispatch(day, scheduled=False)  # the editor's send: every group whose hour came
        # Sent on the stack's clock: LATE when its hour came, by the schedule; the others at once.
        wait_for_sent(app, day, readers, timeout=60)
        sent = {d.subscriber_id: datetime.fromisoformat(d.updated_at) for d in app.ledger.for_edition(day)}
        late = sent.pop(app.subscriber_ids.of(LATE))
        assert late >= datetime(2026, 12, 2, 1, tzinfo=UTC) and late > max(sent.values())
        assert len(stack.sent_emails()) == readers and len(messages_to(stack, LATE)) == 1
