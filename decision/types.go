package decision

// Request asks where to run one task.
type Request struct {
	// Task names the task (its FQCN); history is looked up by it. Empty: no history.
	Task string `json:"task"`
	// Sites are the candidates, the local phone included (Kind local) when it may run the task.
	Sites []Site `json:"sites"`
	// InputBytes and OutputBytes are the payload sizes sent to and returned from a remote site.
	InputBytes  int64 `json:"input_bytes"`
	OutputBytes int64 `json:"output_bytes"`
	// Size is the task's input size in its own unit, used to scale recorded times (Stats.MeanSize);
	// 0 means unknown.
	Size float64 `json:"size"`
	// Parallel says the task's work, input and output divide in proportion to a share, so it can be
	// split across sites.
	Parallel bool `json:"parallel"`
	// MinSecurity excludes sites whose security is below it, 0–1.
	MinSecurity float64 `json:"min_security"`
	// NoExplore forbids exploration for this request.
	NoExplore bool `json:"no_explore"`
}

// Action is what a Decision does with the task.
type Action string

// Actions.
const (
	ActionLocal   Action = "local"   // run on the local phone
	ActionOffload Action = "offload" // run the whole task on one other site
	ActionSplit   Action = "split"   // run shares of the task on several sites at once
)

// Decision is the engine's answer to a Request.
type Decision struct {
	// Mode is the engine's mode.
	Mode Mode `json:"mode"`
	// Task echoes Request.Task.
	Task string `json:"task,omitempty"`
	// Ranking lists the usable sites best first with their scores (TOPSIS closeness coefficients).
	Ranking []Score `json:"ranking"`
	// Action is local, offload or split.
	Action Action `json:"decision"`
	// Target is the site running the whole task (local or offload); empty for a split.
	Target string `json:"target,omitempty"`
	// Shares are the fractions of the task per site, summing to 1. In default mode they are the
	// equal-finish-time shares of the chosen sites (one share of 1 unless split). In mamoc mode
	// they are MAMoC's closeness coefficients normalised to sum 1, which MAMoC never uses to split.
	Shares []Share `json:"shares"`
	// PredictedSec is the predicted completion time of the decision in seconds (default mode).
	PredictedSec float64 `json:"predicted_s,omitempty"`
	// EnergyJ is the phone's predicted energy for the decision in joules (default mode).
	EnergyJ float64 `json:"energy_j,omitempty"`
	// Explore is true when the target was chosen to learn its execution time.
	Explore bool `json:"explore,omitempty"`
	// Reason says in a few words why.
	Reason string `json:"reason"`
	// Excluded lists the sites left out of the ranking and why.
	Excluded []Exclusion `json:"excluded,omitempty"`
}

// Score is one ranked site.
type Score struct {
	Site  string  `json:"site"`
	Kind  Kind    `json:"kind,omitempty"`
	Score float64 `json:"score"`
	// Prediction is the site's prediction for the whole task (default mode).
	Prediction Prediction `json:"prediction,omitzero"`
	// Ratings are the ratings the site was scored on (mamoc mode).
	Ratings *Ratings `json:"ratings,omitempty"`
}

// Share is one site's part of a task.
type Share struct {
	Site  string  `json:"site"`
	Share float64 `json:"share"`
	// FinishSec is the predicted finish time of the share in seconds (default mode).
	FinishSec float64 `json:"finish_s,omitempty"`
}

// Exclusion is a site left out of a decision.
type Exclusion struct {
	Site   string `json:"site"`
	Reason string `json:"reason"`
}

// Reasons for exclusion.
const (
	excludedDown     = "down"
	excludedSecurity = "security below min_security"
	excludedFailures = "failure rate above max_failure_rate"
	excludedMamoc    = "local runs by the 5/5 rule, not by rank"
)
