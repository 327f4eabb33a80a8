package sandbox

import (
	"context"
	"sync"

	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
)

// Task is one running instance as a driver keeps it.
type Task interface {
	// Kill kills the instance; Done is closed once it has exited.
	Kill()
	// Cleanup releases what the instance held and removes it from its Tasks; it runs once.
	Cleanup()
	// Usage returns the instance's CPU and memory use.
	Usage() (unikernel.TaskUsage, error)
	// Done is closed when the instance has exited.
	Done() <-chan struct{}
	// Result is the instance's exit; it is valid once Done is closed.
	Result() unikernel.ExitResult
}

// Exit is the exit of a watched process; embed it in a Task for Done and Result.
type Exit struct {
	done chan struct{} // closed when wait has returned
	res  unikernel.ExitResult
}

// Watch starts a goroutine that calls wait (typically exec.Cmd.Wait) and records its result. The
// goroutine ends when wait returns: the driver ends it by killing the process.
func Watch(wait func() error) *Exit {
	e := &Exit{done: make(chan struct{})}
	go func() {
		e.res = unikernel.ExitResultOf(wait())
		close(e.done)
	}()
	return e
}

// Done is closed when wait has returned.
func (e *Exit) Done() <-chan struct{} { return e.done }

// Result is wait's result; it is valid once Done is closed.
func (e *Exit) Result() unikernel.ExitResult { return e.res }

// Tasks is a driver's table of running tasks keyed by task id.
type Tasks[T Task] struct {
	notFound error // returned for unknown ids

	mu sync.Mutex // guards m
	m  map[string]T
}

// NewTasks returns an empty table whose lookups of unknown ids fail with notFound.
func NewTasks[T Task](notFound error) *Tasks[T] {
	return &Tasks[T]{notFound: notFound, m: map[string]T{}}
}

// Get returns the task id, or the table's not-found error.
func (s *Tasks[T]) Get(id string) (T, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.m[id]
	if !ok {
		var zero T
		return zero, s.notFound
	}
	return t, nil
}

// Add records t under id.
func (s *Tasks[T]) Add(id string, t T) {
	s.mu.Lock()
	s.m[id] = t
	s.mu.Unlock()
}

// Remove forgets id.
func (s *Tasks[T]) Remove(id string) {
	s.mu.Lock()
	delete(s.m, id)
	s.mu.Unlock()
}

// Stop kills the task, waits for it to exit and cleans it up; unknown ids are fine.
func (s *Tasks[T]) Stop(ctx context.Context, id string) error {
	t, err := s.Get(id)
	if err != nil {
		return nil
	}
	t.Kill()
	select {
	case <-t.Done():
	case <-ctx.Done():
		return ctx.Err()
	}
	t.Cleanup()
	return nil
}

// Wait waits for the task to exit; the result counts it OOM-killed when its usage shows an OOM kill.
func (s *Tasks[T]) Wait(ctx context.Context, id string) (unikernel.ExitResult, error) {
	t, err := s.Get(id)
	if err != nil {
		return unikernel.ExitResult{}, err
	}
	select {
	case <-t.Done():
		ex := t.Result()
		if u, err := t.Usage(); err == nil && u.OOMKills > 0 {
			ex.OOMKilled = true
		}
		return ex, nil
	case <-ctx.Done():
		return unikernel.ExitResult{}, ctx.Err()
	}
}

// Inspect returns the task's usage.
func (s *Tasks[T]) Inspect(id string) (unikernel.TaskUsage, error) {
	t, err := s.Get(id)
	if err != nil {
		return unikernel.TaskUsage{}, err
	}
	return t.Usage()
}

// Close stops every task.
func (s *Tasks[T]) Close() {
	s.mu.Lock()
	ids := make([]string, 0, len(s.m))
	for id := range s.m {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	for _, id := range ids {
		_ = s.Stop(context.Background(), id)
	}
}
