package refactor

import (
	"io"
	"mime/multipart"
	"strconv"
)

func multipartReader(r io.Reader, boundary string) *multipart.Reader {
	return multipart.NewReader(r, boundary)
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', 3, 64) }

const reportHTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>mamoc refactor job {{.ID}}</title>
<style>
body{font-family:sans-serif;margin:2em;max-width:80em}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}
.offloadable{background:#e6ffe6}.device-bound{background:#ffe6e6}.conditional{background:#fff7d6}.partial{background:#eef}
code{font-size:90%}
</style></head><body>
<h1>APK analysis {{.ID}}</h1>
<p>State: <b>{{.State}}</b> · stage {{.Stage}} · progress {{pct .Progress}} · uploader {{.Uploader}} · APK sha256 <code>{{.APKSHA256}}</code> ({{.APKBytes}} bytes)</p>
{{if .Error}}<p style="color:#a00"><b>Error:</b> {{.Error}}</p>{{end}}
{{with .Report}}
<h2>App</h2>
{{with .Manifest}}<table>
<tr><th>package</th><td>{{.Package}}</td></tr>
<tr><th>version</th><td>{{.VersionName}} ({{.VersionCode}})</td></tr>
<tr><th>SDK</th><td>min {{or .MinSDK "—"}}, target {{or .TargetSDK "—"}}</td></tr>
<tr><th>label</th><td>{{.Label}}</td></tr>
<tr><th>main activity</th><td>{{.MainActivity}}</td></tr>
<tr><th>permissions</th><td>{{join .Permissions}}</td></tr>
<tr><th>components</th><td>{{range .Components}}{{.Kind}} {{.Name}}<br>{{end}}</td></tr>
</table>{{end}}
{{if .ManifestError}}<p><b>Manifest:</b> {{.ManifestError}}</p>{{end}}
<h2>Counts</h2>
<table>
<tr><th>DEX files</th><td>{{range .DEX}}{{.Name}} (v{{.Version}}, {{.Classes}} classes, {{.Methods}} methods) {{end}}</td></tr>
<tr><th>classes</th><td>{{.Counts.Classes}} ({{.Counts.OffloadableClasses}} offloadable, {{.Counts.TouchingClasses}} touch device-bound APIs directly)</td></tr>
<tr><th>methods</th><td>{{.Counts.Methods}}: {{.Counts.OffloadableMethods}} offloadable, {{.Counts.ConditionalMethods}} conditional, {{.Counts.DeviceMethods}} device-bound</td></tr>
<tr><th>call edges</th><td>{{.Counts.Edges}}</td></tr>
<tr><th>procedures</th><td>{{.Counts.Procedures}} listed, {{.Counts.Registered}} registered</td></tr>
</table>
<h2>Timings</h2>
<table><tr><th>stage</th><th>time</th></tr>{{range .Stages}}<tr><td>{{.Stage}}</td><td>{{secs .Seconds}}</td></tr>{{end}}</table>
<h2>Procedures</h2>
{{with .Link}}<p>Jar: {{if .JarSHA256}}<code>{{.JarSHA256}}</code>, {{.JarBytes}} bytes, {{.Classes}} classes{{if .Cached}} (cached){{end}}, registered: {{.Registered}}{{end}} {{.Note}} {{if .Error}}<span style="color:#a00">{{.Error}}</span>{{end}}</p>{{end}}
<table><tr><th>procedure</th><th>kind</th><th>class.method</th><th>params</th><th>returns</th></tr>
{{range .Procedures}}<tr><td><code>{{.Name}}</code></td><td>{{.Kind}}</td><td>{{.Class}}.{{.Method}}</td><td>{{join .Params}}</td><td>{{.Returns}}</td></tr>{{end}}
</table>
{{if .Skipped}}<details><summary>{{len .Skipped}} offloadable static methods not registered</summary><table>{{range .Skipped}}<tr><td>{{.Method}}</td><td>{{.Reason}}</td></tr>{{end}}</table></details>{{end}}
<h2>Classes</h2>
<table><tr><th>class</th><th>verdict</th><th>methods offloadable</th><th>reason</th><th>evidence</th></tr>
{{range .Classes}}<tr class="{{.Verdict}}"><td>{{.Name}}</td><td>{{.Verdict}}</td><td>{{.Offloadable}}/{{.Methods}}</td><td>{{.Reason}}</td><td>{{chain .Evidence}}</td></tr>{{end}}
</table>
<h2>Methods</h2>
<table><tr><th>method</th><th>verdict</th><th>reason</th><th>evidence</th></tr>
{{range .Methods}}<tr class="{{.Verdict}}"><td>{{.Class}}.{{.Name}}<code>{{.Descriptor}}</code></td><td>{{.Verdict}}</td><td>{{.Reason}}</td><td>{{chain .Evidence}}</td></tr>{{end}}
</table>
{{end}}
</body></html>
`
