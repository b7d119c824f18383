package floor

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// IDKind names one kind of identifier. Every identifier that enters the
// system (an RPC field, an import file, a command-line flag) is checked by
// the rule of its kind, in this one file, so that a rule is the same at
// every entry. Bin codes are not here: they follow the warehouse's code
// scheme (codescheme.go).
type IDKind int

// The kinds of identifier.
const (
	IDOrder    IDKind = iota + 1 // a selling platform's order id
	IDSKU                        // a stock unit's id
	IDDelivery                   // a purchase order or advance notice number
	IDTask                       // a pick task id (the server makes them, "T000123")
	IDScan                       // a device's id of one scan, for replay
	IDUser                       // a user name, which is also a pack station's name
	IDAisle                      // an aisle of the bin map
)

var idKindNames = map[IDKind]string{
	IDOrder: "order id", IDSKU: "SKU id", IDDelivery: "delivery id", IDTask: "task id",
	IDScan: "scan id", IDUser: "user name", IDAisle: "aisle id",
}

// idKindArticles are the articles of the names, for "an order id is ...".
var idKindArticles = map[IDKind]string{IDOrder: "an", IDSKU: "a", IDDelivery: "a", IDTask: "a", IDScan: "a", IDUser: "a", IDAisle: "an"}

// String names the kind as messages do ("order id").
func (k IDKind) String() string {
	if n, ok := idKindNames[k]; ok {
		return n
	}
	return fmt.Sprintf("IDKind(%d)", int(k))
}

// MaxIDLen bounds every identifier. 64 holds every real marketplace id seen
// (Amazon 19, eBay 14, Shopify names, Taobao's 19-digit numbers, UUIDs 36)
// with room to spare, and keeps an id short enough to print as a barcode.
const MaxIDLen = 64

// IDRule is the rule of an external id (order, SKU, delivery, task, scan,
// aisle): what Problem checks, in words, for messages and documentation.
const IDRule = "1 to 64 characters: ASCII letters, digits and - _ . : #, not . or .. alone"

// UserNameRule is the rule of a user (and pack station) name.
const UserNameRule = "1 to 64 characters: lowercase ASCII letters, digits and - _ ., not . or .. alone"

// Rule says in words what an id of kind k may be.
func (k IDKind) Rule() string {
	if k == IDUser {
		return UserNameRule
	}
	return IDRule
}

// idChar reports whether c may appear in an external id. The set fits the
// ids platforms really issue (Amazon 123-4567890-1234567, Shopify #1001,
// eBay 12-34567-89012, SKUs such as SKU-00001 or ABC_12.3, scanner UUIDs)
// and leaves out everything that means something to a file system, a shell,
// a URL or a CSV file: no slash or backslash, no space, no quote, no comma.
func idChar(c byte) bool {
	switch {
	case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("-_.:#", c) >= 0
}

// userChar reports whether c may appear in a user name: lowercase only, so
// that "Anna" and "anna" can never be two users.
func userChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
}

// rule is the rule as a sentence: "an order id is 1 to 64 ...".
func (k IDKind) rule() string {
	return fmt.Sprintf("%s %s is %s", idKindArticles[k], k, k.Rule())
}

// Problem says what is wrong with id as an identifier of kind k, or "". The
// message quotes at most a clipped part of id (Quote).
func (k IDKind) Problem(id string) string {
	ok := idChar
	if k == IDUser {
		ok = userChar
	}
	switch {
	case id == "":
		return "missing"
	case len(id) > MaxIDLen && utf8.RuneCountInString(id) > MaxIDLen:
		// Valid ids are ASCII, so bytes and characters are the same; a
		// person counts characters. A value of few characters but many
		// bytes has one beyond ASCII, reported below.
		return fmt.Sprintf("%s has %d characters, at most %d; %s", Quote(id), utf8.RuneCountInString(id), MaxIDLen, k.rule())
	case id == "." || id == "..":
		return fmt.Sprintf("%q is not allowed; %s", id, k.rule())
	}
	for i := range len(id) {
		if !ok(id[i]) {
			r, _ := utf8.DecodeRuneInString(id[i:])
			what := fmt.Sprintf("%q", string(r))
			switch {
			case r == utf8.RuneError:
				what = fmt.Sprintf("the byte %#x", id[i])
			case unicode.IsSpace(r):
				what += " (whitespace)"
			case unicode.IsControl(r):
				what += " (a control character)"
			}
			return fmt.Sprintf("%s: character %d is %s; %s", Quote(id), utf8.RuneCountInString(id[:i])+1, what, k.rule())
		}
	}
	return ""
}

// Check adds a violation at field if id breaks the rule of k.
func (k IDKind) Check(vs *Violations, field, id string) {
	if p := k.Problem(id); p != "" {
		vs.Add(field, "%s", p)
	}
}

// CheckOptional is Check for a field that may be left empty (a filter).
func (k IDKind) CheckOptional(vs *Violations, field, id string) {
	if id != "" {
		k.Check(vs, field, id)
	}
}

// maxQuoted is how many bytes of a caller's value a message may quote: an
// error must never echo a large value back (a 1 MB id would make a 2 MB
// reply and fill the logs).
const maxQuoted = 64

// clip is s cut to its first 64 bytes on a character boundary, with "…"
// and the full length when it was cut, for a message that shows a value
// unquoted (a number as written).
func clip(s string) string {
	if len(s) <= maxQuoted {
		return s
	}
	return s[:clipAt(s)] + fmt.Sprintf("… (%d bytes)", len(s))
}

// clipAt is where clip and Quote cut s, which is longer than maxQuoted.
func clipAt(s string) int {
	// A character is at most 4 bytes, so at most 3 steps back find its
	// start; invalid UTF-8 is cut where the steps end.
	cut := maxQuoted
	for i := 0; i < 3 && !utf8.RuneStart(s[cut]); i++ {
		cut--
	}
	return cut
}

// Quote quotes a value a caller sent, for a message: as %q does, but at most
// the first 64 bytes of it (cut on a character boundary), followed by "…"
// and the value's full length when it was cut.
func Quote(s string) string {
	if len(s) <= maxQuoted {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%q… (%d bytes)", s[:clipAt(s)], len(s))
}
