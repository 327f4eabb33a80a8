package client

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// newFlagSet is a command's flag set: errors and usage go to stderr, and the usage prints
// usage, then the flags.
func newFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		_, _ = fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args; when ok is false the command ends with code: 0 after -h, 2 after
// a bad flag (which fs has already reported).
func parseFlags(fs *flag.FlagSet, args []string) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	return 0, true
}

// cliErrors returns a command's two ways to fail: usageErr reports a usage error, prints the
// usage and gives exit code 2; fail reports err and gives 1. name prefixes both messages.
func cliErrors(name string, fs *flag.FlagSet, stderr io.Writer) (usageErr func(format string, a ...any) int, fail func(err error) int) {
	usageErr = func(format string, a ...any) int {
		_, _ = fmt.Fprintf(stderr, name+": "+format+"\n", a...)
		fs.Usage()
		return 2
	}
	fail = func(err error) int {
		_, _ = fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	return usageErr, fail
}
