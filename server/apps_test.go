package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/gammazero/nexus/v3/transport/serialize"
	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/internal/apktest"
	"github.com/mamoc-go/mamoc/server/api"
)

// waitJob polls GET /api/jobs/ID as the uploader (edge1) until the job ends and returns it.
// uploadApp uploads apk to POST /api/apps as the edge user edge1 and returns the job's id.
func uploadApp(t *testing.T, base string, apk []byte) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/api/apps", bytes.NewReader(apk))
	req.SetBasicAuth("edge1", "edge-ticket")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	var up struct{ Job string }
	if err := json.Unmarshal(body, &up); err != nil || up.Job == "" {
		t.Fatalf("upload answered %d %s", resp.StatusCode, body)
	}
	return up.Job
}

func waitJob(t *testing.T, base, id string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequest(http.MethodGet, base+"/api/jobs/"+id, nil)
		req.SetBasicAuth("edge1", "edge-ticket") // the uploader: jobs are visible to it and admins
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var j map[string]any
		err = json.NewDecoder(resp.Body).Decode(&j)
		_ = resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if j["state"] == "done" || j["state"] == "failed" {
			return j
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("job %s did not end within 3 minutes", id)
	return nil
}

// TestRefactoredAppRuns uploads TestActivity.apk over HTTP, waits for its job and calls the
// registered RC4 and sieve procedures: the app's own bytecode runs in the runtime, with no
// compile step.
func TestRefactoredAppRuns(t *testing.T) {
	srv := offloadServer(t, nil)
	base := "http://" + srv.Addr().String()
	apk := apktest.Read(t, "TestActivity.apk")

	// Uploads need a refactor role.
	resp, err := http.Post(base+"/api/apps", "application/vnd.android.package-archive", bytes.NewReader(apk))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusForbidden {
		t.Errorf("anonymous upload status = %d, want 401 or 403", resp.StatusCode)
	}
	jobID := uploadApp(t, base, apk)
	job := waitJob(t, base, jobID)
	if job["state"] != "done" {
		t.Fatalf("job = %v, want done", job)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	phone := dial(ctx, t, wsURL(srv), serialize.CBOR, "", "")
	res, err := phone.Call(ctx, "mamoc.app.tests.androguard.RC4.rc4_crypt", nil, wamp.List{[]byte("Key"), []byte("Plaintext")}, nil, nil)
	if err != nil {
		t.Fatalf("call RC4: %v", err)
	}
	arrays, _ := wamp.AsList(res.Arguments[0])
	if len(arrays) != 2 {
		t.Fatalf("RC4 result = %v, want [key, data]", res.Arguments)
	}
	cipher, err := base64.StdEncoding.DecodeString(fmt.Sprint(arrays[1]))
	if err != nil || hex.EncodeToString(cipher) != "bbf316e8d940af0ad3" {
		t.Errorf("RC4(Key, Plaintext) = %x (%v), want bbf316e8d940af0ad3", cipher, err)
	}
	res, err = phone.Call(ctx, "mamoc.app.tests.androguard.Eratosthene.eratosthenes", nil, wamp.List{30}, nil, nil)
	if err != nil {
		t.Fatalf("call sieve: %v", err)
	}
	if got := fmt.Sprint(res.Arguments[0]); got != "[2 3 5 7 11 13 17 19 23 29]" {
		t.Errorf("eratosthenes(30) = %s, want [2 3 5 7 11 13 17 19 23 29]", got)
	}

	// Over WAMP: a phone may not upload; an edge may, and the same APK gives the same job.
	if _, err := phone.Call(ctx, api.ProcAppUpload, nil, wamp.List{apk}, nil, nil); rpcErrorURI(err) != string(wamp.ErrNotAuthorized) {
		t.Errorf("phone upload error = %v, want not_authorized", err)
	}
	edge := edgeClient(ctx, t, srv)
	res, err = edge.Call(ctx, api.ProcAppUpload, nil, wamp.List{apk}, nil, nil)
	if err != nil {
		t.Fatalf("edge upload: %v", err)
	}
	if res.ArgumentsKw["job"] != jobID {
		t.Errorf("second upload of the same APK = job %v, want %s", res.ArgumentsKw["job"], jobID)
	}
	res, err = edge.Call(ctx, api.ProcJobGet, nil, wamp.List{jobID}, nil, nil)
	if err != nil || res.ArgumentsKw["state"] != "done" {
		t.Errorf("mamoc.job.get = %v %v, want state done", res, err)
	}

	// Progress events carry the job id; a job that is not an APK fails with a clear error.
	// They reach the uploader (and admins), never another phone.
	events := make(chan *wamp.Event, 64)
	if err := edge.SubscribeChan(api.TopicJobProgress, events, nil); err != nil {
		t.Fatal(err)
	}
	phoneEvents := make(chan *wamp.Event, 64)
	if err := phone.SubscribeChan(api.TopicJobProgress, phoneEvents, nil); err != nil {
		t.Fatal(err)
	}
	res, err = edge.Call(ctx, api.ProcAppUpload, nil, wamp.List{apktest.Read(t, "TC-debug.apk")}, nil, nil)
	if err != nil {
		t.Fatalf("upload TC-debug.apk: %v", err)
	}
	tc := res.ArgumentsKw["job"]
	if j := waitJob(t, base, fmt.Sprint(tc)); j["state"] != "done" {
		t.Errorf("TC-debug.apk job = %v, want done", j)
	}
	sawDone := false
	for !sawDone {
		select {
		case ev := <-events:
			if len(ev.Arguments) == 1 && ev.Arguments[0] == tc && ev.ArgumentsKw["state"] == "done" {
				sawDone = true
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no mamoc.job.progress event with state done for the TC-debug job")
		}
	}
	select {
	case ev := <-phoneEvents:
		t.Errorf("a phone received another caller's job progress: %v %v", ev.Arguments, ev.ArgumentsKw)
	default:
	}
	res, err = edge.Call(ctx, api.ProcAppUpload, nil, wamp.List{[]byte("this is not a zip")}, nil, nil)
	if err != nil {
		t.Fatalf("upload garbage: %v", err)
	}
	if j := waitJob(t, base, fmt.Sprint(res.ArgumentsKw["job"])); j["state"] != "failed" || j["error"] == "" {
		t.Errorf("garbage job = %v, want failed with an error", j)
	}
	// The server keeps serving.
	if _, err := phone.Call(ctx, "mamoc.app.tests.androguard.Eratosthene.eratosthenes", nil, wamp.List{10}, nil, nil); err != nil {
		t.Errorf("sieve after a failed job: %v", err)
	}
}

func jsonDecode(resp *http.Response, v any) error {
	defer func() { _ = resp.Body.Close() }()
	return json.NewDecoder(resp.Body).Decode(v)
}
