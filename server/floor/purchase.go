package floor

import (
	"fmt"
	"time"
)

// Supply is how a SKU is bought.
type Supply struct {
	SKU          string
	Supplier     string
	LeadTimeDays int   // from order to units at the dock
	SafetyStock  int64 // units kept against late deliveries and sales spikes
	MinOrder     int64 // the supplier's minimum order quantity, if any
	// At names where the entry was read ("row 3" of a file), so that an
	// error points there; not stored.
	At string `json:"-"`
}

// maxLeadTimeDays bounds a supplier's lead time: a year.
const maxLeadTimeDays = 365

// Validate checks supply data against the known SKUs.
func (s Supply) Validate(field string, isSKU func(string) bool, vs *Violations) {
	if p := IDSKU.Problem(s.SKU); p != "" {
		vs.Add(field+".sku", "%s", p)
	} else if !isSKU(s.SKU) {
		vs.Add(field+".sku", "unknown SKU %q", s.SKU)
	}
	checkText(vs, field+".supplier", s.Supplier, MaxSupplierLen)
	if s.LeadTimeDays < 0 || s.LeadTimeDays > maxLeadTimeDays {
		vs.Add(field+".lead_time_days", "want 0 to %d days, got %d", maxLeadTimeDays, s.LeadTimeDays)
	}
	if s.SafetyStock < 0 {
		vs.Add(field+".safety_stock", "must not be negative, got %d", s.SafetyStock)
	}
	if s.MinOrder < 0 {
		vs.Add(field+".min_order", "must not be negative, got %d", s.MinOrder)
	}
}

// PurchasePolicy sets how suggestions are made.
type PurchasePolicy struct {
	SalesDays  int // average daily sales over this many days before now
	ReviewDays int // an order should cover this many days after it arrives
}

// Validate checks a policy: a sales window of 1 to 366 days, 0 to 366 days
// of cover.
func (p PurchasePolicy) Validate(vs *Violations) {
	if p.SalesDays < 1 || p.SalesDays > 366 {
		vs.Add("sales_days", "want 1 to 366 days, got %d", p.SalesDays)
	}
	if p.ReviewDays < 0 || p.ReviewDays > 366 {
		vs.Add("review_days", "want 0 to 366 days, got %d", p.ReviewDays)
	}
}

// DefaultPurchasePolicy averages four weeks of sales and covers two weeks.
var DefaultPurchasePolicy = PurchasePolicy{SalesDays: 28, ReviewDays: 14}

// StockPosition is what the warehouse holds and expects of one SKU.
type StockPosition struct {
	SKU      string
	OnHand   int64 // in bins and at the dock
	Reserved int64 // held for open pick tasks
	OnOrder  int64 // expected on open deliveries, not yet received
	Sold     int64 // units shipped in the policy's sales window
}

// PurchaseSuggestion says whether and how much of a SKU to buy.
type PurchaseSuggestion struct {
	StockPosition
	Supply
	HasSupply    bool
	DailySales   float64
	ReorderPoint float64   // daily sales x lead time + safety stock
	Target       float64   // daily sales x (lead time + review days) + safety stock
	Suggested    int64     // units to order now
	RunsOut      time.Time // day the available stock is gone at the current rate; zero if nothing sells
	Reason       string
}

// SuggestPurchase applies a reorder-point policy: when the stock position
// (available on hand plus on order) is at or below the reorder point, order
// up to the target, at least the supplier's minimum. Without supply data
// nothing is suggested and the reason says so: a lead time is never guessed.
// The decisions are made in whole units scaled by the sales window, not in
// floating point, so 29 sold in 28 days over 28 days is 29, not 29.000001.
func SuggestPurchase(p StockPosition, sup Supply, hasSupply bool, pol PurchasePolicy, now time.Time) PurchaseSuggestion {
	out := PurchaseSuggestion{StockPosition: p, Supply: sup, HasSupply: hasSupply}
	out.Supply.SKU = p.SKU
	days, sold := int64(pol.SalesDays), p.Sold
	if days <= 0 { // no sales window: nothing is known to sell
		days, sold = 1, 0
	}
	out.DailySales = float64(sold) / float64(days)
	available := p.OnHand - p.Reserved
	if sold > 0 {
		y, m, d := now.Date()
		out.RunsOut = time.Date(y, m, d+int(max(available, 0)*days/sold), 0, 0, 0, 0, now.Location())
	}
	if !hasSupply {
		out.Reason = "no supply data (supplier, lead time): nothing suggested"
		return out
	}
	lead, review := int64(sup.LeadTimeDays), int64(pol.ReviewDays)
	out.ReorderPoint = out.DailySales*float64(lead) + float64(sup.SafetyStock)
	out.Target = out.DailySales*float64(lead+review) + float64(sup.SafetyStock)
	position := available + p.OnOrder
	// Scaled by days: position <= sold/days*lead + safety.
	reorderScaled := sold*lead + sup.SafetyStock*days
	switch {
	case sold == 0 && sup.SafetyStock == 0:
		out.Reason = fmt.Sprintf("nothing sold in %d days and no safety stock: nothing to order", days)
		return out
	case position*days > reorderScaled:
		out.Reason = fmt.Sprintf("position %d above reorder point %.1f", position, out.ReorderPoint)
		return out
	}
	if need := ceilDiv(sold*(lead+review)+sup.SafetyStock*days-position*days, days); need > 0 {
		out.Suggested = max(need, sup.MinOrder)
	}
	out.Reason = fmt.Sprintf("position %d at or below reorder point %.1f: order up to %.1f", position, out.ReorderPoint, out.Target)
	return out
}

// ceilDiv is a/b rounded up, for b > 0.
func ceilDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a > 0 {
		q++
	}
	return q
}
