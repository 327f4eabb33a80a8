package api

import "strings"

// AnonymousAuthIDPrefix starts the authid the router gives an anonymous session: "anon-" and
// 16 hex digits, new for every session. An authid is the owner of what its session puts on the
// server, so an anonymous phone owns nothing beyond its session. Configured users may not have
// an authid with this prefix.
const AnonymousAuthIDPrefix = "anon-"

// IsAnonymous reports whether authid is an anonymous session's.
func IsAnonymous(authid string) bool { return strings.HasPrefix(authid, AnonymousAuthIDPrefix) }
