package repository

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" database/sql driver
)

// File and directory names inside the data directory.
const (
	dbFile   = "mamoc.db"
	lockFile = "LOCK"
	blobsDir = "blobs"
	tmpDir   = "tmp"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// DB is mamoc's repository: SQLite metadata plus a content-addressed blob
// store under one data directory. A DB is safe for concurrent use; only one
// process may open a data directory at a time.
type DB struct {
	cfg     Config
	log     *slog.Logger
	dir     string
	blobDir string
	tmpDir  string

	w    *sql.DB // single writer connection; every write goes through it
	r    *sql.DB // read-only connections
	lock *os.File

	// gcMu is held exclusively by GC and shared by blob operations that
	// create or vouch for a blob (PutBlob, HasBlob, MissingBlobs), so GC
	// never removes a blob a caller was just told exists.
	gcMu sync.RWMutex

	execs *execWriter // group commit of RecordExecution

	stmtMu    sync.Mutex                       // guards execStmts
	execStmts [execRowsPerInsert + 1]*sql.Stmt // INSERTs of n executions on w, prepared once

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

// Open opens (creating if needed) the repository in dir with default
// settings. It is OpenConfig with Config{Dir: dir}.
func Open(ctx context.Context, dir string) (*DB, error) {
	return OpenConfig(ctx, Config{Dir: dir})
}

// OpenConfig opens (creating if needed) the repository in cfg.Dir, applies
// pending schema migrations, and removes temporary files left by a crash.
func OpenConfig(ctx context.Context, cfg Config) (*DB, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("open repository: %w", err)
	}
	d := &DB{
		cfg:     cfg,
		log:     cfg.Logger.With("component", "repository"),
		dir:     cfg.Dir,
		blobDir: filepath.Join(cfg.Dir, blobsDir),
		tmpDir:  filepath.Join(cfg.Dir, tmpDir),
	}
	if err := d.open(ctx); err != nil {
		_ = d.closeAll()
		return nil, fmt.Errorf("open repository %s: %w", cfg.Dir, classify(err))
	}
	d.execs = newExecWriter(d)
	return d, nil
}

func (d *DB) open(ctx context.Context) error {
	for _, p := range []string{d.dir, d.blobDir, d.tmpDir} {
		if err := os.MkdirAll(p, 0o755); err != nil {
			return err
		}
	}
	lf, err := lockDir(filepath.Join(d.dir, lockFile))
	if err != nil {
		return err
	}
	d.lock = lf
	// We hold the directory lock, so files in tmp/ belong to a dead writer.
	if ents, err := os.ReadDir(d.tmpDir); err == nil {
		for _, e := range ents {
			if err := os.Remove(filepath.Join(d.tmpDir, e.Name())); err == nil {
				d.log.Debug("removed stale temp file", "name", e.Name())
			}
		}
	}
	path := filepath.Join(d.dir, dbFile)
	dsn := func(extra string) string {
		esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
		return fmt.Sprintf("file:%s?_journal_mode=WAL&_foreign_keys=on&_synchronous=FULL&_busy_timeout=%d%s",
			esc, d.cfg.BusyTimeout.Milliseconds(), extra)
	}
	d.w, err = sql.Open("sqlite3", dsn("&_txlock=immediate"))
	if err != nil {
		return err
	}
	d.w.SetMaxOpenConns(1)
	d.w.SetMaxIdleConns(1)
	d.w.SetConnMaxLifetime(0)
	d.w.SetConnMaxIdleTime(0)
	if err := d.w.PingContext(ctx); err != nil {
		return err
	}
	var mode string
	if err := d.w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return err
	}
	if mode != "wal" {
		return fmt.Errorf("journal_mode = %q, want wal", mode)
	}
	migs, err := loadMigrations()
	if err != nil {
		return err
	}
	if err := migrate(ctx, d.w, migs, d.log); err != nil {
		return err
	}
	d.r, err = sql.Open("sqlite3", dsn("&_query_only=true"))
	if err != nil {
		return err
	}
	d.r.SetMaxOpenConns(d.cfg.MaxReaders)
	d.r.SetMaxIdleConns(d.cfg.MaxReaders)
	return d.r.PingContext(ctx)
}

func (d *DB) closeAll() error {
	var errs []error
	if d.r != nil {
		errs = append(errs, d.r.Close())
	}
	if d.w != nil {
		// Fold the WAL back into the main file so the directory is compact
		// when idle; failure here loses nothing.
		_, _ = d.w.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
		d.stmtMu.Lock()
		for _, st := range d.execStmts {
			if st != nil {
				_ = st.Close()
			}
		}
		d.stmtMu.Unlock()
		errs = append(errs, d.w.Close())
	}
	if d.lock != nil {
		errs = append(errs, unlockDir(d.lock))
	}
	return errors.Join(errs...)
}

// Close closes the database and releases the data directory. Calls after the
// first return the first call's result; other methods then return ErrClosed.
func (d *DB) Close() error {
	d.closeOnce.Do(func() {
		d.execs.close() // commit the recorded executions first
		d.closed.Store(true)
		d.gcMu.Lock() // wait for a running GC
		defer d.gcMu.Unlock()
		if err := d.closeAll(); err != nil {
			d.closeErr = fmt.Errorf("close repository: %w", err)
		}
	})
	return d.closeErr
}

// Dir returns the data directory.
func (d *DB) Dir() string { return d.dir }

func (d *DB) check() error {
	if d.closed.Load() {
		return ErrClosed
	}
	return nil
}

// IntegrityCheck runs PRAGMA integrity_check and returns an error wrapping
// ErrCorrupt unless SQLite answers "ok". It does not read blobs.
func (d *DB) IntegrityCheck(ctx context.Context) error {
	if err := d.check(); err != nil {
		return err
	}
	rows, err := d.r.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var msgs []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return fmt.Errorf("integrity check: %w", err)
		}
		msgs = append(msgs, s)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	if len(msgs) != 1 || msgs[0] != "ok" {
		return fmt.Errorf("integrity check: %s: %w", strings.Join(msgs, "; "), ErrCorrupt)
	}
	return nil
}

// SchemaVersion returns the database's schema version (PRAGMA user_version).
func (d *DB) SchemaVersion(ctx context.Context) (int, error) {
	if err := d.check(); err != nil {
		return 0, err
	}
	var v int
	if err := d.r.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	return v, nil
}

// LatestSchemaVersion is the schema version this binary migrates to.
func LatestSchemaVersion() int {
	migs, err := loadMigrations()
	if err != nil || len(migs) == 0 {
		return 0
	}
	return migs[len(migs)-1].version
}

type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads migrations/NNNN_name.sql; versions must run 1..n.
func loadMigrations() ([]migration, error) {
	ents, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var migs []migration
	for _, e := range ents {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("migration file %q: name must be NNNN_name.sql", e.Name())
		}
		b, err := migrationFS.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		migs = append(migs, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(migs, func(i, j int) bool { return migs[i].version < migs[j].version })
	for i, m := range migs {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: version %d, want %d", m.name, m.version, i+1)
		}
	}
	return migs, nil
}

// migrate applies every migration newer than the database's user_version,
// each in its own transaction together with the user_version bump, so a
// crash leaves the schema at a whole version.
func migrate(ctx context.Context, db *sql.DB, migs []migration, log *slog.Logger) error {
	latest := len(migs)
	for {
		tx, err := db.BeginTx(ctx, nil) // BEGIN IMMEDIATE via _txlock
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		var cur int
		if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&cur); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("migrate: read version: %w", err)
		}
		if cur > latest {
			_ = tx.Rollback()
			return fmt.Errorf("schema version %d, binary knows %d: %w", cur, latest, ErrSchemaTooNew)
		}
		if cur == latest {
			return tx.Rollback()
		}
		m := migs[cur]
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.version)); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("migration %s: set version: %w", m.name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %s: commit: %w", m.name, err)
		}
		log.Info("applied schema migration", "version", m.version, "name", m.name)
	}
}

// newID returns a random 128-bit hex identifier.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// newOrderedID returns a 128-bit hex identifier whose first 48 bits are the Unix time in
// milliseconds and the other 80 random: still unguessable, but the ids of one moment sort
// together, so inserting records appends to the primary-key index instead of dirtying a page
// anywhere in it.
func newOrderedID() string {
	var b [16]byte
	ms := uint64(time.Now().UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	_, _ = rand.Read(b[6:])
	return hex.EncodeToString(b[:])
}

// nanos converts t to Unix nanoseconds, NULL for the zero time.
func nanos(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

// fromNanos converts a nullable Unix-nanosecond column back to UTC time.
func fromNanos(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64).UTC()
}

// now returns the current time truncated to what the database stores.
func now() time.Time { return time.Now().UTC() }

// inTx runs fn in a write transaction and commits it.
func (d *DB) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	if err := d.check(); err != nil {
		return err
	}
	tx, err := d.w.BeginTx(ctx, nil)
	if err != nil {
		if d.closed.Load() {
			return ErrClosed
		}
		return classify(err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return classify(err)
	}
	return classify(tx.Commit())
}

// scanner is the part of *sql.Row and *sql.Rows the scan helpers need.
type scanner interface{ Scan(dst ...any) error }

func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return fmt.Errorf("%s: %w", what, err)
}
