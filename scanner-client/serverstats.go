package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// serverSample is what the load tool reads of a server process on the same
// machine (Linux /proc) and of its data file, at one moment.
type serverSample struct {
	at        time.Time
	cpu       time.Duration // user and system time since the process began
	rss, peak int64         // resident and peak resident bytes (VmRSS, VmHWM)
	file      int64         // the data file's size in bytes
}

// clockTicks is the unit of the times in /proc/PID/stat (USER_HZ), 100 on
// every Linux the tool runs on.
const clockTicks = 100

// sampleServer reads pid's CPU time and memory and the size of dataFile.
func sampleServer(pid int, dataFile string) (serverSample, error) {
	s := serverSample{at: time.Now()}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, err
	}
	// The command name, in parentheses, may hold spaces: fields count
	// from the last ')'. utime and stime are fields 14 and 15.
	rest := stat[bytes.LastIndexByte(stat, ')')+1:]
	f := strings.Fields(string(rest))
	if len(f) < 13 {
		return s, fmt.Errorf("/proc/%d/stat: %d fields after the name", pid, len(f))
	}
	var ticks int64
	for _, v := range f[11:13] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return s, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		ticks += n
	}
	s.cpu = time.Duration(ticks) * time.Second / clockTicks
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		name, v, ok := strings.Cut(line, ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return s, fmt.Errorf("/proc/%d/status %s: %w", pid, name, err)
		}
		if name == "VmRSS" {
			s.rss = kb << 10
		} else {
			s.peak = kb << 10
		}
	}
	if dataFile != "" {
		fi, err := os.Stat(dataFile)
		if err != nil {
			return s, err
		}
		s.file = fi.Size()
	}
	return s, nil
}

// serverCost is what a server spent between two samples on scans scans:
// CPU and file growth per scan, and its memory at the end.
func serverCost(from, to serverSample, scans int) string {
	if scans == 0 {
		scans = 1
	}
	return fmt.Sprintf("server_cpu_us_per_scan=%.0f file_bytes_per_scan=%.0f rss_mb=%.1f peak_rss_mb=%.1f",
		float64((to.cpu-from.cpu).Microseconds())/float64(scans), float64(to.file-from.file)/float64(scans),
		float64(to.rss)/(1<<20), float64(to.peak)/(1<<20))
}

// printServer prints, for a run with --server-pid, a line per minute and
// one for the whole run: the scans' latencies beside what the server spent
// on them. A minute's samples are the ones taken at its start and end; the
// last minute may be short. With three minutes or more, creep compares the
// last minute's p99 with the second's (the first has the start of the
// shift in it).
func printServer(w io.Writer, res benchResult) {
	if len(res.server) < 2 {
		return
	}
	for m := range min(len(res.minutes), len(res.server)-1) {
		fmt.Fprintf(w, "minute %d scans=%d %s %s\n", m+1, len(res.minutes[m]), benchPercentiles(res.minutes[m]),
			serverCost(res.server[m], res.server[m+1], len(res.minutes[m])))
	}
	scans := 0
	for _, m := range res.minutes {
		scans += len(m)
	}
	fmt.Fprintf(w, "server scans=%d %s\n", scans, serverCost(res.server[0], res.server[len(res.server)-1], scans))
	if n := len(res.minutes); n >= 3 {
		second, last := sorted(res.minutes[1]), sorted(res.minutes[n-1])
		fmt.Fprintf(w, "creep last_minute_p99_ms=%s second_minute_p99_ms=%s ratio=%.2f\n", benchMillis(benchQuantile(last, 0.99)),
			benchMillis(benchQuantile(second, 0.99)), benchRatio(last, second))
	}
}
