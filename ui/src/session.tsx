// Who is signed in (from /ui-api/me) and which organization/project the URL selects.
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { Navigate, Outlet, useLocation, useNavigate, useParams } from "react-router-dom";
import { api, ApiError, OrgApi, ProjectApi } from "./api/client";
import type { Me, Organization, Project } from "./api/types";
import { Spinner } from "./components/Spinner";

interface SessionValue {
  me: Me;
  reload: () => Promise<void>;
  logout: () => Promise<void>;
}

const SessionContext = createContext<SessionValue | null>(null);

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession outside RequireSession");
  return value;
}

export function loginPath(location: { pathname: string; search: string }): string {
  const next = location.pathname + location.search;
  return next && next !== "/" ? `/login?next=${encodeURIComponent(next)}` : "/login";
}

export function RequireSession() {
  const [me, setMe] = useState<Me | null>(null);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const location = useLocation();
  const navigate = useNavigate();

  const load = useCallback(async () => {
    try {
      await api.session().catch(() => undefined); // primes the CSRF token when the cookie is unreadable
      setMe(await api.me());
      setError(null);
    } catch (e) {
      setError(e as Error);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  useEffect(
    () =>
      api.onUnauthorized(() => {
        navigate(loginPath(window.location), { replace: true });
      }),
    [navigate],
  );

  const value = useMemo<SessionValue | null>(
    () =>
      me && {
        me,
        reload: load,
        logout: async () => {
          await api.logout().catch(() => undefined);
          navigate("/login", { replace: true });
        },
      },
    [me, load, navigate],
  );

  if (error instanceof ApiError && error.status === 401) return <Navigate to={loginPath(location)} replace />;
  if (error)
    return (
      <div className="page-error" role="alert">
        Could not reach the server: {error.message}{" "}
        <button type="button" onClick={() => void load()}>
          Retry
        </button>
      </div>
    );
  if (!value) return <Spinner label="Signing in…" />;
  return (
    <SessionContext.Provider value={value}>
      <Outlet />
    </SessionContext.Provider>
  );
}

interface ProjectValue {
  org: Organization;
  project: Project;
  api: ProjectApi;
  orgApi: OrgApi;
  /** Path of this project's section, e.g. projectUrl("explore"). */
  url: (section: string) => string;
}

const ProjectContext = createContext<ProjectValue | null>(null);

export function useProject(): ProjectValue {
  const value = useContext(ProjectContext);
  if (!value) throw new Error("useProject outside ProjectScope");
  return value;
}

export function projectUrl(org: string, project: string, section = "live"): string {
  return `/o/${encodeURIComponent(org)}/p/${encodeURIComponent(project)}/${section}`;
}

export function ProjectScope() {
  const { me } = useSession();
  const params = useParams();
  const org = me.organizations.find((o) => o.slug === params["org"]);
  const project = org?.projects.find((p) => p.slug === params["project"]);
  const value = useMemo<ProjectValue | null>(
    () =>
      org && project
        ? {
            org,
            project,
            api: new ProjectApi(api, org.slug, project.slug),
            orgApi: new OrgApi(api, org.slug),
            url: (section: string) => projectUrl(org.slug, project.slug, section),
          }
        : null,
    [org, project],
  );
  if (!value)
    return (
      <div className="page-error" role="alert">
        No project “{params["project"]}” in organization “{params["org"]}” for you.{" "}
        <a href="/">Go to your projects</a>
      </div>
    );
  return (
    <ProjectContext.Provider value={value}>
      <Outlet />
    </ProjectContext.Provider>
  );
}
