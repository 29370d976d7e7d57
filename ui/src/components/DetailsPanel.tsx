import { Link } from "react-router-dom";
import type { ProjectApi } from "../api/client";
import { columnsToRows, parseJsonValue, type Row } from "../lib/columns";
import { levelClass, levelName } from "../lib/levels";
import { spanDetailSql } from "../lib/sql";
import { PENDING_KIND, type SpanRecord } from "../lib/spans";
import { formatDateTime, formatDuration, toMillis } from "../lib/time";
import { useAsync } from "../hooks/useAsync";
import { CopyButton } from "./CopyButton";
import { JsonTree } from "./JsonTree";

interface Props {
  api: ProjectApi;
  span: SpanRecord;
  traceUrl: (traceId: string, spanId?: string) => string;
  onClose?: () => void;
}

/** The selected span in full: loaded on demand so the tree only carries list columns. */
export function DetailsPanel({ api, span, traceUrl, onClose }: Props) {
  const detail = useAsync(
    async (signal) => {
      const rows = columnsToRows(await api.query({ sql: spanDetailSql(span.trace_id, span.span_id) }, signal));
      return rows.find((r) => r["kind"] !== PENDING_KIND) ?? rows[0] ?? null;
    },
    [api, span.trace_id, span.span_id, span.pending],
  );
  const row: Row = detail.data ?? span.raw;
  const link = `${window.location.origin}${traceUrl(span.trace_id, span.span_id)}`;
  const attributes = parseJsonValue(row["attributes"]);
  const resource = parseJsonValue(row["otel_resource_attributes"]);
  const events = parseJsonValue(row["otel_events"]);
  const links = parseJsonValue(row["otel_links"]);
  const tags = row["tags"];

  return (
    <aside className="details" data-testid="details-panel" aria-label="Span details">
      <header className="details-head">
        <span className={`level-pill ${levelClass(span.level)}`}>{levelName(span.level)}</span>
        <h2 className="details-title">{span.message}</h2>
        {onClose && (
          <button type="button" className="ghost" onClick={onClose} aria-label="Close details">
            ✕
          </button>
        )}
      </header>
      {detail.error && (
        <p className="error" role="alert">
          {detail.error}
        </p>
      )}
      <dl className="facts">
        <dt>Span name</dt>
        <dd>{span.span_name}</dd>
        <dt>Kind</dt>
        <dd>{span.pending ? "span (running)" : span.kind}</dd>
        <dt>Start</dt>
        <dd>{formatDateTime(toMillis(row["start_timestamp"]) ?? span.start_ms)}</dd>
        {span.kind !== "log" && (
          <>
            <dt>Duration</dt>
            <dd>{span.pending ? "running" : formatDuration(span.duration)}</dd>
          </>
        )}
        <dt>Service</dt>
        <dd>
          {span.service_name}
          {row["service_version"] ? ` ${String(row["service_version"])}` : ""}
          {row["deployment_environment"] ? ` · ${String(row["deployment_environment"])}` : ""}
        </dd>
        <dt>Trace ID</dt>
        <dd className="mono">
          <Link to={traceUrl(span.trace_id)}>{span.trace_id}</Link> <CopyButton text={span.trace_id} testId="copy-trace-id" />
        </dd>
        <dt>Span ID</dt>
        <dd className="mono">
          {span.span_id} <CopyButton text={span.span_id} testId="copy-span-id" />
        </dd>
        {span.parent_span_id && (
          <>
            <dt>Parent</dt>
            <dd className="mono">{span.parent_span_id}</dd>
          </>
        )}
        <dt>Link</dt>
        <dd>
          <CopyButton text={link} label="Copy link to this span" testId="copy-trace-link" />
        </dd>
        {Array.isArray(tags) && tags.length > 0 && (
          <>
            <dt>Tags</dt>
            <dd>
              {tags.map((t) => (
                <span key={String(t)} className="badge">
                  {String(t)}
                </span>
              ))}
            </dd>
          </>
        )}
        {row["otel_status_code"] ? (
          <>
            <dt>Status</dt>
            <dd>
              {String(row["otel_status_code"])} {row["otel_status_message"] ? String(row["otel_status_message"]) : ""}
            </dd>
          </>
        ) : null}
      </dl>

      {row["is_exception"] === true || row["exception_type"] ? (
        <section className="exception" data-testid="exception">
          <h3>
            Exception: <span className="mono">{String(row["exception_type"] ?? "")}</span>
          </h3>
          <p>{String(row["exception_message"] ?? "")}</p>
          {row["exception_stacktrace"] ? <pre className="code stack">{String(row["exception_stacktrace"])}</pre> : null}
        </section>
      ) : null}

      {row["log_body"] ? (
        <section>
          <h3>Body</h3>
          <pre className="code">{String(row["log_body"])}</pre>
        </section>
      ) : null}

      <section>
        <h3>Attributes</h3>
        {attributes && typeof attributes === "object" ? <JsonTree value={attributes} /> : <p className="muted">none</p>}
      </section>

      {Array.isArray(events) && events.length > 0 && (
        <section>
          <h3>Events ({events.length})</h3>
          <JsonTree value={events} />
        </section>
      )}
      {Array.isArray(links) && links.length > 0 && (
        <section>
          <h3>Links ({links.length})</h3>
          <ul className="plain">
            {links.map((l, i) => {
              const item = (l ?? {}) as Record<string, unknown>;
              const traceId = String(item["trace_id"] ?? item["traceId"] ?? "");
              const spanId = String(item["span_id"] ?? item["spanId"] ?? "");
              return (
                <li key={i} className="mono">
                  {traceId ? <Link to={traceUrl(traceId, spanId || undefined)}>{traceId}</Link> : null} {spanId}
                  {item["attributes"] ? <JsonTree value={item["attributes"]} /> : null}
                </li>
              );
            })}
          </ul>
        </section>
      )}
      <section>
        <h3>Resource</h3>
        {resource && typeof resource === "object" ? <JsonTree value={resource} /> : <p className="muted">none</p>}
      </section>
      {row["otel_scope_name"] ? (
        <section>
          <h3>Scope</h3>
          <p className="mono">
            {String(row["otel_scope_name"])} {row["otel_scope_version"] ? String(row["otel_scope_version"]) : ""}
          </p>
        </section>
      ) : null}
    </aside>
  );
}
