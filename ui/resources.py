"""Process-wide resources, each behind one ``st.cache_resource`` loader: judge, embedder, banks, database, workers.

Interview answers are scored by ``jobs.service.DatabaseScoringService``, the one worker of the
process that claims jobs from the database (started with the models; at start it picks up answers
left unscored by a crash or restart). The Live scoring page, whose results are not stored, uses the
in-memory ``jobs.live_queue.LiveScoringQueue``; both share the one judge, whose calls are serialised.

Every user of the app shares these objects, so they are used read-only (the worker serialises the
judge). Heavy imports happen inside the loaders. Models are never replaced by fakes here: a missing
model is shown as an ``st.error`` with the command that installs it.

Test hook: tests replace ``load_judge_model``, ``load_embedder_model``, ``load_checker_model``,
``load_transcriber_model`` and ``check_speech_model`` (e.g. with
``monkeypatch.setattr(ui.resources, "load_judge_model", FakeJudge)``) and call ``reset()``; the
caching, worker and progress display then run as in production.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from settings import get_settings

if TYPE_CHECKING:
    from jobs.live_queue import LiveScoringQueue
    from jobs.service import DatabaseJobTracker, DatabaseScoringService
    from jobs.status import QueueState
    from models.protocols import Embedder, Judge, RubricChecker, Transcriber
    from question_banks.loader import BankSet
    from question_banks.plans import InterviewPlan
    from scoring.types import RubricCheck
    from storage.repository import Repository

BANKS_TTL_S = 30  # an edited or newly dropped bank file shows up within this many seconds
_LOADED: set[str] = set()  # which of "judge", "embedder", "checker", "live_queue" this process has loaded
_LAST_ERROR: list[str] = []  # why the models could not be loaded, last time it was tried
_SERVICES: list[DatabaseScoringService] = []  # started database workers, stopped by ``reset``


def load_judge_model() -> Judge:
    """Load the configured judge (``CANDID_JUDGE``). The test hook replaces this function."""
    from models.loader import load_judge

    return load_judge()


def load_embedder_model() -> Embedder:
    """Load the configured embedder (``CANDID_EMBEDDER``). The test hook replaces this function."""
    from models.loader import load_embedder

    return load_embedder()


def load_checker_model() -> RubricChecker:
    """Load the rubric checkers that ship in ``models/`` (a committee). The test hook replaces this function."""
    from models.loader import load_rubric_checker

    return load_rubric_checker()


def load_transcriber_model() -> Transcriber:
    """Load the configured speech-to-text model (``CANDID_SPEECH``). The test hook replaces this function."""
    from models.loader import load_transcriber

    return load_transcriber()


def check_speech_model() -> str | None:
    """Why the configured speech model cannot be used, without loading it. The test hook replaces this function."""
    from models.loader import speech_model_problem

    return speech_model_problem()


@st.cache_resource(show_spinner=False)
def get_transcriber() -> Transcriber:
    """The speech-to-text model, loaded once per process (about 0.5 s for Whisper tiny.en)."""
    transcriber = load_transcriber_model()
    _LOADED.add("transcriber")
    return transcriber


def speech_problem() -> str | None:
    """Why answers cannot be spoken here (the speech model is missing), or ``None``; typing always works."""
    return None if is_loaded("transcriber") else check_speech_model()


_SPEECH_LOGGED: set[str] = set()


def log_speech_problem(problem: str) -> None:
    """Log once per process why spoken answers are off (the page tells candidates only that they are)."""
    if problem not in _SPEECH_LOGGED:
        _SPEECH_LOGGED.add(problem)
        logging.getLogger(__name__).warning("Spoken answers are off: %s", problem)


def require_transcriber() -> Transcriber | None:
    """The speech-to-text model, loaded under a visible status the first time; ``None`` after a warning."""
    if is_loaded("transcriber"):
        return get_transcriber()
    try:
        with st.status("Loading the speech model (first use only)…", expanded=False) as status:
            transcriber = get_transcriber()
            status.update(label="Speech model ready", state="complete")
        return transcriber
    except Exception as exc:  # a missing or broken model: say so; the typed answer box still works
        log_speech_problem(str(exc))
        st.warning("Answering by voice is not available here; type your answer instead.", icon=":material/mic_off:")
        return None


@st.cache_resource(show_spinner="Loading the rubric checker…")
def get_checker() -> RubricChecker:
    """The rubric checker, loaded once per process."""
    checker = load_checker_model()
    _LOADED.add("checker")
    return checker


@st.cache_resource(show_spinner="Loading the judge model…")
def get_judge() -> Judge:
    """The judge, loaded once per process (the scoring workers prime it when they start)."""
    judge = load_judge_model()
    _LOADED.add("judge")
    return judge


@st.cache_resource(show_spinner="Loading the sentence embedder…")
def get_embedder() -> Embedder:
    """The embedder, loaded once per process."""
    embedder = load_embedder_model()
    _LOADED.add("embedder")
    return embedder


@st.cache_resource(show_spinner=False)
def get_live_queue() -> LiveScoringQueue:
    """The Live scoring queue of the process (loads the models if they are not loaded yet)."""
    from jobs.live_queue import LiveScoringQueue

    worker = LiveScoringQueue(get_judge(), get_embedder(), checker=get_checker())
    _LOADED.add("live_queue")
    return worker


def open_app_repository() -> Repository:
    """Open the configured database (``DATABASE_URL``), migrating it; tests point ``DATABASE_URL`` at a temp file.

    Raises:
        DatabaseUnavailableError: The database cannot be reached (not cached: the next run tries again).
    """
    from storage.repository import open_repository

    return open_repository(get_settings())


@st.cache_resource(show_spinner="Opening the database…")
def get_repository() -> Repository:
    """The database, opened once per process (shared by every session; thread-safe)."""
    return open_app_repository()


@st.cache_resource(show_spinner=False)
def get_scoring_service() -> DatabaseScoringService:
    """The process's database scoring worker, started (loads the models if they are not loaded yet)."""
    from jobs.service import DatabaseScoringService
    from question_banks.loader import load_banks

    service = DatabaseScoringService(
        get_repository(),
        get_judge(),
        get_embedder(),
        checker=get_checker(),
        banks=load_banks,
        retention_days=get_settings().retention_days,
    ).start()
    _SERVICES.append(service)
    _LOADED.add("scoring")
    return service


@st.cache_resource(show_spinner=False)
def _plain_tracker() -> DatabaseJobTracker:
    from jobs.service import DatabaseJobTracker

    return DatabaseJobTracker(get_repository())


def job_tracker() -> DatabaseJobTracker:
    """Where pages read the progress of interview answers: the database, with live feedback when scored here.

    Raises:
        DatabaseUnavailableError: The database cannot be opened.
    """
    return get_scoring_service().tracker if is_loaded("scoring") else _plain_tracker()


@st.cache_resource(ttl=BANKS_TTL_S, show_spinner=False)
def get_banks() -> BankSet:
    """Every valid question bank, and the problems with the invalid ones."""
    from question_banks.loader import load_banks

    return load_banks()


@st.cache_data(max_entries=64, show_spinner=False)
def cached_plan(
    bank_slug: str,
    bank_version: int,
    num_questions: int,
    competencies: Sequence[str],
    time_limit_s: int | None,
    job_description: str,
    resume: str,
    seed: int,
    rank: bool,
) -> InterviewPlan:
    """``build_plan`` for the Start page, remembered per inputs (ranking by the job needs the embedder).

    Raises:
        ValueError: The inputs do not make a plan (see ``build_plan``).
    """
    from question_banks.plans import build_plan

    del bank_version  # part of the cache key: an edited bank gets a new plan
    return build_plan(
        get_banks().get(bank_slug),
        num_questions=num_questions,
        competencies=list(competencies),
        time_limit_s=time_limit_s,
        job_description=job_description,
        resume=resume,
        seed=seed,
        embedder=get_embedder() if rank else None,
    )


def is_loaded(name: str) -> bool:
    """Whether ``"judge"``, ``"embedder"``, ``"live_queue"`` or ``"scoring"`` is loaded in this process."""
    return name in _LOADED


def require_embedder() -> Embedder | None:
    """The embedder, loading it under a visible status the first time; ``None`` (after an error) if missing."""
    try:
        if is_loaded("embedder"):
            return get_embedder()
        with st.status("Loading the sentence embedder (first use only)…", expanded=False) as status:
            embedder = get_embedder()
            status.update(label="Sentence embedder ready", state="complete")
        return embedder
    except Exception as exc:  # a missing or broken model: say so and what to run, never fall back
        show_model_error(exc)
        return None


def require_scoring() -> DatabaseScoringService | None:
    """The database scoring worker, loading the models under a visible status the first time.

    Returns:
        The service, or ``None`` after showing an ``st.error`` (models missing: the install command;
        database unreachable: why). Answers are saved and queued either way.
    """
    from storage.errors import DatabaseUnavailableError

    if is_loaded("scoring"):
        return get_scoring_service()
    if require_live_queue() is None:
        return None
    try:
        return get_scoring_service()
    except DatabaseUnavailableError as exc:
        st.error(str(exc), icon=":material/cloud_off:")
        return None


def require_live_queue() -> LiveScoringQueue | None:
    """The Live scoring queue, loading the models under a visible status the first time.

    Returns:
        The queue, or ``None`` after showing an ``st.error`` that names the install command.
    """
    if is_loaded("live_queue"):
        return get_live_queue()
    try:
        with st.status("Loading the scoring models (first use only)…", expanded=True) as status:
            st.write(f"Sentence embedder `{configured_models()[1]}`…")
            get_embedder()
            st.write("Rubric checker…")
            get_checker()
            st.write(f"Judge `{configured_models()[0]}` (a few seconds)…")
            get_judge()
            worker = get_live_queue()
            status.update(label="Scoring models ready", state="complete", expanded=False)
        return worker
    except Exception as exc:  # a missing or broken model: say so and what to run, never fall back
        show_model_error(exc)
        _LAST_ERROR[:] = [str(exc)]
        return None


def unavailable_reason() -> str:
    """The sentence kept with an answer that could not be queued because the models are missing."""
    why = f" ({_LAST_ERROR[0]})" if _LAST_ERROR else ""
    return f"Not scored: the scoring models could not be loaded{why}. Your answer is saved; score it again later."


def models_problem() -> str | None:
    """Why the models could not be loaded the last time it was tried in this process, if they could not."""
    return None if is_loaded("scoring") or not _LAST_ERROR else _LAST_ERROR[0]


def show_model_error(exc: BaseException) -> None:
    """An ``st.error`` for a model that cannot be loaded, with the command that installs it."""
    from models.errors import ModelNotInstalledError

    st.error(f"The scoring models cannot be loaded: {exc}", icon=":material/error:")
    if isinstance(exc, ModelNotInstalledError):
        st.code(f".venv/bin/python -m models install {exc.name}", language="bash")
    else:
        st.caption("Check the installed models with `.venv/bin/python -m models list`.")


def loaded_live_queue() -> LiveScoringQueue | None:
    """The Live scoring queue if the models are already loaded (never starts loading them)."""
    return get_live_queue() if is_loaded("live_queue") else None


def queue_state() -> QueueState | None:
    """The database scoring queue's state, or ``None`` when the database cannot be reached."""
    from storage.errors import StorageError

    try:
        return job_tracker().queue_state()
    except StorageError:
        return None


@st.cache_data(show_spinner=False)
def configured_models() -> tuple[str, str]:
    """Display names of the configured judge and embedder (without loading them)."""
    settings = get_settings()
    return _judge_display_name(), _model_name(settings.embedder)


def remote_judge() -> bool:
    """Whether the judge is a team's inference server (``CANDID_JUDGE=http://...``), not a model in this process."""
    from models.loader import is_judge_url

    return is_judge_url(get_settings().judge)


def _judge_display_name() -> str:
    settings = get_settings()
    if remote_judge():
        from models.errors import ModelError
        from models.http_judge import judge_display_name

        try:
            return judge_display_name(settings.judge, settings.judge_model or "?")
        except ModelError:
            return settings.judge
    return _model_name(settings.judge)


@st.cache_data(show_spinner=False)
def configured_speech_model() -> str:
    """Display name of the configured speech-to-text model (without loading it)."""
    return _model_name(get_settings().speech)


def _model_name(spec: str) -> str:
    from models.registry import load_registry

    entry = load_registry().find(spec)
    return entry.name if entry is not None else Path(spec).name


def reset() -> None:
    """Forget every cached resource and stop the database workers (tests call this after replacing the loaders)."""
    while _SERVICES:
        _SERVICES.pop().close()
    _LOADED.clear()
    _LAST_ERROR.clear()
    st.cache_resource.clear()
    st.cache_data.clear()


@st.cache_data(max_entries=16, show_spinner="Reading the file…")
def read_upload(filename: str, data: bytes) -> str:
    """``read_document`` remembered per file, so reruns do not parse the same upload again.

    Raises:
        DocumentError: The file cannot be used (too large, wrong type, unreadable, no text).
    """
    from question_banks.documents import read_document

    return read_document(filename, data)


@st.cache_data(max_entries=256, show_spinner="Checking the strong answer against the rubric…")
def strong_answer_checks(bank_slug: str, bank_version: int, question_id: str) -> list[RubricCheck]:
    """The rubric points a question's strong anchor answer shows (``scoring.engine.anchor_checks``), once per
    bank version; ``[]`` when the models cannot be loaded (the answer is then shown unmarked)."""
    from scoring.engine import anchor_checks

    del bank_version  # part of the cache key: an edited bank is checked again
    try:
        embedder, checker = get_embedder(), get_checker()
    except Exception:
        return []
    return anchor_checks(get_banks().get(bank_slug), question_id, embedder, checker)
