// Settings → project access: who has a role of their own on the project, and (project admins) changing it.
import { useState } from "react";
import { ApiError, type OrgApi, type ProjectApi } from "../api/client";
import type { Member, ProjectMember, ProjectRole } from "../api/types";
import { useAsync } from "../hooks/useAsync";
import { Spinner } from "./Spinner";

const PROJECT_ROLES: readonly ProjectRole[] = ["admin", "write", "read"];

/** A refusal in words a person can act on: what kind of problem, then the server's detail. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    const kind =
      error.status === 403
        ? "Not allowed"
        : error.status === 404
          ? "Not found"
          : error.status === 409
            ? "Conflict"
            : error.status === 422
              ? "Invalid"
              : `Error ${error.status}`;
    return `${kind}: ${error.message}`;
  }
  return (error as Error).message || String(error);
}

export function ProjectMembers({
  api,
  orgApi,
  canEdit,
  currentUserId,
  confirm = (text) => window.confirm(text),
}: {
  api: ProjectApi;
  orgApi: OrgApi;
  /** Project admins only: the backend refuses everyone else (and hides the list from them). */
  canEdit: boolean;
  currentUserId: string;
  confirm?: (text: string) => boolean;
}) {
  const members = useAsync<ProjectMember[]>(async () => (canEdit ? api.projectMembers() : []), [api, canEdit]);
  // Org guests may not list the organization's members: then there is simply no one to add.
  const orgMembers = useAsync<Member[]>(async () => (canEdit ? orgApi.members() : []), [orgApi, canEdit]);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [newUser, setNewUser] = useState("");
  const [newRole, setNewRole] = useState<ProjectRole>("read");

  const act = async (fn: () => Promise<unknown>, done: string) => {
    setError(null);
    setNotice(null);
    try {
      await fn();
      setNotice(done);
      members.reload();
    } catch (e) {
      setError(describeError(e));
    }
  };

  if (!canEdit)
    return (
      <section data-testid="project-members-tab">
        <p className="muted">Only project admins can see and change who has a role on this project.</p>
      </section>
    );

  const have = new Set((members.data ?? []).map((m) => m.user.id));
  const candidates = (orgMembers.data ?? []).filter((m) => !have.has(m.user.id));

  return (
    <section data-testid="project-members-tab">
      <p className="muted">
        Roles given here override the organization default (org members get write, org admins are admins of every
        project, guests see only projects they have a role on).
      </p>
      {error && (
        <p className="error" role="alert" data-testid="project-members-error">
          {error}
        </p>
      )}
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {members.error && (
        <p className="error" role="alert" data-testid="project-members-error">
          {members.error}
        </p>
      )}
      {members.loading && !members.data && <Spinner label="Loading project members…" />}
      {members.data && (
        <table className="grid-table" data-testid="project-members-list">
          <thead>
            <tr>
              <th>Name</th>
              <th>Email</th>
              <th>Project role</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {members.data.map((m) => {
              const self = m.user.id === currentUserId;
              return (
                <tr key={m.user.id} data-testid="project-member-row">
                  <td>{m.user.name}</td>
                  <td>{m.user.email}</td>
                  <td>
                    {self ? (
                      `${m.role} (you)`
                    ) : (
                      <select
                        aria-label={`Project role of ${m.user.email}`}
                        value={m.role}
                        onChange={(e) => {
                          const role = e.target.value as ProjectRole;
                          void act(() => api.setProjectMember(m.user.id, role), `${m.user.email} is now ${role}.`);
                        }}
                      >
                        {PROJECT_ROLES.map((r) => (
                          <option key={r} value={r}>
                            {r}
                          </option>
                        ))}
                      </select>
                    )}
                  </td>
                  <td>
                    {!self && (
                      <button
                        type="button"
                        className="danger small"
                        onClick={() =>
                          confirm(`Remove ${m.user.email}'s role on this project?`) &&
                          void act(() => api.removeProjectMember(m.user.id), `Removed ${m.user.email}.`)
                        }
                      >
                        Remove
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
            {members.data.length === 0 && (
              <tr>
                <td colSpan={4} className="muted">
                  No one has a role of their own on this project.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      )}
      <form
        className="card form-row"
        aria-label="Add project member"
        style={{ marginTop: 12 }}
        onSubmit={(e) => {
          e.preventDefault();
          const member = candidates.find((m) => m.user.id === newUser);
          if (!member) return;
          void act(async () => {
            await api.setProjectMember(member.user.id, newRole);
            setNewUser("");
          }, `Added ${member.user.email} as ${newRole}.`);
        }}
      >
        <label>
          Organization member
          <select value={newUser} onChange={(e) => setNewUser(e.target.value)} aria-label="Organization member">
            <option value="">{candidates.length ? "Choose…" : "No one else to add"}</option>
            {candidates.map((m) => (
              <option key={m.user.id} value={m.user.id}>
                {m.user.name ? `${m.user.name} <${m.user.email}>` : m.user.email} ({m.role})
              </option>
            ))}
          </select>
        </label>
        <label>
          Project role
          <select value={newRole} onChange={(e) => setNewRole(e.target.value as ProjectRole)} aria-label="New project role">
            {PROJECT_ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <label>
          &nbsp;
          <button type="submit" className="primary" disabled={!newUser} data-testid="add-project-member">
            Add to project
          </button>
        </label>
      </form>
      {orgMembers.error && <p className="muted">Cannot list the organization's members: {orgMembers.error}</p>}
    </section>
  );
}
