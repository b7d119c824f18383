package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/scanner-client/sim"
	"github.com/pickpack/pickpack/server/demo"
	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

// crashImportOrders is the size of the imports the crash test kills: 16
// chunks of a staged import (store.stageChunk).
const crashImportOrders = 16_000

// importFile is an order CSV of n orders, ids prefix1 to prefixN.
func importFile(t *testing.T, prefix string, n int) []byte {
	t.Helper()
	w, err := demo.Load(1)
	if err != nil {
		t.Fatal(err)
	}
	skus := w.SKUIDs()
	var b bytes.Buffer
	b.WriteString("order_id,channel,sku,quantity,recipient_name,phone,address1,address2,city,region,postal_code,country\n")
	for i := range n {
		fmt.Fprintf(&b, "%s%d,shop,%s,1,Ann Lee,,%d Main St,,Köln,,50667,DE\n", prefix, i+1, skus[i%len(skus)], i%200+1)
	}
	return b.Bytes()
}

// The server runs as a child process and is killed with SIGKILL while it
// imports a file too large for one transaction, which it stages in
// chunks (store/staged.go). After the kill, the file must hold all of the
// import or none of it, with every index agreeing, and a second import of
// the same file must create what the first did not. The server writes
// nothing else meanwhile, so each change of the file's modification time
// is a write of the import's commits (a commit writes its pages, then its
// meta page): the kills come after the 3rd, 8th and 14th change (the
// import's id, then its chunks), or once it returned; the assertions hold
// for any moment.
func TestCrashDuringLargeImportIsAllOrNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills server processes")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "pickpack.db")
	send := func(p *procServer, data []byte) (*pb.ImportOrdersResponse, error) {
		conn := p.dial(t)
		return pb.NewOrderServiceClient(conn).ImportOrders(sim.Bearer(context.Background(), p.tokens["admin"]),
			&pb.ImportOrdersRequest{Format: pb.ImportFormat_IMPORT_FORMAT_CSV, Data: data})
	}
	modified := func() time.Time {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.ModTime()
	}
	outcomes := map[string]int{}
	for k, commits := range []int{3, 8, 14, 1 << 20} {
		prefix := fmt.Sprintf("IMP%d-", k)
		data := importFile(t, prefix, crashImportOrders)
		s := startProc(t, dir)
		last, seen := modified(), 0
		done := make(chan error, 1)
		go func() { _, err := send(s, data); done <- err }()
	watch:
		for seen < commits {
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("import %d: %v", k, err)
				}
				break watch
			case <-time.After(time.Millisecond):
			}
			if m := modified(); !m.Equal(last) {
				last, seen = m, seen+1
			}
		}
		if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-s.exited

		st, err := store.Open(path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		visible := countOrders(t, st, prefix)
		switch visible {
		case 0:
			outcomes["none"]++
		case crashImportOrders:
			outcomes["all"]++
		default:
			t.Errorf("kill %d, after %d writes: %d of its %d orders visible", k, seen, visible, crashImportOrders)
		}
		if err := st.Check(); err != nil {
			t.Errorf("consistency check: %v", err)
		}
		if _, err := st.Audit(); err != nil {
			t.Errorf("stock audit: %v", err)
		}
		orders, err := floor.ParseOrders(data, floor.ImportCSV)
		if err != nil {
			t.Fatal(err)
		}
		created, known, err := st.ImportOrdersContext(context.Background(), orders, false)
		if err != nil || created != crashImportOrders-visible || known != visible {
			t.Errorf("the same import again: %d created, %d known, %v; want %d, %d", created, known, err, crashImportOrders-visible, visible)
		}
		queued, _, err := st.ListOrders([]floor.OrderState{floor.StateQueued}, "", 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if depth, err := st.QueueDepth(); err != nil || depth != len(queued) {
			t.Errorf("queue depth %d, %v; %d orders queued", depth, err, len(queued))
		}
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("after the kills: %v", outcomes)
}

// countOrders counts the open orders whose id starts with prefix.
func countOrders(t *testing.T, st *store.Store, prefix string) int {
	t.Helper()
	orders, _, err := st.ListOrders(nil, "", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, o := range orders {
		if strings.HasPrefix(o.ID, prefix) {
			n++
		}
	}
	return n
}
