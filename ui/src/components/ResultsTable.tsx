import { useState } from "react";
import { Link } from "react-router-dom";
import type { QueryResult } from "../api/types";
import { columnsToRows, datatypeName } from "../lib/columns";
import { isHexId } from "../lib/sql";

const PAGE = 500;

function cellText(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** Query results as a table; trace_id/span_id cells link to the trace view. */
export function ResultsTable({
  result,
  traceUrl,
  testId = "results-table",
}: {
  result: QueryResult;
  traceUrl?: (traceId: string, spanId?: string) => string;
  testId?: string;
}) {
  const [shown, setShown] = useState(PAGE);
  const rows = columnsToRows(result);
  const names = result.columns.map((c) => c.name);

  const renderCell = (name: string, row: Record<string, unknown>) => {
    const value = row[name];
    if (value === null || value === undefined) return <span className="muted">null</span>;
    const text = cellText(value);
    if (traceUrl && name === "trace_id" && isHexId(text, 32)) return <Link to={traceUrl(text)}>{text}</Link>;
    if (traceUrl && name === "span_id" && isHexId(text, 16)) {
      const traceId = cellText(row["trace_id"]);
      if (isHexId(traceId, 32)) return <Link to={traceUrl(traceId, text)}>{text}</Link>;
    }
    return text;
  };

  return (
    <div className="results">
      <div className="table-scroll">
        <table className="grid-table" data-testid={testId}>
          <thead>
            <tr>
              {result.columns.map((c) => (
                <th key={c.name} title={datatypeName(c.datatype)}>
                  {c.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.slice(0, shown).map((row, i) => (
              <tr key={i}>
                {names.map((name) => (
                  <td key={name}>{renderCell(name, row)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="list-foot muted" data-testid="results-count">
        {rows.length} row{rows.length === 1 ? "" : "s"}
        {rows.length > shown && (
          <>
            {" "}
            · showing {shown}{" "}
            <button type="button" className="ghost small" onClick={() => setShown(shown + PAGE)}>
              Show more
            </button>
          </>
        )}
      </div>
    </div>
  );
}
