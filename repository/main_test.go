package repository_test

import (
	"context"
	"log/slog"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/mamoc-go/mamoc/repository"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(dir) // never returns
	}
	if dir := os.Getenv(groupCommitChildEnv); dir != "" {
		groupCommitChild(dir) // never returns
	}
	goleak.VerifyTestMain(m)
}

// tlogWriter sends log lines to t.Log.
type tlogWriter struct{ t testing.TB }

func (w tlogWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(p))
	return len(p), nil
}

// openDB opens a repository in a fresh temp dir, closed at cleanup.
func openDB(t testing.TB, cfg repository.Config) *repository.DB {
	t.Helper()
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(tlogWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	db, err := repository.OpenConfig(context.Background(), cfg)
	if err != nil {
		t.Fatalf("OpenConfig(%s) = %v", cfg.Dir, err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
	})
	return db
}

func sha(b []byte) string { return repository.SHA256Hex(b) }
