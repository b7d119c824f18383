package store

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pickpack/pickpack/server/floor"
)

// TestReleaseMapped reads the whole file through the map, releases it, and
// checks in /proc/self/smaps that the map's resident pages are gone while
// everything still reads back the same.
func TestReleaseMapped(t *testing.T) {
	s, _ := openTestStore(t, "")
	seed(t, s)
	var orders []floor.Order
	for i := range 300 {
		orders = append(orders, floor.Order{ID: fmt.Sprintf("R%03d", i), Lines: []floor.OrderLine{{SKU: "S1", Quantity: 1}}})
	}
	if _, err := s.SubmitOrders(orders, false); err != nil {
		t.Fatal(err)
	}
	// readAll reads every key and value of every bucket: the bytes summed
	// say the data is the same, and every page passes through the map.
	readAll := func() int {
		n := 0
		err := s.view("test", func(tx *txn) error {
			return tx.ForEach(func(_ []byte, b *bucket) error {
				return b.ForEach(func(k, v []byte) error { n += len(k) + len(v); return nil })
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	bytes := readAll()
	before := mappedRSS(t, s.Path())
	if before < 64 {
		t.Fatalf("the map holds %d kB after reading every page: the test does not read through it", before)
	}
	if err := s.ReleaseMapped(); err != nil {
		t.Fatal(err)
	}
	if got := mappedRSS(t, s.Path()); got > 8 {
		t.Errorf("the map holds %d kB after release (%d kB before), want at most 8", got, before)
	}
	if got := readAll(); got != bytes {
		t.Errorf("after release %d bytes read back, want %d", got, bytes)
	}
}

// mappedRSS is the resident size in kB of the process's map of path.
func mappedRSS(t *testing.T, path string) int {
	t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skip("no /proc/self/smaps:", err)
	}
	defer f.Close()
	total, inMap := 0, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		// A map's first line is "start-end perms offset dev inode [path]";
		// the lines about it that follow are "Name: value".
		if fields := strings.Fields(line); len(fields) >= 5 && !strings.HasSuffix(fields[0], ":") {
			inMap = len(fields) >= 6 && fields[5] == abs
			continue
		}
		var kb int
		if inMap && strings.HasPrefix(line, "Rss:") {
			if _, err := fmt.Sscanf(line, "Rss: %d kB", &kb); err != nil {
				t.Fatal(err)
			}
			total += kb
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return total
}
