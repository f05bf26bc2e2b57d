"""The Live scoring page: score with visible steps, edit and rescore, compare two answers."""

from __future__ import annotations

from tests.app.conftest import GOOD_ANSWER, texts
from ui import state
from ui.state import LiveKeys

PAGE = "pages/live_scoring.py"


def open_live(app):
    return app.switch_page(PAGE).run()


def test_scoring_a_bank_question_shows_the_steps_and_timings(app):
    open_live(app)
    app.selectbox(key=LiveKeys.BANK).set_value("data_engineer")
    app.run()
    app.selectbox(key=LiveKeys.question("data_engineer")).set_value("PIPE_Q1")
    app.text_area(key=LiveKeys.ANSWER_A).set_value(GOOD_ANSWER)
    app.button(key=LiveKeys.SCORE).click().run()
    assert not app.exception
    assert app.status, "scoring shows a status box"
    assert "/100 in" in app.status[0].label
    steps = app.dataframe[0].value
    assert list(steps["Step"]) == ["Gate", "Rubric checks", "Score", "Feedback", "Total"]
    assert list(steps["Seconds"]).count("—") == 1  # one step not timed: a dash, never "None"
    assert "written by the judge" in " ".join(steps["Outcome"])
    assert app.metric[0].label == "Answer score"
    assert [metric.label for metric in app.metric].count("Score") == 0  # the score is shown once, with its change


def test_edit_and_rescore_shows_what_changed(app):
    open_live(app)
    app.radio(key=LiveKeys.SOURCE).set_value("typed").run()
    app.text_input(key=LiveKeys.QUESTION_TEXT).set_value("How do you keep a data pipeline reliable?")
    app.text_area(key=LiveKeys.RUBRIC).set_value(
        "Mentions automated data quality tests\nDescribes monitoring and alerting on freshness\n"
        "Explains how incidents are handled and learned from"
    )
    app.toggle(key=LiveKeys.FEEDBACK).set_value(False)
    app.text_area(key=LiveKeys.ANSWER_A).set_value("I write good code and talk to people.")
    app.button(key=LiveKeys.SCORE).click().run()
    first = app.session_state[state.LIVE_RESULTS]["a"][-1]
    assert not app.metric[0].delta  # nothing to compare with yet

    app.text_area(key=LiveKeys.ANSWER_A).set_value(
        "We run automated data quality tests in dbt on every load. Monitoring alerts on freshness when a table "
        "is late. Incidents are handled with a runbook and we hold a review to learn from each one."
    )
    app.button(key=LiveKeys.SCORE).click().run()
    second = app.session_state[state.LIVE_RESULTS]["a"][-1]
    assert not app.exception
    delta = second.score - first.score
    assert delta != 0
    assert app.metric[0].delta == f"{delta:+d}" or str(delta) in str(app.metric[0].delta)
    assert "missing → met" in texts(app.markdown) or "missing → not clearly shown" in texts(app.markdown)
    flag_lines = [text for text in texts(app.caption).splitlines() if text.startswith(("New flag:", "Flag gone:"))]
    assert flag_lines, "the short first answer carries a flag the second does not"
    assert all("_" not in line for line in flag_lines), flag_lines  # flags in words, never internal names


def test_two_answers_side_by_side(app):
    open_live(app)
    app.selectbox(key=LiveKeys.BANK).set_value("data_engineer")
    app.toggle(key=LiveKeys.COMPARE).set_value(True)
    app.run()
    app.text_area(key=LiveKeys.ANSWER_A).set_value(GOOD_ANSWER)
    app.text_area(key=LiveKeys.ANSWER_B).set_value("I am not sure, I have not done this.")
    app.button(key=LiveKeys.SCORE).click().run()
    assert not app.exception
    assert [metric.label for metric in app.metric if metric.label.endswith("score")] == [
        "Answer A score",
        "Answer B score",
    ]
    results = app.session_state[state.LIVE_RESULTS]
    assert set(results) == {"a", "b"}


def test_a_typed_question_needs_rubric_points_or_a_reference(app):
    open_live(app)
    app.radio(key=LiveKeys.SOURCE).set_value("typed").run()
    app.text_input(key=LiveKeys.QUESTION_TEXT).set_value("What is a join?")
    app.text_area(key=LiveKeys.ANSWER_A).set_value("It combines rows of two tables on a key.")
    app.button(key=LiveKeys.SCORE).click().run()
    assert "Give at least one rubric point or a reference answer." in texts(app.warning)
    app.text_area(key=LiveKeys.REFERENCE).set_value("A join combines rows from two tables based on a related column.")
    app.button(key=LiveKeys.SCORE).click().run()
    assert not app.exception
    assert app.metric[0].label == "Answer score"


def test_graded_example_answers_steer_a_reference_answer_score(app):
    open_live(app)
    app.radio(key=LiveKeys.SOURCE).set_value("typed").run()
    app.text_input(key=LiveKeys.QUESTION_TEXT).set_value("How did you separate the salt from the water?")
    app.text_area(key=LiveKeys.REFERENCE).set_value("The water was evaporated, leaving the salt.")
    app.toggle(key=LiveKeys.FEEDBACK).set_value(False)
    app.text_area(key=LiveKeys.ANSWER_A).set_value("The salt and the water were poured through a filter.")
    app.button(key=LiveKeys.SCORE).click().run()
    plain = app.session_state[state.LIVE_RESULTS]["a"][-1]

    app.text_area(key=LiveKeys.EXAMPLES).set_value("Pour it through a filter")  # no + or -
    app.button(key=LiveKeys.SCORE).click().run()
    assert "Start each graded example with + (correct) or - (incorrect)" in texts(app.warning)

    app.text_area(key=LiveKeys.EXAMPLES).set_value(
        "+ Boil it until the water is gone and the salt stays.\n- The salt and water were poured through a filter."
    )
    app.button(key=LiveKeys.SCORE).click().run()
    assert not app.exception
    graded = app.session_state[state.LIVE_RESULTS]["a"][-1]
    assert 0 < graded.score < plain.score  # it is close to the answer graded incorrect
