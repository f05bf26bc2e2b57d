"""A whole interview through the app with fake models: start, answer, skip, back, time limit, report."""

from __future__ import annotations

import pytest

from models.errors import ModelNotInstalledError
from reports.render import ReportFormat
from scoring.follow_up import follow_up_id
from scoring.types import RubricStatus
from tests.app.conftest import (
    GOOD_ANSWER,
    BrokenJudge,
    answer_current,
    interview_record,
    progress_texts,
    start_interview,
    texts,
    wait_for_scoring,
)
from ui import interview, resources, state
from ui.state import AnswerStatus, InterviewKeys


def test_two_question_interview_through_to_the_report(app):
    interview_id = start_interview(app, questions=2, mode="interview")
    assert "Question 1 of 2" in progress_texts(app)
    answer_current(app, interview_id, GOOD_ANSWER)
    record = interview_record(app, interview_id)
    first = record.question_ids[0]
    assert record.answers[first].text == GOOD_ANSWER  # saved the moment it was submitted
    assert record.answers[first].job_id is not None

    answer_current(app, interview_id, "I would talk to the analysts first and agree on the freshness they need.")
    assert not app.exception
    assert app.title[0].value == "Report: Data Engineer"  # interview mode goes straight to the report

    wait_for_scoring(app)
    metrics = {metric.label: metric.value for metric in app.metric}
    assert set(metrics) >= {"Average", "Highest", "Lowest", "Answered"}
    assert metrics["Answered"] == "2 of 2"
    questions = [expander for expander in app.expander if expander.label.startswith("Question")]
    assert len(questions) == 2
    assert all("/100" in expander.label for expander in questions)
    for fmt in ReportFormat:
        assert app.download_button(key=state.download_key(fmt.value))  # every export format is offered
    assert [button.label for button in app.download_button] == ["Text", "Markdown", "JSON", "CSV", "PDF"]
    assert "Strengths" in texts(app.markdown)
    assert "Rubric checklist" in texts(app.markdown)
    assert "it names the tools, the volume and the freshness" in texts(app.markdown)  # the judge's justification


def test_practice_mode_shows_feedback_after_each_answer(app):
    interview_id = start_interview(app, questions=2, mode="practice")
    answer_current(app, interview_id, GOOD_ANSWER)
    assert "Feedback on question 1 of 2" in texts(app.subheader)
    wait_for_scoring(app)
    assert "it names the tools, the volume and the freshness" in texts(app.markdown)
    assert any(metric.label == "Score" for metric in app.metric)
    app.button(key=InterviewKeys.NEXT).click().run()
    record = interview_record(app, interview_id)
    assert record.reviewing is None
    assert app.text_area(key=state.answer_key(interview_id, record.question_ids[1]))
    answer_current(app, interview_id, "Another answer about agreeing freshness targets with the analysts.")
    wait_for_scoring(app)  # as for the first answer: under a loaded CI machine the worker may not be done yet
    app.button(key=InterviewKeys.NEXT).click().run()  # "See the report"
    assert app.title[0].value == "Report: Data Engineer"


def test_practice_mode_can_try_a_question_again_and_shows_what_changed(app):
    """Issue 14: a second try keeps both attempts; the feedback and the report show the score change."""
    interview_id = start_interview(app, questions=2, mode="practice")
    first = interview_record(app, interview_id).question_ids[0]
    answer_current(app, interview_id, "I built a pipeline with Airflow.")
    wait_for_scoring(app)
    before = interview_record(app, interview_id).answers[first].assessment
    app.button(key=InterviewKeys.TRY_AGAIN).click().run()
    assert app.text_area(key=state.answer_key(interview_id, first)).value == "I built a pipeline with Airflow."
    answer_current(app, interview_id, GOOD_ANSWER)
    assert "Feedback on question 1 of 2" in texts(app.subheader)
    wait_for_scoring(app)
    record = interview_record(app, interview_id)  # rebuilt from the database: both answers are there
    after = record.answers[first].assessment
    assert [a.text for a in record.attempts[first]] == ["I built a pipeline with Airflow."]
    assert after is not None and before is not None and after.answer == GOOD_ANSWER
    change = f"{after.score - before.score:+d}" if after.score != before.score else "no change"
    assert f"Attempt 2: {after.score}/100, {change} on the previous attempt ({before.score}/100)." in texts(app.info)
    app.button(key=InterviewKeys.NEXT).click().run()
    assert app.text_area(key=state.answer_key(interview_id, record.question_ids[1]))  # on to the next question
    app.switch_page("pages/report.py").run()
    assert any("attempt 2" in expander.label for expander in app.expander)
    assert "on the previous attempt" in texts(app.info)


def test_interview_mode_asks_a_follow_up_on_a_missed_point_and_the_report_shows_both(app):
    """Issue 14: the follow-up targets the most important missed point; both answers are scored together."""
    interview_id = start_interview(app, questions=1, follow_ups=True)
    first = interview_record(app, interview_id).question_ids[0]
    answer_current(app, interview_id, GOOD_ANSWER)
    assert "Follow-up on question 1 of 1" in texts(app.subheader)
    wait_for_scoring(app)
    record = interview_record(app, interview_id)
    missed = [c.point for c in record.answers[first].assessment.rubric if c.status is not RubricStatus.MET]
    assert missed, "the fake scorer leaves a point missed"
    follow_up = next(m.value for m in app.markdown if m.value.startswith("**Follow-up:**"))
    assert follow_up.endswith("?")
    app.text_area(key=state.follow_up_key(interview_id, first)).set_value("We paged the on-call engineer in Slack.")
    app.button(key=InterviewKeys.FOLLOW_UP_SUBMIT).click().run()
    assert app.title[0].value == "Report: Data Engineer"  # the last question's follow-up leads to the report
    wait_for_scoring(app)
    app.run()
    record = interview_record(app, interview_id)
    combined = record.answers[follow_up_id(first)]
    assert combined.text == GOOD_ANSWER + "\n\nWe paged the on-call engineer in Slack."
    assert any("with a follow-up" in expander.label for expander in app.expander)
    shown = texts(app.markdown)
    assert "**Follow-up asked:**" in shown and "With the follow-up:" in texts(app.info)
    assert "We paged the on-call engineer in Slack." in texts(app.text)


def test_practice_mode_asks_the_follow_up_under_the_feedback_and_it_can_be_skipped(app):
    interview_id = start_interview(app, questions=2, mode="practice", follow_ups=True)
    first = interview_record(app, interview_id).question_ids[0]
    answer_current(app, interview_id, GOOD_ANSWER)
    wait_for_scoring(app)
    assert any(m.value.startswith("**Follow-up:**") for m in app.markdown)
    app.button(key=InterviewKeys.NEXT).click().run()  # going on skips the follow-up
    record = interview_record(app, interview_id)
    assert follow_up_id(first) not in record.answers
    assert app.text_area(key=state.answer_key(interview_id, record.question_ids[1]))


def test_a_second_try_does_not_inherit_the_first_tries_follow_up_from_the_database(app):
    interview_id = start_interview(app, questions=2, mode="practice", follow_ups=True)
    first = interview_record(app, interview_id).question_ids[0]
    answer_current(app, interview_id, GOOD_ANSWER)
    wait_for_scoring(app)
    app.text_area(key=state.follow_up_key(interview_id, first)).set_value("We paged the on-call engineer in Slack.")
    app.button(key=InterviewKeys.FOLLOW_UP_SUBMIT).click().run()
    wait_for_scoring(app)
    app.button(key=InterviewKeys.TRY_AGAIN).click().run()
    answer_current(app, interview_id, GOOD_ANSWER + " We also checked row counts after every load.")
    wait_for_scoring(app)
    record = interview_record(app, interview_id)  # rebuilt from the database rows
    assert follow_up_id(first) not in record.answers
    earlier_follow_up = record.attempts[follow_up_id(first)][0]
    assert earlier_follow_up.text.endswith("We paged the on-call engineer in Slack.")
    assert interview.question_assessment(record, first).answer.endswith("checked row counts after every load.")
    assert any(m.value.startswith("**Follow-up:**") for m in app.markdown)  # the new answer's own follow-up


def test_practice_mode_scores_a_failed_answer_again_from_its_feedback(app, fake_models, monkeypatch):
    monkeypatch.setattr(resources, "load_judge_model", lambda: BrokenJudge())
    resources.reset()
    interview_id = start_interview(app, questions=2, mode="practice")
    answer_current(app, interview_id, GOOD_ANSWER)
    wait_for_scoring(app)
    first = interview_record(app, interview_id).question_ids[0]
    assert interview_record(app, interview_id).answers[first].status is AnswerStatus.FAILED
    assert app.button(key=InterviewKeys.RETRY).label == "Score it again"

    monkeypatch.setattr(resources, "load_judge_model", lambda: fake_models)
    resources.reset()
    app.button(key=InterviewKeys.RETRY).click().run()
    wait_for_scoring(app)
    record = interview_record(app, interview_id)
    assert record.answers[first].status is AnswerStatus.SCORED
    assert record.answers[first].text == GOOD_ANSWER  # the same saved answer, scored this time
    assert not app.exception


def test_skip_and_back_keep_the_typed_text(app):
    interview_id = start_interview(app, questions=3)
    record = interview_record(app, interview_id)
    first, second = record.question_ids[:2]
    answer_current(app, interview_id, GOOD_ANSWER)
    app.text_area(key=state.answer_key(interview_id, second)).set_value("A draft I have not submitted")
    app.button(key=InterviewKeys.BACK).click().run()
    assert app.text_area(key=state.answer_key(interview_id, first)).value == GOOD_ANSWER
    app.button(key=InterviewKeys.SUBMIT).click().run()  # resubmit the first answer unchanged
    assert app.text_area(key=state.answer_key(interview_id, second)).value == "A draft I have not submitted"
    app.button(key=InterviewKeys.SKIP).click().run()
    record = interview_record(app, interview_id)
    assert record.answers[second].skipped
    assert record.position == 2


def test_submitting_an_empty_answer_asks_for_text(app):
    interview_id = start_interview(app, questions=2)
    app.button(key=InterviewKeys.SUBMIT).click().run()
    assert "Write an answer first" in texts(app.warning)
    assert interview_record(app, interview_id).position == 0


def test_timer_running_out_submits_the_answer(app, monkeypatch):
    clock = [1_000_000.0]
    monkeypatch.setattr(interview, "now", lambda: clock[0])
    interview_id = start_interview(app, questions=2, time_limit=60)
    record = interview_record(app, interview_id)
    first = record.question_ids[0]
    assert "1:00 left for this question" in progress_texts(app)
    app.text_area(key=state.answer_key(interview_id, first)).set_value("What I had typed when time ran out.")
    clock[0] += 61
    app.run()
    record = interview_record(app, interview_id)
    assert record.answers[first].auto_submitted
    assert record.answers[first].text == "What I had typed when time ran out."
    assert record.position == 1


def test_missing_model_shows_the_install_command_and_keeps_the_answer(app, monkeypatch):
    def missing():
        raise ModelNotInstalledError("smollm2-135m-instruct", "/nowhere")

    monkeypatch.setattr(resources, "load_judge_model", missing)
    interview_id = start_interview(app, questions=2, mode="practice")
    answer_current(app, interview_id, GOOD_ANSWER)
    record = interview_record(app, interview_id)
    answer = record.answers[record.question_ids[0]]
    assert answer.text == GOOD_ANSWER  # saved in the database, queued for whichever worker has the models
    assert answer.status is AnswerStatus.SCORING
    assert "could not be loaded" in texts(app.warning)
    assert "Waiting to be scored (0 answers ahead)" in progress_texts(app)  # the queue position
    assert resources.loaded_live_queue() is None  # never a fake model behind the user's back


@pytest.mark.parametrize("page", ["pages/interview.py", "pages/report.py"])
def test_empty_states_say_what_to_do(app, page):
    app.switch_page(page).run()
    assert "Start" in texts(app.info)
