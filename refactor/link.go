package refactor

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// linker turns DEX bytecode into a jar with Debian's enjarify, caches it and registers procedures.
type linker struct {
	cfg   *Config
	store Store

	mu    sync.Mutex        // guards cache
	cache map[string]string // link key (APK hash + class set) → jar sha256 in the store
}

func defaultPython() string {
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		return "/usr/bin/python3"
	}
	return ""
}

// linkKey identifies a jar by the APK content and the class set it keeps.
func linkKey(apkSum string, classes []string) string {
	h := sha256.New()
	_, _ = io.WriteString(h, apkSum)
	for _, c := range classes {
		_, _ = io.WriteString(h, "\n"+c)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func stageLink(ctx context.Context, r *run) error {
	rep := r.report
	if len(rep.Procedures) == 0 {
		rep.Link = &LinkInfo{Note: "no offloadable public static method or MAMoC-shaped class: nothing to link"}
		return nil
	}
	if r.linker == nil {
		return errNoLinker
	}
	start := time.Now()
	keep := r.graph.jarClasses(r.graph.closureClasses(r.roots))
	classes := sortedKeys(keep)
	key := linkKey(r.sum, classes)
	shims := map[string]bool{}
	for _, id := range r.roots {
		for s := range r.graph.nodes[id].needs {
			shims[s] = true
		}
	}
	info := &LinkInfo{Classes: len(classes), Shims: sortedKeys(shims)}
	if len(info.Shims) == 0 {
		info.Shims = nil
	}
	rep.Link = info
	if jar, ok := r.linker.cached(ctx, key); ok {
		r.jar = jar
		info.Cached = true
	} else {
		var jar []byte
		var err error
		if r.linker.cfg.LinkWholeAPK {
			jar, err = r.linker.enjarify(ctx, r.apk)
			if err == nil {
				r.progress("link", 0.9)
				if jar, err = filterJar(jar, keep); err != nil {
					err = fmt.Errorf("%w: filter jar: %w", ErrLink, err)
				}
			}
		} else {
			jar, err = r.linker.translate(ctx, r.apk, classes)
		}
		if err != nil {
			info.Error = err.Error()
			return err
		}
		r.jar = jar
		r.linker.remember(ctx, key, jar)
	}
	h := sha256.Sum256(r.jar)
	info.JarSHA256 = hex.EncodeToString(h[:])
	info.JarBytes = len(r.jar)
	info.Seconds = time.Since(start).Seconds()
	return nil
}

func stageRegister(ctx context.Context, r *run) error {
	rep := r.report
	if rep.Link == nil || r.jar == nil || len(rep.Procedures) == 0 {
		return nil
	}
	if r.linker.cfg.Registrar == nil {
		rep.Link.Note = "no registrar configured: procedures listed, not registered"
		return nil
	}
	app := AppInfo{APKSHA256: r.sum, JarSHA256: rep.Link.JarSHA256, Shims: rep.Link.Shims}
	if rep.Manifest != nil {
		app.Package, app.Version = rep.Manifest.Package, rep.Manifest.VersionName
	}
	if r.jobID != "" {
		app.JobID = r.jobID
	}
	if err := r.linker.cfg.Registrar.RegisterProcedures(ctx, app, r.jar, rep.Procedures); err != nil {
		return fmt.Errorf("register procedures: %w", err)
	}
	rep.Link.Registered = true
	rep.Counts.Registered = len(rep.Procedures)
	return nil
}

func (l *linker) cached(ctx context.Context, key string) ([]byte, bool) {
	l.mu.Lock()
	sum, ok := l.cache[key]
	l.mu.Unlock()
	if !ok {
		return nil, false
	}
	jar, err := l.store.Blob(ctx, sum)
	if err != nil {
		return nil, false
	}
	return jar, true
}

func (l *linker) remember(ctx context.Context, key string, jar []byte) {
	h := sha256.Sum256(jar)
	sum := hex.EncodeToString(h[:])
	if err := l.store.PutBlob(ctx, sum, jar); err != nil {
		l.cfg.Logger.Warn("cache jar", "err", err)
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.cache) > 4096 {
		clear(l.cache)
	}
	l.cache[key] = sum
}

// limitedBuffer keeps the first n bytes written to it.
type limitedBuffer struct {
	buf bytes.Buffer
	n   int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.n - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

//go:embed link.py
var linkScript []byte

// translate converts only the given classes of the APK's DEX files to a jar with enjarify's
// Python library (link.py), bounded by LinkTimeout and MaxJarBytes.
func (l *linker) translate(ctx context.Context, apk []byte, classes []string) ([]byte, error) {
	dir, err := os.MkdirTemp("", "mamoc-link-")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrLink, err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	in, out, list, script := filepath.Join(dir, "app.apk"), filepath.Join(dir, "app.jar"), filepath.Join(dir, "classes.txt"), filepath.Join(dir, "link.py")
	for name, data := range map[string][]byte{in: apk, list: []byte(strings.Join(classes, "\n") + "\n"), script: linkScript} {
		if err := os.WriteFile(name, data, 0o600); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrLink, err)
		}
	}
	python := l.cfg.Python
	if python == "" {
		python = "python3"
	}
	return l.runEnjarify(ctx, dir, out, nil, python, script, in, out, list)
}

// enjarify converts the APK's DEX files to a jar, bounded by LinkTimeout and MaxJarBytes.
func (l *linker) enjarify(ctx context.Context, apk []byte) ([]byte, error) {
	dir, err := os.MkdirTemp("", "mamoc-link-")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrLink, err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	in, out := filepath.Join(dir, "app.apk"), filepath.Join(dir, "app.jar")
	if err := os.WriteFile(in, apk, 0o600); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrLink, err)
	}
	return l.runEnjarify(ctx, dir, out, []string{"PYTHON=" + l.cfg.Python}, l.cfg.Enjarify, "-f", "-o", out, in)
}

// runEnjarify runs name with args in dir (with env added to this process's environment),
// bounded by LinkTimeout, and returns the jar it wrote at out, bounded by MaxJarBytes.
func (l *linker) runEnjarify(ctx context.Context, dir, out string, env []string, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, l.cfg.LinkTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	var logs limitedBuffer
	logs.n = 4096
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w: enjarify: timed out after %v", ErrLink, l.cfg.LinkTimeout)
		}
		return nil, fmt.Errorf("%w: enjarify: %w: %s%s", ErrLink, err, strings.TrimSpace(logs.buf.String()), toolHint(err, logs.buf.String()))
	}
	st, err := os.Stat(out)
	if err != nil {
		return nil, fmt.Errorf("%w: enjarify wrote no jar: %s", ErrLink, strings.TrimSpace(logs.buf.String()))
	}
	if st.Size() > l.cfg.MaxJarBytes {
		return nil, fmt.Errorf("%w: %w: jar is %d bytes, limit %d", ErrLink, ErrTooLarge, st.Size(), l.cfg.MaxJarBytes)
	}
	return os.ReadFile(out)
}

// filterJar keeps the .class entries of the given classes (binary names a.b.Foo$Bar).
func filterJar(jar []byte, keep map[string]bool) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(jar), int64(len(jar)))
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	names := make([]*zip.File, 0, len(zr.File))
	for _, f := range zr.File {
		cls, ok := strings.CutSuffix(f.Name, ".class")
		if ok && keep[strings.ReplaceAll(cls, "/", ".")] {
			names = append(names, f)
		}
	}
	sort.Slice(names, func(i, j int) bool { return names[i].Name < names[j].Name })
	for _, f := range names {
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate})
		if err == nil {
			_, err = io.Copy(w, io.LimitReader(rc, 64<<20))
		}
		_ = rc.Close()
		if err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, errors.New("no class of the closure in the enjarify output")
	}
	return out.Bytes(), nil
}
