package repository

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// App is an Android application identified by its APK's sha256.
type App struct {
	// APKSHA256 is the sha256 of the APK blob; it is the app's key.
	APKSHA256   string    `json:"apk_sha256"`
	Package     string    `json:"package"`
	Version     string    `json:"version"`
	VersionCode int64     `json:"version_code"`
	CreatedAt   time.Time `json:"created_at"`
}

const appCols = `apk_sha256, package, version, version_code, created_at`

func scanApp(s scanner) (App, error) {
	var a App
	var created sql.NullInt64
	err := s.Scan(&a.APKSHA256, &a.Package, &a.Version, &a.VersionCode, &created)
	a.CreatedAt = fromNanos(created)
	return a, err
}

// PutApp records a, idempotently by APKSHA256: if that APK is already
// recorded the stored App is returned unchanged. CreatedAt defaults to now.
func (d *DB) PutApp(ctx context.Context, a App) (App, error) {
	if err := checkSHA(a.APKSHA256); err != nil {
		return App{}, fmt.Errorf("put app: %w", err)
	}
	if a.Package == "" {
		return App{}, fmt.Errorf("put app: empty package: %w", ErrInvalid)
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = now()
	}
	var out App
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO apps (`+appCols+`) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (apk_sha256) DO NOTHING`,
			a.APKSHA256, a.Package, a.Version, a.VersionCode, nanos(a.CreatedAt)); err != nil {
			return err
		}
		var err error
		out, err = scanApp(tx.QueryRowContext(ctx, `SELECT `+appCols+` FROM apps WHERE apk_sha256 = ?`, a.APKSHA256))
		return err
	})
	if err != nil {
		return App{}, fmt.Errorf("put app %s: %w", a.Package, err)
	}
	return out, nil
}

// AppByAPK returns the app whose APK hashes to sha (ErrNotFound).
func (d *DB) AppByAPK(ctx context.Context, sha string) (App, error) {
	if err := d.check(); err != nil {
		return App{}, err
	}
	a, err := scanApp(d.r.QueryRowContext(ctx, `SELECT `+appCols+` FROM apps WHERE apk_sha256 = ?`, sha))
	if err != nil {
		return App{}, notFound(err, "app by apk "+sha)
	}
	return a, nil
}

// GetApp returns the most recently recorded app with package name pkg
// (ErrNotFound).
func (d *DB) GetApp(ctx context.Context, pkg string) (App, error) {
	if err := d.check(); err != nil {
		return App{}, err
	}
	a, err := scanApp(d.r.QueryRowContext(ctx, `SELECT `+appCols+` FROM apps WHERE package = ?
		ORDER BY created_at DESC, rowid DESC LIMIT 1`, pkg))
	if err != nil {
		return App{}, notFound(err, "app "+pkg)
	}
	return a, nil
}

// ListApps returns all apps ordered by package, then creation time.
func (d *DB) ListApps(ctx context.Context) ([]App, error) {
	return list(ctx, d, scanApp, "list apps", `SELECT `+appCols+` FROM apps ORDER BY package, created_at`)
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
