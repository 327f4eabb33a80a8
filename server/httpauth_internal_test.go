package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mamoc-go/mamoc/router"
)

// TestRequireAdmin: the admin page is open to loopback clients; from elsewhere it needs an
// admin user by HTTP Basic or Bearer, and a refusal says what is needed.
func TestRequireAdmin(t *testing.T) {
	s := &Server{cfg: Config{DataDir: "/srv/mamoc", Router: router.Config{Users: []router.User{
		{AuthID: "admin", Role: router.RoleAdmin, Ticket: "admin-t"},
		{AuthID: "edge1", Role: router.RoleEdge, Ticket: "edge-t"},
	}}}}
	h := s.requireAdmin("the admin page", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("page")) }))
	tests := []struct {
		name, remote, authid, secret, bearer string
		code                                 int
		body                                 string
	}{
		{"loopback v4", "127.0.0.1:5000", "", "", "", 200, "page"},
		{"loopback v6", "[::1]:5000", "", "", "", 200, "page"},
		{"remote without credentials", "192.0.2.10:5000", "", "", "", 401, "/srv/mamoc/admin.ticket"},
		{"remote admin basic", "192.0.2.10:5000", "admin", "admin-t", "", 200, "page"},
		{"remote admin bearer", "192.0.2.10:5000", "", "", "admin-t", 200, "page"},
		{"remote wrong ticket", "192.0.2.10:5000", "admin", "nope", "", 401, "unknown authid or wrong ticket"},
		{"remote edge", "192.0.2.10:5000", "edge1", "edge-t", "", 403, "user edge1 has role edge, but the admin page needs an admin user"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tt.remote
			if tt.authid != "" {
				r.SetBasicAuth(tt.authid, tt.secret)
			}
			if tt.bearer != "" {
				r.Header.Set("Authorization", "Bearer "+tt.bearer)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.code || !strings.Contains(w.Body.String(), tt.body) {
				t.Errorf("GET / from %s = %d %q, want %d containing %q", tt.remote, w.Code, w.Body.String(), tt.code, tt.body)
			}
			if tt.code == 401 && w.Header().Get("WWW-Authenticate") == "" {
				t.Error("401 without a WWW-Authenticate challenge")
			}
		})
	}
}

// TestHuman: numbers and durations are rounded for people.
func TestHuman(t *testing.T) {
	for _, tt := range []struct {
		in   float64
		want string
	}{{0, "0"}, {0.12345, "0.12"}, {12.34, "12.3"}, {99.96, "100"}, {1234.5, "1,235"}, {5192, "5,192"}, {-2500, "-2,500"}} {
		if got := human(tt.in); got != tt.want {
			t.Errorf("human(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
