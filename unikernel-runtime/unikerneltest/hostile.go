package unikerneltest

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
)

// hostileSources are tasks that try to escape or exhaust their instance.
var hostileSources = map[string]string{
	"evil.Read": `package evil;
public class Read {
    public static String file(String p) throws Exception { return new String(java.nio.file.Files.readAllBytes(java.nio.file.Paths.get(p))); }
    public static String list(String p) throws Exception { return String.join(",", new java.io.File(p).list()); }
    public static String fds() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (java.io.File f : new java.io.File("/proc/self/fd").listFiles()) {
            try { String l = java.nio.file.Files.readSymbolicLink(f.toPath()).toString(); sb.append(f.getName()).append("=").append(l).append(" "); } catch (Exception e) { }
        }
        return sb.toString();
    }
}`,
	"evil.Write": `package evil;
public class Write {
    public static String file(String p) throws Exception { java.nio.file.Files.write(java.nio.file.Paths.get(p), "pwned".getBytes()); return "wrote " + p; }
}`,
	"evil.Net": `package evil;
public class Net {
    public static String connect(int port) throws Exception {
        try (java.net.Socket s = new java.net.Socket()) { s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 2000); return "connected"; }
    }
}`,
	"evil.Exec": `package evil;
public class Exec {
    public static String exec() throws Exception { Process p = Runtime.getRuntime().exec(new String[] {"/jre/bin/java", "-version"}); return "started " + p.pid(); }
    public static String builder() throws Exception { Process p = new ProcessBuilder("/bin/sh", "-c", "id").start(); return "started " + p.pid(); }
    public static String forkBomb() throws Exception {
        int ok = 0; Exception last = null;
        for (int i = 0; i < 200; i++) { try { new ProcessBuilder("/jre/bin/java", "-version").start(); ok++; } catch (Exception e) { last = e; } }
        if (ok > 0) return "forked " + ok;
        throw last;
    }
    public static String threadBomb() {
        int n = 0;
        while (true) { Thread t = new Thread(() -> { try { Thread.sleep(Long.MAX_VALUE); } catch (InterruptedException e) { } }); t.setDaemon(true); t.start(); n++; }
    }
}`,
	"evil.Mem": `package evil;
public class Mem {
    public static int hog() { java.util.List<long[]> l = new java.util.ArrayList<>(); while (true) l.add(new long[1 << 17]); }
}`,
	"evil.Loop": `package evil;
public class Loop {
    public static long spin() { long x = 1; while (x != 0) { x = x * 6364136223846793005L + 1442695040888963407L; if (x == 42) break; } return x; }
    public static long sleep(long ms) throws Exception { Thread.sleep(ms); return ms; }
}`,
	"evil.Exit": `package evil;
public class Exit { public static void exit() { System.exit(0); } public static void halt() { Runtime.getRuntime().halt(7); } }`,
	"evil.Print": `package evil;
public class Print {
    public static int flood() {
        String line = "x".repeat(1023);
        for (int i = 0; i < 100 * 1024; i++) { try { System.out.println(line); } catch (Throwable t) { } }
        return 0;
    }
    public static String huge() { return "y".repeat(8 << 20); }
}`,
	"evil.Spy": `package evil;
public class Spy {
    public static String peek(String cls) throws Exception { Class<?> c = Class.forName(cls); return c.getName() + " " + c.getClassLoader(); }
    public static String agent() throws Exception { Class<?> c = Class.forName("mamoc.agent.Agent"); return "reached " + c; }
    public static String tmp() throws Exception { return Read.list("/tmp"); }
}`,
	"secret.Vault": `package secret;
public class Vault {
    public static String SECRET;
    public static String keep(String s) throws Exception { SECRET = s; java.nio.file.Files.write(java.nio.file.Paths.get("/tmp/vault"), s.getBytes()); return "kept"; }
    public static String get() { return String.valueOf(SECRET); }
}`,
}

// RunHostileTests runs tasks that try to escape or exhaust their instance against the driver
// newDriver returns: host files, the network, processes, memory, CPU, output, exits, other tenants,
// and a recycled instance's leftovers. Every driver must contain them all the same way.
func RunHostileTests(t *testing.T, newDriver NewDriverFunc) {
	t.Run("Contained", func(t *testing.T) { testHostile(t, newDriver) })
	t.Run("RecycledInstanceKeepsNoState", func(t *testing.T) { testRecycledInstanceKeepsNoState(t, newDriver) })
}

func testHostile(t *testing.T, newDriver NewDriverFunc) {
	drv := newDriver(t)
	rt := NewRuntime(t, drv, unikernel.Config{Spare: -1, MinWarm: 1, MaxCallsPerInstance: 1000,
		Limits: unikernel.Limits{WallTime: 15 * time.Second, MemoryMB: 128, OutputBytes: 1 << 20}}, nil)
	ctx := context.Background()
	compile := func(app string) unikernel.Artifact {
		src := map[string]string{}
		for k, v := range hostileSources {
			src[k] = v
		}
		for k, v := range Sources {
			src[k] = v
		}
		art, err := rt.Compile(ctx, app, src)
		if err != nil {
			t.Fatalf("Compile(%s) = %v", app, err)
		}
		return art
	}
	art := compile("evil")
	call := func(c unikernel.Call) (unikernel.Result, error) {
		if c.Group == "" {
			c.Group = "evil"
		}
		c.Artifact = art
		return rt.Invoke(ctx, c)
	}

	hostname, _ := os.ReadFile("/etc/hostname")
	dataDir := t.TempDir()
	secretFile := filepath.Join(dataDir, "mamoc.db")
	if err := os.WriteFile(secretFile, []byte("host secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	accepted := make(chan struct{}, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			accepted <- struct{}{}
			_ = c.Close()
		}
	}()
	port := float64(ln.Addr().(*net.TCPAddr).Port)

	taskErr := func(class string) func(error) bool {
		return func(err error) bool {
			var te *unikernel.TaskError
			return errors.As(err, &te) && strings.Contains(te.Class+" "+te.Message, class)
		}
	}
	limit := func(kind string) func(error) bool {
		return func(err error) bool {
			var le *unikernel.LimitError
			return errors.As(err, &le) && le.Limit == kind && errors.Is(err, unikernel.ErrLimit)
		}
	}
	is := func(target error) func(error) bool { return func(err error) bool { return errors.Is(err, target) } }

	tests := []struct {
		name   string
		call   unikernel.Call
		ctx    time.Duration // cancel the call after this long
		wantOK func(error) bool
		want   string
	}{
		{"read /etc/hostname", unikernel.Call{Class: "evil.Read", Method: "file", Args: []any{"/etc/hostname"}}, 0, taskErr("NoSuchFileException"), "NoSuchFileException"},
		{"read host data dir", unikernel.Call{Class: "evil.Read", Method: "file", Args: []any{secretFile}}, 0, taskErr("NoSuchFileException"), "NoSuchFileException"},
		{"list host root", unikernel.Call{Class: "evil.Read", Method: "list", Args: []any{"/"}}, 0, func(error) bool { return true }, "only the image"},
		{"inherited fds", unikernel.Call{Class: "evil.Read", Method: "fds"}, 0, func(error) bool { return true }, "pipes only"},
		// Linux checks the read-only mount first (EROFS, a FileSystemException); gVisor checks the
		// directory's permissions first (EACCES: the guest's uid may not write /agent). "root
		// mounted read-only" checks the mount itself on both.
		{"write into image", unikernel.Call{Class: "evil.Write", Method: "file", Args: []any{"/agent/evil.jar"}}, 0, func(err error) bool {
			return taskErr("FileSystemException")(err) || taskErr("AccessDeniedException")(err)
		}, "/agent/evil.jar"},
		{"root mounted read-only", unikernel.Call{Class: "evil.Read", Method: "file", Args: []any{"/proc/self/mounts"}}, 0, nil, "ro"},
		{"write host data dir", unikernel.Call{Class: "evil.Write", Method: "file", Args: []any{filepath.Join(dataDir, "pwned")}}, 0, taskErr("NoSuchFileException"), "NoSuchFileException"},
		{"connect 127.0.0.1 listener", unikernel.Call{Class: "evil.Net", Method: "connect", Args: []any{port}}, 0, taskErr("SocketException"), "Operation not permitted"},
		{"Runtime.exec", unikernel.Call{Class: "evil.Exec", Method: "exec"}, 0, taskErr("IOException"), "error=1, Operation not permitted"},
		{"ProcessBuilder", unikernel.Call{Class: "evil.Exec", Method: "builder"}, 0, taskErr("IOException"), "Operation not permitted"},
		{"fork bomb", unikernel.Call{Class: "evil.Exec", Method: "forkBomb"}, 0, taskErr("IOException"), "Operation not permitted"},
		{"thread bomb", unikernel.Call{Class: "evil.Exec", Method: "threadBomb"}, 0, limit("memory"), "unable to create native thread"},
		{"allocate beyond memory limit", unikernel.Call{Class: "evil.Mem", Method: "hog"}, 0, limit("memory"), "Java heap space"},
		{"infinite loop (wall time)", unikernel.Call{Class: "evil.Loop", Method: "spin", Limits: unikernel.Limits{WallTime: time.Second}}, 0, is(unikernel.ErrTimeout), "wall time"},
		{"infinite loop (CPU time)", unikernel.Call{Class: "evil.Loop", Method: "spin", Limits: unikernel.Limits{CPUTime: 500 * time.Millisecond}}, 0, limit("cpu"), "CPU"},
		{"System.exit", unikernel.Call{Class: "evil.Exit", Method: "exit"}, 0, is(unikernel.ErrCrashed), "exited"},
		{"Runtime.halt", unikernel.Call{Class: "evil.Exit", Method: "halt"}, 0, is(unikernel.ErrCrashed), "code 7"},
		{"print 100 MB", unikernel.Call{Class: "evil.Print", Method: "flood"}, 0, limit("output"), "output exceeds"},
		{"return 8 MB", unikernel.Call{Class: "evil.Print", Method: "huge"}, 0, limit("output"), "result exceeds"},
		{"sleep past deadline, canceled", unikernel.Call{Class: "evil.Loop", Method: "sleep", Args: []any{60000.0}}, 500 * time.Millisecond, is(unikernel.ErrCanceled), "canceled"},
		{"sleep past wall time", unikernel.Call{Class: "evil.Loop", Method: "sleep", Args: []any{60000.0}, Limits: unikernel.Limits{WallTime: time.Second}}, 0, is(unikernel.ErrTimeout), "timed out"},
		{"reach the agent's classes", unikernel.Call{Class: "evil.Spy", Method: "agent"}, 0, taskErr("ClassNotFoundException"), "mamoc.agent.Agent"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.call
			cctx, cancel := context.WithCancel(ctx)
			defer cancel()
			if tc.ctx > 0 {
				time.AfterFunc(tc.ctx, cancel)
			}
			c.Group, c.Artifact = "evil", art
			start := time.Now()
			res, err := rt.Invoke(cctx, c)
			took := time.Since(start)
			switch tc.name {
			case "inherited fds":
				for _, f := range strings.Fields(res.Output) {
					k, v, _ := strings.Cut(f, "=")
					if n, _ := strconv.Atoi(k); n > 9 && (strings.HasPrefix(v, "pipe:") || strings.HasPrefix(v, "host:")) {
						t.Errorf("guest fd %s → %s: a pipe the guest should not have (inherited?)", k, v)
					}
					// fds 0-2 are the agent's channel and stderr: pipes, or under gVisor the
					// Sentry's host-backed files ("host:[n]") wrapping those pipes
					n, _ := strconv.Atoi(k)
					if n <= 2 && strings.HasPrefix(v, "host:") {
						continue
					}
					if k != "0" && !strings.HasPrefix(v, "pipe:") && !strings.HasPrefix(v, "/jre/") &&
						!strings.HasPrefix(v, "/agent/") && !strings.HasPrefix(v, "socket:") && !strings.HasPrefix(v, "anon_inode:") && !strings.HasPrefix(v, "/dev/") {
						t.Errorf("open fd %s → %s in the guest", k, v)
					}
				}
				if err != nil {
					t.Errorf("fds = %v", err)
				}
				t.Logf("HOSTILE | %s | %s | %v", tc.name, res.Output, took.Round(time.Millisecond))
			case "root mounted read-only":
				var root []string
				for _, line := range strings.Split(res.Output, "\n") {
					if f := strings.Fields(line); len(f) > 3 && f[1] == "/" {
						root = strings.Split(f[3], ",") // the last mount on / is the one the guest sees
					}
				}
				if err != nil || !slices.Contains(root, "ro") {
					t.Errorf("mount options of / = %v, %v; want ro (mounts: %q)", root, err, res.Output)
				}
				t.Logf("HOSTILE | %s | %v | %v", tc.name, root, took.Round(time.Millisecond))
			case "list host root":
				if err != nil || strings.Contains(res.Output, "etc") || strings.Contains(res.Output, "root") || !strings.Contains(res.Output, "jre") {
					t.Errorf("list / = %q, %v; want the image only (agent, jre, lib…)", res.Output, err)
				}
				t.Logf("HOSTILE | %s | %s | %v", tc.name, res.Output, took.Round(time.Millisecond))
			default:
				if err == nil || !tc.wantOK(err) {
					t.Errorf("Invoke(%s.%s) = %q, %v; want a contained error", c.Class, c.Method, res.Output, err)
				}
				msg := ""
				if err != nil {
					msg = err.Error()
				}
				if !strings.Contains(msg, tc.want) {
					t.Errorf("error %q does not mention %q", msg, tc.want)
				}
				if len(hostname) > 0 && strings.Contains(res.Output+res.Stdout, strings.TrimSpace(string(hostname))) {
					t.Errorf("output leaks the host name")
				}
				t.Logf("HOSTILE | %s | %.160s | %v", tc.name, msg, took.Round(time.Millisecond))
			}
			res, err = call(unikernel.Call{Class: "demo.Queens", Args: []any{6.0}})
			if err != nil || res.Output != "4" {
				t.Fatalf("next normal task = %q, %v; want 4", res.Output, err)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dataDir, "pwned")); err == nil {
		t.Errorf("a task wrote into the host data dir")
	}
	select {
	case <-accepted:
		t.Errorf("the 127.0.0.1 listener saw a connection")
	case <-time.After(100 * time.Millisecond):
	}

	t.Run("two apps never share an instance", func(t *testing.T) {
		artB := art
		ra, err := rt.Invoke(ctx, unikernel.Call{Group: "alice", Artifact: art, Class: "secret.Vault", Method: "keep", Args: []any{"alice-secret"}})
		if err != nil {
			t.Fatal(err)
		}
		rb, err := rt.Invoke(ctx, unikernel.Call{Group: "bob", Artifact: artB, Class: "secret.Vault", Method: "get"})
		if err != nil {
			t.Fatal(err)
		}
		if ra.Instance == rb.Instance || rb.Output != "null" {
			t.Errorf("alice on %s, bob on %s got %q; want different instances and no secret", ra.Instance, rb.Instance, rb.Output)
		}
		rl, err := rt.Invoke(ctx, unikernel.Call{Group: "bob", Artifact: artB, Class: "evil.Spy", Method: "tmp"})
		if err != nil || strings.Contains(rl.Output, "vault") {
			t.Errorf("bob lists /tmp = %q, %v; want no alice files", rl.Output, err)
		}
		ra2, err := rt.Invoke(ctx, unikernel.Call{Group: "alice", Artifact: art, Class: "secret.Vault", Method: "get"})
		if err != nil || ra2.Output != "alice-secret" || ra2.Instance != ra.Instance {
			t.Errorf("alice again = %q on %s, %v; want her secret on her warm instance %s", ra2.Output, ra2.Instance, err, ra.Instance)
		}
	})
}

func openFDs(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

func testRecycledInstanceKeepsNoState(t *testing.T, newDriver NewDriverFunc) {
	fds := openFDs(t)
	drv := newDriver(t)
	rt := NewRuntime(t, drv, unikernel.Config{Spare: -1, MaxCallsPerInstance: 2}, nil)
	defer func() {
		_ = rt.Close()
		if n := openFDs(t); n > fds+2 {
			t.Errorf("open descriptors %d after Close, %d before: instances leak descriptors", n, fds)
		}
	}()
	art := Compile(t, rt, "rec") // the compile counts as one call
	var got []string
	for i := 0; i < 4; i++ {
		res, err := rt.Invoke(context.Background(), unikernel.Call{Group: "rec", Artifact: art, Class: "demo.Counter"})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, res.Output+"@"+res.Instance)
	}
	// compile+1 call recycle the first instance; later instances count from 1 again.
	counts := make([]string, len(got))
	for i, g := range got {
		counts[i] = strings.SplitN(g, "@", 2)[0]
	}
	if strings.Join(counts, ",") != "1,1,2,1" {
		t.Errorf("counter over recycles = %v, want 1,1,2,1 (static state gone after each recycle)", got)
	}
	if s := rt.Stats(); s.Recycled < 2 {
		t.Errorf("Stats().Recycled = %d, want ≥ 2", s.Recycled)
	}
}
