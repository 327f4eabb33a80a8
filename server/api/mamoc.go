package api

import (
	"strings"
	"time"

	"github.com/gammazero/nexus/v3/wamp"
)

// PhoneEventLimit is the largest output a result sends, in bytes: it keeps each event and
// result under autobahn-java's 128 KiB message cap.
const PhoneEventLimit = 120 << 10

// TruncateOutput cuts output to PhoneEventLimit bytes and says so.
func TruncateOutput(output string) string {
	if len(output) > PhoneEventLimit {
		return output[:PhoneEventLimit] + "\n… (output truncated by mamoc)"
	}
	return output
}

// NoResource reports whether a MAMoC resource name means "none".
func NoResource(name string) bool {
	switch strings.TrimSpace(name) {
	case "", "None", "null", "nil":
		return true
	}
	return false
}

// Offloading is MAMoC's offloading request on TopicOffloading: args [source, rpcname, code,
// resourcename|null, params] (iOS sends only the first three).
type Offloading struct {
	Platform string // MAMoC's "source": "Android" or "iOS"
	RPCName  string
	Code     string // the task class's Java source
	Resource string // "" for none
	Params   []any
}

// Args returns the event's args.
func (o Offloading) Args() wamp.List {
	params := o.Params
	if params == nil {
		params = []any{}
	}
	return wamp.List{o.Platform, o.RPCName, o.Code, nullable(o.Resource), wamp.List(params)}
}

// ParseOffloading reads an offloading event; fewer than three args is ErrInvalid. Params may
// be a list, a scalar or null.
func ParseOffloading(args wamp.List) (Offloading, error) {
	if len(args) < 3 {
		return Offloading{}, invalid("offloading needs [source, rpcname, code, resourcename, params], got %d arguments", len(args))
	}
	o := Offloading{Platform: AsString(args[0]), RPCName: AsString(args[1]), Code: AsString(args[2])}
	if len(args) > 3 && !NoResource(AsString(args[3])) {
		o.Resource = AsString(args[3])
	}
	if len(args) > 4 && args[4] != nil {
		if l, ok := wamp.AsList(args[4]); ok {
			o.Params = l
		} else {
			o.Params = []any{args[4]}
		}
	}
	return o, nil
}

// OffloadingResult is MAMoC's result event on TopicOffloadingResult: args [output, duration],
// the duration a float in seconds (the phone casts it to Double).
type OffloadingResult struct {
	Output   string
	Duration time.Duration
}

// Args returns the event's args: the output cut to PhoneEventLimit, the duration never NaN,
// Inf or negative.
func (r OffloadingResult) Args() wamp.List {
	d := r.Duration.Seconds()
	if d != d || d < 0 || d > 1e9 {
		d = 0
	}
	return wamp.List{TruncateOutput(r.Output), d}
}

// ParseOffloadingResult reads a result event.
func ParseOffloadingResult(args wamp.List) OffloadingResult {
	var r OffloadingResult
	if len(args) > 0 {
		r.Output = AsString(args[0])
	}
	if len(args) > 1 {
		f, _ := wamp.AsFloat64(args[1])
		r.Duration = seconds(f)
	}
	return r
}

// ReceiveFile is MAMoC's file upload on TopicReceiveFile: args [source, file_name, content].
type ReceiveFile struct {
	Platform string
	Name     string
	Content  []byte
}

// Args returns the event's args (the content as a string, as MAMoC sends it).
func (f ReceiveFile) Args() wamp.List { return wamp.List{f.Platform, f.Name, string(f.Content)} }

// ParseReceiveFile reads a receive_file event; fewer than three args or content that is
// neither a string nor bytes is ErrInvalid.
func ParseReceiveFile(args wamp.List) (ReceiveFile, error) {
	if len(args) < 3 {
		return ReceiveFile{}, invalid("receive_file needs [source, file_name, content], got %d arguments", len(args))
	}
	f := ReceiveFile{Platform: AsString(args[0]), Name: AsString(args[1])}
	switch c := args[2].(type) {
	case string:
		f.Content = []byte(c)
	case []byte:
		f.Content = c
	default:
		return ReceiveFile{}, invalid("receive_file content is %T, want a string", c)
	}
	return f, nil
}

// TaskCall is a call of a task's own procedure in MAMoC's shape: args [resourcename|null,
// [params…]], or the flattened [p1, p2, …] of MAMoC's cloud client.
type TaskCall struct {
	Resource string // "" for none
	Params   []any
}

// Args returns the call's args in the edge client's shape.
func (c TaskCall) Args() wamp.List {
	params := c.Params
	if params == nil {
		params = []any{}
	}
	return wamp.List{nullable(c.Resource), wamp.List(params)}
}

// ParseTaskCall reads a task call in either shape.
func ParseTaskCall(args wamp.List) TaskCall {
	if len(args) == 2 {
		if l, ok := wamp.AsList(args[1]); ok {
			if args[0] == nil {
				return TaskCall{Params: l}
			}
			if s, ok := args[0].(string); ok {
				if NoResource(s) {
					s = ""
				}
				return TaskCall{Resource: s, Params: l}
			}
		}
	}
	if len(args) == 1 && args[0] == nil {
		return TaskCall{}
	}
	return TaskCall{Params: []any(args)} // the cloud client's flattened form
}

// TaskCallResult is the result of a task call in MAMoC's shape: args [[output, duration, null]].
type TaskCallResult struct {
	Output   string
	Duration time.Duration
}

// Args returns the result's args, the output cut to PhoneEventLimit.
func (r TaskCallResult) Args() wamp.List {
	return wamp.List{wamp.List{TruncateOutput(r.Output), r.Duration.Seconds(), nil}}
}

// ParseTaskCallResult reads a task call's result; another shape is ErrInvalid.
func ParseTaskCallResult(args wamp.List) (TaskCallResult, error) {
	if len(args) == 0 {
		return TaskCallResult{}, invalid("empty result")
	}
	triple, ok := wamp.AsList(args[0])
	if !ok || len(triple) < 2 {
		return TaskCallResult{}, invalid("result %v, want [[output, duration, null]]", args)
	}
	f, _ := wamp.AsFloat64(triple[1])
	return TaskCallResult{Output: AsString(triple[0]), Duration: seconds(f)}, nil
}
