package unikernel

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Artifact is a compiled app: class files by binary name (e.g. "a.b.C", "a.b.C$1").
type Artifact struct {
	Classes map[string][]byte
	// Hash identifies the content (sha256 over sorted names and bytes); instances cache what they loaded by it.
	Hash string
}

// NewArtifact builds an Artifact and computes its hash.
func NewArtifact(classes map[string][]byte) Artifact {
	names := make([]string, 0, len(classes))
	for n := range classes {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		_, _ = fmt.Fprintf(h, "%s\x00%d\x00", n, len(classes[n])) // hash.Hash writes never fail
		h.Write(classes[n])
	}
	return Artifact{Classes: classes, Hash: hex.EncodeToString(h.Sum(nil))}
}

// Jar encodes the artifact as a jar (zip) file for storage.
func (a Artifact) Jar() ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := make([]string, 0, len(a.Classes))
	for n := range a.Classes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f, err := zw.Create(strings.ReplaceAll(n, ".", "/") + ".class")
		if err != nil {
			return nil, fmt.Errorf("jar %s: %w", n, err)
		}
		if _, err := f.Write(a.Classes[n]); err != nil {
			return nil, fmt.Errorf("jar %s: %w", n, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("jar: %w", err)
	}
	return buf.Bytes(), nil
}

// ArtifactFromJar decodes a jar made by Jar (or any jar of class files).
func ArtifactFromJar(jar []byte) (Artifact, error) {
	zr, err := zip.NewReader(bytes.NewReader(jar), int64(len(jar)))
	if err != nil {
		return Artifact{}, fmt.Errorf("read jar: %w", err)
	}
	classes := map[string][]byte{}
	for _, f := range zr.File {
		if !strings.HasSuffix(f.Name, ".class") || strings.Contains(f.Name, "..") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return Artifact{}, fmt.Errorf("read jar %s: %w", f.Name, err)
		}
		b, err := io.ReadAll(io.LimitReader(rc, 64<<20))
		_ = rc.Close() // read-only zip entry; the read error is what matters
		if err != nil {
			return Artifact{}, fmt.Errorf("read jar %s: %w", f.Name, err)
		}
		name := strings.ReplaceAll(strings.TrimSuffix(f.Name, ".class"), "/", ".")
		classes[name] = b
	}
	return NewArtifact(classes), nil
}
