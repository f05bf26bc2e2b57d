"""``python -m scoring.calibrate``'s options for comparing a candidate rubric checker (no model loaded)."""

from __future__ import annotations

from pathlib import Path

import pytest

import models.checker
from scoring import calibrate


def test_a_candidate_checker_cannot_overwrite_the_shipped_combination(capsys):
    with pytest.raises(SystemExit) as stopped:
        calibrate.main(["--rubric", "--write", "--checker", "/tmp/candidate"])
    assert stopped.value.code == 2
    assert "--write fits the shipped checkers only" in capsys.readouterr().err


def test_a_folder_without_a_checker_is_refused_with_the_reason(tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        calibrate.main(["--rubric", "--checker", str(tmp_path)])
    assert stopped.value.code == 2
    assert f"The rubric checker is missing from {tmp_path}" in capsys.readouterr().err


@pytest.mark.parametrize("mode", ["--rubric", "--shipped"])
def test_checker_folders_become_one_committee_passed_to_the_fit(monkeypatch, tmp_path, mode):
    loaded: list[list[Path]] = []
    calls: list[tuple[str, object]] = []
    committee = object()

    def fake_load(folders, lead=None):
        loaded.append([*folders, lead])
        return committee

    monkeypatch.setattr(models.checker, "load_committee", fake_load)
    monkeypatch.setattr(calibrate, "calibrate_rubric", lambda write, cache, checker: calls.append(("fit", checker)))
    monkeypatch.setattr(calibrate, "evaluate_shipped", lambda cache, checker: calls.append(("shipped", checker)))
    lead, second = tmp_path / "lead", tmp_path / "second"
    assert calibrate.main([mode, "--checker", str(lead), "--checker", str(second)]) == 0
    assert loaded == [[lead, second, None]]  # in order; no --lead: the first folder is the committee's lead
    assert calls == [("fit" if mode == "--rubric" else "shipped", committee)]


def test_a_candidate_lead_alone_joins_the_shipped_members(monkeypatch, tmp_path):
    loaded: list[list[Path | None]] = []
    calls: list[object] = []
    monkeypatch.setattr(models.checker, "load_committee", lambda folders, lead=None: loaded.append([*folders, lead]))
    monkeypatch.setattr(calibrate, "calibrate_rubric", lambda write, cache, checker: calls.append(checker))
    candidate = tmp_path / "lead"
    assert calibrate.main(["--rubric", "--lead", str(candidate)]) == 0
    assert loaded == [[*models.checker.COMMITTEE_FOLDERS, candidate]]
    with pytest.raises(SystemExit):
        calibrate.main(["--rubric", "--write", "--lead", str(candidate)])


def test_without_checker_folders_the_shipped_committee_is_used(monkeypatch):
    calls: list[object] = []
    monkeypatch.setattr(calibrate, "calibrate_rubric", lambda write, cache, checker: calls.append(checker))
    assert calibrate.main(["--rubric"]) == 0
    assert calls == [None]  # dev_rows then loads the shipped committee


class NamedChecker:
    name = "candid-checker@candidate"

    def check(self, pairs):
        raise AssertionError("a refused cache is not gathered again")


def test_a_cache_gathered_with_other_checkers_is_refused(tmp_path, monkeypatch, capsys):
    cache = tmp_path / "dev.jsonl"
    cache.write_text("{}\n", encoding="utf-8")
    (tmp_path / "dev.jsonl.checker").write_text("candid-checker@d28f94b9+2f1487f4\n", encoding="utf-8")
    with pytest.raises(calibrate.CacheMismatchError, match="gathered with candid-checker@d28f94b9"):
        calibrate.dev_rows(cache, checker=NamedChecker())

    monkeypatch.setattr(models.checker, "load_committee", lambda folders, lead=None: NamedChecker())
    with pytest.raises(SystemExit) as stopped:
        calibrate.main(["--rubric", "--cache", str(cache), "--checker", str(tmp_path)])
    assert stopped.value.code == 2
    assert "not candid-checker@candidate: use another cache file" in capsys.readouterr().err
