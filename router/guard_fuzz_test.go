package router

import (
	"strings"
	"testing"

	"github.com/gammazero/nexus/v3/transport/serialize"
	"github.com/gammazero/nexus/v3/wamp"
)

// recordWire records what the guard writes and whether it failed the connection.
type recordWire struct {
	written [][]byte
	failed  bool
}

func (w *recordWire) writeNow(b []byte) error { w.written = append(w.written, b); return nil }
func (w *recordWire) fail(int, string)        { w.failed = true }

// FuzzGuard feeds arbitrary inbound frames to the guard of each serialization. It never
// panics; a message it passes on has a valid request id and nests within the bound; a
// message it stops is answered (ERROR) or aborts the session (ABORT, then fail), never
// dropped in silence.
func FuzzGuard(f *testing.F) {
	for _, s := range []string{
		`[48,7,{},"a.b",[1,[2,[3]]],{"k":"v"}]`, `[48,"x",{},"a.b"]`, `[70,5,{},[]]`, `[32,0,{},"t"]`,
		`[48,7,{},5,[]]`, `[16,3,{"acknowledge":true},"t",` + strings.Repeat("[", 80) + strings.Repeat("]", 80) + `]`,
		"\x93\x30\x07\x80", "\x85\x18\x30\x07\xa0\x63a.b\x80", "garbage",
	} {
		f.Add(uint8(0), []byte(s))
	}
	for _, kind := range []serialize.Serialization{serialize.MSGPACK, serialize.CBOR} {
		g := newGuard(kind, 8, &recordWire{})
		b, _ := g.Serialize(&wamp.Call{Request: 9, Options: wamp.Dict{}, Procedure: "a.b", Arguments: wamp.List{"x", 1}})
		f.Add(uint8(kind), b)
	}
	f.Fuzz(func(t *testing.T, k uint8, b []byte) {
		kind := []serialize.Serialization{serialize.JSON, serialize.MSGPACK, serialize.CBOR}[int(k)%3]
		w := &recordWire{}
		g := newGuard(kind, 8, w)
		msg, err := g.Deserialize(b)
		if err != nil {
			if len(w.written) == 0 && err != errAnswered {
				t.Fatalf("frame %q stopped (%v) without an answer", b, err)
			}
			if err == errViolation && !w.failed {
				t.Fatalf("frame %q: ABORT without closing the connection", b)
			}
			return
		}
		if w.failed {
			t.Fatalf("frame %q passed on after the connection failed", b)
		}
		switch m := msg.(type) {
		case *wamp.Call:
			if !validID(m.Request) || badURI(m.Procedure) || g.tooDeep(m.Arguments, m.ArgumentsKw, m.Options) {
				t.Fatalf("CALL %+v passed on", m)
			}
			if h := peekHeader(kind, b); h.found && wamp.MessageType(h.typ) != wamp.CALL {
				t.Fatalf("peekHeader(%q) = %+v, decoded a CALL", b, h)
			}
		case *wamp.Yield:
			t.Fatalf("YIELD %+v for an invocation never sent passed on", m)
		}
	})
}
