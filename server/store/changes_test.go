package store

import "testing"

// Scans whose commit hooks ran out of order are served only up to the
// first gap, so a reader never skips a scan.
func TestRecentScansServeNoGaps(t *testing.T) {
	c := &changes{}
	for _, seq := range []uint64{1, 2, 4, 3, 6} {
		c.addScan(ScanEntry{Seq: seq})
	}
	tests := []struct {
		after  uint64
		want   []uint64
		wantOK bool
	}{
		{0, []uint64{1, 2, 3, 4}, true}, // 5 is missing: stop before it
		{4, nil, true},
		{5, []uint64{6}, true},
	}
	for _, tt := range tests {
		got, ok := c.scansAfter(tt.after, 10)
		var seqs []uint64
		for _, e := range got {
			seqs = append(seqs, e.Seq)
		}
		if ok != tt.wantOK || len(seqs) != len(tt.want) || (len(seqs) > 0 && seqs[len(seqs)-1] != tt.want[len(tt.want)-1]) {
			t.Errorf("scansAfter(%d) = %v, %v; want %v, %v", tt.after, seqs, ok, tt.want, tt.wantOK)
		}
	}
	c.recent = c.recent[2:] // the oldest fell out of memory
	if _, ok := c.scansAfter(0, 10); ok {
		t.Error("served from memory although scan 1 is no longer held")
	}
}

// The buffer keeps the latest scans in order once it is full, without
// growing.
func TestRecentScansKeepTheLatest(t *testing.T) {
	c := &changes{recent: make([]ScanEntry, 0, recentScans+recentScans/4)}
	const n = 3 * recentScans
	for seq := uint64(1); seq <= n; seq++ {
		c.addScan(ScanEntry{Seq: seq})
	}
	if cap(c.recent) != recentScans+recentScans/4 {
		t.Errorf("buffer grew to %d", cap(c.recent))
	}
	got, ok := c.scansAfter(n-recentScans, 2*recentScans)
	if !ok || len(got) != recentScans || got[0].Seq != n-recentScans+1 || got[len(got)-1].Seq != n {
		t.Errorf("the last %d scans: %d of them, ok %v", recentScans, len(got), ok)
	}
}
