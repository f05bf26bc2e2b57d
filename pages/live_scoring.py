"""Live scoring page (instructors): score an answer step by step, edit and rescore, compare two answers."""

import time

import pandas as pd
import streamlit as st

from jobs.live_queue import LiveScoringQueue
from jobs.status import JobPhase, JobState
from scoring.engine import ScoringRequest
from scoring.types import AnswerAssessment
from ui import interview, live, render, resources, speech, state
from ui.compare import compare_assessments
from ui.state import LiveKeys

SOURCES = {"bank": "A bank question", "typed": "My own question"}
MAX_HISTORY = 10
SLOTS = {"a": LiveKeys.ANSWER_A, "b": LiveKeys.ANSWER_B}
RECORDERS = {"a": LiveKeys.RECORDING_A, "b": LiveKeys.RECORDING_B}


def score_with_steps(
    worker: LiveScoringQueue, request: ScoringRequest, feedback: bool, title: str
) -> AnswerAssessment | None:
    """Queue one answer and show its steps live: queue, gate and rubric checks, streamed feedback."""
    job_id = worker.submit(request, feedback=feedback, owner=state.session_owner())
    with st.status(f"{title}: waiting in the scoring queue…", expanded=True) as box:
        status = worker.status(job_id)
        while status.state is JobState.QUEUED:
            box.update(label=f"{title}: waiting in the scoring queue ({status.position} ahead)…")
            time.sleep(0.2)
            status = worker.status(job_id)
        box.update(label=f"{title}: scoring…")
        st.write("Gate, rubric checks and score…")
        streamed, placeholder = "", None
        for chunk in worker.follow(job_id):
            if placeholder is None:
                st.write("Writing feedback:")
                placeholder = st.empty()
            streamed += chunk
            placeholder.text(streamed)  # inert: model text may quote the answer
        final = worker.wait(job_id)
        if final.state is JobState.FAILED or final.result is None:
            box.update(label=f"{title}: scoring failed", state="error")
            st.error(final.error or "Scoring failed.")
            return None
        if final.phase is JobPhase.FINISHED:
            box.update(
                label=f"{title}: {final.result.score}/100 in {final.result.timings.total:.1f} s", state="complete"
            )
        return final.result


def show_result(slot: str, label: str) -> None:
    """The latest assessment of one answer slot: score (with the change since the last run), steps, details."""
    history = state.live_results().get(slot, [])
    if not history:
        return
    current = history[-1]
    previous = history[-2] if len(history) > 1 and history[-2].question == current.question else None
    change = compare_assessments(previous, current) if previous is not None else None
    st.metric(f"{label} score", f"{current.score}/100", delta=change.score_delta if change else None)
    if change is not None:
        if change.unchanged:
            st.caption("Rescored: nothing changed.")
        render.flipped_points(change.flipped)
        for flag in change.added_flags:
            st.caption(f"New flag: {render.FLAG_LABELS[flag]}")
        for flag in change.removed_flags:
            st.caption(f"Flag gone: {render.FLAG_LABELS[flag]}")
    steps = pd.DataFrame(
        [
            {
                "Step": step.name,
                "Outcome": step.outcome,
                "Seconds": "—" if step.seconds is None else f"{step.seconds:.2f}",
            }
            for step in live.scoring_steps(current)
        ]
    )
    st.dataframe(steps, hide_index=True, width="stretch")
    render.assessment_details(current, show_score=False)  # the metric above shows it, with its change


render.sidebar_status()
st.title("Live scoring")
st.caption("Score an answer and watch each step; edit it and score again to see what changed; compare two answers.")
banks = resources.get_banks()

source = st.radio("Question", list(SOURCES), format_func=SOURCES.get, horizontal=True, key=LiveKeys.SOURCE)
question_text = ""
if source == "bank" and banks.banks:
    state.keep_valid_choice(LiveKeys.BANK, banks.slugs)
    slug = st.selectbox("Bank", banks.slugs, format_func=lambda s: banks.get(s).role, key=LiveKeys.BANK)
    bank = banks.get(slug)
    ids = [question.id for question in bank.questions]
    question_key = LiveKeys.question(slug)  # one box per bank: never the previous bank's label
    state.keep_valid_choice(question_key, ids)
    question_id = st.selectbox(
        "Question", ids, format_func=lambda i: f"{i}: {bank.question(i).text[:100]}", key=question_key
    )
    question = bank.question(question_id)
    st.markdown(f"**{question.text}**")
    with st.expander("Rubric points"):
        for number, point in enumerate(question.rubric_points, start=1):
            st.markdown(f"{number}. {point}")
else:
    if source == "bank":
        st.info("No question bank is available; type a question instead.")
    question_text = st.text_input("Question", key=LiveKeys.QUESTION_TEXT)
    rubric_column, reference_column = st.columns(2)
    rubric_text = rubric_column.text_area("Rubric points, one per line", key=LiveKeys.RUBRIC, height=140)
    reference = reference_column.text_area(
        "…or a reference answer (used when there are no rubric points)", key=LiveKeys.REFERENCE, height=140
    )
    examples_text = reference_column.text_area(
        "Graded example answers (optional): one per line, + for correct, − for incorrect",
        key=LiveKeys.EXAMPLES,
        height=100,
        placeholder="+ The water evaporates and the salt stays behind.\n- Pour it through a filter.",
        help="With a reference answer, a handful of graded answers to the same question make the score "
        "follow your grading (about 10 lift agreement with human grades; see README, Calibration).",
    )

options_left, options_right = st.columns(2)
compare = options_left.toggle("Compare two answers side by side", key=LiveKeys.COMPARE)
feedback = options_right.toggle("Have the judge write feedback (slower)", value=True, key=LiveKeys.FEEDBACK)
slots = ["a", "b"] if compare else ["a"]
labels = {"a": "Answer A" if compare else "Answer", "b": "Answer B"}
columns = dict(zip(slots, st.columns(len(slots)), strict=True))
spoken = state.live_spoken()
answers = {}
for slot in slots:
    with columns[slot]:
        speech.voice_answer(RECORDERS[slot], SLOTS[slot], spoken, slot, label=f"{labels[slot]} by voice")
        answers[slot] = st.text_area(labels[slot], key=SLOTS[slot], height=220)

left, right = st.columns([1, 5])
score_clicked = left.button("Score", type="primary", key=LiveKeys.SCORE, icon=":material/play_arrow:")
if right.button("Clear results", key=LiveKeys.CLEAR):
    state.live_results().clear()
result_columns = dict(zip(slots, st.columns(len(slots)), strict=True))
# One slot per answer: a new scoring run replaces the previous result at once (never left greyed
# below the live steps), and its step-by-step box is a new element, open while it works.
holders = {slot: result_columns[slot].empty() for slot in slots}
shown: set[str] = set()
if score_clicked:
    requests: dict[str, ScoringRequest] = {}
    try:
        for slot in slots:
            if not answers[slot].strip():
                raise ValueError(f"Type {labels[slot].lower()} first.")
            if source == "bank" and banks.banks:
                request = interview.question_request(bank, question_id, answers[slot])
            else:
                request = live.typed_question_request(
                    question_text, rubric_text, reference, answers[slot], examples_text
                )
            heard = spoken.get(slot)
            requests[slot] = request.model_copy(update={"delivery": heard.delivery if heard else None})
    except ValueError as exc:
        st.warning(str(exc))
        requests = {}
    worker = resources.require_live_queue() if requests else None
    if worker is not None:
        for slot, request in requests.items():
            with holders[slot].container():
                result = score_with_steps(worker, request, feedback, labels[slot])
                if result is not None:
                    history = state.live_results().setdefault(slot, [])
                    history.append(result)
                    del history[:-MAX_HISTORY]
                show_result(slot, labels[slot])  # under the finished steps box
            shown.add(slot)

if not state.live_results():
    st.caption("Results appear here after you press Score.")
for slot in slots:
    if slot not in shown:
        with holders[slot].container():
            show_result(slot, labels[slot])
