package floor

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Customs categories of the UPU forms CN22 and CN23: one box is ticked.
const (
	CategoryGift             = "gift"
	CategoryDocuments        = "documents"
	CategoryCommercialSample = "commercial_sample"
	CategoryReturnedGoods    = "returned_goods"
	CategorySaleOfGoods      = "sale_of_goods"
	CategoryOther            = "other"
)

// CustomsCategories are the boxes of the forms, in their printed order.
var CustomsCategories = []string{CategoryGift, CategoryDocuments, CategoryCommercialSample,
	CategoryReturnedGoods, CategorySaleOfGoods, CategoryOther}

// DefaultCN23AboveSDR is the UPU limit of a CN22: a parcel whose contents
// are worth more than 300 SDR (special drawing rights) needs a CN23.
const DefaultCN23AboveSDR = 300

// MaxCustomsRefLen bounds the importer's reference and the invoice number
// an order may carry for its CN23.
const MaxCustomsRefLen = 35

// CustomsRules is the customs part of a shipping set-up: which form a
// cross-border parcel gets and which category box it ticks.
type CustomsRules struct {
	// CN23AboveSDR: contents worth more than this many SDR take a CN23,
	// the rest a CN22. 0 means DefaultCN23AboveSDR.
	CN23AboveSDR int64 `json:"cn23_above_sdr"`
	// SDRPerUnit converts declared values: how many SDR one unit of a
	// currency is worth, as a decimal ("0.74" for USD). The threshold is
	// set by the UPU in SDR, and rates move: the warehouse keeps them as
	// its post publishes them. A parcel declared in a currency with no
	// rate takes a CN23, which every post accepts for any value.
	SDRPerUnit map[string]string `json:"sdr_per_unit"`
	// Category is ticked for orders that name none: sale_of_goods if
	// empty, as for e-commerce.
	Category string `json:"category"`
	// ChannelCategories overrides Category per sales channel.
	ChannelCategories map[string]string `json:"channel_categories"`

	microSDR map[string]int64 // SDRPerUnit in millionths, from the texts
}

// OrderCustoms is what an order may say for its customs declaration.
type OrderCustoms struct {
	Category          string // one of CustomsCategories; "" takes the set-up's
	ImporterReference string // printed on a CN23 (tax, VAT or importer code)
	InvoiceNumber     string // printed on a CN23
}

// check reports the rules' problems under "customs".
func (c *CustomsRules) check(vs *Violations) {
	if c.CN23AboveSDR < 0 {
		vs.Add("customs.cn23_above_sdr", "must not be negative, got %d", c.CN23AboveSDR)
	}
	if c.Category != "" && !slices.Contains(CustomsCategories, c.Category) {
		vs.Add("customs.category", "%s: want one of %s", Quote(c.Category), strings.Join(CustomsCategories, ", "))
	}
	for _, ch := range sortedKeysOf(c.ChannelCategories) {
		checkText(vs, "customs.channel_categories", ch, MaxChannelLen)
		if v := c.ChannelCategories[ch]; !slices.Contains(CustomsCategories, v) {
			vs.Add(labelled("customs.channel_categories", ch), "%s: want one of %s", Quote(v), strings.Join(CustomsCategories, ", "))
		}
	}
	for _, cur := range sortedKeysOf(c.SDRPerUnit) {
		at := "customs.sdr_per_unit"
		if !upperASCII(cur, 3) {
			vs.Add(at, "%s: want an ISO 4217 code of 3 uppercase letters", Quote(cur))
			continue
		}
		at = labelled(at, cur)
		if _, p := parseMicro(c.SDRPerUnit[cur]); p != "" {
			vs.Add(at, "%s", p)
		}
	}
	c.derive()
}

// derive converts the rates' texts, checked at import.
func (c *CustomsRules) derive() {
	c.microSDR = map[string]int64{}
	for cur, s := range c.SDRPerUnit {
		if n, p := parseMicro(s); p == "" {
			c.microSDR[cur] = n
		}
	}
}

// parseMicro reads a positive decimal of at most 6 decimals as millionths.
func parseMicro(s string) (int64, string) {
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || !allDigits(whole) || len(whole) > 9 || len(frac) > 6 || (strings.Contains(s, ".") && !allDigits(frac)) {
		return 0, fmt.Sprintf("want a rate such as 0.74 (at most 6 decimals), got %s", Quote(s))
	}
	n, err := strconv.ParseInt(whole+(frac + "000000")[:6], 10, 64)
	if err != nil || n == 0 {
		return 0, fmt.Sprintf("want a positive rate, got %s", Quote(s))
	}
	return n, ""
}

// Form is the declaration a cross-border parcel whose contents are worth
// value (minor units of each currency, 2 decimals unless minorDigits
// says otherwise) needs: "CN22" or "CN23".
func (c *CustomsRules) Form(value map[string]int64, minorDigits func(cur string) int) string {
	limit := c.CN23AboveSDR
	if limit == 0 {
		limit = DefaultCN23AboveSDR
	}
	var microTotal float64 // SDR millionths; floats are exact enough for a threshold test
	for cur, v := range value {
		rate, ok := c.microSDR[cur]
		if !ok {
			return "CN23"
		}
		d := 1.0
		for range minorDigits(cur) {
			d *= 10
		}
		microTotal += float64(v) * float64(rate) / d
	}
	if microTotal > float64(limit)*1e6 {
		return "CN23"
	}
	return "CN22"
}

// CategoryOf is the box an order ticks: its own, its channel's, the
// set-up's, or sale of goods.
func (c *CustomsRules) CategoryOf(o Order) string {
	if o.Customs.Category != "" {
		return o.Customs.Category
	}
	if v := c.ChannelCategories[o.Channel]; v != "" {
		return v
	}
	if c.Category != "" {
		return c.Category
	}
	return CategorySaleOfGoods
}

// CustomsProblem says what the declaration of a cross-border parcel
// holding o's lines lacks, per line and SKU field (named as in the SKU
// file), or "" when nothing: such a parcel cannot get its waybill, and
// release is where the warehouse should learn it, not the pack station.
// skus holds each SKU the lines name.
func CustomsProblem(o Order, skus map[string]SKU) string {
	var parts []string
	for i, l := range o.Lines {
		c := skus[l.SKU].Customs
		var missing []string
		for _, f := range []struct {
			name  string
			empty bool
		}{
			{"customs_description_en", strings.TrimSpace(c.DescriptionEN) == ""},
			{"hs_code", c.HSCode == ""},
			{"declared_value", c.DeclaredValue.Minor <= 0 || c.DeclaredValue.Currency == ""},
			{"origin", c.Origin == ""},
		} {
			if f.empty {
				missing = append(missing, f.name)
			}
		}
		if len(missing) > 0 {
			parts = append(parts, fmt.Sprintf("lines[%d] (%s): %s", i, clip(l.SKU), strings.Join(missing, ", ")))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "customs data missing for a cross-border parcel: " + strings.Join(parts, "; ")
}

// checkOrderCustoms holds an order's customs fields to their rules.
func checkOrderCustoms(vs *Violations, c OrderCustoms, at func(string) string) {
	if c.Category != "" && !slices.Contains(CustomsCategories, c.Category) {
		vs.addOnce(at("customs_category"), "%s: want one of %s", Quote(c.Category), strings.Join(CustomsCategories, ", "))
	}
	checkText(vs, at("importer_reference"), c.ImporterReference, MaxCustomsRefLen)
	checkText(vs, at("invoice_number"), c.InvoiceNumber, MaxCustomsRefLen)
}

func sortedKeysOf(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Goods tags of lithium batteries, as SKUs and carriers name them. They
// follow the UN numbers of the dangerous goods regulations: cells and
// batteries alone, packed with equipment (in the same box, not
// installed), or contained in equipment; lithium ion (rechargeable) or
// lithium metal. GoodsBattery, the older tag, still names any battery.
const (
	GoodsBattery                   = "battery"
	GoodsLithiumIonAlone           = "lithium_ion_alone"
	GoodsLithiumIonWithEquipment   = "lithium_ion_with_equipment"
	GoodsLithiumIonInEquipment     = "lithium_ion_in_equipment"
	GoodsLithiumMetalAlone         = "lithium_metal_alone"
	GoodsLithiumMetalWithEquipment = "lithium_metal_with_equipment"
	GoodsLithiumMetalInEquipment   = "lithium_metal_in_equipment"
	// GoodsLithium names every lithium battery in a carrier's refuses list.
	GoodsLithium = "lithium"
)

// lithiumUN maps each lithium tag to its UN number.
var lithiumUN = map[string]string{
	GoodsLithiumIonAlone:           "UN3480",
	GoodsLithiumIonWithEquipment:   "UN3481",
	GoodsLithiumIonInEquipment:     "UN3481",
	GoodsLithiumMetalAlone:         "UN3090",
	GoodsLithiumMetalWithEquipment: "UN3091",
	GoodsLithiumMetalInEquipment:   "UN3091",
}

// LithiumUN lists the UN numbers the lithium battery mark of a parcel
// holding goods shows, sorted and each once; none for a parcel without
// lithium batteries.
func LithiumUN(goods []string) []string {
	var un []string
	for _, g := range goods {
		if n, ok := lithiumUN[g]; ok && !slices.Contains(un, n) {
			un = append(un, n)
		}
	}
	sort.Strings(un)
	return un
}

// goodsListed reports whether a list of goods tags (a carrier's refuses,
// a rule's goods) names goods tagged g: by the tag itself, and a lithium
// battery also by "lithium" (every lithium battery) and "battery" (the
// older, wider tag), so set-ups written before the lithium tags keep
// refusing what they refused.
func goodsListed(list []string, g string) bool {
	if slices.Contains(list, g) {
		return true
	}
	if _, ok := lithiumUN[g]; ok {
		return slices.Contains(list, GoodsLithium) || slices.Contains(list, GoodsBattery)
	}
	return false
}
