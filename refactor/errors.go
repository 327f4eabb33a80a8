package refactor

import "errors"

var (
	// ErrNotZip reports an upload that is not a zip archive (an APK is a zip).
	ErrNotZip = errors.New("not a zip archive")
	// ErrTooLarge reports an upload or zip entry over its configured size limit.
	ErrTooLarge = errors.New("too large")
	// ErrBadEntryName reports a zip entry whose name escapes the archive (../, absolute).
	ErrBadEntryName = errors.New("unsafe zip entry name")
	// ErrTooManyEntries reports a zip with more entries than Config.MaxEntries.
	ErrTooManyEntries = errors.New("too many zip entries")
	// ErrNoDEX reports an APK without any top-level classesN.dex.
	ErrNoDEX = errors.New("no classes.dex in archive")
	// ErrBadDEX reports a truncated, corrupt or hostile DEX file.
	ErrBadDEX = errors.New("malformed dex")
	// ErrTooManyMethods reports a DEX over Config.MaxMethods methods.
	ErrTooManyMethods = errors.New("too many methods")
	// ErrNoManifest reports an APK without AndroidManifest.xml; the job still completes.
	ErrNoManifest = errors.New("no AndroidManifest.xml")
	// ErrBadManifest reports a manifest that cannot be decoded.
	ErrBadManifest = errors.New("malformed AndroidManifest.xml")
	// ErrPanic reports a panic recovered inside a pipeline stage (a parser bug on hostile input).
	ErrPanic = errors.New("internal panic")
	// ErrLink reports a failure turning DEX into JVM bytecode (enjarify).
	ErrLink = errors.New("link")
	// ErrJobNotFound reports an unknown job id.
	ErrJobNotFound = errors.New("job not found")
	// ErrBlobNotFound reports an unknown blob hash in a Store.
	ErrBlobNotFound = errors.New("blob not found")
	// ErrQueueFull reports that Config.QueueSize jobs are already waiting.
	ErrQueueFull = errors.New("job queue full")
	// ErrClosed reports a call on a closed Manager.
	ErrClosed = errors.New("refactor manager closed")
	// ErrUnauthorized reports an upload refused by Config.Authorize.
	ErrUnauthorized = errors.New("unauthorized")
)
