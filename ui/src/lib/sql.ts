// Small SQL builders shared by the live view, trace view and dashboards. Values are always quoted here.

export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function isHexId(value: string, length: 16 | 32): boolean {
  return value.length === length && /^[0-9a-f]+$/.test(value);
}

export interface LiveFilters {
  where: string;
  minLevel: string;
  services: string[];
  environments: string[];
}

export const EMPTY_FILTERS: LiveFilters = { where: "", minLevel: "", services: [], environments: [] };

/** Combines the user's WHERE text with the level/service/environment pickers into one boolean expression. */
export function buildWhere(filters: LiveFilters): string {
  const parts: string[] = [];
  if (filters.minLevel) parts.push(`level >= ${sqlString(filters.minLevel)}`);
  if (filters.services.length === 1) parts.push(`service_name = ${sqlString(filters.services[0] as string)}`);
  else if (filters.services.length > 1) parts.push(`service_name IN (${filters.services.map(sqlString).join(", ")})`);
  if (filters.environments.length === 1)
    parts.push(`deployment_environment = ${sqlString(filters.environments[0] as string)}`);
  else if (filters.environments.length > 1)
    parts.push(`deployment_environment IN (${filters.environments.map(sqlString).join(", ")})`);
  const user = filters.where.trim();
  if (user) parts.push(parts.length ? `(${user})` : user);
  return parts.join(" AND ");
}

export interface Cursor {
  start_timestamp: string;
  trace_id: string;
  span_id: string;
}

/** Rows strictly older than the cursor in (start_timestamp, trace_id, span_id) DESC order. */
export function beforeCursor(cursor: Cursor): string {
  const ts = sqlString(cursor.start_timestamp);
  const t = sqlString(cursor.trace_id);
  const s = sqlString(cursor.span_id);
  return (
    `(start_timestamp < ${ts} OR (start_timestamp = ${ts} AND ` +
    `(trace_id < ${t} OR (trace_id = ${t} AND span_id < ${s}))))`
  );
}

/** Columns the live list needs; full payloads stay out of list views. */
export const LIST_COLUMNS = [
  "start_timestamp",
  "end_timestamp",
  "duration",
  "trace_id",
  "span_id",
  "parent_span_id",
  "kind",
  "level",
  "span_name",
  "message",
  "service_name",
  "is_exception",
];

export function historySql(where: string, cursor: Cursor | null, limit: number): string {
  const conditions = [where.trim() ? `(${where.trim()})` : "", cursor ? beforeCursor(cursor) : ""].filter(Boolean);
  return (
    `SELECT ${LIST_COLUMNS.join(", ")} FROM records` +
    (conditions.length ? ` WHERE ${conditions.join(" AND ")}` : "") +
    ` ORDER BY start_timestamp DESC, trace_id DESC, span_id DESC LIMIT ${limit}`
  );
}

export function histogramSql(where: string, bucketInterval: string): string {
  return (
    `SELECT time_bucket('${bucketInterval}', start_timestamp) AS bucket, count() AS total, ` +
    `sum(CASE WHEN level >= 17 THEN 1 ELSE 0 END) AS errors FROM records` +
    (where.trim() ? ` WHERE ${where.trim()}` : "") +
    ` GROUP BY bucket ORDER BY bucket`
  );
}

export function traceSql(traceId: string, limit: number): string {
  return (
    `SELECT ${LIST_COLUMNS.join(", ")} FROM records_all WHERE trace_id = ${sqlString(traceId)} ` +
    `ORDER BY start_timestamp LIMIT ${limit}`
  );
}

export function spanDetailSql(traceId: string, spanId: string): string {
  return (
    `SELECT * FROM records_all WHERE trace_id = ${sqlString(traceId)} AND span_id = ${sqlString(spanId)} ` +
    `ORDER BY start_timestamp DESC LIMIT 5`
  );
}

/** Replaces `$name` dashboard variables with quoted-as-written values (longest names first). */
export function substituteVariables(sql: string, values: Record<string, string>): string {
  const names = Object.keys(values).sort((a, b) => b.length - a.length);
  let out = sql;
  for (const name of names) {
    out = out.replace(new RegExp(`\\$${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\b`, "g"), values[name] ?? "");
  }
  return out;
}
