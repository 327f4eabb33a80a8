package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	nxclient "github.com/gammazero/nexus/v3/client"
	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/server/api"
)

// options bound the load.
type options struct {
	sessions   []int
	calls      int
	minCalls   int
	phaseTime  time.Duration
	queensN    int
	queensReps int
	queensSrc  string
}

const (
	noopProc    = "bench.load.noop"
	trivialFQCN = "bench.load.Trivial"
	trivialSrc  = `package bench.load;

public class Trivial {
    private final int n;

    public Trivial(int n) {
        this.n = n;
    }

    public int run() {
        return n + 1;
    }
}
`
)

// stat is one phase's outcome.
type stat struct {
	ok       int
	errs     map[string]int
	p50, p99 time.Duration
	rate     float64 // successful calls per second
}

func (s stat) errors() int {
	n := 0
	for _, c := range s.errs {
		n += c
	}
	return n
}

// row is one session count.
type row struct {
	sessions, callsPer int
	noop, trivial      stat
}

// report is everything measured against one server.
type report struct {
	label  string
	driver string // the server's --driver, "" for its default
	rows   []row
	nq     *queens
}

func measure(ctx context.Context, label, path string, args []string, o options) (report, error) {
	dir, err := os.MkdirTemp("", "mamoc-load-")
	if err != nil {
		return report{}, err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	srv, err := startServer(ctx, path, dir, args...)
	if err != nil {
		return report{}, err
	}
	defer srv.stop()
	fmt.Fprintf(os.Stderr, "mamoc-load: %s listening on %s\n", label, srv.url)
	r := report{label: label}

	edge, err := srv.dial(ctx, "bench-edge")
	if err != nil {
		return r, err
	}
	defer func() { _ = edge.Close() }()
	if err := edge.Register(noopProc, func(context.Context, *wamp.Invocation) nxclient.InvokeResult {
		return nxclient.InvokeResult{Args: wamp.List{42}}
	}, nil); err != nil {
		return r, fmt.Errorf("register %s: %w", noopProc, err)
	}
	phone, err := srv.dial(ctx, "")
	if err != nil {
		return r, err
	}
	defer func() { _ = phone.Close() }()
	if out, err := offload(ctx, phone, trivialFQCN, trivialSrc, 41); err != nil || out != "42" {
		return r, fmt.Errorf("offload the trivial task = %q, %v; want 42 (server: %s)", out, err, srv.stderrTail())
	}

	maxSess := slices.Max(o.sessions)
	clients := make([]*nxclient.Client, maxSess)
	for i := range clients {
		if clients[i], err = srv.dial(ctx, ""); err != nil {
			return r, err
		}
		defer func() { _ = clients[i].Close() }()
	}
	noop := func(ctx context.Context, cl *nxclient.Client) error {
		_, err := cl.Call(ctx, noopProc, nil, wamp.List{nil, wamp.List{41}}, nil, nil)
		return err
	}
	trivial := func(ctx context.Context, cl *nxclient.Client) error {
		res, err := cl.Call(ctx, trivialFQCN, nil, wamp.List{nil, wamp.List{41}}, nil, nil)
		if err != nil {
			return err
		}
		if out := resultOutput(res.Arguments); out != "42" {
			return fmt.Errorf("wrong result %q", out)
		}
		return nil
	}
	// Warm both paths before measuring, with as many sessions as the busiest phase (up to 50):
	// every instance the task phases use is then booted and its JIT warm ("a warm call").
	warm := clients[:min(maxSess, 50)]
	warmCalls := max(2000/len(warm), 200) // per session
	run(ctx, warm, warmCalls, o.phaseTime, noop)
	if s := run(ctx, warm, warmCalls, o.phaseTime, trivial); s.errors() > 0 {
		return r, fmt.Errorf("warm-up of the trivial task: %v", s.errs)
	}
	for _, n := range o.sessions {
		per := max(o.minCalls, o.calls/n)
		if n == 1 {
			per = min(o.calls, 1500)
		}
		rw := row{sessions: n, callsPer: per}
		rw.noop = run(ctx, clients[:n], per, o.phaseTime, noop)
		rw.trivial = run(ctx, clients[:n], per, o.phaseTime, trivial)
		fmt.Fprintf(os.Stderr, "mamoc-load: %s: %d sessions done\n", label, n)
		r.rows = append(r.rows, rw)
	}
	if o.queensN > 0 {
		q, err := measureQueens(ctx, phone, o)
		if err != nil {
			return r, fmt.Errorf("nqueens: %w", err)
		}
		r.nq = q
	}
	return r, nil
}

// offload publishes a task the MAMoC way and waits for its result event.
func offload(ctx context.Context, phone *nxclient.Client, fqcn, src string, params ...any) (string, error) {
	got := make(chan string, 1)
	if err := phone.Subscribe(api.TopicOffloadingResult, func(ev *wamp.Event) {
		if len(ev.Arguments) > 0 {
			s, _ := wamp.AsString(ev.Arguments[0])
			select {
			case got <- s:
			default:
			}
		}
	}, nil); err != nil {
		return "", err
	}
	defer func() { _ = phone.Unsubscribe(api.TopicOffloadingResult) }()
	// The server manager subscribes after the router listens: publish again until a result comes.
	deadline := time.After(3 * time.Minute)
	for {
		if err := phone.Publish(api.TopicOffloading, wamp.Dict{wamp.OptAcknowledge: true},
			wamp.List{"Android", fqcn, src, nil, wamp.List(params)}, nil); err != nil {
			return "", err
		}
		select {
		case s := <-got:
			return s, nil
		case <-time.After(5 * time.Second):
		case <-deadline:
			return "", errors.New("no result event within 3m")
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
}

// resultOutput is the output of a MAMoC task call's result [[output, duration, null]].
func resultOutput(args wamp.List) string {
	if len(args) == 0 {
		return ""
	}
	l, ok := wamp.AsList(args[0])
	if !ok || len(l) == 0 {
		s, _ := wamp.AsString(args[0])
		return s
	}
	s, _ := wamp.AsString(l[0])
	return s
}

// run makes per calls on every session at once, bounded by limit, and summarises them.
func run(ctx context.Context, sessions []*nxclient.Client, per int, limit time.Duration, call func(context.Context, *nxclient.Client) error) stat {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	var (
		mu   sync.Mutex // guards lat and errs
		lat  []time.Duration
		errs = map[string]int{}
		wg   sync.WaitGroup
	)
	start := make(chan struct{})
	for _, cl := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := make([]time.Duration, 0, per)
			mineErr := map[string]int{}
			<-start
			for range per {
				if ctx.Err() != nil {
					break
				}
				t0 := time.Now()
				err := call(ctx, cl)
				if err != nil {
					if ctx.Err() != nil {
						mineErr["phase time bound"]++
						break
					}
					mineErr[errKey(err)]++
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			for k, v := range mineErr {
				errs[k] += v
			}
			mu.Unlock()
		}()
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	took := time.Since(t0)
	s := stat{ok: len(lat), errs: errs, rate: float64(len(lat)) / took.Seconds()}
	if len(lat) > 0 {
		slices.Sort(lat)
		s.p50, s.p99 = lat[len(lat)/2], lat[len(lat)*99/100]
	}
	return s
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("bad count %q", f)
		}
		out = append(out, n)
	}
	return out, nil
}
