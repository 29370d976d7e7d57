"""Header names every relay of ours (gateway, backend's query relay, cache peers) treats alike."""

from __future__ import annotations

from typing import Final

#: RFC 9110 §7.6.1 connection-specific headers: they describe one hop and are never forwarded.
HOP_BY_HOP: Final = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)
#: The same, as text (for clients such as httpx that hand out ``str`` names).
HOP_BY_HOP_NAMES: Final = frozenset(name.decode("ascii") for name in HOP_BY_HOP)
