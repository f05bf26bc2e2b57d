"""Staff sign-in: who is an admin or a reviewer, by password (argon2 hash in secrets) or OpenID Connect (``st.login``).

Secrets (``.streamlit/secrets.toml``), all optional::

    [candid]
    admin_password_hash = "$argon2id$..."      # written by `python -m ui.auth set-password`
    reviewer_password_hash = "$argon2id$..."   # `python -m ui.auth set-password --role reviewer`
    admin_emails = ["lead@example.com"]        # OIDC users who are admins
    reviewer_emails = ["coach@example.com"]    # OIDC users who are reviewers

    [auth]                                     # Streamlit's own OIDC settings; enables "Sign in with SSO"
    redirect_uri = "http://localhost:8501/oauth2callback"
    cookie_secret = "..."
    client_id = "..."
    client_secret = "..."
    server_metadata_url = "https://.../.well-known/openid-configuration"

Candidates never sign in: an invite link identifies their interview.
"""

from __future__ import annotations

import argparse
import getpass
import json
import re
import sys
from collections.abc import Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

import streamlit as st

from ui.state import ROLE, STAFF_USER

SECRETS_FILE = Path(".streamlit") / "secrets.toml"
SECTION = "candid"


class StaffRole(StrEnum):
    """What a signed-in staff member may do: admins everything, reviewers read."""

    ADMIN = "admin"
    REVIEWER = "reviewer"


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (with a random salt), for the secrets file."""
    from argon2 import PasswordHasher

    return PasswordHasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``; a malformed hash never matches."""
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    try:
        return PasswordHasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _secrets() -> Mapping[str, Any]:
    """The ``[candid]`` section of the secrets (empty when there is no secrets file)."""
    try:
        section = st.secrets.get(SECTION, {})
    except (FileNotFoundError, KeyError, st.errors.StreamlitSecretNotFoundError):
        return {}
    return section if isinstance(section, Mapping) else {}


# Judge server settings that may live in the secrets file instead of the environment: [candid] key -> variable.
SECRET_SETTINGS = {"judge_api_key": "CANDID_JUDGE_API_KEY", "judge_model": "CANDID_JUDGE_MODEL"}


def apply_secret_settings() -> None:
    """Take the judge server's key and model name from ``[candid]`` in the secrets, where the environment does
    not set them (the environment wins); the settings are then read again (``settings.get_settings``)."""
    import os

    from settings import get_settings

    section = _secrets()
    changed = False
    for key, variable in SECRET_SETTINGS.items():
        value = section.get(key)
        if isinstance(value, str) and value and not os.environ.get(variable):
            os.environ[variable] = value
            changed = True
    if changed:
        get_settings.cache_clear()


def oidc_configured() -> bool:
    """Whether ``[auth]`` is in the secrets, so ``st.login`` can be offered."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return False


def password_role(password: str) -> StaffRole | None:
    """The role whose password this is (admin checked first), or ``None``."""
    secrets = _secrets()
    for role in (StaffRole.ADMIN, StaffRole.REVIEWER):
        stored = secrets.get(f"{role.value}_password_hash")
        if stored and verify_password(str(stored), password):
            return role
    return None


def email_role(email: str | None) -> StaffRole | None:
    """The role an OIDC user's email has in the secrets, or ``None``."""
    if not email:
        return None
    wanted = email.strip().lower()
    secrets = _secrets()
    for role in (StaffRole.ADMIN, StaffRole.REVIEWER):
        if wanted in {str(item).strip().lower() for item in secrets.get(f"{role.value}_emails", [])}:
            return role
    return None


def sync_oidc_role() -> None:
    """Give a user signed in through ``st.login`` the role their email has (none if it has none)."""
    try:
        user = st.user
        logged_in = bool(user.is_logged_in)
    except Exception:  # no [auth] configured: st.user has no login state
        return
    if logged_in and st.session_state.get(ROLE) is None:
        role = email_role(str(user.get("email") or ""))
        if role is not None:
            sign_in(role, email=str(user.get("email")), remember=False)  # the identity provider keeps its own cookie


STAFF_COOKIE = "candid_staff"
STAFF_SESSION_HOURS = 12  # a password sign-in survives reloads this long (a signed cookie)
_COOKIE_PENDING = "auth.cookie_pending"  # "set" or "clear": written into the browser on the next run


def sign_in(role: StaffRole, *, email: str | None = None, remember: bool = True) -> None:
    """Make this session a staff session; ``email`` names the staff user (default: the role's shared account).

    With ``remember``, the browser gets a signed session cookie (``STAFF_COOKIE``, ``STAFF_SESSION_HOURS``)
    so a reload or a bookmark stays signed in; see ``keep_staff_session``.
    """
    st.session_state[ROLE] = role.value
    st.session_state[STAFF_USER] = email or f"{role.value}@candid.local"
    if remember:
        st.session_state[_COOKIE_PENDING] = "set"


def sign_out() -> None:
    """End the staff session (and the OIDC login, when there is one); the browser forgets the cookie."""
    st.session_state.pop(ROLE, None)
    st.session_state.pop(STAFF_USER, None)
    st.session_state[_COOKIE_PENDING] = "clear"


def keep_staff_session() -> None:
    """Restore a staff session from its signed cookie after a reload; write or clear the cookie when due.

    The cookie holds the role, the staff email and an expiry, signed with the server's key
    (``ui.signing``); a forged, altered or expired cookie is ignored. It is written by a tiny
    same-origin script (``SameSite=Strict``, ``Secure`` over HTTPS), so it cannot be HttpOnly: the
    app renders no untrusted HTML, and signing out or ``STAFF_SESSION_HOURS`` ends it.
    """
    from ui import signing

    pending = st.session_state.pop(_COOKIE_PENDING, None)
    if pending is None and st.session_state.get(ROLE) is None:
        try:
            token = st.context.cookies.get(STAFF_COOKIE)
        except Exception:  # no browser session (tests)
            token = None
        payload = signing.read_token("staff", token) if isinstance(token, str) and token else None
        if payload and payload.get("role") in {r.value for r in StaffRole}:
            sign_in(StaffRole(str(payload["role"])), email=str(payload.get("email") or ""), remember=False)
    if pending == "set" and st.session_state.get(ROLE) is not None:
        token = signing.make_token(
            "staff",
            {"role": st.session_state[ROLE], "email": st.session_state.get(STAFF_USER, "")},
            STAFF_SESSION_HOURS * 3600,
        )
        _write_cookie(f"{STAFF_COOKIE}={token}; Max-Age={STAFF_SESSION_HOURS * 3600}")
    elif pending == "clear":
        _write_cookie(f"{STAFF_COOKIE}=; Max-Age=0")


def _write_cookie(cookie: str) -> None:
    """Set a cookie on the app's own address from a zero-height same-origin frame."""
    import streamlit.components.v1 as components

    script = (
        "<script>const secure = window.parent.location.protocol === 'https:' ? '; Secure' : '';"
        f"window.parent.document.cookie = {json.dumps(cookie)} + '; Path=/; SameSite=Strict' + secure;</script>"
    )
    components.html(script, height=0)


def current_role() -> StaffRole | None:
    """This session's staff role, if signed in."""
    role = st.session_state.get(ROLE)
    return StaffRole(role) if role in {r.value for r in StaffRole} else None


def is_admin() -> bool:
    """Signed in as an admin."""
    return current_role() is StaffRole.ADMIN


def is_reviewer() -> bool:
    """Signed in as a reviewer (read-only)."""
    return current_role() is StaffRole.REVIEWER


def is_staff() -> bool:
    """Signed in as an admin or a reviewer."""
    return current_role() is not None


def staff_email() -> str:
    """The signed-in staff member's email (the shared account's for password sign-in)."""
    return str(st.session_state.get(STAFF_USER) or "")


def require(*roles: StaffRole) -> StaffRole:
    """Stop the page with a message unless this session is signed in with one of ``roles``."""
    role = current_role()
    if role is None or role not in roles:
        st.error("This page is for signed-in staff. Sign in on the Staff sign-in page.", icon=":material/lock:")
        st.page_link("pages/sign_in.py", label="Staff sign-in", icon=":material/login:")
        st.stop()
    return role


# --- command line: python -m ui.auth set-password ----------------------------------------------------


def set_secret(text: str, key: str, value: str, section: str = SECTION) -> str:
    """The secrets file ``text`` with ``key = "value"`` set in ``[section]`` (other lines kept as they are)."""
    line = f'{key} = "{value}"'
    lines = text.splitlines()
    header = re.compile(r"^\s*\[([^\]]+)\]\s*(#.*)?$")
    start = next((i for i, raw in enumerate(lines) if (m := header.match(raw)) and m.group(1).strip() == section), None)
    if start is None:
        prefix = [*lines, ""] if lines and lines[-1].strip() else lines
        return "\n".join([*prefix, f"[{section}]", line]) + "\n"
    end = next((i for i in range(start + 1, len(lines)) if header.match(lines[i])), len(lines))
    for i in range(start + 1, end):
        if re.match(rf"^\s*{re.escape(key)}\s*=", lines[i]):
            lines[i] = line
            return "\n".join(lines) + "\n"
    lines.insert(start + 1, line)
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m ui.auth set-password [--role admin|reviewer] [--secrets FILE] [--password-stdin]``."""
    parser = argparse.ArgumentParser(prog="python -m ui.auth", description="Candid staff sign-in.")
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("set-password", help="store the argon2 hash of a staff password in the secrets")
    command.add_argument("--role", choices=[role.value for role in StaffRole], default=StaffRole.ADMIN.value)
    command.add_argument("--secrets", type=Path, default=SECRETS_FILE, help=f"default: {SECRETS_FILE}")
    command.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    args = parser.parse_args(argv)
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"New {args.role} password: ")
        if getpass.getpass("Repeat it: ") != password:
            print("The passwords differ; nothing changed.", file=sys.stderr)
            return 1
    if len(password) < 8:
        print("Use at least 8 characters; nothing changed.", file=sys.stderr)
        return 1
    path: Path = args.secrets
    path.parent.mkdir(parents=True, exist_ok=True)
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    path.write_text(set_secret(text, f"{args.role}_password_hash", hash_password(password)), encoding="utf-8")
    path.chmod(0o600)
    print(f"Stored the {args.role} password hash in {path}. Restart the app to use it.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
