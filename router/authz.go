package router

import (
	"strings"

	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/server/api"
)

// metaForPhones are the wamp.* meta procedures a phone may call.
var metaForPhones = map[wamp.URI]bool{
	wamp.MetaProcRegMatch:     true,
	wamp.MetaProcRegLookup:    true,
	wamp.MetaProcRegGet:       true,
	wamp.MetaProcRegList:      true,
	wamp.MetaProcSessionCount: true,
	wamp.MetaProcSubMatch:     true,
	wamp.MetaProcSubLookup:    true,
}

// phoneSubscribeTopics are the exact topics a phone may subscribe to besides mamoc.*.
var phoneSubscribeTopics = map[string]bool{
	api.TopicOffloadingResult:         true,
	api.TopicStats:                    true,
	string(wamp.MetaEventRegOnCreate): true,
	string(wamp.MetaEventRegOnDelete): true,
}

// refactorProcs are the procedures that upload or manage APK refactor jobs.
var refactorProcs = map[string]bool{api.ProcAppUpload: true}

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
		if ok && m.Procedure == wamp.MetaProcRegMatch {
			m.Procedure = api.ProcRegistrationMatch
		}
		if ok && a.gate != nil && !strings.HasPrefix(string(m.Procedure), "wamp.") &&
			m.Procedure != api.ProcRegistrationMatch && a.gate.unready() {
			m.Procedure = api.ProcUnavailable
		}
		return ok, nil
	case *wamp.Register:
		return mayRegister(role, string(m.Procedure)), nil
	case *wamp.Publish:
		ok := mayPublish(role, string(m.Topic))
		if ok && (m.Topic == api.TopicOffloading || m.Topic == api.TopicReceiveFile) {
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
	proc = api.PlainProcedure(proc) // a node's scoped name is judged as its plain one
	switch role {
	case RoleAdmin:
		return true
	case RoleEdge:
		if refactorProcs[proc] {
			return a.MayRefactor(role)
		}
		return !strings.HasPrefix(proc, api.PrefixAdmin) && !strings.HasPrefix(proc, string(wamp.MetaProcSessionKill)) &&
			proc != string(wamp.MetaProcSessionModifyDetails)
	case RolePhone:
		if strings.HasPrefix(proc, "wamp.") {
			return metaForPhones[wamp.URI(proc)]
		}
		if refactorProcs[proc] {
			return a.MayRefactor(role)
		}
		return !strings.HasPrefix(proc, api.PrefixAdmin)
	}
	return false
}

func mayRegister(role, proc string) bool {
	proc = api.PlainProcedure(proc)
	switch role {
	case RoleAdmin:
		return true
	case RoleEdge:
		return !strings.HasPrefix(proc, api.PrefixAdmin) && !strings.HasPrefix(proc, api.PrefixMeta)
	}
	return false
}

func mayPublish(role, topic string) bool {
	switch role {
	case RoleAdmin, RoleEdge:
		return true
	case RolePhone:
		return topic == api.TopicOffloading || topic == api.TopicReceiveFile
	}
	return false
}

func maySubscribe(role, topic string) bool {
	switch role {
	case RoleAdmin, RoleEdge:
		return true
	case RolePhone:
		// A phone must not see other phones' source (offloading) or files (receive_file).
		return phoneSubscribeTopics[topic] || strings.HasPrefix(topic, api.PrefixMamoc)
	}
	return false
}
