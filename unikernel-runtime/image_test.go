package unikernel_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
)

// TestBuildImageConcurrent builds one image from three builders at once into a fresh directory:
// all must get the same ready image and no temporary directory may remain.
func TestBuildImageConcurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("builds an image")
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	ims := make([]*unikernel.Image, 3)
	errs := make([]error, 3)
	for i := range ims {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ims[i], errs[i] = unikernel.BuildImage(ctx, dir, "")
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("builder %d: %v", i, err)
		}
		if ims[i].Hash != ims[0].Hash || ims[i].RootFS != ims[0].RootFS {
			t.Errorf("builder %d got %+v, want %+v", i, ims[i], ims[0])
		}
	}
	for _, p := range []string{"jre/bin/java", "agent/agent.jar", "agent/shims.jar", "agent/agent.jsa", "lib64/ld-linux-x86-64.so.2"} {
		if _, err := os.Stat(filepath.Join(ims[0].RootFS, p)); err != nil {
			t.Errorf("image lacks %s: %v", p, err)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".build-*")); len(left) > 0 {
		t.Errorf("temporary build directories left: %v", left)
	}
}
