"""A fixed number of query slots per process: a query that finds none is refused at once (429), never
queued — a queue would only turn overload into timeouts, and the client knows how to retry."""

from __future__ import annotations

from types import TracebackType

from hearth_query_api.errors import QueryCapacityFull


class QuerySlots:
    def __init__(self, size: int, *, retry_after: float) -> None:
        if size < 1:
            raise ValueError("at least one query slot is needed")
        self.size = size
        self.retry_after = retry_after
        self.in_use = 0

    def take(self) -> Slot:
        """A held slot (release it with ``release`` or ``with``); QueryCapacityFull when none is free."""
        if self.in_use >= self.size:
            raise QueryCapacityFull(
                f"all {self.size} query slots are busy; retry in a moment", retry_after=self.retry_after
            )
        self.in_use += 1
        return Slot(self)


class Slot:
    """One held slot; releasing twice is harmless (streams release on completion and on disconnect)."""

    def __init__(self, slots: QuerySlots) -> None:
        self._slots: QuerySlots | None = slots

    def release(self) -> None:
        if self._slots is not None:
            self._slots.in_use -= 1
            self._slots = None

    def __enter__(self) -> Slot:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
