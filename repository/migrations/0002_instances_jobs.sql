-- Schema version 2: communication overhead on executions, runtime
-- instances and APK refactor jobs.

ALTER TABLE executions ADD COLUMN comm_overhead_ns INTEGER NOT NULL DEFAULT 0;

CREATE TABLE instances (
	id           TEXT PRIMARY KEY,
	image        TEXT NOT NULL DEFAULT '',
	driver       TEXT NOT NULL DEFAULT '',
	app          TEXT NOT NULL DEFAULT '',
	status       TEXT NOT NULL DEFAULT '',
	pid          INTEGER NOT NULL DEFAULT 0,
	address      TEXT NOT NULL DEFAULT '',
	boot_time_ns INTEGER NOT NULL DEFAULT 0,
	created_at   INTEGER NOT NULL,
	last_used    INTEGER
) STRICT;
CREATE INDEX instances_app ON instances (app, status);

CREATE TABLE jobs (
	id            TEXT PRIMARY KEY,
	apk_sha256    TEXT NOT NULL DEFAULT '',
	state         TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
	progress      REAL NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 1),
	stage         TEXT NOT NULL DEFAULT '',
	report_sha256 TEXT NOT NULL DEFAULT '',
	error         TEXT NOT NULL DEFAULT '',
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX jobs_apk ON jobs (apk_sha256);
