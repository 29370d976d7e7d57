// Query results arrive column-oriented; views want rows.
import type { QueryResult } from "../api/types";

export type Row = Record<string, unknown>;

export function columnsToRows(result: QueryResult): Row[] {
  const columns = result.columns;
  if (columns.length === 0) return [];
  const length = Math.max(...columns.map((c) => c.values.length));
  const rows: Row[] = new Array<Row>(length);
  for (let i = 0; i < length; i++) {
    const row: Row = {};
    for (const column of columns) row[column.name] = column.values[i] ?? null;
    rows[i] = row;
  }
  return rows;
}

export function columnNames(result: QueryResult): string[] {
  return result.columns.map((c) => c.name);
}

/** A JSON-text column (attributes, otel_events…) as a value; objects pass through. */
export function parseJsonValue(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const trimmed = value.trim();
  if (!trimmed || !"[{".includes(trimmed[0] ?? "")) return value;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return value;
  }
}

/** Datatype of a column as a short lowercase string ("timestamp", "int64"…), whatever shape the server sends. */
export function datatypeName(datatype: unknown): string {
  if (typeof datatype === "string") return datatype.toLowerCase();
  if (datatype && typeof datatype === "object") {
    const keys = Object.keys(datatype);
    if (keys.length === 1 && keys[0]) return keys[0].toLowerCase();
    return JSON.stringify(datatype).toLowerCase();
  }
  return String(datatype).toLowerCase();
}
