"""The transformers + torch judge: a fast-loading int8 runtime form, greedy streaming and option probabilities.

Loading a GGUF file through ``transformers`` de-quantizes every tensor (about a minute for the
default judge), so it is done once: ``prepare`` loads the source (a GGUF file or a Hugging Face
folder), quantizes every ``Linear`` layer to int8 with ``torch.ao`` dynamic quantization (decoding
is memory-bandwidth bound, and int8 kernels use AVX-512 VNNI where the CPU has it) and saves the
module. Loading that file back with ``mmap`` takes seconds.

The weights get one scale per output channel, not one per matrix: with a single scale per matrix
(``int8-dynamic-v1``, until 2026-12-02) the 1.5B judge could no longer translate (a Spanish answer came back
in Spanish, a German one as a summary in the third person, an Italian one as made-up text about traffic),
while per-channel scales translate all five test languages sentence by sentence, as llama.cpp's Q4_K_M and
float32 do, at the same speed (docs/scoring-log.md, nineteenth session).

``TransformersJudge`` keeps the key/value cache of recent prompts and reuses the longest common
prefix, so N rubric questions about one answer pay for the shared prompt once.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import shutil
import sys
import tempfile
import threading
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from models.errors import ModelLoadError, ModelNotInstalledError
from models.prefix import chunk_starts, common_prefix_len
from models.protocols import ChatMessage, normalised_options, option_variants
from models.registry import ModelEntry

Log = Callable[[str], None]
RUNTIME_FORMAT = "int8-dynamic-per-channel-v2"
MANIFEST = "manifest.json"
MODULE_FILE = "model.pt"


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def runtime_tag() -> str:
    """Versions the prepared form depends on; a change of any of them means preparing again."""
    import torch
    import transformers

    raw = f"torch-{torch.__version__}_transformers-{transformers.__version__}_{RUNTIME_FORMAT}"
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in raw)


def prepared_dir_for_registry(entry: ModelEntry, model_dir: Path) -> Path:
    """Where the runtime form of a registry judge lives."""
    return model_dir / entry.name / f"runtime-{runtime_tag()}"


def prepared_dir_for_path(source: Path, model_dir: Path) -> Path:
    """Where the runtime form of a bring-your-own model (a folder or GGUF file) lives."""
    source = source.resolve()
    stat = source.stat()
    key = hashlib.sha256(f"{source}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    return model_dir / "custom" / f"{source.name}-{key}" / f"runtime-{runtime_tag()}"


def is_prepared(dest: Path) -> bool:
    """Whether ``dest`` holds a complete runtime form."""
    return (dest / MANIFEST).is_file() and (dest / MODULE_FILE).is_file()


def _load_source(source: Path, log: Log) -> tuple[Any, Any]:
    """Load a GGUF file or a Hugging Face folder as a float32 model and its tokenizer."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if source.is_file():
        if source.suffix.lower() != ".gguf":
            raise ModelLoadError(f"{source} is neither a .gguf file nor a model folder")
        kwargs: dict[str, Any] = {"gguf_file": source.name}
        folder = source.parent
        log(f"de-quantizing {source.name} (done once; this takes a minute or two) ...")
    elif source.is_dir():
        kwargs = {}
        folder = source
        log(f"loading {source} ...")
    else:
        raise ModelNotInstalledError(source.name, str(source))
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True, **kwargs)
        model = AutoModelForCausalLM.from_pretrained(
            folder, local_files_only=True, dtype=torch.float32, low_cpu_mem_usage=True, **kwargs
        )
    except Exception as exc:  # corrupt file, unsupported architecture, ...
        raise ModelLoadError(f"could not load {source}: {type(exc).__name__}: {exc}") from exc
    model.eval()
    # A GGUF-loaded model is marked as quantized; its weights are plain floats now.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    return model, tokenizer


def prepare(source: Path, dest: Path, *, log: Log = _stderr) -> Path:
    """Build the int8 runtime form of ``source`` in ``dest`` (atomically: a crash leaves nothing half-written)."""
    import torch

    started = time.perf_counter()
    model, tokenizer = _load_source(source, log)
    log("quantizing Linear layers to int8 (a scale per output channel) ...")
    with warnings.catch_warnings():  # torch.ao warns it is deprecated; it works in the pinned torch
        warnings.simplefilter("ignore")
        per_channel = {torch.nn.Linear: torch.ao.quantization.per_channel_dynamic_qconfig}
        model = torch.ao.quantization.quantize_dynamic(model, per_channel, dtype=torch.qint8)
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".prepare-", dir=dest.parent))
    try:
        log(f"saving runtime form to {dest} ...")
        torch.save(model, staging / MODULE_FILE)
        tokenizer.save_pretrained(staging)
        manifest = {
            "source": str(source),
            "format": RUNTIME_FORMAT,
            "tag": runtime_tag(),
            "architecture": model.config.model_type,
            "seconds": round(time.perf_counter() - started, 1),
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        if dest.exists():
            shutil.rmtree(dest)
        staging.replace(dest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log(f"prepared in {time.perf_counter() - started:.0f} s")
    return dest


def ensure_prepared(source: Path, dest: Path, *, log: Log = _stderr) -> bool:
    """Prepare ``dest`` from ``source`` unless already done. Returns whether work was done."""
    if is_prepared(dest):
        log(f"runtime form ready at {dest}")
        return False
    prepare(source, dest, log=log)
    return True


def set_threads(threads: int) -> None:
    """Use ``threads`` intra-op threads (once per process; inter-op threads cannot change later)."""
    import torch

    torch.set_num_threads(threads)
    with contextlib.suppress(RuntimeError):  # already set, or work already started: harmless
        torch.set_num_interop_threads(1)


def load_prepared(dest: Path, name: str, *, threads: int) -> TransformersJudge:
    """Load a prepared runtime form (seconds: the weights are memory-mapped)."""
    import torch
    from transformers import AutoTokenizer

    if not is_prepared(dest):
        raise ModelNotInstalledError(name, str(dest))
    set_threads(threads)
    try:
        model = torch.load(dest / MODULE_FILE, weights_only=False, mmap=True)
        tokenizer = AutoTokenizer.from_pretrained(dest, local_files_only=True)
    except Exception as exc:
        raise ModelLoadError(
            f"the prepared form of {name} at {dest} is corrupt ({type(exc).__name__}: {exc}); "
            f"delete that folder and run `python -m models install {name}`"
        ) from exc
    model.eval()
    return TransformersJudge(model, tokenizer, name=name)


class TransformersJudge:
    """A causal LM behind the ``Judge`` protocol: greedy, deterministic, thread-safe, prefix-caching."""

    def __init__(self, model: Any, tokenizer: Any, *, name: str, cache_entries: int = 8) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.name = name
        self._lock = threading.Lock()  # not RLock: a stream may be resumed from another thread
        self._prefix_cache: OrderedDict[tuple[int, ...], Any] = OrderedDict()
        self._cache_entries = cache_entries
        self._pieces: dict[int, str] = {}
        self.stats = {"prompt_tokens": 0, "reused_tokens": 0, "generated_tokens": 0}
        eos = {tokenizer.eos_token_id}
        for special in ("<|im_end|>", "<|endoftext|>", "<|eot_id|>"):
            token_id = tokenizer.convert_tokens_to_ids(special)
            if isinstance(token_id, int) and token_id != tokenizer.unk_token_id:
                eos.add(token_id)
        self._eos = {token for token in eos if token is not None}

    # -- prompts -------------------------------------------------------------------------------

    def prompt_ids(self, messages: Sequence[ChatMessage]) -> list[int]:
        """Token ids of the chat, ending where the assistant's reply starts (or continues, after a prefill)."""
        prefill = bool(messages) and messages[-1]["role"] == "assistant"
        ids = self.tokenizer.apply_chat_template(
            list(messages), add_generation_prompt=not prefill, continue_final_message=prefill, tokenize=True
        )
        if isinstance(ids, dict) or hasattr(ids, "keys"):
            ids = ids["input_ids"]
        return [int(token) for token in ids]

    def _forward_prompt(self, ids: list[int]) -> tuple[Any, Any]:
        """Run the prompt through the model, reusing the longest cached prefix. Returns (last logits, cache).

        Dynamic int8 quantization scales activations per forward call, so the numbers a token gets
        depend on which tokens share its call. The prompt is therefore always cut into chunks at
        the same positions (see ``_chunk_boundaries``) and a cached prefix is reused only up to a
        chunk boundary: the result is a function of the prompt alone, whatever the
        cache held, which keeps scores byte-identical across runs.
        """
        import torch
        from transformers import DynamicCache

        best_len, best_key = 0, None
        for key in self._prefix_cache:
            common = common_prefix_len(key, ids)
            if common > best_len:
                best_len, best_key = common, key
        boundaries = self._chunk_boundaries(ids)
        reuse = max((b for b in boundaries if b <= min(best_len, len(ids) - 1)), default=0)
        if best_key is not None and reuse > 0:
            cache = copy.deepcopy(self._prefix_cache[best_key])
            surplus = cache.get_seq_length() - reuse
            if surplus > 0:
                cache.crop(-surplus)
            self._prefix_cache.move_to_end(best_key)
        else:
            cache, reuse = DynamicCache(), 0
        self.stats["prompt_tokens"] += len(ids)
        self.stats["reused_tokens"] += reuse
        logits = None
        with torch.inference_mode():
            starts = [b for b in boundaries if b >= reuse]
            for start, end in zip(starts, [*starts[1:], len(ids)], strict=True):
                out = self.model(input_ids=torch.tensor([ids[start:end]]), cache=cache, use_cache=True)
                cache, logits = out.cache, out.logits[0, -1]
        self._prefix_cache[tuple(ids)] = copy.deepcopy(cache)
        while len(self._prefix_cache) > self._cache_entries:
            self._prefix_cache.popitem(last=False)
        assert logits is not None
        return logits.float(), cache

    def _chunk_boundaries(self, ids: Sequence[int]) -> list[int]:
        """Chunk starts of a prompt (``models.prefix.chunk_starts``), from its token ids."""
        return chunk_starts([self._piece(token) for token in ids])

    def _piece(self, token: int) -> str:
        piece = self._pieces.get(token)
        if piece is None:
            piece = self._pieces[token] = self.tokenizer.decode([token])
        return piece

    # -- Judge protocol ------------------------------------------------------------------------

    def option_probabilities(self, messages: Sequence[ChatMessage], options: Sequence[str]) -> dict[str, float]:
        """Probability of each option as the start of the reply, normalised over the options.

        An option's probability is that of its first token, summed over its casing and
        leading-space variants that are distinct single tokens ("Yes", "yes", " Yes"); options
        whose variants share a first token are told apart by their full token sequences.
        """
        import torch

        if not options:
            raise ValueError("options must not be empty")
        with self._lock:
            logits, cache = self._forward_prompt(self.prompt_ids(messages))
            log_probs = torch.log_softmax(logits, dim=-1)
            masses = [self._option_mass(option, log_probs, cache) for option in options]
        return normalised_options(options, masses)

    def _option_mass(self, option: str, log_probs: Any, cache: Any) -> float:
        import torch

        first_tokens: set[int] = set()
        for variant in option_variants(option):
            ids = self.tokenizer.encode(variant, add_special_tokens=False)
            if len(ids) == 1:
                first_tokens.add(ids[0])
        if first_tokens:
            return float(sum(torch.exp(log_probs[token]) for token in first_tokens))
        # Multi-token option: chain rule over its tokens, continuing from the prompt's cache.
        ids = self.tokenizer.encode(option, add_special_tokens=False)
        total = float(log_probs[ids[0]])
        with torch.inference_mode():
            out = self.model(input_ids=torch.tensor([ids[:-1]]), cache=copy.deepcopy(cache), use_cache=True)
        follow = torch.log_softmax(out.logits[0].float(), dim=-1)
        for position, token in enumerate(ids[1:]):
            total += float(follow[position, token])
        return float(torch.exp(torch.tensor(total)))

    def generate(self, messages: Sequence[ChatMessage], max_new_tokens: int = 256) -> Iterator[str]:
        """Stream the greedy reply as text chunks. Holds the model until the stream ends or is closed."""
        import torch

        with self._lock:
            logits, cache = self._forward_prompt(self.prompt_ids(messages))
            generated: list[int] = []
            emitted = ""
            for _ in range(max_new_tokens):
                token = int(torch.argmax(logits))
                if token in self._eos:
                    break
                generated.append(token)
                self.stats["generated_tokens"] += 1
                text = self.tokenizer.decode(generated, skip_special_tokens=True)
                if not text.endswith("\ufffd"):  # wait for the rest of a multi-byte character
                    chunk, emitted = text[len(emitted) :], text
                    if chunk:
                        yield chunk
                with torch.inference_mode():
                    out = self.model(input_ids=torch.tensor([[token]]), cache=cache, use_cache=True)
                cache = out.cache
                logits = out.logits[0, -1].float()
            text = self.tokenizer.decode(generated, skip_special_tokens=True)
            if len(text) > len(emitted):
                yield text[len(emitted) :]

    def clear_cache(self) -> None:
        """Forget cached prompt prefixes (frees their memory)."""
        with self._lock:
            self._prefix_cache.clear()
