package server

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mamoc-go/mamoc/router"
	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
)

// AdminTicketFile is the name, in the data directory, of the first-run admin's ticket.
const AdminTicketFile = "admin.ticket"

// firstRunAdminID is the authid of the admin created when none is configured.
const firstRunAdminID = "admin"

// firstRunAdmin adds the user "admin" with role admin when the configuration has no admin:
// its ticket is read from <data-dir>/admin.ticket, or made at random and written there (mode
// 0600, the ticket alone on one line) on the first start. The ticket is never logged; the
// file's path is. A joining node has no router of its own and gets no admin.
func (s *Server) firstRunAdmin() error {
	if s.cfg.Join != "" {
		return nil
	}
	for _, u := range s.cfg.Router.Users {
		if u.Role == router.RoleAdmin {
			return nil
		}
		if u.AuthID == firstRunAdminID {
			s.log.Warn("no admin user configured, and the authid admin is taken by another role: the admin page and APK uploads from other hosts are closed",
				"role", u.Role)
			return nil
		}
	}
	path := filepath.Join(s.cfg.DataDir, AdminTicketFile)
	ticket, err := readTicket(path)
	switch {
	case err == nil:
		s.log.Info("admin user from the first run", "authid", firstRunAdminID, "ticket_file", path)
	case errors.Is(err, fs.ErrNotExist):
		if ticket, err = writeNewTicket(path); err != nil {
			return fmt.Errorf("first-run admin: %w", err)
		}
		s.log.Info("no admin user configured: created one; its ticket is in the file", "authid", firstRunAdminID, "ticket_file", path)
	default:
		return fmt.Errorf("first-run admin: %w", err)
	}
	s.cfg.Router.Users = append(s.cfg.Router.Users, router.User{AuthID: firstRunAdminID, Role: router.RoleAdmin, Ticket: ticket})
	return nil
}

// readTicket returns the ticket stored in path.
func readTicket(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	t := strings.TrimSpace(string(b))
	if t == "" {
		return "", fmt.Errorf("%s is empty; delete it to make a new ticket", path)
	}
	return t, nil
}

// writeNewTicket makes a random ticket and writes it to path, which must not exist, mode 0600.
func writeNewTicket(path string) (string, error) {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	ticket := base64.RawURLEncoding.EncodeToString(b[:])
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return "", err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	if _, err := f.WriteString(ticket + "\n"); err != nil {
		_ = f.Close()
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return ticket, nil
}

// buildImage builds the base image (or finds it cached) before the runtime starts, so that
// the time it takes is logged and /readyz says what the node waits for.
func (s *Server) buildImage(ctx context.Context) error {
	dir := s.cfg.Runtime.ImageDir
	if dir == "" {
		dir = unikernel.DefaultImageDir()
	}
	javaHome := s.cfg.Runtime.JavaHome
	if javaHome == "" {
		javaHome = os.Getenv("JAVA_HOME") // as the runtime's default, so that both find one image
	}
	s.health.set("building the base image")
	s.log.Info("base image build started", "dir", dir)
	t0 := time.Now()
	im, err := unikernel.BuildImage(ctx, dir, javaHome)
	if err != nil {
		return fmt.Errorf("base image: %w", err)
	}
	s.health.markImage()
	s.log.Info("base image build finished", "hash", shortHash(im.Hash), "took", time.Since(t0).Round(time.Millisecond))
	return nil
}
