package server_test

import (
	"encoding/json"
	"testing"

	"github.com/mamoc-go/mamoc/refactor"
	"github.com/mamoc-go/mamoc/server/api"
)

// TestJobContract checks that the job the server sends (refactor.Job) reads as api.Job: the
// field names of the two agree.
func TestJobContract(t *testing.T) {
	j := refactor.Job{ID: "j1", State: refactor.StateDone, Stage: "link", Progress: 1, Error: "e",
		Report: &refactor.Report{Manifest: &refactor.Manifest{Package: "p.app", VersionName: "1.0"},
			Counts:     refactor.Counts{Classes: 3, OffloadableMethods: 2, DeviceMethods: 1, Registered: 4},
			Procedures: []refactor.Procedure{{Name: "p.app.T", Kind: "mamoc", Params: []string{"int"}, Returns: "long"}},
			Stages:     []refactor.StageTiming{{Stage: "dex", Seconds: 0.5}}}}
	b, err := json.Marshal(j)
	if err != nil {
		t.Fatal(err)
	}
	var got api.Job
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"id", got.ID, j.ID},
		{"state", got.State, api.JobDone},
		{"stage", got.Stage, j.Stage},
		{"progress", got.Progress, j.Progress},
		{"error", got.Error, j.Error},
		{"package", got.Report.Manifest.Package, "p.app"},
		{"version", got.Report.Manifest.VersionName, "1.0"},
		{"classes", got.Report.Counts.Classes, 3},
		{"offloadable methods", got.Report.Counts.OffloadableMethods, 2},
		{"device methods", got.Report.Counts.DeviceMethods, 1},
		{"registered", got.Report.Counts.Registered, 4},
		{"procedure", got.Report.Procedures[0].Name, "p.app.T"},
		{"procedure returns", got.Report.Procedures[0].Returns, "long"},
		{"stage seconds", got.Report.Stages[0].Seconds, 0.5},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("api.Job %s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}
