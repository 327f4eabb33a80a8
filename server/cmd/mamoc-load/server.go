package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	nxclient "github.com/gammazero/nexus/v3/client"
	"github.com/gammazero/nexus/v3/transport/serialize"
	"github.com/gammazero/nexus/v3/wamp"
)

// child is one mamoc-server process on a fresh data directory.
type child struct {
	cmd    *exec.Cmd
	url    string // ws://127.0.0.1:PORT/ws
	ticket string // of the edge user bench-edge
	done   chan struct{}

	mu   sync.Mutex // guards tail
	tail []string   // last lines of the server's stderr
}

var wsAddr = regexp.MustCompile(`ws=(ws://\S+)`)

// startServer runs the binary at path on loopback and waits until it listens.
func startServer(ctx context.Context, path, dir string, args ...string) (*child, error) {
	var b [12]byte
	_, _ = rand.Read(b[:])
	c := &child{ticket: hex.EncodeToString(b[:]), done: make(chan struct{})}
	conf := map[string]any{"router": map[string]any{"users": []map[string]string{{"authid": "bench-edge", "role": "edge", "ticket": c.ticket}}}}
	cfgPath := filepath.Join(dir, "config.json")
	raw, _ := json.Marshal(conf)
	if err := os.WriteFile(cfgPath, raw, 0o600); err != nil {
		return nil, err
	}
	c.cmd = exec.Command(path, append([]string{"--config", cfgPath, "--data-dir", filepath.Join(dir, "data"),
		"--listen", "127.0.0.1:0", "--rawsocket-listen", "off"}, args...)...)
	c.cmd.Stdout = io.Discard
	stderr, err := c.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := c.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", path, err)
	}
	found := make(chan string, 1)
	go func() {
		defer close(c.done)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if m := wsAddr.FindStringSubmatch(line); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
			c.mu.Lock()
			c.tail = append(c.tail, line)
			if len(c.tail) > 20 {
				c.tail = c.tail[1:]
			}
			c.mu.Unlock()
		}
		_ = c.cmd.Wait()
	}()
	select {
	case c.url = <-found:
		return c, nil
	case <-c.done:
		return nil, fmt.Errorf("server exited: %s", c.stderrTail())
	case <-time.After(2 * time.Minute):
		c.stop()
		return nil, fmt.Errorf("server did not listen within 2m: %s", c.stderrTail())
	case <-ctx.Done():
		c.stop()
		return nil, ctx.Err()
	}
}

func (c *child) stderrTail() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.tail, "\n")
}

// stop sends SIGTERM and kills the server if it has not exited after 20 s.
func (c *child) stop() {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(20 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

type nopLog struct{}

func (nopLog) Print(...any)          {}
func (nopLog) Printf(string, ...any) {}
func (nopLog) Println(...any)        {}

// dial connects one session; authid "" is an anonymous phone.
func (c *child) dial(ctx context.Context, authid string) (*nxclient.Client, error) {
	cfg := nxclient.Config{Realm: "mamoc_realm", Serialization: serialize.CBOR, ResponseTimeout: time.Minute, Logger: nopLog{}}
	if authid != "" {
		cfg.HelloDetails = wamp.Dict{"authid": authid}
		cfg.AuthHandlers = map[string]nxclient.AuthFunc{"ticket": func(*wamp.Challenge) (string, wamp.Dict) { return c.ticket, wamp.Dict{} }}
	}
	var err error
	for range 50 {
		var cl *nxclient.Client
		if cl, err = nxclient.ConnectNet(ctx, c.url, cfg); err == nil {
			return cl, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil, fmt.Errorf("connect %s: %w", c.url, err)
}

// errKey names an error for the table: its WAMP error URI, else its text.
func errKey(err error) string {
	var rpc nxclient.RPCError
	if errors.As(err, &rpc) && rpc.Err != nil {
		return string(rpc.Err.Error)
	}
	var prpc *nxclient.RPCError
	if errors.As(err, &prpc) && prpc.Err != nil {
		return string(prpc.Err.Error)
	}
	return err.Error()
}
