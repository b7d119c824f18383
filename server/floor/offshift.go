package floor

import "time"

// OffShift records a picker a supervisor took off shift: the supervisors'
// view and the predictions no longer count them as a pair of hands. The
// picker is back on shift when a supervisor says so or when they are next
// given a task (a picker asking for work is at work).
type OffShift struct {
	Picker string
	At     time.Time
	By     string // the supervisor
	Reason string
}

// CheckReason adds a violation at field unless s says why a supervisor
// acts: 1 to MaxReasonLen characters of clean text. The history keeps it
// beside who acted, so an action without a reason is refused.
func CheckReason(vs *Violations, field, s string) {
	if s == "" {
		vs.Add(field, "say why (1 to %d characters): the history keeps it", MaxReasonLen)
		return
	}
	checkText(vs, field, s, MaxReasonLen)
}
