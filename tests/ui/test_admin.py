"""Admin logic: calibration figures (table-driven), secrets editing and password hashes."""

from __future__ import annotations

import pytest

from ui import admin, auth


@pytest.mark.parametrize(
    ("pairs", "mad", "correlation"),
    [
        ([], 0.0, None),
        ([(50, 60)], 10.0, None),
        ([(10, 20), (20, 30), (30, 40)], 10.0, 1.0),
        ([(10, 30), (30, 10)], 20.0, -1.0),
        ([(50, 10), (50, 90)], 40.0, None),  # the model does not vary: no correlation
    ],
)
def test_agreement(pairs, mad, correlation):
    result = admin.agreement("g", pairs)
    assert result.count == len(pairs)
    assert result.mean_absolute_difference == pytest.approx(mad)
    assert result.correlation == (None if correlation is None else pytest.approx(correlation))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", '[candid]\nadmin_password_hash = "H"\n'),
        ('[auth]\nclient_id = "x"\n', '[auth]\nclient_id = "x"\n\n[candid]\nadmin_password_hash = "H"\n'),
        ('[candid]\nadmin_password_hash = "old"\n[auth]\n', '[candid]\nadmin_password_hash = "H"\n[auth]\n'),
        ('[candid]\nadmin_emails = ["a@b"]\n', '[candid]\nadmin_password_hash = "H"\nadmin_emails = ["a@b"]\n'),
    ],
)
def test_set_secret_keeps_other_settings(text, expected):
    assert auth.set_secret(text, "admin_password_hash", "H") == expected


def test_password_hashes_verify_only_the_right_password():
    stored = auth.hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert auth.verify_password(stored, "correct horse battery")
    assert not auth.verify_password(stored, "wrong")
    assert not auth.verify_password("not a hash", "wrong")


def test_set_password_command_writes_the_secrets_file(tmp_path, monkeypatch):
    import io
    import tomllib

    secrets = tmp_path / ".streamlit" / "secrets.toml"
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert auth.main(["set-password", "--role", "reviewer", "--secrets", str(secrets), "--password-stdin"]) == 0
    stored = tomllib.loads(secrets.read_text())["candid"]["reviewer_password_hash"]
    assert auth.verify_password(stored, "a long enough password")
    assert secrets.stat().st_mode & 0o777 == 0o600


def test_a_bank_with_an_unsafe_slug_is_not_saved(tmp_path):
    from pathlib import Path

    text = Path("question_banks/data_engineer.yaml").read_text().replace("slug: data_engineer", "slug: ../evil", 1)
    with pytest.raises(ValueError, match="slug"):
        admin.save_bank(text, "evil.yaml", folder=tmp_path)
    assert list(tmp_path.iterdir()) == []


def _oidc_script(email: str | None, logged_in: bool) -> None:
    """A page run in which ``st.login`` has signed somebody in (``st.user`` stands in for the provider)."""
    import streamlit as st

    from ui import auth

    class User(dict):
        is_logged_in = logged_in

    original = st.user
    st.user = User(email=email) if email is not None else User()
    try:
        auth.sync_oidc_role()
    finally:
        st.user = original
    st.write(f"role={auth.current_role()} user={auth.staff_email() if auth.is_staff() else '-'}")


@pytest.mark.parametrize(
    ("email", "logged_in", "shown"),
    [
        ("Boss@Example.org", True, "role=admin user=Boss@Example.org"),
        ("reader@example.org", True, "role=reviewer user=reader@example.org"),
        ("someone@example.org", True, "role=None user=-"),  # signed in, but no role: nothing opens
        ("boss@example.org", False, "role=None user=-"),
        (None, True, "role=None user=-"),
    ],
)
def test_an_oidc_user_gets_the_role_their_email_has_in_the_secrets(email, logged_in, shown):
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_function(_oidc_script, kwargs={"email": email, "logged_in": logged_in})
    app.secrets["candid"] = {"admin_emails": ["boss@example.org"], "reviewer_emails": ["READER@example.org"]}
    app.run()
    assert not app.exception
    assert app.markdown[0].value == shown
