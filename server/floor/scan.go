package floor

import "time"

// ScanAction says what a scan means; the zero value is a scanned code.
type ScanAction int

// Scan actions.
const (
	ActionCode     ScanAction = iota // a bin, item, order or waybill code
	ActionQuantity                   // further units of the item just scanned, typed
	ActionShort                      // the current line cannot be picked in full here
	ActionWeight                     // the parcel weight at the pack station
	ActionPostpone                   // the current stop moves to the end of the route
)

// ActionNewBox closes the box being packed so the order goes on in another
// (pack station). Numbered as the proto's SCAN_ACTION_NEW_BOX.
const ActionNewBox ScanAction = 5

// ShortReason says why a line was short.
type ShortReason int

// Short reasons.
const (
	ShortUnspecified ShortReason = iota
	ShortEmptyBin
	ShortDamaged
	ShortCannotFind
)

var shortReasonNames = []string{"unspecified", "empty bin", "damaged goods", "cannot find"}

func (r ShortReason) String() string { return nameOf(shortReasonNames, r) }

// Scan is one scan from a device.
type Scan struct {
	ID          string
	DeviceTime  time.Time // when the device made it; zero if not sent
	At          time.Time // when the server received it
	Code        string
	Action      ScanAction
	Quantity    int64
	ShortReason ShortReason
	WeightG     int64
}

// When is the best time of the scan for measuring durations: the device's
// clock when it sent one (replayed offline scans keep their real spacing),
// else the server's.
func (s Scan) When() time.Time {
	if !s.DeviceTime.IsZero() {
		return s.DeviceTime
	}
	return s.At
}

// Verdict is the answer to one scan.
type Verdict int

// Verdicts; see the proto's Verdict for their meaning.
const (
	VerdictUnspecified Verdict = iota
	VerdictRight
	VerdictWrongBin
	VerdictWrongItem
	VerdictUnknownBarcode
	VerdictOverPick
	VerdictLineDone
	VerdictTaskDone
	VerdictShortRecorded
	VerdictOutOfSequence
	VerdictWeightMismatch
	VerdictNothingOpen
	VerdictDiscrepancy // taken in, but not as expected (over-received, damaged, count corrected)
	VerdictRecount     // count again: the count differs, or stock moved while counting
	VerdictWrongTote   // a tote code refused: malformed, in this task already, or holding another task's order
)

// Expect says what the device should scan next.
type Expect int

// Expectations.
const (
	ExpectUnspecified Expect = iota
	ExpectBin
	ExpectItem
	ExpectWeight
	ExpectOrder
	ExpectNothing
	ExpectTote    // a tote for the instruction's order (cart position Tote)
	ExpectDropOff // the pack station's drop-off code
)

// Instruction tells the device what comes next.
type Instruction struct {
	Expect    Expect
	Stop      *Stop
	Remaining int64
	TaskID    string
	OrderID   string
	Done      int
	Total     int
	DueAt     time.Time
	Tote      int // with ExpectTote: the cart position of the order
	Box       int // packing: the box being filled or weighed, from 1
	// Packing: every SKU of the open order, sorted, with the units still
	// to verify, so a screen can show what is left per line.
	Lines []PackLine `json:",omitempty"`
}

// PackLine is one SKU of an order at the pack station: the units picked
// into its tote and how many of them were verified.
type PackLine struct {
	SKU, Name          string
	Quantity, Verified int64
}

// Answer is the full reply to a scan.
type Answer struct {
	ScanID   string
	Verdict  Verdict
	Reason   string // machine-readable, e.g. "WRONG_BIN"
	Message  string // for a person
	Next     Instruction
	Replayed bool
}

// StockMove is a change a scan makes to the stock of one SKU in one bin.
type StockMove struct {
	Kind     MovementKind // what the history records for a change of on-hand units
	Bin, SKU string
	OnHand   int64 // change of on-hand units
	Reserved int64 // change of reserved units
}

// ShortPick records a line that could not be picked in full at a bin; the
// bin needs a count.
type ShortPick struct {
	TaskID, OrderID, Bin, SKU string
	Units                     int64
	Reason                    ShortReason
	ReroutedTo                string // the bin the units are now taken from; "" if the line is short
	ReroutedUnits             int64
}
