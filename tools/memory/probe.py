"""Does the case memory answer? A Chroma heartbeat and the past-case count, without the embedding model.

The API process never embeds anything, so it must not load the model (seconds and hundreds of MB) just to
say it is ready; a bare Chroma client is enough to know the store answers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tools.memory.chroma_memory import COLLECTION


class MemoryProbe:
    def __init__(self, path: Path | None = None, url: str | None = None) -> None:
        self.path = path
        self.url = url
        self._client: Any = None

    def _connect(self) -> Any:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if self.url:
            from urllib.parse import urlparse

            parsed = urlparse(self.url)
            return chromadb.HttpClient(host=parsed.hostname or "127.0.0.1", port=parsed.port or 8000, settings=settings)
        assert self.path is not None, "a persistent path or a server URL is needed"
        self.path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(self.path), settings=settings)

    def check(self) -> str:
        if self._client is None:
            self._client = self._connect()
        self._client.heartbeat()
        names = {getattr(c, "name", c) for c in self._client.list_collections()}
        if COLLECTION not in names:
            return "chroma answers; no past cases yet"
        collection = self._client.get_collection(COLLECTION, embedding_function=None)
        return f"chroma answers; {collection.count()} past cases"
