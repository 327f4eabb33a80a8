package refactor

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/avast/apkparser"
)

// archive is the unpacked, bounded view of an APK.
type archive struct {
	manifest  []byte            // raw binary AndroidManifest.xml; nil when absent
	resources []byte            // raw resources.arsc; nil when absent
	dex       map[string][]byte // top-level classesN.dex by name
	dexNames  []string          // classes.dex, classes2.dex, … in load order
	entries   int
}

var dexName = regexp.MustCompile(`^classes([0-9]*)\.dex$`)

// unpackAPK checks the zip structure and reads the entries the analysis needs, each bounded by lim.
func unpackAPK(apk []byte, lim limits) (*archive, error) {
	if len(apk) < 4 || !bytes.Equal(apk[:2], []byte("PK")) {
		return nil, ErrNotZip
	}
	zr, err := openZip(apk)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotZip, err)
	}
	defer func() { _ = zr.Close() }()
	if len(zr.FilesOrdered) == 0 {
		return nil, fmt.Errorf("%w: no entries", ErrNotZip)
	}
	if len(zr.FilesOrdered) > lim.maxEntries {
		return nil, fmt.Errorf("%w: %d entries, limit %d", ErrTooManyEntries, len(zr.FilesOrdered), lim.maxEntries)
	}
	a := &archive{dex: map[string][]byte{}, entries: len(zr.FilesOrdered)}
	for _, f := range zr.FilesOrdered {
		if err := checkEntryName(f.Name); err != nil {
			return nil, err
		}
	}
	read := func(f *apkparser.ZipReaderFile) ([]byte, error) {
		if h := f.ZipHeader(); h != nil && h.UncompressedSize64 > uint64(lim.maxEntryBytes) {
			return nil, fmt.Errorf("%w: entry %q declares %d bytes inflated, limit %d (zip bomb?)", ErrTooLarge, f.Name, h.UncompressedSize64, lim.maxEntryBytes)
		}
		data, err := f.ReadAll(lim.maxEntryBytes + 1)
		if err != nil {
			return nil, fmt.Errorf("%w: corrupt entry %q: %w", ErrNotZip, f.Name, err)
		}
		if int64(len(data)) > lim.maxEntryBytes {
			return nil, fmt.Errorf("%w: entry %q inflates past %d bytes (zip bomb?)", ErrTooLarge, f.Name, lim.maxEntryBytes)
		}
		return data, nil
	}
	for name, f := range zr.File {
		switch {
		case name == "AndroidManifest.xml":
			if a.manifest, err = read(f); err != nil {
				return nil, err
			}
		case name == "resources.arsc":
			// Resources only resolve labels; a bad table must not fail the job.
			if data, err := read(f); err == nil {
				a.resources = data
			} else if errors.Is(err, ErrTooLarge) {
				return nil, err
			}
		case dexName.MatchString(name):
			if len(a.dexNames) >= lim.maxDEXFiles {
				return nil, fmt.Errorf("%w: more than %d dex files", ErrTooManyEntries, lim.maxDEXFiles)
			}
			data, err := read(f)
			if err != nil {
				return nil, err
			}
			a.dex[name] = data
			a.dexNames = append(a.dexNames, name)
		}
	}
	if len(a.dexNames) == 0 {
		return nil, ErrNoDEX
	}
	sort.Slice(a.dexNames, func(i, j int) bool { return dexIndex(a.dexNames[i]) < dexIndex(a.dexNames[j]) })
	return a, nil
}

func openZip(apk []byte) (zr *apkparser.ZipReader, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: zip reader: %v", ErrPanic, p)
		}
	}()
	return apkparser.OpenZipReader(bytes.NewReader(apk))
}

func dexIndex(name string) int {
	m := dexName.FindStringSubmatch(name)
	if m == nil || m[1] == "" {
		return 1
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// checkEntryName rejects entry names that would escape an extraction directory.
func checkEntryName(name string) error {
	n := strings.ReplaceAll(name, `\`, "/")
	if n == ".." || strings.HasPrefix(n, "../") || strings.HasPrefix(n, "/") || strings.Contains(n, "/../") ||
		strings.HasSuffix(n, "/..") || (len(n) > 1 && n[1] == ':') || strings.ContainsRune(n, 0) {
		return fmt.Errorf("%w: %q", ErrBadEntryName, name)
	}
	return nil
}

// Manifest is what the report keeps of AndroidManifest.xml.
type Manifest struct {
	Package      string      `json:"package"`
	VersionCode  string      `json:"version_code,omitempty"`
	VersionName  string      `json:"version_name,omitempty"`
	MinSDK       string      `json:"min_sdk,omitempty"`
	TargetSDK    string      `json:"target_sdk,omitempty"`
	Label        string      `json:"label,omitempty"`
	Permissions  []string    `json:"permissions,omitempty"`
	MainActivity string      `json:"main_activity,omitempty"`
	Components   []Component `json:"components,omitempty"`
}

// Component is one activity, activity-alias, service, receiver or provider of the manifest.
type Component struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

type xmlManifest struct {
	Package     string `xml:"package,attr"`
	VersionCode string `xml:"http://schemas.android.com/apk/res/android versionCode,attr"`
	VersionName string `xml:"http://schemas.android.com/apk/res/android versionName,attr"`
	UsesSDK     []struct {
		Min    string `xml:"http://schemas.android.com/apk/res/android minSdkVersion,attr"`
		Target string `xml:"http://schemas.android.com/apk/res/android targetSdkVersion,attr"`
	} `xml:"uses-sdk"`
	Perms   []xmlNamed `xml:"uses-permission"`
	Perms23 []xmlNamed `xml:"uses-permission-sdk-23"`
	App     []struct {
		Label    string    `xml:"http://schemas.android.com/apk/res/android label,attr"`
		Activity []xmlComp `xml:"activity"`
		Alias    []xmlComp `xml:"activity-alias"`
		Service  []xmlComp `xml:"service"`
		Receiver []xmlComp `xml:"receiver"`
		Provider []xmlComp `xml:"provider"`
	} `xml:"application"`
}

type xmlNamed struct {
	Name string `xml:"http://schemas.android.com/apk/res/android name,attr"`
}

type xmlComp struct {
	Name    string `xml:"http://schemas.android.com/apk/res/android name,attr"`
	Filters []struct {
		Actions    []xmlNamed `xml:"action"`
		Categories []xmlNamed `xml:"category"`
	} `xml:"intent-filter"`
}

// parseManifest decodes a binary AndroidManifest.xml (resources may be nil).
func parseManifest(raw, resources []byte) (m *Manifest, err error) {
	defer func() {
		if p := recover(); p != nil {
			m, err = nil, fmt.Errorf("%w: %w: manifest parser: %v", ErrBadManifest, ErrPanic, p)
		}
	}()
	var table *apkparser.ResourceTable
	if len(resources) > 0 {
		if t, err := apkparser.ParseResourceTableWithConfig(bytes.NewReader(resources), &apkparser.ParseConfig{MaxStringTableBytes: 32 << 20}); err == nil {
			table = t
		}
	}
	var buf bytes.Buffer
	enc := xml.NewEncoder(&buf)
	if err := apkparser.ParseXmlWithConfig(bytes.NewReader(raw), enc, table, &apkparser.ParseConfig{MaxStringTableBytes: 4 << 20}); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadManifest, err)
	}
	if err := enc.Flush(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadManifest, err)
	}
	var x xmlManifest
	if err := xml.Unmarshal(buf.Bytes(), &x); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadManifest, err)
	}
	m = &Manifest{Package: x.Package, VersionCode: x.VersionCode, VersionName: x.VersionName}
	for _, s := range x.UsesSDK {
		if s.Min != "" {
			m.MinSDK = s.Min
		}
		if s.Target != "" {
			m.TargetSDK = s.Target
		}
	}
	for _, p := range append(x.Perms, x.Perms23...) {
		if p.Name != "" {
			m.Permissions = append(m.Permissions, p.Name)
		}
	}
	full := func(n string) string {
		switch {
		case strings.HasPrefix(n, "."):
			return m.Package + n
		case !strings.Contains(n, ".") && n != "":
			return m.Package + "." + n
		}
		return n
	}
	for _, app := range x.App {
		if app.Label != "" {
			m.Label = app.Label
		}
		for _, g := range []struct {
			kind  string
			comps []xmlComp
		}{{"activity", app.Activity}, {"activity-alias", app.Alias}, {"service", app.Service}, {"receiver", app.Receiver}, {"provider", app.Provider}} {
			for _, c := range g.comps {
				name := full(c.Name)
				m.Components = append(m.Components, Component{Kind: g.kind, Name: name})
				if m.MainActivity == "" && (g.kind == "activity" || g.kind == "activity-alias") && isLauncher(c) {
					m.MainActivity = name
				}
			}
		}
	}
	if m.Package == "" {
		return m, fmt.Errorf("%w: no package attribute", ErrBadManifest)
	}
	return m, nil
}

func isLauncher(c xmlComp) bool {
	for _, f := range c.Filters {
		var main, launcher bool
		for _, a := range f.Actions {
			main = main || a.Name == "android.intent.action.MAIN"
		}
		for _, k := range f.Categories {
			launcher = launcher || k.Name == "android.intent.category.LAUNCHER"
		}
		if main && launcher {
			return true
		}
	}
	return false
}
