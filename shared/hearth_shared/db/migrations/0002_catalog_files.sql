-- Catalog area: one row per Parquet object. May live in its own database (HEARTH_CATALOG_DATABASE_URL),
-- so nothing here references the app tables: project_id is not a foreign key.

CREATE TABLE catalog_files (
    id             text        PRIMARY KEY,   -- file identity, derived from its WAL range or compaction job
    project_id     uuid        NOT NULL,
    table_name     text        NOT NULL CHECK (table_name IN ('records', 'metrics')),
    day            date        NOT NULL,
    object_key     text        NOT NULL UNIQUE,
    min_timestamp  timestamptz NOT NULL,
    max_timestamp  timestamptz NOT NULL,
    row_count      bigint      NOT NULL CHECK (row_count >= 0),
    byte_size      bigint      NOT NULL CHECK (byte_size >= 0),
    tier           integer     NOT NULL DEFAULT 0 CHECK (tier >= 0),
    source         text        NOT NULL DEFAULT '',  -- "wal:<segment>:<start>-<end>" or "compaction:<job>"
    created_at     timestamptz NOT NULL DEFAULT now(),
    retired_at     timestamptz,                        -- set when compaction or retention replaces the file
    CHECK (min_timestamp <= max_timestamp)
);

-- Query planning: live files of one project and table overlapping a time range.
CREATE INDEX catalog_files_live_range_idx
    ON catalog_files (project_id, table_name, min_timestamp, max_timestamp)
    WHERE retired_at IS NULL;

-- Maintenance: retired files whose grace period is over.
CREATE INDEX catalog_files_retired_idx ON catalog_files (retired_at) WHERE retired_at IS NOT NULL;
