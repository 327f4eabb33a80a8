package repository

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Resource is a named file (asset, raw resource, native library) an app's
// tasks need at run time; its content is blob SHA256. (App, Name) is the key.
type Resource struct {
	App       string    `json:"app"`
	Name      string    `json:"name"`
	SHA256    string    `json:"sha256"`
	Size      int64     `json:"size"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

const resourceCols = `app, name, sha256, size, created_at, updated_at`

func scanResource(s scanner) (Resource, error) {
	var r Resource
	var created, updated sql.NullInt64
	err := s.Scan(&r.App, &r.Name, &r.SHA256, &r.Size, &created, &updated)
	r.CreatedAt, r.UpdatedAt = fromNanos(created), fromNanos(updated)
	return r, err
}

// PutResource inserts or replaces the resource (App, Name) and returns it.
func (d *DB) PutResource(ctx context.Context, r Resource) (Resource, error) {
	switch {
	case r.Name == "":
		return Resource{}, fmt.Errorf("put resource: empty name: %w", ErrInvalid)
	case !ValidSHA256(r.SHA256):
		return Resource{}, fmt.Errorf("put resource %s: sha256 %q: %w", r.Name, r.SHA256, ErrInvalid)
	case r.Size < 0:
		return Resource{}, fmt.Errorf("put resource %s: size %d: %w", r.Name, r.Size, ErrInvalid)
	}
	ts := nanos(now())
	var out Resource
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO resources (`+resourceCols+`) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (app, name) DO UPDATE SET sha256 = excluded.sha256, size = excluded.size,
			updated_at = excluded.updated_at`, r.App, r.Name, r.SHA256, r.Size, ts, ts)
		if err != nil {
			return err
		}
		out, err = scanResource(tx.QueryRowContext(ctx, `SELECT `+resourceCols+` FROM resources
			WHERE app = ? AND name = ?`, r.App, r.Name))
		return err
	})
	if err != nil {
		return Resource{}, fmt.Errorf("put resource %s: %w", r.Name, err)
	}
	return out, nil
}

// ResourceByName returns resource name of app (ErrNotFound).
func (d *DB) ResourceByName(ctx context.Context, app, name string) (Resource, error) {
	if err := d.check(); err != nil {
		return Resource{}, err
	}
	r, err := scanResource(d.r.QueryRowContext(ctx, `SELECT `+resourceCols+` FROM resources
		WHERE app = ? AND name = ?`, app, name))
	if err != nil {
		return Resource{}, notFound(err, "resource "+name)
	}
	return r, nil
}

// ListResources returns the resources of app ordered by name.
func (d *DB) ListResources(ctx context.Context, app string) ([]Resource, error) {
	return list(ctx, d, scanResource, "list resources", `SELECT `+resourceCols+` FROM resources
		WHERE app = ? ORDER BY name`, app)
}

// DeleteResource removes resource name of app (ErrNotFound). Its blob
// becomes garbage for GC unless something else refers to it.
func (d *DB) DeleteResource(ctx context.Context, app, name string) error {
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		return affected(tx.ExecContext(ctx, `DELETE FROM resources WHERE app = ? AND name = ?`, app, name))
	})
	if err != nil {
		return fmt.Errorf("delete resource %s: %w", name, err)
	}
	return nil
}
