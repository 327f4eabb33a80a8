package server

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"html/template"
	"net/http"
	"sort"
	"time"

	"github.com/mamoc-go/mamoc/repository"
	"github.com/mamoc-go/mamoc/router"
	"github.com/mamoc-go/mamoc/server/api"
	"github.com/mamoc-go/mamoc/server/catalog"
	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
)

//go:embed admin/page.html
var adminFS embed.FS

var adminPage = template.Must(template.New("page.html").Funcs(template.FuncMap{
	"human":    human,
	"duration": humanDuration,
	"ago": func(t time.Time) string {
		if t.IsZero() {
			return "–"
		}
		return humanDuration(time.Since(t).Round(time.Second)) + " ago"
	},
	"percent": func(f float64) string { return human(100*f) + "%" },
	"short":   func(s string) string { return shortHash(s) },
	"float64": func(n int64) float64 { return float64(n) },
}).ParseFS(adminFS, "admin/page.html"))

// adminView is what the admin page shows.
type adminView struct {
	ServerID, Version, Driver, Isolation, Health, Phase string
	Ready                                               bool
	Uptime                                              time.Duration
	Checks                                              []check
	Stats                                               Stats
	Charts                                              []template.HTML
	Pool                                                []unikernel.InstanceRecord
	Executions                                          []repository.Execution
	Tasks                                               []catalog.Task
	Jobs                                                []repository.Job
	Sites                                               []api.SiteInfo
	Boots, Recycles                                     int64
}

// adminRoutes serves the admin page at / (loopback, or an admin user from elsewhere).
func (s *Server) adminRoutes(m *http.ServeMux) {
	m.Handle("GET /{$}", s.requireAdmin("the admin page", http.HandlerFunc(s.handleAdmin)))
	m.Handle("GET /api/jobs", s.requireAdmin("the job list", http.HandlerFunc(s.handleJobList)))
}

// handleJobList is GET /api/jobs: {"jobs": [...]} newest first, at most 200.
func (s *Server) handleJobList(w http.ResponseWriter, r *http.Request) {
	repo := s.repository()
	if repo == nil {
		writeJSONError(w, http.StatusServiceUnavailable, "the repository is not open yet")
		return
	}
	jobs, err := repo.ListJobs(r.Context())
	if err != nil {
		writeJSONError(w, http.StatusInternalServerError, err.Error())
		return
	}
	sort.Slice(jobs, func(i, j int) bool { return jobs[i].CreatedAt.After(jobs[j].CreatedAt) })
	if len(jobs) > 200 {
		jobs = jobs[:200]
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"jobs": jobs})
}

func (s *Server) handleAdmin(w http.ResponseWriter, r *http.Request) {
	v := s.adminView(r.Context())
	var buf bytes.Buffer
	name := "page.html"
	if r.URL.Query().Get("part") == "main" {
		name = "main" // the live refresh fetches only the main part
	}
	if err := adminPage.ExecuteTemplate(&buf, name, v); err != nil {
		http.Error(w, "render admin page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:")
	_, _ = w.Write(buf.Bytes())
}

func (s *Server) adminView(ctx context.Context) adminView {
	phase, took, _, ready := s.health.state()
	v := adminView{ServerID: s.cfg.ServerID, Version: s.version, Driver: s.driverName(), Ready: ready,
		Uptime: time.Since(s.start), Checks: s.checks(ctx)}
	if !ready {
		v.Phase = phase + " (" + humanDuration(took) + ")"
	}
	if s.cfg.RouterOnly {
		v.Driver = "none (router only)"
	}
	if rt := s.runtime(); rt != nil {
		fp := rt.Fingerprint()
		v.Health, v.Isolation = string(fp.Health), fp.Description
		st := rt.Stats()
		v.Boots, v.Recycles = st.Booted, st.Recycled
	}
	v.Stats = s.stats.current(ctx)
	cpu, queue, rate := s.charts.series()
	v.Charts = []template.HTML{
		sparkline("CPU", "%", cpu, 100),
		sparkline("queue", "", queue, 0),
		sparkline("calls/s", "", rate, 0),
	}
	v.Pool = s.pool.list()
	if repo := s.repository(); repo != nil {
		v.Executions, _ = repo.ListExecutions(ctx, repository.ExecutionFilter{Limit: 20})
		if jobs, err := repo.ListJobs(ctx); err == nil {
			sort.Slice(jobs, func(i, j int) bool { return jobs[i].CreatedAt.After(jobs[j].CreatedAt) })
			if len(jobs) > 20 {
				jobs = jobs[:20]
			}
			v.Jobs = jobs
		}
		if l, err := s.siteList(ctx); err == nil {
			v.Sites = l.Sites
		}
	}
	s.mu.Lock()
	off := s.off
	s.mu.Unlock()
	if off != nil {
		// The page is the operator's (loopback or an admin user): it sees every task's hash.
		v.Tasks, _ = off.cat.List(ctx, catalog.Caller{Role: router.RoleAdmin})
		sort.Slice(v.Tasks, func(i, j int) bool { return v.Tasks[i].Procedure < v.Tasks[j].Procedure })
	}
	return v
}
