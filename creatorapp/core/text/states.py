"""States in words: the names the outbox and the liveness checks keep (``needs_info``,
``awaiting_user_action``, ``degraded``) are codes for scripts; people read these.  One table per
kind of state, since the same name can mean different things (a stale work needs tagging again, a
stale opt-out item got no answer in time)."""

from __future__ import annotations

# an opt-out request (submission) or one of its items
OPTOUT_STATES = {
    "queued": "Queued",
    "sent": "Sent",
    "failed": "Not sent yet",
    "awaiting_user_action": "Waiting for you",
    "user_attested": "Sent by you",
    "closed": "Closed",
    "pending": "Pending",
    "submitted": "Submitted",
    "acknowledged": "Acknowledged",
    "confirmed": "Confirmed",
    "rejected": "Refused",
    "stale": "No answer yet",
    "unverifiable": "Cannot be checked",
    "needs_info": "Asks you a question",
}

# whether a destination's service works (core.optouts.liveness.Status)
SERVICE_STATES = {
    "ok": "Working",
    "degraded": "Not working now",
    "manual": "You send it yourself",
}


def said(state: str, table: dict[str, str] = OPTOUT_STATES) -> str:
    """``state`` in words; a name no table knows yet still reads as words, not as a code."""
    return table.get(state) or state.replace("_", " ").capitalize()
