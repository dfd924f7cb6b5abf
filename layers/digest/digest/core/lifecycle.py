"""The edition lifecycle: a small state machine from first build to sent (and corrected).

    build     draft | approved | held  -> draft    (a new version needs approval again)
    approve   draft                    -> approved
    hold      draft | approved         -> held     (a reason is required)
    release   held                     -> draft
    send      approved                 -> sending  (also from draft if approval is not required)
    finish    sending                  -> sent
    correct   sent                     -> sent     (a correction version; never sent again)

A draft goes straight to ``sending`` only when approval is not required. A held edition is
never approved or sent as it is: it is rebuilt or released first. Once an edition is sending it
cannot be sent again, and once sent it changes only through a correction, which stays ``sent``.
The first version of an edition starts in :data:`INITIAL`.
"""

from __future__ import annotations

from enum import StrEnum

from digest.errors import DigestError


class EditionStatus(StrEnum):
    """The states of an edition version (they compare and serialise as their strings)."""

    DRAFT = "draft"
    APPROVED = "approved"
    SENDING = "sending"
    SENT = "sent"
    HELD = "held"


class Action(StrEnum):
    """What can be done to an edition version."""

    BUILD = "build"
    APPROVE = "approve"
    HOLD = "hold"
    RELEASE = "release"
    SEND = "send"
    FINISH = "finish"
    CORRECT = "correct"


DRAFT, APPROVED, SENDING, SENT, HELD = EditionStatus
STATES: tuple[EditionStatus, ...] = tuple(EditionStatus)
INITIAL = DRAFT
BUILD, APPROVE, HOLD, RELEASE, SEND, FINISH, CORRECT = Action
ACTIONS: tuple[Action, ...] = tuple(Action)


class IllegalTransition(DigestError):
    """An action that the edition's current state does not allow; the message says why."""

    def __init__(self, state: str, action: str, why: str) -> None:
        super().__init__(why)
        self.state = state
        self.action = action
        self.why = why


def transition(state: str, action: str, *, require_approval: bool = True, reason: str = "") -> EditionStatus:
    """The state an edition moves to when ``action`` is taken in ``state``.

    Parameters
    ----------
    state, action
        One of :data:`STATES` and one of :data:`ACTIONS`.
    require_approval
        When ``False`` a draft may be sent without being approved.
    reason
        Why the edition is held: required by ``hold``; for other actions on a held edition it is
        the stored hold reason, quoted in the refusal.

    Returns
    -------
    EditionStatus
        The new state.

    Raises
    ------
    IllegalTransition
        The action is not allowed in ``state``; the message says why and what to do instead.
    ValueError
        ``state`` or ``action`` is not a known name (a bug in the caller).

    Examples
    --------
    >>> transition("draft", "approve")
    <EditionStatus.APPROVED: 'approved'>
    >>> transition("held", "approve", reason="only 2 stories")
    Traceback (most recent call last):
    ...
    digest.core.lifecycle.IllegalTransition: cannot approve a held edition: rebuild or release it first (held: only 2 stories)
    """
    new_state, why = _decide(state, action, require_approval, reason)
    if new_state is None:
        raise IllegalTransition(state, action, why)
    return new_state


def can(state: str, action: str, *, require_approval: bool = True, reason: str = "") -> bool:
    """Whether ``action`` is allowed in ``state`` (same arguments as :func:`transition`).

    Examples
    --------
    >>> can("sent", "send"), can("draft", "send"), can("draft", "send", require_approval=False)
    (False, False, True)
    """
    return _decide(state, action, require_approval, reason)[0] is not None


def allowed_actions(state: str, *, require_approval: bool = True) -> tuple[Action, ...]:
    """The actions allowed in ``state`` (``hold`` assumed to come with a reason).

    Examples
    --------
    >>> [str(action) for action in allowed_actions("held")]
    ['build', 'release']
    """
    return tuple(a for a in ACTIONS if can(state, a, require_approval=require_approval, reason="-"))


def _decide(state: str, action: str, require_approval: bool, reason: str) -> tuple[EditionStatus | None, str]:
    """``(new_state, "")`` when allowed, else ``(None, why)``."""
    if state not in STATES:
        raise ValueError(f"unknown edition state {state!r}; expected one of {', '.join(STATES)}")
    if action not in ACTIONS:
        raise ValueError(f"unknown lifecycle action {action!r}; expected one of {', '.join(ACTIONS)}")
    held = f" (held: {reason.strip()})" if reason.strip() else ""
    if action == BUILD:
        if state == SENT:
            return (
                None,
                "cannot build a new version of a sent edition: a change now is a correction (`digest story edit ... --note TEXT` or `digest rebuild --note TEXT`)",
            )
        if state == SENDING:
            return None, "cannot build while the edition is sending: wait until it is sent, then correct it"
        return DRAFT, ""
    if action == APPROVE:
        if state == DRAFT:
            return APPROVED, ""
        if state == HELD:
            return None, f"cannot approve a held edition: rebuild or release it first{held}"
        if state == APPROVED:
            return None, "cannot approve: the edition is already approved"
        return None, f"cannot approve a {state} edition: it has already gone out"
    if action == HOLD:
        if state in (DRAFT, APPROVED):
            if not reason.strip():
                return None, "cannot hold without a reason: say why the edition is held"
            return HELD, ""
        if state == HELD:
            return None, "cannot hold: the edition is already held"
        return None, f"cannot hold a {state} edition: it has already gone out"
    if action == RELEASE:
        if state == HELD:
            return DRAFT, ""
        return None, f"cannot release a {state} edition: only a held edition can be released"
    if action == SEND:
        if state == APPROVED or (state == DRAFT and not require_approval):
            return SENDING, ""
        if state == DRAFT:
            return None, "cannot send a draft: it must be approved first"
        if state == HELD:
            return None, f"cannot send a held edition: rebuild or release it, then approve it{held}"
        if state == SENDING:
            return None, "cannot send twice: the edition is already sending"
        return (
            None,
            "cannot send twice: the edition was already sent; a change now is a correction (`digest story edit ... --note TEXT` or `digest rebuild --note TEXT`)",
        )
    if action == FINISH:
        if state == SENDING:
            return SENT, ""
        return None, f"cannot finish a {state} edition: only a sending edition can finish"
    # CORRECT
    if state == SENT:
        return SENT, ""
    if state == SENDING:
        return None, "cannot correct a sending edition: wait until it is sent"
    return None, f"cannot correct a {state} edition: it has not been sent; build a new version instead"
