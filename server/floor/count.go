package floor

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// CountTask asks for a count of one bin. A bin has at most one open task.
// The count is blind: the counter is told the bin, never what the system
// expects in it.
type CountTask struct {
	Bin       string
	Reason    string // why it was asked for, e.g. a short pick
	Created   time.Time
	CreatedBy string
	// Snapshot is the on-hand stock of each SKU in the bin when the
	// counter scanned the bin; nil until then.
	Snapshot map[string]int64
	Started  time.Time
	Attempts []CountAttempt
}

// CountAttempt is one submitted count.
type CountAttempt struct {
	User    string
	At      time.Time
	Counted map[string]int64 // SKU -> units found; SKUs not found are absent
	Outcome string           // the reason of its outcome
}

// CountLine compares one SKU's count with the system.
type CountLine struct {
	SKU      string
	System   int64 // on hand before the count
	Reserved int64 // units open pick tasks still take from the bin
	Counted  int64
}

// Delta is the correction the count asks for.
func (l CountLine) Delta() int64 { return l.Counted - l.System }

// CountOutcome is the answer to a submitted count.
type CountOutcome struct {
	Verdict Verdict
	Reason  string
	Message string
	Lines   []CountLine // every SKU in the bin or counted, by SKU
	// Moves are the corrections to apply; only when Done.
	Moves []StockMove
	Done  bool // the task is closed
}

// CountClosed says whether an answer's reason closed the count task.
func CountClosed(reason string) bool {
	return reason == "COUNT_MATCHES" || reason == "COUNT_ADJUSTED"
}

// Start records what the system holds in the bin as the counter begins.
func (t *CountTask) Start(levels []StockLevel, at time.Time) {
	t.Snapshot = map[string]int64{}
	for _, l := range levels {
		t.Snapshot[l.SKU] = l.OnHand
	}
	t.Started = at
}

// Submit judges a count against levels, the bin's stock now. Units reserved
// for open pick tasks are still on the shelf and are counted like any
// other, so a count never deducts a pending pick twice. The rules:
//   - stock moved since the count began (a pick, a transfer): count again,
//     since nobody can tell whether the counter saw those units;
//   - the count agrees with the system: closed, nothing changes;
//   - it differs: count again, and the correction is applied only when two
//     counts in a row agree, because a miscount must not move stock;
//   - a correction below what open picks still take is refused: the
//     pickers will report those lines short, and the bin is counted again.
func (t *CountTask) Submit(user string, counted map[string]int64, levels []StockLevel, at time.Time) CountOutcome {
	bySKU := map[string]StockLevel{}
	for _, l := range levels {
		bySKU[l.SKU] = l
	}
	out := CountOutcome{Lines: countLines(counted, bySKU)}
	attempt := CountAttempt{User: user, At: at, Counted: counted}
	defer func() { attempt.Outcome = out.Reason; t.Attempts = append(t.Attempts, attempt) }()

	if t.Snapshot == nil {
		out.Verdict, out.Reason = VerdictOutOfSequence, "COUNT_NOT_STARTED"
		out.Message = fmt.Sprintf("scan bin %s first, then count what is in it", t.Bin)
		return out
	}
	if moved := t.movedSince(bySKU); len(moved) > 0 {
		t.Start(levels, at)
		out.Verdict, out.Reason = VerdictRecount, "COUNT_DISTURBED"
		out.Message = fmt.Sprintf("stock of %s moved in bin %s while you counted: count the bin again",
			strings.Join(moved, ", "), t.Bin)
		return out
	}
	var differ []CountLine
	for _, l := range out.Lines {
		if l.Delta() != 0 {
			differ = append(differ, l)
		}
	}
	if len(differ) == 0 {
		out.Verdict, out.Reason, out.Done = VerdictRight, "COUNT_MATCHES", true
		out.Message = fmt.Sprintf("bin %s counted: it agrees with the system", t.Bin)
		return out
	}
	if !t.confirms(counted) {
		out.Verdict, out.Reason = VerdictRecount, "COUNT_DIFFERS"
		out.Message = fmt.Sprintf("bin %s: the count differs for %s: count it again", t.Bin, skusOf(differ))
		return out
	}
	for _, l := range differ {
		if l.Counted < l.Reserved {
			out.Verdict, out.Reason = VerdictRecount, "COUNT_BELOW_RESERVED"
			out.Message = fmt.Sprintf("bin %s: %d of %s counted but %d are due to open picks; count it again once they are picked",
				t.Bin, l.Counted, l.SKU, l.Reserved)
			return out
		}
	}
	for _, l := range differ {
		out.Moves = append(out.Moves, StockMove{Kind: MoveCount, Bin: t.Bin, SKU: l.SKU, OnHand: l.Delta()})
	}
	out.Verdict, out.Reason, out.Done = VerdictDiscrepancy, "COUNT_ADJUSTED", true
	out.Message = fmt.Sprintf("bin %s: confirmed by a second count, stock corrected for %s", t.Bin, skusOf(differ))
	return out
}

// movedSince lists the SKUs whose on-hand stock is not what it was when
// the count started.
func (t *CountTask) movedSince(now map[string]StockLevel) []string {
	var moved []string
	for _, sku := range slices.Sorted(maps.Keys(unionKeys(t.Snapshot, now))) {
		if t.Snapshot[sku] != now[sku].OnHand {
			moved = append(moved, sku)
		}
	}
	return moved
}

// confirms says whether the last count, made on the same stock, found
// exactly what this one found.
func (t *CountTask) confirms(counted map[string]int64) bool {
	if len(t.Attempts) == 0 {
		return false
	}
	last := t.Attempts[len(t.Attempts)-1]
	if last.Outcome != "COUNT_DIFFERS" && last.Outcome != "COUNT_BELOW_RESERVED" {
		return false
	}
	return maps.Equal(nonZero(last.Counted), nonZero(counted))
}

func countLines(counted map[string]int64, levels map[string]StockLevel) []CountLine {
	var out []CountLine
	for _, sku := range slices.Sorted(maps.Keys(unionKeys(counted, levels))) {
		l := levels[sku]
		out = append(out, CountLine{SKU: sku, System: l.OnHand, Reserved: l.Reserved, Counted: counted[sku]})
	}
	return out
}

func unionKeys[A, B any](a map[string]A, b map[string]B) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

func nonZero(m map[string]int64) map[string]int64 {
	out := map[string]int64{}
	for k, v := range m {
		if v != 0 {
			out[k] = v
		}
	}
	return out
}

func skusOf(lines []CountLine) string {
	names := make([]string, len(lines))
	for i, l := range lines {
		names[i] = l.SKU
	}
	return strings.Join(names, ", ")
}
