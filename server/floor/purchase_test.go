package floor

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestSuggestPurchase(t *testing.T) {
	// now is mid-afternoon; RunsOut counts whole days from its midnight.
	now := time.Date(2026, 3, 10, 15, 30, 0, 0, time.UTC)
	day := func(d int) time.Time { return time.Date(2026, 3, 10+d, 0, 0, 0, 0, time.UTC) }
	// 280 sold in 28 days = 10 a day; lead time 7, safety 20:
	// reorder point = 10 x 7 + 20 = 90, target = 10 x (7 + 14) + 20 = 230.
	sup := Supply{SKU: "A", Supplier: "Acme", LeadTimeDays: 7, SafetyStock: 20}
	withMin := func(n int64) Supply { s := sup; s.MinOrder = n; return s }
	tests := []struct {
		name       string
		pos        StockPosition
		sup        Supply
		hasSupply  bool
		pol        PurchasePolicy
		daily      float64
		rop        float64
		target     float64
		suggested  int64
		runsOut    time.Time
		reasonHas  string
		notChecked bool // the reason is not checked
	}{
		{
			// available 100 - 30 = 70, position 70 + 10 = 80 <= 90: order 230 - 80 = 150;
			// runs out in floor(70 / 10) = 7 days.
			name: "below the reorder point", pos: StockPosition{SKU: "A", OnHand: 100, Reserved: 30, OnOrder: 10, Sold: 280},
			sup: sup, hasSupply: true, pol: DefaultPurchasePolicy,
			daily: 10, rop: 90, target: 230, suggested: 150, runsOut: day(7),
			reasonHas: "position 80 at or below reorder point 90.0: order up to 230.0",
		},
		{
			// need 150 < min order 200: 200
			name: "the minimum order raises a small need", pos: StockPosition{SKU: "A", OnHand: 100, Reserved: 30, OnOrder: 10, Sold: 280},
			sup: withMin(200), hasSupply: true, pol: DefaultPurchasePolicy,
			daily: 10, rop: 90, target: 230, suggested: 200, runsOut: day(7), reasonHas: "at or below",
		},
		{
			// need 150 > min order 100: 150
			name: "a minimum order below the need changes nothing", pos: StockPosition{SKU: "A", OnHand: 100, Reserved: 30, OnOrder: 10, Sold: 280},
			sup: withMin(100), hasSupply: true, pol: DefaultPurchasePolicy,
			daily: 10, rop: 90, target: 230, suggested: 150, runsOut: day(7), reasonHas: "at or below",
		},
		{
			// position 90 = reorder point 90: order 230 - 90 = 140; floor(90 / 10) = 9 days
			name: "at the reorder point orders", pos: StockPosition{SKU: "A", OnHand: 90, Sold: 280},
			sup: sup, hasSupply: true, pol: DefaultPurchasePolicy,
			daily: 10, rop: 90, target: 230, suggested: 140, runsOut: day(9),
			reasonHas: "position 90 at or below reorder point 90.0",
		},
		{
			// position 91 > 90: nothing; floor(91 / 10) = 9 days
			name: "one above the reorder point does not", pos: StockPosition{SKU: "A", OnHand: 91, Sold: 280},
			sup: withMin(500), hasSupply: true, pol: DefaultPurchasePolicy,
			daily: 10, rop: 90, target: 230, suggested: 0, runsOut: day(9),
			reasonHas: "position 91 above reorder point 90.0",
		},
		{
			// available 50 is below 90, but 50 + 100 on order = 150 > 90; floor(50 / 10) = 5 days
			name: "stock on order counts", pos: StockPosition{SKU: "A", OnHand: 50, OnOrder: 100, Sold: 280},
			sup: sup, hasSupply: true, pol: DefaultPurchasePolicy,
			daily: 10, rop: 90, target: 230, suggested: 0, runsOut: day(5), reasonHas: "position 150 above",
		},
		{
			// 50 / 28 = 1.7857 a day; lead 10, safety 5: reorder point 17.857 + 5 = 22.857,
			// target 1.7857 x 24 + 5 = 47.857; position 20: order ceil(27.857) = 28;
			// floor(20 / 1.7857) = floor(11.2) = 11 days.
			name: "fractional daily sales round the order up", pos: StockPosition{SKU: "A", OnHand: 20, Sold: 50},
			sup: Supply{LeadTimeDays: 10, SafetyStock: 5}, hasSupply: true, pol: DefaultPurchasePolicy,
			daily: 50.0 / 28, rop: 50.0/28*10 + 5, target: 50.0/28*24 + 5, suggested: 28, runsOut: day(11),
			reasonHas: "position 20 at or below reorder point 22.9: order up to 47.9",
		},
		{
			// 70 in 7 days = 10 a day; lead 3, review 4, safety 0: reorder point 30, target 70;
			// position 25 - 5 = 20: order 50; floor(20 / 10) = 2 days
			name: "another policy", pos: StockPosition{SKU: "A", OnHand: 25, Reserved: 5, Sold: 70},
			sup: Supply{LeadTimeDays: 3}, hasSupply: true, pol: PurchasePolicy{SalesDays: 7, ReviewDays: 4},
			daily: 10, rop: 30, target: 70, suggested: 50, runsOut: day(2), reasonHas: "order up to 70.0",
		},
		{
			// nothing sells and no safety stock: never buy, even at 0; never runs out
			name: "zero sales without safety stock", pos: StockPosition{SKU: "A"},
			sup: Supply{LeadTimeDays: 7, MinOrder: 10}, hasSupply: true, pol: DefaultPurchasePolicy,
			suggested: 0, notChecked: true,
		},
		{
			// reorder point = target = safety 20; position 5: order 15
			name: "zero sales with safety stock tops up to it", pos: StockPosition{SKU: "A", OnHand: 5},
			sup: Supply{LeadTimeDays: 7, SafetyStock: 20}, hasSupply: true, pol: DefaultPurchasePolicy,
			rop: 20, target: 20, suggested: 15, reasonHas: "position 5 at or below reorder point 20.0",
		},
		{
			// position 5, need 15 < min order 50: 50
			name: "zero sales with safety stock and a minimum order", pos: StockPosition{SKU: "A", OnHand: 5},
			sup: Supply{LeadTimeDays: 7, SafetyStock: 20, MinOrder: 50}, hasSupply: true, pol: DefaultPurchasePolicy,
			rop: 20, target: 20, suggested: 50, reasonHas: "at or below",
		},
		{
			// position 20 = reorder point = target: need 0, and no minimum order is forced
			name: "zero sales at the safety stock", pos: StockPosition{SKU: "A", OnHand: 20},
			sup: Supply{LeadTimeDays: 7, SafetyStock: 20, MinOrder: 50}, hasSupply: true, pol: DefaultPurchasePolicy,
			rop: 20, target: 20, suggested: 0, reasonHas: "position 20",
		},
		{
			// no sales window: daily sales 0, no safety stock: nothing
			name: "a policy without a sales window", pos: StockPosition{SKU: "A", Sold: 280},
			sup: Supply{LeadTimeDays: 7}, hasSupply: true, pol: PurchasePolicy{ReviewDays: 14},
			suggested: 0, notChecked: true,
		},
		{
			// 10 a day, but no lead time known: nothing, the reason says why;
			// runs out today: floor(0 / 10) = 0 days
			name: "no supply data", pos: StockPosition{SKU: "A", Sold: 280},
			sup: Supply{}, hasSupply: false, pol: DefaultPurchasePolicy,
			daily: 10, suggested: 0, runsOut: day(0), reasonHas: "no supply data",
		},
		{
			// supply values present but not marked as known are ignored
			name: "supply not marked known is ignored", pos: StockPosition{SKU: "A", OnHand: 3, Sold: 280},
			sup: sup, hasSupply: false, pol: DefaultPurchasePolicy,
			daily: 10, suggested: 0, runsOut: day(0), reasonHas: "nothing suggested",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SuggestPurchase(tt.pos, tt.sup, tt.hasSupply, tt.pol, now)
			if got.Suggested != tt.suggested {
				t.Errorf("suggested %d, want %d (%s)", got.Suggested, tt.suggested, got.Reason)
			}
			for _, f := range []struct {
				name      string
				got, want float64
			}{{"daily sales", got.DailySales, tt.daily}, {"reorder point", got.ReorderPoint, tt.rop}, {"target", got.Target, tt.target}} {
				if math.Abs(f.got-f.want) > 1e-9 {
					t.Errorf("%s %v, want %v", f.name, f.got, f.want)
				}
			}
			if !got.RunsOut.Equal(tt.runsOut) {
				t.Errorf("runs out %v, want %v", got.RunsOut, tt.runsOut)
			}
			if !tt.notChecked && !strings.Contains(got.Reason, tt.reasonHas) {
				t.Errorf("reason %q, want it to contain %q", got.Reason, tt.reasonHas)
			}
			if got.StockPosition != tt.pos || got.HasSupply != tt.hasSupply || got.Supply.SKU != tt.pos.SKU ||
				got.Supply.LeadTimeDays != tt.sup.LeadTimeDays || got.Supply.MinOrder != tt.sup.MinOrder {
				t.Errorf("suggestion %+v does not carry its inputs %+v, %+v", got, tt.pos, tt.sup)
			}
		})
	}
}

// TestSuggestPurchaseExactArithmetic holds cases where the quantities are
// whole numbers on paper but not in float64: Sold/SalesDays x days is
// rounded, then compared and ceiled, which once ordered one unit too many
// or nothing at all.
func TestSuggestPurchaseExactArithmetic(t *testing.T) {
	now := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name string
		pos  StockPosition
		sup  Supply
		want int64
	}{
		// 29 sold in 28 days, lead 14, review 14: target 29/28 x 28 = 29; position 0 <= reorder point 14.5: order 29
		{"target on a whole number", StockPosition{SKU: "A", Sold: 29}, Supply{LeadTimeDays: 14}, 29},
		// 68 sold in 28 days, lead 21: reorder point 68/28 x 21 = 51, target 68/28 x 35 = 85;
		// position 51 is at the reorder point: order 85 - 51 = 34
		{"reorder point on a whole number", StockPosition{SKU: "A", OnHand: 51, Sold: 68}, Supply{LeadTimeDays: 21}, 34},
	} {
		if got := SuggestPurchase(tt.pos, tt.sup, true, DefaultPurchasePolicy, now); got.Suggested != tt.want {
			t.Errorf("%s: suggested %d, want %d (%s)", tt.name, got.Suggested, tt.want, got.Reason)
		}
	}
}

// TestSuggestPurchaseRunsOutLocalDay: the run-out day is a day of now's
// location (time.Truncate(24h) would cut at midnight UTC, so in UTC+8 at
// 05:00 the "day" would be the previous one, starting at 08:00).
func TestSuggestPurchaseRunsOutLocalDay(t *testing.T) {
	cst := time.FixedZone("UTC+8", 8*3600)
	now := time.Date(2026, 3, 10, 5, 0, 0, 0, cst)
	// 280 sold in 28 days = 10 a day; 30 available: floor(30 / 10) = 3 days
	got := SuggestPurchase(StockPosition{SKU: "A", OnHand: 30, Sold: 280}, Supply{}, false, DefaultPurchasePolicy, now)
	if want := time.Date(2026, 3, 13, 0, 0, 0, 0, cst); !got.RunsOut.Equal(want) {
		t.Errorf("runs out %v, want %v", got.RunsOut, want)
	}
}
