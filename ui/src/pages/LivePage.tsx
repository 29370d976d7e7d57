import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Link } from "react-router-dom";
import { useProject } from "../session";
import { useUrlParams } from "../hooks/useUrlState";
import { useLiveStream } from "../hooks/useLiveStream";
import { useShortcuts } from "../hooks/useShortcuts";
import { ConnectionBadge } from "../components/ConnectionBadge";
import { Histogram, type Bucket } from "../components/Histogram";
import { SetupSnippet } from "../components/SetupSnippet";
import { SqlInput } from "../components/SqlInput";
import { TimeRangePicker } from "../components/TimeRangePicker";
import { TraceView } from "../components/TraceView";
import { VirtualList } from "../components/VirtualList";
import { columnsToRows } from "../lib/columns";
import { LEVELS, levelClass, levelName } from "../lib/levels";
import { LiveBuffer } from "../lib/liveBuffer";
import { buildWhere, histogramSql, historySql, type Cursor, type LiveFilters } from "../lib/sql";
import { toSpanRecord, type SpanRecord } from "../lib/spans";
import { formatClock, formatDuration, toMillis } from "../lib/time";
import { bucketSeconds, intervalLiteral, parseRange, resolveRange, writeRange, type TimeRange } from "../lib/timeRange";

const PAGE = 200;
const LIVE_CAP = 2000;
const MAX_CAP = 10000;
const ROW_HEIGHT = 24;

const splitList = (value: string | null) => (value ? value.split(",").filter(Boolean) : []);

export function filtersFromParams(params: URLSearchParams): LiveFilters {
  return {
    where: params.get("where") ?? "",
    minLevel: params.get("level") ?? "",
    services: splitList(params.get("service")),
    environments: splitList(params.get("env")),
  };
}

export default function LivePage() {
  const { api, project, url } = useProject();
  const [params, update] = useUrlParams();
  const range = parseRange(params);
  const rangeKey = params.get("range") ?? `${params.get("from") ?? ""}|${params.get("to") ?? ""}`;
  const filters = filtersFromParams(params);
  const where = buildWhere(filters);
  const traceId = params.get("trace");
  const spanId = params.get("span");

  const [draft, setDraft] = useState(filters.where);
  useEffect(() => setDraft(filters.where), [filters.where]);

  const buffer = useRef(new LiveBuffer(LIVE_CAP));
  const [rows, setRows] = useState<readonly SpanRecord[]>([]);
  const [historyError, setHistoryError] = useState<string | null>(null);
  const [loadingHistory, setLoadingHistory] = useState(true);
  const [hasMore, setHasMore] = useState(false);
  const cursor = useRef<Cursor | null>(null);
  const loadingMore = useRef(false);
  const [since, setSince] = useState<string | null>(null);
  const [paused, setPaused] = useState(false);
  const [selected, setSelected] = useState(-1);
  const [buckets, setBuckets] = useState<{ items: Bucket[]; minMs: number; maxMs: number; bucketMs: number } | null>(
    null,
  );

  // History: the range before "now", newest first, paged by a stable cursor.
  useEffect(() => {
    const controller = new AbortController();
    const resolved = resolveRange(range);
    buffer.current = new LiveBuffer(LIVE_CAP);
    setRows([]);
    setHistoryError(null);
    setLoadingHistory(true);
    setSelected(-1);
    cursor.current = null;
    setSince(new Date(resolved.maxMs).toISOString());
    api
      .query(
        {
          sql: historySql(where, null, PAGE),
          min_timestamp: new Date(resolved.minMs).toISOString(),
          max_timestamp: new Date(resolved.maxMs).toISOString(),
          limit: PAGE,
        },
        controller.signal,
      )
      .then((result) => {
        const page = columnsToRows(result).map(toSpanRecord);
        const last = page[page.length - 1];
        cursor.current = last ? { start_timestamp: last.start_timestamp, trace_id: last.trace_id, span_id: last.span_id } : null;
        setHasMore(page.length >= PAGE);
        buffer.current.merge(page);
        setRows(buffer.current.rows());
      })
      .catch((e: unknown) => {
        if (!controller.signal.aborted) setHistoryError((e as Error).message);
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoadingHistory(false);
      });
    return () => controller.abort();
    // rangeKey stands for `range` (a new object every render).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, where, rangeKey]);

  const loadMore = useCallback(() => {
    if (!hasMore || loadingMore.current || !cursor.current) return;
    loadingMore.current = true;
    const resolved = resolveRange(range);
    api
      .query({
        sql: historySql(where, cursor.current, PAGE),
        min_timestamp: new Date(resolved.minMs).toISOString(),
        max_timestamp: since ?? undefined,
        limit: PAGE,
      })
      .then((result) => {
        const page = columnsToRows(result).map(toSpanRecord);
        const last = page[page.length - 1];
        if (last) cursor.current = { start_timestamp: last.start_timestamp, trace_id: last.trace_id, span_id: last.span_id };
        setHasMore(page.length >= PAGE);
        buffer.current.cap = Math.min(MAX_CAP, buffer.current.cap + page.length);
        if (buffer.current.merge(page)) setRows(buffer.current.rows());
      })
      .catch((e: unknown) => setHistoryError((e as Error).message))
      .finally(() => {
        loadingMore.current = false;
      });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, where, rangeKey, hasMore, since]);

  // Live rows are batched and merged at most ~10 times a second, so a firehose stays smooth.
  const queue = useRef<Record<string, unknown>[]>([]);
  const flushTimer = useRef<number | null>(null);
  const onRows = useCallback((incoming: Record<string, unknown>[]) => {
    queue.current.push(...incoming);
    if (flushTimer.current !== null) return;
    flushTimer.current = window.setTimeout(() => {
      flushTimer.current = null;
      const batch = queue.current;
      queue.current = [];
      if (buffer.current.merge(batch.map(toSpanRecord))) setRows(buffer.current.rows());
    }, 100);
  }, []);
  useEffect(
    () => () => {
      if (flushTimer.current !== null) window.clearTimeout(flushTimer.current);
    },
    [],
  );

  const resolvedNow = resolveRange(range);
  const liveUrl = resolvedNow.live && since && !loadingHistory ? api.liveUrl(where, since) : null;
  const live = useLiveStream({ url: liveUrl, paused, onRows });

  // Timeline histogram, refreshed while live.
  useEffect(() => {
    const controller = new AbortController();
    let refreshing = false;
    const load = () => {
      const resolved = resolveRange(range);
      const seconds = bucketSeconds(resolved.maxMs - resolved.minMs);
      api
        .query(
          {
            sql: histogramSql(where, intervalLiteral(seconds)),
            min_timestamp: new Date(resolved.minMs).toISOString(),
            max_timestamp: new Date(resolved.maxMs).toISOString(),
          },
          controller.signal,
        )
        .then((result) => {
          const items = columnsToRows(result).map((r) => ({
            startMs: toMillis(r["bucket"]) ?? 0,
            total: Number(r["total"] ?? 0),
            errors: Number(r["errors"] ?? 0),
          }));
          setBuckets({ items, minMs: resolved.minMs, maxMs: resolved.maxMs, bucketMs: seconds * 1000 });
        })
        .catch(() => {
          // The list shows query errors. A failed refresh keeps the last histogram; a failed first load
          // (new filter or range) must not leave the previous filter's histogram on show.
          if (!refreshing && !controller.signal.aborted) setBuckets(null);
        })
        .finally(() => {
          refreshing = true;
        });
    };
    load();
    const timer = resolveRange(range).live ? window.setInterval(load, 15000) : null;
    return () => {
      controller.abort();
      if (timer !== null) window.clearInterval(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, where, rangeKey]);

  const openTrace = useCallback(
    (row: SpanRecord) => update({ trace: row.trace_id, span: row.span_id }, true),
    [update],
  );

  useShortcuts({
    j: () => setSelected((i) => Math.min(rows.length - 1, i + 1)),
    k: () => setSelected((i) => Math.max(0, i - 1)),
    Enter: () => {
      const row = rows[selected];
      if (row) openTrace(row);
    },
    p: () => setPaused((p) => !p),
    "/": () => focusWhere(),
    Escape: () => traceId && update({ trace: null, span: null }),
  });

  const liveSpansOfTrace = useMemo(
    () => (traceId ? rows.filter((r) => r.trace_id === traceId) : undefined),
    [rows, traceId],
  );

  const applyWhere = () => update({ where: draft.trim() || null });
  const setRange = (r: TimeRange) => {
    const next = writeRange(new URLSearchParams(params), r);
    update({ range: next.get("range"), from: next.get("from"), to: next.get("to") });
  };
  const noFilters = !where;
  const empty = !loadingHistory && !historyError && rows.length === 0;
  const canWrite = project.role === "admin" || project.role === "write";

  return (
    <div className={`live${traceId ? " with-trace" : ""}`}>
      <section className="live-main">
        <div className="toolbar">
          <ConnectionBadge state={live.state} />
          <button
            type="button"
            onClick={() => setPaused(!paused)}
            disabled={!resolvedNow.live}
            data-testid="pause-button"
            title="Pause / resume (p)"
          >
            {paused ? "Resume" : "Pause"}
          </button>
          <TimeRangePicker value={range} onChange={setRange} />
          <select
            aria-label="Minimum level"
            data-testid="level-filter"
            value={filters.minLevel}
            onChange={(e) => update({ level: e.target.value || null })}
          >
            <option value="">All levels</option>
            {LEVELS.map((l) => (
              <option key={l.name} value={l.name}>
                ≥ {l.name}
              </option>
            ))}
          </select>
          <ValuePicker
            label="Service"
            testId="service-filter"
            selected={filters.services}
            load={() => api.autocomplete("value", { column: "service_name", prefix: "" })}
            onChange={(v) => update({ service: v.join(",") || null })}
          />
          <ValuePicker
            label="Environment"
            testId="environment-filter"
            selected={filters.environments}
            load={() => api.environments()}
            onChange={(v) => update({ env: v.join(",") || null })}
          />
        </div>
        <div className="where-bar">
          <span className="where-label mono">WHERE</span>
          <div className="where-editor">
            <SqlInput
              value={draft}
              onChange={setDraft}
              onRun={applyWhere}
              api={api}
              singleLine
              placeholder="e.g. level >= 'warn' AND attributes->>'http.route' = '/users'   (Enter to apply, / to focus)"
              testId="live-where"
              ariaLabel="SQL WHERE filter"
            />
          </div>
          <button type="button" className="primary" onClick={applyWhere} data-testid="apply-where">
            Apply
          </button>
        </div>
        {live.error && (
          <p className="error" role="alert" data-testid="live-error">
            {live.error}
          </p>
        )}
        {historyError && (
          <p className="error" role="alert" data-testid="history-error">
            {historyError}
          </p>
        )}
        {buckets && (
          <Histogram
            buckets={buckets.items}
            minMs={buckets.minMs}
            maxMs={buckets.maxMs}
            bucketMs={buckets.bucketMs}
            onSelect={(from, to) => setRange({ kind: "absolute", from, to })}
          />
        )}
        {empty && noFilters && <SetupSnippet api={api} canWrite={canWrite} />}
        {empty && !noFilters && (
          <p className="muted empty-filtered" data-testid="no-matches">
            No records match these filters in this time range{resolvedNow.live ? " yet — new ones appear here live." : "."}
          </p>
        )}
        {rows.length > 0 && (
          <div className="live-list">
            <div className="live-head muted">
              <span>Time</span>
              <span>Service</span>
              <span>Message</span>
              <span className="right">Duration</span>
            </div>
            <VirtualList
              items={rows}
              rowHeight={ROW_HEIGHT}
              activeIndex={selected}
              onNearEnd={loadMore}
              testId="live-list"
              role="list"
              ariaLabel="Live records"
              renderRow={(row, i) => (
                <div
                  key={`${row.trace_id}:${row.span_id}`}
                  role="listitem"
                  className={`live-row ${levelClass(row.level)}${i === selected ? " selected" : ""}${
                    row.trace_id === traceId ? " in-trace" : ""
                  }${row.pending ? " pending" : ""}`}
                  style={{ height: ROW_HEIGHT }}
                  data-testid="live-row"
                  data-pending={row.pending ? "true" : "false"}
                  data-trace-id={row.trace_id}
                  data-span-id={row.span_id}
                  onClick={() => {
                    setSelected(i);
                    openTrace(row);
                  }}
                >
                  <span className="mono muted">{formatClock(row.start_ms)}</span>
                  <span className="service" title={row.service_name}>
                    <span className={`level-bar ${levelClass(row.level)}`} title={levelName(row.level)} />
                    {row.service_name}
                  </span>
                  <span className="message" title={row.message}>
                    {row.is_exception && <span className="badge error">exception</span>}
                    {row.kind === "log" && <span className="badge">log</span>}
                    {row.message}
                  </span>
                  <span className="right muted">
                    {row.pending ? <span className="running">running</span> : row.kind === "log" ? "" : formatDuration(row.duration)}
                  </span>
                </div>
              )}
            />
            <div className="list-foot muted">
              {rows.length} rows{hasMore ? " · scroll for older" : ""}
            </div>
          </div>
        )}
      </section>
      {traceId && (
        <section className="trace-panel" aria-label="Trace">
          <div className="panel-head">
            <strong>Trace</strong> <span className="mono muted">{traceId}</span>
            <span className="spacer" />
            <Link to={url(`trace/${traceId}${spanId ? `?span=${spanId}` : ""}`)} data-testid="open-trace-page">
              Open full page
            </Link>
            <button type="button" className="ghost" onClick={() => update({ trace: null, span: null })} aria-label="Close trace">
              ✕
            </button>
          </div>
          <TraceView
            api={api}
            traceId={traceId}
            selectedSpanId={spanId}
            onSelectSpan={(id) => update({ span: id })}
            traceUrl={(t, s) => url(`trace/${t}${s ? `?span=${s}` : ""}`)}
            liveSpans={liveSpansOfTrace}
          />
        </section>
      )}
    </div>
  );
}

function focusWhere() {
  const el = document.querySelector<HTMLElement>('[data-testid="live-where"] .cm-content, input[data-testid="live-where"]');
  el?.focus();
}

/** A multi-select of values loaded on first open (services, environments). */
function ValuePicker({
  label,
  testId,
  selected,
  load,
  onChange,
}: {
  label: string;
  testId: string;
  selected: string[];
  load: () => Promise<string[]>;
  onChange: (values: string[]) => void;
}) {
  const [open, setOpen] = useState(false);
  const [values, setValues] = useState<string[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!open || values) return;
    load()
      .then(setValues)
      .catch((e: unknown) => setError((e as Error).message));
  }, [open, values, load]);
  const all = [...new Set([...(values ?? []), ...selected])];
  return (
    <div className="picker" data-testid={testId}>
      <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
        {label}
        {selected.length ? `: ${selected.join(", ")}` : ""} ▾
      </button>
      {open && (
        <div className="picker-menu" role="listbox" aria-label={label} aria-multiselectable="true">
          {error && <p className="error">{error}</p>}
          {!values && !error && <p className="muted">Loading…</p>}
          {values && all.length === 0 && <p className="muted">No values seen yet</p>}
          {all.map((v) => (
            <label key={v} className="picker-item">
              <input
                type="checkbox"
                checked={selected.includes(v)}
                onChange={(e) => onChange(e.target.checked ? [...selected, v] : selected.filter((s) => s !== v))}
              />
              {v}
            </label>
          ))}
          {selected.length > 0 && (
            <button type="button" className="ghost small" onClick={() => onChange([])}>
              Clear
            </button>
          )}
        </div>
      )}
    </div>
  );
}
