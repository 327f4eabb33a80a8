package refactor

import (
	"io"
	"mime/multipart"
	"sort"
	"strconv"
	"strings"
)

func multipartReader(r io.Reader, boundary string) *multipart.Reader {
	return multipart.NewReader(r, boundary)
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', 3, 64) }

// reportPageSize is the number of app classes (with their methods) one report page lists.
const reportPageSize = 100

// topCandidates is the number of candidates the report shows before collapsing the rest.
const topCandidates = 10

// maxSkippedRows bounds the rows of the report's table of methods not registered.
const maxSkippedRows = 100

// reportView is what the HTML report shows of a job: every list bounded, the app's classes
// paged, the libraries summarised by package.
type reportView struct {
	Job
	Prefix     string      // the procedure names' common start, shown once
	Top, More  []Candidate // the first candidates, shown; the rest, collapsed
	Procedures []procRow
	Skipped    []SkippedMethod
	MoreSkip   int
	Classes    []classRow // this page's app classes
	Page       int        // 1-based
	Pages      int
	Libraries  []libRow
	Legend     []legendRow
}

type procRow struct {
	Short string // the name after Prefix
	Procedure
}

type classRow struct {
	ClassVerdict
	Rows []MethodVerdict
}

type libRow struct {
	Package                       string
	Classes, Methods, Offloadable int
	Registered                    int
	Unsafe, Device, Conditional   int
}

type legendRow struct{ Term, Meaning string }

var legend = []legendRow{
	{VerdictOffloadable, "nothing it can reach needs the phone: it may run on the server"},
	{VerdictConditional, "needs state shipped with the call or a shim first (java.io streams, Bundle, Intent…)"},
	{VerdictUnsafe, "spawns processes, touches files or the network, starts threads or exits the JVM: never run on a shared server"},
	{VerdictDevice, "needs the phone: Android UI, sensors, components, native code or reflection"},
	{VerdictPartial, "a class with offloadable and other methods"},
	{"score", "log2 of the estimated compute weight: instructions weighted ×2 for arithmetic and array work, ×8 per enclosing loop and for recursion, plus the app methods reached; +1 is twice the work"},
	{"evidence", "the shortest call chain from the method to what decides its verdict"},
	{OriginApp + " / " + OriginLibrary, "the app's own package trees (from the manifest) against bundled libraries; libraries are analysed, and registered only with register_libraries"},
}

// newReportView builds page (1-based) of a job's report.
func newReportView(j Job, page int) reportView {
	v := reportView{Job: j, Legend: legend, Page: 1, Pages: 1}
	rep := j.Report
	if rep == nil {
		return v
	}
	names := make([]string, len(rep.Procedures))
	for i, p := range rep.Procedures {
		names[i] = p.Name
	}
	v.Prefix = commonPrefix(names)
	v.Top = rep.Candidates
	if len(v.Top) > topCandidates {
		v.Top, v.More = v.Top[:topCandidates], v.Top[topCandidates:]
	}
	for _, p := range rep.Procedures {
		v.Procedures = append(v.Procedures, procRow{Short: strings.TrimPrefix(p.Name, v.Prefix), Procedure: p})
	}
	v.Skipped = rep.Skipped
	if len(v.Skipped) > maxSkippedRows {
		v.MoreSkip = len(v.Skipped) - maxSkippedRows
		v.Skipped = v.Skipped[:maxSkippedRows]
	}
	byClass := map[string][]MethodVerdict{}
	for _, m := range rep.Methods {
		byClass[m.Class] = append(byClass[m.Class], m)
	}
	registered := map[string]int{}
	for _, p := range rep.Procedures {
		registered[p.Class]++
	}
	var app []ClassVerdict
	libs := map[string]*libRow{}
	for _, c := range rep.Classes {
		if c.Origin != OriginLibrary {
			app = append(app, c)
			continue
		}
		pkg := libPackage(c.Name)
		l := libs[pkg]
		if l == nil {
			l = &libRow{Package: pkg}
			libs[pkg] = l
		}
		l.Classes++
		l.Registered += registered[c.Name]
		for _, m := range byClass[c.Name] {
			l.Methods++
			switch m.Verdict {
			case VerdictOffloadable:
				l.Offloadable++
			case VerdictUnsafe:
				l.Unsafe++
			case VerdictConditional:
				l.Conditional++
			default:
				l.Device++
			}
		}
	}
	for _, l := range libs {
		v.Libraries = append(v.Libraries, *l)
	}
	sort.Slice(v.Libraries, func(i, k int) bool { return v.Libraries[i].Package < v.Libraries[k].Package })
	v.Pages = max(1, (len(app)+reportPageSize-1)/reportPageSize)
	v.Page = min(max(page, 1), v.Pages)
	lo := (v.Page - 1) * reportPageSize
	for _, c := range app[lo:min(lo+reportPageSize, len(app))] {
		v.Classes = append(v.Classes, classRow{ClassVerdict: c, Rows: byClass[c.Name]})
	}
	return v
}

// libPackage groups a library class by its first three package segments.
func libPackage(class string) string {
	parts := strings.Split(class, ".")
	if len(parts) > 3 {
		parts = parts[:3]
	} else if len(parts) > 1 {
		parts = parts[:len(parts)-1]
	}
	return strings.Join(parts, ".")
}

// commonPrefix is the longest common start of names ending at a '.', "" for fewer than two.
func commonPrefix(names []string) string {
	if len(names) < 2 {
		return ""
	}
	p := names[0]
	for _, n := range names[1:] {
		for !strings.HasPrefix(n, p) {
			p = p[:len(p)-1]
		}
	}
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[:i+1]
	}
	return ""
}

// shortClass drops the package of a class name.
func shortClass(name string) string { return name[strings.LastIndexByte(name, '.')+1:] }

const reportHTML = `{{define "cand"}}{{$v := .A}}{{with .B}}<tr><td class="num">{{printf "%.1f" .Score}}</td><td>{{short .Class}}.<b>{{.Method}}</b><br><span class="muted">{{.Class}}</span></td><td>{{join .Reasons}}</td><td>{{if .Procedure}}<code>{{trim .Procedure $v.Prefix}}</code>{{else}}<span class="muted">not registered</span>{{end}}</td></tr>
{{end}}{{end}}<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>mamoc refactor job {{.ID}}</title>
<style>
body{font-family:sans-serif;margin:1em auto;max-width:1240px;padding:0 10px;line-height:1.35}
table{border-collapse:collapse;margin:.5em 0;width:100%;table-layout:fixed}
td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f4f4f4}
.offloadable{background:#e6ffe6}.device-bound{background:#ffe6e6}.unsafe{background:#ffd9b3}
.conditional{background:#fff7d6}.partial{background:#eef}
code{font-size:90%}.num{text-align:right}.muted{color:#666}
details{margin:.2em 0}summary{cursor:pointer}
nav a{margin-right:.6em}
</style></head><body>
<h1>APK analysis {{.ID}}</h1>
<p>State: <b>{{.State}}</b> · stage {{.Stage}} · progress {{pct .Progress}} · uploader {{.Uploader}} · {{.APKBytes}} bytes · sha256 <code>{{.APKSHA256}}</code></p>
{{if .Error}}<p style="color:#a00"><b>Error:</b> {{.Error}}</p>{{end}}
{{$v := .}}
{{with .Report}}
<nav><a href="#candidates">candidates</a><a href="#procedures">procedures</a><a href="#app">app code</a><a href="#libraries">libraries</a><a href="#legend">legend</a><a href="../{{$v.ID}}">JSON</a></nav>
<p>{{with .Manifest}}<b>{{.Package}}</b> {{.VersionName}} · SDK min {{or .MinSDK "—"}}, target {{or .TargetSDK "—"}}{{if .MainActivity}} · main activity {{.MainActivity}}{{end}}{{end}}
{{if .ManifestError}}<b>Manifest:</b> {{.ManifestError}}{{end}}<br>
{{.Counts.Classes}} classes ({{.Counts.LibraryClasses}} in libraries) · {{.Counts.Methods}} methods:
<span class="offloadable">{{.Counts.OffloadableMethods}} offloadable</span>,
<span class="conditional">{{.Counts.ConditionalMethods}} conditional</span>,
<span class="unsafe">{{.Counts.UnsafeMethods}} unsafe</span>,
<span class="device-bound">{{.Counts.DeviceMethods}} device-bound</span> ·
{{.Counts.Procedures}} procedures, {{.Counts.Registered}} registered{{with .AppPackages}} · app packages: {{join .}}{{end}}</p>

<h2 id="candidates">Candidates: where the compute is</h2>
{{if .Candidates}}<table><colgroup><col style="width:5em"><col style="width:34%"><col><col style="width:26%"></colgroup>
<tr><th>score</th><th>method</th><th>why</th><th>procedure</th></tr>
{{range $v.Top}}{{template "cand" (pair $v .)}}{{end}}</table>
{{if $v.More}}<details><summary>{{len $v.More}} more candidates</summary><table><colgroup><col style="width:5em"><col style="width:34%"><col><col style="width:26%"></colgroup>
{{range $v.More}}{{template "cand" (pair $v .)}}{{end}}</table></details>{{end}}{{else}}<p>No offloadable method in the app's own code.</p>{{end}}

<h2 id="procedures">Procedures</h2>
{{with .Link}}<p>Jar: {{if .JarSHA256}}{{.JarBytes}} bytes, {{.Classes}} classes{{if .Cached}} (cached){{end}}, registered: {{.Registered}}, linked in {{secs .Seconds}}{{end}} {{.Note}} {{if .Error}}<span style="color:#a00">{{.Error}}</span>{{end}}</p>{{end}}
{{if $v.Procedures}}<p>Names start with <code>{{$v.Prefix}}</code>. Kinds: static (args are the method's), instance (kwargs <code>{"ctor": [...], "args": [...]}</code>), mamoc (MAMoC's shape).</p>
<table><colgroup><col style="width:34%"><col style="width:6em"><col><col style="width:16%"></colgroup>
<tr><th>procedure</th><th>kind</th><th>parameters</th><th>returns</th></tr>
{{range $v.Procedures}}<tr><td><code>{{.Short}}</code>{{range .Aliases}}<br><span class="muted">also {{.}}</span>{{end}}</td><td>{{.Kind}}</td><td>{{if .Ctors}}{{range $i, $c := .Ctors}}{{if $i}} or {{end}}new({{join $c}}){{end}} then {{end}}{{.Method}}({{join .Params}})</td><td>{{.Returns}}</td></tr>
{{end}}</table>{{else}}<p>None.</p>{{end}}
{{if $v.Skipped}}<details><summary>{{len .Skipped}} offloadable public methods not registered, and why</summary><table><colgroup><col style="width:45%"><col></colgroup>{{range $v.Skipped}}<tr><td>{{.Method}}</td><td>{{.Reason}}</td></tr>{{end}}</table>{{if $v.MoreSkip}}<p>… and {{$v.MoreSkip}} more in the JSON.</p>{{end}}</details>{{end}}

<h2 id="app">App code</h2>
<p>Page {{$v.Page}} of {{$v.Pages}} ({{len $v.Classes}} classes here). {{if gt $v.Pages 1}}<nav>{{range pages $v.Pages}}<a href="?page={{.}}#app">{{.}}</a>{{end}}</nav>{{end}}</p>
{{range $v.Classes}}<details class="{{.Verdict}}"><summary><b>{{.Name}}</b> · {{.Verdict}} · {{.Offloadable}}/{{.Methods}} methods offloadable</summary>
<p>{{.Reason}}{{with .Evidence}}<br>evidence: {{chain .}}{{end}}</p>
<table><colgroup><col style="width:28%"><col style="width:9em"><col></colgroup>
{{range .Rows}}<tr class="{{.Verdict}}"><td>{{.Name}}<br><code class="muted">{{.Descriptor}}</code></td><td>{{.Verdict}}</td><td>{{.Reason}}{{with .Evidence}}<br><span class="muted">{{chain .}}</span>{{end}}</td></tr>{{end}}
</table></details>
{{end}}

<h2 id="libraries">Bundled libraries</h2>
{{if $v.Libraries}}<table><colgroup><col style="width:30%"><col><col><col><col><col><col><col></colgroup>
<tr><th>package</th><th class="num">classes</th><th class="num">methods</th><th class="num">offloadable</th><th class="num">conditional</th><th class="num">unsafe</th><th class="num">device-bound</th><th class="num">registered</th></tr>
{{range $v.Libraries}}<tr><td>{{.Package}}</td><td class="num">{{.Classes}}</td><td class="num">{{.Methods}}</td><td class="num">{{.Offloadable}}</td><td class="num">{{.Conditional}}</td><td class="num">{{.Unsafe}}</td><td class="num">{{.Device}}</td><td class="num">{{.Registered}}</td></tr>{{end}}
</table><p class="muted">Per-class and per-method verdicts of libraries are in the JSON.</p>{{else}}<p>None found.</p>{{end}}

<h2>Timings</h2>
<p>{{range .Stages}}{{.Stage}} {{secs .Seconds}} · {{end}}</p>
{{end}}
<h2 id="legend">Legend</h2>
<table><colgroup><col style="width:12em"><col></colgroup>{{range .Legend}}<tr class="{{.Term}}"><th>{{.Term}}</th><td>{{.Meaning}}</td></tr>{{end}}</table>
</body></html>
`
