package floor

import (
	"testing"
	"time"
)

// Picks per hour counts the accepted picks from an hour before now (that
// instant included) up to now.
func TestStatusPicksLastHour(t *testing.T) {
	now := time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC)
	at := func(ago time.Duration) int64 { return now.Add(-ago).UnixNano() }
	tests := []struct {
		name  string
		picks []int64
		want  int
	}{
		{"none", nil, 0},
		{"all within the hour", []int64{at(59 * time.Minute), at(time.Second), at(0)}, 3},
		{"an hour ago counts", []int64{at(time.Hour), at(time.Minute)}, 2},
		{"older ones do not", []int64{at(2 * time.Hour), at(time.Hour + time.Nanosecond), at(30 * time.Minute)}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FeedConfig{}.Status(now, PickerActivity{Picker: "p1", Picks: tt.picks}, "").PicksLastHour
			if got != tt.want {
				t.Errorf("got %d picks in the last hour, want %d", got, tt.want)
			}
		})
	}
}
