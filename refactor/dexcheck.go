package refactor

import (
	"encoding/binary"
	"fmt"
)

// checkDEX walks the parts of a DEX file whose counts dextk v0.3.0 trusts when it allocates
// (string sizes, type lists, class data, code items, catch handlers) and rejects the file when
// a count cannot fit in the bytes that follow it. After checkDEX succeeds every dextk allocation
// is bounded by a small multiple of len(b), so hostile input cannot exhaust memory.
func checkDEX(b []byte, maxMethods int) error {
	c := dexChecker{b: b}
	if len(b) < 112 {
		return fmt.Errorf("%w: %d bytes is shorter than the header", ErrBadDEX, len(b))
	}
	if string(b[:4]) != "dex\n" || b[7] != 0 {
		return fmt.Errorf("%w: bad magic", ErrBadDEX)
	}
	if c.u32(40) != 0x12345678 {
		return fmt.Errorf("%w: unsupported endian tag", ErrBadDEX)
	}
	if fs := c.u32(32); fs > uint32(len(b)) {
		return fmt.Errorf("%w: truncated: header says %d bytes, have %d", ErrBadDEX, fs, len(b))
	}
	type table struct {
		name       string
		count, off uint32
		size       uint32
	}
	tables := []table{
		{"string_ids", c.u32(56), c.u32(60), 4},
		{"type_ids", c.u32(64), c.u32(68), 4},
		{"proto_ids", c.u32(72), c.u32(76), 12},
		{"field_ids", c.u32(80), c.u32(84), 8},
		{"method_ids", c.u32(88), c.u32(92), 8},
		{"class_defs", c.u32(96), c.u32(100), 32},
	}
	for _, t := range tables {
		if t.count == 0 {
			continue
		}
		if uint64(t.off)+uint64(t.count)*uint64(t.size) > uint64(len(b)) {
			return fmt.Errorf("%w: %s (%d entries at %#x) outside the file", ErrBadDEX, t.name, t.count, t.off)
		}
	}
	if methods := tables[4].count; int64(methods) > int64(maxMethods) {
		return fmt.Errorf("%w: %d method ids, limit %d", ErrTooManyMethods, methods, maxMethods)
	}
	// string_data: the uleb128 length must fit in the remaining bytes.
	for i := uint32(0); i < tables[0].count; i++ {
		off := c.u32(tables[0].off + 4*i)
		n, _, ok := c.uleb(off)
		if !ok || uint64(n) > uint64(len(b))-uint64(off) {
			return fmt.Errorf("%w: string %d at %#x", ErrBadDEX, i, off)
		}
	}
	// proto parameter lists.
	for i := uint32(0); i < tables[2].count; i++ {
		if err := c.typeList(c.u32(tables[2].off + 12*i + 8)); err != nil {
			return fmt.Errorf("proto %d: %w", i, err)
		}
	}
	for i := uint32(0); i < tables[5].count; i++ {
		def := tables[5].off + 32*i
		if err := c.typeList(c.u32(def + 12)); err != nil {
			return fmt.Errorf("class %d interfaces: %w", i, err)
		}
		if err := c.classData(c.u32(def + 24)); err != nil {
			return fmt.Errorf("class %d: %w", i, err)
		}
	}
	return nil
}

type dexChecker struct{ b []byte }

func (c dexChecker) u32(off uint32) uint32 {
	if uint64(off)+4 > uint64(len(c.b)) {
		return 0xFFFFFFFF
	}
	return binary.LittleEndian.Uint32(c.b[off:])
}

func (c dexChecker) u16(off uint32) (uint32, bool) {
	if uint64(off)+2 > uint64(len(c.b)) {
		return 0, false
	}
	return uint32(binary.LittleEndian.Uint16(c.b[off:])), true
}

// uleb decodes an unsigned LEB128 at off: value, encoded length, ok.
func (c dexChecker) uleb(off uint32) (uint32, uint32, bool) {
	var v uint32
	for i := uint32(0); i < 5; i++ {
		if uint64(off)+uint64(i) >= uint64(len(c.b)) {
			return 0, 0, false
		}
		x := c.b[off+i]
		v |= uint32(x&0x7f) << (7 * i)
		if x&0x80 == 0 {
			return v, i + 1, true
		}
	}
	return 0, 0, false
}

func (c dexChecker) sleb(off uint32) (int32, uint32, bool) {
	v, n, ok := c.uleb(off)
	if !ok {
		return 0, 0, false
	}
	shift := 7 * n
	if shift < 32 && v&(1<<(shift-1)) != 0 {
		v |= ^uint32(0) << shift
	}
	return int32(v), n, true
}

func (c dexChecker) remaining(off uint32) uint64 {
	if uint64(off) >= uint64(len(c.b)) {
		return 0
	}
	return uint64(len(c.b)) - uint64(off)
}

func (c dexChecker) typeList(off uint32) error {
	if off == 0 {
		return nil
	}
	n := c.u32(off)
	if uint64(n)*2 > c.remaining(off+4) || c.remaining(off) < 4 {
		return fmt.Errorf("%w: type list at %#x", ErrBadDEX, off)
	}
	return nil
}

func (c dexChecker) classData(off uint32) error {
	if off == 0 {
		return nil
	}
	var counts [4]uint32
	p := off
	for i := range counts {
		v, n, ok := c.uleb(p)
		if !ok || uint64(v) > c.remaining(p) {
			return fmt.Errorf("%w: class data at %#x", ErrBadDEX, off)
		}
		counts[i] = v
		p += n
	}
	// Fields: two ulebs each.
	for i := uint32(0); i < counts[0]+counts[1]; i++ {
		for k := 0; k < 2; k++ {
			_, n, ok := c.uleb(p)
			if !ok {
				return fmt.Errorf("%w: field list at %#x", ErrBadDEX, off)
			}
			p += n
		}
	}
	// Methods: idx diff, access flags, code offset.
	for i := uint32(0); i < counts[2]+counts[3]; i++ {
		var code uint32
		for k := 0; k < 3; k++ {
			v, n, ok := c.uleb(p)
			if !ok {
				return fmt.Errorf("%w: method list at %#x", ErrBadDEX, off)
			}
			code = v
			p += n
		}
		if err := c.code(code); err != nil {
			return err
		}
	}
	return nil
}

func (c dexChecker) code(off uint32) error {
	if off == 0 {
		return nil
	}
	bad := fmt.Errorf("%w: code item at %#x", ErrBadDEX, off)
	if c.remaining(off) < 16 {
		return bad
	}
	tries, _ := c.u16(off + 6)
	insns := c.u32(off + 12)
	if uint64(insns)*2 > c.remaining(off+16) {
		return bad
	}
	if tries == 0 {
		return nil
	}
	p := uint64(off) + 16 + uint64(insns)*2
	if insns%2 == 1 {
		p += 2
	}
	p += uint64(tries) * 8
	if p >= uint64(len(c.b)) {
		return bad
	}
	h := uint32(p)
	count, n, ok := c.uleb(h)
	if !ok || uint64(count) > c.remaining(h) {
		return bad
	}
	h += n
	for i := uint32(0); i < count && i < 1<<16; i++ {
		size, n, ok := c.sleb(h)
		if !ok {
			return bad
		}
		h += n
		abs := int64(size)
		if abs < 0 {
			abs = -abs
		}
		if uint64(abs) > c.remaining(h) {
			return bad
		}
		for j := int64(0); j < abs && j < 1<<16; j++ {
			for k := 0; k < 2; k++ {
				_, n, ok := c.uleb(h)
				if !ok {
					return bad
				}
				h += n
			}
		}
		if size <= 0 {
			_, n, ok := c.uleb(h)
			if !ok {
				return bad
			}
			h += n
		}
	}
	return nil
}
