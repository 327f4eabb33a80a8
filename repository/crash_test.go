package repository_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mamoc-go/mamoc/repository"
)

// crashChildEnv names the data directory a re-executed test binary writes to
// until it is killed.
const crashChildEnv = "MAMOC_REPOSITORY_CRASH_CHILD"

// crashChild writes blobs, resources and executions forever, printing one
// line per commit after the call that committed it returned:
//
//	blob <sha> <size>
//	exec <id> <task> <param-digest> <exec-ns>     (inserted, queued)
//	fin <id> <exec-ns>                            (finished, done)
//	try <batch> <id,id,...>                       (before a batch insert)
//	batch <batch>                                 (batch committed)
//	res <name> <sha>
func crashChild(dir string) {
	ctx := context.Background()
	db, err := repository.OpenConfig(ctx, repository.Config{Dir: dir, MaxBlobSize: 1 << 20})
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(2)
	}
	var mu sync.Mutex // guards stdout so lines never interleave
	report := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if _, err := fmt.Fprintf(os.Stdout, format+"\n", args...); err != nil {
			os.Exit(3)
		}
	}
	fail := func(what string, err error) {
		fmt.Fprintln(os.Stderr, what+":", err)
		os.Exit(4)
	}
	pid := os.Getpid()
	go func() { // batches of executions
		r := rand.New(rand.NewPCG(uint64(pid), 2))
		for n := 0; ; n++ {
			batch := make([]repository.Execution, 1+r.IntN(20))
			ids := make([]string, len(batch))
			for i := range batch {
				ids[i] = fmt.Sprintf("%d-b%d-%d", pid, n, i)
				batch[i] = repository.Execution{ID: ids[i], Task: "batch", Status: repository.StatusDone,
					ExecTime: time.Duration(r.IntN(1e9))}
			}
			report("try %d-%d %s", pid, n, strings.Join(ids, ","))
			if err := db.InsertExecutions(ctx, batch); err != nil {
				fail("insert batch", err)
			}
			report("batch %d-%d", pid, n)
		}
	}()
	r := rand.New(rand.NewPCG(uint64(pid), 1))
	for n := 0; ; n++ {
		p := make([]byte, 1+r.IntN(16<<10))
		for i := range p {
			p[i] = byte(r.Uint32())
		}
		b, err := db.PutBlobBytes(ctx, p)
		if err != nil {
			fail("put blob", err)
		}
		report("blob %s %d", b.SHA256, b.Size)
		if n%3 == 0 {
			name := fmt.Sprintf("%d-r%d", pid, n)
			if _, err := db.PutResource(ctx, repository.Resource{Namespace: "crash", Name: name, SHA256: b.SHA256, Size: b.Size}); err != nil {
				fail("put resource", err)
			}
			report("res %s %s", name, b.SHA256)
		}
		id := fmt.Sprintf("%d-e%d", pid, n)
		execNS := r.Int64N(int64(time.Minute))
		if _, err := db.InsertExecution(ctx, repository.Execution{ID: id, Task: "crash", Site: "edge",
			ParamDigest: b.SHA256, CallerSession: uint64(n)}); err != nil {
			fail("insert execution", err)
		}
		report("exec %s crash %s %d", id, b.SHA256, execNS)
		if err := db.FinishExecution(ctx, id, repository.Result{Status: repository.StatusDone,
			ExecTime: time.Duration(execNS), OutputSize: b.Size}); err != nil {
			fail("finish execution", err)
		}
		report("fin %s %d", id, execNS)
	}
}

// crashLedger accumulates what children reported as committed.
type crashLedger struct {
	blobs   map[string]int64  // sha -> size
	execs   map[string]string // id -> param digest
	fins    map[string]int64  // id -> exec ns
	tries   map[string][]string
	batches map[string]bool
	res     map[string]string // name -> sha
}

func (l *crashLedger) record(line string) error {
	f := strings.Fields(line)
	bad := fmt.Errorf("bad report line %q", line)
	switch {
	case len(f) == 3 && f[0] == "blob":
		n, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil {
			return bad
		}
		l.blobs[f[1]] = n
	case len(f) == 5 && f[0] == "exec":
		l.execs[f[1]] = f[3]
	case len(f) == 3 && f[0] == "fin":
		n, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil {
			return bad
		}
		l.fins[f[1]] = n
	case len(f) == 3 && f[0] == "try":
		l.tries[f[1]] = strings.Split(f[2], ",")
	case len(f) == 2 && f[0] == "batch":
		l.batches[f[1]] = true
	case len(f) == 3 && f[0] == "res":
		l.res[f[1]] = f[2]
	default:
		return bad
	}
	return nil
}

// TestCrashSafety kills a writing child process with SIGKILL at random
// moments and checks after each kill that the database is intact and holds
// everything the child reported as committed.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test re-executes the test binary")
	}
	const kills = 24
	dir := t.TempDir()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	l := &crashLedger{blobs: map[string]int64{}, execs: map[string]string{}, fins: map[string]int64{},
		tries: map[string][]string{}, batches: map[string]bool{}, res: map[string]string{}}
	committedRuns := 0
	for i := 0; i < kills; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Read reports until the pipe closes; a line without its newline
		// was cut by the kill and is ignored.
		lines := make(chan []string, 1)
		first := make(chan struct{})
		go func() {
			br := bufio.NewReader(out)
			var got []string
			for {
				s, err := br.ReadString('\n')
				if err != nil {
					break
				}
				if len(got) == 0 {
					close(first)
				}
				got = append(got, strings.TrimSuffix(s, "\n"))
			}
			if len(got) == 0 {
				close(first)
			}
			lines <- got
		}()
		// Kill at a random moment: one run in four at any time after the
		// start (often while the child opens or migrates the database), the
		// others at a random time after the child's first commit, so the
		// test does not depend on how fast a loaded machine starts it.
		if i%4 != 0 {
			select {
			case <-first:
			case <-time.After(60 * time.Second):
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
				t.Fatalf("child %d reported nothing in 60s; stderr:\n%s", i, stderr.String())
			}
		}
		time.Sleep(time.Duration(r.IntN(250)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatalf("kill %d: %v", i, err)
		}
		got := <-lines
		werr := cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(werr, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("child %d ended with %v, want killed by SIGKILL; stderr:\n%s", i, werr, stderr.String())
		}
		for _, s := range got {
			if err := l.record(s); err != nil {
				t.Fatal(err)
			}
		}
		if len(got) > 0 {
			committedRuns++
		}
		t.Logf("kill %d: %d commits reported this run", i, len(got))
		verifyCrashLedger(ctx, t, dir, l)
	}
	if committedRuns < kills/2 || len(l.fins) == 0 || len(l.batches) == 0 {
		t.Fatalf("only %d of %d runs committed anything (%d finished executions, %d batches): test proves little",
			committedRuns, kills, len(l.fins), len(l.batches))
	}
	t.Logf("verified %d blobs, %d executions, %d batches, %d resources over %d kills",
		len(l.blobs), len(l.execs), len(l.batches), len(l.res), kills)
}

func verifyCrashLedger(ctx context.Context, t *testing.T, dir string, l *crashLedger) {
	t.Helper()
	db, err := repository.Open(ctx, dir)
	if err != nil {
		t.Fatalf("Open after kill = %v", err)
	}
	defer func() { _ = db.Close() }()
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Fatalf("IntegrityCheck after kill = %v", err)
	}
	for s, size := range l.blobs {
		p, err := db.GetBlob(ctx, s)
		if err != nil || int64(len(p)) != size {
			t.Fatalf("GetBlob(%s) = %d bytes, %v, want %d bytes", s, len(p), err, size)
		}
	}
	stored := map[string]repository.Execution{}
	for _, task := range []string{"crash", "batch"} {
		es, err := db.ListExecutions(ctx, repository.ExecutionFilter{Task: task, Limit: 1 << 30})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			stored[e.ID] = e
		}
	}
	for id, digest := range l.execs {
		e, ok := stored[id]
		if !ok || e.ParamDigest != digest {
			t.Fatalf("execution %s = %+v (present %v), want param digest %s", id, e, ok, digest)
		}
		if ns, ok := l.fins[id]; ok && (e.Status != repository.StatusDone || int64(e.ExecTime) != ns) {
			t.Fatalf("execution %s = status %s exec %d, want done %d", id, e.Status, e.ExecTime, ns)
		}
	}
	for b, ids := range l.tries {
		present := 0
		for _, id := range ids {
			if _, ok := stored[id]; ok {
				present++
			}
		}
		if present != 0 && present != len(ids) || l.batches[b] && present != len(ids) {
			t.Fatalf("batch %s: %d of %d rows present (committed=%v); want all or none", b, present, len(ids), l.batches[b])
		}
	}
	if e, err := db.GetExecution(ctx, "missing"); !errors.Is(err, repository.ErrNotFound) {
		t.Fatalf("GetExecution(missing) = %+v, %v, want ErrNotFound", e, err)
	}
	for name, s := range l.res {
		res, err := db.ResourceByName(ctx, "crash", name)
		if err != nil || res.SHA256 != s {
			t.Fatalf("ResourceByName(%s) = %+v, %v, want sha %s", name, res, err, s)
		}
	}
	// No temp files survive a reopen.
	if ents, err := os.ReadDir(dir + "/tmp"); err != nil || len(ents) != 0 {
		t.Fatalf("tmp dir after reopen: %d entries, %v", len(ents), err)
	}
}
