package transform_test

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/mamoc-go/mamoc/transform"
)

// FuzzTransform checks that Transform never panics, and that what it accepts
// has a valid FQCN and transforms again to itself.
func FuzzTransform(f *testing.F) {
	for _, ex := range examples {
		b, err := os.ReadFile(filepath.Join("..", "examples", ex.dir, ex.file))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add(sayHello)
	f.Add(shimTask)
	f.Add("class A { A() { this = new Object(); /* synthetic */ } public void run() {} }")
	f.Add("public class A { public A() { this = /* renamed from: x */ new Object(); } public void run() {} }")
	f.Add("@Offloadable @Offloadable public class A { public void run() { new Object().run(); } }")
	f.Add("import android.widget.*; public class A { public void run() {} }")
	f.Fuzz(func(t *testing.T, src string) {
		task, err := transform.Transform(src, transform.Options{RPCName: "a.b.C"})
		if err != nil {
			return
		}
		if err := transform.ValidateFQCN(task.FQCN); err != nil {
			t.Errorf("Transform(%q).FQCN = %q: %v", src, task.FQCN, err)
		}
		// The output is itself acceptable input and transforms to the same task.
		again, err := transform.Transform(task.Source, transform.Options{RPCName: task.FQCN})
		if err != nil {
			t.Fatalf("Transform(Transform(%q).Source) error: %v", src, err)
		}
		if again.FQCN != task.FQCN || again.Source != task.Source || again.RunReturnType != task.RunReturnType {
			t.Errorf("Transform is not idempotent on %q: %q -> %q", src, task.FQCN, again.FQCN)
		}
	})
}

// TestTransformConcurrent runs Transform from many goroutines (the server
// transforms each phone's publish concurrently); run it with -race.
func TestTransformConcurrent(t *testing.T) {
	var srcs []string
	for _, ex := range examples {
		srcs = append(srcs, readExample(t, ex.dir, ex.file))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ex := examples[i%len(examples)]
			task, err := transform.Transform(srcs[i%len(srcs)], transform.Options{})
			if err == nil && task.FQCN != ex.want.FQCN {
				t.Errorf("Transform(%s) in goroutine %d: FQCN = %q, want %q", ex.file, i, task.FQCN, ex.want.FQCN)
			}
			errs <- err
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Transform: %v", err)
		}
	}
}
