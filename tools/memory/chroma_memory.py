"""Case memory in Chroma: past resolved cases (redacted text, final reason, priority, actions, resolution).

Chroma never embeds anything itself (its default embedding function would download a model): we pass
our own vectors on every add and query.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from agents.ports import Embedder
from agents.state import Proposal, ReasonCode, SimilarCase

log = logging.getLogger(__name__)
COLLECTION = "past_cases"
EXCERPT_CHARS = 280
SHOWN_CACHE_SIZE = 50_000  # past cases whose shown fields this process keeps (a few hundred bytes each)


class ChromaCaseMemory:
    def __init__(self, embedder: Embedder, path: Path | None = None, url: str | None = None) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if url:
            from urllib.parse import urlparse

            parsed = urlparse(url)
            self.client = chromadb.HttpClient(
                host=parsed.hostname or "127.0.0.1", port=parsed.port or 8000, settings=chroma_settings
            )
        else:
            assert path is not None, "a persistent path or a server URL is needed"
            path.mkdir(parents=True, exist_ok=True)
            self.client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        self.collection = self.client.get_or_create_collection(
            COLLECTION, embedding_function=None, metadata={"hnsw:space": "cosine"}
        )
        self.embedder = embedder
        # Past cases never change once stored (seeded, or remembered once after their review), so the
        # fields a query shows are kept per process by id and Chroma is asked for ids and distances
        # only: reading 7 cases' metadata back cost ~0.5 ms of every query (measured).
        self._shown: OrderedDict[str, SimilarCase] = OrderedDict()
        self._primed = False

    def count(self) -> int:
        return int(self.collection.count())

    def add_cases(self, records: Sequence[dict[str, Any]], vectors: np.ndarray | None = None) -> None:
        """records: {case_id, text (redacted), reason, priority, actions, resolution}."""
        if not records:
            return
        vecs = vectors if vectors is not None else self.embedder.embed_array([r["text"] for r in records])
        for r in records:
            self._shown.pop(r["case_id"], None)
        self.collection.upsert(
            ids=[r["case_id"] for r in records],
            embeddings=vecs.tolist(),
            documents=[r["text"] for r in records],
            metadatas=[
                {
                    "reason": r["reason"],
                    "priority": r.get("priority") or "",
                    "actions": json.dumps(r.get("actions") or []),
                    "resolution": r.get("resolution") or "",
                    "origin": r.get("origin", "seed"),
                    "excerpt": r["text"][:EXCERPT_CHARS],  # retrieval then never reads whole documents
                }
                for r in records
            ],
        )

    def similar_to_vector(self, vector: np.ndarray, k: int = 5) -> list[SimilarCase]:
        # An empty or small collection simply returns fewer neighbours: no count() round trip first.
        if not self._primed:
            self._prime()
        res = self.collection.query(query_embeddings=[vector.tolist()], n_results=k, include=["distances"])
        ids = res["ids"][0]
        distances = (res.get("distances") or [[]])[0]
        self._load_shown([cid for cid in ids if cid not in self._shown])
        found = [(cid, dist) for cid, dist in zip(ids, distances, strict=False) if cid in self._shown]
        return [self._shown[cid].model_copy(update={"score": round(1.0 - float(dist), 4)}) for cid, dist in found]

    def _prime(self) -> None:
        """On the first query, the shown fields of (up to the cache size of) the memory in one read."""
        self._primed = True
        got = self.collection.get(limit=SHOWN_CACHE_SIZE, include=["metadatas"])
        pairs = [(c, m) for c, m in zip(got["ids"], got.get("metadatas") or [], strict=False) if m and "excerpt" in m]
        self._remember_shown({"ids": [c for c, _ in pairs], "metadatas": [m for _, m in pairs]})  # older: on a miss

    def _load_shown(self, ids: Sequence[str]) -> None:
        if ids:
            self._remember_shown(self.collection.get(ids=list(ids), include=["metadatas", "documents"]))

    def _remember_shown(self, got: Any) -> None:
        metadatas: list[Any] = list(got.get("metadatas") or [])
        documents: list[Any] = list(got.get("documents") or [])
        for i, cid in enumerate(got["ids"]):
            meta = (metadatas[i] if i < len(metadatas) else None) or {}
            doc = documents[i] if i < len(documents) else None
            self._shown[cid] = SimilarCase(
                case_id=cid,
                score=0.0,
                reason=_reason(meta.get("reason")),
                priority=(meta.get("priority") or None),
                actions=json.loads(str(meta.get("actions") or "[]")),
                resolution=(str(meta.get("resolution")) or None),
                excerpt=str(meta.get("excerpt") or (doc or "")[:EXCERPT_CHARS]),
            )
        while len(self._shown) > SHOWN_CACHE_SIZE:
            self._shown.popitem(last=False)

    def similar(self, text: str, k: int = 5) -> list[SimilarCase]:
        return self.similar_to_vector(self.embedder.embed_array([text])[0], k)

    def remember(self, case_id: str, text: str, approved: Proposal, resolution: str | None = None) -> None:
        if approved.reason is None:
            return
        actions = [a.kind if not a.approval_kind else f"{a.kind}:{a.approval_kind}" for a in approved.actions]
        self.add_cases(
            [
                {
                    "case_id": case_id,
                    "text": text,
                    "reason": approved.reason,
                    "priority": approved.priority,
                    "actions": actions,
                    "resolution": resolution or approved.summary,
                    "origin": "review",
                }
            ]
        )


def _reason(value: Any) -> ReasonCode:
    return value
