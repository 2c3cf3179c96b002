"""A response cache for any ChatModel, keyed by a hash of the request.

An unchanged rerun then costs no model calls. The trial number is part of the key so
that K trials of a non-deterministic model stay K independent samples.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.models.base import AssistantMessage, ChatModel


def request_key(namespace: str, payload: dict[str, Any]) -> str:
    """A stable hash of ``payload`` under ``namespace`` (sorted keys, compact JSON)."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{namespace}\n{text}".encode()).hexdigest()


@dataclass
class DiskCache:
    """JSON values stored one file per key under ``root`` (safe across threads)."""

    root: Path
    hits: int = 0
    misses: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> Any | None:
        """The stored value, or None."""
        path = self._path(key)
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            with self._lock:
                self.misses += 1
            return None
        with self._lock:
            self.hits += 1
        return value

    def put(self, key: str, value: Any) -> None:
        """Store ``value``; written to a temp file and renamed so readers never see half."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps(value, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)


@dataclass
class CachingModel:
    """Wraps a ChatModel: answers a repeated request from disk instead of the model."""

    inner: ChatModel
    cache: DiskCache
    namespace: str
    """Identifies the backend and model name, so two models never share answers."""
    trial: int = 0
    calls: int = 0
    """Requests that reached the inner model."""

    name: str = ""
    """The inner model's name (set from it)."""

    def __post_init__(self) -> None:
        self.name = self.name or self.inner.name

    def complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
    ) -> AssistantMessage:
        """The cached answer for this exact request and trial, else the model's."""
        key = request_key(
            self.namespace, {"messages": messages, "tools": tools, "trial": self.trial}
        )
        stored = self.cache.get(key)
        if stored is not None:
            return AssistantMessage.model_validate(stored)
        answer = self.inner.complete(messages, tools)
        self.calls += 1
        self.cache.put(key, answer.model_dump(mode="json"))
        return answer


@dataclass
class CountingModel:
    """Wraps a ChatModel and counts requests (the runner reports calls per trial)."""

    inner: ChatModel
    calls: int = 0

    name: str = ""
    """The inner model's name (set from it)."""

    def __post_init__(self) -> None:
        self.name = self.name or self.inner.name

    def complete(
        self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
    ) -> AssistantMessage:
        """Forward the request and count it."""
        self.calls += 1
        return self.inner.complete(messages, tools)
