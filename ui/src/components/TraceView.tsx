import { useEffect, useMemo, useState } from "react";
import type { ProjectApi } from "../api/client";
import { useAsync } from "../hooks/useAsync";
import { columnsToRows } from "../lib/columns";
import { ancestorIds, buildSpanTree, initialExpanded } from "../lib/spanTree";
import { traceSql } from "../lib/sql";
import { toSpanRecord, type SpanRecord } from "../lib/spans";
import { DetailsPanel } from "./DetailsPanel";
import { SpanTreeView } from "./SpanTreeView";
import { Spinner } from "./Spinner";

// The query API's largest `limit` (Logfire's documented maximum): a larger one is refused with a 422.
export const TRACE_SPAN_LIMIT = 10000;

interface Props {
  api: ProjectApi;
  traceId: string;
  selectedSpanId: string | null;
  onSelectSpan: (spanId: string | null) => void;
  traceUrl: (traceId: string, spanId?: string) => string;
  /** Spans of this trace seen on the live stream since the trace was loaded. */
  liveSpans?: readonly SpanRecord[];
}

export function TraceView({ api, traceId, selectedSpanId, onSelectSpan, traceUrl, liveSpans }: Props) {
  const loaded = useAsync(
    async (signal) =>
      columnsToRows(await api.query({ sql: traceSql(traceId, TRACE_SPAN_LIMIT), limit: TRACE_SPAN_LIMIT }, signal)).map(
        toSpanRecord,
      ),
    [api, traceId],
  );
  const tree = useMemo(
    () => (loaded.data ? buildSpanTree([...loaded.data, ...(liveSpans ?? [])]) : null),
    [loaded.data, liveSpans],
  );
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const [initialised, setInitialised] = useState<string | null>(null);

  useEffect(() => {
    if (!tree || initialised === traceId) return;
    const next = initialExpanded(tree);
    if (selectedSpanId) for (const id of ancestorIds(tree, selectedSpanId)) next.add(id);
    setExpanded(next);
    setInitialised(traceId);
  }, [tree, traceId, initialised, selectedSpanId]);

  if (loaded.error)
    return (
      <p className="error" role="alert">
        Could not load trace {traceId}: {loaded.error}
      </p>
    );
  if (!tree) return <Spinner label="Loading trace…" />;
  if (tree.size === 0)
    return (
      <p className="muted" data-testid="trace-empty">
        No spans found for trace {traceId}.
      </p>
    );

  const selected = selectedSpanId ? tree.byId.get(selectedSpanId)?.span : undefined;
  const toggle = (id: string) =>
    setExpanded((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <div className="trace-view" data-testid="trace-view">
      <SpanTreeView
        tree={tree}
        expanded={expanded}
        onToggle={toggle}
        selectedSpanId={selectedSpanId}
        onSelect={(id) => onSelectSpan(id)}
      />
      {selected && <DetailsPanel api={api} span={selected} traceUrl={traceUrl} onClose={() => onSelectSpan(null)} />}
      {loaded.data && loaded.data.length >= TRACE_SPAN_LIMIT && (
        <p className="notice">Showing the first {TRACE_SPAN_LIMIT} spans of this trace.</p>
      )}
    </div>
  );
}
