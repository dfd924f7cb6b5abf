"""digest.core.lifecycle: every legal transition, every illegal one refused with a clear reason."""

from __future__ import annotations

import pytest

from digest.core.lifecycle import (
    ACTIONS,
    APPROVE,
    APPROVED,
    BUILD,
    CORRECT,
    DRAFT,
    FINISH,
    HELD,
    HOLD,
    INITIAL,
    RELEASE,
    SEND,
    SENDING,
    SENT,
    STATES,
    IllegalTransition,
    allowed_actions,
    can,
    transition,
)
from digest.errors import DigestError

REASON = "only 2 stories"

# (state, action, require_approval) -> new state; everything not listed is illegal.
LEGAL = {
    (DRAFT, BUILD, True): DRAFT,
    (APPROVED, BUILD, True): DRAFT,
    (HELD, BUILD, True): DRAFT,
    (DRAFT, APPROVE, True): APPROVED,
    (DRAFT, HOLD, True): HELD,
    (APPROVED, HOLD, True): HELD,
    (HELD, RELEASE, True): DRAFT,
    (APPROVED, SEND, True): SENDING,
    (SENDING, FINISH, True): SENT,
    (SENT, CORRECT, True): SENT,
}
LEGAL_WITHOUT_APPROVAL = {**{(s, a, False): new for (s, a, _), new in LEGAL.items()}, (DRAFT, SEND, False): SENDING}
ALL_LEGAL = {**LEGAL, **LEGAL_WITHOUT_APPROVAL}
ILLEGAL = [
    (state, action, approval)
    for state in STATES
    for action in ACTIONS
    for approval in (True, False)
    if (state, action, approval) not in ALL_LEGAL
]


def test_states_and_actions():
    assert STATES == ("draft", "approved", "sending", "sent", "held")
    assert ACTIONS == ("build", "approve", "hold", "release", "send", "finish", "correct")
    assert INITIAL == DRAFT


@pytest.mark.parametrize(("state", "action", "approval"), sorted(ALL_LEGAL))
def test_legal_transition(state, action, approval):
    expected = ALL_LEGAL[(state, action, approval)]
    assert transition(state, action, require_approval=approval, reason=REASON) == expected
    assert can(state, action, require_approval=approval, reason=REASON)


@pytest.mark.parametrize(("state", "action", "approval"), ILLEGAL)
def test_illegal_transition_is_refused_with_a_reason(state, action, approval):
    assert not can(state, action, require_approval=approval, reason=REASON)
    with pytest.raises(IllegalTransition) as caught:
        transition(state, action, require_approval=approval, reason=REASON)
    message = str(caught.value)
    assert message.startswith(f"cannot {action}")
    assert ":" in message  # always says why
    assert (caught.value.state, caught.value.action) == (state, action)
    assert isinstance(caught.value, DigestError)


def test_approve_held_says_to_rebuild_or_release_and_quotes_the_hold_reason():
    with pytest.raises(
        IllegalTransition,
        match=r"^cannot approve a held edition: rebuild or release it first "
        r"\(held: only 2 stories\)$",
    ):
        transition(HELD, APPROVE, reason=REASON)
    with pytest.raises(IllegalTransition, match=r"rebuild or release it first$"):
        transition(HELD, APPROVE)


def test_send_twice_is_refused():
    with pytest.raises(IllegalTransition, match="cannot send twice: the edition is already sending"):
        transition(SENDING, SEND)
    with pytest.raises(
        IllegalTransition, match="cannot send twice: the edition was already sent; a change now is a correction"
    ):
        transition(SENT, SEND, require_approval=False)


def test_build_on_sent_requires_a_correction():
    with pytest.raises(
        IllegalTransition, match="cannot build a new version of a sent edition: a change now is a correction"
    ):
        transition(SENT, BUILD)
    assert transition(SENT, CORRECT) == SENT


def test_hold_needs_a_reason():
    for blank in ("", "   "):
        with pytest.raises(IllegalTransition, match="cannot hold without a reason"):
            transition(DRAFT, HOLD, reason=blank)
        assert not can(APPROVED, HOLD, reason=blank)


def test_draft_needs_approval_unless_approval_is_off():
    with pytest.raises(IllegalTransition, match="cannot send a draft: it must be approved first"):
        transition(DRAFT, SEND)
    assert transition(DRAFT, SEND, require_approval=False) == SENDING


def test_held_edition_is_never_sent_even_without_approval():
    with pytest.raises(IllegalTransition, match=r"cannot send a held edition.*\(held: only 2 stories\)"):
        transition(HELD, SEND, require_approval=False, reason=REASON)


def test_new_version_of_approved_edition_needs_approval_again():
    state = transition(DRAFT, APPROVE)
    state = transition(state, BUILD)
    assert state == DRAFT
    assert not can(state, SEND)


def test_a_whole_morning():
    state = INITIAL
    for action, kwargs in [
        (HOLD, {"reason": REASON}),
        (RELEASE, {}),
        (APPROVE, {}),
        (SEND, {}),
        (FINISH, {}),
        (CORRECT, {}),
        (CORRECT, {}),
    ]:
        state = transition(state, action, **kwargs)
    assert state == SENT


def test_allowed_actions():
    assert allowed_actions(DRAFT) == (BUILD, APPROVE, HOLD)
    assert allowed_actions(DRAFT, require_approval=False) == (BUILD, APPROVE, HOLD, SEND)
    assert allowed_actions(APPROVED) == (BUILD, HOLD, SEND)
    assert allowed_actions(HELD) == (BUILD, RELEASE)
    assert allowed_actions(SENDING) == (FINISH,)
    assert allowed_actions(SENT) == (CORRECT,)


@pytest.mark.parametrize(("state", "action"), [("published", BUILD), (DRAFT, "publish"), ("Draft", APPROVE)])
def test_unknown_names_are_bugs(state, action):
    with pytest.raises(ValueError, match="unknown"):
        transition(state, action)
    with pytest.raises(ValueError, match="unknown"):
        can(state, action)
