"""Each client's share of the query workers, WDQS-style.

A client (its remote address) may run ``max_running`` queries at once; ``max_waiting`` more
wait for one of its own to end, in order; anything beyond is refused at once with
:class:`TooManyRequests` (429 with Retry-After). One client flooding the endpoint thus holds
at most ``max_running`` workers, and every other client finds the rest free.
"""

from __future__ import annotations

import asyncio
import collections
import time
from dataclasses import dataclass, field

from ogpkg.errors import OgpkgError, QueryTimeout


class TooManyRequests(OgpkgError):
    """One client has as many queries running and waiting as it may; try again later."""

    status = 429
    retry_after = 2


@dataclass
class _Client:
    running: int = 0
    waiters: collections.deque[asyncio.Future[None]] = field(default_factory=collections.deque)

    @property
    def waiting(self) -> int:
        return sum(1 for f in self.waiters if not f.done())


class ClientQuota:
    """Admission per client: :meth:`enter` before taking a worker, :meth:`leave` once after.
    ``max_running`` 0 turns the quota off."""

    def __init__(self, max_running: int, max_waiting: int) -> None:
        self.max_running = max_running
        self.max_waiting = max_waiting
        self._clients: dict[str, _Client] = {}

    def running(self, client: str) -> int:
        state = self._clients.get(client)
        return state.running if state else 0

    async def enter(self, client: str | None, deadline: float) -> bool:
        """Wait for the client's turn until ``deadline`` (monotonic); returns whether a turn
        was taken (and :meth:`leave` is owed). Raises :class:`TooManyRequests` when the
        client's waiting line is full, :class:`QueryTimeout` when the deadline passes."""
        if not self.max_running or client is None:
            return False
        state = self._clients.setdefault(client, _Client())
        if state.running < self.max_running and not state.waiting:
            state.running += 1
            return True
        if state.waiting >= self.max_waiting:
            raise TooManyRequests(
                f"this client ({client}) already has {state.running} queries running and "
                f"{state.waiting} waiting, the most one client may have; try again when one "
                "has ended",
                detail={"limit": "client", "client": client, "max_running": self.max_running,
                        "max_waiting": self.max_waiting})
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        state.waiters.append(turn)
        try:
            async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                await asyncio.shield(turn)
        except TimeoutError:
            if turn.done() and not turn.cancelled():
                self.leave(client)  # the turn came just as the wait ended: pass it on
            else:
                turn.cancel()
                self._forget(client)
            raise QueryTimeout("the query waited for this client's earlier queries to end "
                               "until its deadline", detail={"limit": "deadline"}) from None
        except BaseException:
            if turn.done() and not turn.cancelled():
                self.leave(client)
            else:
                turn.cancel()
                self._forget(client)
            raise
        return True

    def leave(self, client: str) -> None:
        """One of the client's queries ended: its turn goes to the client's next waiting
        query, or is given back."""
        state = self._clients.get(client)
        if state is None:
            return
        while state.waiters:
            turn = state.waiters.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        state.running -= 1
        self._forget(client)

    def _forget(self, client: str) -> None:
        state = self._clients.get(client)
        if state is not None and state.running <= 0 and not state.waiting:
            del self._clients[client]
