package sandbox

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	unikernel "github.com/mamoc-go/mamoc/unikernel-runtime"
)

// ProcUsage returns the CPU time and resident memory of process pid from /proc/<pid>/stat, for
// instances without CPU accounting.
func ProcUsage(pid int) (unikernel.TaskUsage, error) {
	var u unikernel.TaskUsage
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return u, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 > len(s) {
		return u, errors.New("bad /proc stat")
	}
	f := strings.Fields(s[i+2:])
	if len(f) < 22 {
		return u, errors.New("short /proc stat")
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	rss, _ := strconv.ParseInt(f[21], 10, 64)
	u.CPU = time.Duration(ut+st) * 10 * time.Millisecond
	u.MemoryBytes = uint64(rss) * uint64(os.Getpagesize())
	return u, nil
}
