-- App area: organizations, users, memberships, projects, tokens.
-- Runs inside one transaction (the runner wraps every file), so no CREATE INDEX CONCURRENTLY here.

CREATE TABLE organizations (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    slug        text        NOT NULL UNIQUE CHECK (slug <> ''),
    name        text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id             uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    email          text        NOT NULL CHECK (email <> ''),
    name           text        NOT NULL DEFAULT '',
    password_hash  text,                      -- NULL: the user signs in through OIDC only
    is_admin       boolean     NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now()
);
-- Case-insensitive uniqueness without the citext extension (not every managed Postgres lets us create
-- it); look users up with `lower(email) = lower($1)` so this index serves the query.
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

CREATE TABLE org_members (
    organization_id  uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id          uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role             text        NOT NULL CHECK (role IN ('admin', 'member', 'guest')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX org_members_user_idx ON org_members (user_id);

CREATE TABLE projects (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    slug            text        NOT NULL CHECK (slug <> ''),
    name            text        NOT NULL,
    retention_days  integer     NOT NULL DEFAULT 30 CHECK (retention_days > 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, slug)
);

CREATE TABLE project_members (
    project_id  uuid        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role        text        NOT NULL CHECK (role IN ('admin', 'write', 'read')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_members_user_idx ON project_members (user_id);

-- Only the SHA-256 of a token is stored; `hint` (e.g. "pylf_v1_local_AbCd…") lets people tell tokens apart.
CREATE TABLE tokens (
    id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id    uuid        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    kind          text        NOT NULL CHECK (kind IN ('write', 'read')),
    token_hash    bytea       NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    hint          text        NOT NULL,
    description   text        NOT NULL DEFAULT '',
    created_by    uuid        REFERENCES users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz,
    revoked_at    timestamptz,
    last_used_at  timestamptz
);
CREATE INDEX tokens_project_idx ON tokens (project_id);
