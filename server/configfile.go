package server

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/agnivade/levenshtein"
)

// Duration is a time.Duration written in the config file as a Go duration string ("30s",
// "1m30s", "1h"). It also reads and prints flag values.
type Duration time.Duration

// String is d in Go syntax without zero trailing units: "1h", "5m", "1m30s", "0s".
func (d Duration) String() string {
	s := time.Duration(d).String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// Set parses a Go duration string.
func (d *Duration) Set(s string) error {
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("want a duration such as \"30s\": %w", err)
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes d as a JSON string such as "30s".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a JSON string such as "30s"; a number is refused, since its unit would
// be a guess.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a duration string such as \"30s\", got %s", b)
	}
	return d.Set(s)
}

// binding ties one setting to its field in a Config.
type binding struct {
	setting
	key     string        // key path in the config file ("task_timeout", "router.keep_alive")
	natural string        // the field's JSON path in Config ("runtime.limits.wall_time")
	field   reflect.Value // the settable field
}

// schema is the shape of the config file for one Config: every setting bound to its field.
type schema struct {
	bindings []*binding          // in the order of settings
	keys     map[string]*binding // by file key path
	sections map[string]bool     // key paths of nested sections ("router", "runtime.limits")
	aliases  map[string]string   // JSON path of a flag's field → its top-level key
	unbound  []string            // JSON paths of Config fields without a setting
}

// newSchema binds settings to the fields of c.
func newSchema(c *Config) *schema {
	sc := &schema{keys: map[string]*binding{}, sections: map[string]bool{}, aliases: map[string]string{}}
	type addr struct {
		p uintptr
		t reflect.Type
	}
	paths := map[addr]string{}
	var walk func(v reflect.Value, prefix string)
	walk = func(v reflect.Value, prefix string) {
		for i := range v.NumField() {
			f := v.Type().Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" || name == "" {
				continue
			}
			fv := v.Field(i)
			if isSection(fv.Type()) {
				walk(fv, prefix+name+".")
				continue
			}
			paths[addr{fv.Addr().Pointer(), fv.Type()}] = prefix + name
		}
	}
	walk(reflect.ValueOf(c).Elem(), "")
	for _, s := range settings {
		p := reflect.ValueOf(s.field(c))
		a := addr{p.Pointer(), p.Type().Elem()}
		natural, ok := paths[a]
		if !ok {
			panic(fmt.Sprintf("server: setting %q is not a JSON field of Config", s.flag))
		}
		delete(paths, a)
		b := &binding{setting: s, key: natural, natural: natural, field: p.Elem()}
		if s.flag != "" {
			b.key = strings.ReplaceAll(s.flag, "-", "_")
			if b.key != natural {
				sc.aliases[natural] = b.key
			}
		}
		sc.bindings = append(sc.bindings, b)
		sc.keys[b.key] = b
		for i := range b.key {
			if b.key[i] == '.' {
				sc.sections[b.key[:i]] = true
			}
		}
	}
	for _, p := range paths {
		sc.unbound = append(sc.unbound, p)
	}
	return sc
}

// isSection reports whether a Config field of type t holds nested settings rather than a value.
func isSection(t reflect.Type) bool {
	if t.Kind() != reflect.Struct || t == reflect.TypeFor[time.Duration]() {
		return false
	}
	p := reflect.PointerTo(t)
	return !p.Implements(reflect.TypeFor[json.Unmarshaler]()) && !p.Implements(reflect.TypeFor[encoding.TextUnmarshaler]())
}

// decodeFile sets the settings of the JSON config file src, named name in errors, in the
// fields of sc. Errors carry name:line:column.
func (sc *schema) decodeFile(name string, src []byte) error {
	if err := json.Unmarshal(src, new(any)); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			off := int(se.Offset) - 1 // the offending byte
			if off >= len(src)-1 && strings.Contains(se.Error(), "end of JSON input") {
				off = len(src) // just past the end
			}
			return fmt.Errorf("%s:%s: %w", name, lineCol(src, off), err)
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	d := &fileDecoder{sc: sc, dec: json.NewDecoder(bytes.NewReader(src)), src: src, name: name}
	return d.object("")
}

// fileDecoder walks a config file, known to be valid JSON, token by token.
type fileDecoder struct {
	sc   *schema
	dec  *json.Decoder
	src  []byte
	name string
}

// errorf is an error at the next token, which starts at or after byte offset off.
func (d *fileDecoder) errorf(off int64, format string, args ...any) error {
	i := int(off)
	for i < len(d.src) && strings.IndexByte(" \t\r\n,:", d.src[i]) >= 0 {
		i++
	}
	return fmt.Errorf("%s:%s: %w", d.name, lineCol(d.src, i), fmt.Errorf(format, args...))
}

// object decodes the section at key path prefix ("" for the top level).
func (d *fileDecoder) object(prefix string) error {
	off := d.dec.InputOffset()
	if tok, _ := d.dec.Token(); tok != json.Delim('{') {
		what := "the config file"
		if prefix != "" {
			what = prefix
		}
		return d.errorf(off, "%s must be a JSON object", what)
	}
	for d.dec.More() {
		off := d.dec.InputOffset()
		tok, _ := d.dec.Token()
		path := tok.(string)
		if prefix != "" {
			path = prefix + "." + path
		}
		switch b := d.sc.keys[path]; {
		case b != nil:
			if err := d.value(b.field, path); err != nil {
				return err
			}
		case d.sc.sections[path]:
			if err := d.object(path); err != nil {
				return err
			}
		default:
			return d.errorf(off, "unknown key %s%s", path, d.sc.suggest(path))
		}
	}
	_, _ = d.dec.Token() // '}'
	return nil
}

// value decodes the next JSON value into v, the field at key path.
func (d *fileDecoder) value(v reflect.Value, path string) error {
	off := d.dec.InputOffset()
	switch {
	case v.Type() == reflect.TypeFor[time.Duration]():
		var raw json.RawMessage
		_ = d.dec.Decode(&raw)
		if err := (*Duration)(v.Addr().Interface().(*time.Duration)).UnmarshalJSON(raw); err != nil {
			return d.errorf(off, "%s: %w", path, err)
		}
	case reflect.PointerTo(v.Type()).Implements(reflect.TypeFor[encoding.TextUnmarshaler]()):
		var str string
		if err := d.dec.Decode(&str); err != nil {
			return d.errorf(off, "%s: want a string", path)
		}
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(str)); err != nil {
			return d.errorf(off, "%s: %w", path, err)
		}
	case isSection(v.Type()):
		return d.structValue(v, path)
	case v.Kind() == reflect.Slice && isSection(v.Type().Elem()):
		if tok, _ := d.dec.Token(); tok != json.Delim('[') {
			return d.errorf(off, "%s: want a list", path)
		}
		v.SetZero()
		for i := 0; d.dec.More(); i++ {
			v.Set(reflect.Append(v, reflect.Zero(v.Type().Elem())))
			if err := d.value(v.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		_, _ = d.dec.Token() // ']'
	default:
		var raw json.RawMessage
		_ = d.dec.Decode(&raw)
		if err := json.Unmarshal(raw, v.Addr().Interface()); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				return d.errorf(off, "%s: want %s, got %s", path, kindOf(v.Type()), te.Value)
			}
			return d.errorf(off, "%s: %w", path, err)
		}
	}
	return nil
}

// structValue decodes a JSON object into the struct v (an element of router.users) by its
// fields' JSON names, refusing unknown keys.
func (d *fileDecoder) structValue(v reflect.Value, path string) error {
	off := d.dec.InputOffset()
	if tok, _ := d.dec.Token(); tok != json.Delim('{') {
		return d.errorf(off, "%s: want a JSON object", path)
	}
	fields := map[string]reflect.Value{}
	var names []string
	for i := range v.NumField() {
		name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
		if v.Type().Field(i).IsExported() && name != "-" && name != "" {
			fields[name] = v.Field(i)
			names = append(names, name)
		}
	}
	for d.dec.More() {
		off := d.dec.InputOffset()
		tok, _ := d.dec.Token()
		f, ok := fields[tok.(string)]
		if !ok {
			hint := ""
			if n := nearest(tok.(string), names); n != "" {
				hint = ": did you mean " + n + "?"
			}
			return d.errorf(off, "unknown key %s.%s%s", path, tok, hint)
		}
		if err := d.value(f, path+"."+tok.(string)); err != nil {
			return err
		}
	}
	_, _ = d.dec.Token() // '}'
	return nil
}

// suggest returns ": did you mean K?" for the valid key K nearest to the unknown key path, or a
// pointer to --help when none is near.
func (sc *schema) suggest(path string) string {
	if key, ok := sc.aliases[path]; ok {
		return ": did you mean " + key + "? (settings with a flag are top-level keys)"
	}
	var valid []string
	for _, b := range sc.bindings {
		valid = append(valid, b.key)
	}
	for s := range sc.sections {
		valid = append(valid, s)
	}
	var natural []string
	for n := range sc.aliases {
		natural = append(natural, n)
	}
	if n := nearest(path, valid); n != "" {
		return ": did you mean " + n + "?"
	}
	if n := nearest(path, natural); n != "" {
		return ": did you mean " + sc.aliases[n] + "? (settings with a flag are top-level keys)"
	}
	// The right name in the wrong section: "users" for "router.users".
	last := path[strings.LastIndexByte(path, '.')+1:]
	for _, b := range sc.bindings {
		if b.key == last || strings.HasSuffix(b.key, "."+last) {
			return ": did you mean " + b.key + "?"
		}
	}
	return " (mamoc-server --help lists the keys)"
}

// nearest returns the candidate closest to s in edit distance when it is close enough to be a
// misspelling, else "".
func nearest(s string, candidates []string) string {
	best, bestD := "", max(2, len(s)/5)+1
	for _, c := range candidates {
		if d := levenshtein.ComputeDistance(s, c); d < bestD || d == bestD && c < best {
			best, bestD = c, d
		}
	}
	if bestD > max(2, len(s)/5) {
		return ""
	}
	return best
}

// kindOf names what a JSON value for a field of type t looks like.
func kindOf(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "a list"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return t.String()
}

// lineCol is "line:column" (1-based, column in bytes) of byte offset off in src.
func lineCol(src []byte, off int) string {
	off = max(0, min(off, len(src)))
	line := 1 + bytes.Count(src[:off], []byte("\n"))
	col := off - bytes.LastIndexByte(src[:off], '\n')
	return fmt.Sprintf("%d:%d", line, col)
}
