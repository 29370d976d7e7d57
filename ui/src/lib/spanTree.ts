// The trace tree, computed client-side from parent_span_id; only expanded subtrees are flattened for rendering.
import { preferred, spanKey, type SpanRecord } from "./spans";

export interface SpanNode {
  span: SpanRecord;
  children: SpanNode[];
  depth: number;
  /** Parent id set but parent not in the trace (not yet arrived, or outside the loaded set). */
  orphan: boolean;
  /** Number of nodes below this one. */
  descendants: number;
}

export interface SpanTree {
  roots: SpanNode[];
  byId: Map<string, SpanNode>;
  startMs: number;
  endMs: number;
  size: number;
}

/** De-duplicates by (trace_id, span_id) with final spans replacing pending ones. */
export function dedupeSpans(spans: Iterable<SpanRecord>): SpanRecord[] {
  const kept = new Map<string, SpanRecord>();
  for (const s of spans) kept.set(spanKey(s), preferred(kept.get(spanKey(s)), s));
  return [...kept.values()];
}

const byStart = (a: SpanNode, b: SpanNode) =>
  a.span.start_ms - b.span.start_ms || a.span.span_id.localeCompare(b.span.span_id);

export function buildSpanTree(spans: Iterable<SpanRecord>, nowMs: number = Date.now()): SpanTree {
  const unique = dedupeSpans(spans);
  const byId = new Map<string, SpanNode>();
  for (const span of unique) byId.set(span.span_id, { span, children: [], depth: 0, orphan: false, descendants: 0 });

  const roots: SpanNode[] = [];
  for (const node of byId.values()) {
    const parentId = node.span.parent_span_id;
    const parent = parentId && parentId !== node.span.span_id ? byId.get(parentId) : undefined;
    if (parent) parent.children.push(node);
    else {
      node.orphan = parentId !== null;
      roots.push(node);
    }
  }

  // Cycles (corrupt data) would leave nodes unreachable from any root: surface them as roots.
  const seen = new Set<SpanNode>();
  const walk = (start: SpanNode[]) => {
    const stack: Array<[SpanNode, number]> = start.map((n) => [n, 0]);
    while (stack.length) {
      const [node, depth] = stack.pop() as [SpanNode, number];
      if (seen.has(node)) continue;
      seen.add(node);
      node.depth = depth;
      node.children = node.children.filter((c) => !seen.has(c));
      for (const child of node.children) stack.push([child, depth + 1]);
    }
  };
  walk(roots);
  for (const node of byId.values()) {
    if (!seen.has(node)) {
      node.orphan = true;
      roots.push(node);
      walk([node]);
    }
  }

  let startMs = Infinity;
  let endMs = -Infinity;
  for (const node of byId.values()) {
    startMs = Math.min(startMs, node.span.start_ms);
    endMs = Math.max(endMs, node.span.pending ? Math.max(node.span.end_ms, nowMs) : node.span.end_ms);
  }
  if (!Number.isFinite(startMs)) startMs = endMs = nowMs;

  roots.sort(byStart);
  countAndSort(roots);
  return { roots, byId, startMs, endMs, size: byId.size };
}

function countAndSort(nodes: SpanNode[]): void {
  // Post-order without recursion so deep traces cannot overflow the stack.
  const order: SpanNode[] = [];
  const stack = [...nodes];
  while (stack.length) {
    const node = stack.pop() as SpanNode;
    order.push(node);
    stack.push(...node.children);
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i] as SpanNode;
    node.children.sort(byStart);
    node.descendants = node.children.reduce((sum, c) => sum + 1 + c.descendants, 0);
  }
}

export interface VisibleRow {
  node: SpanNode;
  depth: number;
  expanded: boolean;
  hasChildren: boolean;
}

/** The rows to render: roots plus the children of expanded nodes, in tree order. */
export function visibleRows(tree: SpanTree, expanded: ReadonlySet<string>): VisibleRow[] {
  const rows: VisibleRow[] = [];
  const stack: SpanNode[] = [...tree.roots].reverse();
  while (stack.length) {
    const node = stack.pop() as SpanNode;
    const isExpanded = expanded.has(node.span.span_id);
    rows.push({ node, depth: node.depth, expanded: isExpanded, hasChildren: node.children.length > 0 });
    if (isExpanded) for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i] as SpanNode);
  }
  return rows;
}

/** Expanded set for a freshly opened trace: all of a small trace, the first levels of a big one. */
export function initialExpanded(tree: SpanTree, budget = 300): Set<string> {
  const expanded = new Set<string>();
  let shown = tree.roots.length;
  let level: SpanNode[] = tree.roots;
  while (level.length && shown < budget) {
    const next: SpanNode[] = [];
    for (const node of level) {
      if (!node.children.length) continue;
      if (shown + node.children.length > budget && expanded.size > 0) return expanded;
      expanded.add(node.span.span_id);
      shown += node.children.length;
      next.push(...node.children);
    }
    level = next;
  }
  return expanded;
}

/** Ids of the ancestors of a span, so a selected deep span can be revealed. */
export function ancestorIds(tree: SpanTree, spanId: string): string[] {
  const ids: string[] = [];
  const guard = new Set<string>();
  let current = tree.byId.get(spanId);
  while (current?.span.parent_span_id && !guard.has(current.span.span_id)) {
    guard.add(current.span.span_id);
    const parent = tree.byId.get(current.span.parent_span_id);
    if (!parent) break;
    ids.push(parent.span.span_id);
    current = parent;
  }
  return ids;
}

export interface Bar {
  /** Percent of the trace width. */
  left: number;
  width: number;
  open: boolean;
}

/** Waterfall geometry of one span inside the trace's [start, end] window. */
export function waterfallBar(
  span: Pick<SpanRecord, "start_ms" | "end_ms" | "pending">,
  startMs: number,
  endMs: number,
  nowMs: number = Date.now(),
  minWidth = 0.2,
): Bar {
  const total = Math.max(endMs - startMs, 1e-6);
  const spanEnd = span.pending ? Math.max(span.end_ms, Math.min(nowMs, endMs)) : span.end_ms;
  const clamp = (v: number) => Math.min(100, Math.max(0, v));
  let left = clamp(((span.start_ms - startMs) / total) * 100);
  let width = Math.max(clamp(((spanEnd - span.start_ms) / total) * 100), minWidth);
  if (left + width > 100) {
    // Trim to the edge; a span starting at the very end is nudged left to stay visible.
    width = Math.max(minWidth, 100 - left);
    left = Math.min(left, 100 - width);
  }
  return { left, width, open: span.pending };
}
