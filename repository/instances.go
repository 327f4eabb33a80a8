package repository

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Instance is a runtime (unikernel or sandbox) instance.
type Instance struct {
	ID     string `json:"id"`
	Image  string `json:"image"`
	Driver string `json:"driver"`
	// Group is the runtime isolation group the instance serves (one class loader).
	Group  string `json:"group"`
	Status string `json:"status"`
	// PID is the host process id (0 if none); Address its endpoint.
	PID     int    `json:"pid"`
	Address string `json:"address"`
	// BootTime is how long the instance took to boot (stored in ns).
	BootTime time.Duration `json:"boot_time"`
	// CreatedAt defaults to now on first PutInstance.
	CreatedAt time.Time `json:"created_at"`
	LastUsed  time.Time `json:"last_used"`
}

const instanceCols = `id, image, driver, runtime_group, status, pid, address, boot_time_ns, created_at, last_used`

func scanInstance(s scanner) (Instance, error) {
	var in Instance
	var created, used sql.NullInt64
	err := s.Scan(&in.ID, &in.Image, &in.Driver, &in.Group, &in.Status, &in.PID, &in.Address,
		&in.BootTime, &created, &used)
	in.CreatedAt, in.LastUsed = fromNanos(created), fromNanos(used)
	return in, err
}

// PutInstance inserts or replaces instance in (upsert by ID). On update the
// original CreatedAt is kept when in.CreatedAt is zero.
func (d *DB) PutInstance(ctx context.Context, in Instance) error {
	if in.ID == "" {
		return fmt.Errorf("put instance: empty id: %w", ErrInvalid)
	}
	created := in.CreatedAt
	if created.IsZero() {
		created = now()
	}
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO instances (`+instanceCols+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET image = excluded.image, driver = excluded.driver,
			runtime_group = excluded.runtime_group, status = excluded.status, pid = excluded.pid, address = excluded.address,
			boot_time_ns = excluded.boot_time_ns,
			created_at = CASE WHEN ? THEN excluded.created_at ELSE instances.created_at END,
			last_used = excluded.last_used`,
			in.ID, in.Image, in.Driver, in.Group, in.Status, in.PID, in.Address, int64(in.BootTime),
			nanos(created), nanos(in.LastUsed), !in.CreatedAt.IsZero())
		return err
	})
	if err != nil {
		return fmt.Errorf("put instance %s: %w", in.ID, err)
	}
	return nil
}

// GetInstance returns instance id (ErrNotFound).
func (d *DB) GetInstance(ctx context.Context, id string) (Instance, error) {
	if err := d.check(); err != nil {
		return Instance{}, err
	}
	in, err := scanInstance(d.r.QueryRowContext(ctx, `SELECT `+instanceCols+` FROM instances WHERE id = ?`, id))
	if err != nil {
		return Instance{}, notFound(err, "instance "+id)
	}
	return in, nil
}

// ListInstances returns all instances ordered by creation time.
func (d *DB) ListInstances(ctx context.Context) ([]Instance, error) {
	return list(ctx, d, scanInstance, "list instances", `SELECT `+instanceCols+` FROM instances
		ORDER BY created_at, id`)
}

// DeleteInstance removes instance id (ErrNotFound).
func (d *DB) DeleteInstance(ctx context.Context, id string) error {
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		return affected(tx.ExecContext(ctx, `DELETE FROM instances WHERE id = ?`, id))
	})
	if err != nil {
		return fmt.Errorf("delete instance %s: %w", id, err)
	}
	return nil
}
