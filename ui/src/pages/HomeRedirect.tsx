import { useState, type FormEvent } from "react";
import { Navigate, useNavigate } from "react-router-dom";
import { api } from "../api/client";
import { projectUrl, useSession } from "../session";

const LAST_PROJECT_KEY = "hearth.lastProject";

export function rememberProject(org: string, project: string): void {
  try {
    localStorage.setItem(LAST_PROJECT_KEY, `${org}/${project}`);
  } catch {
    // storage may be unavailable (private mode)
  }
}

function lastProject(): [string, string] | null {
  try {
    const value = localStorage.getItem(LAST_PROJECT_KEY);
    const [org, project] = value?.split("/") ?? [];
    return org && project ? [org, project] : null;
  } catch {
    return null;
  }
}

const slugify = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);

/** Opens the last used project, else the first one; with none, a first-run form. */
export function HomeRedirect() {
  const { me, reload } = useSession();
  const navigate = useNavigate();
  const [orgName, setOrgName] = useState("");
  const [projectName, setProjectName] = useState("");
  const [error, setError] = useState<string | null>(null);

  const last = lastProject();
  if (last) {
    const [org, project] = last;
    if (me.organizations.some((o) => o.slug === org && o.projects.some((p) => p.slug === project)))
      return <Navigate to={projectUrl(org, project)} replace />;
  }
  for (const org of me.organizations) {
    const first = org.projects[0];
    if (first) return <Navigate to={projectUrl(org.slug, first.slug)} replace />;
  }

  const existingOrg = me.organizations[0];

  async function create(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      let orgSlug = existingOrg?.slug;
      if (!orgSlug) {
        const org = await api.createOrg(slugify(orgName), orgName);
        orgSlug = org.slug;
      }
      const project = await api.createProject(orgSlug, slugify(projectName), projectName);
      await reload();
      navigate(projectUrl(orgSlug, project.slug), { replace: true });
    } catch (e) {
      setError((e as Error).message);
    }
  }

  return (
    <main className="login">
      <form className="login-card" onSubmit={(e) => void create(e)} data-testid="onboarding-form">
        <h1>Welcome, {me.user.name || me.user.email}</h1>
        <p className="muted">Create a project to send data to.</p>
        {!existingOrg && (
          <label>
            Organization name
            <input required value={orgName} onChange={(e) => setOrgName(e.target.value)} />
          </label>
        )}
        <label>
          Project name
          <input required value={projectName} onChange={(e) => setProjectName(e.target.value)} />
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button className="primary wide" type="submit">
          Create project
        </button>
      </form>
    </main>
  );
}
