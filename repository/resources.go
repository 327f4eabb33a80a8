package repository

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Resource is a named file a task reads at run time (MAMoC's data/ folder, a phone's
// receive_file); its content is blob SHA256. (Namespace, Name) is the key.
type Resource struct {
	// Namespace is whose resource it is: "" the server's, else one caller's.
	Namespace string    `json:"namespace"`
	Name      string    `json:"name"`
	SHA256    string    `json:"sha256"`
	Size      int64     `json:"size"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

const resourceCols = `namespace, name, sha256, size, created_at, updated_at`

func scanResource(s scanner) (Resource, error) {
	var r Resource
	var created, updated sql.NullInt64
	err := s.Scan(&r.Namespace, &r.Name, &r.SHA256, &r.Size, &created, &updated)
	r.CreatedAt, r.UpdatedAt = fromNanos(created), fromNanos(updated)
	return r, err
}

// PutResource inserts or replaces the resource (Namespace, Name) and returns it.
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
			ON CONFLICT (namespace, name) DO UPDATE SET sha256 = excluded.sha256, size = excluded.size,
			updated_at = excluded.updated_at`, r.Namespace, r.Name, r.SHA256, r.Size, ts, ts)
		if err != nil {
			return err
		}
		out, err = scanResource(tx.QueryRowContext(ctx, `SELECT `+resourceCols+` FROM resources
			WHERE namespace = ? AND name = ?`, r.Namespace, r.Name))
		return err
	})
	if err != nil {
		return Resource{}, fmt.Errorf("put resource %s: %w", r.Name, err)
	}
	return out, nil
}

// ResourceByName returns resource name of namespace (ErrNotFound).
func (d *DB) ResourceByName(ctx context.Context, namespace, name string) (Resource, error) {
	if err := d.check(); err != nil {
		return Resource{}, err
	}
	r, err := scanResource(d.r.QueryRowContext(ctx, `SELECT `+resourceCols+` FROM resources
		WHERE namespace = ? AND name = ?`, namespace, name))
	if err != nil {
		return Resource{}, notFound(err, "resource "+name)
	}
	return r, nil
}

// ListResources returns the resources of namespace ordered by name.
func (d *DB) ListResources(ctx context.Context, namespace string) ([]Resource, error) {
	return list(ctx, d, scanResource, "list resources", `SELECT `+resourceCols+` FROM resources
		WHERE namespace = ? ORDER BY name`, namespace)
}

// DeleteResource removes resource name of namespace (ErrNotFound). Its blob
// becomes garbage for GC unless something else refers to it.
func (d *DB) DeleteResource(ctx context.Context, namespace, name string) error {
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		return affected(tx.ExecContext(ctx, `DELETE FROM resources WHERE namespace = ? AND name = ?`, namespace, name))
	})
	if err != nil {
		return fmt.Errorf("delete resource %s: %w", name, err)
	}
	return nil
}
