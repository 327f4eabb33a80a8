package client_test

import (
	"testing"
	"time"

	client "github.com/mamoc-go/mamoc/client-android"
)

func TestHuman(t *testing.T) {
	for _, tt := range []struct {
		in   float64
		want string
	}{{0, "0"}, {0.12345, "0.123"}, {3.14159, "3.14"}, {42.04, "42"}, {1234.5, "1,235"}, {-2500, "-2,500"}, {1e6, "1,000,000"}} {
		if got := client.Human(tt.in); got != tt.want {
			t.Errorf("Human(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, tt := range []struct {
		in   float64
		want string
	}{{512, "512 B"}, {23_189e6, "23.2 GB"}, {1500, "1.5 kB"}} {
		if got := client.HumanBytes(tt.in); got != tt.want {
			t.Errorf("HumanBytes(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, tt := range []struct {
		in   time.Duration
		want string
	}{{1234567 * time.Nanosecond, "1.2ms"}, {4567 * time.Millisecond, "4.57s"}, {192 * time.Second, "3m12s"}, {2*time.Hour + 5*time.Minute + 7*time.Second, "2h5m"}} {
		if got := client.HumanDuration(tt.in); got != tt.want {
			t.Errorf("HumanDuration(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
