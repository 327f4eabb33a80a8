package refactor

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime/debug"
	"sort"
	"strings"
	"time"
)

// Stage is one step of the APK pipeline. Stages run in order; Weight is the stage's share of
// the job's progress (the weights of a pipeline add up to 1).
type Stage struct {
	Name   string
	Weight float64
	Run    func(ctx context.Context, r *run) error
}

// run is the state one job's stages share.
type run struct {
	lim      limits
	shims    map[string][]string // Config.Shims
	libs     bool                // Config.RegisterLibraries
	apk      []byte
	sum      string
	arc      *archive
	dex      []*dexFile
	graph    *graph
	report   *Report
	roots    []int // graph nodes of the registered procedures
	jar      []byte
	progress func(stage string, frac float64) // frac of the current stage, 0–1
	// link-stage dependencies (nil in Analyze)
	linker *linker
	jobID  string
}

// analysisStages are the stages that read the APK and decide verdicts.
var analysisStages = []Stage{
	{Name: "unpack", Weight: 0.05, Run: stageUnpack},
	{Name: "manifest", Weight: 0.05, Run: stageManifest},
	{Name: "dex", Weight: 0.25, Run: stageDEX},
	{Name: "graph", Weight: 0.10, Run: stageGraph},
	{Name: "verdict", Weight: 0.05, Run: stageVerdict},
}

// linkStages turn the offloadable classes into a jar and register the procedures.
var linkStages = []Stage{
	{Name: "link", Weight: 0.45, Run: stageLink},
	{Name: "register", Weight: 0.05, Run: stageRegister},
}

// runStages runs stages in order, recovering panics per stage and recording timings.
func runStages(ctx context.Context, r *run, stages []Stage, onStage func(name string, done float64)) error {
	total := 0.0
	for _, s := range stages {
		total += s.Weight
	}
	done := 0.0
	for _, s := range stages {
		if err := ctx.Err(); err != nil {
			return err
		}
		base, w := done/total, s.Weight/total
		r.progress = func(stage string, frac float64) {
			if onStage != nil {
				onStage(stage, base+w*min(max(frac, 0), 1))
			}
		}
		r.progress(s.Name, 0)
		start := time.Now()
		err := safeStage(ctx, s, r)
		r.report.Stages = append(r.report.Stages, StageTiming{Stage: s.Name, Seconds: time.Since(start).Seconds()})
		if err != nil {
			return fmt.Errorf("%s: %w", s.Name, err)
		}
		done += s.Weight
	}
	if onStage != nil {
		onStage("done", 1)
	}
	return nil
}

func safeStage(ctx context.Context, s Stage, r *run) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %v\n%s", ErrPanic, p, firstLines(string(debug.Stack()), 12))
		}
	}()
	return s.Run(ctx, r)
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

func newRun(apk []byte, lim limits) *run {
	h := sha256.Sum256(apk)
	sum := hex.EncodeToString(h[:])
	return &run{lim: lim, apk: apk, sum: sum, report: &Report{APKSHA256: sum, APKBytes: len(apk)}}
}

// Analyze runs the analysis stages (no linking, no store) on an APK held in memory and returns
// its report. It is what a job does before linking, exposed for benchmarks and tools.
func Analyze(ctx context.Context, apk []byte, cfg Config) (*Report, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if int64(len(apk)) > cfg.MaxAPKBytes {
		return nil, fmt.Errorf("%w: apk is %d bytes, limit %d", ErrTooLarge, len(apk), cfg.MaxAPKBytes)
	}
	r := newRun(apk, cfg.limits())
	r.shims, r.libs = cfg.Shims, cfg.RegisterLibraries
	if err := runStages(ctx, r, analysisStages, nil); err != nil {
		return nil, err
	}
	return r.report, nil
}

func stageUnpack(_ context.Context, r *run) error {
	a, err := unpackAPK(r.apk, r.lim)
	if err != nil {
		return err
	}
	r.arc = a
	for _, n := range a.dexNames {
		r.report.DEX = append(r.report.DEX, DEXInfo{Name: n, Bytes: len(a.dex[n])})
	}
	return nil
}

func stageManifest(_ context.Context, r *run) error {
	if r.arc.manifest == nil {
		r.report.ManifestError = "the APK has no AndroidManifest.xml: no package, permissions or components; the DEX is still analysed"
		return nil
	}
	m, err := parseManifest(r.arc.manifest, r.arc.resources)
	if err != nil {
		// A broken manifest does not stop the DEX analysis.
		r.report.ManifestError = err.Error()
		if m == nil || m.Package == "" {
			return nil
		}
	}
	r.report.Manifest = m
	return nil
}

func stageDEX(ctx context.Context, r *run) error {
	for i, n := range r.arc.dexNames {
		df, err := parseDEX(ctx, n, r.arc.dex[n], r.lim.maxMethods)
		if err != nil {
			return err
		}
		r.dex = append(r.dex, df)
		r.report.DEX[i].Version = df.Version
		r.report.DEX[i].Classes = len(df.Classes)
		r.report.DEX[i].Methods = df.Methods
		r.arc.dex[n] = nil // the bytes are no longer needed
		r.progress("dex", float64(i+1)/float64(len(r.arc.dexNames)))
	}
	return nil
}

func stageGraph(ctx context.Context, r *run) error {
	g, err := buildGraph(ctx, r.dex, defaultRules, r.shims)
	if err != nil {
		return err
	}
	r.graph = g
	r.report.Counts.Edges = g.edges
	return nil
}

func stageVerdict(_ context.Context, r *run) error {
	g := r.graph
	g.solve()
	rep := r.report
	o := newOrigins(rep.Manifest, g.order)
	rep.AppPackages = o.roots
	rep.Classes = make([]ClassVerdict, 0, len(g.order))
	for _, c := range g.order {
		cn := g.nodes[g.byClass[c]]
		cv := ClassVerdict{Name: c.Name, Super: c.Super, DEX: c.DEX, Methods: len(c.Methods), Origin: o.of(c.Name)}
		if cv.Origin == OriginLibrary {
			rep.Counts.LibraryClasses++
		}
		if tc, ok := g.touches[c]; ok {
			cv.TouchesDevice, cv.DirectRef, cv.DirectKinds = true, tc.first, sortedKeys(tc.kinds)
			rep.Counts.TouchingClasses++
		}
		var firstBad *node
		for _, m := range c.Methods {
			n := g.nodes[g.byMethod[m]]
			mv := MethodVerdict{Class: c.Name, Name: m.Name, Descriptor: m.Proto(), Static: m.Flags&accStatic != 0,
				Verdict: n.verdict, Reason: n.reason, Evidence: n.evidence, Shims: sortedKeys(n.needs)}
			if len(mv.Shims) == 0 {
				mv.Shims = nil
			}
			rep.Methods = append(rep.Methods, mv)
			switch n.verdict {
			case VerdictOffloadable:
				cv.Offloadable++
				rep.Counts.OffloadableMethods++
			case VerdictConditional:
				rep.Counts.ConditionalMethods++
			case VerdictUnsafe:
				rep.Counts.UnsafeMethods++
			default:
				rep.Counts.DeviceMethods++
			}
			if n.verdict != VerdictOffloadable && firstBad == nil {
				firstBad = n
			}
		}
		switch {
		case cn.verdict != VerdictOffloadable:
			cv.Verdict, cv.Reason, cv.Evidence = cn.verdict, cn.reason, cn.evidence
		case firstBad == nil:
			cv.Verdict, cv.Reason = VerdictOffloadable, "every method is offloadable"
			rep.Counts.OffloadableClasses++
		case cv.Offloadable > 0:
			cv.Verdict = VerdictPartial
			cv.Reason = fmt.Sprintf("%d of %d methods offloadable; e.g. %s: %s", cv.Offloadable, len(c.Methods), firstBad.label, firstBad.reason)
			cv.Evidence = firstBad.evidence
		default:
			cv.Verdict, cv.Reason, cv.Evidence = firstBad.verdict, "no method offloadable; e.g. "+firstBad.label+": "+firstBad.reason, firstBad.evidence
		}
		rep.Classes = append(rep.Classes, cv)
	}
	rep.Counts.Classes = len(g.order)
	rep.Counts.Methods = len(rep.Methods)
	pkg := ""
	if rep.Manifest != nil {
		pkg = rep.Manifest.Package
	}
	rep.Procedures, rep.Skipped, r.roots = listProcedures(g, pkg, o, r.libs)
	if rep.Procedures == nil {
		rep.Procedures = []Procedure{}
	}
	rep.Counts.Procedures = len(rep.Procedures)
	sort.SliceStable(rep.Procedures, func(i, j int) bool { return rep.Procedures[i].Name < rep.Procedures[j].Name })
	rep.Candidates = rank(g, o, func(origin string) bool { return origin == OriginApp || r.libs })
	byMethod := map[string]string{}
	for _, p := range rep.Procedures {
		if p.Kind != KindMAMoC {
			byMethod[p.Class+"."+p.Method+p.Descriptor] = p.Name
		}
	}
	for i, c := range rep.Candidates {
		rep.Candidates[i].Procedure = byMethod[c.Class+"."+c.Method+c.Descriptor]
	}
	return nil
}

var errNoLinker = errors.New("no linker")
