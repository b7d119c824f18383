package floor

import "time"

// Clock tells the time. Servers use SystemClock; tests inject a fixed or
// stepped clock so that due times and ages are deterministic.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns the current time.
func (SystemClock) Now() time.Time { return time.Now() }
