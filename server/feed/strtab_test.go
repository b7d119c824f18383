package feed

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// The table finds every string kept, and only those, through adds and
// releases in any order, as the index grows and shrinks and the arena is
// compacted; a number is kept while referred to.
func TestStrtab(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	tab := newStrtab()
	refs := map[string]int{}
	num := map[string]int32{}
	compacted := 0
	for step := range 200_000 {
		if step == 100_000 { // the floor empties: the index shrinks
			for s, n := range refs {
				for range n {
					tab.release(num[s])
				}
				delete(refs, s)
			}
		}
		s := fmt.Sprintf("ORD-%d", rng.IntN(5000))
		if step > 100_000 {
			s = fmt.Sprintf("ORD-%d", rng.IntN(50))
		}
		if refs[s] > 0 && rng.IntN(2) == 0 {
			tab.release(num[s])
			if refs[s]--; refs[s] == 0 {
				delete(refs, s)
			}
		} else {
			i := tab.add(s)
			if refs[s] > 0 && i != num[s] {
				t.Fatalf("step %d: %q is %d, was %d", step, s, i, num[s])
			}
			num[s] = i
			refs[s]++
		}
		if tab.garbage == 0 && len(tab.arena) > 0 {
			compacted++
		}
		if step%997 == 0 {
			for k := range 6000 {
				s := fmt.Sprintf("ORD-%d", k)
				i, ok := tab.find(s)
				if want := refs[s] > 0; ok != want || ok && (i != num[s] || tab.str(i) != s) {
					t.Fatalf("step %d: find(%q) = %d %v, want %d %v", step, s, i, ok, num[s], want)
				}
			}
			if tab.live != len(refs) {
				t.Fatalf("step %d: %d kept, want %d", step, tab.live, len(refs))
			}
		}
	}
	if compacted == 0 || len(tab.index) > 256 {
		t.Errorf("the arena was never compacted (%d) or the index did not shrink (%d places for %d)", compacted, len(tab.index), tab.live)
	}
	if i, ok := tab.find(""); !ok || i != 0 || tab.add("") != 0 {
		t.Errorf(`"" is %d %v, want 0 true`, i, ok)
	}
}
