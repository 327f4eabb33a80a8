package catalog

import (
	"context"
	"fmt"

	"github.com/mamoc-go/mamoc/repository"
	"github.com/mamoc-go/mamoc/router"
	"github.com/mamoc-go/mamoc/server/api"
)

// roleTrusted is the router's role for in-process sessions: the server itself.
const roleTrusted = "trusted"

// Owner is who owns what the caller puts on the server: its authid. An anonymous session's
// authid is new for each session (api.AnonymousAuthIDPrefix), so an anonymous phone owns
// nothing beyond its session. The server itself (a trusted in-process session) owns as
// repository.PublicOwner: its content is everyone's, its task names are free.
func (c Caller) Owner() string {
	if c.Role == roleTrusted {
		return repository.PublicOwner
	}
	return c.AuthID
}

// Admin reports whether the caller may read and rebind everything: an admin, or the server.
func (c Caller) Admin() bool { return c.Role == router.RoleAdmin || c.Role == roleTrusted }

// Anonymous reports whether the caller is an anonymous session.
func (c Caller) Anonymous() bool { return api.IsAnonymous(c.AuthID) }

// nameFree reports whether from may bind name to the source sha: the name is unbound, free,
// the caller's own, bound to that very source, or the caller is an admin. It returns the
// owner the name has afterwards. Call with c.mu held.
func (c *Catalog) nameFree(from Caller, name, sha string) (string, error) {
	n, bound := c.names[name]
	owner := from.Owner()
	switch {
	case !bound, n.Owner == repository.PublicOwner, n.Owner == owner, from.Admin():
		return owner, nil
	case n.SourceSHA256 == sha:
		// The same source: the caller runs exactly its own code, and the name keeps its owner.
		return n.Owner, nil
	}
	return "", fmt.Errorf("task %s: %w: another phone or user deployed a different source under this name; "+
		"deploy yours under another class name or rpcname", name, ErrConflict)
}

// claim binds t's name to t for from (the calls of the name run t from now on), or refuses
// with ErrConflict. The caller also gets the right to read t's source by hash.
func (c *Catalog) claim(ctx context.Context, from Caller, t *Task) error {
	c.mu.Lock()
	owner, err := c.nameFree(from, t.Procedure, t.SourceSHA256)
	if err != nil {
		c.mu.Unlock()
		return err
	}
	prev, bound := c.names[t.Procedure]
	n := repository.TaskName{Name: t.Procedure, Owner: owner, SourceSHA256: t.SourceSHA256}
	c.names[t.Procedure] = n
	c.byProc[t.Procedure] = t
	c.mu.Unlock()
	if !bound || prev.Owner != n.Owner || prev.SourceSHA256 != n.SourceSHA256 {
		if err := c.repo.BindTaskName(ctx, n); err != nil {
			return err
		}
		if bound && prev.SourceSHA256 != n.SourceSHA256 {
			c.log.Info("task name rebound", "task", t.Procedure, "owner", owner, "source_sha256", t.SourceSHA256)
		}
	}
	return c.grant(ctx, from, t.SourceSHA256)
}

// grant records that from put the content sha256. A pair recorded before is not written
// again: a MAMoC phone sends its source with every offloading request.
func (c *Catalog) grant(ctx context.Context, from Caller, sha string) error {
	if sha == "" {
		return nil
	}
	owner := from.Owner()
	c.mu.Lock()
	_, done := c.grants[owner][sha]
	c.mu.Unlock()
	if done {
		return nil
	}
	if err := c.repo.GrantContent(ctx, sha, owner); err != nil {
		return err
	}
	c.mu.Lock()
	if c.grants[owner] == nil {
		c.grants[owner] = map[string]struct{}{}
	}
	c.grants[owner][sha] = struct{}{}
	c.mu.Unlock()
	return nil
}

// mayRead reports whether from may read the content sha256 by its hash: an owner that put it,
// or anyone when the server did; admins read everything.
func (c *Catalog) mayRead(ctx context.Context, from Caller, sha string) (bool, error) {
	if from.Admin() {
		return true, nil
	}
	return c.repo.MayRead(ctx, sha, from.Owner())
}

// Forget drops what owner keeps only while its session lasts (an anonymous session that
// left): its right to read content by hash, and its task names, which stay bound to their
// source but become free for anyone to rebind.
func (c *Catalog) Forget(ctx context.Context, owner string) error {
	c.mu.Lock()
	delete(c.grants, owner)
	c.mu.Unlock()
	names, err := c.repo.ForgetOwner(ctx, owner)
	if err != nil {
		return err
	}
	c.release(names)
	return nil
}

// ForgetAnonymous is Forget for every anonymous session of an earlier run (at start).
func (c *Catalog) ForgetAnonymous(ctx context.Context) error {
	names, err := c.repo.ForgetOwnersWithPrefix(ctx, api.AnonymousAuthIDPrefix)
	if err != nil {
		return err
	}
	c.release(names)
	return nil
}

func (c *Catalog) release(names []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, name := range names {
		if n, ok := c.names[name]; ok {
			n.Owner = repository.PublicOwner
			c.names[name] = n
		}
	}
}
