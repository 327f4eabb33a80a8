package api

import "github.com/gammazero/nexus/v3/wamp"

// JobState is a refactor job's state.
type JobState string

// Refactor job states.
const (
	JobQueued  JobState = "queued"
	JobRunning JobState = "running"
	JobDone    JobState = "done"
	JobFailed  JobState = "failed"
)

// Upload is ProcAppUpload's result (and POST /api/apps's JSON): kwargs {job}.
type Upload struct {
	Job string `json:"job"`
}

// Kwargs returns the result's kwargs.
func (u Upload) Kwargs() wamp.Dict { return wamp.Dict{"job": u.Job} }

// ParseUpload reads an upload result.
func ParseUpload(kw wamp.Dict) Upload { return Upload{Job: str(kw, "job")} }

// JobProgress is one event on TopicJobProgress: args [job] and kwargs {state, stage,
// progress, error}.
type JobProgress struct {
	Job      string
	State    JobState
	Stage    string
	Progress float64 // 0–1 over all stages
	Error    string
}

// Args returns the event's args.
func (p JobProgress) Args() wamp.List { return wamp.List{p.Job} }

// Kwargs returns the event's kwargs.
func (p JobProgress) Kwargs() wamp.Dict {
	return wamp.Dict{"state": string(p.State), "stage": p.Stage, "progress": p.Progress, "error": p.Error}
}

// ParseJobProgress reads a progress event.
func ParseJobProgress(args wamp.List, kw wamp.Dict) JobProgress {
	p := JobProgress{State: JobState(str(kw, "state")), Stage: str(kw, "stage"), Progress: float(kw, "progress"),
		Error: str(kw, "error")}
	if len(args) > 0 {
		p.Job = AsString(args[0])
	}
	return p
}

// Job is the part of a refactor job that clients read, as ProcJobGet's kwargs and the JSON
// of GET /api/jobs/{id} carry it. The server sends the whole job (package refactor's Job);
// its field names are these.
type Job struct {
	ID       string   `json:"id"`
	State    JobState `json:"state"`
	Stage    string   `json:"stage"`    // the current (or last) pipeline stage
	Progress float64  `json:"progress"` // 0–1 over all stages
	Error    string   `json:"error,omitempty"`
	Report   *Report  `json:"report,omitempty"`
}

// Report is the part of a job's report that clients read.
type Report struct {
	Manifest *struct {
		Package     string `json:"package"`
		VersionName string `json:"version_name"`
	} `json:"manifest,omitempty"`
	ManifestError string `json:"manifest_error,omitempty"`
	Counts        struct {
		Classes            int `json:"classes"`
		Methods            int `json:"methods"`
		OffloadableClasses int `json:"offloadable_classes"`
		OffloadableMethods int `json:"offloadable_methods"`
		ConditionalMethods int `json:"conditional_methods"`
		DeviceMethods      int `json:"device_bound_methods"`
		UnsafeMethods      int `json:"unsafe_methods"`
		LibraryClasses     int `json:"library_classes"`
		Procedures         int `json:"procedures"`
		Registered         int `json:"registered"`
	} `json:"counts"`
	Candidates []struct {
		Class     string   `json:"class"`
		Method    string   `json:"method"`
		Score     float64  `json:"score"`
		Reasons   []string `json:"reasons"`
		Procedure string   `json:"procedure"`
	} `json:"candidates"`
	Procedures []struct {
		Name    string   `json:"name"`
		Kind    string   `json:"kind"`
		Params  []string `json:"params"`
		Returns string   `json:"returns"`
	} `json:"procedures"`
	Stages []struct {
		Stage   string  `json:"stage"`
		Seconds float64 `json:"seconds"`
	} `json:"stages"`
}
