package process_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
	"github.com/mamoc-go/mamoc/unikernel-runtime/unikerneltest"
)

// finishOrder runs calls at once, each started after the previous one is queued or running
// (started waits for the runtime to see it), and returns their names in the order they finished.
func finishOrder(t *testing.T, rt *unikernel.Runtime, calls []scheduled) []string {
	t.Helper()
	var (
		mu    sync.Mutex // guards order
		order []string
		wg    sync.WaitGroup
	)
	for i, c := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := rt.Invoke(context.Background(), c.call); err != nil {
				t.Errorf("%s: Invoke = %v", c.name, err)
			}
			mu.Lock()
			order = append(order, c.name)
			mu.Unlock()
		}()
		// wait until the runtime holds this call (running or queued) before the next arrives
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if s := rt.Stats(); s.Running+s.Queued == i+1 {
				break
			}
		}
	}
	wg.Wait()
	return order
}

type scheduled struct {
	name string
	call unikernel.Call
}

func sleepCall(app, owner string, art unikernel.Artifact, ms int) unikernel.Call {
	return unikernel.Call{Group: app, Owner: owner, Artifact: art, Class: "demo.Sleep", Args: []any{ms}}
}

// TestNoHeadOfLineBlocking: app a's second call waits for a's only instance; a call of app b,
// arriving after it, runs at once on a free slot and finishes before a's first call.
func TestNoHeadOfLineBlocking(t *testing.T) {
	rt := unikerneltest.NewRuntime(t, newDriver(t), unikernel.Config{Spare: -1, MaxConcurrent: 4, MaxInstances: 4,
		MaxPerApp: 1, InstanceConcurrency: 1}, nil)
	artA := unikerneltest.Compile(t, rt, "a")
	artB := unikerneltest.Compile(t, rt, "b")
	order := finishOrder(t, rt, []scheduled{
		{"a1", sleepCall("a", "phone-1", artA, 5000)},
		{"a2", sleepCall("a", "phone-1", artA, 10)},
		{"b1", sleepCall("b", "phone-2", artB, 10)},
	})
	if fmt.Sprint(order) != "[b1 a1 a2]" {
		t.Errorf("finish order = %v, want [b1 a1 a2]: b1 must not wait behind a2", order)
	}
}

// TestFairShareAcrossOwners: with one slot, phone-1 queues four calls before phone-2 queues one;
// phone-2's call runs next, not after all of phone-1's.
func TestFairShareAcrossOwners(t *testing.T) {
	rt := unikerneltest.NewRuntime(t, newDriver(t), unikernel.Config{Spare: -1, MaxConcurrent: 1, MaxInstances: 2,
		MaxPerApp: 1, InstanceConcurrency: 1}, nil)
	art := unikerneltest.Compile(t, rt, "fair")
	calls := []scheduled{{"p1-0", sleepCall("fair", "phone-1", art, 1000)}}
	for i := 1; i <= 4; i++ {
		calls = append(calls, scheduled{fmt.Sprintf("p1-%d", i), sleepCall("fair", "phone-1", art, 10)})
	}
	calls = append(calls, scheduled{"p2-0", sleepCall("fair", "phone-2", art, 10)})
	order := finishOrder(t, rt, calls)
	if len(order) != 6 || order[0] != "p1-0" || order[1] != "p2-0" {
		t.Errorf("finish order = %v, want p1-0 then p2-0 before phone-1's queued calls", order)
	}
}
