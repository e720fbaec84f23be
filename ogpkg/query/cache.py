"""A result cache keyed by the data version: a new snapshot makes every older entry unreachable
(and they are dropped), so a cached answer is never stale."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True)
class Cached:
    media_type: str
    body: bytes
    format: str


class ResultCache:
    """Least-recently-used results up to ``max_bytes`` in all; one entry at most
    ``max_item_bytes``."""

    def __init__(self, max_bytes: int, max_item_bytes: int = 2_000_000) -> None:
        self.max_bytes = max_bytes
        self.max_item_bytes = min(max_item_bytes, max_bytes)
        self._items: OrderedDict[tuple, Cached] = OrderedDict()
        self._size = 0
        self._version = -1

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def __len__(self) -> int:
        return len(self._items)

    def _roll(self, version: int) -> None:
        if version != self._version:
            self._items.clear()
            self._size = 0
            self._version = version

    def get(self, version: int, key: tuple) -> Cached | None:
        self._roll(version)
        item = self._items.get(key)
        if item is not None:
            self._items.move_to_end(key)
        return item

    def put(self, version: int, key: tuple, item: Cached) -> None:
        if not self.enabled or len(item.body) > self.max_item_bytes:
            return
        self._roll(version)
        old = self._items.pop(key, None)
        if old is not None:
            self._size -= len(old.body)
        self._items[key] = item
        self._size += len(item.body)
        while self._size > self.max_bytes and self._items:
            _, dropped = self._items.popitem(last=False)
            self._size -= len(dropped.body)
