package repository_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/mamoc-go/mamoc/repository"
)

func openOwners(t *testing.T) *repository.DB {
	t.Helper()
	db, err := repository.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// TestContentOwners: content is read by hash only by an owner that put it or when the server
// did; forgetting an owner removes its rights and frees its task names.
func TestContentOwners(t *testing.T) {
	ctx := context.Background()
	db := openOwners(t)
	a, err := db.PutBlobBytes(ctx, []byte("phone A's private file"))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := db.PutBlobBytes(ctx, []byte("server file"))
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range []struct{ sha, owner string }{{a.SHA256, "anon-a"}, {a.SHA256, "anon-a"}, {pub.SHA256, repository.PublicOwner}} {
		if err := db.GrantContent(ctx, g.sha, g.owner); err != nil {
			t.Fatalf("GrantContent(%s, %q) = %v", g.sha[:8], g.owner, err)
		}
	}
	reads := []struct {
		sha, owner string
		want       bool
	}{
		{a.SHA256, "anon-a", true},
		{a.SHA256, "anon-b", false},
		{a.SHA256, "alice", false},
		{pub.SHA256, "anon-b", true},
	}
	for _, r := range reads {
		if got, err := db.MayRead(ctx, r.sha, r.owner); err != nil || got != r.want {
			t.Errorf("MayRead(%s, %q) = %v, %v; want %v", r.sha[:8], r.owner, got, err, r.want)
		}
	}
	if got, err := db.MissingFor(ctx, "anon-b", []string{a.SHA256, pub.SHA256}); err != nil || !reflect.DeepEqual(got, []string{a.SHA256}) {
		t.Errorf("MissingFor(anon-b) = %v, %v; want only A's hash (stored, but not B's)", got, err)
	}
	if err := db.BindTaskName(ctx, repository.TaskName{Name: "uk.Task", Owner: "anon-a", SourceSHA256: a.SHA256}); err != nil {
		t.Fatal(err)
	}
	if err := db.BindTaskName(ctx, repository.TaskName{Name: "uk.Other", Owner: "alice", SourceSHA256: a.SHA256}); err != nil {
		t.Fatal(err)
	}
	names, err := db.ForgetOwnersWithPrefix(ctx, "anon-")
	if err != nil || !reflect.DeepEqual(names, []string{"uk.Task"}) {
		t.Fatalf("ForgetOwnersWithPrefix = %v, %v; want [uk.Task]", names, err)
	}
	if got, _ := db.MayRead(ctx, a.SHA256, "anon-a"); got {
		t.Error("an anonymous owner's right survived ForgetOwnersWithPrefix")
	}
	n, err := db.GetTaskName(ctx, "uk.Task")
	if err != nil || n.Owner != "" || n.SourceSHA256 != a.SHA256 {
		t.Errorf("released name = %+v, %v; want owner \"\" and the same source", n, err)
	}
	if n, err := db.GetTaskName(ctx, "uk.Other"); err != nil || n.Owner != "alice" {
		t.Errorf("alice's name = %+v, %v; want kept", n, err)
	}
	if _, err := db.GetTaskName(ctx, "uk.None"); !errors.Is(err, repository.ErrNotFound) {
		t.Errorf("GetTaskName(unbound) = %v, want ErrNotFound", err)
	}
}

// TestPruneInstances: rows of instances an earlier process left are removed at start.
func TestPruneInstances(t *testing.T) {
	ctx := context.Background()
	db := openOwners(t)
	for _, id := range []string{"i-1", "i-2"} {
		if err := db.PutInstance(ctx, repository.Instance{ID: id, Status: "busy"}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := db.PruneInstances(ctx); err != nil || n != 2 {
		t.Errorf("PruneInstances = %d, %v; want 2", n, err)
	}
	if l, err := db.ListInstances(ctx); err != nil || len(l) != 0 {
		t.Errorf("ListInstances after prune = %v, %v; want none", l, err)
	}
}
