import { describe, expect, it } from "vitest";
import { ancestorIds, buildSpanTree, dedupeSpans, initialExpanded, visibleRows, waterfallBar } from "./spanTree";
import { toSpanRecord, type SpanRecord } from "./spans";

const T = "0af7651916cd43dd8448eb211c80319c";
const base = Date.UTC(2025, 0, 1, 12, 0, 0);
const iso = (offsetMs: number) => new Date(base + offsetMs).toISOString();

function span(id: string, parent: string | null, start: number, end: number, extra: Record<string, unknown> = {}): SpanRecord {
  return toSpanRecord({
    trace_id: T,
    span_id: id,
    parent_span_id: parent,
    kind: "span",
    level: 9,
    span_name: `name ${id}`,
    message: `msg ${id}`,
    start_timestamp: iso(start),
    end_timestamp: iso(end),
    duration: (end - start) / 1000,
    ...extra,
  });
}

describe("buildSpanTree", () => {
  it("nests children under parents, sorted by start time", () => {
    const tree = buildSpanTree([span("c2", "root", 50, 60), span("root", null, 0, 100), span("c1", "root", 10, 40), span("g1", "c1", 20, 30)]);
    expect(tree.roots.map((n) => n.span.span_id)).toEqual(["root"]);
    const root = tree.roots[0]!;
    expect(root.children.map((n) => n.span.span_id)).toEqual(["c1", "c2"]);
    expect(root.children[0]!.children[0]!.span.span_id).toBe("g1");
    expect(root.children[0]!.children[0]!.depth).toBe(2);
    expect(root.descendants).toBe(3);
    expect(tree.startMs).toBe(base);
    expect(tree.endMs).toBe(base + 100);
    expect(tree.size).toBe(4);
  });

  it("shows spans whose parent is missing as orphan roots", () => {
    const tree = buildSpanTree([span("root", null, 0, 100), span("lost", "not-here", 5, 6)]);
    expect(tree.roots.map((n) => [n.span.span_id, n.orphan])).toEqual([
      ["root", false],
      ["lost", true],
    ]);
  });

  it("replaces a pending span by its final span, whatever the arrival order", () => {
    const pending = span("root", null, 0, 0, { kind: "pending_span" });
    const final = span("root", null, 0, 100);
    for (const order of [[pending, final], [final, pending]]) {
      const tree = buildSpanTree(order, base + 1000);
      expect(tree.size).toBe(1);
      expect(tree.roots[0]!.span.pending).toBe(false);
      expect(tree.roots[0]!.span.duration).toBeCloseTo(0.1);
    }
  });

  it("extends the trace window to now while a span is still running", () => {
    const tree = buildSpanTree([span("root", null, 0, 0, { kind: "pending_span" })], base + 5000);
    expect(tree.endMs).toBe(base + 5000);
  });

  it("survives parent cycles without losing spans", () => {
    const tree = buildSpanTree([span("a", "b", 0, 10), span("b", "a", 1, 9)]);
    expect(tree.size).toBe(2);
    const rows = visibleRows(tree, new Set(["a", "b"]));
    expect(rows.map((r) => r.node.span.span_id).sort()).toEqual(["a", "b"]);
  });

  it("handles a very deep trace without recursion limits", () => {
    const spans = [span("s0", null, 0, 100000)];
    for (let i = 1; i < 20000; i++) spans.push(span(`s${i}`, `s${i - 1}`, i, 100000 - i));
    const tree = buildSpanTree(spans);
    expect(tree.roots[0]!.descendants).toBe(19999);
  });

  it("an empty trace has an empty tree", () => {
    const tree = buildSpanTree([], base);
    expect(tree.size).toBe(0);
    expect(tree.roots).toEqual([]);
  });
});

describe("dedupeSpans", () => {
  it("keeps one record per (trace_id, span_id)", () => {
    const out = dedupeSpans([span("a", null, 0, 1), span("a", null, 0, 2), span("b", "a", 0, 1)]);
    expect(out.map((s) => s.span_id)).toEqual(["a", "b"]);
    expect(out[0]!.end_ms).toBe(base + 2);
  });
});

describe("visibleRows", () => {
  const tree = buildSpanTree([span("root", null, 0, 100), span("c1", "root", 10, 40), span("g1", "c1", 20, 30), span("c2", "root", 50, 60)]);

  it("shows only roots when nothing is expanded", () => {
    const rows = visibleRows(tree, new Set());
    expect(rows.map((r) => r.node.span.span_id)).toEqual(["root"]);
    expect(rows[0]!.hasChildren).toBe(true);
    expect(rows[0]!.expanded).toBe(false);
  });

  it("flattens expanded subtrees in tree order", () => {
    expect(visibleRows(tree, new Set(["root"])).map((r) => r.node.span.span_id)).toEqual(["root", "c1", "c2"]);
    expect(visibleRows(tree, new Set(["root", "c1"])).map((r) => [r.node.span.span_id, r.depth])).toEqual([
      ["root", 0],
      ["c1", 1],
      ["g1", 2],
      ["c2", 1],
    ]);
  });

  it("an expanded node under a collapsed parent stays hidden", () => {
    expect(visibleRows(tree, new Set(["c1"])).map((r) => r.node.span.span_id)).toEqual(["root"]);
  });
});

describe("initialExpanded", () => {
  it("expands all of a small trace", () => {
    const tree = buildSpanTree([span("root", null, 0, 100), span("c1", "root", 10, 40), span("g1", "c1", 20, 30)]);
    expect([...initialExpanded(tree)].sort()).toEqual(["c1", "root"]);
  });

  it("expands only the first levels of a big trace", () => {
    const spans = [span("root", null, 0, 1000)];
    for (let i = 0; i < 50; i++) {
      spans.push(span(`c${i}`, "root", i, i + 10));
      for (let j = 0; j < 50; j++) spans.push(span(`c${i}-${j}`, `c${i}`, i, i + 1));
    }
    const tree = buildSpanTree(spans);
    const expanded = initialExpanded(tree, 300);
    expect(expanded.has("root")).toBe(true);
    expect(visibleRows(tree, expanded).length).toBeLessThanOrEqual(300);
  });
});

describe("ancestorIds", () => {
  it("lists ancestors nearest first", () => {
    const tree = buildSpanTree([span("root", null, 0, 100), span("c1", "root", 10, 40), span("g1", "c1", 20, 30)]);
    expect(ancestorIds(tree, "g1")).toEqual(["c1", "root"]);
    expect(ancestorIds(tree, "root")).toEqual([]);
  });
});

describe("waterfallBar", () => {
  it("places a span proportionally in the trace window", () => {
    const bar = waterfallBar({ start_ms: 250, end_ms: 750, pending: false }, 0, 1000);
    expect(bar).toEqual({ left: 25, width: 50, open: false });
  });

  it("gives zero-length spans a minimum visible width", () => {
    expect(waterfallBar({ start_ms: 500, end_ms: 500, pending: false }, 0, 1000).width).toBeGreaterThan(0);
  });

  it("never overflows the right edge", () => {
    const bar = waterfallBar({ start_ms: 1000, end_ms: 1000, pending: false }, 0, 1000, 0, 0.5);
    expect(bar.left + bar.width).toBeLessThanOrEqual(100);
  });

  it("draws a running span up to now, marked open", () => {
    const bar = waterfallBar({ start_ms: 0, end_ms: 0, pending: true }, 0, 1000, 600);
    expect(bar.width).toBeCloseTo(60);
    expect(bar.open).toBe(true);
  });

  it("handles a zero-length trace", () => {
    const bar = waterfallBar({ start_ms: 5, end_ms: 5, pending: false }, 5, 5);
    expect(Number.isFinite(bar.left)).toBe(true);
    expect(Number.isFinite(bar.width)).toBe(true);
  });
});
