package floor

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Shifts are the site's shifts, each defined by its start as a time of
// day in the site's time zone; a shift ends where the next one starts.
// With one start a shift lasts a day.
type Shifts struct {
	Starts []time.Duration // since midnight, ascending, distinct, under 24 h
	Loc    *time.Location  // the site's time zone; UTC if nil
}

// DefaultShifts are three eight-hour shifts from 06:00 in UTC.
var DefaultShifts = Shifts{Starts: []time.Duration{6 * time.Hour, 14 * time.Hour, 22 * time.Hour}}

// ParseShifts reads shift starts such as "06:00,14:00,22:00" in loc.
func ParseShifts(s string, loc *time.Location) (Shifts, error) {
	const op = "parse shifts"
	var v Violations
	out := Shifts{Loc: loc}
	for i, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		t, err := time.Parse("15:04", part)
		if err != nil {
			v.Add(fmt.Sprintf("shifts[%d]", i), "%s is not a time of day as HH:MM", Quote(part))
			continue
		}
		d := time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute
		if slices.Contains(out.Starts, d) {
			v.Add(fmt.Sprintf("shifts[%d]", i), "%s is given twice", part)
			continue
		}
		out.Starts = append(out.Starts, d)
	}
	if err := v.Err(op); err != nil {
		return Shifts{}, err
	}
	slices.Sort(out.Starts)
	return out, nil
}

func (s Shifts) loc() *time.Location {
	if s.Loc == nil {
		return time.UTC
	}
	return s.Loc
}

// At returns the shift now falls in: its start and its end.
func (s Shifts) At(now time.Time) (start, end time.Time) {
	starts := s.Starts
	if len(starts) == 0 {
		starts = DefaultShifts.Starts
	}
	local := now.In(s.loc())
	y, m, d := local.Date()
	// The candidates are the starts of yesterday, today and tomorrow, so
	// that a shift over midnight is found from either side of it. Starts
	// are built from the date and the time of day (not midnight plus a
	// duration), so a day of 23 or 25 hours keeps its shifts at their
	// times on the wall clock.
	var all []time.Time
	for day := -1; day <= 1; day++ {
		for _, st := range starts {
			h, min := int(st/time.Hour), int(st%time.Hour/time.Minute)
			all = append(all, time.Date(y, m, d+day, h, min, 0, 0, s.loc()))
		}
	}
	for i := len(all) - 1; i >= 0; i-- {
		if !all[i].After(now) {
			return all[i], all[i+1]
		}
	}
	return all[0], all[1] // not reached: yesterday's first start is before now
}

// Label names a shift by its start and end in the site's time zone, as
// "06:00–14:00".
func (s Shifts) Label(start, end time.Time) string {
	return start.In(s.loc()).Format("15:04") + "–" + end.In(s.loc()).Format("15:04")
}
