package client

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Human rounds a number for people: three significant digits below 100 ("0.123", "12.3"),
// whole numbers with thousands separators above ("1,235").
func Human(v float64) string {
	a := v
	if a < 0 {
		a = -a
	}
	switch {
	case v == 0:
		return "0"
	case a < 1:
		return trimZeros(fmt.Sprintf("%.3f", v))
	case a < 10:
		return trimZeros(fmt.Sprintf("%.2f", v))
	case a < 100:
		return trimZeros(fmt.Sprintf("%.1f", v))
	}
	s := fmt.Sprintf("%.0f", math.Round(a))
	var b strings.Builder
	if v < 0 {
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

func trimZeros(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// HumanBytes is a size in bytes for people, in powers of 1000: "512 B", "23.2 GB".
func HumanBytes(n float64) string {
	units := []string{"B", "kB", "MB", "GB", "TB"}
	i := 0
	for n >= 1000 && i < len(units)-1 {
		n /= 1000
		i++
	}
	return Human(n) + " " + units[i]
}

// HumanDuration rounds a duration for people: "840µs", "12.3ms", "4.56s", "3m12s", "2h5m".
func HumanDuration(d time.Duration) string {
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
