// Package transform turns decompiled Android Java source into source that compiles and runs on a plain JVM.
package transform
