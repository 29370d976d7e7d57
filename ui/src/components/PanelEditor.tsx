import { useState } from "react";
import type { ProjectApi } from "../api/client";
import type { ChartKind, Panel, QueryResult } from "../api/types";
import { substituteVariables } from "../lib/sql";
import { ChartOrTable } from "./ChartOrTable";
import { SqlInput } from "./SqlInput";

const CHARTS: ChartKind[] = ["time_series", "bar", "table", "value", "pie"];

interface Props {
  api: ProjectApi;
  panel: Panel;
  variables: Record<string, string>;
  range: { min: string; max: string };
  onSave: (panel: Panel) => void;
  onCancel: () => void;
}

/** Edits one panel's title, SQL and chart type, with a preview run. */
export function PanelEditor({ api, panel, variables, range, onSave, onCancel }: Props) {
  const [draft, setDraft] = useState(panel);
  const [preview, setPreview] = useState<QueryResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);

  async function run() {
    setRunning(true);
    setError(null);
    try {
      setPreview(
        await api.query({
          sql: substituteVariables(draft.sql, variables),
          min_timestamp: range.min,
          max_timestamp: range.max,
          limit: 1000,
        }),
      );
    } catch (e) {
      setError((e as Error).message);
      setPreview(null);
    } finally {
      setRunning(false);
    }
  }

  return (
    <div className="modal-backdrop">
      <div className="modal" role="dialog" aria-label="Edit panel" data-testid="panel-editor">
        <div className="form">
          <div className="form-row">
            <label>
              Title
              <input value={draft.title} onChange={(e) => setDraft({ ...draft, title: e.target.value })} />
            </label>
            <label>
              Chart
              <select
                aria-label="Chart type"
                value={draft.chart}
                onChange={(e) => setDraft({ ...draft, chart: e.target.value as ChartKind })}
              >
                {CHARTS.map((c) => (
                  <option key={c} value={c}>
                    {c.replace("_", " ")}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <SqlInput
            value={draft.sql}
            onChange={(sql) => setDraft((d) => ({ ...d, sql }))}
            onRun={() => void run()}
            api={api}
            testId="panel-sql"
            ariaLabel="Panel SQL"
          />
          <p className="muted">
            Variables: {Object.keys(variables).map((v) => `$${v}`).join(", ")}. <kbd>mod+Enter</kbd> runs a preview.
          </p>
          <div className="row gap">
            <button type="button" onClick={() => void run()} disabled={running} data-testid="panel-preview">
              {running ? "Running…" : "Preview"}
            </button>
            <span className="spacer" />
            <button type="button" onClick={onCancel}>
              Cancel
            </button>
            <button type="button" className="primary" onClick={() => onSave(draft)} data-testid="panel-save">
              Apply
            </button>
          </div>
          {error && (
            <div className="query-error" role="alert">
              <pre>{error}</pre>
            </div>
          )}
          {preview && (
            <div className="card">
              <ChartOrTable result={preview} kind={draft.chart} height={220} />
            </div>
          )}
        </div>
      </div>
    </div>
  );
}
