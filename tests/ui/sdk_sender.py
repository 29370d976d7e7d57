"""Sends telemetry to a Hearth stack with the real `logfire` SDK; run as a script in its own process
(`logfire.configure()` sets process-wide state).

    python sdk_sender.py BASE_URL WRITE_TOKEN MARKER [--hold]

Sends one trace: a root span `{marker} parent` with nested children, logs at several levels, an
exception logged with `logfire.exception` and a span that raises. Prints the trace and span ids as one
JSON line. With `--hold`, the root span stays open (its pending span already flushed) until a line
arrives on stdin, so a test can watch the pending row before the final one.
"""

from __future__ import annotations

import json
import sys

import logfire


def card_declined(marker: str) -> None:
    raise ValueError(f"card declined for {marker}")


def send(marker: str, *, hold: bool) -> dict[str, str]:
    ids: dict[str, str] = {}
    order = {
        "id": 4217,
        "customer": {"tier": "gold", "tags": ["vip", "beta"]},
        "items": [{"sku": "A-1", "qty": 2}],
    }
    with logfire.span("{marker} parent", marker=marker, order=order) as root:
        context = root.get_span_context()
        assert context is not None
        ids["trace_id"] = f"{context.trace_id:032x}"
        ids["root_span_id"] = f"{context.span_id:016x}"
        if hold:
            logfire.force_flush()  # the pending span goes now
            print(json.dumps(ids), flush=True)
            sys.stdin.readline()
        with logfire.span("{marker} child load cart", marker=marker, cart={"lines": 2}):
            logfire.debug("cart cache miss for {marker}", marker=marker)
            logfire.info("cart loaded for {marker}", marker=marker, count=2)
            with logfire.span("{marker} grandchild price lookup", marker=marker):
                logfire.notice("prices fetched for {marker}", marker=marker)
        with logfire.span("{marker} child charge card", marker=marker):
            logfire.warn("card retry for {marker}", marker=marker, attempt=1)
            try:
                card_declined(marker)
            except ValueError:
                logfire.exception("payment failed for {marker}", marker=marker)
        try:
            with logfire.span("{marker} child reserve stock", marker=marker):
                raise RuntimeError(f"out of stock for {marker}")
        except RuntimeError:
            pass
        logfire.error("order failed for {marker}", marker=marker)
    return ids


def main() -> None:
    base_url, token, marker = sys.argv[1:4]
    hold = "--hold" in sys.argv[4:]
    logfire.configure(
        send_to_logfire=True,
        token=token,
        service_name="ui-e2e",
        console=False,
        metrics=False,
        inspect_arguments=False,
        advanced=logfire.AdvancedOptions(base_url=base_url),
    )
    ids = send(marker, hold=hold)
    logfire.force_flush()
    if not hold:
        print(json.dumps(ids), flush=True)


if __name__ == "__main__":
    main()
