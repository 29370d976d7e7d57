// Span rows (from the query endpoint or the live stream) normalised for the live list and the trace view.
import { parseJsonValue, type Row } from "./columns";
import { toMillis } from "./time";

export interface SpanRecord {
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  kind: string;
  level: number;
  span_name: string;
  message: string;
  service_name: string;
  start_ms: number;
  end_ms: number;
  /** The server's timestamp text, kept exact for cursors. */
  start_timestamp: string;
  duration: number | null;
  is_exception: boolean;
  pending: boolean;
  raw: Row;
}

export const PENDING_KIND = "pending_span";

function str(value: unknown): string {
  return value === null || value === undefined ? "" : String(value);
}

export function toSpanRecord(row: Row): SpanRecord {
  const kind = str(row["kind"] ?? row["span_type"]) || "span";
  const start = toMillis(row["start_timestamp"]) ?? 0;
  const end = toMillis(row["end_timestamp"]) ?? start;
  const durationRaw = row["duration"];
  const duration = typeof durationRaw === "number" ? durationRaw : durationRaw == null ? null : Number(durationRaw);
  const parent = row["parent_span_id"];
  const levelRaw = row["level"];
  return {
    trace_id: str(row["trace_id"]),
    span_id: str(row["span_id"]),
    parent_span_id: parent === null || parent === undefined || parent === "" ? null : String(parent),
    kind,
    level: typeof levelRaw === "number" ? levelRaw : Number(levelRaw ?? 9) || 9,
    span_name: str(row["span_name"]),
    message: str(row["message"]) || str(row["span_name"]),
    service_name: str(row["service_name"]),
    start_ms: start,
    end_ms: end,
    start_timestamp: str(row["start_timestamp"]),
    duration: Number.isFinite(duration) ? duration : null,
    is_exception: row["is_exception"] === true,
    pending: kind === PENDING_KIND,
    raw: row,
  };
}

export function spanKey(s: { trace_id: string; span_id: string }): string {
  return `${s.trace_id}:${s.span_id}`;
}

/** Which of two records for the same (trace_id, span_id) to keep: a final span always beats a pending one. */
export function preferred(existing: SpanRecord | undefined, incoming: SpanRecord): SpanRecord {
  if (!existing) return incoming;
  if (existing.pending && !incoming.pending) return incoming;
  if (!existing.pending && incoming.pending) return existing;
  return incoming;
}

/** JSON columns of a full record, decoded for the details panel. */
export function decodedJson(row: Row, column: string): unknown {
  return parseJsonValue(row[column]);
}
