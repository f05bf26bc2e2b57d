"""The server's signing key, and HMAC-signed tokens made with it (resume links, staff sessions).

The key is ``[candid] resume_secret`` from the Streamlit secrets when set (several servers behind
one address must share it), else 32 random bytes kept in the data dir (``resume.key``, mode 0600).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time

import streamlit as st

from settings import get_settings


def signing_key() -> bytes:
    """The key that signs resume links and staff sessions."""
    try:
        configured = st.secrets.get("candid", {}).get("resume_secret")
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        configured = None
    if configured:
        return str(configured).encode()
    path = get_settings().data_dir / "resume.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(secrets.token_bytes(32))
        path.chmod(0o600)
    return path.read_bytes()


def sign(purpose: str, message: str) -> str:
    """A 128-bit HMAC-SHA256 signature (hex) of ``message`` for one ``purpose``."""
    return hmac.new(signing_key(), f"{purpose}:{message}".encode(), hashlib.sha256).hexdigest()[:32]


def make_token(purpose: str, payload: dict[str, object], lifetime_s: float) -> str:
    """``PAYLOAD.SIGNATURE``: the payload (base64 JSON, with its expiry) signed for ``purpose``."""
    body = json.dumps(payload | {"exp": int(time.time() + lifetime_s)}, sort_keys=True, separators=(",", ":"))
    encoded = base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")
    return f"{encoded}.{sign(purpose, encoded)}"


def read_token(purpose: str, token: str) -> dict[str, object] | None:
    """The payload of a genuine, unexpired token made by ``make_token`` for ``purpose``; else ``None``."""
    if not isinstance(token, str):
        return None
    encoded, _, signature = token.strip().partition(".")
    if not encoded or not hmac.compare_digest(sign(purpose, encoded), signature):
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("exp"), int) or payload["exp"] < time.time():
        return None
    return payload
