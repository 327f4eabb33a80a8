package api

import "github.com/gammazero/nexus/v3/wamp"

// AppCall is a call of a refactored app's instance method (PrefixApp, report kind "instance"):
// kwargs {"ctor": [constructor args…], "args": [method args…]}, either key optional, or the
// method's args positionally with the no-argument constructor.
type AppCall struct {
	Ctor []any
	Args []any
}

// Kwargs returns the call's kwargs.
func (c AppCall) Kwargs() wamp.Dict {
	ctor, args := c.Ctor, c.Args
	if ctor == nil {
		ctor = []any{}
	}
	if args == nil {
		args = []any{}
	}
	return wamp.Dict{"ctor": wamp.List(ctor), "args": wamp.List(args)}
}

// ParseAppCall reads an instance-method call in either shape; another shape is ErrInvalid.
func ParseAppCall(args wamp.List, kw wamp.Dict) (AppCall, error) {
	var c AppCall
	for k, v := range kw {
		l, ok := wamp.AsList(v)
		switch {
		case k != "ctor" && k != "args":
			return AppCall{}, invalid(`unknown kwarg %q: an instance method takes kwargs {"ctor": [...], "args": [...]}`, k)
		case !ok && v != nil:
			return AppCall{}, invalid("kwarg %s is %T, want a list", k, v)
		case k == "ctor":
			c.Ctor = l
		default:
			c.Args = l
		}
	}
	if len(args) > 0 {
		if _, ok := kw["args"]; ok {
			return AppCall{}, invalid(`both positional args and kwarg "args"`)
		}
		c.Args = args
	}
	return c, nil
}
