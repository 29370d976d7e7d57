// Columns users query (reference/data-model.md), for autocomplete and the editor's schema.

export interface ColumnInfo {
  name: string;
  type: string;
  info?: string;
}

const c = (name: string, type: string, info?: string): ColumnInfo => (info ? { name, type, info } : { name, type });

export const RECORDS_COLUMNS: ColumnInfo[] = [
  c("start_timestamp", "timestamp", "span start; time filters apply here"),
  c("end_timestamp", "timestamp"),
  c("duration", "float64", "seconds; NULL for logs"),
  c("created_at", "timestamp", "ingest time"),
  c("day", "date"),
  c("trace_id", "text"),
  c("span_id", "text"),
  c("parent_span_id", "text"),
  c("kind", "text", "span, log, span_event, pending_span"),
  c("level", "int", "compare with names: level >= 'warn'"),
  c("span_name", "text"),
  c("message", "text"),
  c("attributes", "json", "attributes->>'key'"),
  c("attributes_json_schema", "json"),
  c("tags", "list<text>", "array_has(tags, 'x')"),
  c("is_exception", "bool"),
  c("exception_type", "text"),
  c("exception_message", "text"),
  c("exception_stacktrace", "text"),
  c("otel_status_code", "text"),
  c("otel_status_message", "text"),
  c("otel_events", "json"),
  c("otel_links", "json"),
  c("otel_scope_name", "text"),
  c("otel_scope_version", "text"),
  c("otel_scope_attributes", "json"),
  c("otel_resource_attributes", "json"),
  c("service_name", "text"),
  c("service_version", "text"),
  c("service_namespace", "text"),
  c("service_instance_id", "text"),
  c("process_pid", "int"),
  c("deployment_environment", "text"),
  c("telemetry_sdk_name", "text"),
  c("telemetry_sdk_language", "text"),
  c("telemetry_sdk_version", "text"),
  c("http_response_status_code", "int"),
  c("http_method", "text"),
  c("http_route", "text"),
  c("url_full", "text"),
  c("url_path", "text"),
  c("url_query", "text"),
  c("log_body", "text"),
];

export const METRICS_COLUMNS: ColumnInfo[] = [
  c("recorded_timestamp", "timestamp", "data point time; time filters apply here"),
  c("start_timestamp", "timestamp"),
  c("created_at", "timestamp"),
  c("day", "date"),
  c("metric_name", "text"),
  c("metric_type", "text", "gauge, sum, histogram, exponential_histogram"),
  c("metric_description", "text"),
  c("unit", "text"),
  c("aggregation_temporality", "text"),
  c("is_monotonic", "bool"),
  c("scalar_value", "float64"),
  c("histogram_min", "float64"),
  c("histogram_max", "float64"),
  c("histogram_sum", "float64"),
  c("histogram_count", "int"),
  c("histogram_bucket_counts", "list<int>"),
  c("histogram_explicit_bounds", "list<float64>"),
  c("exemplars", "json"),
  c("attributes", "json"),
  c("otel_scope_name", "text"),
  c("otel_resource_attributes", "json"),
  c("service_name", "text"),
  c("service_version", "text"),
  c("deployment_environment", "text"),
];

export const SQL_FUNCTIONS = [
  "time_bucket",
  "level_name",
  "level_num",
  "count",
  "sum",
  "avg",
  "min",
  "max",
  "approx_percentile_cont",
  "array_has",
  "date_trunc",
  "now",
  "json_get",
  "json_get_str",
  "json_get_int",
  "json_get_float",
  "json_get_bool",
  "json_get_json",
  "json_as_text",
  "json_length",
  "json_contains",
  "json_keys",
  "metric_quantile",
  "metric_rate",
  "metric_increase",
  "metric_sum",
  "metric_count",
  "metric_min",
  "metric_max",
  "metric_avg",
];

export const JSON_COLUMNS = new Set(["attributes", "otel_resource_attributes", "otel_scope_attributes"]);

export type CompletionContext =
  | { kind: "attribute_key"; column: string; prefix: string; from: number }
  | { kind: "value"; column: string; key?: string; prefix: string; from: number }
  | { kind: "column"; prefix: string; from: number };

/**
 * What the text before the cursor is asking for: an attribute key (`attributes->>'ht`), a value
 * (`service_name = 'ap`, `attributes->>'http.route' = '/u`), or a column/keyword (`serv`).
 */
export function completionContext(before: string): CompletionContext {
  const keyMatch = /\b(\w+)\s*(?:->>|->|\?)\s*'([^']*)$/.exec(before);
  if (keyMatch?.[1] && JSON_COLUMNS.has(keyMatch[1].toLowerCase())) {
    const prefix = keyMatch[2] ?? "";
    return { kind: "attribute_key", column: keyMatch[1].toLowerCase(), prefix, from: before.length - prefix.length };
  }
  const attrValue = /\b(\w+)\s*->>?\s*'([^']+)'\s*(?:=|!=|<>|\blike\b|\bin\s*\((?:\s*'[^']*'\s*,)*)\s*'([^']*)$/i.exec(
    before,
  );
  if (attrValue?.[1] && JSON_COLUMNS.has(attrValue[1].toLowerCase()) && attrValue[2] !== undefined) {
    const prefix = attrValue[3] ?? "";
    return {
      kind: "value",
      column: attrValue[1].toLowerCase(),
      key: attrValue[2],
      prefix,
      from: before.length - prefix.length,
    };
  }
  const value = /\b(\w+)\s*(?:=|!=|<>|\blike\b|\bin\s*\((?:\s*'[^']*'\s*,)*)\s*'([^']*)$/i.exec(before);
  if (value?.[1]) {
    const prefix = value[2] ?? "";
    return { kind: "value", column: value[1].toLowerCase(), prefix, from: before.length - prefix.length };
  }
  const word = /[\w.]*$/.exec(before)?.[0] ?? "";
  return { kind: "column", prefix: word, from: before.length - word.length };
}
