package server

import (
	"context"
	"errors"

	"github.com/mamoc-go/mamoc/repository"
	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
)

// instanceStore keeps the runtime's instance status in the repository.
type instanceStore struct{ repo *repository.DB }

var _ unikernel.InstanceStore = instanceStore{}

func (s instanceStore) PutInstance(ctx context.Context, rec unikernel.InstanceRecord) error {
	return s.repo.PutInstance(ctx, repository.Instance{ID: rec.ID, Driver: rec.Driver, Group: rec.App,
		Status: rec.State, CreatedAt: rec.StartedAt, LastUsed: rec.UpdatedAt})
}

func (s instanceStore) DeleteInstance(ctx context.Context, id string) error {
	if err := s.repo.DeleteInstance(ctx, id); err != nil && !errors.Is(err, repository.ErrNotFound) {
		return err
	}
	return nil
}
