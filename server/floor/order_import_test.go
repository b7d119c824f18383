package floor

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// The second order is split over non-adjacent rows, as marketplace exports
// sorted by SKU produce.
const exampleOrdersCSV = "order_id,channel,sku,quantity,recipient_name,phone,address1,address2,city,region,postal_code,country\n" +
	"O-1,shop,PEN-1,2,Anna Schmidt,+49 30 1234,Hauptstr. 1,,Berlin,,10115,DE\n" +
	"O-2,market,GUM-1,1,李雷,138 0000 0000,朝阳区建国路 88 号,3 单元 501,北京,北京市,100022,CN\n" +
	"O-1,shop,GUM-1,10,Anna Schmidt,+49 30 1234,Hauptstr. 1,,Berlin,,10115,DE\n" +
	"O-2,market,PEN-1,3,李雷,138 0000 0000,朝阳区建国路 88 号,3 单元 501,北京,北京市,100022,CN\n"

const exampleOrdersJSON = `{"orders": [
  {"id": "O-1", "channel": "shop", "lines": [{"sku": "PEN-1", "quantity": 2}, {"sku": "GUM-1", "quantity": 10}],
   "recipient": {"name": "Anna Schmidt", "phone": "+49 30 1234", "lines": ["Hauptstr. 1"], "city": "Berlin", "postal_code": "10115", "country": "DE"}},
  {"id": "O-2", "channel": "market", "lines": [{"sku": "GUM-1", "quantity": 1}, {"sku": "PEN-1", "quantity": 3}],
   "recipient": {"name": "李雷", "phone": "138 0000 0000", "lines": ["朝阳区建国路 88 号", "3 单元 501"], "city": "北京", "region": "北京市", "postal_code": "100022", "country": "CN"}}
]}`

func wantOrders() []Order {
	return []Order{{
		ID: "O-1", Channel: "shop",
		Lines:     []OrderLine{{"PEN-1", 2}, {"GUM-1", 10}},
		Recipient: Address{Name: "Anna Schmidt", Phone: "+49 30 1234", Lines: []string{"Hauptstr. 1"}, City: "Berlin", PostalCode: "10115", Country: "DE"},
	}, {
		ID: "O-2", Channel: "market",
		Lines:     []OrderLine{{"GUM-1", 1}, {"PEN-1", 3}},
		Recipient: Address{Name: "李雷", Phone: "138 0000 0000", Lines: []string{"朝阳区建国路 88 号", "3 单元 501"}, City: "北京", Region: "北京市", PostalCode: "100022", Country: "CN"},
	}}
}

func TestParseOrders(t *testing.T) {
	for _, tt := range []struct {
		name   string
		format ImportFormat
		data   string
	}{
		{"csv", ImportCSV, exampleOrdersCSV},
		{"json object", ImportJSON, exampleOrdersJSON},
		{"json array", ImportJSON, exampleOrdersJSON[strings.Index(exampleOrdersJSON, "[") : strings.LastIndex(exampleOrdersJSON, "]")+1]},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseOrders([]byte(tt.data), tt.format)
			if err != nil {
				t.Fatal(err)
			}
			if want := wantOrders(); !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestParseOrdersErrors(t *testing.T) {
	const head = "order_id,sku,quantity,recipient_name,country,city,address1,address2\n"
	tests := []struct {
		name   string
		format ImportFormat
		data   string
		want   []Violation
	}{
		{"no format", ImportFormat(9), exampleOrdersJSON, []Violation{{"format", "ImportFormat(9) is not supported"}}},
		{"empty", ImportJSON, "  ", []Violation{{"file", "empty"}}},
		{"empty array", ImportJSON, "[]", []Violation{{"file", "no orders"}}},
		{"required columns", ImportCSV, "order_id,sku\nA,B\n", []Violation{
			{"header", `missing required column "quantity"`}, {"header", `missing required column "country"`},
		}},
		{"csv rows", ImportCSV, head +
			"O-1,S-1,2,Ann,DE,Berlin,Street 1,\n" +
			"O-2,S-1,0,Bob,de,Köln,,Hof\x07\n" +
			"O-1,S-2,three,Ann,DE,Bonn,Street 1,\n" +
			"O-1,S-1,1,Ann,DE,Berlin,Street 1,\n" +
			",S-1,1,,,,,\n" +
			"O 3,S-1,10001,Cy,FR,,,\n", []Violation{
			{"row 3 (O-2).quantity", "want 1 to 10000, got 0"},
			{"row 3 (O-2).country", `2 uppercase letters such as DE, got "de"`},
			{"row 3 (O-2).address2", "control character"},
			{"row 4 (O-1).city", `"Bonn" differs from "Berlin" on row 2 of the same order`},
			{"row 4 (O-1).quantity", `want a whole number, got "three"`},
			{"row 5 (O-1).sku", "SKU S-1 is also on row 2 (O-1)"},
			{"row 6.order_id", "missing"},
			{"row 6.recipient_name", "missing"},
			{"row 6.country", "missing"},
			{"row 7 (O 3).order_id", "whitespace"},
			{"row 7 (O 3).quantity", "want 1 to 10000, got 10001"},
		}},
		{"json orders", ImportJSON, `[
			{"id": "O-1", "lines": [{"sku": "S-1", "quantity": 1}], "recipient": {"name": "A", "country": "DE"}},
			{"id": "O-1", "lines": [], "recipient": {"name": "A", "country": "DE", "lines": "Street 1"}},
			{"id": "O-3", "channel": 5, "lines": [{"sku": "S-1", "quantity": "2"}, {"sku": "S-1", "quantity": 1.5, "note": "x"}, 4],
			 "recipient": {"name": " ", "country": "DEU", "email": "a@b"}, "priority": 1},
			{"id": "O-4", "lines": [{"sku": "", "quantity": -1}], "recipient": null}]`, []Violation{
			{"orders[1] (O-1).id", "duplicate order id, also orders[0] (O-1)"},
			{"orders[1] (O-1).lines", "at least one line"},
			{"orders[1] (O-1).recipient.lines", "want an array, got string"},
			{"orders[2] (O-3)", `unknown field "priority"`},
			{"orders[2] (O-3).channel", "want a string, got number"},
			{"orders[2] (O-3).lines[0].quantity", "want a number, got string"},
			{"orders[2] (O-3).lines[1]", `unknown field "note"`},
			{"orders[2] (O-3).lines[1].quantity", `want a whole number, got "1.5"`},
			{"orders[2] (O-3).lines[1].sku", "SKU S-1 is also on orders[2] (O-3).lines[0]"},
			{"orders[2] (O-3).lines[2]", "want an object, got number"},
			{"orders[2] (O-3).recipient", `unknown field "email"`},
			{"orders[2] (O-3).recipient.name", "missing"},
			{"orders[2] (O-3).recipient.country", `got "DEU"`},
			{"orders[3] (O-4).lines[0].sku", "missing"},
			{"orders[3] (O-4).lines[0].quantity", "must not be negative"},
			{"orders[3] (O-4).recipient.name", "missing"},
			{"orders[3] (O-4).recipient.country", "missing"},
		}},
		{"json wrapper", ImportJSON, `{"orders": [], "next_page": 2}`, []Violation{{"file", `unknown field "next_page"`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseOrders([]byte(tt.data), tt.format)
			if got != nil {
				t.Errorf("got orders from a rejected file: %+v", got)
			}
			checkViolations(t, err, tt.want...)
		})
	}
}

func TestValidateOrder(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Order)
		want   []Violation
	}{
		{"valid", func(*Order) {}, nil},
		{"too many lines", func(o *Order) {
			o.Lines = nil
			for i := range MaxOrderLines + 1 {
				o.Lines = append(o.Lines, OrderLine{SKU: "S-" + strings.Repeat("x", i%60) + string(rune('A'+i%26)) + string(rune('a'+i/26)), Quantity: 1})
			}
		}, []Violation{{"order.lines", fmt.Sprintf("%d lines, at most %d", MaxOrderLines+1, MaxOrderLines)}}},
		{"invalid UTF-8 address", func(o *Order) { o.Recipient.Lines = []string{"ok", "\xff"} }, []Violation{{"order.recipient.lines[1]", "UTF-8"}}},
		{"long id", func(o *Order) { o.ID = strings.Repeat("é", 65) }, []Violation{{"order.id", "65 characters, at most 64"}}},
		{"quantity", func(o *Order) { o.Lines[1].Quantity = 0 }, []Violation{{"order.lines[1].quantity", "want 1 to 10000, got 0"}}},
	}
	for _, tt := range tests {
		o := wantOrders()[1]
		tt.change(&o)
		got := ValidateOrder(o, "order")
		if len(tt.want) == 0 {
			if len(got) != 0 {
				t.Errorf("%s: got %v, want none", tt.name, got)
			}
			continue
		}
		checkViolations(t, got.Err("test"), tt.want...)
	}
}

func FuzzParseOrders(f *testing.F) {
	f.Add([]byte(exampleOrdersCSV), true)
	f.Add([]byte(exampleOrdersJSON), false)
	f.Add([]byte("order_id,sku,quantity,recipient_name,country\nA,S,1,N,DE\nA,S,2,M,DE\n"), true)
	f.Add([]byte(`[{"id":"A","lines":[{"sku":"S","quantity":1e2}],"recipient":{"name":"N","country":"DE"}}]`), false)
	f.Add([]byte(`{"orders":[null]}`), false)
	f.Fuzz(func(t *testing.T, data []byte, csv bool) {
		format := ImportJSON
		if csv {
			format = ImportCSV
		}
		orders, err := ParseOrders(data, format)
		if err != nil {
			if orders != nil || len(invalidError(t, err).Violations) == 0 {
				t.Fatalf("rejected file returned %v with error %v", orders, err)
			}
			return
		}
		ids := map[string]bool{}
		for _, o := range orders {
			if vs := ValidateOrder(o, ""); len(vs) > 0 {
				t.Fatalf("imported order %+v does not validate: %v", o, vs)
			}
			if ids[o.ID] {
				t.Fatalf("order id %q imported twice", o.ID)
			}
			ids[o.ID] = true
			if o.State != StateUnspecified || !o.ReleasedAt.IsZero() || !o.DueAt.IsZero() {
				t.Fatalf("import set store fields: %+v", o)
			}
		}
	})
}
