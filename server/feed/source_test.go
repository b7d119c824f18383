package feed

import (
	"maps"
	"slices"
	"time"

	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

// memSource is the store as the feed reads it, in memory: the tests and
// benchmarks write orders and tasks and it hands the hub what changed,
// as the store's change feed does.
type memSource struct {
	orders   map[string]floor.Order // every order written, closed ones too
	tasks    map[string]floor.Task
	pickers  []string
	offShift []floor.OffShift
	models   map[string]floor.PickerModel

	full          bool // the next read is whole, as the store's first one is
	changedOrders map[string]bool
	changedTasks  map[string]bool
}

func newMemSource() *memSource {
	return &memSource{orders: map[string]floor.Order{}, tasks: map[string]floor.Task{},
		models: map[string]floor.PickerModel{}, full: true,
		changedOrders: map[string]bool{}, changedTasks: map[string]bool{}}
}

func (s *memSource) putOrder(o floor.Order) {
	s.orders[o.ID] = o
	s.changedOrders[o.ID] = true
}

func (s *memSource) putTask(t floor.Task) {
	s.tasks[t.ID] = t
	s.changedTasks[t.ID] = true
}

// FloorDelta hands the open orders and their tasks when the read is whole,
// otherwise the orders and tasks written since the last call. It makes
// little garbage of its own, so that the benchmarks measure the hub's.
func (s *memSource) FloorDelta() (store.FloorDelta, error) {
	d := store.FloorDelta{Tasks: map[string]floor.Task{}, Pickers: s.pickers, OffShift: s.offShift}
	if s.full {
		d.Full = true
		for _, id := range slices.Sorted(maps.Keys(s.orders)) {
			o := s.orders[id]
			if !o.State.Open() {
				continue
			}
			d.Orders = append(d.Orders, o)
			if t, ok := s.tasks[o.TaskID]; ok {
				d.Tasks[t.ID] = t
			}
		}
	} else {
		d.Orders = make([]floor.Order, 0, len(s.changedOrders))
		for id := range s.changedOrders {
			d.Orders = append(d.Orders, s.orders[id])
		}
		for id := range s.changedTasks {
			d.Tasks[id] = s.tasks[id]
		}
	}
	s.full = false
	clear(s.changedOrders)
	clear(s.changedTasks)
	return d, nil
}

// ScanLog has no scans: the pickers' activity is not what these tests are
// about.
func (s *memSource) ScanLog(after uint64, limit int) ([]store.ScanEntry, error) { return nil, nil }

func (s *memSource) Order(id string) (floor.Order, error) {
	o, ok := s.orders[id]
	if !ok {
		return floor.Order{}, &floor.Error{Op: "read order", Kind: floor.KindNotFound, Msg: "no order " + id}
	}
	return o, nil
}

func (s *memSource) PickerModels() (map[string]floor.PickerModel, error) {
	return maps.Clone(s.models), nil
}

func (s *memSource) OrdersDue(from, to time.Time) ([]floor.Order, error) {
	var out []floor.Order
	for _, id := range slices.Sorted(maps.Keys(s.orders)) {
		if o := s.orders[id]; !o.DueAt.Before(from) && o.DueAt.Before(to) {
			out = append(out, o)
		}
	}
	return out, nil
}
