package floor

import (
	"math"
	"testing"
	"time"
)

func TestFamiliarityDecaysAndWeighsSpeed(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	quick, expected := 4*time.Second, 8*time.Second
	var f Familiarity
	for i := range 3 {
		f = f.AddPick(t0.Add(time.Duration(i)*time.Hour), quick, expected)
	}
	tests := []struct {
		name string
		at   time.Time
		want float64
	}{
		{"right after three quick picks (the first two an hour or two old)", t0.Add(2 * time.Hour), 2.988},
		{"a half-life later", t0.Add(2*time.Hour + FamiliarityHalfLife), 1.494},
		{"two half-lives later", t0.Add(2*time.Hour + 2*FamiliarityHalfLife), 0.747},
	}
	for _, tt := range tests {
		if got := f.ScoreAt(tt.at); math.Abs(got-tt.want) > 0.001 {
			t.Errorf("%s: score %.3f, want %.3f", tt.name, got, tt.want)
		}
	}
	if !f.Familiar(t0.Add(2*time.Hour), DefaultFamiliarityThreshold) || f.Familiar(t0.Add(2*time.Hour+2*FamiliarityHalfLife), DefaultFamiliarityThreshold) {
		t.Error("familiar should fade below the threshold after two half-lives")
	}
	slow := Familiarity{}.AddPick(t0, 40*time.Second, expected)
	if got := slow.ScoreAt(t0); got != 0.25 {
		t.Errorf("a pick five times slower than expected counts %.2f, want the floor of 0.25", got)
	}
}

func TestPickerModelLearnsFromPicks(t *testing.T) {
	m := DefaultPickerModel
	for range 50 {
		m = m.Learn(PickEvent{WalkMeters: 30, Walked: 20 * time.Second, AtFace: 5 * time.Second, Familiar: true,
			Units: 3, UnitsTook: 4 * time.Second})
	}
	if math.Abs(m.WalkSpeed-1.5) > 0.01 || absDur(m.StopFamiliar-5*time.Second) > 50*time.Millisecond || absDur(m.PerUnit-2*time.Second) > 50*time.Millisecond {
		t.Errorf("after 50 picks at 1.5 m/s, 5 s at the face, 2 s a unit: %+v", m)
	}
	if m.StopUnfamiliar != DefaultPickerModel.StopUnfamiliar {
		t.Errorf("familiar picks changed the unfamiliar stop time: %v", m.StopUnfamiliar)
	}
	// A break is not a walking pace.
	if got := m.LearnWalk(30, 10*time.Minute); got.WalkSpeed != m.WalkSpeed {
		t.Errorf("a 10-minute walk of 30 m changed the pace to %v", got.WalkSpeed)
	}
}

func absDur(d time.Duration) time.Duration { return max(d, -d) }
