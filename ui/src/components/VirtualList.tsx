import { useEffect, useLayoutEffect, useRef, useState, type ReactNode } from "react";
import { scrollToIndex, visibleWindow } from "../lib/virtual";

interface Props<T> {
  items: readonly T[];
  rowHeight: number;
  renderRow: (item: T, index: number) => ReactNode;
  /** Keeps this row in view when it changes (keyboard navigation). */
  activeIndex?: number;
  onNearEnd?: () => void;
  testId?: string;
  ariaLabel?: string;
  role?: string;
}

/** Renders only the rows in (and near) the viewport, so 10k rows cost the same as 50. */
export function VirtualList<T>(props: Props<T>) {
  const { items, rowHeight, renderRow, activeIndex, onNearEnd } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const measure = () => setHeight(el.clientHeight || 600);
    measure();
    if (typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    const el = scroller.current;
    if (!el || activeIndex === undefined || activeIndex < 0) return;
    const next = scrollToIndex(activeIndex, el.scrollTop, el.clientHeight, rowHeight);
    if (next !== el.scrollTop) el.scrollTop = next;
  }, [activeIndex, rowHeight]);

  const win = visibleWindow(scrollTop, height, rowHeight, items.length);

  useEffect(() => {
    if (onNearEnd && items.length > 0 && win.end >= items.length - 5) onNearEnd();
  }, [win.end, items.length, onNearEnd]);

  const rows: ReactNode[] = [];
  for (let i = win.start; i < win.end; i++) rows.push(renderRow(items[i] as T, i));

  return (
    <div
      ref={scroller}
      className="vlist"
      data-testid={props.testId}
      aria-label={props.ariaLabel}
      role={props.role}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
    >
      <div style={{ height: win.totalHeight, position: "relative" }}>
        <div style={{ position: "absolute", top: win.offsetTop, left: 0, right: 0 }}>{rows}</div>
      </div>
    </div>
  );
}
