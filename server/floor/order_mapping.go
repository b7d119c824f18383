package floor

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// The targets of an order mapping: the fields of an order in the names
// ValidateOrder reports them by, with "lines[]." before the fields of a
// line. The order of the list is the order they are checked in: the JSON
// paths of id and lines[].sku fix the arrays every other path must use.
var (
	mappingOrderTargets = []string{
		"id", "channel", "released_at",
		"recipient.name", "recipient.phone", "recipient.lines", "recipient.city",
		"recipient.region", "recipient.postal_code", "recipient.country",
		"customs_category", "importer_reference", "invoice_number",
	}
	mappingLineTargets = []string{"lines[].sku", "lines[].quantity"}
	mappingTargets     = slices.Concat(mappingOrderTargets, mappingLineTargets)
)

// OrderMapping says where the fields of an order are in one selling
// platform's export, so that a new export layout is a JSON file written by
// an admin rather than code. It is made by ParseOrderMapping and used by
// ParseOrdersMapped.
type OrderMapping struct {
	format ImportFormat
	// sources gives each mapped target its CSV columns (lower case, as
	// readCSV names them) or JSON paths below the order's or the line's
	// item. Only recipient.lines has more than one.
	sources    map[string][]string
	orderArray string // JSON: the path of the array of orders, "orders[]"; "[]" is the document
	lineArray  string // JSON: the path of the array of lines, "orders[].line_items[]"
	constants  map[string]string
	values     map[string]map[string]string // target to a whole value and its replacement
	trimPrefix map[string]string
	layout     string // of released_at
	comma      rune   // CSV: the separator of the columns
}

// FormatProblem says why an import that names format f cannot be read
// through the mapping, or returns "" if it can. The mapping names the
// format of the exports it reads, so f may be ImportUnspecified, left out;
// a format that disagrees is refused rather than one of the two trusted,
// since whichever is wrong would misread every order.
func (m *OrderMapping) FormatProblem(f ImportFormat) string {
	if f == ImportUnspecified || f == m.format {
		return ""
	}
	return fmt.Sprintf("the mapping reads %v, not %v; leave the format out or set it to %v", m.format, f, m.format)
}

// ParseOrderMapping reads an order mapping:
//
//	{"format": "csv" or "json",
//	 "fields": {TARGET: SOURCE, ...},
//	 "constants": {TARGET: VALUE, ...},
//	 "values": {TARGET: {FROM: TO, ...}, ...},
//	 "trim_prefix": {TARGET: PREFIX, ...},
//	 "time_layout": GO_TIME_LAYOUT,
//	 "delimiter": ","}
//
// TARGET is one of mappingTargets: id, channel, released_at, lines[].sku,
// lines[].quantity, recipient.name, .phone, .lines, .city, .region,
// .postal_code, .country, and the customs fields customs_category,
// importer_reference, invoice_number. A SOURCE is a CSV column header (in any case) or a
// JSON path: keys separated by dots, "[]" after the key of an array whose
// items are read one by one ("orders[].shipping_address.city"; a path that
// starts with "[]" reads a document that is itself an array). Order fields
// have one "[]", the array of orders, the same for all; line fields have
// two, the orders and then the lines within one. recipient.lines takes a
// list of sources, one per address line; the others take one.
//
// id, lines[].sku, lines[].quantity, recipient.name and recipient.country
// must be mapped; quantity, name and country may be constants instead. In
// "values", a value read for the target that equals FROM exactly is read as
// TO (country names to ISO codes); "trim_prefix" then drops PREFIX from the
// value (a platform's SKU prefix). released_at is read with time_layout, a
// Go time layout, RFC 3339 by default; a layout without a zone reads UTC.
// delimiter separates CSV columns: "," by default, "\t" for tab-separated
// reports, or ";".
func ParseOrderMapping(data []byte) (*OrderMapping, error) {
	const op = "read order mapping"
	var vs Violations
	m := &OrderMapping{sources: map[string][]string{}, constants: map[string]string{},
		values: map[string]map[string]string{}, trimPrefix: map[string]string{}, layout: time.RFC3339, comma: ','}
	if data, ok := inputText(data, &vs); ok {
		m.read(data, &vs)
	}
	if err := vs.Err(op); err != nil {
		return nil, err
	}
	return m, nil
}

// read fills m from a mapping file, recording every problem in vs.
func (m *OrderMapping) read(data []byte, vs *Violations) {
	var top json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		f, d := jsonErrorAt(data, err)
		vs.Add(f, "%s", d)
		return
	}
	o := openJSONObject(top, vs)
	o.label("file", "", "format", "fields", "constants", "values", "trim_prefix", "time_layout", "delimiter")
	o.at = ""
	format, ok := ParseImportFormat(o.str("format"))
	if !ok {
		vs.addOnce("format", `want "csv" or "json"`)
	}
	m.format = format
	switch d := o.str("delimiter"); d {
	case "":
	case ",", ";", "\t", "|":
		if format != ImportCSV {
			vs.Add("delimiter", "only CSV exports have a delimiter")
		}
		m.comma = rune(d[0])
	default:
		vs.Add("delimiter", `want ",", ";", "|" or "\t" (tab), got %s`, Quote(d))
	}

	fields := openJSONObject(o.fields["fields"], vs)
	fields.label("fields", "", mappingTargets...)
	for _, t := range mappingTargets {
		at := join("fields", t)
		switch k := jsonKind(fields.fields[t]); {
		case k == "array" && t == "recipient.lines":
			srcs := fields.strs(t) // reports the items that are not strings
			for i, item := range fields.array(t) {
				if jsonKind(item) == "string" {
					m.addSource(t, srcs[i], fmt.Sprintf("%s[%d]", at, i), vs)
				}
			}
		case k == "string":
			m.addSource(t, fields.str(t), at, vs)
		default:
			fields.str(t) // reports any other type; absent and null leave t unmapped
		}
	}

	constants := openJSONObject(o.fields["constants"], vs)
	constants.label("constants", "", mappingTargets...)
	for _, t := range slices.Sorted(maps.Keys(constants.fields)) {
		at := join("constants", t)
		switch {
		case !slices.Contains(mappingTargets, t):
			// reported by label
		case t == "id" || t == "lines[].sku":
			vs.Add(at, "%s names each order or line and cannot be a constant; map it in fields", t)
		case len(m.sources[t]) > 0:
			vs.Add(at, "%s is also mapped in fields; give it one source", t)
		default:
			m.constants[t] = constants.str(t)
		}
	}
	for _, t := range []string{"id", "lines[].sku", "lines[].quantity", "recipient.name", "recipient.country"} {
		if _, ok := m.constants[t]; !ok && len(m.sources[t]) == 0 {
			vs.addOnce(join("fields", t), "required: every order needs it")
		}
	}

	values := openJSONObject(o.fields["values"], vs)
	values.label("values", "", mappingTargets...)
	for _, t := range m.mappedOnly(values, vs) {
		// Not label: the keys of a value table are the file's values, none unknown.
		table := openJSONObject(values.fields[t], vs)
		table.at = join("values", t)
		if table.kind != "object" {
			vs.Add(table.at, "want an object of values read and what to read them as, got %s", article(table.kind))
			continue
		}
		m.values[t] = map[string]string{}
		for _, from := range slices.Sorted(maps.Keys(table.fields)) {
			m.values[t][from] = table.str(from)
		}
	}
	trim := openJSONObject(o.fields["trim_prefix"], vs)
	trim.label("trim_prefix", "", mappingTargets...)
	for _, t := range m.mappedOnly(trim, vs) {
		m.trimPrefix[t] = trim.str(t)
	}

	if layout := o.str("time_layout"); layout != "" {
		m.layout = layout
		if p := layoutProblem(layout); p != "" {
			vs.Add("time_layout", "%s", p)
		} else if len(m.sources["released_at"]) == 0 {
			vs.Add("time_layout", "released_at is not mapped in fields, so no time is read")
		}
	}
}

// mappedOnly returns the known targets of a per-target setting (values,
// trim_prefix) in order, reporting those not read from the file: a setting
// for an unmapped target is a mistake the author would want to know about.
func (m *OrderMapping) mappedOnly(o *jsonObject, vs *Violations) []string {
	var out []string
	for _, t := range mappingTargets {
		if _, ok := o.fields[t]; !ok {
			continue
		}
		if len(m.sources[t]) == 0 {
			vs.Add(join(o.at, t), "%s is not mapped in fields", t)
			continue
		}
		out = append(out, t)
	}
	return out
}

// maxMappingSource bounds a mapping's column name or JSON path: the
// longest real export paths are a few dozen characters.
const maxMappingSource = 200

// addSource checks one source of target t and adds it as the readers use
// it: a CSV column in lower case, or a JSON path below its order or line.
func (m *OrderMapping) addSource(t, src, at string, vs *Violations) {
	if strings.TrimSpace(src) == "" {
		vs.Add(at, "empty; leave %s out to not map it", t)
		return
	}
	if len(src) > maxMappingSource { // it would name fields in every message
		vs.Add(at, "%s has %d bytes, at most %d", Quote(src), len(src), maxMappingSource)
		return
	}
	if m.format != ImportJSON {
		m.sources[t] = append(m.sources[t], strings.ToLower(strings.TrimSpace(src)))
		return
	}
	arrays, leaf, p := splitJSONPath(src)
	line := slices.Contains(mappingLineTargets, t)
	switch {
	case p != "": // the path cannot be read at all
	case !line && len(arrays) != 1:
		p = fmt.Sprintf("want one [], after the array of orders, like orders[].%s; got %s", clip(leaf), Quote(src))
	case line && len(arrays) != 2:
		p = fmt.Sprintf("want two [], after the array of orders and after its lines, like orders[].line_items[].%s; got %s", clip(leaf), Quote(src))
	case m.orderArray != "" && arrays[0] != m.orderArray:
		p = fmt.Sprintf("want a path in %s, the array of orders that fields.id reads; got %s", m.orderArray, Quote(src))
	case line && m.lineArray != "" && arrays[1] != m.lineArray:
		p = fmt.Sprintf("want a path in %s, the array of lines that fields.lines[].sku reads; got %s", m.lineArray, Quote(src))
	case t == "id":
		m.orderArray = arrays[0]
	case t == "lines[].sku" && m.orderArray != "":
		m.lineArray = arrays[1]
	}
	if p != "" {
		vs.Add(at, "%s", p)
		return
	}
	m.sources[t] = append(m.sources[t], leaf)
}

// splitJSONPath splits a mapping's JSON path into the path of each array
// it reads item by item and the keys below the last one:
// "orders[].line_items[].sku" is ["orders[]", "orders[].line_items[]"] and
// "sku".
func splitJSONPath(path string) (arrays []string, leaf, problem string) {
	parts := strings.Split(path, ".")
	last := -1
	for i, part := range parts {
		key, array := strings.CutSuffix(part, "[]")
		switch {
		case key == "" && !(array && i == 0):
			return nil, "", fmt.Sprintf("part %d of %s is empty; keys are separated by single dots, and only the first part may be a bare []", i+1, Quote(path))
		case strings.ContainsAny(key, "[]"):
			return nil, "", fmt.Sprintf("%s in %s: [] only follows a key, with nothing between the brackets", Quote(part), Quote(path))
		case array:
			arrays = append(arrays, strings.Join(parts[:i+1], "."))
			last = i
		}
	}
	leaf = strings.Join(parts[last+1:], ".")
	if leaf == "" {
		return nil, "", fmt.Sprintf("%s ends in []; a path ends in the key of the value", Quote(path))
	}
	return arrays, leaf, ""
}

// layoutProblem says what is wrong with a Go time layout, or "". A layout
// written in another convention ("yyyy-MM-dd") is taken by time.Parse as
// literal text and would read every time as year 1, so the check is that a
// known time survives formatting and parsing back with its date.
func layoutProblem(layout string) string {
	t := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	p, err := time.Parse(layout, t.Format(layout))
	if err != nil || p.Year() != t.Year() || p.Month() != t.Month() || p.Day() != t.Day() {
		return fmt.Sprintf("want a Go time layout with year, month and day, written as the time 2006-01-02 15:04:05 -0700 would be (such as 02.01.2006 15:04); got %s", Quote(layout))
	}
	return ""
}

// mapped is one value read through a mapping, with where it was read, so
// that a problem is reported at the file's own column or key.
type mapped struct{ text, at string }

// mappedRecord is what one order (its order fields) or one line says.
type mappedRecord struct {
	at   string              // as the file names it: "row 7 (O-1)", "orders[2] (#1001).line_items[0]"
	vals map[string][]mapped // by target; several only for recipient.lines
}

// mappedOrder is one order as read, before it is built and checked.
type mappedOrder struct {
	mappedRecord
	linesAt string // where its lines are: the array, or its first row
	lines   []mappedRecord
}

// record reads targets with read, which returns a source's value and where
// it is; the mapping's constants and value rewriting apply here so that
// every reader gets them alike.
func (m *OrderMapping) record(at string, targets []string, read func(src string) mapped) mappedRecord {
	r := mappedRecord{at: at, vals: map[string][]mapped{}}
	for _, t := range targets {
		if c, ok := m.constants[t]; ok {
			r.vals[t] = []mapped{{c, "mapping constants." + t}}
		}
		for _, src := range m.sources[t] {
			v := read(src)
			if to, ok := m.values[t][v.text]; ok {
				v.text = to
			}
			v.text = strings.TrimPrefix(v.text, m.trimPrefix[t])
			r.vals[t] = append(r.vals[t], v)
		}
	}
	return r
}

// ParseOrdersMapped is ParseOrdersMappedContext with a context that never
// ends.
func ParseOrdersMapped(data []byte, m *OrderMapping) ([]Order, error) {
	return ParseOrdersMappedContext(context.Background(), data, m)
}

// ParseOrdersMappedContext reads a selling platform's order export through a
// mapping (see ParseOrderMapping). In CSV, rows with the same order id are
// the lines of one order, as marketplace exports repeat the order columns
// on every line item's row; those columns must agree across the rows. In
// JSON, each item of the order array is one order and each item of its line
// array one line. Numbers and strings are both read as text, because
// exports differ in which they use for ids and quantities.
//
// Orders are checked by the rules of ParseOrders, with each problem named
// where the file has it ("row 7 (O-1), column quantity-purchased",
// "orders[3] (#1004).line_items[0].quantity"). Every problem is reported
// and no order is returned if there is any. Orders come back in file order
// with released_at (if mapped) in ReleasedAt and the other times zero.
// When ctx ends first, the reading stops and its error is returned.
func ParseOrdersMappedContext(ctx context.Context, data []byte, m *OrderMapping) ([]Order, error) {
	const op = "import orders"
	var vs Violations
	var read []mappedOrder
	if data, ok := inputText(data, &vs); ok && m.format == ImportCSV {
		read = m.csvOrders(data, &vs)
	} else if ok {
		read = m.jsonOrders(data, &vs)
	}
	if err := stopped(ctx, op); err != nil {
		return nil, err
	}
	if len(vs) == 0 && len(read) == 0 {
		vs.Add("file", "no orders in the file")
	}
	orders := make([]Order, len(read))
	seen := map[string]string{}
	for i, mo := range read {
		if err := stoppedAt(ctx, op, i); err != nil {
			return nil, err
		}
		orders[i] = m.order(mo, &vs)
		if first, dup := seen[orders[i].ID]; dup {
			vs.addOnce(mo.vals["id"][0].at, "duplicate order id, also %s", first)
		} else if orders[i].ID != "" {
			seen[orders[i].ID] = mo.at
		}
	}
	if err := vs.Err(op); err != nil {
		return nil, err
	}
	return orders, nil
}

// order builds one order and checks it with validateOrder. validateOrder
// names fields as the native layout has them ("<line>.quantity",
// "<order>.recipient.city"), so where records, for each name, the place
// this file holds the value, and each problem is filed there; a value that
// could not be read is then not reported a second time as out of range.
func (m *OrderMapping) order(mo mappedOrder, vs *Violations) Order {
	where := map[string]string{join(mo.at, "lines"): mo.linesAt}
	text := func(r mappedRecord, t string) string {
		vals := r.vals[t]
		if len(vals) == 0 {
			return ""
		}
		where[join(r.at, strings.TrimPrefix(t, "lines[]."))] = vals[0].at
		return vals[0].text
	}
	rec := mo.mappedRecord
	o := Order{ID: text(rec, "id"), Channel: text(rec, "channel"), Recipient: Address{
		Name: text(rec, "recipient.name"), Phone: text(rec, "recipient.phone"), City: text(rec, "recipient.city"),
		Region: text(rec, "recipient.region"), PostalCode: text(rec, "recipient.postal_code"), Country: text(rec, "recipient.country"),
	}, Customs: OrderCustoms{Category: text(rec, "customs_category"), ImporterReference: text(rec, "importer_reference"),
		InvoiceNumber: text(rec, "invoice_number")}}
	for _, v := range rec.vals["recipient.lines"] {
		if v.text != "" { // exports leave unused address lines empty
			where[join(mo.at, fmt.Sprintf("recipient.lines[%d]", len(o.Recipient.Lines)))] = v.at
			o.Recipient.Lines = append(o.Recipient.Lines, v.text)
		}
	}
	if s := text(rec, "released_at"); s != "" {
		t, err := time.Parse(m.layout, s)
		if err != nil {
			vs.addOnce(where[join(mo.at, "released_at")], "want a time in the layout %s, got %s", m.layout, Quote(s))
		}
		o.ReleasedAt = t.UTC()
	}
	for _, l := range mo.lines {
		q, p := parseWhole(text(l, "lines[].quantity"))
		if p != "" {
			vs.addOnce(where[l.at+".quantity"], "%s", p)
		}
		o.Lines = append(o.Lines, OrderLine{SKU: text(l, "lines[].sku"), Quantity: q})
	}
	var own Violations
	validateOrder(o, orderPaths{
		at:   func(f string) string { return join(mo.at, f) },
		line: func(i int) string { return mo.lines[i].at },
	}, &own)
	for _, v := range own {
		at, ok := where[v.Field]
		if !ok {
			at = v.Field
		}
		vs.addOnce(at, "%s", v.Description)
	}
	return o
}

// csvOrders reads a CSV export. Columns the mapping does not name are
// ignored, since platform exports carry many (prices, buyer e-mail) that
// picking has no use for.
func (m *OrderMapping) csvOrders(data []byte, vs *Violations) []mappedOrder {
	// Any column may be there; those the mapping reads must be, each
	// reported by the target it is read for.
	mappedColumns := func(names []string, vs *Violations) {
		for _, t := range mappingTargets {
			for _, col := range m.sources[t] {
				if !slices.Contains(names, col) {
					vs.Add("header", "no column %q, which the mapping reads %s from", col, t)
				}
			}
		}
	}
	idCol := m.sources["id"][0]
	var orders []mappedOrder
	var firsts []csvRow // each order's first row, which its other rows must agree with
	byID := map[string]int{}
	for _, row := range readDelimited(data, m.comma, mappedColumns, vs) {
		id := row.val[idCol]
		at := labelled(row.at, id)
		read := func(col string) mapped { return mapped{row.val[col], at + ", column " + col} }
		i, ok := byID[id]
		if !ok {
			i = len(orders)
			orders = append(orders, mappedOrder{mappedRecord: m.record(at, mappingOrderTargets, read), linesAt: at})
			firsts = append(firsts, row)
			if id != "" { // rows without an id are not one order; each is reported
				byID[id] = i
			}
		} else {
			for _, t := range mappingOrderTargets {
				for _, col := range m.sources[t] {
					if v, first := row.val[col], firsts[i].val[col]; v != first {
						vs.addOnce(at+", column "+col, "%s differs from %s on %s of the same order", Quote(v), Quote(first), firsts[i].at)
					}
				}
			}
		}
		orders[i].lines = append(orders[i].lines, m.record(at, mappingLineTargets, read))
	}
	return orders
}

// jsonOrders reads a JSON export. Keys the mapping does not name are
// ignored, as in csvOrders.
func (m *OrderMapping) jsonOrders(data []byte, vs *Violations) []mappedOrder {
	if err := json.Unmarshal(data, new(json.RawMessage)); err != nil {
		f, d := jsonErrorAt(data, err)
		vs.Add(f, "%s", d)
		return nil
	}
	// Numbers are kept as their text so that they are read by the same
	// code as a CSV cell, never through float64.
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	_ = dec.Decode(&doc) // the syntax was checked above
	ordersAt := strings.TrimSuffix(m.orderArray, "[]")
	items := jsonArray(doc, ordersAt, "file", "no array of orders at "+m.orderArray, vs)
	lineKeys := strings.TrimPrefix(strings.TrimPrefix(strings.TrimSuffix(m.lineArray, "[]"), m.orderArray), ".")
	var orders []mappedOrder
	for i, item := range items {
		at := fmt.Sprintf("%s[%d]", ordersAt, i)
		if !isObject(item, at, vs) {
			continue
		}
		id, _ := jsonText(descend(item, m.sources["id"][0]))
		at = labelled(at, id)
		read := func(node any, at string) func(string) mapped {
			return func(key string) mapped {
				text, p := jsonText(descend(node, key))
				if p != "" {
					vs.addOnce(join(at, key), "%s", p)
				}
				return mapped{text, join(at, key)}
			}
		}
		mo := mappedOrder{mappedRecord: m.record(at, mappingOrderTargets, read(item, at)), linesAt: join(at, lineKeys)}
		lines := jsonArray(item, lineKeys, mo.linesAt, "", vs) // none is reported as an order without lines
		for j, line := range lines {
			lineAt := fmt.Sprintf("%s[%d]", mo.linesAt, j)
			if !isObject(line, lineAt, vs) {
				continue
			}
			mo.lines = append(mo.lines, m.record(lineAt, mappingLineTargets, read(line, lineAt)))
		}
		orders = append(orders, mo)
	}
	return orders
}

// isObject reports whether an order's or a line's item is an object,
// reporting at at if not, once rather than at each of its mapped keys.
func isObject(node any, at string, vs *Violations) bool {
	if _, ok := node.(map[string]any); !ok {
		vs.Add(at, "want an object, got %s", article(kindOf(node)))
		return false
	}
	return true
}

// jsonArray returns the array at the dotted keys below node (node itself
// for ""), reporting at at anything else, and missing if there is nothing
// there and missing is not "".
func jsonArray(node any, keys, at, missing string, vs *Violations) []any {
	node, p := descend(node, keys)
	switch n := node.(type) {
	case []any:
		return n
	case nil:
		if p == "" {
			p = missing
		}
		if p != "" {
			vs.Add(at, "%s", p)
		}
	default:
		vs.Add(at, "want an array, got %s", article(kindOf(n)))
	}
	return nil
}

// descend follows dotted keys from node through nested objects. A missing
// key or a null on the way gives nil, as an absent value; anything else
// that is not an object is a problem.
func descend(node any, keys string) (any, string) {
	if keys == "" {
		return node, ""
	}
	parts := strings.Split(keys, ".")
	for i, k := range parts {
		switch n := node.(type) {
		case nil:
			return nil, ""
		case map[string]any:
			node = n[k]
		default:
			return nil, fmt.Sprintf("want an object at %s, got %s", strings.Join(parts[:i], "."), article(kindOf(n)))
		}
	}
	return node, ""
}

// jsonText returns a scalar found by descend as text: a string's value or
// a number's literal; absent and null are "".
func jsonText(node any, problem string) (string, string) {
	switch n := node.(type) {
	case nil:
		return "", problem
	case string:
		return n, ""
	case json.Number:
		return string(n), ""
	}
	return "", fmt.Sprintf("want a string or a number, got %s", article(kindOf(node)))
}

// kindOf names the JSON type of a decoded value, as jsonKind does for raw.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case bool:
		return "boolean"
	}
	return "number"
}
