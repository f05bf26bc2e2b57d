"""The Report page: progress while answers are scored, inert answer text, retry after a failure."""

from __future__ import annotations

import threading

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
from tests.fakes import FakeJudge
from ui import resources
from ui.state import AnswerStatus, ReportKeys

HOSTILE = (
    "I used <script>alert('x')</script> and **bold** claims with a [link](http://evil.example) "
    "and :red[colour] and $x^2$ maths.\n# Not a heading"
)


class GatedJudge(FakeJudge):
    """A fake judge that holds every rubric check until ``release`` is set (answers stay 'being scored')."""

    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.release = threading.Event()

    def option_probabilities(self, messages, options):
        assert self.release.wait(30)
        return super().option_probabilities(messages, options)

    def generate(self, messages, max_new_tokens=256):  # the feedback: rubric checks run on the checker
        assert self.release.wait(30)
        yield from super().generate(messages, max_new_tokens)


def test_answers_being_scored_show_progress_not_a_blank(app, fake_models, monkeypatch):
    gated = GatedJudge(fake_models.reply)
    monkeypatch.setattr(resources, "load_judge_model", lambda: gated)
    resources.reset()
    interview_id = start_interview(app, questions=2)
    answer_current(app, interview_id, GOOD_ANSWER)
    answer_current(app, interview_id, "Second answer about dbt tests and freshness alerts.")
    assert app.title[0].value == "Report: Data Engineer"
    assert "Scoring answers: 0 of 2 done" in progress_texts(app)
    assert all("scoring…" in expander.label for expander in app.expander if expander.label.startswith("Question"))
    assert "Downloads appear once an answer has been scored." in texts(app.caption)
    gated.release.set()
    wait_for_scoring(app)
    assert "Scoring answers" not in progress_texts(app)
    assert len(app.get("download_button")) == 5


def test_answer_text_is_shown_inert(app):
    interview_id = start_interview(app, questions=2)
    answer_current(app, interview_id, HOSTILE)
    app.button(key="interview.skip").click().run()
    wait_for_scoring(app)
    markdown = texts(app.markdown)
    assert "<script>" not in markdown
    assert "&lt;script&gt;" in markdown
    assert "\\*\\*bold\\*\\*" in markdown
    assert "\\[link\\]" in markdown
    assert ":red[" not in markdown
    assert "\\$x^2\\$" in markdown
    assert not any(line.lstrip().startswith("#") for line in markdown.splitlines())
    assert all(not element.proto.allow_html for element in app.markdown if "script" in element.value)


def test_a_failed_scoring_keeps_the_answer_and_can_be_retried(app, fake_models, monkeypatch):
    monkeypatch.setattr(resources, "load_judge_model", lambda: BrokenJudge())
    resources.reset()
    interview_id = start_interview(app, questions=2)
    answer_current(app, interview_id, GOOD_ANSWER)
    app.button(key="interview.skip").click().run()
    wait_for_scoring(app)
    record = interview_record(app, interview_id)
    first = record.question_ids[0]
    assert record.answers[first].status is AnswerStatus.FAILED
    assert "the judge ran out of memory" in texts(app.error)
    assert GOOD_ANSWER in texts(app.text)  # the typed answer is still there
    assert any("not scored" in expander.label for expander in app.expander)
    assert resources.loaded_live_queue().alive  # the failure did not kill the worker

    monkeypatch.setattr(resources, "load_judge_model", lambda: fake_models)
    resources.reset()
    app.button(key=f"{ReportKeys.RETRY}.{first}").click().run()
    wait_for_scoring(app)
    assert interview_record(app, interview_id).answers[first].status is AnswerStatus.SCORED


def test_a_scored_answer_offers_the_banks_strong_answer_to_compare(app, fake_models):
    from question_banks.loader import load_banks

    interview_id = start_interview(app, questions=1)
    answer_current(app, interview_id, GOOD_ANSWER)
    wait_for_scoring(app)
    app.switch_page("pages/report.py").run()
    question_id = interview_record(app, interview_id).question_ids[0]
    strong = load_banks().get("data_engineer").question(question_id).anchor("strong").answer
    assert any(expander.label.endswith("A strong answer to compare") for expander in app.expander)
    assert strong in texts(app.text)
    rubric = load_banks().get("data_engineer").question(question_id).rubric
    marked = [m.value for m in app.markdown if m.value[:1] in "✅🟡⬜❌"]
    assert "**The rubric points it shows**" in texts(app.markdown)
    assert len(marked) == len(rubric) and marked[0][2:].startswith(rubric[0].point.split(",")[0][:30])
    assert all(("“" in line) is (not line.startswith("⬜")) for line in marked)  # shown points quote a sentence


def test_the_competency_chart_shows_every_name_in_full(app, fake_models):
    """Issue 16: long competency names were cut off on the bar chart's axis."""
    import json

    interview_id = start_interview(app, questions=1)
    answer_current(app, interview_id, GOOD_ANSWER)
    wait_for_scoring(app)
    app.switch_page("pages/report.py").run()
    assert not app.exception, [e.value for e in app.exception]
    [chart] = app.get("vega_lite_chart")
    spec = json.loads(chart.proto.spec)
    assert spec["encoding"]["y"]["axis"]["labelLimit"] == 0
    assert spec["encoding"]["x"]["scale"]["domain"] == [0, 100]


def test_a_behavioural_answer_shows_its_star_structure_on_the_report(app, fake_models):
    """Issue 14: which of situation, task, action and result the answer shows, with the sentence for each."""
    answer = (
        "Last quarter our analysts and my data team disagreed about how fresh the orders table had to be. "
        "I was responsible for agreeing a freshness target with them. I set up a meeting with the analysts, "
        "measured the lag they saw, and moved the load to hourly. Complaints about stale data fell from 12 a week "
        "to 1."
    )
    interview_id = start_interview(app, questions=1, competencies=("COLLAB",))
    answer_current(app, interview_id, answer)
    wait_for_scoring(app)
    app.switch_page("pages/report.py").run()
    assert not app.exception, [e.value for e in app.exception]
    shown = texts(app.markdown)
    assert "STAR structure" in shown
    assert "Result: shown" in shown and "Complaints about stale data fell from 12 a week" in shown
