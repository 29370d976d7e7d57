"""Severity levels: Logfire's names ↔ the numbers stored in the ``level`` column.

The named levels are Logfire's (``logfire._internal.constants.LEVEL_NUMBERS``); ``warning`` is accepted as
an alias of ``warn``. Numbers between two named levels (OTLP severities such as 14 = WARN2) are named after
OpenTelemetry's scheme (``warn2``, ``info3``…) so :func:`level_name` never returns NULL for 1-24.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

LEVEL_NUMBERS: Mapping[str, int] = MappingProxyType(
    {"trace": 1, "debug": 5, "info": 9, "notice": 10, "warn": 13, "warning": 13, "error": 17, "fatal": 21}
)


def _names_by_number() -> tuple[str | None, ...]:
    names: list[str | None] = [None] * 25
    for base, number in (("trace", 1), ("debug", 5), ("info", 9), ("warn", 13), ("error", 17), ("fatal", 21)):
        for step in range(4):
            names[number + step] = base if step == 0 else f"{base}{step + 1}"
    names[10] = "notice"  # Logfire names 10 (OTel's INFO2) "notice"
    return tuple(names)


#: ``LEVEL_NAMES[n]`` is the name of severity number ``n`` (index 0 and anything above 24 have none).
LEVEL_NAMES: tuple[str | None, ...] = _names_by_number()

#: Every name :func:`level_num` understands, including the in-between ones (``warn2``…).
NAME_TO_NUMBER: Mapping[str, int] = MappingProxyType(
    {**{name: n for n, name in enumerate(LEVEL_NAMES) if name is not None}, **LEVEL_NUMBERS}
)


def level_num(name: str) -> int | None:
    """The severity number of ``name`` (case-insensitive), ``None`` when it is no level name."""
    return NAME_TO_NUMBER.get(name.strip().lower())
