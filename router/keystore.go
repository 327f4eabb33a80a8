package router

import (
	"errors"
	"strconv"

	"github.com/gammazero/nexus/v3/router/auth"
	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/server/api"
)

// keyStore serves the configured users to nexus's ticket and WAMP-CRA authenticators.
type keyStore struct {
	users map[string]User // read-only after construction
}

var _ auth.KeyStore = (*keyStore)(nil)

var errNoSuchUser = errors.New("no such user")

func newKeyStore(users []User) *keyStore {
	ks := &keyStore{users: make(map[string]User, len(users))}
	for _, u := range users {
		ks.users[u.AuthID] = u
	}
	return ks
}

func (ks *keyStore) AuthKey(authid, authmethod string) ([]byte, error) {
	u, ok := ks.users[authid]
	if !ok {
		return nil, errNoSuchUser
	}
	switch authmethod {
	case "ticket":
		if u.Ticket != "" {
			return []byte(u.Ticket), nil
		}
	case "wampcra":
		if u.Secret != "" {
			return []byte(u.Secret), nil
		}
	}
	return nil, errNoSuchUser
}

func (ks *keyStore) PasswordInfo(string) (string, int, int) { return "", 0, 0 }

func (ks *keyStore) AuthRole(authid string) (string, error) {
	u, ok := ks.users[authid]
	if !ok {
		return "", errNoSuchUser
	}
	return u.Role, nil
}

func (ks *keyStore) Provider() string { return "mamoc" }

// anonymousAuth is nexus's anonymous authentication with an authid that says so:
// api.AnonymousAuthIDPrefix and the session's random id. The server uses the authid as the
// owner of what a session puts there, so an anonymous phone owns nothing beyond its session.
type anonymousAuth struct{ *auth.AnonymousAuth }

func (a anonymousAuth) Authenticate(sid wamp.ID, details wamp.Dict, client wamp.Peer) (*wamp.Welcome, error) {
	w, err := a.AnonymousAuth.Authenticate(sid, details, client)
	if err == nil && w != nil && w.Details != nil {
		w.Details["authid"] = api.AnonymousAuthIDPrefix + strconv.FormatUint(uint64(wamp.GlobalID()), 16)
	}
	return w, err
}
