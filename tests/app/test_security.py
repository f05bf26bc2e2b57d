"""Security: invite links, one candidate never reaching another's interview, staff pages, inert exports, outages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from question_banks.loader import BankValidationError, load_banks
from question_banks.plans import build_plan
from storage import Repository
from storage.errors import DatabaseUnavailableError
from tests.app.conftest import APP, GOOD_ANSWER, answer_current, interview_record, start_interview, texts
from ui import access, admin, auth, resources, state
from ui.dbstore import DatabaseInterviewStore
from ui.state import AdminKeys, InterviewKeys, ReportKeys, SignInKeys

HOSTILE = '=HYPERLINK("http://evil.example") <script>alert(1)</script> **bold** [x](javascript:alert(1))'
PASSWORD = "correct horse battery"


def repository() -> Repository:
    return resources.get_repository()


def new_invite(*, days: float = 1, uses: int = 1) -> str:
    repo = repository()
    plan = repo.create_plan(build_plan(load_banks().get("data_engineer"), num_questions=2, seed=1))
    return repo.create_invite(plan.id, datetime.now(UTC) + timedelta(days=days), uses)


def open_invite(token: str, name: str = "Ada") -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["invite"] = token
    at.run()
    if not at.error:
        at.text_input(key="invite.name").set_value(name)
        at.button(key="invite.start").click().run()
    return at


def test_an_invite_link_opens_the_candidates_own_interview(app):
    at = open_invite(new_invite())
    assert not at.exception, [e.value for e in at.exception]
    interview_id = at.session_state[state.ACTIVE_INTERVIEW]
    assert interview_id.isdigit()
    assert repository().get_interview(int(interview_id)).candidate_name == "Ada"
    answer_current(at, interview_id, GOOD_ANSWER)
    assert repository().answers(int(interview_id))[0].answer_text == GOOD_ANSWER  # committed on submit


@pytest.mark.parametrize(
    ("token", "message"),
    [("not-a-real-token", "not valid"), ("expired", "expired on"), ("used", "already been used once")],
)
def test_a_wrong_expired_or_used_up_invite_gets_a_clear_message(app, token, message, monkeypatch):
    if token == "expired":
        token = new_invite()
        later = datetime.now(UTC) + timedelta(days=2)
        monkeypatch.setattr(repository(), "_clock", lambda: later)
    elif token == "used":
        token = new_invite()
        assert not open_invite(token).exception
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["invite"] = token
    at.run()
    assert message in texts(at.error)
    assert not at.text_input and not at.button  # no way on to an interview


def test_a_candidate_cannot_read_or_delete_another_interview(app):
    other = open_invite(new_invite(), "Bob")
    bobs = other.session_state[state.ACTIVE_INTERVIEW]
    answer_current(other, bobs, "Bob's private answer about Kafka.")
    mine = start_interview(app, questions=2)
    assert mine != bobs

    app.session_state[state.ACTIVE_INTERVIEW] = bobs  # a forged id in this session
    app.switch_page("pages/interview.py").run()
    assert "No interview in progress" in texts(app.info)
    app.switch_page("pages/report.py").run()
    assert "Bob's private answer" not in texts(app.text) + texts(app.markdown)
    assert len(app.selectbox(key=ReportKeys.INTERVIEW).options) == 1
    assert app.selectbox(key=ReportKeys.INTERVIEW).value == mine

    store = DatabaseInterviewStore(repository(), load_banks(), {state.INTERVIEWS: app.session_state[state.INTERVIEWS]})
    assert store.get(bobs) is None  # enforced by the store, not only the pages
    with pytest.raises(PermissionError):
        store.delete(bobs)
    with pytest.raises(PermissionError):
        store.answer_queue(interview_record(other, bobs), None)
    assert repository().get_interview(int(bobs))


def test_delete_my_interview_removes_it_from_the_database(app):
    interview_id = start_interview(app, questions=2)
    answer_current(app, interview_id, GOOD_ANSWER)
    app.switch_page("pages/report.py").run()
    app.checkbox(key=ReportKeys.DELETE_CONFIRM).check().run()
    app.button(key=ReportKeys.DELETE).click().run()
    assert not app.exception
    assert repository().list_interviews() == []
    assert "No interview yet" in texts(app.info)


@pytest.mark.parametrize("page", ["pages/admin.py", "pages/calibration.py"])
def test_staff_pages_refuse_without_sign_in(fake_models, page):
    at = AppTest.from_file(str(APP.parent / page), default_timeout=60).run()
    assert "for signed-in staff" in texts(at.error)
    assert not at.tabs and not at.dataframe


def test_admin_signs_in_with_the_password_from_secrets(app):
    app.secrets["candid"] = {"admin_password_hash": auth.hash_password(PASSWORD)}
    app.switch_page("pages/sign_in.py").run()
    app.text_input(key=SignInKeys.PASSWORD).input("wrong password")
    app.button[0].click().run()  # the form's submit button
    assert "Wrong password" in texts(app.error)
    assert state.ROLE not in app.session_state or app.session_state[state.ROLE] is None
    app.text_input(key=SignInKeys.PASSWORD).input(PASSWORD)
    app.button[0].click().run()
    assert app.session_state[state.ROLE] == "admin"
    app.switch_page("pages/admin.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.title[0].value == "Admin"
    app.button(key=AdminKeys.INVITE_CREATE).click().run()
    link = texts(app.code)
    assert "?invite=" in link
    token = link.split("?invite=")[1].strip()
    assert len(token) >= 22  # 128 random bits, URL-safe
    assert repository().check_invite(token).max_uses == 1


def test_answers_are_inert_in_the_csv_export(app):
    interview_id = start_interview(app, questions=2)
    answer_current(app, interview_id, HOSTILE)
    resources.job_tracker().wait_idle(30)
    exported = admin.export_results_csv(repository())
    assert "'=HYPERLINK" in exported  # a spreadsheet shows it as text, never runs it
    assert ",=HYPERLINK" not in exported and '"=HYPERLINK' not in exported


def test_an_oversized_or_malformed_bank_is_refused_with_a_message(tmp_path):
    with pytest.raises(BankValidationError) as too_big:
        admin.save_bank("x: " + "a" * (2 * 1024 * 1024), "big.yaml", folder=tmp_path)
    assert "too large" in str(too_big.value.errors[0].message).lower() or "MB" in too_big.value.errors[0].message
    with pytest.raises(BankValidationError) as malformed:
        admin.save_bank("role: [unclosed", "bad.yaml", folder=tmp_path)
    assert malformed.value.errors[0].message
    assert list(tmp_path.iterdir()) == []  # nothing saved


def test_an_unreachable_database_is_reported_and_the_typed_answer_kept(app, monkeypatch):
    interview_id = start_interview(app, questions=2)
    record = interview_record(app, interview_id)
    key = state.answer_key(interview_id, record.question_ids[0])

    def down(*args, **kwargs):
        raise DatabaseUnavailableError("sqlite:///candid.db", "disk I/O error")

    monkeypatch.setattr(Repository, "save_answer", down)
    app.text_area(key=key).set_value(GOOD_ANSWER)
    app.button(key=InterviewKeys.SUBMIT).click().run()
    assert "The database is not available (disk I/O error)" in texts(app.error)
    assert app.text_area(key=key).value == GOOD_ANSWER
    assert interview_record(app, interview_id).position == 0


def test_a_reviewer_reads_every_report_but_cannot_change_them(app):
    other = open_invite(new_invite(), "Bob")
    bobs = other.session_state[state.ACTIVE_INTERVIEW]
    answer_current(other, bobs, GOOD_ANSWER)
    resources.job_tracker().wait_idle(30)
    app.secrets["candid"] = {"reviewer_password_hash": auth.hash_password(PASSWORD)}
    app.switch_page("pages/sign_in.py").run()
    app.text_input(key=SignInKeys.PASSWORD).input(PASSWORD)
    app.button[0].click().run()
    assert app.session_state[state.ROLE] == "reviewer"
    app.switch_page("pages/report.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.selectbox(key=ReportKeys.INTERVIEW).value == bobs
    assert GOOD_ANSWER.split(".")[0] in texts(app.markdown)
    assert not [button for button in app.button if button.key == ReportKeys.DELETE]
    app.switch_page("pages/admin.py").run()
    assert "for signed-in staff" in texts(app.error) or app.title[0].value != "Admin"


def test_a_resume_link_reopens_ones_own_interview_and_a_forged_one_does_not(app):
    first = open_invite(new_invite())
    interview_id = first.session_state[state.ACTIVE_INTERVIEW]
    answer_current(first, interview_id, GOOD_ANSWER)
    link = texts(first.code)
    assert "?resume=" in link
    code = link.split("?resume=")[1].strip()

    later = AppTest.from_file(str(APP), default_timeout=60)  # another visit: a new browser session
    later.query_params["resume"] = code
    later.run()
    assert not later.exception, [e.value for e in later.exception]
    assert later.session_state[state.ACTIVE_INTERVIEW] == interview_id
    assert interview_record(later, interview_id).position == 1  # at the first unanswered question

    forged = AppTest.from_file(str(APP), default_timeout=60)
    forged.query_params["resume"] = f"{int(interview_id) + 1}.{code.split('.')[1]}"
    forged.run()
    assert "does not open an interview" in texts(forged.error)


def test_a_deleted_interviews_resume_link_never_opens_the_next_candidates(app):
    """Issue 16: SQLite gives the next interview the deleted one's id; the old link must not open it."""
    first = open_invite(new_invite(), "Ada")
    adas = first.session_state[state.ACTIVE_INTERVIEW]
    answer_current(first, adas, GOOD_ANSWER)
    code = texts(first.code).split("?resume=")[1].strip()
    repository().delete_interview(int(adas))

    other = open_invite(new_invite(), "Bob")
    bobs = other.session_state[state.ACTIVE_INTERVIEW]
    answer_current(other, bobs, "Bob's private answer about Kafka.")
    assert bobs == adas  # the id was reused: the link's id alone would point at Bob's interview

    stale = AppTest.from_file(str(APP), default_timeout=60)
    stale.query_params["resume"] = code
    stale.run()
    assert not stale.exception, [e.value for e in stale.exception]
    assert "was deleted" in texts(stale.error)
    assert state.ACTIVE_INTERVIEW not in stale.session_state or stale.session_state[state.ACTIVE_INTERVIEW] != bobs
    assert "Kafka" not in texts(stale.markdown)


def test_a_finished_candidate_keeps_a_link_back_to_their_scores(app):
    at = open_invite(new_invite(), "Ada")
    interview_id = at.session_state[state.ACTIVE_INTERVIEW]
    answer_current(at, interview_id, GOOD_ANSWER)
    answer_current(at, interview_id, GOOD_ANSWER)
    assert interview_record(at, interview_id).done
    assert "?resume=" in texts(at.code)
    assert "come back to your scores" in texts(at.caption)


def sign_in_as_admin(app: AppTest) -> None:
    app.secrets["candid"] = {"admin_password_hash": auth.hash_password(PASSWORD)}
    app.switch_page("pages/sign_in.py").run()
    app.text_input(key=SignInKeys.PASSWORD).input(PASSWORD)
    app.button[0].click().run()
    assert app.session_state[state.ROLE] == "admin"


def test_an_admin_override_is_kept_and_shows_on_the_calibration_page(app):
    interview_id = start_interview(app, questions=2)
    answer_current(app, interview_id, GOOD_ANSWER)
    resources.job_tracker().wait_idle(30)
    sign_in_as_admin(app)
    app.switch_page("pages/calibration.py").run()
    assert "No overridden scores yet" in texts(app.info)
    app.switch_page("pages/admin.py").run()
    app.selectbox(key=AdminKeys.INTERVIEW).set_value(int(interview_id)).run()
    app.number_input(key=AdminKeys.OVERRIDE_SCORE).set_value(42)
    app.text_area(key=AdminKeys.OVERRIDE_COMMENT).input("Too generous: no failure handling.")
    app.button(key=AdminKeys.OVERRIDE_SAVE).click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert "Score set to 42/100" in texts(app.success)
    assert "shown 42" in " ".join(app.selectbox(key=AdminKeys.OVERRIDE_ANSWER).options)  # the list is fresh
    overridden = repository().overridden_assessments()
    assert [record.final_score for record in overridden] == [42]
    assert overridden[0].score != 42 or overridden[0].override.comment  # the model's score is kept beside it
    app.switch_page("pages/calibration.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert len(app.dataframe) == 2  # by competency and by rubric point


def test_an_override_is_the_score_the_candidates_report_shows(app):
    """Issue 16: the corrected score reaches the candidate's report and summary, marked, with the model's beside it."""
    candidate = open_invite(new_invite(), "Ada")
    interview_id = candidate.session_state[state.ACTIVE_INTERVIEW]
    answer_current(candidate, interview_id, GOOD_ANSWER)
    resources.job_tracker().wait_idle(30)
    [scored] = [a for a in interview_record(candidate, interview_id).answers.values() if a.assessment]
    model_score = scored.assessment.score

    sign_in_as_admin(app)
    app.switch_page("pages/admin.py").run()
    app.selectbox(key=AdminKeys.INTERVIEW).set_value(int(interview_id)).run()
    app.number_input(key=AdminKeys.OVERRIDE_SCORE).set_value(42 if model_score != 42 else 43)
    app.text_area(key=AdminKeys.OVERRIDE_COMMENT).input("Too generous: no failure handling.")
    app.button(key=AdminKeys.OVERRIDE_SAVE).click().run()
    assert not app.exception, [e.value for e in app.exception]

    candidate.switch_page("pages/report.py").run()
    assert not candidate.exception, [e.value for e in candidate.exception]
    [rescored] = [a for a in interview_record(candidate, interview_id).answers.values() if a.assessment]
    assert rescored.assessment.score in (42, 43) and rescored.assessment.override.model_score == model_score
    assert f"the model scored {model_score}/100" in texts(candidate.info)
    assert "no failure handling" in texts(candidate.info)


def test_a_practice_interview_reopened_by_its_link_is_still_practice(app):
    """Issue 16: practice interviews came back as interview mode when read back from the database."""
    interview_id = start_interview(app, questions=2, mode="practice")
    answer_current(app, interview_id, GOOD_ANSWER)
    code = texts(app.code).split("?resume=")[1].strip()
    later = AppTest.from_file(str(APP), default_timeout=60)
    later.query_params["resume"] = code
    later.run()
    assert not later.exception, [e.value for e in later.exception]
    assert interview_record(later, interview_id).mode is state.Mode.PRACTICE
    assert "practice mode" in texts(later.caption)
    # A reload on the feedback page comes back to that feedback (a new user was sent on to question 2).
    assert "Feedback on question 1 of 2" in texts(later.subheader)


def test_a_reload_keeps_the_candidates_place_and_a_finished_one_their_report(app):
    """Issue 16: after F5 (a new browser session on the same address) Report said "No interview yet".

    The address bar carries ``?interview=CODE`` while an interview is open (the real-browser test
    reloads a page); here a new session arrives with it, as a reload does.
    """
    at = open_invite(new_invite(), "Ada")
    interview_id = at.session_state[state.ACTIVE_INTERVIEW]
    answer_current(at, interview_id, GOOD_ANSWER)
    code = access.resume_code(interview_id, repository().get_interview(int(interview_id)).resume_token)

    reloaded = AppTest.from_file(str(APP), default_timeout=60)
    reloaded.query_params["interview"] = code
    reloaded.run()
    assert not reloaded.exception, [e.value for e in reloaded.exception]
    assert reloaded.session_state[state.ACTIVE_INTERVIEW] == interview_id
    reloaded.switch_page("pages/interview.py").run()
    answer_current(reloaded, interview_id, GOOD_ANSWER)  # goes on at the second question
    resources.job_tracker().wait_idle(30)

    again = AppTest.from_file(str(APP), default_timeout=60)
    again.query_params["interview"] = code
    again.run()
    again.switch_page("pages/report.py").run()
    assert not again.exception, [e.value for e in again.exception]
    assert "No interview yet" not in texts(again.info)
    assert again.title[0].value.startswith("Report:")

    repository().delete_interview(int(interview_id))
    gone = AppTest.from_file(str(APP), default_timeout=60)
    gone.query_params["interview"] = code
    gone.run()
    assert not gone.exception, [e.value for e in gone.exception]
    assert not gone.session_state[state.ACTIVE_INTERVIEW] if state.ACTIVE_INTERVIEW in gone.session_state else True
    assert "interview" not in gone.query_params  # a code that opens nothing is dropped, and says so
    assert "no longer there" in " ".join(str(toast.value) for toast in gone.toast)


@pytest.mark.parametrize("mode", ["interview", "practice"])
def test_a_plan_is_titled_with_its_mode(app, mode):
    """A new user saw interview-mode plans titled "... practice" in the Admin table and CSV."""
    interview_id = start_interview(app, questions=2, mode=mode)
    answer_current(app, interview_id, GOOD_ANSWER)
    plan_id = repository().get_interview(int(interview_id)).plan_id
    assert repository().get_plan(plan_id).title.endswith(mode)


def test_text_typed_but_not_submitted_survives_a_reload(app):
    """A new user typed an answer, pressed Ctrl+Enter (the browser sends it), reloaded: the box was empty."""
    at = open_invite(new_invite(), "Ada")
    interview_id = at.session_state[state.ACTIVE_INTERVIEW]
    record = interview_record(at, interview_id)
    question_id = record.question_ids[record.position]
    at.text_area(key=state.answer_key(interview_id, question_id)).set_value("Half an answer about Kafka lag").run()
    code = access.resume_code(interview_id, repository().get_interview(int(interview_id)).resume_token)

    reloaded = AppTest.from_file(str(APP), default_timeout=60)
    reloaded.query_params["interview"] = code
    reloaded.run()
    reloaded.switch_page("pages/interview.py").run()
    assert not reloaded.exception, [e.value for e in reloaded.exception]
    assert reloaded.text_area(key=state.answer_key(interview_id, question_id)).value == "Half an answer about Kafka lag"
