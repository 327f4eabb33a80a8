package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	client "github.com/mamoc-go/mamoc/client-android"
)

// The example files of decision/README.md: the MAMoC test vector (a nearby phone rated
// [VL, L, L, G, VL], MAMoC's fixed edge and cloud ratings, in MAMoC's insertion order), and three
// measured sites with a history of NQueens.
var (
	mamocSites   = filepath.Join("..", "decision", "testdata", "mamoc-sites.json")
	defaultSites = filepath.Join("..", "decision", "testdata", "sites.json")
	historyFile  = filepath.Join("..", "decision", "testdata", "history.json")
)

type output struct {
	Mode    string `json:"mode"`
	Ranking []struct {
		Site  string  `json:"site"`
		Score float64 `json:"score"`
	} `json:"ranking"`
	Decision string `json:"decision"`
	Target   string `json:"target"`
	Shares   []struct {
		Site   string  `json:"site"`
		Share  float64 `json:"share"`
		Finish float64 `json:"finish_s"`
	} `json:"shares"`
	Predicted float64            `json:"predicted_s"`
	Explore   bool               `json:"explore"`
	Weights   map[string]float64 `json:"weights"`
	CR        float64            `json:"cr"`
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func decide(t *testing.T, args ...string) (int, output, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := client.Main(context.Background(), append([]string{"decide"}, args...), &stdout, &stderr)
	var out output
	if code == 0 && stdout.Len() > 0 {
		if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
			t.Fatalf("mamoc decide printed %q: %v", stdout.String(), err)
		}
	}
	return code, out, stderr.String()
}

func TestDecideMamocTestVector(t *testing.T) {
	code, out, stderr := decide(t, "--sites", mamocSites, "--mode", "mamoc")
	if code != 0 {
		t.Fatalf("mamoc decide --mode mamoc = %d, stderr %s", code, stderr)
	}
	want := []struct {
		site  string
		score float64
	}{{"Edge", .3575}, {"Public", .3147}, {"Mobile", .2459}}
	if len(out.Ranking) != len(want) {
		t.Fatalf("ranking = %+v, want %v", out.Ranking, want)
	}
	for i, w := range want {
		if r := out.Ranking[i]; r.Site != w.site || math.Round(r.Score*1e3) != math.Round(w.score*1e3) {
			t.Errorf("ranking[%d] = %s %.4f, want %s %.3f", i, r.Site, r.Score, w.site, w.score)
		}
	}
	if out.Decision != "offload" || out.Target != "Edge" || math.Abs(out.Weights["bandwidth"]-.4073) > 5e-5 {
		t.Errorf("decision = %s %s, bandwidth weight %v, want offload Edge and .4073", out.Decision, out.Target, out.Weights["bandwidth"])
	}
	// With MAMoC's defects its controller takes the last site it inserted, the public cloud.
	code, out, _ = decide(t, "--sites", mamocSites, "--mode", "mamoc", "--bugs", "all")
	if code != 0 || out.Target != "Public" {
		t.Errorf("mamoc decide --bugs all = %d, target %q, want 0 and Public", code, out.Target)
	}
}

func TestDecideDefault(t *testing.T) {
	// The sites file may also be an object with a "sites" field.
	data, err := os.ReadFile(defaultSites)
	if err != nil {
		t.Fatal(err)
	}
	wrapped := writeFile(t, "wrapped.json", `{"sites": `+string(data)+`}`)
	hist := historyFile
	tests := []struct {
		name         string
		args         []string
		wantDecision string
		wantExplore  bool
	}{
		{"parallel with history", []string{"--task", "NQueens", "--history", hist, "--parallel", "--input-bytes", "200"}, "split", false},
		{"whole task with history", []string{"--task", "NQueens", "--history", hist}, "offload", false},
		{"unknown task explores", []string{"--task", "KMP", "--history", hist}, "offload", true},
		{"no history", nil, "offload", false},
		{"wrapped sites file", []string{"--sites", wrapped}, "offload", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, stderr := decide(t, append([]string{"--sites", defaultSites}, tt.args...)...)
			if code != 0 {
				t.Fatalf("mamoc decide %v = %d, stderr %s", tt.args, code, stderr)
			}
			if out.Decision != tt.wantDecision || out.Explore != tt.wantExplore {
				t.Errorf("decision = %s (explore %v), want %s (explore %v)", out.Decision, out.Explore, tt.wantDecision, tt.wantExplore)
			}
			if len(out.Ranking) != 3 {
				t.Fatalf("ranking = %+v, want 3 sites", out.Ranking)
			}
			for i := 1; i < len(out.Ranking); i++ {
				if out.Ranking[i].Score > out.Ranking[i-1].Score {
					t.Errorf("ranking %+v is not best first", out.Ranking)
				}
			}
			sum := 0.0
			for _, s := range out.Shares {
				sum += s.Share
			}
			if math.Abs(sum-1) > 1e-9 || out.Predicted <= 0 || len(out.Weights) != 6 {
				t.Errorf("shares %+v sum to %v, predicted %v, %d weights; want 1, > 0, 6", out.Shares, sum, out.Predicted, len(out.Weights))
			}
		})
	}
}

func TestDecideErrors(t *testing.T) {
	sites := defaultSites
	bad := writeFile(t, "bad.json", `[{"name": "x", "kind": "fog"}]`)
	unknown := writeFile(t, "unknown.json", `[{"name": "x", "kind": "edge", "colour": "red"}]`)
	notJSON := writeFile(t, "not.json", `{`)
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"help", []string{"-h"}, 0, "usage: mamoc decide"},
		{"no sites flag", nil, 2, "--sites is required"},
		{"bad mode", []string{"--sites", sites, "--mode", "fast"}, 2, "--mode"},
		{"history without task", []string{"--sites", sites, "--history", sites}, 2, "--history needs --task"},
		{"bad bugs", []string{"--sites", sites, "--bugs", "7"}, 2, "--bugs"},
		{"extra argument", []string{"--sites", sites, "extra"}, 2, "unexpected argument"},
		{"unknown flag", []string{"--colour"}, 2, "flag provided but not defined"},
		{"missing file", []string{"--sites", filepath.Join(t.TempDir(), "none.json")}, 1, "no such file"},
		{"not JSON", []string{"--sites", notJSON}, 1, "decode JSON"},
		{"unknown field", []string{"--sites", unknown}, 1, "colour"},
		{"invalid site", []string{"--sites", bad}, 1, "kind"},
		{"inconsistent profile", []string{"--sites", sites, "--mode", "mamoc", "--profile", "dm3"}, 1, "consistency ratio"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := decide(t, tt.args...)
			if code != tt.wantCode || !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("mamoc decide %v = %d, stderr %q; want %d and %q", tt.args, code, stderr, tt.wantCode, tt.wantErr)
			}
		})
	}
	code, out, stderr := decide(t, "--sites", sites, "--mode", "mamoc", "--profile", "dm3", "--force")
	if code != 0 || math.Abs(out.CR-0.115) > 5e-4 {
		t.Errorf("mamoc decide --profile dm3 --force = %d (cr %v), stderr %s; want 0 and cr 0.115", code, out.CR, stderr)
	}
}
