package server

import (
	"fmt"
	"log/slog"
)

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("log-level %q: %w", s, errBadLevel)
	}
	return l, nil
}

// LogLevel is the level chosen with --log-level or MAMOC_LOG_LEVEL (default info).
func (c Config) LogLevel() slog.Level { return c.logLevel }
