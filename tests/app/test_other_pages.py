"""History, Question banks and the sidebar line every page shows."""

from __future__ import annotations

import pytest

from tests.app.conftest import GOOD_ANSWER, answer_current, start_interview, texts, wait_for_scoring
from ui.state import BankKeys, HistoryKeys, StartKeys

PAGES = [
    "pages/start.py",
    "pages/interview.py",
    "pages/report.py",
    "pages/history.py",
    "pages/live_scoring.py",
    "pages/question_banks.py",
]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_shows_the_models_and_the_queue_in_the_sidebar(app, page):
    app.switch_page(page).run()
    assert not app.exception
    line = texts(app.sidebar.caption)
    assert "run locally on this machine" in line
    assert "all-minilm-l6-v2" in line
    assert "Scoring queue:" in line


def test_the_sidebar_says_where_a_remote_judge_runs(fake_models, monkeypatch):
    """Issue 15: with a team's inference server as the judge, the sidebar does not claim nothing leaves the machine."""
    from streamlit.testing.v1 import AppTest

    from settings import get_settings
    from tests.app.conftest import APP
    from ui import resources

    monkeypatch.setenv("CANDID_JUDGE", "http://10.1.2.3:8000/v1")
    monkeypatch.setenv("CANDID_JUDGE_MODEL", "qwen2.5-32b-instruct")
    get_settings.cache_clear()
    resources.reset()
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    line = texts(at.sidebar.caption)
    assert "`qwen2.5-32b-instruct@10.1.2.3:8000` runs on your team's inference server" in line
    assert "nothing leaves it" not in line and "all-minilm-l6-v2" in line


def test_the_judge_servers_key_and_model_can_come_from_the_secrets(fake_models, monkeypatch):
    """Issue 15: the key of the team's judge server may be kept in the secrets file, not the environment."""
    from streamlit.testing.v1 import AppTest

    from settings import get_settings
    from tests.app.conftest import APP

    monkeypatch.delenv("CANDID_JUDGE_API_KEY", raising=False)
    monkeypatch.setenv("CANDID_JUDGE_MODEL", "from-the-environment")
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.secrets["candid"] = {"judge_api_key": "sk-from-secrets", "judge_model": "from-the-secrets"}
    at.run()
    assert not at.exception
    settings = get_settings()
    assert settings.judge_api_key == "sk-from-secrets"
    assert settings.judge_model == "from-the-environment"  # the environment wins
    assert "sk-from-secrets" not in repr(settings)
    get_settings.cache_clear()  # monkeypatch removes the variable the app set (it was absent before the test)


def test_history_is_empty_until_an_interview_is_scored(app):
    app.switch_page("pages/history.py").run()
    assert "this browser session" in texts(app.info)


def test_history_lists_interviews_and_practises_the_weakest_competency(app):
    interview_id = start_interview(app, questions=2)
    answer_current(app, interview_id, GOOD_ANSWER)
    app.button(key="interview.skip").click().run()
    wait_for_scoring(app)
    app.switch_page("pages/history.py").run()
    assert not app.exception
    table = app.dataframe[0].value
    assert list(table["Role"]) == ["Data Engineer"]
    assert "Practise your weakest competency" in texts(app.subheader)
    app.button(key=HistoryKeys.PRACTISE_WEAKEST).click().run()
    assert app.title[0].value == "Start an interview"
    chosen = app.multiselect(key=StartKeys.COMPETENCIES).value
    assert len(chosen) == 1
    assert app.selectbox(key=StartKeys.BANK).value == "data_engineer"
    assert len(set(app.dataframe[0].value["Competency"])) == 1  # the plan draws from that competency only


def test_question_banks_page_browses_competencies_questions_and_rubrics(app):
    app.switch_page("pages/question_banks.py").run()
    app.selectbox(key=BankKeys.BANK).set_value("data_engineer").run()
    assert "Pipelines and orchestration (PIPE)" in texts(app.subheader)
    assert any(expander.label.startswith("PIPE_Q1:") for expander in app.expander)
    app.selectbox(key=BankKeys.COMPETENCY).set_value("QUALITY").run()
    assert texts(app.subheader).splitlines() == ["Data quality and reliability (QUALITY)"]
    app.text_input(key=BankKeys.SEARCH).set_value("no such words anywhere xyzzy").run()
    assert not app.expander


def test_question_banks_page_shows_red_flags_with_reasons_examples_and_anchor_answers(app):
    from question_banks.loader import load_banks

    question = load_banks().get("data_engineer").question("PIPE_Q1")
    app.switch_page("pages/question_banks.py").run()
    app.selectbox(key=BankKeys.BANK).set_value("data_engineer").run()
    markdown, captions = texts(app.markdown), texts(app.caption)
    assert "Red flags" in markdown and "Anchor answers" in markdown
    for flag in question.red_flags:
        assert flag.flag in markdown and flag.reason in captions
        assert all(f"\u201c{example}\u201d" in captions for example in flag.examples)
    assert "Sounds like: " in captions
    assert question.anchor("strong").answer in captions
