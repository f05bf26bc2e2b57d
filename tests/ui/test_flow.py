"""ui.interview, ui.compare and ui.live without Streamlit: the flow, history and rescoring logic."""

from __future__ import annotations

import pytest

from jobs.live_queue import LiveScoringQueue
from question_banks.loader import load_banks
from question_banks.plans import build_plan
from scoring.follow_up import follow_up_id
from scoring.types import AnswerAssessment, Flag, RubricCheck, RubricStatus, Timings
from tests.fakes import FakeEmbedder, FakeJudge
from ui import interview, live
from ui.compare import compare_assessments
from ui.state import AnswerRecord, AnswerStatus, Mode, SessionInterviewStore


@pytest.fixture(scope="module")
def banks():
    return load_banks()


@pytest.fixture
def worker():
    return LiveScoringQueue(FakeJudge(), FakeEmbedder())


def new_interview(banks, mode=Mode.INTERVIEW, count=2, limit=None):
    plan = build_plan(banks.get("data_engineer"), num_questions=count, seed=1, time_limit_s=limit)
    return interview.start_interview(banks, plan, mode)


def test_submit_skip_back_and_collect(banks, worker):
    record = new_interview(banks, count=3)
    first, second, third = record.question_ids
    interview.submit_answer(banks, record, "I built the pipeline with Airflow.", worker)
    assert record.position == 1
    interview.submit_answer(banks, record, "ignored", worker, skipped=True)
    assert record.answers[second].text == ""
    interview.go_back(record)
    assert record.position == 1
    assert record.drafts[second] == ""
    interview.submit_answer(banks, record, "Now an answer.", worker)
    interview.submit_answer(banks, record, "Last one.", worker)
    assert record.done
    assert worker.wait_idle(30)
    assert interview.refresh(record, worker)
    assert all(answer.status is AnswerStatus.SCORED for answer in record.answers.values())
    assert [a.id for a in interview.assessments(record)] == [first, second, third]
    assert record.finished_at is not None
    assert interview.interview_summary(record).total_questions == 3


def test_practice_mode_reviews_each_answer_but_not_skips(banks, worker):
    record = new_interview(banks, mode=Mode.PRACTICE)
    interview.submit_answer(banks, record, "An answer.", worker)
    assert record.reviewing == record.question_ids[0]
    interview.leave_review(record)
    interview.submit_answer(banks, record, "", worker, skipped=True)
    assert record.reviewing is None


def test_without_a_worker_the_answer_is_kept_with_the_reason(banks):
    record = new_interview(banks)
    answer = interview.submit_answer(banks, record, "Kept text.", None, unavailable="Not scored: no model.")
    assert answer.text == "Kept text."
    assert answer.status is AnswerStatus.FAILED
    assert answer.error == "Not scored: no model."


def test_a_job_the_worker_does_not_know_is_reported_interrupted(banks, worker):
    record = new_interview(banks)
    answer = interview.submit_answer(banks, record, "Text.", worker)
    answer.job_id = "job-from-another-process"
    interview.refresh(record, worker)
    assert answer.error == interview.INTERRUPTED


def test_the_requests_carry_the_rubric_and_the_job(banks):
    plan = build_plan(
        banks.get("data_engineer"),
        num_questions=1,
        job_description="Requirements: experience with Airflow and dbt is required.",
        embedder=FakeEmbedder(),
    )
    record = interview.start_interview(banks, plan, Mode.INTERVIEW)
    request = interview.scoring_request(banks, record, plan.question_ids[0], "answer")
    question = banks.question("data_engineer", plan.question_ids[0])
    assert request.rubric == list(question.rubric)
    assert request.job_requirements == list(plan.requirements)
    assert request.rubric_version == "data_engineer@v" + str(banks.get("data_engineer").version)


def test_time_left(banks):
    record = new_interview(banks, limit=60)
    question = record.question_ids[0]
    assert interview.remaining_seconds(record, question, 100.0) is None
    interview.mark_shown(record, question, 100.0)
    interview.mark_shown(record, question, 150.0)  # going back does not restart the clock
    assert interview.remaining_seconds(record, question, 130.0) == 30.0
    assert interview.remaining_seconds(record, question, 500.0) == 0.0


def assessment(score, code="PIPE", statuses=(RubricStatus.MISSING,), flags=()):
    checks = [
        RubricCheck(point=f"point {n}", status=status, confidence=1, coverage=0.5, similarity=0.5)
        for n, status in enumerate(statuses)
    ]
    return AnswerAssessment(
        id=f"{code}_Q1", question="q", answer="a", competency=code, score=score, rubric=checks, flags=list(flags)
    )


def test_weakest_competency_over_the_history(banks):
    store = SessionInterviewStore({})
    for scores in ([80, 20], [70, 40]):
        record = new_interview(banks)
        for question_id, score in zip(record.question_ids, scores, strict=True):
            answer = interview.submit_answer(banks, record, "x", None)
            answer.assessment = assessment(score, code=question_id.split("_")[0])
            answer.error = None
        store.save(record)
    weakest = interview.weakest_competency(store.list())
    second_code = store.list()[0].question_ids[1].split("_")[0]
    assert (weakest.bank_slug, weakest.code, weakest.average) == ("data_engineer", second_code, 30.0)
    assert len(interview.competency_results(store.list())) == 4


def test_compare_assessments():
    before = assessment(40, statuses=(RubricStatus.MISSING, RubricStatus.MET), flags=(Flag.TOO_SHORT,))
    after = assessment(65, statuses=(RubricStatus.MET, RubricStatus.MET))
    change = compare_assessments(before, after)
    assert change.score_delta == 25
    assert [(f.point, f.before, f.after, f.improved) for f in change.flipped] == [
        ("point 0", RubricStatus.MISSING, RubricStatus.MET, True)
    ]
    assert change.removed_flags == ["too_short"]
    assert compare_assessments(after, after).unchanged


def test_typed_question_requests():
    request = live.typed_question_request("Q?", "- first\n* second\n\nfirst\n", "", "answer")
    assert [p.point for p in request.rubric] == ["first", "second"]
    request = live.typed_question_request("Q?", "", "The reference.", "answer")
    assert request.reference_answers == ["The reference."]
    with pytest.raises(ValueError, match="Type the question"):
        live.typed_question_request(" ", "x", "", "answer")


def test_typed_graded_examples_go_with_a_reference_answer_only():
    examples = "+ Boil the water off.\n\n- Filter it.\n\u2212 Sieve it."
    request = live.typed_question_request("Q?", "", "The reference.", "answer", examples)
    assert [(e.answer, e.correct) for e in request.examples] == [
        ("Boil the water off.", True),
        ("Filter it.", False),
        ("Sieve it.", False),
    ]
    assert live.typed_question_request("Q?", "a point", "", "answer", examples).examples == []
    many = "\n".join(f"+ Answer number {n}." for n in range(15))
    capped = live.typed_question_request("Q?", "", "The reference.", "answer", many).examples
    assert [e.answer for e in capped] == [f"Answer number {n}." for n in range(10)]  # as the model was fitted
    with pytest.raises(ValueError, match=r"\+ \(correct\)"):
        live.typed_question_request("Q?", "", "The reference.", "answer", "Boil it.")
    with pytest.raises(ValueError):
        live.parse_graded_examples("+   ")


def test_scoring_steps_list_timings():
    item = assessment(50).model_copy(update={"timings": Timings(gate=0.1, rubric=1.0, feedback=2.0, total=3.1)})
    steps = live.scoring_steps(item)
    assert [step.name for step in steps] == ["Gate", "Rubric checks", "Score", "Feedback", "Total"]
    assert steps[1].outcome == "0 met, 0 partly, 1 missing"
    assert steps[3].outcome == "built from the rubric check"


def test_trying_a_question_again_keeps_the_earlier_answer_and_restarts_its_timer(banks, worker):
    record = new_interview(banks, mode=Mode.PRACTICE, limit=60)
    first = record.question_ids[0]
    interview.mark_shown(record, first, 100.0)
    interview.submit_answer(banks, record, "I built the pipeline with Airflow.", worker)
    assert worker.wait_idle(30) and interview.refresh(record, worker)
    assert interview.previous_assessment(record, first) is None
    interview.try_again(record, first)
    assert (record.position, record.reviewing, record.drafts[first]) == (0, None, "I built the pipeline with Airflow.")
    assert first not in record.question_shown_at  # the time limit starts again
    interview.submit_answer(banks, record, "I built it with Airflow and dbt, 50M rows a day.", worker)
    assert record.position == 1 and record.reviewing == first
    assert worker.wait_idle(30) and interview.refresh(record, worker)
    attempt, before = interview.previous_assessment(record, first)
    assert attempt == 2 and before.answer == "I built the pipeline with Airflow."
    assert record.answers[first].text.endswith("50M rows a day.")


def test_only_an_answered_practice_question_can_be_tried_again(banks):
    practice, exam = new_interview(banks, mode=Mode.PRACTICE), new_interview(banks)
    with pytest.raises(ValueError):
        interview.try_again(practice, practice.question_ids[0])  # not answered yet
    exam.answers[exam.question_ids[0]] = AnswerRecord(question_id=exam.question_ids[0], text="An answer.")
    with pytest.raises(ValueError):
        interview.try_again(exam, exam.question_ids[0])  # interview mode: no second tries


def test_a_follow_up_is_asked_on_a_missed_point_and_scored_with_the_first_answer(banks, worker):
    record = new_interview(banks, mode=Mode.INTERVIEW)
    record.plan = record.plan.model_copy(update={"follow_ups": True})
    first = record.question_ids[0]
    answer = "I set up monitoring for the orders data the analysts depended on, and we decided to alert on freshness."
    interview.submit_answer(banks, record, answer, worker)
    assert record.following_up == first and record.position == 1
    assert interview.due_follow_up(record, first) is None  # not scored yet
    assert worker.wait_idle(30) and interview.refresh(record, worker)
    due = interview.due_follow_up(record, first)
    assert due is not None and due[0].startswith("Can you ") and due[0].endswith("?")
    assert due[1] in [c.point for c in record.answers[first].assessment.rubric]
    interview.submit_follow_up(banks, record, first, "We alerted on freshness over 30 minutes.", worker)
    assert record.following_up is None and interview.pending(record)  # the follow-up is being scored
    assert interview.due_follow_up(record, first) is None  # one follow-up per question
    assert worker.wait_idle(30) and interview.refresh(record, worker)
    combined = interview.question_assessment(record, first)
    assert combined is not None and combined.id == first
    assert combined.answer.endswith("\n\nWe alerted on freshness over 30 minutes.")
    assert interview.assessments(record)[0] == combined


def test_no_follow_up_without_the_setting_or_for_a_skipped_answer(banks, worker):
    plain = new_interview(banks)
    interview.submit_answer(banks, plain, "I built the pipeline with Airflow.", worker)
    assert plain.following_up is None
    with_follow_ups = new_interview(banks)
    with_follow_ups.plan = with_follow_ups.plan.model_copy(update={"follow_ups": True})
    interview.submit_answer(banks, with_follow_ups, "", worker, skipped=True)
    assert with_follow_ups.following_up is None
    assert worker.wait_idle(30) and interview.refresh(with_follow_ups, worker)
    assert interview.due_follow_up(with_follow_ups, with_follow_ups.question_ids[0]) is None


def test_trying_again_leaves_the_old_follow_up_with_the_old_answer(banks, worker):
    """A new user saw the first attempt's follow-up compared with the second attempt."""
    record = new_interview(banks, mode=Mode.PRACTICE)
    record.plan = record.plan.model_copy(update={"follow_ups": True})
    first = record.question_ids[0]
    answer = "I set up monitoring for the orders data the analysts depended on, and we decided to alert on freshness."
    interview.submit_answer(banks, record, answer, worker)
    assert worker.wait_idle(30) and interview.refresh(record, worker)
    interview.submit_follow_up(banks, record, first, "We alerted in Slack after 30 minutes.", worker)
    assert worker.wait_idle(30) and interview.refresh(record, worker)
    assert interview.question_assessment(record, first).follow_up
    interview.try_again(record, first)
    interview.submit_answer(banks, record, answer + " We also tracked row counts per load.", worker)
    assert follow_up_id(first) not in record.answers and len(record.attempts[follow_up_id(first)]) == 1
    assert worker.wait_idle(30) and interview.refresh(record, worker)
    assert interview.question_assessment(record, first).follow_up is None  # the new answer alone, for now
    assert interview.due_follow_up(record, first) is not None  # and it gets its own follow-up
