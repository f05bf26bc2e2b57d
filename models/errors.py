"""Errors the model layer raises, each with a message a user can act on."""

from __future__ import annotations


class ModelError(RuntimeError):
    """Base class: something is wrong with a model file or its installation."""


class ModelNotInstalledError(ModelError):
    """The model is not installed; the message names the command that installs it."""

    def __init__(self, name: str, where: str) -> None:
        super().__init__(
            f"Model {name!r} is not installed (looked in {where}). Install it with: python -m models install {name}"
        )
        self.name = name


class ChecksumMismatchError(ModelError):
    """An assembled or installed file does not have the sha256 the registry pins."""

    def __init__(self, path: str, expected: str, actual: str) -> None:
        super().__init__(
            f"Refusing {path}: sha256 is {actual}, expected {expected}. The file is corrupt or was "
            "tampered with; delete it and run `python -m models install` again."
        )
        self.path = path


class ModelLoadError(ModelError):
    """A model file exists but cannot be loaded (corrupt, wrong format, unsupported architecture)."""


class SpeechInputError(ValueError):
    """A recording that cannot be transcribed; the message says what to do (typing always works)."""


class UnreadableAudioError(SpeechInputError):
    """The file is not audio Candid can read (wav, webm, ogg, mp3, m4a, flac), or it is damaged."""


class AudioTooLongError(SpeechInputError):
    """The recording is longer than the limit (``models.speech.MAX_AUDIO_S``) or larger than the byte limit."""


class NoSpeechError(SpeechInputError):
    """The recording holds no speech: silence, or noise only."""


class JudgeServerError(ModelError):
    """Base class: a judge on an inference server (``models.http_judge.HttpJudge``) could not answer.

    ``url`` is the server's base URL (never with the API key: that travels in a header only).
    """

    def __init__(self, message: str, url: str) -> None:
        super().__init__(message)
        self.url = url


class JudgeUnavailableError(JudgeServerError):
    """The judge server cannot be reached, timed out or failed (5xx) after the retries.

    A passing state: nothing is wrong with the answer, so it stays queued and is scored when the
    server is back. ``attempts`` is how many requests were tried.
    """

    def __init__(self, url: str, reason: str, attempts: int) -> None:
        super().__init__(
            f"The judge server at {url} is unavailable ({reason}; {attempts} attempt{'s' if attempts != 1 else ''}). "
            "Answers stay queued and are scored when it is back.",
            url,
        )
        self.reason = reason
        self.attempts = attempts


class JudgeRequestError(JudgeServerError):
    """The judge server answered but refused the request (4xx: wrong API key, unknown model, prompt too long)."""

    def __init__(self, url: str, status: int, detail: str) -> None:
        if status in (401, 403):
            advice = "Set CANDID_JUDGE_API_KEY to a key the server accepts."
        elif status == 404:
            advice = (
                "Check CANDID_JUDGE (the base URL, usually ending in /v1) and CANDID_JUDGE_MODEL (a model it serves)."
            )
        else:
            advice = "The request is not one this server accepts."
        super().__init__(f"The judge server at {url} refused the request (HTTP {status}: {detail}). {advice}", url)
        self.status = status


class JudgeCapabilityError(JudgeServerError):
    """The judge server does not return what Candid needs (no log-probabilities of the reply's first token)."""

    def __init__(self, url: str, detail: str) -> None:
        super().__init__(
            f"The judge server at {url} returned no log-probabilities ({detail}). Candid needs an "
            "OpenAI-compatible server that supports `logprobs` and `top_logprobs` on /chat/completions, "
            "e.g. vLLM or llama.cpp's llama-server; Ollama's OpenAI endpoint may not.",
            url,
        )


class JudgeConfigError(ModelError):
    """The judge server is configured wrongly (no model name, a malformed URL); the message names the setting."""


class JudgeAddressError(JudgeConfigError):
    """The judge URL is refused: not http(s), or its host is outside loopback and the private ranges.

    See ``models.http_judge.check_judge_url``; ``CANDID_ALLOW_PUBLIC_JUDGE=1`` is an admin's explicit permission.
    """
