package unikernel

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
)

//go:embed agent/src shims/src
var imageSources embed.FS

// imageRecipe changes whenever the build steps below change.
const imageRecipe = "mamoc-image-v2"

// imageModules are the JDK modules linked into the image's JRE.
var imageModules = []string{"java.base", "java.compiler", "jdk.compiler", "jdk.zipfs", "java.logging", "java.xml"}

// Image is a built base image.
type Image struct {
	Hash   string // content hash of sources, recipe and JDK
	Dir    string // ImageDir/<hash>
	RootFS string // Dir/rootfs: /jre, /agent/agent.jar, /agent/shims.jar, /lib..., /tmp, /proc, /dev
}

// AgentArgv is the command that starts the agent inside the image with a heap sized for memMB.
// The agent reads requests from fd 3 and writes replies to fd 4; drivers must provide both and
// run it with / of the image as working directory (the class path is relative, for AppCDS).
func (im *Image) AgentArgv(memMB int) []string {
	return im.AgentArgvAt(memMB, AgentEndpoints{In: "/proc/self/fd/3", Out: "/proc/self/fd/4"})
}

// AgentArgvAt is AgentArgv with the agent's channel at ep (see AgentChannel). The JVM's own
// output goes to stderr, so it never mixes into a channel on stdout.
func (im *Image) AgentArgvAt(memMB int, ep AgentEndpoints) []string {
	heap := memMB * 3 / 5
	return []string{"/jre/bin/java", "-Xshare:auto", "-XX:SharedArchiveFile=/agent/agent.jsa", "-XX:+UseSerialGC", "-XX:-UsePerfData", "-XX:TieredStopAtLevel=4",
		fmt.Sprintf("-Xmx%dm", heap), "-Xss1m", "-XX:MaxMetaspaceSize=96m", "-XX:ReservedCodeCacheSize=48m",
		"-XX:-UseContainerSupport", "-XX:+DisplayVMOutputToStderr", "-Xlog:disable", "-Xlog:all=warning:stderr", "-Dmamoc.in=" + ep.In, "-Dmamoc.out=" + ep.Out, "-Djava.io.tmpdir=/tmp", "-Duser.home=/tmp", "-Dfile.encoding=UTF-8",
		"-cp", "agent/agent.jar", "mamoc.agent.Agent", "/agent/shims.jar"}
}

// BuildImage builds the base image into dir (once per content hash) and returns it.
// Concurrent builders, also in other processes, are safe: a lock file serialises them and the
// result appears by atomic rename.
func BuildImage(ctx context.Context, dir, javaHome string) (*Image, error) {
	jdk, err := findJDK(javaHome)
	if err != nil {
		return nil, err
	}
	hash, err := imageHash(jdk)
	if err != nil {
		return nil, err
	}
	im := &Image{Hash: hash, Dir: filepath.Join(dir, hash)}
	im.RootFS = filepath.Join(im.Dir, "rootfs")
	if ready(im.Dir) {
		return im, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("image dir: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, hash+".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("image lock: %w", err)
	}
	defer func() { _ = lock.Close() }()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return nil, fmt.Errorf("image lock: %w", err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) //nolint:errcheck
	if ready(im.Dir) {
		return im, nil
	}
	tmp, err := os.MkdirTemp(dir, ".build-"+hash[:12]+"-")
	if err != nil {
		return nil, fmt.Errorf("image build dir: %w", err)
	}
	defer func() { _ = os.RemoveAll(tmp) }() // best effort; gone after a successful rename
	if err := buildInto(ctx, tmp, jdk); err != nil {
		return nil, fmt.Errorf("build image %s: %w", hash[:12], err)
	}
	if err := os.WriteFile(filepath.Join(tmp, "READY"), []byte(hash+"\n"), 0o644); err != nil {
		return nil, err
	}
	_ = os.RemoveAll(im.Dir) // a half-made directory from a crashed builder
	if err := os.Rename(tmp, im.Dir); err != nil {
		return nil, fmt.Errorf("install image: %w", err)
	}
	return im, nil
}

func ready(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "READY"))
	return err == nil
}

func findJDK(javaHome string) (string, error) {
	if javaHome != "" {
		if _, err := os.Stat(filepath.Join(javaHome, "bin", "jlink")); err == nil {
			return javaHome, nil
		}
	}
	p, err := exec.LookPath("javac")
	if err != nil {
		return "", fmt.Errorf("find JDK: no javac on PATH and no java_home: %w", err)
	}
	p, err = filepath.EvalSymlinks(p)
	if err != nil {
		return "", fmt.Errorf("find JDK: %w", err)
	}
	home := filepath.Dir(filepath.Dir(p))
	if _, err := os.Stat(filepath.Join(home, "bin", "jlink")); err != nil {
		return "", fmt.Errorf("find JDK: no jlink in %s: %w", home, err)
	}
	return home, nil
}

func imageHash(jdk string) (string, error) {
	h := sha256.New()
	_, _ = fmt.Fprintf(h, "%s\x00%s\x00%s\x00", imageRecipe, strings.Join(imageModules, ","), jdk)
	if rel, err := os.ReadFile(filepath.Join(jdk, "release")); err == nil {
		h.Write(rel)
	}
	var files []string
	err := fs.WalkDir(imageSources, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		return "", err
	}
	sort.Strings(files)
	for _, f := range files {
		b, _ := imageSources.ReadFile(f)
		_, _ = fmt.Fprintf(h, "%s\x00%d\x00", f, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:32], nil
}

func run(ctx context.Context, dir, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w: %s", filepath.Base(name), strings.Join(args[:min(len(args), 3)], " "), err, bytes.TrimSpace(out))
	}
	return nil
}

func buildInto(ctx context.Context, tmp, jdk string) error {
	src := filepath.Join(tmp, "src")
	if err := os.CopyFS(src, imageSources); err != nil {
		return fmt.Errorf("write sources: %w", err)
	}
	javac := filepath.Join(jdk, "bin", "javac")
	rootfs := filepath.Join(tmp, "rootfs")
	for _, d := range []string{"agent", "tmp", "proc", "dev", "lib", "lib64", "usr"} {
		if err := os.MkdirAll(filepath.Join(rootfs, d), 0o755); err != nil {
			return err
		}
	}
	for _, part := range []string{"shims", "agent"} {
		files, err := javaFiles(filepath.Join(src, part, "src"))
		if err != nil {
			return err
		}
		out := filepath.Join(tmp, "classes", part)
		args := append([]string{"--release", "17", "-nowarn", "-d", out}, files...)
		if err := run(ctx, tmp, javac, args...); err != nil {
			return err
		}
		if err := writeJar(out, filepath.Join(rootfs, "agent", part+".jar")); err != nil {
			return err
		}
	}
	jre := filepath.Join(rootfs, "jre")
	if err := run(ctx, tmp, filepath.Join(jdk, "bin", "jlink"), "--add-modules", strings.Join(imageModules, ","),
		"--strip-debug", "--no-man-pages", "--no-header-files", "--output", jre); err != nil {
		return err
	}
	if err := copyLibs(ctx, rootfs, jre); err != nil {
		return err
	}
	if err := run(ctx, tmp, filepath.Join(jre, "bin", "java"), "-Xshare:dump", "-XX:+UseSerialGC"); err != nil {
		return err
	}
	// AppCDS: archive the agent's classes (already verified) on top of the default archive. The class
	// path is relative (agent/agent.jar, the guest runs in /) so the archive matches inside the sandbox.
	warm := filepath.Join(tmp, "warmup.bin")
	// The warm-up runs the invoke path too (a JDK method, no app classes), so its classes are archived.
	var frames []byte
	warmCall := request(opInvoke).str("warm").str("java.lang.Integer").str("valueOf").i32(0)
	if err := warmCall.value([]any{41}); err != nil {
		return err
	}
	warmCall.i64(1 << 10)
	for i, w := range []*wbuf{request(opPing), request(opStats), request(opLoad).str("warm").i32(0), warmCall, request(opExit)} {
		binary.BigEndian.PutUint32(w.b[0:4], uint32(len(w.b)-4))
		binary.BigEndian.PutUint32(w.b[5:9], uint32(i+1))
		frames = append(frames, w.b...)
	}
	if err := os.WriteFile(warm, frames, 0o644); err != nil {
		return err
	}
	if err := run(ctx, rootfs, filepath.Join(jre, "bin", "java"), "-XX:ArchiveClassesAtExit=agent/agent.jsa", "-XX:+UseSerialGC",
		"-Dmamoc.in="+warm, "-Dmamoc.out=/dev/null", "-cp", "agent/agent.jar", "mamoc.agent.Agent", "agent/shims.jar"); err != nil {
		return err
	}
	return filepath.WalkDir(tmp, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		mode := info.Mode().Perm() | 0o444
		if d.IsDir() || mode&0o100 != 0 {
			mode |= 0o111
		}
		return os.Chmod(p, mode&^0o022)
	})
}

func javaFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".java") {
			files = append(files, p)
		}
		return err
	})
	return files, err
}

func writeJar(classes, jar string) error {
	f, err := os.Create(jar)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	err = filepath.WalkDir(classes, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(classes, p)
		w, err := zw.Create(filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	})
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(jar), err)
	}
	return nil
}

var lddPath = regexp.MustCompile(`(/[^ \t]+\.so[^ \t]*)`)

// copyLibs copies the shared libraries the JRE needs (found with ldd) into rootfs at their host paths.
func copyLibs(ctx context.Context, rootfs, jre string) error {
	var objs []string
	objs = append(objs, filepath.Join(jre, "bin", "java"))
	_ = filepath.WalkDir(jre, func(p string, _ fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".so") {
			objs = append(objs, p)
		}
		return nil
	})
	libs := map[string]bool{}
	for _, o := range objs {
		out, err := exec.CommandContext(ctx, "ldd", o).Output()
		if err != nil {
			continue // not dynamic
		}
		for _, m := range lddPath.FindAllString(string(out), -1) {
			if !strings.HasPrefix(m, jre) {
				libs[m] = true
			}
		}
	}
	if len(libs) == 0 {
		return errors.New("ldd found no libraries for the JRE")
	}
	for l := range libs {
		b, err := os.ReadFile(l)
		if err != nil {
			return fmt.Errorf("copy lib: %w", err)
		}
		dst := filepath.Join(rootfs, l)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, b, 0o755); err != nil {
			return fmt.Errorf("copy lib: %w", err)
		}
	}
	return nil
}
