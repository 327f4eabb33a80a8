package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mamoc-go/mamoc/server"
)

// childEnv makes the test binary run a server (its config in JSON) instead of the tests: a
// child server process, for what a test cannot do to its own process (lower the open-file
// limit, send SIGTERM).
const childEnv = "MAMOC_TEST_CHILD_SERVER"

// runChildIfAsked runs the child server and exits when childEnv is set. It prints
// "listening <ws addr> <rawsocket addr>" on stdout once ready, logs to stderr, and stops on
// SIGTERM or SIGINT.
func runChildIfAsked() {
	js := os.Getenv(childEnv)
	if js == "" {
		return
	}
	var cfg server.Config
	if err := json.Unmarshal([]byte(js), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "child config:", err)
		os.Exit(2)
	}
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	srv, err := server.New(cfg)
	if err == nil {
		err = srv.Listen()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "child server:", err)
		os.Exit(1)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	select {
	case <-srv.Ready():
		raw := "off"
		if a := srv.RawSocketAddr(); a != nil {
			raw = a.String()
		}
		fmt.Printf("listening %s %s\n", srv.Addr(), raw)
	case err = <-done:
		fmt.Fprintln(os.Stderr, "child server:", err)
		os.Exit(1)
	}
	err = <-done
	_ = srv.Close()
	if err != nil && !errors.Is(err, server.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "child server:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// childServer is a server in a child process.
type childServer struct {
	cmd     *exec.Cmd
	ws, raw string // listening addresses
	exited  chan struct{}
	err     error // the exit status, once exited is closed

	mu  sync.Mutex // guards log
	log strings.Builder
}

// startChild starts a child server with cfg; shell runs first in the child's shell (e.g.
// "ulimit -n 1024"). The child is killed when the test ends.
func startChild(t *testing.T, cfg server.Config, shell string) *childServer {
	t.Helper()
	js, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	script := `exec "$0" -test.run='^$'`
	if shell != "" {
		script = shell + " && " + script
	}
	c := &childServer{cmd: exec.Command("/bin/sh", "-c", script, os.Args[0]), exited: make(chan struct{})}
	c.cmd.Env = append(os.Environ(), childEnv+"="+string(js))
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := c.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var readers sync.WaitGroup
	readers.Add(2)
	go func() {
		defer readers.Done()
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			c.mu.Lock()
			c.log.WriteString(sc.Text() + "\n")
			c.mu.Unlock()
		}
	}()
	lines := make(chan string, 1)
	go func() {
		defer readers.Done()
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	go func() {
		readers.Wait()
		c.err = c.cmd.Wait()
		close(c.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-c.exited:
		default:
			_ = c.cmd.Process.Kill()
			<-c.exited
		}
		t.Logf("child server log:\n%s", c.logText())
	})
	select {
	case line := <-lines:
		if _, err := fmt.Sscanf(line, "listening %s %s", &c.ws, &c.raw); err != nil {
			t.Fatalf("child said %q: %v", line, err)
		}
	case <-c.exited:
		t.Fatalf("child exited before listening: %v\n%s", c.err, c.logText())
	case <-time.After(2 * time.Minute):
		t.Fatal("child not listening within 2 minutes")
	}
	return c
}

func (c *childServer) logText() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.log.String()
}

// alive reports whether the child still runs.
func (c *childServer) alive() bool {
	select {
	case <-c.exited:
		return false
	default:
		return true
	}
}

// stop sends SIGTERM and waits up to wait for the child to exit.
func (c *childServer) stop(t *testing.T, wait time.Duration) error {
	t.Helper()
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
		return c.err
	case <-time.After(wait):
		t.Fatalf("child still running %s after SIGTERM", wait)
		return nil
	}
}
