"""ui.signing: signed, expiring tokens (staff sessions) and signatures (resume links)."""

from __future__ import annotations

import time

import pytest

from ui import signing


@pytest.fixture(autouse=True)
def key_in_tmp(tmp_path, monkeypatch):
    """A data dir of the test's own, so the key file is a fresh one."""
    from settings import get_settings

    monkeypatch.setenv("CANDID_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_a_token_reads_back_only_for_its_purpose_and_unaltered():
    token = signing.make_token("staff", {"role": "admin", "email": "a@x"}, 60)
    assert signing.read_token("staff", token)["role"] == "admin"
    assert signing.read_token("interview", token) is None  # signed for another purpose
    body, signature = token.split(".")
    forged = signing.make_token("staff", {"role": "reviewer"}, 60).split(".")[0]
    assert signing.read_token("staff", f"{forged}.{signature}") is None  # a payload swapped under a signature
    assert signing.read_token("staff", body) is None and signing.read_token("staff", "") is None
    assert signing.read_token("staff", f"{body}.{'0' * 32}") is None


def test_an_expired_token_is_refused(monkeypatch):
    token = signing.make_token("staff", {"role": "admin"}, 10)
    later = time.time() + 11
    monkeypatch.setattr(signing.time, "time", lambda: later)
    assert signing.read_token("staff", token) is None


def test_the_key_is_kept_private_in_the_data_dir(tmp_path):
    first = signing.signing_key()
    assert first == signing.signing_key() and len(first) == 32
    assert oct((tmp_path / "resume.key").stat().st_mode & 0o777) == "0o600"
