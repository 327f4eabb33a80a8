package repository

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Blob identifies stored content by its sha256 (lowercase hex) and size in
// bytes.
type Blob struct {
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// ValidSHA256 reports whether s is 64 lowercase hex digits.
func ValidSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func checkSHA(sha string) error {
	if !ValidSHA256(sha) {
		return fmt.Errorf("sha256 %q: %w", sha, ErrInvalid)
	}
	return nil
}

func (d *DB) blobPath(sha string) string {
	return filepath.Join(d.blobDir, sha[:2], sha)
}

// BlobPath returns the file holding blob sha, for callers that must hand a
// path to another program (the file must be treated as read-only). It
// returns ErrNotFound if the blob is absent. Unlike OpenBlob it does not
// verify the content.
func (d *DB) BlobPath(_ context.Context, sha string) (string, error) {
	if err := d.check(); err != nil {
		return "", err
	}
	if err := checkSHA(sha); err != nil {
		return "", err
	}
	p := d.blobPath(sha)
	if _, err := os.Stat(p); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("blob %s: %w", sha, ErrNotFound)
		}
		return "", fmt.Errorf("blob %s: %w", sha, err)
	}
	return p, nil
}

// PutBlob stores the content of r and returns its address. The content is
// written to a temporary file, fsynced, and renamed into place, so a crash
// or error never leaves a partial blob under its hash. Content larger than
// Config.MaxBlobSize fails with ErrTooLarge; a full disk with ErrNoSpace.
// Storing content that already exists is cheap to reason about: the file is
// replaced by the fresh copy (repairing a corrupt one) and its GC grace
// period restarts.
func (d *DB) PutBlob(ctx context.Context, r io.Reader) (b Blob, err error) {
	if err := d.check(); err != nil {
		return Blob{}, err
	}
	d.gcMu.RLock()
	defer d.gcMu.RUnlock()
	b, err = d.putBlob(ctx, r, "")
	if err != nil {
		return Blob{}, fmt.Errorf("put blob: %w", classify(err))
	}
	return b, nil
}

// PutBlobVerified is PutBlob for content that claims to hash to want (an
// upload from a phone): if it does not, nothing is stored and the error
// wraps ErrHashMismatch.
func (d *DB) PutBlobVerified(ctx context.Context, want string, r io.Reader) (Blob, error) {
	if err := d.check(); err != nil {
		return Blob{}, err
	}
	if err := checkSHA(want); err != nil {
		return Blob{}, fmt.Errorf("put blob: %w", err)
	}
	d.gcMu.RLock()
	defer d.gcMu.RUnlock()
	b, err := d.putBlob(ctx, r, want)
	if err != nil {
		return Blob{}, fmt.Errorf("put blob %s: %w", want, classify(err))
	}
	return b, nil
}

// putBlob stores r; if want is not empty the content must hash to it.
func (d *DB) putBlob(ctx context.Context, r io.Reader, want string) (Blob, error) {
	f, err := os.CreateTemp(d.tmpDir, "put-*")
	if err != nil {
		return Blob{}, err
	}
	tmp := f.Name()
	committed, closed := false, false
	defer func() {
		if !closed {
			_ = f.Close()
		}
		if !committed {
			_ = os.Remove(tmp)
		}
	}()
	h := sha256.New()
	limit := d.cfg.MaxBlobSize
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(ctxReader{ctx, r}, limit+1))
	if err != nil {
		return Blob{}, err
	}
	if n > limit {
		return Blob{}, fmt.Errorf("more than %d bytes: %w", limit, ErrTooLarge)
	}
	if err := f.Chmod(0o644); err != nil {
		return Blob{}, err
	}
	if err := f.Sync(); err != nil {
		return Blob{}, err
	}
	closed = true
	if err := f.Close(); err != nil {
		return Blob{}, err
	}
	if err := ctx.Err(); err != nil {
		return Blob{}, err
	}
	sha := hex.EncodeToString(h.Sum(nil))
	if want != "" && sha != want {
		return Blob{}, fmt.Errorf("content hashes to %s: %w", sha, ErrHashMismatch)
	}
	shard := filepath.Join(d.blobDir, sha[:2])
	if err := os.Mkdir(shard, 0o755); err == nil {
		if err := syncDir(d.blobDir); err != nil {
			return Blob{}, err
		}
	} else if !errors.Is(err, fs.ErrExist) {
		return Blob{}, err
	}
	if err := os.Rename(tmp, filepath.Join(shard, sha)); err != nil {
		return Blob{}, err
	}
	committed = true
	if err := syncDir(shard); err != nil {
		// The blob is complete under its name; only its durability across
		// a power loss is in doubt. Report the error, keep the file.
		return Blob{}, err
	}
	return Blob{SHA256: sha, Size: n}, nil
}

// PutBlobBytes stores p; see PutBlob.
func (d *DB) PutBlobBytes(ctx context.Context, p []byte) (Blob, error) {
	return d.PutBlob(ctx, bytes.NewReader(p))
}

// OpenBlob opens blob sha for reading. The reader hashes what it returns and
// reports an error wrapping ErrCorrupt instead of io.EOF if the content does
// not match sha, so a caller that reads to EOF never accepts corrupt data
// (bytes already returned must be discarded on that error). A missing blob
// is ErrNotFound.
func (d *DB) OpenBlob(ctx context.Context, sha string) (io.ReadCloser, error) {
	if err := d.check(); err != nil {
		return nil, err
	}
	if err := checkSHA(sha); err != nil {
		return nil, err
	}
	f, err := os.Open(d.blobPath(sha))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("blob %s: %w", sha, ErrNotFound)
		}
		return nil, fmt.Errorf("open blob %s: %w", sha, err)
	}
	return &verifyReader{ctx: ctx, f: f, h: sha256.New(), sha: sha}, nil
}

// GetBlob returns the verified content of blob sha (ErrNotFound, ErrCorrupt).
func (d *DB) GetBlob(ctx context.Context, sha string) ([]byte, error) {
	rc, err := d.OpenBlob(ctx, sha)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.Close() }()
	var buf bytes.Buffer
	if fi, err := rc.(*verifyReader).f.Stat(); err == nil && fi.Size() < d.cfg.MaxBlobSize {
		buf.Grow(int(fi.Size()) + 1)
	}
	if _, err := buf.ReadFrom(rc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// VerifyBlob reads blob sha completely and checks its hash.
func (d *DB) VerifyBlob(ctx context.Context, sha string) error {
	rc, err := d.OpenBlob(ctx, sha)
	if err != nil {
		return err
	}
	defer func() { _ = rc.Close() }()
	_, err = io.Copy(io.Discard, rc)
	return err
}

// HasBlob reports whether blob sha exists (without verifying it) and
// restarts its GC grace period.
func (d *DB) HasBlob(ctx context.Context, sha string) (bool, error) {
	miss, err := d.MissingBlobs(ctx, []string{sha})
	if err != nil {
		return false, err
	}
	return len(miss) == 0, nil
}

// MissingBlobs returns the hashes in shas that are not stored, in input
// order; a phone uses it to upload only what the server lacks. Present blobs
// get a fresh GC grace period so they survive until referenced.
func (d *DB) MissingBlobs(ctx context.Context, shas []string) ([]string, error) {
	if err := d.check(); err != nil {
		return nil, err
	}
	for _, s := range shas {
		if err := checkSHA(s); err != nil {
			return nil, err
		}
	}
	d.gcMu.RLock()
	defer d.gcMu.RUnlock()
	missing := []string{}
	t := time.Now()
	for _, s := range shas {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p := d.blobPath(s)
		if err := os.Chtimes(p, t, t); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				missing = append(missing, s)
				continue
			}
			return nil, fmt.Errorf("missing blobs: %w", err)
		}
	}
	return missing, nil
}

// blobRefs lists every blob hash some record refers to.
const blobRefs = `
SELECT source_sha256 FROM tasks
UNION SELECT artifact_sha256 FROM tasks
UNION SELECT sha256 FROM resources
UNION SELECT apk_sha256 FROM jobs
UNION SELECT report_sha256 FROM jobs`

// GC removes blobs that no record refers to and that are older than
// Config.BlobGCGrace, returning how many it removed.
func (d *DB) GC(ctx context.Context) (int, error) {
	if err := d.check(); err != nil {
		return 0, err
	}
	d.gcMu.Lock()
	defer d.gcMu.Unlock()
	if err := d.check(); err != nil { // Close ran while we waited
		return 0, err
	}
	refs := map[string]bool{}
	rows, err := d.r.QueryContext(ctx, blobRefs)
	if err != nil {
		return 0, fmt.Errorf("gc: %w", err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			_ = rows.Close()
			return 0, fmt.Errorf("gc: %w", err)
		}
		refs[s] = true
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("gc: %w", err)
	}
	cutoff := time.Now().Add(-d.cfg.BlobGCGrace)
	shards, err := os.ReadDir(d.blobDir)
	if err != nil {
		return 0, fmt.Errorf("gc: %w", err)
	}
	removed := 0
	for _, sh := range shards {
		if !sh.IsDir() || len(sh.Name()) != 2 {
			continue
		}
		dir := filepath.Join(d.blobDir, sh.Name())
		ents, err := os.ReadDir(dir)
		if err != nil {
			return removed, fmt.Errorf("gc: %w", err)
		}
		n := 0
		for _, e := range ents {
			if err := ctx.Err(); err != nil {
				return removed, fmt.Errorf("gc: %w", err)
			}
			name := e.Name()
			if !ValidSHA256(name) || refs[name] {
				continue
			}
			fi, err := e.Info()
			if err != nil || fi.ModTime().After(cutoff) {
				continue
			}
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				return removed, fmt.Errorf("gc: %w", err)
			}
			d.log.Debug("gc removed blob", "sha256", name, "size", fi.Size())
			removed++
			n++
		}
		if n > 0 {
			if err := syncDir(dir); err != nil {
				return removed, fmt.Errorf("gc: %w", err)
			}
		}
	}
	return removed, nil
}

// ctxReader stops a copy when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// verifyReader hashes a blob while it is read and checks it at EOF.
type verifyReader struct {
	ctx context.Context
	f   *os.File
	h   hash.Hash
	sha string
	err error // sticky result once EOF was seen
}

func (v *verifyReader) Read(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	if err := v.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := v.f.Read(p)
	v.h.Write(p[:n])
	if errors.Is(err, io.EOF) {
		if got := hex.EncodeToString(v.h.Sum(nil)); got != v.sha {
			v.err = fmt.Errorf("blob %s: content hashes to %s: %w", v.sha, got, ErrCorrupt)
		} else {
			v.err = io.EOF
		}
		return n, v.err
	}
	if err != nil {
		return n, fmt.Errorf("read blob %s: %w", v.sha, err)
	}
	return n, nil
}

func (v *verifyReader) Close() error { return v.f.Close() }

// SHA256Hex returns the blob address of p.
func SHA256Hex(p []byte) string {
	s := sha256.Sum256(p)
	return hex.EncodeToString(s[:])
}
