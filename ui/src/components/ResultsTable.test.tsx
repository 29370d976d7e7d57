// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { afterEach, describe, expect, it } from "vitest";
import { ResultsTable } from "./ResultsTable";

afterEach(cleanup);

const TRACE = "0af7651916cd43dd8448eb211c80319c";
const SPAN = "b7ad6b7169203331";

describe("ResultsTable", () => {
  it("renders columns and rows, with trace and span ids linking to the trace view", () => {
    render(
      <MemoryRouter>
        <ResultsTable
          result={{
            columns: [
              { name: "trace_id", datatype: "Utf8", values: [TRACE, "not-an-id"] },
              { name: "span_id", datatype: "Utf8", values: [SPAN, SPAN] },
              { name: "n", datatype: "Int64", values: [1, null] },
              { name: "attrs", datatype: "Utf8", values: [{ a: 1 }, "x"] },
            ],
          }}
          traceUrl={(t, s) => `/trace/${t}${s ? `?span=${s}` : ""}`}
        />
      </MemoryRouter>,
    );
    const table = screen.getByTestId("results-table");
    const headers = within(table)
      .getAllByRole("columnheader")
      .map((h) => h.textContent);
    expect(headers).toEqual(["trace_id", "span_id", "n", "attrs"]);
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows).toHaveLength(2);
    const first = within(rows[0]!).getAllByRole("link");
    expect(first.map((a) => a.getAttribute("href"))).toEqual([`/trace/${TRACE}`, `/trace/${TRACE}?span=${SPAN}`]);
    expect(rows[0]!.textContent).toContain('{"a":1}');
    // A row without a valid trace id gets no links, and nulls are shown as such.
    expect(within(rows[1]!).queryAllByRole("link")).toHaveLength(0);
    expect(within(rows[1]!).getByText("null")).toBeTruthy();
    expect(screen.getByTestId("results-count").textContent).toContain("2 rows");
  });

  it("pages long results instead of rendering them all", () => {
    const values = Array.from({ length: 1200 }, (_, i) => i);
    render(
      <MemoryRouter>
        <ResultsTable result={{ columns: [{ name: "i", datatype: "Int64", values }] }} />
      </MemoryRouter>,
    );
    const table = screen.getByTestId("results-table");
    expect(table.querySelectorAll("tbody tr")).toHaveLength(500);
    fireEvent.click(screen.getByText("Show more"));
    expect(table.querySelectorAll("tbody tr")).toHaveLength(1000);
  });
});
