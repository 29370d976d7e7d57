import { useState } from "react";

/** Attributes as a collapsible tree; scalars inline, long strings wrapped. */
export function JsonTree({ value, name, depth = 0 }: { value: unknown; name?: string; depth?: number }) {
  const [open, setOpen] = useState(depth < 2);
  const isObject = value !== null && typeof value === "object";
  if (!isObject) {
    return (
      <div className="json-row" style={{ paddingLeft: depth * 12 }}>
        {name !== undefined && <span className="json-key">{name}: </span>}
        <span className={`json-${value === null ? "null" : typeof value}`}>{formatScalar(value)}</span>
      </div>
    );
  }
  const entries = Array.isArray(value)
    ? value.map((v, i) => [String(i), v] as const)
    : Object.entries(value as Record<string, unknown>);
  return (
    <div className="json-node">
      <button
        type="button"
        className="json-row json-toggle"
        style={{ paddingLeft: depth * 12 }}
        aria-expanded={open}
        onClick={() => setOpen(!open)}
      >
        <span className="caret">{open ? "▾" : "▸"}</span>
        {name !== undefined && <span className="json-key">{name}</span>}
        <span className="muted">
          {" "}
          {Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`}
        </span>
      </button>
      {open && entries.map(([k, v]) => <JsonTree key={k} name={k} value={v} depth={depth + 1} />)}
    </div>
  );
}

function formatScalar(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  return String(value);
}
