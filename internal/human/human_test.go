package human

import (
	"testing"
	"time"
)

func TestThousands(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		want string
	}{
		{0, "0"},
		{999.4, "999"},
		{1234.5, "1,235"},
		{-1234567, "-1,234,567"},
		{-123456, "-123,456"},
		{1e9, "1,000,000,000"},
	} {
		if got := Thousands(tc.v); got != tc.want {
			t.Errorf("Thousands(%v) = %q, want %q", tc.v, got, tc.want)
		}
	}
}

func TestDuration(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{-time.Second, "0s"},
		{840 * time.Microsecond, "840µs"},
		{1234567 * time.Nanosecond, "1.2ms"},
		{1234567 * time.Microsecond, "1.23s"},
		{3*time.Minute + 12400*time.Millisecond, "3m12s"},
		{2*time.Hour + 5*time.Minute + 4*time.Second, "2h5m"},
	} {
		if got := Duration(tc.d); got != tc.want {
			t.Errorf("Duration(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}
