"""``DatabaseInterviewStore``: interviews, answers and scores in the database, scoped to who is asking.

Answers, scoring jobs and assessments live in the database (``storage.Repository``); the session
keeps only the candidate's place in the interview (question on screen, drafts, timers). A candidate
or practice session can read only the interviews it started or redeemed an invite for: every read
goes through ``_allowed``, so no page can reach another candidate's interview by id. A staff store
(admin or reviewer) reads every interview.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import streamlit as st

from question_banks.loader import BankSet
from scoring.engine import ScoringRequest
from scoring.follow_up import base_question_id, follow_up_id
from scoring.types import AnswerAssessment, DeliveryFigures
from settings import get_settings
from storage.errors import DatabaseUnavailableError, NotFoundError, StorageError
from storage.records import AnswerRecord as StoredAnswer
from storage.records import AssessmentRecord, JobRecord
from storage.records import InterviewRecord as StoredInterview
from storage.repository import Repository
from storage.tables import InterviewMode, JobStatus
from ui import interview as interview_flow
from ui import resources, state
from ui.state import INTERVIEWS, ROLE, AnswerRecord, InterviewRecord, Mode, split_drafts, stored_drafts

GUEST_NAME = "Guest"
DRAFTS_SAVED = "interviews.drafts_saved"  # the drafts last written to the database, per interview id
RESUME_TOKENS = "interviews.resume_tokens"  # resume tokens read this session, per interview id (they never change)


class DatabaseAnswerQueue:
    """Saves an answer of one interview in the database (committed, with its scoring job) and returns the job id.

    Args:
        repository: The database.
        interview_id: The interview the answers belong to.
        keep_audio: Store a spoken answer's recording with it (``Settings.keep_audio``); off, the
            recording is dropped here and only its transcript and delivery figures are saved.
    """

    def __init__(self, repository: Repository, interview_id: int, *, keep_audio: bool = False) -> None:
        self._repository = repository
        self._interview_id = interview_id
        self._keep_audio = keep_audio

    def submit(
        self,
        request: ScoringRequest,
        *,
        feedback: bool = True,
        owner: str = "",
        audio: bytes | None = None,
        audio_media_type: str = "",
    ) -> str:
        """Save ``request.answer`` to question ``request.id``; the worker of any process scores it.

        A spoken answer's ``request.delivery`` is saved with it (as JSON) and given back to the scorer.

        Args:
            request: The answer to score (``request.answer`` is the transcript, as edited, for a spoken answer).
            feedback: Ignored: the database worker always writes feedback.
            owner: Ignored: database jobs are not per session.
            audio: The spoken answer's recording; stored only when recordings are kept (at most 64 MiB).
            audio_media_type: Its media type, ``audio/*`` (e.g. ``audio/wav``).

        Returns:
            The scoring job's id, as a string.

        Raises:
            ValueError: A kept recording is empty, over 64 MiB or not ``audio/*``. Nothing was saved.
            DatabaseUnavailableError: Nothing was saved.
        """
        del feedback, owner  # the database worker always writes feedback; jobs are not per session
        kept = audio if self._keep_audio and audio else None
        answer_id = self._repository.save_answer(
            self._interview_id,
            request.id,
            request.question,
            request.answer,
            delivery_json=request.delivery.model_dump_json() if request.delivery is not None else None,
            audio=kept,
            audio_media_type=audio_media_type if kept is not None else "",
        )
        job = self._repository.job_for_answer(answer_id)
        if job is None:  # save_answer queues in the same transaction; a missing job is a bug
            raise RuntimeError(f"answer {answer_id} was saved without a scoring job")
        return str(job.id)


class DatabaseInterviewStore:
    """An ``InterviewStore`` over the database, for one browser session.

    Args:
        repository: The database.
        banks: The question banks (a staff member's view of someone else's interview is rebuilt from them).
        state: The session's mapping (``st.session_state``): the interviews this session may read,
            with its place in each.
        staff: Read every interview (admins and reviewers).
        read_only: Answer and delete only this session's own interviews (reviewers).
    """

    def __init__(
        self,
        repository: Repository,
        banks: BankSet,
        state: MutableMapping[str, Any],
        *,
        staff: bool = False,
        read_only: bool = False,
    ) -> None:
        self.repository = repository
        self._banks = banks
        self._state = state
        self._staff = staff
        self._read_only = read_only
        self.last_error: StorageError | None = None

    def _progress(self) -> dict[str, InterviewRecord]:
        if INTERVIEWS not in self._state:
            self._state[INTERVIEWS] = {}
        return self._state[INTERVIEWS]

    def _allowed(self, interview_id: str) -> bool:
        return self._staff or interview_id in self._progress()

    def _writable(self, interview_id: str) -> bool:
        return interview_id in self._progress() or (self._staff and not self._read_only)

    def save(self, interview: InterviewRecord) -> None:
        """Save this session's place in an interview; a new interview is first created in the database.

        A new interview (its id is not a database id yet: never all digits) gets its database id as ``interview.id``.

        Raises:
            DatabaseUnavailableError: A new interview could not be created.
        """
        progress = self._progress()
        if not interview.id.isdigit():
            plan = self.repository.create_plan(interview.plan, title=f"{interview.role} {interview.mode.value}")
            stored = self.repository.create_interview(plan.id, None, GUEST_NAME, InterviewMode(interview.mode.value))
            interview.id = str(stored.id)
        progress[interview.id] = interview
        saved = self._state.setdefault(DRAFTS_SAVED, {})
        drafts = stored_drafts(interview)
        if drafts != saved.get(interview.id, {}) and self._writable(interview.id):
            try:  # typed (or spoken) but not submitted: kept in the database so a reload loses nothing
                self.repository.save_drafts(int(interview.id), drafts)
                saved[interview.id] = drafts
            except StorageError as exc:
                self.last_error = exc

    def adopt(self, interview: InterviewRecord) -> None:
        """Let this session read an interview that already exists in the database (an invite's)."""
        self._progress()[interview.id] = interview

    def resume(self, interview_id: int) -> InterviewRecord | None:
        """Let this session go on with an interview it proved it owns (a signed resume link).

        The interview opens at its first unanswered question.

        Raises:
            DatabaseUnavailableError: The database cannot be reached.
        """
        try:
            record = self._rebuild(interview_id)
        except NotFoundError:
            return None
        stored = self.repository.answers(interview_id)
        answered = {answer.question_id for answer in stored}
        unanswered = [i for i, question_id in enumerate(record.question_ids) if question_id not in answered]
        record.position = unanswered[0] if unanswered else record.total
        record.finished_at = None
        nothing_typed = not unanswered or not record.drafts.get(record.question_ids[unanswered[0]], "").strip()
        if record.mode is Mode.PRACTICE and stored and nothing_typed:
            last = max(stored, key=lambda answer: (answer.created_at, answer.id))
            if last.answer_text.strip():
                # a reload on the feedback page comes back to that feedback (a follow-up's: its question's)
                record.reviewing = base_question_id(last.question_id)
        self.adopt(record)
        return record

    def get(self, interview_id: str) -> InterviewRecord | None:
        """The interview with this id, with its answers and scores from the database; ``None`` if not this session's.

        When the database cannot be reached, the session's own copy is returned and ``last_error`` is set.
        """
        if not self._allowed(interview_id) or not interview_id.isdigit():
            return None
        record = self._progress().get(interview_id)
        try:
            if record is None:
                record = self._rebuild(int(interview_id))
                if record is None:
                    return None
            states = self.repository.answer_states(int(interview_id))
        except NotFoundError:
            self._progress().pop(interview_id, None)  # deleted (by the candidate, an admin or retention)
            return None
        except StorageError as exc:
            self.last_error = exc
            return record
        return _with_answers(record, states)

    def list(self) -> list[InterviewRecord]:
        """The interviews this session may read, newest first."""
        ids = (
            [str(stored.id) for stored in self._list_stored()]
            if self._staff
            else [key for key in self._progress() if key.isdigit()]
        )
        records = [record for record in (self.get(interview_id) for interview_id in ids) if record is not None]
        return sorted(records, key=lambda record: record.created_at, reverse=True)

    def _list_stored(self) -> list[StoredInterview]:
        try:
            return self.repository.list_interviews()
        except StorageError as exc:
            self.last_error = exc
            return []

    def answer_queue(self, interview: InterviewRecord, worker: object) -> DatabaseAnswerQueue:
        """Where this interview's answers go: the database, whether or not this process has the models."""
        del worker
        if not self._writable(interview.id):
            raise PermissionError("This session cannot answer someone else's interview.")
        return DatabaseAnswerQueue(self.repository, int(interview.id), keep_audio=get_settings().keep_audio)

    def candidate_name(self, interview_id: str) -> str:
        """The name the candidate gave (for staff pages)."""
        if not self._allowed(interview_id):
            raise PermissionError("This session cannot read someone else's interview.")
        return self.repository.get_interview(int(interview_id)).candidate_name

    def answer_audio(self, interview_id: str, question_id: str) -> tuple[bytes, str] | None:
        """The recording of the newest saved answer to a question: ``(data, media type)``, e.g. ``(..., "audio/wav")``.

        Returns:
            ``None`` when this session may not read the interview (``_allowed``: its own interviews, or
            every one for staff), when there is no such interview or answer, when the newest answer has
            no kept recording (typed, or recordings not kept), or when the database cannot be reached
            (``last_error`` says why).
        """
        if not self._allowed(interview_id) or not interview_id.isdigit():
            return None
        try:
            answers = [
                answer for answer in self.repository.answers(int(interview_id)) if answer.question_id == question_id
            ]
            newest = max(answers, key=lambda answer: answer.id, default=None)
            if newest is None or not newest.has_audio:
                return None
            return self.repository.answer_audio(newest.id)
        except NotFoundError:
            return None
        except StorageError as exc:
            self.last_error = exc
            return None

    def delete(self, interview_id: str) -> None:
        """Delete an interview with everything in it ("delete my interview").

        Raises:
            PermissionError: The interview is not this session's.
            DatabaseUnavailableError: Nothing was deleted.
        """
        if not self._writable(interview_id) or not interview_id.isdigit():
            raise PermissionError("This session cannot delete someone else's interview.")
        self.repository.delete_interview(int(interview_id))
        self._progress().pop(interview_id, None)
        self._state.get(RESUME_TOKENS, {}).pop(int(interview_id), None)

    def resume_token(self, interview_id: int) -> str | None:
        """The secret resume links of an interview are bound to; ``None`` when there is no such interview.

        Read once per session (a token never changes), so the pages that show the link and keep it in
        the address bar do not ask the database on every run.

        Raises:
            DatabaseUnavailableError: The database cannot be reached.
        """
        tokens = self._state.setdefault(RESUME_TOKENS, {})
        if interview_id not in tokens:
            try:
                token = self.repository.get_interview(interview_id).resume_token
            except NotFoundError:
                return None  # not kept: a later interview may come to have this id
            tokens[interview_id] = token or None
        return tokens[interview_id]

    def _rebuild(self, interview_id: int) -> InterviewRecord | None:
        """An interview this session did not start (a staff view, a resume link): plan, bank, mode from the database."""
        stored = self.repository.get_interview(interview_id)
        plan = self.repository.get_plan(stored.plan_id).plan
        bank = self._banks.banks.get(plan.bank_slug)
        names = {competency.code: competency.name for competency in bank.competencies} if bank else {}
        drafts, spoken = split_drafts(dict(stored.drafts))
        return InterviewRecord(
            id=str(stored.id),
            role=bank.role if bank else plan.bank_slug,
            mode=Mode(stored.mode.value),
            plan=plan,
            competency_names=names,
            created_at=stored.created_at,
            finished_at=stored.completed_at,
            position=plan.num_questions,
            drafts=drafts,
            spoken=spoken,
        )


def _delivery(stored: str | None) -> DeliveryFigures | None:
    """A stored answer's delivery figures; ``None`` for a typed answer or figures that no longer read."""
    if not stored:
        return None
    try:
        return DeliveryFigures.model_validate_json(stored)
    except ValueError:
        return None


def _with_answers(
    record: InterviewRecord, states: list[tuple[StoredAnswer, JobRecord | None, AssessmentRecord | None]]
) -> InterviewRecord:
    """The record with each question's newest saved answer and where its scoring stands, from the database."""
    answers: dict[str, AnswerRecord] = {}
    attempts: dict[str, list[AnswerRecord]] = {}
    for stored, job, assessed in states:  # oldest first: a later answer to a question replaces an earlier one
        earlier = record.answers.get(stored.question_id)
        answer = AnswerRecord(
            question_id=stored.question_id,
            text=stored.answer_text,
            skipped=not stored.answer_text.strip(),
            auto_submitted=bool(earlier and earlier.auto_submitted and earlier.text == stored.answer_text),
            submitted_at=stored.created_at,
            job_id=str(job.id) if job else None,
            delivery=_delivery(stored.delivery_json),
        )
        if assessed is not None and (job is None or job.status is not JobStatus.FAILED or assessed.job_id == job.id):
            answer.assessment = AnswerAssessment.model_validate_json(assessed.assessment_json)
            if assessed.override is not None:  # an administrator's correction is the score reported everywhere
                answer.assessment = answer.assessment.overridden(assessed.override.score, assessed.override.comment)
        if answer.assessment is None and job is not None and job.status is JobStatus.FAILED:
            answer.error = job.error or "Scoring failed."
        if stored.question_id in answers:
            attempts.setdefault(stored.question_id, []).append(answers[stored.question_id])
        answers[stored.question_id] = answer
        follow_up = follow_up_id(stored.question_id)
        if follow_up in answers:  # a new answer to a question: its earlier follow-up went with the earlier answer
            attempts.setdefault(follow_up, []).append(answers.pop(follow_up))
    updated = record.model_copy(update={"answers": answers, "attempts": attempts})
    if (
        record.done
        and record.finished_at is None
        and answers
        and all(a.assessment or a.error for a in answers.values())
    ):
        updated.finished_at = max(answer.submitted_at for answer in answers.values())
    return updated


def interview_store() -> DatabaseInterviewStore:
    """The interview store of this session: the database, scoped to this session (or every interview for staff).

    When the database cannot be reached, shows why (``st.error``) and stops the page.
    """
    try:
        repository = resources.get_repository()
    except DatabaseUnavailableError as exc:
        st.error(str(exc), icon=":material/cloud_off:")
        st.stop()
    role = st.session_state.get(ROLE)
    return DatabaseInterviewStore(
        repository,
        resources.get_banks(),
        st.session_state,
        staff=role in {"admin", "reviewer"},
        read_only=role == "reviewer",
    )


def retry_scoring(store: DatabaseInterviewStore, banks: BankSet, record: InterviewRecord, question_id: str) -> None:
    """Queue an answer whose scoring failed for scoring again, save it and draw the page anew (the Interview and
    Report pages' "Score it again").

    When the database cannot take it, shows why (``st.error``) and stops the page; the answer stays saved.
    """
    worker = resources.require_scoring()
    try:
        interview_flow.retry_scoring(
            banks,
            record,
            question_id,
            store.answer_queue(record, worker),
            owner=state.session_owner(),
            unavailable=None if worker else resources.unavailable_reason(),
        )
    except DatabaseUnavailableError as exc:
        st.error(str(exc), icon=":material/cloud_off:")
        st.stop()
    store.save(record)
    st.rerun()
