package floor

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func readMappingFile(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "mappings", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func mustMapping(t testing.TB, data []byte) *OrderMapping {
	t.Helper()
	m, err := ParseOrderMapping(data)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// The two example exports hold the same two orders, the marketplace's as
// three rows with the first order's rows apart, the shop's as nested JSON
// with times in the buyers' zones.
func wantMappedOrders(id1, id2, channel string) []Order {
	return []Order{{
		ID: id1, Channel: channel,
		Lines:      []OrderLine{{"S1", 2}, {"S2", 3}},
		Recipient:  Address{Name: "Anna Schmidt", Phone: "+49 30 1234", Lines: []string{"Hauptstr. 1"}, City: "Berlin", PostalCode: "10115", Country: "DE"},
		ReleasedAt: time.Date(2026, 11, 24, 8, 12, 0, 0, time.UTC),
	}, {
		ID: id2, Channel: channel,
		Lines:      []OrderLine{{"S2", 1}},
		Recipient:  Address{Name: "李雷", Phone: "138 0000 0000", Lines: []string{"朝阳区建国路 88 号", "3 单元 501"}, City: "北京", Region: "北京市", PostalCode: "100022", Country: "CN"},
		ReleasedAt: time.Date(2026, 11, 24, 8, 20, 30, 0, time.UTC),
	}}
}

func TestParseOrdersMappedExamples(t *testing.T) {
	tests := []struct {
		mapping, data string
		format        ImportFormat
		want          []Order
	}{
		{"marketplace.json", "marketplace-orders.csv", ImportCSV, wantMappedOrders("302-1111111-0000001", "302-1111111-0000002", "marketplace")},
		{"shop.json", "shop-orders.json", ImportJSON, wantMappedOrders("#1001", "#1002", "shop")},
	}
	for _, tt := range tests {
		t.Run(tt.mapping, func(t *testing.T) {
			m := mustMapping(t, readMappingFile(t, tt.mapping))
			if p := m.FormatProblem(tt.format); p != "" {
				t.Errorf("FormatProblem(%v) = %q, want none", tt.format, p)
			}
			got, err := ParseOrdersMapped(readMappingFile(t, tt.data), m)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// TestParseOrdersMappedOptions covers what the examples do not: value
// tables, prefixes, constants for line fields, time layouts, a document
// that is itself the array of orders, and headers in another case.
func TestParseOrdersMappedOptions(t *testing.T) {
	want := Order{ID: "A-1", Channel: "web", Lines: []OrderLine{{"S1", 1}, {"S2", 1}},
		Recipient:  Address{Name: "Ann", Country: "DE"},
		ReleasedAt: time.Date(2026, 11, 24, 7, 30, 0, 0, time.UTC)}
	tests := []struct {
		name, mapping, data string
	}{
		{"csv", `{"format": "csv",
			"fields": {"id": "Order Number", "released_at": "Date", "lines[].sku": "Item", "recipient.name": "Name", "recipient.country": "Country"},
			"constants": {"channel": "web", "lines[].quantity": "1"},
			"values": {"recipient.country": {"Deutschland": "DE"}},
			"trim_prefix": {"lines[].sku": "WEB-"},
			"time_layout": "02.01.2006 15:04"}`,
			"ORDER NUMBER,item,name,country,date\n" +
				"A-1,WEB-S1,Ann,Deutschland,24.11.2026 07:30\n" +
				"A-1,S2,Ann,Deutschland,24.11.2026 07:30\n"},
		{"tab-separated", `{"format": "csv", "delimiter": "\t",
			"fields": {"id": "order-id", "released_at": "purchase-date", "lines[].sku": "sku", "recipient.name": "recipient-name", "recipient.country": "ship-country"},
			"constants": {"channel": "web", "lines[].quantity": "1"}}`,
			"order-id\tsku\trecipient-name\tship-country\tpurchase-date\tnote\n" +
				"A-1\tS1\tAnn\tDE\t2026-11-24T07:30:00Z\ta, b\n" +
				"A-1\tS2\tAnn\tDE\t2026-11-24T07:30:00Z\t\n"},
		{"json array", `{"format": "json",
			"fields": {"id": "[].no", "released_at": "[].at", "lines[].sku": "[].items[].sku", "lines[].quantity": "[].items[].n",
				"recipient.name": "[].to.name", "recipient.country": "[].to.country"},
			"constants": {"channel": "web"},
			"values": {"recipient.country": {"Deutschland": "DE"}}}`,
			`[{"no": "A-1", "at": "2026-11-24T08:30:00+01:00", "items": [{"sku": "S1", "n": "1"}, {"sku": "S2", "n": 1}],
			   "to": {"name": "Ann", "country": "Deutschland"}}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseOrdersMapped([]byte(tt.data), mustMapping(t, []byte(tt.mapping)))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, []Order{want}) {
				t.Errorf("got  %+v\nwant %+v", got, []Order{want})
			}
		})
	}
}

const (
	testCSVMapping = `{"format": "csv", "fields": {"id": "order-id", "released_at": "bought", "lines[].sku": "seller-sku",
		"lines[].quantity": "qty", "recipient.name": "name", "recipient.city": "city", "recipient.country": "country"}}`
	testJSONMapping = `{"format": "json", "fields": {"id": "orders[].name", "lines[].sku": "orders[].items[].sku",
		"lines[].quantity": "orders[].items[].qty", "recipient.name": "orders[].ship.name", "recipient.country": "orders[].ship.cc"},
		"values": {"recipient.country": {"Deutschland": "DE"}}, "trim_prefix": {"lines[].sku": "SHOP-"}}`
)

func TestOrderMappingFormatProblem(t *testing.T) {
	csvMapping, jsonMapping := mustMapping(t, []byte(testCSVMapping)), mustMapping(t, []byte(testJSONMapping))
	tests := []struct {
		name    string
		mapping *OrderMapping
		format  ImportFormat
		want    string
	}{
		{"csv, left out", csvMapping, ImportUnspecified, ""},
		{"csv, same", csvMapping, ImportCSV, ""},
		{"csv, other", csvMapping, ImportJSON, "the mapping reads csv, not json; leave the format out or set it to csv"},
		{"json, left out", jsonMapping, ImportUnspecified, ""},
		{"json, same", jsonMapping, ImportJSON, ""},
		{"json, other", jsonMapping, ImportCSV, "the mapping reads json, not csv; leave the format out or set it to json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.mapping.FormatProblem(tt.format); got != tt.want {
				t.Errorf("FormatProblem(%v) = %q, want %q", tt.format, got, tt.want)
			}
		})
	}
}

func TestParseOrdersMappedErrors(t *testing.T) {
	const head = "order-id,seller-sku,qty,name,country,bought,city\n"
	tests := []struct {
		name, mapping, data string
		want                []Violation // all of them
	}{
		{"empty", testCSVMapping, " \n", []Violation{{"file", "empty"}}},
		{"header only", testCSVMapping, head, []Violation{{"file", "no orders"}}},
		{"missing columns", testCSVMapping, "order-id,seller-sku,name,country,bought,city\nO-1,S-1,A,DE,,\n", []Violation{
			{"header", `no column "qty", which the mapping reads lines[].quantity from`},
		}},
		{"repeated and missing columns", testCSVMapping, "order-id,seller-sku,name,Name,country,bought\nO-1,S-1,A,A,DE,\n", []Violation{
			{"header", `column "name" appears twice`},
			{"header", `no column "qty", which the mapping reads lines[].quantity from`},
			{"header", `no column "city", which the mapping reads recipient.city from`},
		}},
		{"csv rows", testCSVMapping, head +
			"O-1,S-1,2,Ann,DE,2026-11-24T08:00:00Z,Berlin\n" +
			"O-1,S-2,two,Ann,DE,2026-11-24T08:00:00Z,Bonn\n" +
			"O-2,S-1,0,Bob,de,yesterday,Köln\n" +
			"O-1,S-1,1,Ann,DE,2026-11-24T08:00:00Z,Berlin\n" +
			",S-1,1,,DE,,\n" +
			"O-3,S-1,1\n", []Violation{
			{"row 3 (O-1), column city", `"Bonn" differs from "Berlin" on row 2 of the same order`},
			{"row 3 (O-1), column qty", `want a whole number, got "two"`},
			{"row 4 (O-2), column bought", `want a time in the layout 2006-01-02T15:04:05Z07:00, got "yesterday"`},
			{"row 4 (O-2), column qty", "want 1 to 10000, got 0"},
			{"row 4 (O-2), column country", `such as DE, got "de"`},
			{"row 5 (O-1), column seller-sku", "SKU S-1 is also on row 2 (O-1)"},
			{"row 6, column order-id", "missing"},
			{"row 6, column name", "missing"},
			{"row 7", "has 3 cells, the header has 7"},
		}},
		{"bad constant reported once", `{"format": "csv", "fields": {"id": "order-id", "lines[].sku": "seller-sku",
			"recipient.name": "name", "recipient.country": "country"}, "constants": {"channel": "web\u0007", "lines[].quantity": "1"}}`,
			head + "O-1,S-1,,A,DE,,\nO-2,S-1,,B,DE,,\n", []Violation{
				{"mapping constants.channel", "control character"},
			}},
		{"json syntax", testJSONMapping, `{"orders": [}`, []Violation{{"line 1, column 13", "invalid character"}}},
		{"json without orders", testJSONMapping, `{"data": []}`, []Violation{{"file", "no array of orders at orders[]"}}},
		{"json orders not an array", testJSONMapping, `{"orders": {"name": "#1"}}`, []Violation{{"file", "want an array, got an object"}}},
		{"json orders", testJSONMapping, `{"orders": [
			{"name": "#1", "items": [{"sku": "SHOP-S1", "qty": 1}], "ship": {"name": "A", "cc": "Deutschland"}},
			{"name": "#2", "items": [{"sku": "S1", "qty": "2"}, {"sku": "S1", "qty": 1.5}, 7], "ship": "Berlin"},
			{"name": "#1", "items": [], "ship": {"name": ["B"], "cc": "FR"}},
			5]}`, []Violation{
			{"orders[1] (#2).items[2]", "want an object, got a number"},
			{"orders[1] (#2).ship.name", "want an object at ship, got a string"},
			{"orders[1] (#2).ship.cc", "want an object at ship, got a string"},
			{"orders[1] (#2).items[1].qty", `want a whole number, got "1.5"`},
			{"orders[1] (#2).items[1].sku", "SKU S1 is also on orders[1] (#2).items[0]"},
			{"orders[2] (#1).name", "duplicate order id, also orders[0] (#1)"},
			{"orders[2] (#1).ship.name", "want a string or a number, got an array"},
			{"orders[2] (#1).items", "an order needs at least one line"},
			{"orders[3]", "want an object, got a number"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseOrdersMapped([]byte(tt.data), mustMapping(t, []byte(tt.mapping)))
			if got != nil {
				t.Errorf("got orders from a rejected file: %+v", got)
			}
			checkAllViolations(t, err, tt.want)
		})
	}
}

// checkAllViolations is checkViolations where want lists every violation,
// so that a problem reported twice, or one too many, fails the test.
func checkAllViolations(t *testing.T, err error, want []Violation) {
	t.Helper()
	checkViolations(t, err, want...)
	if vs := invalidError(t, err).Violations; len(vs) != len(want) {
		t.Errorf("got %d violations %q, want %d", len(vs), vs, len(want))
	}
}

func TestParseOrderMappingErrors(t *testing.T) {
	const required = `"lines[].sku": "s", "lines[].quantity": "q", "recipient.name": "n", "recipient.country": "c"`
	tests := []struct {
		name, mapping string
		want          []Violation // all of them
	}{
		{"syntax", `{"format": "csv",`, []Violation{{"line 1, column 17", "unexpected end"}}},
		{"not an object", `["csv"]`, []Violation{
			{"file", "want an object, got array"}, {"format", `want "csv" or "json"`},
			{"fields.id", "required"}, {"fields.lines[].sku", "required"}, {"fields.lines[].quantity", "required"},
			{"fields.recipient.name", "required"}, {"fields.recipient.country", "required"},
		}},
		{"unknown names", `{"format": "CSV", "colums": {}, "fields": {"id": "i", "sku": "s2", ` + required + `}}`, []Violation{
			{"file", `unknown field "colums"`}, {"fields", `unknown field "sku"`},
		}},
		{"types", `{"format": "xml", "fields": {"id": 5, "channel": ["a"], "recipient.lines": ["a", " ", 3], ` + required + `}}`, []Violation{
			{"format", `want "csv" or "json"`},
			{"fields.id", "want a string, got number"},
			{"fields.channel", "want a string, got array"},
			{"fields.recipient.lines[2]", "want a string, got number"},
			{"fields.recipient.lines[1]", "empty"},
		}},
		{"constants", `{"format": "csv", "fields": {"id": "i", ` + required + `},
			"constants": {"id": "X", "recipient.name": "N", "channel": 7, "region": "R"}}`, []Violation{
			{"constants", `unknown field "region"`},
			{"constants.channel", "want a string, got number"},
			{"constants.id", "cannot be a constant"},
			{"constants.recipient.name", "also mapped in fields"},
		}},
		{"delimiter", `{"format": "csv", "delimiter": "tab", "fields": {"id": "i", ` + required + `}}`, []Violation{
			{"delimiter", `want ",", ";", "|" or "\t" (tab), got "tab"`},
		}},
		{"json paths", `{"format": "json", "fields": {"id": "orders[].id", "channel": "channel",
			"lines[].sku": "orders[].items[].sku", "lines[].quantity": "orders[].lines[].qty", "recipient.name": "shipments[].name",
			"recipient.country": "orders[].a..b", "recipient.city": "orders[].tags[]", "recipient.region": "orders[].x[0]",
			"recipient.phone": "orders[].items[].phone", "released_at": "orders[]..at"}}`, []Violation{
			{"fields.channel", `want one [], after the array of orders, like orders[].channel; got "channel"`},
			{"fields.released_at", "part 2 of"},
			{"fields.recipient.name", `want a path in orders[], the array of orders that fields.id reads; got "shipments[].name"`},
			{"fields.recipient.phone", "want one []"},
			{"fields.recipient.city", "ends in []"},
			{"fields.recipient.region", `"x[0]" in "orders[].x[0]": [] only follows a key`},
			{"fields.recipient.country", "part 3 of"},
			{"fields.lines[].quantity", `want a path in orders[].items[], the array of lines that fields.lines[].sku reads`},
		}},
		{"json line path with one []", `{"format": "json", "fields": {"id": "[].id", "lines[].sku": "[].sku",
			"lines[].quantity": "[].items[].q", "recipient.name": "[].n", "recipient.country": "[].c"}}`, []Violation{
			{"fields.lines[].sku", "want two []"},
		}},
		{"values and prefixes", `{"format": "csv", "fields": {"id": "i", ` + required + `},
			"values": {"recipient.region": {"a": "b"}, "recipient.country": "DE", "lines[].sku": {"x": 1}},
			"trim_prefix": {"id": 5}}`, []Violation{
			{"values.recipient.region", "recipient.region is not mapped in fields"},
			{"values.recipient.country", "want an object of values read and what to read them as, got a string"},
			{"values.lines[].sku.x", "want a string, got number"},
			{"trim_prefix.id", "want a string, got number"},
		}},
		{"time layout", `{"format": "csv", "fields": {"id": "i", "released_at": "t", ` + required + `}, "time_layout": "yyyy-MM-dd"}`, []Violation{
			{"time_layout", `want a Go time layout with year, month and day`},
		}},
		{"time layout without a time", `{"format": "csv", "fields": {"id": "i", ` + required + `}, "time_layout": "2006-01-02"}`, []Violation{
			{"time_layout", "released_at is not mapped"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseOrderMapping([]byte(tt.mapping))
			if m != nil {
				t.Errorf("got a mapping from a rejected file: %+v", m)
			}
			checkAllViolations(t, err, tt.want)
		})
	}
}

func FuzzParseOrdersMapped(f *testing.F) {
	for _, pair := range [][2]string{{"marketplace.json", "marketplace-orders.csv"}, {"shop.json", "shop-orders.json"}} {
		f.Add(readMappingFile(f, pair[0]), readMappingFile(f, pair[1]))
	}
	f.Add([]byte(testCSVMapping), []byte("order-id,seller-sku,qty,name,country,bought,city\nA,S,1,N,DE,,\nA,T,2,N,DE,,\n"))
	f.Add([]byte(testJSONMapping), []byte(`{"orders":[{"name":"#1","items":[{"sku":"SHOP-S","qty":1}],"ship":{"name":"N","cc":"Deutschland"}},null]}`))
	f.Add([]byte(`{"format":"json","fields":{"id":"[].i","lines[].sku":"[].l[].s","recipient.name":"[].n"},"constants":{"lines[].quantity":"1","recipient.country":"DE"}}`),
		[]byte(`[{"i":1,"l":[{"s":2}],"n":"x"}]`))
	// Most mutations break the mapping; the data is then read through a
	// fixed one, so that the readers are fuzzed all the same.
	fallback := []*OrderMapping{mustMapping(f, []byte(testCSVMapping)), mustMapping(f, []byte(testJSONMapping))}
	f.Fuzz(func(t *testing.T, mapping, data []byte) {
		m, err := ParseOrderMapping(mapping)
		if rejected(t, err, m == nil) {
			m = fallback[len(data)%2]
		}
		orders, err := ParseOrdersMapped(data, m)
		if rejected(t, err, orders == nil) {
			return
		}
		// What is imported passes the rules of every order, has unique ids,
		// and leaves the store's fields alone; its release time is in UTC.
		ids := map[string]bool{}
		for _, o := range orders {
			vs := ValidateOrder(o, "")
			if len(vs) > 0 || ids[o.ID] || o.State != StateUnspecified || !o.DueAt.IsZero() || o.ReleasedAt.Location() != time.UTC {
				t.Fatalf("imported %+v, violating %v; ids before it %v", o, vs, ids)
			}
			ids[o.ID] = true
		}
	})
}

// rejected reports whether a parser refused its input, failing the test if
// it refused yet returned something, or without a violation saying why.
func rejected(t *testing.T, err error, returnedNothing bool) bool {
	if err != nil && (!returnedNothing || len(invalidError(t, err).Violations) == 0) {
		t.Fatalf("a refusal returned a result or no violation: %v", err)
	}
	return err != nil
}
