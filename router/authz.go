package router

import (
	"strings"

	"github.com/gammazero/nexus/v3/wamp"
)

// MAMoC's topic URIs.
const (
	TopicOffloading       = "uk.ac.standrews.cs.mamoc.offloading"
	TopicOffloadingResult = "uk.ac.standrews.cs.mamoc.offloadingresult"
	TopicReceiveFile      = "uk.ac.standrews.cs.mamoc.receive_file"
	TopicStats            = "uk.ac.standrews.cs.mamoc.stats"
)

// ProcRegistrationMatch is the mamoc procedure that answers wamp.registration.match for
// remote sessions with null instead of nexus's 0 when nothing matches.
const ProcRegistrationMatch = "mamoc.meta.registration_match"

// metaForPhones are the wamp.* meta procedures a phone may call.
var metaForPhones = map[string]bool{
	"wamp.registration.match":  true,
	"wamp.registration.lookup": true,
	"wamp.registration.get":    true,
	"wamp.registration.list":   true,
	"wamp.session.count":       true,
	"wamp.subscription.match":  true,
	"wamp.subscription.lookup": true,
}

// phoneSubscribeTopics are the exact topics a phone may subscribe to besides mamoc.*.
var phoneSubscribeTopics = map[string]bool{
	TopicOffloadingResult:         true,
	TopicStats:                    true,
	"wamp.registration.on_create": true,
	"wamp.registration.on_delete": true,
}

// adminOnlyPrefix names procedures that only admins may call or register.
const adminOnlyPrefix = "mamoc.admin."

// refactorProcs are the procedures that upload or manage APK refactor jobs.
var refactorProcs = map[string]bool{"mamoc.app.upload": true}

// authorizer enforces mamoc's roles on every message of a remote session, and rewrites two
// messages for MAMoC compatibility: CALL wamp.registration.match goes to the mamoc callee that
// answers null, and PUBLISH offloading and receive_file disclose the publisher, so that the
// result reaches only it and its files land in its own namespace.
type authorizer struct {
	refactorRoles map[string]bool // read-only after construction
	gate          *gate           // nil in tests of the role rules alone
}

func newAuthorizer(refactorRoles []string, g *gate) *authorizer {
	a := &authorizer{refactorRoles: map[string]bool{RoleAdmin: true}, gate: g}
	for _, r := range refactorRoles {
		a.refactorRoles[r] = true
	}
	return a
}

// MayRefactor reports whether a session of role may upload APKs for analysis.
func (a *authorizer) MayRefactor(role string) bool { return a.refactorRoles[role] }

func (a *authorizer) Authorize(sess *wamp.Session, msg wamp.Message) (bool, error) {
	role, _ := wamp.AsString(sess.Details["authrole"])
	if a.gate != nil {
		a.gate.count(msg)
	}
	switch m := msg.(type) {
	case *wamp.Call:
		ok := a.mayCall(role, string(m.Procedure))
		if ok && m.Procedure == "wamp.registration.match" {
			m.Procedure = ProcRegistrationMatch
		}
		if ok && a.gate != nil && !strings.HasPrefix(string(m.Procedure), "wamp.") &&
			m.Procedure != ProcRegistrationMatch && a.gate.notReady() != "" {
			m.Procedure = ProcUnavailable
		}
		return ok, nil
	case *wamp.Register:
		return mayRegister(role, string(m.Procedure)), nil
	case *wamp.Publish:
		ok := mayPublish(role, string(m.Topic))
		if ok && (m.Topic == TopicOffloading || m.Topic == TopicReceiveFile) {
			if m.Options == nil {
				m.Options = wamp.Dict{}
			}
			m.Options[wamp.OptDiscloseMe] = true
		}
		return ok, nil
	case *wamp.Subscribe:
		return maySubscribe(role, string(m.Topic)), nil
	default:
		// UNSUBSCRIBE, UNREGISTER, YIELD, CANCEL, ERROR act on what the session already owns.
		return true, nil
	}
}

func (a *authorizer) mayCall(role, proc string) bool {
	switch role {
	case RoleAdmin:
		return true
	case RoleEdge:
		if refactorProcs[proc] {
			return a.refactorRoles[role]
		}
		return !strings.HasPrefix(proc, adminOnlyPrefix) && !strings.HasPrefix(proc, "wamp.session.kill") &&
			proc != "wamp.session.modify_details"
	case RolePhone:
		if strings.HasPrefix(proc, "wamp.") {
			return metaForPhones[proc]
		}
		if refactorProcs[proc] {
			return a.refactorRoles[role]
		}
		return !strings.HasPrefix(proc, adminOnlyPrefix)
	}
	return false
}

func mayRegister(role, proc string) bool {
	switch role {
	case RoleAdmin:
		return true
	case RoleEdge:
		return !strings.HasPrefix(proc, adminOnlyPrefix) && !strings.HasPrefix(proc, "mamoc.meta.")
	}
	return false
}

func mayPublish(role, topic string) bool {
	switch role {
	case RoleAdmin, RoleEdge:
		return true
	case RolePhone:
		return topic == TopicOffloading || topic == TopicReceiveFile
	}
	return false
}

func maySubscribe(role, topic string) bool {
	switch role {
	case RoleAdmin, RoleEdge:
		return true
	case RolePhone:
		// A phone must not see other phones' source (offloading) or files (receive_file).
		return phoneSubscribeTopics[topic] || strings.HasPrefix(topic, "mamoc.")
	}
	return false
}
