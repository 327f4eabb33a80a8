package unikernel_test

import (
	"context"
	"fmt"
	"log"

	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
	_ "github.com/mamoc-go/mamoc/unikernel-runtime/builtin" // registers the "process" driver
)

// Example compiles a MAMoC-shaped task inside a sandboxed instance and invokes it.
func Example() {
	rt, err := unikernel.New(unikernel.Config{}, nil) // process driver, default limits and pool
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = rt.Close() }()
	ctx := context.Background()
	art, err := rt.Compile(ctx, "com.example.app", map[string]string{"demo.Fib": `package demo;
public class Fib {
    private final int n;
    public Fib(int n) { this.n = n; }
    public long run() { long a = 0, b = 1; for (int i = 0; i < n; i++) { long t = a + b; a = b; b = t; } return a; }
}`})
	if err != nil {
		log.Fatal(err)
	}
	res, err := rt.Invoke(ctx, unikernel.Call{Group: "com.example.app", Artifact: art, Class: "demo.Fib", Args: []any{"50"}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Output, string(res.JSON))
	// Output: 12586269025 12586269025
}
