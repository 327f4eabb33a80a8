package unikernel

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Call is one task invocation.
type Call struct {
	// Group is the isolation group: calls of one group share a class loader and instances,
	// calls of two groups never share an instance (the server makes one group per task
	// source and one per refactored app).
	Group    string
	Artifact Artifact
	// Class is the task's FQCN.
	Class string
	// Method "" means the MAMoC shape: construct with Args, then call run(); otherwise a public
	// static method, or an instance method when Instance is set.
	Method string
	// Instance calls Method on a new object: the public constructor taking CtorArgs (picked by
	// arity and convertibility) builds it. The result is the return value, an object as its
	// public fields; a void method returns the object after the call.
	Instance bool
	// CtorArgs are the constructor's arguments for an Instance call, JSON-like as Args.
	CtorArgs []any
	// ParamTypes optionally declares the Java parameter types ("int", "String", "int[]", FQCNs);
	// without them the agent picks the public constructor/method by arity and convertibility.
	ParamTypes []string
	// Args are JSON-like values: float64/int64/int/string/bool/[]any/[]byte/nil.
	Args []any
	// Limits override the configured defaults, bounded by the configured maxima.
	Limits Limits
	// Progress, if set, receives progress messages (mamoc.Progress.report in the guest).
	Progress func(msg string)
	// Owner is the tenant making the call (an authid, or an anonymous session); the slot queue
	// shares slots fairly between owners. "" is one anonymous owner.
	Owner string
}

// Result is a finished call.
type Result struct {
	Output    string        // String.valueOf(return); Arrays.toString for arrays; "" when Void
	Void      bool          // run() (or the method) returns void
	JSON      []byte        // the return value as JSON (byte[] as base64), nil when Void
	ExecTime  time.Duration // measured inside the guest (construct + run)
	QueueTime time.Duration // waiting for a slot and an instance (includes a cold boot)
	Instance  string
	Stdout    string // bounded by Limits.OutputBytes
	Stderr    string
}

// Compile compiles Java sources (FQCN → source) inside a sandboxed instance of group with javax.tools.
// A compile failure is a *CompileError with javac's diagnostics.
func (rt *Runtime) Compile(ctx context.Context, group string, sources map[string]string) (Artifact, error) {
	if len(sources) == 0 {
		return Artifact{}, &CompileError{Diagnostics: []Diagnostic{{Kind: "ERROR", Message: "no sources"}}}
	}
	lim := Limits{WallTime: rt.cfg.CompileTimeout}.clamp(rt.cfg.Limits, rt.cfg.MaxLimits)
	lim.WallTime = rt.cfg.CompileTimeout
	lim.CPUTime = max(lim.CPUTime, 2*rt.cfg.CompileTimeout)
	var (
		classes map[string][]byte
		diags   []Diagnostic
		ok      bool
	)
	// A compile's owner is its group: compiles of one source share one fair share. It has its instance alone.
	_, _, err := rt.withInstance(ctx, group, group, lim, "", true, func(in *instance, _ *running) (bool, error) {
		var err error
		classes, diags, ok, err = in.conn.compile(sources)
		return err != nil, err
	})
	if err != nil {
		return Artifact{}, fmt.Errorf("compile %s: %w", group, err)
	}
	if !ok {
		return Artifact{}, &CompileError{Diagnostics: diags}
	}
	return NewArtifact(classes), nil
}

// Invoke runs one task call in a warm (or freshly booted) instance of c.Group, beside other calls of
// the same artifact up to Config.InstanceConcurrency.
func (rt *Runtime) Invoke(ctx context.Context, c Call) (Result, error) {
	if c.Group == "" || c.Class == "" {
		return Result{}, &ArgumentError{Message: "call needs a group and a class"}
	}
	if c.Artifact.Hash == "" {
		c.Artifact = NewArtifact(c.Artifact.Classes)
	}
	lim := c.Limits.clamp(rt.cfg.Limits, rt.cfg.MaxLimits)
	var rep invokeReply
	id, queued, err := rt.withInstance(ctx, c.Group, c.Owner, lim, c.Artifact.Hash, false, func(in *instance, r *running) (bool, error) {
		rt.mu.Lock()
		loaded := in.loaded
		rt.mu.Unlock()
		if loaded != c.Artifact.Hash { // the instance is ours alone until loaded
			if err := in.conn.load(c.Artifact); err != nil {
				return true, fmt.Errorf("load artifact: %w", err)
			}
			rt.mu.Lock()
			rt.artifacts[c.Group] = c.Artifact
			rt.loadedLocked(in, c.Artifact.Hash)
			rt.mu.Unlock()
		}
		var err error
		rep, err = in.conn.invoke(&c, lim, func(id uint32) { rt.sent(r, id) })
		if err != nil {
			var ae *ArgumentError
			return !errors.As(err, &ae), err
		}
		return rep.status == stLimit || rep.status == stInternal, nil
	})
	res := Result{QueueTime: queued, Instance: id}
	if err != nil {
		return res, err
	}
	res.ExecTime, res.Stdout, res.Stderr = rep.exec, rep.stdout, rep.stderr
	switch rep.status {
	case stOK:
		res.Void = rep.void
		res.Output = rep.output
		if !rep.void {
			res.JSON = []byte(rep.json)
		}
		return res, nil
	case stTask:
		return res, &TaskError{Class: rep.errClass, Message: rep.errMsg, Stack: rep.errStk}
	case stArg:
		return res, &ArgumentError{Message: rep.errMsg}
	case stLimit:
		kind := "output"
		if rep.errClass != "mamoc.OutputLimit" {
			kind = "memory"
		}
		return res, &LimitError{Limit: kind, Message: rep.errMsg}
	default:
		return res, fmt.Errorf("%s: %s: %w", rep.errClass, rep.errMsg, ErrProtocol)
	}
}

// withInstance runs op on an instance of app (sharing it with calls of artifact hash unless
// exclusive) under the limits: the watchdog ends a call past its wall time, its CPU time, or
// its caller (see breach). op returns whether the instance must be recycled.
func (rt *Runtime) withInstance(ctx context.Context, app, owner string, lim Limits, hash string, exclusive bool,
	op func(*instance, *running) (bool, error)) (string, time.Duration, error) {
	t0 := time.Now()
	if err := rt.acquireSlot(ctx, app, owner); err != nil {
		return "", time.Since(t0), err
	}
	defer func() {
		rt.mu.Lock()
		if !rt.closed {
			rt.release(app, owner)
		}
		rt.mu.Unlock()
	}()
	in, err := rt.instanceFor(ctx, app, lim.MemoryMB, hash, exclusive)
	if err != nil {
		if ctx.Err() != nil && !errors.Is(err, ErrCanceled) && !errors.Is(err, ErrTimeout) {
			err = fmt.Errorf("%w (%w)", canceled(ctx), err)
		}
		return "", time.Since(t0), err
	}
	queued := time.Since(t0)

	r := rt.watch(ctx, in, lim)
	recycle, opErr := op(in, r)
	why, killed := rt.unwatch(r)
	stopWhy := StopBreach // ended by the watchdog: wall time, caller gone, CPU time
	var agentErr *agentError
	if why != nil && !killed {
		opErr = nil // canceled in the agent: the instance lives on until its other calls end
	}
	if why == nil && opErr != nil && recycle && !errors.As(opErr, &agentErr) {
		// the instance died by itself: out of memory, System.exit, crash
		rt.mu.Lock()
		if in.renew == "" {
			in.renew = StopCrash // no new call joins it while we look for the cause
		}
		rt.mu.Unlock()
		why = rt.crashReason(in, opErr)
		stopWhy = StopCrash
		if errors.Is(why, ErrLimit) {
			stopWhy = StopBreach
		}
		killed = true
	}
	if why != nil {
		rt.log.Debug("call ended by a breach", "id", in.id, "why", stopWhy, "err", why)
		if killed {
			rt.retire(in, stopWhy) // its other calls, if any, end with it
		} else {
			rt.done(in) // marked for renewal by breach: retires once its last call ends
		}
		rt.mu.Lock()
		closed := rt.closed
		rt.mu.Unlock()
		if closed {
			why = fmt.Errorf("%w (%w)", ErrClosed, why)
		}
		return in.id, queued, why
	}
	rt.mu.Lock()
	in.calls++
	switch {
	case recycle && opErr != nil:
		in.state = stateStopping // the agent broke the protocol: stop it now
		rt.mu.Unlock()
		rt.retire(in, StopCrash)
		return in.id, queued, opErr
	case recycle:
		// the agent reported a limit (memory, output) or an internal error: recycle once its calls end
		if in.renew == "" {
			in.renew = StopBreach
		}
	case rt.cfg.MaxCallsPerInstance > 0 && in.calls >= rt.cfg.MaxCallsPerInstance && in.renew == "":
		in.renew = StopCalls
	}
	rt.mu.Unlock()
	rt.done(in)
	return in.id, queued, opErr
}

func (rt *Runtime) crashReason(in *instance, opErr error) error {
	u, uerr := rt.drv.InspectTask(in.id)
	wctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	ex, werr := rt.drv.WaitTask(wctx, in.id)
	cancel()
	if (uerr == nil && u.OOMKills > 0) || (werr == nil && ex.OOMKilled) {
		return &LimitError{Limit: "memory", Message: fmt.Sprintf("instance killed at its %d MiB limit", in.memMB)}
	}
	tail := in.stderr.String()
	if len(tail) > 500 {
		tail = "…" + tail[len(tail)-500:]
	}
	if tail != "" {
		tail = " (stderr: " + tail + ")"
	}
	if werr == nil {
		return fmt.Errorf("instance %s exited (code %d, signal %d) during the task%s: %w", in.id, ex.ExitCode, ex.Signal, tail, ErrCrashed)
	}
	return fmt.Errorf("instance %s: %w: %w", in.id, opErr, ErrCrashed)
}
