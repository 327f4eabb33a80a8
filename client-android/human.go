package client

import (
	"fmt"
	"strings"
	"time"

	"github.com/mamoc-go/mamoc/internal/human"
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
	return human.Thousands(v)
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
	return human.Duration(d)
}
