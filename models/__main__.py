"""Command line for models: ``python -m models install|list|verify [NAME ...]``."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from models.errors import ModelError
from models.install import artifact_path, install, is_installed, verify
from models.loader import model_status
from models.registry import load_registry
from settings import get_settings

DEFAULT_INSTALL = ["default", "embedder"]


def _cmd_list(model_dir: Path) -> int:
    print(f"models in {model_dir}:")
    for row in model_status(replace(get_settings(), model_dir=model_dir)):
        print(f"  {row['model']:32} {row['profile']:11} {row['kind']:9} {row['state']}")
    return 0


def _cmd_install(names: list[str], model_dir: Path, prepare: bool) -> int:
    for name in names or DEFAULT_INSTALL:
        install(name, model_dir, prepare=prepare)
    return 0


def _cmd_verify(names: list[str], model_dir: Path) -> int:
    registry = load_registry()
    entries = [registry.get(n) for n in names] if names else [e for e in registry.models if is_installed(e, model_dir)]
    if not entries:
        print("no model is installed; run: python -m models install", file=sys.stderr)
        return 1
    for entry in entries:
        verify(entry, model_dir)
        print(f"ok  {entry.name}  {artifact_path(entry, model_dir)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m models", description="Install and check Candid's local models.")
    parser.add_argument(
        "--model-dir", type=Path, help="where models live (default: CANDID_MODEL_DIR or the user cache)"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_install = sub.add_parser("install", help="install models (default: the default judge and the embedder)")
    p_install.add_argument(
        "names", nargs="*", help="registry names or profiles: default, fast, tiny, embedder, speech, speech-base"
    )
    p_install.add_argument("--no-prepare", action="store_true", help="skip building the judge's runtime form")
    sub.add_parser("list", help="list the registry and what is installed")
    p_verify = sub.add_parser("verify", help="re-check the sha256 of installed models")
    p_verify.add_argument("names", nargs="*")
    args = parser.parse_args(argv)
    model_dir = args.model_dir or get_settings().model_dir
    try:
        if args.command == "list":
            return _cmd_list(model_dir)
        if args.command == "install":
            return _cmd_install(args.names, model_dir, prepare=not args.no_prepare)
        return _cmd_verify(args.names, model_dir)
    except (ModelError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
