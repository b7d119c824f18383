package store

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/pickpack/pickpack/server/demo"
	"github.com/pickpack/pickpack/server/floor"
)

// orderCSV is an order import of n one-line orders, ids O-1 to O-n in file
// order (not key order), over the given SKUs, at about 60 bytes a row as a
// marketplace export of small parcels has: 150,000 rows are some 9 MB.
func orderCSV(n int, skus []string) []byte {
	var b bytes.Buffer
	b.WriteString("order_id,channel,sku,quantity,recipient_name,phone,address1,address2,city,region,postal_code,country\n")
	channels := []string{"shop", "marketplace", "express"}
	for i := range n {
		fmt.Fprintf(&b, "O-%d,%s,%s,%d,Ann Lee,,%d Main St,,Köln,,50667,DE\n", i+1, channels[i%3], skus[i%len(skus)], 1+i%3, i%200+1)
	}
	return b.Bytes()
}

// demoStore opens a store with the demo warehouse's bin map, SKUs and
// shipping set-up, and returns its SKU ids.
func demoStore(tb testing.TB, path string) (*Store, []string) {
	tb.Helper()
	w, err := demo.Load(1)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := Open(path, Options{Clock: &fixedClock{t: t0}})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := s.ImportBinMap(w.Map, false); err != nil {
		tb.Fatal(err)
	}
	if err := s.PutSKUs(w.SKUs, false); err != nil {
		tb.Fatal(err)
	}
	if err := s.SetShipping(w.Shipping); err != nil {
		tb.Fatal(err)
	}
	return s, w.SKUIDs()
}

// BenchmarkImportOrders150k imports a CSV file of 150,000 orders as the
// ImportOrders call does: parsed and validated (floor.ParseOrdersContext),
// then checked and stored (ImportOrdersContext), into a file holding the
// demo warehouse, with no heap limit and with the server's default soft
// limit (serve --memory-limit, 160 MB). It reports the seconds of each
// step; "write-s", from the end of the real import's checks to its end
// (its chunks and its last transaction, staged.go); "chunk-p50-ms" and
// "chunk-max-ms", the median and longest time from one chunk committed to
// the next (the first from the end of the checks), how long a chunk holds
// the writer plus its wait for it; and "show-ms", the last transaction,
// which shows the import.
// Scans wait for one chunk at most. raw-bbolt writes records of the same
// sizes (orders, open index, queue, waybills) in key order in one bare
// transaction, what one transaction for the whole import would hold the
// writer for at best.
//
//	go test -run '^$' -bench ImportOrders150k -benchtime 1x ./server/store
func BenchmarkImportOrders150k(b *testing.B) {
	const n = 150_000
	for _, limit := range []struct {
		name  string
		bytes int64
	}{{"store", math.MaxInt64}, {"store-160MB", 160 << 20}} {
		b.Run(limit.name, func(b *testing.B) {
			defer debug.SetMemoryLimit(debug.SetMemoryLimit(limit.bytes))
			for range b.N {
				b.StopTimer()
				s, skus := demoStore(b, filepath.Join(b.TempDir(), "pickpack.db"))
				data := orderCSV(n, skus)
				var checked, last time.Time
				var chunks []time.Duration
				s.importChecked = func(context.Context) { checked = time.Now(); last = checked }
				s.importStaged = func(context.Context, int, int) {
					chunks, last = append(chunks, time.Since(last)), time.Now()
				}
				runtime.GC()
				b.StartTimer()
				start := time.Now()
				orders, err := floor.ParseOrdersContext(context.Background(), data, floor.ImportCSV)
				if err != nil {
					b.Fatal(err)
				}
				parsed := time.Now()
				created, _, err := s.ImportOrdersContext(context.Background(), orders, true)
				if err != nil || created != n {
					b.Fatal(created, err)
				}
				dried := time.Now()
				created, _, err = s.ImportOrdersContext(context.Background(), orders, false)
				if err != nil || created != n {
					b.Fatal(created, err)
				}
				done := time.Now()
				b.StopTimer()
				b.ReportMetric(parsed.Sub(start).Seconds(), "parse-s")
				b.ReportMetric(dried.Sub(parsed).Seconds(), "dry-run-s")
				b.ReportMetric(done.Sub(dried).Seconds(), "store-s")
				b.ReportMetric(done.Sub(checked).Seconds(), "write-s")
				slices.Sort(chunks)
				b.ReportMetric(float64(chunks[len(chunks)/2].Microseconds())/1000, "chunk-p50-ms")
				b.ReportMetric(float64(chunks[len(chunks)-1].Microseconds())/1000, "chunk-max-ms")
				b.ReportMetric(float64(done.Sub(last).Microseconds())/1000, "show-ms")
				b.ReportMetric(float64(len(data))/1e6, "file-MB")
				s.Close()
			}
		})
	}
	b.Run("raw-bbolt", func(b *testing.B) {
		o := floor.Order{Channel: "marketplace", Lines: []floor.OrderLine{{SKU: "SKU-00001", Quantity: 2}},
			Recipient: floor.Address{Name: "Ann Lee", Lines: []string{"17 Main St"}, City: "Köln", PostalCode: "50667", Country: "DE"},
			State:     floor.StateQueued, ReleasedAt: t0, UpdatedAt: t0, DueAt: t0, Carrier: "Demo Express", Service: "express"}
		for range b.N {
			b.StopTimer()
			db, err := bolt.Open(filepath.Join(b.TempDir(), "raw.db"), 0o600, &bolt.Options{InitialMmapSize: 1 << 30, NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
			if err != nil {
				b.Fatal(err)
			}
			recs := make([]keyValue, n)
			for i := range recs {
				o.ID, o.Tracking = fmt.Sprintf("O-%d", i+1), fmt.Sprintf("88%012d", i+1)
				raw, err := encodeOrder(o)
				if err != nil {
					b.Fatal(err)
				}
				recs[i] = keyValue{[]byte(o.ID), raw}
			}
			b.StartTimer()
			start := time.Now()
			err = updateDB(db, func(tx *txn) error {
				for _, name := range []string{"orders", "open", "queue", "waybills"} {
					bk, err := tx.CreateBucket([]byte(name))
					if err != nil {
						return err
					}
					kvs := make([]keyValue, n)
					for i, r := range recs {
						switch name {
						case "orders":
							kvs[i] = r
						case "queue":
							kvs[i] = keyValue{append([]byte("\x18\x9a\xb0\x00\x00\x00\x00\x00"), r.k...), nil}
						case "waybills":
							kvs[i] = keyValue{[]byte(fmt.Sprintf("88%012d", i+1)), r.k}
						default:
							kvs[i] = keyValue{r.k, nil}
						}
					}
					if err := putSorted(bk, kvs); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			b.ReportMetric(time.Since(start).Seconds(), "write-s")
			db.Close()
		}
	})
}
