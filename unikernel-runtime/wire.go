package unikernel

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"sync"
)

// Agent protocol opcodes; they match mamoc.agent.Agent.
const (
	opPing     = 1
	opCompile  = 2
	opLoad     = 3
	opInvoke   = 4
	opProgress = 5
	opExit     = 6
	opStats    = 7
	opCancel   = 8
	opError    = 9
)

// Value tags; they match mamoc.agent.Wire.
const (
	tNull   = 0
	tBool   = 1
	tLong   = 2
	tDouble = 3
	tString = 4
	tList   = 5
	tBytes  = 6
)

// maxFrame bounds one frame from the guest (class files, large results).
const maxFrame = 256 << 20

// wbuf builds one frame: [u32 length][u8 op][u32 id][body]. Buffers are pooled.
type wbuf struct{ b []byte }

var wbufs = sync.Pool{New: func() any { return &wbuf{b: make([]byte, 0, 512)} }}

// request starts a frame of op; send fills in its length and id.
func request(op byte) *wbuf {
	w := wbufs.Get().(*wbuf)
	w.b = append(w.b[:0], 0, 0, 0, 0, op, 0, 0, 0, 0)
	return w
}

// free returns w to the pool; large buffers are dropped.
func (w *wbuf) free() {
	if cap(w.b) <= 64<<10 {
		wbufs.Put(w)
	}
}

func (w *wbuf) u8(v byte) *wbuf { w.b = append(w.b, v); return w }
func (w *wbuf) boolean(v bool) *wbuf {
	if v {
		return w.u8(1)
	}
	return w.u8(0)
}
func (w *wbuf) i32(v int32) *wbuf  { w.b = binary.BigEndian.AppendUint32(w.b, uint32(v)); return w }
func (w *wbuf) i64(v int64) *wbuf  { w.b = binary.BigEndian.AppendUint64(w.b, uint64(v)); return w }
func (w *wbuf) str(s string) *wbuf { w.i32(int32(len(s))); w.b = append(w.b, s...); return w }
func (w *wbuf) bytes(p []byte) *wbuf {
	w.i32(int32(len(p)))
	w.b = append(w.b, p...)
	return w
}

// value encodes a JSON-like Go value.
func (w *wbuf) value(v any) error {
	switch x := v.(type) {
	case nil:
		w.u8(tNull)
	case bool:
		w.u8(tBool).boolean(x)
	case int:
		w.u8(tLong).i64(int64(x))
	case int32:
		w.u8(tLong).i64(int64(x))
	case int64:
		w.u8(tLong).i64(x)
	case uint32:
		w.u8(tLong).i64(int64(x))
	case float32:
		w.u8(tDouble).i64(int64(math.Float64bits(float64(x))))
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			w.u8(tLong).i64(int64(x))
		} else {
			w.u8(tDouble).i64(int64(math.Float64bits(x)))
		}
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			w.u8(tLong).i64(i)
		} else if f, err := x.Float64(); err == nil {
			w.u8(tDouble).i64(int64(math.Float64bits(f)))
		} else {
			return fmt.Errorf("number %q: %w", x, err)
		}
	case string:
		w.u8(tString).str(x)
	case []byte:
		w.u8(tBytes).bytes(x)
	case []any:
		w.u8(tList).i32(int32(len(x)))
		for _, e := range x {
			if err := w.value(e); err != nil {
				return err
			}
		}
	case []string:
		w.u8(tList).i32(int32(len(x)))
		for _, e := range x {
			w.u8(tString).str(e)
		}
	case []int:
		w.u8(tList).i32(int32(len(x)))
		for _, e := range x {
			w.u8(tLong).i64(int64(e))
		}
	case []int64:
		w.u8(tList).i32(int32(len(x)))
		for _, e := range x {
			w.u8(tLong).i64(e)
		}
	case []float64:
		w.u8(tList).i32(int32(len(x)))
		for _, e := range x {
			w.u8(tDouble).i64(int64(math.Float64bits(e)))
		}
	default:
		return fmt.Errorf("unsupported argument type %T", v)
	}
	return nil
}

type rbuf struct {
	b   []byte
	err error
}

func (r *rbuf) need(n int) bool {
	if r.err != nil {
		return false
	}
	if n < 0 || len(r.b) < n {
		r.err = fmt.Errorf("short frame: %w", ErrProtocol)
		return false
	}
	return true
}
func (r *rbuf) u8() byte {
	if !r.need(1) {
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}
func (r *rbuf) boolean() bool { return r.u8() != 0 }
func (r *rbuf) i32() int32 {
	if !r.need(4) {
		return 0
	}
	v := binary.BigEndian.Uint32(r.b)
	r.b = r.b[4:]
	return int32(v)
}
func (r *rbuf) i64() int64 {
	if !r.need(8) {
		return 0
	}
	v := binary.BigEndian.Uint64(r.b)
	r.b = r.b[8:]
	return int64(v)
}
func (r *rbuf) bytes() []byte {
	n := int(r.i32())
	if !r.need(n) {
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}
func (r *rbuf) str() string { return string(r.bytes()) }
