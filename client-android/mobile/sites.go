package mobile

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	client "github.com/mamoc-go/mamoc/client-android"
	"github.com/mamoc-go/mamoc/decision"
)

// Sites is a client of several mamoc sites at once: one connection per site, each reconnecting
// by itself after the site restarts. Run decides where a task runs, splits it across sites when
// that pays, fails chunks over when a site fails, and merges the outputs. Its methods block, so
// call them off the UI thread; they are safe to call from several threads at once.
type Sites struct {
	m *client.Multi

	mu     sync.Mutex // guards ctx and cancel
	ctx    context.Context
	cancel context.CancelFunc
}

// NewSites returns a Sites without sites.
func NewSites() (*Sites, error) {
	m, err := client.NewMulti(client.MultiConfig{})
	if err != nil {
		return nil, err
	}
	s := &Sites{m: m}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

// AddSite adds the site name at url (ws://HOST:8080/ws; append #NODE for one of several server
// nodes joined to one router), of kind "edge" or "cloud" ("" means edge). Empty authid and ticket
// connect anonymously. It waits up to 15 s for the connection; a site not reachable by then is
// still added, keeps being tried in the background, and AddSite returns the error.
func (s *Sites) AddSite(name, url, kind, authid, ticket string) error {
	cfg := client.SiteConfig{Name: name, URL: url, Kind: decision.Kind(kind), Options: client.Options{AuthID: authid, Ticket: ticket}}
	if u, node, ok := strings.Cut(url, "#"); ok {
		cfg.URL, cfg.Options.Node = u, node
	}
	ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
	defer cancel()
	return s.m.AddSite(ctx, cfg)
}

// RemoveSite closes the connection to the named site and forgets it.
func (s *Sites) RemoveSite(name string) error { return s.m.RemoveSite(name) }

// SitesJSON lists the sites as a JSON array of {"name","url","kind","connected","site"}, where
// "site" holds the live inputs of the decision engine (rtt_ms, cores, load, queue, availability).
func (s *Sites) SitesJSON() (string, error) {
	b, err := json.Marshal(s.m.Sites())
	if err != nil {
		return "", fmt.Errorf("encode sites: %w", err)
	}
	return string(b), nil
}

// LocalRunner runs a task, or one chunk of it, on the phone. paramsJSON is a JSON array of the
// constructor's parameters (with the chunk's from and to for a range split); resource is the
// resource's content (the chunk's lines for a lines split), empty without one.
type LocalRunner interface {
	RunLocal(paramsJSON string, resource []byte) (string, error)
}

// JobResult is the outcome of Sites.Run.
type JobResult struct {
	Output    string
	Failovers int
	Chunks    int
	WallS     float64 // the run's duration in seconds
	// SharesJSON is a JSON array of {"site","chunks","share","exec_s","failures","status"}.
	SharesJSON string
	// DecisionJSON is the decision engine's answer as JSON.
	DecisionJSON string
}

// Run runs a MAMoC task class given as Java source. paramsJSON is a JSON array of the
// constructor's leading parameters ("" means none); resource is the resource's content (nil or
// empty for none). split is none, auto, lines or range:FROM:TO ("" means auto); merge is auto,
// sum, concat, min or max ("" means auto). timeoutMs bounds the whole run (0: no bound). local,
// when not nil, runs chunks on the phone as the last resort.
func (s *Sites) Run(source, paramsJSON string, resource []byte, split, merge string, timeoutMs int, local LocalRunner) (*JobResult, error) {
	params, err := parseParams(paramsJSON)
	if err != nil {
		return nil, err
	}
	sp, err := client.ParseSplit(split)
	if err != nil {
		return nil, err
	}
	mg, err := client.ParseMerge(merge)
	if err != nil {
		return nil, err
	}
	job := client.Job{Source: source, Params: params, Split: sp, Merge: mg, Timeout: time.Duration(timeoutMs) * time.Millisecond}
	if len(resource) > 0 {
		job.Resource = resource
	}
	if local != nil {
		job.Local = func(_ context.Context, params []any, resource []byte) (string, error) {
			b, err := json.Marshal(params)
			if err != nil {
				return "", fmt.Errorf("encode params: %w", err)
			}
			return local.RunLocal(string(b), resource)
		}
	}
	s.mu.Lock()
	ctx := s.ctx
	s.mu.Unlock()
	res, err := s.m.Run(ctx, job)
	if err != nil {
		return nil, err
	}
	shares, err := json.Marshal(res.Shares)
	if err != nil {
		return nil, fmt.Errorf("encode shares: %w", err)
	}
	dec, err := json.Marshal(res.Decision)
	if err != nil {
		return nil, fmt.Errorf("encode decision: %w", err)
	}
	return &JobResult{Output: res.Output, Failovers: res.Failovers, Chunks: res.Chunks, WallS: res.WallSec,
		SharesJSON: string(shares), DecisionJSON: string(dec)}, nil
}

// CancelAll cancels every Run in progress; later runs work.
func (s *Sites) CancelAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cancel()
	s.ctx, s.cancel = context.WithCancel(context.Background())
}

// Close cancels every Run and closes every site's connection.
func (s *Sites) Close() error {
	s.mu.Lock()
	s.cancel()
	s.mu.Unlock()
	return s.m.Close()
}
