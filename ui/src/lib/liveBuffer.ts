// The live list's rows: newest first, de-duplicated by (trace_id, span_id) with final spans replacing
// pending ones, capped so a firehose cannot grow memory without bound.
import { preferred, spanKey, type SpanRecord } from "./spans";

/** Newest first; ties broken by trace_id then span_id, descending (the history cursor's order). */
export function compareDesc(a: SpanRecord, b: SpanRecord): number {
  if (a.start_ms !== b.start_ms) return b.start_ms - a.start_ms;
  if (a.trace_id !== b.trace_id) return a.trace_id < b.trace_id ? 1 : -1;
  if (a.span_id !== b.span_id) return a.span_id < b.span_id ? 1 : -1;
  return 0;
}

export class LiveBuffer {
  private readonly byKey = new Map<string, SpanRecord>();
  private sorted: SpanRecord[] = [];

  constructor(public cap = 2000) {}

  get size(): number {
    return this.sorted.length;
  }

  rows(): readonly SpanRecord[] {
    return this.sorted;
  }

  oldest(): SpanRecord | undefined {
    return this.sorted[this.sorted.length - 1];
  }

  clear(): void {
    this.byKey.clear();
    this.sorted = [];
  }

  /** Adds records; returns true when the visible list changed. */
  merge(records: Iterable<SpanRecord>): boolean {
    let changed = false;
    for (const incoming of records) {
      const key = spanKey(incoming);
      const existing = this.byKey.get(key);
      const winner = preferred(existing, incoming);
      if (existing && winner === existing) continue;
      if (existing) this.remove(existing);
      this.byKey.set(key, winner);
      this.insert(winner);
      changed = true;
    }
    if (this.sorted.length > this.cap) {
      for (const dropped of this.sorted.splice(this.cap)) this.byKey.delete(spanKey(dropped));
    }
    if (changed) this.sorted = this.sorted.slice(); // a new array so React sees the change
    return changed;
  }

  private insert(record: SpanRecord): void {
    // Binary search: live rows mostly land at the top, history pages at the bottom.
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareDesc(this.sorted[mid] as SpanRecord, record) <= 0) lo = mid + 1;
      else hi = mid;
    }
    this.sorted.splice(lo, 0, record);
  }

  private remove(record: SpanRecord): void {
    let index = this.sorted.indexOf(record);
    if (index >= 0) this.sorted.splice(index, 1);
    else {
      index = this.sorted.findIndex((r) => spanKey(r) === spanKey(record));
      if (index >= 0) this.sorted.splice(index, 1);
    }
  }
}

/** Parses one SSE `data:` payload ({"rows": [...]}) into raw rows; bad payloads yield nothing. */
export function parseLiveEvent(data: string): Record<string, unknown>[] {
  try {
    const parsed = JSON.parse(data) as unknown;
    if (parsed && typeof parsed === "object" && Array.isArray((parsed as { rows?: unknown }).rows)) {
      return (parsed as { rows: unknown[] }).rows.filter(
        (r): r is Record<string, unknown> => !!r && typeof r === "object",
      );
    }
  } catch {
    // A malformed event is skipped; the stream continues.
  }
  return [];
}

/**
 * The `detail` of a named `error` event, which the server sends when the filter fails on live rows
 * (just before it ends the stream); null for anything else.
 */
export function parseLiveError(data: unknown): string | null {
  if (typeof data !== "string") return null;
  try {
    const parsed = JSON.parse(data) as unknown;
    if (parsed && typeof parsed === "object") {
      const detail = (parsed as { detail?: unknown }).detail;
      if (typeof detail === "string" && detail) return detail;
    }
  } catch {
    // not an error payload
  }
  return null;
}
