"""Report page: summary metrics, scores by competency, per-question feedback, and downloads."""

import pandas as pd
import streamlit as st

from reports.render import ReportFormat, render_report, report_file_name
from scoring.follow_up import base_question_id, follow_up_id, follow_up_part, follow_up_question
from scoring.summary import round_half_up
from storage.errors import DatabaseUnavailableError
from ui import access, auth, dbstore, interview, render, resources, state
from ui.state import AnswerRecord, AnswerStatus, InterviewRecord, ReportKeys

POLL_S = 1.0
FORMAT_LABELS = {
    ReportFormat.TXT: "Text",
    ReportFormat.MD: "Markdown",
    ReportFormat.JSON: "JSON",
    ReportFormat.CSV: "CSV",
    ReportFormat.PDF: "PDF",
}


def scoring_progress(record: InterviewRecord) -> None:
    """How many answers are still being scored; draws the page again whenever one finishes."""
    before = len(interview.pending(record))
    worker = resources.job_tracker()
    if interview.refresh(record, worker):
        store.save(record)
    waiting = interview.pending(record)
    if len(waiting) != before:
        st.rerun()  # an answer finished: draw the whole report again
    if not waiting:
        return
    answered = len(record.answers)
    done = answered - len(waiting)
    st.progress(done / max(1, answered), text=f"Scoring answers: {done} of {answered} done…")
    current = waiting[0]
    if worker is not None and current.job_id is not None and worker.knows(current.job_id):
        number = record.question_ids.index(base_question_id(current.question_id)) + 1
        follow_up = " (with its follow-up)" if current.question_id != base_question_id(current.question_id) else ""
        st.caption(f"Question {number}{follow_up}:")
        render.job_progress(worker.status(current.job_id))


def summary_section(record: InterviewRecord) -> None:
    """Average, highest, lowest and answered as metrics, and a chart of scores by competency."""
    summary = interview.interview_summary(record)

    def out_of_100(value: float | None) -> str:
        return "—" if value is None else f"{round_half_up(value)}/100"

    average, highest, lowest, answered = st.columns(4)
    average.metric("Average", out_of_100(summary.average))
    highest.metric("Highest", out_of_100(summary.highest))
    lowest.metric("Lowest", out_of_100(summary.lowest))
    answered.metric("Answered", f"{summary.answered} of {summary.total_questions}")
    if summary.by_competency:
        chart = pd.DataFrame(
            {
                "Competency": [c.name for c in summary.by_competency],
                "Average score": [c.average for c in summary.by_competency],
            }
        )
        render.competency_bars(chart)


def follow_up_block(first: AnswerRecord, follow_up: AnswerRecord) -> None:
    """The follow-up question, the candidate's follow-up answer and what it added to the first answer."""
    asked = follow_up_question(first.assessment.rubric) if first.assessment is not None else None
    with st.container(border=True):
        if asked is not None:
            st.markdown(f"**Follow-up asked:** {render.inert_markdown(asked[0])}")
        st.markdown("**Your follow-up answer**")
        render.answer_text(follow_up_part(follow_up.text, first.text))
        if follow_up.assessment is not None and first.assessment is not None:
            render.attempt_change(2, first.assessment, follow_up.assessment, label="With the follow-up")
        elif follow_up.status is AnswerStatus.FAILED:
            st.error(follow_up.error or "Scoring the follow-up failed; the first answer's score stands.")
        else:
            st.caption("The follow-up is being scored; the first answer's score is shown until it is.")


def playback(record: InterviewRecord, question_id: str) -> None:
    """A spoken answer's recording, to play back, when it was kept (``CANDID_KEEP_AUDIO``)."""
    try:
        recording = store.answer_audio(record.id, question_id)
    except DatabaseUnavailableError as exc:
        st.caption(f"The recording cannot be loaded: {exc}")
        return
    if recording is None:
        st.caption(":material/mic: Answered by voice; the recording was not kept (only its transcript and figures).")
        return
    data, media_type = recording
    st.markdown("**The recording**")
    st.audio(data, format=media_type)


def question_section(record: InterviewRecord, number: int, question_id: str) -> None:
    """One expander per question: its score and feedback, or where its scoring stands."""
    question = banks.question(record.plan.bank_slug, question_id) if record.plan.bank_slug in banks.banks else None
    answer = record.answers.get(question_id)
    follow_up = record.answers.get(follow_up_id(question_id))
    assessed = interview.question_assessment(record, question_id)
    competency = record.competency_names.get(question.competency, question.competency) if question else ""
    if answer is None:
        badge = "not answered"
    elif answer.status is AnswerStatus.SCORED and assessed is not None:
        badge = "skipped · 0/100" if answer.skipped else f"{assessed.score}/100"
        if follow_up is not None:
            badge += " · with a follow-up" if follow_up.assessment is not None else " · follow-up being scored"
        if record.attempts.get(question_id):
            badge += f" · attempt {len(record.attempts[question_id]) + 1}"
        if assessed.override is not None:
            badge += " · set by an administrator"
    elif answer.status is AnswerStatus.FAILED:
        badge = "not scored"
    else:
        badge = "scoring…"
    with st.expander(f"Question {number} · {competency} · {badge}"):
        if question is not None:
            st.markdown(f"**{question.text}**")
        if answer is None:
            st.caption("Not answered yet: go back to the Interview page to answer it.")
        elif answer.assessment is not None and assessed is not None:
            previous = interview.previous_assessment(record, question_id)
            if previous is not None:
                render.attempt_change(*previous, answer.assessment)
            if follow_up is not None:
                follow_up_block(answer, follow_up)
            render.assessment_details(assessed)
            if assessed.delivery is not None:
                playback(record, question_id)
            version = banks.get(record.plan.bank_slug).version if question is not None else 1
            render.strong_answer(question, record.plan.bank_slug, version)
        elif answer.status is AnswerStatus.FAILED:
            st.error(answer.error or "Scoring failed.")
            st.markdown("**Your answer** (saved)")
            render.answer_text(answer.text)
            if not auth.is_reviewer() and st.button("Score it again", key=f"{ReportKeys.RETRY}.{question_id}"):
                dbstore.retry_scoring(store, banks, record, question_id)
        else:
            st.caption("Being scored; the feedback appears here when it is ready.")
            render.answer_text(answer.text)


def downloads(record: InterviewRecord) -> None:
    """The report in every export format."""
    scored = interview.assessments(record)
    missing = record.total - len(scored)
    if not scored:
        st.caption("Downloads appear once an answer has been scored.")
        return
    st.caption(f"{missing} question(s) not scored yet are left out of the downloads." if missing else "")
    summary = interview.interview_summary(record)
    columns = st.columns(len(FORMAT_LABELS))
    for column, (fmt, label) in zip(columns, FORMAT_LABELS.items(), strict=True):
        column.download_button(
            label,
            data=render_report(scored, record.role, fmt, summary=summary),
            file_name=report_file_name(record.role, fmt),
            mime=fmt.mime_type,
            key=state.download_key(fmt.value),
            on_click="ignore",
            icon=":material/download:",
        )


def delete_section(record: InterviewRecord) -> None:
    """ "Delete my interview": the answers, scores and feedback go from the database for good."""
    with st.expander("Delete this interview"):
        st.caption("Deletes your answers, their scores and the feedback from the server. This cannot be undone.")
        confirmed = st.checkbox("I understand", key=ReportKeys.DELETE_CONFIRM)
        if st.button("Delete my interview", key=ReportKeys.DELETE, disabled=not confirmed, icon=":material/delete:"):
            try:
                store.delete(record.id)
            except DatabaseUnavailableError as exc:
                st.error(str(exc), icon=":material/cloud_off:")
                return
            state.set_active_interview(None)
            st.toast("Your interview was deleted.", icon=":material/delete:")
            st.rerun()


render.sidebar_status()
store = dbstore.interview_store()
records = store.list()
if not records:
    st.title("Report")
    st.info("No interview yet. Start one on the Start page; its report appears here as you answer.")
    st.page_link("pages/start.py", label="Go to Start", icon=":material/play_circle:")
    st.stop()

ids = [record.id for record in records]
state.keep_valid_choice(ReportKeys.INTERVIEW, ids)
active = state.active_interview(store)
if state.widget_value(ReportKeys.INTERVIEW) is None:
    state.set_widget_value(ReportKeys.INTERVIEW, active.id if active and active.id in ids else ids[0])
by_id = {record.id: record for record in records}
chosen = st.selectbox(
    "Interview",
    ids,
    format_func=lambda i: (
        f"{by_id[i].role} · {by_id[i].created_at.astimezone():%Y-%m-%d %H:%M} · {by_id[i].mode.value}"
    ),
    key=ReportKeys.INTERVIEW,
)
current = by_id[chosen]
banks = resources.get_banks()

st.title(f"Report: {current.role}")
# Every section is drawn on every run, in the same order, so no element is left over from a run
# in which an answer was still being scored.
pending = bool(interview.pending(current))
st.fragment(scoring_progress, run_every=POLL_S if pending else None)(current)
with st.container():
    if not current.done:
        gone = f"{current.position} of {render.counted(current.total, 'question')}"
        st.info(f"This interview is not finished: {gone} gone through.")
        st.page_link("pages/interview.py", label="Continue the interview", icon=":material/record_voice_over:")

summary_section(current)
st.subheader("Questions")
for index, question_id in enumerate(current.question_ids, start=1):
    question_section(current, index, question_id)
st.subheader("Download the report")
downloads(current)
if not auth.is_staff():
    access.resume_box(current.id, current.done)
    delete_section(current)
