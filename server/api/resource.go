package api

import "github.com/gammazero/nexus/v3/wamp"

// ResourcePut is ProcResourcePut's request: args [content] and kwargs {name?}. With a name the
// resource is stored in the caller's namespace under it; without, by its hash only.
type ResourcePut struct {
	Content []byte
	Name    string
}

// Args returns the request's args.
func (r ResourcePut) Args() wamp.List { return wamp.List{r.Content} }

// Kwargs returns the request's kwargs.
func (r ResourcePut) Kwargs() wamp.Dict { return wamp.Dict{"name": r.Name} }

// ParseResourcePut reads a put request: args [content] (bytes or a string) and kwargs
// {name?}. Anything else is ErrInvalid.
func ParseResourcePut(args wamp.List, kw wamp.Dict) (ResourcePut, error) {
	r, err := readKwargs(ProcResourcePut, kw, "name")
	if err != nil {
		return ResourcePut{}, err
	}
	if len(args) != 1 {
		return ResourcePut{}, invalid("%s needs args [content], got %d args", ProcResourcePut, len(args))
	}
	var out ResourcePut
	if out.Name, err = r.str("name", false); err != nil {
		return ResourcePut{}, err
	}
	switch c := args[0].(type) {
	case []byte:
		out.Content = c
	case string:
		out.Content = []byte(c)
	default:
		return ResourcePut{}, invalid("%s: args[0] (content) must be bytes or a string, got %s", ProcResourcePut, Describe(c))
	}
	return out, nil
}

// StoredResource is ProcResourcePut's result: kwargs {sha256, size, name?}.
type StoredResource struct {
	SHA256 string // hex SHA-256 of the content
	Size   int64  // bytes
	Name   string // the sanitised name, "" when stored by hash only
}

// Kwargs returns the result's kwargs.
func (r StoredResource) Kwargs() wamp.Dict {
	kw := wamp.Dict{"sha256": r.SHA256, "size": r.Size}
	if r.Name != "" {
		kw["name"] = r.Name
	}
	return kw
}

// ParseStoredResource reads a put result.
func ParseStoredResource(kw wamp.Dict) StoredResource {
	return StoredResource{SHA256: str(kw, "sha256"), Size: integer(kw, "size"), Name: str(kw, "name")}
}

// ResourceMissing is ProcResourceMissing's request: kwargs {sha256: [...]}.
type ResourceMissing struct {
	SHA256 []string
}

// Kwargs returns the request's kwargs.
func (r ResourceMissing) Kwargs() wamp.Dict { return wamp.Dict{"sha256": list(r.SHA256)} }

// ParseResourceMissing reads the request: kwargs {sha256: [hashes]}, each 64 lowercase hex
// digits. Anything else is ErrInvalid.
func ParseResourceMissing(kw wamp.Dict) (ResourceMissing, error) {
	r, err := readKwargs(ProcResourceMissing, kw, "sha256")
	if err != nil {
		return ResourceMissing{}, err
	}
	l, err := r.list("sha256")
	if err != nil {
		return ResourceMissing{}, err
	}
	if l == nil {
		return ResourceMissing{}, invalid("%s needs kwargs {sha256: [hashes]}", ProcResourceMissing)
	}
	out := ResourceMissing{SHA256: make([]string, 0, len(l))}
	for i, v := range l {
		s, ok := v.(string)
		if !ok || !IsSHA256(s) {
			return ResourceMissing{}, invalid("%s: sha256[%d] must be a SHA-256 as 64 lowercase hex digits, got %s", ProcResourceMissing, i, Describe(v))
		}
		out.SHA256 = append(out.SHA256, s)
	}
	return out, nil
}

// MissingResources is ProcResourceMissing's result: kwargs {missing: [...]}, the hashes the
// server lacks.
type MissingResources struct {
	Missing []string
}

// Kwargs returns the result's kwargs.
func (m MissingResources) Kwargs() wamp.Dict { return wamp.Dict{"missing": list(m.Missing)} }

// ParseMissingResources reads the result; anything but a list of strings is ErrInvalid.
func ParseMissingResources(kw wamp.Dict) (MissingResources, error) {
	raw, ok := wamp.AsList(kw["missing"])
	if !ok && kw["missing"] != nil {
		return MissingResources{}, invalid("missing %T, want a list", kw["missing"])
	}
	m := MissingResources{Missing: make([]string, 0, len(raw))}
	for _, v := range raw {
		s, ok := wamp.AsString(v)
		if !ok {
			return MissingResources{}, invalid("missing holds %T, want strings", v)
		}
		m.Missing = append(m.Missing, s)
	}
	return m, nil
}
