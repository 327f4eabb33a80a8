package decision

import "math"

// Chunk is a contiguous part [From, To) of a divisible task's work, counted in the task's own
// elements (numbers of a range, lines of a resource).
type Chunk struct {
	// Index is the chunk's position in the work; merging follows it.
	Index int `json:"index"`
	From  int `json:"from"`
	To    int `json:"to"`
	// Site is the site that takes the chunk first; empty means whichever site is free first.
	Site string `json:"site,omitempty"`
}

// PlanChunks cuts n elements into contiguous chunks for a split decided by shares (in order). Each
// site with a positive share first gets one chunk of half its share, so the sites start at once in
// proportion to their predicted speed. The other half is cut into chunks of decreasing size (a
// quarter of what is left over the number of sites, at least n/(16·sites) and 1 element), which the
// sites take as they finish: a site faster than predicted takes more, and the last chunks are small
// enough that no site holds the end for long. With one share, or n at most the number of shares,
// it returns one chunk per element or the whole work as one chunk for shares[0].
func PlanChunks(n int, shares []Share) []Chunk {
	if n <= 0 {
		return nil
	}
	var sites []Share
	for _, s := range shares {
		if s.Share > 0 {
			sites = append(sites, s)
		}
	}
	if len(sites) <= 1 {
		site := ""
		if len(sites) == 1 {
			site = sites[0].Site
		}
		return []Chunk{{From: 0, To: n, Site: site}}
	}
	k := len(sites)
	var chunks []Chunk
	add := func(size int, site string) {
		from := 0
		if len(chunks) > 0 {
			from = chunks[len(chunks)-1].To
		}
		size = min(size, n-from)
		if size <= 0 {
			return
		}
		chunks = append(chunks, Chunk{Index: len(chunks), From: from, To: from + size, Site: site})
	}
	if n <= 2*k {
		for i := range n {
			site := ""
			if i < k {
				site = sites[i].Site
			}
			add(1, site)
		}
		return chunks
	}
	total := 0.0
	for _, s := range sites {
		total += s.Share
	}
	for _, s := range sites {
		add(max(1, int(math.Round(float64(n)*s.Share/total/2))), s.Site)
	}
	minSize := max(1, n/(16*k))
	for {
		left := n - chunks[len(chunks)-1].To
		if left <= 0 {
			return chunks
		}
		size := max(minSize, left/(4*k))
		if left-size < minSize/2 {
			size = left
		}
		add(size, "")
	}
}
