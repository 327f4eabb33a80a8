package mobile_test

import (
	"os"
	"testing"

	"github.com/mamoc-go/mamoc/client-android/mobile"
)

// TestEndToEnd runs the facade against the mamoc server at MAMOC_E2E_URL; skipped without it.
func TestEndToEnd(t *testing.T) {
	url := os.Getenv("MAMOC_E2E_URL")
	if url == "" {
		t.Skip("MAMOC_E2E_URL not set")
	}
	c, err := mobile.NewClient(url, "", "")
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	defer func() { _ = c.Close() }()
	src, err := os.ReadFile("../../examples/kmp/KMP.java")
	if err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile("../../examples/testdata/small.txt")
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.Deploy(string(src))
	if err != nil || !d.ResourceDependent || d.CtorParamsJSON == "" {
		t.Fatalf("Deploy(KMP.java) = %+v, %v", d, err)
	}
	if _, err := c.PutResource("small.txt", text); err != nil {
		t.Fatalf("PutResource: %v", err)
	}
	r, err := c.Run(d.Task, `["the"]`, "small.txt", 30000)
	if err != nil || r.Output != "6282" {
		t.Errorf("Run(KMP, the) = %+v, %v, want 6282", r, err)
	}
	if s, err := c.Stats(); err != nil || s.Cores == 0 {
		t.Errorf("Stats = %+v, %v", s, err)
	}
}
