package repository_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mamoc-go/mamoc/repository"
)

// blobFile is where the store keeps blob s inside data directory dir.
func blobFile(dir, s string) string { return filepath.Join(dir, "blobs", s[:2], s) }

// assertNoTemp fails if a temporary file was left behind.
func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(dir, "tmp"))
	if err != nil && !errors.Is(err, os.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
		t.Fatal(err)
	}
	if len(ents) != 0 {
		t.Errorf("tmp/ holds %d files after a failed put, want 0", len(ents))
	}
}

func TestBlobRoundTrip(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, repository.Config{})
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"small", []byte("class Fib {}")},
		{"1MiB", bytes.Repeat([]byte{1, 2, 3, 4, 5, 6, 7}, 1<<20/7+1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := db.PutBlob(ctx, bytes.NewReader(tc.data))
			if err != nil {
				t.Fatal(err)
			}
			if want := (repository.Blob{SHA256: sha(tc.data), Size: int64(len(tc.data))}); b != want {
				t.Fatalf("PutBlob = %+v, want %+v", b, want)
			}
			got, err := db.GetBlob(ctx, b.SHA256)
			if err != nil || !bytes.Equal(got, tc.data) {
				t.Fatalf("GetBlob = %d bytes, %v, want %d bytes", len(got), err, len(tc.data))
			}
			rc, err := db.OpenBlob(ctx, b.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			got, err = io.ReadAll(rc)
			_ = rc.Close()
			if err != nil || !bytes.Equal(got, tc.data) {
				t.Fatalf("OpenBlob read = %d bytes, %v", len(got), err)
			}
			if ok, err := db.HasBlob(ctx, b.SHA256); !ok || err != nil {
				t.Errorf("HasBlob = %v, %v, want true", ok, err)
			}
			if p, err := db.BlobPath(ctx, b.SHA256); err != nil || p != blobFile(db.Dir(), b.SHA256) {
				t.Errorf("BlobPath = %q, %v", p, err)
			}
			// Storing the same content again is fine and yields the same address.
			if again, err := db.PutBlobBytes(ctx, tc.data); err != nil || again != b {
				t.Errorf("PutBlobBytes(again) = %+v, %v, want %+v", again, err, b)
			}
		})
	}
	missing, err := db.MissingBlobs(ctx, []string{sha(nil), shaA, sha([]byte("class Fib {}")), shaB})
	if err != nil || strings.Join(missing, ",") != shaA+","+shaB {
		t.Errorf("MissingBlobs = %v, %v, want [A B]", missing, err)
	}
	if _, err := db.MissingBlobs(ctx, []string{"../../etc/passwd"}); !errors.Is(err, repository.ErrInvalid) {
		t.Errorf("MissingBlobs(path) = %v, want ErrInvalid", err)
	}
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"GetBlob", func() error { _, err := db.GetBlob(ctx, shaA); return err }()},
		{"OpenBlob", func() error { _, err := db.OpenBlob(ctx, shaA); return err }()},
		{"BlobPath", func() error { _, err := db.BlobPath(ctx, shaA); return err }()},
	} {
		if !errors.Is(tc.err, repository.ErrNotFound) {
			t.Errorf("%s(missing) = %v, want ErrNotFound", tc.name, tc.err)
		}
	}
}

func TestBlobCorrupt(t *testing.T) {
	ctx := context.Background()
	data := bytes.Repeat([]byte("resource bytes "), 1000)
	tests := []struct {
		name    string
		corrupt func(path string) error
	}{
		{"flipped byte", func(p string) error {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			b[len(b)/2] ^= 0x40
			return os.WriteFile(p, b, 0o644)
		}},
		{"truncated", func(p string) error { return os.Truncate(p, int64(len(data)-1)) }},
		{"appended", func(p string) error {
			f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			_, err = f.Write([]byte{0})
			return errors.Join(err, f.Close())
		}},
		{"emptied", func(p string) error { return os.Truncate(p, 0) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := openDB(t, repository.Config{})
			b, err := db.PutBlobBytes(ctx, data)
			if err != nil {
				t.Fatal(err)
			}
			if err := tc.corrupt(blobFile(db.Dir(), b.SHA256)); err != nil {
				t.Fatal(err)
			}
			if _, err := db.GetBlob(ctx, b.SHA256); !errors.Is(err, repository.ErrCorrupt) {
				t.Errorf("GetBlob = %v, want ErrCorrupt", err)
			}
			rc, err := db.OpenBlob(ctx, b.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			_, err = io.Copy(io.Discard, rc)
			_ = rc.Close()
			if !errors.Is(err, repository.ErrCorrupt) {
				t.Errorf("OpenBlob read to EOF = %v, want ErrCorrupt", err)
			}
			if err := db.VerifyBlob(ctx, b.SHA256); !errors.Is(err, repository.ErrCorrupt) {
				t.Errorf("VerifyBlob = %v, want ErrCorrupt", err)
			}
			// Putting the content again repairs the blob.
			if _, err := db.PutBlobBytes(ctx, data); err != nil {
				t.Fatal(err)
			}
			if got, err := db.GetBlob(ctx, b.SHA256); err != nil || !bytes.Equal(got, data) {
				t.Errorf("GetBlob after repair = %d bytes, %v", len(got), err)
			}
		})
	}
}

func TestBlobTooLarge(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, repository.Config{MaxBlobSize: 1000})
	tests := []struct {
		size int
		ok   bool
	}{{999, true}, {1000, true}, {1001, false}, {1 << 20, false}}
	for _, tc := range tests {
		b, err := db.PutBlob(ctx, bytes.NewReader(make([]byte, tc.size)))
		if tc.ok && (err != nil || b.Size != int64(tc.size)) {
			t.Errorf("PutBlob(%d bytes) = %+v, %v, want ok", tc.size, b, err)
		}
		if !tc.ok {
			if !errors.Is(err, repository.ErrTooLarge) {
				t.Errorf("PutBlob(%d bytes) = %v, want ErrTooLarge", tc.size, err)
			}
			if ok, _ := db.HasBlob(ctx, sha(make([]byte, tc.size))); ok {
				t.Errorf("HasBlob(too large) = true")
			}
		}
	}
	assertNoTemp(t, db.Dir())
}

// failingReader returns some data, then an error.
type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, syscall.EIO
	}
	n := min(len(p), r.n)
	r.n -= n
	return n, nil
}

func TestBlobWriteErrors(t *testing.T) {
	ctx := context.Background()
	data := []byte("content whose shard dir is blocked")
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		put   func(db *repository.DB) error
		want  error
	}{
		{"reader fails", nil, func(db *repository.DB) error {
			_, err := db.PutBlob(ctx, &failingReader{n: 10000})
			return err
		}, syscall.EIO},
		{"context cancelled", nil, func(db *repository.DB) error {
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			_, err := db.PutBlob(cctx, &failingReader{n: 10000})
			return err
		}, context.Canceled},
		{"tmp is a file", func(t *testing.T, dir string) {
			tmp := filepath.Join(dir, "tmp")
			if err := os.Remove(tmp); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(tmp, nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}, func(db *repository.DB) error { _, err := db.PutBlobBytes(ctx, data); return err }, syscall.ENOTDIR},
		{"shard dir is a file", func(t *testing.T, dir string) {
			s := sha(data)
			if err := os.WriteFile(filepath.Join(dir, "blobs", s[:2]), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}, func(db *repository.DB) error { _, err := db.PutBlobBytes(ctx, data); return err }, syscall.ENOTDIR},
		{"read-only tmp (non-root only)", func(t *testing.T, dir string) {
			if os.Geteuid() == 0 {
				t.Skip("root ignores directory permissions")
			}
			if err := os.Chmod(filepath.Join(dir, "tmp"), 0o500); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = os.Chmod(filepath.Join(dir, "tmp"), 0o755) })
		}, func(db *repository.DB) error { _, err := db.PutBlobBytes(ctx, data); return err }, os.ErrPermission},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := openDB(t, repository.Config{})
			if tc.setup != nil {
				tc.setup(t, db.Dir())
			}
			err := tc.put(db)
			if !errors.Is(err, tc.want) {
				t.Fatalf("put = %v, want %v", err, tc.want)
			}
			assertNoTemp(t, db.Dir())
			if ok, _ := db.HasBlob(ctx, sha(data)); ok {
				t.Errorf("HasBlob after failed put = true")
			}
		})
	}
}

// TestDiskFull fills a tiny tmpfs: blob puts and execution inserts fail
// with ErrNoSpace and leave no partial blob or row behind.
func TestDiskFull(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=1m"); err != nil {
		t.Skipf("cannot mount a tmpfs (%v); disk-full test needs CAP_SYS_ADMIN", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount: %v", err)
		}
	})
	ctx := context.Background()
	db, err := repository.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := db.Close(); err != nil && !errors.Is(err, repository.ErrNoSpace) {
			t.Errorf("Close = %v", err)
		}
	}()
	big := bytes.Repeat([]byte("x"), 2<<20)
	if _, err := db.PutBlobBytes(ctx, big); !errors.Is(err, repository.ErrNoSpace) {
		t.Fatalf("PutBlobBytes(2MiB on 1MiB fs) = %v, want ErrNoSpace", err)
	}
	assertNoTemp(t, dir)
	if ok, _ := db.HasBlob(ctx, sha(big)); ok {
		t.Fatal("HasBlob(partial) = true")
	}
	// Fill the disk with executions until SQLite reports it full.
	var inserted []string
	msg := strings.Repeat("m", 8<<10)
	var ferr error
	for i := 0; i < 1000 && ferr == nil; i++ {
		var e repository.Execution
		e, ferr = db.InsertExecution(ctx, repository.Execution{Task: "fill", ErrorMessage: msg})
		if ferr == nil {
			inserted = append(inserted, e.ID)
		}
	}
	if !errors.Is(ferr, repository.ErrNoSpace) {
		t.Fatalf("InsertExecution on a full disk = %v, want ErrNoSpace", ferr)
	}
	t.Logf("disk full after %d executions: %v", len(inserted), ferr)
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Errorf("IntegrityCheck on full disk = %v", err)
	}
	got, err := db.ListExecutions(ctx, repository.ExecutionFilter{Task: "fill", Limit: 10000})
	if err != nil || len(got) != len(inserted) {
		t.Errorf("ListExecutions = %d rows, %v, want %d (no half-written row)", len(got), err, len(inserted))
	}
}

func TestGC(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, repository.Config{BlobGCGrace: time.Nanosecond})
	put := func(s string) string {
		b, err := db.PutBlobBytes(ctx, []byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b.SHA256
	}
	apk, src, art, res, report, garbage1, garbage2 := put("apk"), put("src"), put("art"), put("res"), put("report"), put("g1"), put("g2")
	if _, err := db.PutTask(ctx, repository.Task{FQCN: "p.T", SourceSHA256: src, ArtifactSHA256: art}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutResource(ctx, repository.Resource{Namespace: "p", Name: "r", SHA256: res}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateJob(ctx, repository.Job{APKSHA256: apk, ReportSHA256: report}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond) // let the 1ns grace pass on coarse clocks
	n, err := db.GC(ctx)
	if err != nil || n != 2 {
		t.Fatalf("GC() = %d, %v, want 2", n, err)
	}
	for _, tc := range []struct {
		sha  string
		kept bool
	}{{apk, true}, {src, true}, {art, true}, {res, true}, {report, true}, {garbage1, false}, {garbage2, false}} {
		if ok, err := db.HasBlob(ctx, tc.sha); err != nil || ok != tc.kept {
			t.Errorf("HasBlob(%s) after GC = %v, %v, want %v", tc.sha[:8], ok, err, tc.kept)
		}
	}
	// Dropping the last reference makes the blob garbage.
	if err := db.DeleteResource(ctx, "p", "r"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	if n, err := db.GC(ctx); err != nil || n != 1 {
		t.Errorf("GC() after delete = %d, %v, want 1", n, err)
	}
}

func TestGCGraceProtectsFreshBlobs(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, repository.Config{}) // default grace: 1h
	b, err := db.PutBlobBytes(ctx, []byte("just uploaded"))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := db.GC(ctx); err != nil || n != 0 {
		t.Errorf("GC() = %d, %v, want 0 (fresh blob)", n, err)
	}
	// An old unreferenced blob goes, unless someone just asked for it.
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(blobFile(db.Dir(), b.SHA256), old, old); err != nil {
		t.Fatal(err)
	}
	if ok, err := db.HasBlob(ctx, b.SHA256); !ok || err != nil {
		t.Fatalf("HasBlob = %v, %v", ok, err)
	}
	if n, err := db.GC(ctx); err != nil || n != 0 {
		t.Errorf("GC() after HasBlob = %d, %v, want 0", n, err)
	}
	if err := os.Chtimes(blobFile(db.Dir(), b.SHA256), old, old); err != nil {
		t.Fatal(err)
	}
	if n, err := db.GC(ctx); err != nil || n != 1 {
		t.Errorf("GC() of old blob = %d, %v, want 1", n, err)
	}
}

func TestPutBlobVerified(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, repository.Config{})
	data := []byte("uploaded by a phone")
	tests := []struct {
		name string
		want string
		err  error
	}{
		{"match", sha(data), nil},
		{"mismatch", shaA, repository.ErrHashMismatch},
		{"not a hash", "abc", repository.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := db.PutBlobVerified(ctx, tc.want, bytes.NewReader(data))
			if !errors.Is(err, tc.err) {
				t.Fatalf("PutBlobVerified(%.8s) = %+v, %v, want %v", tc.want, b, err, tc.err)
			}
			if err == nil && b.SHA256 != tc.want {
				t.Errorf("PutBlobVerified = %+v, want sha %s", b, tc.want)
			}
			assertNoTemp(t, db.Dir())
		})
	}
	if ok, _ := db.HasBlob(ctx, shaA); ok {
		t.Error("HasBlob(claimed sha of mismatched upload) = true")
	}
}
