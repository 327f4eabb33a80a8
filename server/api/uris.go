package api

import "github.com/gammazero/nexus/v3/wamp"

// MAMoC's topics (the Android and iOS apps publish and subscribe to these names).
const (
	// TopicOffloading carries an offloading request, see Offloading.
	TopicOffloading = "uk.ac.standrews.cs.mamoc.offloading"
	// TopicOffloadingResult carries a result to the publisher of the request, see OffloadingResult.
	TopicOffloadingResult = "uk.ac.standrews.cs.mamoc.offloadingresult"
	// TopicReceiveFile carries a file a phone sends, see ReceiveFile.
	TopicReceiveFile = "uk.ac.standrews.cs.mamoc.receive_file"
	// TopicStats carries the server's stats every stats interval, see Stats.
	TopicStats = "uk.ac.standrews.cs.mamoc.stats"
)

// mamoc's own procedures and topics.
const (
	// ProcTaskDeploy is DeployRequest → Deployment.
	ProcTaskDeploy = "mamoc.task.deploy"
	// ProcTaskRun is RunRequest → RunResult, with Progress as progressive results.
	ProcTaskRun = "mamoc.task.run"
	// ProcTaskList is → TaskList.
	ProcTaskList = "mamoc.task.list"
	// ProcResourcePut is ResourcePut → StoredResource.
	ProcResourcePut = "mamoc.resource.put"
	// ProcResourceMissing is ResourceMissing → MissingResources.
	ProcResourceMissing = "mamoc.resource.missing"
	// ProcExecutionGet is IDRequest → Execution.
	ProcExecutionGet = "mamoc.execution.get"
	// ProcStatsGet is → Stats (the last stats event).
	ProcStatsGet = "mamoc.stats.get"
	// ProcAppUpload is args [apk bytes] → Upload. Only the refactor roles may call it.
	ProcAppUpload = "mamoc.app.upload"
	// ProcJobGet is IDRequest → Job.
	ProcJobGet = "mamoc.job.get"
	// TopicJobProgress carries JobProgress events.
	TopicJobProgress = "mamoc.job.progress"
	// ProcRegistrationMatch answers wamp.registration.match for remote sessions with null
	// instead of nexus's 0 when nothing matches (MAMoC's phones test for null); the router
	// sends a phone's wamp.registration.match there.
	ProcRegistrationMatch = "mamoc.meta.registration_match"
	// ProcUnavailable answers, while the node starts, every CALL a remote session makes outside
	// wamp.*: the router sends such calls there, and it answers ErrUnavailable.
	ProcUnavailable = "mamoc.meta.unavailable"
)

// Prefixes of procedure names.
const (
	// PrefixMamoc starts every name of mamoc's own API.
	PrefixMamoc = "mamoc."
	// PrefixAdmin starts the procedures only admins may call or register.
	PrefixAdmin = "mamoc.admin."
	// PrefixMeta starts the meta procedures only the server registers.
	PrefixMeta = "mamoc.meta."
	// PrefixApp starts a refactored app's static methods: mamoc.app.<package>.<Class>.<method>.
	PrefixApp = "mamoc.app."
)

// mamoc's error URIs. A WAMP error carries a message in args[0] and details in kwargs (see
// ErrorDetails).
const (
	// ErrCompile is a source that did not transform or compile; kwargs {diagnostics}.
	ErrCompile = "mamoc.error.compile"
	// ErrRuntime is a task that threw; kwargs {exception, message, stack}.
	ErrRuntime = "mamoc.error.runtime"
	// ErrTimeout is a task that ran out of time.
	ErrTimeout = "mamoc.error.timeout"
	// ErrLimit is a task or input over a memory, CPU, output or size limit; kwargs {limit}.
	ErrLimit = "mamoc.error.limit"
	// ErrNotFound is an unknown task, resource, execution or job.
	ErrNotFound = "mamoc.error.not_found"
	// ErrBadArgument is a request of the wrong shape.
	ErrBadArgument = "mamoc.error.bad_argument"
	// ErrNotOffloadable is a source that uses device-bound APIs; kwargs {reasons}.
	ErrNotOffloadable = "mamoc.error.not_offloadable"
	// ErrBusy is a full queue, answered at once.
	ErrBusy = "mamoc.error.busy"
	// ErrUnavailable is a call before the node is ready to run tasks (opening its repository,
	// building its base image, starting its runtime); kwargs {reason}. Retry shortly.
	ErrUnavailable = "mamoc.error.unavailable"
	// ErrInternal is any other failure of the server.
	ErrInternal = "mamoc.error.internal"
	// ErrConflict is a deploy of a different source under a task name (FQCN or rpcname) that
	// another owner has bound to its own source. For a MAMoC phone the error text is its result.
	ErrConflict = "mamoc.error.conflict"
	// ErrCanceled is WAMP's: the call was cancelled and its task killed.
	ErrCanceled = string(wamp.ErrCanceled)
	// ErrPayloadSizeExceeded answers a CALL (or a RESULT the caller's transport cannot carry)
	// whose message exceeds the transport's size limit, as autobahn and Crossbar name it.
	ErrPayloadSizeExceeded = "wamp.error.payload_size_exceeded"
)
