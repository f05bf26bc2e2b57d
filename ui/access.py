"""Invite and resume links: ``?invite=TOKEN`` starts the candidate's own interview, ``?resume=CODE`` reopens it.

An invite is redeemed once per browser session (a use is counted in the database); the interview it
starts becomes the only one this session can read (``DatabaseInterviewStore``), and the token is
removed from the address bar so a reload does not redeem it again. The Interview page shows a resume
link (the interview id signed with HMAC-SHA256) to come back after closing the browser. Bad links
get a message saying why.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import streamlit as st

from settings import get_settings
from storage.errors import DatabaseUnavailableError, InviteError
from ui import dbstore, interview, resources, state
from ui.dbstore import DatabaseInterviewStore
from ui.state import Mode

INVITE_PARAM = "invite"
RESUME_PARAM = "resume"
NAME_KEY = "invite.name"
START_KEY = "invite.start"


def invite_token() -> str | None:
    """The invite token in the address bar, if any."""
    token = st.query_params.get(INVITE_PARAM)
    return token.strip() if token and token.strip() else None


def resume_param() -> str | None:
    """The resume code in the address bar, if any."""
    code = st.query_params.get(RESUME_PARAM)
    return code.strip() if code and code.strip() else None


def _app_url() -> str:
    """This server's address as the browser sees it, ending in ``/`` (just ``/`` outside a browser session)."""
    try:
        url = (st.context.url or "").split("?")[0]
    except Exception:  # no browser session (tests)
        url = ""
    if not url:
        return "/"
    return url.rsplit("/", 1)[0] + "/" if url.count("/") > 2 else url.rstrip("/") + "/"


def invite_link(token: str) -> str:
    """The link a candidate opens: this server's address with ``?invite=TOKEN``."""
    return f"{_app_url()}?{INVITE_PARAM}={token}"


def invite_landing(token: str) -> None:
    """Welcome an invited candidate: ask their name, redeem the invite, open their interview."""
    st.title("Your interview")
    try:
        resources.get_repository().check_invite(token)
    except InviteError as exc:
        st.error(str(exc), icon=":material/link_off:")
        return
    except DatabaseUnavailableError as exc:
        st.error(str(exc), icon=":material/cloud_off:")
        return
    st.write("You were invited to an interview. Answer each question in your own words; your answers are saved.")
    name = st.text_input("Your name", key=NAME_KEY, max_chars=200)
    if not st.button("Start my interview", type="primary", key=START_KEY, icon=":material/play_arrow:"):
        return
    if not name.strip():
        st.warning("Enter your name first.")
        return
    try:
        repository = resources.get_repository()
        stored = repository.redeem_invite(token, name.strip())
        plan = repository.get_plan(stored.plan_id).plan
    except InviteError as exc:
        st.error(str(exc), icon=":material/link_off:")
        return
    except DatabaseUnavailableError as exc:
        st.error(str(exc), icon=":material/cloud_off:")
        return
    banks = resources.get_banks()
    if plan.bank_slug not in banks.banks:
        st.error("The question bank of this interview is not available on this server. Tell the person who sent it.")
        return
    record = interview.start_interview(banks, plan, Mode.INTERVIEW)
    record.id = str(stored.id)
    store = dbstore.interview_store()
    if isinstance(store, DatabaseInterviewStore):
        store.adopt(record)
    state.set_active_interview(record)
    del st.query_params[INVITE_PARAM]
    st.switch_page("pages/interview.py")


# --- resume links: a way back to one's own interview after closing the browser --------------------


def _resume_secret() -> bytes:
    """The key that signs resume links: ``[candid] resume_secret`` in the secrets, else one kept in the data dir.

    Several servers behind one address must share it through the secrets.
    """
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


def resume_code(interview_id: str) -> str:
    """``ID.SIGNATURE``: proves the holder was given this interview (128 bits of HMAC-SHA256)."""
    signature = hmac.new(_resume_secret(), f"interview:{interview_id}".encode(), hashlib.sha256).hexdigest()[:32]
    return f"{interview_id}.{signature}"


def resume_link(interview_id: str) -> str:
    """The link that brings a candidate back to their interview."""
    return f"{_app_url()}?{RESUME_PARAM}={resume_code(interview_id)}"


def resume_interview_id(code: str) -> int | None:
    """The interview id of a genuine resume code, else ``None``."""
    interview_id, _, _signature = code.partition(".")
    if not interview_id.isdigit() or not hmac.compare_digest(resume_code(interview_id), code):
        return None
    return int(interview_id)


def resume_landing(code: str) -> None:
    """Open the interview of a resume link in this session, or say the link is not valid."""
    interview_id = resume_interview_id(code.strip())
    store = dbstore.interview_store()
    try:
        record = store.resume(interview_id) if interview_id and isinstance(store, DatabaseInterviewStore) else None
    except DatabaseUnavailableError as exc:
        st.error(str(exc), icon=":material/cloud_off:")
        return
    if record is None:
        st.error("This link does not open an interview: it is incomplete, or the interview was deleted.")
        return
    state.set_active_interview(record)
    del st.query_params[RESUME_PARAM]
    st.switch_page("pages/interview.py")
