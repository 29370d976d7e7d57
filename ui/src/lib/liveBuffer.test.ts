import { describe, expect, it } from "vitest";
import { compareDesc, LiveBuffer, parseLiveError, parseLiveEvent } from "./liveBuffer";
import { toSpanRecord, type SpanRecord } from "./spans";

const base = Date.UTC(2025, 0, 1);
function rec(trace: string, spanId: string, offsetMs: number, kind = "span", message = "m"): SpanRecord {
  return toSpanRecord({
    trace_id: trace,
    span_id: spanId,
    kind,
    start_timestamp: new Date(base + offsetMs).toISOString(),
    end_timestamp: new Date(base + offsetMs + 5).toISOString(),
    message,
  });
}

describe("LiveBuffer", () => {
  it("keeps rows newest first", () => {
    const buffer = new LiveBuffer();
    buffer.merge([rec("t1", "a", 10), rec("t1", "b", 30), rec("t1", "c", 20)]);
    expect(buffer.rows().map((r) => r.span_id)).toEqual(["b", "c", "a"]);
  });

  it("replaces a pending span by its final span in place of a duplicate", () => {
    const buffer = new LiveBuffer();
    buffer.merge([rec("t1", "a", 10, "pending_span", "running")]);
    expect(buffer.rows()[0]!.pending).toBe(true);
    expect(buffer.merge([rec("t1", "a", 10, "span", "done")])).toBe(true);
    expect(buffer.size).toBe(1);
    expect(buffer.rows()[0]!.pending).toBe(false);
    expect(buffer.rows()[0]!.message).toBe("done");
  });

  it("ignores a pending span that arrives after the final one", () => {
    const buffer = new LiveBuffer();
    buffer.merge([rec("t1", "a", 10, "span", "done")]);
    expect(buffer.merge([rec("t1", "a", 10, "pending_span", "running")])).toBe(false);
    expect(buffer.rows()[0]!.message).toBe("done");
  });

  it("de-duplicates by (trace_id, span_id), not span_id alone", () => {
    const buffer = new LiveBuffer();
    buffer.merge([rec("t1", "a", 10), rec("t2", "a", 10), rec("t1", "a", 10)]);
    expect(buffer.size).toBe(2);
  });

  it("drops the oldest rows beyond the cap", () => {
    const buffer = new LiveBuffer(3);
    buffer.merge([1, 2, 3, 4, 5].map((i) => rec("t", `s${i}`, i)));
    expect(buffer.rows().map((r) => r.span_id)).toEqual(["s5", "s4", "s3"]);
    // A dropped row may come back (e.g. its final span) and is ordered again.
    buffer.merge([rec("t", "s9", 9)]);
    expect(buffer.rows().map((r) => r.span_id)).toEqual(["s9", "s5", "s4"]);
  });

  it("returns a new array when it changes (for React) and the same when not", () => {
    const buffer = new LiveBuffer();
    buffer.merge([rec("t", "a", 1)]);
    const before = buffer.rows();
    buffer.merge([rec("t", "a", 1, "pending_span")]);
    expect(buffer.rows()).toBe(before);
    buffer.merge([rec("t", "b", 2)]);
    expect(buffer.rows()).not.toBe(before);
  });

  it("keeps the newest 2000 of 10k rows arriving in batches", () => {
    const buffer = new LiveBuffer(2000);
    for (let batch = 0; batch < 100; batch++) {
      buffer.merge(Array.from({ length: 100 }, (_, i) => rec(`t${batch}`, `s${i}`, batch * 100 + i)));
    }
    expect(buffer.size).toBe(2000);
    expect(buffer.rows()[0]!.span_id).toBe("s99");
    expect(buffer.oldest()!.span_id).toBe("s0");
    expect(buffer.oldest()!.trace_id).toBe("t80");
  });

  it("orders ties like the history cursor (trace_id, span_id descending)", () => {
    const a = rec("t1", "a", 10);
    const b = rec("t2", "a", 10);
    const c = rec("t2", "b", 10);
    expect([a, b, c].sort(compareDesc).map((r) => `${r.trace_id}/${r.span_id}`)).toEqual(["t2/b", "t2/a", "t1/a"]);
  });
});

describe("parseLiveEvent", () => {
  it("extracts rows from an event payload", () => {
    expect(parseLiveEvent('{"rows": [{"span_id": "a"}, 5, null]}')).toEqual([{ span_id: "a" }]);
  });
  it("skips malformed payloads", () => {
    expect(parseLiveEvent("not json")).toEqual([]);
    expect(parseLiveEvent('{"other": 1}')).toEqual([]);
  });
});

describe("parseLiveError", () => {
  it("reads the detail of a stream error event", () => {
    expect(parseLiveError('{"detail": "No field named nope"}')).toBe("No field named nope");
  });

  it("ignores connection errors and other payloads", () => {
    expect(parseLiveError(undefined)).toBeNull();
    expect(parseLiveError("not json")).toBeNull();
    expect(parseLiveError('{"rows": []}')).toBeNull();
  });
});
