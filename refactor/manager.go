package refactor

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Manager queues APK upload jobs and runs the pipeline on them.
type Manager struct {
	cfg    Config
	log    *slog.Logger
	store  Store
	linker *linker
	queue  chan string

	mu      sync.Mutex // guards closed, running, pending
	closed  bool
	running bool
	pending map[string]*Job // jobs in flight, the source of truth while queued or running

	done     chan struct{} // closed by Close
	closeOne sync.Once
	wg       sync.WaitGroup // Run's workers
}

// New returns a Manager; call Run to process jobs and Close to stop.
func New(cfg Config) (*Manager, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := &Manager{
		cfg:     cfg,
		log:     cfg.Logger.With("component", "refactor"),
		store:   cfg.Store,
		queue:   make(chan string, cfg.QueueSize),
		pending: map[string]*Job{},
		done:    make(chan struct{}),
	}
	m.linker = &linker{cfg: &m.cfg, store: cfg.Store, cache: map[string]string{}}
	return m, nil
}

// Run processes queued jobs with Config.Workers workers until ctx ends or Close is called.
// It returns ErrClosed after Close and ctx.Err() when ctx ends.
func (m *Manager) Run(ctx context.Context) error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return ErrClosed
	}
	if m.running {
		m.mu.Unlock()
		return errors.New("refactor: Run called twice")
	}
	m.running = true
	m.wg.Add(m.cfg.Workers) // under mu: Close waits only after seeing closed set
	m.mu.Unlock()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range m.cfg.Workers {
		go func() {
			defer m.wg.Done()
			m.worker(ctx)
		}()
	}
	var err error
	select {
	case <-ctx.Done():
		err = ctx.Err()
	case <-m.done:
		err = ErrClosed
	}
	cancel()
	m.wg.Wait()
	return err
}

// Close stops accepting jobs, cancels running ones and waits for Run's workers.
func (m *Manager) Close() error {
	m.closeOne.Do(func() {
		m.mu.Lock()
		m.closed = true
		m.mu.Unlock()
		close(m.done)
	})
	m.wg.Wait()
	return nil
}

func (m *Manager) worker(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case id := <-m.queue:
			m.process(ctx, id)
		}
	}
}

func newID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Submit reads an APK (at most Config.MaxAPKBytes), stores it and queues its analysis. An APK
// already analysed (same sha256) is not analysed again: Submit returns the existing job's id.
func (m *Manager) Submit(ctx context.Context, apk io.Reader, uploader string) (string, error) {
	m.mu.Lock()
	closed := m.closed
	m.mu.Unlock()
	if closed {
		return "", ErrClosed
	}
	data, err := io.ReadAll(io.LimitReader(apk, m.cfg.MaxAPKBytes+1))
	if err != nil {
		return "", fmt.Errorf("read apk: %w", err)
	}
	if int64(len(data)) > m.cfg.MaxAPKBytes {
		return "", fmt.Errorf("%w: apk over %d bytes", ErrTooLarge, m.cfg.MaxAPKBytes)
	}
	return m.submit(ctx, data, uploader)
}

func (m *Manager) submit(ctx context.Context, data []byte, uploader string) (string, error) {
	start := time.Now()
	h := sha256.Sum256(data)
	sum := hex.EncodeToString(h[:])
	// Reuse a finished analysis, or one in flight in this process. A queued or running row left
	// by an earlier process (or a failed job) is analysed again.
	if prev, err := m.store.JobByAPK(ctx, sum); err == nil {
		m.mu.Lock()
		_, inFlight := m.pending[prev.ID]
		m.mu.Unlock()
		if prev.State == StateDone || inFlight {
			m.log.Info("apk already analysed", "job", prev.ID, "sha256", sum)
			return prev.ID, nil
		}
	} else if !errors.Is(err, ErrJobNotFound) {
		return "", fmt.Errorf("find job: %w", err)
	}
	if err := m.store.PutBlob(ctx, sum, data); err != nil {
		return "", fmt.Errorf("store apk: %w", err)
	}
	now := time.Now().UTC()
	j := &Job{ID: newID(), APKSHA256: sum, APKBytes: len(data), Uploader: uploader, State: StateQueued,
		Stage: "queued", Created: now, Updated: now,
		Report: &Report{Stages: []StageTiming{{Stage: "store", Seconds: time.Since(start).Seconds()}}}}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return "", ErrClosed
	}
	m.pending[j.ID] = j
	snapshot := *j
	m.mu.Unlock()
	snapshot.Report = nil
	if err := m.store.PutJob(ctx, snapshot); err != nil {
		m.forget(j.ID)
		return "", fmt.Errorf("store job: %w", err)
	}
	select {
	case m.queue <- j.ID:
	default:
		m.forget(j.ID)
		snapshot.State, snapshot.Error = StateFailed, ErrQueueFull.Error()
		_ = m.store.PutJob(ctx, snapshot)
		return "", ErrQueueFull
	}
	m.log.Info("job queued", "job", j.ID, "sha256", sum, "bytes", len(data), "uploader", uploader)
	m.emit(snapshot)
	return j.ID, nil
}

func (m *Manager) forget(id string) {
	m.mu.Lock()
	delete(m.pending, id)
	m.mu.Unlock()
}

// Job returns a job: in flight from memory, otherwise from the Store.
func (m *Manager) Job(ctx context.Context, id string) (Job, error) {
	m.mu.Lock()
	if j, ok := m.pending[id]; ok {
		c := *j
		c.Report = nil
		m.mu.Unlock()
		return c, nil
	}
	m.mu.Unlock()
	return m.store.Job(ctx, id)
}

func (m *Manager) emit(j Job) {
	if m.cfg.OnProgress != nil {
		m.cfg.OnProgress(Progress{JobID: j.ID, State: j.State, Stage: j.Stage, Progress: j.Progress, Error: j.Error})
	}
}

// update changes an in-flight job and reports it.
func (m *Manager) update(id string, f func(*Job)) Job {
	m.mu.Lock()
	j := m.pending[id]
	f(j)
	j.Updated = time.Now().UTC()
	c := *j
	m.mu.Unlock()
	m.emit(c)
	return c
}

func (m *Manager) process(ctx context.Context, id string) {
	m.mu.Lock()
	j, ok := m.pending[id]
	m.mu.Unlock()
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, m.cfg.JobTimeout)
	defer cancel()
	log := m.log.With("job", id)
	start := time.Now()
	m.update(id, func(j *Job) { j.State, j.Stage = StateRunning, "load" })
	err := func() error {
		apk, err := m.store.Blob(ctx, j.APKSHA256)
		if err != nil {
			return fmt.Errorf("load apk: %w", err)
		}
		r := newRun(apk, m.cfg.limits())
		r.shims, r.libs = m.cfg.Shims, m.cfg.RegisterLibraries
		r.report.Stages = j.Report.Stages
		r.linker, r.jobID = m.linker, id
		stages := analysisStages
		if !m.cfg.DisableLink {
			stages = append(append([]Stage{}, analysisStages...), linkStages...)
		}
		err = runStages(ctx, r, stages, func(stage string, p float64) {
			m.update(id, func(j *Job) { j.Stage, j.Progress = stage, p })
		})
		if err != nil {
			return err
		}
		m.mu.Lock()
		j.Report = r.report
		m.mu.Unlock()
		return nil
	}()
	// The final state is stored first and published after: a reader sees the job in flight
	// (from memory, without a report) until the store holds it done with its report.
	m.mu.Lock()
	final := *j
	m.mu.Unlock()
	final.Updated = time.Now().UTC()
	if err != nil {
		final.State, final.Error, final.Report = StateFailed, err.Error(), nil
		if ctx.Err() != nil && !errors.Is(err, ErrPanic) {
			final.Error = fmt.Sprintf("%v (job stopped: %v)", err, context.Cause(ctx))
		}
	} else {
		final.State, final.Stage, final.Progress = StateDone, "done", 1
	}
	// The store write uses a fresh context so that a job stopped by shutdown is still recorded.
	sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer scancel()
	if serr := m.store.PutJob(sctx, final); serr != nil {
		log.Error("store job", "err", serr)
		final.State, final.Stage, final.Report = StateFailed, "store", nil
		final.Error = fmt.Sprintf("store report: %v", serr)
		if serr := m.store.PutJob(sctx, final); serr != nil {
			log.Error("store failed job", "err", serr)
		}
	}
	m.forget(id)
	m.emit(final)
	log.Info("job finished", "state", final.State, "err", final.Error, "seconds", time.Since(start).Seconds())
}
