package api_test

import (
	"testing"
	"time"

	"github.com/mamoc-go/mamoc/server/api"
)

func TestNodeProcedure(t *testing.T) {
	for _, tc := range []struct{ site, proc, scoped string }{
		{"b", api.ProcTaskRun, "mamoc.node.b.task.run"},
		{"edge-2", api.ProcHistoryGet, "mamoc.node.edge-2.history.get"},
		{"b", api.ProcAppUpload, "mamoc.node.b.app.upload"},
	} {
		if got := api.NodeProcedure(tc.site, tc.proc); got != tc.scoped {
			t.Errorf("NodeProcedure(%q, %q) = %q, want %q", tc.site, tc.proc, got, tc.scoped)
		}
		if got := api.PlainProcedure(tc.scoped); got != tc.proc {
			t.Errorf("PlainProcedure(%q) = %q, want %q", tc.scoped, got, tc.proc)
		}
	}
	for _, proc := range []string{"mamoc.task.run", "uk.ac.x.Task", "mamoc.node.b"} {
		if got := api.PlainProcedure(proc); got != proc {
			t.Errorf("PlainProcedure(%q) = %q, want it unchanged", proc, got)
		}
	}
}

func TestValidSiteName(t *testing.T) {
	for name, want := range map[string]bool{"a": true, "edge-1_B": true, "": false, "a.b": false, "a b": false, "a#b": false,
		string(make([]byte, 65)): false} {
		if got := api.ValidSiteName(name); got != want {
			t.Errorf("ValidSiteName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestHistoryAndSiteListRoundTrip(t *testing.T) {
	seen := time.UnixMilli(1_700_000_000_000)
	h := api.History{Stats: []api.TaskStats{{Task: "p.T", Site: "a", Count: 3, MeanSec: 1.5, P50Sec: 1.4, P95Sec: 2, FailureRate: 1.0 / 3, LastSeen: seen}}}
	got, err := api.ParseHistory(wire(t, h.Kwargs()))
	if err != nil || len(got.Stats) != 1 || got.Stats[0] != h.Stats[0] {
		t.Errorf("ParseHistory(History.Kwargs()) = %+v, %v; want %+v", got, err, h)
	}
	l := api.SiteList{Sites: []api.SiteInfo{{Name: "b", Kind: "cloud", Stats: api.Stats{Cores: 4, Site: "b", SiteKind: "cloud"}, LastSeen: seen}}}
	gl, err := api.ParseSiteList(wire(t, l.Kwargs()))
	if err != nil || len(gl.Sites) != 1 || gl.Sites[0].Name != "b" || gl.Sites[0].Kind != "cloud" || gl.Sites[0].Stats.Cores != 4 ||
		gl.Sites[0].Stats.Site != "b" || !gl.Sites[0].LastSeen.Equal(seen) {
		t.Errorf("ParseSiteList(SiteList.Kwargs()) = %+v, %v; want %+v", gl, err, l)
	}
	if _, err := api.ParseHistoryRequest(map[string]any{"task": 7}); err == nil {
		t.Error("ParseHistoryRequest({task: 7}) = nil error, want ErrInvalid")
	}
}
