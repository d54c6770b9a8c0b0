"""电话通知 (the phone step): who is called about an unacknowledged incident, and when. Pure.

``policy.phone`` (:class:`~sentinel.escalation.policy.PhoneRule`): an incident of ``grades`` (I and
II by default) whose clocks have run ``after`` (10 minutes) with nobody acknowledging it is called
in, one person at a time along ``chain`` (duty officer, section chief, leader): the people of each
role, in roster order, who have a phone (the duty officers on shift; department contacts are not
called). Call 1 falls due at ``clocks_opened_at + after``; call n+1 ``interval`` after call n, or at
once when a ``call_result`` says call n went unanswered. The first acknowledgment (签收, also a
``call_result`` whose key is "1", recorded through :func:`~sentinel.escalation.actions.record_call`)
or a recorded response stops every further call; so do closing, dismissing and a grade out of
``grades``. When everyone in the chain has been called the chain ends (``incident:{id}:calls:done``);
it does not go round again.

While an incident is 待研判 only the duty officer is called; a call to anyone beyond waits as the
escalation does (:func:`~sentinel.escalation.verification.hold_until`). Quiet hours hold a call as
they hold any message of its grade: never for I/II (quiet hours cannot hold those).

A call is an outbox message of kind ``phone_call`` on the person's voice channel: the first channel
of a voice kind the person lists, else the first configured voice channel. Its result comes back as
a timeline event of kind ``call_result`` with ``{person, phone, channel, answered, key, call_id}``.

Keys::

    incident:{id}:call:{n}     n = 1, 2, …
    incident:{id}:calls:done   the chain ran out with nobody acknowledging
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sentinel.analyse.grading import Grade
from sentinel.escalation.policy import PhoneRule
from sentinel.escalation.roster import RosterConfig

__all__ = ["Call", "CallResult", "VOICE_KINDS", "SMS_KINDS", "call_key", "calls_done_key", "estimate",
           "first_call_at", "next_call_at", "calling", "setup_problems"]

#: Channel kinds that ring a phone: used by the phone step only, never for an ordinary alert.
VOICE_KINDS = frozenset({"aliyun_voice", "tencent_voice"})
#: Channel kinds that send a text message: used for the alerts of people who list such a channel.
SMS_KINDS = frozenset({"aliyun_sms", "tencent_sms"})


def setup_problems(rule: PhoneRule, channel_kinds: Sequence[str], roster: RosterConfig) -> list[str]:
    """Why the phone step would call nobody (start-up and ``config check`` warnings), one line each.

    The step is on by default: a configuration without any SMS or voice channel (an office that
    has not set up phones) is not warned about; one with an SMS channel and no voice channel is.
    """
    if not rule.enabled or not rule.chain:
        return []
    voice = [kind for kind in channel_kinds if kind in VOICE_KINDS]
    if not voice:
        return ["policy.phone: enabled, but no aliyun_voice or tencent_voice channel is configured: "
                "unacknowledged grade I/II incidents are not called in"] if any(
                    kind in SMS_KINDS for kind in channel_kinds) else []
    if not any(contact.phone for role in rule.chain for contact in roster.role_contacts(role)):
        return [f"policy.phone: nobody in the chain ({', '.join(role.value for role in rule.chain)}) has a roster "
                "phone: the voice channel calls nobody"]
    return []


def call_key(incident_id: int | str, n: int) -> str:
    return f"incident:{incident_id}:call:{n}"


def calls_done_key(incident_id: int | str) -> str:
    return f"incident:{incident_id}:calls:done"


@dataclass(frozen=True, slots=True)
class Call:
    """A call placed: its number, to whom, and the moment it fell due."""

    n: int
    person: str
    at: datetime


@dataclass(frozen=True, slots=True)
class CallResult:
    """What a ``call_result`` event said, and when it was recorded."""

    person: str
    answered: bool
    at: datetime
    key: str | None = None


def calling(rule: PhoneRule, *, grade: Grade | str | None, clocks_opened_at: datetime | None,
            acknowledged_at: datetime | None, responded_at: datetime | None, now: datetime | None = None) -> bool:
    """Whether the phone step runs for an open incident in the jurisdiction in this state."""
    if not rule.enabled or not rule.chain or clocks_opened_at is None or grade is None:
        return False
    if Grade(grade) not in rule.grades:
        return False
    for moment in (acknowledged_at, responded_at):
        if moment is not None and (now is None or moment <= now):
            return False
    return True


def first_call_at(rule: PhoneRule, clocks_opened_at: datetime) -> datetime:
    return clocks_opened_at + rule.after


def next_call_at(rule: PhoneRule, clocks_opened_at: datetime, calls: Sequence[Call],
                 results: Sequence[CallResult]) -> datetime:
    """When the next call falls due: ``after`` the clocks started for the first, else ``interval``
    after the last call, or when a result said the last call went unanswered if that came sooner."""
    if not calls:
        return first_call_at(rule, clocks_opened_at)
    last = calls[-1]
    moment = last.at + rule.interval
    for result in results:
        if result.person == last.person and not result.answered and result.at >= last.at:
            moment = min(moment, result.at)
    return max(moment, last.at)


def estimate(rule: PhoneRule, clocks_opened_at: datetime) -> datetime:
    """A moment no later than the next call, for callers who do not read the calls made (the engine
    reads them at that tick and indexes the exact moment)."""
    return first_call_at(rule, clocks_opened_at)

