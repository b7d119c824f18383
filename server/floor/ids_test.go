package floor

import (
	"strings"
	"testing"
)

// FuzzIDProblem: whatever a caller sends, an accepted id is 1 to 64
// characters of the id rule, and a refusal is a short message.
func FuzzIDProblem(f *testing.F) {
	for _, s := range []string{"O1", "#1001", "..", "x/../y", "订单", strings.Repeat("a", 65), "a\xffb"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, id string, user bool) {
		kind := IDOrder
		if user {
			kind = IDUser
		}
		p := kind.Problem(id)
		// %q writes a byte as at most 10 bytes (\U0001f600); the rest of the
		// message is about 150.
		if len(p) > 10*maxQuoted+200 {
			t.Fatalf("problem of %d bytes for a %d-byte id", len(p), len(id))
		}
		if q := Quote(id); len(q) > 10*maxQuoted+30 {
			t.Fatalf("Quote gave %d bytes", len(q))
		}
		if p != "" {
			return
		}
		if id == "" || len(id) > MaxIDLen || id == "." || id == ".." {
			t.Fatalf("%q accepted", id)
		}
		for i := range len(id) {
			if !idChar(id[i]) || (user && !userChar(id[i])) {
				t.Fatalf("%q accepted with byte %d = %q", id, i, id[i])
			}
		}
	})
}
