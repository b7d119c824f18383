package floor

import (
	"fmt"
	"time"
)

// PIN lengths: four digits at least (a card PIN), twelve at most.
const (
	MinPINLen = 4
	MaxPINLen = 12
)

// PINProblem says what is wrong with a PIN being set, or "" if nothing:
// 4 to 12 digits, not one digit repeated (0000) nor a run up or down
// (1234, 9876), the first PINs an onlooker tries.
func PINProblem(pin string) string {
	if len(pin) < MinPINLen || len(pin) > MaxPINLen {
		return fmt.Sprintf("want %d to %d digits, got %d characters", MinPINLen, MaxPINLen, len(pin))
	}
	for _, c := range pin {
		if c < '0' || c > '9' {
			return "digits only"
		}
	}
	same, up, down := true, true, true
	for i := 1; i < len(pin); i++ {
		d := int(pin[i]) - int(pin[i-1])
		same, up, down = same && d == 0, up && (d == 1 || d == -9), down && (d == -1 || d == 9)
	}
	if same || up || down {
		return "too easy to guess: not one digit repeated nor a run like 1234"
	}
	return ""
}

// Badge codes: a prefix that tells a badge from a bin or an item, then 20
// characters of base32 (A-Z, 2-7): 100 random bits, printable as a QR code
// or Code 128 and typed by nobody.
const (
	BadgePrefix  = "PPB"
	BadgeLen     = len(BadgePrefix) + 20
	badgeAlpha   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	maxDeviceLen = 64
)

// BadgeProblem says what is wrong with a code presented as a badge, or "".
func BadgeProblem(code string) string {
	if len(code) != BadgeLen || code[:len(BadgePrefix)] != BadgePrefix {
		return fmt.Sprintf("not a badge code (%s and 20 letters or digits)", BadgePrefix)
	}
	for i := len(BadgePrefix); i < len(code); i++ {
		if !isBadgeChar(code[i]) {
			return "not a badge code: only A-Z and 2-7"
		}
	}
	return ""
}

func isBadgeChar(c byte) bool { return (c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7') }

// BadgeCode turns 100 random bits (the low 100 of the 13 bytes given) into a
// badge code.
func BadgeCode(random [13]byte) string {
	b := []byte(BadgePrefix)
	var acc uint64
	bits := 0
	for _, x := range random {
		acc = acc<<8 | uint64(x)
		bits += 8
		for bits >= 5 && len(b) < BadgeLen {
			bits -= 5
			b = append(b, badgeAlpha[(acc>>bits)&31])
		}
	}
	return string(b)
}

// DeviceProblem says what is wrong with a device's name given at sign-in,
// or "": up to 64 printable ASCII characters (it goes into the log).
func DeviceProblem(name string) string {
	if len(name) > maxDeviceLen {
		return fmt.Sprintf("longer than %d characters", maxDeviceLen)
	}
	for i := 0; i < len(name); i++ {
		if name[i] < 0x20 || name[i] > 0x7e {
			return "printable ASCII only"
		}
	}
	return ""
}

// SignInPolicy bounds guessing: after MaxFailures wrong PINs in a row a
// user's PIN is locked for Lockout (a badge, or a supervisor setting a new
// PIN, still works), and an address that failed PerAddress times within
// AddressWindow is refused until the window has passed (badge codes and
// user names are guessed from somewhere).
type SignInPolicy struct {
	MaxFailures   int
	Lockout       time.Duration
	PerAddress    int
	AddressWindow time.Duration
}

// DefaultSignInPolicy allows five wrong PINs, then 15 minutes of waiting
// (at most 480 guesses a day of a million six-digit PINs), and 30 failures
// per address in 10 minutes.
var DefaultSignInPolicy = SignInPolicy{MaxFailures: 5, Lockout: 15 * time.Minute, PerAddress: 30, AddressWindow: 10 * time.Minute}

// MayManage reports whether a supervisor or admin (by) may set the PIN or
// issue the badge of a user with role target: supervisors manage the floor
// roles, admins everyone.
func MayManage(by, target Role) bool {
	switch by {
	case RoleAdmin:
		return true
	case RoleSupervisor:
		return target == RolePicker || target == RolePacker || target == RoleReceiver || target == RoleCounter
	}
	return false
}
