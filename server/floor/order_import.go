package floor

import (
	"context"
	"fmt"
	"strings"
)

// Order limits. An order beyond them is far more likely an export error than
// a real parcel, and it would block a picker for the whole shift. 100 lines
// are 100 stops, over 15 minutes of picking alone at ~10 s a stop: a
// bigger order is wholesale and is split before it reaches the floor. The
// limit also bounds the documents: the slowest an allowed order can make
// (every field at its limit) renders in about 40 ms (labels'
// BenchmarkWorstCase), where 500 lines took 170 ms.
const (
	MaxOrderLines   = 100
	MaxLineQuantity = 10000
)

var orderCSVColumns = []string{
	"order_id", "channel", "sku", "quantity",
	"recipient_name", "phone", "address1", "address2", "city", "region", "postal_code", "country",
	"customs_category", "importer_reference", "invoice_number",
}

// orderCSVOrderColumns must agree on every row of one order.
var orderCSVOrderColumns = []string{
	"channel", "recipient_name", "phone", "address1", "address2", "city", "region", "postal_code", "country",
	"customs_category", "importer_reference", "invoice_number",
}

var recipientFields = []string{"name", "phone", "lines", "city", "region", "postal_code", "country"}

// orderPaths names the fields of one order in the words of its source, so
// that one validation serves JSON ("orders[3] (O-1).recipient.city") and
// CSV ("row 7 (O-1).city", a line's problems on that line's row).
type orderPaths struct {
	at   func(field string) string // field named as in JSON ("id", "recipient.lines[0]"); "" is the order
	line func(i int) string        // line i, to which ".sku" or ".quantity" is appended
}

func jsonOrderPaths(prefix string) orderPaths {
	return orderPaths{
		at:   func(f string) string { return join(prefix, f) },
		line: func(i int) string { return join(prefix, fmt.Sprintf("lines[%d]", i)) },
	}
}

// ParseOrders is ParseOrdersContext with a context that never ends.
func ParseOrders(data []byte, format ImportFormat) ([]Order, error) {
	return ParseOrdersContext(context.Background(), data, format)
}

// ParseOrdersContext reads an order import. JSON is an array of orders, or
// {"orders": [...]}, each {"id", "channel", "lines": [{"sku", "quantity"}],
// "recipient": {"name", "phone", "lines": [...], "city", "region",
// "postal_code", "country"}, and optionally for the customs declaration
// "customs_category", "importer_reference", "invoice_number"}. CSV has one row per order line with the
// columns in orderCSVColumns; rows with the same order_id, adjacent or not,
// are one order and must agree on channel and recipient. Every problem is
// reported and no order is returned if there is any. Orders come back in
// file order with State StateUnspecified and zero times for the store to set.
// When ctx ends first, the reading stops and its error is returned.
func ParseOrdersContext(ctx context.Context, data []byte, format ImportFormat) ([]Order, error) {
	const op = "import orders"
	var vs Violations
	var orders []Order
	var paths []orderPaths
	if formatOK(format, &vs) {
		if data, ok := inputText(data, &vs); ok && format == ImportCSV {
			orders, paths = ordersCSV(ctx, data, &vs)
		} else if ok {
			orders, paths = ordersJSON(ctx, data, &vs)
		}
	}
	if err := stopped(ctx, op); err != nil {
		return nil, err
	}
	if len(vs) == 0 && len(orders) == 0 {
		vs.Add("file", "no orders in the file")
	}
	seen := map[string]string{}
	for i, o := range orders {
		if err := stoppedAt(ctx, op, i); err != nil {
			return nil, err
		}
		validateOrder(o, paths[i], &vs)
		if first, dup := seen[o.ID]; dup {
			vs.addOnce(paths[i].at("id"), "duplicate order id, also %s", first)
		} else if o.ID != "" {
			seen[o.ID] = paths[i].at("")
		}
	}
	if err := vs.Err(op); err != nil {
		return nil, err
	}
	return orders, nil
}

func ordersJSON(ctx context.Context, data []byte, vs *Violations) ([]Order, []orderPaths) {
	var orders []Order
	var paths []orderPaths
	for i, raw := range jsonItems(data, "orders", vs) {
		if stoppedAt(ctx, "", i) != nil {
			return nil, nil // the caller reports ctx's error
		}
		o := openJSONObject(raw, vs)
		at := o.label(fmt.Sprintf("orders[%d]", i), "id", "id", "channel", "lines", "recipient",
			"customs_category", "importer_reference", "invoice_number")
		ord := Order{ID: o.str("id"), Channel: o.str("channel"), Customs: OrderCustoms{Category: o.str("customs_category"),
			ImporterReference: o.str("importer_reference"), InvoiceNumber: o.str("invoice_number")}}
		for j, raw := range o.array("lines") {
			l := openJSONObject(raw, vs)
			l.label(join(at, fmt.Sprintf("lines[%d]", j)), "", "sku", "quantity")
			q, p := parseWhole(l.number("quantity"))
			if p != "" {
				vs.addOnce(join(l.at, "quantity"), "%s", p)
			}
			ord.Lines = append(ord.Lines, OrderLine{SKU: l.str("sku"), Quantity: q})
		}
		r := openJSONObject(o.fields["recipient"], vs)
		r.label(join(at, "recipient"), "", recipientFields...)
		ord.Recipient = Address{
			Name: r.str("name"), Phone: r.str("phone"), Lines: r.strs("lines"),
			City: r.str("city"), Region: r.str("region"), PostalCode: r.str("postal_code"), Country: r.str("country"),
		}
		orders, paths = append(orders, ord), append(paths, jsonOrderPaths(at))
	}
	return orders, paths
}

func ordersCSV(ctx context.Context, data []byte, vs *Violations) ([]Order, []orderPaths) {
	type group struct {
		first csvRow
		at    string
		cols  map[string]string // JSON field name to CSV column where they differ
		lines []string          // row label of each line
		order Order
	}
	var groups []*group
	byID := map[string]*group{}
	for i, row := range readCSV(data, orderCSVColumns, []string{"order_id", "sku", "quantity", "recipient_name", "country"}, vs) {
		if stoppedAt(ctx, "", i) != nil {
			return nil, nil // the caller reports ctx's error
		}
		v := row.val
		at := labelled(row.at, v["order_id"])
		q, p := parseWhole(v["quantity"])
		if p != "" {
			vs.addOnce(at+".quantity", "%s", p)
		}
		g := byID[v["order_id"]]
		if g == nil {
			g = &group{first: row, at: at, cols: map[string]string{"id": "order_id", "lines": "", "recipient.name": "recipient_name"}}
			g.order = Order{ID: v["order_id"], Channel: v["channel"], Recipient: Address{
				Name: v["recipient_name"], Phone: v["phone"],
				City: v["city"], Region: v["region"], PostalCode: v["postal_code"], Country: v["country"],
			}, Customs: OrderCustoms{Category: v["customs_category"], ImporterReference: v["importer_reference"],
				InvoiceNumber: v["invoice_number"]}}
			for _, c := range []string{"address1", "address2"} {
				if v[c] != "" {
					g.cols[fmt.Sprintf("recipient.lines[%d]", len(g.order.Recipient.Lines))] = c
					g.order.Recipient.Lines = append(g.order.Recipient.Lines, v[c])
				}
			}
			groups = append(groups, g)
			if v["order_id"] != "" { // rows without an id are not one order; each is reported
				byID[v["order_id"]] = g
			}
		} else {
			for _, c := range orderCSVOrderColumns {
				if v[c] != g.first.val[c] {
					vs.Add(at+"."+c, "%s differs from %s on %s of the same order", Quote(v[c]), Quote(g.first.val[c]), g.first.at)
				}
			}
		}
		g.order.Lines = append(g.order.Lines, OrderLine{SKU: v["sku"], Quantity: q})
		g.lines = append(g.lines, at)
	}
	orders := make([]Order, len(groups))
	paths := make([]orderPaths, len(groups))
	for i, g := range groups {
		orders[i] = g.order
		paths[i] = orderPaths{
			at: func(f string) string {
				c, ok := g.cols[f]
				if !ok {
					c = strings.TrimPrefix(f, "recipient.")
				}
				return join(g.at, c)
			},
			line: func(i int) string { return g.lines[i] },
		}
	}
	return orders, paths
}

// ValidateOrder checks one order, for the API layer that receives orders one
// at a time; imports apply the same rules. Paths are field, ".", and the
// JSON field path ("lines[2].quantity", "recipient.country"). The same SKU
// on two lines is an error rather than merged: the sender's data is wrong
// somewhere, and adding the quantities might ship what nobody ordered.
func ValidateOrder(o Order, field string) Violations {
	var vs Violations
	validateOrder(o, jsonOrderPaths(field), &vs)
	return vs
}

func validateOrder(o Order, p orderPaths, vs *Violations) {
	if e := IDOrder.Problem(o.ID); e != "" {
		vs.addOnce(p.at("id"), "%s", e)
	}
	checkText(vs, p.at("channel"), o.Channel, MaxChannelLen)
	switch n := len(o.Lines); {
	case n == 0:
		vs.addOnce(p.at("lines"), "an order needs at least one line")
	case n > MaxOrderLines:
		vs.addOnce(p.at("lines"), "%d lines, at most %d", n, MaxOrderLines)
	}
	first := map[string]int{}
	for i, l := range o.Lines[:min(len(o.Lines), MaxOrderLines)] { // past the limit, lines are not worth checking
		at := p.line(i)
		if j, dup := first[l.SKU]; dup {
			vs.addOnce(at+".sku", "SKU %s is also on %s; one SKU takes one line", l.SKU, p.line(j))
		} else if e := IDSKU.Problem(l.SKU); e != "" {
			vs.addOnce(at+".sku", "%s", e)
		} else {
			first[l.SKU] = i
		}
		if l.Quantity < 1 || l.Quantity > MaxLineQuantity {
			vs.addOnce(at+".quantity", "want 1 to %d, got %d", MaxLineQuantity, l.Quantity)
		}
	}
	r := o.Recipient
	if strings.TrimSpace(r.Name) == "" {
		vs.addOnce(p.at("recipient.name"), "missing")
	}
	switch {
	case r.Country == "":
		vs.addOnce(p.at("recipient.country"), "missing")
	case !upperASCII(r.Country, 2):
		vs.addOnce(p.at("recipient.country"), "want an ISO 3166-1 alpha-2 code of 2 uppercase letters such as DE, got %s", Quote(r.Country))
	}
	checkAddress(vs, r, func(f string) string { return p.at("recipient." + f) })
	checkOrderCustoms(vs, o.Customs, p.at)
}

// checkAddress holds the text of an address (a recipient's, the sender's)
// to the limits, naming each field through at ("city", "lines[1]").
func checkAddress(vs *Violations, a Address, at func(field string) string) {
	for _, t := range []struct {
		name string
		v    string
		max  int
	}{
		{"name", a.Name, MaxRecipientNameLen}, {"phone", a.Phone, MaxPhoneLen}, {"city", a.City, MaxCityLen},
		{"region", a.Region, MaxRegionLen}, {"postal_code", a.PostalCode, MaxPostalCodeLen},
	} {
		checkText(vs, at(t.name), t.v, t.max)
	}
	if c := countProblem(len(a.Lines), MaxAddressLines, "address lines"); c != "" {
		vs.addOnce(at("lines"), "%s", c)
		return
	}
	for i, l := range a.Lines {
		checkText(vs, at(fmt.Sprintf("lines[%d]", i)), l, MaxAddressLineLen)
	}
}
