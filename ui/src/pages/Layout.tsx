import { useEffect, useState } from "react";
import { NavLink, Outlet, useLocation, useNavigate } from "react-router-dom";
import { api } from "../api/client";
import { NewProjectDialog } from "../components/NewProjectDialog";
import { ShortcutHelp } from "../components/ShortcutHelp";
import { useShortcuts } from "../hooks/useShortcuts";
import { projectUrl, useProject, useSession } from "../session";
import { rememberProject } from "./HomeRedirect";

const SECTIONS = [
  { path: "live", label: "Live", key: "g l" },
  { path: "explore", label: "Explore", key: "g e" },
  { path: "dashboards", label: "Dashboards", key: "g d" },
  { path: "alerts", label: "Alerts", key: "g a" },
  { path: "settings", label: "Settings", key: "g s" },
] as const;

type Theme = "auto" | "light" | "dark";

function useTheme(): [Theme, () => void] {
  const [theme, setTheme] = useState<Theme>(() => (localStorage.getItem("hearth.theme") as Theme | null) ?? "auto");
  useEffect(() => {
    if (theme === "auto") document.documentElement.removeAttribute("data-theme");
    else document.documentElement.setAttribute("data-theme", theme);
    localStorage.setItem("hearth.theme", theme);
  }, [theme]);
  const cycle = () => setTheme((t) => (t === "auto" ? "dark" : t === "dark" ? "light" : "auto"));
  return [theme, cycle];
}

export function Layout() {
  const { me, logout, reload } = useSession();
  const { org, project, url } = useProject();
  const navigate = useNavigate();
  const location = useLocation();
  const [theme, cycleTheme] = useTheme();
  const [help, setHelp] = useState(false);
  const [creating, setCreating] = useState(false);

  useEffect(() => rememberProject(org.slug, project.slug), [org.slug, project.slug]);

  const section = location.pathname.split("/")[5] ?? "live";

  useShortcuts({
    ...Object.fromEntries(SECTIONS.map((s) => [s.key, () => navigate(url(s.path))])),
    "?": () => setHelp((h) => !h),
    Escape: () => setHelp(false),
  });

  function switchTo(value: string) {
    if (value === "__new__") {
      setCreating(true);
      return;
    }
    const [o, p] = value.split("/");
    if (o && p) navigate(projectUrl(o, p, ["trace"].includes(section) ? "live" : section));
  }

  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">
          <span className="brand-mark" aria-hidden="true">
            ◆
          </span>{" "}
          Hearth
        </span>
        <select
          className="project-switcher"
          aria-label="Project"
          data-testid="project-switcher"
          value={`${org.slug}/${project.slug}`}
          onChange={(e) => switchTo(e.target.value)}
        >
          {me.organizations.map((o) => (
            <optgroup key={o.id} label={o.name}>
              {o.projects.map((p) => (
                <option key={p.id} value={`${o.slug}/${p.slug}`}>
                  {o.name} / {p.name}
                </option>
              ))}
            </optgroup>
          ))}
          {org.role !== "guest" && <option value="__new__">+ New project…</option>}
        </select>
        <nav className="sections" aria-label="Sections">
          {SECTIONS.map((s) => (
            <NavLink key={s.path} to={url(s.path)} title={`${s.label} (${s.key})`} data-testid={`nav-${s.path}`}>
              {s.label}
            </NavLink>
          ))}
        </nav>
        <span className="spacer" />
        <button type="button" className="ghost" onClick={() => setHelp(true)} title="Keyboard shortcuts (?)">
          ?
        </button>
        <button type="button" className="ghost" onClick={cycleTheme} title="Theme" aria-label={`Theme: ${theme}`}>
          {theme === "dark" ? "☾" : theme === "light" ? "☀" : "◐"}
        </button>
        <span className="muted user" data-testid="current-user">
          {me.user.email}
        </span>
        <button type="button" className="ghost" onClick={() => void logout()}>
          Sign out
        </button>
      </header>
      <main className="content">
        <Outlet />
      </main>
      {help && <ShortcutHelp onClose={() => setHelp(false)} />}
      {creating && (
        <NewProjectDialog
          client={api}
          org={org.slug}
          orgName={org.name}
          onClose={() => setCreating(false)}
          onCreated={async (created) => {
            await reload();
            setCreating(false);
            navigate(projectUrl(org.slug, created.slug, "live"));
          }}
        />
      )}
    </div>
  );
}
