package mobile

import (
	"context"

	client "github.com/mamoc-go/mamoc/client-android"
)

// Stats is one sample of the server's resources.
type Stats struct {
	CPUMHzTotal      float64 // max clock in MHz × cores
	MemTotalMB       float64
	Battery          float64 // percent, -1 without a battery
	CPUPercent       float64 // 0–100
	Load1            float64
	MemFreeMB        float64
	Cores            int
	QueueLength      int
	RunningInstances int
	WarmInstances    int
	ServerID         string
	Version          string
	UptimeS          float64
}

func newStats(s client.Stats) *Stats {
	return &Stats{CPUMHzTotal: s.CPUMHzTotal, MemTotalMB: s.MemTotalMB, Battery: s.Battery, CPUPercent: s.CPUPercent,
		Load1: s.Load1, MemFreeMB: s.MemFreeMB, Cores: s.Cores, QueueLength: s.QueueLength,
		RunningInstances: s.RunningInstances, WarmInstances: s.WarmInstances, ServerID: s.ServerID,
		Version: s.Version, UptimeS: s.Uptime.Seconds()}
}

// Stats asks the server for a fresh sample.
func (m *Client) Stats() (*Stats, error) {
	ctx, cancel := m.callCtx(callGrace)
	defer cancel()
	s, err := m.c.Stats(ctx)
	if err != nil {
		return nil, err
	}
	return newStats(s), nil
}

// StatsHandler receives the server's stats events.
type StatsHandler interface {
	OnStats(s *Stats)
}

// Subscription is a running SubscribeStats.
type Subscription struct {
	stop func()
}

// Stop ends the subscription and waits until no OnStats call is running. It may be called more
// than once.
func (s *Subscription) Stop() { s.stop() }

// SubscribeStats passes every stats event (every 5 s) to h until Stop or Close. OnStats runs on
// its own thread, one event at a time; while it is busy only the newest event is kept.
func (m *Client) SubscribeStats(h StatsHandler) (*Subscription, error) {
	stop, err := m.c.SubscribeStats(context.Background(), func(s client.Stats) { h.OnStats(newStats(s)) })
	if err != nil {
		return nil, err
	}
	return &Subscription{stop: stop}, nil
}
