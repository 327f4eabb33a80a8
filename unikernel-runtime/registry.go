package unikernel

import (
	"fmt"
	"sort"
	"sync"
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

// RegisterForTest registers a driver for the duration of the test, replacing any under that name,
// and restores the previous one through t.Cleanup. t is a *testing.T, *testing.B or *testing.F;
// it is taken as the two methods used so that production code does not import testing.
func RegisterForTest(t interface {
	Cleanup(func())
	Helper()
}, name string, newDriver func() (Driver, error)) {
	t.Helper()
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
