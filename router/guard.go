package router

import (
	"errors"
	"fmt"
	"iter"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/gammazero/nexus/v3/transport/serialize"
	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/server/api"
)

// ErrURIPayloadSizeExceeded answers a CALL (or a RESULT the caller's transport cannot carry)
// whose message exceeds the transport's size limit: api.ErrPayloadSizeExceeded.
const ErrURIPayloadSizeExceeded = api.ErrPayloadSizeExceeded

// maxTrackedInvocations bounds the INVOCATIONs remembered per session; beyond it a YIELD for
// an unknown invocation is no longer recognised (and passes on to the dealer, which ignores it).
const maxTrackedInvocations = 1 << 16

var (
	// errAnswered: the message was answered by the guard and goes no further.
	errAnswered = errors.New("message answered by the router's guard")
	// errViolation: the session broke the protocol and was aborted.
	errViolation = errors.New("protocol violation")
)

// wire is what the guard needs from a transport connection.
type wire interface {
	// writeNow writes a serialized message to the client at once, ahead of the outbound
	// queue, so that an answer goes out even when the connection is closed right after.
	writeNow(b []byte) error
	// fail ends the connection after the guard sent ABORT; code is the WebSocket close code.
	fail(code int, reason string)
}

// guard is the serializer of one remote session. It passes each inbound message to nexus only
// when it is well-formed, and answers the rest as the WAMP spec asks instead of dropping them:
//   - a CALL it cannot decode but whose request id it can read, or whose arguments nest deeper
//     than maxDepth, gets ERROR wamp.error.invalid_argument; an oversized CALL gets ERROR
//     wamp.error.payload_size_exceeded; the session goes on;
//   - anything else undecodable, a request id outside [1, 2^53], and a YIELD or an
//     INVOCATION ERROR for an invocation the router never sent to the session (or already
//     finished) break the session: ABORT wamp.error.protocol_violation with a message saying
//     what was wrong, then the transport closes.
//
// It remembers the INVOCATIONs it serializes to the client until their final YIELD or ERROR.
type guard struct {
	ser      serialize.Serializer
	kind     serialize.Serialization
	maxDepth int
	w        wire
	broken   atomic.Bool // set once the session was aborted

	mu        sync.Mutex           // guards pending and untracked
	pending   map[wamp.ID]struct{} // INVOCATION ids sent and not yet finished
	untracked bool                 // pending overflowed; unknown invocations are not checked
}

var _ serialize.Serializer = (*guard)(nil)

func newGuard(kind serialize.Serialization, maxDepth int, w wire) *guard {
	g := &guard{kind: kind, maxDepth: maxDepth, w: w, pending: map[wamp.ID]struct{}{}}
	switch kind {
	case serialize.JSON:
		g.ser = &serialize.JSONSerializer{}
	case serialize.MSGPACK:
		g.ser = &serialize.MessagePackSerializer{}
	default:
		g.ser = &serialize.CBORSerializer{}
	}
	return g
}

// Serialize encodes an outbound message and remembers INVOCATIONs.
func (g *guard) Serialize(msg wamp.Message) ([]byte, error) {
	if inv, ok := msg.(*wamp.Invocation); ok {
		g.mu.Lock()
		if len(g.pending) < maxTrackedInvocations {
			g.pending[inv.Request] = struct{}{}
		} else {
			g.untracked = true
		}
		g.mu.Unlock()
	}
	return g.ser.Serialize(msg)
}

func (g *guard) SerializeDataItem(item any) ([]byte, error) { return g.ser.SerializeDataItem(item) }

func (g *guard) DeserializeDataItem(b []byte, v any) error { return g.ser.DeserializeDataItem(b, v) }

// Deserialize decodes an inbound message and checks it. It returns an error for a message
// that goes no further (answered, or the session aborted).
func (g *guard) Deserialize(b []byte) (wamp.Message, error) {
	if g.broken.Load() {
		return nil, errViolation
	}
	msg, err := g.ser.Deserialize(b)
	if err != nil {
		return nil, g.undecodable(peekHeader(g.kind, b), err)
	}
	return g.check(msg)
}

// isBroken reports whether the session was aborted.
func (g *guard) isBroken() bool { return g.broken.Load() }

func (g *guard) undecodable(h header, err error) error {
	switch {
	case h.found && wamp.MessageType(h.typ) == wamp.CALL && h.idOK:
		text := "malformed CALL: " + err.Error()
		if strings.Contains(err.Error(), "maximum decoding depth exceeded") {
			text = g.depthText("arguments")
		}
		return g.answer(&wamp.Error{Type: wamp.CALL, Request: wamp.ID(h.id), Details: wamp.Dict{},
			Error: wamp.ErrInvalidArgument, Arguments: wamp.List{text}})
	case h.found && wamp.MessageType(h.typ) == wamp.CALL:
		return g.violation("CALL request id must be an integer in [1, 2^53]")
	case h.found:
		return g.violation(fmt.Sprintf("cannot decode %s message: %v", wamp.MessageType(h.typ), err))
	}
	return g.violation("cannot decode message: " + err.Error())
}

// oversized answers a message of size bytes over limit, of which prefix is the start. It
// reports whether the session goes on (the transport then discards the rest of the message).
func (g *guard) oversized(prefix []byte, size, limit int) bool {
	text := fmt.Sprintf("message of %d bytes exceeds the limit of %d bytes", size, limit)
	if size < 0 {
		text = fmt.Sprintf("message exceeds the limit of %d bytes", limit)
	}
	h := peekHeader(g.kind, prefix)
	if h.found && wamp.MessageType(h.typ) == wamp.CALL && h.idOK {
		_ = g.answer(&wamp.Error{Type: wamp.CALL, Request: wamp.ID(h.id), Details: wamp.Dict{},
			Error: ErrURIPayloadSizeExceeded, Arguments: wamp.List{text}})
		return true
	}
	_ = g.violationCode(1009, text)
	return false
}

func (g *guard) check(msg wamp.Message) (wamp.Message, error) {
	switch m := msg.(type) {
	case *wamp.Call:
		if !validID(m.Request) {
			return nil, g.badID(m.MessageType(), m.Request)
		}
		if badURI(m.Procedure) {
			// nexus's decoder turns a number into a string (5 becomes "\x05").
			return nil, g.answer(&wamp.Error{Type: wamp.CALL, Request: m.Request, Details: wamp.Dict{},
				Error: wamp.ErrInvalidURI, Arguments: wamp.List{"the procedure must be a non-empty URI string"}})
		}
		if g.tooDeep(m.Arguments, m.ArgumentsKw, m.Options) {
			return nil, g.answer(&wamp.Error{Type: wamp.CALL, Request: m.Request, Details: wamp.Dict{},
				Error: wamp.ErrInvalidArgument, Arguments: wamp.List{g.depthText("arguments")}})
		}
	case *wamp.Publish:
		if !validID(m.Request) {
			return nil, g.badID(m.MessageType(), m.Request)
		}
		if g.tooDeep(m.Arguments, m.ArgumentsKw, m.Options) {
			if ack, _ := m.Options[wamp.OptAcknowledge].(bool); ack {
				return nil, g.answer(&wamp.Error{Type: wamp.PUBLISH, Request: m.Request, Details: wamp.Dict{},
					Error: wamp.ErrInvalidArgument, Arguments: wamp.List{g.depthText("arguments")}})
			}
			return nil, errAnswered
		}
	case *wamp.Yield:
		final := true
		if p, _ := m.Options[wamp.OptProgress].(bool); p {
			final = false
		}
		if !g.finish(m.Request, final) {
			return nil, g.violation(fmt.Sprintf("YIELD for unknown invocation %d", m.Request))
		}
		if g.tooDeep(m.Arguments, m.ArgumentsKw, m.Options) {
			if !final {
				g.finish(m.Request, true)
			}
			return &wamp.Error{Type: wamp.INVOCATION, Request: m.Request, Details: wamp.Dict{},
				Error: wamp.ErrInvalidArgument, Arguments: wamp.List{g.depthText("the callee's result")}}, nil
		}
	case *wamp.Error:
		if m.Type == wamp.INVOCATION && !g.finish(m.Request, true) {
			return nil, g.violation(fmt.Sprintf("ERROR for unknown invocation %d", m.Request))
		}
		if g.tooDeep(m.Arguments, m.ArgumentsKw, m.Details) {
			m.Arguments, m.ArgumentsKw = wamp.List{g.depthText("the error's arguments")}, nil
		}
	case *wamp.Subscribe:
		return idChecked(g, m, m.Request)
	case *wamp.Unsubscribe:
		return idChecked(g, m, m.Request)
	case *wamp.Register:
		return idChecked(g, m, m.Request)
	case *wamp.Unregister:
		return idChecked(g, m, m.Request)
	case *wamp.Cancel:
		return idChecked(g, m, m.Request)
	}
	return msg, nil
}

func idChecked(g *guard, m wamp.Message, id wamp.ID) (wamp.Message, error) {
	if !validID(id) {
		return nil, g.badID(m.MessageType(), id)
	}
	return m, nil
}

// badURI reports a URI no client means: empty, not UTF-8, or with control characters.
func badURI(u wamp.URI) bool {
	if u == "" || !utf8.ValidString(string(u)) {
		return true
	}
	for _, c := range []byte(u) {
		if c < 0x20 || c == 0x7f {
			return true
		}
	}
	return false
}

func validID(id wamp.ID) bool { return id >= 1 && id <= maxRequestID }

func (g *guard) badID(t wamp.MessageType, id wamp.ID) error {
	return g.violation(fmt.Sprintf("%s request id %d is not an integer in [1, 2^53]", t, id))
}

// finish notes a YIELD or INVOCATION ERROR for invocation id and reports whether the router
// sent that invocation to this session and it is still open.
func (g *guard) finish(id wamp.ID, final bool) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.pending[id]; !ok {
		return g.untracked
	}
	if final {
		delete(g.pending, id)
	}
	return true
}

func (g *guard) depthText(what string) string {
	return fmt.Sprintf("%s nest lists or maps deeper than %d levels", what, g.maxDepth)
}

func (g *guard) tooDeep(args wamp.List, kw, opts wamp.Dict) bool {
	if g.maxDepth <= 0 {
		return false
	}
	// The arguments list (or map) itself is level 1.
	return deeper(args, g.maxDepth) || deeper(kw, g.maxDepth) || deeper(opts, g.maxDepth)
}

// deeper reports whether v nests lists or maps more than budget levels deep (a list or map
// takes one level).
func deeper(v any, budget int) bool {
	if budget < 0 {
		return true
	}
	switch x := v.(type) {
	case nil, string, bool, int64, uint64, float64, int, []byte:
		return false
	case wamp.List:
		return deeperSeq(slices.Values(x), budget)
	case []any:
		return deeperSeq(slices.Values(x), budget)
	case wamp.Dict:
		return deeperSeq(maps.Values(x), budget)
	case map[string]any:
		return deeperSeq(maps.Values(x), budget)
	case map[any]any:
		return deeperSeq(maps.Values(x), budget)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		return deeperSeq(func(yield func(any) bool) {
			for i := range rv.Len() {
				if !yield(rv.Index(i).Interface()) {
					return
				}
			}
		}, budget)
	case reflect.Map:
		return deeperSeq(func(yield func(any) bool) {
			for it := rv.MapRange(); it.Next(); {
				if !yield(it.Value().Interface()) {
					return
				}
			}
		}, budget)
	}
	return false
}

// deeperSeq reports whether the elements of a list or map, which takes one level, nest more
// than budget levels deep.
func deeperSeq(elems iter.Seq[any], budget int) bool {
	if budget == 0 {
		return true
	}
	for e := range elems {
		if deeper(e, budget-1) {
			return true
		}
	}
	return false
}

// answer writes msg to the client at once; the inbound message goes no further.
func (g *guard) answer(msg wamp.Message) error {
	b, err := g.ser.Serialize(msg)
	if err == nil {
		_ = g.w.writeNow(b)
	}
	return errAnswered
}

func (g *guard) violation(text string) error { return g.violationCode(1002, text) }

// violationCode aborts the session: ABORT wamp.error.protocol_violation, then the transport
// closes (WebSocket close code code).
func (g *guard) violationCode(code int, text string) error {
	if g.broken.Swap(true) {
		return errViolation
	}
	b, err := g.ser.Serialize(&wamp.Abort{Reason: wamp.ErrProtocolViolation, Details: wamp.Dict{wamp.OptMessage: text}})
	if err == nil {
		_ = g.w.writeNow(b)
	}
	g.w.fail(code, "protocol violation")
	return errViolation
}
