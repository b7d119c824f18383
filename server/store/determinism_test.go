package store

import (
	"bytes"
	"testing"

	"github.com/pickpack/pickpack/server/floor"
)

// Two files given the same writes hold the same bytes in every bucket: each
// write carries its clock reading and its ids, or derives them from the
// file (sequences), never from the process (the replicated store of the
// high-availability issue applies the same writes on every node).
func TestSameWritesMakeTheSameFile(t *testing.T) {
	work := func() *Store {
		s, _ := openTestStore(t, "")
		a := pickOneLine(t, s) // a task assigned, totes, a bin, the item: a plan written three times
		if a.Reason != "TASK_DONE" {
			t.Fatalf("item scan: %+v", a)
		}
		if _, err := s.PickScan("ann", floor.Scan{ID: "drop", Code: "DROP-PS1"}); err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b := work(), work()
	err := viewDB(a.db, func(ta *txn) error {
		return viewDB(b.db, func(tb *txn) error {
			return ta.ForEach(func(name []byte, ba *bucket) error {
				bb := tb.Bucket(name)
				var got, want [][2][]byte
				ba.ForEach(func(k, v []byte) error { want = append(want, [2][]byte{k, v}); return nil })
				bb.ForEach(func(k, v []byte) error { got = append(got, [2][]byte{k, v}); return nil })
				if len(got) != len(want) {
					t.Errorf("bucket %s: %d keys in one file, %d in the other", name, len(want), len(got))
					return nil
				}
				for i := range got {
					if !bytes.Equal(got[i][0], want[i][0]) || !bytes.Equal(got[i][1], want[i][1]) {
						t.Errorf("bucket %s, key %q: %q in one file, %q (key %q) in the other", name, want[i][0], want[i][1], got[i][1], got[i][0])
					}
				}
				if ba.Sequence() != bb.Sequence() {
					t.Errorf("bucket %s: sequence %d in one file, %d in the other", name, ba.Sequence(), bb.Sequence())
				}
				return nil
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// pickOneLine has ann pick a one-unit line of S1 and returns the item
// scan's answer.
func pickOneLine(t *testing.T, s *Store) floor.Answer {
	t.Helper()
	seed(t, s)
	if _, err := s.SubmitOrders([]floor.Order{{ID: "O1", Lines: []floor.OrderLine{{SKU: "S1", Quantity: 1}}}}, false); err != nil {
		t.Fatal(err)
	}
	task, _, err := s.NextTask("ann")
	if err != nil {
		t.Fatal(err)
	}
	scanTotes(t, s, "ann", task)
	if _, err := s.PickScan("ann", floor.Scan{ID: "bin", Code: task.Stops[0].Bin}); err != nil {
		t.Fatal(err)
	}
	a, err := s.PickScan("ann", floor.Scan{ID: "item", Code: "4006381333931"})
	if err != nil {
		t.Fatal(err)
	}
	return a
}
