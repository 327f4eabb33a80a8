package client_test

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	client "github.com/mamoc-go/mamoc/client-android"
	"github.com/mamoc-go/mamoc/refactor"
)

// refactorServer runs a real refactor.Manager (no linking) behind httptest.
func refactorServer(t *testing.T) string {
	t.Helper()
	m, err := refactor.New(refactor.Config{DisableLink: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	srv := httptest.NewServer(m.Handler())
	t.Cleanup(func() {
		srv.Close()
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v", err)
		}
		_ = m.Close()
	})
	return srv.URL
}

func TestRefactorCLI(t *testing.T) {
	url := refactorServer(t)
	dir := t.TempDir()
	notAPK := filepath.Join(dir, "bad.apk")
	if err := os.WriteFile(notAPK, []byte("not a zip"), 0o600); err != nil {
		t.Fatal(err)
	}
	apk := filepath.Join("..", "refactor", "testdata", "TestActivity.apk")
	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     []string
		stderr     []string
		noProgress bool
	}{
		{"ok flags after file", []string{"refactor", apk, "--server", url, "--poll", "10ms"}, 0,
			[]string{"app: tests.androguard", "top candidates", "TestQuickSort2.quicksort", "procedures:", "mamoc.app.tests.androguard.RC4.rc4_crypt(byte[], byte[]) void [static]", "/report"},
			[]string{"100%"}, false},
		{"ok flags before file", []string{"refactor", "--server", url, "--poll=10ms", apk}, 0, []string{"classes: 340"}, []string{"] 100%"}, false},
		{"job fails", []string{"refactor", notAPK, "--server", url, "--poll", "10ms"}, 1, nil, []string{"failed", "not a zip"}, false},
		{"no file", []string{"refactor", "--server", url}, 2, nil, []string{"usage: mamoc refactor"}, true},
		{"missing file", []string{"refactor", filepath.Join(dir, "nope.apk"), "--server", url}, 1, nil, []string{"no such file"}, true},
		{"unreachable", []string{"refactor", apk, "--server", "http://127.0.0.1:1"}, 1, nil, []string{"upload:"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := client.Main(context.Background(), tt.args, &stdout, &stderr)
			if code != tt.code {
				t.Fatalf("Main(%v) = %d, want %d\nstdout: %s\nstderr: %s", tt.args, code, tt.code, &stdout, &stderr)
			}
			for _, want := range tt.stdout {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("stdout lacks %q:\n%s", want, &stdout)
				}
			}
			for _, want := range tt.stderr {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, &stderr)
				}
			}
			if tt.noProgress && strings.Contains(stderr.String(), "%") {
				t.Errorf("stderr has a progress bar: %s", &stderr)
			}
		})
	}
}
