"""Answering by voice: a recorder above the answer box, the transcript put in the box to be corrected.

The page shows ``voice_answer`` above a text box. A new recording is transcribed on this machine
(progress shown), its transcript goes into the box, where the candidate reads and corrects it
before submitting: what is submitted (the box's text) is what is scored. The recording's delivery
figures (pace, fillers, pauses) travel with the answer; they describe the recording, also when the
transcript was edited. Bad recordings (silence, noise, too long, unreadable) get a message and
leave the box as it was; without a speech model the recorder is not offered and typing works.
"""

from __future__ import annotations

import hashlib
from collections.abc import MutableMapping

import streamlit as st

from models.errors import SpeechInputError
from models.speech import MAX_AUDIO_S
from scoring.delivery import delivery_figures
from ui import resources, state
from ui.state import SpokenDraft

SPEECH_HELP = (
    f"Record up to {MAX_AUDIO_S / 60:.0f} minutes. It is transcribed on this machine; nothing leaves it. "
    "Read the transcript in the box below and correct it before you submit: the text is what is scored."
)
SEEN = "speech.seen"  # recorder key -> sha256 of the last recording it held (a cleared recorder held one)


def _held(recorder_key: str) -> bool:
    """Whether the recorder held a recording before (so an empty one now means the candidate cleared it)."""
    return st.session_state.get(SEEN, {}).pop(recorder_key, None) is not None


def merged_text(current: str, previous_transcript: str | None, transcript: str) -> tuple[str, bool]:
    """The answer box's text after a new transcript, and whether typed text was kept.

    An empty box, or one holding the previous recording's transcript untouched, takes the new
    transcript; text the candidate typed or edited is kept and the transcript is added after it, so
    recording never erases writing.
    """
    if not current.strip() or (previous_transcript is not None and current.strip() == previous_transcript.strip()):
        return transcript, False
    return f"{current.rstrip()}\n\n{transcript}", True


def recording(recorder_key: str, spoken: SpokenDraft | None) -> tuple[bytes, str] | None:
    """The recording the transcript ``spoken`` is of: ``(bytes, media type)``, or ``None`` when the recorder
    holds no recording or another one (a re-recording that could not be transcribed is never kept)."""
    value = st.session_state.get(recorder_key)
    if value is None or spoken is None:
        return None
    data = value.getvalue()
    if hashlib.sha256(data).hexdigest() != spoken.recording_sha256:
        return None
    return data, value.type or "audio/wav"


def voice_answer(
    recorder_key: str, text_key: str, drafts: MutableMapping[str, SpokenDraft], slot: str, *, label: str
) -> bool:
    """The recorder; transcribes a new recording into the text box ``text_key`` (call it before the box).

    Args:
        recorder_key: The recorder widget's key.
        text_key: The answer box's key (its value is set here, so the box must come after).
        drafts: Where transcribed recordings are kept (``InterviewRecord.spoken``, the Live page's).
        slot: This recorder's key in ``drafts``: ``drafts[slot]`` is the transcript and figures of the
            recording that stands, and is removed when none does (the candidate removed it, or the
            speech model is missing).
        label: The recorder's label.

    Returns:
        Whether ``drafts[slot]`` changed (the caller saves it).
    """
    before = drafts.get(slot)
    spoken = _heard(recorder_key, text_key, before, label=label)
    if spoken == before:
        return False
    if spoken is None:
        drafts.pop(slot, None)
    else:
        drafts[slot] = spoken
    return True


def _heard(recorder_key: str, text_key: str, spoken: SpokenDraft | None, *, label: str) -> SpokenDraft | None:
    """The recorder, and the transcript and figures of the recording that stands (``None``: none does)."""
    problem = resources.speech_problem()
    if problem is not None:
        st.caption(":material/mic_off: Answering by voice is not available here; type your answer.")
        resources.log_speech_problem(problem)  # the reason (and the install command) is for the administrator
        return None
    mounted = recorder_key in st.session_state  # False after Back / Next or a reload: no recording was removed
    audio = st.audio_input(label, key=recorder_key)
    st.caption(SPEECH_HELP)
    if audio is None:
        return None if mounted and spoken is not None and _held(recorder_key) else spoken
    data = audio.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    st.session_state.setdefault(SEEN, {})[recorder_key] = digest
    if spoken is not None and spoken.recording_sha256 == digest:
        return spoken
    transcriber = resources.require_transcriber()
    if transcriber is None:
        return spoken
    with st.status("Transcribing your answer…", expanded=True) as status:
        holder = st.empty()
        bar = holder.progress(0.0, text="Listening to the recording…")
        try:
            transcript = transcriber.transcribe(data, on_progress=lambda done: bar.progress(done, text="Transcribing…"))
        except SpeechInputError as exc:
            holder.empty()
            status.update(label="The recording could not be transcribed", state="error", expanded=True)
            st.warning(str(exc), icon=":material/mic_off:")
            return spoken
        status.update(label="Transcribed: read it below and correct it before you submit", state="complete")
    previous = spoken.transcript if spoken else None
    text, kept = merged_text(str(state.widget_value(text_key, "")), previous, transcript.text)
    state.set_widget_value(text_key, text)
    if transcript.cut:
        st.warning(
            f"Only the first {MAX_AUDIO_S / 60:.0f} minutes of the recording were transcribed; say the rest in a "
            "new recording (it is added after your text once you change it) or type it.",
            icon=":material/content_cut:",
        )
    if kept:
        st.info("Your typed text was kept; the transcript was added after it.", icon=":material/edit_note:")
    return SpokenDraft(
        recording_sha256=digest,
        media_type=audio.type or "audio/wav",
        transcript=transcript.text,
        delivery=delivery_figures(transcript),
    )
