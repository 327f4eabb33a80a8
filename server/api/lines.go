package api

import "bytes"

// LineRange is ProcTaskRun's kwarg lines, [FROM, TO]: the task gets only the lines From
// (zero-based) up to To (excluded) of its resource, as SplitLines cuts them.
type LineRange struct {
	From, To int
}

// SplitLines cuts content into lines, each keeping its newline; a last line without one is a
// line too, and empty content has none. Client and server cut by it, so a chunk's lines are the
// same on both sides.
func SplitLines(content []byte) [][]byte {
	var lines [][]byte
	for len(content) > 0 {
		i := bytes.IndexByte(content, '\n')
		if i < 0 {
			lines = append(lines, content)
			break
		}
		lines = append(lines, content[:i+1])
		content = content[i+1:]
	}
	return lines
}

// CutLines returns the lines [r.From, r.To) of content, as SplitLines cuts them, joined (a
// subslice of content), the number of lines content has, and whether the range lies within
// them.
func CutLines(content []byte, r LineRange) ([]byte, int, bool) {
	n, start, end := 0, -1, -1
	for pos := 0; pos < len(content); n++ {
		if n == r.From {
			start = pos
		}
		next := len(content)
		if i := bytes.IndexByte(content[pos:], '\n'); i >= 0 {
			next = pos + i + 1
		}
		pos = next
		if n+1 == r.To {
			end = pos
		}
	}
	if r.From < 0 || r.From >= r.To || r.To > n {
		return nil, n, false
	}
	return content[start:end], n, true
}
