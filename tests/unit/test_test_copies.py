"""An editor's test copy: the variant a send would use, marked "[TEST]", with links that unsubscribe
nobody and no list headers, and never in the delivery ledger."""

from __future__ import annotations

from digest.core.edition import version_key
from tests.unit.test_send_service import DAY, HTML, TEXT, VERSION, World, parsed, person

NO_AUDIO_HTML = HTML.replace("Quake hits Lima</h1>", "Quake hits Lima (no audio)</h1>")


def test_a_test_copy_is_marked_and_its_links_do_nothing():
    reader = person(1)
    world = World([reader])
    assert world.sender.send_test_copies(DAY, VERSION, [reader], "email") == 1
    message = parsed(world.mailer.sent[0].raw)
    assert message["Subject"].startswith("[TEST] ")
    assert message["List-Unsubscribe"] is None and message["List-Unsubscribe-Post"] is None
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    for body in (html, text):
        assert "#test-copy-unsubscribe-does-nothing" in body and "#test-copy-preferences-does-nothing" in body
        assert "/unsubscribe/" not in body and "/preferences/" not in body
    assert world.ledger.get(DAY, reader.subscriber_id) is None
    assert world.mailer.sent[0].tags["kind"] == "test"


def test_a_test_copy_is_the_variant_asked_for():
    reader = person(2)
    world = World([reader])
    world.blobs.put(version_key(DAY, VERSION, "email-noaudio.html"), NO_AUDIO_HTML.encode(), "text/html")
    world.blobs.put(version_key(DAY, VERSION, "email-noaudio.txt"), TEXT.encode(), "text/plain")
    world.sender.send_test_copies(DAY, VERSION, [reader], "email-noaudio")
    html = parsed(world.mailer.sent[0].raw).get_body(("html",)).get_content()
    assert "(no audio)" in html
