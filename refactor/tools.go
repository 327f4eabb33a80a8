package refactor

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// ErrToolMissing is a program or module linking needs that is not installed; the error's
// text names the Debian package to install.
var ErrToolMissing = errors.New("tool missing")

// enjarifyHint says how to install what linking needs.
const enjarifyHint = "install the Debian package enjarify (bash .ci/deps/server.sh)"

// CheckLinkTools reports whether linking can run on this host: the Python interpreter python
// ("" means the default, /usr/bin/python3 when it exists) and Debian's enjarify module. The
// error wraps ErrToolMissing and names the package to install.
func CheckLinkTools(ctx context.Context, python string) error {
	if python == "" {
		python = defaultPython()
	}
	if python == "" {
		python = "python3"
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, python, "-c", "import enjarify.parsedex").CombinedOutput()
	switch {
	case errors.Is(err, exec.ErrNotFound):
		return fmt.Errorf("%w: %s not found: install the Debian package python3 and enjarify (bash .ci/deps/server.sh)", ErrToolMissing, python)
	case err != nil && strings.Contains(string(out), "No module named"):
		return fmt.Errorf("%w: the python module enjarify is missing: %s", ErrToolMissing, enjarifyHint)
	case err != nil:
		return fmt.Errorf("%w: %s -c 'import enjarify': %w: %s", ErrToolMissing, python, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// toolHint adds what to install to a failed linking run's error text.
func toolHint(err error, output string) string {
	switch {
	case errors.Is(err, exec.ErrNotFound):
		return ": " + enjarifyHint
	case strings.Contains(output, "No module named 'enjarify"):
		return ": the python module enjarify is missing: " + enjarifyHint
	}
	return ""
}
