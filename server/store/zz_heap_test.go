package store

import (
	"context"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/pickpack/pickpack/server/floor"
)

func TestZZHeap(t *testing.T) {
	s, skus := demoStore(t, filepath.Join(t.TempDir(), "pickpack.db"))
	defer s.Close()
	data := orderCSV(150_000, skus)
	heap := func(what string) {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		t.Logf("%s: heap %d MB", what, m.HeapAlloc>>20)
	}
	heap("csv")
	orders, err := floor.ParseOrdersContext(context.Background(), data, floor.ImportCSV)
	if err != nil {
		t.Fatal(err)
	}
	heap("parsed")
	s.importChecked = func(context.Context) { heap("checked") }
	k := 0
	s.importStaged = func(context.Context, int, int) {
		if k++; k%30 == 0 {
			heap("staged")
		}
	}
	if _, _, err := s.ImportOrdersContext(context.Background(), orders, false); err != nil {
		t.Fatal(err)
	}
	heap("done")
	runtime.KeepAlive(orders)
}
