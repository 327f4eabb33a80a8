package router_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mamoc-go/mamoc/router"
)

// Third-party WAMP clients against a real router: Debian's python3-autobahn (asyncio over
// WebSocket, Twisted over RawSocket) and npm autobahn@22.11.1 (Node, WebSocket and RawSocket).
// Each runs testdata/interop/autobahn_{python.py,node.js} as a subprocess, which prints one JSON
// line of results; see the scripts for what they do. .ci/deps/interop.sh installs the clients.

const (
	// debianPython is Debian's python3, which has python3-autobahn; a pyenv python3 first on
	// PATH does not.
	debianPython   = "/usr/bin/python3"
	interopDir     = "testdata/interop"
	autobahnJS     = "22.11.1"
	installHint    = "run .ci/deps/interop.sh (from the repository root) to install the interop clients"
	notAuthorized  = "wamp.error.not_authorized"
	interopTimeout = 30 * time.Second
)

// interopSession is what a script reports about one of its sessions.
type interopSession struct {
	AuthRole    string `json:"authrole"`
	Serializer  string `json:"serializer"`  // the serializer the client uses, e.g. "cbor"
	Subprotocol string `json:"subprotocol"` // the WebSocket subprotocol in use; "" on RawSocket
}

// interopResult is the JSON line a script prints. Absent fields mean the step did not run.
type interopResult struct {
	Client    string          `json:"client"`
	Errors    []string        `json:"errors"`
	Edge      *interopSession `json:"edge"`
	Register  string          `json:"register"`
	Call      json.RawMessage `json:"call"`
	Subscribe string          `json:"subscribe"`
	Publish   string          `json:"publish"`
	Event     json.RawMessage `json:"event"`
	// MatchUnknown and MatchKnown are wamp.registration.match's answers for an unregistered
	// procedure and for the edge session's own.
	MatchUnknown json.RawMessage `json:"match_unknown"`
	MatchKnown   json.RawMessage `json:"match_known"`

	Phone              *interopSession `json:"phone"`
	PhoneRegister      string          `json:"phone_register"`
	PhonePublishResult string          `json:"phone_publish_result"`
	PhoneMatchUnknown  json.RawMessage `json:"phone_match_unknown"`
	PhoneMatchKnown    json.RawMessage `json:"phone_match_known"`
}

// The payload the scripts send to their echo procedure and the event they publish.
const (
	interopPayload = `{"s": "hi", "n": 42, "f": 2.5, "l": [1, "two", null], "b": true}`
	interopEvent   = `["ev", 7]`
)

type interopCase struct {
	name        string
	client      string // "python" or "node"
	framework   string // python only: "asyncio" or "twisted"
	rawsocket   bool
	serializers string // offered, comma-separated, in order
	want        string // the serializer the client must end up with
}

var interopCases = []interopCase{
	{"python/ws/json", "python", "asyncio", false, "json", "json"},
	{"python/ws/msgpack", "python", "asyncio", false, "msgpack", "msgpack"},
	{"python/ws/cbor", "python", "asyncio", false, "cbor", "cbor"},
	{"python/ws/offer_cbor_msgpack_json", "python", "asyncio", false, "cbor,msgpack,json", "cbor"},
	{"python/ws/offer_json_msgpack_cbor", "python", "asyncio", false, "json,msgpack,cbor", "cbor"},
	{"python/rawsocket/json", "python", "twisted", true, "json", "json"},
	{"python/rawsocket/msgpack", "python", "twisted", true, "msgpack", "msgpack"},
	{"python/rawsocket/cbor", "python", "twisted", true, "cbor", "cbor"},
	{"node/ws/json", "node", "", false, "json", "json"},
	{"node/ws/msgpack", "node", "", false, "msgpack", "msgpack"},
	{"node/ws/cbor", "node", "", false, "cbor", "cbor"},
	{"node/ws/offer_cbor_msgpack_json", "node", "", false, "cbor,msgpack,json", "cbor"},
	{"node/rawsocket/json", "node", "", true, "json", "json"},
}

func TestInteropThirdPartyClients(t *testing.T) {
	requireInteropDeps(t)
	tr := startRouter(t, router.Config{})
	rsURL := "rs://" + strings.TrimPrefix(tr.rsURL, "tcp://")
	for _, tc := range interopCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			url := tr.wsURL
			if tc.rawsocket {
				url = rsURL
			}
			name := strings.NewReplacer("/", "_", ",", "_").Replace(tc.name)
			res := runInteropScript(t, tc, url, name)
			checkInterop(t, tc, res)
		})
	}
}

// requireInteropDeps fails the test (CI installs them first) when a client is missing.
func requireInteropDeps(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), interopTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, debianPython, "-c", "import autobahn, twisted, msgpack, cbor2, txaio").CombinedOutput()
	if err != nil {
		t.Fatalf("%s cannot import python3-autobahn, python3-twisted, python3-msgpack, python3-cbor2: %v\n%s\n%s",
			debianPython, err, out, installHint)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("node not found: %v; %s", err, installHint)
	}
	b, err := os.ReadFile(filepath.Join(interopDir, "node_modules", "autobahn", "package.json"))
	if err != nil {
		t.Fatalf("npm autobahn missing: %v; %s", err, installHint)
	}
	var pkg struct{ Version string }
	if err := json.Unmarshal(b, &pkg); err != nil || pkg.Version != autobahnJS {
		t.Fatalf("npm autobahn version = %q (%v), want %s; %s", pkg.Version, err, autobahnJS, installHint)
	}
}

// runInteropScript runs one client script and decodes its result line.
func runInteropScript(t *testing.T, tc interopCase, url, name string) interopResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), interopTimeout)
	defer cancel()
	var cmd *exec.Cmd
	switch tc.client {
	case "python":
		cmd = exec.CommandContext(ctx, debianPython, "autobahn_python.py", "--framework", tc.framework,
			"--url", url, "--serializers", tc.serializers, "--name", name)
	case "node":
		cmd = exec.CommandContext(ctx, "node", "autobahn_node.js",
			"--url", url, "--serializers", tc.serializers, "--name", name)
	default:
		t.Fatalf("unknown client %q", tc.client)
	}
	cmd.Dir = interopDir
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	if s := strings.TrimSpace(stderr.String()); s != "" {
		t.Logf("%s stderr:\n%s", tc.client, s)
	}
	if ctx.Err() != nil {
		t.Fatalf("%s killed after %v: %v\nstdout:\n%s", tc.client, interopTimeout, err, stdout.String())
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("run %s: %v", tc.client, err)
	}
	t.Logf("%s exited after %v: %v", tc.client, time.Since(start).Round(time.Millisecond), err)
	line := lastJSONLine(stdout.String())
	if line == "" {
		t.Fatalf("%s printed no JSON result (exit %v); stdout:\n%s", tc.client, err, stdout.String())
	}
	t.Logf("%s result: %s", tc.client, line)
	var res interopResult
	if err := json.Unmarshal([]byte(line), &res); err != nil {
		t.Fatalf("decode %s result %q: %v", tc.client, line, err)
	}
	if err != nil {
		t.Errorf("%s exit = %v, want 0 (result %s)", tc.client, err, line)
	}
	return res
}

func lastJSONLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); strings.HasPrefix(l, "{") {
			return l
		}
	}
	return ""
}

// checkInterop asserts on every step a script reports.
func checkInterop(t *testing.T, tc interopCase, res interopResult) {
	t.Helper()
	if len(res.Errors) > 0 {
		t.Errorf("%s errors = %q, want none", res.Client, res.Errors)
	}
	wantSubprotocol := "wamp.2." + tc.want
	if tc.rawsocket {
		wantSubprotocol = ""
	}
	for _, s := range []struct {
		who  string
		got  *interopSession
		role string
	}{{"edge", res.Edge, router.RoleEdge}, {"anonymous", res.Phone, router.RolePhone}} {
		if s.got == nil {
			t.Errorf("%s session = none, want joined", s.who)
			continue
		}
		if s.got.AuthRole != s.role {
			t.Errorf("%s authrole = %q, want %q", s.who, s.got.AuthRole, s.role)
		}
		if s.got.Serializer != tc.want {
			t.Errorf("%s serializer offering %s = %q, want %q", s.who, tc.serializers, s.got.Serializer, tc.want)
		}
		if s.got.Subprotocol != wantSubprotocol {
			t.Errorf("%s subprotocol offering %s = %q, want %q", s.who, tc.serializers, s.got.Subprotocol, wantSubprotocol)
		}
	}
	steps := []struct{ step, got, want string }{
		{"edge register", res.Register, "ok"},
		{"edge subscribe", res.Subscribe, "ok"},
		{"edge publish", res.Publish, "ok"},
		{"phone register", res.PhoneRegister, notAuthorized},
		{"phone publish offloadingresult", res.PhonePublishResult, notAuthorized},
	}
	for _, s := range steps {
		if s.got != s.want {
			t.Errorf("%s = %q, want %q", s.step, s.got, s.want)
		}
	}
	if !jsonEqual(res.Call, interopPayload) {
		t.Errorf("edge call echo(%s) = %s, want the same", interopPayload, res.Call)
	}
	if !jsonEqual(res.Event, interopEvent) {
		t.Errorf("edge event = %s, want %s", res.Event, interopEvent)
	}
	for _, m := range []struct {
		who string
		got json.RawMessage
	}{{"edge", res.MatchUnknown}, {"phone", res.PhoneMatchUnknown}} {
		if string(m.got) != "null" {
			t.Errorf("%s wamp.registration.match(unknown) = %q, want null", m.who, m.got)
		}
	}
	id := registrationID(res.MatchKnown)
	if id == 0 {
		t.Errorf("edge wamp.registration.match(known) = %s, want a registration id", res.MatchKnown)
	}
	if got := registrationID(res.PhoneMatchKnown); got == 0 || got != id {
		t.Errorf("phone wamp.registration.match(known) = %s, want %d", res.PhoneMatchKnown, id)
	}
	t.Logf("interop %s: client %q transport %s serializer %s/%s", tc.name, res.Client,
		map[bool]string{false: "websocket", true: "rawsocket"}[tc.rawsocket], res.Edge.serializerOr(), res.Phone.serializerOr())
}

func (s *interopSession) serializerOr() string {
	if s == nil {
		return "-"
	}
	return s.Serializer
}

// registrationID returns a positive integer ID from a JSON number, or 0.
func registrationID(raw json.RawMessage) uint64 {
	var id uint64
	if err := json.Unmarshal(raw, &id); err != nil {
		return 0
	}
	return id
}

// jsonEqual reports whether raw and want decode to the same value.
func jsonEqual(raw json.RawMessage, want string) bool {
	var g, w any
	if err := json.Unmarshal(raw, &g); err != nil {
		return false
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		panic(fmt.Sprintf("bad want %q: %v", want, err))
	}
	return reflect.DeepEqual(g, w)
}
