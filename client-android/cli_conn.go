package client

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
)

// connFlags are the flags every server command takes: where the server is and who the user
// is. Each has an environment variable; flags win.
type connFlags struct {
	server, authid, ticket, ticketFile string
}

// register adds --server, --authid, --ticket and --ticket-file to fs, defaulting to
// MAMOC_SERVER, MAMOC_AUTHID and MAMOC_TICKET.
func (c *connFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.server, "server", envOr("MAMOC_SERVER", "127.0.0.1:8080"),
		"mamoc server: host:port, http(s)://host:port or ws(s)://host:port/ws (env MAMOC_SERVER)")
	fs.StringVar(&c.authid, "authid", os.Getenv("MAMOC_AUTHID"), "user name (env MAMOC_AUTHID); with only a ticket, HTTP sends it as a Bearer token")
	fs.StringVar(&c.ticket, "ticket", os.Getenv("MAMOC_TICKET"), "the user's ticket (env MAMOC_TICKET)")
	fs.StringVar(&c.ticketFile, "ticket-file", "", "read the ticket from this file, e.g. <data-dir>/admin.ticket on the server")
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// credentials returns the authid and ticket, reading --ticket-file when given.
func (c *connFlags) credentials() (authid, ticket string, err error) {
	ticket = c.ticket
	if c.ticketFile != "" {
		b, err := os.ReadFile(c.ticketFile)
		if err != nil {
			return "", "", fmt.Errorf("ticket file: %w", err)
		}
		ticket = strings.TrimSpace(string(b))
		if ticket == "" {
			return "", "", fmt.Errorf("ticket file %s is empty", c.ticketFile)
		}
	}
	authid = c.authid
	if authid == "" && c.ticketFile != "" && strings.HasSuffix(c.ticketFile, "admin.ticket") {
		authid = "admin" // the first-run admin's file
	}
	return authid, ticket, nil
}

// endpoints turns --server into the HTTP base URL and the WebSocket URL.
func (c *connFlags) endpoints() (httpBase, wsURL string, err error) {
	return ServerURLs(c.server)
}

// ServerURLs turns a server address as people write it — host:port, http(s)://host:port or
// ws(s)://host:port/ws — into the server's HTTP base URL and its WebSocket URL.
func ServerURLs(server string) (httpBase, wsURL string, err error) {
	s := strings.TrimSpace(server)
	if s == "" {
		return "", "", errors.New("--server is empty")
	}
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return "", "", fmt.Errorf("--server %q: want host:port, http://host:port or ws://host:port/ws", server)
	}
	var hs, ws string
	switch u.Scheme {
	case "http", "ws":
		hs, ws = "http", "ws"
	case "https", "wss":
		hs, ws = "https", "wss"
	default:
		return "", "", fmt.Errorf("--server %q: scheme %s, want http, https, ws or wss", server, u.Scheme)
	}
	return hs + "://" + u.Host, ws + "://" + u.Host + "/ws", nil
}

// dial joins the server's realm as the user, or anonymously without credentials.
func (c *connFlags) dial(ctx context.Context) (*Client, error) {
	_, wsURL, err := c.endpoints()
	if err != nil {
		return nil, err
	}
	authid, ticket, err := c.credentials()
	if err != nil {
		return nil, err
	}
	if (authid == "") != (ticket == "") {
		return nil, errors.New("--authid and --ticket (or --ticket-file) go together over WAMP")
	}
	cl, err := Dial(ctx, wsURL, Options{AuthID: authid, Ticket: ticket})
	if err != nil && authid != "" {
		return nil, fmt.Errorf("%w (is the ticket of %s right? the first-run admin's is in <data-dir>/admin.ticket on the server)", err, authid)
	}
	return cl, err
}

// httpClient makes HTTP requests with the user's credentials and turns error answers into
// errors that say what is needed.
type httpClient struct {
	base           string
	authid, ticket string
	hc             *http.Client
}

func (c *connFlags) http() (*httpClient, error) {
	base, _, err := c.endpoints()
	if err != nil {
		return nil, err
	}
	authid, ticket, err := c.credentials()
	if err != nil {
		return nil, err
	}
	return &httpClient{base: base, authid: authid, ticket: ticket, hc: http.DefaultClient}, nil
}

// do sends req with HTTP Basic authid:ticket, or Bearer ticket without an authid, and decodes
// a JSON answer into v.
func (c *httpClient) do(req *http.Request, v any) error {
	switch {
	case c.authid != "" && c.ticket != "":
		req.SetBasicAuth(c.authid, c.ticket)
	case c.ticket != "":
		req.Header.Set("Authorization", "Bearer "+c.ticket)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		msg := strings.TrimSpace(string(body))
		var e struct{ Error string }
		if json.Unmarshal(body, &e) == nil && e.Error != "" {
			msg = e.Error
		}
		switch resp.StatusCode {
		case http.StatusUnauthorized:
			if c.ticket == "" {
				return fmt.Errorf("%s: %s; pass --authid and --ticket, or --ticket-file (env MAMOC_AUTHID, MAMOC_TICKET)", resp.Status, msg)
			}
			return fmt.Errorf("%s: %s; check --authid and the ticket", resp.Status, msg)
		case http.StatusForbidden:
			return fmt.Errorf("%s: %s", resp.Status, msg)
		}
		return fmt.Errorf("%s: %s", resp.Status, msg)
	}
	if v == nil {
		return nil
	}
	return json.Unmarshal(body, v)
}

func (c *httpClient) get(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return err
	}
	return c.do(req, v)
}

// parseWithFile parses args allowing one positional argument before or after the flags.
func parseWithFile(fs *flag.FlagSet, args []string) (files []string, code int, ok bool) {
	rest := args
	for len(rest) > 0 {
		if code, ok := parseFlags(fs, rest); !ok {
			return nil, code, false
		}
		rest = fs.Args()
		if len(rest) > 0 {
			files = append(files, rest[0])
			rest = rest[1:]
		}
	}
	return files, 0, true
}
