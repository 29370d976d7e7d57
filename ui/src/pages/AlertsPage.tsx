import { Link } from "react-router-dom";
import { Spinner } from "../components/Spinner";
import { useAsync } from "../hooks/useAsync";
import { formatSeconds } from "../lib/alerts";
import { formatDateTime, toMillis } from "../lib/time";
import { useProject } from "../session";

export default function AlertsPage() {
  const { api, url, project } = useProject();
  const list = useAsync(() => api.alerts(), [api]);
  return (
    <div className="page">
      <div className="page-head">
        <h1>Alerts</h1>
        <span className="spacer" />
        {project.role !== "read" && (
          <Link className="button primary" to={url("alerts/new")} data-testid="new-alert">
            New alert
          </Link>
        )}
      </div>
      {list.loading && <Spinner label="Loading alerts…" />}
      {list.error && (
        <p className="error" role="alert">
          {list.error}
        </p>
      )}
      {list.data && (
        <table className="grid-table" data-testid="alerts-list">
          <thead>
            <tr>
              <th>Name</th>
              <th>State</th>
              <th>Every</th>
              <th>Looks back</th>
              <th>Last run</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((a) => (
              <tr key={a.id}>
                <td>
                  <Link to={url(`alerts/${a.id}`)}>{a.name}</Link>
                  {!a.active && <span className="badge">paused</span>}
                </td>
                <td>
                  <span className={`state-pill state-${a.state}`}>{a.state}</span>
                </td>
                <td>{formatSeconds(a.interval_seconds)}</td>
                <td>{formatSeconds(a.lookback_seconds)}</td>
                <td className="muted">{a.last_run_at ? formatDateTime(toMillis(a.last_run_at)) : "never"}</td>
              </tr>
            ))}
            {list.data.length === 0 && (
              <tr>
                <td colSpan={5} className="muted">
                  No alerts yet. An alert runs a SQL query on a schedule and notifies channels when it fires.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      )}
    </div>
  );
}
