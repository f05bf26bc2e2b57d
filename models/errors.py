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
