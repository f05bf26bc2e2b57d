"""The Start page: the plan shown before starting, job descriptions and résumés pasted or uploaded."""

from __future__ import annotations

import io

import pytest

from tests.app.conftest import texts
from ui.state import StartKeys

JOB = (
    "Requirements:\n- 5+ years of experience building batch pipelines with Airflow and dbt.\n"
    "- You will own data quality monitoring and incident response for the warehouse."
)


def docx_bytes(text: str) -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_the_plan_is_shown_before_starting(app):
    app.selectbox(key=StartKeys.BANK).set_value("data_engineer")
    app.number_input(key=StartKeys.NUM_QUESTIONS).set_value(3)
    app.run()
    assert "Your plan" in texts(app.subheader)
    plan = app.dataframe[0].value
    assert len(plan) == 3
    assert list(plan.columns[:3]) == ["#", "Competency", "Question"]
    assert "3 questions" in texts(app.caption)


def test_choosing_competencies_limits_the_questions(app):
    app.selectbox(key=StartKeys.BANK).set_value("data_engineer")
    app.multiselect(key=StartKeys.COMPETENCIES).set_value(["QUALITY"])
    app.number_input(key=StartKeys.NUM_QUESTIONS).set_value(2)
    app.run()
    assert set(app.dataframe[0].value["Competency"]) == {"Data quality and reliability"}


def test_a_pasted_job_description_tailors_the_plan(app):
    app.selectbox(key=StartKeys.BANK).set_value("data_engineer")
    app.text_area(key=StartKeys.JOB_TEXT).set_value(JOB)
    app.run()
    assert not app.exception
    assert "Match to the job" in app.dataframe[0].value.columns
    assert "matched to" in texts(app.caption)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("job.pdf", b"%PDF-1.4 this is not really a pdf", "could not be read as a PDF"),
        ("job.docx", b"PK not a zip at all", "could not be read as a Word .docx file"),
        ("job.txt", b"x" * (2 * 1024 * 1024 + 1), "files may be at most 2 MB"),
        ("job.txt", b"   \n  ", "contains no text"),
    ],
)
def test_an_upload_that_cannot_be_read_says_why_and_keeps_the_pasted_text(app, name, content, message):
    app.text_area(key=StartKeys.JOB_TEXT).set_value("Pasted: experience with Airflow is required.")
    app.file_uploader(key=StartKeys.JOB_FILE).set_value((name, content, "application/octet-stream"))
    app.run()
    assert not app.exception
    assert message in texts(app.error)
    assert app.text_area(key=StartKeys.JOB_TEXT).value == "Pasted: experience with Airflow is required."
    assert "Your plan" in texts(app.subheader)  # the page goes on with the pasted text


def test_uploaded_docx_and_txt_are_read(app):
    app.file_uploader(key=StartKeys.JOB_FILE).set_value(("job.docx", docx_bytes(JOB), "application/octet-stream"))
    app.file_uploader(key=StartKeys.RESUME_FILE).set_value(
        ("cv.txt", "Résumé: data engineer".encode("cp1252"), "text/plain")
    )
    app.run()
    assert not app.exception
    successes = texts(app.success)
    assert "from job.docx" in successes
    assert "from cv.txt" in successes
    assert "Résumé: data engineer" in texts(app.text)


def test_an_uploaded_files_name_is_shown_as_it_was_named_and_inert(app):
    """Issue 16: a name with quotes was shown percent-encoded; a name is untrusted text like any other."""
    app.file_uploader(key=StartKeys.JOB_FILE).set_value(
        ("My%20%22dream%22%20job%20**now**.txt", b"Experience with Airflow is required.", "text/plain")
    )
    app.run()
    assert not app.exception
    shown = texts(app.success)
    assert '"dream"' in shown and "%22" not in shown
    assert "**now**" not in shown  # escaped, so never bold
