"""Invite links: 128-bit tokens stored only as hashes, expiry and a maximum number of uses."""

from __future__ import annotations

import hashlib
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from storage import (
    ExpiredInviteError,
    InviteError,
    InviteUsedUpError,
    NotFoundError,
    UnknownInviteError,
)
from tests.storage.factories import make_plan


@pytest.fixture
def plan(repo):
    return repo.create_plan(make_plan())


def test_a_valid_invite_starts_an_interview_on_its_plan(repo, plan, clock):
    token = repo.create_invite(plan.id, clock.now + timedelta(days=7), max_uses=2)
    assert len(token) == 22  # token_urlsafe(16): 16 random bytes = 128 bits
    interview = repo.redeem_invite(token, "Grace")
    assert interview.plan_id == plan.id and interview.candidate_name == "Grace"
    assert interview.invite_id is not None
    [invite] = repo.list_invites(plan.id)
    assert (invite.uses, invite.max_uses) == (1, 2) and invite.usable(clock.now)
    repo.redeem_invite(f"  {token}\n", "Grace again")  # pasted with whitespace


def test_tokens_are_random_and_not_stored_in_clear(repo, plan, clock):
    tokens = {repo.create_invite(plan.id, clock.now + timedelta(hours=1)) for _ in range(20)}
    assert len(tokens) == 20
    with repo.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT * FROM invites")).all()
    dumped = repr(rows)
    for token in tokens:
        assert token not in dumped
        assert hashlib.sha256(token.encode()).hexdigest() in dumped


@pytest.mark.parametrize("token", ["", "   ", "not-a-token", "A" * 22, "'; DROP TABLE invites;--", "🔑" * 30])
def test_a_wrong_token_is_unknown(repo, plan, clock, token):
    repo.create_invite(plan.id, clock.now + timedelta(days=1))
    with pytest.raises(UnknownInviteError, match="not valid"):
        repo.redeem_invite(token, "Mallory")


def test_an_expired_invite_is_refused(repo, plan, clock):
    token = repo.create_invite(plan.id, clock.now + timedelta(hours=1))
    clock.advance(hours=1)
    with pytest.raises(ExpiredInviteError, match="expired on 2026-03-01 10:00 UTC") as raised:
        repo.redeem_invite(token, "Late")
    assert isinstance(raised.value, InviteError)
    assert repo.list_invites(plan.id)[0].uses == 0
    assert repo.list_interviews() == []


def test_a_used_up_invite_is_refused(repo, plan, clock):
    token = repo.create_invite(plan.id, clock.now + timedelta(days=1), max_uses=1)
    repo.redeem_invite(token, "First")
    with pytest.raises(InviteUsedUpError, match="already been used once"):
        repo.redeem_invite(token, "Second")
    assert len(repo.list_interviews()) == 1


def test_concurrent_redeems_never_exceed_max_uses(repo, second_repo, plan, clock):
    token = repo.create_invite(plan.id, clock.now + timedelta(days=1), max_uses=3)
    outcomes: list[str] = []
    start = threading.Barrier(8)

    def redeem(index: int) -> None:
        start.wait()
        try:
            (repo if index % 2 else second_repo).redeem_invite(token, f"Candidate {index}")
            outcomes.append("ok")
        except InviteUsedUpError:
            outcomes.append("used up")

    threads = [threading.Thread(target=redeem, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["ok"] * 3 + ["used up"] * 5
    assert repo.list_invites(plan.id)[0].uses == 3
    assert len(repo.list_interviews()) == 3


def test_invite_arguments_are_checked(repo, plan, clock):
    with pytest.raises(ValueError, match="future"):
        repo.create_invite(plan.id, clock.now - timedelta(seconds=1))
    with pytest.raises(ValueError, match="timezone-aware"):
        repo.create_invite(plan.id, clock.now.replace(tzinfo=None) + timedelta(days=1))
    with pytest.raises(ValueError, match="max_uses"):
        repo.create_invite(plan.id, clock.now + timedelta(days=1), max_uses=0)
    with pytest.raises(NotFoundError):
        repo.create_invite(999, clock.now + timedelta(days=1))
