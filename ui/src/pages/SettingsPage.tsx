import { useState, type FormEvent } from "react";
import { api } from "../api/client";
import type { Channel, ChannelInput, CreatedToken, TokenKind } from "../api/types";
import { CopyButton } from "../components/CopyButton";
import { ProjectMembers } from "../components/ProjectMembers";
import { SetupSnippet } from "../components/SetupSnippet";
import { Spinner } from "../components/Spinner";
import { useAsync } from "../hooks/useAsync";
import { useUrlParams } from "../hooks/useUrlState";
import { formatDateTime, toMillis } from "../lib/time";
import { useProject, useSession } from "../session";

const TABS = [
  ["tokens", "Tokens"],
  ["members", "Members"],
  ["access", "Project access"],
  ["channels", "Channels"],
  ["project", "Project"],
  ["setup", "Send data"],
] as const;

export default function SettingsPage() {
  const [params, update] = useUrlParams();
  const tab = params.get("tab") ?? "tokens";
  return (
    <div className="page">
      <h1>Settings</h1>
      <div className="tabs" role="tablist">
        {TABS.map(([id, title]) => (
          <button
            key={id}
            type="button"
            role="tab"
            aria-selected={tab === id}
            className={tab === id ? "active" : undefined}
            onClick={() => update({ tab: id === "tokens" ? null : id })}
          >
            {title}
          </button>
        ))}
      </div>
      {tab === "tokens" && <TokensTab />}
      {tab === "members" && <MembersTab />}
      {tab === "access" && <ProjectAccessTab />}
      {tab === "channels" && <ChannelsTab />}
      {tab === "project" && <ProjectTab />}
      {tab === "setup" && <SetupTab />}
    </div>
  );
}

const fmt = (v: string | null) => (v ? formatDateTime(toMillis(v)) : "");

function TokensTab() {
  const { api, project } = useProject();
  const tokens = useAsync(() => api.tokens(), [api]);
  const [kind, setKind] = useState<TokenKind>("write");
  const [description, setDescription] = useState("");
  const [expiresDays, setExpiresDays] = useState("");
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function create(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      const days = Number(expiresDays);
      const expires = days > 0 ? new Date(Date.now() + days * 86400e3).toISOString() : undefined;
      setCreated(await api.createToken(kind, description, expires));
      setDescription("");
      tokens.reload();
    } catch (e) {
      setError((e as Error).message);
    }
  }

  async function revoke(id: string) {
    if (!window.confirm("Revoke this token? Clients using it stop working within seconds.")) return;
    try {
      await api.revokeToken(id);
      tokens.reload();
    } catch (e) {
      setError((e as Error).message);
    }
  }

  return (
    <section data-testid="tokens-tab">
      <form className="card form-row" onSubmit={(e) => void create(e)} aria-label="Create token">
        <label>
          Kind
          <select value={kind} onChange={(e) => setKind(e.target.value as TokenKind)} aria-label="Token kind">
            <option value="write" disabled={project.role === "read"}>
              write (send data)
            </option>
            <option value="read">read (query API)</option>
          </select>
        </label>
        <label>
          Description
          <input value={description} onChange={(e) => setDescription(e.target.value)} placeholder="e.g. production web" />
        </label>
        <label>
          Expires in days (empty: never)
          <input type="number" min="1" value={expiresDays} onChange={(e) => setExpiresDays(e.target.value)} />
        </label>
        <label>
          &nbsp;
          <button type="submit" className="primary" data-testid="create-token">
            Create token
          </button>
        </label>
      </form>
      {created && (
        <div className="card" role="status" data-testid="created-token">
          <strong>Copy this {created.kind} token now — it will not be shown again.</strong>
          <pre className="code">{created.token}</pre>
          <div className="row gap">
            <CopyButton text={created.token} label="Copy token" testId="copy-token" />
            <button type="button" className="ghost" onClick={() => setCreated(null)}>
              Done
            </button>
          </div>
        </div>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {tokens.loading && <Spinner label="Loading tokens…" />}
      {tokens.data && (
        <table className="grid-table" data-testid="tokens-list">
          <thead>
            <tr>
              <th>Kind</th>
              <th>Token</th>
              <th>Description</th>
              <th>Created</th>
              <th>Expires</th>
              <th>Last used</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {tokens.data.map((t) => (
              <tr key={t.id} className={t.revoked_at ? "muted" : undefined}>
                <td>{t.kind}</td>
                <td className="mono">{t.hint}…</td>
                <td>{t.description}</td>
                <td>{fmt(t.created_at)}</td>
                <td>{fmt(t.expires_at) || "never"}</td>
                <td>{fmt(t.last_used_at) || "never"}</td>
                <td>
                  {t.revoked_at ? (
                    `revoked ${fmt(t.revoked_at)}`
                  ) : (
                    <button type="button" className="danger small" onClick={() => void revoke(t.id)}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function MembersTab() {
  const { org, orgApi } = useProject();
  const { me } = useSession();
  const isAdmin = org.role === "admin";
  const members = useAsync(() => orgApi.members(), [orgApi]);
  const invitations = useAsync(async () => (isAdmin ? orgApi.invitations() : []), [orgApi, isAdmin]);
  const [email, setEmail] = useState("");
  const [role, setRole] = useState("member");
  const [error, setError] = useState<string | null>(null);
  const [acceptUrl, setAcceptUrl] = useState<string | null>(null);

  const act = async (fn: () => Promise<unknown>, reload: () => void) => {
    setError(null);
    try {
      await fn();
      reload();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <section data-testid="members-tab">
      <h2>Members of {org.name}</h2>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {members.loading && <Spinner label="Loading members…" />}
      {members.data && (
        <table className="grid-table" data-testid="members-list">
          <thead>
            <tr>
              <th>Name</th>
              <th>Email</th>
              <th>Role</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {members.data.map((m) => (
              <tr key={m.user.id}>
                <td>{m.user.name}</td>
                <td>{m.user.email}</td>
                <td>
                  {isAdmin && m.user.id !== me.user.id ? (
                    <select
                      aria-label={`Role of ${m.user.email}`}
                      value={m.role}
                      onChange={(e) => void act(() => orgApi.setMemberRole(m.user.id, e.target.value), members.reload)}
                    >
                      <option value="admin">admin</option>
                      <option value="member">member</option>
                      <option value="guest">guest</option>
                    </select>
                  ) : (
                    m.role
                  )}
                </td>
                <td>
                  {isAdmin && m.user.id !== me.user.id && (
                    <button
                      type="button"
                      className="danger small"
                      onClick={() =>
                        window.confirm(`Remove ${m.user.email}?`) &&
                        void act(() => orgApi.removeMember(m.user.id), members.reload)
                      }
                    >
                      Remove
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {isAdmin && (
        <>
          <h2 style={{ marginTop: 16 }}>Invitations</h2>
          <form
            className="card form-row"
            aria-label="Invite"
            onSubmit={(e) => {
              e.preventDefault();
              void act(async () => {
                const inv = await orgApi.invite(email, role);
                setAcceptUrl(inv.accept_url);
                setEmail("");
              }, invitations.reload);
            }}
          >
            <label>
              Email
              <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
            </label>
            <label>
              Role
              <select value={role} onChange={(e) => setRole(e.target.value)}>
                <option value="admin">admin</option>
                <option value="member">member</option>
                <option value="guest">guest</option>
              </select>
            </label>
            <label>
              &nbsp;
              <button type="submit" className="primary">
                Invite
              </button>
            </label>
          </form>
          {acceptUrl && (
            <p className="notice">
              Send this link to the invitee: <span className="mono">{acceptUrl}</span> <CopyButton text={acceptUrl} />
            </p>
          )}
          {invitations.data && invitations.data.length > 0 && (
            <table className="grid-table">
              <tbody>
                {invitations.data.map((inv) => (
                  <tr key={inv.id}>
                    <td>{inv.email}</td>
                    <td>{inv.role}</td>
                    <td>
                      <button
                        type="button"
                        className="danger small"
                        onClick={() => void act(() => orgApi.cancelInvitation(inv.id), invitations.reload)}
                      >
                        Cancel
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}

function ProjectAccessTab() {
  const { api, orgApi, project } = useProject();
  const { me } = useSession();
  return (
    <>
      <h2>Who can use {project.name}</h2>
      <ProjectMembers api={api} orgApi={orgApi} canEdit={project.role === "admin"} currentUserId={me.user.id} />
    </>
  );
}

const EMPTY_CHANNEL: ChannelInput = { name: "", kind: "webhook", config: { url: "" } };

function ChannelsTab() {
  const { org, orgApi } = useProject();
  const channels = useAsync(() => orgApi.channels(), [orgApi]);
  const [editing, setEditing] = useState<{ id: string | null; input: ChannelInput; headers: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const canEdit = org.role === "admin";

  async function save(event: FormEvent) {
    event.preventDefault();
    if (!editing) return;
    setError(null);
    let headers: Record<string, string> | undefined;
    if (editing.headers.trim()) {
      try {
        headers = JSON.parse(editing.headers) as Record<string, string>;
      } catch {
        setError("Headers must be a JSON object, e.g. {\"Authorization\": \"Bearer …\"}");
        return;
      }
    }
    const input: ChannelInput = { ...editing.input, config: { url: editing.input.config.url, ...(headers ? { headers } : {}) } };
    try {
      if (editing.id) await orgApi.saveChannel(editing.id, input);
      else await orgApi.createChannel(input);
      setEditing(null);
      channels.reload();
    } catch (e) {
      setError((e as Error).message);
    }
  }

  const run = async (fn: () => Promise<unknown>, done: string) => {
    setError(null);
    setNotice(null);
    try {
      await fn();
      setNotice(done);
      channels.reload();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const edit = (c: Channel | null) =>
    setEditing(
      c
        ? { id: c.id, input: { name: c.name, kind: c.kind, config: { url: "" } }, headers: "" }
        : { id: null, input: EMPTY_CHANNEL, headers: "" },
    );

  return (
    <section data-testid="channels-tab">
      <div className="page-head">
        <h2>Notification channels of {org.name}</h2>
        <span className="spacer" />
        {canEdit && (
          <button type="button" className="primary" onClick={() => edit(null)} data-testid="new-channel">
            New channel
          </button>
        )}
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {notice && <p className="notice">{notice}</p>}
      {editing && (
        <form className="card form" onSubmit={(e) => void save(e)} aria-label="Channel" data-testid="channel-form">
          <div className="form-row">
            <label>
              Name
              <input
                required
                value={editing.input.name}
                onChange={(e) => setEditing({ ...editing, input: { ...editing.input, name: e.target.value } })}
              />
            </label>
            <label>
              Kind
              <select
                value={editing.input.kind}
                onChange={(e) =>
                  setEditing({ ...editing, input: { ...editing.input, kind: e.target.value as ChannelInput["kind"] } })
                }
              >
                <option value="webhook">webhook</option>
                <option value="slack">slack</option>
              </select>
            </label>
          </div>
          <label>
            URL {editing.id ? "(enter again to change; stored URLs are not shown)" : ""}
            <input
              type="url"
              required
              value={editing.input.config.url}
              onChange={(e) => setEditing({ ...editing, input: { ...editing.input, config: { url: e.target.value } } })}
            />
          </label>
          {editing.input.kind === "webhook" && (
            <label>
              Headers (JSON, optional)
              <input value={editing.headers} onChange={(e) => setEditing({ ...editing, headers: e.target.value })} />
            </label>
          )}
          <div className="row gap">
            <button type="submit" className="primary">
              Save
            </button>
            <button type="button" onClick={() => setEditing(null)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {channels.loading && <Spinner label="Loading channels…" />}
      {channels.data && (
        <table className="grid-table" data-testid="channels-list">
          <thead>
            <tr>
              <th>Name</th>
              <th>Kind</th>
              <th>URL</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {channels.data.map((c) => (
              <tr key={c.id}>
                <td>{c.name}</td>
                <td>{c.kind}</td>
                <td className="mono">{c.config?.url}</td>
                <td>
                  <button type="button" className="small" onClick={() => void run(() => orgApi.testChannel(c.id), `Test sent to ${c.name}.`)}>
                    Test
                  </button>{" "}
                  {canEdit && (
                    <>
                      <button type="button" className="small" onClick={() => edit(c)}>
                        Edit
                      </button>{" "}
                      <button
                        type="button"
                        className="small danger"
                        onClick={() =>
                          window.confirm(`Delete channel ${c.name}?`) && void run(() => orgApi.deleteChannel(c.id), "Deleted.")
                        }
                      >
                        Delete
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
            {channels.data.length === 0 && (
              <tr>
                <td colSpan={4} className="muted">
                  No channels yet. Alerts notify webhook or Slack channels.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      )}
    </section>
  );
}

function ProjectTab() {
  const { org, project } = useProject();
  const { reload } = useSession();
  const [name, setName] = useState(project.name);
  const [retention, setRetention] = useState(String(project.retention_days ?? ""));
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const isAdmin = project.role === "admin";

  async function save(event: FormEvent) {
    event.preventDefault();
    setMessage(null);
    try {
      const days = Number(retention);
      await api.updateProject(org.slug, project.slug, { name, ...(days > 0 ? { retention_days: days } : {}) });
      await reload();
      setMessage({ ok: true, text: "Saved." });
    } catch (e) {
      setMessage({ ok: false, text: (e as Error).message });
    }
  }

  return (
    <form className="card form" onSubmit={(e) => void save(e)} aria-label="Project settings" data-testid="project-form">
      <label>
        Project name
        <input value={name} disabled={!isAdmin} onChange={(e) => setName(e.target.value)} />
      </label>
      <label>
        Retention (days): data older than this is deleted
        <input
          type="number"
          min="1"
          max="3650"
          value={retention}
          disabled={!isAdmin}
          onChange={(e) => setRetention(e.target.value)}
          data-testid="retention-days"
        />
      </label>
      <p className="muted">
        Slug <span className="mono">{project.slug}</span> · organization <span className="mono">{org.slug}</span> · your
        role {project.role}
      </p>
      {message && (
        <p className={message.ok ? "notice" : "error"} role="status">
          {message.text}
        </p>
      )}
      {isAdmin && (
        <div>
          <button type="submit" className="primary">
            Save
          </button>
        </div>
      )}
    </form>
  );
}

function SetupTab() {
  const { api, project } = useProject();
  return <SetupSnippet api={api} canWrite={project.role !== "read"} title="Send data to this project" />;
}
