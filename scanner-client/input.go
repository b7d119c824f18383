package main

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
)

// Mode is what the terminal is used for: one stream of the server each.
type Mode string

// The modes of the client.
const (
	ModePick    Mode = "pick"
	ModePack    Mode = "pack"
	ModeHandoff Mode = "handoff"
)

// Limits the server enforces on a scan. Checking them here keeps a typo
// out of the queue: the server ends the whole stream on a malformed scan.
const (
	maxCodeLen     = 128
	maxScanUnits   = 10000
	maxParcelGrams = 1_000_000
)

// inputKind says what a typed line means.
type inputKind int

const (
	inputRefresh inputKind = iota // empty line: show the status again (and ask for work if idle)
	inputHelp
	inputQuit
	inputScan
)

// input is one parsed line of standard input.
type input struct {
	kind inputKind
	scan *pb.Scan // with inputScan: everything but the id and the device time
}

var shortKeys = map[string]pb.ShortReason{
	"!e": pb.ShortReason_SHORT_REASON_EMPTY_BIN,
	"!d": pb.ShortReason_SHORT_REASON_DAMAGED,
	"!f": pb.ShortReason_SHORT_REASON_CANNOT_FIND,
}

// parseInput turns one line typed by a person or a keyboard-wedge scanner
// into a command or a scan. Short keys start with a character no bin,
// barcode or order id uses, so they never shadow a real code; "q" and "?"
// are single characters no label carries.
func parseInput(mode Mode, line string) (input, error) {
	s := strings.TrimSpace(line)
	switch {
	case s == "":
		return input{kind: inputRefresh}, nil
	case s == "?":
		return input{kind: inputHelp}, nil
	case s == "q" || s == "Q":
		return input{kind: inputQuit}, nil
	case strings.HasPrefix(s, "*"):
		n, err := strconv.ParseInt(strings.TrimSpace(s[1:]), 10, 64)
		if err != nil || n < 1 || n > maxScanUnits {
			return input{}, fmt.Errorf("%q: a quantity is * and a number from 1 to %d, e.g. *3", s, maxScanUnits)
		}
		if mode == ModeHandoff {
			return input{}, fmt.Errorf("no quantities at handoff: scan each waybill")
		}
		return input{kind: inputScan, scan: &pb.Scan{Action: pb.ScanAction_SCAN_ACTION_QUANTITY, Quantity: n}}, nil
	case strings.HasPrefix(s, "!"):
		r, ok := shortKeys[strings.ToLower(s)]
		if !ok {
			return input{}, fmt.Errorf("%q: a short pick is !e (empty bin), !d (damaged) or !f (cannot find)", s)
		}
		if mode != ModePick {
			return input{}, fmt.Errorf("short picks are reported while picking")
		}
		return input{kind: inputScan, scan: &pb.Scan{Action: pb.ScanAction_SCAN_ACTION_SHORT, ShortReason: r}}, nil
	case strings.HasPrefix(s, "="):
		// A scale in keyboard mode may send "=1170g" or "= 1170 g".
		num := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s[1:]), "g"))
		g, err := strconv.ParseInt(num, 10, 64)
		if err != nil || g < 1 || g > maxParcelGrams {
			return input{}, fmt.Errorf("%q: a weight is = and whole grams from 1 to %d, e.g. =1170", s, maxParcelGrams)
		}
		if mode != ModePack {
			return input{}, fmt.Errorf("a weight belongs at the pack station (pack mode)")
		}
		return input{kind: inputScan, scan: &pb.Scan{Action: pb.ScanAction_SCAN_ACTION_WEIGHT, WeightG: g}}, nil
	}
	switch {
	case len(s) > maxCodeLen:
		return input{}, fmt.Errorf("code of %d bytes is too long (at most %d): scan again", len(s), maxCodeLen)
	case !utf8.ValidString(s):
		return input{}, fmt.Errorf("the code is not valid text: scan again")
	}
	for _, r := range s {
		if r < ' ' || r == 0x7f {
			return input{}, fmt.Errorf("the code has a control character (%q): scan again", r)
		}
	}
	return input{kind: inputScan, scan: &pb.Scan{Code: s}}, nil
}
