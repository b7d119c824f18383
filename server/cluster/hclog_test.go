package cluster

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
)

// Raft's chatter below warn level stays out of the server's log; warnings
// and errors arrive with their fields and the logger's name.
func TestHclogAdapter(t *testing.T) {
	var buf bytes.Buffer
	l := newHclog(slog.New(slog.NewTextHandler(&buf, nil)), "raft").Named("net").With("peer", "n2")
	l.Trace("t")
	l.Debug("d")
	l.Info("entering follower state", "term", 3)
	l.Log(hclog.Off, "off")
	l.Warn("heartbeat timeout", "last-leader", hclog.Fmt("%s/%d", "n1", 7))
	l.Error("failed to appendEntries", "error", "refused", "dangling")
	l.StandardLogger(nil).Print("[INFO] x")
	l.StandardLogger(nil).Print("[WARN] from a std logger")

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	want := []string{
		`level=WARN msg="heartbeat timeout" component=raft.net peer=n2 last-leader=n1/7`,
		`level=ERROR msg="failed to appendEntries" component=raft.net peer=n2 error=refused EXTRA_VALUE_AT_END=dangling`,
		`level=WARN msg="[WARN] from a std logger" component=raft.net peer=n2`,
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(want), buf.String())
	}
	for i, line := range lines {
		if _, rest, _ := strings.Cut(line, " "); rest != want[i] {
			t.Errorf("line %d:\ngot  %s\nwant %s", i, rest, want[i])
		}
	}
}
