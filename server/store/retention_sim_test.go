package store

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pickpack/pickpack/server/floor"
)

// simFloor writes the days of a busy floor into a store through the
// store's own write functions (orders, tasks, scan records, movements,
// stock, waybills, sales), a day in a few hundred transactions instead of
// replaying every scan in real time. Every order goes the whole way: a
// task of four orders picked with a bin and an item scan per line, each
// line packed with a scan, the parcel handed off with a scan; one order in
// a hundred is cancelled instead. Everything is derived from counters, so
// two runs write the same file.
type simFloor struct {
	s      *Store
	clock  *fixedClock
	start  time.Time // midnight (UTC) of day 0
	orders int       // per day
	bins   int       // one SKU per bin
	onHand []int64   // per bin, as the sim stocked and picked it

	nOrders, nTasks, nScans int
}

func newSimFloor(s *Store, clock *fixedClock, start time.Time, ordersPerDay, bins int) *simFloor {
	return &simFloor{s: s, clock: clock, start: start, orders: ordersPerDay, bins: bins, onHand: make([]int64, bins)}
}

func (f *simFloor) bin(i int) string { return fmt.Sprintf("B-%02d-%03d-1", i/1000, i%1000) }
func (f *simFloor) sku(i int) string { return fmt.Sprintf("SKU%05d", i) }

// simOrdersPerTask is how many orders a picker takes per trip.
const simOrdersPerTask = 4

// day writes day d (from 0): a restock at 05:00, then the orders released
// evenly from 06:00 to 22:00, each handed off 40 minutes after release.
// The clock ends the day at 23:59.
func (f *simFloor) day(d int) error {
	dayStart := f.start.AddDate(0, 0, d)
	err := f.s.update("sim restock", func(tx *txn) error {
		var moves []floor.StockMove
		for i := range f.bins {
			if f.onHand[i] < 100 {
				moves = append(moves, floor.StockMove{Kind: floor.MoveAdjust, Bin: f.bin(i), SKU: f.sku(i), OnHand: 400 - f.onHand[i]})
				f.onHand[i] = 400
			}
		}
		return applyMoves(tx, moves, floor.Movement{At: dayStart.Add(5 * time.Hour), User: "receiving", Note: "restock"})
	})
	if err != nil {
		return err
	}
	step := 16 * time.Hour / time.Duration(f.orders)
	const perTx = 200 // orders per transaction, a multiple of simOrdersPerTask
	for first := 0; first < f.orders; first += perTx {
		err := f.s.update("sim orders", func(tx *txn) error {
			for i := first; i < min(first+perTx, f.orders); i += simOrdersPerTask {
				at := dayStart.Add(6*time.Hour + time.Duration(i)*step)
				if err := f.task(tx, at, min(simOrdersPerTask, f.orders-i)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	f.clock.mu.Lock()
	f.clock.t = dayStart.Add(24*time.Hour - time.Minute)
	f.clock.mu.Unlock()
	return nil
}

// scan records one scan as the scan path does.
func (f *simFloor) scan(tx *txn, kind, user, code string, at time.Time) error {
	f.nScans++
	sc := floor.Scan{ID: fmt.Sprintf("s%09d", f.nScans), At: at, Code: code}
	return record(tx, scanKey(kind, user, sc.ID), user, sc, floor.Answer{ScanID: sc.ID, Verdict: floor.VerdictRight, Message: "OK"})
}

// task writes n orders released at at, picked together as one task.
func (f *simFloor) task(tx *txn, at time.Time, n int) error {
	f.nTasks++
	picker := fmt.Sprintf("picker%03d", f.nTasks%100)
	packer := fmt.Sprintf("packer%02d", f.nTasks%20)
	t := floor.Task{ID: fmt.Sprintf("T%08d", f.nTasks), Picker: picker, CreatedAt: at.Add(2 * time.Minute), Done: true,
		DoneAt: at.Add(15 * time.Minute), DroppedAt: at.Add(17 * time.Minute), DropStation: "PACK1"}
	var orders []floor.Order
	for range n {
		f.nOrders++
		o := floor.Order{ID: fmt.Sprintf("O%08d", f.nOrders), Channel: "web", ReleasedAt: at, DueAt: at.Add(time.Hour),
			Recipient: floor.Address{Name: "Customer", Lines: []string{"1 Main Street"}, City: "Town", PostalCode: "12345", Country: "DE"},
			Carrier:   "dhl", Service: "parcel", Tracking: fmt.Sprintf("TRK%09d", f.nOrders)}
		if f.nOrders%100 == 0 {
			o.State, o.UpdatedAt = floor.StateCancelled, at.Add(time.Minute)
			if err := putOrder(tx, o); err != nil {
				return err
			}
			if err := recordMovement(tx, floor.Movement{At: o.UpdatedAt, User: "supervisor", Kind: floor.MoveCancel, Ref: o.ID, Note: "sim"}); err != nil {
				return err
			}
			continue
		}
		for l := range 1 + f.nOrders%3 {
			b := (f.nOrders*7 + l*131) % f.bins
			o.Lines = append(o.Lines, floor.OrderLine{SKU: f.sku(b), Quantity: 1})
			t.Stops = append(t.Stops, floor.Stop{Bin: f.bin(b), SKU: f.sku(b), Quantity: 1, Picked: 1, OrderID: o.ID, Tote: len(orders) + 1})
		}
		o.TaskID, o.Picker, o.AssignedAt = t.ID, picker, t.CreatedAt
		t.Orders = append(t.Orders, floor.TaskOrder{OrderID: o.ID, Tote: len(orders) + 1, DueAt: o.DueAt})
		orders = append(orders, o)
	}
	if len(orders) == 0 {
		return nil
	}
	// Picking: a bin scan and an item scan per stop, each unit a movement.
	pickAt := t.CreatedAt
	for _, st := range t.Stops {
		pickAt = pickAt.Add(20 * time.Second)
		if err := f.scan(tx, "pick", picker, st.Bin, pickAt); err != nil {
			return err
		}
		if err := f.scan(tx, "pick", picker, "item-"+st.SKU, pickAt.Add(5*time.Second)); err != nil {
			return err
		}
		var b int
		fmt.Sscanf(st.SKU, "SKU%05d", &b)
		f.onHand[b]--
		if err := applyMoves(tx, []floor.StockMove{{Kind: floor.MovePick, Bin: st.Bin, SKU: st.SKU, OnHand: -1}},
			floor.Movement{At: pickAt.Add(5 * time.Second), User: picker, Ref: t.ID}); err != nil {
			return err
		}
	}
	if err := writeTask(tx, &t, true); err != nil {
		return err
	}
	// Packing and handoff, order by order.
	packAt := t.DroppedAt
	for _, o := range orders {
		units := map[string]int64{}
		for _, l := range o.Lines {
			packAt = packAt.Add(15 * time.Second)
			units[l.SKU] += l.Quantity
			if err := f.scan(tx, "pack", packer, "item-"+l.SKU, packAt); err != nil {
				return err
			}
		}
		if err := recordOrderMovements(tx, floor.MovePack, units, floor.Movement{At: packAt, User: packer, Ref: o.ID}); err != nil {
			return err
		}
		handoff := o.ReleasedAt.Add(40 * time.Minute)
		if err := f.scan(tx, "handoff", "courier", o.Tracking, handoff); err != nil {
			return err
		}
		if err := recordOrderMovements(tx, floor.MoveShip, units, floor.Movement{At: handoff, User: "courier", Ref: o.ID}); err != nil {
			return err
		}
		for sku, n := range units {
			if err := addSale(tx, handoff, sku, n); err != nil {
				return err
			}
		}
		o.State, o.UpdatedAt, o.HandedOffAt = floor.StateHandedOff, handoff, handoff
		if err := putOrder(tx, o); err != nil {
			return err
		}
		if err := tx.Bucket(bucketWaybills).Put([]byte(o.Tracking), []byte(o.ID)); err != nil {
			return err
		}
	}
	return nil
}

// fileSize is the size of the file at path, 0 if there is none.
func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// archiveSize sums the sizes of the archive files beside the live file.
func archiveSize(s *Store) (int64, int) {
	months, _ := s.arch.months()
	var n int64
	for _, m := range months {
		n += fileSize(filepath.Join(s.arch.dir, archiveName(m)))
	}
	return n, len(months)
}

var (
	simDays   = flag.Int("retain.days", 120, "days BenchmarkRetention120Days simulates")
	simOrders = flag.Int("retain.orders", 2000, "orders a day BenchmarkRetention120Days writes (about 7 scans and 6 movements each)")
	simKeep   = flag.Int("retain.keep", 90, "days BenchmarkRetention120Days keeps live")
)

// BenchmarkRetention120Days writes -retain.days days of a busy floor
// (-retain.orders orders a day, each with its task share, about 7 scans
// and 6 movements) into a store with a simulated clock, runs the archive
// keeping -retain.keep days at the end of each day, and prints the live
// file's size per day with the archive files': the live size levels off
// once the horizon is reached ("live used" is bbolt's high-water mark:
// the file itself grows in steps of 16 MB). Run it once:
//
//	go test -run '^$' -bench Retention120Days -benchtime 1x ./server/store
func BenchmarkRetention120Days(b *testing.B) {
	for range b.N {
		dir := b.TempDir()
		clock := &fixedClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		s, err := Open(filepath.Join(dir, "pickpack.db"), Options{Clock: clock})
		if err != nil {
			b.Fatal(err)
		}
		f := newSimFloor(s, clock, clock.t, *simOrders, 2000)
		fmt.Printf("retention: %d days, %d orders a day, keeping %d days\n", *simDays, *simOrders, *simKeep)
		fmt.Printf("%4s %12s %12s %12s %5s %8s %8s %7s %6s %8s %8s\n", "day", "live file", "live used", "archive", "files", "scans", "moves", "orders", "tasks", "write", "archive")
		var writeTime, archiveTime time.Duration
		for d := range *simDays {
			t0 := time.Now()
			if err := f.day(d); err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			res, err := s.ArchiveRetaining(*simKeep)
			if err != nil {
				b.Fatal(err)
			}
			t2 := time.Now()
			writeTime, archiveTime = writeTime+t1.Sub(t0), archiveTime+t2.Sub(t1)
			arch, files := archiveSize(s)
			fmt.Printf("%4d %12d %12d %12d %5d %8d %8d %7d %6d %8s %8s\n", d+1, fileSize(s.Path()), highWater(b, s), arch, files,
				res.Scans, res.Movements, res.Orders, res.Tasks, t1.Sub(t0).Round(time.Millisecond), t2.Sub(t1).Round(time.Millisecond))
		}
		if _, err := s.Audit(); err != nil {
			b.Fatalf("audit after %d days: %v", *simDays, err)
		}
		fmt.Printf("written %d orders, %d tasks, %d scans in %s; archive runs took %s\n",
			f.nOrders, f.nTasks, f.nScans, writeTime.Round(time.Millisecond), archiveTime.Round(time.Millisecond))
		s.Close()
	}
}

// BenchmarkScanWhileArchiving times scan-sized commits (a scan record and
// a movement through the group committer, by 64 writers) alone for three
// seconds, and while an archive run moves four days of a 2,000-order
// floor (about 55,000 scans and 48,000 movements with their orders and
// tasks), and prints p50, p99 and max of each: what a scan waits for the
// archive's chunked deletes.
//
//	go test -run '^$' -bench ScanWhileArchiving -benchtime 1x ./server/store
func BenchmarkScanWhileArchiving(b *testing.B) {
	for _, archiving := range []bool{false, true} {
		name := "alone"
		if archiving {
			name = "archiving"
		}
		b.Run(name, func(b *testing.B) {
			for range b.N {
				clock := &fixedClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
				s, err := Open(filepath.Join(b.TempDir(), "pickpack.db"), Options{Clock: clock})
				if err != nil {
					b.Fatal(err)
				}
				f := newSimFloor(s, clock, clock.t, 2000, 2000)
				for d := range 5 {
					if err := f.day(d); err != nil {
						b.Fatal(err)
					}
				}
				var mu sync.Mutex
				var lat []time.Duration
				stop := make(chan struct{})
				var wg sync.WaitGroup
				for w := range 64 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						user := fmt.Sprintf("bench%02d", w)
						for i := 0; ; i++ {
							select {
							case <-stop:
								return
							default:
							}
							at := clock.Now()
							sc := floor.Scan{ID: fmt.Sprintf("b%d", i), At: at, Code: "B-00-001-1"}
							start := time.Now()
							err := s.batch("bench scan", func(tx *txn) error {
								if err := record(tx, scanKey("pick", user, sc.ID), user, sc, floor.Answer{ScanID: sc.ID, Verdict: floor.VerdictRight}); err != nil {
									return err
								}
								return recordMovement(tx, floor.Movement{At: at, User: user, Kind: floor.MovePack, SKU: "SKU00001", Units: 1})
							})
							if err != nil {
								b.Error(err)
								return
							}
							mu.Lock()
							lat = append(lat, time.Since(start))
							mu.Unlock()
						}
					}()
				}
				began := time.Now()
				var res ArchiveResult
				if archiving {
					res, err = s.ArchiveRetaining(1)
					if err != nil {
						b.Error(err)
					}
				} else {
					time.Sleep(3 * time.Second)
				}
				took := time.Since(began)
				close(stop)
				wg.Wait()
				slices.Sort(lat)
				q := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))] }
				fmt.Printf("%s: %d commits in %s (moved %d scans, %d movements, %d orders, %d tasks): p50 %s p99 %s max %s\n",
					name, len(lat), took.Round(time.Millisecond), res.Scans, res.Movements, res.Orders, res.Tasks,
					q(0.5).Round(10*time.Microsecond), q(0.99).Round(10*time.Microsecond), lat[len(lat)-1].Round(10*time.Microsecond))
				s.Close()
			}
		})
	}
}
