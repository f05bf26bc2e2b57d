"""Train the rubric checker: ``python -m models.train_checker [--epochs 2] [--out models/checker]``.

Fine-tunes all-MiniLM-L6-v2 (the installed embedder's weights) with a 3-way head on (claim,
passage) pairs labelled states / contradicts / silent:

- the SemEval-2013 Task 7 training split (``../shared/datasets/semeval2013-task7-train``, CC-BY-SA
  3.0): (best-matching reference answer, student answer) with correct -> states,
  contradictory -> contradicts, incorrect -> silent;
- passages written for the banks' rubric points and red flags (``models/checker_data/<bank>.jsonl``:
  states / contradicts / talks around each point and flag; with ``--near`` also ``<bank>.near.jsonl``,
  which commits each red flag in three voices, does the right practice it is the opposite of, and
  wrongly states each point), seen ``--bank-weight`` times per epoch, plus on-topic negatives derived from them
  (``derived_silent_pairs``: a passage stating another claim of the same question is silent on this one).
  ``<bank>.negation.jsonl`` holds passages whose stance rests on a negation or on the claim's own words
  (each point stated by rejecting the wrong practice, and contradicted confidently in its own words; each red
  flag avoided with a negation or as a warning, and committed through a skipped safeguard): the field
  ``form`` names which;
- with ``--near``, the same questions' anchor answers (``anchor_pairs``): the strong anchor's two sentence-pair
  windows closest to each red flag are silent on it (and the whole anchor states each point when it
  is short enough to be read whole); the generic anchor is silent on each point;
- with ``--focus PATTERN`` (repeatable) and ``--init FOLDER``, a fine-tune of a trained checker on the files
  matching a pattern (``focus_mix``: every focus pair plus ``--replay`` times as many others, drawn seeded);
- with ``--examples``, the banks' red-flag examples (``example_pairs``; a candidate that was worse on its own
  held-out questions and out of fold, 2026-11-29: docs/scoring-log.md).

A seeded 15% of the questions of each source is held out (never trained on) and the held-out
figures are printed and written to the manifest: accuracy, macro-F1, and ROC-AUC of P(states) and
P(contradicts). The development set of interview answers (``scoring/data/devset``) is on other
questions altogether. Plain PyTorch loop (AdamW, linear warm-up and decay), seeded, logged; the
weights are saved as float16 safetensors with their sha256 in ``checker.json``. Replace the shipped
version only when the development-set figures out of fold (`python -m scoring.calibrate --rubric`) are better.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import random
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from models.checker import CHECKER_FOLDER, LABELS, weights_sha256

ROOT = Path(__file__).resolve().parents[1]
SEMEVAL_DIR = ROOT.parent / "shared" / "datasets" / "semeval2013-task7-train"
PAIRS_DIR = Path(__file__).resolve().parent / "checker_data"
ANSWERS_DIR = PAIRS_DIR / "answers"
DEVSET_DIR = ROOT / "scoring" / "data" / "devset"
BANKS_DIR = ROOT / "question_banks"
SEMEVAL_LABELS = {"correct": "states", "contradictory": "contradicts", "incorrect": "silent"}
HELD_OUT_SHARE = 0.15
_WORD = re.compile(r"[a-z0-9]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
ANCHOR_MAX_WORDS = 120  # as scoring.rubric.WHOLE_ANSWER_WORDS: the longest passage the scorer reads whole


@dataclass(frozen=True)
class Pair:
    """One training example: a claim, a passage, the label and the question it belongs to (for splits)."""

    claim: str
    passage: str
    label: str
    group: str
    source: str


def _matches(name: str, patterns: Sequence[str]) -> bool:
    """Whether a file name matches one of the ``--focus`` globs."""
    return any(fnmatch.fnmatch(name, pattern) for pattern in patterns)


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def semeval_pairs(folder: Path = SEMEVAL_DIR) -> list[Pair]:
    """(Best-matching reference, student answer) pairs from both SemEval training corpora."""
    import pandas as pd

    pairs = []
    for corpus in ("beetle", "sciEntsBank"):
        frame = pd.read_csv(folder / f"{corpus}_train.csv")
        for row in frame.itertuples(index=False):
            answer = str(row.student_answer)
            references = [r.strip() for r in str(row.all_reference_answers).split("|||") if r.strip()]
            references = references or [str(row.reference_answer)]
            best = max(references, key=lambda ref: len(_words(ref) & _words(answer)) / (len(_words(ref)) or 1))
            label = SEMEVAL_LABELS[str(row.label_3way)]
            pairs.append(Pair(best, answer, label, f"semeval:{corpus}:{row.question_id}", corpus))
    return pairs


def bank_pairs(folder: Path = PAIRS_DIR, *, near: bool = False, focus: Sequence[str] = ()) -> list[Pair]:
    """Passages written for the banks' rubric points and red flags (one JSON object per line);
    ``<bank>.near.jsonl`` too with ``near``. Pairs of the files whose name matches a ``focus`` glob (e.g.
    ``*.negation.jsonl``) get the source ``BANK_FOCUS_SOURCE`` (``focus_mix``), the others ``bank``."""
    pairs = []
    for path in sorted(folder.glob("*.jsonl")):
        if path.name.endswith(".near.jsonl") and not near:
            continue
        source = BANK_FOCUS_SOURCE if _matches(path.name, focus) else "bank"
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            if item["label"] not in LABELS:
                raise ValueError(f"{path.name}: unknown label {item['label']!r}")
            group = f"bank:{path.name.split('.')[0]}:{item['question_id']}"  # every file of a bank shares its questions
            pairs.append(Pair(item["target"], item["passage"], item["label"], group, source))
    return pairs


def anchor_pairs(pairs: Sequence[Pair], banks: Path = BANKS_DIR) -> list[Pair]:
    """Whole-answer pairs from the anchor answers of the questions that have written passages.

    Only questions already in ``pairs`` are used, so the development set's questions stay unseen. The
    strong anchor states every rubric point and commits no red flag; the generic anchor talks around
    every point (silent): long, on-topic passages like the answers the scorer reads.
    """
    found = []
    for group, question in _trained_questions(pairs, banks):
        anchors = {a["level"]: " ".join(a["answer"].split()) for a in question.get("anchors", [])}
        points = [item["point"] for item in question.get("rubric", [])]
        flags = [item["flag"] for item in question.get("red_flags", [])]
        strong, generic = anchors.get("strong", ""), anchors.get("generic", "")
        if strong and len(strong.split()) <= ANCHOR_MAX_WORDS:
            found += [Pair(point, strong, "states", group, "bank-anchor") for point in points]
        windows = _windows(strong)
        for flag in flags:  # the windows sharing most words with the flag: on topic, yet not committing it
            found += [Pair(flag, window, "silent", group, "bank-anchor") for window in _closest(windows, flag, 2)]
        if generic and len(generic.split()) <= ANCHOR_MAX_WORDS:
            found += [Pair(point, generic, "silent", group, "bank-anchor") for point in points]
    return found


def _bank_questions(banks: Path) -> dict[str, dict]:
    """Every bank question as written in its YAML file, by group (``bank:<bank>:<id>``), in bank order."""
    import yaml

    questions = {}
    for path in sorted(banks.glob("*.yaml")):
        for question in yaml.safe_load(path.read_text(encoding="utf-8")).get("questions", []):
            questions[f"bank:{path.stem}:{question['id']}"] = question
    return questions


def _trained_questions(pairs: Sequence[Pair], banks: Path) -> list[tuple[str, dict]]:
    """``(group, question)`` of every bank question that has written passages in ``pairs``, in bank order."""
    wanted = {pair.group for pair in pairs if pair.source == "bank"}
    return [(group, question) for group, question in _bank_questions(banks).items() if group in wanted]


def _windows(text: str) -> list[str]:
    """The answer's neighbouring-sentence pairs (the whole text when it is one sentence; none when empty)."""
    if not text.strip():
        return []
    sentences = _SENTENCE_END.split(" ".join(text.split()))
    return [" ".join(sentences[i : i + 2]) for i in range(max(1, len(sentences) - 1))]


def _closest(windows: Sequence[str], claim: str, count: int) -> list[str]:
    """The ``count`` windows sharing most words with ``claim`` (on topic, yet not stating it)."""
    return sorted(windows, key=lambda w: -len(_words(w) & _words(claim)))[:count]


def example_pairs(pairs: Sequence[Pair], banks: Path = BANKS_DIR) -> list[Pair]:
    """Pairs from the banks' red-flag examples (what a candidate says when committing a flag), for the questions
    that have written passages only (so the development set's questions stay unseen).

    The scorer checks each example as a claim beside the flag itself, so the checker learns both readings:
    (flag, example) and (example, another example of the same flag) state it; an example of another flag of
    the same question, and the strong anchor's window closest to the example, are silent on it.
    """
    found = []
    for group, question in _trained_questions(pairs, banks):
        flags = [(item["flag"], list(item.get("examples") or [])) for item in question.get("red_flags", [])]
        strong = next((a["answer"] for a in question.get("anchors", []) if a["level"] == "strong"), "")
        windows = _windows(strong)
        for index, (flag, examples) in enumerate(flags):
            others = [e for j, (_, more) in enumerate(flags) if j != index for e in more]
            for number, example in enumerate(examples):
                found.append(Pair(flag, example, "states", group, "bank-example"))
                if len(examples) > 1:  # the next example of the same flag (one pair each, so the data stay small)
                    found.append(Pair(example, examples[(number + 1) % len(examples)], "states", group, "bank-example"))
                if others:
                    found.append(Pair(example, others[number % len(others)], "silent", group, "bank-example"))
                found += [
                    Pair(example, window, "silent", group, "bank-example") for window in _closest(windows, example, 1)
                ]
    return found


def derived_silent_pairs(pairs: Sequence[Pair], per_claim: int, seed: int) -> list[Pair]:
    """On-topic negatives: passages that state *another* claim of the same question, labelled silent for this one.

    The written passages teach states / contradicts / silent per claim, but a small model still
    learns "on topic means states". A passage written to state one rubric point (or commit one red
    flag) of a question, read against another point or flag of the same question, is on topic and,
    nearly always, silent on it: ``per_claim`` such passages per claim, drawn seeded.
    """
    rng = random.Random(seed)
    by_group: dict[str, list[Pair]] = {}
    for pair in pairs:
        if pair.source == "bank":
            by_group.setdefault(pair.group, []).append(pair)
    derived = []
    for group, members in sorted(by_group.items()):
        claims = sorted({pair.claim for pair in members})
        for claim in claims:
            others = sorted({p.passage for p in members if p.claim != claim and p.label == "states"})
            own = {p.passage for p in members if p.claim == claim}
            pool = [passage for passage in others if passage not in own]
            for passage in rng.sample(pool, min(per_claim, len(pool))):
                derived.append(Pair(claim, passage, "silent", group, "bank-derived"))
    return derived


ANSWER_KINDS = ("strong", "good_incomplete", "confidently_wrong", "strong_with_error")
ANSWER_TAGS = ("states", "partly", "contradicts", "commits", "avoids")


def load_annotated_answers(folder: Path = ANSWERS_DIR, banks: Path = BANKS_DIR) -> list[dict]:
    """The annotated answers of ``folder/<bank>*.jsonl``, validated; each with its ``bank`` and ``group`` added.

    One JSON object per line: ``question_id``, ``kind`` (``ANSWER_KINDS``) and ``sentences``, each
    ``{"text": ..., "states": [i, ...], "partly": [...], "contradicts": [...], "commits": [j, ...],
    "avoids": [...]}``: rubric-point indexes ``i`` the sentence states, partly states or contradicts, and
    red-flag indexes ``j`` it commits or avoids (does the right practice instead), 0-based in bank order.

    Raises:
        ValueError: naming the file and line of an unknown question or kind, an index out of range, a
            question of the graded development set (it must stay unseen), or a sentence without text.
    """
    questions = _bank_questions(banks)
    # The development set's question ids, read here: ``models`` sits below ``scoring`` in the layers (the
    # import contract), so ``scoring.devset.load_devset`` is out of reach.
    development = set()
    for path in sorted(DEVSET_DIR.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                development.add(f"bank:{path.stem}:{json.loads(line)['question_id']}")
    answers = []
    for path in sorted(folder.glob("*.jsonl")):
        bank = path.name.split(".")[0]
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            where = f"{path.name}:{number}"
            item = json.loads(line)
            group = f"bank:{bank}:{item.get('question_id')}"
            if group not in questions:
                raise ValueError(f"{where}: no question {item.get('question_id')!r} in bank {bank!r}")
            if group in development:
                raise ValueError(f"{where}: {item['question_id']} is a development-set question; it must stay unseen")
            if item.get("kind") not in ANSWER_KINDS:
                raise ValueError(f"{where}: kind {item.get('kind')!r} is not one of {ANSWER_KINDS}")
            question = questions[group]
            sizes = {"point": len(question.get("rubric", [])), "flag": len(question.get("red_flags", []))}
            sentences = item.get("sentences") or []
            if not sentences:
                raise ValueError(f"{where}: no sentences")
            for sentence in sentences:
                if not str(sentence.get("text", "")).strip():
                    raise ValueError(f"{where}: a sentence without text")
                for tag in ANSWER_TAGS:
                    size = sizes["flag" if tag in ("commits", "avoids") else "point"]
                    bad = [i for i in sentence.get(tag, []) if not isinstance(i, int) or not 0 <= i < size]
                    if bad:
                        raise ValueError(f"{where}: {tag} {bad} out of range (0-{size - 1})")
            answers.append(item | {"bank": bank, "group": group, "question": question, "file": path.name})
    return answers


def answer_pairs(answers: Sequence[dict], seed: int, silent_per_claim: int = 2) -> list[Pair]:
    """(claim, window) pairs from annotated answers: what the scorer reads, labelled by the sentences in it.

    Windows are single sentences and neighbouring pairs (as ``scoring.rubric.answer_passages`` cuts a
    short answer). For a rubric point, a window *states* it when one of its sentences does, *contradicts* it
    when one contradicts it and none states it, and is *silent* when no sentence mentions it (a window with
    only a partial statement is left out: neither label is right). For a red flag: *states* when a sentence
    commits it, *contradicts* when one avoids it, else silent. Every stating or contradicting window is kept;
    of the silent ones, per claim and answer, the one sharing most words with the claim (on topic, a hard
    negative) and ``silent_per_claim - 1`` drawn seeded.
    """
    rng = random.Random(seed)
    pairs = []
    for answer in answers:
        texts = [" ".join(s["text"].split()) for s in answer["sentences"]]
        spans = [[i] for i in range(len(texts))] + [[i, i + 1] for i in range(len(texts) - 1)]
        question = answer["question"]
        claims = [(item["point"], "states", "partly", "contradicts", i) for i, item in enumerate(question["rubric"])]
        claims += [(item["flag"], "commits", None, "avoids", i) for i, item in enumerate(question.get("red_flags", []))]
        for claim, yes, part, no, index in claims:
            silent = []
            for span in spans:
                tags = [answer["sentences"][i] for i in span]
                window = " ".join(texts[i] for i in span)
                if any(index in t.get(yes, []) for t in tags):
                    pairs.append(Pair(claim, window, "states", answer["group"], "bank-answer"))
                elif any(index in t.get(no, []) for t in tags):
                    pairs.append(Pair(claim, window, "contradicts", answer["group"], "bank-answer"))
                elif part is None or not any(index in t.get(part, []) for t in tags):
                    silent.append(window)
            if silent:
                hardest = max(silent, key=lambda w: len(_words(w) & _words(claim)))  # the first of equals
                rest = [w for w in silent if w != hardest]
                chosen = [hardest, *rng.sample(rest, min(silent_per_claim - 1, len(rest)))]
                pairs += [Pair(claim, window, "silent", answer["group"], "bank-answer") for window in chosen]
    return pairs


def split_by_question(pairs: Sequence[Pair], seed: int) -> tuple[list[Pair], list[Pair]]:
    """Hold out a seeded ``HELD_OUT_SHARE`` of each corpus's questions (bank and derived pairs share theirs)."""
    held: set[str] = set()
    for corpus in sorted({_corpus(pair) for pair in pairs}):
        groups = sorted({pair.group for pair in pairs if _corpus(pair) == corpus})
        random.Random(f"{seed}:{corpus}").shuffle(groups)
        held.update(groups[: max(1, round(HELD_OUT_SHARE * len(groups)))])
    return [p for p in pairs if p.group not in held], [p for p in pairs if p.group in held]


def _corpus(pair: Pair) -> str:
    return "bank" if pair.source.startswith("bank") else pair.source


def _batches(pairs: list[Pair], batch_size: int, rng: random.Random) -> list[list[Pair]]:
    """Shuffled batches of similar length (less padding), in shuffled order."""
    order = pairs[:]
    rng.shuffle(order)
    chunk = batch_size * 50
    batches = []
    for start in range(0, len(order), chunk):
        block = sorted(order[start : start + chunk], key=lambda p: len(p.claim) + len(p.passage))
        batches.extend(block[i : i + batch_size] for i in range(0, len(block), batch_size))
    rng.shuffle(batches)
    return batches


def evaluate(model: object, tokenizer: object, pairs: Sequence[Pair], max_length: int) -> dict[str, float]:
    """Accuracy, macro-F1 and ROC-AUC of P(states) / P(contradicts) on ``pairs``."""
    import numpy as np
    import torch
    from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

    model.eval()
    probabilities = []
    with torch.inference_mode():
        for start in range(0, len(pairs), 64):
            batch = pairs[start : start + 64]
            encoded = tokenizer(
                [p.claim for p in batch],
                [p.passage for p in batch],
                truncation="only_second",
                max_length=max_length,
                padding=True,
                return_tensors="pt",
            )
            probabilities.append(torch.softmax(model(**encoded).logits.float(), dim=-1).numpy())
    probs = np.concatenate(probabilities)
    truth = np.array([LABELS.index(p.label) for p in pairs])
    figures = {
        "pairs": len(pairs),
        "accuracy": float(accuracy_score(truth, probs.argmax(1))),
        "macro_f1": float(f1_score(truth, probs.argmax(1), average="macro")),
    }
    for index, label in enumerate(LABELS[:2]):
        positives = truth == index
        if 0 < positives.sum() < len(truth):
            figures[f"auc_{label}"] = float(roc_auc_score(positives, probs[:, index]))
    return figures


FOCUS_SOURCE = "bank-answer-focus"  # annotated answers of the ``--focus`` files (their held-out figures apart)
BANK_FOCUS_SOURCE = "bank-focus"  # written passages of the ``--focus`` files (``bank_pairs``)
FOCUS_SOURCES = (FOCUS_SOURCE, BANK_FOCUS_SOURCE)


def focus_mix(train_pairs: Sequence[Pair], replay: float, seed: int, keep: Sequence[str] = ()) -> list[Pair]:
    """Every pair of a focus source (``FOCUS_SOURCES``) and of a ``keep`` source, plus a seeded draw of the
    others, ``replay`` times as many as the focus pairs (fine-tuning).

    Continuing a trained checker on new data alone would let it forget what it read well before (the
    shipped checker read terse answers worse than long ones; replaying its own data keeps the long ones).

    Raises:
        ValueError: no training pair comes from the focus files.
    """
    focus = [p for p in train_pairs if p.source in FOCUS_SOURCES]
    if not focus:
        raise ValueError("no annotated answer or written passage matches --focus (or every one is held out)")
    kept = [p for p in train_pairs if p.source in keep]
    rest = [p for p in train_pairs if p.source not in FOCUS_SOURCES and p.source not in keep]
    drawn = random.Random(f"{seed}:replay").sample(rest, min(len(rest), round(replay * len(focus))))
    return focus + kept + drawn


def _init_version(folder: str | None) -> str | None:
    """The version of the checker a run started from (its ``checker.json``), or None from the base model."""
    if not folder:
        return None
    return json.loads((Path(folder) / "checker.json").read_text(encoding="utf-8"))["version"]


def train(args: argparse.Namespace) -> dict[str, object]:
    """Train, evaluate on the held-out questions, save; the manifest written."""
    import numpy as np
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, get_linear_schedule_with_warmup

    from models.loader import embedder_folder

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    written = bank_pairs(args.pairs, near=args.near, focus=args.focus)
    pairs = semeval_pairs() + written + derived_silent_pairs(written, args.derived_per_claim, args.seed)
    if args.near:
        pairs += anchor_pairs(written)
    if args.examples:
        pairs += example_pairs(written)
    if args.answers:
        answers = load_annotated_answers(args.pairs / "answers")
        in_focus = [_matches(a["file"], args.focus) for a in answers]
        pairs += answer_pairs([a for a, f in zip(answers, in_focus, strict=True) if not f], args.seed)
        focus = [a for a, f in zip(answers, in_focus, strict=True) if f]
        pairs += [replace(p, source=FOCUS_SOURCE) for p in answer_pairs(focus, args.seed)]
    train_pairs, held_out = split_by_question(pairs, args.seed)
    # The written passages are few next to SemEval's answers and closest to what the scorer reads: seen twice.
    train_pairs += [pair for pair in train_pairs if pair.source == "bank"] * (args.bank_weight - 1)
    if args.focus:
        train_pairs = focus_mix(train_pairs, args.replay, args.seed, args.keep)
    base = Path(args.init) if args.init else embedder_folder()
    tokenizer = AutoTokenizer.from_pretrained(str(base), local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(
        str(base),
        num_labels=len(LABELS),
        id2label=dict(enumerate(LABELS)),
        label2id={label: i for i, label in enumerate(LABELS)},
        local_files_only=True,
        dtype=torch.float32,  # a shipped checker is stored in fp16; training needs fp32
    )
    rng = random.Random(args.seed)
    steps = args.epochs * ((len(train_pairs) + args.batch_size - 1) // args.batch_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    schedule = get_linear_schedule_with_warmup(optimizer, int(0.06 * steps), steps)
    started = time.time()
    step = 0
    for epoch in range(args.epochs):
        model.train()
        for batch in _batches(train_pairs, args.batch_size, rng):
            encoded = tokenizer(
                [p.claim for p in batch],
                [p.passage for p in batch],
                truncation="only_second",
                max_length=args.max_length,
                padding=True,
                return_tensors="pt",
            )
            labels = torch.tensor([LABELS.index(p.label) for p in batch])
            loss = torch.nn.functional.cross_entropy(model(**encoded).logits, labels)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            step += 1
            if step % 50 == 0:
                print(
                    f"epoch {epoch + 1} step {step}/{steps} loss {loss.item():.3f} {time.time() - started:.0f} s",
                    flush=True,
                )
    held = {
        source: evaluate(model, tokenizer, [p for p in held_out if p.source == source], args.max_length)
        for source in sorted({p.source for p in held_out})
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    model.half().save_pretrained(str(out), safe_serialization=True)
    tokenizer.save_pretrained(str(out))
    sha = weights_sha256(out)
    manifest = {
        "version": sha[:8],
        "sha256": sha,
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0)",
        "labels": list(LABELS),
        "init": _init_version(args.init),
        "training": {
            "pairs": len(train_pairs),
            "by_source": {s: sum(p.source == s for p in train_pairs) for s in sorted({p.source for p in pairs})},
            "by_label": {label: sum(p.label == label for p in train_pairs) for label in LABELS},
            "epochs": args.epochs,
            "batch_size": args.batch_size,
            "lr": args.lr,
            "max_length": args.max_length,
            "seed": args.seed,
            "bank_weight": args.bank_weight,
            "derived_per_claim": args.derived_per_claim,
            "near": args.near,
            "examples": args.examples,
            "answers": args.answers,
            "focus": args.focus,
            "replay": args.replay if args.focus else None,
            "keep": args.keep,
            "seconds": round(time.time() - started),
        },
        "held_out": held,
    }
    (out / "checker.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    (out / "MODEL_CARD.md").write_text(model_card(manifest), encoding="utf-8")
    return manifest


def model_card(manifest: dict) -> str:
    """The model card written beside the weights: what it is, the data and their licences, the held-out figures."""
    training = manifest["training"]
    rows = "\n".join(
        f"| {source} | {f['pairs']} | {f['accuracy']:.3f} | {f['macro_f1']:.3f} "
        f"| {f.get('auc_states', float('nan')):.3f} | {f.get('auc_contradicts', float('nan')):.3f} |"
        for source, f in manifest["held_out"].items()
    )
    answers = ""
    if training.get("answers"):
        answers = f"""
- Annotated interview answers to the same questions (`models/checker_data/answers/`,
  {training["by_source"].get("bank-answer", 0)} pairs): four answers per question (strong, good but incomplete,
  confidently wrong, strong with one serious error), each sentence tagged with the points it states or contradicts and
  the red flags it commits or avoids; each (claim, sentence or pair of neighbouring sentences) labelled
  by its sentences (`answer_pairs`), so the checker also learns from on-topic sentences that say nothing
  about a claim."""
    if training.get("focus"):
        kept = f", every pair of {', '.join(training['keep'])}" if training.get("keep") else ""
        focused = sum(training["by_source"].get(source, 0) for source in FOCUS_SOURCES)
        answers += f"""
- Fine-tuned from checker {manifest["init"]} (`--init`) on the files matching
  `{"`, `".join(training["focus"])}` ({focused} pairs){kept} plus {training["replay"]:g} times
  as many of the pairs above, drawn seeded (`--replay`), so what it read well before is not forgotten."""
    return f"""# Candid rubric checker {manifest["version"]}

A cross-encoder that reads a claim (a rubric point or a red flag) and a passage of an interview
answer and gives P(states), P(contradicts), P(silent). Candid uses it to decide each rubric point
and red flag of a rubric question (`scoring/rubric.py`).

- Base model: {manifest["base_model"]}, with a 3-way classification head.
- Weights: `model.safetensors`, float16, sha256 `{manifest["sha256"]}` (checked at every load).
- Trained by `python -m models.train_checker` (seed {training["seed"]}, {training["epochs"]} epochs, batch
  {training["batch_size"]}, learning rate {training["lr"]}, max length {training["max_length"]} tokens,
  {training["seconds"]} s on the development machine's CPU).

## Training data ({training["pairs"]} pairs: {training["by_label"]})
- SemEval-2013 Task 7 training split (Dzikovska et al., 2013), Beetle and SciEntsBank, CC-BY-SA 3.0:
  (best-matching reference answer, student answer), correct -> states, contradictory ->
  contradicts, incorrect -> silent. As a derivative, these weights are shared under CC-BY-SA 3.0.
- Passages written for Candid's question banks (`models/checker_data/`): for each rubric point,
  passages that state it, contradict it or talk around it; for each red flag, passages that
  commit it, avoid it or do neither. The graded development set's 45 questions are not among them.{answers}

## Held-out figures (questions never trained on: a seeded 15% of each source's questions)

| source | pairs | accuracy | macro-F1 | ROC-AUC P(states) | ROC-AUC P(contradicts) |
|---|---|---|---|---|---|
{rows}

## Limits
English only (answers in another language are translated by the judge first). A small model:
it reads passages of one or two sentences best, so the scorer gives it each claim's most similar
passages, not the whole answer. Replace a shipped version only when the held-out figures improve.
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments, train, print the held-out figures."""
    parser = argparse.ArgumentParser(prog="python -m models.train_checker", description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=4e-5)
    parser.add_argument("--max-length", type=int, default=160)
    parser.add_argument("--seed", type=int, default=2013)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--pairs", type=Path, default=PAIRS_DIR, help="folder of labelled passages (*.jsonl)")
    parser.add_argument("--bank-weight", type=int, default=2, help="times each written passage is seen per epoch")
    parser.add_argument("--derived-per-claim", type=int, default=4, help="on-topic silent passages per claim")
    parser.add_argument(
        "--near",
        action="store_true",
        help="also train on <bank>.near.jsonl and the anchor pairs (a candidate that was not better out of fold)",
    )
    parser.add_argument(
        "--examples", action="store_true", help="also train on the banks' red-flag examples (``example_pairs``)"
    )
    parser.add_argument(
        "--answers", action="store_true", help="also train on the annotated answers (``models/checker_data/answers``)"
    )
    parser.add_argument(
        "--validate-answers",
        type=Path,
        metavar="FOLDER",
        help="only check a folder of annotated answers and print what it holds (no training)",
    )
    parser.add_argument(
        "--init", metavar="FOLDER", help="start from a trained checker (e.g. models/checker) instead of the base model"
    )
    parser.add_argument(
        "--focus",
        action="append",
        default=[],
        metavar="PATTERN",
        help="train on the written-passage files (e.g. '*.negation.jsonl') and, with --answers, the annotated-answer "
        "files (e.g. '*.3*.jsonl') matching PATTERN, plus --replay times as many of the other pairs, drawn seeded "
        "(to continue an --init checker on new data)",
    )
    parser.add_argument("--replay", type=float, default=1.0, help="other pairs per focus pair (with --focus)")
    parser.add_argument(
        "--keep",
        action="append",
        default=[],
        metavar="SOURCE",
        help="with --focus: also train on every pair of this source (e.g. bank: the written passages, at their "
        "usual weight); repeatable",
    )
    parser.add_argument("--out", default=str(CHECKER_FOLDER))
    args = parser.parse_args(argv)
    if args.validate_answers is not None:
        try:
            answers = load_annotated_answers(args.validate_answers)
        except ValueError as error:
            print(f"invalid: {error}")
            return 1
        pairs = answer_pairs(answers, args.seed)
        summary = {
            "answers": len(answers),
            "questions": len({a["group"] for a in answers}),
            "by_kind": {kind: sum(a["kind"] == kind for a in answers) for kind in ANSWER_KINDS},
            "words_by_kind": {
                kind: sorted(sum(len(s["text"].split()) for s in a["sentences"]) for a in answers if a["kind"] == kind)
                for kind in ANSWER_KINDS
            },
            "pairs_by_label": {label: sum(p.label == label for p in pairs) for label in LABELS},
        }
        print(json.dumps(summary))
        return 0
    manifest = train(args)
    print(json.dumps({"version": manifest["version"], "held_out": manifest["held_out"]}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
