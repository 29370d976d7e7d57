import type { SpanTree, VisibleRow } from "../lib/spanTree";
import { visibleRows, waterfallBar } from "../lib/spanTree";
import { levelClass, levelName } from "../lib/levels";
import { formatDuration } from "../lib/time";
import { VirtualList } from "./VirtualList";

const ROW_HEIGHT = 26;

interface Props {
  tree: SpanTree;
  expanded: ReadonlySet<string>;
  onToggle: (spanId: string) => void;
  selectedSpanId: string | null;
  onSelect: (spanId: string) => void;
  nowMs?: number;
}

/** The collapsible span tree with a waterfall column; only expanded subtrees are flattened and only visible rows rendered. */
export function SpanTreeView({ tree, expanded, onToggle, selectedSpanId, onSelect, nowMs }: Props) {
  const rows = visibleRows(tree, expanded);
  const activeIndex = selectedSpanId ? rows.findIndex((r) => r.node.span.span_id === selectedSpanId) : -1;
  const total = (tree.endMs - tree.startMs) / 1000;

  const renderRow = (row: VisibleRow) => {
    const span = row.node.span;
    const bar = waterfallBar(span, tree.startMs, tree.endMs, nowMs);
    const selected = span.span_id === selectedSpanId;
    return (
      <div
        key={span.span_id}
        className={`tree-row${selected ? " selected" : ""}${span.pending ? " pending" : ""}`}
        style={{ height: ROW_HEIGHT }}
        role="treeitem"
        aria-level={row.depth + 1}
        aria-selected={selected}
        aria-expanded={row.hasChildren ? row.expanded : undefined}
        data-testid="trace-tree-row"
        data-span-id={span.span_id}
        onClick={() => onSelect(span.span_id)}
      >
        <div className="tree-label" style={{ paddingLeft: 6 + row.depth * 14 }}>
          {row.hasChildren ? (
            <button
              type="button"
              className="toggle"
              aria-label={`${row.expanded ? "Collapse" : "Expand"} ${span.message}`}
              data-testid="tree-toggle"
              onClick={(e) => {
                e.stopPropagation();
                onToggle(span.span_id);
              }}
            >
              {row.expanded ? "▾" : "▸"}
            </button>
          ) : (
            <span className="toggle-spacer" />
          )}
          <span className={`level-dot ${levelClass(span.level)}`} title={levelName(span.level)} />
          <span className="tree-message" title={span.message}>
            {span.message}
          </span>
          {!row.expanded && row.node.descendants > 0 && (
            <span className="badge muted">{row.node.descendants}</span>
          )}
          {row.node.orphan && (
            <span className="badge warn" title="Parent span not (yet) received">
              orphan
            </span>
          )}
          {span.pending && <span className="badge">running</span>}
        </div>
        <div className="tree-waterfall">
          <div
            className={`wf-bar ${levelClass(span.level)}${bar.open ? " open" : ""}`}
            style={{ left: `${bar.left}%`, width: `${bar.width}%` }}
            data-testid="waterfall-bar"
            title={span.pending ? "running" : formatDuration(span.duration ?? (span.end_ms - span.start_ms) / 1000)}
          />
        </div>
        <div className="tree-duration muted">
          {span.kind === "log" ? "" : span.pending ? "…" : formatDuration(span.duration ?? (span.end_ms - span.start_ms) / 1000)}
        </div>
      </div>
    );
  };

  return (
    <div className="span-tree" role="tree" aria-label="Spans">
      <div className="tree-header muted">
        <span>
          {tree.size} span{tree.size === 1 ? "" : "s"}
        </span>
        <span>{formatDuration(total)}</span>
      </div>
      <VirtualList
        items={rows}
        rowHeight={ROW_HEIGHT}
        renderRow={renderRow}
        activeIndex={activeIndex}
        testId="trace-tree"
      />
    </div>
  );
}
