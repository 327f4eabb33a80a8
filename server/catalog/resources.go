package catalog

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mamoc-go/mamoc/repository"
)

// resources stores task input files content-addressed, under a name per namespace: "" is
// the server's own (files an operator provides, like MAMoC's data/ folder), a phone's
// namespace holds what it sent with receive_file or mamoc.resource.put.
type resources struct {
	repo *repository.DB
	max  int64 // largest resource in bytes
}

// sanitizeName returns name if it is a plain file name: no directories, no "..", printable
// ASCII letters, digits and . _ - only, at most 255 bytes.
func sanitizeName(name string) (string, error) {
	if name == "" || len(name) > 255 || name == "." || name == ".." || strings.HasPrefix(name, ".") {
		return "", BadArgument("resource name %q is not a plain file name", name)
	}
	for _, c := range name {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
		if !ok {
			return "", BadArgument("resource name %q has the character %q (allowed: letters, digits, . _ -)", name, c)
		}
	}
	return name, nil
}

// put stores content under name in namespace; storing the same content again is a no-op.
func (r *resources) put(ctx context.Context, namespace, name string, content []byte) (repository.Resource, error) {
	name, err := sanitizeName(name)
	if err != nil {
		return repository.Resource{}, err
	}
	if int64(len(content)) > r.max {
		return repository.Resource{}, fmt.Errorf("resource %s of %d bytes: %w (limit %d)", name, len(content), ErrTooLarge, r.max)
	}
	b, err := r.repo.PutBlobBytes(ctx, content)
	if err != nil {
		return repository.Resource{}, fmt.Errorf("store resource %s: %w", name, err)
	}
	return r.repo.PutResource(ctx, repository.Resource{Namespace: namespace, Name: name, SHA256: b.SHA256, Size: b.Size})
}

// putBlob stores content by its hash only (mamoc.resource.put without a name).
func (r *resources) putBlob(ctx context.Context, content []byte) (repository.Blob, error) {
	if int64(len(content)) > r.max {
		return repository.Blob{}, fmt.Errorf("resource of %d bytes: %w (limit %d)", len(content), ErrTooLarge, r.max)
	}
	return r.repo.PutBlobBytes(ctx, content)
}

// content returns a resource's bytes for from: by sha256 when given and from may read it
// (see Catalog.mayRead; content it may not read is reported exactly as content the server
// lacks), else by name from the server's namespace, then from the caller's.
func (c *Catalog) content(ctx context.Context, from Caller, name, sha string) ([]byte, error) {
	r := c.resources
	if sha != "" {
		if !repository.ValidSHA256(sha) {
			return nil, BadArgument("resource_sha256 %q is not a sha256", sha)
		}
		notFound := fmt.Errorf("resource %s: %w (upload it with mamoc.resource.put)", sha, ErrNotFound)
		ok, err := c.mayRead(ctx, from, sha)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, notFound
		}
		b, err := r.repo.GetBlob(ctx, sha)
		if errors.Is(err, repository.ErrNotFound) {
			return nil, notFound
		}
		return b, err
	}
	clean, err := sanitizeName(name)
	if err != nil {
		return nil, err
	}
	spaces := []string{""}
	if ns := from.Namespace(); ns != "" {
		spaces = append(spaces, ns)
	}
	for _, ns := range spaces {
		res, err := r.repo.ResourceByName(ctx, ns, clean)
		if errors.Is(err, repository.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return r.repo.GetBlob(ctx, res.SHA256)
	}
	return nil, fmt.Errorf("resource %q: %w", clean, ErrNotFound)
}

// importDir stores every regular file of dir as a server resource; a missing dir is fine.
func (r *resources) importDir(ctx context.Context, dir string) (int, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read resources dir: %w", err)
	}
	n := 0
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return n, fmt.Errorf("read resource %s: %w", e.Name(), err)
		}
		res, err := r.put(ctx, "", e.Name(), b)
		if err != nil {
			return n, err
		}
		if err := r.repo.GrantContent(ctx, res.SHA256, repository.PublicOwner); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// PutResource stores content under name in the caller's namespace; storing the same content
// again is a no-op. The caller may then also use it by its hash.
func (c *Catalog) PutResource(ctx context.Context, from Caller, name string, content []byte) (repository.Resource, error) {
	res, err := c.resources.put(ctx, from.Namespace(), name, content)
	if err != nil {
		return repository.Resource{}, err
	}
	return res, c.grant(ctx, from, res.SHA256)
}

// PutBlob stores content by its hash only, for the caller: only owners that put the content
// may use it by its hash (it is stored once however many put it).
func (c *Catalog) PutBlob(ctx context.Context, from Caller, content []byte) (repository.Blob, error) {
	b, err := c.resources.putBlob(ctx, content)
	if err != nil {
		return repository.Blob{}, err
	}
	return b, c.grant(ctx, from, b.SHA256)
}

// MissingBlobs returns those of shas the caller must upload before using them by hash:
// content it has not put (whether or not another owner did) or the server no longer keeps.
// A malformed hash is ErrBadArgument.
func (c *Catalog) MissingBlobs(ctx context.Context, from Caller, shas []string) ([]string, error) {
	for _, s := range shas {
		if !repository.ValidSHA256(s) {
			return nil, BadArgument("%v is not a sha256", s)
		}
	}
	if from.Admin() {
		return c.repo.MissingBlobs(ctx, shas)
	}
	return c.repo.MissingFor(ctx, from.Owner(), shas)
}

// ImportResources stores every regular file of dir as a server resource; a missing dir is
// fine. It returns how many files it stored.
func (c *Catalog) ImportResources(ctx context.Context, dir string) (int, error) {
	return c.resources.importDir(ctx, dir)
}
