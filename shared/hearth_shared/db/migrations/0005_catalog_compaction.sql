-- Catalog area: one row per compaction job (its report), and an index for finding a partition's files.
-- The job id derives from the set of input files, so a job retried after a crash is the same row
-- (attempts counts the tries). A row is written when a job starts and completed in the very
-- transaction that swaps its files, so status 'done' means the swap committed.

CREATE TABLE compaction_jobs (
    id               text        PRIMARY KEY,
    project_id       uuid        NOT NULL,
    table_name       text        NOT NULL CHECK (table_name IN ('records', 'metrics')),
    day              date        NOT NULL,
    tier             integer     NOT NULL CHECK (tier >= 0),
    reason           text        NOT NULL,                  -- why it ran: 'tier' or 'settled'
    status           text        NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    attempts         integer     NOT NULL DEFAULT 1 CHECK (attempts >= 1),
    worker           text        NOT NULL DEFAULT '',       -- host:pid of the last attempt
    input_files      integer     NOT NULL CHECK (input_files >= 0),
    input_bytes      bigint      NOT NULL CHECK (input_bytes >= 0),
    input_rows       bigint      NOT NULL CHECK (input_rows >= 0),
    output_files     integer,
    output_bytes     bigint,
    output_rows      bigint,
    error            text,
    started_at       timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz,
    duration_seconds double precision
);

-- History pruning and "what ran lately".
CREATE INDEX compaction_jobs_started_idx ON compaction_jobs (started_at);

-- Compaction reads the live files of one (project, table, day) partition.
CREATE INDEX catalog_files_live_partition_idx
    ON catalog_files (project_id, table_name, day)
    WHERE retired_at IS NULL;
