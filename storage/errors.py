"""Errors the storage layer raises, each with a message a user (or an operator) can act on."""

from __future__ import annotations

from datetime import datetime


class StorageError(RuntimeError):
    """Base class of every storage error."""


class DatabaseUnavailableError(StorageError):
    """The database cannot be reached or used right now (server down, wrong URL, file locked or unwritable).

    Nothing was written by the failed call: a caller shows the message and keeps what the user typed
    so they can try again.
    """

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(
            f"The database is not available ({reason}). Nothing was saved by this step; please try again "
            f"in a moment. Operators: check that the database at {where} is running and reachable "
            "(DATABASE_URL)."
        )
        self.where = where
        self.reason = reason


class NotFoundError(StorageError, LookupError):
    """A user, plan, interview, answer, assessment or job with that id does not exist (or is not yours)."""

    def __init__(self, kind: str, key: object) -> None:
        super().__init__(f"No {kind} with id {key!r}.")
        self.kind = kind
        self.key = key


class JobStateError(StorageError):
    """A scoring job is no longer held by the worker that tries to finish it (requeued, reclaimed or deleted)."""


class InviteError(StorageError):
    """An invite link cannot be used; the subclass says why."""


class UnknownInviteError(InviteError):
    """No invite has this token (mistyped, truncated or revoked link)."""

    def __init__(self) -> None:
        super().__init__("This invite link is not valid. Check that you copied the whole link, or ask for a new one.")


class ExpiredInviteError(InviteError):
    """The invite's expiry time has passed."""

    def __init__(self, expired_at: datetime) -> None:
        super().__init__(
            f"This invite link expired on {expired_at:%Y-%m-%d %H:%M} UTC. Ask the person who sent it for a new one."
        )
        self.expired_at = expired_at


class InviteUsedUpError(InviteError):
    """The invite has been redeemed as many times as it allows."""

    def __init__(self, max_uses: int) -> None:
        times = "once" if max_uses == 1 else f"{max_uses} times"
        super().__init__(
            f"This invite link has already been used {times}, its limit. Ask the person who sent it for a new one."
        )
        self.max_uses = max_uses
