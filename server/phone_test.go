package server_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gammazero/nexus/v3/transport/serialize"
	"github.com/gammazero/nexus/v3/wamp"
	"github.com/gorilla/websocket"
)

// rawPhone speaks to the server exactly as an unmodified MAMoC Android phone (autobahn-java
// 18.x) does: it offers cbor, msgpack, json in that order, sends MAMoC's HELLO without
// features, and positional args only.
type rawPhone struct {
	t    *testing.T
	conn *websocket.Conn
	ser  serialize.CBORSerializer

	mu      sync.Mutex // guards nextReq and waiters
	nextReq wamp.ID
	waiters map[wamp.ID]chan wamp.Message

	events  chan *wamp.Event
	session wamp.ID
	done    chan struct{}
}

func dialPhone(t *testing.T, url string) *rawPhone {
	t.Helper()
	d := websocket.Dialer{Subprotocols: []string{"wamp.2.cbor", "wamp.2.msgpack", "wamp.2.json"}, HandshakeTimeout: 5 * time.Second}
	conn, _, err := d.Dial(url, http.Header{})
	if err != nil {
		t.Fatalf("phone dial %s: %v", url, err)
	}
	if conn.Subprotocol() != "wamp.2.cbor" {
		t.Fatalf("phone subprotocol = %q, want wamp.2.cbor", conn.Subprotocol())
	}
	p := &rawPhone{t: t, conn: conn, waiters: map[wamp.ID]chan wamp.Message{}, events: make(chan *wamp.Event, 64), done: make(chan struct{})}
	p.send(&wamp.Hello{Realm: "mamoc_realm", Details: wamp.Dict{"roles": wamp.Dict{
		"publisher": wamp.Dict{}, "subscriber": wamp.Dict{}, "caller": wamp.Dict{}, "callee": wamp.Dict{}}}})
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	msg := p.read()
	w, ok := msg.(*wamp.Welcome)
	if !ok {
		t.Fatalf("phone HELLO answered with %v, want WELCOME", msg)
	}
	_ = conn.SetReadDeadline(time.Time{})
	p.session = w.ID
	go p.loop()
	t.Cleanup(p.close)
	return p
}

func (p *rawPhone) close() {
	_ = p.conn.Close()
	<-p.done
}

func (p *rawPhone) send(m wamp.Message) {
	b, err := p.ser.Serialize(m)
	if err != nil {
		p.t.Errorf("serialize %v: %v", m.MessageType(), err)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.conn.WriteMessage(websocket.BinaryMessage, b); err != nil {
		p.t.Logf("phone write: %v", err)
	}
}

func (p *rawPhone) read() wamp.Message {
	_, b, err := p.conn.ReadMessage()
	if err != nil {
		return nil
	}
	m, err := p.ser.Deserialize(b)
	if err != nil {
		p.t.Errorf("phone got undecodable message: %v", err)
		return nil
	}
	return m
}

func (p *rawPhone) loop() {
	defer close(p.done)
	for {
		m := p.read()
		if m == nil {
			return
		}
		var req wamp.ID
		switch x := m.(type) {
		case *wamp.Event:
			select {
			case p.events <- x:
			default:
				p.t.Errorf("phone event queue full")
			}
			continue
		case *wamp.Result:
			req = x.Request
		case *wamp.Error:
			req = x.Request
		case *wamp.Subscribed:
			req = x.Request
		case *wamp.Published:
			req = x.Request
		case *wamp.Unsubscribed:
			req = x.Request
		default:
			continue
		}
		p.mu.Lock()
		ch := p.waiters[req]
		delete(p.waiters, req)
		p.mu.Unlock()
		if ch != nil {
			ch <- m
		}
	}
}

// request sends m built with a fresh request id and waits for its answer.
func (p *rawPhone) request(timeout time.Duration, build func(id wamp.ID) wamp.Message) wamp.Message {
	p.mu.Lock()
	p.nextReq++
	id := p.nextReq
	ch := make(chan wamp.Message, 1)
	p.waiters[id] = ch
	p.mu.Unlock()
	p.send(build(id))
	select {
	case m := <-ch:
		return m
	case <-time.After(timeout):
		p.t.Fatalf("phone: no answer to request %d within %s", id, timeout)
		return nil
	}
}

func (p *rawPhone) subscribe(topic string) wamp.ID {
	m := p.request(5*time.Second, func(id wamp.ID) wamp.Message {
		return &wamp.Subscribe{Request: id, Options: wamp.Dict{}, Topic: wamp.URI(topic)}
	})
	s, ok := m.(*wamp.Subscribed)
	if !ok {
		p.t.Fatalf("phone subscribe %s = %v", topic, m)
	}
	return s.Subscription
}

func (p *rawPhone) call(timeout time.Duration, proc string, args ...any) (*wamp.Result, *wamp.Error) {
	m := p.request(timeout, func(id wamp.ID) wamp.Message {
		return &wamp.Call{Request: id, Options: wamp.Dict{}, Procedure: wamp.URI(proc), Arguments: args}
	})
	switch x := m.(type) {
	case *wamp.Result:
		return x, nil
	case *wamp.Error:
		return nil, x
	}
	p.t.Fatalf("phone call %s answered with %v", proc, m)
	return nil, nil
}

// publish publishes with acknowledge, as MAMoC's client does, and waits for PUBLISHED.
func (p *rawPhone) publish(topic string, args ...any) {
	m := p.request(5*time.Second, func(id wamp.ID) wamp.Message {
		return &wamp.Publish{Request: id, Options: wamp.Dict{"acknowledge": true}, Topic: wamp.URI(topic), Arguments: args}
	})
	if _, ok := m.(*wamp.Published); !ok {
		p.t.Fatalf("phone publish %s = %v, want PUBLISHED", topic, m)
	}
}

// result waits for the next offloadingresult event and checks MAMoC's shape
// [output string, duration float64].
func (p *rawPhone) result(timeout time.Duration) (string, float64) {
	select {
	case ev := <-p.events:
		if len(ev.Arguments) != 2 {
			p.t.Fatalf("result event args = %v, want [output, duration]", ev.Arguments)
		}
		out, ok := ev.Arguments[0].(string)
		if !ok {
			p.t.Fatalf("result output is %T, want a string", ev.Arguments[0])
		}
		d, ok := ev.Arguments[1].(float64)
		if !ok {
			p.t.Fatalf("result duration is %T (%v), want a float (the phone casts it to Double)", ev.Arguments[1], ev.Arguments[1])
		}
		return out, d
	case <-time.After(timeout):
		p.t.Fatalf("phone: no offloadingresult within %s", timeout)
	}
	return "", 0
}

// noEvent asserts that no event arrives for a while.
func (p *rawPhone) noEvent(wait time.Duration) {
	select {
	case ev := <-p.events:
		p.t.Errorf("phone got an unexpected event %v", fmt.Sprint(ev.Arguments))
	case <-time.After(wait):
	}
}
