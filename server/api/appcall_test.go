package api_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/server/api"
)

func TestParseAppCall(t *testing.T) {
	tests := []struct {
		name string
		args wamp.List
		kw   wamp.Dict
		want api.AppCall
		bad  bool
	}{
		{name: "positional", args: wamp.List{10}, want: api.AppCall{Args: []any{10}}},
		{name: "kwargs", kw: wamp.Dict{"ctor": wamp.List{4}, "args": wamp.List{1, 2}}, want: api.AppCall{Ctor: []any{4}, Args: []any{1, 2}}},
		{name: "ctor and positional args", args: wamp.List{1}, kw: wamp.Dict{"ctor": wamp.List{4}}, want: api.AppCall{Ctor: []any{4}, Args: []any{1}}},
		{name: "nothing", want: api.AppCall{}},
		{name: "unknown kwarg", kw: wamp.Dict{"ctr": wamp.List{4}}, bad: true},
		{name: "not a list", kw: wamp.Dict{"ctor": 4}, bad: true},
		{name: "args twice", args: wamp.List{1}, kw: wamp.Dict{"args": wamp.List{1}}, bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := api.ParseAppCall(tt.args, tt.kw)
			if tt.bad {
				if !errors.Is(err, api.ErrInvalid) {
					t.Errorf("ParseAppCall(%v, %v) = %v, want ErrInvalid", tt.args, tt.kw, err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseAppCall(%v, %v) = %+v, %v; want %+v", tt.args, tt.kw, got, err, tt.want)
			}
		})
	}
	round, err := api.ParseAppCall(nil, api.AppCall{Ctor: []any{4}}.Kwargs())
	if err != nil || !reflect.DeepEqual(round, api.AppCall{Ctor: []any{4}, Args: []any{}}) {
		t.Errorf("ParseAppCall(AppCall{Ctor: [4]}.Kwargs()) = %+v, %v", round, err)
	}
}
