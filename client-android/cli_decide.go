package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/mamoc-go/mamoc/decision"
)

const decideUsage = `usage: mamoc decide --sites FILE.json [--task NAME] [--history FILE.json] [--mode mamoc|default] [flags]

Ranks the sites in FILE.json with mamoc's decision engine and prints the decision as JSON:
"ranking" (best first, with "site" and "score"), "decision" (local, offload or split), "target",
"shares", the predictions, and the criterion weights. FILE.json is a JSON array of sites (or an
object whose "sites" field is one); see decision/README.md for the fields of each mode.

flags:
`

// decideOutput is what mamoc decide prints: the decision plus the weights it was made with.
type decideOutput struct {
	decision.Decision
	// Weights maps each criterion to its AHP weight.
	Weights map[string]float64 `json:"weights"`
	// CR is the consistency ratio of the judgements behind Weights.
	CR float64 `json:"cr"`
}

// runDecide implements "mamoc decide".
func runDecide(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("mamoc decide", decideUsage, stderr)
	sitesFile := fs.String("sites", "", "JSON `file` with the candidate sites (required)")
	task := fs.String("task", "", "task `name` whose history is used")
	historyFile := fs.String("history", "", "JSON `file` with an array of per-(task, site) statistics")
	mode := fs.String("mode", string(decision.ModeDefault), "scoring `mode`: default or mamoc")
	profile := fs.String("profile", "", "mamoc mode: decision-maker `profile` dm1…dm5 or group (default dm1)")
	bugs := fs.String("bugs", "", "mamoc mode: MAMoC defects to reproduce, `list` of 1–6 or all")
	force := fs.Bool("force", false, "accept judgements whose consistency ratio is above 0.1")
	inBytes := fs.Int64("input-bytes", 0, "input payload `bytes`")
	outBytes := fs.Int64("output-bytes", 0, "output payload `bytes`")
	size := fs.Float64("size", 0, "input size in the task's own unit, to scale recorded times")
	parallel := fs.Bool("parallel", false, "the task can be split across sites")
	noExplore := fs.Bool("no-explore", false, "do not explore sites with too little history")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	usageErr, fail := cliErrors("mamoc decide", fs, stderr)
	switch {
	case fs.NArg() > 0:
		return usageErr("unexpected argument %q", fs.Arg(0))
	case *sitesFile == "":
		return usageErr("--sites is required")
	case *mode != string(decision.ModeDefault) && *mode != string(decision.ModeMamoc):
		return usageErr("--mode %q, want default or mamoc", *mode)
	case *historyFile != "" && *task == "":
		return usageErr("--history needs --task")
	}
	b, err := parseBugs(*bugs)
	if err != nil {
		return usageErr("%v", err)
	}
	sites, err := readSites(*sitesFile)
	if err != nil {
		return fail(err)
	}
	cfg := decision.Config{Mode: decision.Mode(*mode), Profile: *profile, Bugs: b, ForceInconsistent: *force}
	if *historyFile != "" {
		var stats []decision.Stats
		if err := readJSON(*historyFile, &stats); err != nil {
			return fail(err)
		}
		cfg.History = decision.NewStatsMap(stats)
	}
	e, err := decision.New(cfg)
	if err != nil {
		return fail(err)
	}
	d, err := e.Decide(ctx, decision.Request{
		Task: *task, Sites: sites, InputBytes: *inBytes, OutputBytes: *outBytes,
		Size: *size, Parallel: *parallel, NoExplore: *noExplore,
	})
	if err != nil {
		return fail(err)
	}
	pr := e.Priorities()
	names := decision.DefaultCriteria[:]
	if cfg.Mode == decision.ModeMamoc {
		names = decision.MamocCriteria[:]
	}
	out := decideOutput{Decision: d, Weights: make(map[string]float64, len(names)), CR: pr.CR}
	for i, n := range names {
		out.Weights[n] = pr.Weights[i]
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fail(fmt.Errorf("write decision: %w", err))
	}
	return 0
}

// readSites reads a JSON array of sites, or an object with a "sites" array.
func readSites(path string) ([]decision.Site, error) {
	var raw json.RawMessage
	if err := readJSON(path, &raw); err != nil {
		return nil, err
	}
	if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] == '{' {
		var wrapped struct {
			Sites []decision.Site `json:"sites"`
		}
		if err := strictUnmarshal(raw, &wrapped); err != nil {
			return nil, fmt.Errorf("sites %s: %w", path, err)
		}
		return wrapped.Sites, nil
	}
	var sites []decision.Site
	if err := strictUnmarshal(raw, &sites); err != nil {
		return nil, fmt.Errorf("sites %s: %w", path, err)
	}
	return sites, nil
}

// readJSON decodes the JSON file at path into v, rejecting unknown fields.
func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %w", err)
	}
	if err := strictUnmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func strictUnmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decode JSON: %w", err)
	}
	return nil
}

// parseBugs reads "", "all" or a comma-separated list of defect numbers 1–6.
func parseBugs(s string) (decision.Bugs, error) {
	switch s = strings.TrimSpace(s); s {
	case "":
		return 0, nil
	case "all":
		return decision.AllBugs, nil
	}
	var b decision.Bugs
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 6 {
			return 0, fmt.Errorf("--bugs %q: want all or numbers 1–6", s)
		}
		b |= 1 << (n - 1)
	}
	return b, nil
}
