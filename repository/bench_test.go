package repository_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mamoc-go/mamoc/repository"
)

func benchExec(i int) repository.Execution {
	return repository.Execution{Task: "bench.Task", Site: "edge-1", CallerAuthID: "phone", CallerSession: uint64(i),
		ParamDigest: shaA, Status: repository.StatusDone, QueuedAt: time.Now(), ExecTime: time.Duration(i)}
}

// singleInsertRate measures single-row inserts per second outside the
// timer: the baseline the batched benchmarks are compared with.
func singleInsertRate(b *testing.B, db *repository.DB) float64 {
	ctx := context.Background()
	start := time.Now()
	n := 0
	for ; time.Since(start) < baselineTime; n++ {
		if _, err := db.InsertExecution(ctx, benchExec(n)); err != nil {
			b.Fatal(err)
		}
	}
	return float64(n) / time.Since(start).Seconds()
}

// baselineTime is how long each in-run baseline is measured.
const baselineTime = 500 * time.Millisecond

// BenchmarkInsertExecution inserts one execution per transaction.
func BenchmarkInsertExecution(b *testing.B) {
	ctx := context.Background()
	db := openDB(b, repository.Config{})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := db.InsertExecution(ctx, benchExec(i)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "inserts/s")
}

// BenchmarkInsertExecutionsBatch inserts executions in batches of the given
// size (one transaction each); b.N counts rows. x-single is the speed-up
// over single-row inserts measured in the same run.
func BenchmarkInsertExecutionsBatch(b *testing.B) {
	ctx := context.Background()
	for _, size := range []int{10, 100, 1000} {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			db := openDB(b, repository.Config{})
			base := singleInsertRate(b, db)
			batch := make([]repository.Execution, size)
			b.ResetTimer()
			for done := 0; done < b.N; {
				n := min(size, b.N-done)
				for j := 0; j < n; j++ {
					batch[j] = benchExec(done + j)
				}
				if err := db.InsertExecutions(ctx, batch[:n]); err != nil {
					b.Fatal(err)
				}
				done += n
			}
			rate := float64(b.N) / b.Elapsed().Seconds()
			b.ReportMetric(rate, "inserts/s")
			b.ReportMetric(rate/base, "x-single")
		})
	}
}

// rawWriteRate is the baseline for blob writes: bytes/s of writing a file
// and fsyncing it, without hashing, rename or directory sync.
func rawWriteRate(b *testing.B, dir string, p []byte) float64 {
	start := time.Now()
	n := 0
	for ; time.Since(start) < baselineTime; n++ {
		f, err := os.Create(filepath.Join(dir, "raw"))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.Write(p); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
	}
	return float64(n*len(p)) / time.Since(start).Seconds()
}

// BenchmarkBlob measures blob write (PutBlob: hash, fsync, rename, dir
// fsync) and verified read (GetBlob) throughput; x-raw compares with plain
// file write+fsync / os.ReadFile measured in the same run.
func BenchmarkBlob(b *testing.B) {
	ctx := context.Background()
	for _, size := range []int{64 << 10, 1 << 20, 16 << 20} {
		p := make([]byte, size)
		_, _ = rand.Read(p) // crypto/rand.Read never returns an error
		name := fmt.Sprintf("%dKiB", size>>10)
		b.Run("put/"+name, func(b *testing.B) {
			db := openDB(b, repository.Config{})
			base := rawWriteRate(b, b.TempDir(), p)
			b.SetBytes(int64(size))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				p[0] = byte(i) // distinct content each time
				p[1] = byte(i >> 8)
				if _, err := db.PutBlobBytes(ctx, p); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds()/base, "x-raw")
		})
		b.Run("get/"+name, func(b *testing.B) {
			db := openDB(b, repository.Config{})
			blob, err := db.PutBlobBytes(ctx, p)
			if err != nil {
				b.Fatal(err)
			}
			path, _ := db.BlobPath(ctx, blob.SHA256)
			start := time.Now()
			n := 0
			for ; time.Since(start) < baselineTime; n++ {
				if _, err := os.ReadFile(path); err != nil {
					b.Fatal(err)
				}
			}
			base := float64(n*size) / time.Since(start).Seconds()
			b.SetBytes(int64(size))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := db.GetBlob(ctx, blob.SHA256); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds()/base, "x-raw")
		})
	}
}
