package feed

import (
	"github.com/pickpack/pickpack/server/floor"
)

// shut is a closed order's final clock, kept for the watchers that had
// the order until they read it (KeepClosed). A busy floor closes hundreds
// of orders a minute, so like ord it holds no pointer: its id is its
// number in Hub.shutIDs, its names numbers in Hub.names, and its event is
// made when read. A closed order's clock has no reason and no raise: see
// floor.FeedConfig.Clock.
type shut struct {
	released, due, handed, atAssign, pred int64  // Unix ns
	seq                                   uint64 // its change; 0 once forgotten
	picker, task                          int32  // numbers in Hub.names
	st, risk                              uint8
}

// shutOrder keeps oc, the final clock of order id, as a new change that
// watchers that had the order read once: a closed order's final state.
func (h *Hub) shutOrder(id string, oc floor.OrderClock) {
	j, known := h.shutIDs.find(id)
	if known {
		h.stale++ // closed again: its last final state is told no more
	} else {
		j = h.shutIDs.add(id)
		for int(j) >= len(h.shuts) {
			h.shuts = append(h.shuts, shut{})
		}
	}
	s := &h.shuts[j]
	h.rename(&s.picker, oc.Picker)
	h.rename(&s.task, oc.TaskID)
	s.released, s.due, s.handed, s.atAssign, s.pred = floor.UnixNano(oc.ReleasedAt), floor.UnixNano(oc.DueAt), floor.UnixNano(oc.HandedOffAt),
		floor.UnixNano(oc.PredictedAtAssignment), floor.UnixNano(oc.PredictedHandoffAt)
	s.st, s.risk = uint8(oc.State), uint8(oc.Risk)
	h.seq++
	s.seq = h.seq
	h.changes = append(h.changes, change{seq: h.seq, ref: j, kind: kindShut})
	h.closings = append(h.closings, closing{seq: h.seq, forget: h.clock.Now().Add(h.keepClosed()).UnixNano(), ref: j})
}

// shutClock is the final clock kept as number j.
func (h *Hub) shutClock(j int32) floor.OrderClock {
	s := &h.shuts[j]
	return floor.OrderClock{OrderID: h.shutIDs.str(j), State: floor.OrderState(s.st), Picker: h.names.str(s.picker),
		TaskID: h.names.str(s.task), ReleasedAt: floor.FromUnixNano(s.released), DueAt: floor.FromUnixNano(s.due),
		PredictedHandoffAt: floor.FromUnixNano(s.pred), HandedOffAt: floor.FromUnixNano(s.handed),
		PredictedAtAssignment: floor.FromUnixNano(s.atAssign), Risk: floor.Risk(s.risk)}
}

// forgetShut takes the final clock kept as number j out of the view
// without telling watchers.
func (h *Hub) forgetShut(j int32) {
	s := &h.shuts[j]
	h.names.release(s.picker)
	h.names.release(s.task)
	*s = shut{}
	h.shutIDs.release(j)
	h.stale++
}
