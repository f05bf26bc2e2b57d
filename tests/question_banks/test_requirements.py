"""Requirement extraction from a job description, keywords, and which requirements an answer speaks to."""

from __future__ import annotations

import time

import pytest

from question_banks.requirements import (
    MAX_REQUIREMENTS,
    JobRequirement,
    extract_keywords,
    extract_requirements,
    normalise_text,
    requirement_matches,
)

JOB_DESCRIPTION = """Senior Machine Learning Engineer – Recommendations

About us
We are a fast-growing marketplace founded 12 years ago. You will love our culture.

About the role
In this role you will own the ranking models behind our home feed.

Responsibilities:
• Design, train and deploy ranking models to production with low latency.
• Build and maintain feature pipelines in Spark and Airflow.
• Monitor models in production, detect data drift and run A/B tests to measure impact.

Requirements
- 5+ years of experience building machine learning systems in production.
- Strong Python skills and experience with PyTorch or TensorFlow.
- Hands-on experience with Docker, Kubernetes and CI/CD for ML (e.g. MLflow, Kubeflow).
- Bachelor’s degree in Computer Science or a related field.
- Strong Python skills and experience with PyTorch or TensorFlow!

Nice to have
* Experience with recommender systems at scale.

Benefits
- 30 days of holiday, and you will get a new laptop.
- A yearly learning budget.
"""


@pytest.fixture(scope="module")
def requirements() -> list[JobRequirement]:
    return extract_requirements(JOB_DESCRIPTION)


def test_requirements_come_from_requirement_sections_and_cues(requirements):
    assert [r.text for r in requirements] == [
        "In this role you will own the ranking models behind our home feed",
        "Design, train and deploy ranking models to production with low latency",
        "Build and maintain feature pipelines in Spark and Airflow",
        "Monitor models in production, detect data drift and run A/B tests to measure impact",
        "5+ years of experience building machine learning systems in production",
        "Strong Python skills and experience with PyTorch or TensorFlow",
        "Hands-on experience with Docker, Kubernetes and CI/CD for ML (e.g. MLflow, Kubeflow)",
        "Bachelor's degree in Computer Science or a related field",
        "Experience with recommender systems at scale",
    ]


def test_skipped_sections_and_title_are_not_requirements(requirements):
    texts = " ".join(r.text for r in requirements)
    for absent in ("holiday", "laptop", "learning budget", "culture", "marketplace", "Senior Machine Learning"):
        assert absent not in texts


def test_requirement_keywords(requirements):
    by_text = {r.text: r.keywords for r in requirements}
    assert by_text["Strong Python skills and experience with PyTorch or TensorFlow"] == [
        "python",
        "pytorch",
        "tensorflow",
    ]
    docker = by_text["Hands-on experience with Docker, Kubernetes and CI/CD for ML (e.g. MLflow, Kubeflow)"]
    assert {"docker", "kubernetes", "ci/cd", "mlflow", "kubeflow"} <= set(docker)
    assert by_text["Bachelor's degree in Computer Science or a related field"] == []
    assert all(k == k.lower() and len(set(r.keywords)) == len(r.keywords) for r in requirements for k in r.keywords)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Strong Python skills and experience with PyTorch", ["python", "pytorch"]),
        ("Python and SQL are a must", ["python", "sql"]),
        ("Knowledge of C++ or C# and Node.js", ["c++", "c#", "node.js"]),
        ("Experience with A/B testing and experimentation", ["a/b", "testing", "experimentation"]),
        ("Familiarity with AWS S3 and GPT-4", ["aws", "s3", "gpt-4"]),
        ("Must be a great team player", []),
        ("Bachelor's or Master's degree", []),
        ("You will work with Snowflake and dbt", ["snowflake", "dbt"]),
    ],
)
def test_keywords_table(text, expected):
    assert extract_keywords(text) == expected


def test_exact_duplicates_are_dropped_without_an_embedder(requirements):
    python = [r for r in requirements if r.text.startswith("Strong Python")]
    assert len(python) == 1


def test_near_duplicates_are_dropped_with_an_embedder(fake_embedder):
    jd = "Requirements:\n- Experience with Python, PyTorch and Docker.\n- Experience with Docker, PyTorch and Python."
    assert len(extract_requirements(jd)) == 2
    assert [r.text for r in extract_requirements(jd, fake_embedder)] == ["Experience with Python, PyTorch and Docker"]


def test_at_most_twelve_requirements_preferring_cued_ones_under_requirement_headings():
    fillers = "\n".join(f"- Experience with tool number {n}." for n in range(20))
    jd = f"You must love cats.\n\nRequirements:\n{fillers}\n- Nice aesthetics\n"
    found = extract_requirements(jd)
    assert len(found) == MAX_REQUIREMENTS
    assert [r.text for r in found] == [f"Experience with tool number {n}" for n in range(12)]


@pytest.mark.parametrize(
    ("line", "sentences"),
    [
        ("Kafka streams. Postgres tuning.", ["Kafka streams", "Postgres tuning"]),
        ("Must know tools, e.g. Airflow. Must know Spark.", ["Must know tools, e.g. Airflow", "Must know Spark"]),
        (
            "Must know MLOps (i.e. CI/CD for models). Must ship.",
            ["Must know MLOps (i.e. CI/CD for models)", "Must ship"],
        ),
        ("Must love data! You will own it? Yes.", ["Must love data", "You will own it?"]),
    ],
)
def test_sentences_are_split_but_not_at_abbreviations(line, sentences):
    assert [r.text for r in extract_requirements(line)] == sentences


def test_a_job_description_without_cues_counts_every_sentence():
    found = extract_requirements("Python backend work. Kafka streams. Postgres tuning.")
    assert [r.text for r in found] == ["Python backend work", "Kafka streams", "Postgres tuning"]


@pytest.mark.parametrize("jd", ["", "   \n\t  ", "\u200b\u200b", "!!!"])
def test_empty_job_description_gives_no_requirements(jd):
    assert extract_requirements(jd) == []


def test_huge_job_description_is_cut_to_twenty_thousand_characters():
    filler = "We like people.\n" * 2_000
    jd = f"Requirements:\n- Must know Rust.\n{filler}- Must know Haskell.\n" + "word " * 100_000
    started = time.perf_counter()
    found = extract_requirements(jd)
    assert time.perf_counter() - started < 5
    texts = [r.text for r in found]
    assert "Must know Rust" in texts and "Must know Haskell" not in texts
    assert len(found) <= MAX_REQUIREMENTS and all(len(t) <= 301 for t in texts)


def test_odd_unicode_is_normalised():
    jd = (
        "ＲＥＱＵＩＲＥＭＥＮＴＳ\r\n"
        "\u2022\u00a0Proﬁciency in Ｐｙｔｈｏｎ\u200b and S\u00adQL\r\n"
        "\u25aa Experience with \u201cKubernetes\u201d \u2014 at scale\u2028"
        "\u202eMust know Spark\u202c"
    )
    found = extract_requirements(jd)
    assert [r.text for r in found] == [
        "Proficiency in Python and SQL",
        'Experience with "Kubernetes" — at scale',
        "Must know Spark",
    ]
    assert found[0].keywords == ["python", "sql"]


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("ﬁne", "fine"),
        ("Ｐｙｔｈｏｎ", "Python"),
        ("a\u200bb\u00adc", "abc"),
        ("one\r\ntwo\rthree", "one\ntwo\nthree"),
        ("tab\tand\x07bell", "tab\tand bell"),
        ("it\u2019s \u201cquoted\u201d", 'it\'s "quoted"'),
    ],
)
def test_normalise_text(raw, clean):
    assert normalise_text(raw) == clean


def test_requirement_matches_by_keyword_without_an_embedder(requirements):
    answer = "I packaged the service with Docker and trained the model in PyTorch."
    assert requirement_matches(requirements, answer, None) == [
        "Strong Python skills and experience with PyTorch or TensorFlow",
        "Hands-on experience with Docker, Kubernetes and CI/CD for ML (e.g. MLflow, Kubeflow)",
    ]


def test_keyword_matching_respects_word_boundaries():
    requirement = JobRequirement(text="Experience with Spark and Kafka pipelines", keywords=["spark", "kafka", "rest"])
    assert requirement_matches([requirement], "Sparkling insight, and interest rates.", None) == []
    assert requirement_matches([requirement], "Our Kafka cluster", None) == [requirement.text]
    assert requirement_matches([requirement], "Two REST APIs and three Spark jobs", None) == [requirement.text]


def test_requirement_matches_by_similarity(fake_embedder):
    requirement = JobRequirement(text="Collaborate with product managers on the roadmap", keywords=[])
    answer = "I hiked all weekend. I met product managers every week to agree the roadmap and collaborate on it."
    assert requirement_matches([requirement], answer, None) == []
    assert requirement_matches([requirement], answer, fake_embedder) == [requirement.text]
    assert requirement_matches([requirement], answer, fake_embedder, threshold=1.01) == []
    assert requirement_matches([requirement], "I like cooking pasta.", fake_embedder) == []


@pytest.mark.parametrize("text", ["", "   ", "\u200b"])
def test_empty_answer_matches_nothing(requirements, fake_embedder, text):
    assert requirement_matches(requirements, text, fake_embedder) == []
    assert requirement_matches([], "Docker everywhere", fake_embedder) == []


@pytest.mark.parametrize(
    ("jd", "expected"),
    [
        ("## Requirements\nPython\nSQL\n", ["Python", "SQL"]),
        ("REQUIREMENTS\nPython\nSQL\n", ["Python", "SQL"]),
        ("What you'll do:\n- Ship models\n\nPerks:\n- Free lunch, you will love it\n", ["Ship models"]),
        ("Skills: Python, SQL\n- Airflow\n", ["Python, SQL", "Airflow"]),
        ("Requirements\nLocation: Berlin\n- Must know Go\n", ["Must know Go"]),
        ("Requirements\nAWS\nGCP\n", ["AWS", "GCP"]),
        ("Strong experience with Python\nWe have a nice office\n", ["Strong experience with Python"]),
        ("About us\nYou will love our team.\nResponsibilities\nYou will build APIs.\n", ["You will build APIs"]),
        ("Benefits\n- You will get a laptop\n## The role\nYou will own search.\n", ["You will own search"]),
    ],
)
def test_sections_decide_what_counts(jd, expected):
    assert [r.text for r in extract_requirements(jd)] == expected
