package refactor

// Report is the result of one analysis, stored with its job as JSON.
type Report struct {
	APKSHA256 string `json:"apk_sha256"`
	APKBytes  int    `json:"apk_bytes"`
	// Manifest is nil when the APK has none (ManifestError then says why).
	Manifest      *Manifest `json:"manifest,omitempty"`
	ManifestError string    `json:"manifest_error,omitempty"`
	DEX           []DEXInfo `json:"dex"`
	// AppPackages are the package trees of the app's own code; classes outside them are
	// libraries. Empty when the manifest does not tell (then known library packages are).
	AppPackages []string `json:"app_packages,omitempty"`
	Counts      Counts   `json:"counts"`
	// Candidates are the app's offloadable methods, best first by estimated compute weight.
	Candidates []Candidate     `json:"candidates"`
	Classes    []ClassVerdict  `json:"classes"`
	Methods    []MethodVerdict `json:"methods"`
	Procedures []Procedure     `json:"procedures"`
	Skipped    []SkippedMethod `json:"skipped,omitempty"`
	Link       *LinkInfo       `json:"link,omitempty"`
	Stages     []StageTiming   `json:"stages"`
}

// DEXInfo describes one classesN.dex.
type DEXInfo struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Bytes   int    `json:"bytes"`
	Classes int    `json:"classes"`
	Methods int    `json:"methods"`
}

// Counts summarises the verdicts.
type Counts struct {
	Classes            int `json:"classes"`
	Methods            int `json:"methods"`
	Edges              int `json:"call_edges"`
	OffloadableClasses int `json:"offloadable_classes"`
	OffloadableMethods int `json:"offloadable_methods"`
	ConditionalMethods int `json:"conditional_methods"`
	DeviceMethods      int `json:"device_bound_methods"`
	UnsafeMethods      int `json:"unsafe_methods"`
	LibraryClasses     int `json:"library_classes"`
	TouchingClasses    int `json:"classes_touching_device_apis"`
	Procedures         int `json:"procedures"`
	Registered         int `json:"registered"`
}

// ClassVerdict is the verdict of one app class: offloadable when every method is.
type ClassVerdict struct {
	Name     string   `json:"name"`
	Super    string   `json:"super,omitempty"`
	DEX      string   `json:"dex"`
	Origin   string   `json:"origin"`
	Verdict  string   `json:"verdict"`
	Reason   string   `json:"reason"`
	Evidence []string `json:"evidence,omitempty"`
	// TouchesDevice is set when the class itself (its supertypes or method bodies) references a
	// device-bound API directly, the measure compared with androguard; DirectRef is the first one.
	TouchesDevice bool   `json:"touches_device"`
	DirectRef     string `json:"direct_ref,omitempty"`
	// DirectKinds are the kinds of direct references: super, call, new, const-class, cast,
	// instanceof, new-array, field, type (of a parameter, return value or field).
	DirectKinds []string `json:"direct_kinds,omitempty"`
	Methods     int      `json:"methods"`
	Offloadable int      `json:"offloadable_methods"`
}

// MethodVerdict is the verdict of one app method, with the evidence call chain
// (e.g. a.b.Foo.run → a.b.Bar.draw → android.view.View.invalidate).
type MethodVerdict struct {
	Class      string   `json:"class"`
	Name       string   `json:"name"`
	Descriptor string   `json:"descriptor"`
	Static     bool     `json:"static,omitempty"`
	Verdict    string   `json:"verdict"`
	Reason     string   `json:"reason"`
	Evidence   []string `json:"evidence,omitempty"`
	Shims      []string `json:"shims,omitempty"`
}

// SkippedMethod is an offloadable public static method that is not registered, and why.
type SkippedMethod struct {
	Method string `json:"method"`
	Reason string `json:"reason"`
}

// LinkInfo describes the JVM bytecode produced for the procedures.
type LinkInfo struct {
	JarSHA256  string   `json:"jar_sha256,omitempty"`
	JarBytes   int      `json:"jar_bytes,omitempty"`
	Classes    int      `json:"classes"`
	Shims      []string `json:"shims,omitempty"`
	Cached     bool     `json:"cached,omitempty"`
	Registered bool     `json:"registered"`
	Error      string   `json:"error,omitempty"`
	Note       string   `json:"note,omitempty"`
	Seconds    float64  `json:"seconds"`
}

// StageTiming is the wall time of one pipeline stage.
type StageTiming struct {
	Stage   string  `json:"stage"`
	Seconds float64 `json:"seconds"`
}
