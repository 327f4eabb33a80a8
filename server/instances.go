package server

import (
	"context"
	"errors"
	"sort"
	"sync"
	"time"

	"github.com/mamoc-go/mamoc/repository"
	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
)

// instanceStore keeps the runtime's instance status in the repository, and the live records
// (with calls and memory, which the repository has no column for) for the admin page.
type instanceStore struct {
	repo *repository.DB
	pool *pool    // nil: not kept
	obs  *metrics // nil: not timed
}

var _ unikernel.InstanceStore = instanceStore{}

func (s instanceStore) PutInstance(ctx context.Context, rec unikernel.InstanceRecord) error {
	s.pool.put(rec)
	t0 := time.Now()
	err := s.repo.PutInstance(ctx, repository.Instance{ID: rec.ID, Driver: rec.Driver, Group: rec.Group,
		Status: rec.State, CreatedAt: rec.StartedAt, LastUsed: rec.UpdatedAt})
	s.obs.observeWrite("instance", time.Since(t0))
	return err
}

func (s instanceStore) DeleteInstance(ctx context.Context, id string) error {
	s.pool.delete(id)
	if err := s.repo.DeleteInstance(ctx, id); err != nil && !errors.Is(err, repository.ErrNotFound) {
		return err
	}
	return nil
}

// pool is the live view of the runtime's instances, as the runtime reports them.
type pool struct {
	mu    sync.Mutex // guards insts
	insts map[string]unikernel.InstanceRecord
}

func newPool() *pool { return &pool{insts: map[string]unikernel.InstanceRecord{}} }

func (p *pool) put(rec unikernel.InstanceRecord) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.insts[rec.ID] = rec
	p.mu.Unlock()
}

func (p *pool) delete(id string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	delete(p.insts, id)
	p.mu.Unlock()
}

// list returns the instances sorted by app, then id.
func (p *pool) list() []unikernel.InstanceRecord {
	p.mu.Lock()
	out := make([]unikernel.InstanceRecord, 0, len(p.insts))
	for _, r := range p.insts {
		out = append(out, r)
	}
	p.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Group != out[j].Group {
			return out[i].Group < out[j].Group
		}
		return out[i].ID < out[j].ID
	})
	return out
}
