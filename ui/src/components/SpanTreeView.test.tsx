// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { useState } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { buildSpanTree } from "../lib/spanTree";
import { toSpanRecord } from "../lib/spans";
import { SpanTreeView } from "./SpanTreeView";

afterEach(cleanup);

const base = Date.UTC(2025, 0, 1);
const row = (id: string, parent: string | null, start: number, end: number, kind = "span") =>
  toSpanRecord({
    trace_id: "t".repeat(32),
    span_id: id,
    parent_span_id: parent,
    kind,
    level: id === "err" ? 17 : 9,
    message: `msg ${id}`,
    span_name: id,
    start_timestamp: new Date(base + start).toISOString(),
    end_timestamp: new Date(base + end).toISOString(),
    duration: (end - start) / 1000,
  });

const tree = buildSpanTree(
  [row("root", null, 0, 1000), row("child", "root", 100, 600), row("err", "child", 200, 300), row("late", "root", 700, 900)],
  base + 1000,
);

function Harness({ initial }: { initial: string[] }) {
  const [expanded, setExpanded] = useState(new Set(initial));
  const [selected, setSelected] = useState<string | null>(null);
  return (
    <SpanTreeView
      tree={tree}
      expanded={expanded}
      selectedSpanId={selected}
      onSelect={setSelected}
      onToggle={(id) =>
        setExpanded((s) => {
          const n = new Set(s);
          if (n.has(id)) n.delete(id);
          else n.add(id);
          return n;
        })
      }
      nowMs={base + 1000}
    />
  );
}

const ids = () => screen.getAllByTestId("trace-tree-row").map((r) => r.getAttribute("data-span-id"));

describe("SpanTreeView", () => {
  it("expands and collapses subtrees", () => {
    render(<Harness initial={[]} />);
    expect(ids()).toEqual(["root"]);
    fireEvent.click(screen.getByRole("button", { name: "Expand msg root" }));
    expect(ids()).toEqual(["root", "child", "late"]);
    fireEvent.click(screen.getByRole("button", { name: "Expand msg child" }));
    expect(ids()).toEqual(["root", "child", "err", "late"]);
    fireEvent.click(screen.getByRole("button", { name: "Collapse msg root" }));
    expect(ids()).toEqual(["root"]);
  });

  it("draws one waterfall bar per row, placed by time, in the level colour", () => {
    render(<Harness initial={["root", "child"]} />);
    const bars = screen.getAllByTestId("waterfall-bar");
    expect(bars).toHaveLength(4);
    expect(bars[0]!.style.left).toBe("0%");
    expect(bars[0]!.style.width).toBe("100%");
    expect(bars[1]!.style.left).toBe("10%");
    expect(bars[1]!.style.width).toBe("50%");
    expect(bars[2]!.className).toContain("lvl-error");
  });

  it("selects a span on click without toggling it", () => {
    render(<Harness initial={["root"]} />);
    const child = screen.getAllByTestId("trace-tree-row")[1]!;
    fireEvent.click(child);
    expect(child.getAttribute("aria-selected")).toBe("true");
    expect(ids()).toEqual(["root", "child", "late"]);
  });

  it("shows the count of hidden descendants on a collapsed node", () => {
    render(<Harness initial={[]} />);
    expect(screen.getAllByTestId("trace-tree-row")[0]!.textContent).toContain("3");
  });
});
