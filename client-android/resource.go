package client

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"

	"github.com/mamoc-go/mamoc/server/api"
)

// SHA256 returns the lowercase hex SHA-256 of content, the name the server files a resource under.
func SHA256(content []byte) string {
	sum := sha256.Sum256(content)
	return hex.EncodeToString(sum[:])
}

// PutResource uploads content under name and returns its SHA-256. It is idempotent: uploading
// the same content again stores nothing new. It fails with ErrProtocol when the server's digest
// differs from the local one, ErrLimit when the content is too large.
func (c *Client) PutResource(ctx context.Context, name string, content []byte) (string, error) {
	if content == nil {
		content = []byte{}
	}
	req := api.ResourcePut{Content: content, Name: name}
	res, err := c.call(ctx, api.ProcResourcePut, req.Args(), req.Kwargs(), nil)
	if err != nil {
		return "", fmt.Errorf("put resource %s: %w", name, err)
	}
	want := SHA256(content)
	if got := api.ParseStoredResource(res.ArgumentsKw).SHA256; got != want {
		return "", protocolError(api.ProcResourcePut, "resource %s sha256 %q, want %s", name, got, want)
	}
	return want, nil
}

// Missing returns those of the SHA-256 digests whose content the server does not have.
func (c *Client) Missing(ctx context.Context, shas []string) ([]string, error) {
	res, err := c.call(ctx, api.ProcResourceMissing, nil, api.ResourceMissing{SHA256: shas}.Kwargs(), nil)
	if err != nil {
		return nil, fmt.Errorf("missing resources: %w", err)
	}
	if res.ArgumentsKw["missing"] == nil {
		return nil, protocolError(api.ProcResourceMissing, "no missing in %v", res.ArgumentsKw)
	}
	m, err := api.ParseMissingResources(res.ArgumentsKw)
	if err != nil {
		return nil, protocolError(api.ProcResourceMissing, "%v", err)
	}
	return m.Missing, nil
}

// SyncResources makes the server hold every resource of byName (name → content): it asks which
// digests the server lacks and uploads only those, in name order. It returns how many it uploaded.
func (c *Client) SyncResources(ctx context.Context, byName map[string][]byte) (int, error) {
	if len(byName) == 0 {
		return 0, nil
	}
	names := make([]string, 0, len(byName))
	shas := make([]string, 0, len(byName))
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		names = append(names, name)
		shas = append(shas, SHA256(byName[name]))
	}
	missing, err := c.Missing(ctx, shas)
	if err != nil {
		return 0, fmt.Errorf("sync resources: %w", err)
	}
	uploaded := 0
	for i, name := range names {
		if !slices.Contains(missing, shas[i]) {
			continue
		}
		if _, err := c.PutResource(ctx, name, byName[name]); err != nil {
			return uploaded, fmt.Errorf("sync resources: %w", err)
		}
		uploaded++
		missing = slices.DeleteFunc(missing, func(s string) bool { return s == shas[i] }) // same content under two names
	}
	return uploaded, nil
}
