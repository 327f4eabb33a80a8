package transform

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// FuzzTransform checks that Transform never panics and that what it accepts
// parses, has a valid FQCN and names a class present in the source.
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
		task, err := Transform(src, Options{RPCName: "a.b.C"})
		if err != nil {
			return
		}
		if err := ValidateFQCN(task.FQCN); err != nil {
			t.Errorf("Transform(%q).FQCN = %q: %v", src, task.FQCN, err)
		}
		if err := checkSyntax([]byte(task.Source)); err != nil {
			t.Errorf("Transform(%q).Source does not parse: %v", src, err)
		}
		if _, err := findTaskClass([]byte(task.Source), []string{task.ClassName}); err != nil {
			t.Errorf("Transform(%q).Source has no task class: %v", src, err)
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
			task, err := Transform(srcs[i%len(srcs)], Options{})
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
