package refactor

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// Config configures a Manager. The zero value of each field means its documented default.
type Config struct {
	// Logger receives structured logs; nil discards them.
	Logger *slog.Logger `json:"-"`
	// Store keeps APK/jar blobs and job rows; nil means a new in-memory MemStore.
	Store Store `json:"-"`
	// Registrar registers the linked procedures with the runtime; nil skips registration
	// (the report lists the procedures as "not registered").
	Registrar Registrar `json:"-"`
	// OnProgress, when set, is called (from a worker goroutine) on every job state or stage change.
	OnProgress func(Progress) `json:"-"`
	// Authorize, when set, decides whether an HTTP upload is allowed and returns the uploader id.
	// Nil allows every upload with uploader "anonymous".
	Authorize func(r *http.Request) (authid string, ok bool) `json:"-"`

	// Workers is the number of jobs analysed at once; default 1.
	Workers int `json:"workers"`
	// QueueSize is the number of jobs that may wait for a worker; default 64.
	QueueSize int `json:"queue_size"`
	// MaxAPKBytes limits an upload; default 100 MiB.
	MaxAPKBytes int64 `json:"max_apk_bytes"`
	// MaxEntryBytes limits one decompressed zip entry (DEX, manifest, resources); default 64 MiB.
	MaxEntryBytes int64 `json:"max_entry_bytes"`
	// MaxEntries limits the number of zip entries; default 20000.
	MaxEntries int `json:"max_entries"`
	// MaxDEXFiles limits the number of classesN.dex files; default 64.
	MaxDEXFiles int `json:"max_dex_files"`
	// MaxMethods limits the method ids of one DEX (the format allows 65536); default 65536.
	MaxMethods int `json:"max_methods"`
	// JobTimeout bounds the whole analysis of one job; default 5m.
	JobTimeout time.Duration `json:"job_timeout"`

	// RegisterLibraries registers procedures of bundled library code too (support libraries,
	// commons, gson…); default false: libraries are analysed and reported, not registered.
	RegisterLibraries bool `json:"register_libraries"`

	// Link turns offloadable classes into a jar and lists procedures; default true
	// unless DisableLink is set.
	DisableLink bool `json:"disable_link"`
	// LinkWholeAPK translates every class of the APK with the Enjarify command and keeps the
	// procedures' closure afterwards: the behaviour before closure linking, many times slower,
	// kept to compare with. Default false: only the closure is translated, with enjarify's
	// Python library under Python.
	LinkWholeAPK bool `json:"link_whole_apk"`
	// Enjarify is the enjarify command used with LinkWholeAPK; default "enjarify" from PATH.
	Enjarify string `json:"enjarify"`
	// Python is the interpreter that runs enjarify (its library, or the command via PYTHON=…);
	// default "/usr/bin/python3" when it exists (Debian's enjarify needs Debian's python, not a
	// pyenv one), else "python3" from PATH.
	Python string `json:"python"`
	// LinkTimeout bounds one enjarify run; default 2m.
	LinkTimeout time.Duration `json:"link_timeout"`
	// MaxJarBytes limits enjarify's output jar; default 256 MiB.
	MaxJarBytes int64 `json:"max_jar_bytes"`
	// Shims are the Android-only classes the runtime supplies (its shims jar), each with the
	// method names its stub implements (nil: all). A procedure is registered only when every
	// Android-only class it can reach is here. Nil means DefaultShims(); an empty map means none.
	Shims map[string][]string `json:"shims"`
}

// DefaultShims returns the stubs of the mamoc runtime's shims jar
// (unikernel-runtime/shims/src): Log, Pair, SparseArray, Base64, the pure part of TextUtils
// and org.json.
func DefaultShims() map[string][]string {
	return map[string][]string{
		"android.util.Log":         {"d", "e", "getStackTraceString", "i", "isLoggable", "println", "v", "w", "wtf"},
		"android.util.Pair":        {"<init>", "create", "equals", "hashCode", "toString"},
		"android.util.SparseArray": {"<init>", "append", "clear", "clone", "contains", "delete", "get", "indexOfKey", "keyAt", "put", "remove", "size", "toString", "valueAt"},
		"android.util.Base64":      {"decode", "encode", "encodeToString"},
		"android.text.TextUtils":   {"equals", "getTrimmedLength", "htmlEncode", "isDigitsOnly", "isEmpty", "join", "split"},
		"org.json.JSONArray": {"<init>", "get", "getBoolean", "getDouble", "getInt", "getJSONArray", "getJSONObject", "getLong", "getString",
			"isNull", "join", "length", "opt", "optBoolean", "optDouble", "optInt", "optJSONArray", "optJSONObject", "optLong", "optString",
			"put", "remove", "toString"},
		"org.json.JSONException": {"<init>"},
		"org.json.JSONObject": {"<init>", "accumulate", "equals", "get", "getBoolean", "getDouble", "getInt", "getJSONArray", "getJSONObject",
			"getLong", "getString", "has", "hashCode", "isNull", "keys", "length", "names", "numberToString", "opt", "optBoolean", "optDouble",
			"optInt", "optJSONArray", "optJSONObject", "optLong", "optString", "put", "putOpt", "quote", "remove", "toString", "wrap"},
		"org.json.JSONTokener": {"<init>", "more", "nextClean", "nextString", "nextValue", "syntaxError", "toString"},
	}
}

func (c *Config) setDefaults() {
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.Store == nil {
		c.Store = NewMemStore()
	}
	if c.Workers == 0 {
		c.Workers = 1
	}
	if c.QueueSize == 0 {
		c.QueueSize = 64
	}
	if c.MaxAPKBytes == 0 {
		c.MaxAPKBytes = 100 << 20
	}
	if c.MaxEntryBytes == 0 {
		c.MaxEntryBytes = 64 << 20
	}
	if c.MaxEntries == 0 {
		c.MaxEntries = 20000
	}
	if c.MaxDEXFiles == 0 {
		c.MaxDEXFiles = 64
	}
	if c.MaxMethods == 0 {
		c.MaxMethods = 65536
	}
	if c.JobTimeout == 0 {
		c.JobTimeout = 5 * time.Minute
	}
	if c.Enjarify == "" {
		c.Enjarify = "enjarify"
	}
	if c.Python == "" {
		c.Python = defaultPython()
	}
	if c.LinkTimeout == 0 {
		c.LinkTimeout = 2 * time.Minute
	}
	if c.MaxJarBytes == 0 {
		c.MaxJarBytes = 256 << 20
	}
	if c.Shims == nil {
		c.Shims = DefaultShims()
	}
}

// Validate reports whether the configuration is usable (after defaults).
func (c *Config) Validate() error {
	var errs []error
	if c.Workers < 0 {
		errs = append(errs, fmt.Errorf("workers %d < 0", c.Workers))
	}
	if c.QueueSize < 0 {
		errs = append(errs, fmt.Errorf("queue_size %d < 0", c.QueueSize))
	}
	for name, v := range map[string]int64{
		"max_apk_bytes": c.MaxAPKBytes, "max_entry_bytes": c.MaxEntryBytes, "max_jar_bytes": c.MaxJarBytes,
		"max_entries": int64(c.MaxEntries), "max_dex_files": int64(c.MaxDEXFiles), "max_methods": int64(c.MaxMethods),
	} {
		if v < 0 {
			errs = append(errs, fmt.Errorf("%s %d < 0", name, v))
		}
	}
	if c.JobTimeout < 0 || c.LinkTimeout < 0 {
		errs = append(errs, errors.New("negative timeout"))
	}
	if len(errs) > 0 {
		return fmt.Errorf("refactor config: %w", errors.Join(errs...))
	}
	return nil
}

// limits are the parser bounds of one analysis.
type limits struct {
	maxEntryBytes int64
	maxEntries    int
	maxDEXFiles   int
	maxMethods    int
}

func (c *Config) limits() limits {
	return limits{maxEntryBytes: c.MaxEntryBytes, maxEntries: c.MaxEntries, maxDEXFiles: c.MaxDEXFiles, maxMethods: c.MaxMethods}
}
