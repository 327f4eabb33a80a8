package repository

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// TaskKind says how a task's code reached the server.
type TaskKind string

// Task kinds.
const (
	// TaskSource is a Java source class compiled on the server.
	TaskSource TaskKind = "source"
	// TaskDexClass is a class extracted from the APK's dex files.
	TaskDexClass TaskKind = "dex-class"
	// TaskDexStatic is a static method extracted from the APK's dex files.
	TaskDexStatic TaskKind = "dex-static"
)

func (k TaskKind) valid() bool {
	return k == TaskSource || k == TaskDexClass || k == TaskDexStatic
}

// Task is an offloadable unit of code. Its key is (FQCN, Method, App,
// SourceSHA256): storing the same key again updates the other fields.
type Task struct {
	// ID is assigned by PutTask.
	ID int64 `json:"id"`
	// FQCN is the fully-qualified Java class name.
	FQCN string `json:"fqcn"`
	// Method is the entry method ("" for whole-class tasks).
	Method string `json:"method"`
	// Package is the Android package of a task from a refactored app, "" for a deployed
	// source.
	Package string   `json:"package"`
	Kind    TaskKind `json:"kind"`
	// SourceSHA256 is the blob of the Java source (or of the dex/APK the
	// class came from); "" if none.
	SourceSHA256 string `json:"source_sha256"`
	// ArtifactSHA256 is the blob of the compiled class/jar; "" until built.
	ArtifactSHA256 string   `json:"artifact_sha256"`
	ParamTypes     []string `json:"param_types"`
	// ParamNames are the declared parameter names, in ParamTypes' order.
	ParamNames []string `json:"param_names"`
	// ResourceDependent says the first constructor argument is a resource's content.
	ResourceDependent bool   `json:"resource_dependent"`
	ReturnType        string `json:"return_type"`
	// Offloadable is the analyser's verdict; Reasons explain it.
	Offloadable bool     `json:"offloadable"`
	Reasons     []string `json:"reasons"`
	// Registered says whether the task is registered as a WAMP procedure.
	Registered bool `json:"registered"`
	// Restorable is true when ParamNames and ResourceDependent were recorded (every task
	// stored since schema version 3); older rows lack them.
	Restorable bool      `json:"restorable"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

const taskCols = `id, fqcn, method, package, kind, source_sha256, artifact_sha256, param_types,
	param_names, resource_dependent, return_type, offloadable, reasons, registered, created_at, updated_at`

func scanTask(s scanner) (Task, error) {
	var t Task
	var params, reasons string
	var names sql.NullString
	var created, updated sql.NullInt64
	err := s.Scan(&t.ID, &t.FQCN, &t.Method, &t.Package, &t.Kind, &t.SourceSHA256, &t.ArtifactSHA256,
		&params, &names, &t.ResourceDependent, &t.ReturnType, &t.Offloadable, &reasons, &t.Registered, &created, &updated)
	if err != nil {
		return Task{}, err
	}
	if err := json.Unmarshal([]byte(params), &t.ParamTypes); err != nil {
		return Task{}, fmt.Errorf("task %d param_types: %w", t.ID, err)
	}
	if t.Restorable = names.Valid; t.Restorable {
		if err := json.Unmarshal([]byte(names.String), &t.ParamNames); err != nil {
			return Task{}, fmt.Errorf("task %d param_names: %w", t.ID, err)
		}
	}
	if err := json.Unmarshal([]byte(reasons), &t.Reasons); err != nil {
		return Task{}, fmt.Errorf("task %d reasons: %w", t.ID, err)
	}
	t.CreatedAt, t.UpdatedAt = fromNanos(created), fromNanos(updated)
	return t, nil
}

func jsonList(v []string) string {
	if v == nil {
		v = []string{}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// PutTask inserts t or, if a task with the same (FQCN, Method, Package,
// SourceSHA256) exists, updates it; it returns the stored task with ID and
// timestamps set. Kind defaults to TaskSource.
func (d *DB) PutTask(ctx context.Context, t Task) (Task, error) {
	if t.Kind == "" {
		t.Kind = TaskSource
	}
	switch {
	case t.FQCN == "":
		return Task{}, fmt.Errorf("put task: empty fqcn: %w", ErrInvalid)
	case !t.Kind.valid():
		return Task{}, fmt.Errorf("put task %s: kind %q: %w", t.FQCN, t.Kind, ErrInvalid)
	case t.SourceSHA256 != "" && !ValidSHA256(t.SourceSHA256),
		t.ArtifactSHA256 != "" && !ValidSHA256(t.ArtifactSHA256):
		return Task{}, fmt.Errorf("put task %s: bad blob hash: %w", t.FQCN, ErrInvalid)
	}
	ts := nanos(now())
	var out Task
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO tasks (fqcn, method, package, kind, source_sha256,
			artifact_sha256, param_types, param_names, resource_dependent, return_type, offloadable, reasons,
			registered, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (fqcn, method, package, source_sha256) DO UPDATE SET
			kind = excluded.kind, artifact_sha256 = excluded.artifact_sha256,
			param_types = excluded.param_types, param_names = excluded.param_names,
			resource_dependent = excluded.resource_dependent, return_type = excluded.return_type,
			offloadable = excluded.offloadable, reasons = excluded.reasons,
			registered = excluded.registered, updated_at = excluded.updated_at`,
			t.FQCN, t.Method, t.Package, t.Kind, t.SourceSHA256, t.ArtifactSHA256, jsonList(t.ParamTypes),
			jsonList(t.ParamNames), t.ResourceDependent, t.ReturnType, t.Offloadable, jsonList(t.Reasons), t.Registered, ts, ts)
		if err != nil {
			return err
		}
		out, err = scanTask(tx.QueryRowContext(ctx, `SELECT `+taskCols+` FROM tasks
			WHERE fqcn = ? AND method = ? AND package = ? AND source_sha256 = ?`,
			t.FQCN, t.Method, t.Package, t.SourceSHA256))
		return err
	})
	if err != nil {
		return Task{}, fmt.Errorf("put task %s: %w", t.FQCN, err)
	}
	return out, nil
}

// GetTask returns the task with the given ID (ErrNotFound).
func (d *DB) GetTask(ctx context.Context, id int64) (Task, error) {
	if err := d.check(); err != nil {
		return Task{}, err
	}
	t, err := scanTask(d.r.QueryRowContext(ctx, `SELECT `+taskCols+` FROM tasks WHERE id = ?`, id))
	if err != nil {
		return Task{}, notFound(err, fmt.Sprintf("task %d", id))
	}
	return t, nil
}

// TaskBySource returns the most recently updated task for class fqcn whose
// source blob is sourceSHA (ErrNotFound): the compile cache lookup.
func (d *DB) TaskBySource(ctx context.Context, fqcn, sourceSHA string) (Task, error) {
	if err := d.check(); err != nil {
		return Task{}, err
	}
	t, err := scanTask(d.r.QueryRowContext(ctx, `SELECT `+taskCols+` FROM tasks
		WHERE fqcn = ? AND source_sha256 = ? ORDER BY updated_at DESC, id DESC LIMIT 1`, fqcn, sourceSHA))
	if err != nil {
		return Task{}, notFound(err, "task "+fqcn)
	}
	return t, nil
}

// TaskByFQCN returns the most recently updated task for class fqcn
// (ErrNotFound).
func (d *DB) TaskByFQCN(ctx context.Context, fqcn string) (Task, error) {
	if err := d.check(); err != nil {
		return Task{}, err
	}
	t, err := scanTask(d.r.QueryRowContext(ctx, `SELECT `+taskCols+` FROM tasks
		WHERE fqcn = ? ORDER BY updated_at DESC, id DESC LIMIT 1`, fqcn))
	if err != nil {
		return Task{}, notFound(err, "task "+fqcn)
	}
	return t, nil
}

// ListTasks returns every task ordered by FQCN, method and ID.
func (d *DB) ListTasks(ctx context.Context) ([]Task, error) {
	return list(ctx, d, scanTask, "list tasks", `SELECT `+taskCols+` FROM tasks ORDER BY fqcn, method, id`)
}

// SetTaskRegistered sets the Registered flag of task id (ErrNotFound).
func (d *DB) SetTaskRegistered(ctx context.Context, id int64, registered bool) error {
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE tasks SET registered = ?, updated_at = ? WHERE id = ?`,
			registered, nanos(now()), id)
		return affected(res, err)
	})
	if err != nil {
		return fmt.Errorf("set task %d registered: %w", id, err)
	}
	return nil
}

// affected turns "no row changed" into ErrNotFound.
func affected(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// list runs a query on the read pool and scans every row with scan.
func list[T any](ctx context.Context, d *DB, scan func(scanner) (T, error), what, q string, args ...any) ([]T, error) {
	if err := d.check(); err != nil {
		return nil, err
	}
	rows, err := d.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer func() { _ = rows.Close() }()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}
