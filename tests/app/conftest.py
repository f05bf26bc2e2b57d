"""AppTest fixtures: the app with fake models behind ``ui.resources``'s loader hook and a temporary SQLite database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from question_banks.loader import load_banks
from settings import get_settings
from tests.fakes import FakeChecker, FakeEmbedder, FakeJudge, FakeTranscriber
from ui import resources, state
from ui.dbstore import DatabaseInterviewStore

APP = Path(__file__).resolve().parents[2] / "app.py"
FEEDBACK = "JUSTIFICATION:\nThe answer scores well because it names the tools, the volume and the freshness."
GOOD_ANSWER = (
    "I built a pipeline that ingested order events from Postgres into Snowflake with Airflow and dbt. "
    "We chose CDC over nightly dumps because the tables were too large. Incremental loads used an updated_at "
    "watermark with a lookback for late data. It moved 50M rows a day and data was under 30 minutes old. "
    "The orchestration setup used Airflow as the tool at a scale of 400 jobs a day."
)


class BrokenJudge(FakeJudge):
    """A fake judge that fails every call, as a judge out of memory does: scoring fails, the answer stays saved."""

    def option_probabilities(self, messages, options):
        raise RuntimeError("the judge ran out of memory")

    def generate(self, messages, max_new_tokens=256):
        raise RuntimeError("the judge ran out of memory")


@pytest.fixture
def fake_judge() -> FakeJudge:
    return FakeJudge(FEEDBACK)


@pytest.fixture
def database_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """A fresh SQLite file as ``DATABASE_URL`` and a fresh data dir (the settings are read again)."""
    url = f"sqlite:///{tmp_path / 'candid.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("CANDID_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


@pytest.fixture
def fake_transcriber() -> FakeTranscriber:
    return FakeTranscriber()


@pytest.fixture
def fake_models(
    monkeypatch: pytest.MonkeyPatch, fake_judge: FakeJudge, fake_transcriber: FakeTranscriber, database_url: str
) -> Iterator[FakeJudge]:
    """Replace the model loaders (the documented test hook) and start from empty caches and an empty database."""
    embedder = FakeEmbedder()
    monkeypatch.setattr(resources, "load_judge_model", lambda: fake_judge)
    monkeypatch.setattr(resources, "load_embedder_model", lambda: embedder)
    monkeypatch.setattr(resources, "load_checker_model", FakeChecker)
    monkeypatch.setattr(resources, "load_transcriber_model", lambda: fake_transcriber)
    monkeypatch.setattr(resources, "check_speech_model", lambda: None)
    resources.reset()
    yield fake_judge
    worker = resources.loaded_live_queue()
    if worker is not None:
        worker.wait_idle(30)
    if resources.is_loaded("scoring"):
        resources.job_tracker().wait_idle(30)
    resources.reset()


@pytest.fixture
def app(fake_models: FakeJudge) -> AppTest:
    """The whole app (``app.py`` and its navigation), first run done, on the Start page."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state[state.PLAN_SEED] = 7  # the same questions every time
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def wait_for_scoring(at: AppTest) -> AppTest:
    """Let the background worker finish, then draw the page again (a fragment's timer would do it live)."""
    assert resources.is_loaded("scoring"), "the scoring worker was never started"
    assert resources.job_tracker().wait_idle(30)
    return at.run()


def start_interview(
    at: AppTest,
    *,
    bank: str = "data_engineer",
    questions: int = 2,
    mode: str = "interview",
    time_limit: int = 0,
    competencies: tuple[str, ...] = ("PIPE",),
    follow_ups: bool = False,
) -> str:
    """Fill in the Start page and start; returns the new interview's id.

    The default competency is the one ``GOOD_ANSWER`` speaks to, so the gate lets it through to the judge.
    """
    at.selectbox(key=state.StartKeys.BANK).set_value(bank)
    at.run()
    at.multiselect(key=state.StartKeys.COMPETENCIES).set_value(list(competencies))
    at.number_input(key=state.StartKeys.NUM_QUESTIONS).set_value(questions)
    at.radio(key=state.StartKeys.MODE).set_value(mode)
    at.selectbox(key=state.StartKeys.TIME_LIMIT).set_value(time_limit)
    at.toggle(key=state.StartKeys.FOLLOW_UPS).set_value(follow_ups)
    at.run()
    at.button(key=state.StartKeys.BEGIN).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at.session_state[state.ACTIVE_INTERVIEW]


def session_store(at: AppTest) -> DatabaseInterviewStore:
    """The interview store as the app's session sees it (its interviews, answers from the database)."""
    return DatabaseInterviewStore(
        resources.get_repository(), load_banks(), {state.INTERVIEWS: at.session_state[state.INTERVIEWS]}
    )


def interview_record(at: AppTest, interview_id: str) -> state.InterviewRecord:
    """The stored record of an interview: the session's place in it, answers and scores from the database."""
    record = session_store(at).get(interview_id)
    assert record is not None, f"interview {interview_id} is not this session's"
    return record


def answer_current(at: AppTest, interview_id: str, text: str) -> AppTest:
    """Type ``text`` into the question on screen and submit it."""
    record = interview_record(at, interview_id)
    question_id = record.question_ids[record.position]
    at.text_area(key=state.answer_key(interview_id, question_id)).set_value(text)
    return at.button(key=state.InterviewKeys.SUBMIT).click().run()


def texts(elements: object) -> str:
    """Every value of an element list joined, for ``in`` checks."""
    return "\n".join(str(element.value) for element in elements)


def progress_texts(at: AppTest) -> str:
    """The texts of every progress bar on the page, joined."""
    return "\n".join(element.proto.text for element in at.get("progress"))
