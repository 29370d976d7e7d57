// Dashboard variables: the editor's draft <-> a variable, its checks, and where values live in the URL.
import type { DashboardVariable } from "../api/types";

/** Names usable as `$name` in SQL (substitution stops at the first non-word character). */
export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The URL parameter holding a variable's chosen value, so a shared link reopens the same values. */
export function variableParam(name: string): string {
  return `var-${name}`;
}

/** What the inline editor holds: every field as typed, options comma separated. */
export interface VariableDraft {
  name: string;
  label: string;
  default: string;
  options: string;
}

export function toDraft(v?: DashboardVariable): VariableDraft {
  return v
    ? { name: v.name, label: v.label, default: v.default, options: (v.options ?? []).join(", ") }
    : { name: "", label: "", default: "", options: "" };
}

/** Comma-separated options, trimmed, empty ones and repeats dropped. */
export function parseOptions(text: string): string[] {
  const seen = new Set<string>();
  for (const part of text.split(",")) {
    const option = part.trim();
    if (option) seen.add(option);
  }
  return [...seen];
}

/**
 * The variable a draft describes, or the first problem with it. `others` are the dashboard's other
 * variables (a name must be unique). With options, the default must be one of them (the first if empty).
 */
export function fromDraft(
  draft: VariableDraft,
  others: readonly DashboardVariable[],
): { ok: true; variable: DashboardVariable } | { ok: false; error: string } {
  const name = draft.name.trim().replace(/^\$/, "");
  if (!name) return { ok: false, error: "A variable needs a name." };
  if (!VARIABLE_NAME.test(name))
    return { ok: false, error: "Names are letters, digits and _, not starting with a digit (used as $name in SQL)." };
  if (others.some((v) => v.name === name)) return { ok: false, error: `There is already a variable $${name}.` };
  const options = parseOptions(draft.options);
  let def = draft.default.trim();
  if (options.length) {
    if (!def) def = options[0]!;
    else if (!options.includes(def)) return { ok: false, error: `The default ${def} is not one of the options.` };
  }
  return {
    ok: true,
    variable: { name, label: draft.label.trim() || name, default: def, ...(options.length ? { options } : {}) },
  };
}

/**
 * URL changes after the variables were edited: values of variables that no longer exist are dropped,
 * a renamed variable keeps its chosen value under its new name.
 */
export function urlChangesForEdit(
  before: readonly DashboardVariable[],
  after: readonly DashboardVariable[],
  params: URLSearchParams,
  renamed?: { from: string; to: string },
): Record<string, string | null> {
  const changes: Record<string, string | null> = {};
  const kept = new Set(after.map((v) => v.name));
  for (const v of before) if (!kept.has(v.name) && params.has(variableParam(v.name))) changes[variableParam(v.name)] = null;
  if (renamed && renamed.from !== renamed.to) {
    const value = params.get(variableParam(renamed.from));
    if (value !== null) changes[variableParam(renamed.to)] = value;
  }
  return changes;
}
