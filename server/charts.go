package server

import (
	"fmt"
	"html/template"
	"strings"
	"sync"
	"time"

	humanfmt "github.com/mamoc-go/mamoc/internal/human"
)

// point is one point of the admin page's charts.
type point struct {
	At       time.Time
	CPU      float64 // percent
	Queue    int
	Running  int
	Finished int64 // calls finished since the start
}

// chartHistory keeps the last samples of the stats sampler, oldest first.
type chartHistory struct {
	mu   sync.Mutex // guards buf
	buf  []point
	size int
}

func newChartHistory(size int) *chartHistory { return &chartHistory{size: size} }

func (h *chartHistory) add(st Stats, finished int64) {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.buf = append(h.buf, point{At: time.Now(), CPU: st.CPUPercent, Queue: st.Runtime.Queued, Running: st.Runtime.Running, Finished: finished})
	if len(h.buf) > h.size {
		h.buf = append(h.buf[:0], h.buf[len(h.buf)-h.size:]...)
	}
}

func (h *chartHistory) samples() []point {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]point(nil), h.buf...)
}

// series are the charts' values: CPU percent, queue length and calls per second.
func (h *chartHistory) series() (cpu, queue, rate []float64) {
	ss := h.samples()
	for i, s := range ss {
		cpu = append(cpu, s.CPU)
		queue = append(queue, float64(s.Queue))
		r := 0.0
		if i > 0 {
			if d := s.At.Sub(ss[i-1].At).Seconds(); d > 0 {
				r = float64(s.Finished-ss[i-1].Finished) / d
			}
		}
		rate = append(rate, r)
	}
	return cpu, queue, rate
}

// sparkline draws values as a small inline SVG chart with its title and last value. max is
// the top of the scale; 0 scales to the largest value.
func sparkline(title, unit string, values []float64, top float64) template.HTML {
	const w, h = 240.0, 48.0
	for _, v := range values {
		top = max(top, v)
	}
	if top == 0 {
		top = 1
	}
	var pts strings.Builder
	n := len(values)
	for i, v := range values {
		x := w
		if n > 1 {
			x = w * float64(i) / float64(n-1)
		}
		fmt.Fprintf(&pts, "%.1f,%.1f ", x, h-2-(h-4)*v/top)
	}
	last := "–"
	dot := ""
	if n > 0 {
		last = human(values[n-1]) + unit
		dot = fmt.Sprintf(`<circle cx="%.1f" cy="%.1f" r="2" fill="#2b6cb0"/>`, w, h-2-(h-4)*values[n-1]/top)
	}
	return template.HTML(fmt.Sprintf(`<figure class="chart"><figcaption>%s <b>%s</b></figcaption>`+
		`<svg viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" role="img" aria-label="%s">`+
		`<rect width="100%%" height="100%%" fill="#f4f6f8"/><polyline fill="none" stroke="#2b6cb0" stroke-width="1.5" points="%s"/>%s</svg></figure>`,
		template.HTMLEscapeString(title), template.HTMLEscapeString(last), w, h, w, h, template.HTMLEscapeString(title), strings.TrimSpace(pts.String()), dot))
}

// human rounds a number for people: 0.123 → "0.12", 12.34 → "12.3", 1234.5 → "1,235".
func human(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v < 1 && v > -1:
		return fmt.Sprintf("%.2f", v)
	case v < 100 && v > -100:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", v), ".0")
	}
	return humanfmt.Thousands(v)
}

// humanDuration rounds a duration for people: 1.234567s → "1.23s", 2h3m4.5s → "2h3m".
func humanDuration(d time.Duration) string {
	if d <= 0 {
		return "0"
	}
	return humanfmt.Duration(d)
}
