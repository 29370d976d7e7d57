// The bar above a dashboard's grid: a value picker per variable, and (edit mode) an inline variable editor.
import { useEffect, useState, type FormEvent } from "react";
import type { DashboardVariable } from "../api/types";
import { fromDraft, toDraft, type VariableDraft } from "../lib/variables";

export function DashboardVariables({
  variables,
  values,
  editMode,
  onValue,
  onChange,
}: {
  variables: DashboardVariable[];
  /** The values in use (URL over defaults), by name. */
  values: Record<string, string>;
  editMode: boolean;
  onValue: (name: string, value: string) => void;
  /** The edited variable list; `renamed` when an existing variable got a new name. */
  onChange: (variables: DashboardVariable[], renamed?: { from: string; to: string }) => void;
}) {
  // null: no editor open; -1: a new variable; otherwise the index of the variable being edited.
  const [editing, setEditing] = useState<number | null>(null);
  if (!variables.length && !editMode) return null;
  return (
    <div data-testid="dashboard-variables">
      <div className="dash-vars">
        {variables.map((v, i) => (
          <label key={v.name} data-testid="dashboard-variable">
            {v.label || v.name} <span className="mono muted">${v.name}</span>
            <span className="row gap">
              <VariableValue variable={v} value={values[v.name] ?? v.default} onValue={(value) => onValue(v.name, value)} />
              {editMode && (
                <>
                  <button type="button" className="ghost small" onClick={() => setEditing(i)} aria-label={`Edit variable ${v.name}`}>
                    Edit
                  </button>
                  <button
                    type="button"
                    className="ghost small danger"
                    aria-label={`Remove variable ${v.name}`}
                    onClick={() => {
                      setEditing(null);
                      onChange(variables.filter((_, j) => j !== i));
                    }}
                  >
                    ✕
                  </button>
                </>
              )}
            </span>
          </label>
        ))}
        {editMode && editing === null && (
          <button type="button" onClick={() => setEditing(-1)} data-testid="add-variable">
            Add variable
          </button>
        )}
      </div>
      {editMode && editing !== null && (
        <VariableEditor
          key={editing}
          initial={editing >= 0 ? variables[editing] : undefined}
          others={variables.filter((_, j) => j !== editing)}
          onCancel={() => setEditing(null)}
          onSave={(variable) => {
            const before = editing >= 0 ? variables[editing] : undefined;
            const next = before ? variables.map((v, j) => (j === editing ? variable : v)) : [...variables, variable];
            setEditing(null);
            onChange(next, before && before.name !== variable.name ? { from: before.name, to: variable.name } : undefined);
          }}
        />
      )}
    </div>
  );
}

/** A select for fixed options; otherwise free SQL text, applied on Enter or when the field is left. */
function VariableValue({
  variable,
  value,
  onValue,
}: {
  variable: DashboardVariable;
  value: string;
  onValue: (value: string) => void;
}) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  const label = `Value of $${variable.name}`;
  if (variable.options?.length) {
    const options = variable.options.includes(value) ? variable.options : [value, ...variable.options];
    return (
      <select aria-label={label} value={value} onChange={(e) => onValue(e.target.value)} data-testid="variable-value">
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    );
  }
  const commit = () => {
    if (text !== value) onValue(text);
  };
  return (
    <input
      aria-label={label}
      value={text}
      className="mono"
      onChange={(e) => setText(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === "Enter") commit();
      }}
      data-testid="variable-value"
    />
  );
}

function VariableEditor({
  initial,
  others,
  onSave,
  onCancel,
}: {
  initial?: DashboardVariable;
  others: DashboardVariable[];
  onSave: (variable: DashboardVariable) => void;
  onCancel: () => void;
}) {
  const [draft, setDraft] = useState<VariableDraft>(() => toDraft(initial));
  const [error, setError] = useState<string | null>(null);
  const set = (field: keyof VariableDraft) => (e: { target: { value: string } }) =>
    setDraft({ ...draft, [field]: e.target.value });

  function save(event: FormEvent) {
    event.preventDefault();
    const result = fromDraft(draft, others);
    if (result.ok) onSave(result.variable);
    else setError(result.error);
  }

  return (
    <form
      className="card form"
      aria-label={initial ? `Variable ${initial.name}` : "New variable"}
      onSubmit={save}
      data-testid="variable-editor"
    >
      <div className="form-row">
        <label>
          Name (use as $name in SQL)
          <input value={draft.name} onChange={set("name")} placeholder="service" className="mono" autoFocus />
        </label>
        <label>
          Label
          <input value={draft.label} onChange={set("label")} placeholder="Service" />
        </label>
        <label>
          Default (SQL text)
          <input value={draft.default} onChange={set("default")} placeholder="'api'" className="mono" />
        </label>
      </div>
      <label>
        Options, comma separated (empty: any value may be typed)
        <input value={draft.options} onChange={set("options")} placeholder="'api', 'web', 'worker'" className="mono" />
      </label>
      <p className="muted">
        Values are pasted into the SQL as written: quote text values, e.g. <span className="mono">'api'</span>.
      </p>
      {error && (
        <p className="error" role="alert" data-testid="variable-error">
          {error}
        </p>
      )}
      <div className="row gap">
        <button type="submit" className="primary" data-testid="variable-save">
          {initial ? "Apply" : "Add"}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
