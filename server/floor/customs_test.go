package floor

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

// Lithium batteries are refused by the carriers that refuse their own tag,
// "lithium" (all of them) or the older "battery"; a carrier that refuses
// only batteries packed alone takes those inside equipment.
func TestLithiumRefusals(t *testing.T) {
	tests := []struct {
		refuses []string
		goods   string
		refused bool
	}{
		{[]string{"battery"}, GoodsLithiumIonInEquipment, true},
		{[]string{"battery"}, GoodsBattery, true},
		{[]string{"lithium"}, GoodsLithiumMetalAlone, true},
		{[]string{"lithium"}, GoodsBattery, false},
		{[]string{GoodsLithiumIonAlone}, GoodsLithiumIonAlone, true},
		{[]string{GoodsLithiumIonAlone}, GoodsLithiumIonInEquipment, false},
		{[]string{"powder"}, GoodsLithiumIonAlone, false},
	}
	for _, tt := range tests {
		c := Carrier{Name: "C", Refuses: tt.refuses}
		got := c.refuses(Parcel{Goods: []string{tt.goods}}) != ""
		if got != tt.refused {
			t.Errorf("carrier refusing %v takes %s: refused %v, want %v", tt.refuses, tt.goods, got, tt.refused)
		}
	}
	// A rule naming "battery" still catches the lithium tags.
	r := Rule{Goods: []string{"battery"}}
	if !r.matches(Parcel{Goods: []string{GoodsLithiumIonWithEquipment}}) {
		t.Error("a battery rule does not match a lithium battery")
	}
}

func TestLithiumUN(t *testing.T) {
	tests := []struct {
		goods []string
		want  []string
	}{
		{nil, nil},
		{[]string{"battery", "powder"}, nil},
		{[]string{GoodsLithiumIonAlone}, []string{"UN3480"}},
		{[]string{GoodsLithiumIonInEquipment, GoodsLithiumIonWithEquipment}, []string{"UN3481"}},
		{[]string{GoodsLithiumMetalWithEquipment, GoodsLithiumMetalAlone, GoodsLithiumIonAlone}, []string{"UN3090", "UN3091", "UN3480"}},
		{[]string{GoodsLithiumMetalInEquipment}, []string{"UN3091"}},
	}
	for _, tt := range tests {
		if got := LithiumUN(tt.goods); !slices.Equal(got, tt.want) {
			t.Errorf("LithiumUN(%v) = %v, want %v", tt.goods, got, tt.want)
		}
	}
	for tag := range lithiumUN {
		if !goodsTag.MatchString(tag) {
			t.Errorf("%s is not a goods tag an SKU file may carry", tag)
		}
	}
}

func TestCustomsForm(t *testing.T) {
	c := CustomsRules{SDRPerUnit: map[string]string{"USD": "0.74", "JPY": "0.0049"}}
	c.derive()
	digits := func(cur string) int {
		if cur == "JPY" {
			return 0
		}
		return 2
	}
	tests := []struct {
		name  string
		value map[string]int64
		want  string
	}{
		{"nothing", nil, "CN22"},
		{"USD 405.00 is 299.70 SDR", map[string]int64{"USD": 40500}, "CN22"},
		{"USD 406.00 is 300.44 SDR", map[string]int64{"USD": 40600}, "CN23"},
		{"JPY 61000 is 298.9 SDR", map[string]int64{"JPY": 61000}, "CN22"},
		{"mixed over the limit", map[string]int64{"JPY": 61000, "USD": 500}, "CN23"},
		{"no rate: CN23", map[string]int64{"EUR": 100}, "CN23"},
	}
	for _, tt := range tests {
		if got := c.Form(tt.value, digits); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
	c.CN23AboveSDR = 100
	if got := c.Form(map[string]int64{"USD": 15000}, digits); got != "CN23" {
		t.Errorf("USD 150 over a 100 SDR limit: %s", got)
	}
}

func TestCustomsCategory(t *testing.T) {
	c := CustomsRules{ChannelCategories: map[string]string{"samples": CategoryCommercialSample}}
	tests := []struct {
		order Order
		rules CustomsRules
		want  string
	}{
		{Order{Channel: "shop"}, c, CategorySaleOfGoods},
		{Order{Channel: "samples"}, c, CategoryCommercialSample},
		{Order{Channel: "samples", Customs: OrderCustoms{Category: CategoryReturnedGoods}}, c, CategoryReturnedGoods},
		{Order{Channel: "shop"}, CustomsRules{Category: CategoryGift}, CategoryGift},
	}
	for _, tt := range tests {
		if got := tt.rules.CategoryOf(tt.order); got != tt.want {
			t.Errorf("%+v: %s, want %s", tt.order, got, tt.want)
		}
	}
}

// A set-up decoded from its stored JSON gets back what ParseShipping made
// from the text: the sender, the prices (carrier choice compares them)
// and the customs rates.
func TestShippingDerive(t *testing.T) {
	s, err := ParseShipping([]byte(testShipping))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back Shipping
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	back.Derive()
	if back.Sender.Name != "Pickpack Warehouse" || back.Sender.Country != "GB" || !back.Domestic("GB") || back.Domestic("FR") {
		t.Errorf("sender read back as %+v", back.Sender)
	}
	for i, c := range back.Carriers {
		if c.Price != s.Carriers[i].Price || c.PerKg != s.Carriers[i].PerKg {
			t.Errorf("%s: prices %v %v, want %v %v", c.Name, c.Price, c.PerKg, s.Carriers[i].Price, s.Carriers[i].PerKg)
		}
	}
	// Before the fix every carrier cost nothing after a round trip, so
	// the first able one was chosen: with Freight listed first, it took a
	// 2.5 kg parcel that Express carries for far less.
	slices.Reverse(back.Carriers)
	if got, _ := back.Choose(Parcel{Country: "GB", WeightG: 2500}); got.Carrier != "Express" || got.Price.Minor != 720 {
		t.Errorf("after a round trip, a 2.5 kg parcel goes by %s for %d, want Express for 720", got.Carrier, got.Price.Minor)
	}
	var none Shipping // a set-up without a sender: nothing is domestic
	none.Derive()
	if none.Domestic("") || none.Domestic("GB") {
		t.Error("a set-up without a sender calls a parcel domestic")
	}
}

// TestShippingCustomsProblems: bad customs rules and domestic schemes are
// reported per field.
func TestShippingCustomsProblems(t *testing.T) {
	tests := []struct {
		name, patch, field string
	}{
		{"negative threshold", `"customs": {"cn23_above_sdr": -1}`, "customs.cn23_above_sdr"},
		{"unknown category", `"customs": {"category": "bribe"}`, "customs.category"},
		{"unknown channel category", `"customs": {"channel_categories": {"b2b": "cheap"}}`, "customs.channel_categories (b2b)"},
		{"lowercase currency", `"customs": {"sdr_per_unit": {"usd": "0.7"}}`, "customs.sdr_per_unit"},
		{"rate not a number", `"customs": {"sdr_per_unit": {"USD": "about 0.7"}}`, "customs.sdr_per_unit (USD)"},
		{"zero rate", `"customs": {"sdr_per_unit": {"USD": "0"}}`, "customs.sdr_per_unit (USD)"},
		{"bad domestic scheme", `"carriers": [{"name": "P", "services": ["s"], "tracking": {"kind": "s10", "prefix": "RR", "country": "GB"},
			"domestic_tracking": {"kind": "morse"}}]`, "carriers[0] (P).domestic_tracking"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := `{"sender": {"name": "W", "country": "GB"}, "carriers": [{"name": "P", "services": ["s"], "tracking": {"kind": "s10", "prefix": "RR", "country": "GB"}}], ` + tt.patch + `}`
			if strings.Contains(tt.patch, `"carriers"`) {
				doc = `{"sender": {"name": "W", "country": "GB"}, ` + tt.patch + `}`
			}
			_, err := ParseShipping([]byte(doc))
			var fe *Error
			if !errors.As(err, &fe) || !slices.ContainsFunc(fe.Violations, func(v Violation) bool { return v.Field == tt.field }) {
				t.Errorf("got %v, want a violation of %s", err, tt.field)
			}
		})
	}
}

// An order file may carry the customs fields; a wrong one is reported in
// the file's own words (JSON path, CSV row and column).
func TestOrderImportCustomsFields(t *testing.T) {
	json := `[{"id": "O1", "lines": [{"sku": "S1", "quantity": 1}], "recipient": {"name": "A", "country": "DE"},
	  "customs_category": "gift", "importer_reference": "DE123", "invoice_number": "INV-9"}]`
	csv := "order_id,sku,quantity,recipient_name,country,customs_category,importer_reference,invoice_number\n" +
		"O1,S1,1,A,DE,gift,DE123,INV-9\nO1,S2,1,A,DE,gift,DE123,INV-9\n"
	want := OrderCustoms{Category: CategoryGift, ImporterReference: "DE123", InvoiceNumber: "INV-9"}
	for _, tt := range []struct {
		format   ImportFormat
		data     string
		bad      string
		badField string
	}{
		{ImportJSON, json, strings.Replace(json, `"gift"`, `"bribe"`, 1), "orders[0] (O1).customs_category"},
		{ImportCSV, csv, strings.Replace(csv, "DE,gift", "DE,bribe", 1), "row 2 (O1).customs_category"},
	} {
		got, err := ParseOrders([]byte(tt.data), tt.format)
		if err != nil || len(got) != 1 || got[0].Customs != want {
			t.Errorf("format %v: %+v, %v; want customs %+v", tt.format, got, err, want)
		}
		_, err = ParseOrders([]byte(tt.bad), tt.format)
		var fe *Error
		if !errors.As(err, &fe) || !slices.ContainsFunc(fe.Violations, func(v Violation) bool { return v.Field == tt.badField }) {
			t.Errorf("format %v, bad category: %v, want a violation at %s", tt.format, err, tt.badField)
		}
	}
}
