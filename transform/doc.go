// Package transform turns decompiled Android Java source into source that compiles and runs on a plain JVM.
//
// Transform parses the source with tree-sitter's Java grammar (no regular
// expressions over code) and runs one pass per file: jadx.go (decompiler
// artefacts), parse.go (syntax errors), method.go (bare methods become a
// class), annotations.go (MAMoC's @Offloadable), android.go (device-bound
// Android APIs are refused), taskclass.go (the task class, its constructors
// and run()) and names.go (ValidateFQCN). Task.Shims names the pure Android
// classes a task uses; the runtime's base image supplies them
// (../unikernel-runtime/shims). The example tasks it is tested on live in
// ../examples (see examples/README.md).
package transform
