-- Schema version 1: apps, tasks, resources, executions, sites.
-- Times are Unix nanoseconds (UTC); NULL means unset.
-- Durations are nanoseconds (*_ns columns).

CREATE TABLE apps (
	apk_sha256   TEXT PRIMARY KEY,
	package      TEXT NOT NULL,
	version      TEXT NOT NULL DEFAULT '',
	version_code INTEGER NOT NULL DEFAULT 0,
	created_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX apps_package ON apps (package, created_at);

CREATE TABLE tasks (
	id              INTEGER PRIMARY KEY,
	fqcn            TEXT NOT NULL,
	method          TEXT NOT NULL DEFAULT '',
	app             TEXT NOT NULL DEFAULT '',
	kind            TEXT NOT NULL CHECK (kind IN ('source', 'dex-class', 'dex-static')),
	source_sha256   TEXT NOT NULL DEFAULT '',
	artifact_sha256 TEXT NOT NULL DEFAULT '',
	param_types     TEXT NOT NULL DEFAULT '[]',
	return_type     TEXT NOT NULL DEFAULT '',
	offloadable     INTEGER NOT NULL DEFAULT 0,
	reasons         TEXT NOT NULL DEFAULT '[]',
	registered      INTEGER NOT NULL DEFAULT 0,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	UNIQUE (fqcn, method, app, source_sha256)
) STRICT;
CREATE INDEX tasks_fqcn ON tasks (fqcn, updated_at);
CREATE INDEX tasks_app ON tasks (app);

CREATE TABLE resources (
	app        TEXT NOT NULL,
	name       TEXT NOT NULL,
	sha256     TEXT NOT NULL,
	size       INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (app, name)
) STRICT;
CREATE INDEX resources_sha256 ON resources (sha256);

CREATE TABLE executions (
	id             TEXT PRIMARY KEY,
	task           TEXT NOT NULL,
	caller_authid  TEXT NOT NULL DEFAULT '',
	caller_session INTEGER NOT NULL DEFAULT 0,
	site           TEXT NOT NULL DEFAULT '',
	param_digest   TEXT NOT NULL DEFAULT '',
	status         TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled', 'timed-out')),
	queued_at      INTEGER NOT NULL,
	started_at     INTEGER,
	ended_at       INTEGER,
	queue_time_ns  INTEGER NOT NULL DEFAULT 0,
	exec_time_ns   INTEGER NOT NULL DEFAULT 0,
	output_size    INTEGER NOT NULL DEFAULT 0,
	error_uri      TEXT NOT NULL DEFAULT '',
	error_message  TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX executions_task_site ON executions (task, site, queued_at);
CREATE INDEX executions_queued_at ON executions (queued_at);

CREATE TABLE sites (
	id         TEXT PRIMARY KEY,
	kind       TEXT NOT NULL CHECK (kind IN ('edge', 'cloud', 'phone')),
	address    TEXT NOT NULL DEFAULT '',
	last_stats TEXT,
	updated_at INTEGER NOT NULL
) STRICT;
