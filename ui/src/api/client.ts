// The one place that talks to the server: credentials, CSRF, problem+json errors.
import type {
  Alert,
  AlertInput,
  AlertRun,
  AuthConfig,
  AutocompleteKind,
  Channel,
  ChannelInput,
  CreatedToken,
  Dashboard,
  DashboardSummary,
  Invitation,
  Me,
  Member,
  Organization,
  Project,
  ProjectMember,
  ProjectRole,
  ProjectToken,
  QueryRequest,
  QueryResult,
  SessionInfo,
  TokenKind,
} from "./types";
import { busyRetryDelayMs, Limiter, sleep } from "../lib/queryQueue";

/** Queries one tab runs at once (a dashboard's panels queue behind these). */
export const QUERY_CONCURRENCY = 4;
const queryLimiter = new Limiter(QUERY_CONCURRENCY);

export const CSRF_COOKIE = "hearth_csrf";
export const CSRF_HEADER = "X-CSRF-Token";

/** An HTTP error with the problem+json `detail` (or `title`) as its message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly problem: Record<string, unknown> | null = null,
    /** The Retry-After header in seconds (429, 503), when the server sent one. */
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export function readCookie(cookieHeader: string, name: string): string | null {
  for (const part of cookieHeader.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Headers for a request: JSON, plus the double-submit CSRF token on state-changing methods. */
export function requestHeaders(
  method: string,
  cookieHeader: string,
  fallbackCsrf: string | null,
  hasBody: boolean,
): Record<string, string> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (hasBody) headers["Content-Type"] = "application/json";
  if (!SAFE_METHODS.has(method.toUpperCase())) {
    const token = readCookie(cookieHeader, CSRF_COOKIE) ?? fallbackCsrf;
    if (token) headers[CSRF_HEADER] = token;
  }
  return headers;
}

/** Turns an error response into a readable message, preferring problem+json `detail`. */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  let problem: Record<string, unknown> | null = null;
  let message = `${response.status} ${response.statusText || "error"}`.trim();
  const text = await response.text().catch(() => "");
  if (text) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === "object") {
        problem = parsed as Record<string, unknown>;
        message = problemMessage(problem) ?? message;
      }
    } catch {
      message = text.slice(0, 500);
    }
  }
  const retryAfter = Number(response.headers.get("Retry-After") ?? "");
  return new ApiError(response.status, message, problem, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null);
}

function problemMessage(problem: Record<string, unknown>): string | null {
  const detail = problem["detail"];
  if (typeof detail === "string" && detail) return detail;
  // FastAPI validation errors: a list of {loc, msg}.
  if (Array.isArray(detail)) {
    return detail
      .map((d: unknown) => {
        if (d && typeof d === "object") {
          const item = d as { loc?: unknown[]; msg?: string };
          return `${(item.loc ?? []).join(".")}: ${item.msg ?? ""}`;
        }
        return String(d);
      })
      .join("; ");
  }
  const title = problem["title"];
  return typeof title === "string" && title ? title : null;
}

type Listener = () => void;

export class ApiClient {
  private csrfFallback: string | null = null;
  private unauthorizedListeners = new Set<Listener>();

  constructor(
    private readonly fetchImpl: typeof fetch = (...args) => fetch(...args),
    private readonly cookies: () => string = () => (typeof document === "undefined" ? "" : document.cookie),
  ) {}

  setCsrfToken(token: string | null): void {
    this.csrfFallback = token;
  }

  onUnauthorized(listener: Listener): () => void {
    this.unauthorizedListeners.add(listener);
    return () => this.unauthorizedListeners.delete(listener);
  }

  async request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const hasBody = body !== undefined;
    const init: RequestInit = {
      method,
      credentials: "same-origin",
      headers: requestHeaders(method, this.cookies(), this.csrfFallback, hasBody),
    };
    if (hasBody) init.body = JSON.stringify(body);
    if (signal) init.signal = signal;
    const response = await this.fetchImpl(path, init);
    if (!response.ok) {
      const error = await errorFromResponse(response);
      if (response.status === 401 && !path.startsWith("/ui-api/auth/")) {
        this.unauthorizedListeners.forEach((l) => l());
      }
      throw error;
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  get<T>(path: string, signal?: AbortSignal): Promise<T> {
    return this.request<T>("GET", path, undefined, signal);
  }
  post<T>(path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    return this.request<T>("POST", path, body ?? {}, signal);
  }
  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>("PUT", path, body);
  }
  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>("PATCH", path, body);
  }
  delete(path: string): Promise<void> {
    return this.request<void>("DELETE", path);
  }

  // --- auth
  authConfig(): Promise<AuthConfig> {
    return this.get("/ui-api/auth/config");
  }
  async login(email: string, password: string): Promise<SessionInfo> {
    const session = await this.post<SessionInfo>("/ui-api/auth/login", { email, password });
    this.setCsrfToken(session.csrf_token);
    return session;
  }
  async session(): Promise<SessionInfo> {
    const session = await this.get<SessionInfo>("/ui-api/auth/session");
    this.setCsrfToken(session.csrf_token);
    return session;
  }
  logout(): Promise<void> {
    return this.request<void>("POST", "/ui-api/auth/logout", {});
  }
  me(): Promise<Me> {
    return this.get("/ui-api/me");
  }
  createOrg(slug: string, name: string): Promise<Organization> {
    return this.post("/ui-api/orgs", { slug, name });
  }
  createProject(org: string, slug: string, name: string): Promise<Project> {
    return this.post(`${orgPath(org)}/projects`, { slug, name });
  }
  updateProject(org: string, project: string, patch: { name?: string; retention_days?: number }): Promise<Project> {
    return this.patch(projectPath(org, project), patch);
  }
}

export function orgPath(org: string): string {
  return `/ui-api/orgs/${encodeURIComponent(org)}`;
}

export function projectPath(org: string, project: string): string {
  return `${orgPath(org)}/projects/${encodeURIComponent(project)}`;
}

/** Calls scoped to one project; made once per selected project. */
export class ProjectApi {
  readonly base: string;
  constructor(
    readonly client: ApiClient,
    readonly org: string,
    readonly project: string,
  ) {
    this.base = projectPath(org, project);
  }

  /** A query, queued behind this tab's others and retried while the query API is busy (429). */
  query(request: QueryRequest, signal?: AbortSignal): Promise<QueryResult> {
    return queryLimiter.run(async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.client.post<QueryResult>(`${this.base}/query`, request, signal);
        } catch (e) {
          const delay = e instanceof ApiError ? busyRetryDelayMs(e.status, e.retryAfterSeconds, attempt) : null;
          if (delay === null) throw e;
          await sleep(delay, signal);
        }
      }
    }, signal);
  }
  liveUrl(where: string, since?: string): string {
    const params = new URLSearchParams();
    if (where) params.set("where", where);
    if (since) params.set("since", since);
    const qs = params.toString();
    return `${this.base}/live${qs ? `?${qs}` : ""}`;
  }
  environments(): Promise<string[]> {
    return this.client.get(`${this.base}/environments`);
  }
  async autocomplete(
    kind: AutocompleteKind,
    opts: { column?: string; key?: string; prefix?: string },
    signal?: AbortSignal,
  ): Promise<string[]> {
    const params = new URLSearchParams({ kind });
    if (opts.column) params.set("column", opts.column);
    if (opts.key) params.set("key", opts.key);
    params.set("prefix", opts.prefix ?? "");
    const result = await this.client.get<{ values: unknown[] }>(`${this.base}/autocomplete?${params}`, signal);
    return result.values.map(String);
  }

  tokens(): Promise<ProjectToken[]> {
    return this.client.get(`${this.base}/tokens`);
  }
  createToken(kind: TokenKind, description: string, expires_at?: string): Promise<CreatedToken> {
    return this.client.post(`${this.base}/tokens`, { kind, description, ...(expires_at ? { expires_at } : {}) });
  }
  revokeToken(id: string): Promise<void> {
    return this.client.delete(`${this.base}/tokens/${encodeURIComponent(id)}`);
  }

  dashboards(): Promise<DashboardSummary[]> {
    return this.client.get(`${this.base}/dashboards`);
  }
  dashboard(slug: string): Promise<Dashboard> {
    return this.client.get(`${this.base}/dashboards/${encodeURIComponent(slug)}`);
  }
  createDashboard(d: Omit<Dashboard, "version"> & { version?: number }): Promise<Dashboard> {
    return this.client.post(`${this.base}/dashboards`, d);
  }
  saveDashboard(d: Dashboard): Promise<Dashboard> {
    return this.client.put(`${this.base}/dashboards/${encodeURIComponent(d.slug)}`, d);
  }
  deleteDashboard(slug: string): Promise<void> {
    return this.client.delete(`${this.base}/dashboards/${encodeURIComponent(slug)}`);
  }
  exportDashboard(slug: string): Promise<unknown> {
    return this.client.get(`${this.base}/dashboards/${encodeURIComponent(slug)}/export`);
  }
  importDashboard(body: unknown): Promise<Dashboard> {
    return this.client.post(`${this.base}/dashboards/import`, body);
  }

  alerts(): Promise<Alert[]> {
    return this.client.get(`${this.base}/alerts`);
  }
  alert(id: string): Promise<Alert> {
    return this.client.get(`${this.base}/alerts/${encodeURIComponent(id)}`);
  }
  createAlert(a: AlertInput): Promise<Alert> {
    return this.client.post(`${this.base}/alerts`, a);
  }
  saveAlert(id: string, a: AlertInput): Promise<Alert> {
    return this.client.put(`${this.base}/alerts/${encodeURIComponent(id)}`, a);
  }
  deleteAlert(id: string): Promise<void> {
    return this.client.delete(`${this.base}/alerts/${encodeURIComponent(id)}`);
  }
  alertRuns(id: string): Promise<AlertRun[]> {
    return this.client.get(`${this.base}/alerts/${encodeURIComponent(id)}/runs`);
  }

  projectMembers(): Promise<ProjectMember[]> {
    return this.client.get(`${this.base}/members`);
  }
  setProjectMember(userId: string, role: ProjectRole): Promise<ProjectMember> {
    return this.client.put(`${this.base}/members/${encodeURIComponent(userId)}`, { role });
  }
  removeProjectMember(userId: string): Promise<void> {
    return this.client.delete(`${this.base}/members/${encodeURIComponent(userId)}`);
  }
}

/** Organization-scoped calls: members, invitations, channels. */
export class OrgApi {
  readonly base: string;
  constructor(
    readonly client: ApiClient,
    readonly org: string,
  ) {
    this.base = orgPath(org);
  }
  members(): Promise<Member[]> {
    return this.client.get(`${this.base}/members`);
  }
  setMemberRole(userId: string, role: string): Promise<unknown> {
    return this.client.patch(`${this.base}/members/${encodeURIComponent(userId)}`, { role });
  }
  removeMember(userId: string): Promise<void> {
    return this.client.delete(`${this.base}/members/${encodeURIComponent(userId)}`);
  }
  invitations(): Promise<Invitation[]> {
    return this.client.get(`${this.base}/invitations`);
  }
  invite(email: string, role: string): Promise<Invitation> {
    return this.client.post(`${this.base}/invitations`, { email, role });
  }
  cancelInvitation(id: string): Promise<void> {
    return this.client.delete(`${this.base}/invitations/${encodeURIComponent(id)}`);
  }
  channels(): Promise<Channel[]> {
    return this.client.get(`${this.base}/channels`);
  }
  createChannel(c: ChannelInput): Promise<Channel> {
    return this.client.post(`${this.base}/channels`, c);
  }
  saveChannel(id: string, c: ChannelInput): Promise<Channel> {
    return this.client.put(`${this.base}/channels/${encodeURIComponent(id)}`, c);
  }
  deleteChannel(id: string): Promise<void> {
    return this.client.delete(`${this.base}/channels/${encodeURIComponent(id)}`);
  }
  testChannel(id: string): Promise<unknown> {
    return this.client.post(`${this.base}/channels/${encodeURIComponent(id)}/test`, {});
  }
}

export const api = new ApiClient();
