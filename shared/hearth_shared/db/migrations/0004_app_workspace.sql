-- App area, second part: what users build and share inside organizations and projects — CLI user
-- tokens and device login, invitations, organization API keys, saved searches, dashboards,
-- notification channels, alerts with their runs and notification deliveries.

-- Tokens the CLI obtains by device login (`logfire auth`); only the SHA-256 is stored.
CREATE TABLE user_tokens (
    id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id       uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash    bytea       NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    hint          text        NOT NULL,
    description   text        NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    revoked_at    timestamptz,
    last_used_at  timestamptz
);
CREATE INDEX user_tokens_user_idx ON user_tokens (user_id);

-- Device authorization (RFC 8628 shape): the CLI polls with device_code, the user approves user_code.
CREATE TABLE device_authorizations (
    device_code_hash  bytea       PRIMARY KEY CHECK (length(device_code_hash) = 32),
    user_code         text        NOT NULL UNIQUE,
    created_at        timestamptz NOT NULL DEFAULT now(),
    expires_at        timestamptz NOT NULL,
    approved_by       uuid        REFERENCES users (id) ON DELETE CASCADE,
    approved_at       timestamptz,
    denied_at         timestamptz,
    consumed_at       timestamptz               -- the CLI received its user token; the code is spent
);

CREATE TABLE org_invitations (
    id               uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id  uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email            text        NOT NULL CHECK (email <> ''),
    role             text        NOT NULL CHECK (role IN ('admin', 'member', 'guest')),
    token_hash       bytea       NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    invited_by       uuid        REFERENCES users (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    accepted_at      timestamptz,
    accepted_by      uuid        REFERENCES users (id) ON DELETE SET NULL,
    revoked_at       timestamptz
);
CREATE INDEX org_invitations_org_idx ON org_invitations (organization_id);

-- Keys for the public /api/v1; scoped to one organization, acting with `role` there.
CREATE TABLE org_api_keys (
    id               uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id  uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name             text        NOT NULL CHECK (name <> ''),
    role             text        NOT NULL CHECK (role IN ('admin', 'member', 'guest')),
    key_hash         bytea       NOT NULL UNIQUE CHECK (length(key_hash) = 32),
    hint             text        NOT NULL,
    created_by       uuid        REFERENCES users (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz,
    revoked_at       timestamptz,
    last_used_at     timestamptz
);
CREATE INDEX org_api_keys_org_idx ON org_api_keys (organization_id);

CREATE TABLE saved_searches (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id  uuid        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name        text        NOT NULL CHECK (name <> ''),
    -- {"where": "...", "sql": "...", "time_range": "...", ...}: whatever view state the UI restores
    query       jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_by  uuid        REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, name)
);

CREATE TABLE dashboards (
    id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id   uuid        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    slug         text        NOT NULL CHECK (slug <> ''),
    title        text        NOT NULL CHECK (title <> ''),
    description  text        NOT NULL DEFAULT '',
    -- {"panels": [{"id", "title", "sql", "chart": "time_series|bar|table|value|pie", "layout": {x,y,w,h}}],
    --  "variables": [{"name", "label", "default", "options_sql"|"options"}]}
    definition   jsonb       NOT NULL DEFAULT '{"panels": [], "variables": []}'::jsonb,
    standard     text,                      -- name of the pre-installed dashboard it came from, if any
    version      integer     NOT NULL DEFAULT 1 CHECK (version > 0),  -- optimistic concurrency on save
    created_by   uuid        REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, slug)
);

-- Channels belong to an organization so every project's alerts can share them.
CREATE TABLE notification_channels (
    id               uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id  uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name             text        NOT NULL CHECK (name <> ''),
    kind             text        NOT NULL CHECK (kind IN ('webhook', 'slack')),
    -- webhook: {"url", "headers": {...}}; slack: {"url"} (an incoming-webhook URL). Secrets live here,
    -- so APIs show the URL's host only.
    config           jsonb       NOT NULL,
    created_by       uuid        REFERENCES users (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, name)
);

CREATE TABLE alerts (
    id                uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id        uuid        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name              text        NOT NULL CHECK (name <> ''),
    description       text        NOT NULL DEFAULT '',
    sql               text        NOT NULL CHECK (sql <> ''),
    lookback_seconds  integer     NOT NULL CHECK (lookback_seconds > 0),
    interval_seconds  integer     NOT NULL CHECK (interval_seconds > 0),
    firing_mode       text        NOT NULL CHECK (firing_mode IN
                          ('any_rows', 'starts_having_rows', 'starts_or_stops_having_rows', 'result_changes')),
    active            boolean     NOT NULL DEFAULT true,
    snoozed_until     timestamptz,
    -- evaluation state, written by maintenance only
    state             text        NOT NULL DEFAULT 'ok' CHECK (state IN ('ok', 'firing', 'no_data', 'snoozed', 'error')),
    last_has_rows     boolean,
    last_result_hash  text,
    last_run_at       timestamptz,
    next_run_at       timestamptz NOT NULL DEFAULT now(),
    created_by        uuid        REFERENCES users (id) ON DELETE SET NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, name)
);
-- The evaluator's claim query: due, active alerts.
CREATE INDEX alerts_due_idx ON alerts (next_run_at) WHERE active;

CREATE TABLE alert_channels (
    alert_id    uuid NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    channel_id  uuid NOT NULL REFERENCES notification_channels (id) ON DELETE CASCADE,
    PRIMARY KEY (alert_id, channel_id)
);
CREATE INDEX alert_channels_channel_idx ON alert_channels (channel_id);

CREATE TABLE alert_runs (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id     uuid        NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz NOT NULL,
    state        text        NOT NULL CHECK (state IN ('ok', 'firing', 'no_data', 'snoozed', 'error')),
    row_count    bigint,
    result_hash  text,
    fired        boolean     NOT NULL DEFAULT false,   -- this run sent notifications
    error        text,
    sample       jsonb                                 -- first rows of the result, for history and messages
);
CREATE INDEX alert_runs_alert_idx ON alert_runs (alert_id, started_at DESC);

-- Outbox of notifications: delivered with retries and backoff, survives restarts.
CREATE TABLE alert_notifications (
    id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_run_id     bigint      NOT NULL REFERENCES alert_runs (id) ON DELETE CASCADE,
    channel_id       uuid        NOT NULL REFERENCES notification_channels (id) ON DELETE CASCADE,
    payload          jsonb       NOT NULL,
    attempts         integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz,
    failed_at        timestamptz,                       -- gave up after the last retry
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alert_notifications_pending_idx ON alert_notifications (next_attempt_at)
    WHERE delivered_at IS NULL AND failed_at IS NULL;
