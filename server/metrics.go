package server

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/mamoc-go/mamoc/refactor"
	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
)

// metrics are the server's Prometheus metrics, in a registry of its own (several servers may
// run in one process). Labels have bounded values only: task kinds, statuses, states, message
// types; never session, caller, task or execution ids.
type metrics struct {
	reg       *prometheus.Registry
	calls     *prometheus.CounterVec   // kind, status
	queue     *prometheus.HistogramVec // kind
	exec      *prometheus.HistogramVec // kind
	total     *prometheus.HistogramVec // kind
	repoWrite *prometheus.HistogramVec // op
	deploys   *prometheus.CounterVec   // status
	finished  atomic.Int64             // calls finished, for the admin page's calls/s
}

// durationBuckets cover a warm call (milliseconds) to a long task (a minute), in seconds.
var durationBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

func newMetrics(s *Server) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mamoc_calls_total",
			Help: "Task calls finished, by task kind (source, dex-class, dex-static) and status (ok or the error URI's last part)."},
			[]string{"kind", "status"}),
		queue: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "mamoc_call_queue_seconds",
			Help: "Time a call waited for a slot and an instance (a cold boot included).", Buckets: durationBuckets}, []string{"kind"}),
		exec: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "mamoc_call_exec_seconds",
			Help: "Time a call ran, measured inside the guest.", Buckets: durationBuckets}, []string{"kind"}),
		total: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "mamoc_call_duration_seconds",
			Help: "Time from a call's arrival at the server manager to its answer.", Buckets: durationBuckets}, []string{"kind"}),
		repoWrite: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "mamoc_repository_write_seconds",
			Help: "Latency of repository writes, by operation.", Buckets: durationBuckets}, []string{"op"}),
		deploys: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "mamoc_deploys_total",
			Help: "Task source deploys, by status (compiled, cached, or the error URI's last part)."}, []string{"status"}),
	}
	m.reg.MustRegister(m.calls, m.queue, m.exec, m.total, m.repoWrite, m.deploys,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&liveCollector{s: s})
	return m
}

// handler serves the registry in the Prometheus text (or OpenMetrics) format.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// observeCall records one finished call; errURI is "" on success.
func (m *metrics) observeCall(kind, errURI string, queue, exec, total time.Duration) {
	if m == nil {
		return
	}
	m.finished.Add(1)
	m.calls.WithLabelValues(kind, statusOf(errURI)).Inc()
	m.queue.WithLabelValues(kind).Observe(queue.Seconds())
	m.exec.WithLabelValues(kind).Observe(exec.Seconds())
	m.total.WithLabelValues(kind).Observe(total.Seconds())
}

// observeWrite records the latency of one repository write.
func (m *metrics) observeWrite(op string, took time.Duration) {
	if m == nil {
		return
	}
	m.repoWrite.WithLabelValues(op).Observe(took.Seconds())
}

// observeDeploy records one deploy: "compiled", "cached" or an error URI.
func (m *metrics) observeDeploy(status string) {
	if m == nil {
		return
	}
	m.deploys.WithLabelValues(statusOf(status)).Inc()
}

// statusOf is a bounded status label: "ok" for "", else the last part of the error URI
// (the server answers a fixed set of them).
func statusOf(errURI string) string {
	if errURI == "" {
		return "ok"
	}
	return errURI[strings.LastIndexByte(errURI, '.')+1:]
}

// liveCollector reads the runtime, router and job counts at scrape time.
type liveCollector struct{ s *Server }

var (
	descInstances = prometheus.NewDesc("mamoc_instances", "Runtime instances by state (warm: idle and bound to an app; spare: idle, unbound; busy: running a call; booting).", []string{"state"}, nil)
	descQueue     = prometheus.NewDesc("mamoc_queue_length", "Calls waiting for a slot or an instance.", nil, nil)
	descRunning   = prometheus.NewDesc("mamoc_calls_running", "Calls running now.", nil, nil)
	descBoots     = prometheus.NewDesc("mamoc_instance_boots_total", "Instances booted since the start.", nil, nil)
	descStops     = prometheus.NewDesc("mamoc_instance_stops_total", "Instances stopped since the start, by reason (evict: room for another app; idle; calls: call budget spent; breach: a limit or timeout; crash; close).", []string{"reason"}, nil)
	descSessions  = prometheus.NewDesc("mamoc_router_sessions", "WAMP sessions on the realm, in-process ones included.", nil, nil)
	descMessages  = prometheus.NewDesc("mamoc_router_messages_total", "WAMP messages received from remote sessions, by type.", []string{"type"}, nil)
	descJobs      = prometheus.NewDesc("mamoc_jobs", "APK refactoring jobs by state.", []string{"state"}, nil)
	descUp        = prometheus.NewDesc("mamoc_ready", "1 when the node is ready to run tasks (as /readyz), else 0.", nil, nil)
	descStart     = prometheus.NewDesc("mamoc_start_time_seconds", "Start time of the server since the Unix epoch.", nil, nil)
)

func (c *liveCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descInstances, descQueue, descRunning, descBoots, descStops, descSessions, descMessages, descJobs, descUp, descStart} {
		ch <- d
	}
}

func (c *liveCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.s
	gauge := func(d *prometheus.Desc, v float64, lv ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, lv...)
	}
	counter := func(d *prometheus.Desc, v float64, lv ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, lv...)
	}
	_, _, _, ready := s.health.state()
	gauge(descUp, b2f(ready))
	gauge(descStart, float64(s.start.UnixNano())/1e9)
	if rt := s.runtime(); rt != nil {
		st := rt.Stats()
		gauge(descInstances, float64(st.Warm), "warm")
		gauge(descInstances, float64(st.Spare), "spare")
		gauge(descInstances, float64(st.Busy), "busy")
		gauge(descInstances, float64(st.Booting), "booting")
		gauge(descQueue, float64(st.Queued))
		gauge(descRunning, float64(st.Running))
		counter(descBoots, float64(st.Booted))
		for _, why := range stopReasons {
			counter(descStops, float64(st.Stopped[why]), string(why))
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if s.router != nil {
		rs := s.router.Stats(ctx)
		gauge(descSessions, float64(rs.Sessions))
		for typ, n := range rs.Messages {
			counter(descMessages, float64(n), typ)
		}
	}
	if repo := s.repository(); repo != nil {
		byState := map[string]int{string(refactor.StateQueued): 0, string(refactor.StateRunning): 0,
			string(refactor.StateDone): 0, string(refactor.StateFailed): 0}
		if jobs, err := repo.ListJobs(ctx); err == nil {
			for _, j := range jobs {
				if _, known := byState[string(j.State)]; known {
					byState[string(j.State)]++
				}
			}
			for st, n := range byState {
				gauge(descJobs, float64(n), st)
			}
		}
	}
}

// stopReasons are the runtime's reasons for stopping an instance, each always reported.
var stopReasons = []unikernel.StopReason{unikernel.StopEvict, unikernel.StopIdle, unikernel.StopCalls,
	unikernel.StopBreach, unikernel.StopCrash, unikernel.StopClose, unikernel.StopAge, unikernel.StopMemory}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
