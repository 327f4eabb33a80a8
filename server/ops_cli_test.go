package server_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	client "github.com/mamoc-go/mamoc/client-android"
	"github.com/mamoc-go/mamoc/router"
	"github.com/mamoc-go/mamoc/server"
	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
)

// TestCLIAgainstServer runs the mamoc CLI against a real server with the first-run admin and
// a phone user: every refused request says what is needed, the admin's ticket file works, and
// tasks, stats and jobs answer with --server host:port.
func TestCLIAgainstServer(t *testing.T) {
	data := t.TempDir()
	logs := &logBuffer{t: t}
	srv := runServer(t, server.Config{DataDir: data, ServerID: "cli-test", StatsInterval: 200 * time.Millisecond,
		Runtime: unikernel.Config{Spare: -1},
		Router:  router.Config{Users: []router.User{{AuthID: "alice", Role: router.RolePhone, Ticket: "alice-ticket"}}}}, logs)
	waitReady(t, srv)
	hostport := srv.Addr().String()
	ticketFile := filepath.Join(data, server.AdminTicketFile)
	apk := filepath.Join("..", "refactor", "testdata", "fibonacci.apk")

	tests := []struct {
		name   string
		env    map[string]string
		args   []string
		code   int
		stdout []string
		stderr []string
	}{
		{"upload without credentials", nil, []string{"refactor", apk, "--server", hostport}, 1, nil,
			[]string{"401", "uploads need an admin or edge user", "admin.ticket", "--authid"}},
		{"upload with a wrong ticket", nil, []string{"refactor", apk, "--server", hostport, "--authid", "admin", "--ticket", "wrong"}, 1, nil,
			[]string{"401", "unknown authid or wrong ticket"}},
		{"upload as a phone", nil, []string{"refactor", apk, "--server", "http://" + hostport, "--authid", "alice", "--ticket", "alice-ticket"}, 1, nil,
			[]string{"403", "user alice has role phone, but uploads need an admin or edge user"}},
		{"upload with a phone's bearer ticket", nil, []string{"refactor", apk, "--server", hostport, "--token", "alice-ticket"}, 1, nil,
			[]string{"403", "role phone"}},
		{"upload with the admin ticket file", nil, []string{"refactor", apk, "--server", hostport, "--ticket-file", ticketFile, "--poll", "50ms"}, 0,
			[]string{"job ", "report: http://" + hostport + "/api/jobs/"}, nil},
		{"tasks over ws URL, admin from env", map[string]string{"MAMOC_AUTHID": "alice", "MAMOC_TICKET": "alice-ticket"},
			[]string{"tasks", "--server", "ws://" + hostport + "/ws"}, 0, []string{"TASK", "tasks"}, nil},
		{"tasks with a wrong ticket", nil, []string{"tasks", "--server", hostport, "--authid", "alice", "--ticket", "nope"}, 1, nil,
			[]string{"is the ticket of alice right?"}},
		{"stats once", nil, []string{"stats", "--once", "--server", hostport}, 0, []string{"cli-test", "QUEUE"}, nil},
		{"stats live", nil, []string{"stats", "--for", "1s", "--server", hostport}, 0, []string{"cli-test"}, nil},
		{"jobs from loopback", nil, []string{"jobs", "--server", hostport}, 0, []string{"JOB", "/report", "1 jobs"}, nil},
		{"bad server", nil, []string{"jobs", "--server", "ftp://x"}, 2, nil, []string{"want http, https, ws or wss"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			var stdout, stderr bytes.Buffer
			code := client.Main(ctx, tt.args, &stdout, &stderr)
			if code != tt.code {
				t.Fatalf("mamoc %v = %d, want %d\nstdout: %s\nstderr: %s", tt.args, code, tt.code, &stdout, &stderr)
			}
			for _, want := range tt.stdout {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("stdout lacks %q:\n%s", want, &stdout)
				}
			}
			for _, want := range tt.stderr {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, &stderr)
				}
			}
		})
	}
	if strings.Contains(logs.String(), "alice-ticket") {
		t.Error("a ticket appears in the server log")
	}
}
