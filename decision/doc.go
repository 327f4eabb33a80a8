// Package decision is mamoc's multi-criteria decision engine (AHP, crisp and fuzzy TOPSIS) with history-based prediction; it does no I/O.
package decision
