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
	// The inventory modes (inventory.go): one unary call per movement.
	ModeReceive  Mode = "receive"
	ModePutaway  Mode = "putaway"
	ModeTransfer Mode = "transfer"
	ModeCount    Mode = "count"
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
	inputKey // a key of an inventory mode (see keyDef)
)

// input is one parsed line of standard input.
type input struct {
	kind inputKind
	scan *pb.Scan // with inputScan: everything but the id and the device time
	key  string   // with inputKey: the key as in keyDef, e.g. "!c"
	n    int64    // with inputKey: the number typed after it
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
	case (strings.HasPrefix(s, "!") || strings.HasPrefix(s, "=")) && invModes[mode].keys != nil:
		return parseKey(invModes[mode].keys, s)
	case strings.HasPrefix(s, "*"):
		n, err := strconv.ParseInt(strings.TrimSpace(s[1:]), 10, 64)
		if err != nil || n < 1 || n > maxScanUnits {
			return input{}, fmt.Errorf("%q: a quantity is * and a number from 1 to %d, e.g. *3", s, maxScanUnits)
		}
		if mode == ModeHandoff {
			return input{}, fmt.Errorf("no quantities at handoff: scan each waybill")
		}
		return input{kind: inputScan, scan: &pb.Scan{Action: pb.ScanAction_SCAN_ACTION_QUANTITY, Quantity: n}}, nil
	case strings.EqualFold(s, "!p"):
		if mode != ModePick {
			return input{}, fmt.Errorf("stops are postponed while picking")
		}
		return input{kind: inputScan, scan: &pb.Scan{Action: pb.ScanAction_SCAN_ACTION_POSTPONE}}, nil
	case strings.EqualFold(s, "!b") && mode == ModePack:
		return input{kind: inputScan, scan: &pb.Scan{Action: pb.ScanAction_SCAN_ACTION_NEW_BOX}}, nil
	case strings.HasPrefix(s, "!"):
		r, ok := shortKeys[strings.ToLower(s)]
		if !ok {
			return input{}, fmt.Errorf("%q: a short pick is !e (empty bin), !d (damaged) or !f (cannot find); !p postpones the stop", s)
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

// keyDef is a key of an inventory mode: "!" or "=" and a letter or two,
// maybe a number after it (e.g. "!d3", "=24"). Keys start with a character
// no label carries, like the scan modes' short keys.
type keyDef struct {
	key  string // as typed, lower case, without the number
	arg  string // how the number is shown in help ("N"); "" for none
	min  int64  // the least number allowed
	need bool   // the number must be typed (else it is 1)
	help string
}

// parseKey reads a key of an inventory mode.
func parseKey(keys []keyDef, s string) (input, error) {
	i := 1
	for i < len(s) && (s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z') {
		i++
	}
	name, num := strings.ToLower(s[:i]), strings.TrimSpace(s[i:])
	var known []string
	for _, k := range keys {
		known = append(known, k.key+k.arg)
		if k.key != name {
			continue
		}
		switch {
		case num == "" && k.need:
			return input{}, fmt.Errorf("%q: %s takes a number, e.g. %s3", s, k.key, k.key)
		case num == "" && k.arg != "":
			return input{kind: inputKey, key: k.key, n: 1}, nil
		case num == "":
			return input{kind: inputKey, key: k.key}, nil
		case k.arg == "":
			return input{}, fmt.Errorf("%q: %s takes no number", s, k.key)
		}
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil || n < k.min || n > maxScanUnits {
			return input{}, fmt.Errorf("%q: %s takes a number from %d to %d", s, k.key, k.min, maxScanUnits)
		}
		return input{kind: inputKey, key: k.key, n: n}, nil
	}
	return input{}, fmt.Errorf("%q is no key here: the keys are %s (? for help)", s, strings.Join(known, ", "))
}
