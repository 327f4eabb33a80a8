package unikernel

import (
	"fmt"
	"sort"
	"sync"
	"testing"
)

var (
	registryMu sync.Mutex // guards registry
	registry   = map[string]func() (Driver, error){}
)

// Register adds a driver constructor under name; it panics on duplicates.
func Register(name string, newDriver func() (Driver, error)) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[name]; dup {
		panic(fmt.Sprintf("unikernel: driver %q registered twice", name))
	}
	registry[name] = newDriver
}

// RegisterForTest registers a driver for the duration of the test, replacing any under that name.
func RegisterForTest(t testing.TB, name string, newDriver func() (Driver, error)) {
	registryMu.Lock()
	prev, had := registry[name]
	registry[name] = newDriver
	registryMu.Unlock()
	t.Cleanup(func() {
		registryMu.Lock()
		defer registryMu.Unlock()
		if had {
			registry[name] = prev
		} else {
			delete(registry, name)
		}
	})
}

// Drivers lists the registered driver names.
func Drivers() []string {
	registryMu.Lock()
	defer registryMu.Unlock()
	var names []string
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func lookupDriver(name string) (func() (Driver, error), error) {
	registryMu.Lock()
	defer registryMu.Unlock()
	f, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("driver %q (import unikernel-runtime/builtin): %w", name, ErrUnknownDriver)
	}
	return f, nil
}
