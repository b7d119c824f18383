package store

import (
	"errors"
	"testing"

	"github.com/pickpack/pickpack/server/floor"
)

// A prefix names every bin it starts; one that names none is invalid, also
// beside named bins, where it would otherwise be dropped without a word.
func TestCreateCountTasksByPrefix(t *testing.T) {
	s, _ := openTestStore(t, "")
	seed(t, s)
	tasks, err := s.CreateCountTasks("sue", []string{"A-02-001-1"}, "A-01-", "")
	if err != nil || len(tasks) != 4 || tasks[0].Bin != "A-02-001-1" || tasks[1].Bin != "A-01-001-1" || tasks[3].Bin != "A-01-003-1" {
		t.Fatalf("bins and prefix: %+v %v", tasks, err)
	}
	for _, bins := range [][]string{nil, {"A-02-002-1"}} {
		_, err := s.CreateCountTasks("sue", bins, "Q-", "")
		wantKind(t, err, floor.KindInvalid)
		var fe *floor.Error
		if !errors.As(err, &fe) || len(fe.Violations) != 1 || fe.Violations[0].Field != "prefix" {
			t.Errorf("bins %v, prefix Q-: %v, want one violation of the prefix", bins, err)
		}
	}
	_, err = s.CreateCountTasks("sue", nil, "", "")
	wantKind(t, err, floor.KindInvalid)
	if got, _ := s.CountTasks(); len(got) != 4 {
		t.Errorf("count tasks after the invalid requests: %+v", got)
	}
}
