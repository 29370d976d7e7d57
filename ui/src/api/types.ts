// Types of the `/ui-api` contract (see notes/ui-api-contract.md, docs/api.md).

export interface User {
  id: string;
  email: string;
  name: string;
  is_admin: boolean;
}

export type OrgRole = "admin" | "member" | "guest";
export type ProjectRole = "admin" | "write" | "read";

export interface Project {
  id: string;
  slug: string;
  name: string;
  role: ProjectRole;
  retention_days: number | null;
}

export interface Organization {
  id: string;
  slug: string;
  name: string;
  role: OrgRole;
  projects: Project[];
}

export interface Me {
  user: User;
  organizations: Organization[];
}

export interface AuthConfig {
  local_login: boolean;
  oidc: { enabled: boolean; label: string; login_url: string };
}

export interface SessionInfo {
  user: User;
  csrf_token: string;
}

export interface QueryRequest {
  sql: string;
  min_timestamp?: string;
  max_timestamp?: string;
  limit?: number;
  timezone?: string;
}

export interface QueryColumn {
  name: string;
  datatype: unknown;
  nullable?: boolean;
  values: unknown[];
}

export interface QueryResult {
  columns: QueryColumn[];
}

export type TokenKind = "write" | "read";

export interface ProjectToken {
  id: string;
  kind: TokenKind;
  hint: string;
  description: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface CreatedToken extends ProjectToken {
  token: string;
}

export interface Member {
  user: User;
  role: string;
}

/** Someone with a role of their own on a project (GET .../projects/{project}/members). */
export interface ProjectMember {
  user: User;
  role: ProjectRole;
}

export interface Invitation {
  id: string;
  email: string;
  role: OrgRole;
  accept_url: string;
}

export type ChartKind = "time_series" | "bar" | "table" | "value" | "pie";

export interface PanelLayout {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Panel {
  id: string;
  title: string;
  sql: string;
  chart: ChartKind;
  layout: PanelLayout;
}

export interface DashboardVariable {
  name: string;
  label: string;
  default: string;
  options?: string[];
}

export interface DashboardDefinition {
  panels: Panel[];
  variables: DashboardVariable[];
}

export interface Dashboard {
  slug: string;
  title: string;
  description: string;
  definition: DashboardDefinition;
  version: number;
  standard?: boolean | string | null;
  updated_at?: string;
}

/** A dashboard in the list: the server leaves the definition out. */
export type DashboardSummary = Omit<Dashboard, "definition"> & { definition?: DashboardDefinition };

export type FiringMode =
  | "any_rows"
  | "starts_having_rows"
  | "starts_or_stops_having_rows"
  | "result_changes";

export interface AlertInput {
  name: string;
  description: string;
  sql: string;
  lookback_seconds: number;
  interval_seconds: number;
  firing_mode: FiringMode;
  active: boolean;
  snoozed_until: string | null;
  channel_ids: string[];
}

export interface Alert extends AlertInput {
  id: string;
  state: string;
  last_run_at: string | null;
}

export interface AlertRun {
  id?: string;
  started_at?: string;
  run_at?: string;
  state?: string;
  row_count?: number;
  error?: string | null;
  [key: string]: unknown;
}

export type ChannelKind = "webhook" | "slack";

export interface ChannelInput {
  name: string;
  kind: ChannelKind;
  config: { url: string; headers?: Record<string, string> };
}

export interface Channel extends ChannelInput {
  id: string;
}

export interface SavedSearch {
  id: string;
  name: string;
  query: Record<string, unknown>;
}

export type AutocompleteKind = "column" | "attribute_key" | "value";
