// Package floor holds the warehouse domain: bins and bin maps, SKUs and their
// barcodes, stock, orders, pick tasks and users, with the rules that govern
// them. It does no I/O; time comes from an injected Clock.
package floor

import (
	"errors"
	"fmt"
	"strings"
)

// Kind classifies an error so that transports can map it to their own codes
// in one place.
type Kind int

// The kinds of error. KindInternal is the zero value on purpose: an error
// nobody classified is treated as a bug, not as the caller's fault.
const (
	KindInternal        Kind = iota // a bug or an unexpected failure; details are logged, not sent
	KindInvalid                     // the request or the input file is malformed
	KindNotFound                    // a named thing does not exist
	KindConflict                    // the request clashes with the current state
	KindPermission                  // the caller may not do this
	KindUnauthenticated             // the caller is not known
	KindUnavailable                 // try again later (shutting down, locked file)
	KindExhausted                   // nothing to hand out right now (e.g. no queued order)
)

var kindNames = map[Kind]string{
	KindInternal:        "internal error",
	KindInvalid:         "invalid",
	KindNotFound:        "not found",
	KindConflict:        "conflict",
	KindPermission:      "permission denied",
	KindUnauthenticated: "unauthenticated",
	KindUnavailable:     "unavailable",
	KindExhausted:       "exhausted",
}

func (k Kind) String() string { return kindNames[k] }

// Violation names one offending field or input entry and what is wrong with
// it. Field uses a path such as "bins[12].aisle" or "row 7, column ean".
type Violation struct {
	Field       string
	Description string
}

func (v Violation) String() string { return v.Field + ": " + v.Description }

// Error is the one error type of the domain. Op says what was being done,
// Kind how the failure is classified, Reason is a short machine-readable
// word (e.g. "STOCK_IN_BIN") for clients to switch on, Violations lists
// every bad field of an invalid input.
type Error struct {
	Op         string
	Kind       Kind
	Reason     string
	Msg        string
	Violations []Violation
	Meta       map[string]string // sent with Reason, e.g. the scan id a malformed scan had
	Err        error
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	switch {
	case e.Msg != "":
		b.WriteString(e.Msg)
	case e.Err != nil:
		b.WriteString(e.Err.Error())
	default:
		b.WriteString(e.Kind.String())
	}
	for i, v := range e.Violations {
		if i == 5 {
			fmt.Fprintf(&b, "; and %d more", len(e.Violations)-5)
			break
		}
		b.WriteString("; ")
		b.WriteString(v.String())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// E builds an Error. Msg is formatted from format and args.
func E(op string, kind Kind, format string, args ...any) *Error {
	return &Error{Op: op, Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// Invalid builds a KindInvalid error listing violations.
func Invalid(op string, vs []Violation) *Error {
	msg := "1 problem in the input"
	if len(vs) != 1 {
		msg = fmt.Sprintf("%d problems in the input", len(vs))
	}
	return &Error{Op: op, Kind: KindInvalid, Msg: msg, Violations: vs}
}

// Wrap attaches op and, unless err already carries one, a kind to err.
func Wrap(op string, kind Kind, err error) error {
	if err == nil {
		return nil
	}
	var fe *Error
	if errors.As(err, &fe) {
		return err
	}
	return &Error{Op: op, Kind: kind, Err: err}
}

// KindOf returns the kind of err, KindInternal for foreign errors.
func KindOf(err error) Kind {
	var fe *Error
	if errors.As(err, &fe) {
		return fe.Kind
	}
	return KindInternal
}

// Violations collects violations while validating an input; it keeps at most
// MaxViolations so that a hopeless file does not produce a huge error.
type Violations []Violation

// MaxViolations bounds how many violations one error reports.
const MaxViolations = 100

// Add records a violation at field.
func (vs *Violations) Add(field, format string, args ...any) {
	if len(*vs) < MaxViolations {
		*vs = append(*vs, Violation{Field: field, Description: fmt.Sprintf(format, args...)})
	}
}

// Err returns nil if no violation was recorded, otherwise an invalid Error.
func (vs Violations) Err(op string) error {
	if len(vs) == 0 {
		return nil
	}
	return Invalid(op, vs)
}
