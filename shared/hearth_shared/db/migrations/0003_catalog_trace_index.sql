-- Trace index: where in time each trace's spans start, so a trace link with no time range opens only
-- the files of that window (DESIGN.md §2, "Opening a trace by id"). Written by ingest before the
-- trace's file is catalogued; ranges only widen.
CREATE TABLE trace_index (
    project_id  uuid        NOT NULL,
    trace_id    text        NOT NULL,
    min_start   timestamptz NOT NULL,
    max_start   timestamptz NOT NULL,
    PRIMARY KEY (project_id, trace_id),
    CHECK (min_start <= max_start)
);

-- Retention: drop entries of traces that ended before a cutoff.
CREATE INDEX trace_index_max_start_idx ON trace_index (max_start);
