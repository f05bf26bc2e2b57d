"""Admin page: invite links, every interview with score overrides, results export, question bank upload and edit."""

from datetime import UTC, datetime, timedelta

import pandas as pd
import streamlit as st

from question_banks.loader import BankValidationError
from question_banks.plans import build_plan
from storage.errors import DatabaseUnavailableError
from storage.tables import Role
from ui import access, admin, auth, render, resources, state
from ui.state import AdminKeys


def admin_user_id() -> int:
    """The database user behind this admin session (created on first use), for invites and overrides."""
    email = auth.staff_email()
    user = repository.find_user_by_email(email)
    return user.id if user else repository.create_user("Administrator", email=email, role=Role.ADMIN).id


def invites_section() -> None:
    """Create an invite link to a plan of a bank's questions, with an expiry and a maximum number of uses."""
    st.subheader("Invite candidates")
    banks = resources.get_banks()
    slug = st.selectbox("Role", banks.slugs, format_func=lambda s: banks.get(s).role, key=AdminKeys.INVITE_BANK)
    bank = banks.get(slug)
    left, middle, right = st.columns(3)
    count = left.number_input(
        "Questions", 1, len(bank.questions), min(5, len(bank.questions)), key=AdminKeys.INVITE_QUESTIONS
    )
    days = middle.number_input("Valid for (days)", 1, 90, 7, key=AdminKeys.INVITE_DAYS)
    uses = right.number_input("Maximum uses", 1, 1000, 1, key=AdminKeys.INVITE_USES)
    if st.button("Create invite link", type="primary", key=AdminKeys.INVITE_CREATE, icon=":material/add_link:"):
        plan = build_plan(bank, num_questions=int(count), seed=state.plan_seed())
        creator = admin_user_id()
        saved = repository.create_plan(
            plan, title=f"{bank.role}: {render.counted(int(count), 'question')}", created_by=creator
        )
        expires = datetime.now(UTC) + timedelta(days=int(days))
        token = repository.create_invite(saved.id, expires, int(uses), created_by=creator)
        st.success(f"Invite to {saved.title}, valid until {expires:%Y-%m-%d %H:%M} UTC for {int(uses)} use(s):")
        st.code(access.invite_link(token), language=None)
        st.caption("Copy it now: only a hash of the token is kept, so the link cannot be shown again.")


OVERRIDE_DONE = "admin.override.done"  # the confirmation, shown after the rerun that refreshes the list


def interviews_section() -> None:
    """Every interview; for a chosen one, each answer's scores and an override with a comment."""
    st.subheader("Interviews")
    saved = st.session_state.pop(OVERRIDE_DONE, None)
    if saved:
        st.success(saved, icon=":material/edit:")
    stored = repository.list_interviews()
    if not stored:
        st.caption("No interviews yet.")
        return
    plans = {plan.id: plan for plan in repository.list_plans()}
    rows = [
        {
            "Id": record.id,
            "Candidate": record.candidate_name,
            "Plan": plans[record.plan_id].title if record.plan_id in plans else "",
            "Status": record.status.value,
            "Started": record.created_at.astimezone().strftime("%Y-%m-%d %H:%M"),
        }
        for record in stored
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")  # st.dataframe shows text, never HTML
    chosen = st.selectbox("Interview", [record.id for record in stored], key=AdminKeys.INTERVIEW)
    scored = [(answer, assessed) for answer, _job, assessed in repository.answer_states(chosen) if assessed]
    if not scored:
        st.caption("No scored answer in this interview yet.")
        return
    by_id = {assessed.id: (answer, assessed) for answer, assessed in scored}
    choice = st.selectbox(
        "Answer",
        list(by_id),
        format_func=lambda i: (
            f"{by_id[i][0].question_id} · model {by_id[i][1].score} · shown {by_id[i][1].final_score}"
        ),
        key=AdminKeys.OVERRIDE_ANSWER,
    )
    answer, assessed = by_id[choice]
    st.markdown(f"**{render.inert_markdown(answer.question_text)}**")
    render.answer_text(answer.answer_text)
    st.caption(
        f"Scored {assessed.score}/100 by {assessed.model} (prompt {assessed.prompt_version}, "
        f"rubric {assessed.rubric_version or '—'})"
    )
    if assessed.override is not None:
        st.caption(f"Overridden to {assessed.override.score}/100: “{render.inert_markdown(assessed.override.comment)}”")
    score = st.number_input("Corrected score", 0, 100, assessed.final_score, key=AdminKeys.OVERRIDE_SCORE)
    comment = st.text_area("Why (kept with the score)", key=AdminKeys.OVERRIDE_COMMENT, max_chars=2000)
    if st.button("Override the score", key=AdminKeys.OVERRIDE_SAVE, icon=":material/edit:"):
        if not comment.strip():
            st.warning("Say why in a comment: it is shown with the corrected score.")
        else:
            repository.add_override(assessed.id, int(score), comment.strip(), admin_user_id())
            st.session_state[OVERRIDE_DONE] = f"Score set to {int(score)}/100."
            st.rerun()  # the table and the answer list above show the new score at once


def export_section() -> None:
    """All results as one CSV file."""
    st.subheader("Export")
    st.download_button(
        "All results (CSV)",
        data=admin.export_results_csv(repository).encode("utf-8-sig"),
        file_name=f"candid-results-{datetime.now(UTC):%Y%m%d}.csv",
        mime="text/csv",
        key=AdminKeys.EXPORT,
        on_click="ignore",
        icon=":material/download:",
    )


def banks_section() -> None:
    """Upload a bank file or edit an existing one; saved only when it validates."""
    st.subheader("Question banks")
    banks = resources.get_banks()
    uploaded = st.file_uploader(
        "Upload a bank (.yaml, up to 1 MB)", type=["yaml", "yml"], key=AdminKeys.BANK_UPLOAD, max_upload_size=1
    )
    edit = st.selectbox("…or edit", ["", *banks.slugs], key=AdminKeys.BANK_EDIT)
    if uploaded is not None:
        text, filename = uploaded.getvalue(), uploaded.name
    elif edit:
        path = admin.BANKS_FOLDER / f"{edit}.yaml"
        original = path.read_text(encoding="utf-8") if path.exists() else ""
        text, filename = st.text_area("Bank YAML", original, height=400, key=f"{AdminKeys.BANK_TEXT}.{edit}"), path.name
    else:
        return
    if st.button("Validate and save", type="primary", key=AdminKeys.BANK_SAVE, icon=":material/save:"):
        try:
            bank, path = admin.save_bank(text, filename)
        except BankValidationError as exc:
            st.error(
                "The bank was not saved:\n\n" + "\n".join(f"- {render.inert_markdown(e.message)}" for e in exc.errors)
            )
        except ValueError as exc:
            st.error(f"The bank was not saved: {exc}")
        else:
            resources.get_banks.clear()
            st.success(f"Saved {bank.role} ({render.counted(len(bank.questions), 'question')}) to {path.name}.")


render.sidebar_status()
auth.require(auth.StaffRole.ADMIN)
st.title("Admin")
repository = resources.get_repository()
try:
    invites, interviews, export, bank_files = st.tabs(["Invites", "Interviews", "Export", "Question banks"])
    with invites:
        invites_section()
    with interviews:
        interviews_section()
    with export:
        export_section()
    with bank_files:
        banks_section()
except DatabaseUnavailableError as exc:
    st.error(str(exc), icon=":material/cloud_off:")
