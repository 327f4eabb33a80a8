package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	nxclient "github.com/gammazero/nexus/v3/client"
	"github.com/gammazero/nexus/v3/transport/serialize"
	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/repository"
	"github.com/mamoc-go/mamoc/router"
	"github.com/mamoc-go/mamoc/server"
	"github.com/mamoc-go/mamoc/server/api"
)

// Accounts of the tenancy tests besides anonymous phones.
var (
	adminUser = router.User{AuthID: "admin1", Role: router.RoleAdmin, Ticket: "admin-ticket"}
	aliceUser = router.User{AuthID: "alice", Role: router.RolePhone, Ticket: "alice-ticket"}
)

// secretTask returns "<tag>:<param>": two tags are two different sources of one class.
func secretTask(tag string) string {
	return `package uk.test.tenant;

import uk.ac.standrews.cs.mamoc_client.Annotation.Offloadable;

@Offloadable
public class Secret {
    private final String s;

    public Secret(String s) {
        this.s = s;
    }

    public String run() {
        return "` + tag + `:" + s;
    }
}
`
}

// peekTask returns its resource's content.
const peekTask = `package uk.test.tenant;

import uk.ac.standrews.cs.mamoc_client.Annotation.Offloadable;

@Offloadable(resourceDependent = true)
public class Peek {
    private final String content;

    public Peek(String content) {
        this.content = content;
    }

    public String run() {
        return content;
    }
}
`

const secretFQCN = "uk.test.tenant.Secret"

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// tenancyServer is a server with an admin and a phone account besides anonymous phones.
func tenancyServer(t *testing.T, mod func(*server.Config)) *server.Server {
	return offloadServer(t, func(c *server.Config) {
		c.Router.Users = []router.User{edgeUser, adminUser, aliceUser}
		if mod != nil {
			mod(c)
		}
	})
}

// anonPhone is an anonymous phone on a real WebSocket.
func anonPhone(ctx context.Context, t *testing.T, srv *server.Server) *nxclient.Client {
	t.Helper()
	cl := dial(ctx, t, wsURL(srv), serialize.CBOR, "", "")
	waitProc(ctx, t, cl, api.ProcTaskRun)
	return cl
}

func deploy(ctx context.Context, cl *nxclient.Client, source string) (api.Deployment, error) {
	res, err := cl.Call(ctx, api.ProcTaskDeploy, nil, nil, api.DeployRequest{Source: source}.Kwargs(), nil)
	if err != nil {
		return api.Deployment{}, err
	}
	return api.ParseDeployment(res.ArgumentsKw)
}

func run(ctx context.Context, cl *nxclient.Client, r api.RunRequest) (api.RunResult, error) {
	res, err := cl.Call(ctx, api.ProcTaskRun, nil, nil, r.Kwargs(), nil)
	if err != nil {
		return api.RunResult{}, err
	}
	return api.ParseRunResult(res.ArgumentsKw)
}

// rpcError returns the error URI and message of a call.
func rpcError(err error) (string, string) {
	var re nxclient.RPCError
	if errors.As(err, &re) {
		msg := ""
		if len(re.Err.Arguments) > 0 {
			msg = fmt.Sprint(re.Err.Arguments[0])
		}
		return string(re.Err.Error), msg
	}
	return fmt.Sprint(err), ""
}

// TestTaskNameTakeover: phone B tries to put its own code under phone A's task name, by
// MAMoC's offloading event and by mamoc.task.deploy, against a victim who deployed the other
// way. B is refused with mamoc.error.conflict (a MAMoC phone gets it as its result); every
// call of the name, in both shapes, keeps running A's code; A's own redeploy replaces it.
func TestTaskNameTakeover(t *testing.T) {
	srv := tenancyServer(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	tests := []struct {
		name               string
		victimMAMoC, thief bool // victim deploys by MAMoC's event; thief deploys by MAMoC's event
	}{
		{"victim deploys, thief publishes", false, true},
		{"victim publishes, thief deploys", true, false},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			class := fmt.Sprintf("Secret%d", i)
			fqcn := "uk.test.tenant." + class
			src := func(tag string) string { return strings.ReplaceAll(secretTask(tag), "Secret", class) }
			// deployAs deploys src as one phone, by MAMoC's event (a raw phone) or by mamoc.task.deploy.
			deployAs := func(mamoc bool, phone *rawPhone, cl *nxclient.Client, source string) (string, error) {
				if mamoc {
					phone.publish(api.TopicOffloading, "Android", fqcn, source, nil, []any{"x"})
					out, _ := phone.result(2 * time.Minute)
					return out, nil
				}
				_, err := deploy(ctx, cl, source)
				return "", err
			}
			victimPhone, thiefPhone := dialPhone(t, wsURL(srv)), dialPhone(t, wsURL(srv))
			victimPhone.subscribe(api.TopicOffloadingResult)
			thiefPhone.subscribe(api.TopicOffloadingResult)
			victim, thief := anonPhone(ctx, t, srv), anonPhone(ctx, t, srv)
			if tc.victimMAMoC {
				victim = nil // the victim is the raw phone; the client below only checks runs
			}
			if out, err := deployAs(tc.victimMAMoC, victimPhone, victim, src("A")); err != nil || tc.victimMAMoC && out != "A:x" {
				t.Fatalf("victim deploy = %q, %v", out, err)
			}
			out, err := deployAs(tc.thief, thiefPhone, thief, src("B"))
			switch {
			case tc.thief && !strings.HasPrefix(out, api.ErrConflict):
				t.Errorf("thief's MAMoC result = %q, want %s…", out, api.ErrConflict)
			case !tc.thief:
				if uri, _ := rpcError(err); uri != api.ErrConflict {
					t.Errorf("thief's deploy = %v, want %s", err, api.ErrConflict)
				}
			}
			// Every call of the name still runs the victim's code: mamoc.task.run and the task's
			// own procedure (MAMoC's shape), whoever calls.
			caller := anonPhone(ctx, t, srv)
			if r, err := run(ctx, caller, api.RunRequest{Task: fqcn, Params: []any{"y"}}); err != nil || r.Output != "A:y" {
				t.Errorf("mamoc.task.run after the attempt = %q, %v; want A:y", r.Output, err)
			}
			res, err := caller.Call(ctx, fqcn, nil, wamp.List{nil, wamp.List{"z"}}, nil, nil)
			if err != nil || len(res.Arguments) == 0 || !strings.Contains(fmt.Sprint(res.Arguments[0]), "A:z") {
				t.Errorf("task procedure after the attempt = %v, %v; want A:z", res, err)
			}
			// The owner's redeploy replaces its code; the owner's own calls run the new one.
			if tc.victimMAMoC {
				victimPhone.publish(api.TopicOffloading, "Android", fqcn, src("A2"), nil, []any{"x"})
				if out, _ := victimPhone.result(2 * time.Minute); out != "A2:x" {
					t.Errorf("owner's redeploy by MAMoC = %q, want A2:x", out)
				}
			} else if _, err := deploy(ctx, victim, src("A2")); err != nil {
				t.Errorf("owner's redeploy = %v", err)
			}
			if r, err := run(ctx, caller, api.RunRequest{Task: fqcn, Params: []any{"y"}}); err != nil || r.Output != "A2:y" {
				t.Errorf("run after the owner's redeploy = %q, %v; want A2:y", r.Output, err)
			}
			// The same source as the owner's is no takeover: anyone may deploy it.
			if !tc.thief {
				if _, err := deploy(ctx, thief, src("A2")); err != nil {
					t.Errorf("deploy of the owner's very source = %v, want success", err)
				}
			}
		})
	}
	t.Run("anonymous owner left", func(t *testing.T) {
		// An anonymous phone keeps nothing beyond its session: once it left, its name is free.
		a, b := anonPhone(ctx, t, srv), anonPhone(ctx, t, srv)
		src := func(tag string) string { return strings.ReplaceAll(secretTask(tag), "Secret", "Gone") }
		if _, err := deploy(ctx, a, src("A")); err != nil {
			t.Fatal(err)
		}
		_ = a.Close()
		deadline := time.Now().Add(10 * time.Second)
		for {
			_, err := deploy(ctx, b, src("B"))
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("deploy after the anonymous owner left = %v, want success", err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

// TestContentByHashPerOwner: content is stored once but read by hash only by an owner that
// put it: phone B cannot read phone A's resource, source or an admin's APK by its hash, is told
// they are missing, and sees no hash of A's in the task list.
func TestContentByHashPerOwner(t *testing.T) {
	srv := tenancyServer(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	a, b := anonPhone(ctx, t, srv), anonPhone(ctx, t, srv)
	admin := dial(ctx, t, wsURL(srv), serialize.CBOR, adminUser.AuthID, adminUser.Ticket)
	secret := []byte("phone A's private notes")
	put, err := a.Call(ctx, api.ProcResourcePut, nil, api.ResourcePut{Content: secret}.Args(), wamp.Dict{"name": "notes.txt"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	resSHA := api.ParseStoredResource(put.ArgumentsKw).SHA256
	d, err := deploy(ctx, a, secretTask("A"))
	if err != nil {
		t.Fatal(err)
	}
	srcSHA := sha256Hex([]byte(secretTask("A")))
	if d.SourceSHA256 != srcSHA {
		t.Fatalf("deploy source_sha256 = %s, want %s", d.SourceSHA256, srcSHA)
	}
	if _, err := deploy(ctx, a, peekTask); err != nil {
		t.Fatal(err)
	}
	apk := []byte("PK\x03\x04 an admin's APK, not a real one")
	if _, err := admin.Call(ctx, api.ProcAppUpload, nil, wamp.List{apk}, nil, nil); err != nil {
		t.Fatal(err)
	}
	apkSHA := sha256Hex(apk)
	peek := func(cl *nxclient.Client, sha string) (string, error) {
		r, err := run(ctx, cl, api.RunRequest{Task: "uk.test.tenant.Peek", ResourceSHA256: sha})
		return r.Output, err
	}
	tests := []struct {
		name   string
		reader *nxclient.Client
		sha    string
		want   string // output, or "" for mamoc.error.not_found
	}{
		{"A reads its resource", a, resSHA, string(secret)},
		{"B reads A's resource", b, resSHA, ""},
		{"B reads A's source", b, srcSHA, ""},
		{"B reads the admin's APK", b, apkSHA, ""},
		{"A reads the admin's APK", a, apkSHA, ""},
		{"admin reads A's resource", admin, resSHA, string(secret)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := peek(tc.reader, tc.sha)
			if tc.want == "" {
				if uri, _ := rpcError(err); uri != api.ErrNotFound {
					t.Errorf("read by hash = %q, %v; want %s", out, err, api.ErrNotFound)
				}
				return
			}
			if err != nil || out != tc.want {
				t.Errorf("read by hash = %q, %v; want %q", out, err, tc.want)
			}
		})
	}
	missing := func(cl *nxclient.Client, shas ...string) []string {
		res, err := cl.Call(ctx, api.ProcResourceMissing, nil, nil, api.ResourceMissing{SHA256: shas}.Kwargs(), nil)
		if err != nil {
			t.Fatal(err)
		}
		m, err := api.ParseMissingResources(res.ArgumentsKw)
		if err != nil {
			t.Fatal(err)
		}
		return m.Missing
	}
	if got := missing(b, resSHA, srcSHA); len(got) != 2 {
		t.Errorf("B's mamoc.resource.missing = %v, want both A's hashes (B never put them)", got)
	}
	if got := missing(a, resSHA, srcSHA); len(got) != 0 {
		t.Errorf("A's mamoc.resource.missing = %v, want none", got)
	}
	// Hashes in the task list: A sees its source's, B none of A's.
	list := func(cl *nxclient.Client) map[string]string {
		res, err := cl.Call(ctx, api.ProcTaskList, nil, nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		l, err := api.ParseTaskList(res.ArgumentsKw)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, ti := range l.Tasks {
			out[ti.Task] = ti.SourceSHA256
		}
		return out
	}
	if got := list(a)[secretFQCN]; got != srcSHA {
		t.Errorf("A's task list hash of its task = %q, want %s", got, srcSHA)
	}
	if got := list(b)[secretFQCN]; got != "" {
		t.Errorf("B's task list shows A's source hash %s", got)
	}
	// Storage is shared, permission is not: B putting the same bytes may then read them.
	if _, err := b.Call(ctx, api.ProcResourcePut, nil, wamp.List{secret}, nil, nil); err != nil {
		t.Fatal(err)
	}
	if out, err := peek(b, resSHA); err != nil || out != string(secret) {
		t.Errorf("B reads content it put itself = %q, %v", out, err)
	}
}

// TestJobAndExecutionVisibility: an execution record and an APK job are visible to their owner
// and admins only: over WAMP (mamoc.execution.get, mamoc.job.get, mamoc.job.progress events)
// and over HTTP (GET /api/jobs/ID and its report).
func TestJobAndExecutionVisibility(t *testing.T) {
	// On every address, so that a request from a non-loopback address can be made.
	srv := tenancyServer(t, func(c *server.Config) { c.Listen = "0.0.0.0:0" })
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	a, b := anonPhone(ctx, t, srv), anonPhone(ctx, t, srv)
	alice := dial(ctx, t, wsURL(srv), serialize.CBOR, aliceUser.AuthID, aliceUser.Ticket)
	admin := dial(ctx, t, wsURL(srv), serialize.CBOR, adminUser.AuthID, adminUser.Ticket)
	if _, err := deploy(ctx, a, secretTask("A")); err != nil {
		t.Fatal(err)
	}
	r, err := run(ctx, a, api.RunRequest{Task: secretFQCN, Params: []any{"x"}})
	if err != nil || r.ExecutionID == "" {
		t.Fatalf("run = %+v, %v", r, err)
	}
	get := func(cl *nxclient.Client, proc, id string) error {
		_, err := cl.Call(ctx, proc, nil, nil, api.IDRequest{ID: id}.Kwargs(), nil)
		return err
	}
	// Events of mamoc.job.progress: B subscribes to the whole mamoc. prefix, the admin to the topic.
	bEvents, adminEvents := make(chan *wamp.Event, 64), make(chan *wamp.Event, 64)
	if err := b.SubscribeChan(api.PrefixMamoc, bEvents, wamp.Dict{wamp.OptMatch: wamp.MatchPrefix}); err != nil {
		t.Fatal(err)
	}
	if err := admin.SubscribeChan(api.TopicJobProgress, adminEvents, nil); err != nil {
		t.Fatal(err)
	}
	up, err := admin.Call(ctx, api.ProcAppUpload, nil, wamp.List{[]byte("PK\x03\x04 not really an APK")}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	job := api.ParseUpload(up.ArgumentsKw).Job
	select {
	case <-adminEvents:
	case <-time.After(30 * time.Second):
		t.Error("the uploading admin got no mamoc.job.progress event")
	}
	tests := []struct {
		name   string
		cl     *nxclient.Client
		proc   string
		id     string
		wantOK bool
	}{
		{"owner gets its execution", a, api.ProcExecutionGet, r.ExecutionID, true},
		{"other phone gets the execution", b, api.ProcExecutionGet, r.ExecutionID, false},
		{"phone user gets the execution", alice, api.ProcExecutionGet, r.ExecutionID, false},
		{"admin gets the execution", admin, api.ProcExecutionGet, r.ExecutionID, true},
		{"anonymous phone gets the job", b, api.ProcJobGet, job, false},
		{"phone user gets the job", alice, api.ProcJobGet, job, false},
		{"admin gets the job", admin, api.ProcJobGet, job, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := get(tc.cl, tc.proc, tc.id)
			if tc.wantOK && err != nil {
				t.Errorf("%s = %v, want the record", tc.proc, err)
			}
			if uri, _ := rpcError(err); !tc.wantOK && uri != api.ErrNotFound {
				t.Errorf("%s = %v, want %s", tc.proc, err, api.ErrNotFound)
			}
		})
	}
	for {
		select {
		case ev := <-bEvents:
			if topic, _ := ev.Details["topic"].(string); topic == api.TopicJobProgress || len(ev.Arguments) > 0 && ev.Arguments[0] == job {
				t.Errorf("anonymous phone subscribed to mamoc. got job progress %v", ev.Arguments)
			}
			continue
		case <-time.After(time.Second):
		}
		break
	}
	port := srv.Addr().(*net.TCPAddr).Port
	local := fmt.Sprintf("http://127.0.0.1:%d/api/jobs/%s", port, job)
	// edge1 sees the admin's job only once it uploaded the same APK itself (over HTTP).
	getJob := func(u router.User) int {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, local, nil)
		req.SetBasicAuth(u.AuthID, u.Ticket)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	if code := getJob(edgeUser); code != http.StatusNotFound {
		t.Errorf("edge1 GET the admin's job = %d, want 404", code)
	}
	upReq, _ := http.NewRequestWithContext(ctx, http.MethodPost, fmt.Sprintf("http://127.0.0.1:%d/api/apps", port),
		strings.NewReader("PK\x03\x04 not really an APK"))
	upReq.SetBasicAuth(edgeUser.AuthID, edgeUser.Ticket)
	if resp, err := http.DefaultClient.Do(upReq); err != nil {
		t.Fatal(err)
	} else {
		_ = resp.Body.Close()
	}
	if code := getJob(edgeUser); code != http.StatusOK {
		t.Errorf("edge1 GET the job of an APK it uploaded too = %d, want 200", code)
	}
	httpTests := []struct {
		name, base, path string
		user             *router.User
		want             int
	}{
		{"job without credentials from another host", "", "", nil, http.StatusUnauthorized},
		{"report without credentials from another host", "", "/report", nil, http.StatusUnauthorized},
		{"job without credentials from the server's host (the operator)", local, "", nil, http.StatusOK},
		{"job as a phone user", local, "", &aliceUser, http.StatusNotFound},
		{"report as a phone user", local, "/report", &aliceUser, http.StatusNotFound},
		{"job as the admin", local, "", &adminUser, http.StatusOK},
	}
	if ip := nonLoopbackIP(); ip != nil {
		for i := range httpTests {
			if httpTests[i].base == "" {
				httpTests[i].base = fmt.Sprintf("http://%s/api/jobs/%s", net.JoinHostPort(ip.String(), fmt.Sprint(port)), job)
			}
		}
	}
	for _, tc := range httpTests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.base == "" {
				t.Skip("this host has no non-loopback IPv4 address")
			}
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, tc.base+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.user != nil {
				req.SetBasicAuth(tc.user.AuthID, tc.user.Ticket)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("GET %s = %d, want %d", tc.path, resp.StatusCode, tc.want)
			}
		})
	}
}

// napTask sleeps ms milliseconds, then returns "rested".
func napTask(class string, ms int) string {
	return hostileTask(class, fmt.Sprintf("Thread.sleep(%d); return \"rested\";", ms))
}

// TestCallerLeavesCancels: with one task slot, phone A starts a 60 s task and leaves (by
// GOODBYE, or by losing its transport); its task is killed and recorded as cancelled, and
// phone B's call runs at once instead of waiting behind it. The server also prunes the instance
// rows a crashed run left behind.
func TestCallerLeavesCancels(t *testing.T) {
	data := t.TempDir()
	// Rows of an earlier run's instances, as a crash leaves them.
	func() {
		repo, err := repository.Open(context.Background(), data)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = repo.Close() }()
		for _, id := range []string{"stale-1", "stale-2"} {
			if err := repo.PutInstance(context.Background(), repository.Instance{ID: id, Status: "busy"}); err != nil {
				t.Fatal(err)
			}
		}
	}()
	srv := tenancyServer(t, func(c *server.Config) {
		c.DataDir = data
		c.Runtime.MaxConcurrent, c.Runtime.QueueLen = 1, 8
		c.Runtime.Limits.WallTime = 2 * time.Minute
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	b := anonPhone(ctx, t, srv)
	deployLeaveTasks(ctx, t, b)
	leaves := []struct {
		name  string
		leave func(t *testing.T) // starts the long call as A, then A leaves
	}{
		{"goodbye", func(t *testing.T) { startLongThenGoodbye(ctx, t, srv) }},
		{"lost transport", func(t *testing.T) {
			p := dialPhone(t, wsURL(srv))
			p.send(&wamp.Call{Request: 1, Options: wamp.Dict{}, Procedure: api.ProcTaskRun,
				ArgumentsKw: api.RunRequest{Task: "uk.test.hostile.Long"}.Kwargs()})
			time.Sleep(2 * time.Second)
			_ = p.conn.NetConn().Close() // no GOODBYE, no close frame
		}},
	}
	for _, tc := range leaves {
		t.Run(tc.name, func(t *testing.T) {
			tc.leave(t)
			runAfterLeave(ctx, t, b)
		})
	}
	_ = srv.Close()
	repo := openRepo(t, data)
	execs := longExecutions(t, repo)
	cancelled := 0
	for _, e := range execs {
		if e.Status == repository.StatusCancelled {
			cancelled++
		}
	}
	if cancelled != len(leaves) {
		t.Errorf("executions of the departed callers = %+v, want %d cancelled", execs, len(leaves))
	}
	ins, err := repo.ListInstances(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range ins {
		if strings.HasPrefix(in.ID, "stale-") {
			t.Errorf("stale instance row %s survived a start", in.ID)
		}
	}
}

// TestDrainAtSIGTERM: a server process that gets SIGTERM while a mamoc.task.run call and a
// call of a task's own procedure run lets both finish (within shutdown_timeout) and answer
// them, then exits cleanly.
func TestDrainAtSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a server process with a JVM pool")
	}
	cfg := server.Config{Listen: "127.0.0.1:0", RawSocketListen: "off", DataDir: t.TempDir(), StatsInterval: time.Hour,
		ShutdownTimeout: 40 * time.Second}
	cfg.Runtime.MaxInstances, cfg.Runtime.MaxConcurrent, cfg.Runtime.MaxPerApp, cfg.Runtime.MinWarm, cfg.Runtime.Spare = 4, 2, 2, -1, 0
	child := startChild(t, cfg, "")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cl, err := nxclient.ConnectNet(ctx, "ws://"+child.ws+"/ws", nxclient.Config{Realm: "mamoc_realm",
		Serialization: serialize.CBOR, Logger: nopLog{}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cl.Close() }()
	waitProc(ctx, t, cl, api.ProcTaskRun)
	if _, err := deploy(ctx, cl, napTask("Drain", 4000)); err != nil {
		t.Fatal(err)
	}
	// Warm the task's instance, so that the calls below are running when SIGTERM arrives.
	if _, err := run(ctx, cl, api.RunRequest{Task: "uk.test.hostile.Drain"}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	results := make([]string, 2)
	errs := make([]error, 2)
	wg.Add(2)
	go func() {
		defer wg.Done()
		r, err := run(ctx, cl, api.RunRequest{Task: "uk.test.hostile.Drain"})
		results[0], errs[0] = r.Output, err
	}()
	go func() {
		defer wg.Done()
		res, err := cl.Call(ctx, "uk.test.hostile.Drain", nil, wamp.List{nil, wamp.List{}}, nil, nil)
		if err == nil && len(res.Arguments) > 0 {
			results[1] = fmt.Sprint(res.Arguments[0])
		}
		errs[1] = err
	}()
	// SIGTERM once both calls run (the server's own gauge says so).
	for deadline := time.Now().Add(time.Minute); runningCalls(ctx, child.ws) < 2; {
		if time.Now().After(deadline) {
			t.Fatal("the two calls never ran together")
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = child.cmd.Process.Signal(syscall.SIGTERM)
	wg.Wait()
	for i, what := range []string{"mamoc.task.run", "the task's procedure"} {
		if errs[i] != nil || !strings.Contains(results[i], "rested") {
			t.Errorf("%s across SIGTERM = %q, %v; want rested", what, results[i], errs[i])
		}
	}
	select {
	case <-child.exited:
		if child.err != nil {
			t.Errorf("child exit = %v, want 0", child.err)
		}
	case <-time.After(60 * time.Second):
		t.Error("child still running 60s after SIGTERM")
	}
}

// TestKwargsValidatedOverWAMP: every mamoc.* procedure refuses a kwarg of the wrong type or
// range with mamoc.error.bad_argument naming the field and what it allows.
func TestKwargsValidatedOverWAMP(t *testing.T) {
	srv := tenancyServer(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cl := anonPhone(ctx, t, srv)
	if _, err := deploy(ctx, cl, echoTask); err != nil {
		t.Fatal(err)
	}
	echo := func(extra wamp.Dict) wamp.Dict {
		kw := wamp.Dict{"task": "uk.test.shell.Echo", "params": wamp.List{"a", 1}}
		for k, v := range extra {
			kw[k] = v
		}
		return kw
	}
	tests := []struct {
		name string
		proc string
		args wamp.List
		kw   wamp.Dict
		want string // in the message
	}{
		{"timeout_ms x", api.ProcTaskRun, nil, echo(wamp.Dict{"timeout_ms": "x"}), `timeout_ms must be an integer from 1 to 86400000, got the string "x"`},
		{"timeout_ms -5", api.ProcTaskRun, nil, echo(wamp.Dict{"timeout_ms": -5}), "timeout_ms must be an integer from 1 to 86400000, got the integer -5"},
		{"timeout_ms 1e18", api.ProcTaskRun, nil, echo(wamp.Dict{"timeout_ms": 1e18}), "got the number 1e+18"},
		{"timeout_ms 1e30", api.ProcTaskRun, nil, echo(wamp.Dict{"timeout_ms": 1e30}), "got the number 1e+30"},
		{"resource 5", api.ProcTaskRun, nil, echo(wamp.Dict{"resource": 5}), "kwarg resource must be a string, got the integer 5"},
		{"resource on a task that takes none", api.ProcTaskRun, nil, echo(wamp.Dict{"resource": "../../etc/passwd"}), "takes no resource"},
		{"resource_sha256 not a hash", api.ProcTaskRun, nil, echo(wamp.Dict{"resource_sha256": "abc"}), "resource_sha256 must be a SHA-256"},
		{"params not a list", api.ProcTaskRun, nil, wamp.Dict{"task": "uk.test.shell.Echo", "params": "a"}, "kwarg params must be a list"},
		{"task 5", api.ProcTaskRun, nil, wamp.Dict{"task": 5}, "kwarg task must be a string, got the integer 5"},
		{"unknown kwarg", api.ProcTaskRun, nil, echo(wamp.Dict{"timeout": 5}), `unknown kwarg "timeout"`},
		{"rpcname 5", api.ProcTaskDeploy, nil, wamp.Dict{"source": echoTask, "rpcname": 5}, "kwarg rpcname must be a string, got the integer 5"},
		{"source 5", api.ProcTaskDeploy, nil, wamp.Dict{"source": 5}, "kwarg source must be a string, got the integer 5"},
		{"name 5", api.ProcResourcePut, wamp.List{[]byte("x")}, wamp.Dict{"name": 5}, "kwarg name must be a string, got the integer 5"},
		{"name with a path", api.ProcResourcePut, wamp.List{[]byte("x")}, wamp.Dict{"name": "../x"}, "not a plain file name"},
		{"content 5", api.ProcResourcePut, wamp.List{5}, nil, "args[0] (content) must be bytes or a string"},
		{"sha256 element", api.ProcResourceMissing, nil, wamp.Dict{"sha256": wamp.List{"x"}}, "sha256[0] must be a SHA-256"},
		{"execution id 5", api.ProcExecutionGet, nil, wamp.Dict{"id": 5}, "kwarg id must be a string, got the integer 5"},
		{"job id 5", api.ProcJobGet, nil, wamp.Dict{"id": 5}, "kwarg id must be a string, got the integer 5"},
		{"task list kwargs", api.ProcTaskList, nil, wamp.Dict{"all": true}, "takes no kwargs"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := cl.Call(ctx, tc.proc, nil, tc.args, tc.kw, nil)
			uri, msg := rpcError(err)
			if uri != api.ErrBadArgument || !strings.Contains(msg, tc.want) {
				t.Errorf("%s = %s %q, want %s containing %q", tc.proc, uri, msg, api.ErrBadArgument, tc.want)
			}
		})
	}
}

// nonLoopbackIP returns an IPv4 address of this host that is not a loopback one, or nil.
func nonLoopbackIP() net.IP {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP
		}
	}
	return nil
}

// runningCalls reads the gauge mamoc_calls_running from the server's /metrics (-1 if unknown).
func runningCalls(ctx context.Context, addr string) int {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return -1
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "mamoc_calls_running "); ok {
			var n float64
			if _, err := fmt.Sscan(v, &n); err == nil {
				return int(n)
			}
		}
	}
	return -1
}

// TestCallerLeavesCancelsJoined is TestCallerLeavesCancels for a node that joined another
// router (--join): the node learns of phone A's GOODBYE from the hub's meta events, kills A's
// task and gives its one slot to phone B.
func TestCallerLeavesCancelsJoined(t *testing.T) {
	hub := startServer(t, server.Config{RouterOnly: true})
	var data string
	node := offloadServer(t, func(c *server.Config) {
		data = c.DataDir
		c.Join, c.JoinAuthID, c.JoinTicket, c.ServerID = wsURL(hub), edgeUser.AuthID, edgeUser.Ticket, "node-a"
		c.Runtime.MaxConcurrent, c.Runtime.QueueLen = 1, 8
		c.Runtime.Limits.WallTime = 2 * time.Minute
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	b := anonPhone(ctx, t, hub)
	deployLeaveTasks(ctx, t, b)
	startLongThenGoodbye(ctx, t, hub)
	runAfterLeave(ctx, t, b)
	_ = node.Close()
	execs := longExecutions(t, openRepo(t, data))
	if len(execs) != 1 || execs[0].Status != repository.StatusCancelled {
		t.Errorf("executions of the departed caller = %+v, want one cancelled", execs)
	}
}

// deployLeaveTasks deploys, as b, the 60 s task a departing phone starts and the echo task b
// runs after that phone left.
func deployLeaveTasks(ctx context.Context, t *testing.T, b *nxclient.Client) {
	t.Helper()
	for _, src := range []string{napTask("Long", 60000), echoTask} {
		if _, err := deploy(ctx, b, src); err != nil {
			t.Fatal(err)
		}
	}
}

// startLongThenGoodbye has a new anonymous phone on srv start the 60 s task, lets it run, and
// closes the phone (GOODBYE).
func startLongThenGoodbye(ctx context.Context, t *testing.T, srv *server.Server) {
	t.Helper()
	a := anonPhone(ctx, t, srv)
	go func() {
		_, _ = a.Call(ctx, api.ProcTaskRun, nil, nil, api.RunRequest{Task: "uk.test.hostile.Long"}.Kwargs(), nil)
	}()
	time.Sleep(2 * time.Second) // the task runs
	_ = a.Close()               // GOODBYE
}

// runAfterLeave runs b's echo call and checks that it did not wait behind the departed caller's
// task, which held the only slot for 60 s unless it was cancelled.
func runAfterLeave(ctx context.Context, t *testing.T, b *nxclient.Client) {
	t.Helper()
	start := time.Now()
	r, err := run(ctx, b, api.RunRequest{Task: "uk.test.shell.Echo", Params: []any{"after", 1}})
	if err != nil || r.Output != "[after|1]" {
		t.Fatalf("B's call = %q, %v", r.Output, err)
	}
	if waited := time.Since(start); waited > 40*time.Second {
		t.Errorf("B waited %s behind a departed caller's task", waited)
	}
}

// openRepo opens the repository of a closed server at data until the test ends.
func openRepo(t *testing.T, data string) *repository.DB {
	t.Helper()
	repo, err := repository.Open(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = repo.Close() })
	return repo
}

// longExecutions lists the executions of the 60 s task in repo.
func longExecutions(t *testing.T, repo *repository.DB) []repository.Execution {
	t.Helper()
	execs, err := repo.ListExecutions(context.Background(), repository.ExecutionFilter{Task: "uk.test.hostile.Long"})
	if err != nil {
		t.Fatal(err)
	}
	return execs
}
