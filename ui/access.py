"""Invite and resume links: ``?invite=TOKEN`` starts the candidate's own interview, ``?resume=CODE`` reopens it.

An invite is redeemed once per browser session (a use is counted in the database); the interview it
starts becomes the only one this session can read (``DatabaseInterviewStore``), and the token is
removed from the address bar so a reload does not redeem it again. The Interview page shows a resume
link (the interview id and its random resume token, signed with HMAC-SHA256) to come back after
closing the browser, or after finishing to get back to the report. A link is bound to one interview:
it never opens another that comes to have the same id. Bad links get a message saying why.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from urllib.parse import urlsplit

import streamlit as st

from storage.errors import DatabaseUnavailableError, InviteError
from ui import dbstore, interview, resources, signing, state
from ui.dbstore import DatabaseInterviewStore
from ui.state import Mode

INVITE_PARAM = "invite"
RESUME_PARAM = "resume"
PLACE_PARAM = "interview"  # kept in the address bar while an interview is open, so a reload finds it
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


def requested_page() -> str:
    """The page path the browser asked for (``"admin"`` for ``http://host/admin?x=1``); ``""`` for the main page."""
    try:
        url = st.context.url or ""
    except Exception:  # no browser session (tests)
        return ""
    path = urlsplit(url).path.rstrip("/")
    return path.rsplit("/", 1)[-1] if path else ""


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


def resume_code(interview_id: str, token: str) -> str:
    """``ID.SIGNATURE``: proves the holder was given this interview (128 bits of HMAC-SHA256).

    The signature covers the interview's random resume token as well as its id, so a link never
    opens another interview that comes to have the same id after a delete.
    """
    return f"{interview_id}.{signing.sign('interview', f'{interview_id}:{token}')}"


def resume_link(interview_id: str) -> str | None:
    """The link that brings a candidate back to their interview; ``None`` when it is not in the database."""
    store = dbstore.interview_store()
    if not interview_id.isdigit() or not isinstance(store, DatabaseInterviewStore):
        return None
    try:
        token = store.resume_token(int(interview_id))
    except DatabaseUnavailableError:
        return None
    return f"{_app_url()}?{RESUME_PARAM}={resume_code(interview_id, token)}" if token else None


def resume_box(interview_id: str, done: bool) -> None:
    """The "Come back later" box with the interview's resume link; nothing when it is not in the database."""
    link = resume_link(interview_id)
    if link is None:
        return
    with st.expander("Come back later", icon=":material/bookmark:"):
        if done:
            st.caption("Keep this link to come back to your scores and report from another visit:")
        else:
            st.caption("Your answers are saved as you submit them. Keep this link to go on from another visit:")
        st.code(link, language=None)


def resume_interview_id(code: str, token_of: Callable[[int], str | None]) -> int | None:
    """The interview id of a genuine resume code, else ``None``.

    Args:
        code: ``ID.SIGNATURE`` as ``resume_code`` made it.
        token_of: The resume token of an interview id (``None`` when there is no such interview).
    """
    interview_id, _, _signature = code.partition(".")
    if not interview_id.isdigit():
        return None
    token = token_of(int(interview_id))
    if not token or not hmac.compare_digest(resume_code(interview_id, token), code):
        return None
    return int(interview_id)


def keep_place() -> None:
    """Keep this session's interview across a reload (F5), on every page.

    While an interview of the database is open, the address bar carries ``?interview=CODE`` (the
    same signed code as the resume link); a new browser session that arrives with it (a reload, a
    bookmark) reopens that interview without leaving the page. A code that opens nothing is dropped.
    """
    store = dbstore.interview_store()
    if not isinstance(store, DatabaseInterviewStore):
        return
    active = st.session_state.get(state.ACTIVE_INTERVIEW)
    code = st.query_params.get(PLACE_PARAM)
    try:
        if not active and code:
            interview_id = resume_interview_id(code.strip(), store.resume_token)
            record = store.resume(interview_id) if interview_id else None
            if record is None:
                del st.query_params[PLACE_PARAM]
                st.toast(
                    "The interview in this address is no longer there: it was deleted, or the address is incomplete.",
                    icon=":material/link_off:",
                )
                return
            state.set_active_interview(record)
            active = record.id
        if active and str(active).isdigit():
            token = store.resume_token(int(active))
            wanted = resume_code(str(active), token) if token else None
            if wanted and st.query_params.get(PLACE_PARAM) != wanted:
                st.query_params[PLACE_PARAM] = wanted
            elif not wanted and PLACE_PARAM in st.query_params:
                del st.query_params[PLACE_PARAM]
    except DatabaseUnavailableError:
        return  # the pages say so


def resume_landing(code: str) -> None:
    """Open the interview of a resume link in this session, or say why the link opens nothing."""
    store = dbstore.interview_store()
    if not isinstance(store, DatabaseInterviewStore):
        st.error("This link does not open an interview: interviews are not kept in a database here.")
        return

    try:
        interview_id = resume_interview_id(code.strip(), store.resume_token)
        record = store.resume(interview_id) if interview_id else None
    except DatabaseUnavailableError as exc:
        st.error(str(exc), icon=":material/cloud_off:")
        return
    if record is None:
        st.error(
            "This link does not open an interview: it is incomplete, or the interview it was made for "
            "was deleted. Links are made for one interview and never open another one."
        )
        return
    state.set_active_interview(record)
    del st.query_params[RESUME_PARAM]
    st.switch_page("pages/interview.py")
