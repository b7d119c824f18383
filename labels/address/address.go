package address

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// Address is a postal address as an order gives it. The fields are those of
// libaddressinput less the dependent locality and sorting code, which an
// order puts in Lines.
type Address struct {
	Name    string
	Company string
	// Lines are the street address: street and number, building, district
	// ... in the order they are written.
	Lines      []string
	City       string
	Region     string // state, province, prefecture
	PostalCode string
	// Country is the ISO 3166-1 alpha-2 code, e.g. "US". A value that is no
	// known code is laid out in the default format and printed as given.
	Country string
	// Script is the script the address is written in; ScriptAuto infers
	// it from the text.
	Script Script
}

// Script picks between a country's local format and its Latin one: China,
// Japan, Korea ... write a local address from the largest unit to the
// smallest (postal code, province, city, street, name) and a Latin one the
// other way round.
type Script int

// The scripts an address can be written in.
const (
	// ScriptAuto takes the Latin format when every letter of the address
	// is Latin and the country has one, else the local format.
	ScriptAuto Script = iota
	// ScriptLocal is the script of the country (Chinese for CN ...).
	ScriptLocal
	// ScriptLatin is Latin script (romanised or English).
	ScriptLatin
)

// Line is one line of a laid-out address.
type Line struct {
	Text string
	// Name marks the recipient's name, which a label prints in bold.
	Name bool
	// Country marks the destination country's name, the last line of an
	// address that crosses a border.
	Country bool
}

// Problem is one thing an address lacks for its country's post.
type Problem struct {
	// Field is the address field at fault: "name", "lines", "city",
	// "region", "postal_code" or "country".
	Field string
	Msg   string
}

func (p Problem) String() string { return p.Field + ": " + p.Msg }

// country is one country's metadata; see libaddressinput's documentation
// of the address data service for the fields.
type country struct {
	Name    string `json:"name"`    // English name in capitals
	Lang    string `json:"lang"`    // language of the local format
	Fmt     string `json:"fmt"`     // local format: %N name, %O company, %A lines, %C city, %S region, %Z postal code, %n new line
	LFmt    string `json:"lfmt"`    // Latin-script format, where it differs
	Require string `json:"require"` // fields that must be present
	Upper   string `json:"upper"`   // fields printed in capitals
	Zip     string `json:"zip"`     // postal code pattern
	ZipEx   string `json:"zipex"`   // example postal codes, comma-separated
	// StateNameType says what a region is called: state, province ...
	StateNameType string `json:"state_name_type"`
	// SubKeys are the regions as the post writes them (US: "CA"); SubNames
	// and SubLNames their local and Latin names, each "~"-separated.
	SubKeys   string `json:"sub_keys"`
	SubNames  string `json:"sub_names"`
	SubLNames string `json:"sub_lnames"`

	zip *regexp.Regexp
}

//go:embed countries.json
var countriesJSON []byte

// countries holds every country of countries.json, ZZ's defaults filled in;
// zz is the default format for a country the data does not know.
var countries, zz = load()

func load() (map[string]*country, *country) {
	var f struct {
		Countries map[string]*country `json:"countries"`
	}
	if err := json.Unmarshal(countriesJSON, &f); err != nil {
		panic("address: countries.json: " + err.Error())
	}
	def := f.Countries["ZZ"]
	if def == nil {
		panic("address: countries.json has no ZZ defaults")
	}
	for code, c := range f.Countries {
		// A few names are in mixed case ("HUNGARY (Rep.)").
		c.Name = strings.ToUpper(c.Name)
		if c.Fmt == "" {
			c.Fmt = def.Fmt
		}
		if c.Require == "" {
			c.Require = def.Require
		}
		if c.Upper == "" {
			c.Upper = def.Upper
		}
		if c.StateNameType == "" {
			c.StateNameType = def.StateNameType
		}
		if c.Zip != "" {
			// The data's patterns are written for the whole code in
			// capitals; the test checks that they all compile.
			re, err := regexp.Compile(`^(?:` + c.Zip + `)$`)
			if err != nil {
				panic(fmt.Sprintf("address: countries.json: zip of %s: %v", code, err))
			}
			c.zip = re
		}
	}
	delete(f.Countries, "ZZ")
	return f.Countries, def
}

// lookup returns the country of an ISO code, or the defaults and false.
func lookup(code string) (*country, bool) {
	c, ok := countries[strings.ToUpper(strings.TrimSpace(code))]
	if !ok {
		return zz, false
	}
	return c, true
}

// CountryName is the English name of a country in capitals, as the UPU
// asks for the last line of an international address ("UNITED STATES"),
// or "" for a code the data does not know.
func CountryName(code string) string {
	if c, ok := lookup(code); ok {
		return c.Name
	}
	return ""
}

// Format lays out a for its country's post, in the order the lines are to
// be printed. from is the ISO code of the country the parcel leaves from:
// when it is not a's country (or is unknown), the last line is a's
// country's name in capitals; a domestic address has no country line.
// Empty fields and the separators next to them are left out.
func Format(a Address, from string) []Line {
	c, known := lookup(a.Country)
	layout := c.Fmt
	if c.LFmt != "" && (a.Script == ScriptLatin || a.Script == ScriptAuto && latin(a)) {
		layout = c.LFmt
	}
	vals := map[byte]string{
		'N': a.Name, 'O': a.Company, 'C': a.City, 'S': c.region(a.Region), 'Z': a.PostalCode,
	}
	var street []string
	for _, l := range a.Lines {
		if l = clean(l); l != "" {
			street = append(street, l)
		}
	}
	// A country whose format has no city (JP, MO, SG ...) writes it with
	// the street: before it when the format goes from large to small (the
	// region before the street), after it otherwise. A city the format
	// spells out itself (SINGAPORE) is not repeated.
	if city := clean(a.City); city != "" && !strings.Contains(layout, "%C") &&
		!strings.Contains(strings.ToUpper(layout), strings.ToUpper(city)) {
		if s := strings.Index(layout, "%S"); s >= 0 && s < strings.Index(layout, "%A") {
			street = append([]string{city}, street...)
		} else {
			street = append(street, city)
		}
	}
	vals['A'] = strings.Join(street, "\n")
	// A city that is its own province (上海市, 北京市) is written once
	// where the format runs the two together ("%S%C%D"): 上海市, not
	// 上海市上海市.
	if vals['S'] != "" && strings.EqualFold(clean(vals['S']), clean(a.City)) {
		for _, fl := range strings.Split(layout, "%n") {
			if strings.Contains(fl, "%S%C") {
				vals['S'] = ""
			}
		}
	}
	for k, v := range vals {
		if k != 'A' { // the street lines are clean, one per line
			v = clean(v)
		}
		if strings.IndexByte(c.Upper, k) >= 0 {
			v = strings.ToUpper(v)
		}
		vals[k] = v
	}
	var out []Line
	for _, fl := range strings.Split(layout, "%n") {
		text, hasName := fill(fl, vals)
		for _, t := range strings.Split(text, "\n") {
			if t = strings.TrimSpace(t); t != "" {
				out = append(out, Line{Text: t, Name: hasName})
			}
		}
	}
	dest := strings.ToUpper(strings.TrimSpace(a.Country))
	if dest != "" && dest != strings.ToUpper(strings.TrimSpace(from)) {
		name := c.Name
		if !known {
			name = strings.ToUpper(clean(a.Country))
		}
		out = append(out, Line{Text: name, Country: true})
	}
	return out
}

// fill expands one line of a format. A literal between two fields is kept
// only when both are present ("%C, %S %Z" with no state gives "City 94103"
// rather than "City,  94103"), one before the first field only when that
// field is present ("〒%Z"), and a line of literals alone is kept whole.
// hasName says whether the line holds the name.
func fill(layout string, vals map[byte]string) (string, bool) {
	type tok struct {
		field byte // 0 for a literal
		text  string
	}
	var toks []tok
	for i := 0; i < len(layout); {
		if layout[i] == '%' && i+1 < len(layout) {
			toks = append(toks, tok{field: layout[i+1]})
			i += 2
			continue
		}
		j := strings.IndexByte(layout[i+1:], '%')
		if j < 0 {
			j = len(layout)
		} else {
			j += i + 1
		}
		toks = append(toks, tok{text: layout[i:j]})
		i = j
	}
	fields := 0
	for _, t := range toks {
		if t.field != 0 {
			fields++
		}
	}
	if fields == 0 {
		return layout, false
	}
	var b strings.Builder
	hasName := false
	written := false // a field has been written on this line
	for i, t := range toks {
		if t.field != 0 {
			v := vals[t.field]
			if v != "" {
				b.WriteString(v)
				written = true
				hasName = hasName || t.field == 'N'
			}
			continue
		}
		var next string
		hasNext := false
		for _, u := range toks[i+1:] {
			if u.field != 0 {
				next, hasNext = vals[u.field], true
				break
			}
		}
		switch {
		case hasNext && next != "" && (written || i == 0):
			b.WriteString(t.text)
		case !hasNext && written:
			b.WriteString(t.text)
		}
	}
	return b.String(), hasName
}

// region returns the post's own form of a region given by name when it is
// a short Latin code (US "California" -> "CA"), else the region as given.
func (c *country) region(r string) string {
	r = clean(r)
	if i := c.regionIndex(r); i >= 0 {
		if k := split(c.SubKeys)[i]; ascii(k) {
			return k
		}
	}
	return r
}

// regionIndex is the index of r among the country's regions, by key, local
// or Latin name in any case, or -1.
func (c *country) regionIndex(r string) int {
	if r == "" || c.SubKeys == "" {
		return -1
	}
	for _, list := range []string{c.SubKeys, c.SubNames, c.SubLNames} {
		for i, s := range split(list) {
			if strings.EqualFold(s, r) {
				return i
			}
		}
	}
	return -1
}

// Check tells what a lacks for its country's post: a field the country
// requires, a postal code not of its pattern, a region that is not one of
// its regions (for countries whose regions are written as codes, like the
// US states). No problems means Format can lay it out.
func Check(a Address) []Problem {
	var ps []Problem
	code := strings.TrimSpace(a.Country)
	if code == "" {
		return []Problem{{"country", "missing: want an ISO 3166-1 alpha-2 code such as DE"}}
	}
	c, ok := lookup(code)
	if !ok {
		return []Problem{{"country", fmt.Sprintf("%q is no country the address formats know: want an ISO 3166-1 alpha-2 code such as DE", code)}}
	}
	if clean(a.Name) == "" && clean(a.Company) == "" {
		ps = append(ps, Problem{"name", "missing: want the recipient's name or company"})
	}
	lines := false
	for _, l := range a.Lines {
		lines = lines || clean(l) != ""
	}
	need := func(f byte) bool { return strings.IndexByte(c.Require, f) >= 0 }
	if need('A') && !lines {
		ps = append(ps, Problem{"lines", fmt.Sprintf("missing: %s addresses need a street address", c.Name)})
	}
	if need('C') && clean(a.City) == "" {
		ps = append(ps, Problem{"city", fmt.Sprintf("missing: %s addresses need a city", c.Name)})
	}
	region := clean(a.Region)
	if need('S') && region == "" {
		ps = append(ps, Problem{"region", fmt.Sprintf("missing: %s addresses need a %s", c.Name, strings.ReplaceAll(c.StateNameType, "_", " "))})
	}
	// Regions are checked against the data's list only where the country
	// requires one and writes it as a code or an English name (US, BR,
	// IT ...): a name in another script may be spelt many ways.
	if region != "" && need('S') && c.SubKeys != "" && ascii(c.SubKeys) && c.regionIndex(region) < 0 {
		ps = append(ps, Problem{"region", fmt.Sprintf("%q is no %s of %s: want one of %s", region,
			strings.ReplaceAll(c.StateNameType, "_", " "), c.Name, strings.ReplaceAll(c.SubKeys, "~", ", "))})
	}
	zip := strings.ToUpper(clean(a.PostalCode))
	switch {
	case need('Z') && zip == "":
		ps = append(ps, Problem{"postal_code", fmt.Sprintf("missing: %s addresses need a postal code%s", c.Name, example(c))})
	case zip != "" && c.zip != nil && !c.zip.MatchString(zip):
		ps = append(ps, Problem{"postal_code", fmt.Sprintf("%q is no postal code of %s%s", a.PostalCode, c.Name, example(c))})
	}
	return ps
}

// example is ", such as 95014" from the data's example postal codes.
func example(c *country) string {
	if c.ZipEx == "" {
		return ""
	}
	return ", such as " + strings.Split(c.ZipEx, ",")[0]
}

// latin reports whether every letter of a is Latin, so that a country
// with a Latin format (CN, JP, KR, RU ...) lays it out that way.
func latin(a Address) bool {
	for _, s := range append([]string{a.Name, a.Company, a.City, a.Region}, a.Lines...) {
		for _, r := range s {
			if unicode.IsLetter(r) && !unicode.Is(unicode.Latin, r) {
				return false
			}
		}
	}
	return true
}

// clean turns runs of white space (new lines included: a field is one
// line) into one space and trims the ends.
func clean(s string) string { return strings.Join(strings.Fields(s), " ") }

func split(list string) []string {
	if list == "" {
		return nil
	}
	return strings.Split(list, "~")
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
