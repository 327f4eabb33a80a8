package refactor

import (
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// Handler returns the HTTP API: POST /api/apps (the APK as the body or a multipart field "apk";
// 202 {"job": ID}), GET /api/jobs/{id} (the Job as JSON) and GET /api/jobs/{id}/report (HTML).
// Uploads pass Config.Authorize first.
func (m *Manager) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/apps", m.handleUpload)
	mux.HandleFunc("GET /api/jobs/{id}", m.handleJob)
	mux.HandleFunc("GET /api/jobs/{id}/report", m.handleReport)
	return mux
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, err error) {
	writeJSON(w, code, map[string]string{"error": err.Error()})
}

func (m *Manager) handleUpload(w http.ResponseWriter, r *http.Request) {
	uploader := "anonymous"
	if m.cfg.Authorize != nil {
		id, ok := m.cfg.Authorize(r)
		if !ok {
			writeError(w, http.StatusForbidden, ErrUnauthorized)
			return
		}
		uploader = id
	}
	body := http.MaxBytesReader(w, r.Body, m.cfg.MaxAPKBytes+1<<20)
	var apk io.Reader = body
	if mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && strings.HasPrefix(mt, "multipart/") {
		mr, err := func() (io.Reader, error) {
			b := params["boundary"]
			if b == "" {
				return nil, errors.New("multipart without boundary")
			}
			rd := multipartReader(body, b)
			for {
				p, err := rd.NextPart()
				if err != nil {
					return nil, errors.New(`multipart body has no "apk" field`)
				}
				if p.FormName() == "apk" {
					return p, nil
				}
			}
		}()
		if err != nil {
			writeError(w, http.StatusBadRequest, err)
			return
		}
		apk = mr
	}
	id, err := m.Submit(r.Context(), apk, uploader)
	var mbe *http.MaxBytesError
	switch {
	case errors.Is(err, ErrTooLarge) || errors.As(err, &mbe):
		writeError(w, http.StatusRequestEntityTooLarge, ErrTooLarge)
	case errors.Is(err, ErrQueueFull):
		writeError(w, http.StatusServiceUnavailable, err)
	case errors.Is(err, ErrClosed):
		writeError(w, http.StatusServiceUnavailable, err)
	case err != nil:
		writeError(w, http.StatusBadRequest, err)
	default:
		w.Header().Set("Location", "/api/jobs/"+id)
		writeJSON(w, http.StatusAccepted, map[string]string{"job": id})
	}
}

func (m *Manager) handleJob(w http.ResponseWriter, r *http.Request) {
	j, err := m.Job(r.Context(), r.PathValue("id"))
	if err != nil {
		code := http.StatusInternalServerError
		if errors.Is(err, ErrJobNotFound) {
			code = http.StatusNotFound
		}
		writeError(w, code, err)
		return
	}
	writeJSON(w, http.StatusOK, j)
}

func (m *Manager) handleReport(w http.ResponseWriter, r *http.Request) {
	j, err := m.Job(r.Context(), r.PathValue("id"))
	if err != nil {
		code := http.StatusInternalServerError
		if errors.Is(err, ErrJobNotFound) {
			code = http.StatusNotFound
		}
		http.Error(w, err.Error(), code)
		return
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := reportPage.Execute(w, newReportView(j, page)); err != nil {
		m.log.Warn("render report", "job", j.ID, "err", err)
	}
}

var reportPage = template.Must(template.New("report").Funcs(template.FuncMap{
	"chain": func(e []string) string { return strings.Join(e, " → ") },
	"join":  func(e []string) string { return strings.Join(e, ", ") },
	"pct":   func(f float64) string { return strconv.FormatFloat(f*100, 'f', 0, 64) + "%" },
	"secs":  func(f float64) string { return formatFloat(f) + " s" },
	"short": shortClass,
	"trim":  strings.TrimPrefix,
	"pair":  func(a, b any) map[string]any { return map[string]any{"A": a, "B": b} },
	"pages": func(n int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = i + 1
		}
		return out
	},
}).Parse(reportHTML))
