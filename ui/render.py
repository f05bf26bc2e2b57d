"""Rendering helpers: inert candidate text, evidence highlighting, rubric checklists, feedback, job progress.

Candidate text (and model feedback, which may quote it) is never interpreted: it is shown with
``st.text``, or escaped with ``escape_markdown`` before any Markdown is added around it.
``unsafe_allow_html`` is never used.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from jobs.status import JobPhase, JobState, JobStatus, QueueState
from question_banks.schema import Question
from reports.render import escape_markdown
from scoring.delivery import LONG_PAUSE_S, MAX_FILLERS_PER_MINUTE, PACE_RANGE_WPM, delivery_tips
from scoring.text import counted  # re-exported: the pages call render.counted
from scoring.types import AnswerAssessment, DeliveryFigures, Flag, RubricCheck, RubricStatus
from ui import resources, state
from ui.compare import FlippedPoint, compare_assessments

_MARK_START, _MARK_END = "\ue000", "\ue001"  # private-use characters, removed from the text first
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
# Only a colon that starts what Streamlit would render: ":smile:", ":material/home:", ":red[...]". Times
# ("10:30") and "Note:" stay as typed, so copied text carries no invisible characters.
_SHORTCODE_START = re.compile(r":(?=[A-Za-z0-9_+\-]+:|material/|[A-Za-z][A-Za-z\-]*\[)")
_WORD_JOINER = "\u2060"
HIGHLIGHT = ":orange-background[{}]"
STATUS_ICONS = {
    RubricStatus.MET: ":material/check_circle:",
    RubricStatus.PARTLY: ":material/adjust:",
    RubricStatus.MISSING: ":material/cancel:",
    RubricStatus.CONTRADICTED: ":material/report:",
}
STATUS_WORDS = {
    RubricStatus.MET: "met",
    RubricStatus.PARTLY: "not clearly shown",  # partly met, or not surely missing (PointStatusModel)
    RubricStatus.MISSING: "missing",
    RubricStatus.CONTRADICTED: "contradicted",
}

# What each flag means, in the words a candidate reads (the rescore's "New flag" and "Flag gone" lines).
FLAG_LABELS = {
    Flag.EMPTY: "no answer",
    Flag.TOO_SHORT: "too short to score",
    Flag.GIBBERISH: "not readable text",
    Flag.OFF_TOPIC: "off the question's topic",
    Flag.COPIES_QUESTION: "repeats the question",
    Flag.KEYWORD_STUFFING: "a list of keywords",
    Flag.INSTRUCTS_GRADER: "text addressed to the grader",
    Flag.TRUNCATED: "cut short",
    Flag.NO_DIRECT_EXPERIENCE: "no experience of your own",
    Flag.HIDDEN_TEXT: "hidden characters removed",
    Flag.PASTED_CODE: "pasted code or log set aside",
    Flag.LANGUAGE: "not in English",
    Flag.UNINTELLIGIBLE: "does not make sense",
    Flag.RED_FLAG: "a red flag or a contradicted rubric point",
    Flag.NO_SPECIFICS: "no concrete specifics",
}


def competency_bars(frame: pd.DataFrame) -> None:
    """Average score per competency as horizontal bars, each competency's name in full (0-100 axis).

    Args:
        frame: Columns ``Competency`` (name) and ``Average score`` (0-100).
    """
    import altair as alt  # installed with streamlit

    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("Average score:Q", scale=alt.Scale(domain=[0, 100])),
            y=alt.Y("Competency:N", sort=None, axis=alt.Axis(labelLimit=0, title=None)),  # never cut a name
            tooltip=["Competency", alt.Tooltip("Average score:Q", format=".1f")],
        )
        .properties(height=40 + 36 * max(1, len(frame)))
    )
    st.altair_chart(chart, width="stretch")


def inert_markdown(text: str, highlights: Sequence[str] = ()) -> str:
    """Markdown that shows ``text`` exactly as written, with each ``highlights`` sentence marked.

    The text is escaped first (``escape_markdown``: no formatting, links, HTML, maths), emoji and icon
    shortcodes are broken with an invisible word joiner, line breaks and indentation are kept (as
    hard breaks and non-breaking spaces, so never a code block); only then are the highlighted spans
    wrapped in ``:orange-background[...]`` (brackets inside them are escaped, so they cannot close it).

    Args:
        text: Untrusted text, e.g. an answer.
        highlights: Sentences of the text to highlight (matched ignoring differences in whitespace).

    Returns:
        Markdown for ``st.markdown`` (without ``unsafe_allow_html``).
    """
    marked = _mark_spans(_PRIVATE_USE.sub("", text.replace("\r\n", "\n")), highlights)
    escaped = escape_markdown(_SHORTCODE_START.sub(":" + _WORD_JOINER, marked))
    start, end = HIGHLIGHT.split("{}")
    lines = []
    for line in escaped.split("\n"):
        stripped = line.lstrip(" \t")
        indent = "\u00a0" * (len(line) - len(stripped))  # indentation kept, but never a code block
        lines.append(indent + stripped.replace(_MARK_START, start).replace(_MARK_END, end))
    return "  \n".join(lines)  # two trailing spaces: a hard line break, as typed


def _mark_spans(text: str, highlights: Sequence[str]) -> str:
    """Wrap each found sentence in private-use markers, closed and reopened at line breaks."""
    spans: list[tuple[int, int]] = []
    for sentence in highlights:
        span = find_sentence(text, sentence)
        if span and not any(span[0] < end and start < span[1] for start, end in spans):
            spans.append(span)
    for start, end in sorted(spans, reverse=True):
        inner = text[start:end].replace("\n", f"{_MARK_END}\n{_MARK_START}")
        text = f"{text[:start]}{_MARK_START}{inner}{_MARK_END}{text[end:]}"
    return text


def find_sentence(text: str, sentence: str) -> tuple[int, int] | None:
    """Where ``sentence`` occurs in ``text``, ignoring whitespace differences; ``None`` if it does not.

    Args:
        text: The text to search (e.g. the answer as typed).
        sentence: The sentence (e.g. an evidence sentence from the normalised answer).

    Returns:
        ``(start, end)`` character offsets, or ``None``.
    """
    tokens = sentence.split()
    if not tokens:
        return None
    match = re.search(r"\s+".join(re.escape(token) for token in tokens), text)
    return (match.start(), match.end()) if match else None


def answer_text(text: str, *, empty: str = "No answer given.") -> None:
    """Show an answer as plain text (never Markdown or HTML)."""
    if text.strip():
        st.text(text)
    else:
        st.caption(empty)


def feedback_list(title: str, items: Sequence[str]) -> None:
    """A titled bullet list of feedback items, each shown inert."""
    st.markdown(f"**{title}**")
    if not items:
        st.caption("None.")
        return
    st.markdown("\n".join(f"- {_one_line(inert_markdown(item))}" for item in items))


def _one_line(markdown: str) -> str:
    return markdown.replace("  \n", " ")


def rubric_checklist(checks: Sequence[RubricCheck]) -> None:
    """One line per rubric point: its status, the point, the evidence quoted and the tip when missed."""
    if not checks:
        st.caption("No rubric: the answer was judged on its relevance to the question.")
        return
    for check in checks:
        icon = STATUS_ICONS[check.status]
        st.markdown(f"{icon} **{STATUS_WORDS[check.status]}**: {inert_markdown(check.point)}")
        if check.evidence and check.status is RubricStatus.CONTRADICTED:
            st.caption(f"The answer says the opposite: “{inert_markdown(check.evidence)}”")
        elif check.evidence:
            st.caption(f"Evidence: “{inert_markdown(check.evidence)}”")
        elif check.status is not RubricStatus.MET and check.tip:
            st.caption(f"Tip: {inert_markdown(check.tip)}")


_MARKS = {
    RubricStatus.MET: "✅",
    RubricStatus.PARTLY: "🟡",
    RubricStatus.MISSING: "⬜",
    RubricStatus.CONTRADICTED: "❌",
}


def strong_answer(question: Question | None, bank_slug: str = "", bank_version: int = 1) -> None:
    """The bank's strong anchor answer to the question, in a closed expander, to compare with one's own, with
    the rubric points it shows marked (the rubric checker's verdict and the sentence for each)."""
    anchor = question.anchor("strong") if question is not None else None
    if anchor is None or question is None:
        return
    with st.expander(":material/lightbulb: A strong answer to compare"):
        st.caption("Written for this question's rubric; yours can be just as strong with your own experience.")
        answer_text(anchor.answer)
        checks = resources.strong_answer_checks(bank_slug, bank_version, question.id) if bank_slug else []
        if checks:
            st.markdown("**The rubric points it shows**")
            for check in checks:
                quote = f" — “{inert_markdown(check.evidence)}”" if check.evidence else ""
                st.markdown(f"{_MARKS[check.status]} {inert_markdown(check.point)}{quote}")


def attempt_change(attempt: int, before: AnswerAssessment, after: AnswerAssessment, *, label: str = "") -> None:
    """How this attempt at a question compares with the one before: score change and flipped rubric points.

    ``label`` replaces "Attempt N" (e.g. "With the follow-up", compared with the first answer alone).
    """
    change = compare_assessments(before, after)
    delta = f"{change.score_delta:+d}" if change.score_delta else "no change"
    against = "the first answer alone" if label else "the previous attempt"
    st.info(
        f"{label or f'Attempt {attempt}'}: {after.score}/100, {delta} on {against} ({before.score}/100).",
        icon=":material/replay:",
    )
    flipped_points(change.flipped)


def flipped_points(flipped: Sequence[FlippedPoint]) -> None:
    """One line per rubric point whose status changed: an arrow (up when towards met), the point, before → after."""
    for point in flipped:
        arrow = ":green[▲]" if point.improved else ":red[▼]"
        before, after = STATUS_WORDS[point.before], STATUS_WORDS[point.after]
        st.markdown(f"{arrow} {inert_markdown(point.point.rstrip('.'))}: {before} → {after}")


def assessment_details(assessment: AnswerAssessment, *, show_answer: bool = True, show_score: bool = True) -> None:
    """Score, feedback, justification, rubric checklist and the answer with its evidence highlighted.

    ``show_score=False`` leaves the score out where the page already shows it (Live scoring's metric with its change).
    """
    if show_score:
        st.metric("Score", f"{assessment.score}/100")
    if assessment.override is not None:
        st.info(inert_markdown(assessment.override_note()), icon=":material/edit_note:")
    if assessment.notes:
        for note in assessment.notes:
            st.warning(inert_markdown(note), icon=":material/flag:")
    left, middle, right = st.columns(3)
    with left:
        feedback_list("Strengths", assessment.strengths)
    with middle:
        feedback_list("Weaknesses", assessment.weaknesses)
    with right:
        feedback_list("Tips", assessment.tips)
    st.markdown("**Justification**")
    st.markdown(inert_markdown(assessment.justification) or "—")
    if assessment.star is not None:
        feedback_list("STAR structure (situation, task, action, result)", assessment.star.lines)
    if assessment.delivery is not None:
        delivery(assessment.delivery)
    st.markdown("**Rubric checklist**")
    rubric_checklist(assessment.rubric)
    if show_answer:
        st.markdown("**Your answer** (evidence highlighted)")
        evidence = [check.evidence for check in assessment.rubric if check.evidence]
        if assessment.answer.strip():
            with st.container(border=True):
                st.markdown(inert_markdown(assessment.answer, evidence))
        else:
            st.caption("No answer given.")


def delivery(figures: DeliveryFigures) -> None:
    """How a spoken answer was said: speaking time, pace, fillers and long pauses, each with its range.

    Only observable figures, from the recording's word timestamps; they do not change the score.
    """
    low, high = PACE_RANGE_WPM
    minutes, seconds = divmod(round(figures.speaking_s), 60)
    st.markdown("**Delivery** (from your recording; not part of the score)")
    time_col, pace_col, filler_col, pause_col = st.columns(4)
    time_col.metric("Speaking time", f"{minutes}:{seconds:02d}", help="From the first word to the last.")
    pace_col.metric(
        "Pace", f"{figures.words_per_minute:.0f} wpm", help=f"Words per minute; {low}-{high} is easy to follow."
    )
    fillers = ", ".join(f"{word} ×{count}" for word, count in figures.filler_counts.items()) or "none heard"
    filler_col.metric(
        "Filler words",
        f"{figures.fillers_per_minute:.1f}/min",
        help=f"{fillers}. Up to {MAX_FILLERS_PER_MINUTE:.0f} a minute goes unnoticed. The speech model leaves "
        "some out, so this is a lower bound.",
    )
    longest = f", longest {figures.longest_pause_s:.1f} s" if figures.long_pauses else ""
    pause_col.metric(
        "Long pauses",
        f"{figures.long_pauses}",
        help=f"Silences of {LONG_PAUSE_S:.0f} s or more between words{longest}. Up to one a minute reads as thinking.",
    )
    tips = delivery_tips(figures)
    if tips:
        st.markdown("\n".join(f"- {_one_line(inert_markdown(tip))}" for tip in tips))
    else:
        st.caption(f"Pace, fillers and pauses are all within the usual ranges ({low}-{high} words a minute).")


def job_progress(status: JobStatus) -> None:
    """Progress of one scoring job: queue position, current step and the feedback streamed so far."""
    if status.state is JobState.QUEUED:
        ahead = status.position or 0
        st.progress(0.05, text=f"Waiting to be scored ({counted(ahead, 'answer')} ahead)…")
    elif status.phase is JobPhase.CHECKING:
        st.progress(0.35, text="Checking the answer against the rubric…")
    elif status.phase is JobPhase.WRITING_FEEDBACK:
        st.progress(0.7, text="Writing feedback…")
        st.text(status.feedback_text)
    elif status.state is JobState.FAILED:
        st.error(status.error or "Scoring failed.")


# Streamlit sends a text box's value when it loses focus (or on Ctrl+Enter), not while the candidate
# types. Blurring the focused text box just before the time runs out sends what was typed, so the
# automatic submission gets it. Our own constant script: no candidate text is ever part of it.
_COMMIT_TYPED_TEXT = """<script>
(function () {
  const focused = window.parent.document.activeElement || document.activeElement;
  if (focused && focused.tagName === "TEXTAREA") { focused.blur(); }
})();
</script>"""


def commit_typed_text() -> None:
    """Make the browser send the text being typed in the focused text box (by blurring it)."""
    st.html(_COMMIT_TYPED_TEXT, unsafe_allow_javascript=True)


def queue_line(state: QueueState | None) -> str:
    """The scoring queue in a few words."""
    if state is None:
        return "Scoring queue: the database is not reachable"
    if state.idle:
        return "Scoring queue: idle"
    running = "1 scoring" if state.running else "none scoring"
    return f"Scoring queue: {running}, {state.queued} waiting"


def ensure_app_navigation() -> None:
    """Run the page through ``app.py``'s navigation even when the first visit to the server is a deep link.

    Streamlit treats a ``pages/`` folder as a legacy multipage app until the entry point has called
    ``st.navigation`` once; a fresh server whose first visitor opens ``/report`` would run that page
    bare (no page config, an auto-generated sidebar). Clearing the legacy flag and rerunning makes
    ``app.py`` run, and its navigation picks the same page (the URL paths are the same).
    """
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a Streamlit without the legacy flag: nothing to do
        return
    if PagesManager.uses_pages_directory and not st.session_state.get(state.NAVIGATION_SEEN):
        PagesManager.uses_pages_directory = False
        st.rerun()
    st.session_state[state.NAVIGATION_SEEN] = True  # once per session: never drop a click by rerunning


def sidebar_status() -> None:
    """The sidebar line every page shows: which models run, that they run locally, the queue state.

    Every page calls this first; it also makes sure the page runs inside ``app.py``'s navigation.
    """
    ensure_app_navigation()
    judge, embedder = resources.configured_models()
    with st.sidebar:
        speech = f", speech model `{resources.configured_speech_model()}`" if resources.speech_problem() is None else ""
        if resources.remote_judge():
            models = (
                f"Judge `{judge}` runs on your team's inference server (answers are sent only there); "
                f"embedder `{embedder}`{speech} run locally on this machine."
            )
        else:
            models = f"Judge `{judge}`, embedder `{embedder}`{speech} run locally on this machine; nothing leaves it."
        st.caption(f":material/memory: {models}")
        st.fragment(_queue_caption, run_every=QUEUE_POLL_S)()


QUEUE_POLL_S = 3.0  # how often the sidebar's queue line refreshes itself while the page is idle


def _queue_caption() -> None:
    """The queue line, redrawn on its own every ``QUEUE_POLL_S`` seconds (never left saying "1 waiting")."""
    st.caption(f":material/pending: {queue_line(resources.queue_state())}")
