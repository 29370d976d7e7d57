import type { Alert, AlertInput, FiringMode } from "../api/types";

export const FIRING_MODES: { value: FiringMode; label: string }[] = [
  { value: "any_rows", label: "Every run that returns rows" },
  { value: "starts_having_rows", label: "When it starts returning rows" },
  { value: "starts_or_stops_having_rows", label: "When it starts or stops returning rows" },
  { value: "result_changes", label: "When the result changes" },
];

export const DEFAULT_ALERT: AlertInput = {
  name: "",
  description: "",
  sql: "SELECT service_name, count() AS errors\nFROM records\nWHERE level >= 'error'\nGROUP BY service_name",
  lookback_seconds: 300,
  interval_seconds: 60,
  firing_mode: "starts_having_rows",
  active: true,
  snoozed_until: null,
  channel_ids: [],
};

export function alertInput(alert: Alert): AlertInput {
  return {
    name: alert.name,
    description: alert.description ?? "",
    sql: alert.sql,
    lookback_seconds: alert.lookback_seconds,
    interval_seconds: alert.interval_seconds,
    firing_mode: alert.firing_mode,
    active: alert.active,
    snoozed_until: alert.snoozed_until,
    channel_ids: alert.channel_ids ?? [],
  };
}

/** Field errors before sending (the server checks again). */
export function validateAlert(a: AlertInput): string[] {
  const errors: string[] = [];
  if (!a.name.trim()) errors.push("Name is required.");
  if (!a.sql.trim()) errors.push("SQL is required.");
  if (!(a.interval_seconds >= 10)) errors.push("Interval must be at least 10 seconds.");
  if (!(a.lookback_seconds >= a.interval_seconds)) errors.push("Lookback must be at least the interval.");
  return errors;
}

export function formatSeconds(s: number): string {
  if (s % 86400 === 0) return `${s / 86400}d`;
  if (s % 3600 === 0) return `${s / 3600}h`;
  if (s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}
