package unikernel

import (
	"bufio"
	"fmt"
	"io"
	"sort"
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

// agentConn speaks the framed protocol to one guest agent; one request at a time.
type agentConn struct {
	rw io.ReadWriteCloser
	r  *bufio.Reader
}

func newAgentConn(rw io.ReadWriteCloser) *agentConn {
	return &agentConn{rw: rw, r: bufio.NewReaderSize(rw, 64<<10)}
}

func (a *agentConn) roundTrip(req *wbuf, progress func(string)) (*rbuf, error) {
	if err := writeFrame(a.rw, req.b); err != nil {
		return nil, fmt.Errorf("write to agent: %w", err)
	}
	for {
		b, err := readFrame(a.r)
		if err != nil {
			return nil, fmt.Errorf("read from agent: %w", err)
		}
		r := &rbuf{b: b}
		op := r.u8()
		switch op {
		case opProgress:
			msg := r.str()
			if progress != nil {
				progress(msg)
			}
			continue
		case opError:
			return nil, &agentError{msg: r.str()}
		}
		if op != req.b[0] {
			return nil, fmt.Errorf("reply op %d to request op %d: %w", op, req.b[0], ErrProtocol)
		}
		return r, nil
	}
}

func (a *agentConn) ping() error {
	_, err := a.roundTrip(new(wbuf).u8(opPing), nil)
	return err
}

func (a *agentConn) stats() (AgentStats, error) {
	r, err := a.roundTrip(new(wbuf).u8(opStats), nil)
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
	w := new(wbuf).u8(opCompile).i32(int32(len(names)))
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
	w := new(wbuf).u8(opLoad).str(art.Hash).i32(int32(len(names)))
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

func (a *agentConn) invoke(c *Call, lim Limits) (invokeReply, error) {
	w := new(wbuf).u8(opInvoke).str(c.Artifact.Hash).str(c.Class).str(c.Method).i32(int32(len(c.ParamTypes)))
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
	r, err := a.roundTrip(w, c.Progress)
	if err != nil {
		return invokeReply{}, err
	}
	rep := invokeReply{status: r.u8(), void: r.boolean(), output: r.str(), json: r.str(), exec: time.Duration(r.i64()),
		stdout: r.str(), stderr: r.str(), errClass: r.str(), errMsg: r.str(), errStk: r.str()}
	return rep, r.err
}

func (a *agentConn) exit() {
	_ = writeFrame(a.rw, new(wbuf).u8(opExit).b)
}
