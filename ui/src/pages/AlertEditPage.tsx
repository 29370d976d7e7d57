import { useEffect, useState, type FormEvent } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import type { AlertInput } from "../api/types";
import { SqlInput } from "../components/SqlInput";
import { Spinner } from "../components/Spinner";
import { useAsync } from "../hooks/useAsync";
import { alertInput, DEFAULT_ALERT, FIRING_MODES, validateAlert } from "../lib/alerts";
import { formatDateTime, toMillis } from "../lib/time";
import { useProject } from "../session";

const DURATIONS = [60, 300, 600, 900, 1800, 3600, 6 * 3600, 86400];
const label = (s: number) => (s < 3600 ? `${s / 60} min` : s < 86400 ? `${s / 3600} h` : `${s / 86400} d`);

/** A duration picker over DURATIONS, keeping a stored value that is not one of them selectable. */
function DurationSelect({ name, value, onChange }: { name: string; value: number; onChange: (seconds: number) => void }) {
  const options = DURATIONS.includes(value) ? DURATIONS : [...DURATIONS, value].sort((a, b) => a - b);
  return (
    <select name={name} value={value} onChange={(e) => onChange(Number(e.target.value))}>
      {options.map((s) => (
        <option key={s} value={s}>
          {label(s)}
        </option>
      ))}
    </select>
  );
}

export default function AlertEditPage() {
  const { api, orgApi, url } = useProject();
  const { alertId } = useParams();
  const navigate = useNavigate();
  const existing = useAsync(async () => (alertId ? api.alert(alertId) : null), [api, alertId]);
  const channels = useAsync(() => orgApi.channels(), [orgApi]);
  const runs = useAsync(async () => (alertId ? api.alertRuns(alertId) : []), [api, alertId]);
  const [form, setForm] = useState<AlertInput>(DEFAULT_ALERT);
  const [errors, setErrors] = useState<string[]>([]);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    if (existing.data) setForm(alertInput(existing.data));
  }, [existing.data]);

  if (alertId && existing.loading) return <Spinner label="Loading alert…" />;
  if (existing.error)
    return (
      <p className="page error" role="alert">
        {existing.error}
      </p>
    );

  const set = <K extends keyof AlertInput>(key: K, value: AlertInput[K]) => setForm((f) => ({ ...f, [key]: value }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    const problems = validateAlert(form);
    setErrors(problems);
    if (problems.length) return;
    setSaving(true);
    try {
      const saved = alertId ? await api.saveAlert(alertId, form) : await api.createAlert(form);
      navigate(url(`alerts/${saved.id}`), { replace: true });
      existing.reload();
      runs.reload();
    } catch (e) {
      setErrors([(e as Error).message]);
    } finally {
      setSaving(false);
    }
  }

  async function remove() {
    if (!alertId || !window.confirm("Delete this alert?")) return;
    try {
      await api.deleteAlert(alertId);
      navigate(url("alerts"));
    } catch (e) {
      setErrors([(e as Error).message]);
    }
  }


  return (
    <div className="page">
      <div className="page-head">
        <h1>{alertId ? form.name || "Alert" : "New alert"}</h1>
        {existing.data && <span className={`state-pill state-${existing.data.state}`}>{existing.data.state}</span>}
        <span className="spacer" />
        <Link to={url("alerts")}>All alerts</Link>
      </div>
      <form className="form card" onSubmit={(e) => void submit(e)} data-testid="alert-form" aria-label="Alert">
        <label>
          Name
          <input name="name" required value={form.name} onChange={(e) => set("name", e.target.value)} />
        </label>
        <label>
          Description
          <input name="description" value={form.description} onChange={(e) => set("description", e.target.value)} />
        </label>
        <label>
          SQL — the alert fires based on the rows this returns
          <SqlInput value={form.sql} onChange={(v) => set("sql", v)} api={api} testId="alert-sql" ariaLabel="Alert SQL" />
        </label>
        <div className="form-row">
          <label>
            Run every
            <DurationSelect
              name="interval_seconds"
              value={form.interval_seconds}
              onChange={(v) => set("interval_seconds", v)}
            />
          </label>
          <label>
            Looking back
            <DurationSelect
              name="lookback_seconds"
              value={form.lookback_seconds}
              onChange={(v) => set("lookback_seconds", v)}
            />
          </label>
          <label>
            Fire
            <select
              name="firing_mode"
              value={form.firing_mode}
              onChange={(e) => set("firing_mode", e.target.value as AlertInput["firing_mode"])}
            >
              {FIRING_MODES.map((m) => (
                <option key={m.value} value={m.value}>
                  {m.label}
                </option>
              ))}
            </select>
          </label>
        </div>
        <fieldset className="card">
          <legend>Notify channels</legend>
          {channels.error && <p className="error">{channels.error}</p>}
          {channels.data?.length === 0 && <p className="muted">No channels yet — add one in Settings → Channels.</p>}
          {channels.data?.map((c) => (
            <label key={c.id} className="inline">
              <input
                type="checkbox"
                checked={form.channel_ids.includes(c.id)}
                onChange={(e) =>
                  set("channel_ids", e.target.checked ? [...form.channel_ids, c.id] : form.channel_ids.filter((id) => id !== c.id))
                }
              />
              {c.name} <span className="muted">({c.kind})</span>
            </label>
          ))}
        </fieldset>
        <div className="form-row">
          <label className="inline">
            <input type="checkbox" checked={form.active} onChange={(e) => set("active", e.target.checked)} />
            Active
          </label>
          <label className="inline">
            Snoozed until
            <input
              type="datetime-local"
              value={form.snoozed_until ? form.snoozed_until.slice(0, 16) : ""}
              onChange={(e) => set("snoozed_until", e.target.value ? new Date(e.target.value).toISOString() : null)}
            />
          </label>
        </div>
        {errors.length > 0 && (
          <ul className="error" role="alert" data-testid="alert-errors">
            {errors.map((e) => (
              <li key={e}>{e}</li>
            ))}
          </ul>
        )}
        <div className="row gap">
          <button type="submit" className="primary" disabled={saving} data-testid="alert-save">
            {saving ? "Saving…" : alertId ? "Save" : "Create alert"}
          </button>
          {alertId && (
            <button type="button" className="danger" onClick={() => void remove()}>
              Delete
            </button>
          )}
        </div>
      </form>
      {alertId && (
        <section className="card">
          <h2>History</h2>
          {runs.error && <p className="error">{runs.error}</p>}
          {runs.data && runs.data.length === 0 && <p className="muted">Not run yet.</p>}
          {runs.data && runs.data.length > 0 && (
            <table className="grid-table" data-testid="alert-runs">
              <thead>
                <tr>
                  <th>Time</th>
                  <th>State</th>
                  <th>Rows</th>
                  <th>Error</th>
                </tr>
              </thead>
              <tbody>
                {runs.data.map((r, i) => (
                  <tr key={String(r.id ?? i)}>
                    <td>{formatDateTime(toMillis(r.started_at ?? r.run_at ?? null))}</td>
                    <td>
                      <span className={`state-pill state-${String(r.state ?? "")}`}>{String(r.state ?? "")}</span>
                    </td>
                    <td>{r.row_count ?? ""}</td>
                    <td className="error">{r.error ?? ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      )}
    </div>
  );
}
