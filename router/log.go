package router

import (
	"fmt"
	"log/slog"
	"strings"
)

// stdLogger adapts slog to nexus's stdlog.StdLog. nexus logs routine events (authorization
// refusals, dropped connections), so they go out at debug level.
type stdLogger struct{ l *slog.Logger }

func (s stdLogger) Print(v ...any)   { s.l.Debug(strings.TrimSpace(fmt.Sprint(v...))) }
func (s stdLogger) Println(v ...any) { s.l.Debug(strings.TrimSpace(fmt.Sprintln(v...))) }
func (s stdLogger) Printf(format string, v ...any) {
	s.l.Debug(strings.TrimSpace(fmt.Sprintf(format, v...)))
}
