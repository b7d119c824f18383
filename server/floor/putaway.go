package floor

import (
	"fmt"
	"math"
)

// PutAwayInput is what SuggestBin needs to know about the floor.
type PutAwayInput struct {
	Map     *BinMap
	SKU     string
	Holding []StockLevel    // the bins that hold the SKU now
	Slot    string          // the SKU's pick bin, if it has one
	Taken   map[string]bool // bins holding stock or kept as another SKU's pick bin
	Fast    bool            // the SKU is a fast mover
	FastAt  []string        // bins holding fast movers
}

// PutAwaySuggestion is where to put received units, and why there.
type PutAwaySuggestion struct {
	Bin    string
	Reason string
}

// SuggestBin says where received units of a SKU should go: its pick bin if
// it has one; else a bin already holding it (the fullest, so stock is not
// spread thin); else a free bin: for a fast mover the free bin nearest
// the other fast movers (or the depot, when there are none), for the rest
// the free bin farthest from the depot, leaving near bins for fast movers.
func SuggestBin(in PutAwayInput) (PutAwaySuggestion, error) {
	if in.Slot != "" {
		return PutAwaySuggestion{Bin: in.Slot, Reason: "the SKU's pick bin"}, nil
	}
	if len(in.Holding) > 0 {
		best := in.Holding[0]
		for _, l := range in.Holding[1:] {
			if l.OnHand > best.OnHand {
				best = l
			}
		}
		return PutAwaySuggestion{Bin: best.Bin, Reason: fmt.Sprintf("already holds %d of the SKU", best.OnHand)}, nil
	}
	var anchors []Point
	for _, code := range in.FastAt {
		if b, ok := in.Map.Bin(code); ok {
			anchors = append(anchors, in.Map.PickFace(b))
		}
	}
	if len(anchors) == 0 {
		anchors = []Point{in.Map.Depot}
	}
	bestBin, bestScore := "", math.Inf(1)
	for _, b := range in.Map.Bins {
		if in.Taken[b.Code] {
			continue
		}
		p := in.Map.PickFace(b)
		score := -manhattan(p, in.Map.Depot)
		if in.Fast {
			score = math.Inf(1)
			for _, a := range anchors {
				score = math.Min(score, manhattan(p, a))
			}
		}
		if score < bestScore {
			bestBin, bestScore = b.Code, score
		}
	}
	if bestBin == "" {
		return PutAwaySuggestion{}, &Error{Op: "suggest bin", Kind: KindExhausted, Reason: "NO_FREE_BIN",
			Msg: fmt.Sprintf("no bin holds %s and every bin is taken", in.SKU)}
	}
	if in.Fast {
		return PutAwaySuggestion{Bin: bestBin, Reason: "free bin nearest the fast movers"}, nil
	}
	return PutAwaySuggestion{Bin: bestBin, Reason: "free bin away from the depot (not a fast mover)"}, nil
}

func manhattan(a, b Point) float64 { return math.Abs(a.X-b.X) + math.Abs(a.Y-b.Y) }
