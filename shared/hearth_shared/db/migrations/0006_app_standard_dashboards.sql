-- Standard dashboards installed into each project (names as in dashboards.standard). Installing checks
-- this list, so a standard dashboard someone deleted is not installed again, and a standard dashboard
-- added by a later release is installed once into existing projects.
ALTER TABLE projects ADD COLUMN standard_dashboards text[] NOT NULL DEFAULT '{}';
