package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/mamoc-go/mamoc/refactor"
	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
)

// health tracks the start phases and answers /livez and /readyz in the Kubernetes style:
// "ok" or a failing check list, and with ?verbose every check as [+]name ok / [-]name reason.
type health struct {
	mu    sync.Mutex // guards the fields below
	phase string     // what the server is doing while not ready; "" once ready
	since time.Time  // when phase began
	image bool       // the base image is built
	ready bool       // the server manager serves

	setGate func(reason string) // the router's SetUnavailable, nil when joining
}

func newHealth(setGate func(string)) *health {
	h := &health{setGate: setGate}
	h.set("starting")
	return h
}

// set records the phase the start is in; the router answers task calls with it.
func (h *health) set(phase string) {
	h.mu.Lock()
	h.phase, h.since = phase, time.Now()
	h.mu.Unlock()
	if h.setGate != nil {
		h.setGate(phase)
	}
}

// markImage records that the base image is built.
func (h *health) markImage() {
	h.mu.Lock()
	h.image = true
	h.mu.Unlock()
}

// markReady opens the gate: task calls reach their procedures.
func (h *health) markReady() {
	h.mu.Lock()
	h.phase, h.ready = "", true
	h.mu.Unlock()
	if h.setGate != nil {
		h.setGate("")
	}
}

// state returns the phase, how long it has run, and whether the image is built and the
// server ready.
func (h *health) state() (phase string, took time.Duration, image, ready bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.phase, time.Since(h.since), h.image, h.ready
}

// check is one line of /readyz?verbose.
type check struct {
	Name     string `json:"name"`
	OK       bool   `json:"ok"`
	Detail   string `json:"detail"`
	Optional bool   `json:"optional"` // reported, but does not make the node unready
}

// checks evaluates readiness: the repository answers, the image is built, the runtime is
// healthy (or degraded with weak isolation allowed), the server manager serves; then the
// optional capabilities.
func (s *Server) checks(ctx context.Context) []check {
	phase, took, image, ready := s.health.state()
	var out []check
	if s.cfg.RouterOnly {
		return []check{{Name: "router", OK: true, Detail: "router-only node"}}
	}
	repo := s.repository()
	switch {
	case repo == nil:
		out = append(out, check{Name: "repository", Detail: "not open yet"})
	default:
		if _, err := repo.SchemaVersion(ctx); err != nil {
			out = append(out, check{Name: "repository", Detail: err.Error()})
		} else {
			out = append(out, check{Name: "repository", OK: true, Detail: repo.Dir()})
		}
	}
	if image {
		out = append(out, check{Name: "image", OK: true, Detail: "base image built"})
	} else {
		out = append(out, check{Name: "image", Detail: "base image not built yet"})
	}
	rt := s.runtime()
	if rt == nil {
		out = append(out, check{Name: "runtime", Detail: "not started yet"})
	} else {
		fp := rt.Fingerprint()
		ok := fp.Health == unikernel.HealthHealthy || (fp.Health == unikernel.HealthDegraded && s.cfg.Runtime.AllowWeakIsolation)
		out = append(out, check{Name: "runtime", OK: ok, Detail: fmt.Sprintf("driver %s %s: %s", s.driverName(), fp.Health, fp.Description)})
	}
	if ready {
		out = append(out, check{Name: "manager", OK: true, Detail: "procedures registered"})
	} else {
		out = append(out, check{Name: "manager", Detail: fmt.Sprintf("%s (%s so far)", phase, took.Round(time.Second))})
	}
	return append(out, s.capabilities(ctx)...)
}

// capabilities are the optional abilities of this node: APK linking tools and drivers.
func (s *Server) capabilities(ctx context.Context) []check {
	link := check{Name: "apk-linking", Optional: true}
	if err := s.linkTools(ctx); err != nil {
		link.Detail = "APK uploads are analysed but not linked: " + err.Error()
	} else {
		link.OK, link.Detail = true, "enjarify"
	}
	out := []check{link}
	inUse := s.driverName()
	for _, name := range unikernel.Drivers() {
		c := check{Name: "driver:" + name, OK: true, Optional: true,
			Detail: fmt.Sprintf("registered, not in use (start with --driver %s to use it)", name)}
		if name == inUse {
			c.Detail = "in use"
			if rt := s.runtime(); rt != nil {
				fp := rt.Fingerprint()
				c.Detail = fmt.Sprintf("in use, %s: %s", fp.Health, fp.Description)
			}
		}
		out = append(out, c)
	}
	return out
}

// linkCheckEvery bounds how often the APK linking tools are probed (a Python start each).
const linkCheckEvery = 30 * time.Second

// linkTools returns the result of refactor.CheckLinkTools, probed at most every
// linkCheckEvery.
func (s *Server) linkTools(ctx context.Context) error {
	s.capMu.Lock()
	defer s.capMu.Unlock()
	if !s.capAt.IsZero() && time.Since(s.capAt) < linkCheckEvery {
		return s.capErr
	}
	s.capErr, s.capAt = refactor.CheckLinkTools(ctx, ""), time.Now()
	return s.capErr
}

// handleLivez answers 200 while the process serves HTTP.
func (s *Server) handleLivez(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if _, ok := r.URL.Query()["verbose"]; ok {
		_, _ = fmt.Fprint(w, "[+]ping ok\nlivez check passed\n")
		return
	}
	_, _ = fmt.Fprint(w, "ok")
}

// handleReadyz answers 200 "ok" when every required check passes, else 503; with ?verbose
// it lists every check, the optional capabilities included.
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	cs := s.checks(r.Context())
	failed := false
	for _, c := range cs {
		if !c.OK && !c.Optional {
			failed = true
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if failed {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	if _, ok := r.URL.Query()["verbose"]; !ok {
		if failed {
			_, _ = fmt.Fprint(w, "readyz check failed\n")
			return
		}
		_, _ = fmt.Fprint(w, "ok")
		return
	}
	var b strings.Builder
	for _, c := range cs {
		mark, word := "+", "ok"
		if !c.OK {
			mark, word = "-", "failed"
		}
		opt := ""
		if c.Optional {
			opt = " (optional)"
		}
		fmt.Fprintf(&b, "[%s]%s %s%s: %s\n", mark, c.Name, word, opt, c.Detail)
	}
	if failed {
		b.WriteString("readyz check failed\n")
	} else {
		b.WriteString("readyz check passed\n")
	}
	_, _ = fmt.Fprint(w, b.String())
}

// driverName is the unikernel driver in use (the runtime's default when unset).
func (s *Server) driverName() string {
	if s.cfg.Runtime.Driver == "" {
		return "process"
	}
	return s.cfg.Runtime.Driver
}
