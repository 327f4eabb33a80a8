package unikernel

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"
)

// agentStatus values; they match mamoc.agent.Agent.
const (
	stOK       = 0
	stTask     = 1
	stArg      = 2
	stLimit    = 3
	stInternal = 4
)

// AgentStats is what the guest agent reports about itself.
type AgentStats struct {
	HeapUsed int64
	HeapMax  int64
	Calls    int64
	Loaded   string // hash of the loaded artifact, "" if none
	Threads  int64
}

// agentError is an error the (still running) agent reported instead of a reply.
type agentError struct{ msg string }

func (e *agentError) Error() string { return "agent: " + e.msg }

// Unwrap returns ErrProtocol.
func (e *agentError) Unwrap() error { return ErrProtocol }

// agentConn speaks the multiplexed framed protocol to one guest agent: every request carries an
// id and its reply (and an invoke's progress frames) the same id, so several calls of the
// instance's app run at once. One goroutine reads; it ends when the channel fails or closes.
type agentConn struct {
	rw   io.ReadWriteCloser
	done chan struct{} // closed when the reader ends; err is set then

	wmu sync.Mutex // guards writes to rw

	mu      sync.Mutex // guards the fields below
	nextID  uint32
	pending map[uint32]*exchange
	err     error // why the reader ended
}

// exchange is one request waiting for its reply.
type exchange struct {
	reply    chan []byte // the reply frame after op and id; buffered
	progress func(string)
}

func newAgentConn(rw io.ReadWriteCloser) *agentConn {
	a := &agentConn{rw: rw, done: make(chan struct{}), pending: map[uint32]*exchange{}}
	go a.read()
	return a
}

// close closes the channel and waits for the reader.
func (a *agentConn) close() {
	_ = a.rw.Close()
	<-a.done
}

func (a *agentConn) read() {
	r := bufio.NewReaderSize(a.rw, 64<<10)
	var buf []byte // reused for progress frames
	var err error
	for {
		var hdr [9]byte // length, op, id
		if _, err = io.ReadFull(r, hdr[:4]); err != nil {
			break
		}
		n := binary.BigEndian.Uint32(hdr[:4])
		if n < 5 || n > maxFrame {
			err = fmt.Errorf("frame of %d bytes: %w", n, ErrProtocol)
			break
		}
		if _, err = io.ReadFull(r, hdr[4:9]); err != nil {
			break
		}
		op, id := hdr[4], binary.BigEndian.Uint32(hdr[5:9])
		a.mu.Lock()
		ex := a.pending[id]
		if ex != nil && op != opProgress {
			delete(a.pending, id)
		}
		a.mu.Unlock()
		body := int(n) - 5
		if op == opProgress {
			if cap(buf) < body {
				buf = make([]byte, body)
			}
			if _, err = io.ReadFull(r, buf[:body]); err != nil {
				break
			}
			if ex != nil && ex.progress != nil {
				rb := rbuf{b: buf[:body]}
				ex.progress(rb.str())
			}
			continue
		}
		frame := make([]byte, body+1) // op, then the body: handed to the waiting call
		frame[0] = op
		if _, err = io.ReadFull(r, frame[1:]); err != nil {
			break
		}
		if ex == nil {
			err = fmt.Errorf("reply op %d for unknown request %d: %w", op, id, ErrProtocol)
			break
		}
		ex.reply <- frame
	}
	a.mu.Lock()
	a.err = err
	a.pending = nil
	a.mu.Unlock()
	close(a.done)
}

// start registers a request and returns its id.
func (a *agentConn) start(progress func(string)) (uint32, *exchange, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.pending == nil {
		return 0, nil, fmt.Errorf("read from agent: %w", a.err)
	}
	a.nextID++
	ex := &exchange{reply: make(chan []byte, 1), progress: progress}
	a.pending[a.nextID] = ex
	return a.nextID, ex, nil
}

// send writes one frame: w holds the op at w.b[4] after a 4-byte length and 4-byte id gap.
func (a *agentConn) send(w *wbuf, id uint32) error {
	binary.BigEndian.PutUint32(w.b[0:4], uint32(len(w.b)-4))
	binary.BigEndian.PutUint32(w.b[5:9], id)
	a.wmu.Lock()
	_, err := a.rw.Write(w.b)
	a.wmu.Unlock()
	if err != nil {
		return fmt.Errorf("write to agent: %w", err)
	}
	return nil
}

// roundTrip sends the request in w (see request) and waits for its reply.
func (a *agentConn) roundTrip(w *wbuf, progress func(string)) (*rbuf, error) {
	defer w.free()
	id, ex, err := a.start(progress)
	if err != nil {
		return nil, err
	}
	if err := a.send(w, id); err != nil {
		return nil, err
	}
	return a.wait(w.b[4], id, ex)
}

func (a *agentConn) wait(op byte, id uint32, ex *exchange) (*rbuf, error) {
	var frame []byte
	select {
	case frame = <-ex.reply:
	case <-a.done:
		select { // the reply may have come just before the end
		case frame = <-ex.reply:
		default:
			a.mu.Lock()
			err := a.err
			a.mu.Unlock()
			if err == nil {
				err = io.EOF
			}
			return nil, fmt.Errorf("read from agent: %w", err)
		}
	}
	r := &rbuf{b: frame[1:]}
	switch frame[0] {
	case op:
		return r, nil
	case opError:
		return nil, &agentError{msg: r.str()}
	}
	return nil, fmt.Errorf("reply op %d to request %d op %d: %w", frame[0], id, op, ErrProtocol)
}

// forget drops a request that will never be waited for.
func (a *agentConn) forget(id uint32) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.pending != nil {
		delete(a.pending, id)
	}
}

func (a *agentConn) ping() error {
	_, err := a.roundTrip(request(opPing), nil)
	return err
}

func (a *agentConn) stats() (AgentStats, error) {
	r, err := a.roundTrip(request(opStats), nil)
	if err != nil {
		return AgentStats{}, err
	}
	s := AgentStats{HeapUsed: r.i64(), HeapMax: r.i64(), Calls: r.i64(), Loaded: r.str(), Threads: r.i64()}
	return s, r.err
}

func (a *agentConn) compile(sources map[string]string) (map[string][]byte, []Diagnostic, bool, error) {
	names := make([]string, 0, len(sources))
	for n := range sources {
		names = append(names, n)
	}
	sort.Strings(names)
	w := request(opCompile).i32(int32(len(names)))
	for _, n := range names {
		w.str(n).str(sources[n])
	}
	r, err := a.roundTrip(w, nil)
	if err != nil {
		return nil, nil, false, err
	}
	ok := r.boolean()
	classes := map[string][]byte{}
	for n := r.i32(); n > 0 && r.err == nil; n-- {
		name := r.str()
		classes[name] = r.bytes()
	}
	var diags []Diagnostic
	for n := r.i32(); n > 0 && r.err == nil; n-- {
		d := Diagnostic{Kind: r.str(), Line: int(r.i64()), Column: int(r.i64()), Source: r.str(), Message: r.str()}
		diags = append(diags, d)
	}
	return classes, diags, ok, r.err
}

func (a *agentConn) load(art Artifact) error {
	names := make([]string, 0, len(art.Classes))
	for n := range art.Classes {
		names = append(names, n)
	}
	sort.Strings(names)
	w := request(opLoad).str(art.Hash).i32(int32(len(names)))
	for _, n := range names {
		w.str(n).bytes(art.Classes[n])
	}
	r, err := a.roundTrip(w, nil)
	if err != nil {
		return err
	}
	if got := r.str(); got != art.Hash {
		return fmt.Errorf("loaded %q, want %q: %w", got, art.Hash, ErrProtocol)
	}
	return r.err
}

// invokeReply is the agent's answer to one invoke.
type invokeReply struct {
	status                   byte
	void                     bool
	output, json             string
	exec                     time.Duration
	stdout, stderr           string
	errClass, errMsg, errStk string
}

// invoke runs one call; started, if not nil, learns the call's id once it is sent (for cancel).
func (a *agentConn) invoke(c *Call, lim Limits, started func(id uint32)) (invokeReply, error) {
	w := request(opInvoke).str(c.Artifact.Hash).str(c.Class).str(c.Method).i32(int32(len(c.ParamTypes)))
	defer w.free()
	for _, t := range c.ParamTypes {
		w.str(t)
	}
	args := c.Args
	if args == nil {
		args = []any{}
	}
	if err := w.value(args); err != nil {
		return invokeReply{}, &ArgumentError{Message: err.Error()}
	}
	w.i64(int64(lim.OutputBytes))
	if c.Instance { // optional trailer: mode 1 (instance) and the constructor's arguments
		ctor := c.CtorArgs
		if ctor == nil {
			ctor = []any{}
		}
		if err := w.u8(1).value(ctor); err != nil {
			return invokeReply{}, &ArgumentError{Message: "constructor: " + err.Error()}
		}
	}
	id, ex, err := a.start(c.Progress)
	if err != nil {
		return invokeReply{}, err
	}
	if err := a.send(w, id); err != nil {
		a.forget(id)
		return invokeReply{}, err
	}
	if started != nil {
		started(id)
	}
	r, err := a.wait(opInvoke, id, ex)
	if err != nil {
		return invokeReply{}, err
	}
	rep := invokeReply{status: r.u8(), void: r.boolean(), output: r.str(), json: r.str(), exec: time.Duration(r.i64()),
		stdout: r.str(), stderr: r.str(), errClass: r.str(), errMsg: r.str(), errStk: r.str()}
	return rep, r.err
}

// cancel asks the agent to stop call id's thread; the call then ends with an internal error.
func (a *agentConn) cancel(id uint32) error {
	w := request(opCancel)
	defer w.free()
	return a.send(w, id)
}

func (a *agentConn) exit() {
	w := request(opExit)
	defer w.free()
	_ = a.send(w, 0)
}
