"""What a job description asks for: its requirement sentences, their keywords, and which an answer meets.

``extract_requirements`` keeps the sentences and bullets of a job description that state a
requirement (by heading or by cue words); ``requirement_matches`` tells which of them a text, such
as an answer, speaks to, by keyword or by embedding similarity. Pure text processing plus numpy on
an ``Embedder``'s output.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from models.protocols import Embedder

MAX_TEXT_CHARS = 20_000
MAX_REQUIREMENTS = 12
MAX_REQUIREMENT_CHARS = 300
MAX_KEYWORDS = 8
DUPLICATE_SIMILARITY = 0.9
DEFAULT_MATCH_THRESHOLD = 0.5
MAX_ANSWER_SENTENCES = 64

# A sentence that states what the job needs or involves.
REQUIREMENT_CUE = re.compile(
    r"\b(must|required|requires?|requirements?|experience (with|in|of|using|building)|experienced|hands-on"
    r"|proficien(t|cy)|familiar(ity)?|knowledge of|understanding of|you will|you'll|you have|you are"
    r"|responsible for|responsibilit(y|ies)|\d+\+? years?|years of|degree|bachelor'?s?|master'?s?|ph\.?d"
    r"|ability to|able to|skills?|expertise|background in|track record|should have|strong|comfortable with"
    r"|nice to have|preferred|a plus|bonus)\b",
    re.IGNORECASE,
)
_OTHER_HEADING = re.compile(
    r"benefit|perk|what we offer|compensation|salary|\bpay\b|about us|about the company|who we are|our (mission|culture"
    r"|values|story)|why join|why you'?ll love|how to apply|equal opportunit|diversity|\blocation\b|hiring process"
    r"|interview process",
    re.IGNORECASE,
)
_REQUIREMENT_HEADING = re.compile(
    r"requirement|qualification|responsibilit|duties|skills|experience|must[- ]haves?|nice[- ]to[- ]haves?"
    r"|what you('ll| will) (do|bring|need|work on)|what you bring|looking for|who you are|about you|you have"
    r"|you will|you'll|your profile|ideal candidate|tech(nical)? stack|bonus|preferred|expectations|day[- ]to[- ]day",
    re.IGNORECASE,
)
# Whole lines that are headings even without a colon, '#' or capitals ("Nice to have", "Benefits").
_REQUIREMENT_HEADING_LINE = re.compile(
    r"(?:(?:key|main|core|your|the|job|minimum|basic|preferred|required|desired|essential|technical|additional)\s+)*"
    r"(?:requirements?|qualifications?|responsibilities|duties|skills|experience|must[- ]haves?|nice[- ]to[- ]haves?"
    r"|bonus(?: points)?|tech(?:nical)? stack|expectations|(?:your )?profile|about you|who you are|you have|you will"
    r"|you are|(?:the )?ideal candidate|what you(?:'ll| will) (?:do|bring|need|work on)|what you bring|what you need"
    r"|what we(?:'re| are) looking for|what we look for|day[- ]to[- ]day)"
    r"(?:\s+(?:and|&)\s+(?:requirements?|qualifications?|responsibilities|skills|experience))?",
    re.IGNORECASE,
)
_OTHER_HEADING_LINE = re.compile(
    r"(?:about (?:us|the company|the team)|who we are|(?:our )?benefits(?: (?:and|&) perks)?|perks(?: (?:and|&) "
    r"benefits)?|what we offer|compensation|salary|pay|why join(?: us)?|how to apply|equal opportunity(?: employer)?"
    r"|diversity(?: (?:and|&) inclusion)?|location|our (?:mission|culture|values|story)|hiring process"
    r"|interview process)",
    re.IGNORECASE,
)
_NEUTRAL_HEADING_LINE = re.compile(
    r"(?:about (?:the )?(?:role|job|position|opportunity)|(?:the )?(?:role|job|position|opportunity)"
    r"|(?:role|position|job) (?:overview|summary|description)|overview|summary|(?:job )?description|the team)",
    re.IGNORECASE,
)
_HEADING_WITH_COLON = re.compile(r"^(?P<title>[^:]{1,80}):\s*(?P<rest>.*)$")
_BULLET = re.compile(r"^(?:[*+-]\s+|[•·‣▪◦●■□–—➢➤►✓✔☐]\s*|\(?\d{1,2}[.)]\s+)")
_INLINE_BULLET = re.compile(r"\s+[•●▪■◦‣]\s+")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])")
_ABBREVIATIONS = frozenset(["e.g.", "i.e.", "etc.", "vs.", "incl.", "approx.", "esp.", "dr.", "mr.", "ms.", "no."])
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
_MARKDOWN = re.compile(r"\*\*|__|`")
_WHITESPACE = re.compile(r"[ \t\f\v]+")
_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:\+\+|#|(?:[./-][A-Za-z0-9]+)+)?")
_NOUN_SUFFIX = re.compile(r"[a-z]{3,}(?:tion|sion|ment|ness|ity|ics|ogy|ance|ence|ency|ing|ure|ism|ship)s?")


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Technical terms recognised even at the start of a sentence or written in lower case.
TECH_TERMS = _word_set(
    "python java scala kotlin golang rust sql nosql bash javascript typescript ruby php swift c++ c# docker "
    "kubernetes k8s helm terraform ansible aws gcp azure linux git spark pyspark hadoop kafka flink airflow dbt "
    "snowflake bigquery redshift databricks postgres postgresql mysql mongodb redis elasticsearch cassandra "
    "dynamodb pandas numpy scipy scikit-learn sklearn pytorch tensorflow keras jax xgboost lightgbm huggingface "
    "mlflow kubeflow sagemaker fastapi flask django react graphql grpc rest api apis microservices ci/cd mlops "
    "devops etl elt llm llms nlp rag tableau looker a/b"
)
# Words too generic to tell requirements (or answers) apart.
STOP_WORDS = _word_set(
    "we you our your they the this that these those and or with for in of to a an is are be as at by on it its "
    "must should will can may plus etc e.g i.e eg ie ability abilities experience experienced knowledge "
    "understanding proficiency proficient familiarity familiar requirement requirements qualification "
    "qualifications responsibility responsibilities skill skills year years degree bachelor bachelors master "
    "masters phd bs ms ba ma msc bsc equivalent related relevant strong excellent solid proven good great deep "
    "working including following looking using ensuring building developing designing creating making being "
    "having nothing something everything anything thing things engineering science computer field team teams "
    "environment opportunity opportunities position company role candidate candidates preferred required desired "
    "bonus nice ideal ideally join apply us uk eu usa"
)


class JobRequirement(BaseModel):
    """One requirement sentence of a job description and the specific terms it names."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str = Field(min_length=1, max_length=MAX_REQUIREMENT_CHARS + 1)
    keywords: list[str] = Field(default_factory=list, description="Lower-cased technical terms and nouns.")


def normalise_text(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    """NFKC-normalise pasted text, drop invisible characters, unify line breaks and cap its length.

    Args:
        text: Any text, e.g. a job description pasted from a web page or a PDF.
        limit: The most characters kept.

    Returns:
        The cleaned text, at most ``limit`` characters.
    """
    text = unicodedata.normalize("NFKC", text[:limit])
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = text.translate(_QUOTES)
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if char in "\n\t":
            kept.append(char)
        elif category in {"Cf", "Co", "Cs", "Cn"}:
            continue
        else:
            kept.append(" " if category == "Cc" else char)
    return "".join(kept)[:limit]


def extract_requirements(job_description: str, embedder: Embedder | None = None) -> list[JobRequirement]:
    """The requirement sentences and bullets of a job description, with their keywords.

    A sentence counts when it sits under a Requirements / Qualifications / Responsibilities-like
    heading, or carries a requirement cue ("must", "experience with", "5+ years", "you will"...);
    sections such as Benefits or About us are skipped. A description with no such sentence counts
    all its sentences. With an embedder, near-duplicates (cosine > 0.9) are dropped. At most 12 are
    kept, preferring those that are both under a requirement heading and cued, in document order.

    Args:
        job_description: The job description; normalised and cut to 20,000 characters first.
        embedder: Optional embedder for dropping near-duplicate requirements.

    Returns:
        The requirements, in the order they appear.
    """
    candidates = _candidate_sentences(normalise_text(job_description))
    if any(priority > 0 for _, _, priority in candidates):
        candidates = [item for item in candidates if item[2] > 0]
    by_priority = sorted(candidates, key=lambda item: -item[2])  # stable: document order within a priority
    unique: list[tuple[int, str, int]] = []
    seen: set[str] = set()
    for item in by_priority:
        key = item[1].casefold()
        if key not in seen:
            seen.add(key)
            unique.append(item)
    if embedder is not None and len(unique) > 1:
        unique = _drop_near_duplicates(unique, embedder)
    chosen = sorted(unique[:MAX_REQUIREMENTS], key=lambda item: item[0])
    return [JobRequirement(text=text, keywords=extract_keywords(text)) for _, text, _ in chosen]


def extract_keywords(text: str) -> list[str]:
    """Specific terms of a requirement: technical terms, acronyms, capitalised names and -tion/-ing nouns.

    Args:
        text: One requirement sentence.

    Returns:
        Up to eight lower-cased terms, first occurrence first, without generic job-ad words.
    """
    keywords: list[str] = []
    for position, match in enumerate(_TOKEN.finditer(text)):
        token = match.group()
        lowered = token.lower()
        if len(lowered) < 2 or lowered in STOP_WORDS or lowered in keywords:
            continue
        technical = lowered in TECH_TERMS
        marked = any(c.isupper() or c.isdigit() or c in "+#./" for c in token[1:])
        named = token[0].isupper() and position > 0
        noun = bool(_NOUN_SUFFIX.fullmatch(lowered)) and len(lowered) >= 7
        if technical or marked or named or noun:
            keywords.append(lowered)
        if len(keywords) == MAX_KEYWORDS:
            break
    return keywords


def requirement_matches(
    requirements: Sequence[JobRequirement],
    text: str,
    embedder: Embedder | None,
    threshold: float = DEFAULT_MATCH_THRESHOLD,
) -> list[str]:
    """Which requirements a text (e.g. an answer) speaks to.

    A requirement matches when one of its keywords appears in the text (a plural ``s`` allowed) or,
    with an embedder, when the text or one of its sentences has cosine similarity ``>= threshold``
    with it.

    Args:
        requirements: The job's requirements.
        text: The text to check.
        embedder: Optional embedder; without one only keywords count.
        threshold: The similarity a sentence needs to match a requirement.

    Returns:
        The texts of the matched requirements, in requirement order.
    """
    text = normalise_text(text)
    if not requirements or not text.strip():
        return []
    hits = np.array([_mentions_keyword(requirement.keywords, text) for requirement in requirements])
    if embedder is not None:
        pieces = [text, *_sentences_of(text)[:MAX_ANSWER_SENTENCES]]
        requirement_vectors = unit_embeddings(embedder, [requirement.text for requirement in requirements])
        best = (requirement_vectors @ unit_embeddings(embedder, pieces).T).max(axis=1)
        hits |= best >= threshold
    return [requirement.text for requirement, hit in zip(requirements, hits, strict=True) if hit]


def unit_embeddings(embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
    """Embed ``texts`` and re-normalise the rows (zero rows stay zero), so a dot product is a cosine.

    Args:
        embedder: The embedder.
        texts: The texts.

    Returns:
        A float32 array with one unit-length (or zero) row per text.
    """
    vectors = np.asarray(embedder.encode(list(texts)), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


def _drop_near_duplicates(items: list[tuple[int, str, int]], embedder: Embedder) -> list[tuple[int, str, int]]:
    vectors = unit_embeddings(embedder, [text for _, text, _ in items])
    kept: list[int] = []
    for index in range(len(items)):
        if not kept or float((vectors[kept] @ vectors[index]).max()) <= DUPLICATE_SIMILARITY:
            kept.append(index)
    return [items[index] for index in kept]


def _mentions_keyword(keywords: Sequence[str], text: str) -> bool:
    return any(
        re.search(rf"(?<![A-Za-z0-9]){re.escape(keyword)}(?:e?s)?(?![A-Za-z0-9+#])", text, re.IGNORECASE)
        for keyword in keywords
    )


def _candidate_sentences(text: str) -> list[tuple[int, str, int]]:
    """``(position, sentence, priority)`` for every sentence outside skipped sections.

    Priority is 2 for a cued sentence under a requirement heading, 1 for one of the two, else 0.
    """
    candidates: list[tuple[int, str, int]] = []
    section = "neutral"
    for raw_line in text.split("\n"):
        line = _WHITESPACE.sub(" ", _MARKDOWN.sub("", raw_line)).strip()
        if not line:
            continue
        bulleted = bool(_BULLET.match(line))
        content = _BULLET.sub("", line, count=1).strip()
        heading = None if bulleted else _heading(content)
        if heading is not None and heading[0] == "other" and heading[1]:
            continue  # "Location: Berlin" is a detail line, not the start of a section
        if heading is not None:
            section, content = heading
        if section == "other" or not content:
            continue
        for part in _INLINE_BULLET.split(content):
            for sentence in _sentences_of(part):
                cleaned = _clean_requirement(sentence)
                if sum(c.isalpha() for c in cleaned) < 2:
                    continue
                priority = int(section == "requirements") + int(bool(REQUIREMENT_CUE.search(cleaned)))
                candidates.append((len(candidates), cleaned, priority))
    return candidates


def _heading(line: str) -> tuple[str, str] | None:
    """``(section kind, text after the heading)`` when ``line`` is a heading, else ``None``.

    A heading is a known heading phrase ("Nice to have"), a short ``Title:`` or ``#`` line, or an
    all-capitals line that names a known section ("REQUIREMENTS", but not "SQL").
    """
    stripped = line.lstrip("#").strip()
    match = _HEADING_WITH_COLON.match(stripped)
    title, rest = (match["title"].strip(), match["rest"].strip()) if match else (stripped.rstrip(".!"), "")
    if not title or len(title.split()) > 8:
        return None
    if _OTHER_HEADING_LINE.fullmatch(title):
        return "other", rest
    if _REQUIREMENT_HEADING_LINE.fullmatch(title):
        return "requirements", rest
    if _NEUTRAL_HEADING_LINE.fullmatch(title):
        return "neutral", rest
    marked = line.startswith("#") or (match is not None and not rest)
    if not (marked or title.isupper()):
        return None  # an ordinary line, e.g. "Strong experience with Python" or "Note: visas are sponsored"
    if _OTHER_HEADING.search(title):
        return "other", rest
    if _REQUIREMENT_HEADING.search(title):
        return "requirements", rest
    return ("neutral", rest) if marked else None  # a lone "SQL" line is content, not a heading


def _sentences_of(text: str) -> list[str]:
    pieces = [piece.strip() for piece in _SENTENCE_BREAK.split(text) if piece.strip()]
    sentences: list[str] = []
    for piece in pieces:
        if sentences and sentences[-1].rsplit(None, 1)[-1].lstrip("([\"'").casefold() in _ABBREVIATIONS:
            sentences[-1] = f"{sentences[-1]} {piece}"
        else:
            sentences.append(piece)
    return sentences


def _clean_requirement(sentence: str) -> str:
    text = sentence.strip().rstrip(".;,:!").strip()
    if len(text) > MAX_REQUIREMENT_CHARS:
        text = text[:MAX_REQUIREMENT_CHARS].rsplit(" ", 1)[0] + "…"
    return text
