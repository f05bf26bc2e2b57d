"""The shipped rubric checker: loads offline, checks its sha256, tells states from contradicts from silent."""

import json
import shutil

import pytest

from models.checker import CHECKER_FOLDER, load_checker, weights_sha256
from models.errors import ChecksumMismatchError, ModelLoadError

POINT = "Uses precision and recall or PR-AUC rather than accuracy to evaluate the fraud model."


@pytest.mark.real_model
def test_the_shipped_checker_matches_its_manifest(real_checker):
    manifest = json.loads((CHECKER_FOLDER / "checker.json").read_text(encoding="utf-8"))
    assert weights_sha256(CHECKER_FOLDER) == manifest["sha256"]
    assert real_checker.name == f"candid-checker@{manifest['version']}"
    assert (CHECKER_FOLDER / "MODEL_CARD.md").is_file()


@pytest.mark.real_model
def test_states_contradicts_and_silent_are_told_apart(real_checker):
    stated, contradicted, silent = real_checker.check(
        [
            (
                POINT,
                "I evaluated it with PR-AUC and with recall at 90% precision, which is what matters for fraud.",
            ),
            (POINT, "I used accuracy as the main metric, since 99.5% accuracy clearly means the model works."),
            (POINT, "We deployed the service on Kubernetes behind an API gateway with two replicas."),
        ]
    )
    for verdict in (stated, contradicted, silent):
        assert verdict.states + verdict.contradicts + verdict.silent == pytest.approx(1.0, abs=1e-4)
    assert stated.states > max(contradicted.states, silent.states)
    assert contradicted.contradicts > max(stated.contradicts, silent.contradicts)
    assert silent.states < 0.5
    assert real_checker.check([(POINT, "I used PR-AUC.")]) == real_checker.check([(POINT, "I used PR-AUC.")])


def test_tampered_weights_are_refused(tmp_path):
    folder = tmp_path / "checker"
    shutil.copytree(CHECKER_FOLDER, folder)
    manifest = json.loads((folder / "checker.json").read_text(encoding="utf-8"))
    manifest["sha256"] = "0" * 64
    (folder / "checker.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ChecksumMismatchError, match="sha256"):
        load_checker(folder)


def test_a_missing_checker_says_where_it_ships(tmp_path):
    with pytest.raises(ModelLoadError, match="ships with Candid"):
        load_checker(tmp_path / "nowhere")
