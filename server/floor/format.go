package floor

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ImportFormat says how an import file is encoded. The caller names it (from
// a flag, a file name or a request field) instead of the parser sniffing the
// bytes, so that a file is never read as something it was not meant to be.
type ImportFormat int

// Import formats. The zero value is unspecified so that a forgotten format is
// an error rather than a silent default.
const (
	ImportUnspecified ImportFormat = iota
	ImportJSON
	ImportCSV
)

var importFormatNames = [...]string{"unspecified", "json", "csv"}

// String returns the name ParseImportFormat accepts.
func (f ImportFormat) String() string {
	if f >= 0 && int(f) < len(importFormatNames) {
		return importFormatNames[f]
	}
	return fmt.Sprintf("ImportFormat(%d)", int(f))
}

// ParseImportFormat reads "json" or "csv" in any case, as typed on a command
// line or taken from a file name extension.
func ParseImportFormat(s string) (ImportFormat, bool) {
	for i, n := range importFormatNames {
		if i > 0 && strings.EqualFold(s, n) {
			return ImportFormat(i), true
		}
	}
	return ImportUnspecified, false
}

// formatOK reports an import format that the parsers do not read.
func formatOK(f ImportFormat, vs *Violations) bool {
	if f != ImportJSON && f != ImportCSV {
		vs.Add("format", "import format %v is not supported; want json or csv", f)
		return false
	}
	return true
}

// stopEvery is how many records a parser reads between two looks at its
// context: a cancelled import stops within milliseconds, and the looks cost
// nothing against the reading.
const stopEvery = 1024

// stopped is ctx's error, if it ended, as the error of op: an import whose
// caller gave up stops reading. The transports tell Canceled from
// DeadlineExceeded through Err.
func stopped(ctx context.Context, op string) error {
	if err := ctx.Err(); err != nil {
		return &Error{Op: op, Kind: KindUnavailable, Err: err, Msg: "stopped, nothing stored: " + err.Error()}
	}
	return nil
}

// stoppedAt is stopped every stopEvery records of a loop (i counts them).
func stoppedAt(ctx context.Context, op string, i int) error {
	if i%stopEvery != 0 {
		return nil
	}
	return stopped(ctx, op)
}

// addOnce records a violation unless field already has one: a value that
// could not be read at all would otherwise be reported a second time as
// missing or out of range, which sends people looking for two problems.
func (vs *Violations) addOnce(field, format string, args ...any) {
	for _, v := range *vs {
		if v.Field == field {
			return
		}
	}
	vs.Add(field, format, args...)
}

// join builds a field path; an empty prefix is how the single-item
// validators (ValidateSKU, ValidateOrder) are called by the API layer.
func join(prefix, name string) string {
	switch {
	case prefix == "":
		return name
	case name == "":
		return prefix
	}
	return prefix + "." + name
}

// labelled adds an entry's own name to its position ("bins[12] (A-01-001-1)")
// because people look for the code, not for the index, in their file. Names
// that could garble the message or make it long are left out; they are
// reported on their own.
func labelled(at, name string) string {
	if name == "" || len(name) > MaxIDLen || textProblem(name) != "" {
		return at
	}
	return at + " (" + name + ")"
}

// textProblem says what is wrong with free text (names, addresses in any
// script), or "". Control characters break label printing and CSV exports.
func textProblem(s string) string {
	if !utf8.ValidString(s) {
		return "not valid UTF-8"
	}
	for i, r := range []rune(s) {
		if unicode.IsControl(r) {
			return fmt.Sprintf("character %d is the control character %q", i+1, string(r))
		}
	}
	return ""
}

// upperASCII reports whether s is exactly n letters A-Z, the shape of ISO
// country and currency codes.
func upperASCII(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := range len(s) {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// parseWhole reads a non-negative whole number written in a file. Empty
// means not given and is 0; exponents and fractions are refused because a
// weight of "1e3" or "250.5" grams is a data error, not something to round.
func parseWhole(s string) (int64, string) {
	const limit = 1e15 // far above any real size or weight, far below overflow
	switch {
	case s == "":
		return 0, ""
	case strings.HasPrefix(s, "-"):
		return 0, fmt.Sprintf("must not be negative, got %s", clip(s))
	case !allDigits(s):
		return 0, fmt.Sprintf("want a whole number, got %s", Quote(s))
	}
	var n int64
	for i := range len(s) {
		n = n*10 + int64(s[i]-'0')
		if n > limit {
			return 0, fmt.Sprintf("%s is too large", s) // all digits, at most 16 of them
		}
	}
	return n, ""
}

// parseMoney reads a decimal amount in major units ("12.50") as minor units
// (1250). It works on the digits, never through float64, because binary
// floating point cannot hold most cent amounts exactly.
func parseMoney(s string) (int64, string) {
	if s == "" {
		return 0, ""
	}
	whole, frac, _ := strings.Cut(s, ".")
	if strings.HasPrefix(s, "-") {
		return 0, fmt.Sprintf("must not be negative, got %s", clip(s))
	}
	if !allDigits(whole) || len(frac) > 2 || (strings.Contains(s, ".") && !allDigits(frac)) {
		return 0, fmt.Sprintf("want an amount such as 12.50 (at most 2 decimals, no thousands separators), got %s", Quote(s))
	}
	n, p := parseWhole(whole + (frac + "00")[:2])
	if p != "" {
		return 0, p
	}
	return n, ""
}

// inputText prepares an import file. It drops a UTF-8 byte order mark (Excel
// and Notepad write one) and refuses text that is not UTF-8 before any
// parser runs, because encoding/json would silently turn it into U+FFFD and
// a GBK-encoded spreadsheet would lose its Chinese customs text unnoticed.
func inputText(data []byte, vs *Violations) ([]byte, bool) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if len(bytes.TrimSpace(data)) == 0 {
		vs.Add("file", "the file is empty")
		return nil, false
	}
	if !utf8.Valid(data) {
		off := 0
		for off < len(data) {
			r, n := utf8.DecodeRune(data[off:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			off += n
		}
		vs.Add(position(data, off), "not UTF-8 text; save the file as UTF-8 (in spreadsheets: CSV UTF-8)")
		return nil, false
	}
	return data, true
}

// position names the byte at off as a person finds it in an editor.
func position(data []byte, off int) string {
	before := data[:min(max(off, 0), len(data))]
	line := bytes.Count(before, []byte{'\n'}) + 1
	col := utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
	return fmt.Sprintf("line %d, column %d", line, col)
}

// jsonErrorAt turns an encoding/json error into a violation located by line
// and column; byte offsets mean nothing to the person fixing the file.
func jsonErrorAt(data []byte, err error) (field, desc string) {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		// Offset counts the offending byte as read.
		return position(data, int(se.Offset)-1), se.Error()
	case errors.As(err, &te):
		what := "the file"
		if te.Field != "" {
			what = te.Field
		}
		// Offset is just past the value; its last byte is on the value's line.
		return position(data, int(te.Offset)-1), fmt.Sprintf("%s: want %s, got %s", what, jsonWant(te.Type), te.Value)
	}
	return "file", err.Error()
}

// jsonWant names a Go type as the JSON type a person would have to write.
func jsonWant(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "a number"
}

// jsonKind names the JSON type of a raw value ("" if absent).
func jsonKind(raw []byte) string {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return ""
	}
	switch raw[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

func article(kind string) string {
	if strings.IndexByte("aeiou", kind[0]) >= 0 {
		return "an " + kind
	}
	return "a " + kind
}

// jsonItems returns the records of a JSON import: a top-level array, or the
// array under key in a top-level object (the shape many exports wrap their
// data in). Problems are recorded and nil returned.
func jsonItems(data []byte, key string, vs *Violations) []json.RawMessage {
	var top json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		f, d := jsonErrorAt(data, err)
		vs.Add(f, "%s", d)
		return nil
	}
	switch k := jsonKind(top); k {
	case "array":
		var items []json.RawMessage
		_ = json.Unmarshal(top, &items) // syntax was checked above
		return items
	case "object":
		o := openJSONObject(top, vs)
		o.label("file", "", key)
		if _, ok := o.fields[key]; !ok {
			vs.Add("file", "want an array or an object with %q, got an object without it", key)
		}
		o.at = ""
		return o.array(key)
	default:
		vs.Add("file", "want an array of %s or an object with %q, got %s", key, key, k)
		return nil
	}
}

// jsonObject reads the fields of one JSON object by name so that every bad
// field is reported with its path, instead of decoding stopping at the first
// one as json.Unmarshal into a struct does.
type jsonObject struct {
	at     string
	kind   string
	fields map[string]json.RawMessage
	vs     *Violations
}

func openJSONObject(raw json.RawMessage, vs *Violations) *jsonObject {
	o := &jsonObject{kind: jsonKind(raw), vs: vs}
	if o.kind == "object" {
		_ = json.Unmarshal(raw, &o.fields) // syntax was checked by jsonItems
	}
	return o
}

// label sets the object's path from at and the string in idField (if any),
// then reports the object if it is not one and every field not in known.
func (o *jsonObject) label(at, idField string, known ...string) string {
	var id string
	if idField != "" {
		_ = json.Unmarshal(o.fields[idField], &id) // a non-string id is reported by str
	}
	o.at = labelled(at, id)
	if o.kind != "object" && o.kind != "" && o.kind != "null" {
		o.vs.Add(o.at, "want an object, got %s", o.kind)
	}
	names := make([]string, 0, len(o.fields))
	for name := range o.fields {
		if !slices.Contains(known, name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		o.vs.Add(o.at, "unknown field %s", Quote(name))
	}
	return o.at
}

// get returns the raw value of field name if it has JSON type want; absent
// and null fields are nil, other types are reported.
func (o *jsonObject) get(name, want string) json.RawMessage {
	raw := o.fields[name]
	switch k := jsonKind(raw); k {
	case "", "null":
		return nil
	case want:
		return raw
	default:
		o.vs.Add(join(o.at, name), "want %s, got %s", article(want), k)
		return nil
	}
}

func (o *jsonObject) str(name string) (s string) {
	_ = json.Unmarshal(o.get(name, "string"), &s)
	return s
}

// number returns a number's literal text so that it is parsed by the same
// code as a CSV cell, never through float64.
func (o *jsonObject) number(name string) string { return string(o.get(name, "number")) }

func (o *jsonObject) array(name string) (items []json.RawMessage) {
	_ = json.Unmarshal(o.get(name, "array"), &items)
	return items
}

func (o *jsonObject) strs(name string) []string {
	items := o.array(name)
	out := make([]string, len(items))
	for i, it := range items {
		if k := jsonKind(it); k != "string" {
			o.vs.Add(fmt.Sprintf("%s[%d]", join(o.at, name), i), "want a string, got %s", k)
			continue
		}
		_ = json.Unmarshal(it, &out[i])
	}
	return out
}

// csvRow is one data row of a CSV import.
type csvRow struct {
	at  string            // "row 7", numbered as a spreadsheet shows the file
	val map[string]string // trimmed cells by column name; absent columns are ""
}

// readCSV reads a CSV import whose header names its columns (in any order
// and case). Unknown, duplicate and missing required columns are errors:
// a misspelt "wieght_g" column would otherwise drop every weight silently.
// Rows whose cells are all empty are skipped; spreadsheets leave them behind.
func readCSV(data []byte, known, required []string, vs *Violations) []csvRow {
	return readDelimited(data, ',', func(names []string, vs *Violations) {
		var unknown []string
		for _, name := range names {
			if !slices.Contains(known, name) {
				unknown = append(unknown, Quote(name))
			}
		}
		if len(unknown) > 5 { // a few names show the mistake; a thousand make a huge error
			unknown = append(unknown[:5], fmt.Sprintf("and %d more", len(unknown)-5))
		}
		if len(unknown) > 0 {
			vs.Add("header", "unknown columns %s; the known columns are %s", strings.Join(unknown, ", "), strings.Join(known, ", "))
		}
		for _, c := range required {
			if !slices.Contains(names, c) {
				vs.Add("header", "missing required column %q", c)
			}
		}
	}, vs)
}

// readDelimited is readCSV with another separator than the comma, for
// exports such as tab-separated marketplace reports, and with the check of
// the columns left to checkColumns: it gets each named column once, in lower
// case, after unnamed and repeated ones are reported, and adds a violation
// for each column it refuses or misses. No row is read after a problem with
// the header, as every row would repeat it.
func readDelimited(data []byte, comma rune, checkColumns func(names []string, vs *Violations), vs *Violations) []csvRow {
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = comma
	r.FieldsPerRecord = -1
	bad := func(err error) []csvRow {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			vs.Add(fmt.Sprintf("line %d, column %d", pe.Line, pe.Column), "%v", pe.Err)
		} else {
			vs.Add("file", "%v", err)
		}
		return nil
	}
	header, err := r.Read()
	if err != nil {
		return bad(err)
	}
	n := len(*vs)
	cols := make([]string, len(header))
	var names []string
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		switch {
		case name == "":
			vs.Add("header", "column %d has no name", i+1)
		case slices.Contains(names, name):
			vs.Add("header", "column %s appears twice", Quote(name))
		default:
			names = append(names, name)
		}
		cols[i] = name
	}
	checkColumns(names, vs)
	if len(*vs) > n {
		return nil
	}
	// Spreadsheets number records, counting blank lines as rows but a cell
	// that spans lines as one row; csv.Reader skips the former and reports
	// file lines, so the difference is tracked here.
	var rows []csvRow
	prev := r.InputOffset()
	lines := 1 + bytes.Count(data[:prev], []byte{'\n'})
	consumed := lines - 2 // the header is row 1 however many lines it spans
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return rows
		}
		if err != nil {
			return bad(err)
		}
		start, _ := r.FieldPos(0)
		off := r.InputOffset()
		end := lines + bytes.Count(data[prev:off], []byte{'\n'})
		at := fmt.Sprintf("row %d", start-consumed)
		consumed += max(end-start-1, 0)
		lines, prev = end, off
		if len(rec) != len(cols) {
			vs.Add(at, "has %d cells, the header has %d", len(rec), len(cols))
			continue
		}
		row := csvRow{at: at, val: make(map[string]string, len(cols))}
		empty := true
		for i, c := range rec {
			row.val[cols[i]] = strings.TrimSpace(c)
			empty = empty && row.val[cols[i]] == ""
		}
		if !empty {
			rows = append(rows, row)
		}
	}
}
