package tasks_test

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mamoc-go/mamoc/examples/tasks"
)

func TestReadTestdata(t *testing.T) {
	b, err := tasks.ReadTestdata("small.txt")
	if err != nil || len(b) != 210384 {
		t.Errorf("ReadTestdata(small.txt) = %d bytes, %v, want 210384", len(b), err)
	}
	if _, err := tasks.ReadTestdata("no-such-file"); err == nil {
		t.Error("ReadTestdata(no-such-file) succeeded")
	}
}

// TestOffloadEndToEnd offloads KMP.java to the server at MAMOC_E2E_URL; skipped without it.
func TestOffloadEndToEnd(t *testing.T) {
	url := os.Getenv("MAMOC_E2E_URL")
	if url == "" {
		t.Skip("MAMOC_E2E_URL not set")
	}
	src, err := os.ReadFile("../kmp/KMP.java")
	if err != nil {
		t.Fatal(err)
	}
	text, err := tasks.ReadTestdata("small.txt")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	for _, tt := range []struct {
		pattern string
		want    int
	}{{"the", 6282}, {"lighthouse keeper", 85}} {
		var out bytes.Buffer
		err := tasks.Offload(ctx, &out, tasks.Remote{Server: url, Source: string(src), ResourceName: "small.txt",
			Resource: text, Params: []any{tt.pattern}})
		if err != nil {
			t.Fatalf("Offload(KMP, %q) = %v\n%s", tt.pattern, err, out.String())
		}
		if local := tasks.KMP(string(text), tt.pattern); local != tt.want || !strings.Contains(out.String(), "output: "+strconv.Itoa(tt.want)+"\n") {
			t.Errorf("Offload(KMP, %q) printed\n%s\nwant output %d (local %d)", tt.pattern, out.String(), tt.want, local)
		}
	}
}
