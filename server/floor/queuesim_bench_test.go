package floor

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkSimulate is the feed's look at a long queue: every queued
// order predicted, and the staffing searched for when some are late.
func BenchmarkSimulate(b *testing.B) {
	for _, n := range []int{1_000, 40_000} {
		queue := make([]SimOrder, n)
		for i := range queue {
			queue[i] = SimOrder{ID: fmt.Sprintf("O%06d", i), DueAt: simNow.Add(time.Duration(i%600) * time.Second), Lines: 1 + i%3, Units: int64(1 + i%5)}
		}
		pickers := make([]SimPicker, 20)
		for i := range pickers {
			pickers[i] = SimPicker{Name: fmt.Sprintf("p%02d", i), FreeAt: simNow.Add(time.Duration(i) * time.Minute), Model: DefaultPickerModel}
		}
		b.Run(fmt.Sprintf("simulate %d orders", n), func(b *testing.B) {
			for b.Loop() {
				DefaultQueueModel.Simulate(simNow, pickers, queue)
			}
		})
		b.Run(fmt.Sprintf("staff %d orders", n), func(b *testing.B) {
			for b.Loop() {
				DefaultQueueModel.Staff(simNow, pickers, queue)
			}
		})
	}
}
