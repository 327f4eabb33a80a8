package refactor

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// State is a job's lifecycle state.
type State string

// Job states.
const (
	StateQueued  State = "queued"
	StateRunning State = "running"
	StateDone    State = "done"
	StateFailed  State = "failed"
)

// Job is one APK analysis, as stored and as served by GET /api/jobs/{id}.
type Job struct {
	ID        string `json:"id"`
	APKSHA256 string `json:"apk_sha256"`
	APKBytes  int    `json:"apk_bytes"`
	Uploader  string `json:"uploader"`
	State     State  `json:"state"`
	// Stage is the current (or last) pipeline stage; Progress is 0–1 over all stages.
	Stage    string    `json:"stage"`
	Progress float64   `json:"progress"`
	Error    string    `json:"error,omitempty"`
	Report   *Report   `json:"report,omitempty"`
	Created  time.Time `json:"created"`
	Updated  time.Time `json:"updated"`
}

// Progress is one job progress event (the server publishes it on mamoc.job.progress).
type Progress struct {
	JobID    string  `json:"job"`
	State    State   `json:"state"`
	Stage    string  `json:"stage"`
	Progress float64 `json:"progress"`
	Error    string  `json:"error,omitempty"`
}

// Store keeps blobs by their sha256 (hex) and job rows. The server implements it over the
// repository; MemStore is an in-memory one.
type Store interface {
	// PutBlob stores data under sum, the hex sha256 of data; storing a known blob is a no-op.
	PutBlob(ctx context.Context, sum string, data []byte) error
	// Blob returns the blob stored under sum, or an error wrapping ErrBlobNotFound.
	Blob(ctx context.Context, sum string) ([]byte, error)
	// PutJob inserts or replaces the job row with j.ID.
	PutJob(ctx context.Context, j Job) error
	// Job returns the job with id, or an error wrapping ErrJobNotFound.
	Job(ctx context.Context, id string) (Job, error)
	// JobByAPK returns the most recent job for the APK sha256, or an error wrapping ErrJobNotFound.
	JobByAPK(ctx context.Context, sum string) (Job, error)
}

// MemStore is an in-memory Store, safe for concurrent use.
type MemStore struct {
	mu    sync.Mutex        // guards the maps
	blobs map[string][]byte // by sha256
	jobs  map[string]Job    // by id
	byAPK map[string]string // apk sha256 → latest job id
}

var _ Store = (*MemStore)(nil)

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore {
	return &MemStore{blobs: map[string][]byte{}, jobs: map[string]Job{}, byAPK: map[string]string{}}
}

// PutBlob implements Store.
func (s *MemStore) PutBlob(_ context.Context, sum string, data []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.blobs[sum]; !ok {
		s.blobs[sum] = append([]byte(nil), data...)
	}
	return nil
}

// Blob implements Store.
func (s *MemStore) Blob(_ context.Context, sum string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.blobs[sum]
	if !ok {
		return nil, fmt.Errorf("blob %s: %w", sum, ErrBlobNotFound)
	}
	return b, nil
}

// PutJob implements Store.
func (s *MemStore) PutJob(_ context.Context, j Job) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jobs[j.ID] = j
	if prev, ok := s.jobs[s.byAPK[j.APKSHA256]]; !ok || !prev.Created.After(j.Created) {
		s.byAPK[j.APKSHA256] = j.ID
	}
	return nil
}

// Job implements Store.
func (s *MemStore) Job(_ context.Context, id string) (Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	if !ok {
		return Job{}, fmt.Errorf("job %q: %w", id, ErrJobNotFound)
	}
	return j, nil
}

// JobByAPK implements Store.
func (s *MemStore) JobByAPK(_ context.Context, sum string) (Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[s.byAPK[sum]]
	if !ok {
		return Job{}, fmt.Errorf("apk %s: %w", sum, ErrJobNotFound)
	}
	return j, nil
}
