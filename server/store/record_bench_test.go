package store

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/pickpack/pickpack/server/demo"
	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/route"
)

// demoRecords is the orders and task plans of the demo warehouse as the
// server writes them: 300 of its orders released, 40 pickers given a
// task by the server's planner (batches of up to 4 orders) who scanned
// their totes.
func demoRecords(b *testing.B) ([]floor.Order, []taskPlan) {
	b.Helper()
	path := filepath.Join(b.TempDir(), "pickpack.db")
	s, skus := demoStore(b, path)
	s.Close()
	s, err := Open(path, Options{Clock: &fixedClock{t: t0}, Planner: route.NewPlanner(route.PlannerConfig{MaxBatch: 4})})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	w, err := demo.Load(1)
	if err != nil {
		b.Fatal(err)
	}
	adjs := make([]StockAdjustment, len(w.Stock))
	for i, l := range w.Stock {
		adjs[i] = StockAdjustment{Bin: l.Bin, SKU: l.SKU, Delta: l.OnHand, Reason: "demo", User: "demo"}
	}
	if _, err := s.AdjustStock(adjs...); err != nil {
		b.Fatal(err)
	}
	gen := demo.NewOrders(1, skus)
	orders := make([]floor.Order, 300)
	for i := range orders {
		orders[i] = gen.Next()
	}
	if _, err := s.SubmitOrders(orders, false); err != nil {
		b.Fatal(err)
	}
	for i := range 40 {
		picker := fmt.Sprintf("picker-%d", i)
		task, _, err := s.NextTask(picker)
		if err != nil {
			b.Fatal(err)
		}
		scanTotes(b, s, picker, task)
	}
	var os []floor.Order
	var ps []taskPlan
	err = viewDB(s.db, func(tx *txn) error {
		err := tx.Bucket(bucketOrders).ForEach(func(_, v []byte) error {
			o, err := decodeOrder(v)
			os = append(os, o)
			return err
		})
		if err != nil {
			return err
		}
		return tx.Bucket(bucketTasks).ForEach(func(_, v []byte) error {
			p, err := decodePlan(v)
			ps = append(ps, p)
			return err
		})
	})
	if err != nil {
		b.Fatal(err)
	}
	return os, ps
}

// BenchmarkRecords encodes and decodes the demo warehouse's orders and
// task plans in the short JSON form of schemas 8-14 and in the binary
// form of schema 15, one record per op, and reports the records' mean
// size ("B/record").
func BenchmarkRecords(b *testing.B) {
	orders, plans := demoRecords(b)
	type form struct {
		name   string
		encode func(i int) ([]byte, error)
		decode func(raw []byte) error
	}
	forms := []struct {
		kind  string
		n     int
		forms []form
	}{
		{"order", len(orders), []form{
			{"json", func(i int) ([]byte, error) { return shortOrderRecord(orders[i]) },
				func(raw []byte) error { _, err := decodeOrder(raw); return err }},
			{"binary", func(i int) ([]byte, error) { return encodeOrder(orders[i]) },
				func(raw []byte) error { _, err := decodeOrder(raw); return err }},
		}},
		{"plan", len(plans), []form{
			{"json", func(i int) ([]byte, error) { return shortPlanRecord(plans[i]) },
				func(raw []byte) error { _, err := decodePlan(raw); return err }},
			{"binary", func(i int) ([]byte, error) { return encodePlan(plans[i]) },
				func(raw []byte) error { _, err := decodePlan(raw); return err }},
		}},
	}
	for _, k := range forms {
		for _, f := range k.forms {
			raws := make([][]byte, k.n)
			size := 0
			for i := range raws {
				var err error
				if raws[i], err = f.encode(i); err != nil {
					b.Fatal(err)
				}
				size += len(raws[i])
			}
			b.Run(k.kind+"/"+f.name+"/encode", func(b *testing.B) {
				b.ReportAllocs()
				for i := range b.N {
					if _, err := f.encode(i % k.n); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(size)/float64(k.n), "B/record")
			})
			b.Run(k.kind+"/"+f.name+"/decode", func(b *testing.B) {
				b.ReportAllocs()
				for i := range b.N {
					if err := f.decode(raws[i%k.n]); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(size)/float64(k.n), "B/record")
			})
		}
	}
}
