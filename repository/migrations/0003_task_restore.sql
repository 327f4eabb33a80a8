-- Schema version 3: a task row holds what restoring it needs (parameter names, resource
-- dependence), so a restart never transforms a source again; "app" means an Android
-- package only: a task's package (empty for deployed sources, whose runtime group the
-- server derives), a resource's namespace, an instance's runtime group. The apps table,
-- which nothing read, is dropped.

ALTER TABLE tasks ADD COLUMN param_names TEXT; -- JSON list; NULL: stored before version 3
ALTER TABLE tasks ADD COLUMN resource_dependent INTEGER NOT NULL DEFAULT 0;
UPDATE tasks SET app = '' WHERE kind = 'source';
ALTER TABLE tasks RENAME COLUMN app TO package;

ALTER TABLE resources RENAME COLUMN app TO namespace;

ALTER TABLE instances RENAME COLUMN app TO runtime_group;

DROP TABLE apps;

DROP INDEX tasks_app;
CREATE INDEX tasks_package ON tasks (package);
DROP INDEX instances_app;
CREATE INDEX instances_group ON instances (runtime_group, status);
