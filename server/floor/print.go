package floor

import "time"

// PrintState is where a print job is.
type PrintState int

// Print job states. A job is sent once: it becomes Sending before the
// bytes leave and Sent after the printer took them. A job found Sending
// after a restart may or may not have printed; it becomes Unknown and
// waits for a person to reprint it rather than risk a second label.
const (
	PrintQueued PrintState = iota + 1
	PrintSending
	PrintSent
	PrintUnknown
)

var printStateNames = map[PrintState]string{PrintQueued: "queued", PrintSending: "sending", PrintSent: "sent", PrintUnknown: "unknown"}

func (s PrintState) String() string { return printStateNames[s] }

// PrintJob is one document to print at one station: an order's documents
// at the pack station, or, for a paper picker, a whole task's pick list and
// waybills when the task is handed out (TaskID set, OrderID empty).
type PrintJob struct {
	ID        uint64
	OrderID   string
	TaskID    string
	Station   string
	State     PrintState
	Attempts  int
	LastError string // the last failure, shown until a send succeeds
	Reprint   bool
	CreatedAt time.Time
	SentAt    time.Time
	NotBefore time.Time // retry backoff
}
