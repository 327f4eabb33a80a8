package repository

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// PublicOwner owns the server's own content (files an operator provides): everyone may read it.
const PublicOwner = ""

// GrantContent records that owner put the content sha256 (idempotent).
func (d *DB) GrantContent(ctx context.Context, sha256, owner string) error {
	if err := checkSHA(sha256); err != nil {
		return err
	}
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO content_owners (sha256, owner, created_at) VALUES (?, ?, ?)
			ON CONFLICT (sha256, owner) DO NOTHING`, sha256, owner, nanos(now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("grant content %s: %w", sha256, err)
	}
	return nil
}

// MayRead reports whether owner put the content sha256, or the server did (PublicOwner).
func (d *DB) MayRead(ctx context.Context, sha256, owner string) (bool, error) {
	if err := d.check(); err != nil {
		return false, err
	}
	var n int
	err := d.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM content_owners WHERE sha256 = ? AND owner IN (?, ?)`,
		sha256, owner, PublicOwner).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("check content %s: %w", sha256, err)
	}
	return n > 0, nil
}

// MissingFor returns the hashes of shas that owner has not put (whether or not someone else
// did): what owner must upload before using them.
func (d *DB) MissingFor(ctx context.Context, owner string, shas []string) ([]string, error) {
	for _, s := range shas {
		if err := checkSHA(s); err != nil {
			return nil, err
		}
	}
	missing := []string{}
	for _, s := range shas {
		ok, err := d.MayRead(ctx, s, owner)
		if err != nil {
			return nil, err
		}
		if !ok {
			missing = append(missing, s)
			continue
		}
		// The owner's right outlives a blob removed by GC; then it must upload again.
		if m, err := d.MissingBlobs(ctx, []string{s}); err != nil {
			return nil, err
		} else if len(m) > 0 {
			missing = append(missing, s)
		}
	}
	return missing, nil
}

// TaskName is a task name's binding: the source it runs and the owner who may rebind it.
type TaskName struct {
	Name         string    `json:"name"`
	Owner        string    `json:"owner"`
	SourceSHA256 string    `json:"source_sha256"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// BindTaskName binds name to source for owner (insert or replace; the caller checks the owner).
func (d *DB) BindTaskName(ctx context.Context, n TaskName) error {
	if n.Name == "" {
		return fmt.Errorf("bind task name: empty name: %w", ErrInvalid)
	}
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO task_names (name, owner, source_sha256, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, source_sha256 = excluded.source_sha256,
			updated_at = excluded.updated_at`, n.Name, n.Owner, n.SourceSHA256, nanos(now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("bind task name %s: %w", n.Name, err)
	}
	return nil
}

// GetTaskName returns name's binding (ErrNotFound).
func (d *DB) GetTaskName(ctx context.Context, name string) (TaskName, error) {
	if err := d.check(); err != nil {
		return TaskName{}, err
	}
	n, err := scanTaskName(d.r.QueryRowContext(ctx, `SELECT name, owner, source_sha256, updated_at FROM task_names
		WHERE name = ?`, name))
	if err != nil {
		return TaskName{}, notFound(err, "task name "+name)
	}
	return n, nil
}

// ListTaskNames returns every binding, by name.
func (d *DB) ListTaskNames(ctx context.Context) ([]TaskName, error) {
	return list(ctx, d, scanTaskName, "list task names", `SELECT name, owner, source_sha256, updated_at
		FROM task_names ORDER BY name`)
}

func scanTaskName(s scanner) (TaskName, error) {
	var n TaskName
	var updated sql.NullInt64
	err := s.Scan(&n.Name, &n.Owner, &n.SourceSHA256, &updated)
	n.UpdatedAt = fromNanos(updated)
	return n, err
}

// ForgetOwner removes what owner holds and nobody keeps across its sessions: its content
// rights, and its task names (they stay bound to their source but anyone may rebind them).
// It returns the names released.
func (d *DB) ForgetOwner(ctx context.Context, owner string) ([]string, error) {
	return d.forget(ctx, `owner = ?`, owner)
}

// ForgetOwnersWithPrefix is ForgetOwner for every owner starting with prefix (at start: the
// anonymous sessions of an earlier run).
func (d *DB) ForgetOwnersWithPrefix(ctx context.Context, prefix string) ([]string, error) {
	if prefix == "" {
		return nil, fmt.Errorf("forget owners: empty prefix: %w", ErrInvalid)
	}
	return d.forget(ctx, `substr(owner, 1, ?) = ?`, len(prefix), prefix)
}

func (d *DB) forget(ctx context.Context, where string, args ...any) ([]string, error) {
	var names []string
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM content_owners WHERE `+where, args...); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT name FROM task_names WHERE `+where, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				_ = rows.Close()
				return err
			}
			names = append(names, n)
		}
		_ = rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE task_names SET owner = '', updated_at = ? WHERE `+where,
			append([]any{nanos(now())}, args...)...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("forget owner: %w", err)
	}
	return names, nil
}

// PruneInstances removes every instance row: at start, no instance of an earlier process
// runs any more (rows left by a crash would otherwise stay forever). It returns how many.
func (d *DB) PruneInstances(ctx context.Context) (int, error) {
	var n int64
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM instances`)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("prune instances: %w", err)
	}
	return int(n), nil
}
