package transform

import (
	"fmt"
	"strings"
)

// Mode says how the phone sent the task.
type Mode string

// Modes, as MAMoC's server distinguishes them.
const (
	// ModeClass is a compilation unit with the task class (jadx's output).
	ModeClass Mode = "class"
	// ModeMethod is a bare method, wrapped in a class named <method>Class.
	ModeMethod Mode = "method"
)

// defaultMaxSourceBytes is Options.MaxSourceBytes's default: 1 MiB (a MAMoC
// phone cannot send more than 128 KiB anyway).
const defaultMaxSourceBytes = 1 << 20

// Options tune Transform. The zero value is ready to use.
type Options struct {
	// RPCName is the procedure name the phone published with (MAMoC's
	// rpcname), e.g. "uk.ac.standrews.cs.mamoc_demo.SearchText.KMP". It is only a
	// hint: its last segment picks the task class when several qualify, and
	// in method mode names the method to wrap and gives the wrapper class its
	// package (the part before the last dot). The phone may send a wrong
	// package (MAMoC's demo does), so it never overrides the source. Default "".
	RPCName string
	// MaxSourceBytes rejects longer source with ErrTooLarge. Default 1 MiB.
	MaxSourceBytes int
}

// Task is a transformed task, ready to compile and run.
type Task struct {
	// Mode is ModeClass or ModeMethod.
	Mode Mode `json:"mode"`
	// Package is the task class's package ("" for the default package).
	Package string `json:"package"`
	// ClassName is the task class's simple name; Source must be saved as <ClassName>.java.
	ClassName string `json:"class_name"`
	// FQCN is Package + "." + ClassName, or ClassName without a package; it has passed ValidateFQCN.
	FQCN string `json:"fqcn"`
	// Source is the transformed Java compilation unit. It keeps the package
	// declaration and the phone's line numbers (removed text leaves its line
	// breaks), and has no main(): the guest agent constructs the class and calls run().
	Source string `json:"source"`
	// CtorParams are the parameters of the first public constructor; MAMoC's
	// phones send positional params for it. Empty for a no-argument constructor.
	CtorParams []Param `json:"ctor_params"`
	// Constructors lists every public constructor's parameters in source
	// order (Constructors[0] is CtorParams), so a caller can pick by arity.
	Constructors [][]Param `json:"constructors"`
	// ResourceDependent comes from @Offloadable(resourceDependent = true):
	// the resource's content is then the first constructor argument, as in MAMoC.
	ResourceDependent bool `json:"resource_dependent"`
	// Parallelizable comes from @Offloadable(parallelizable = true).
	Parallelizable bool `json:"parallelizable"`
	// RunReturnType is run()'s return type as written, e.g. "void", "int", "double".
	RunReturnType string `json:"run_return_type"`
	// Shims lists the Android classes the source uses that are pure but absent
	// from a server JVM (e.g. "android.util.Log"); the runtime must supply them.
	Shims []string `json:"shims,omitempty"`
}

// Transform turns the Java source a phone sends (jadx-decompiled, as MAMoC
// clients upload it, or a bare method) into a task class that compiles on a
// plain JVM. The passes run in this order, each on a fresh parse:
//  1. removeJadxArtefacts: `this = new Object();`, `new Object()` as this, jadx comments;
//  2. checkSyntax: the first parse error as *SyntaxError;
//  3. wrapMethod, in method mode only;
//  4. removeOffloadable: @Offloadable and its import, recording its elements;
//  5. checkOffloadable: device-bound Android APIs etc. as *NotOffloadableError;
//  6. findTaskClass: the class, its constructors and run()'s type, else ErrNoTaskClass;
//  7. name validation (ErrInvalidName).
func Transform(src string, opts Options) (*Task, error) {
	limit := opts.MaxSourceBytes
	if limit <= 0 {
		limit = defaultMaxSourceBytes
	}
	if len(src) > limit {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(src), limit)
	}
	src = strings.TrimPrefix(src, "\ufeff") // javac rejects a byte-order mark
	if strings.TrimSpace(src) == "" {
		return nil, fmt.Errorf("empty source: %w", ErrNoTaskClass)
	}
	rpcPkg, rpcLast := "", opts.RPCName
	if i := strings.LastIndexByte(opts.RPCName, '.'); i >= 0 {
		rpcPkg, rpcLast = opts.RPCName[:i], opts.RPCName[i+1:]
	}
	if rpcPkg != "" && ValidateFQCN(rpcPkg) != nil {
		rpcPkg = ""
	}

	code, err := removeJadxArtefacts([]byte(src))
	if err != nil {
		return nil, fmt.Errorf("remove jadx artefacts: %w", err)
	}
	if err := checkSyntax(code); err != nil {
		return nil, err
	}
	isMethod, err := isMethodSource(code)
	if err != nil {
		return nil, err
	}
	task := &Task{Mode: ModeClass}
	var methodName string
	prefer := []string{}
	if isMethod {
		task.Mode = ModeMethod
		var class string
		code, class, err = wrapMethod(code, rpcPkg, []string{rpcLast})
		if err != nil {
			return nil, fmt.Errorf("wrap method: %w", err)
		}
		methodName = strings.TrimSuffix(class, "Class")
		prefer = append(prefer, class)
	}
	code, uses, err := removeOffloadable(code)
	if err != nil {
		return nil, fmt.Errorf("remove @Offloadable: %w", err)
	}
	shims, err := checkOffloadable(code)
	if err != nil {
		return nil, err
	}
	for _, u := range uses {
		if !u.onMethod {
			prefer = append(prefer, u.target)
		}
	}
	prefer = append(prefer, rpcLast)
	tc, err := findTaskClass(code, prefer)
	if err != nil {
		return nil, err
	}
	if tc.pkg != "" {
		if err := ValidateFQCN(tc.pkg); err != nil {
			return nil, fmt.Errorf("package: %w", err)
		}
	}
	task.Package, task.ClassName = tc.pkg, tc.name
	task.FQCN = tc.name
	if tc.pkg != "" {
		task.FQCN = tc.pkg + "." + tc.name
	}
	if err := ValidateFQCN(task.FQCN); err != nil {
		return nil, err
	}
	task.Constructors = tc.ctors
	task.CtorParams = tc.ctors[0]
	task.RunReturnType = tc.runType
	if len(shims) > 0 {
		task.Shims = shims
	}
	task.ResourceDependent, task.Parallelizable = annotationFor(uses, tc.name, methodName)
	if err := checkSyntax(code); err != nil {
		return nil, fmt.Errorf("transform produced invalid source: %w", err)
	}
	task.Source = string(code)
	return task, nil
}

// annotationFor returns the elements of the @Offloadable on the task class (or,
// in method mode, on the wrapped method), else of the first one in the source.
func annotationFor(uses []offloadableUse, class, method string) (resourceDependent, parallelizable bool) {
	for _, u := range uses {
		if (!u.onMethod && u.target == class) || (u.onMethod && method != "" && u.target == method) {
			return u.resourceDependent, u.parallelizable
		}
	}
	if len(uses) > 0 {
		return uses[0].resourceDependent, uses[0].parallelizable
	}
	return false, false
}
