package floor

import (
	"math"
	"time"
)

// Familiarity settings. A picker's familiarity with a bin and its SKU is a
// count of their picks there, each pick counting less as it ages (half-life
// FamiliarityHalfLife) and less when it was slow. A bin whose SKU changed,
// or a new SKU, has no picks for its (bin, SKU) pair and so starts
// unfamiliar.
const (
	FamiliarityHalfLife         = 7 * 24 * time.Hour
	DefaultFamiliarityThreshold = 2.0
)

// Familiarity is one picker's learned familiarity with one bin and SKU.
type Familiarity struct {
	Score float64   // decayed, speed-weighted pick count at UpdatedAt
	At    time.Time // when Score was last brought up to date
}

// ScoreAt is the score decayed to now.
func (f Familiarity) ScoreAt(now time.Time) float64 {
	if f.At.IsZero() || f.Score == 0 {
		return 0
	}
	age := now.Sub(f.At)
	if age < 0 {
		age = 0
	}
	return f.Score * math.Exp2(-float64(age)/float64(FamiliarityHalfLife))
}

// Familiar reports whether the score at now reaches threshold.
func (f Familiarity) Familiar(now time.Time, threshold float64) bool {
	return f.ScoreAt(now) >= threshold
}

// AddPick folds one pick into f. took is how long the pick took at the
// face and expected what the picker's time model predicted for it: a pick
// slower than expected counts for less (at least a quarter), because
// hesitating at a bin is the sign of not knowing it.
func (f Familiarity) AddPick(at time.Time, took, expected time.Duration) Familiarity {
	weight := 1.0
	if took > expected && took > 0 {
		weight = max(0.25, float64(expected)/float64(took))
	}
	if at.Before(f.At) { // late-arriving history: decay the new pick instead
		return Familiarity{Score: f.Score + weight*math.Exp2(-float64(f.At.Sub(at))/float64(FamiliarityHalfLife)), At: f.At}
	}
	return Familiarity{Score: f.ScoreAt(at) + weight, At: at}
}
