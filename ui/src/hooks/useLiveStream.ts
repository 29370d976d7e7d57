import { useEffect, useRef, useState } from "react";
import type { ConnectionState } from "../components/ConnectionBadge";
import { errorFromResponse } from "../api/client";
import { parseLiveError, parseLiveEvent } from "../lib/liveBuffer";

interface Options {
  url: string | null; // null: not live (absolute range or paused)
  paused: boolean;
  onRows: (rows: Record<string, unknown>[]) => void;
}

/**
 * Subscribes to the SSE live endpoint. EventSource reconnects by itself (sending Last-Event-ID);
 * when the server refuses the stream (e.g. 400 for a bad WHERE) the problem detail is fetched and shown.
 */
export function useLiveStream({ url, paused, onRows }: Options): { state: ConnectionState; error: string | null } {
  const [state, setState] = useState<ConnectionState>(url ? "connecting" : "closed");
  const [error, setError] = useState<string | null>(null);
  const onRowsRef = useRef(onRows);
  onRowsRef.current = onRows;

  useEffect(() => {
    setError(null);
    if (!url) {
      setState("closed");
      return;
    }
    if (paused) {
      setState("paused");
      return;
    }
    if (typeof EventSource === "undefined") {
      setState("error");
      setError("This browser does not support live streaming (EventSource).");
      return;
    }
    setState("connecting");
    const source = new EventSource(url, { withCredentials: true });
    const controller = new AbortController();
    source.onopen = () => setState("connected");
    source.onmessage = (event: MessageEvent<string>) => {
      const rows = parseLiveEvent(event.data);
      if (rows.length) onRowsRef.current(rows);
    };
    source.onerror = (event: Event) => {
      // A named `error` event from the server (the filter failed on live rows) arrives here too; the
      // server then ends the stream, and reconnecting would only fail the same way.
      const streamError = event instanceof MessageEvent ? parseLiveError(event.data) : null;
      if (streamError) {
        source.close();
        setState("error");
        setError(streamError);
        return;
      }
      if (source.readyState === EventSource.CLOSED) {
        setState("error");
        // The stream was refused: ask again with fetch to read the problem+json detail.
        fetch(url, { credentials: "same-origin", signal: controller.signal, headers: { Accept: "text/event-stream" } })
          .then(async (response) => {
            if (!response.ok) setError((await errorFromResponse(response)).message);
            else setError("The live stream closed; reload to retry.");
            controller.abort();
          })
          .catch(() => undefined);
      } else setState("reconnecting");
    };
    return () => {
      source.close();
      controller.abort();
    };
  }, [url, paused]);

  return { state, error };
}
