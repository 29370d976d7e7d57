import { useRef, useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { useAsync } from "../hooks/useAsync";
import { slugify, validateImport } from "../lib/dashboard";
import { useProject } from "../session";
import { Spinner } from "../components/Spinner";
import { formatDateTime, toMillis } from "../lib/time";

export default function DashboardsPage() {
  const { api, url, project } = useProject();
  const navigate = useNavigate();
  const list = useAsync(() => api.dashboards(), [api]);
  const [title, setTitle] = useState("");
  const [error, setError] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const canEdit = project.role !== "read";

  async function create() {
    if (!title.trim()) return;
    setError(null);
    try {
      const d = await api.createDashboard({
        slug: slugify(title),
        title: title.trim(),
        description: "",
        definition: { panels: [], variables: [] },
      });
      navigate(url(`dashboards/${d.slug}?edit=1`));
    } catch (e) {
      setError((e as Error).message);
    }
  }

  async function importFile(file: File) {
    setError(null);
    try {
      const parsed = validateImport(JSON.parse(await file.text()) as unknown);
      if (!parsed.ok) return setError(parsed.error);
      const d = await api.importDashboard(parsed.dashboard);
      navigate(url(`dashboards/${d.slug}`));
    } catch (e) {
      setError((e as Error).message);
    }
  }

  return (
    <div className="page">
      <div className="page-head">
        <h1>Dashboards</h1>
        <span className="spacer" />
        {canEdit && (
          <>
            <input
              aria-label="New dashboard title"
              placeholder="New dashboard title"
              value={title}
              onChange={(e) => setTitle(e.target.value)}
              onKeyDown={(e) => e.key === "Enter" && void create()}
            />
            <button type="button" className="primary" onClick={() => void create()} data-testid="create-dashboard">
              Create
            </button>
            <button type="button" onClick={() => fileInput.current?.click()} data-testid="import-dashboard">
              Import JSON
            </button>
            <input
              ref={fileInput}
              type="file"
              accept="application/json,.json"
              hidden
              onChange={(e) => {
                const f = e.target.files?.[0];
                if (f) void importFile(f);
                e.target.value = "";
              }}
            />
          </>
        )}
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {list.loading && <Spinner label="Loading dashboards…" />}
      {list.error && (
        <p className="error" role="alert">
          {list.error}
        </p>
      )}
      {list.data && (
        <table className="grid-table" data-testid="dashboards-list">
          <thead>
            <tr>
              <th>Title</th>
              <th>Description</th>
              <th>Updated</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.data.map((d) => (
              <tr key={d.slug}>
                <td>
                  <Link to={url(`dashboards/${d.slug}`)}>{d.title}</Link>
                </td>
                <td className="muted">{d.description}</td>
                <td className="muted">{d.updated_at ? formatDateTime(toMillis(d.updated_at)) : ""}</td>
                <td>{d.standard ? <span className="badge">standard</span> : null}</td>
              </tr>
            ))}
            {list.data.length === 0 && (
              <tr>
                <td colSpan={4} className="muted">
                  No dashboards yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      )}
    </div>
  );
}
