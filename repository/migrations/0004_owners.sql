-- Schema version 4: owners. Every piece of content a client put on the server (a resource, a
-- task's source, an APK) has one row per owner that put it: the content is stored once, and
-- read by hash only by its owners (owner '' is the server's own, readable by everyone). A task
-- name is bound to one source and one owner; only the owner may bind it to another source.

CREATE TABLE content_owners (
	sha256     TEXT NOT NULL,
	owner      TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (sha256, owner)
) STRICT, WITHOUT ROWID;
CREATE INDEX content_owners_owner ON content_owners (owner);

CREATE TABLE task_names (
	name          TEXT PRIMARY KEY,
	owner         TEXT NOT NULL,
	source_sha256 TEXT NOT NULL,
	updated_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX task_names_owner ON task_names (owner);
