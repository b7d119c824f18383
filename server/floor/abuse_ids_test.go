package floor

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestAbuseIDRules: each kind of id takes what real platforms issue and
// refuses what could become a path, garble a message or grow without end.
func TestAbuseIDRules(t *testing.T) {
	tests := []struct {
		kind IDKind
		id   string
		want string // "" accepted, else a part of the problem
	}{
		{IDOrder, "123-4567890-1234567", ""}, // Amazon
		{IDOrder, "#1001", ""},               // Shopify
		{IDOrder, "12-34567-89012", ""},      // eBay
		{IDOrder, "4012345678901234567", ""}, // Taobao, 19 digits
		{IDOrder, "ns:O.1", ""},
		{IDSKU, "SKU-00001", ""},
		{IDSKU, "ABC_12.3", ""},
		{IDScan, "2f1c1b8e-7a55-4c37-9d0a-7f0e3c1b2a44", ""}, // a UUID
		{IDTask, "T000123", ""},
		{IDDelivery, "PO-2026-0001", ""},
		{IDUser, "pk1", ""},
		{IDUser, "anna.b_c-1", ""},
		{IDOrder, strings.Repeat("9", MaxIDLen), ""},
		{IDOrder, "", "missing"},
		{IDOrder, "x/../../../../../tmp/x/PWNED", `character 2 is "/"`},
		{IDSKU, `a\b`, `character 2 is "\\"`},
		{IDOrder, ".", `"." is not allowed`},
		{IDOrder, "..", `".." is not allowed`},
		{IDOrder, "O 1", "(whitespace)"},
		{IDOrder, "O1\x00", "(a control character)"},
		{IDOrder, "O1\xff", "the byte 0xff"},
		{IDOrder, "订单1", `character 1 is "订"`},
		{IDOrder, strings.Repeat("é", 40), `character 1 is "é"`},
		{IDOrder, "O1,O2", `character 3 is ","`},
		{IDOrder, `O"1`, `character 2 is "\""`},
		{IDOrder, strings.Repeat("9", MaxIDLen+1), "65 characters, at most 64"},
		{IDUser, "Anna", `character 1 is "A"`},
		{IDUser, "..", `".." is not allowed`},
		{IDUser, "a#b", `character 2 is "#"`},
	}
	for _, tc := range tests {
		got := tc.kind.Problem(tc.id)
		switch {
		case tc.want == "" && got != "":
			t.Errorf("%v %q: %s, want it accepted", tc.kind, tc.id, got)
		case tc.want != "" && !strings.Contains(got, tc.want):
			t.Errorf("%v %q: %q, want a problem with %q", tc.kind, tc.id, got, tc.want)
		case tc.want != "" && tc.want != "missing" && !strings.Contains(got, tc.kind.Rule()):
			t.Errorf("%v %q: %q does not state the rule", tc.kind, tc.id, got)
		}
	}
}

// TestAbuseQuote: a caller's value in a message is clipped to 64 bytes on
// a character boundary, with its full length.
func TestAbuseQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"O1", `"O1"`},
		{strings.Repeat("a", 64), `"` + strings.Repeat("a", 64) + `"`},
		{strings.Repeat("a", 1<<20), `"` + strings.Repeat("a", 64) + `"… (1048576 bytes)`},
		{strings.Repeat("é", 40), `"` + strings.Repeat("é", 32) + `"… (80 bytes)`},
		{"a" + strings.Repeat("订", 30), `"a` + strings.Repeat("订", 21) + `"… (91 bytes)`},
	}
	for _, tc := range tests {
		if got := Quote(tc.in); got != tc.want {
			t.Errorf("Quote(%.20q…) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// tooLong is n+1 CJK characters: one over a limit of n characters, with
// three times as many bytes, so a limit counted in bytes would be caught.
func tooLong(n int) string { return strings.Repeat("长", n+1) }

// TestAbuseImports: an import file with one bad id, one field over its
// limit, or a huge value is refused whole, naming the entry and the field,
// with a message that never carries the whole value.
func TestAbuseImports(t *testing.T) {
	huge := strings.Repeat("A", 1<<20)
	const orderCSV = "order_id,sku,quantity,recipient_name,phone,address1,address2,city,region,postal_code,country,channel\n"
	row := func(cells map[string]string) string {
		v := map[string]string{"order_id": "O1", "sku": "S1", "quantity": "1", "recipient_name": "Ann", "country": "DE"}
		for k, c := range cells {
			v[k] = c
		}
		var out []string
		for _, c := range strings.Split(strings.TrimSpace(orderCSV), ",") {
			out = append(out, fmt.Sprintf("%q", v[c]))
		}
		return orderCSV + strings.Join(out, ",") + "\n"
	}
	orderJSON := func(id, name string, lines int) string {
		var ls []string
		for i := range lines {
			ls = append(ls, fmt.Sprintf(`{"sku":"S%d","quantity":1}`, i))
		}
		return fmt.Sprintf(`[{"id":%q,"lines":[%s],"recipient":{"name":%q,"country":"DE","lines":["a","b","c","d","e"]}}]`, id, strings.Join(ls, ","), name)
	}
	shopJSON := func(id, city string) string {
		return fmt.Sprintf(`{"orders":[{"name":%q,"line_items":[{"sku":"S1","quantity":1}],"shipping_address":{"name":"Ann","city":%q,"country_code":"DE"}}]}`, id, city)
	}
	shop, err := os.ReadFile("testdata/mappings/shop.json")
	if err != nil {
		t.Fatal(err)
	}
	mapping, err := ParseOrderMapping(shop)
	if err != nil {
		t.Fatal(err)
	}
	type want struct{ field, desc string }
	tests := []struct {
		name  string
		parse func() error
		want  []want
	}{
		{"orders csv: traversal id", func() error {
			_, err := ParseOrders([]byte(row(map[string]string{"order_id": "x/../../../../../tmp/x/PWNED"})), ImportCSV)
			return err
		}, []want{{"row 2 (x/../../../../../tmp/x/PWNED).order_id", IDRule}}},
		{"orders csv: sku with a slash", func() error {
			_, err := ParseOrders([]byte(row(map[string]string{"sku": "S/1"})), ImportCSV)
			return err
		}, []want{{"row 2 (O1).sku", IDRule}}},
		{"orders csv: every text field over its limit", func() error {
			_, err := ParseOrders([]byte(row(map[string]string{
				"recipient_name": tooLong(MaxRecipientNameLen), "phone": tooLong(MaxPhoneLen), "address1": tooLong(MaxAddressLineLen),
				"address2": tooLong(MaxAddressLineLen), "city": tooLong(MaxCityLen), "region": tooLong(MaxRegionLen),
				"postal_code": tooLong(MaxPostalCodeLen), "channel": tooLong(MaxChannelLen),
			})), ImportCSV)
			return err
		}, []want{
			{"row 2 (O1).recipient_name", fmt.Sprintf("at most %d", MaxRecipientNameLen)},
			{"row 2 (O1).phone", fmt.Sprintf("at most %d", MaxPhoneLen)},
			{"row 2 (O1).address1", fmt.Sprintf("at most %d", MaxAddressLineLen)},
			{"row 2 (O1).address2", fmt.Sprintf("at most %d", MaxAddressLineLen)},
			{"row 2 (O1).city", fmt.Sprintf("at most %d", MaxCityLen)},
			{"row 2 (O1).region", fmt.Sprintf("at most %d", MaxRegionLen)},
			{"row 2 (O1).postal_code", fmt.Sprintf("at most %d", MaxPostalCodeLen)},
			{"row 2 (O1).channel", fmt.Sprintf("at most %d", MaxChannelLen)},
		}},
		{"orders csv: 1 MB id", func() error {
			_, err := ParseOrders([]byte(row(map[string]string{"order_id": huge})), ImportCSV)
			return err
		}, []want{{"row 2.order_id", "1048576 characters, at most 64"}}},
		{"orders json: 1 MB name, too many lines and address lines", func() error {
			_, err := ParseOrders([]byte(orderJSON("O1", huge, MaxOrderLines+1)), ImportJSON)
			return err
		}, []want{
			{"orders[0] (O1).recipient.name", "1048576 characters, at most 70"},
			{"orders[0] (O1).lines", fmt.Sprintf("%d lines, at most %d", MaxOrderLines+1, MaxOrderLines)},
			{"orders[0] (O1).recipient.lines", fmt.Sprintf("%d address lines, at most %d", 5, MaxAddressLines)},
		}},
		{"orders json: dot dot id", func() error {
			_, err := ParseOrders([]byte(orderJSON("..", "Ann", 1)), ImportJSON)
			return err
		}, []want{{"orders[0] (..).id", `".." is not allowed`}}},
		{"mapped orders: bad id and long city", func() error {
			_, err := ParseOrdersMapped([]byte(shopJSON(`#1001/../x`, tooLong(MaxCityLen))), mapping)
			return err
		}, []want{
			{"orders[0] (#1001/../x).name", IDRule},
			{"orders[0] (#1001/../x).shipping_address.city", fmt.Sprintf("at most %d", MaxCityLen)},
		}},
		{"skus csv: every limit", func() error {
			_, err := ParseSKUs([]byte("sku,name,spec,customs_description_en,customs_description_zh,goods,barcodes\n"+
				fmt.Sprintf("S/1,%s,%s,%s,%s,%s,%s\n", tooLong(MaxSKUNameLen), tooLong(MaxSKUSpecLen), tooLong(MaxCustomsENLen),
					tooLong(MaxCustomsZHLen), strings.Repeat("liquid|", MaxGoodsTags+1), strings.Repeat("A|", MaxBarcodes+1))), ImportCSV)
			return err
		}, []want{
			{"row 2 (S/1).sku", IDRule},
			{"row 2 (S/1).name", fmt.Sprintf("at most %d", MaxSKUNameLen)},
			{"row 2 (S/1).spec", fmt.Sprintf("at most %d", MaxSKUSpecLen)},
			{"row 2 (S/1).customs_description_en", fmt.Sprintf("at most %d", MaxCustomsENLen)},
			{"row 2 (S/1).customs_description_zh", fmt.Sprintf("at most %d", MaxCustomsZHLen)},
			{"row 2 (S/1).goods", fmt.Sprintf("at most %d", MaxGoodsTags)},
			{"row 2 (S/1).barcodes", fmt.Sprintf("at most %d", MaxBarcodes)},
		}},
		{"skus json: 1 MB id", func() error {
			_, err := ParseSKUs([]byte(fmt.Sprintf(`[{"sku":%q,"name":"n"}]`, huge)), ImportJSON)
			return err
		}, []want{{"skus[0].sku", "at most 64"}}},
		{"slots: bad sku", func() error {
			slots, err := ParseSlotsCSV([]byte("bin,sku,min,max\nA-01-001-1,../S1,1,2\n"))
			if err != nil {
				return err
			}
			var vs Violations
			slots[0].Validate(slots[0].At, func(string) bool { return true }, func(string) bool { return true }, &vs)
			return vs.Err("set slots")
		}, []want{{"row 2.sku", IDRule}}},
		{"supply: bad sku and long supplier", func() error {
			supply, err := ParseSupplyCSV([]byte("sku,supplier,lead_time_days\nS 1," + tooLong(MaxSupplierLen) + ",3\n"))
			if err != nil {
				return err
			}
			var vs Violations
			supply[0].Validate(supply[0].At, func(string) bool { return true }, &vs)
			return vs.Err("set supply")
		}, []want{{"row 2.sku", IDRule}, {"row 2.supplier", fmt.Sprintf("at most %d", MaxSupplierLen)}}},
		{"delivery: bad id, sku, long supplier", func() error {
			d := Delivery{ID: "PO/1", Kind: DeliveryPurchaseOrder, Supplier: tooLong(MaxSupplierLen), Lines: []DeliveryLine{{SKU: huge, Expected: 1}}}
			return d.Validate(func(string) bool { return true })
		}, []want{{"id", IDRule}, {"supplier", fmt.Sprintf("at most %d", MaxSupplierLen)}, {"lines[0].sku", "at most 64"}}},
		{"bin map: long warehouse name, bad aisle id", func() error {
			_, err := ParseBinMap([]byte(fmt.Sprintf(`{"warehouse":%q,"depot":{"x":0,"y":0},"cross_aisles":[0,10],"aisles":[{"id":"../01","x":0}],"bins":[{"code":"A-01-001-1","aisle":"../01","y":2}]}`, tooLong(MaxWarehouseNameLen))))
			return err
		}, []want{{"warehouse", fmt.Sprintf("at most %d", MaxWarehouseNameLen)}, {"aisles[0] (../01).id", IDRule}}},
		{"shipping: long sender name and carrier name", func() error {
			_, err := ParseShipping([]byte(fmt.Sprintf(`{"sender":{"name":%q,"lines":["a","b","c","d","e"],"country":"GB"},
				"carriers":[{"name":%q,"services":["s"],"tracking":{"kind":"s10","prefix":"RR","country":"GB"}}],"rules":[]}`,
				tooLong(MaxRecipientNameLen), tooLong(MaxCarrierNameLen))))
			return err
		}, []want{
			{"sender.name", fmt.Sprintf("at most %d", MaxRecipientNameLen)},
			{"sender.lines", fmt.Sprintf("at most %d", MaxAddressLines)},
			{"carriers[0].name", fmt.Sprintf("at most %d", MaxCarrierNameLen)},
		}},
		{"user name", func() error { return ValidateUserName("../root") }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.parse()
			fe, ok := err.(*Error)
			if !ok || fe.Kind != KindInvalid {
				t.Fatalf("got %v, want an invalid error", err)
			}
			if n := len(fe.Error()); n > 4096 {
				t.Errorf("the error is %d bytes: %.200s", n, fe.Error())
			}
			for _, v := range fe.Violations {
				if len(v.Field) > 200 || len(v.Description) > 500 {
					t.Errorf("violation %.100q: %.100q is %d+%d bytes", v.Field, v.Description, len(v.Field), len(v.Description))
				}
			}
			for _, w := range tc.want {
				found := false
				for _, v := range fe.Violations {
					found = found || v.Field == w.field && strings.Contains(v.Description, w.desc)
				}
				if !found {
					t.Errorf("no violation at %s with %q in %v", w.field, w.desc, clipped(fe.Violations))
				}
			}
		})
	}
}

// clipped shortens violations for a failure message.
func clipped(vs []Violation) []string {
	var out []string
	for _, v := range vs {
		s := v.String()
		if len(s) > 300 {
			s = s[:300]
			for !utf8.ValidString(s) {
				s = s[:len(s)-1]
			}
		}
		out = append(out, s)
	}
	return out
}
