package floor

import (
	"fmt"
	"unicode/utf8"
)

// Length limits of free text, counted in characters (runes) so that a
// Chinese address gets as many characters as a German one. Each limit is
// taken from what carriers and platforms accept, made somewhat more generous
// (an order must not be refused for a name the carrier would take), yet kept
// small enough that a label can always lay the text out. They are checked
// when data enters (RPC, import, command line), never when a record is read
// back from the store: a data file written before a limit existed still
// opens and renders.
const (
	// MaxRecipientNameLen: UPS and FedEx take 35 characters per name line,
	// DHL Express 45, FedEx's REST API 70 for a person's name; 70.
	MaxRecipientNameLen = 70
	// MaxAddressLineLen: UPS and FedEx 35 per line, DHL Express 45, Amazon
	// and Shopify exports up to 60 or more; 70 leaves room for a Chinese
	// street and building in one line.
	MaxAddressLineLen = 70
	// MaxAddressLines: UPS, FedEx and DHL take 3 street lines; 4 allows an
	// export's separate district or building line.
	MaxAddressLines = 4
	// MaxCityLen: UPS 30, FedEx 35, DHL Express 45; 50.
	MaxCityLen = 50
	// MaxRegionLen: DHL Express 35 for a county or province name, longer
	// spelt-out regions exist in exports; 50.
	MaxRegionLen = 50
	// MaxPostalCodeLen: the longest real codes are about 10 characters
	// (US ZIP+4 "12345-6789"); UPS takes 9, DHL Express 12; 16.
	MaxPostalCodeLen = 16
	// MaxPhoneLen: E.164 numbers have at most 15 digits; UPS and FedEx take
	// 15, DHL Express 25 with spaces; 32 holds "+" and separators and an
	// extension.
	MaxPhoneLen = 32
	// MaxChannelLen: a channel is a short name such as "amazon-de" or
	// "shopify", used as a key of the per-channel SLAs; 64.
	MaxChannelLen = 64
	// MaxSKUNameLen: Amazon's product title limit is 200 characters, and
	// Shopify's 255 is rarely reached; 200.
	MaxSKUNameLen = 200
	// MaxSKUSpecLen: a variant's spec ("red, XL"); Taobao and Shopify option
	// values are short; 100.
	MaxSKUSpecLen = 100
	// MaxCustomsENLen: UPS takes 35 characters of goods description per
	// line in 3 lines (105), DHL Express 70 per line; 100.
	MaxCustomsENLen = 100
	// MaxCustomsZHLen: a Chinese declaration name (申报品名) is a few words;
	// China Post and Cainiao take about 50 characters; 50.
	MaxCustomsZHLen = 50
	// MaxGoodsTags bounds a SKU's goods tags (battery, liquid, ...): the
	// carriers' refusal lists have about a dozen kinds; 16.
	MaxGoodsTags = 16
	// MaxGoodsTagLen bounds one goods tag: a lowercase word; 32.
	MaxGoodsTagLen = 32
	// MaxBarcodes bounds the barcodes of one SKU: EAN, UPC and a few
	// internal codes of one item; 32 is plenty.
	MaxBarcodes = 32
	// MaxSupplierLen: a supplier's name as on a purchase order; 100.
	MaxSupplierLen = 100
	// MaxWarehouseNameLen: a warehouse's name, printed on documents; 64.
	MaxWarehouseNameLen = 64
	// MaxCarrierNameLen bounds a carrier's and a service's name, printed
	// on waybills ("DHL Paket", "Express Worldwide"); 32.
	MaxCarrierNameLen = 32
	// MaxCarrierServices bounds the services of one carrier; 32.
	MaxCarrierServices = 32
	// MaxRuleNameLen bounds a shipping rule's name, shown in reasons; 64.
	MaxRuleNameLen = 64
	// MaxReasonLen: a note a person types (why an order was cancelled or
	// stock adjusted); 200.
	MaxReasonLen = 200
)

// checkText adds a violation at field if s is not clean text (textProblem)
// or is longer than max characters. The message names the limit and only
// the length of the value, never the value.
func checkText(vs *Violations, field, s string, max int) {
	if p := textProblem(s); p != "" {
		vs.addOnce(field, "%s", p)
		return
	}
	if n := utf8.RuneCountInString(s); n > max {
		vs.addOnce(field, "%d characters, at most %d", n, max)
	}
}

// CheckText is checkText for the API layer: free text a request carries
// directly (a reason, a supplier), held to the same rules as imports.
func CheckText(vs *Violations, field, s string, max int) { checkText(vs, field, s, max) }

// countProblem says what is wrong with a list of n entries when at most max
// are allowed, or "".
func countProblem(n, max int, what string) string {
	if n > max {
		return fmt.Sprintf("%d %s, at most %d", n, what, max)
	}
	return ""
}
