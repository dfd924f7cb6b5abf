"""Who mails readers, and the one way every email is put together.

Every email the product sends (the edition, the confirmation, the welcome, the trial reminder)
comes from :class:`Mailing`: the From address, the public API its links point at and the secret
its tokens are signed with. The edition's parts are rendered once per version at assembly
(``render.render_edition``) and only personalised per reader; the single-reader emails go through
:func:`compose`: render the HTML and text templates, inline the CSS, wrap them in an envelope,
build the MIME message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jinja2

from digest.core.message import Envelope, build_message
from digest.core.render import Recipient, inline_css
from digest.core.tokens import CONFIRM, UNSUBSCRIBE, make_token


@dataclass(frozen=True)
class Mailing:
    """The sender of every email and where its links lead.

    Examples
    --------
    >>> m = Mailing("Digest <d@news.example.org>", "https://api.example.org", "k")
    >>> links = m.links("sub-1", issued_at=1_764_000_000)
    >>> links.unsubscribe_url.startswith("https://api.example.org/unsubscribe/")
    True
    >>> links.preferences_url.split("/")[3]
    'preferences'
    """

    sender: str
    api_base_url: str
    signing_secret: str
    list_id: str = "morning-digest"

    def links(self, subscriber_id: str, issued_at: int | None = None) -> Recipient:
        """The reader's own unsubscribe and preferences links (one signed token for both)."""
        token = make_token(self.signing_secret, UNSUBSCRIBE, subscriber_id, issued_at)
        base = self.api_base_url
        return Recipient(unsubscribe_url=f"{base}/unsubscribe/{token}", preferences_url=f"{base}/preferences/{token}")

    def confirm_url(self, subscriber_id: str, issued_at: int | None = None) -> tuple[str, str]:
        """A double opt-in confirmation link and its token."""
        token = make_token(self.signing_secret, CONFIRM, subscriber_id, issued_at)
        return f"{self.api_base_url}/confirm/{token}", token

    def envelope(self, to: str, subject: str, message_key: str, unsubscribe_url: str = "") -> Envelope:
        """An envelope from this sender; with ``unsubscribe_url`` it carries the list headers."""
        return Envelope(self.sender, to, subject, self.list_id if unsubscribe_url else "", unsubscribe_url, message_key)


def compose(
    env: jinja2.Environment, template: str, context: dict[str, Any], envelope: Envelope, now: datetime
) -> bytes:
    """The raw email of ``template`` (``<template>.html.j2`` and ``<template>.txt.j2``).

    Raises ``ValueError`` or ``email.errors.MessageError`` when the address or subject cannot be
    put in a header.
    """
    html = inline_css(env.get_template(f"{template}.html.j2").render(**context))
    text = env.get_template(f"{template}.txt.j2").render(**context)
    return build_message(envelope, text, html, now)
