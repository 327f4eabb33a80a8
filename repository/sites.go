package repository

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// SiteKind is where a site runs.
type SiteKind string

// Site kinds.
const (
	SiteEdge  SiteKind = "edge"
	SiteCloud SiteKind = "cloud"
	SitePhone SiteKind = "phone"
)

// Site is a place tasks can execute.
type Site struct {
	ID      string   `json:"id"`
	Kind    SiteKind `json:"kind"`
	Address string   `json:"address"`
	// LastStats is the site's last reported statistics, opaque JSON
	// (nil when none).
	LastStats json.RawMessage `json:"last_stats,omitempty"`
	// UpdatedAt defaults to now on PutSite.
	UpdatedAt time.Time `json:"updated_at"`
}

const siteCols = `id, kind, address, last_stats, updated_at`

func scanSite(s scanner) (Site, error) {
	var st Site
	var stats sql.NullString
	var updated sql.NullInt64
	err := s.Scan(&st.ID, &st.Kind, &st.Address, &stats, &updated)
	if stats.Valid {
		st.LastStats = json.RawMessage(stats.String)
	}
	st.UpdatedAt = fromNanos(updated)
	return st, err
}

// PutSite inserts or replaces site s.
func (d *DB) PutSite(ctx context.Context, s Site) error {
	switch {
	case s.ID == "":
		return fmt.Errorf("put site: empty id: %w", ErrInvalid)
	case s.Kind != SiteEdge && s.Kind != SiteCloud && s.Kind != SitePhone:
		return fmt.Errorf("put site %s: kind %q: %w", s.ID, s.Kind, ErrInvalid)
	case len(s.LastStats) > 0 && !json.Valid(s.LastStats):
		return fmt.Errorf("put site %s: last_stats is not JSON: %w", s.ID, ErrInvalid)
	}
	if s.UpdatedAt.IsZero() {
		s.UpdatedAt = now()
	}
	var stats any
	if len(s.LastStats) > 0 {
		stats = string(s.LastStats)
	}
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sites (`+siteCols+`) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, address = excluded.address,
			last_stats = excluded.last_stats, updated_at = excluded.updated_at`,
			s.ID, s.Kind, s.Address, stats, nanos(s.UpdatedAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("put site %s: %w", s.ID, err)
	}
	return nil
}

// GetSite returns site id (ErrNotFound).
func (d *DB) GetSite(ctx context.Context, id string) (Site, error) {
	if err := d.check(); err != nil {
		return Site{}, err
	}
	s, err := scanSite(d.r.QueryRowContext(ctx, `SELECT `+siteCols+` FROM sites WHERE id = ?`, id))
	if err != nil {
		return Site{}, notFound(err, "site "+id)
	}
	return s, nil
}

// ListSites returns all sites ordered by ID.
func (d *DB) ListSites(ctx context.Context) ([]Site, error) {
	return list(ctx, d, scanSite, "list sites", `SELECT `+siteCols+` FROM sites ORDER BY id`)
}

// DeleteSite removes site id (ErrNotFound).
func (d *DB) DeleteSite(ctx context.Context, id string) error {
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		return affected(tx.ExecContext(ctx, `DELETE FROM sites WHERE id = ?`, id))
	})
	if err != nil {
		return fmt.Errorf("delete site %s: %w", id, err)
	}
	return nil
}
