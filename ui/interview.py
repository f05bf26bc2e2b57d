"""The interview flow without Streamlit: start, submit, skip, go back, collect scores, time limits, history.

Every function takes an ``InterviewRecord`` (and the worker where scoring is involved) and changes
or reads it; the pages call these and save the record in the ``InterviewStore``. Pure enough to test
with a dict-backed store and a worker over fake models.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from jobs.status import JobState, JobStatus
from question_banks.loader import BankSet
from question_banks.plans import InterviewPlan
from scoring.delivery import transcript_kept
from scoring.engine import ScoringRequest, question_request
from scoring.follow_up import base_question_id, combined_answer, follow_up_id, follow_up_question
from scoring.gate import GATE_STOPS
from scoring.summary import summarize
from scoring.types import AnswerAssessment, InterviewSummary
from storage.errors import StorageError
from ui.state import AnswerRecord, AnswerStatus, InterviewRecord, Mode, SpokenDraft

INTERRUPTED = "Scoring was interrupted (the app restarted). Your answer is saved; score it again."


class AnswerQueue(Protocol):
    """Where a submitted answer goes to be scored: the in-memory worker, or the database (``ui.dbstore``)."""

    def submit(
        self,
        request: ScoringRequest,
        *,
        feedback: bool = True,
        owner: str = "",
        audio: bytes | None = None,
        audio_media_type: str = "",
    ) -> str:
        """Queue ``request``; return its job id (``audio``: a spoken answer's recording, which a store may keep)."""
        ...


class JobSource(Protocol):
    """Where the pages read a job's progress: the in-memory worker, or the database job tracker."""

    def knows(self, job_id: str) -> bool:
        """Whether ``status(job_id)`` would answer."""
        ...

    def status(self, job_id: str) -> JobStatus:
        """A snapshot of the job."""
        ...


def now() -> float:
    """The clock the time limits use (tests replace it)."""
    return time.time()


def start_interview(banks: BankSet, plan: InterviewPlan, mode: Mode) -> InterviewRecord:
    """A new interview over a plan's questions.

    Args:
        banks: The banks (the plan's bank gives the role and competency names).
        plan: The questions to ask.
        mode: Practice (feedback after each answer) or interview (feedback at the end).

    Returns:
        The record, on its first question.
    """
    bank = banks.get(plan.bank_slug)
    names = {competency.code: competency.name for competency in bank.competencies}
    return InterviewRecord(role=bank.role, mode=mode, plan=plan, competency_names=names)


def current_question_id(interview: InterviewRecord) -> str | None:
    """The id of the question on screen, or ``None`` when every question has been gone through."""
    return None if interview.done else interview.question_ids[interview.position]


def scoring_request(banks: BankSet, interview: InterviewRecord, question_id: str, answer: str) -> ScoringRequest:
    """What the scorer needs for one interview answer: the bank question and the job's requirements."""
    request = question_request(banks.get(interview.plan.bank_slug), base_question_id(question_id), answer)
    # A follow-up's id is kept: the answer is stored under it, beside the first answer to the question.
    return request.model_copy(update={"id": question_id, "job_requirements": list(interview.plan.requirements)})


def submit_answer(
    banks: BankSet,
    interview: InterviewRecord,
    text: str,
    worker: AnswerQueue | None,
    *,
    owner: str = "",
    skipped: bool = False,
    auto_submitted: bool = False,
    unavailable: str | None = None,
    spoken: SpokenDraft | None = None,
    audio: tuple[bytes, str] | None = None,
) -> AnswerRecord:
    """Save the answer to the question on screen, queue it for scoring and move on.

    The answer is queued first (with the database queue: committed), and only then recorded in the
    interview, so a database outage leaves the interview as it was. A skipped question is scored as
    an empty answer (0, instantly, without the judge) so that every question appears in the report.

    Args:
        banks: The banks.
        interview: The interview; its position moves to the next question.
        text: The answer as typed.
        worker: Where the answer is queued, or ``None`` when it cannot be scored (models missing).
        owner: This session's id, passed to the worker.
        skipped: The candidate skipped the question.
        auto_submitted: The time limit ran out.
        unavailable: Why there is no worker (kept as the answer's error).
        spoken: The recording's transcript and delivery figures, for an answer given by voice (the
            figures go with the answer; ``text`` is what is scored, edited or not).
        audio: The recording and its media type; the database keeps it when ``Settings.keep_audio``.

    Returns:
        The saved answer.

    Raises:
        ValueError: Every question has already been gone through.
        StorageError: The database could not save the answer (``DatabaseUnavailableError``); nothing changed.
    """
    question_id = current_question_id(interview)
    if question_id is None:
        raise ValueError("the interview has no question left to answer")
    answer = AnswerRecord(question_id=question_id, text="" if skipped else text, skipped=skipped)
    answer.auto_submitted = auto_submitted
    kept = spoken is not None and not skipped and transcript_kept(text, spoken.transcript)
    answer.delivery = spoken.delivery if kept and spoken is not None else None  # typed over it: not spoken
    # Queued (in the database: committed) first, so an unreachable database changes nothing on screen.
    _queue(banks, interview, answer, worker, owner, unavailable, None if answer.delivery is None else audio)
    interview.spoken.pop(question_id, None)
    earlier = interview.answers.get(question_id)
    if earlier is not None:  # a retry, or a changed answer after going back: the earlier one is kept
        interview.attempts.setdefault(question_id, []).append(earlier)
        old_follow_up = interview.answers.pop(follow_up_id(question_id), None)  # it went with the earlier answer
        if old_follow_up is not None:
            interview.attempts.setdefault(follow_up_id(question_id), []).append(old_follow_up)
    interview.answers[question_id] = answer
    interview.drafts[question_id] = answer.text
    interview.position += 1
    show_feedback = interview.mode is Mode.PRACTICE and not skipped
    interview.reviewing = question_id if show_feedback else None
    interview.following_up = question_id if interview.plan.follow_ups and not skipped else None
    return answer


def due_follow_up(interview: InterviewRecord, question_id: str) -> tuple[str, str] | None:
    """The follow-up to ask after a question's answer: ``(question, the rubric point it targets)``.

    ``None`` when the plan has no follow-ups, the question already has one, the answer is not scored
    yet (or was skipped or stopped by the gate), or it meets every rubric point.
    """
    answer = interview.answers.get(question_id)
    if not interview.plan.follow_ups or follow_up_id(question_id) in interview.answers or answer is None:
        return None
    # An answer the gate stopped gets no follow-up on a rubric point: its note says what to do.
    if answer.skipped or answer.assessment is None or set(GATE_STOPS) & set(answer.assessment.flags):
        return None
    return follow_up_question(answer.assessment.rubric)


def submit_follow_up(
    banks: BankSet,
    interview: InterviewRecord,
    question_id: str,
    text: str,
    worker: AnswerQueue | None,
    *,
    owner: str = "",
    unavailable: str | None = None,
) -> AnswerRecord:
    """Save the follow-up answer and queue it, scored together with the first answer (``combined_answer``).

    Raises:
        ValueError: The question has no answer to follow up.
        StorageError: The database could not save it; nothing changed.
    """
    first = interview.answers.get(question_id)
    if first is None:
        raise ValueError("a follow-up needs the first answer to its question")
    answer = AnswerRecord(question_id=follow_up_id(question_id), text=combined_answer(first.text, text))
    answer.delivery = first.delivery  # the spoken first answer's figures stay with the answers scored together
    _queue(banks, interview, answer, worker, owner, unavailable)
    interview.spoken.pop(answer.question_id, None)  # a spoken follow-up's transcript went in with the text
    interview.answers[answer.question_id] = answer
    interview.following_up = None
    return answer


def skip_follow_up(interview: InterviewRecord) -> None:
    """Go on without answering the follow-up (or without one, when none is due)."""
    interview.following_up = None


def retry_scoring(
    banks: BankSet,
    interview: InterviewRecord,
    question_id: str,
    worker: AnswerQueue | None,
    *,
    owner: str = "",
    unavailable: str | None = None,
) -> AnswerRecord:
    """Queue a saved answer for scoring again (after a failure)."""
    answer = interview.answers[question_id]
    answer.assessment, answer.error, answer.job_id = None, None, None
    _queue(banks, interview, answer, worker, owner, unavailable)
    return answer


def _queue(
    banks: BankSet,
    interview: InterviewRecord,
    answer: AnswerRecord,
    worker: AnswerQueue | None,
    owner: str,
    unavailable: str | None,
    audio: tuple[bytes, str] | None = None,
) -> None:
    if worker is None:
        answer.error = unavailable or "The scoring models are not available; your answer is saved."
        return
    request = scoring_request(banks, interview, answer.question_id, answer.text)
    request = request.model_copy(update={"delivery": answer.delivery})
    data, media_type = audio if audio is not None else (None, "")
    try:
        answer.job_id = worker.submit(request, feedback=True, owner=owner, audio=data, audio_media_type=media_type)
    except StorageError:
        raise  # the database is down: the page says so and keeps the typed answer
    except RuntimeError as exc:
        answer.error = f"Could not queue the answer for scoring ({exc}); it is saved."


def try_again(interview: InterviewRecord, question_id: str) -> None:
    """Practice mode: show an answered question again, the last answer in the box, to answer it once more.

    The new answer is scored as usual; the earlier one is kept (``InterviewRecord.attempts``) so the
    feedback and the report can show the score change and the rubric points that flipped.

    Raises:
        ValueError: The question was not answered, or the interview is not in practice mode.
    """
    if interview.mode is not Mode.PRACTICE or question_id not in interview.answers:
        raise ValueError("only an answered question of a practice interview can be tried again")
    interview.reviewing = None
    interview.position = interview.question_ids.index(question_id)
    interview.drafts[question_id] = interview.answers[question_id].text
    interview.question_shown_at.pop(question_id, None)  # a time limit starts again


def previous_assessment(interview: InterviewRecord, question_id: str) -> tuple[int, AnswerAssessment] | None:
    """The attempt number of the question's current answer and the assessment of the attempt before it, when
    the question has been answered more than once and that earlier answer was scored."""
    attempts = interview.attempts.get(question_id, [])
    for earlier in reversed(attempts):
        if earlier.assessment is not None and not earlier.skipped:
            return len(attempts) + 1, earlier.assessment
    return None


def go_back(interview: InterviewRecord) -> None:
    """Show the previous question again (its saved answer becomes the draft)."""
    interview.reviewing = None
    interview.position = max(0, interview.position - 1)
    question_id = interview.question_ids[interview.position]
    answer = interview.answers.get(question_id)
    if answer is not None:
        interview.drafts[question_id] = answer.text


def leave_review(interview: InterviewRecord) -> None:
    """Close the feedback of the last answer and show the next question."""
    interview.reviewing = None


def refresh(interview: InterviewRecord, worker: AnswerQueue | None) -> bool:
    """Copy finished scores (and failures) from the worker into the interview.

    Returns:
        Whether any answer changed.
    """
    changed = False
    for answer in interview.answers.values():
        if answer.status is not AnswerStatus.SCORING or answer.job_id is None or worker is None:
            continue
        if not worker.knows(answer.job_id):
            answer.error = INTERRUPTED
            changed = True
            continue
        status = worker.status(answer.job_id)
        if status.state is JobState.DONE:
            answer.assessment = status.result
            changed = True
        elif status.state is JobState.FAILED:
            answer.error = status.error
            changed = True
    if interview.done and interview.finished_at is None and not pending(interview):
        interview.finished_at = max(answer.submitted_at for answer in interview.answers.values())
        changed = True
    return changed


def pending(interview: InterviewRecord) -> list[AnswerRecord]:
    """Answers still being scored (follow-ups too), in question order."""
    ids = [key for question_id in interview.question_ids for key in (question_id, follow_up_id(question_id))]
    return [
        interview.answers[key]
        for key in ids
        if key in interview.answers and interview.answers[key].status is AnswerStatus.SCORING
    ]


def question_assessment(interview: InterviewRecord, question_id: str) -> AnswerAssessment | None:
    """A question's assessment: with a scored follow-up, that of both answers together (``follow_up`` set to
    the question asked), else the first's."""
    follow_up = interview.answers.get(follow_up_id(question_id))
    answer = interview.answers.get(question_id)
    if follow_up is not None and follow_up.assessment is not None and answer is not None:
        asked = follow_up_question(answer.assessment.rubric) if answer.assessment is not None else None
        update = {"id": question_id, "follow_up": asked[0] if asked else "(a follow-up question)"}
        return follow_up.assessment.model_copy(update=update)
    return answer.assessment if answer is not None else None


def assessments(interview: InterviewRecord) -> list[AnswerAssessment]:
    """The scored answers, in question order (a question with a scored follow-up: both answers together)."""
    found = [question_assessment(interview, question_id) for question_id in interview.question_ids]
    return [assessment for assessment in found if assessment is not None]


def interview_summary(interview: InterviewRecord) -> InterviewSummary:
    """Average, highest, lowest and per-competency averages over the scored answers."""
    return summarize(assessments(interview), interview.total, interview.competency_names)


def remaining_seconds(interview: InterviewRecord, question_id: str, at: float) -> float | None:
    """Seconds left to answer a question (``None`` without a time limit or before it was shown)."""
    limit = interview.plan.time_limit_s
    shown = interview.question_shown_at.get(question_id)
    if limit is None or shown is None:
        return None
    return max(0.0, limit - (at - shown))


def mark_shown(interview: InterviewRecord, question_id: str, at: float) -> None:
    """Start a question's clock the first time it is shown (going back does not reset it)."""
    interview.question_shown_at.setdefault(question_id, at)


def word_count(text: str) -> int:
    """Words in an answer, as the word counter shows them."""
    return len(text.split())


# --- history ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompetencyResult:
    """One competency's average in one interview."""

    interview_id: str
    when: str
    bank_slug: str
    code: str
    name: str
    average: float


def competency_results(interviews: Sequence[InterviewRecord]) -> list[CompetencyResult]:
    """Per-competency averages of each interview, oldest interview first (for a trend chart)."""
    rows = []
    for interview in sorted(interviews, key=lambda record: record.created_at):
        when = interview.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
        for competency in interview_summary(interview).by_competency:
            rows.append(
                CompetencyResult(
                    interview.id, when, interview.plan.bank_slug, competency.code, competency.name, competency.average
                )
            )
    return rows


def weakest_competency(interviews: Sequence[InterviewRecord]) -> CompetencyResult | None:
    """The competency with the lowest average over all scored answers (bank and code together)."""
    totals: dict[tuple[str, str], list[float]] = {}
    latest: dict[tuple[str, str], CompetencyResult] = {}
    for result in competency_results(interviews):
        key = (result.bank_slug, result.code)
        totals.setdefault(key, []).append(result.average)
        latest[key] = result
    if not totals:
        return None
    key = min(totals, key=lambda item: (sum(totals[item]) / len(totals[item]), item))
    result = latest[key]
    overall = sum(totals[key]) / len(totals[key])
    return CompetencyResult(result.interview_id, result.when, result.bank_slug, result.code, result.name, overall)
