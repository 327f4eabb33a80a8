package router

import (
	"bytes"
	"encoding/binary"
	"encoding/json"

	"github.com/gammazero/nexus/v3/transport/serialize"
)

// maxRequestID is the largest WAMP id: ids are integers in [1, 2^53].
const maxRequestID = 1 << 53

// header is the start of a WAMP message, [Type, Request|id, …], read without decoding the
// rest, so that an undecodable or oversized message can still be answered.
type header struct {
	typ   int64  // message type; 0 when unreadable
	id    uint64 // the request id when idOK
	idOK  bool   // the second element is an integer in [1, 2^53]
	found bool   // the message starts as a list with an integer type
}

// peekHeader reads the message type and request id from the first bytes of a message.
// b may be a prefix of the message.
func peekHeader(ser serialize.Serialization, b []byte) header {
	switch ser {
	case serialize.JSON:
		return peekJSON(b)
	case serialize.MSGPACK:
		return peekMsgpack(b)
	case serialize.CBOR:
		return peekCBOR(b)
	}
	return header{}
}

func peekJSON(b []byte) header {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if t, err := d.Token(); err != nil || t != json.Delim('[') {
		return header{}
	}
	t, err := d.Token()
	n, ok := t.(json.Number)
	if err != nil || !ok {
		return header{}
	}
	typ, err := n.Int64()
	if err != nil {
		return header{}
	}
	h := header{typ: typ, found: true}
	if t, err = d.Token(); err == nil {
		if n, ok := t.(json.Number); ok {
			if id, err := n.Int64(); err == nil && id >= 1 && id <= maxRequestID {
				h.id, h.idOK = uint64(id), true
			}
		}
	}
	return h
}

func peekMsgpack(b []byte) header {
	if len(b) == 0 {
		return header{}
	}
	switch c := b[0]; {
	case c >= 0x90 && c <= 0x9f:
		b = b[1:]
	case c == 0xdc && len(b) >= 3:
		b = b[3:]
	case c == 0xdd && len(b) >= 5:
		b = b[5:]
	default:
		return header{}
	}
	typ, n, ok := msgpackInt(b)
	if !ok {
		return header{}
	}
	h := header{typ: typ, found: true}
	if id, _, ok := msgpackInt(b[n:]); ok && id >= 1 && id <= maxRequestID {
		h.id, h.idOK = uint64(id), true
	}
	return h
}

// msgpackInt decodes one msgpack integer (up to int64) and its length.
func msgpackInt(b []byte) (int64, int, bool) {
	if len(b) == 0 {
		return 0, 0, false
	}
	c := b[0]
	switch {
	case c <= 0x7f:
		return int64(c), 1, true
	case c >= 0xe0:
		return int64(int8(c)), 1, true
	}
	var size int
	switch c {
	case 0xcc, 0xd0:
		size = 1
	case 0xcd, 0xd1:
		size = 2
	case 0xce, 0xd2:
		size = 4
	case 0xcf, 0xd3:
		size = 8
	}
	if size == 0 || len(b) < 1+size {
		return 0, 0, false
	}
	p := b[1 : 1+size]
	signed := c >= 0xd0
	var u uint64
	switch size {
	case 1:
		u = uint64(p[0])
		if signed {
			return int64(int8(p[0])), 2, true
		}
	case 2:
		u = uint64(binary.BigEndian.Uint16(p))
		if signed {
			return int64(int16(u)), 3, true
		}
	case 4:
		u = uint64(binary.BigEndian.Uint32(p))
		if signed {
			return int64(int32(u)), 5, true
		}
	case 8:
		u = binary.BigEndian.Uint64(p)
		if signed {
			return int64(u), 9, true
		}
	}
	if u > 1<<63-1 {
		return 0, 0, false
	}
	return int64(u), 1 + size, true
}

func peekCBOR(b []byte) header {
	major, _, n, ok := cborHead(b)
	if !ok || major != 4 {
		return header{}
	}
	b = b[n:]
	major, typ, n, ok := cborHead(b)
	if !ok || major != 0 || typ > 1<<62 {
		return header{}
	}
	h := header{typ: int64(typ), found: true}
	if major, id, _, ok := cborHead(b[n:]); ok && major == 0 && id >= 1 && id <= maxRequestID {
		h.id, h.idOK = id, true
	}
	return h
}

// cborHead decodes a CBOR data item's head: major type, argument and head length. An
// indefinite length (additional information 31) reads as argument 0.
func cborHead(b []byte) (major byte, arg uint64, n int, ok bool) {
	if len(b) == 0 {
		return 0, 0, 0, false
	}
	major, ai := b[0]>>5, b[0]&0x1f
	switch {
	case ai < 24:
		return major, uint64(ai), 1, true
	case ai == 31:
		return major, 0, 1, true
	case ai > 27:
		return 0, 0, 0, false
	}
	size := 1 << (ai - 24)
	if len(b) < 1+size {
		return 0, 0, 0, false
	}
	var v uint64
	for _, c := range b[1 : 1+size] {
		v = v<<8 | uint64(c)
	}
	return major, v, 1 + size, true
}
