package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestSampleServerReadsItsOwnProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc here")
	}
	file := filepath.Join(t.TempDir(), "pickpack.db")
	if err := os.WriteFile(file, make([]byte, 12345), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := sampleServer(os.Getpid(), file)
	if err != nil {
		t.Fatal(err)
	}
	if s.rss <= 0 || s.peak < s.rss || s.file != 12345 || s.cpu < 0 {
		t.Errorf("sample of this process: %+v; want memory, a peak at least that, the file's 12345 bytes", s)
	}
	if _, err := sampleServer(os.Getpid(), filepath.Join(t.TempDir(), "missing.db")); err == nil {
		t.Error("a missing data file gave no error")
	}
}

func TestServerCost(t *testing.T) {
	from := serverSample{cpu: time.Second, file: 1 << 20}
	to := serverSample{cpu: 3 * time.Second, file: 1<<20 + 300_000, rss: 200 << 20, peak: 250 << 20}
	got := serverCost(from, to, 10_000)
	want := "server_cpu_us_per_scan=200 file_bytes_per_scan=30 rss_mb=200.0 peak_rss_mb=250.0"
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}
