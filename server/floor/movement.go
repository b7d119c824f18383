package floor

import "time"

// MovementKind says why stock moved.
type MovementKind int

// Movement kinds. Their names are the words of the history export.
const (
	MoveUnspecified MovementKind = iota
	MoveOpening                  // stock present before the history began (a migrated file)
	MoveReceive                  // units counted in at the dock against a delivery
	MoveDamaged                  // units received damaged: recorded, never stocked
	MovePutAway                  // dock to bin
	MovePick                     // bin to tote
	MoveShort                    // units a short pick found missing, written off the bin
	MoveReturn                   // picked units back to their bin (order cancelled, task released)
	MovePack                     // units verified into a parcel (no bin changes)
	MoveShip                     // parcel handed to the courier (no bin changes)
	MoveCount                    // a count's correction of a bin
	MoveTransfer                 // one leg of a transfer between bins (out negative, in positive)
	MoveAdjust                   // an administrator's correction
	MoveRelease                  // a released task's reservation given back (no bin changes)
	MoveReassign                 // a task handed to another picker (no stock changes)
	MoveCancel                   // an order cancelled by a person (no stock changes; returns are recorded apart)
	MoveOffShift                 // a picker taken off shift by a supervisor (no stock changes)
	MoveOnShift                  // a picker back on shift (no stock changes)
	MovePriority                 // an order's priority raised by a supervisor (no stock changes)
	MoveReprint                  // an order's documents queued again (no stock changes)
)

var movementKindNames = []string{"unspecified", "opening", "receive", "damaged", "put-away", "pick", "short",
	"return", "pack", "ship", "count", "transfer", "adjust",
	"release", "reassign", "cancel", "off-shift", "on-shift", "priority", "reprint"}

func (k MovementKind) String() string { return nameOf(movementKindNames, k) }

// DockBin names the receiving dock in movements: units received and not yet
// put away are there, in no bin of the map.
const DockBin = "DOCK"

// Movement is one entry of the stock history: Units of SKU moved by User at
// Bin for Kind. For the kinds that change a bin (or the dock) Units is the
// signed change of its on-hand stock, so the movements of a bin add up to
// its stock; pack and ship carry the units of the order with no Bin.
type Movement struct {
	Seq   uint64 // order of commit, from 1
	At    time.Time
	User  string
	Kind  MovementKind
	Bin   string
	SKU   string
	Units int64
	Ref   string // the delivery, task, order, count or transfer it belongs to
	Note  string // e.g. a reason typed by the user
}

// ChangesStock says whether m counts toward the on-hand stock of its Bin.
func (m Movement) ChangesStock() bool {
	switch m.Kind {
	case MovePack, MoveShip, MoveDamaged, MoveRelease, MoveReassign, MoveCancel, MoveOffShift, MoveOnShift, MovePriority, MoveReprint:
		return false
	}
	return true
}
