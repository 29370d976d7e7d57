import { useEffect, useMemo, useState, type ReactNode } from "react";
import { useNavigate, useParams } from "react-router-dom";
import ReactGridLayout, { useContainerWidth, type Layout } from "react-grid-layout";
import "react-grid-layout/css/styles.css";
import { ApiError } from "../api/client";
import type { Dashboard, DashboardVariable, Panel, QueryResult } from "../api/types";
import { ChartOrTable } from "../components/ChartOrTable";
import { DashboardVariables } from "../components/DashboardVariables";
import { PanelEditor } from "../components/PanelEditor";
import { Spinner } from "../components/Spinner";
import { TimeRangePicker } from "../components/TimeRangePicker";
import { useAsync } from "../hooks/useAsync";
import { useUrlParams } from "../hooks/useUrlState";
import { applyLayout, downloadJson, GRID_COLS, newPanel, panelsToLayout, variableValues } from "../lib/dashboard";
import { substituteVariables } from "../lib/sql";
import { urlChangesForEdit, variableParam } from "../lib/variables";
import { parseRange, resolveRange, writeRange, type TimeRange } from "../lib/timeRange";
import { useProject } from "../session";

export default function DashboardPage() {
  const { api, url, project } = useProject();
  const { slug = "" } = useParams();
  const navigate = useNavigate();
  const [params, update] = useUrlParams();
  const loaded = useAsync(() => api.dashboard(slug), [api, slug]);
  const [dash, setDash] = useState<Dashboard | null>(null);
  const [dirty, setDirty] = useState(false);
  const [editing, setEditing] = useState<Panel | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [refreshTick, setRefreshTick] = useState(0);
  const editMode = params.get("edit") === "1";
  const canEdit = project.role !== "read";

  useEffect(() => {
    if (loaded.data) {
      setDash(loaded.data);
      setDirty(false);
    }
  }, [loaded.data]);

  const range = parseRange(params);
  const rangeKey = params.get("range") ?? `${params.get("from") ?? ""}|${params.get("to") ?? ""}`;
  const resolved = useMemo(() => resolveRange(range), [rangeKey, refreshTick]); // eslint-disable-line react-hooks/exhaustive-deps
  const values = useMemo(
    () => (dash ? variableValues(dash.definition, params, resolved.maxMs - resolved.minMs) : {}),
    [dash, params, resolved],
  );
  const timeBounds = { min: new Date(resolved.minMs).toISOString(), max: new Date(resolved.maxMs).toISOString() };

  if (loaded.error)
    return (
      <p className="page error" role="alert">
        {loaded.error}
      </p>
    );
  if (!dash) return <Spinner label="Loading dashboard…" />;

  const change = (next: Dashboard) => {
    setDash(next);
    setDirty(true);
  };
  const setPanels = (panels: Panel[]) => change({ ...dash, definition: { ...dash.definition, panels } });
  const setVariables = (variables: DashboardVariable[]) =>
    change({ ...dash, definition: { ...dash.definition, variables } });

  async function save() {
    if (!dash) return;
    setMessage(null);
    try {
      const saved = await api.saveDashboard(dash);
      setDash(saved);
      setDirty(false);
      update({ edit: null });
    } catch (e) {
      setMessage(
        e instanceof ApiError && e.status === 409
          ? "Someone else changed this dashboard since you opened it. Reload to see their version."
          : (e as Error).message,
      );
    }
  }

  async function remove() {
    if (!dash || !window.confirm(`Delete dashboard “${dash.title}”?`)) return;
    try {
      await api.deleteDashboard(dash.slug);
      navigate(url("dashboards"));
    } catch (e) {
      setMessage((e as Error).message);
    }
  }

  async function exportJson() {
    if (!dash) return;
    try {
      downloadJson(`${dash.slug}.json`, await api.exportDashboard(dash.slug));
    } catch (e) {
      setMessage((e as Error).message);
    }
  }

  const setRange = (r: TimeRange) => {
    const next = writeRange(new URLSearchParams(params), r);
    update({ range: next.get("range"), from: next.get("from"), to: next.get("to") });
  };

  return (
    <div className="dash">
      <div className="page-head">
        <h1>{dash.title}</h1>
        {dash.standard ? <span className="badge">standard</span> : null}
        <span className="spacer" />
        <TimeRangePicker value={range} onChange={setRange} />
        <button type="button" onClick={() => setRefreshTick((t) => t + 1)} title="Refresh">
          ↻
        </button>
        <button type="button" onClick={() => void exportJson()} data-testid="export-dashboard">
          Export
        </button>
        {canEdit && !editMode && (
          <button type="button" onClick={() => update({ edit: "1" })} data-testid="edit-dashboard">
            Edit
          </button>
        )}
        {editMode && (
          <>
            <button type="button" onClick={() => setEditing(newPanel(dash.definition.panels))} data-testid="add-panel">
              Add panel
            </button>
            <button type="button" className="danger" onClick={() => void remove()}>
              Delete
            </button>
            <button
              type="button"
              onClick={() => {
                if (loaded.data) setDash(loaded.data);
                setDirty(false);
                update({ edit: null });
              }}
            >
              Cancel
            </button>
            <button type="button" className="primary" onClick={() => void save()} disabled={!dirty} data-testid="save-dashboard">
              Save
            </button>
          </>
        )}
      </div>
      {message && (
        <p className="error" role="alert">
          {message}
        </p>
      )}
      {dash.description && <p className="muted">{dash.description}</p>}
      <DashboardVariables
        variables={dash.definition.variables}
        values={values}
        editMode={editMode}
        onValue={(name, value) => update({ [variableParam(name)]: value })}
        onChange={(variables, renamed) => {
          const changes = urlChangesForEdit(dash.definition.variables, variables, params, renamed);
          setVariables(variables);
          if (Object.keys(changes).length) update(changes);
        }}
      />
      {dash.definition.panels.length === 0 && (
        <p className="muted">This dashboard has no panels yet{canEdit ? " — use Edit, then Add panel." : "."}</p>
      )}
      <PanelGrid panels={dash.definition.panels} editMode={editMode} onChange={setPanels}>
        {(panel) => (
          <PanelView
            panel={panel}
            values={values}
            bounds={timeBounds}
            editMode={editMode}
            onEdit={() => setEditing(panel)}
            onDelete={() => setPanels(dash.definition.panels.filter((p) => p.id !== panel.id))}
          />
        )}
      </PanelGrid>
      {editing && (
        <PanelEditor
          api={api}
          panel={editing}
          variables={values}
          range={timeBounds}
          onCancel={() => setEditing(null)}
          onSave={(p) => {
            const exists = dash.definition.panels.some((x) => x.id === p.id);
            setPanels(exists ? dash.definition.panels.map((x) => (x.id === p.id ? p : x)) : [...dash.definition.panels, p]);
            setEditing(null);
          }}
        />
      )}
    </div>
  );
}

/**
 * The panels on a grid as wide as the page. Its own component so the width is measured once its
 * container exists: the page first renders a spinner, and a measuring hook mounted with it would
 * never see the container (the grid would stay at the library's default 1280 px).
 */
function PanelGrid({
  panels,
  editMode,
  onChange,
  children,
}: {
  panels: Panel[];
  editMode: boolean;
  onChange: (panels: Panel[]) => void;
  children: (panel: Panel) => ReactNode;
}) {
  const { width, containerRef, mounted } = useContainerWidth();
  return (
    <div ref={containerRef} data-testid="dashboard-grid">
      {mounted && (
        <ReactGridLayout
          width={width}
          layout={panelsToLayout(panels)}
          gridConfig={{ cols: GRID_COLS, rowHeight: 30, margin: [8, 8] }}
          dragConfig={{ enabled: editMode, handle: ".drag-handle" }}
          resizeConfig={{ enabled: editMode }}
          onLayoutChange={(layout: Layout) => {
            const next = applyLayout(panels, layout);
            if (next.some((p, i) => p !== panels[i])) onChange(next);
          }}
        >
          {panels.map((panel) => (
            <div key={panel.id} data-testid="dashboard-panel">
              {children(panel)}
            </div>
          ))}
        </ReactGridLayout>
      )}
    </div>
  );
}

// Room a panel's title bar and padding take from its grid cell (rows of 30 px plus 8 px margins).
const PANEL_CHROME_PX = 46;

function PanelView({
  panel,
  values,
  bounds,
  editMode,
  onEdit,
  onDelete,
}: {
  panel: Panel;
  values: Record<string, string>;
  bounds: { min: string; max: string };
  editMode: boolean;
  onEdit: () => void;
  onDelete: () => void;
}) {
  const { api, url } = useProject();
  const sql = substituteVariables(panel.sql, values);
  const result = useAsync<QueryResult>(
    (signal) => api.query({ sql, min_timestamp: bounds.min, max_timestamp: bounds.max, limit: 1000 }, signal),
    [api, sql, bounds.min, bounds.max],
  );
  return (
    <div className="panel">
      <div className="panel-title">
        {editMode && (
          <span className="drag-handle" title="Drag to move">
            ⠿
          </span>
        )}
        <span className="spacer">{panel.title}</span>
        {editMode && (
          <>
            <button type="button" className="ghost small" onClick={onEdit} aria-label={`Edit panel ${panel.title}`}>
              Edit
            </button>
            <button type="button" className="ghost small danger" onClick={onDelete} aria-label={`Remove panel ${panel.title}`}>
              ✕
            </button>
          </>
        )}
      </div>
      <div className="panel-body">
        {result.error && (
          <p className="error" role="alert">
            {result.error}
          </p>
        )}
        {result.loading && !result.data && <span className="muted">Loading…</span>}
        {result.data && (
          <ChartOrTable
            result={result.data}
            kind={panel.chart}
            height={Math.max(80, panel.layout.h * 38 - PANEL_CHROME_PX)}
            traceUrl={(t, s) => url(`trace/${t}${s ? `?span=${s}` : ""}`)}
          />
        )}
      </div>
    </div>
  );
}
