package server

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	nxclient "github.com/gammazero/nexus/v3/client"
	"github.com/gammazero/nexus/v3/wamp"

	"github.com/mamoc-go/mamoc/refactor"
	"github.com/mamoc-go/mamoc/repository"
	"github.com/mamoc-go/mamoc/router"
	"github.com/mamoc-go/mamoc/server/api"
	"github.com/mamoc-go/mamoc/server/catalog"
	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
)

// refactorStore keeps refactor jobs in the repository: APKs and jars as blobs, job rows in
// the jobs table, the report as a JSON blob.
type refactorStore struct{ repo *repository.DB }

var _ refactor.Store = refactorStore{}

func (s refactorStore) PutBlob(ctx context.Context, sum string, data []byte) error {
	_, err := s.repo.PutBlobVerified(ctx, sum, bytes.NewReader(data))
	return err
}

func (s refactorStore) Blob(ctx context.Context, sum string) ([]byte, error) {
	b, err := s.repo.GetBlob(ctx, sum)
	if errors.Is(err, repository.ErrNotFound) {
		return nil, fmt.Errorf("%w: %s", refactor.ErrBlobNotFound, sum)
	}
	return b, err
}

// jobMeta is what the jobs table has no column for; it is kept in the report blob.
type jobMeta struct {
	Job refactor.Job `json:"job"`
}

func (s refactorStore) PutJob(ctx context.Context, j refactor.Job) error {
	meta, err := json.Marshal(jobMeta{Job: j})
	if err != nil {
		return fmt.Errorf("encode job %s: %w", j.ID, err)
	}
	b, err := s.repo.PutBlobBytes(ctx, meta)
	if err != nil {
		return err
	}
	row := repository.Job{ID: j.ID, APKSHA256: j.APKSHA256, State: repository.JobState(j.State), Progress: j.Progress,
		Stage: j.Stage, ReportSHA256: b.SHA256, Error: j.Error}
	if _, err := s.repo.GetJob(ctx, j.ID); errors.Is(err, repository.ErrNotFound) {
		_, err = s.repo.CreateJob(ctx, row)
		return err
	}
	_, err = s.repo.UpdateJob(ctx, row)
	return err
}

func (s refactorStore) Job(ctx context.Context, id string) (refactor.Job, error) {
	row, err := s.repo.GetJob(ctx, id)
	if errors.Is(err, repository.ErrNotFound) {
		return refactor.Job{}, fmt.Errorf("%w: %s", refactor.ErrJobNotFound, id)
	}
	if err != nil {
		return refactor.Job{}, err
	}
	b, err := s.repo.GetBlob(ctx, row.ReportSHA256)
	if err != nil {
		return refactor.Job{}, fmt.Errorf("job %s: %w", id, err)
	}
	var meta jobMeta
	if err := json.Unmarshal(b, &meta); err != nil {
		return refactor.Job{}, fmt.Errorf("decode job %s: %w", id, err)
	}
	return meta.Job, nil
}

func (s refactorStore) JobByAPK(ctx context.Context, sum string) (refactor.Job, error) {
	jobs, err := s.repo.ListJobs(ctx)
	if err != nil {
		return refactor.Job{}, err
	}
	var best *repository.Job
	for i := range jobs {
		if jobs[i].APKSHA256 == sum && (best == nil || jobs[i].UpdatedAt.After(best.UpdatedAt)) {
			best = &jobs[i]
		}
	}
	if best == nil {
		return refactor.Job{}, fmt.Errorf("%w: apk %s", refactor.ErrJobNotFound, sum)
	}
	return s.Job(ctx, best.ID)
}

// RegisterProcedures adds an analysed app's linked procedures to the catalogue and offers
// them: MAMoC-shaped classes under their FQCN with MAMoC's call shape, public static methods
// under mamoc.app.<pkg>.<Class>.<m>. They run in the runtime like any task, from the app's
// jar, with no compile step.
func (o *offload) RegisterProcedures(ctx context.Context, app refactor.AppInfo, jar []byte, procs []refactor.Procedure) error {
	cps := make([]catalog.Procedure, 0, len(procs))
	for _, p := range procs {
		cp := catalog.Procedure{Name: p.Name, Aliases: p.Aliases, Kind: repository.TaskDexClass, Class: p.Class,
			ParamTypes: p.Params, ReturnType: p.Returns}
		switch p.Kind {
		case refactor.KindStatic:
			cp.Kind, cp.Method = repository.TaskDexStatic, p.Method
		case refactor.KindInstance: // a dex class with an entry method, see catalog.Task.Instance
			cp.Method = p.Method
		}
		cps = append(cps, cp)
	}
	tasks, errs := o.cat.AddApp(ctx, catalog.Caller{}, catalog.App{Package: app.Package, APKSHA256: app.APKSHA256, JarSHA256: app.JarSHA256}, jar, cps)
	for _, t := range tasks {
		if err := o.register(ctx, t); err != nil {
			errs = append(errs, fmt.Errorf("register %s: %w", t.Procedure, err))
		}
	}
	return errors.Join(errs...)
}

// apps serves APK uploads over WAMP and publishes job progress. A job is visible to its
// uploader, to every owner of its APK (whoever uploaded the same APK) and to admins only.
type apps struct {
	mgr  *refactor.Manager
	repo *repository.DB
	sess *nxclient.Client
}

// mayView reports whether from may see job j.
func (a *apps) mayView(ctx context.Context, from catalog.Caller, j refactor.Job) (bool, error) {
	if from.Admin() || j.Uploader != "" && j.Uploader == from.Owner() {
		return true, nil
	}
	if j.APKSHA256 == "" || from.Owner() == repository.PublicOwner {
		return false, nil
	}
	return a.repo.MayRead(ctx, j.APKSHA256, from.Owner())
}

// job returns job id for from; a job from may not see is ErrNotFound, as if it did not exist.
func (a *apps) job(ctx context.Context, from catalog.Caller, id string) (refactor.Job, error) {
	j, err := a.mgr.Job(ctx, id)
	if err != nil {
		return refactor.Job{}, refactorError(err)
	}
	ok, err := a.mayView(ctx, from, j)
	if err != nil {
		return refactor.Job{}, err
	}
	if !ok {
		return refactor.Job{}, fmt.Errorf("job %s: %w", id, catalog.ErrNotFound)
	}
	return j, nil
}

// register offers mamoc.app.upload and mamoc.job.get on sess.
func (a *apps) register(sess *nxclient.Client, sc apiScope) error {
	a.sess = sess
	if err := sc.register(sess, api.ProcAppUpload, a.upload, wamp.Dict{wamp.OptDiscloseCaller: true}); err != nil {
		return fmt.Errorf("register %s: %w", api.ProcAppUpload, err)
	}
	if err := sc.register(sess, api.ProcJobGet, a.jobGet, wamp.Dict{wamp.OptDiscloseCaller: true}); err != nil {
		return fmt.Errorf("register %s: %w", api.ProcJobGet, err)
	}
	return nil
}

// upload is mamoc.app.upload args [apk bytes] → kwargs {job}. The router allows it only to
// the refactor roles.
func (a *apps) upload(ctx context.Context, inv *wamp.Invocation) nxclient.InvokeResult {
	if len(inv.Arguments) != 1 {
		return invokeError(catalog.BadArgument("%s needs args [apk bytes]", api.ProcAppUpload))
	}
	if len(inv.ArgumentsKw) > 0 {
		return invokeError(catalog.BadArgument("%s takes no kwargs, only args [apk bytes]", api.ProcAppUpload))
	}
	apk, ok := inv.Arguments[0].([]byte)
	if !ok {
		return invokeError(catalog.BadArgument("the APK must be bytes, not %T", inv.Arguments[0]))
	}
	from := callerOf(inv.Details, "caller")
	id, err := a.mgr.Submit(ctx, bytes.NewReader(apk), from.AuthID)
	if err != nil {
		return invokeError(refactorError(err))
	}
	// The uploader owns the APK, and so sees its job even when another uploaded it first.
	if err := a.repo.GrantContent(ctx, repository.SHA256Hex(apk), from.Owner()); err != nil {
		return invokeError(err)
	}
	return nxclient.InvokeResult{Kwargs: api.Upload{Job: id}.Kwargs()}
}

// jobGet is mamoc.job.get kwargs {id} (or args [id]) → the job as kwargs.
func (a *apps) jobGet(ctx context.Context, inv *wamp.Invocation) nxclient.InvokeResult {
	req, err := api.ParseIDRequest(api.ProcJobGet, inv.Arguments, inv.ArgumentsKw)
	if err != nil {
		return invokeError(err)
	}
	j, err := a.job(ctx, callerOf(inv.Details, "caller"), req.ID)
	if err != nil {
		return invokeError(err)
	}
	b, err := json.Marshal(j)
	if err != nil {
		return invokeError(err)
	}
	var kw wamp.Dict
	if err := json.Unmarshal(b, &kw); err != nil {
		return invokeError(err)
	}
	return nxclient.InvokeResult{Kwargs: kw}
}

// progress publishes a job's progress on mamoc.job.progress [job] {state, stage, progress,
// error} to the job's uploader and to admins only.
func (a *apps) progress(p refactor.Progress) {
	if a.sess == nil {
		return
	}
	ev := api.JobProgress{Job: p.JobID, State: api.JobState(p.State), Stage: p.Stage, Progress: p.Progress, Error: p.Error}
	admins := wamp.Dict{"eligible_authrole": wamp.List{router.RoleAdmin}}
	if j, err := a.mgr.Job(context.Background(), p.JobID); err == nil && j.Uploader != "" {
		_ = a.sess.Publish(api.TopicJobProgress, wamp.Dict{"eligible_authid": wamp.List{j.Uploader}}, ev.Args(), ev.Kwargs())
		admins["exclude_authid"] = wamp.List{j.Uploader}
	}
	_ = a.sess.Publish(api.TopicJobProgress, admins, ev.Args(), ev.Kwargs())
}

// refactorError maps refactor's errors onto the server's sentinels.
func refactorError(err error) error {
	switch {
	case errors.Is(err, refactor.ErrJobNotFound):
		return fmt.Errorf("%w: %w", catalog.ErrNotFound, err)
	case errors.Is(err, refactor.ErrTooLarge):
		return fmt.Errorf("%w: %w", catalog.ErrTooLarge, err)
	case errors.Is(err, refactor.ErrQueueFull):
		return fmt.Errorf("%w: %w", unikernel.ErrBusy, err)
	}
	return err
}

// authorizeUpload admits an HTTP upload from a user whose role may refactor (the router's
// rule): HTTP Basic (authid and ticket or WAMP-CRA secret) or Bearer with a user's ticket.
// Without an embedded router there is no HTTP API and nobody is admitted.
func (s *Server) authorizeUpload(r *http.Request) (string, bool) {
	u, err := s.httpUser(r)
	if err != nil || !s.refactorAllowed(u.Role) {
		return "", false
	}
	return u.AuthID, true
}

// jobAccess guards GET /api/jobs/{id} and its report: jobs are visible to their uploader, the
// owners of their APK and admins (apps.mayView). A request with credentials is checked as that
// user; one without is let through only from the server's own host (the operator, as for the
// admin page), else 401. A job the user may not see answers 404, as if it did not exist. It
// reports whether the request may go on.
func (s *Server) jobAccess(w http.ResponseWriter, r *http.Request) bool {
	rest, ok := strings.CutPrefix(r.URL.Path, "/api/jobs/")
	if !ok || r.Method != http.MethodGet {
		return true
	}
	id, _, _ := strings.Cut(rest, "/")
	u, err := s.httpUser(r)
	switch {
	case errors.Is(err, errNoCredentials) && fromLoopback(r):
		return true
	case err != nil:
		s.httpDeny(w, r, u, err, "jobs are visible to their uploader and admins")
		return false
	}
	if _, err := s.apps.job(r.Context(), catalog.Caller{AuthID: u.AuthID, Role: u.Role}, id); err != nil {
		writeJSONError(w, http.StatusNotFound, "job "+id+": not found")
		return false
	}
	return true
}

// grantUpload wraps the HTTP upload endpoint: the uploader of an accepted APK owns it (and so
// sees its job), also when the same APK was uploaded before and its job is reused.
func (s *Server) grantUpload(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/apps" {
			next.ServeHTTP(w, r)
			return
		}
		rec := &uploadRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		u, err := s.httpUser(r)
		if err != nil || rec.status >= 300 {
			return
		}
		var up api.Upload
		if json.Unmarshal(rec.body.Bytes(), &up) != nil || up.Job == "" {
			return
		}
		if j, err := s.apps.mgr.Job(r.Context(), up.Job); err == nil && j.APKSHA256 != "" {
			if err := s.apps.repo.GrantContent(context.WithoutCancel(r.Context()), j.APKSHA256, u.AuthID); err != nil {
				s.log.Warn("record the uploader of an APK", "job", up.Job, "err", err)
			}
		}
	})
}

// uploadRecorder keeps the status and the (small JSON) body of an upload's answer.
type uploadRecorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (u *uploadRecorder) WriteHeader(code int) {
	u.status = code
	u.ResponseWriter.WriteHeader(code)
}

func (u *uploadRecorder) Write(b []byte) (int, error) {
	if u.status == 0 {
		u.status = http.StatusOK
	}
	if u.body.Len() < 4096 {
		u.body.Write(b)
	}
	return u.ResponseWriter.Write(b)
}

func eq(a, b string) bool { return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// restoreApps registers again the procedures of every analysed app, so that refactored apps
// keep working across restarts (a second upload of the same APK is not analysed again).
func (o *offload) restoreApps(ctx context.Context, store refactorStore) (int, error) {
	rows, err := store.repo.ListJobs(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, row := range rows {
		if row.State != repository.JobState(refactor.StateDone) {
			continue
		}
		j, err := store.Job(ctx, row.ID)
		if err != nil || j.Report == nil || j.Report.Link == nil || !j.Report.Link.Registered || j.Report.Link.JarSHA256 == "" {
			continue
		}
		jar, err := store.repo.GetBlob(ctx, j.Report.Link.JarSHA256)
		if err != nil {
			o.log.Warn("restore app: jar unreadable", "job", j.ID, "err", err)
			continue
		}
		app := refactor.AppInfo{JobID: j.ID, APKSHA256: j.APKSHA256, JarSHA256: j.Report.Link.JarSHA256, Shims: j.Report.Link.Shims}
		if m := j.Report.Manifest; m != nil {
			app.Package, app.Version = m.Package, m.VersionName
		}
		if err := o.RegisterProcedures(ctx, app, jar, j.Report.Procedures); err != nil {
			o.log.Warn("restore app", "job", j.ID, "err", err)
			continue
		}
		n += len(j.Report.Procedures)
	}
	return n, nil
}
