package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/mamoc-go/mamoc/router"
)

// Errors of HTTP authentication; httpDeny turns them into 401 and 403 answers.
var (
	// errNoCredentials: the request carries no Basic or Bearer credentials.
	errNoCredentials = errors.New("no credentials")
	// errBadCredentials: the credentials match no configured user.
	errBadCredentials = errors.New("unknown authid or wrong ticket")
)

// httpUser returns the configured user the request authenticates as: HTTP Basic
// authid:ticket (or the WAMP-CRA secret), or "Authorization: Bearer <ticket>".
func (s *Server) httpUser(r *http.Request) (router.User, error) {
	match := func(u router.User, secret string) bool {
		return secret != "" && (eq(u.Ticket, secret) || eq(u.Secret, secret))
	}
	if id, secret, ok := r.BasicAuth(); ok {
		for _, u := range s.cfg.Router.Users {
			if u.AuthID == id && match(u, secret) {
				return u, nil
			}
		}
		return router.User{}, errBadCredentials
	}
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		for _, u := range s.cfg.Router.Users {
			if match(u, strings.TrimSpace(tok)) {
				return u, nil
			}
		}
		return router.User{}, errBadCredentials
	}
	return router.User{}, errNoCredentials
}

// fromLoopback reports whether the request comes from this host.
func fromLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// adminTicketHint tells where the first-run admin's ticket is.
func (s *Server) adminTicketHint() string {
	p := filepath.Join(s.cfg.DataDir, AdminTicketFile)
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	return "on the server, the admin ticket is in " + p
}

// httpDeny answers a request that lacks the needed role: 401 with a Basic challenge when
// there are no or wrong credentials, 403 when the user's role is not enough. need says what
// the request needs, e.g. "uploads need an admin or edge user".
func (s *Server) httpDeny(w http.ResponseWriter, r *http.Request, u router.User, err error, need string) {
	var msg string
	code := http.StatusUnauthorized
	switch {
	case errors.Is(err, errNoCredentials):
		msg = fmt.Sprintf("%s (HTTP Basic authid:ticket or Authorization: Bearer <ticket>); %s", need, s.adminTicketHint())
	case errors.Is(err, errBadCredentials):
		msg = fmt.Sprintf("%s; %s", err, need)
	default:
		code = http.StatusForbidden
		msg = fmt.Sprintf("user %s has role %s, but %s; %s", u.AuthID, u.Role, need, s.adminTicketHint())
	}
	if code == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="mamoc", charset="UTF-8"`)
	}
	s.work.emit(slog.LevelInfo, "http request refused", "method", r.Method, "path", r.URL.Path, "status", code,
		"remote", r.RemoteAddr, "authid", u.AuthID)
	writeJSONError(w, code, msg)
}

func writeJSONError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = fmt.Fprintf(w, "{\"error\": %q}\n", msg)
}

// refactorAllowed reports whether role may upload APKs (the router's rule); without an
// embedded router there is no HTTP API and nobody may.
func (s *Server) refactorAllowed(role string) bool {
	return s.router != nil && s.router.MayRefactor(role)
}

// requireUploader wraps the upload endpoint: it answers 401/403 with what is needed
// before the request reaches the refactor manager.
func (s *Server) requireUploader(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/api/apps" {
			u, err := s.httpUser(r)
			if err != nil || !s.refactorAllowed(u.Role) {
				s.httpDeny(w, r, u, err, "uploads need an "+strings.Join(append([]string{router.RoleAdmin}, s.cfg.Router.RefactorRoles...), " or ")+" user")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// requireAdmin lets loopback clients through without credentials and others only as an
// admin user; need names what is asked for, e.g. "the admin page".
func (s *Server) requireAdmin(need string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !fromLoopback(r) {
			u, err := s.httpUser(r)
			if err != nil || u.Role != router.RoleAdmin {
				s.httpDeny(w, r, u, err, need+" needs an admin user from hosts other than the server's own")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
