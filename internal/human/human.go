// Package human formats numbers and durations for people; the CLI and the server's pages
// share it.
package human

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Thousands is v rounded to a whole number with thousands separators: 1234.5 → "1,235",
// -1234567 → "-1,234,567".
func Thousands(v float64) string {
	s := fmt.Sprintf("%.0f", math.Round(math.Abs(v)))
	var b strings.Builder
	if v < 0 && s != "0" {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Duration rounds d for people: "840µs", "12.3ms", "4.56s", "3m12s", "2h5m"; "0s" when d
// is not positive.
func Duration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(100 * time.Microsecond).String()
	case d < time.Minute:
		return d.Round(10 * time.Millisecond).String()
	case d < time.Hour:
		return d.Round(time.Second).String()
	}
	return strings.TrimSuffix(d.Round(time.Minute).String(), "0s")
}
