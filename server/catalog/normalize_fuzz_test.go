package catalog

import (
	"testing"

	"github.com/gammazero/nexus/v3/transport/serialize"
)

// FuzzNormalizeArg decodes arbitrary CBOR and MessagePack (as a phone's call arguments arrive)
// and normalises it as the catalogue does for the runtime: it never panics, and what it accepts
// holds only the JSON-like types the runtime converts.
func FuzzNormalizeArg(f *testing.F) {
	cb, mp := &serialize.CBORSerializer{}, &serialize.MessagePackSerializer{}
	for _, v := range []any{[]any{1, "x", 2.5, true, nil, []any{uint64(1 << 63)}}, map[string]any{"a": 1}, []byte{1, 2}, -7} {
		b, _ := cb.SerializeDataItem(v)
		f.Add(false, b)
		b, _ = mp.SerializeDataItem(v)
		f.Add(true, b)
	}
	f.Fuzz(func(t *testing.T, msgpack bool, b []byte) {
		var v any
		var ser serialize.Serializer = cb
		if msgpack {
			ser = mp
		}
		if err := ser.DeserializeDataItem(b, &v); err != nil {
			return
		}
		n, err := normalizeArg(v)
		if err != nil {
			return
		}
		var check func(any)
		check = func(x any) {
			switch y := x.(type) {
			case nil, bool, string, float64, int64, []byte:
			case []any:
				for _, e := range y {
					check(e)
				}
			default:
				t.Fatalf("normalizeArg(%v) holds %T", v, x)
			}
		}
		check(n)
	})
}
