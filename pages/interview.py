"""Interview page: one question at a time, answers saved on submit and scored in the background."""

import streamlit as st

from scoring.follow_up import follow_up_id
from scoring.types import RubricStatus
from storage.errors import DatabaseUnavailableError
from ui import access, dbstore, interview, render, resources, speech, state
from ui.state import AnswerStatus, InterviewKeys, InterviewRecord, Mode

POLL_S = 1.0


def submit(record: InterviewRecord, text: str, *, skipped: bool = False, auto: bool = False) -> None:
    """Save the answer on screen (committed), queue it for scoring and go on (to the report after the last one).

    When the database cannot save it, says so and leaves the typed answer in the box.
    """
    worker = resources.require_scoring()
    question_id = interview.current_question_id(record) or ""
    try:
        interview.submit_answer(
            banks,
            record,
            text,
            store.answer_queue(record, worker),
            owner=state.session_owner(),
            skipped=skipped or not text.strip(),
            auto_submitted=auto,
            unavailable=None if worker else resources.unavailable_reason(),
            spoken=record.spoken.get(question_id),
            audio=speech.recording(state.recording_key(record.id, question_id), record.spoken.get(question_id)),
        )
    except DatabaseUnavailableError as exc:
        question_id = interview.current_question_id(record)
        if question_id is not None:
            record.drafts[question_id] = text
            store.save(record)
        st.error(str(exc), icon=":material/cloud_off:")
        return
    store.save(record)
    if record.done and record.mode is Mode.INTERVIEW and record.following_up is None:
        st.switch_page("pages/report.py")
    st.rerun()


def wait_for_score(record: InterviewRecord, question_id: str) -> None:
    """Poll until the answer is scored (its follow-up depends on what it missed), then draw the page again."""
    if interview.refresh(record, resources.job_tracker()):
        store.save(record)
    if record.answers[question_id].status is not AnswerStatus.SCORING:
        st.rerun()
    st.progress(0.5, text="Preparing a follow-up question…")


def follow_up_form(record: InterviewRecord, question_id: str, question: str) -> None:
    """The follow-up question with its answer box; the answer is scored together with the first one."""
    st.markdown(f"**Follow-up:** {render.inert_markdown(question)}")
    key = state.follow_up_key(record.id, question_id)
    # By voice too: the transcript goes into the box (the first answer's delivery figures stand for both).
    if speech.voice_answer(f"{key}.recording", key, record.spoken, follow_up_id(question_id), label="Answer by voice"):
        store.save(record)
    text = st.text_area("Your follow-up answer", key=key, height=180)
    send, skip = st.columns([3, 1])
    if send.button("Answer the follow-up", type="primary", key=InterviewKeys.FOLLOW_UP_SUBMIT, icon=":material/send:"):
        if not text.strip():
            st.warning("Write an answer first, or skip the follow-up.")
            return
        worker = resources.require_scoring()
        try:
            interview.submit_follow_up(
                banks,
                record,
                question_id,
                text,
                store.answer_queue(record, worker),
                owner=state.session_owner(),
                unavailable=None if worker else resources.unavailable_reason(),
            )
        except DatabaseUnavailableError as exc:
            st.error(str(exc), icon=":material/cloud_off:")
            return
        store.save(record)
        if record.done and record.mode is Mode.INTERVIEW:
            st.switch_page("pages/report.py")
        st.rerun()
    if skip.button("Skip the follow-up", key=InterviewKeys.FOLLOW_UP_SKIP, icon=":material/skip_next:"):
        interview.skip_follow_up(record)
        store.save(record)
        if record.done and record.mode is Mode.INTERVIEW:
            st.switch_page("pages/report.py")
        st.rerun()


def follow_up(record: InterviewRecord, question_id: str) -> None:
    """Interview mode: after an answer, one follow-up on the most important rubric point it missed (or none)."""
    number = record.question_ids.index(question_id) + 1
    st.subheader(f"Follow-up on question {number} of {record.total}")
    st.caption(banks.question(record.plan.bank_slug, question_id).text)
    answer = record.answers[question_id]
    if answer.status is AnswerStatus.SCORING:
        st.fragment(wait_for_score, run_every=POLL_S)(record, question_id)
        return
    due = interview.due_follow_up(record, question_id)
    if due is None:  # every point met, or the answer could not be scored: on to the next question
        interview.skip_follow_up(record)
        store.save(record)
        if record.done and record.mode is Mode.INTERVIEW:
            st.switch_page("pages/report.py")
        st.rerun()
    follow_up_form(record, question_id, due[0])


def follow_up_result(record: InterviewRecord, question_id: str) -> None:
    """Practice mode: the score of both answers together, once the follow-up is scored (it streams in)."""
    answer = record.answers[follow_up_id(question_id)]
    if interview.refresh(record, resources.job_tracker()):
        store.save(record)
    first = record.answers[question_id].assessment
    if answer.assessment is not None and first is not None:
        st.markdown("**With your follow-up** (both answers scored together)")
        render.attempt_change(2, first, answer.assessment, label="With the follow-up")
        render.assessment_details(answer.assessment, show_answer=False)
    elif answer.status is AnswerStatus.FAILED:
        st.error(answer.error or "Scoring failed.")
    else:
        worker = resources.job_tracker()
        if worker is not None and answer.job_id is not None:
            render.job_progress(worker.status(answer.job_id))


COMMIT_BEFORE_END_S = 3  # seconds before the time runs out that the typed text is sent to the server


def timer(record: InterviewRecord, question_id: str, answer_key: str) -> None:
    """The time left for the question; submits the answer as it stands when the time runs out."""
    limit = record.plan.time_limit_s or 0
    remaining = interview.remaining_seconds(record, question_id, interview.now())
    if remaining is None or interview.current_question_id(record) != question_id:
        return
    if remaining <= 0:
        st.toast("Time is up: your answer was submitted as it stood.", icon=":material/timer_off:")
        submit(record, str(state.widget_value(answer_key, "")), auto=True)
    elif remaining <= COMMIT_BEFORE_END_S:
        render.commit_typed_text()  # so the text typed since the last commit reaches the server in time
    minutes, seconds = divmod(int(remaining), 60)
    st.progress(remaining / limit, text=f":material/timer: {minutes}:{seconds:02d} left for this question")


def answer_feedback(record: InterviewRecord, question_id: str) -> None:
    """The score and feedback of one answer, or its scoring progress (feedback streams in)."""
    was_pending = record.answers[question_id].status is AnswerStatus.SCORING
    worker = resources.job_tracker()
    if interview.refresh(record, worker):
        store.save(record)
    answer = record.answers[question_id]
    if answer.status is AnswerStatus.SCORED and answer.assessment is not None:
        if was_pending:
            st.rerun()  # stop polling: the page is drawn again without the timer
        previous = interview.previous_assessment(record, question_id)
        if previous is not None:
            render.attempt_change(*previous, answer.assessment)
        render.assessment_details(answer.assessment, show_answer=False)
        if record.plan.bank_slug in banks.banks:
            bank = banks.get(record.plan.bank_slug)
            render.strong_answer(bank.question(question_id), bank.slug, bank.version)
    elif answer.status is AnswerStatus.FAILED:
        st.error(answer.error or "Scoring failed.")
        if was_pending:
            st.rerun()
    elif worker is not None and answer.job_id is not None:
        render.job_progress(worker.status(answer.job_id))
        problem = resources.models_problem()
        if problem:
            st.warning(
                f"Not scored yet: the scoring models could not be loaded ({problem}). Your answer is saved and "
                "is scored as soon as a worker with the models runs (`python -m models install`).",
                icon=":material/error:",
            )


def review(record: InterviewRecord, question_id: str) -> None:
    """Practice mode: the feedback on the answer just given, then on to the next question."""
    number = record.question_ids.index(question_id) + 1
    answer = record.answers[question_id]
    st.subheader(f"Feedback on question {number} of {record.total}")
    st.markdown(banks.question(record.plan.bank_slug, question_id).text)
    with st.expander("Your answer", expanded=False):
        render.answer_text(answer.text)
    pending = answer.status is AnswerStatus.SCORING
    st.fragment(answer_feedback, run_every=POLL_S if pending else None)(record, question_id)
    if answer.status is AnswerStatus.FAILED and st.button("Score it again", key=InterviewKeys.RETRY):
        dbstore.retry_scoring(store, banks, record, question_id)
    if record.following_up == question_id and answer.status is AnswerStatus.SCORED:
        due = interview.due_follow_up(record, question_id)
        if due is not None:
            follow_up_form(record, question_id, due[0])
        elif follow_up_id(question_id) not in record.answers and answer.assessment is not None:
            met_all = all(c.status is RubricStatus.MET for c in answer.assessment.rubric)
            st.caption(
                "No follow-up: the answer meets every rubric point."
                if met_all
                else "No follow-up: the answer was not scored on its content (see the note above)."
            )
    if follow_up_id(question_id) in record.answers:
        done = record.answers[follow_up_id(question_id)].status is not AnswerStatus.SCORING
        st.fragment(follow_up_result, run_every=None if done else POLL_S)(record, question_id)
    if pending:
        st.caption("You can go on: scoring continues in the background and the report collects everything.")
    label = "See the report" if record.done else "Next question"
    left, right = st.columns(2)
    scored = answer.status is AnswerStatus.SCORED and not answer.skipped
    if scored and left.button("Try this question again", key=InterviewKeys.TRY_AGAIN, icon=":material/replay:"):
        interview.try_again(record, question_id)
        store.save(record)
        st.rerun()
    if right.button(label, type="primary", key=InterviewKeys.NEXT, icon=":material/arrow_forward:"):
        interview.skip_follow_up(record)
        interview.leave_review(record)
        store.save(record)
        if record.done:
            st.switch_page("pages/report.py")
        st.rerun()


def finished(record: InterviewRecord) -> None:
    """Every question has been gone through."""
    st.success(
        f"You went through all {render.counted(record.total, 'question')}."
        if record.total != 1
        else "You went through the question.",
        icon=":material/task_alt:",
    )
    waiting = len(interview.pending(record))
    if waiting:
        st.caption(f"{waiting} answer(s) still being scored; the report shows their progress.")
    left, right = st.columns([1, 4])
    if left.button("Back", key=InterviewKeys.BACK, icon=":material/arrow_back:"):
        interview.go_back(record)
        store.save(record)
        st.rerun()
    if right.button("Open the report", type="primary", key=InterviewKeys.OPEN_REPORT, icon=":material/assessment:"):
        st.switch_page("pages/report.py")


def ask(record: InterviewRecord, question_id: str) -> None:
    """One question: its text, the timer, the answer box with a word count, and back / skip / submit."""
    question = banks.question(record.plan.bank_slug, question_id)
    position = record.position
    st.progress(position / record.total, text=f"Question {position + 1} of {record.total}")
    st.caption(f":material/label: {record.competency_names.get(question.competency, question.competency)}")
    st.markdown(f"#### {question.text}")
    key = state.answer_key(record.id, question_id)
    if record.plan.time_limit_s:
        interview.mark_shown(record, question_id, interview.now())
        store.save(record)
        st.fragment(timer, run_every=1.0)(record, question_id, key)
    if key not in st.session_state:
        state.set_widget_value(key, record.drafts.get(question_id, ""))
    if record.plan.time_limit_s and resources.speech_problem() is None:
        st.caption(":material/timer: Stop recording before the time runs out: a recording still running is not sent.")
    recorder = state.recording_key(record.id, question_id)
    if speech.voice_answer(recorder, key, record.spoken, question_id, label="Answer by voice (or type below)"):
        store.save(record)
    text = st.text_area(
        "Your answer",
        key=key,
        height=280,
        placeholder="Answer as you would in the interview: what you did, how, and what came of it.",
    )
    if text != record.drafts.get(question_id, "") and (text.strip() or question_id in record.drafts):
        record.drafts[question_id] = text  # what the browser has sent survives a reload
        store.save(record)
    previous = record.answers.get(question_id)
    words = interview.word_count(text)
    note = (
        " · you answered this before: a new answer is scored, and the earlier one is kept"
        if previous and not previous.skipped
        else ""
    )
    spoken = question_id in record.spoken
    heard = " · transcribed from your recording: correct it before you submit" if spoken else ""
    st.caption(f"{render.counted(words, 'word')}{heard}{note}")
    back, skip, send = st.columns([1, 1, 3])
    if back.button("Back", key=InterviewKeys.BACK, disabled=position == 0, icon=":material/arrow_back:"):
        record.drafts[question_id] = text
        interview.go_back(record)
        store.save(record)
        st.rerun()
    if skip.button("Skip", key=InterviewKeys.SKIP, icon=":material/skip_next:"):
        submit(record, "", skipped=True)
    if send.button("Submit answer", type="primary", key=InterviewKeys.SUBMIT, icon=":material/send:"):
        if text.strip():
            submit(record, text)
        else:
            st.warning("Write an answer first, or press Skip to leave this question out.")
    if not resources.is_loaded("scoring"):
        resources.require_scoring()  # load the models while the candidate reads, with visible progress


render.sidebar_status()
store = dbstore.interview_store()
current = state.active_interview(store)
if current is None:
    st.title("Interview")
    st.info("No interview in progress. Choose a role and the questions on the Start page, then start.")
    st.page_link("pages/start.py", label="Go to Start", icon=":material/play_circle:")
    st.stop()

banks = resources.get_banks()
if current.plan.bank_slug not in banks.banks:
    st.error(f"The question bank {current.plan.bank_slug!r} of this interview is no longer available.")
    st.stop()
if store.last_error is not None:
    st.warning(f"{store.last_error} Scores shown may be out of date.", icon=":material/cloud_off:")
if interview.refresh(current, resources.job_tracker()):
    store.save(current)
mode_label = "practice mode" if current.mode is Mode.PRACTICE else "interview mode"
st.title(f"{current.role} interview")
st.caption(f"{mode_label} · started {current.created_at.astimezone():%Y-%m-%d %H:%M}")

access.resume_box(current.id, current.done)

if current.reviewing is not None:
    review(current, current.reviewing)
elif current.following_up is not None and current.following_up in current.answers:
    follow_up(current, current.following_up)
elif current.done:
    finished(current)
else:
    ask(current, interview.current_question_id(current) or "")
