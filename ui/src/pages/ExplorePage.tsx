import { useCallback, useEffect, useRef, useState } from "react";
import type { ChartKind, QueryResult } from "../api/types";
import { ChartOrTable } from "../components/ChartOrTable";
import { SqlInput } from "../components/SqlInput";
import { TimeRangePicker } from "../components/TimeRangePicker";
import { useShortcuts } from "../hooks/useShortcuts";
import { useUrlParams } from "../hooks/useUrlState";
import { parseRange, resolveRange, writeRange, type TimeRange } from "../lib/timeRange";
import { useProject } from "../session";

export const DEFAULT_SQL =
  "SELECT start_timestamp, trace_id, span_id, level, service_name, message, duration\n" +
  "FROM records\nORDER BY start_timestamp DESC";

const LIMITS = [100, 500, 1000, 5000, 10000];
const VIEWS: ChartKind[] = ["table", "time_series", "bar", "pie", "value"];

export default function ExplorePage() {
  const { api, url } = useProject();
  const [params, update] = useUrlParams();
  const [sql, setSql] = useState(params.get("sql") ?? DEFAULT_SQL);
  const range = parseRange(params);
  const limit = Number(params.get("limit") ?? 500) || 500;
  const view = (VIEWS.includes(params.get("view") as ChartKind) ? params.get("view") : "table") as ChartKind;
  const [result, setResult] = useState<QueryResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const [elapsed, setElapsed] = useState<number | null>(null);
  const controller = useRef<AbortController | null>(null);

  const run = useCallback(
    async (text: string = sql) => {
      controller.current?.abort();
      const c = new AbortController();
      controller.current = c;
      update({ sql: text });
      setRunning(true);
      setError(null);
      const started = performance.now();
      const resolved = resolveRange(range);
      try {
        const r = await api.query(
          {
            sql: text,
            min_timestamp: new Date(resolved.minMs).toISOString(),
            max_timestamp: new Date(resolved.maxMs).toISOString(),
            limit,
          },
          c.signal,
        );
        setResult(r);
        setElapsed(performance.now() - started);
      } catch (e) {
        if (!c.signal.aborted) {
          setError((e as Error).message);
          setResult(null);
        }
      } finally {
        if (!c.signal.aborted) setRunning(false);
      }
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [api, sql, limit, params.get("range"), params.get("from"), params.get("to"), update],
  );

  // A shared link carries the SQL: run it once on open so the link shows the same result.
  const ranOnOpen = useRef(false);
  useEffect(() => {
    if (!ranOnOpen.current && params.get("sql")) {
      ranOnOpen.current = true;
      void run(params.get("sql") ?? undefined);
    }
  }, [params, run]);

  useShortcuts({
    "/": () => document.querySelector<HTMLElement>('[data-testid="explore-editor"] .cm-content')?.focus(),
  });

  const setRange = (r: TimeRange) => {
    const next = writeRange(new URLSearchParams(params), r);
    update({ range: next.get("range"), from: next.get("from"), to: next.get("to") });
  };

  return (
    <div className="explore">
      <div className="toolbar">
        <TimeRangePicker value={range} onChange={setRange} />
        <label className="inline">
          Limit
          <select aria-label="Row limit" value={limit} onChange={(e) => update({ limit: e.target.value })}>
            {LIMITS.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <span className="spacer" />
        <span className="muted">⌘/Ctrl+Enter to run</span>
        <button
          type="button"
          className="primary"
          onClick={() => void run()}
          disabled={running}
          data-testid="explore-run"
        >
          {running ? "Running…" : "Run"}
        </button>
      </div>
      <SqlInput
        value={sql}
        onChange={setSql}
        onRun={() => void run()}
        api={api}
        testId="explore-editor"
        ariaLabel="SQL query"
        autoFocus
      />
      {error && (
        <div className="query-error" role="alert" data-testid="query-error">
          <strong>Query failed</strong>
          <pre>{error}</pre>
        </div>
      )}
      {result && (
        <>
          <div className="toolbar">
            <div className="segmented" role="tablist" aria-label="Result view">
              {VIEWS.map((v) => (
                <button
                  key={v}
                  type="button"
                  role="tab"
                  aria-selected={v === view}
                  className={v === view ? "active" : undefined}
                  onClick={() => update({ view: v === "table" ? null : v })}
                >
                  {v.replace("_", " ")}
                </button>
              ))}
            </div>
            <span className="spacer" />
            {elapsed !== null && <span className="muted">{Math.round(elapsed)} ms</span>}
          </div>
          <ChartOrTable
            result={result}
            kind={view}
            traceUrl={(t, s) => url(`trace/${t}${s ? `?span=${s}` : ""}`)}
          />
        </>
      )}
    </div>
  );
}
