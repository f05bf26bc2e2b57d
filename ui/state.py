"""Session state: every key as a constant, small typed accessors, and the interview records and their store.

Pages never write ``st.session_state["..."]`` themselves. Interviews live in an ``InterviewStore``;
the app uses ``ui.dbstore.DatabaseInterviewStore`` (``ui.dbstore.interview_store()``; answers and scores in
the database, scoped to this session or to staff); ``SessionInterviewStore`` keeps them in a mapping only (unit tests).
Records are pydantic models, so they serialise to JSON just like the assessments they hold.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import MutableMapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

import streamlit as st
from pydantic import BaseModel, Field

from question_banks.plans import InterviewPlan
from scoring.types import AnswerAssessment, DeliveryFigures

# --- session-state keys that are not widgets -------------------------------------------------------
INTERVIEWS = "candid.interviews"
ACTIVE_INTERVIEW = "candid.active_interview"
OWNER = "candid.owner"
ROLE = "candid.role"
STAFF_USER = "candid.staff_user"
INVITE_NOTICE = "candid.invite_notice"
PLAN_SEED = "candid.plan_seed"
LIVE_RESULTS = "candid.live.results"
LIVE_SPOKEN = "candid.live.spoken"
NAVIGATION_SEEN = "candid.navigation_seen"


class StartKeys:
    """Widget keys of the Start page."""

    BANK = "start.bank"
    NUM_QUESTIONS = "start.num_questions"
    COMPETENCIES = "start.competencies"
    MODE = "start.mode"
    TIME_LIMIT = "start.time_limit"
    FOLLOW_UPS = "start.follow_ups"
    JOB_TEXT = "start.job_text"
    JOB_FILE = "start.job_file"
    RESUME_TEXT = "start.resume_text"
    RESUME_FILE = "start.resume_file"
    SHUFFLE = "start.shuffle"
    BEGIN = "start.begin"


class InterviewKeys:
    """Widget keys of the Interview page (the answer box's key depends on the question: ``answer_key``)."""

    BACK = "interview.back"
    SKIP = "interview.skip"
    SUBMIT = "interview.submit"
    NEXT = "interview.next"
    OPEN_REPORT = "interview.open_report"
    RETRY = "interview.retry"  # score a failed answer again
    TRY_AGAIN = "interview.try_again"  # practice mode: answer the question again
    FOLLOW_UP_SUBMIT = "interview.follow_up.submit"
    FOLLOW_UP_SKIP = "interview.follow_up.skip"


def follow_up_key(interview_id: str, question_id: str) -> str:
    """The key of the follow-up answer box of one question."""
    return f"interview.{interview_id}.{question_id}.follow_up"


class ReportKeys:
    """Widget keys of the Report page (download buttons: ``download_key``)."""

    INTERVIEW = "report.interview"
    RETRY = "report.retry"
    DELETE_CONFIRM = "report.delete_confirm"
    DELETE = "report.delete"


class SignInKeys:
    """Widget keys of the Staff sign-in page."""

    FORM = "sign_in.form"
    PASSWORD = "sign_in.password"
    OIDC = "sign_in.oidc"
    SIGN_OUT = "sign_in.sign_out"


class AdminKeys:
    """Widget keys of the Admin page."""

    INVITE_BANK = "admin.invite.bank"
    INVITE_QUESTIONS = "admin.invite.questions"
    INVITE_DAYS = "admin.invite.days"
    INVITE_USES = "admin.invite.uses"
    INVITE_CREATE = "admin.invite.create"
    INTERVIEW = "admin.interview"
    OVERRIDE_ANSWER = "admin.override.answer"
    OVERRIDE_SCORE = "admin.override.score"
    OVERRIDE_COMMENT = "admin.override.comment"
    OVERRIDE_SAVE = "admin.override.save"
    EXPORT = "admin.export"
    BANK_UPLOAD = "admin.bank.upload"
    BANK_EDIT = "admin.bank.edit"
    BANK_TEXT = "admin.bank.text"
    BANK_SAVE = "admin.bank.save"


class HistoryKeys:
    """Widget keys of the History page."""

    PRACTISE_WEAKEST = "history.practise_weakest"


class LiveKeys:
    """Widget keys of the Live scoring page."""

    SOURCE = "live.source"
    BANK = "live.bank"
    QUESTION = "live.question"
    QUESTION_TEXT = "live.question_text"
    RUBRIC = "live.rubric"
    REFERENCE = "live.reference"
    EXAMPLES = "live.examples"
    ANSWER_A = "live.answer_a"
    ANSWER_B = "live.answer_b"
    RECORDING_A = "live.recording_a"
    RECORDING_B = "live.recording_b"
    COMPARE = "live.compare"
    FEEDBACK = "live.feedback"
    SCORE = "live.score"
    CLEAR = "live.clear"

    @staticmethod
    def question(bank_slug: str) -> str:
        """The key of the question box for one bank."""
        return f"{LiveKeys.QUESTION}.{bank_slug}"


class BankKeys:
    """Widget keys of the Question banks page."""

    BANK = "banks.bank"
    COMPETENCY = "banks.competency"
    SEARCH = "banks.search"


SPOKEN_DRAFT = "::spoken"  # a drafts key suffix: the question's transcribed recording, kept across a reload


def stored_drafts(interview: InterviewRecord) -> dict[str, str]:
    """What the database keeps of the unsubmitted work: the typed drafts and each transcribed recording's
    transcript and delivery figures (as JSON under ``<question id>::spoken``)."""
    spoken = {f"{question}{SPOKEN_DRAFT}": draft.model_dump_json() for question, draft in interview.spoken.items()}
    return {**interview.drafts, **spoken}


def split_drafts(stored: dict[str, str]) -> tuple[dict[str, str], dict[str, SpokenDraft]]:
    """``stored_drafts`` read back: the typed drafts, and the transcribed recordings (unreadable ones dropped)."""
    drafts = {key: text for key, text in stored.items() if not key.endswith(SPOKEN_DRAFT)}
    spoken = {}
    for key, text in stored.items():
        if key.endswith(SPOKEN_DRAFT):
            try:
                spoken[key.removesuffix(SPOKEN_DRAFT)] = SpokenDraft.model_validate_json(text)
            except ValueError:
                continue  # written by another version: the transcript is still in the typed draft
    return drafts, spoken


def recording_key(interview_id: str, question_id: str) -> str:
    """The key of the voice recorder of one question of one interview."""
    return f"interview.recording.{interview_id}.{question_id}"


def answer_key(interview_id: str, question_id: str) -> str:
    """The key of the answer box of one question of one interview (drafts survive Back / Next)."""
    return f"interview.answer.{interview_id}.{question_id}"


def download_key(fmt: str) -> str:
    """The key of the download button of one report format (``txt``, ``md``, ...)."""
    return f"report.download.{fmt}"


# --- interview records -----------------------------------------------------------------------------


class Mode(StrEnum):
    """Practice: feedback after each answer. Interview: feedback at the end."""

    PRACTICE = "practice"
    INTERVIEW = "interview"


class AnswerStatus(StrEnum):
    """Where one answer stands."""

    SCORING = "scoring"
    SCORED = "scored"
    FAILED = "failed"


def _now() -> datetime:
    return datetime.now(UTC)


class AnswerRecord(BaseModel):
    """One submitted (or skipped) answer and what became of its scoring.

    The text is kept whatever happens to the scoring, so a failure never loses what was typed.
    """

    question_id: str
    text: str = ""
    skipped: bool = False
    auto_submitted: bool = Field(default=False, description="Submitted by the timer running out.")
    submitted_at: datetime = Field(default_factory=_now)
    job_id: str | None = None
    assessment: AnswerAssessment | None = None
    error: str | None = None
    delivery: DeliveryFigures | None = Field(default=None, description="A spoken answer's delivery figures.")

    @property
    def status(self) -> AnswerStatus:
        """Scored, failed, or still being scored."""
        if self.assessment is not None:
            return AnswerStatus.SCORED
        if self.error is not None:
            return AnswerStatus.FAILED
        return AnswerStatus.SCORING


class SpokenDraft(BaseModel):
    """A recorded answer's transcript and delivery figures, kept until the answer is submitted.

    The recording itself is not kept here: it is read from its widget at submission (and stored with
    the answer only when ``Settings.keep_audio`` is on).
    """

    recording_sha256: str = Field(description="Which recording the transcript is of (hex sha256 of its bytes).")
    media_type: str = Field(default="audio/wav", description="The recording's media type, e.g. audio/wav.")
    transcript: str = Field(description="What the speech model heard, before any edit.")
    delivery: DeliveryFigures


class InterviewRecord(BaseModel):
    """One interview: its plan, the candidate's progress through it and the answers given."""

    id: str = Field(
        default_factory=lambda: f"s{uuid.uuid4().hex[:11]}",
        description="Never all digits until the database gives the interview its id.",
    )
    role: str
    mode: Mode = Mode.PRACTICE
    plan: InterviewPlan
    competency_names: dict[str, str] = Field(default_factory=dict)
    created_at: datetime = Field(default_factory=_now)
    finished_at: datetime | None = None
    position: int = Field(default=0, ge=0, description="Index of the question on screen; len(plan) when done.")
    reviewing: str | None = Field(default=None, description="Practice mode: the question whose feedback is shown.")
    question_shown_at: dict[str, float] = Field(default_factory=dict, description="Timer start per question.")
    drafts: dict[str, str] = Field(default_factory=dict)
    answers: dict[str, AnswerRecord] = Field(default_factory=dict)
    following_up: str | None = Field(
        default=None, description="The question whose follow-up is due or on screen (plans with follow-ups)."
    )
    spoken: dict[str, SpokenDraft] = Field(
        default_factory=dict, description="Recorded answers not submitted yet, per question (transcript, figures)."
    )
    attempts: dict[str, list[AnswerRecord]] = Field(
        default_factory=dict,
        description="Earlier answers to a question, oldest first: a retry, or an answer changed after going back.",
    )

    @property
    def question_ids(self) -> list[str]:
        """The planned question ids, in order."""
        return list(self.plan.question_ids)

    @property
    def total(self) -> int:
        """How many questions the interview has."""
        return len(self.plan.question_ids)

    @property
    def done(self) -> bool:
        """Whether the candidate has gone through every question."""
        return self.position >= self.total


class InterviewStore(Protocol):
    """Where interviews are kept: the database (``ui.dbstore``), or a mapping (``SessionInterviewStore``)."""

    def save(self, interview: InterviewRecord) -> None:
        """Insert or replace an interview."""
        ...

    def get(self, interview_id: str) -> InterviewRecord | None:
        """The interview with this id, if any."""
        ...

    def list(self) -> list[InterviewRecord]:
        """Every interview, newest first."""
        ...

    def answer_queue(self, interview: InterviewRecord, worker: Any) -> Any:
        """Where the interview's answers are queued for scoring (``ui.interview.AnswerQueue``), or ``None``."""
        ...


class SessionInterviewStore:
    """An ``InterviewStore`` over a mapping (``st.session_state`` in the app, a dict in tests)."""

    def __init__(self, state: MutableMapping[str, Any], key: str = INTERVIEWS) -> None:
        self._state = state
        self._key = key

    def _records(self) -> dict[str, InterviewRecord]:
        if self._key not in self._state:
            self._state[self._key] = {}
        return self._state[self._key]

    def save(self, interview: InterviewRecord) -> None:
        """Insert or replace an interview."""
        self._records()[interview.id] = interview

    def get(self, interview_id: str) -> InterviewRecord | None:
        """The interview with this id, if any."""
        return self._records().get(interview_id)

    def list(self) -> list[InterviewRecord]:
        """Every interview, newest first."""
        return sorted(self._records().values(), key=lambda record: record.created_at, reverse=True)

    def answer_queue(self, interview: InterviewRecord, worker: Any) -> Any:
        """The in-memory worker itself (answers are kept only in the mapping)."""
        del interview
        return worker


# --- accessors -------------------------------------------------------------------------------------


def active_interview(store: InterviewStore) -> InterviewRecord | None:
    """The interview being taken (or last taken) in this session, read through ``store``."""
    interview_id = st.session_state.get(ACTIVE_INTERVIEW)
    if not interview_id:
        return None
    return store.get(interview_id)


def set_active_interview(interview: InterviewRecord | None) -> None:
    """Make an interview the one the Interview and Report pages show."""
    st.session_state[ACTIVE_INTERVIEW] = interview.id if interview else None


def session_owner() -> str:
    """A random id for this browser session, used to tell its scoring jobs apart."""
    if OWNER not in st.session_state:
        st.session_state[OWNER] = uuid.uuid4().hex[:8]
    return st.session_state[OWNER]


def plan_seed() -> int:
    """The seed of this session's question choice (a new one on "Shuffle questions")."""
    if PLAN_SEED not in st.session_state:
        st.session_state[PLAN_SEED] = random.randrange(1_000_000)
    return st.session_state[PLAN_SEED]


def new_plan_seed() -> None:
    """Choose another seed, so the plan picks other questions."""
    st.session_state[PLAN_SEED] = random.randrange(1_000_000)


def preset_start(bank_slug: str, competencies: list[str]) -> None:
    """Pre-fill the Start page (used by "practise my weakest competency")."""
    st.session_state[StartKeys.BANK] = bank_slug
    st.session_state[StartKeys.COMPETENCIES] = list(competencies)


def live_results() -> dict[str, list[AnswerAssessment]]:
    """The Live scoring page's assessments per answer slot (``"a"``, ``"b"``), oldest first."""
    if LIVE_RESULTS not in st.session_state:
        st.session_state[LIVE_RESULTS] = {}
    return st.session_state[LIVE_RESULTS]


def live_spoken() -> dict[str, SpokenDraft]:
    """The Live scoring page's transcribed recordings, per answer slot (``"a"``, ``"b"``)."""
    if LIVE_SPOKEN not in st.session_state:
        st.session_state[LIVE_SPOKEN] = {}
    return st.session_state[LIVE_SPOKEN]


def widget_value(key: str, default: Any = None) -> Any:
    """A widget's current value (``default`` before it is first drawn)."""
    return st.session_state.get(key, default)


def set_widget_value(key: str, value: Any) -> None:
    """Set a widget's value before it is drawn (e.g. to restore a draft)."""
    st.session_state[key] = value


def keep_valid_choice(key: str, options: list[Any]) -> None:
    """Drop a stored widget value that is no longer among ``options`` (e.g. after the bank changed)."""
    value = st.session_state.get(key)
    if isinstance(value, list):
        st.session_state[key] = [item for item in value if item in options]
    elif value is not None and value not in options:
        del st.session_state[key]


def bounded_number(key: str, default: int, low: int, high: int) -> None:
    """Give a number input its default, or keep its stored value within ``[low, high]`` (limits may change)."""
    value = st.session_state.get(key, default)
    st.session_state[key] = int(min(high, max(low, value)))
